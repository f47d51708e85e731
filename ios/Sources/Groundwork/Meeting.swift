import Foundation
import GroundworkUniffi

// Meeting mode, live benchmarks, and pausing the node around backgrounding.

/// What meeting mode did.
public enum MeetingEvent: Equatable, Sendable {
    /// A member device of `groupId` was heard on the local network; a sync with it started.
    case found(groupId: String, deviceId: String)
    /// A sync with a device found finished (`error` set when it failed).
    case synced(SyncReport)
    /// The time limit passed: this phone is no longer announced.
    case ended
}

final class MeetingStreamListener: FfiMeetingListener, @unchecked Sendable {
    private let continuation: AsyncStream<MeetingEvent>.Continuation
    init(_ continuation: AsyncStream<MeetingEvent>.Continuation) { self.continuation = continuation }

    func onFound(groupId: String, deviceId: String) throws {
        continuation.yield(.found(groupId: groupId, deviceId: deviceId))
    }

    func onSynced(report: FfiSyncReport) throws {
        continuation.yield(.synced(SyncReport(report)))
    }

    func onEnded() throws {
        continuation.yield(.ended)
    }
}

/// A plan's benchmark counted against the records now.
public struct BenchmarkProgress: Equatable, Sendable, Identifiable {
    public var id: String { benchmark }
    public var plan: String
    public var planTitle: String
    public var benchmark: String
    public var description: String
    public var target: UInt64
    public var deadline: Date?
    /// `nil` for a query from a newer Groundwork.
    public var count: UInt64?
    public var met: Bool
    /// The deadline passed without the target met.
    public var missed: Bool
    /// This device holds part of what the query counts: the count may be low.
    public var partial: Bool

    init(_ b: FfiBenchmarkProgress) {
        plan = b.plan
        planTitle = b.planTitle
        benchmark = b.benchmark
        description = b.description
        target = b.target
        deadline = b.deadlineMs.date
        count = b.count
        met = b.met
        missed = b.missed
        partial = b.partial
    }
}

final class BenchmarkRowsListener: FfiBenchmarkListener, @unchecked Sendable {
    private let continuation: AsyncStream<[BenchmarkProgress]>.Continuation
    init(_ continuation: AsyncStream<[BenchmarkProgress]>.Continuation) { self.continuation = continuation }

    func onBenchmarks(benchmarks: [FfiBenchmarkProgress]) throws {
        continuation.yield(benchmarks.map(BenchmarkProgress.init))
    }
}

extension GroundworkGroup {
    /// A plan's benchmarks (every plan's with `nil`), live: the counts now, then again after each
    /// write, here or by sync, that could move them. Only the latest counts are kept.
    public func watchBenchmarks(plan: String? = nil) throws -> AsyncStream<[BenchmarkProgress]> {
        let (stream, continuation) = AsyncStream.makeStream(of: [BenchmarkProgress].self,
                                                            bufferingPolicy: .bufferingNewest(1))
        let handle: FfiSubscriptionHandle = try mapped {
            try inner.watchBenchmarks(listener: BenchmarkRowsListener(continuation), plan: plan)
        }
        continuation.onTermination = { _ in handle.cancel() }
        return stream
    }
}

extension Node {
    /// Meeting mode while the stream is consumed, for at most `minutes` (up to 240): this phone
    /// announces itself on the meeting's Wi-Fi with an id only members recognise and syncs
    /// `groups` with every member device it finds. Needs the local-network permission and, for
    /// raw multicast, Apple's multicast entitlement (see ios/README.md). Ending the stream stops
    /// announcing and the syncs under way.
    public func meeting(_ groups: [GroundworkGroup], minutes: UInt32 = 120) async throws -> AsyncStream<MeetingEvent> {
        let (stream, continuation) = AsyncStream.makeStream(of: MeetingEvent.self,
                                                            bufferingPolicy: .bufferingNewest(recordBuffer))
        let handle: FfiSubscriptionHandle = try await mapped {
            try await inner.startMeeting(groups: groups.map(\.inner), minutes: minutes,
                                         listener: MeetingStreamListener(continuation))
        }
        continuation.onTermination = { _ in handle.cancel() }
        return stream
    }

    /// When the app moves to the background: closes the endpoint cleanly and frees its sockets.
    /// Network calls throw `.network` until `resume()`; sync report streams stay.
    public func pause() async { await inner.pause() }

    /// When the app comes back to the foreground: the endpoint starts again.
    public func resume() async throws { try await mapped { try await inner.resume() } }
}
