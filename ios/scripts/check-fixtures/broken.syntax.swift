// A deliberately broken snippet: the checker must name this file and the broken line.
import Foundation

struct Broken {
    func count(_ values: [Int]) -> Int {
        values.reduce(0, + // expect: missing )
    }
}
