//! Bringing a group's data in from other tools' files and taking it out in open formats.
//!
//! An import is two steps, as on the command line: `plan_import` reads the file and matches its
//! records against the group (nothing is written; the screen shows what will happen), then
//! `apply_import` writes the plan in batches. Exports return the file's bytes for the app to
//! save or share; the portable export (JSON lines) holds everything a group needs to move, in
//! plain text: the app must say so before it writes one anywhere.

use std::sync::{Arc, Mutex};

use groundwork_core::interchange::{self as core_io, InterchangeError, RowAction};

use crate::error::{GroundworkError, Result};
use crate::group::Group;
use crate::runtime;

/// A file format an import reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum ImportFormat {
    /// A spreadsheet export (Action Network, NGP VAN / EveryAction, Action Builder, Mobilize,
    /// Groundwork, or any with recognisable column names).
    Csv,
    /// One or many vCards (versions 2.1, 3.0, 4.0), as phones and mail programs export them.
    VCard,
}

/// A column override for a CSV import: read `column` as `field` (`name`, `phone:mobile`,
/// `email`, `tags`, `notes`, `custom:KEY`, `ignore`…, as `groundwork import --map` takes them).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ColumnOverride {
    pub column: String,
    pub field: String,
}

/// How a CSV column is read.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ColumnRead {
    pub header: String,
    pub field: String,
}

/// What happens to one record of the file.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum ImportAction {
    Create,
    /// Same phone or email as an earlier record of the file.
    MergeIntoRow {
        into_line: u64,
    },
    /// Same phone or email as a contact of the group: it gains what it lacks, its name stays.
    MergeIntoContact {
        contact: String,
        name: String,
    },
    Skip {
        reason: String,
    },
}

/// One record of the file and what happens to it.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ImportRow {
    /// Where the record starts in the file (1-based).
    pub line: u64,
    pub name: String,
    pub action: ImportAction,
}

/// The counts a confirmation screen shows.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ImportPreview {
    pub records: u64,
    pub creates: u64,
    pub merges: u64,
    pub skipped: u64,
    /// Existing contacts that gain phones, emails or tags.
    pub contacts_updated: u64,
    /// The tool whose export the file was taken for (CSV only).
    pub tool: Option<String>,
    /// How each column is read (CSV only).
    pub columns: Vec<ColumnRead>,
}

/// What an import stored.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ImportResult {
    pub created: Vec<String>,
    pub updated: Vec<String>,
    pub batches: u64,
}

/// A planned import: look at it, then `Group.apply_import` it (once).
#[derive(uniffi::Object)]
pub struct ImportPlan {
    inner: Mutex<Option<core_io::ImportPlan>>,
}

/// Hears an import's progress after each batch: (contacts written, contacts to write).
#[uniffi::export(foreign)]
pub trait ImportProgress: Send + Sync {
    fn on_progress(&self, written: u64, total: u64);
}

/// What an export writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum ExportKind {
    ContactsCsv,
    /// Every conversation, each revision.
    ConversationsCsv,
    /// Every follow-up, open, done and cancelled.
    FollowUpsCsv,
    /// The contacts as vCard 3.0 (what phones import).
    VCard,
    /// The open follow-ups as calendar events, without contact names unless asked.
    ICalendar {
        with_names: bool,
    },
    /// Everything, as JSON lines (docs/portable-export.md): to move the group. Plain text.
    Portable,
}

/// An exported file.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ExportedFile {
    pub bytes: Vec<u8>,
    /// Records written (contacts, conversations, follow-ups or entries, by kind).
    pub records: u64,
    /// A file name to suggest: `contacts.csv`, `group.jsonl`…
    pub suggested_name: String,
}

fn io_error(e: InterchangeError) -> GroundworkError {
    let message = e.to_string();
    match e {
        InterchangeError::Store(e) => e.into(),
        InterchangeError::Apply { source, .. } => {
            let kind: GroundworkError = source.into();
            match kind {
                GroundworkError::Storage { .. } => GroundworkError::Storage { message },
                GroundworkError::Permission { .. } => GroundworkError::Permission { message },
                _ => GroundworkError::InvalidInput { message },
            }
        }
        InterchangeError::Write { .. } => GroundworkError::Storage { message },
        _ => GroundworkError::InvalidInput { message },
    }
}

#[uniffi::export]
impl ImportPlan {
    /// The counts and column reading for the confirmation screen.
    pub fn preview(&self) -> Result<ImportPreview> {
        self.with(|p| ImportPreview {
            records: p.rows.len() as u64,
            creates: p.creates() as u64,
            merges: p.merges() as u64,
            skipped: p.skipped() as u64,
            contacts_updated: p.contacts_updated() as u64,
            tool: p.tool.map(|t| t.to_string()),
            columns: p
                .columns
                .iter()
                .map(|c| ColumnRead {
                    header: c.header.clone(),
                    field: c.field.to_string(),
                })
                .collect(),
        })
    }

