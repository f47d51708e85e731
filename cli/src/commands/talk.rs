//! `groundwork talk`: record an organizing conversation, and maybe its follow-up.

use std::io::{self, BufRead, IsTerminal, Write};

use groundwork_core::agenda::NextStep;
use groundwork_core::model::{AssessmentScale, ConversationSteps, NewConversation};
use serde_json::{Value, json};

use crate::args::TalkArgs;
use crate::commands::Ctx;
use crate::commands::view;
use crate::error::{CliError, Result};
use crate::output::{Report, note, outln, to_json};
use crate::resolve;
use crate::when::show_time;

/// Asks for one line on stderr/stdin; end of input is an empty answer.
fn ask(question: &str) -> Result<String> {
    let mut err = io::stderr().lock();
    let _ = write!(err, "{question}\n> ");
    let _ = err.flush();
    drop(err);
    let mut line = String::new();
    io::stdin().lock().read_line(&mut line)?;
    Ok(line.trim_end_matches(['\n', '\r']).to_owned())
}

/// A step from its flag, or asked for, or empty.
fn step(given: &Option<String>, prompting: bool, question: &str) -> Result<String> {
    match given {
        Some(s) => Ok(s.clone()),
        None if prompting => ask(question),
        None => Ok(String::new()),
    }
}

fn ask_assessment(scale: &AssessmentScale) -> Result<Option<i64>> {
    let labels: Vec<&str> = scale.levels.iter().map(|l| l.label.as_str()).collect();
    loop {
        let answer = ask(&format!(
            "Assessment ({}; empty for none)",
            labels.join("/")
        ))?;
        if answer.trim().is_empty() {
            return Ok(None);
        }
        match resolve::assessment(scale, &answer) {
            Ok(v) => return Ok(Some(v)),
            Err(e) => note(&format!("{}; {}", e.message, e.hint.unwrap_or_default())),
        }
    }
}

pub(crate) fn run(ctx: &Ctx, args: &TalkArgs) -> Result<Report> {
    // Check what needs no store first, so nobody types a conversation in vain.
    let organizer = args
        .organizer
        .as_deref()
        .map(str::trim)
        .filter(|o| !o.is_empty())
        .map(str::to_owned)
        .ok_or_else(|| {
            CliError::user("who held the conversation?")
                .hint("give --organizer NAME, or set GROUNDWORK_ORGANIZER")
        })?;
    let (group, _) = ctx.group()?;
    let scale = group.settings()?.scale;
    let contact_id = resolve::contact(&group, &args.contact)?;
    let contact = group.contact(contact_id)?;
    let flag_assessment = match &args.assessment {
        Some(a) => Some(resolve::assessment(&scale, a)?),
        None => None,
    };
    if contact.do_not_contact {
        note(&format!(
            "note: {} is marked do-not-contact; recording anyway",
            contact.name
        ));
    }

    let prompting = !args.no_prompt && io::stdin().is_terminal();
    if prompting {
        note(&format!(
            "Conversation with {} (press Enter to leave a step empty)",
            contact.name
        ));
    }
    let door = step(&args.door, prompting, "1. Getting in the door")?;
    let story = step(&args.story, prompting, "2. Their story")?;
    let vision = step(&args.vision, prompting, "3. The vision")?;
    let obstacles = step(
        &args.obstacles,
        prompting,
        "4. Obstacles and how you addressed them",
    )?;
    let (ask_text, answer) = match (&args.ask, &args.answer) {
        (None, None) if prompting => {
            note("5. The ask and their answer");
            (ask("   The ask")?, ask("   Their answer")?)
        }
        (a, b) => (
            step(a, prompting, "5. The ask")?,
            step(b, prompting, "5. Their answer")?,
        ),
    };
    let assessment = match flag_assessment {
        Some(v) => Some(v),
        None if prompting && args.assessment.is_none() => ask_assessment(&scale)?,
        None => None,
    };
    let next_steps = step(&args.next_steps, prompting, "Next steps")?;

    let new = NewConversation {
        organizer: organizer.clone(),
        at: args.at.unwrap_or_else(chrono::Utc::now),
        place: args.place.clone().unwrap_or_default(),
        channel: args.channel.into(),
        steps: ConversationSteps {
            door,
            story,
            vision,
            obstacles,
            ask: ask_text,
            answer,
        },
        assessment,
        next_steps: next_steps.clone(),
    };
    // The conversation and its follow-up are stored together or not at all.
    let (conversation_id, follow_up) = match args.follow_up_due {
        Some(due) => {
            let step = NextStep {
                due,
                assignee: args.follow_up_assignee.clone(),
                repeat_every_days: args.follow_up_every,
            };
            let (cid, f) = group.record_conversation_with_follow_up(contact_id, &new, &step)?;
            (cid, Some(f))
        }
        None => (group.record_conversation(contact_id, &new)?, None),
    };

    let contact = group.contact(contact_id)?;
    let recorded = contact
        .conversations
        .iter()
        .rev()
        .find(|c| c.id == conversation_id)
        .cloned();
    let mut human = String::new();
    outln!(
        human,
        "Recorded conversation {conversation_id} with {} ({})",
        contact.name,
        contact.id
    );
    if let Some(cv) = &recorded {
        outln!(human);
        view::conversation(&mut human, contact.conversations.len(), cv, &scale);
    }
    outln!(human);
    outln!(
        human,
        "Current assessment of {}: {}",
        contact.name,
        match contact.assessment {
            None => "not assessed".to_owned(),
            v => resolve::assessment_label(&scale, v),
        }
    );
    if let Some(f) = &follow_up {
        outln!(
            human,
            "Follow-up {}: \"{}\" for {}, due {}",
            f.id,
            f.title,
            f.assignee,
            f.due.as_ref().map(show_time).unwrap_or_default()
        );
        if let Some(days) = f.repeat_every_days {
            outln!(
                human,
                "  a check-in every {days} days: done schedules the next"
            );
        }
    }
    let json = json!({
        "contact": { "id": contact.id, "name": contact.name },
        "conversation": match &recorded { Some(cv) => to_json(cv)?, None => Value::Null },
        "assessment_label": assessment.and_then(|a| scale.label(a)),
        "contact_assessment": contact.assessment,
        "follow_up": match &follow_up { Some(f) => to_json(f)?, None => Value::Null },
    });
    Ok(Report::new(human, json))
}
