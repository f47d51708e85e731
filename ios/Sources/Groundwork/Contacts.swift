import Foundation
import GroundworkUniffi

/// A person the group organizes with, with their conversation log.
public struct Contact: Identifiable, Equatable, Sendable {
    public var id: String
    public var name: String
    public var phones: [LabelledEntry]
    public var emails: [LabelledEntry]
    public var addresses: [LabelledEntry]
    /// The deepest terrain unit known (a shift, a floor, an apartment).
    public var unit: String?
    public var tags: [String]
    public var organizers: [String]
    public var doNotContact: Bool
    /// Shared notes, edited together.
    public var notes: String
    /// Each conversation at its latest revision, oldest first.
    public var conversations: [Conversation]
    /// The assessment of the latest assessed conversation (a value on the group's scale).
    public var assessment: Int64?
    public var lastConversationAt: Date?
    /// Pass it back as `base` with an edit made on a screen that showed this version.
    public var version: String
    /// Fields with concurrent values that someone should choose between.
    public var conflicts: [FieldConflict]

    init(_ c: FfiContact) {
        id = c.id
        name = c.name
        phones = c.phones.map { LabelledEntry(id: $0.id, label: $0.label, value: $0.value) }
        emails = c.emails.map { LabelledEntry(id: $0.id, label: $0.label, value: $0.value) }
        addresses = c.addresses.map { LabelledEntry(id: $0.id, label: $0.label, value: $0.value) }
        unit = c.unit
        tags = c.tags
        organizers = c.organizers
        doNotContact = c.doNotContact
        notes = c.notes
        conversations = c.conversations.map(Conversation.init)
        assessment = c.assessment
        lastConversationAt = c.lastConversationAtMs.date
        version = c.meta.version
        conflicts = FieldConflict.all(c.meta)
    }
}

/// A phone, email or address with its label ("mobile", "work").
public struct LabelledEntry: Identifiable, Equatable, Sendable {
    public var id: String
    public var label: String
    public var value: String
}

/// Two or more values set concurrently for one field; the record shows the first.
public struct FieldConflict: Equatable, Sendable {
    public var field: String
    public var values: [String]

    static func all(_ meta: FfiRecordMeta) -> [FieldConflict] {
        meta.conflicts.map { FieldConflict(field: $0.field, values: $0.values.map(\.value)) }
    }
}

/// A new contact. Only the name is required.
public struct NewContact: Sendable {
    public var name: String
    /// (label, value): ("mobile", "0612 345 678").
    public var phones: [(label: String, value: String)]
    public var emails: [(label: String, value: String)]
    public var unit: String?
    public var tags: [String]
    public var organizers: [String]
    public var notes: String

    public init(name: String, phones: [(label: String, value: String)] = [],
                emails: [(label: String, value: String)] = [], unit: String? = nil,
                tags: [String] = [], organizers: [String] = [], notes: String = "") {
        self.name = name
        self.phones = phones
        self.emails = emails
        self.unit = unit
        self.tags = tags
        self.organizers = organizers
        self.notes = notes
    }

    var ffi: FfiNewContact {
        FfiNewContact(
            name: name,
            phones: phones.map { FfiLabelledValue(label: $0.label, value: $0.value) },
            emails: emails.map { FfiLabelledValue(label: $0.label, value: $0.value) },
            unit: unit,
            tags: tags,
            organizers: organizers,
            notes: notes
        )
    }
}

/// One per-field change to a contact: only the named field is written, so a concurrent edit of
/// another field survives.
public enum ContactEdit: Sendable {
    case setName(String)
    case addPhone(label: String, value: String)
    case addEmail(label: String, value: String)
    case removePhone(id: String)
    case addTag(String)
    case removeTag(String)
    case addOrganizer(String)
    case removeOrganizer(String)
    case setUnit(String?)
    case setDoNotContact(Bool)
    /// Replaces the notes; stored as the smallest splices, so a concurrent edit elsewhere survives.
    case setNotes(String)

    var ffi: FfiContactEdit {
        switch self {
        case let .setName(name): return FfiContactEdit.setName(name: name)
        case let .addPhone(label, value): return FfiContactEdit.addEntry(list: FfiContactList.phones, label: label, value: value)
        case let .addEmail(label, value): return FfiContactEdit.addEntry(list: FfiContactList.emails, label: label, value: value)
        case let .removePhone(id): return FfiContactEdit.removeEntry(list: FfiContactList.phones, id: id)
        case let .addTag(tag): return FfiContactEdit.addTag(tag: tag)
        case let .removeTag(tag): return FfiContactEdit.removeTag(tag: tag)
        case let .addOrganizer(o): return FfiContactEdit.addOrganizer(organizer: o)
        case let .removeOrganizer(o): return FfiContactEdit.removeOrganizer(organizer: o)
        case let .setUnit(unit): return FfiContactEdit.setUnit(unit: unit)
        case let .setDoNotContact(flag): return FfiContactEdit.setDoNotContact(doNotContact: flag)
        case let .setNotes(text): return FfiContactEdit.editNotes(edit: FfiTextEdit.replace(text: text))
        }
    }
}

/// A list row: what the index knows of a contact.
public struct ContactSummary: Identifiable, Equatable, Sendable {
    public var id: String
    public var name: String
    public var unit: String?
    public var assessment: Int64?
    /// The assessment's label on the group's scale ("leader", "supporter" …).
    public var assessmentLabel: String?
    public var lastConversationAt: Date?
    public var doNotContact: Bool

    init(_ s: FfiContactSummary) {
        id = s.id
        name = s.name
        unit = s.unit
        assessment = s.assessment
        assessmentLabel = s.assessmentLabel
        lastConversationAt = s.lastConversationAtMs.date
        doNotContact = s.doNotContact
    }
}

/// Which contacts a list wants; every field set narrows it. `unit` includes the units below it.
public struct ContactQuery: Equatable, Sendable {
    public enum Assessment: Equatable, Sendable {
        case values([Int64])
        case supporterOrBetter
        case unassessed
    }

    /// Names starting with this (case-insensitive).
    public var namePrefix: String?
    public var tag: String?
    public var unit: String?
    public var assessment: Assessment?
    public var organizer: String?
    public var limit: UInt32?
    public var offset: UInt32

    public init(namePrefix: String? = nil, tag: String? = nil, unit: String? = nil,
                assessment: Assessment? = nil, organizer: String? = nil,
                limit: UInt32? = nil, offset: UInt32 = 0) {
        self.namePrefix = namePrefix
        self.tag = tag
        self.unit = unit
        self.assessment = assessment
        self.organizer = organizer
        self.limit = limit
        self.offset = offset
    }

    var ffi: FfiContactQuery {
        let filter: FfiAssessmentFilter?
        switch assessment {
        case let .values(values)?: filter = FfiAssessmentFilter.values(values: values)
        case .supporterOrBetter?: filter = FfiAssessmentFilter.supporterOrBetter
        case .unassessed?: filter = FfiAssessmentFilter.unassessed
        case nil: filter = nil
        }
        let trimmed = namePrefix?.trimmingCharacters(in: .whitespaces)
        return FfiContactQuery(
            namePrefix: trimmed?.isEmpty == true ? nil : trimmed,
            tag: tag,
            unit: unit,
            assessment: filter,
            organizer: organizer,
            limit: limit,
            offset: offset
        )
    }
}
