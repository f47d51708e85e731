use std::collections::{BTreeMap, BTreeSet};

use groundwork_proto::membership::DeviceId;

use crate::ids::{ContactId, ConversationId, EntryId, TurfId, UnitId};

use super::{Conversation, DoorKnock, Labelled, RecordMeta, TextEdit, Timestamp};

/// A person the group organizes with, with their conversation log.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Contact {
    pub id: ContactId,
    pub name: String,
    pub phones: Vec<Labelled>,
    pub emails: Vec<Labelled>,
    pub addresses: Vec<Labelled>,
    /// Where they are in the terrain: the deepest unit known (a shift, a floor, an apartment).
    pub unit: Option<UnitId>,
    pub tags: BTreeSet<String>,
    /// The group's own fields ("language", "job class" …).
    pub custom: BTreeMap<String, String>,
    pub relationships: Vec<Relationship>,
    /// Organizers responsible for this relationship.
    pub organizers: BTreeSet<String>,
    /// Never contact this person.
    pub do_not_contact: bool,
    /// Consent given or refused, by kind ("sms", "email", "photo" …).
    pub consent: BTreeMap<String, bool>,
    /// Shared notes, edited together.
    pub notes: String,
    /// Each conversation at its latest revision, oldest first (by time, then id).
    pub conversations: Vec<Conversation>,
    /// The assessment of the latest assessed conversation (by time, then id): derived, the same on
    /// every device.
    pub assessment: Option<i64>,
    /// Every assessment over time, oldest first: (when, value, which conversation).
    pub assessment_history: Vec<(Timestamp, i64, ConversationId)>,
    /// When the latest conversation was held.
    pub last_conversation_at: Option<Timestamp>,
    /// Door knocks from canvassing, oldest first (by time, then id).
    pub knocks: Vec<DoorKnock>,
    /// The turfs this contact was handed out in.
    pub turfs: BTreeSet<TurfId>,
    /// Per turf, the devices that held this contact already when the turf was cut: taking the
    /// turf back leaves them their grant.
    #[serde(skip)]
    pub(crate) turf_held_before: Vec<(TurfId, DeviceId)>,
    pub meta: RecordMeta,
}

/// How two contacts are related. Values a newer version adds are kept as `Other`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RelationshipKind {
    WorksWith,
    LivesWith,
    RecruitedBy,
    FamilyOf,
    Other(String),
}

impl RelationshipKind {
    /// The stored form.
    pub fn as_str(&self) -> &str {
        match self {
            RelationshipKind::WorksWith => "works_with",
            RelationshipKind::LivesWith => "lives_with",
            RelationshipKind::RecruitedBy => "recruited_by",
            RelationshipKind::FamilyOf => "family_of",
            RelationshipKind::Other(s) => s,
        }
    }
    /// Reads the stored form; unknown values are kept as `Other`.
    pub fn parse(s: &str) -> Self {
        match s {
            "works_with" => RelationshipKind::WorksWith,
            "lives_with" => RelationshipKind::LivesWith,
            "recruited_by" => RelationshipKind::RecruitedBy,
            "family_of" => RelationshipKind::FamilyOf,
            other => RelationshipKind::Other(other.to_owned()),
        }
    }
}

/// A link from this contact to another.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Relationship {
    pub id: EntryId,
    pub kind: RelationshipKind,
    pub other: ContactId,
}

/// A new contact.
#[derive(Debug, Clone, Default)]
pub struct NewContact {
    pub name: String,
    /// (label, number)
    pub phones: Vec<(String, String)>,
    /// (label, address)
    pub emails: Vec<(String, String)>,
    /// (label, postal address)
    pub addresses: Vec<(String, String)>,
    pub unit: Option<UnitId>,
    pub tags: Vec<String>,
    pub custom: Vec<(String, String)>,
    pub organizers: Vec<String>,
    pub do_not_contact: bool,
    pub consent: Vec<(String, bool)>,
    pub notes: String,
}

impl NewContact {
    /// A contact with just a name.
    pub fn named(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            ..Self::default()
        }
    }
}

/// Which labelled list of a contact an entry edit is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContactList {
    Phones,
    Emails,
    Addresses,
}

impl ContactList {
    pub(crate) fn key(self) -> &'static str {
        match self {
            ContactList::Phones => "phones",
            ContactList::Emails => "emails",
            ContactList::Addresses => "addresses",
        }
    }
}

/// One per-field change to a contact. Only the fields named are written.
#[derive(Debug, Clone, PartialEq)]
pub enum ContactEdit {
    SetName(String),
    SetUnit(Option<UnitId>),
    AddEntry {
        list: ContactList,
        label: String,
        value: String,
    },
    EditEntry {
        list: ContactList,
        id: EntryId,
        label: String,
        value: String,
    },
    RemoveEntry {
        list: ContactList,
        id: EntryId,
    },
    AddTag(String),
    RemoveTag(String),
    /// Set (`Some`) or remove (`None`) a custom field.
    SetCustom {
        key: String,
        value: Option<String>,
    },
    AddRelationship {
        kind: RelationshipKind,
        other: ContactId,
    },
    RemoveRelationship(EntryId),
    AddOrganizer(String),
    RemoveOrganizer(String),
    SetDoNotContact(bool),
    /// Record consent given (`Some(true)`), refused (`Some(false)`) or unknown (`None`).
    SetConsent {
        kind: String,
        given: Option<bool>,
    },
    EditNotes(TextEdit),
}

/// A batch of edits to one contact, applied together as one change.
pub type ContactUpdate = super::Update<ContactEdit>;
