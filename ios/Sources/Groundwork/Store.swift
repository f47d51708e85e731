import Foundation
import GroundworkUniffi

/// This device's encrypted store: its groups and the device's own key.
///
/// Open one per store file and keep it for the app's lifetime: a second open of the same file
/// fails with `.storage` ("in use") while the first lives.
///
/// Thread safety: the Rust object behind it is shared and locked inside Rust, so this class has
/// no state of its own to guard (`@unchecked Sendable` for that reason, not by hope).
public final class GroundworkStore: @unchecked Sendable {
    let inner: FfiStore

    private init(_ inner: FfiStore) { self.inner = inner }

    /// Opens the store at `path`, creating it if absent. `key` is the raw 32 bytes from the
    /// Keychain: another length is `.invalidInput`; a key that does not open the file is
    /// `.storage`, and the file is left untouched.
    public static func open(path: String, key: Data) async throws -> GroundworkStore {
        let ffi: FfiStore = try await mapped { try await FfiStore.open(path: path, key: key) }
        return GroundworkStore(ffi)
    }

    /// This device's id (hex).
    public var deviceId: String { inner.deviceId() }

    /// Four groups of five digits, for people to compare out loud when one device admits another.
    public var fingerprint: String { inner.fingerprint() }

    /// The groups on this device, oldest first.
    public func groups() async throws -> [GroupSummary] {
        let store = inner
        return try await offMain { try store.groups().map { GroupSummary(id: $0.id, name: $0.name) } }
    }

    /// A group on this device (`.notFound` if it is not here).
    public func group(id: String) async throws -> GroundworkGroup {
        let store = inner
        return try await offMain { GroundworkGroup(try store.group(id: id)) }
    }

    /// Creates a group; this device becomes its first admin.
    public func createGroup(name: String) async throws -> GroundworkGroup {
        let store = inner
        return try await offMain { GroundworkGroup(try store.createGroup(name: name)) }
    }

    /// Starts this device on the network. Keep the node while the app is in the foreground;
    /// `shutdown()` it when the app leaves.
    public func startNode(bind: String = "0.0.0.0:0") async throws -> Node {
        let options = FfiNodeOptions(bind: bind, relayUrl: nil)
        let ffi: FfiNode = try await mapped { try await inner.startNode(options: options) }
        return Node(ffi)
    }
}

/// A group on this device.
public struct GroupSummary: Identifiable, Equatable, Sendable {
    public var id: String
    public var name: String
}
