// Correct wrapper code: the checker must report nothing here (no false alarms).
import Foundation
import GroundworkUniffi

typealias FfiStore = GroundworkUniffi.GroundworkStore
typealias FfiGroup = GroundworkUniffi.Group
typealias FfiChannel = GroundworkUniffi.Channel

func use(store: FfiStore) async throws -> String {
    let reopened = try await FfiStore.open(path: "/tmp/x.db", key: Data(count: 32))
    let group: FfiGroup = try reopened.createGroup(name: "Maple Court")
    let contact = try group.createContact(contact: GroundworkUniffi.NewContact(name: "Rosa"))
    switch FfiChannel.door {
    case .door, .phone, .workplace, .event: break
    case let .other(value): _ = value
    }
    _ = store.fingerprint()
    return contact.meta.version + GroundworkUniffi.newId()
}

final class Listener: GroundworkUniffi.RecordListener {
    func onNotification(notification: GroundworkUniffi.Notification) throws {}
}
