//! `groundwork turf cut|list|show|knock|return`: contacts handed to an organizer for
//! canvassing, door knocks, and the canvass's progress.

use chrono::Utc;
use groundwork_core::Group;
use groundwork_core::ids::TurfId;
use groundwork_core::model::{Counted, KnockOutcome, NewKnock, NewTurf, RecordQuery, Turf};
use groundwork_core::turf::TurfProgress;
use serde_json::json;

use crate::args::{
    KnockArg, TurfCutArgs, TurfKnockArgs, TurfListArgs, TurfReturnArgs, TurfShowArgs,
};
use crate::commands::Ctx;
use crate::error::{CliError, Result};
use crate::output::{Report, outln, short_id, table, to_json};
use crate::resolve;
use crate::when::{show_date, show_time};

pub(crate) fn cut(ctx: &Ctx, args: &TurfCutArgs) -> Result<Report> {
    let (group, _) = ctx.group()?;
    let members = group.members()?;
    let devices = args
        .devices
        .iter()
        .map(|d| resolve::device(&members, d))
        .collect::<Result<Vec<_>>>()?;
    let unit = match &args.unit {
        Some(u) => Some(resolve::unit(&group.units()?, u)?),
        None => None,
    };
    let assessment = match &args.assessment {
        Some(a) => Some(resolve::at_least(&group.settings()?.scale, a)?),
        None => None,
    };
    let turf = group.cut_turf(&NewTurf {
        name: args.name.clone(),
        organizer: args.organizer.clone(),
        devices,
        selection: RecordQuery {
            unit,
            assessment,
            since: args.since,
            tag: args.tag.clone(),
            organizer: args.contacts_of.clone(),
            ..RecordQuery::counting(Counted::Contacts)
        },
    })?;
    let names: Vec<&str> = turf
        .devices
        .iter()
        .filter_map(|d| members.members.get(d))
        .map(|m| resolve::device_name(&m.name))
        .collect();
    let mut human = String::new();
    outln!(
        human,
        "Handed \"{}\" ({} contacts) to {} on {}.",
        turf.name,
        turf.size,
        turf.organizer,
        names.join(", ")
    );
    outln!(
        human,
        "Their devices get these contacts at their next sync; `groundwork turf show \"{}\"` is the walk list.",
        turf.name
    );
    Ok(Report::new(human, json!({ "turf": to_json(&turf)? })))
}

pub(crate) fn list(ctx: &Ctx, args: &TurfListArgs) -> Result<Report> {
    let (group, _) = ctx.group()?;
    let turfs: Vec<TurfProgress> = group
        .turfs()?
        .into_iter()
        .filter(|p| !args.out || p.turf.is_out())
        .filter(|p| {
            args.organizer
                .as_deref()
                .is_none_or(|o| p.turf.organizer.eq_ignore_ascii_case(o.trim()))
        })
        .collect();
    let human = if turfs.is_empty() {
        "No turf yet: cut one with `groundwork turf cut NAME --organizer O --device D --unit U`.\n"
            .to_owned()
    } else {
        let rows = turfs
            .iter()
            .map(|p| {
                vec![
                    short_id(&p.turf.id),
                    p.turf.name.clone(),
                    p.turf.organizer.clone(),
                    match p.turf.returned_at {
                        None => format!("out since {}", show_date(&p.turf.handed_out_at)),
                        Some(r) => format!("returned {}", show_date(&r)),
                    },
                    counts(p),
                ]
            })
            .collect();
        let mut out = table(&["id", "turf", "organizer", "status", "canvass"], rows);
        out.push('\n');
        if turfs.iter().any(|p| p.partial) {
            outln!(
                out,
                "* partial: this device holds only some of that turf's contacts."
            );
        }
        out
    };
    Ok(Report::new(
        human,
        json!({
            "turfs": turfs.iter().map(to_json).collect::<Result<Vec<_>>>()?,
            "partial": turfs.iter().any(|p| p.partial),
        }),
    ))
}

/// "3/5 reached: 2 conversations, 1 contacted, 0 not home, 0 refused; 2 to knock".
fn counts(p: &TurfProgress) -> String {
    format!(
        "{}/{} reached: {} conversations, {} contacted, {} not home, {} refused; {} to knock{}",
        p.reached(),
        p.turf.size,
        p.conversations,
        p.contacted,
        p.not_home,
        p.refused,
        p.to_knock,
        if p.partial { " *" } else { "" }
    )
}

