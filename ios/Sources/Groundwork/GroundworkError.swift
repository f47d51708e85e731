import Foundation
import GroundworkUniffi

/// Every failure of a Groundwork call, by the kind an app branches on. The message is for people
/// and bug reports; never match on it.
///
/// Every `throws` of this package throws a `GroundworkError` (Swift 5.9 has no typed throws; the
/// wrapper maps whatever the generated layer throws, see `mapped`).
public enum GroundworkError: Error, Equatable, Sendable {
    /// Rejected before anything was written: an empty or too long field, a malformed id, version
    /// or ticket, a key that is not 32 bytes, a value off the scale.
    case invalidInput(String)
    /// No such record, group or member on this device (or it was erased).
    case notFound(String)
    /// Not a member, not an admin, outside this device's grant; or a peer refused.
    case permission(String)
    /// The store failed: wrong key or not a store, in use, damaged, newer schema, disk full.
    case storage(String)
    /// The endpoint could not start, a peer was unreachable, a session broke off, an invite expired.
    case network(String)
    /// The edit is based on a version this device does not have yet: sync, then retry.
    case conflict(String)
    /// A bug, a panic in Rust, an object used after it was consumed.
    case `internal`(String)

    /// The kinds, for a `switch` that does not care about the message.
    public enum Kind: Sendable { case invalidInput, notFound, permission, storage, network, conflict, `internal` }

    public var kind: Kind {
        switch self {
        case .invalidInput: return .invalidInput
        case .notFound: return .notFound
        case .permission: return .permission
        case .storage: return .storage
        case .network: return .network
        case .conflict: return .conflict
        case .internal: return .internal
        }
    }

    public var message: String {
        switch self {
        case let .invalidInput(m), let .notFound(m), let .permission(m), let .storage(m),
             let .network(m), let .conflict(m), let .internal(m):
            return m
        }
    }

    init(_ error: FfiError) {
        switch error {
        case let .InvalidInput(message): self = .invalidInput(message)
        case let .NotFound(message): self = .notFound(message)
        case let .Permission(message): self = .permission(message)
        case let .Storage(message): self = .storage(message)
        case let .Network(message): self = .network(message)
        case let .Conflict(message): self = .conflict(message)
        case let .Internal(message): self = .internal(message)
        }
    }

    /// Any error out of the generated layer: its own error type, or uniffi's internal errors
    /// (a Rust panic in a synchronous call arrives as `UniffiInternalError.rustPanic`, a type the
    /// generated file keeps private: it can only be caught as `Error`).
    init(any error: Error) {
        if let mine = error as? GroundworkError {
            self = mine
        } else if let ffi = error as? FfiError {
            self.init(ffi)
        } else {
            self = .internal(String(describing: error))
        }
    }
}

extension GroundworkError: LocalizedError {
    public var errorDescription: String? { message }
}

/// Runs a call into the generated layer and maps what it throws.
func mapped<T>(_ call: () throws -> T) throws -> T {
    do { return try call() } catch { throw GroundworkError(any: error) }
}

/// The async form of `mapped`.
func mapped<T>(_ call: () async throws -> T) async throws -> T {
    do { return try await call() } catch { throw GroundworkError(any: error) }
}

/// Runs a store call (synchronous in Rust: SQLite and an fsync, a few milliseconds) on a
/// background queue, so a caller on the main actor never blocks the UI.
func offMain<T: Sendable>(_ call: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global(qos: .userInitiated).async {
            do { continuation.resume(returning: try mapped(call)) } catch { continuation.resume(throwing: error) }
        }
    }
}
