//! `groundwork followup add|snooze|reassign|done`: one follow-up's life.

use groundwork_core::model::{FollowUp, FollowUpKind, NewFollowUp};
use serde_json::json;

use crate::args::{FollowupAddArgs, FollowupDoneArgs, FollowupReassignArgs, FollowupSnoozeArgs};
use crate::commands::Ctx;
use crate::error::{CliError, Result};
use crate::output::{Report, outln, to_json};
use crate::resolve;
use crate::when::show_time;

/// One line about a follow-up: title, who, when.
fn line(f: &FollowUp) -> String {
    format!(
        "{} \"{}\" for {}{}{}",
        f.id,
        f.title,
        f.assignee,
        f.due
            .as_ref()
            .map(|d| format!(", due {}", show_time(d)))
            .unwrap_or_default(),
        f.repeat_every_days
            .map(|d| format!(", every {d} days"))
            .unwrap_or_default()
    )
}

pub(crate) fn add(ctx: &Ctx, args: &FollowupAddArgs) -> Result<Report> {
    let organizer = args
        .organizer
        .as_deref()
        .map(str::trim)
        .filter(|o| !o.is_empty())
        .map(str::to_owned)
        .ok_or_else(|| {
            CliError::user("who does it?")
                .hint("give --organizer NAME, or set GROUNDWORK_ORGANIZER")
        })?;
    let (group, _) = ctx.group()?;
    let contact = match &args.contact {
        Some(c) => Some(resolve::contact(&group, c)?),
        None => None,
    };
    let f = group.create_follow_up(&NewFollowUp {
        kind: if args.onboarding {
            FollowUpKind::Onboarding
        } else {
            FollowUpKind::FollowUp
        },
        contact,
        partner: args.partner.clone(),
        due: args.due,
        note: args.note.clone().unwrap_or_default(),
        repeat_every_days: args.every,
        ..NewFollowUp::new(args.title.clone(), organizer)
    })?;
    let mut human = String::new();
    outln!(human, "Added follow-up {}", line(&f));
    Ok(Report::new(human, json!({ "follow_up": to_json(&f)? })))
}

pub(crate) fn snooze(ctx: &Ctx, args: &FollowupSnoozeArgs) -> Result<Report> {
    let (group, _) = ctx.group()?;
    let id = resolve::follow_up(&group, &args.id)?;
    let f = group.snooze_follow_up(id, args.until)?;
    let mut human = String::new();
    outln!(human, "Snoozed: {}", line(&f));
    Ok(Report::new(human, json!({ "follow_up": to_json(&f)? })))
}

pub(crate) fn reassign(ctx: &Ctx, args: &FollowupReassignArgs) -> Result<Report> {
    let (group, _) = ctx.group()?;
    let id = resolve::follow_up(&group, &args.id)?;
    let f = group.reassign_follow_up(id, &args.to)?;
    let mut human = String::new();
    outln!(human, "Handed over: {}", line(&f));
    Ok(Report::new(human, json!({ "follow_up": to_json(&f)? })))
}

pub(crate) fn done(ctx: &Ctx, args: &FollowupDoneArgs) -> Result<Report> {
    let (group, _) = ctx.group()?;
    let id = resolve::follow_up(&group, &args.id)?;
    let c = group.complete_follow_up(id, args.note.as_deref().unwrap_or(""))?;
    let mut human = String::new();
    outln!(human, "Done: {}", line(&c.done));
    if let Some(next) = &c.next {
        outln!(human, "Next check-in: {}", line(next));
    }
    Ok(Report::new(
        human,
        json!({
            "follow_up": to_json(&c.done)?,
            "next": match &c.next { Some(n) => to_json(n)?, None => serde_json::Value::Null },
        }),
    ))
}
