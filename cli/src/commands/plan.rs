//! `groundwork plan add|list` and `groundwork plan benchmark add|list`: plans and their
//! benchmarks, with progress counted from the records.

use std::collections::HashMap;

use chrono::Utc;
use groundwork_core::Group;
use groundwork_core::benchmarks::BenchmarkProgress;
use groundwork_core::ids::{EntryId, UnitId};
use groundwork_core::model::{
    AssessmentAtLeast, AssessmentScale, Counted, FollowUpKind, NewPlan, Plan, PlanEdit,
    RecordQuery, Update,
};
use serde_json::json;

use crate::args::{
    BenchmarkAddArgs, BenchmarkListArgs, CountArg, FollowUpKindArg, PlanAddArgs, PlanReflectArgs,
    PlanShowArgs, PlanTacticArgs,
};
use crate::commands::Ctx;
use crate::error::{CliError, Result};
use crate::output::{Report, outln, table, to_json};
use crate::resolve;
use crate::when::show_date;

/// Width of a progress bar, in characters.
const BAR: usize = 20;

/// `[████████░░░░░░░░░░░░]`: the share of the target reached.
pub(crate) fn bar(fraction: f64) -> String {
    let filled = ((fraction.clamp(0.0, 1.0) * BAR as f64).round() as usize).min(BAR);
    format!("[{}{}]", "█".repeat(filled), "░".repeat(BAR - filled))
}

pub(crate) fn add(ctx: &Ctx, args: &PlanAddArgs) -> Result<Report> {
    let (group, _) = ctx.group()?;
    let all = group.units()?;
    let units = args
        .units
        .iter()
        .map(|u| resolve::unit(&all, u))
        .collect::<Result<Vec<UnitId>>>()?;
    let plan = group.create_plan(&NewPlan {
        title: args.title.clone(),
        units,
        strategy: args.strategy.clone().unwrap_or_default(),
    })?;
    let mut human = String::new();
    outln!(human, "Started plan {} \"{}\"", plan.id, plan.title);
    outln!(
        human,
        "Add benchmarks with `groundwork plan benchmark add \"{}\" …`",
        plan.title
    );
    Ok(Report::new(human, json!({ "plan": to_json(&plan)? })))
}

pub(crate) fn list(ctx: &Ctx) -> Result<Report> {
    let (group, _) = ctx.group()?;
    let plans = group.plans()?;
    let progress = group.benchmark_progress(None, Utc::now())?;
    let mut per_plan: HashMap<_, (usize, usize)> = HashMap::new();
    for b in &progress {
        let e = per_plan.entry(b.plan).or_default();
        e.0 += 1;
        e.1 += usize::from(b.met);
    }
    let mut human = String::new();
    if plans.is_empty() {
        outln!(
            human,
            "No plans yet: start one with `groundwork plan add TITLE`."
        );
    } else {
        let rows = plans
            .iter()
            .map(|(id, title)| {
                let (n, met) = per_plan.get(id).copied().unwrap_or_default();
                vec![
                    id.to_string().chars().take(8).collect(),
                    title.clone(),
                    if n == 0 {
                        "none".into()
                    } else {
                        format!("{met} of {n} met")
                    },
                ]
            })
            .collect();
        outln!(human, "{}", table(&["ID", "Plan", "Benchmarks"], rows));
    }
    let json = json!({
        "plans": plans.iter().map(|(id, title)| {
            let (n, met) = per_plan.get(id).copied().unwrap_or_default();
            json!({ "id": id, "title": title, "benchmarks": n, "met": met })
        }).collect::<Vec<_>>(),
    });
    Ok(Report::new(human, json))
}

pub(crate) fn show(ctx: &Ctx, args: &PlanShowArgs) -> Result<Report> {
    let (group, _) = ctx.group()?;
    let (id, _) = resolve::plan(&group, &args.plan)?;
    let plan = group.plan(id)?;
    let units = resolve::unit_names(&group.units()?);
    let mut human = String::new();
    outln!(human, "{} ({})", plan.title, plan.id);
    if !plan.units.is_empty() {
        let names: Vec<String> = plan
            .units
            .iter()
            .map(|u| units.get(u).cloned().unwrap_or_else(|| u.to_string()))
            .collect();
        outln!(human, "About: {}", names.join(", "));
    }
    for g in &plan.goals {
        outln!(human, "Goal ({}): {}", g.horizon.as_str(), g.text);
    }
    if !plan.strategy.trim().is_empty() {
        outln!(human, "Strategy: {}", plan.strategy.trim());
    }
    if !plan.tactics.is_empty() {
        outln!(human, "Tactics:");
        for t in &plan.tactics {
            outln!(
                human,
                "  [{}] {}{}{}  ({})",
                if t.done { "x" } else { " " },
                t.description,
                if t.owner.is_empty() {
                    String::new()
                } else {
                    format!(" — {}", t.owner)
                },
                t.date
                    .as_ref()
                    .map(|d| format!(", {}", show_date(d)))
                    .unwrap_or_default(),
                t.id.to_string().chars().take(8).collect::<String>()
            );
        }
    }
    let progress = group.benchmark_progress(Some(id), Utc::now())?;
    if !progress.is_empty() {
        outln!(human, "Benchmarks:");
        human.push_str(&render(&group, &progress)?);
    }
    for r in &plan.reflections {
        outln!(human, "Reflection on {} ({}):", r.action, show_date(&r.at));
        for (what, text) in [
            ("worked", &r.worked),
            ("didn't", &r.didnt),
            ("next", &r.next),
            ("celebrate", &r.celebration),
        ] {
            if !text.trim().is_empty() {
                outln!(human, "  {what}: {}", text.trim());
            }
        }
    }
    Ok(Report::new(
        human,
        json!({ "plan": to_json(&plan)?, "benchmarks": to_json(&progress)? }),
    ))
}

