//! `groundwork chart` (the wall chart) and `groundwork chart test` (a structure test).

use std::path::Path;

use groundwork_core::chart::ChartOptions;
use groundwork_core::chart::structure::{StructureTest, Threshold};
use groundwork_core::model::AssessmentAtLeast;
use serde_json::json;

use crate::args::{ChartShowArgs, ChartTestArgs, parse_percent};
use crate::commands::Ctx;
use crate::error::{CliError, Result};
use crate::output::{Report, note, outln, table, to_json};
use crate::picture::{self, ChartPicture, MissingPeople, TestPicture};
use crate::resolve;

const PARTIAL_NOTE: &str = "Partial: this device holds only the part of the group its grant \
                            covers; units marked * may have more people than shown.";

/// The day the pictures show: today where this laptop is.
fn today() -> String {
    chrono::Local::now()
        .date_naive()
        .format("%Y-%m-%d")
        .to_string()
}

/// Writes the pictures asked for and says so; the paths go into the JSON under `files`.
fn write_pictures(
    human: &mut String,
    json: &mut serde_json::Value,
    html: Option<(&Path, String)>,
    png: Option<(&Path, Result<Vec<u8>>)>,
) -> Result<()> {
    let mut files = serde_json::Map::new();
    if let Some((path, page)) = html {
        picture::write_file(path, page.as_bytes())?;
        outln!(human, "Wrote the page to {}.", path.display());
        files.insert("html".into(), json!(path.display().to_string()));
    }
    if let Some((path, image)) = png {
        picture::write_file(path, &image?)?;
        outln!(human, "Wrote the image to {}.", path.display());
        files.insert("png".into(), json!(path.display().to_string()));
    }
    if let Some(obj) = json.as_object_mut().filter(|_| !files.is_empty()) {
        obj.insert("files".into(), serde_json::Value::Object(files));
    }
    Ok(())
}

fn share(n: u64, of: u64) -> String {
    if of == 0 {
        "-".into()
    } else {
        format!("{:.0}%", n as f64 * 100.0 / of as f64)
    }
}

pub(crate) fn show(ctx: &Ctx, args: &ChartShowArgs) -> Result<Report> {
    let (group, group_name) = ctx.group()?;
    let root = match &args.unit {
        Some(u) => Some(resolve::unit(&group.units()?, u)?),
        None => None,
    };
    let chart = group.wall_chart(&ChartOptions {
        root,
        committee_tag: args.committee_tag.clone(),
    })?;
    let mut header: Vec<String> = vec!["Unit".into(), "People".into()];
    header.extend(chart.scale.iter().map(|c| c.label.clone()));
    header.extend(
        ["Not assessed", "Supporter+", "Committee", "Organizer"]
            .iter()
            .map(|s| s.to_string()),
    );
    let mut rows: Vec<Vec<String>> = chart
        .rows
        .iter()
        .map(|r| {
            let c = &r.counts;
            let mut row = vec![
                format!(
                    "{}{}{}",
                    "  ".repeat(r.depth as usize),
                    r.name,
                    if r.partial { " *" } else { "" }
                ),
                c.contacts.to_string(),
            ];
            row.extend(chart.scale.iter().map(|s| {
                c.by_assessment
                    .get(&s.value)
                    .copied()
                    .unwrap_or(0)
                    .to_string()
            }));
            row.push(c.unassessed.to_string());
            row.push(format!(
                "{} ({})",
                c.supporter_or_better,
                share(c.supporter_or_better, c.contacts)
            ));
            row.push(if c.committee == 0 {
                "none".into()
            } else {
                c.committee.to_string()
            });
            row.push(format!("{} of {}", c.with_organizer, c.contacts));
            row
        })
        .collect();
    if chart.unplaced.contacts > 0 {
        let c = &chart.unplaced;
        let mut row = vec!["(no unit)".into(), c.contacts.to_string()];
        row.extend(chart.scale.iter().map(|s| {
            c.by_assessment
                .get(&s.value)
                .copied()
                .unwrap_or(0)
                .to_string()
        }));
        row.extend([
            c.unassessed.to_string(),
            format!(
                "{} ({})",
                c.supporter_or_better,
                share(c.supporter_or_better, c.contacts)
            ),
            c.committee.to_string(),
            format!("{} of {}", c.with_organizer, c.contacts),
        ]);
        rows.push(row);
    }
    let mut human = String::new();
    outln!(human, "Wall chart of {group_name}");
    if chart.rows.is_empty() {
        outln!(
            human,
            "No terrain units yet: the chart lists workplaces' and buildings' units."
        );
    } else {
        let header: Vec<&str> = header.iter().map(String::as_str).collect();
        outln!(human, "{}", table(&header, rows));
    }
    outln!(
        human,
        "{} people; {} supporter or better; {} on the committee (tag \"{}\").",
        chart.total.contacts,
        chart.total.supporter_or_better,
        chart.total.committee,
        chart.committee_tag
    );
    if chart.partial {
        outln!(human, "{PARTIAL_NOTE}");
    }
    let mut json = to_json(&chart)?;
    if args.html.is_some() || args.png.is_some() {
        let pictured = ChartPicture::new(&chart, &group_name, &today(), args.threshold);
        write_pictures(
            &mut human,
            &mut json,
            args.html
                .as_deref()
                .map(|p| (p, picture::html::chart_page(&pictured))),
            args.png
                .as_deref()
                .map(|p| (p, picture::png::chart_png(&pictured))),
        )?;
    }
    Ok(Report::new(human, json))
}

