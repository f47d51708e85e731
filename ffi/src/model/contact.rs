use std::collections::HashMap;

use groundwork_core::ids::{ContactId, EntryId, UnitId};
use groundwork_core::model as gw;

use super::{
    AssessmentPoint, Conversation, Labelled, RecordMeta, TextEdit, bounded, ms, parse, parse_opt,
};
use crate::error::{GroundworkError, Result};

/// A person the group organizes with, with their conversation log.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct Contact {
    pub id: String,
    pub name: String,
    pub phones: Vec<Labelled>,
    pub emails: Vec<Labelled>,
    pub addresses: Vec<Labelled>,
    /// The deepest terrain unit known (a shift, a floor, an apartment).
    pub unit: Option<String>,
    /// Sorted.
    pub tags: Vec<String>,
    /// The group's own fields ("language", "job class" …).
    pub custom: HashMap<String, String>,
    pub relationships: Vec<Relationship>,
    /// Organizers responsible for this relationship, sorted.
    pub organizers: Vec<String>,
    /// Never contact this person.
    pub do_not_contact: bool,
    /// Consent given (`true`) or refused (`false`), by kind ("sms", "email", "photo" …).
    pub consent: HashMap<String, bool>,
    /// Shared notes, edited together.
    pub notes: String,
    /// Each conversation at its latest revision, oldest first.
    pub conversations: Vec<Conversation>,
    /// The assessment of the latest assessed conversation: the same on every device.
    pub assessment: Option<i64>,
    /// Every assessment over time, oldest first.
    pub assessment_history: Vec<AssessmentPoint>,
    pub last_conversation_at_ms: Option<i64>,
    pub meta: RecordMeta,
}

/// How two contacts are related. Values a newer version adds arrive as `Other`.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum RelationshipKind {
    WorksWith,
    LivesWith,
    RecruitedBy,
    FamilyOf,
    Other { value: String },
}

/// A link from a contact to another.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Relationship {
    pub id: String,
    pub kind: RelationshipKind,
    pub other: String,
}

/// A labelled value for a new contact: (label, value), e.g. ("mobile", "0612 345 678").
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct LabelledValue {
    pub label: String,
    pub value: String,
}

/// A new contact. Only the name is required.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct NewContact {
    pub name: String,
    #[uniffi(default)]
    pub phones: Vec<LabelledValue>,
    #[uniffi(default)]
    pub emails: Vec<LabelledValue>,
    #[uniffi(default)]
    pub addresses: Vec<LabelledValue>,
    #[uniffi(default)]
    pub unit: Option<String>,
    #[uniffi(default)]
    pub tags: Vec<String>,
    #[uniffi(default)]
    pub custom: HashMap<String, String>,
    #[uniffi(default)]
    pub organizers: Vec<String>,
    #[uniffi(default)]
    pub do_not_contact: bool,
    #[uniffi(default)]
    pub consent: HashMap<String, bool>,
    #[uniffi(default)]
    pub notes: String,
}

/// Which labelled list of a contact an entry edit is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum ContactList {
    Phones,
    Emails,
    Addresses,
}

/// One per-field change to a contact. Only the fields named are written, so a concurrent edit of
/// another field (or another entry) is kept.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum ContactEdit {
    SetName {
        name: String,
    },
    SetUnit {
        unit: Option<String>,
    },
    AddEntry {
        list: ContactList,
        label: String,
        value: String,
    },
    EditEntry {
        list: ContactList,
        id: String,
        label: String,
        value: String,
    },
    RemoveEntry {
        list: ContactList,
        id: String,
    },
    AddTag {
        tag: String,
    },
    RemoveTag {
        tag: String,
    },
    /// Set (`Some`) or remove (`None`) a custom field.
    SetCustom {
        key: String,
        value: Option<String>,
    },
    AddRelationship {
        kind: RelationshipKind,
        other: String,
    },
    RemoveRelationship {
        id: String,
    },
    AddOrganizer {
        organizer: String,
    },
    RemoveOrganizer {
        organizer: String,
    },
    SetDoNotContact {
        do_not_contact: bool,
    },
    /// Consent given (`Some(true)`), refused (`Some(false)`) or unknown (`None`).
    SetConsent {
        kind: String,
        given: Option<bool>,
    },
    EditNotes {
        edit: TextEdit,
    },
}

impl From<gw::RelationshipKind> for RelationshipKind {
    fn from(k: gw::RelationshipKind) -> Self {
        match k {
            gw::RelationshipKind::WorksWith => Self::WorksWith,
            gw::RelationshipKind::LivesWith => Self::LivesWith,
            gw::RelationshipKind::RecruitedBy => Self::RecruitedBy,
            gw::RelationshipKind::FamilyOf => Self::FamilyOf,
            gw::RelationshipKind::Other(value) => Self::Other { value },
        }
    }
}

impl From<RelationshipKind> for gw::RelationshipKind {
    fn from(k: RelationshipKind) -> Self {
        match k {
            RelationshipKind::WorksWith => Self::WorksWith,
            RelationshipKind::LivesWith => Self::LivesWith,
            RelationshipKind::RecruitedBy => Self::RecruitedBy,
            RelationshipKind::FamilyOf => Self::FamilyOf,
            // Through `parse`, so "works_with" typed as Other is the same kind as WorksWith.
            RelationshipKind::Other { value } => gw::RelationshipKind::parse(&value),
        }
    }
}

