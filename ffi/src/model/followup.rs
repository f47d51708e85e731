use groundwork_core::ids::{ContactId, ConversationId, PlanId};
use groundwork_core::model as gw;

use super::{RecordMeta, TextEdit, ms, parse_opt, time_opt};
use crate::error::{GroundworkError, Result};

/// Whether a follow-up still needs doing. Values a newer version adds arrive as `Other`.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum FollowUpStatus {
    Open,
    Done,
    Cancelled,
    Other { value: String },
}

/// What a follow-up is for. Onboarding tasks for new members are their own kind.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum FollowUpKind {
    FollowUp,
    Onboarding,
    Other { value: String },
}

/// A follow-up or task, about a contact and/or a plan.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct FollowUp {
    pub id: String,
    pub kind: FollowUpKind,
    pub title: String,
    pub contact: Option<String>,
    pub plan: Option<String>,
    /// The conversation whose next step created it, if any.
    pub conversation: Option<String>,
    pub assignee: String,
    /// For onboarding: the experienced member paired with the new one.
    pub partner: Option<String>,
    pub due_ms: Option<i64>,
    pub status: FollowUpStatus,
    pub note: String,
    pub created_at_ms: i64,
    pub meta: RecordMeta,
}

/// A follow-up to create.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct NewFollowUp {
    pub title: String,
    pub assignee: String,
    #[uniffi(default)]
    pub due_ms: Option<i64>,
    #[uniffi(default)]
    pub contact: Option<String>,
    #[uniffi(default)]
    pub plan: Option<String>,
    /// Set by `Group.record_conversation` when the follow-up comes with the conversation.
    #[uniffi(default)]
    pub conversation: Option<String>,
    /// `None`: a plain follow-up.
    #[uniffi(default)]
    pub kind: Option<FollowUpKind>,
    #[uniffi(default)]
    pub partner: Option<String>,
    #[uniffi(default)]
    pub note: String,
    /// A recurring check-in: completing it schedules the next one this many days on.
    #[uniffi(default)]
    pub repeat_every_days: Option<u32>,
}

/// One per-field change to a follow-up.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum FollowUpEdit {
    SetTitle { title: String },
    SetAssignee { assignee: String },
    SetPartner { partner: Option<String> },
    SetDue { due_ms: Option<i64> },
    SetStatus { status: FollowUpStatus },
    EditNote { edit: TextEdit },
}

impl From<gw::FollowUpStatus> for FollowUpStatus {
    fn from(s: gw::FollowUpStatus) -> Self {
        match s {
            gw::FollowUpStatus::Open => Self::Open,
            gw::FollowUpStatus::Done => Self::Done,
            gw::FollowUpStatus::Cancelled => Self::Cancelled,
            gw::FollowUpStatus::Other(value) => Self::Other { value },
        }
    }
}

impl From<FollowUpStatus> for gw::FollowUpStatus {
    fn from(s: FollowUpStatus) -> Self {
        match s {
            FollowUpStatus::Open => Self::Open,
            FollowUpStatus::Done => Self::Done,
            FollowUpStatus::Cancelled => Self::Cancelled,
            FollowUpStatus::Other { value } => gw::FollowUpStatus::parse(&value),
        }
    }
}

impl From<gw::FollowUpKind> for FollowUpKind {
    fn from(k: gw::FollowUpKind) -> Self {
        match k {
            gw::FollowUpKind::FollowUp => Self::FollowUp,
            gw::FollowUpKind::Onboarding => Self::Onboarding,
            gw::FollowUpKind::Other(value) => Self::Other { value },
        }
    }
}

impl From<FollowUpKind> for gw::FollowUpKind {
    fn from(k: FollowUpKind) -> Self {
        match k {
            FollowUpKind::FollowUp => Self::FollowUp,
            FollowUpKind::Onboarding => Self::Onboarding,
            FollowUpKind::Other { value } => gw::FollowUpKind::parse(&value),
        }
    }
}

impl From<gw::FollowUp> for FollowUp {
    fn from(f: gw::FollowUp) -> Self {
        Self {
            id: f.id.to_string(),
            kind: f.kind.into(),
            title: f.title,
            contact: f.contact.map(|c| c.to_string()),
            plan: f.plan.map(|p| p.to_string()),
            conversation: f.conversation.map(|c| c.to_string()),
            assignee: f.assignee,
            partner: f.partner,
            due_ms: f.due.map(ms),
            status: f.status.into(),
            note: f.note,
            created_at_ms: ms(f.created_at),
            meta: f.meta.into(),
        }
    }
}

impl TryFrom<NewFollowUp> for gw::NewFollowUp {
    type Error = GroundworkError;
    fn try_from(f: NewFollowUp) -> Result<Self> {
        Ok(Self {
            kind: f.kind.map(Into::into).unwrap_or(gw::FollowUpKind::FollowUp),
            title: f.title,
            contact: parse_opt::<ContactId>(f.contact)?,
            plan: parse_opt::<PlanId>(f.plan)?,
            conversation: parse_opt::<ConversationId>(f.conversation)?,
            assignee: f.assignee,
            partner: f.partner,
            due: time_opt("due_ms", f.due_ms)?,
            note: f.note,
            repeat_every_days: f.repeat_every_days,
            previous: None,
        })
    }
}

impl TryFrom<FollowUpEdit> for gw::FollowUpEdit {
    type Error = GroundworkError;
    fn try_from(e: FollowUpEdit) -> Result<Self> {
        Ok(match e {
            FollowUpEdit::SetTitle { title } => Self::SetTitle(title),
            FollowUpEdit::SetAssignee { assignee } => Self::SetAssignee(assignee),
            FollowUpEdit::SetPartner { partner } => Self::SetPartner(partner),
            FollowUpEdit::SetDue { due_ms } => Self::SetDue(time_opt("due_ms", due_ms)?),
            FollowUpEdit::SetStatus { status } => Self::SetStatus(status.into()),
            FollowUpEdit::EditNote { edit } => Self::EditNote(edit.into()),
        })
    }
}
