//! An organizer's follow-ups: what is overdue, due today and due this week, the counts a
//! phone's reminder shows, and a follow-up's life — made from a conversation's next steps or by
//! hand, snoozed, handed to another organizer, done with a note, and, for a recurring check-in,
//! the next one scheduled when this one is done.
//!
//! The due lists and the reminder counts are read from the index (no document is loaded).
//! "Today" is the organizer's local day: callers pass their local time with its UTC offset.

use chrono::{DateTime, Duration, FixedOffset, NaiveTime};

use crate::batch::Batch;
use crate::doc::{self, DocKind};
use crate::error::{Error, Result, ValidationError};
use crate::group::Group;
use crate::ids::{ContactId, ConversationId, FollowUpId};
use crate::model::{
    FollowUp, FollowUpEdit, FollowUpKind, FollowUpStatus, NewConversation, NewFollowUp, Timestamp,
    Update,
};
use crate::query::{FollowUpQuery, FollowUpSummary};

/// The longest follow-up title made from a conversation's next steps (titles are one line).
const TITLE_MAX: usize = 120;

/// Which of an organizer's open follow-ups to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Due {
    /// Due before now.
    Overdue,
    /// Due from now to the end of the local day.
    Today,
    /// Due from now to the end of the sixth day after today (today and the next six days).
    ThisWeek,
    /// Every open follow-up, overdue and undated ones too.
    All,
}

impl Due {
    /// The due window `[from, before)` at local time `now`.
    fn window(self, now: DateTime<FixedOffset>) -> (Option<Timestamp>, Option<Timestamp>) {
        let utc = now.to_utc();
        match self {
            Due::Overdue => (None, Some(utc)),
            Due::Today => (Some(utc), Some(start_of_day(now, 1))),
            Due::ThisWeek => (Some(utc), Some(start_of_day(now, 7))),
            Due::All => (None, None),
        }
    }
}

/// Midnight `days` days after `now`'s local day, in UTC. A fixed offset has no clock changes:
/// the phone passes its current offset, which is right for the rest of the day in all but the
/// night of a change.
fn start_of_day(now: DateTime<FixedOffset>, days: i64) -> Timestamp {
    let midnight = now.date_naive().and_time(NaiveTime::MIN) + Duration::days(days);
    let local = midnight.and_local_timezone(*now.offset()).single();
    local.map_or_else(|| now.to_utc() + Duration::days(days), |t| t.to_utc())
}

/// What a phone's reminder shows: counts only, never a name or a title, so a notification on a
/// lock screen tells nothing about the people in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct DueSummary {
    /// Due from now to the end of the local day.
    pub due_today: u64,
    /// Due before now.
    pub overdue: u64,
}

/// A follow-up to make from a conversation's next steps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NextStep {
    pub due: Timestamp,
    /// Who follows up [default: the organizer who held the conversation].
    pub assignee: Option<String>,
    /// A recurring check-in: every this many days.
    pub repeat_every_days: Option<u32>,
}

/// What completing a follow-up did.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Completion {
    /// The follow-up, now done.
    pub done: FollowUp,
    /// The next check-in, when it was a recurring one.
    pub next: Option<FollowUp>,
}

/// A one-line follow-up title from a conversation's next steps: their first line, shortened.
pub fn title_from_next_steps(next_steps: &str, contact_name: &str) -> String {
    let first = next_steps
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("");
    if first.is_empty() {
        return format!("Follow up with {contact_name}");
    }
    if first.chars().count() <= TITLE_MAX {
        return first.to_owned();
    }
    let cut: String = first.chars().take(TITLE_MAX - 1).collect();
    format!("{}…", cut.trim_end())
}

/// When the next check-in of a recurring follow-up falls: one period after it was due, so the
/// rhythm holds when it is done early; one period after now when it was done late.
fn next_due(due: Option<Timestamp>, now: Timestamp, every_days: u32) -> Timestamp {
    due.map_or(now, |d| d.max(now)) + Duration::days(i64::from(every_days))
}