impl From<ContactList> for gw::ContactList {
    fn from(l: ContactList) -> Self {
        match l {
            ContactList::Phones => Self::Phones,
            ContactList::Emails => Self::Emails,
            ContactList::Addresses => Self::Addresses,
        }
    }
}

impl From<gw::Contact> for Contact {
    fn from(c: gw::Contact) -> Self {
        Self {
            id: c.id.to_string(),
            name: c.name,
            phones: c.phones.into_iter().map(Into::into).collect(),
            emails: c.emails.into_iter().map(Into::into).collect(),
            addresses: c.addresses.into_iter().map(Into::into).collect(),
            unit: c.unit.map(|u| u.to_string()),
            tags: c.tags.into_iter().collect(),
            custom: c.custom.into_iter().collect(),
            relationships: c
                .relationships
                .into_iter()
                .map(|r| Relationship {
                    id: r.id.to_string(),
                    kind: r.kind.into(),
                    other: r.other.to_string(),
                })
                .collect(),
            organizers: c.organizers.into_iter().collect(),
            do_not_contact: c.do_not_contact,
            consent: c.consent.into_iter().collect(),
            notes: c.notes,
            conversations: c.conversations.into_iter().map(Into::into).collect(),
            assessment: c.assessment,
            assessment_history: c
                .assessment_history
                .into_iter()
                .map(|(at, value, conversation)| AssessmentPoint {
                    at_ms: ms(at),
                    value,
                    conversation: conversation.to_string(),
                })
                .collect(),
            last_conversation_at_ms: c.last_conversation_at.map(ms),
            meta: c.meta.into(),
        }
    }
}

fn pairs(field: &str, v: Vec<LabelledValue>) -> Result<Vec<(String, String)>> {
    bounded(field, &v)?;
    Ok(v.into_iter().map(|l| (l.label, l.value)).collect())
}

impl TryFrom<NewContact> for gw::NewContact {
    type Error = GroundworkError;
    fn try_from(c: NewContact) -> Result<Self> {
        bounded("tags", &c.tags)?;
        bounded("organizers", &c.organizers)?;
        if c.custom.len() > gw::validate::LIST_MAX || c.consent.len() > gw::validate::LIST_MAX {
            return Err(GroundworkError::invalid(format!(
                "custom fields and consent: at most {} each",
                gw::validate::LIST_MAX
            )));
        }
        let mut custom: Vec<_> = c.custom.into_iter().collect();
        custom.sort();
        let mut consent: Vec<_> = c.consent.into_iter().collect();
        consent.sort();
        Ok(gw::NewContact {
            name: c.name,
            phones: pairs("phones", c.phones)?,
            emails: pairs("emails", c.emails)?,
            addresses: pairs("addresses", c.addresses)?,
            unit: parse_opt::<UnitId>(c.unit)?,
            tags: c.tags,
            custom,
            organizers: c.organizers,
            do_not_contact: c.do_not_contact,
            consent,
            notes: c.notes,
        })
    }
}

impl TryFrom<ContactEdit> for gw::ContactEdit {
    type Error = GroundworkError;
    fn try_from(e: ContactEdit) -> Result<Self> {
        Ok(match e {
            ContactEdit::SetName { name } => Self::SetName(name),
            ContactEdit::SetUnit { unit } => Self::SetUnit(parse_opt::<UnitId>(unit)?),
            ContactEdit::AddEntry { list, label, value } => Self::AddEntry {
                list: list.into(),
                label,
                value,
            },
            ContactEdit::EditEntry {
                list,
                id,
                label,
                value,
            } => Self::EditEntry {
                list: list.into(),
                id: parse::<EntryId>(&id)?,
                label,
                value,
            },
            ContactEdit::RemoveEntry { list, id } => Self::RemoveEntry {
                list: list.into(),
                id: parse::<EntryId>(&id)?,
            },
            ContactEdit::AddTag { tag } => Self::AddTag(tag),
            ContactEdit::RemoveTag { tag } => Self::RemoveTag(tag),
            ContactEdit::SetCustom { key, value } => Self::SetCustom { key, value },
            ContactEdit::AddRelationship { kind, other } => Self::AddRelationship {
                kind: kind.into(),
                other: parse::<ContactId>(&other)?,
            },
            ContactEdit::RemoveRelationship { id } => {
                Self::RemoveRelationship(parse::<EntryId>(&id)?)
            }
            ContactEdit::AddOrganizer { organizer } => Self::AddOrganizer(organizer),
            ContactEdit::RemoveOrganizer { organizer } => Self::RemoveOrganizer(organizer),
            ContactEdit::SetDoNotContact { do_not_contact } => {
                Self::SetDoNotContact(do_not_contact)
            }
            ContactEdit::SetConsent { kind, given } => Self::SetConsent { kind, given },
            ContactEdit::EditNotes { edit } => Self::EditNotes(edit.into()),
        })
    }
}
