//! `groundwork demo`: a new group filled with the sample organizing drive.

use std::time::Instant;

use chrono::{Duration, Utc};
use groundwork_core::query::{AssessmentFilter, ContactQuery, ConversationQuery, FollowUpQuery};
use groundwork_core::sample::{self, Workload};
use serde_json::json;

use crate::args::DemoArgs;
use crate::commands::Ctx;
use crate::commands::view;
use crate::error::{CliError, Result};
use crate::output::{Progress, Report, outln, table};
use crate::{resolve, store_open};

/// The name of the group the demo creates.
pub(crate) const DEMO_GROUP: &str = "Riverside Workers Committee (demo)";

pub(crate) fn run(ctx: &Ctx, args: &DemoArgs) -> Result<Report> {
    let created_store = !store_open::store_exists(&ctx.store)?;
    let repo = if created_store {
        let passphrase = store_open::demo_passphrase(&ctx.store)?;
        store_open::create(&ctx.store, &passphrase)?
    } else {
        store_open::open(&ctx.store)?
    };
    let group = repo.create_group(DEMO_GROUP)?;

    let base = Utc::now()
        .date_naive()
        .and_hms_opt(0, 0, 0)
        .map(|t| t.and_utc())
        .ok_or_else(|| CliError::failure("cannot tell today's date"))?;
    let mut workload = Workload::meeting_size(base).scaled(args.scale);
    if let Some(seed) = args.seed {
        workload.seed = seed;
    }

    let progress = Progress::new("generating the demo group");
    let started = Instant::now();
    let made = sample::generate(&group, &workload, |done, total| {
        progress.update(done, total)
    });
    progress.finish();
    let made = made?;
    let elapsed = started.elapsed();

    // Counts from the index, not from what the generator says it made.
    let contacts = group.count_contacts(&ContactQuery::default())?;
    let conversations = group.count_conversations(&ConversationQuery::default())?;
    let plans = group.plans()?.len();
    let follow_ups = made.follow_ups.len();
    let scale = group.settings()?.scale;
    let units = resolve::unit_names(&group.units()?);
    let first = group.contacts(&ContactQuery {
        limit: Some(10),
        ..ContactQuery::default()
    })?;
    let now = Utc::now();
    let due_within = |before| {
        group.count_follow_ups(&FollowUpQuery {
            due_before: Some(before),
            ..FollowUpQuery::default()
        })
    };
    let overdue = due_within(now)?;
    let due_next_day = due_within(now + Duration::hours(24))?.saturating_sub(overdue);
    let mut by_assessment = Vec::new();
    for level in &scale.levels {
        let n = group.count_contacts(&ContactQuery {
            assessment: Some(AssessmentFilter::Values(vec![level.value])),
            ..ContactQuery::default()
        })?;
        by_assessment.push((level.value, level.label.clone(), n));
    }
    let unassessed = group.count_contacts(&ContactQuery {
        assessment: Some(AssessmentFilter::Unassessed),
        ..ContactQuery::default()
    })?;
    let supporters = group.count_contacts(&ContactQuery {
        assessment: Some(AssessmentFilter::SupporterOrBetter),
        ..ContactQuery::default()
    })?;

    let mut h = String::new();
    if created_store {
        outln!(h, "Created an encrypted store at {}", ctx.store.display());
    }
    outln!(h, "Created group \"{DEMO_GROUP}\" ({})", group.id());
    outln!(
        h,
        "Made {contacts} contacts, {conversations} conversations, {plans} plans, {follow_ups} \
         follow-ups in {} documents in {:.1} s",
        made.documents,
        elapsed.as_secs_f64()
    );
    outln!(h);
    let unit_of = |u: Option<groundwork_core::ids::UnitId>| {
        u.and_then(|u| units.get(&u).cloned()).unwrap_or_default()
    };
    let rows = first
        .iter()
        .map(|c| {
            vec![
                c.name.clone(),
                unit_of(c.unit),
                c.assessment_label.clone().unwrap_or_default(),
                view::last_talked(c.last_conversation_at.as_ref()),
            ]
        })
        .collect();
    outln!(h, "The first {} contacts:", first.len());
    outln!(
        h,
        "{}",
        table(&["Name", "Unit", "Assessment", "Last talked"], rows)
    );
    outln!(h);
    outln!(
        h,
        "Follow-ups due in the next 24 hours: {due_next_day} (and {overdue} overdue)"
    );
    outln!(h, "Contacts by assessment:");
    for (value, label, n) in &by_assessment {
        outln!(h, "  {:<14} {n:>6}", format!("{label} ({value})"));
    }
    outln!(h, "  {:<14} {unassessed:>6}", "not assessed");
    outln!(h, "  supporter or better: {supporters} of {contacts}");
    outln!(h);
    outln!(
        h,
        "Try: groundwork --group {} contact list --assessment leader",
        group.id()
    );

    let json = json!({
        "store": ctx.store,
        "created_store": created_store,
        "group": { "id": group.id(), "name": DEMO_GROUP },
        "scale": args.scale,
        "seed": workload.seed,
        "base": base,
        "counts": {
            "contacts": contacts,
            "conversations": conversations,
            "plans": plans,
            "follow_ups": follow_ups,
            "documents": made.documents,
        },
        "elapsed_seconds": elapsed.as_secs_f64(),
        "first_contacts": first.iter().map(|c| json!({
            "id": c.id,
            "name": c.name,
            "unit": c.unit,
            "unit_name": c.unit.map(|u| unit_of(Some(u))),
            "assessment": c.assessment,
            "assessment_label": c.assessment_label,
            "last_conversation_at": c.last_conversation_at,
        })).collect::<Vec<_>>(),
        "follow_ups_due_next_24h": due_next_day,
        "follow_ups_overdue": overdue,
        "by_assessment": by_assessment.iter().map(|(value, label, n)| json!({
            "value": value, "label": label, "contacts": n,
        })).collect::<Vec<_>>(),
        "unassessed": unassessed,
        "supporter_or_better": supporters,
    });
    Ok(Report::new(h, json))
}
