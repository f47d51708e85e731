import Foundation
import GroundworkUniffi

// Subscriptions as AsyncSequences. Each stream owns the Rust `SubscriptionHandle`: when the stream
// terminates (the consuming task is cancelled, the `for await` loop ends, the stream is dropped),
// `onTermination` cancels the handle, and Rust stops calling the listener.
//
// The listeners are called one event at a time, in order, from a Groundwork thread (never the
// main thread); they only yield into the stream's buffer, so they never block Rust for long.

/// What kind of record an event is about.
public enum RecordKind: Hashable, Sendable {
    case contact, followUp, plan, terrain, settings

    init(_ k: FfiRecordKind) {
        switch k {
        case .contact: self = .contact
        case .followUp: self = .followUp
        case .plan: self = .plan
        case .terrain: self = .terrain
        case .settings: self = .settings
        }
    }

    var ffi: FfiRecordKind {
        switch self {
        case .contact: return FfiRecordKind.contact
        case .followUp: return FfiRecordKind.followUp
        case .plan: return FfiRecordKind.plan
        case .terrain: return FfiRecordKind.terrain
        case .settings: return FfiRecordKind.settings
        }
    }
}

/// Which record events a stream wants.
public enum RecordFilter: Equatable, Sendable {
    /// Every change in the group.
    case group
    /// One record, by id.
    case record(String)
    /// Records of these kinds.
    case kinds([RecordKind])

    var ffi: FfiRecordFilter {
        switch self {
        case .group: return FfiRecordFilter.group
        case let .record(id): return FfiRecordFilter.record(id: id)
        case let .kinds(kinds): return FfiRecordFilter.kinds(kinds: kinds.map(\.ffi))
        }
    }
}

/// One record changed or was erased, after the change was durably stored.
public struct RecordEvent: Equatable, Sendable {
    public var recordId: String
    public var kind: RecordKind
    public var erased: Bool
    /// The change arrived from another device (by sync), not from an edit here.
    public var fromSync: Bool
}

/// What a record stream delivers.
public enum RecordNotification: Equatable, Sendable {
    case changed(RecordEvent)
    /// Events were dropped (this stream or Rust fell behind): re-read what the screen shows.
    case missed

    init(_ n: FfiNotification) {
        switch n {
        case let .changed(event):
            let fromSync: Bool
            if case .remote = event.origin { fromSync = true } else { fromSync = false }
            self = .changed(RecordEvent(recordId: event.recordId, kind: RecordKind(event.kind),
                                        erased: event.erased, fromSync: fromSync))
        case .missed:
            self = .missed
        }
    }
}

/// How many record events a slow consumer may have waiting before the oldest are dropped (and a
/// `.missed` tells it so). A screen re-reads on `.missed`, so a bound costs nothing but a re-read.
let recordBuffer = 512

final class RecordStreamListener: FfiRecordListener, @unchecked Sendable {
    // `@unchecked Sendable`: Rust calls `onNotification` one event at a time, so `lost` is never
    // touched by two threads at once; the continuation is itself thread-safe.
    private let continuation: AsyncStream<RecordNotification>.Continuation
    private var lost = false

    init(_ continuation: AsyncStream<RecordNotification>.Continuation) { self.continuation = continuation }

    func onNotification(notification: FfiNotification) throws {
        if case .dropped = continuation.yield(RecordNotification(notification)) { lost = true }
        if lost {
            lost = false
            continuation.yield(.missed)
        }
    }
}

final class ContactRowsListener: FfiContactListListener, @unchecked Sendable {
    private let continuation: AsyncStream<[ContactSummary]>.Continuation
    init(_ continuation: AsyncStream<[ContactSummary]>.Continuation) { self.continuation = continuation }

    func onContacts(contacts: [FfiContactSummary]) throws {
        continuation.yield(contacts.map(ContactSummary.init))
    }
}

final class FollowUpRowsListener: FfiFollowUpListListener, @unchecked Sendable {
    private let continuation: AsyncStream<[FollowUpSummary]>.Continuation
    init(_ continuation: AsyncStream<[FollowUpSummary]>.Continuation) { self.continuation = continuation }

    func onFollowUps(followUps: [FfiFollowUpSummary]) throws {
        continuation.yield(followUps.map(FollowUpSummary.init))
    }
}

final class SyncReportListener: FfiSyncListener, @unchecked Sendable {
    private let continuation: AsyncStream<SyncReport>.Continuation
    init(_ continuation: AsyncStream<SyncReport>.Continuation) { self.continuation = continuation }

    func onSession(report: FfiSyncReport) throws {
        continuation.yield(SyncReport(report))
    }
}


extension GroundworkGroup {
    /// Record events in this group matching `filter` (edits here and changes arriving by sync),
    /// from now on, until the stream ends. Throws at once if the filter is invalid.
    public func changes(_ filter: RecordFilter = .group) throws -> AsyncStream<RecordNotification> {
        let (stream, continuation) = AsyncStream.makeStream(of: RecordNotification.self,
                                                            bufferingPolicy: .bufferingNewest(recordBuffer))
        let handle: FfiSubscriptionHandle = try mapped {
            try inner.subscribe(filter: filter.ffi, listener: RecordStreamListener(continuation))
        }
        continuation.onTermination = { _ in handle.cancel() }
        return stream
    }

    /// A contact list screen's rows: the current rows at once, then the new rows each time a
    /// change (here or by sync) alters them. Only the latest rows are kept for a slow consumer.
    public func watchContacts(_ query: ContactQuery = ContactQuery()) throws -> AsyncStream<[ContactSummary]> {
        let (stream, continuation) = AsyncStream.makeStream(of: [ContactSummary].self,
                                                            bufferingPolicy: .bufferingNewest(1))
        let handle: FfiSubscriptionHandle = try mapped {
            try inner.watchContacts(query: query.ffi, listener: ContactRowsListener(continuation))
        }
        continuation.onTermination = { _ in handle.cancel() }
        return stream
    }

    /// A follow-up list's rows, like `watchContacts`. "Due" is judged against `dueBefore` as
    /// given: a screen showing what is due now watches again as the day moves on.
    public func watchFollowUps(_ query: FollowUpQuery = FollowUpQuery()) throws -> AsyncStream<[FollowUpSummary]> {
        let (stream, continuation) = AsyncStream.makeStream(of: [FollowUpSummary].self,
                                                            bufferingPolicy: .bufferingNewest(1))
        let handle: FfiSubscriptionHandle = try mapped {
            try inner.watchFollowUps(query: query.ffi, listener: FollowUpRowsListener(continuation))
        }
        continuation.onTermination = { _ in handle.cancel() }
        return stream
    }
}

extension Node {
    /// A report after each sync session of this node (started here or by a peer), from now on,
    /// until the stream ends.
    public func syncReports() -> AsyncStream<SyncReport> {
        let (stream, continuation) = AsyncStream.makeStream(of: SyncReport.self,
                                                            bufferingPolicy: .bufferingNewest(recordBuffer))
        let handle: FfiSubscriptionHandle = inner.subscribeSync(listener: SyncReportListener(continuation))
        continuation.onTermination = { _ in handle.cancel() }
        return stream
    }
}