/// A tactic of the plan from the start of its id or of its description.
fn find_tactic(plan: &Plan, query: &str) -> Option<EntryId> {
    let q = query.trim().to_lowercase();
    let hits: Vec<EntryId> = plan
        .tactics
        .iter()
        .filter(|t| {
            t.id.to_string().starts_with(&q) || t.description.to_lowercase().starts_with(&q)
        })
        .map(|t| t.id)
        .collect();
    match hits.as_slice() {
        [one] => Some(*one),
        _ => None,
    }
}

pub(crate) fn tactic(ctx: &Ctx, args: &PlanTacticArgs) -> Result<Report> {
    let (group, _) = ctx.group()?;
    let (id, _) = resolve::plan(&group, &args.plan)?;
    let edit = if args.done {
        let plan = group.plan(id)?;
        let tactic = find_tactic(&plan, &args.description).ok_or_else(|| {
            CliError::user(format!(
                "no single tactic of \"{}\" starts with \"{}\"",
                plan.title, args.description
            ))
            .hint("`groundwork plan show PLAN` lists the tactics")
        })?;
        PlanEdit::SetTacticDone {
            id: tactic,
            done: true,
        }
    } else {
        PlanEdit::AddTactic {
            description: args.description.clone(),
            owner: args.owner.clone().unwrap_or_default(),
            date: args.date,
        }
    };
    let plan = group.update_plan(id, &Update::new(vec![edit]))?;
    let mut human = String::new();
    outln!(
        human,
        "{} \"{}\": {} tactics, {} done",
        if args.done { "Done in" } else { "Added to" },
        plan.title,
        plan.tactics.len(),
        plan.tactics.iter().filter(|t| t.done).count()
    );
    Ok(Report::new(
        human,
        json!({ "tactics": to_json(&plan.tactics)? }),
    ))
}

pub(crate) fn reflect(ctx: &Ctx, args: &PlanReflectArgs) -> Result<Report> {
    let (group, _) = ctx.group()?;
    let (id, _) = resolve::plan(&group, &args.plan)?;
    let plan = group.plan(id)?;
    let tactic = find_tactic(&plan, &args.action);
    let action = tactic
        .and_then(|t| plan.tactics.iter().find(|x| x.id == t))
        .map_or_else(|| args.action.clone(), |t| t.description.clone());
    let text = |t: &Option<String>| t.clone().unwrap_or_default();
    let plan = group.update_plan(
        id,
        &Update::new(vec![PlanEdit::AddReflection {
            action,
            tactic,
            at: Utc::now(),
            worked: text(&args.worked),
            didnt: text(&args.didnt),
            next: text(&args.next),
            celebration: text(&args.celebrate),
        }]),
    )?;
    let mut human = String::new();
    outln!(
        human,
        "Reflection added to \"{}\"{}",
        plan.title,
        if tactic.is_some() {
            " (linked to the tactic)"
        } else {
            ""
        }
    );
    Ok(Report::new(
        human,
        json!({ "reflection": plan.reflections.last().map(to_json).transpose()? }),
    ))
}

fn query_from(group: &Group, args: &BenchmarkAddArgs) -> Result<RecordQuery> {
    let scale = group.settings()?.scale;
    let unit = match &args.unit {
        Some(u) => Some(resolve::unit(&group.units()?, u)?),
        None => None,
    };
    let assessment = match &args.assessment {
        Some(a) => Some(resolve::at_least(&scale, a)?),
        None => None,
    };
    Ok(RecordQuery {
        unit,
        assessment,
        since: args.since,
        tag: args.tag.clone(),
        organizer: args.organizer.clone(),
        follow_up_kind: args.follow_up_kind.map(|k| match k {
            FollowUpKindArg::FollowUp => FollowUpKind::FollowUp,
            FollowUpKindArg::Onboarding => FollowUpKind::Onboarding,
        }),
        completed: if args.done {
            Some(true)
        } else if args.open {
            Some(false)
        } else {
            None
        },
        ..RecordQuery::counting(match args.count {
            CountArg::Contacts => Counted::Contacts,
            CountArg::Conversations => Counted::Conversations,
            CountArg::Followups => Counted::FollowUps,
        })
    })
}

