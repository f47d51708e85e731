//! `groundwork followups`: an organizer's open follow-ups — overdue, due today, this week.

use std::collections::HashMap;

use chrono::Local;
use groundwork_core::Group;
use groundwork_core::agenda::Due;
use groundwork_core::ids::ContactId;
use groundwork_core::model::FollowUpKind;
use groundwork_core::query::FollowUpSummary;
use serde_json::{Value, json};

use crate::args::{FollowupsArgs, When};
use crate::commands::Ctx;
use crate::error::Result;
use crate::output::{Report, outln, short_id, table, to_json};
use crate::when::show_time;

/// The lists a `--when` shows, in order, with their headings.
fn sections(when: When) -> &'static [(Due, &'static str)] {
    match when {
        When::Overdue => &[(Due::Overdue, "Overdue")],
        When::Today => &[(Due::Overdue, "Overdue"), (Due::Today, "Due today")],
        When::Week => &[(Due::Overdue, "Overdue"), (Due::ThisWeek, "Due this week")],
        When::All => &[(Due::All, "Open")],
    }
}

/// Contact names for the rows shown: one document read per contact.
fn contact_names(group: &Group, rows: &[FollowUpSummary]) -> HashMap<ContactId, String> {
    let mut names = HashMap::new();
    for id in rows.iter().filter_map(|f| f.contact) {
        names.entry(id).or_insert_with(|| {
            group
                .contact(id)
                .map(|c| c.name)
                .unwrap_or_else(|_| "(not available)".into())
        });
    }
    names
}

pub(crate) fn run(ctx: &Ctx, args: &FollowupsArgs) -> Result<Report> {
    let (group, group_name) = ctx.group()?;
    let now = Local::now().fixed_offset();
    let when = args.when.or(args.when_flag).unwrap_or(When::Today);
    let organizer = args
        .organizer
        .as_deref()
        .map(str::trim)
        .filter(|o| !o.is_empty());
    let mut human = String::new();
    let mut lists = serde_json::Map::new();
    let mut total_all = 0;
    let mut all_items = Vec::new();
    for (due, heading) in sections(when) {
        let rows = group.due_follow_ups(organizer, *due, now, Some(args.limit))?;
        let total = group.count_due_follow_ups(organizer, *due, now)?;
        total_all += total;
        let names = contact_names(&group, &rows);
        let name = |id: Option<ContactId>| id.and_then(|id| names.get(&id).cloned());
        outln!(
            human,
            "{heading}: {total}{}",
            if (rows.len() as u64) < total {
                format!(" (showing {}; raise --limit for more)", rows.len())
            } else {
                String::new()
            }
        );
        if !rows.is_empty() {
            let cells = rows
                .iter()
                .map(|f| {
                    vec![
                        short_id(&f.id),
                        f.due.as_ref().map(show_time).unwrap_or_default(),
                        match &f.kind {
                            FollowUpKind::Onboarding => format!("{} (onboarding)", f.title),
                            _ => f.title.clone(),
                        },
                        name(f.contact).unwrap_or_default(),
                        f.assignee.clone(),
                    ]
                })
                .collect();
            outln!(
                human,
                "{}",
                table(&["ID", "Due", "Title", "Contact", "Organizer"], cells)
            );
        }
        let items = rows
            .iter()
            .map(|f| {
                let mut v = to_json(f)?;
                if let Value::Object(map) = &mut v {
                    map.insert(
                        "contact_name".into(),
                        name(f.contact).map_or(Value::Null, Value::String),
                    );
                }
                Ok(v)
            })
            .collect::<Result<Vec<_>>>()?;
        all_items.extend(items.iter().cloned());
        lists.insert(
            to_json(due)?.as_str().unwrap_or("due").to_owned(),
            json!({ "follow_ups": items, "total": total }),
        );
    }
    let what = match when {
        When::Overdue => "overdue",
        When::Today => "due today or overdue",
        When::Week => "due this week or overdue",
        When::All => "open",
    };
    let whose = organizer.map(|o| format!(" for {o}")).unwrap_or_default();
    if total_all == 0 {
        let end = if whose.ends_with('.') { "" } else { "." };
        human = format!("Nothing {what}{whose}{end}\n");
    } else {
        outln!(
            human,
            "{total_all} follow-up{} {what}{whose}",
            if total_all == 1 { "" } else { "s" }
        );
    }
    let json = json!({
        "group": { "id": group.id(), "name": group_name },
        "when": format!("{when:?}").to_lowercase(),
        "organizer": organizer,
        "follow_ups": all_items,
        "total": total_all,
        "lists": lists,
    });
    Ok(Report::new(human, json))
}
