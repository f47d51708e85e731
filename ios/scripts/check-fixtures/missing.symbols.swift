// Wrapper code that uses generated symbols the bindings do not have: each marked line must be
// reported (a Swift compiler would refuse each of them).
import GroundworkUniffi

typealias FfiGroup = GroundworkUniffi.Group
typealias FfiChannel = GroundworkUniffi.Channel
typealias FfiGhost = GroundworkUniffi.Ghost // expect: no type GroundworkUniffi.Ghost

func misuse(group: FfiGroup, store: GroundworkUniffi.GroundworkStore) throws {
    _ = try group.teleportContact(id: "x") // expect: Group has no member 'teleportContact'
    _ = try group.contact(identifier: "x") // expect: contact takes no (identifier:)
    _ = FfiChannel.carrierPigeon // expect: Channel has no static member or case 'carrierPigeon'
    _ = GroundworkUniffi.newUuid() // expect: no GroundworkUniffi.newUuid
    let channel: FfiChannel = FfiChannel.door
    switch channel {
    case .door: break
    case .smokeSignal: break // expect: Channel has no case 'smokeSignal'
    default: break
    }
}

func follow(contact: GroundworkUniffi.Contact, note: GroundworkUniffi.Notification) -> [String] {
    switch note {
    case let .changed(event): _ = event.recordIdentifier // expect: RecordEvent has no member 'recordIdentifier'
    case .missed: break
    }
    if case .teleported = note { return [] } // expect: Notification has no case 'teleported'
    if case .missed = note { return [] }
    let found = mapped { contact.meta }
    _ = found.versions // expect: RecordMeta has no member 'versions'
    return contact.phones.map { $0.number } // expect: Labelled has no member 'number'
}

func mapped<T>(_ call: () throws -> T) rethrows -> T { try call() }

final class HalfListener: GroundworkUniffi.RecordListener { // expect: lacks func onNotification(notification:)
    func onNote(notification: GroundworkUniffi.Notification) throws {}
}
