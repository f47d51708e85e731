//! Query options and result rows, mirrored from `groundwork_core::query`. Queries read only the
//! index: they stay fast with thousands of contacts.

use groundwork_core::ids::{ContactId, UnitId};
use groundwork_core::query as q;

use crate::error::{GroundworkError, Result};
use crate::model::{FollowUpKind, FollowUpStatus, ms, parse_opt, time_opt};

/// Which assessments a contact query wants.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum AssessmentFilter {
    /// Exactly these values (at most 100).
    Values { values: Vec<i64> },
    /// The values the group counts as supporter or better.
    SupporterOrBetter,
    /// Never assessed.
    Unassessed,
}

/// A contact query; every field set narrows it. `unit` includes the units below it.
#[derive(Debug, Clone, Default, PartialEq, Eq, uniffi::Record)]
pub struct ContactQuery {
    /// Names starting with this (case-insensitive, whitespace folded).
    #[uniffi(default)]
    pub name_prefix: Option<String>,
    #[uniffi(default)]
    pub tag: Option<String>,
    #[uniffi(default)]
    pub unit: Option<String>,
    #[uniffi(default)]
    pub assessment: Option<AssessmentFilter>,
    #[uniffi(default)]
    pub organizer: Option<String>,
    /// At most this many (default 50, at most 10,000).
    #[uniffi(default)]
    pub limit: Option<u32>,
    #[uniffi(default)]
    pub offset: u32,
}

/// A contact as the index knows it: enough for a list row.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ContactSummary {
    pub id: String,
    pub name: String,
    pub unit: Option<String>,
    pub assessment: Option<i64>,
    pub assessment_label: Option<String>,
    pub last_conversation_at_ms: Option<i64>,
    pub do_not_contact: bool,
}

/// A follow-up query. By default: open follow-ups of every kind, soonest due first.
#[derive(Debug, Clone, Default, PartialEq, Eq, uniffi::Record)]
pub struct FollowUpQuery {
    #[uniffi(default)]
    pub assignee: Option<String>,
    /// Due strictly before this time (follow-ups without a due date are left out): "due now" is
    /// the current time, "due today" the end of the day.
    #[uniffi(default)]
    pub due_before_ms: Option<i64>,
    /// Due at or after this time.
    #[uniffi(default)]
    pub due_from_ms: Option<i64>,
    /// `None`: open.
    #[uniffi(default)]
    pub status: Option<FollowUpStatus>,
    #[uniffi(default)]
    pub contact: Option<String>,
    #[uniffi(default)]
    pub kind: Option<FollowUpKind>,
    /// At most this many (default 50, at most 10,000).
    #[uniffi(default)]
    pub limit: Option<u32>,
}

/// A follow-up as the index knows it.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct FollowUpSummary {
    pub id: String,
    pub kind: FollowUpKind,
    pub title: String,
    pub contact: Option<String>,
    pub plan: Option<String>,
    pub assignee: String,
    pub due_ms: Option<i64>,
    pub status: FollowUpStatus,
}

/// A conversation query over the latest revision of each conversation.
#[derive(Debug, Clone, Default, PartialEq, Eq, uniffi::Record)]
pub struct ConversationQuery {
    #[uniffi(default)]
    pub organizer: Option<String>,
    #[uniffi(default)]
    pub since_ms: Option<i64>,
    #[uniffi(default)]
    pub until_ms: Option<i64>,
    /// The contact's unit, including the units below it.
    #[uniffi(default)]
    pub unit: Option<String>,
    #[uniffi(default)]
    pub contact: Option<String>,
    #[uniffi(default)]
    pub limit: Option<u32>,
}

/// A conversation as the index knows it.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ConversationSummary {
    pub id: String,
    pub contact: String,
    pub organizer: String,
    pub at_ms: i64,
    pub assessment: Option<i64>,
    pub revision: u32,
}

/// A plan as the index knows it.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct PlanSummary {
    pub id: String,
    pub title: String,
}

/// A terrain unit as the index knows it.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct UnitSummary {
    pub id: String,
    pub tree: String,
    pub parent: Option<String>,
    pub name: String,
    pub level: String,
}

impl From<q::UnitSummary> for UnitSummary {
    fn from(u: q::UnitSummary) -> Self {
        Self {
            id: u.id.to_string(),
            tree: u.tree.to_string(),
            parent: u.parent.map(|p| p.to_string()),
            name: u.name,
            level: u.level,
        }
    }
}

impl From<AssessmentFilter> for q::AssessmentFilter {
    fn from(f: AssessmentFilter) -> Self {
        match f {
            AssessmentFilter::Values { values } => Self::Values(values),
            AssessmentFilter::SupporterOrBetter => Self::SupporterOrBetter,
            AssessmentFilter::Unassessed => Self::Unassessed,
        }
    }
}

impl TryFrom<ContactQuery> for q::ContactQuery {
    type Error = GroundworkError;
    fn try_from(c: ContactQuery) -> Result<Self> {
        Ok(Self {
            name_prefix: c.name_prefix,
            tag: c.tag,
            unit: parse_opt::<UnitId>(c.unit)?,
            assessment: c.assessment.map(Into::into),
            organizer: c.organizer,
            limit: c.limit,
            offset: c.offset,
        })
    }
}

impl From<q::ContactSummary> for ContactSummary {
    fn from(c: q::ContactSummary) -> Self {
        Self {
            id: c.id.to_string(),
            name: c.name,
            unit: c.unit.map(|u| u.to_string()),
            assessment: c.assessment,
            assessment_label: c.assessment_label,
            last_conversation_at_ms: c.last_conversation_at.map(ms),
            do_not_contact: c.do_not_contact,
        }
    }
}

impl TryFrom<FollowUpQuery> for q::FollowUpQuery {
    type Error = GroundworkError;
    fn try_from(f: FollowUpQuery) -> Result<Self> {
        Ok(Self {
            assignee: f.assignee,
            due_before: time_opt("due_before_ms", f.due_before_ms)?,
            due_from: time_opt("due_from_ms", f.due_from_ms)?,
            status: f.status.map(Into::into),
            contact: parse_opt::<ContactId>(f.contact)?,
            kind: f.kind.map(Into::into),
            limit: f.limit,
        })
    }
}

impl From<q::FollowUpSummary> for FollowUpSummary {
    fn from(f: q::FollowUpSummary) -> Self {
        Self {
            id: f.id.to_string(),
            kind: f.kind.into(),
            title: f.title,
            contact: f.contact.map(|c| c.to_string()),
            plan: f.plan.map(|p| p.to_string()),
            assignee: f.assignee,
            due_ms: f.due.map(ms),
            status: f.status.into(),
        }
    }
}

impl TryFrom<ConversationQuery> for q::ConversationQuery {
    type Error = GroundworkError;
    fn try_from(c: ConversationQuery) -> Result<Self> {
        Ok(Self {
            organizer: c.organizer,
            since: time_opt("since_ms", c.since_ms)?,
            until: time_opt("until_ms", c.until_ms)?,
            unit: parse_opt::<UnitId>(c.unit)?,
            contact: parse_opt::<ContactId>(c.contact)?,
            limit: c.limit,
        })
    }
}

impl From<q::ConversationSummary> for ConversationSummary {
    fn from(c: q::ConversationSummary) -> Self {
        Self {
            id: c.id.to_string(),
            contact: c.contact.to_string(),
            organizer: c.organizer,
            at_ms: ms(c.at),
            assessment: c.assessment,
            revision: c.revision,
        }
    }
}