fn threshold(
    ctx_scale: impl Fn() -> Result<groundwork_core::model::AssessmentScale>,
    args: &ChartTestArgs,
) -> Result<Threshold> {
    if let Some(p) = args.min_supporters {
        return Ok(Threshold::Assessment {
            at_least: AssessmentAtLeast::SupporterOrBetter,
            percent: p,
        });
    }
    if let Some(p) = args.min_committee {
        return Ok(Threshold::Committee { percent: p });
    }
    let spec = args.min_assessment.as_deref().unwrap_or_default();
    let (level, percent) = spec.rsplit_once(':').ok_or_else(|| {
        CliError::user(format!("\"{spec}\" is not LEVEL:PERCENT"))
            .hint("e.g. --min-assessment leader:5%")
    })?;
    let percent = parse_percent(percent).map_err(CliError::user)?;
    let at_least = resolve::at_least(&ctx_scale()?, level)?;
    Ok(Threshold::Assessment { at_least, percent })
}

pub(crate) fn test(ctx: &Ctx, args: &ChartTestArgs) -> Result<Report> {
    let (group, group_name) = ctx.group()?;
    let threshold = threshold(|| Ok(group.settings()?.scale), args)?;
    let root = match &args.unit {
        Some(u) => Some(resolve::unit(&group.units()?, u)?),
        None => None,
    };
    let result = group.structure_test(&StructureTest {
        threshold,
        level: args.level.clone(),
        root,
        committee_tag: args.committee_tag.clone(),
    })?;
    let threshold_percent = match threshold {
        Threshold::Committee { percent } | Threshold::Assessment { percent, .. } => percent,
    };
    let what = match threshold {
        Threshold::Committee { percent } => format!("at least {percent}% on the committee"),
        Threshold::Assessment {
            at_least: AssessmentAtLeast::SupporterOrBetter,
            percent,
        } => format!("at least {percent}% supporter or better"),
        Threshold::Assessment {
            at_least: AssessmentAtLeast::Level(v),
            percent,
        } => {
            let label = group
                .settings()?
                .scale
                .label(v)
                .map_or_else(|| v.to_string(), str::to_owned);
            format!("at least {percent}% assessed {label} or stronger")
        }
    };
    let mut human = String::new();
    outln!(human, "Structure test: {what} in each unit");
    let rows = result
        .units
        .iter()
        .map(|u| {
            vec![
                format!("{}{}", u.name, if u.partial { " *" } else { "" }),
                if u.passed { "pass" } else { "FAIL" }.into(),
                format!("{} of {}", u.meeting, u.contacts),
                share(u.meeting, u.contacts),
                u.needed.to_string(),
                u.needed.saturating_sub(u.meeting).to_string(),
            ]
        })
        .collect();
    outln!(
        human,
        "{}",
        table(
            &["Unit", "Result", "Meeting", "Share", "Needed", "Short by"],
            rows
        )
    );
    for u in result.units.iter().filter(|u| !u.passed) {
        if u.contacts == 0 {
            outln!(human, "{}: nobody known here yet.", u.name);
            continue;
        }
        let names: Vec<String> = u
            .missing
            .iter()
            .take(args.show)
            .map(|m| match &m.assessment_label {
                Some(l) => format!("{} ({l})", m.name),
                None => format!("{} (not assessed)", m.name),
            })
            .collect();
        outln!(
            human,
            "{}: talk to {}{}{}",
            u.name,
            names.join(", "),
            if u.missing.len() > args.show {
                format!(" and {} more", u.missing.len() - args.show)
            } else {
                String::new()
            },
            if u.missing_do_not_contact > 0 {
                format!(" ({} more marked do-not-contact)", u.missing_do_not_contact)
            } else {
                String::new()
            }
        );
    }
    outln!(
        human,
        "{}",
        if result.passed {
            "Every unit passes."
        } else {
            "Not every unit passes yet."
        }
    );
    if result.partial {
        outln!(human, "{PARTIAL_NOTE}");
    }
    let mut json = json!({ "test": to_json(&result)? });
    if args.html.is_some() || args.png.is_some() {
        let pictured = TestPicture::new(&result, &group_name, &today(), &what, threshold_percent);
        let missing = MissingPeople::of(&result, args.show);
        write_pictures(
            &mut human,
            &mut json,
            args.html
                .as_deref()
                .map(|p| (p, picture::html::test_page(&pictured, &missing))),
            args.png
                .as_deref()
                .map(|p| (p, picture::png::test_png(&pictured))),
        )?;
        if args.html.is_some() && !missing.is_empty() {
            note("note: the page names people: keep it on this laptop; project the PNG instead");
        }
    }
    Ok(Report::new(human, json))
}