fn not_open(id: FollowUpId, status: &FollowUpStatus) -> Error {
    ValidationError::out_of_range(
        "follow-up",
        format!("{id} is {}, not open", status.as_str()),
    )
    .into()
}

impl Batch<'_> {
    /// A follow-up as it stands in this batch.
    pub fn follow_up(&mut self, id: FollowUpId) -> Result<FollowUp> {
        self.read_doc(id.into(), DocKind::FollowUp, |d| doc::followup::read(d, id))
    }

    /// Marks an open follow-up done now, adding `note` to it; for a recurring check-in, also
    /// creates the next one. Returns the next one's id.
    pub fn complete_follow_up(&mut self, id: FollowUpId, note: &str) -> Result<Option<FollowUpId>> {
        let f = self.follow_up(id)?;
        if f.status != FollowUpStatus::Open {
            return Err(not_open(id, &f.status));
        }
        let now = self.now();
        self.update_follow_up(
            id,
            &Update::new(vec![FollowUpEdit::Complete {
                at: now,
                note: note.to_owned(),
            }]),
        )?;
        let Some(every) = f.repeat_every_days else {
            return Ok(None);
        };
        let next = NewFollowUp {
            kind: f.kind,
            title: f.title,
            contact: f.contact,
            plan: f.plan,
            conversation: f.conversation,
            assignee: f.assignee,
            partner: f.partner,
            due: Some(next_due(f.due, now, every)),
            note: String::new(),
            repeat_every_days: Some(every),
            previous: Some(id),
        };
        self.create_follow_up(&next).map(Some)
    }

    /// Creates the follow-up a conversation's next steps call for: titled with their first
    /// line, the whole text in its note when the title had to be shortened.
    pub fn follow_up_from_conversation(
        &mut self,
        contact: ContactId,
        conversation: ConversationId,
        step: &NextStep,
    ) -> Result<FollowUpId> {
        let c = self.read_doc(contact.into(), DocKind::Contact, |d| {
            doc::contact::read(d, contact)
        })?;
        let conv = c
            .conversations
            .iter()
            .find(|x| x.id == conversation)
            .ok_or_else(|| Error::NotFound {
                kind: "conversation",
                id: conversation.to_string(),
            })?;
        let title = title_from_next_steps(&conv.next_steps, &c.name);
        let note = if title == conv.next_steps.trim() {
            String::new()
        } else {
            conv.next_steps.clone()
        };
        self.create_follow_up(&NewFollowUp {
            kind: FollowUpKind::FollowUp,
            title,
            contact: Some(contact),
            plan: None,
            conversation: Some(conversation),
            assignee: step
                .assignee
                .clone()
                .unwrap_or_else(|| conv.organizer.clone()),
            partner: None,
            due: Some(step.due),
            note,
            repeat_every_days: step.repeat_every_days,
            previous: None,
        })
    }
}

impl Group {
    /// An organizer's open follow-ups in a due window (everyone's with `None`), soonest first.
    /// From the index: no document is loaded.
    pub fn due_follow_ups(
        &self,
        organizer: Option<&str>,
        due: Due,
        now: DateTime<FixedOffset>,
        limit: Option<u32>,
    ) -> Result<Vec<FollowUpSummary>> {
        self.follow_ups(&due_query(organizer, due, now, limit))
    }

    /// How many open follow-ups are in a due window (everyone's with `None`).
    pub fn count_due_follow_ups(
        &self,
        organizer: Option<&str>,
        due: Due,
        now: DateTime<FixedOffset>,
    ) -> Result<u64> {
        self.count_follow_ups(&due_query(organizer, due, now, None))
    }

    /// The counts for an organizer's reminder: due today and overdue. No contact content.
    pub fn due_summary(&self, organizer: &str, now: DateTime<FixedOffset>) -> Result<DueSummary> {
        Ok(DueSummary {
            due_today: self.count_due_follow_ups(Some(organizer), Due::Today, now)?,
            overdue: self.count_due_follow_ups(Some(organizer), Due::Overdue, now)?,
        })
    }

