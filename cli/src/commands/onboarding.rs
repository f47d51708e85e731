//! `groundwork onboarding …`: templates of small tasks for new members, starting a new member's
//! onboarding with a partner, and the group's view of everyone's progress.

use groundwork_core::model::{SettingsEdit, Update};
use groundwork_core::onboarding::{OnboardingStart, TaskHolder};
use serde_json::json;

use crate::args::{
    OnboardingCommand, OnboardingProgressArgs, OnboardingStartArgs, OnboardingTemplateAddArgs,
    OnboardingTemplateCommand, TasksFor,
};
use crate::commands::Ctx;
use crate::error::Result;
use crate::output::{Report, outln, short_id, table, to_json};
use crate::resolve;
use crate::when::show_time;

pub(crate) fn run(ctx: &Ctx, command: &OnboardingCommand) -> Result<Report> {
    match command {
        OnboardingCommand::Templates => templates(ctx),
        OnboardingCommand::Template(OnboardingTemplateCommand::Add(a)) => template_add(ctx, a),
        OnboardingCommand::Start(a) => start(ctx, a),
        OnboardingCommand::Progress(a) => progress(ctx, a),
    }
}

fn templates(ctx: &Ctx) -> Result<Report> {
    let (group, _) = ctx.group()?;
    let templates = group.settings()?.onboarding_templates;
    let mut human = String::new();
    if templates.is_empty() {
        outln!(
            human,
            "No onboarding templates yet: `groundwork onboarding template add NAME --task …`"
        );
    }
    for t in &templates {
        outln!(human, "{} ({} tasks)", t.name, t.tasks.len());
        for (i, task) in t.tasks.iter().enumerate() {
            outln!(human, "  {}. {task}", i + 1);
        }
    }
    Ok(Report::new(
        human,
        json!({ "templates": to_json(&templates)? }),
    ))
}

fn template_add(ctx: &Ctx, args: &OnboardingTemplateAddArgs) -> Result<Report> {
    let (group, _) = ctx.group()?;
    let settings =
        group.update_settings(&Update::new(vec![SettingsEdit::AddOnboardingTemplate {
            name: args.name.clone(),
            tasks: args.tasks.clone(),
        }]))?;
    let added = settings
        .onboarding_templates
        .iter()
        .rev()
        .find(|t| t.name == args.name.trim());
    let mut human = String::new();
    outln!(
        human,
        "Added onboarding template \"{}\" with {} tasks",
        args.name.trim(),
        args.tasks.len()
    );
    Ok(Report::new(
        human,
        json!({ "template": match added { Some(t) => to_json(t)?, None => serde_json::Value::Null } }),
    ))
}

fn start(ctx: &Ctx, args: &OnboardingStartArgs) -> Result<Report> {
    let (group, _) = ctx.group()?;
    let contact = resolve::contact(&group, &args.contact)?;
    let tasks = group.start_onboarding(&OnboardingStart {
        contact,
        template: args.template.clone(),
        partner: args.partner.clone(),
        tasks_for: match args.tasks_for {
            TasksFor::Member => TaskHolder::NewMember,
            TasksFor::Partner => TaskHolder::Partner,
        },
        first_due: args.due,
        days_between: args.every,
    })?;
    let name = group.contact(contact)?.name;
    let mut human = String::new();
    outln!(
        human,
        "Started \"{}\" for {name}, paired with {}: {} tasks",
        args.template.trim(),
        args.partner.trim(),
        tasks.len()
    );
    for t in &tasks {
        outln!(
            human,
            "  {}  {} (for {}{})",
            short_id(&t.id),
            t.title,
            t.assignee,
            t.due
                .as_ref()
                .map(|d| format!(", due {}", show_time(d)))
                .unwrap_or_default()
        );
    }
    Ok(Report::new(human, json!({ "tasks": to_json(&tasks)? })))
}

fn progress(ctx: &Ctx, args: &OnboardingProgressArgs) -> Result<Report> {
    let (group, _) = ctx.group()?;
    let contact = match &args.contact {
        Some(c) => Some(resolve::contact(&group, c)?),
        None => None,
    };
    let rows = group.onboarding_progress(contact)?;
    let mut human = String::new();
    if rows.is_empty() {
        outln!(
            human,
            "No onboarding under way: `groundwork onboarding start CONTACT --template NAME --partner ORGANIZER`"
        );
    } else {
        let table_rows = rows
            .iter()
            .map(|p| {
                vec![
                    p.name.clone(),
                    p.template.clone().unwrap_or_else(|| "(by hand)".into()),
                    p.partner.clone().unwrap_or_default(),
                    format!("{}/{}", p.done, p.total),
                    match &p.next {
                        Some(n) => format!(
                            "{} ({}{}) {}",
                            n.title,
                            n.assignee,
                            n.due
                                .as_ref()
                                .map(|d| format!(", due {}", show_time(d)))
                                .unwrap_or_default(),
                            short_id(&n.id)
                        ),
                        None => "all done".into(),
                    },
                ]
            })
            .collect();
        human.push_str(&table(
            &["new member", "template", "partner", "done", "next task"],
            table_rows,
        ));
    }
    Ok(Report::new(human, json!({ "progress": to_json(&rows)? })))
}
