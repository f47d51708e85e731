import Foundation
import GroundworkUniffi

/// Whether a follow-up is still to do.
public enum FollowUpStatus: Hashable, Sendable {
    case open, done, cancelled
    /// A status a newer Groundwork knows.
    case other(String)

    init(_ s: FfiFollowUpStatus) {
        switch s {
        case .open: self = .open
        case .done: self = .done
        case .cancelled: self = .cancelled
        case let .other(value): self = .other(value)
        }
    }

    var ffi: FfiFollowUpStatus {
        switch self {
        case .open: return FfiFollowUpStatus.open
        case .done: return FfiFollowUpStatus.done
        case .cancelled: return FfiFollowUpStatus.cancelled
        case let .other(value): return FfiFollowUpStatus.other(value: value)
        }
    }
}

/// A task an organizer owes someone: a call back, a check-in, an onboarding step.
public struct FollowUp: Identifiable, Equatable, Sendable {
    public var id: String
    public var title: String
    public var contact: String?
    public var plan: String?
    public var conversation: String?
    public var assignee: String
    public var due: Date?
    public var status: FollowUpStatus
    public var note: String
    public var isOnboarding: Bool
    public var version: String

    init(_ f: FfiFollowUp) {
        id = f.id
        title = f.title
        contact = f.contact
        plan = f.plan
        conversation = f.conversation
        assignee = f.assignee
        due = f.dueMs.date
        status = FollowUpStatus(f.status)
        note = f.note
        if case .onboarding = f.kind { isOnboarding = true } else { isOnboarding = false }
        version = f.meta.version
    }
}

/// A list row: what the index knows of a follow-up.
public struct FollowUpSummary: Identifiable, Equatable, Sendable {
    public var id: String
    public var title: String
    public var contact: String?
    public var assignee: String
    public var due: Date?
    public var status: FollowUpStatus

    init(_ f: FfiFollowUpSummary) {
        id = f.id
        title = f.title
        contact = f.contact
        assignee = f.assignee
        due = f.dueMs.date
        status = FollowUpStatus(f.status)
    }
}

/// A follow-up to create (by hand, or with a conversation from its next steps).
public struct NewFollowUp: Sendable {
    public var title: String
    public var assignee: String
    public var due: Date?
    public var contact: String?
    /// A recurring check-in (a leader's, every 14 days): done schedules the next.
    public var repeatEveryDays: UInt32?
    public var note: String

    public init(title: String, assignee: String, due: Date? = nil, contact: String? = nil,
                repeatEveryDays: UInt32? = nil, note: String = "") {
        self.title = title
        self.assignee = assignee
        self.due = due
        self.contact = contact
        self.repeatEveryDays = repeatEveryDays
        self.note = note
    }

    var ffi: FfiNewFollowUp {
        FfiNewFollowUp(
            title: title,
            assignee: assignee,
            dueMs: due?.ms,
            contact: contact,
            note: note,
            repeatEveryDays: repeatEveryDays
        )
    }
}

/// Which follow-ups a list wants. By default: open ones, soonest due first.
public struct FollowUpQuery: Equatable, Sendable {
    public var assignee: String?
    /// Due strictly before this ("due now": now; "due today": the end of the day).
    public var dueBefore: Date?
    public var dueFrom: Date?
    public var contact: String?
    public var limit: UInt32?

    public init(assignee: String? = nil, dueBefore: Date? = nil, dueFrom: Date? = nil,
                contact: String? = nil, limit: UInt32? = nil) {
        self.assignee = assignee
        self.dueBefore = dueBefore
        self.dueFrom = dueFrom
        self.contact = contact
        self.limit = limit
    }

    var ffi: FfiFollowUpQuery {
        FfiFollowUpQuery(
            assignee: assignee,
            dueBeforeMs: dueBefore?.ms,
            dueFromMs: dueFrom?.ms,
            contact: contact,
            limit: limit
        )
    }
}