    /// The records from `offset` on, at most `limit` (cut to 1,000), in file order.
    pub fn rows(&self, offset: u32, limit: u32) -> Result<Vec<ImportRow>> {
        self.with(|p| {
            p.rows
                .iter()
                .skip(offset as usize)
                .take(limit.clamp(1, 1_000) as usize)
                .map(|r| ImportRow {
                    line: r.line,
                    name: r.name.clone(),
                    action: match &r.action {
                        RowAction::Create => ImportAction::Create,
                        RowAction::MergeIntoRow { into_line } => ImportAction::MergeIntoRow {
                            into_line: *into_line,
                        },
                        RowAction::MergeIntoContact { id, name, .. } => {
                            ImportAction::MergeIntoContact {
                                contact: id.to_string(),
                                name: name.clone(),
                            }
                        }
                        RowAction::Skip { reason } => ImportAction::Skip {
                            reason: reason.clone(),
                        },
                    },
                })
                .collect()
        })
    }
}

impl ImportPlan {
    fn with<T>(&self, f: impl FnOnce(&core_io::ImportPlan) -> T) -> Result<T> {
        let guard = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        guard
            .as_ref()
            .map(f)
            .ok_or_else(|| GroundworkError::internal("this import was already applied"))
    }
}

#[uniffi::export(async_runtime = "tokio")]
impl Group {
    /// Reads a file (at most 64 MB, 100,000 records) and plans its import against the group:
    /// nothing is written. A file that cannot be read is `InvalidInput` naming the line.
    #[uniffi::method(default(overrides = []))]
    pub async fn plan_import(
        &self,
        file: Vec<u8>,
        format: ImportFormat,
        overrides: Vec<ColumnOverride>,
    ) -> Result<Arc<ImportPlan>> {
        crate::model::at_most("overrides", &overrides, 200)?;
        let overrides = overrides
            .into_iter()
            .map(|o| {
                core_io::Field::parse(&o.field)
                    .map(|f| (o.column, f))
                    .map_err(io_error)
            })
            .collect::<Result<Vec<_>>>()?;
        let group = self.inner.clone();
        // Each reader refuses a file over its bounds before parsing it.
        let plan = runtime::blocking(move || {
            match format {
                ImportFormat::Csv => core_io::plan_csv(&group, &file, &overrides),
                ImportFormat::VCard => core_io::plan_vcard(&group, &file),
            }
            .map_err(io_error)
        })
        .await?;
        Ok(Arc::new(ImportPlan {
            inner: Mutex::new(Some(plan)),
        }))
    }

    /// Writes a planned import, 250 contacts per transaction; `progress` hears each batch. A
    /// failure keeps the batches before it (the error says how many contacts) and stores
    /// nothing of the rest. A plan is applied once.
    #[uniffi::method(default(progress = None))]
    pub async fn apply_import(
        &self,
        plan: Arc<ImportPlan>,
        progress: Option<Arc<dyn ImportProgress>>,
    ) -> Result<ImportResult> {
        let plan = plan
            .inner
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
            .ok_or_else(|| GroundworkError::internal("this import was already applied"))?;
        let group = self.inner.clone();
        runtime::blocking(move || {
            let mut tell = |written: usize, total: usize| {
                if let Some(p) = &progress {
                    p.on_progress(written as u64, total as u64);
                }
            };
            let summary = core_io::apply(&group, &plan, &mut tell).map_err(io_error)?;
            Ok(ImportResult {
                created: summary.created.iter().map(ToString::to_string).collect(),
                updated: summary.updated.iter().map(ToString::to_string).collect(),
                batches: summary.batches as u64,
            })
        })
        .await
    }

    /// Writes the group's data in an open format and returns the file.
    pub async fn export(&self, kind: ExportKind) -> Result<ExportedFile> {
        let group = self.inner.clone();
        runtime::blocking(move || {
            let mut bytes = Vec::new();
            let (records, name) = match kind {
                ExportKind::ContactsCsv => (
                    core_io::export_contacts_csv(&group, &mut bytes),
                    "contacts.csv",
                ),
                ExportKind::ConversationsCsv => (
                    core_io::export_conversations_csv(&group, &mut bytes),
                    "conversations.csv",
                ),
                ExportKind::FollowUpsCsv => (
                    core_io::export_follow_ups_csv(&group, &mut bytes),
                    "follow-ups.csv",
                ),
                ExportKind::VCard => (
                    core_io::export_vcard(&group, core_io::VCardVersion::V3, &mut bytes),
                    "contacts.vcf",
                ),
                ExportKind::ICalendar { with_names } => {
                    let options = core_io::IcalOptions {
                        with_names,
                        ..core_io::IcalOptions::default()
                    };
                    (
                        core_io::export_ical(&group, &options, &mut bytes),
                        "follow-ups.ics",
                    )
                }
                ExportKind::Portable => (
                    core_io::export_portable(&group, &mut bytes).map(|s| s.records()),
                    "group.jsonl",
                ),
            };
            let records = records.map_err(io_error)? as u64;
            Ok(ExportedFile {
                bytes,
                records,
                suggested_name: name.to_owned(),
            })
        })
        .await
    }

    /// Imports a portable export (JSON lines) into this group, which must hold no records yet
    /// (a group just created to receive it; its settings become the file's). Checked whole
    /// before anything is written: a bad line is `InvalidInput` naming it.
    pub async fn import_portable(&self, file: Vec<u8>) -> Result<u64> {
        let group = self.inner.clone();
        runtime::blocking(move || {
            let read = core_io::read_portable(&file).map_err(io_error)?;
            let summary =
                core_io::import_portable(&group, &read, &mut |_, _| {}).map_err(io_error)?;
            Ok(summary.records() as u64)
        })
        .await
    }
}
