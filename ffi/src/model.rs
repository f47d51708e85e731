//! The records the apps see, mirrored from `groundwork_core::model`, with the conversions both
//! ways. Ids and versions cross as strings, times as milliseconds since the epoch.

mod contact;
mod conversation;
mod followup;
mod plan;
mod settings;
mod terrain;

use std::collections::HashMap;
use std::str::FromStr;

use groundwork_core::ValidationError;
use groundwork_core::model as gw;

use crate::error::{GroundworkError, Result};

pub use contact::{
    Contact, ContactEdit, ContactList, LabelledValue, NewContact, Relationship, RelationshipKind,
};
pub use conversation::{
    AssessmentPoint, Channel, Conversation, ConversationSteps, NewConversation,
};
pub use followup::{FollowUp, FollowUpEdit, FollowUpKind, FollowUpStatus, NewFollowUp};
pub use plan::{
    AssessmentAtLeast, Benchmark, Counted, Goal, Horizon, NewPlan, Plan, PlanEdit, RecordQuery,
    Reflection, Tactic, TerrainQuestion,
};
pub use settings::{AssessmentScale, GroupSettings, OnboardingTemplate, ScaleLevel, SettingsEdit};
pub use terrain::{NewTerrainTree, TerrainEdit, TerrainTree, TreeKind, Unit};

// --- common records -------------------------------------------------------------------------

/// A labelled entry of a contact: a phone ("mobile"), an email ("work"), an address ("home").
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Labelled {
    /// Stable id of the entry: pass it to edit or remove the entry.
    pub id: String,
    pub label: String,
    pub value: String,
}

/// Two or more values set concurrently for one field. The record shows the first; choose one with
/// `Group.resolve_conflict`.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Conflict {
    /// The field's path in the record, e.g. `name` or `phones/<entry id>/value`.
    pub field: String,
    /// Every concurrent value, the one the record shows first.
    pub values: Vec<ConflictValue>,
}

/// One of the values of a [`Conflict`].
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ConflictValue {
    pub value: String,
    /// The device that set it (its device id, hex).
    pub set_by: String,
    /// When, by that device's clock.
    pub at_ms: Option<i64>,
}

/// What every record carries besides its fields.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct RecordMeta {
    /// The record's version: pass it back as `base` with an edit made on a screen showing it.
    pub version: String,
    /// The schema version the record was written with.
    pub schema: u64,
    /// Written by a newer Groundwork: `unknown_fields` holds what this version does not know.
    pub newer_schema: bool,
    /// Fields with concurrent values to show the user.
    pub conflicts: Vec<Conflict>,
    /// Fields this version does not understand, as text; edits leave them untouched.
    pub unknown_fields: HashMap<String, String>,
}

/// An edit of a text edited together (notes, strategy, answers), positioned in UTF-16 code units.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum TextEdit {
    /// Delete `delete` units at `index`, then insert `insert` there.
    Splice {
        index: u32,
        delete: u32,
        insert: String,
    },
    /// Replace the whole text; stored as the smallest splices, so a concurrent edit elsewhere in
    /// the text survives. Give the update a `base` when the text was made from an older copy.
    Replace { text: String },
}

impl From<TextEdit> for gw::TextEdit {
    fn from(e: TextEdit) -> Self {
        match e {
            TextEdit::Splice {
                index,
                delete,
                insert,
            } => gw::TextEdit::Splice {
                index: index as usize,
                delete: delete as usize,
                insert,
            },
            TextEdit::Replace { text } => gw::TextEdit::Replace(text),
        }
    }
}

impl From<gw::Labelled> for Labelled {
    fn from(l: gw::Labelled) -> Self {
        Self {
            id: l.id.to_string(),
            label: l.label,
            value: l.value,
        }
    }
}

impl From<gw::RecordMeta> for RecordMeta {
    fn from(m: gw::RecordMeta) -> Self {
        Self {
            version: m.version.to_string(),
            schema: m.schema,
            newer_schema: m.newer_schema,
            conflicts: m
                .conflicts
                .into_iter()
                .map(|c| Conflict {
                    field: c.field,
                    values: c
                        .values
                        .into_iter()
                        .map(|v| ConflictValue {
                            value: v.value,
                            set_by: v.set_by,
                            at_ms: v.at.map(|t| t.timestamp_millis()),
                        })
                        .collect(),
                })
                .collect(),
            unknown_fields: m.unknown_fields.into_iter().collect(),
        }
    }
}

// --- helpers for the conversions ------------------------------------------------------------

/// Parses an id (or anything else whose text form core parses), as an input error.
pub(crate) fn parse<T: FromStr<Err = ValidationError>>(s: &str) -> Result<T> {
    Ok(s.parse::<T>()?)
}

/// Parses an optional id.
pub(crate) fn parse_opt<T: FromStr<Err = ValidationError>>(s: Option<String>) -> Result<Option<T>> {
    s.as_deref().map(parse).transpose()
}

/// Parses a list of ids.
pub(crate) fn parse_all<T: FromStr<Err = ValidationError>>(v: Vec<String>) -> Result<Vec<T>> {
    v.iter().map(|s| parse(s)).collect()
}

/// A time from milliseconds since the epoch.
pub(crate) fn time(field: &str, ms: i64) -> Result<gw::Timestamp> {
    chrono::DateTime::from_timestamp_millis(ms)
        .ok_or_else(|| GroundworkError::invalid(format!("{field}: {ms} ms is out of range")))
}

/// An optional time from milliseconds since the epoch.
pub(crate) fn time_opt(field: &str, ms: Option<i64>) -> Result<Option<gw::Timestamp>> {
    ms.map(|ms| time(field, ms)).transpose()
}

/// Milliseconds since the epoch.
pub(crate) fn ms(t: gw::Timestamp) -> i64 {
    t.timestamp_millis()
}

/// A version from its text form (`None` or empty: the current version).
pub(crate) fn version(base: Option<String>) -> Result<Option<gw::Version>> {
    base.as_deref()
        .map(gw::Version::parse)
        .transpose()
        .map_err(Into::into)
}

/// Turns edits into core's `Update`, at `base` when given.
pub(crate) fn update<E, C>(base: Option<String>, edits: Vec<E>) -> Result<gw::Update<C>>
where
    E: TryInto<C, Error = GroundworkError>,
{
    let edits = edits
        .into_iter()
        .map(TryInto::try_into)
        .collect::<Result<Vec<C>>>()?;
    Ok(gw::Update {
        base: version(base)?,
        edits,
    })
}

/// Refuses a list longer than a record can hold before converting it (core checks again).
pub(crate) fn bounded<T>(field: &str, v: &[T]) -> Result<()> {
    at_most(field, v, gw::validate::LIST_MAX)
}

/// Edits in one update: as many as core takes in one contact update.
pub(crate) const EDITS_MAX: usize = 1_000;

/// Refuses a list longer than `max`.
pub(crate) fn at_most<T>(field: &str, v: &[T], max: usize) -> Result<()> {
    if v.len() > max {
        return Err(GroundworkError::invalid(format!(
            "{field}: has too many entries (at most {max})"
        )));
    }
    Ok(())
}
