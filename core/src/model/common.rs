use std::collections::BTreeMap;
use std::fmt;

use automerge::ChangeHash;

use crate::error::ValidationError;
use crate::ids::EntryId;

use super::Timestamp;

/// A record's version: the heads of its document. Hand it back with an edit
/// (`base`) to have the edit applied where the screen saw the record and merged from there.
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct Version(pub(crate) Vec<ChangeHash>);

impl Version {
    /// Parses the text form (`hex,hex,…`) that [`fmt::Display`] writes.
    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        let s = s.trim();
        if s.is_empty() {
            return Ok(Version(Vec::new()));
        }
        let heads = s
            .split(',')
            .take(1025)
            .map(|h| {
                h.trim().parse::<ChangeHash>().map_err(|_| {
                    ValidationError::bad_format("version", "not a list of change hashes")
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        if heads.len() > 1024 {
            return Err(ValidationError::new(
                "version",
                crate::error::Problem::TooMany { max: 1024 },
            ));
        }
        Ok(Version(heads))
    }

    /// True for the version of a record that has no changes.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, h) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{h}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Version({self})")
    }
}

/// A labelled value in a list: a phone ("mobile"), an email ("work"), an address ("home").
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Labelled {
    /// Stable id of this entry, used to edit or remove it.
    pub id: EntryId,
    pub label: String,
    pub value: String,
}

/// Two or more values set concurrently for one field, each with who set it and when.
///
/// Automerge keeps all of them; the record shows one (the same on every device) and lists the
/// others here until someone chooses with `resolve_conflict`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Conflict {
    /// The field's path in the record, e.g. `name` or `phones/<entry id>/value`.
    pub field: String,
    /// Every concurrent value, the one the record shows first.
    pub values: Vec<ConflictValue>,
}

/// One of the values of a [`Conflict`].
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ConflictValue {
    /// The value as text.
    pub value: String,
    /// The device that set it (its device id, hex).
    pub set_by: String,
    /// When the change that set it was made, by that device's clock.
    pub at: Option<Timestamp>,
}

/// What every record carries besides its fields.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize)]
pub struct RecordMeta {
    /// Pass back as `base` with an edit.
    #[serde(serialize_with = "ser_display")]
    pub version: Version,
    /// The schema version the document was written with.
    pub schema: u64,
    /// The document was written by a newer Groundwork: fields this version does not know are in
    /// `unknown_fields` and are kept untouched by edits.
    pub newer_schema: bool,
    /// Fields with concurrent values the user should see.
    pub conflicts: Vec<Conflict>,
    /// Fields this version does not understand, shown as text, never dropped.
    pub unknown_fields: BTreeMap<String, String>,
}

fn ser_display<S: serde::Serializer, T: fmt::Display>(v: &T, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(v)
}

/// An edit of a collaborative text field, positioned in UTF-16 code units (what Android's and
/// iOS's strings count), so the phones pass their cursor positions through unchanged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TextEdit {
    /// Delete `delete` units at `index`, then insert `insert` there.
    Splice {
        index: usize,
        delete: usize,
        insert: String,
    },
    /// Replace the whole text; stored as the smallest splices from the old text (so a concurrent
    /// edit elsewhere in the text survives). Give the edit a `base` version when the new text
    /// was made from an older copy.
    Replace(String),
}

/// A batch of per-field edits to one record, applied together as one change.
#[derive(Debug, Clone, PartialEq)]
pub struct Update<E> {
    /// The version the screen was showing; the edits are applied there and merged forward, so
    /// nothing merged meanwhile is overwritten. `None` applies them to the current version.
    pub base: Option<Version>,
    pub edits: Vec<E>,
}

impl<E> Update<E> {
    /// Edits applied to the current version.
    pub fn new(edits: Vec<E>) -> Self {
        Self { base: None, edits }
    }
    /// Edits made on a screen that showed `base`.
    pub fn based_on(base: Version, edits: Vec<E>) -> Self {
        Self {
            base: Some(base),
            edits,
        }
    }
}