pub(crate) fn show(ctx: &Ctx, args: &TurfShowArgs) -> Result<Report> {
    let (group, _) = ctx.group()?;
    let turf = resolve_turf(&group, &args.turf)?;
    let progress = group.turf_progress(turf.id)?;
    let stops = group.walk_list(turf.id)?;
    let mut human = String::new();
    outln!(
        human,
        "{} — {}, {}",
        turf.name,
        turf.organizer,
        match turf.returned_at {
            None => format!("out since {}", show_time(&turf.handed_out_at)),
            Some(r) => format!("returned {}", show_time(&r)),
        }
    );
    outln!(human, "{}", counts(&progress));
    if progress.partial {
        outln!(
            human,
            "* partial: this device holds {} of the turf's {} contacts.",
            progress.held,
            turf.size
        );
    }
    if !stops.is_empty() {
        let rows = stops
            .iter()
            .map(|s| {
                vec![
                    s.unit_name.clone().unwrap_or_default(),
                    s.address.clone(),
                    s.name.clone(),
                    s.status.label().to_owned(),
                    s.last_knock_at.map(|t| show_time(&t)).unwrap_or_default(),
                ]
            })
            .collect();
        human.push_str(&table(
            &["unit", "address", "name", "status", "last knock"],
            rows,
        ));
        human.push('\n');
    }
    Ok(Report::new(
        human,
        json!({
            "turf": to_json(&progress)?,
            "walk_list": stops.iter().map(to_json).collect::<Result<Vec<_>>>()?,
        }),
    ))
}

pub(crate) fn knock(ctx: &Ctx, args: &TurfKnockArgs) -> Result<Report> {
    let (group, _) = ctx.group()?;
    let contact = resolve::contact(&group, &args.contact)?;
    let outcome = match args.outcome {
        KnockArg::NotHome => KnockOutcome::NotHome,
        KnockArg::Refused => KnockOutcome::Refused,
        KnockArg::Contacted => KnockOutcome::Contacted,
    };
    let at = args.at.unwrap_or_else(Utc::now);
    let id = group.record_knock(
        contact,
        &NewKnock {
            outcome: outcome.clone(),
            organizer: args.organizer.clone(),
            at,
            note: args.note.clone(),
        },
    )?;
    let name = group.contact(contact)?.name;
    let mut human = String::new();
    outln!(
        human,
        "Knocked on {name}'s door: {}.",
        outcome.as_str().replace('_', " ")
    );
    Ok(Report::new(
        human,
        json!({
            "knock": {
                "id": id.to_string(),
                "contact": contact.to_string(),
                "outcome": outcome.as_str(),
                "organizer": args.organizer.trim(),
                "at": at.to_rfc3339(),
                "note": args.note.trim(),
            }
        }),
    ))
}

pub(crate) fn take_back(ctx: &Ctx, args: &TurfReturnArgs) -> Result<Report> {
    let (group, _) = ctx.group()?;
    let turf = resolve_turf(&group, &args.turf)?;
    let back = group.return_turf(turf.id)?;
    let progress = group.turf_progress(back.id)?;
    let mut human = String::new();
    outln!(
        human,
        "Took back \"{}\" from {}: its contacts leave their devices at the next sync.",
        back.name,
        back.organizer
    );
    outln!(human, "{}", counts(&progress));
    Ok(Report::new(human, json!({ "turf": to_json(&progress)? })))
}

/// A turf from its id, the start of its id, or its name (exact, else the start of it;
/// case-insensitive). Among turfs of one name, the one still out, else the latest.
fn resolve_turf(group: &Group, query: &str) -> Result<Turf> {
    let q = query.trim();
    if q.is_empty() {
        return Err(CliError::user("no turf given").hint("give a turf's name or id"));
    }
    if let Ok(id) = TurfId::parse(q) {
        return Ok(group.turf(id)?);
    }
    let turfs: Vec<Turf> = group.turfs()?.into_iter().map(|p| p.turf).collect();
    let lower = q.to_lowercase();
    let pick = |matching: Vec<&Turf>| -> Option<Turf> {
        matching
            .iter()
            .rev()
            .find(|t| t.is_out())
            .or(matching.last())
            .map(|t| (*t).clone())
    };
    let exact: Vec<&Turf> = turfs
        .iter()
        .filter(|t| t.name.to_lowercase() == lower)
        .collect();
    if let Some(t) = pick(exact) {
        return Ok(t);
    }
    let started: Vec<&Turf> = turfs
        .iter()
        .filter(|t| {
            t.name.to_lowercase().starts_with(&lower) || t.id.to_string().starts_with(&lower)
        })
        .collect();
    let distinct: std::collections::BTreeSet<&str> =
        started.iter().map(|t| t.name.as_str()).collect();
    if distinct.len() > 1 {
        return Err(
            CliError::user(format!("\"{q}\" fits several turfs")).hint(format!(
                "one of: {}",
                distinct.into_iter().collect::<Vec<_>>().join(", ")
            )),
        );
    }
    pick(started).ok_or_else(|| {
        CliError::user(format!("no turf \"{q}\""))
            .hint("`groundwork turf list` shows the group's turfs")
    })
}
