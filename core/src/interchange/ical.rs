//! Follow-ups as calendar reminders (iCalendar, RFC 5545), written with the `icalendar` crate.
//!
//! By default each dated open follow-up is a VEVENT at its due time with a VALARM: many
//! calendar apps (Google Calendar among them) ignore VTODO, so a to-do list would reach nobody.
//! [`IcalOptions::todo`] writes VTODOs instead (DUE, STATUS, PRIORITY), for apps with task lists.
//!
//! **What a reminder says.** A calendar is synced to servers and shown on lock screens, so by
//! default a reminder carries no contact content: its summary is "Groundwork follow-up" (or
//! "Groundwork onboarding task"), its description says to open Groundwork, its UID is the
//! follow-up's random id. Not the contact's name, not the title (which organizers write things
//! like "ask Ana about the landlord's threat" in), not the note. [`IcalOptions::with_names`] adds
//! the contact's name to the summary, and nothing else.

use std::collections::HashMap;
use std::io::Write;

use chrono::Duration;
use icalendar::{Alarm, Calendar, Component, Event, EventLike, Related, Todo, TodoStatus};

use super::{Format, InterchangeError};
use crate::ids::ContactId;
use crate::model::{FollowUp, FollowUpKind, FollowUpStatus, Timestamp};

/// How follow-ups are written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IcalOptions {
    /// VTODO instead of VEVENT.
    pub todo: bool,
    /// Put the contact's name in the summary.
    pub with_names: bool,
    /// How long before the due time the alarm goes off.
    pub alarm_before: Duration,
    /// How long an event lasts in the calendar.
    pub event_length: Duration,
}

impl Default for IcalOptions {
    fn default() -> Self {
        Self {
            todo: false,
            with_names: false,
            alarm_before: Duration::minutes(15),
            event_length: Duration::minutes(15),
        }
    }
}

/// The summary a reminder shows (see the module docs for what it leaves out).
pub fn summary(f: &FollowUp, name: Option<&str>) -> String {
    let what = match f.kind {
        FollowUpKind::Onboarding => "Groundwork onboarding task",
        _ => "Groundwork follow-up",
    };
    match name {
        Some(n) if !n.trim().is_empty() => format!("{what}: {}", n.trim()),
        _ => what.to_owned(),
    }
}

const DESCRIPTION: &str = "Open Groundwork to see this follow-up.";

fn uid(f: &FollowUp) -> String {
    format!("{}@groundwork.invalid", f.id)
}

/// Writes follow-ups (the caller picks which; done and cancelled ones become completed and
/// cancelled to-dos, and are left out of events). Returns how many entries were written:
/// events need a due time, so undated follow-ups are left out of them.
pub fn write_follow_ups(
    mut out: impl Write,
    follow_ups: &[FollowUp],
    names: &HashMap<ContactId, String>,
    options: &IcalOptions,
    now: Timestamp,
) -> Result<usize, InterchangeError> {
    let mut cal = Calendar::new();
    cal.name("Groundwork follow-ups");
    let mut n = 0;
    for f in follow_ups {
        let name = if options.with_names {
            f.contact.and_then(|c| names.get(&c)).map(String::as_str)
        } else {
            None
        };
        let summary = summary(f, name);
        let alarm = || Alarm::display(&summary, (-options.alarm_before, Related::Start));
        if options.todo {
            let mut todo = Todo::new();
            todo.uid(&uid(f))
                .timestamp(now)
                .summary(&summary)
                .description(DESCRIPTION)
                .status(match f.status {
                    FollowUpStatus::Done => TodoStatus::Completed,
                    FollowUpStatus::Cancelled => TodoStatus::Cancelled,
                    _ => TodoStatus::NeedsAction,
                })
                // 1 is the highest priority: overdue first, then dated, then undated (9).
                .priority(match f.due {
                    Some(d) if d < now => 1,
                    Some(_) => 5,
                    None => 9,
                });
            if let Some(due) = f.due {
                todo.due(due);
                todo.alarm(Alarm::display(
                    &summary,
                    (-options.alarm_before, Related::End),
                ));
            }
            cal.push(todo.done());
            n += 1;
        } else {
            let Some(due) = f.due else { continue };
            if f.status != FollowUpStatus::Open {
                continue;
            }
            let event = Event::new()
                .uid(&uid(f))
                .timestamp(now)
                .summary(&summary)
                .description(DESCRIPTION)
                .starts(due)
                .ends(due + options.event_length)
                .alarm(alarm())
                .done();
            cal.push(event);
            n += 1;
        }
    }
    let text = cal.done().to_string();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| InterchangeError::Write {
            format: Format::ICalendar,
            reason: e.to_string(),
        })?;
    Ok(n)
}
