//! Import and export: contacts from the spreadsheets and address books organizers already have,
//! and the group's records out to spreadsheets, address books and calendars.
//!
//! Imports go in two steps, so that nothing is written before the organizer has seen what will
//! happen:
//!
//! 1. **Plan** ([`plan_csv`], [`plan_vcard`]): the file is read whole (UTF-8 with or without a
//!    byte-order mark, CRLF or LF, quoted cells spanning lines; cells are kept as text, so zip
//!    codes and phone numbers keep their leading zeros). Each record is checked by the same code
//!    that stores contacts, then matched against the group's contacts and the file's earlier
//!    records by normalised phone number (digits only) and email (case-insensitive). The
//!    [`ImportPlan`] says, per record, whether it creates a contact, merges into an existing one
//!    (adding missing phones, emails and tags; a name is never overwritten), merges into an
//!    earlier record of the file, or is skipped and why. A dry run stops here.
//! 2. **Apply** ([`apply`]): the plan's contacts are written in batches of [`IMPORT_BATCH`], one
//!    SQL transaction each; a record is never split across batches, so a failure leaves every
//!    record whole or absent. Running the same import again merges instead of duplicating.
//!
//! A file that cannot be read (not UTF-8, a row with the wrong number of cells, an unterminated
//! card) is an [`InterchangeError::BadFile`] naming the line; a record whose values are not valid
//! (a phone with letters) is skipped with its reason in the plan.
//!
//! Exports: [`export_contacts_csv`], [`export_conversations_csv`], [`export_follow_ups_csv`]
//! (cells that a spreadsheet would run as a formula are neutralised, see [`csv`]),
//! [`export_vcard`] (3.0 or 4.0) and [`export_ical`] (follow-ups as calendar reminders that carry
//! no contact content unless asked).

pub mod columns;
pub mod csv;
pub mod ical;
mod plan;
#[cfg(feature = "store")]
pub mod portable;
pub mod vcard;

use std::fmt;

pub use columns::{ColumnMapping, Field, MappedBy, Tool};
pub use ical::IcalOptions;
#[cfg(feature = "store")]
pub use plan::apply;
pub use plan::{
    Additions, IMPORT_BATCH, ImportPlan, ImportSummary, KnownContacts, NoContacts, RowAction,
    RowPlan, plan_records,
};
#[cfg(feature = "store")]
pub use portable::{
    PORTABLE_FORMAT_NAME, PORTABLE_FORMAT_VERSION, PortableFile, PortableSummary, export_portable,
    import_portable, read_portable,
};
pub use vcard::VCardVersion;

#[cfg(feature = "store")]
use crate::group::Group;
use crate::model::NewContact;
#[cfg(feature = "store")]
use crate::model::{Contact, FollowUp, FollowUpStatus};
#[cfg(feature = "store")]
use crate::query::{ContactQuery, FollowUpQuery};

/// The largest file an import reads (a meeting-size group's export is a few megabytes).
pub const MAX_IMPORT_FILE: usize = 64 << 20;
/// The most records one import plans.
pub const MAX_IMPORT_RECORDS: usize = 100_000;

/// A file format this module reads or writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Csv,
    VCard,
    ICalendar,
    /// The portable export: JSON lines.
    Jsonl,
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Format::Csv => "CSV",
            Format::VCard => "vCard",
            Format::ICalendar => "iCalendar",
            Format::Jsonl => "JSON lines",
        })
    }
}

/// Why an import or export failed. Nothing was written unless the variant says so.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InterchangeError {
    /// The file cannot be read as this format; `line` is 1-based.
    #[error("{format} file, line {line}: {problem}")]
    BadFile {
        format: Format,
        line: u64,
        problem: String,
    },
    /// The file holds no records (or only a header).
    #[error("the {0} file has no records")]
    Empty(Format),
    /// The file is over [`MAX_IMPORT_FILE`] bytes or [`MAX_IMPORT_RECORDS`] records.
    #[error("the file is too large to import at once (at most {max} {what})")]
    TooLarge { max: usize, what: &'static str },
    /// A column mapping names a field that does not exist.
    #[error("unknown field {0:?} in a column mapping")]
    UnknownField(String),
    /// A column mapping names a column the file does not have.
    #[error("the file has no column {column:?}")]
    NoSuchColumn {
        column: String,
        headers: Vec<String>,
    },
    /// No column of the file gives a name, phone number or email: nothing would be imported.
    #[error("no column gives a name, a phone number or an email")]
    NothingToImport { headers: Vec<String> },
    /// Applying the plan failed in a batch; the batches before it are stored (`stored` records),
    /// that batch and the rest are not.
    #[error(
        "storing the records from line {first_line} on failed ({stored} stored before): {source}"
    )]
    Apply {
        stored: usize,
        first_line: u64,
        source: crate::Error,
    },
    /// A portable import goes into a group with no records; this one has some.
    #[error(
        "the group already holds {records} records; a portable export is imported into a new, empty group"
    )]
    NotEmpty { records: u64 },
    /// Reading the group's records failed.
    #[error(transparent)]
    Store(#[from] crate::Error),
    /// Writing the output failed.
    #[error("writing the {format} output failed: {reason}")]
    Write { format: Format, reason: String },
}

