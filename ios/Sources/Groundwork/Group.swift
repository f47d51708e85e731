import Foundation
import GroundworkUniffi

/// One group's records: contacts and their conversations, follow-ups, plans, members, and streams
/// of what changes. (Not `Group`: that name is SwiftUI's.)
///
/// Store calls are synchronous in Rust (SQLite and an fsync, a few milliseconds); every method here
/// is `async` and runs them on a background queue. When a write returns it is on disk; when it
/// throws, nothing was written.
public final class GroundworkGroup: @unchecked Sendable {
    // `@unchecked Sendable`: the only state is the generated object, which is an `Arc` of a
    // `Send + Sync` Rust value (its own locks live in Rust). The background closures below
    // capture it and the caller's (Sendable) wrapper values, and make the generated records
    // inside: before Swift 6 the generated records are not marked Sendable.
    let inner: FfiGroup

    init(_ inner: FfiGroup) { self.inner = inner }

    public var id: String { inner.id() }

    // MARK: settings

    /// The group's name and assessment scale.
    public func settings() async throws -> GroupSettings {
        let group = inner
        return try await offMain { GroupSettings(try group.settings()) }
    }

    // MARK: contacts

    public func createContact(_ contact: NewContact) async throws -> Contact {
        let group = inner
        return try await offMain { Contact(try group.createContact(contact: contact.ffi)) }
    }

    /// A contact with their conversation log.
    public func contact(id: String) async throws -> Contact {
        let group = inner
        return try await offMain { Contact(try group.contact(id: id)) }
    }

    /// Contacts matching a query, by name (from the index: fast with thousands of contacts).
    public func contacts(_ query: ContactQuery = ContactQuery()) async throws -> [ContactSummary] {
        let group = inner
        return try await offMain { try group.contacts(query: query.ffi).map(ContactSummary.init) }
    }

    public func countContacts(_ query: ContactQuery = ContactQuery()) async throws -> UInt64 {
        let group = inner
        return try await offMain { try group.countContacts(query: query.ffi) }
    }

    /// Applies per-field edits. Pass the `version` the screen showed as `base`: a change that
    /// arrived meanwhile is kept. An unknown base is `.conflict` (sync, then retry).
    public func updateContact(id: String, _ edits: [ContactEdit], base: String? = nil) async throws -> Contact {
        let group = inner
        return try await offMain { Contact(try group.updateContact(id: id, edits: edits.map(\.ffi), base: base)) }
    }

    // MARK: conversations

    /// Records a one-on-one, and the follow-up its next steps call for, in one write.
    public func recordConversation(contactId: String, _ conversation: NewConversation,
                                   followUp: NewFollowUp? = nil) async throws -> RecordedConversation {
        let group = inner
        return try await offMain {
            let recorded = try group.recordConversation(contactId: contactId, conversation: conversation.ffi,
                                                        followUp: followUp?.ffi)
            return RecordedConversation(conversationId: recorded.conversationId, followUpId: recorded.followUpId)
        }
    }

    // MARK: follow-ups

    public func createFollowUp(_ followUp: NewFollowUp) async throws -> FollowUp {
        let group = inner
        return try await offMain { FollowUp(try group.createFollowUp(followUp: followUp.ffi)) }
    }

    public func followUps(_ query: FollowUpQuery = FollowUpQuery()) async throws -> [FollowUpSummary] {
        let group = inner
        return try await offMain { try group.followUps(query: query.ffi).map(FollowUpSummary.init) }
    }

    /// How many follow-ups match: for a reminder that shows a count and never a name.
    public func countFollowUps(_ query: FollowUpQuery = FollowUpQuery()) async throws -> UInt64 {
        let group = inner
        return try await offMain { try group.countFollowUps(query: query.ffi) }
    }

    /// Marks a follow-up done with a note; a recurring check-in comes back as `next`.
    public func completeFollowUp(id: String, note: String = "") async throws -> (done: FollowUp, next: FollowUp?) {
        let group = inner
        return try await offMain {
            let c = try group.completeFollowUp(id: id, note: note)
            return (FollowUp(c.done), c.next.map(FollowUp.init))
        }
    }

