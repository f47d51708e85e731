//! `groundwork import csv|vcard` and `groundwork export csv|vcard|ical`: thin wrappers over
//! `groundwork_core::interchange`, which does the reading, matching and writing.

use std::fs;
use std::io::Write;
use std::path::Path;
use std::time::Instant;

use groundwork_core::interchange::{
    self, ColumnMapping, Field, ImportPlan, InterchangeError, MappedBy, RowAction,
};
use serde_json::{Value, json};

use crate::args::{
    ExportCsvArgs, ExportIcalArgs, ExportJsonlArgs, ExportVcardArgs, ExportWhat, ImportCsvArgs,
    ImportJsonlArgs, ImportVcardArgs, VcardVersionArg,
};
use crate::commands::Ctx;
use crate::error::{CliError, Result};
use crate::output::{ProgressBar, Report, note, outln, short_id, table, to_json};

impl From<InterchangeError> for CliError {
    fn from(e: InterchangeError) -> Self {
        match e {
            InterchangeError::BadFile { .. } => CliError::user(e.to_string())
                .hint("correct the file at that line (or export it again) and run the import again; nothing was written"),
            InterchangeError::NoSuchColumn { column, headers } => {
                CliError::user(format!("the file has no column \"{column}\"")).hint(format!(
                    "its columns are: {}",
                    headers.join(", ")
                ))
            }
            InterchangeError::NothingToImport { ref headers } => CliError::user(e.to_string())
                .hint(format!(
                    "its columns are: {}; say which holds what with --map, e.g. --map \"{}=name\"",
                    headers.join(", "),
                    headers.first().map_or("Column", String::as_str)
                )),
            InterchangeError::Apply { .. } => CliError::failure(e.to_string()).hint(
                "the contacts before that line are stored; run the same import again to add the rest (stored ones are merged, not duplicated)",
            ),
            InterchangeError::NotEmpty { .. } => CliError::user(e.to_string()).hint(
                "make a new group (`groundwork group create NAME`, or `groundwork init` on a new store) and import with --group NAME",
            ),
            InterchangeError::Store(core) => core.into(),
            InterchangeError::Write { .. } => CliError::failure(e.to_string()),
            other => CliError::user(other.to_string()),
        }
    }
}

fn read_file(path: &Path) -> Result<Vec<u8>> {
    // Refuse an oversized file before reading it into memory.
    if let Ok(meta) = fs::metadata(path)
        && meta.len() > interchange::MAX_IMPORT_FILE as u64
    {
        return Err(InterchangeError::TooLarge {
            max: interchange::MAX_IMPORT_FILE,
            what: "bytes",
        }
        .into());
    }
    fs::read(path).map_err(|e| {
        CliError::user(format!("cannot read {}: {e}", path.display())).hint("check the file's path")
    })
}

fn describe_column(c: &ColumnMapping) -> String {
    match c.by {
        MappedBy::Unmapped => format!("\"{}\" (not imported)", c.header),
        _ if c.field == Field::Ignore => format!("\"{}\" (ignored)", c.header),
        _ => format!("\"{}\" → {}", c.header, c.field),
    }
}

fn describe_action(a: &RowAction) -> (String, String) {
    match a {
        RowAction::Create => ("create".into(), String::new()),
        RowAction::MergeIntoRow { into_line: line } => {
            ("merge".into(), format!("into the contact of line {line}"))
        }
        RowAction::MergeIntoContact { id, name, adds } => {
            let mut gains = Vec::new();
            for (what, n) in [
                ("phone", adds.phones.len()),
                ("email", adds.emails.len()),
                ("tag", adds.tags.len()),
            ] {
                if n > 0 {
                    gains.push(format!("{n} {what}{}", if n == 1 { "" } else { "s" }));
                }
            }
            let gains = if gains.is_empty() {
                "nothing new".to_owned()
            } else {
                format!("gains {}", gains.join(", "))
            };
            (
                "merge".into(),
                format!("into {name} ({}): {gains}", short_id(id)),
            )
        }
        RowAction::Skip { reason } => ("skip".into(), reason.clone()),
    }
}

