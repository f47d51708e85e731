//! `groundwork history RECORD` and `groundwork undo RECORD CHANGE`: who changed what, and
//! undoing a bad edit by a new change.

use groundwork_core::Group;
use groundwork_core::history::{HistoryPage, RevertConflict};
use groundwork_core::ids::DocId;
use serde_json::json;

use crate::args::{HistoryArgs, UndoArgs};
use crate::commands::Ctx;
use crate::error::{CliError, Result};
use crate::output::{Report, outln, to_json};
use crate::resolve;
use crate::when::show_time;

/// A record named on the command line: a contact, a follow-up or a plan, with what to call it.
fn record(group: &Group, query: &str) -> Result<(DocId, String)> {
    let q = query.trim();
    let (kind, rest) = match q.split_once(':') {
        Some((k @ ("contact" | "followup" | "follow-up" | "plan"), rest)) => (Some(k), rest.trim()),
        _ => (None, q),
    };
    if kind.is_none()
        && let Ok(id) = DocId::parse(rest)
        && group.version_of(id)?.is_some()
    {
        return Ok((id, format!("record {id}")));
    }
    let contact = || -> Result<(DocId, String)> {
        let id = resolve::contact(group, rest)?;
        Ok((id.into(), format!("contact {}", group.contact(id)?.name)))
    };
    let follow_up = || -> Result<(DocId, String)> {
        let id = resolve::follow_up(group, rest)?;
        Ok((
            id.into(),
            format!("follow-up \"{}\"", group.follow_up(id)?.title),
        ))
    };
    let plan = || -> Result<(DocId, String)> {
        let (id, title) = resolve::plan(group, rest)?;
        Ok((id.into(), format!("plan \"{title}\"")))
    };
    match kind {
        Some("contact") => contact(),
        Some("plan") => plan(),
        Some(_) => follow_up(),
        None => {
            let hexish = rest.len() >= 4 && rest.chars().all(|c| c.is_ascii_hexdigit());
            if hexish && let Ok(found) = follow_up() {
                return Ok(found);
            }
            contact().or_else(|e| plan().map_err(|_| e))
        }
    }
}

pub(crate) fn show(ctx: &Ctx, args: &HistoryArgs) -> Result<Report> {
    let (group, _) = ctx.group()?;
    let (id, label) = record(&group, &args.record)?;
    let history = group.history(
        id,
        HistoryPage {
            limit: args.limit,
            offset: args.offset,
        },
    )?;
    let mut human = String::new();
    outln!(
        human,
        "History of {label}: {} change{}, newest first",
        history.total,
        if history.total == 1 { "" } else { "s" }
    );
    for e in &history.entries {
        let who = match (&e.device_name, e.this_device) {
            (Some(n), true) => format!("{n} (this device)"),
            (Some(n), false) => n.clone(),
            (None, true) => "this device".to_owned(),
            (None, false) => format!("device {}", &e.device[..e.device.len().min(12)]),
        };
        outln!(
            human,
            "\n{}  {}  {}{}",
            &e.change[..12.min(e.change.len())],
            e.at.as_ref().map(show_time).unwrap_or_default(),
            who,
            if e.created {
                "  (created the record)"
            } else {
                ""
            }
        );
        for f in &e.fields {
            match (&f.before, &f.after) {
                (Some(b), Some(a)) => outln!(human, "  {}: {b} → {a}", f.field),
                (None, Some(a)) if f.summary == "set" => outln!(human, "  {}: set to {a}", f.field),
                (Some(b), None) if f.summary == "cleared" => {
                    outln!(human, "  {}: cleared (was {b})", f.field)
                }
                _ => outln!(human, "  {}: {}", f.field, f.summary),
            }
        }
    }
    let shown = args.offset as usize + history.entries.len();
    if shown < history.total {
        outln!(
            human,
            "\n{} older change{}: --offset {shown}",
            history.total - shown,
            if history.total - shown == 1 { "" } else { "s" }
        );
    }
    Ok(Report::new(human, to_json(&history)?))
}

pub(crate) fn undo(ctx: &Ctx, args: &UndoArgs) -> Result<Report> {
    let (group, _) = ctx.group()?;
    let (id, label) = record(&group, &args.record)?;
    let r = group.revert_change(id, &args.change, args.force)?;
    let mut human = String::new();
    outln!(
        human,
        "Undid change {} of {label}: {}",
        &r.change[..12.min(r.change.len())],
        if r.fields.is_empty() {
            "nothing to restore".to_owned()
        } else {
            format!("restored {}", r.fields.join(", "))
        }
    );
    for l in &r.overridden {
        outln!(
            human,
            "  {} had later edits; both values now show as a conflict to settle",
            l.field
        );
    }
    Ok(Report::new(human, json!({ "reverted": to_json(&r)? })))
}

/// The refusal of an undo, naming the later changes so the person can decide.
pub(crate) fn conflict_error(c: &RevertConflict) -> CliError {
    let mut lines = Vec::new();
    for l in &c.later {
        for ch in &l.changes {
            lines.push(format!(
                "  {}: change {} {}by {}",
                l.field,
                &ch.change[..12.min(ch.change.len())],
                ch.at
                    .as_ref()
                    .map(|t| format!("at {} ", show_time(t)))
                    .unwrap_or_default(),
                ch.device_name
                    .clone()
                    .unwrap_or_else(|| format!("device {}", &ch.device[..12.min(ch.device.len())]))
            ));
        }
    }
    CliError::user(format!(
        "later changes touched the same fields, so nothing was undone:\n{}",
        lines.join("\n")
    ))
    .hint("look at them with `groundwork history`; undo anyway with --force")
}
