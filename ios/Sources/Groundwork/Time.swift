import Foundation
import GroundworkUniffi

// The facade counts time in milliseconds since the epoch (UTC); the Swift API in `Date`.
extension Date {
    init(ms: Int64) { self.init(timeIntervalSince1970: Double(ms) / 1000) }
    var ms: Int64 { Int64((timeIntervalSince1970 * 1000).rounded()) }
}

extension Optional where Wrapped == Int64 {
    var date: Date? { map { Date(ms: $0) } }
}