/// Prints the plan (and, when applied, what was stored) for either format.
fn import(
    ctx: &Ctx,
    file: &Path,
    dry_run: bool,
    plan_it: impl FnOnce(
        &groundwork_core::Group,
        &[u8],
    ) -> std::result::Result<ImportPlan, InterchangeError>,
) -> Result<Report> {
    let (group, group_name) = ctx.group()?;
    // The rate printed at the end covers reading, planning and storing: what the user waited.
    let started = Instant::now();
    let bytes = read_file(file)?;
    let plan = plan_it(&group, &bytes)?;
    let mut h = String::new();
    let source = match plan.tool {
        Some(tool) => format!("{} export", tool),
        None => format!("{} file", plan.format),
    };
    outln!(
        h,
        "{}: {source}, {} records, into \"{group_name}\"",
        file.display(),
        plan.rows.len()
    );
    if !plan.columns.is_empty() {
        outln!(
            h,
            "Columns: {}",
            plan.columns
                .iter()
                .map(describe_column)
                .collect::<Vec<_>>()
                .join(", ")
        );
        let unmapped: Vec<&str> = plan
            .columns
            .iter()
            .filter(|c| c.by == MappedBy::Unmapped)
            .map(|c| c.header.as_str())
            .collect();
        if !unmapped.is_empty() {
            outln!(
                h,
                "(to import a column marked \"not imported\", add --map \"{}=FIELD\"; see --help)",
                unmapped[0]
            );
        }
    }
    // A dry run lists every record; a real import only those that were not plain creations.
    let shown: Vec<_> = plan
        .rows
        .iter()
        .filter(|r| dry_run || !matches!(r.action, RowAction::Create))
        .map(|r| {
            let (what, detail) = describe_action(&r.action);
            vec![r.line.to_string(), r.name.clone(), what, detail]
        })
        .collect();
    if !shown.is_empty() {
        outln!(h, "{}", table(&["Line", "Name", "Plan", ""], shown));
    }
    let counts = format!(
        "{} to create, {} to merge ({} existing contacts gain phones, emails or tags), {} skipped",
        plan.creates(),
        plan.merges(),
        plan.contacts_updated(),
        plan.skipped()
    );
    let mut json = json!({
        "group": { "id": group.id(), "name": group_name },
        "file": file.display().to_string(),
        "dry_run": dry_run,
        "plan": to_json(&plan)?,
        "creates": plan.creates(),
        "merges": plan.merges(),
        "contacts_updated": plan.contacts_updated(),
        "skipped": plan.skipped(),
    });
    if dry_run {
        outln!(h, "Dry run: {counts}. Nothing was written.");
        return Ok(Report::new(h, json));
    }
    let progress = ProgressBar::new("importing", ctx.json);
    let result = interchange::apply(&group, &plan, &mut |done, total| {
        progress.update(done, total)
    });
    progress.finish();
    let summary = result?;
    let secs = started.elapsed().as_secs_f64();
    let rate = summary.records as f64 / secs.max(0.001);
    outln!(h, "Imported: {counts}.");
    outln!(
        h,
        "Stored {} new and {} updated contacts in {} transaction{}; {} records in {secs:.2} s ({rate:.0} records/s).",
        summary.created.len(),
        summary.updated.len(),
        summary.batches,
        if summary.batches == 1 { "" } else { "s" },
        summary.records,
    );
    if let Value::Object(map) = &mut json {
        map.insert("result".into(), to_json(&summary)?);
        map.insert("seconds".into(), json!(secs));
        map.insert("records_per_second".into(), json!(rate));
    }
    Ok(Report::new(h, json))
}

pub(crate) fn import_csv(ctx: &Ctx, args: &ImportCsvArgs) -> Result<Report> {
    let overrides: Vec<(String, Field)> = args
        .map
        .iter()
        .map(|m| (m.column.clone(), m.field.clone()))
        .collect();
    import(ctx, &args.file, args.dry_run, |group, bytes| {
        interchange::plan_csv(group, bytes, &overrides)
    })
}

pub(crate) fn import_vcard(ctx: &Ctx, args: &ImportVcardArgs) -> Result<Report> {
    import(ctx, &args.file, args.dry_run, interchange::plan_vcard)
}

/// Opens the output file, readable by its owner only (it holds personal data).
fn create_private(path: &Path) -> Result<fs::File> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path).map_err(|e| {
        CliError::user(format!("cannot write {}: {e}", path.display()))
            .hint("check that the folder exists and is writable")
    })
}

