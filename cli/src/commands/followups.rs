//! `groundwork followups`: the open follow-ups that are due.

use std::collections::HashMap;

use chrono::{Duration, Utc};
use groundwork_core::ids::ContactId;
use groundwork_core::model::{FollowUpKind, FollowUpStatus};
use groundwork_core::query::FollowUpQuery;
use serde_json::{Value, json};

use crate::args::{FollowupsArgs, When};
use crate::commands::Ctx;
use crate::error::Result;
use crate::output::{Report, outln, short_id, table, to_json};
use crate::when::{end_of_today, show_time};

fn status(s: &FollowUpStatus) -> &str {
    s.as_str()
}

pub(crate) fn run(ctx: &Ctx, args: &FollowupsArgs) -> Result<Report> {
    let (group, group_name) = ctx.group()?;
    let now = Utc::now();
    let (due_before, what) = match args.when {
        When::Overdue => (Some(now), "overdue"),
        When::Today => (Some(end_of_today()), "due today or overdue"),
        When::Week => (
            Some(now + Duration::days(7)),
            "due in the next 7 days or overdue",
        ),
        When::All => (None, "open"),
    };
    let query = FollowUpQuery {
        assignee: args.assignee.clone(),
        due_before,
        limit: Some(args.limit),
        ..FollowUpQuery::default()
    };
    let rows = group.follow_ups(&query)?;
    let total = group.count_follow_ups(&query)?;

    // Names only for the rows shown: one document read per contact.
    let mut names: HashMap<ContactId, String> = HashMap::new();
    for id in rows.iter().filter_map(|f| f.contact) {
        names.entry(id).or_insert_with(|| {
            group
                .contact(id)
                .map(|c| c.name)
                .unwrap_or_else(|_| "(not available)".into())
        });
    }
    let contact_name = |id: Option<ContactId>| id.and_then(|id| names.get(&id).cloned());

    let mut human = String::new();
    if rows.is_empty() {
        outln!(human, "Nothing {what}.");
    } else {
        let cells = rows
            .iter()
            .map(|f| {
                let overdue = f.due.is_some_and(|d| d < now);
                vec![
                    short_id(&f.id),
                    f.due
                        .as_ref()
                        .map(|d| {
                            format!(
                                "{}{}",
                                show_time(d),
                                if overdue { " (overdue)" } else { "" }
                            )
                        })
                        .unwrap_or_default(),
                    match &f.kind {
                        FollowUpKind::Onboarding => format!("{} (onboarding)", f.title),
                        _ => f.title.clone(),
                    },
                    contact_name(f.contact).unwrap_or_default(),
                    f.assignee.clone(),
                    status(&f.status).to_owned(),
                ]
            })
            .collect();
        outln!(
            human,
            "{}",
            table(
                &["ID", "Due", "Title", "Contact", "Assignee", "Status"],
                cells
            )
        );
    }
    let shown = rows.len();
    outln!(
        human,
        "{total} follow-up{} {what}{}{}",
        if total == 1 { "" } else { "s" },
        args.assignee
            .as_ref()
            .map(|a| format!(" for {a}"))
            .unwrap_or_default(),
        if (shown as u64) < total {
            format!(" (showing {shown}; raise --limit for more)")
        } else {
            String::new()
        }
    );
    let items = rows
        .iter()
        .map(|f| {
            let mut v = to_json(f)?;
            if let Value::Object(map) = &mut v {
                map.insert(
                    "contact_name".into(),
                    contact_name(f.contact).map_or(Value::Null, Value::String),
                );
            }
            Ok(v)
        })
        .collect::<Result<Vec<_>>>()?;
    let json = json!({
        "group": { "id": group.id(), "name": group_name },
        "when": format!("{:?}", args.when).to_lowercase(),
        "due_before": due_before,
        "follow_ups": items,
        "shown": shown,
        "total": total,
    });
    Ok(Report::new(human, json))
}