/// One record read from a file, before it is matched against the group.
#[derive(Debug, Clone)]
pub struct SourceRecord {
    /// Where the record starts in the file (1-based).
    pub line: u64,
    pub contact: NewContact,
}

/// Reads a CSV file and plans its import (see the module docs). `overrides` map a column (by
/// its header) to a field, over what detection chose.
pub fn plan_csv(
    group: &(impl KnownContacts + ?Sized),
    bytes: &[u8],
    overrides: &[(String, Field)],
) -> Result<ImportPlan, InterchangeError> {
    let read = csv::read_contacts(bytes, overrides)?;
    let mut plan = plan_records(group, Format::Csv, read.records)?;
    plan.tool = read.tool;
    plan.columns = read.columns;
    Ok(plan)
}

/// Reads a vCard file (one or many cards, versions 2.1, 3.0 and 4.0) and plans its import.
pub fn plan_vcard(
    group: &(impl KnownContacts + ?Sized),
    bytes: &[u8],
) -> Result<ImportPlan, InterchangeError> {
    let records = vcard::read_contacts(bytes)?;
    plan_records(group, Format::VCard, records)
}

/// Every contact of the group, by name, read whole.
#[cfg(feature = "store")]
fn all_contacts(group: &Group) -> Result<Vec<Contact>, InterchangeError> {
    const PAGE: u32 = 10_000;
    let mut out = Vec::new();
    let mut offset = 0;
    loop {
        let page = group.contacts(&ContactQuery {
            limit: Some(PAGE),
            offset,
            ..ContactQuery::default()
        })?;
        for row in &page {
            out.push(group.contact(row.id)?);
        }
        if page.len() < PAGE as usize {
            return Ok(out);
        }
        offset += PAGE;
    }
}

/// Every follow-up of the group with these statuses, soonest due first, read whole.
#[cfg(feature = "store")]
fn follow_ups_with(
    group: &Group,
    statuses: &[FollowUpStatus],
) -> Result<Vec<FollowUp>, InterchangeError> {
    let mut out = Vec::new();
    for status in statuses {
        let rows = group.follow_ups(&FollowUpQuery {
            status: Some(status.clone()),
            limit: Some(10_000),
            ..FollowUpQuery::default()
        })?;
        for row in rows {
            out.push(group.follow_up(row.id)?);
        }
    }
    Ok(out)
}

/// Writes the group's contacts as CSV; returns how many.
#[cfg(feature = "store")]
pub fn export_contacts_csv(
    group: &Group,
    out: impl std::io::Write,
) -> Result<usize, InterchangeError> {
    let contacts = all_contacts(group)?;
    let units = group.units()?.into_iter().map(|u| (u.id, u.name)).collect();
    let scale = group.settings()?.scale;
    csv::write_contacts(out, &contacts, &units, &scale)?;
    Ok(contacts.len())
}

/// Writes every conversation (each revision) as CSV, oldest first per contact; returns how many.
#[cfg(feature = "store")]
pub fn export_conversations_csv(
    group: &Group,
    out: impl std::io::Write,
) -> Result<usize, InterchangeError> {
    let contacts = all_contacts(group)?;
    csv::write_conversations(out, &contacts)
}

/// Writes every follow-up (open, done and cancelled) as CSV; returns how many.
#[cfg(feature = "store")]
pub fn export_follow_ups_csv(
    group: &Group,
    out: impl std::io::Write,
) -> Result<usize, InterchangeError> {
    let follow_ups = follow_ups_with(
        group,
        &[
            FollowUpStatus::Open,
            FollowUpStatus::Done,
            FollowUpStatus::Cancelled,
        ],
    )?;
    let names = contact_names(group, &follow_ups);
    csv::write_follow_ups(out, &follow_ups, &names)?;
    Ok(follow_ups.len())
}

#[cfg(feature = "store")]
fn contact_names(
    group: &Group,
    follow_ups: &[FollowUp],
) -> std::collections::HashMap<crate::ids::ContactId, String> {
    let mut names = std::collections::HashMap::new();
    for id in follow_ups.iter().filter_map(|f| f.contact) {
        if let std::collections::hash_map::Entry::Vacant(e) = names.entry(id) {
            // An erased or unreadable contact leaves the name empty rather than failing.
            if let Ok(c) = group.contact(id) {
                e.insert(c.name);
            }
        }
    }
    names
}

/// Writes the group's contacts as one vCard file; returns how many cards.
#[cfg(feature = "store")]
pub fn export_vcard(
    group: &Group,
    version: VCardVersion,
    out: impl std::io::Write,
) -> Result<usize, InterchangeError> {
    let contacts = all_contacts(group)?;
    vcard::write_contacts(out, &contacts, version)?;
    Ok(contacts.len())
}

/// Writes the open follow-ups as an iCalendar file; returns how many entries it holds.
#[cfg(feature = "store")]
pub fn export_ical(
    group: &Group,
    options: &IcalOptions,
    out: impl std::io::Write,
) -> Result<usize, InterchangeError> {
    let follow_ups = follow_ups_with(group, &[FollowUpStatus::Open])?;
    let names = if options.with_names {
        contact_names(group, &follow_ups)
    } else {
        std::collections::HashMap::new()
    };
    ical::write_follow_ups(out, &follow_ups, &names, options, chrono::Utc::now())
}

#[cfg(test)]
mod tests;