pub(crate) fn benchmark_add(ctx: &Ctx, args: &BenchmarkAddArgs) -> Result<Report> {
    let (group, _) = ctx.group()?;
    let (plan, _) = resolve::plan(&group, &args.plan)?;
    let query = query_from(&group, args)?;
    let updated = group.update_plan(
        plan,
        &Update::new(vec![PlanEdit::AddBenchmark {
            description: args.description.clone(),
            target: args.target,
            deadline: args.deadline,
            query,
        }]),
    )?;
    let added = updated.benchmarks.last().map(|b| b.id);
    let progress: Vec<BenchmarkProgress> = group
        .benchmark_progress(Some(plan), Utc::now())?
        .into_iter()
        .filter(|b| Some(b.benchmark) == added)
        .collect();
    let mut human = String::new();
    outln!(human, "Added a benchmark to \"{}\":", updated.title);
    human.push_str(&render(&group, &progress)?);
    Ok(Report::new(
        human,
        json!({ "benchmark": progress.first().map(to_json).transpose()? }),
    ))
}

pub(crate) fn benchmark_list(ctx: &Ctx, args: &BenchmarkListArgs) -> Result<Report> {
    let (group, _) = ctx.group()?;
    let plan = match &args.plan {
        Some(p) => Some(resolve::plan(&group, p)?.0),
        None => None,
    };
    let progress = group.benchmark_progress(plan, Utc::now())?;
    let human = if progress.is_empty() {
        "No benchmarks yet: add one with `groundwork plan benchmark add PLAN …`.\n".to_owned()
    } else {
        render(&group, &progress)?
    };
    let partial = progress.iter().any(|b| b.partial);
    Ok(Report::new(
        human,
        json!({
            "benchmarks": progress.iter().map(|b| {
                let mut v = to_json(b)?;
                if let serde_json::Value::Object(m) = &mut v {
                    m.insert("fraction".into(), json!(b.fraction()));
                }
                Ok(v)
            }).collect::<Result<Vec<_>>>()?,
            "partial": partial,
        }),
    ))
}

/// Benchmarks grouped by plan, each with a progress bar.
fn render(group: &Group, progress: &[BenchmarkProgress]) -> Result<String> {
    let units = resolve::unit_names(&group.units()?);
    let scale = group.settings()?.scale;
    let mut out = String::new();
    let mut current = None;
    for b in progress {
        if current != Some(b.plan) {
            outln!(out, "{}", b.plan_title);
            current = Some(b.plan);
        }
        let count = match b.count {
            Some(c) => format!("{c}/{}", b.target),
            None => format!("?/{} (counted by a newer Groundwork)", b.target),
        };
        let state = if b.met {
            " met".to_owned()
        } else if b.missed {
            " missed".to_owned()
        } else {
            String::new()
        };
        outln!(
            out,
            "  {} {count} {:>3.0}%{state}  {}{}{}",
            bar(b.fraction()),
            b.fraction() * 100.0,
            b.description,
            b.deadline
                .as_ref()
                .map(|d| format!(" (by {})", show_date(d)))
                .unwrap_or_default(),
            if b.partial {
                " [partial: this device holds only part of the group]"
            } else {
                ""
            }
        );
        outln!(out, "      counts {}", describe(&b.query, &units, &scale));
    }
    Ok(out)
}

/// A query in words: "conversations in Dept. B since 2026-02-01".
fn describe(q: &RecordQuery, units: &HashMap<UnitId, String>, scale: &AssessmentScale) -> String {
    let mut parts = vec![q.counts.as_str().to_owned()];
    if let Some(u) = q.unit {
        parts.push(format!(
            "in {}",
            units.get(&u).cloned().unwrap_or_else(|| u.to_string())
        ));
    }
    match q.assessment {
        Some(AssessmentAtLeast::SupporterOrBetter) => {
            parts.push("assessed supporter or better".into());
        }
        Some(AssessmentAtLeast::Level(v)) => parts.push(format!(
            "assessed {} or better",
            resolve::assessment_label(scale, Some(v))
        )),
        None => {}
    }
    if let Some(t) = &q.tag {
        parts.push(format!("tagged {t}"));
    }
    if let Some(o) = &q.organizer {
        parts.push(format!("by {o}"));
    }
    if let Some(k) = &q.follow_up_kind {
        parts.push(format!("with a {} follow-up", k.as_str().replace('_', "-")));
    }
    match q.completed {
        Some(true) => parts.push("done".into()),
        Some(false) => parts.push("open".into()),
        None => {}
    }
    if let Some(s) = &q.since {
        parts.push(format!("since {}", show_date(s)));
    }
    parts.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_fill_with_progress() {
        assert_eq!(bar(0.0), format!("[{}]", "░".repeat(BAR)));
        assert_eq!(bar(1.0), format!("[{}]", "█".repeat(BAR)));
        assert_eq!(bar(0.5).matches('█').count(), BAR / 2);
        assert_eq!(bar(7.0), bar(1.0));
    }
}