    /// Records a conversation and the follow-up its next steps call for, together or not at all.
    pub fn record_conversation_with_follow_up(
        &self,
        contact: ContactId,
        conversation: &NewConversation,
        step: &NextStep,
    ) -> Result<(ConversationId, FollowUp)> {
        let (cid, fid) = self.batch(|b| {
            let cid = b.record_conversation(contact, conversation)?;
            let fid = b.follow_up_from_conversation(contact, cid, step)?;
            Ok((cid, fid))
        })?;
        Ok((cid, self.follow_up(fid)?))
    }

    /// Moves an open follow-up's due date ("not this week: next Tuesday").
    pub fn snooze_follow_up(&self, id: FollowUpId, until: Timestamp) -> Result<FollowUp> {
        self.edit_open(id, FollowUpEdit::SetDue(Some(until)))
    }

    /// Hands an open follow-up to another organizer.
    pub fn reassign_follow_up(&self, id: FollowUpId, to: &str) -> Result<FollowUp> {
        self.edit_open(id, FollowUpEdit::SetAssignee(to.to_owned()))
    }

    /// Marks an open follow-up done with a note; a recurring check-in schedules its next one.
    pub fn complete_follow_up(&self, id: FollowUpId, note: &str) -> Result<Completion> {
        let next = self.batch(|b| b.complete_follow_up(id, note))?;
        Ok(Completion {
            done: self.follow_up(id)?,
            next: next.map(|n| self.follow_up(n)).transpose()?,
        })
    }

    fn edit_open(&self, id: FollowUpId, edit: FollowUpEdit) -> Result<FollowUp> {
        let f = self.follow_up(id)?;
        if f.status != FollowUpStatus::Open {
            return Err(not_open(id, &f.status));
        }
        self.update_follow_up(id, &Update::new(vec![edit]))
    }
}

fn due_query(
    organizer: Option<&str>,
    due: Due,
    now: DateTime<FixedOffset>,
    limit: Option<u32>,
) -> FollowUpQuery {
    let (due_from, due_before) = due.window(now);
    FollowUpQuery {
        assignee: organizer.map(str::to_owned),
        due_from,
        due_before,
        limit,
        ..FollowUpQuery::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn windows_follow_the_local_day() {
        let cet = FixedOffset::east_opt(3600).expect("offset");
        let now = cet
            .with_ymd_and_hms(2026, 3, 2, 23, 30, 0)
            .single()
            .expect("time");
        let (from, before) = Due::Today.window(now);
        assert_eq!(from, Some(now.to_utc()));
        // Midnight in Amsterdam is 23:00 UTC the day before.
        assert_eq!(
            before.map(|t| t.to_rfc3339()),
            Some("2026-03-02T23:00:00+00:00".into())
        );
        let (_, week) = Due::ThisWeek.window(now);
        assert_eq!(
            week.map(|t| t.to_rfc3339()),
            Some("2026-03-08T23:00:00+00:00".into())
        );
    }

    #[test]
    fn recurring_check_ins_keep_their_rhythm() {
        let t = |d| {
            chrono::Utc
                .with_ymd_and_hms(2026, 3, d, 12, 0, 0)
                .single()
                .expect("t")
        };
        // Done two days early: the next one is two weeks after it was due.
        assert_eq!(next_due(Some(t(10)), t(8), 14), t(24));
        // Done late: two weeks from now.
        assert_eq!(next_due(Some(t(10)), t(12), 14), t(26));
        assert_eq!(next_due(None, t(1), 7), t(8));
    }

    #[test]
    fn titles_from_next_steps_are_one_line() {
        assert_eq!(
            title_from_next_steps("\n Bring her to the meeting\nand more", "Ana"),
            "Bring her to the meeting"
        );
        assert_eq!(title_from_next_steps("  ", "Ana"), "Follow up with Ana");
        let long = "x".repeat(300);
        assert_eq!(
            title_from_next_steps(&long, "Ana").chars().count(),
            TITLE_MAX
        );
    }
}