/// Runs an export into a file or, without one, to standard output.
fn export(
    output: Option<&Path>,
    what: &str,
    kind: &str,
    write: impl FnOnce(&mut dyn Write) -> std::result::Result<usize, InterchangeError>,
) -> Result<Report> {
    match output {
        Some(path) => {
            let mut file = create_private(path)?;
            let n = write(&mut file)?;
            file.sync_all()?;
            note("note: the file holds personal data; keep it safe and delete it when done");
            let human = format!("Wrote {n} {what} to {} ({kind}).", path.display());
            Ok(Report::new(
                human,
                json!({ "file": path.display().to_string(), "format": kind, "count": n }),
            ))
        }
        None => {
            let mut buf = Vec::new();
            let n = write(&mut buf)?;
            let text = String::from_utf8(buf)
                .map_err(|_| CliError::failure("the export is not UTF-8 text"))?;
            Ok(Report::new(
                text.clone(),
                json!({ "file": Value::Null, "format": kind, "count": n, "content": text }),
            ))
        }
    }
}

pub(crate) fn export_csv(ctx: &Ctx, args: &ExportCsvArgs) -> Result<Report> {
    let (group, _) = ctx.group()?;
    let output = args.output.as_deref();
    match args.what {
        ExportWhat::Contacts => export(output, "contacts", "csv", |w| {
            interchange::export_contacts_csv(&group, w)
        }),
        ExportWhat::Conversations => export(output, "conversations", "csv", |w| {
            interchange::export_conversations_csv(&group, w)
        }),
        ExportWhat::Followups => export(output, "follow-ups", "csv", |w| {
            interchange::export_follow_ups_csv(&group, w)
        }),
    }
}

pub(crate) fn export_vcard(ctx: &Ctx, args: &ExportVcardArgs) -> Result<Report> {
    let (group, _) = ctx.group()?;
    let version = match args.version {
        VcardVersionArg::V3 => interchange::VCardVersion::V3,
        VcardVersionArg::V4 => interchange::VCardVersion::V4,
    };
    export(args.output.as_deref(), "contacts", "vcard", |w| {
        interchange::export_vcard(&group, version, w)
    })
}

pub(crate) fn export_ical(ctx: &Ctx, args: &ExportIcalArgs) -> Result<Report> {
    let (group, _) = ctx.group()?;
    let options = interchange::IcalOptions {
        todo: args.todo,
        with_names: args.with_names,
        ..interchange::IcalOptions::default()
    };
    let what = if args.todo { "to-dos" } else { "reminders" };
    export(args.output.as_deref(), what, "ical", |w| {
        interchange::export_ical(&group, &options, w)
    })
}

pub(crate) fn export_jsonl(ctx: &Ctx, args: &ExportJsonlArgs) -> Result<Report> {
    if !args.plaintext {
        return Err(CliError::user(
            "a portable export is not encrypted: it names every person and holds every conversation",
        )
        .hint(
            "add --plaintext if that is what you want (to leave Groundwork); to keep a copy, use `groundwork backup create FILE`, which stays encrypted",
        ));
    }
    let (group, _) = ctx.group()?;
    note(
        "warning: this export is NOT encrypted and names people, with their conversations; \
         keep it off shared drives and delete it once it has served",
    );
    export(args.output.as_deref(), "records", "jsonl", |w| {
        interchange::export_portable(&group, w).map(|s| s.records())
    })
}

pub(crate) fn import_jsonl(ctx: &Ctx, args: &ImportJsonlArgs) -> Result<Report> {
    let (group, group_name) = ctx.group()?;
    let started = Instant::now();
    let bytes = read_file(&args.file)?;
    let file = interchange::read_portable(&bytes)?;
    drop(bytes);
    let progress = ProgressBar::new("importing", ctx.json);
    let result = interchange::import_portable(&group, &file, &mut |done, total| {
        progress.update(done, total)
    });
    progress.finish();
    let stored = result?;
    let secs = started.elapsed().as_secs_f64();
    let mut h = String::new();
    outln!(
        h,
        "Imported {} into \"{}\": {} terrain trees, {} contacts with {} conversations, {} plans, {} follow-ups ({secs:.2} s).",
        args.file.display(),
        file.group_name().unwrap_or(&group_name),
        stored.terrain_trees,
        stored.contacts,
        stored.conversations,
        stored.plans,
        stored.follow_ups,
    );
    Ok(Report::new(
        h,
        json!({
            "group": { "id": group.id(), "name": file.group_name().unwrap_or(&group_name) },
            "file": args.file.display().to_string(),
            "imported": to_json(&stored)?,
            "seconds": secs,
        }),
    ))
}