    /// What the phone's reminder shows for `organizer`: counts only, never a name.
    public func dueSummary(organizer: String, at now: Date = Date()) async throws -> (dueToday: UInt64, overdue: UInt64) {
        let group = inner
        let at = GroundworkUniffi.LocalTime(nowMs: now.ms, utcOffsetMinutes: Int32(TimeZone.current.secondsFromGMT(for: now) / 60))
        return try await offMain {
            let s = try group.dueSummary(organizer: organizer, at: at)
            return (s.dueToday, s.overdue)
        }
    }

    /// Moves a follow-up to another day.
    public func snoozeFollowUp(id: String, until due: Date) async throws -> FollowUp {
        let group = inner, dueMs = due.ms
        return try await offMain {
            FollowUp(try group.updateFollowUp(id: id, edits: [FfiFollowUpEdit.setDue(dueMs: dueMs)], base: nil))
        }
    }

    // MARK: plans

    public func plans() async throws -> [PlanSummary] {
        let group = inner
        return try await offMain { try group.plans().map { PlanSummary(id: $0.id, title: $0.title) } }
    }

    public func plan(id: String) async throws -> Plan {
        let group = inner
        return try await offMain { Plan(try group.plan(id: id)) }
    }

    public func createPlan(title: String, units: [String] = [], strategy: String = "") async throws -> Plan {
        let group = inner
        return try await offMain {
            Plan(try group.createPlan(plan: FfiNewPlan(title: title, units: units, strategy: strategy)))
        }
    }

    public func updatePlan(id: String, _ edits: [PlanEdit], base: String? = nil) async throws -> Plan {
        let group = inner
        return try await offMain { Plan(try group.updatePlan(id: id, edits: edits.map(\.ffi), base: base)) }
    }

    // MARK: conflicts and membership

    /// Settles a conflict listed in a record's `conflicts` by choosing one of its values.
    public func resolveConflict(recordId: String, field: String, chosen: String) async throws {
        let group = inner
        try await offMain { try group.resolveConflict(recordId: recordId, field: field, chosen: chosen) }
    }

    public func members() async throws -> [Member] {
        let group = inner
        return try await offMain { try group.members().map(Member.init) }
    }

    /// Whether this device may admit others (invites are an admin's act).
    public func isAdmin() async throws -> Bool {
        let group = inner
        return try await offMain {
            let role: FfiRole? = try group.myRole()
            if case .admin? = role { return true }
            return false
        }
    }
}

/// A member device of the group.
public struct Member: Identifiable, Equatable, Sendable {
    public var id: String
    public var name: String
    public var isAdmin: Bool
    public var isThisDevice: Bool

    init(_ m: FfiMember) {
        id = m.deviceId
        name = m.name
        if case .admin = m.role { isAdmin = true } else { isAdmin = false }
        isThisDevice = m.isThisDevice
    }
}

/// The group's name, assessment scale and relay.
public struct GroupSettings: Equatable, Sendable {
    /// A level of the scale: leader 1, supporter 2, undecided 3, pass 4 unless the group chose
    /// another scale.
    public struct Level: Identifiable, Equatable, Sendable {
        public var value: Int64
        public var label: String
        public var id: Int64 { value }
    }

    public var name: String
    /// Strongest first.
    public var levels: [Level]
    public var supporterOrBetter: [Int64]
    /// The relay the group runs itself, through which members in different places reach each
    /// other; nil: devices meet only directly.
    public var relay: String?

    init(_ s: FfiGroupSettings) {
        name = s.name
        levels = s.scale.levels.map { Level(value: $0.value, label: $0.label) }
        supporterOrBetter = s.scale.supporterOrBetter
        relay = s.relay
    }

    /// The label of a value on the scale.
    public func label(of value: Int64?) -> String? {
        guard let value else { return nil }
        return levels.first { $0.value == value }?.label
    }
}
