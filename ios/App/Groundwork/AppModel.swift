import Foundation
import Groundwork
import SwiftUI

/// What every screen shares: the open store, the group on screen, this organizer's name, and the
/// node while the meeting screen has it running.
@MainActor
final class AppModel: ObservableObject {
    enum Phase {
        case opening
        case needsGroup
        case ready(GroundworkGroup, GroupSettings)
        case failed(String)
    }

    @Published var phase: Phase = .opening
    @Published var groups: [GroupSummary] = []
    /// The organizer's name as conversations and follow-ups record it.
    @AppStorage("organizer") var organizer: String = ""

    private(set) var store: GroundworkStore?
    /// Running while a meeting screen or a join needs it; shut down when the app leaves the
    /// foreground (iOS suspends sockets anyway).
    @Published private(set) var node: Node?

    var storePath: String {
        let folder = FileManager.default.urls(for: .applicationSupportDirectory, in: .userDomainMask)[0]
        return folder.appendingPathComponent("groundwork/store.db").path
    }

    func open() async {
        do {
            let key = try StoreKey.loadOrCreate()
            let store = try await GroundworkStore.open(path: storePath, key: key)
            self.store = store
            groups = try await store.groups()
            if let first = groups.first {
                try await select(groupId: first.id)
            } else {
                phase = .needsGroup
            }
        } catch let error as GroundworkError {
            phase = .failed(error.message)
        } catch {
            phase = .failed("The store key could not be read from the Keychain (\(error)).")
        }
    }

    func select(groupId: String) async throws {
        guard let store else { return }
        let group = try await store.group(id: groupId)
        phase = .ready(group, try await group.settings())
    }

    func createGroup(named name: String) async {
        guard let store else { return }
        do {
            let group = try await store.createGroup(name: name)
            groups = try await store.groups()
            phase = .ready(group, try await group.settings())
        } catch {
            phase = .failed((error as? GroundworkError)?.message ?? "\(error)")
        }
    }

    /// After joining with an invite: the new group is on this device now.
    func joined(_ joined: JoinedGroup) async {
        guard let store else { return }
        groups = (try? await store.groups()) ?? groups
        try? await select(groupId: joined.groupId)
    }

    func startNode() async throws -> Node {
        if let node { return node }
        guard let store else { throw GroundworkError.internal("the store is not open") }
        let node = try await store.startNode()
        self.node = node
        return node
    }

    func stopNode() async {
        let running = node
        node = nil
        await running?.shutdown()
    }
}
