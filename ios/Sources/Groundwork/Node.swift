import Foundation
import GroundworkUniffi

/// This device on the network: invites, joining, syncing. It talks only to the group's own
/// devices, at addresses from tickets and earlier syncs, and to a relay only if the group runs
/// one (its settings' `relay`): no directory, no one else's server.
public final class Node: @unchecked Sendable {
    // `@unchecked Sendable`: the generated object is an `Arc` of a `Send + Sync` Rust value.
    let inner: FfiNode

    init(_ inner: FfiNode) { self.inner = inner }

    public var deviceId: String { inner.deviceId() }

    /// The `IP:port` sockets the node listens on.
    public var addresses: [String] { inner.addresses() }

    /// The relays the node uses: only those its groups run (empty unless a group set one).
    public var relays: [String] { inner.relays() }

    /// An invite to `group` (this device must be an admin): show its QR code and ticket, then
    /// `waitJoined()`. It works once, for at most ten minutes.
    public func invite(to group: GroundworkGroup, asAdmin: Bool = false,
                       validFor seconds: UInt32 = 600) throws -> Invite {
        let role: FfiRole = asAdmin ? FfiRole.admin : FfiRole.member
        let options = FfiInviteOptions(validitySecs: seconds, role: role, grant: nil)
        let ffi: FfiInvite = try mapped { try inner.createInvite(group: group.inner, options: options) }
        return Invite(ffi)
    }

    /// Joins a group with a ticket (typed, or read from the QR code), then syncs it from the
    /// inviter. `deviceName` is how the group's member list shows this device.
    public func join(ticket: String, deviceName: String) async throws -> JoinedGroup {
        let joined = try await mapped { try await inner.join(ticket: ticket, deviceName: deviceName) }
        return JoinedGroup(groupId: joined.groupId, groupName: joined.groupName, fingerprint: joined.fingerprint)
    }

    /// Syncs `group` once with every member device whose address this device knows.
    public func syncKnownPeers(_ group: GroundworkGroup) async throws -> [PeerSyncOutcome] {
        let outcomes = try await mapped { try await inner.syncKnownPeers(group: group.inner) }
        return outcomes.map(PeerSyncOutcome.init)
    }

    /// Syncs `group` once with one member device at `addresses` (`IP:port`).
    public func sync(_ group: GroundworkGroup, with peerDeviceId: String, at addresses: [String]) async throws -> SyncStats {
        let stats = try await mapped {
            try await inner.syncNow(group: group.inner, peerDeviceId: peerDeviceId, addresses: addresses)
        }
        return SyncStats(stats)
    }

    /// Where the node listens and how each known peer stands.
    public func syncStatus(_ group: GroundworkGroup) throws -> SyncStatus {
        let status: FfiSyncStatus = try mapped { try inner.syncStatus(group: group.inner) }
        return SyncStatus(status)
    }

    /// Call from the platform's network path monitor when the network changes.
    public func networkChanged() async { await inner.networkChange() }

    /// Stops serving and closes the endpoint. Safe to call twice; the node is unusable after.
    public func shutdown() async { await inner.shutdown() }
}

/// A live invite.
public final class Invite: @unchecked Sendable {
    let inner: FfiInvite

    init(_ inner: FfiInvite) { self.inner = inner }

    /// The ticket as text (`gwinvite1…`), for the other device to paste.
    public var ticket: String { inner.ticket() }
    /// What to show as a QR code (error correction L).
    public var qrPayload: String { inner.qrPayload() }
    public var groupName: String { inner.groupName() }
    public var expiresAt: Date { Date(ms: inner.expiresAtMs()) }

    /// Waits until a device joins: both screens then show its fingerprint to compare out loud.
    /// `.network` if nobody joins before the invite expires.
    public func waitJoined() async throws -> JoinedDevice {
        let joined = try await mapped { try await inner.waitJoined() }
        return JoinedDevice(deviceId: joined.deviceId, name: joined.name, fingerprint: joined.fingerprint)
    }
}

public struct JoinedGroup: Equatable, Sendable {
    public var groupId: String
    public var groupName: String
    /// This device's fingerprint, as the inviter's screen shows it.
    public var fingerprint: String
}

public struct JoinedDevice: Equatable, Sendable {
    public var deviceId: String
    public var name: String
    public var fingerprint: String
}

/// What one sync session did.
public struct SyncStats: Equatable, Sendable {
    public var roundTrips: UInt32
    public var bytesSent: UInt64
    public var bytesReceived: UInt64
    /// Records that differed.
    public var differing: UInt32
    public var docsReceived: UInt32
    public var docsSent: UInt32

    init(_ s: FfiSyncStats) {
        roundTrips = s.roundTrips
        bytesSent = s.bytesSent
        bytesReceived = s.bytesReceived
        differing = s.differing
        docsReceived = s.docsReceived
        docsSent = s.docsSent
    }
}

/// A finished sync session.
public struct SyncReport: Equatable, Sendable {
    public var peerDeviceId: String
    public var groupId: String?
    /// This device started it.
    public var initiated: Bool
    public var at: Date
    /// `nil` when the session failed (see `error`).
    public var stats: SyncStats?
    public var error: String?

    init(_ r: FfiSyncReport) {
        peerDeviceId = r.peerDeviceId
        groupId = r.groupId
        initiated = r.initiated
        at = Date(ms: r.atMs)
        stats = r.stats.map(SyncStats.init)
        error = r.error
    }
}

/// The outcome of syncing with one peer.
public struct PeerSyncOutcome: Equatable, Sendable {
    public var deviceId: String
    public var stats: SyncStats?
    public var error: String?

    init(_ o: FfiPeerSyncOutcome) {
        deviceId = o.deviceId
        stats = o.stats.map(SyncStats.init)
        error = o.error
    }
}

/// Where the node listens, and each member device it knows how to reach.
public struct SyncStatus: Equatable, Sendable {
    public struct Peer: Identifiable, Equatable, Sendable {
        public var id: String
        public var name: String
        public var addresses: [String]
        public var lastSession: SyncReport?
    }

    public var listening: [String]
    public var peers: [Peer]

    init(_ s: FfiSyncStatus) {
        listening = s.listening
        peers = s.peers.map {
            Peer(id: $0.deviceId, name: $0.name, addresses: $0.addresses,
                 lastSession: $0.lastSession.map(SyncReport.init))
        }
    }
}

/// A fresh random id (for a terrain unit added with its children in one update).
public func newId() -> String { GroundworkUniffi.newId() }
