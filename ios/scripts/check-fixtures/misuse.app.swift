// App code using the wrapper's API wrongly: each marked line must be reported; the rest is right.
import Foundation
import Groundwork

struct Screen {
    let group: GroundworkGroup
    let store: GroundworkStore

    func load() async throws {
        _ = try await group.contacts(ContactQuery(namePrefix: "ro", limit: 20))
        _ = try await group.contact(id: "x")
        _ = try await group.contactList() // expect: GroundworkGroup has no member 'contactList'
        _ = try await group.contacts(ContactQuery(prefix: "ro")) // expect: no init of ContactQuery takes (prefix:)
        _ = group.inner // expect: GroundworkGroup.inner is not public
        _ = Channel.carrierPigeon // expect: Channel has no static member or case 'carrierPigeon'
        _ = try await GroundworkStore.open(path: "/tmp/x.db", key: Data(count: 32))
        _ = try await GroundworkStore.open(file: "/tmp/x.db", key: Data(count: 32)) // expect: GroundworkStore.open takes no (file:, key:)
        for await rows in try group.watchContacts() { _ = rows }
    }
}
