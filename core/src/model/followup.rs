use crate::ids::{ContactId, ConversationId, FollowUpId, PlanId};

use super::{RecordMeta, TextEdit, Timestamp};

/// Whether a follow-up still needs doing.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FollowUpStatus {
    Open,
    Done,
    Cancelled,
    Other(String),
}

impl FollowUpStatus {
    /// The stored form.
    pub fn as_str(&self) -> &str {
        match self {
            FollowUpStatus::Open => "open",
            FollowUpStatus::Done => "done",
            FollowUpStatus::Cancelled => "cancelled",
            FollowUpStatus::Other(s) => s,
        }
    }
    /// Reads the stored form; unknown values are kept as `Other`.
    pub fn parse(s: &str) -> Self {
        match s {
            "open" => FollowUpStatus::Open,
            "done" => FollowUpStatus::Done,
            "cancelled" => FollowUpStatus::Cancelled,
            other => FollowUpStatus::Other(other.to_owned()),
        }
    }
}

/// What a follow-up is for. Onboarding tasks for new members are follow-ups of their own kind.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FollowUpKind {
    FollowUp,
    Onboarding,
    Other(String),
}

impl FollowUpKind {
    /// The stored form.
    pub fn as_str(&self) -> &str {
        match self {
            FollowUpKind::FollowUp => "follow_up",
            FollowUpKind::Onboarding => "onboarding",
            FollowUpKind::Other(s) => s,
        }
    }
    /// Reads the stored form; unknown values are kept as `Other`.
    pub fn parse(s: &str) -> Self {
        match s {
            "follow_up" => FollowUpKind::FollowUp,
            "onboarding" => FollowUpKind::Onboarding,
            other => FollowUpKind::Other(other.to_owned()),
        }
    }
}

/// A follow-up or task, about a contact and/or a plan.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct FollowUp {
    pub id: FollowUpId,
    pub kind: FollowUpKind,
    pub title: String,
    pub contact: Option<ContactId>,
    pub plan: Option<PlanId>,
    /// The conversation whose next step created it, if any.
    pub conversation: Option<ConversationId>,
    pub assignee: String,
    /// For onboarding: the experienced member paired with the new one.
    pub partner: Option<String>,
    pub due: Option<Timestamp>,
    pub status: FollowUpStatus,
    pub note: String,
    pub created_at: Timestamp,
    /// When it was marked done (by [`FollowUpEdit::Complete`]).
    pub completed_at: Option<Timestamp>,
    /// A recurring check-in ("every 2 weeks for a leader"): completing it schedules the next.
    pub repeat_every_days: Option<u32>,
    /// The follow-up whose completion scheduled this one (a recurring check-in's chain).
    pub previous: Option<FollowUpId>,
    /// For an onboarding task started from a template: which template, which step.
    pub onboarding: Option<OnboardingStep>,
    pub meta: RecordMeta,
}

/// Where an onboarding task sits in the template it was started from.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct OnboardingStep {
    /// The template's name when the onboarding started.
    pub template: String,
    /// The task's place in the template, from 1.
    pub step: u32,
}

/// A follow-up to create.
#[derive(Debug, Clone, PartialEq)]
pub struct NewFollowUp {
    pub kind: FollowUpKind,
    pub title: String,
    pub contact: Option<ContactId>,
    pub plan: Option<PlanId>,
    pub conversation: Option<ConversationId>,
    pub assignee: String,
    pub partner: Option<String>,
    pub due: Option<Timestamp>,
    pub note: String,
    /// Repeat every this many days once completed (1 to 366).
    pub repeat_every_days: Option<u32>,
    /// The follow-up this one continues, for a recurring check-in.
    pub previous: Option<FollowUpId>,
}

impl NewFollowUp {
    /// A plain follow-up with a title and assignee.
    pub fn new(title: impl Into<String>, assignee: impl Into<String>) -> Self {
        Self {
            kind: FollowUpKind::FollowUp,
            title: title.into(),
            contact: None,
            plan: None,
            conversation: None,
            assignee: assignee.into(),
            partner: None,
            due: None,
            note: String::new(),
            repeat_every_days: None,
            previous: None,
        }
    }
}

/// One per-field change to a follow-up.
#[derive(Debug, Clone, PartialEq)]
pub enum FollowUpEdit {
    SetTitle(String),
    SetAssignee(String),
    SetPartner(Option<String>),
    SetDue(Option<Timestamp>),
    SetStatus(FollowUpStatus),
    EditNote(TextEdit),
    /// Make it a recurring check-in every this many days (1 to 366), or a one-off (`None`).
    SetRepeat(Option<u32>),
    /// Mark it done at `at`, adding `note` (if any) as a paragraph at the end of the note.
    Complete {
        at: Timestamp,
        note: String,
    },
}
