//! What a benchmark counts: a small declarative query over the group's records, stored in the
//! plan document and answered from the index.
//!
//! It is data, not code, so every device counts the same records the same way, and it carries a
//! version: a device that meets a query from a newer Groundwork shows the benchmark without
//! progress instead of counting something else.

use crate::error::{Problem, ValidationError};
use crate::ids::UnitId;

use super::{FollowUpKind, Timestamp};

/// The query version this build writes and understands.
pub const RECORD_QUERY_VERSION: u64 = 1;

/// Which records a query counts.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Counted {
    /// People: "contacts assessed supporter or better in Building 3".
    Contacts,
    /// One-on-ones held: "conversations in Dept. B since Feb 1".
    Conversations,
    /// Follow-ups and onboarding tasks: "onboarding tasks completed this month".
    FollowUps,
    /// A kind a newer version counts; never counted here.
    Other(String),
}

impl Counted {
    /// The stored form.
    pub fn as_str(&self) -> &str {
        match self {
            Counted::Contacts => "contacts",
            Counted::Conversations => "conversations",
            Counted::FollowUps => "followups",
            Counted::Other(s) => s,
        }
    }
    /// Reads the stored or typed form; unknown values are kept as `Other`.
    pub fn parse(s: &str) -> Self {
        match s.trim() {
            "contacts" => Counted::Contacts,
            "conversations" => Counted::Conversations,
            "followups" | "follow_ups" | "follow-ups" => Counted::FollowUps,
            other => Counted::Other(other.to_owned()),
        }
    }
}

/// An assessment threshold: this level or a stronger one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AssessmentAtLeast {
    /// What the group's settings count as supporter or better (follows the settings).
    SupporterOrBetter,
    /// This value on the group's scale, or any level listed before it (stronger).
    Level(i64),
}

impl AssessmentAtLeast {
    /// The stored form: `supporter_or_better` or the level's number.
    pub fn to_stored(self) -> String {
        match self {
            AssessmentAtLeast::SupporterOrBetter => "supporter_or_better".into(),
            AssessmentAtLeast::Level(v) => v.to_string(),
        }
    }
    /// Reads the stored form; `None` for anything else.
    pub fn from_stored(s: &str) -> Option<Self> {
        match s.trim() {
            "supporter_or_better" => Some(AssessmentAtLeast::SupporterOrBetter),
            other => other.parse().ok().map(AssessmentAtLeast::Level),
        }
    }
}

/// A count over the records. Every filter narrows it; which filters apply depends on `counts`:
///
/// | filter | contacts | conversations | follow-ups |
/// |---|---|---|---|
/// | `unit` (and the units below) | the contact's unit | the contact's unit | the contact's unit |
/// | `assessment` | current assessment | the conversation's assessment | the contact's current assessment |
/// | `since` | talked to since (latest conversation) | held since | created since; completed since when `completed` is true |
/// | `tag` | the contact's tag | the contact's tag | the contact's tag |
/// | `organizer` | an organizer of the contact | who held it | who it is assigned to |
/// | `follow_up_kind` | has a follow-up of this kind | — | its kind |
/// | `completed` | that follow-up is (not) done | — | done, or open |
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RecordQuery {
    /// The version of the query's format ([`RECORD_QUERY_VERSION`] when written here).
    pub version: u64,
    pub counts: Counted,
    pub unit: Option<UnitId>,
    pub assessment: Option<AssessmentAtLeast>,
    pub since: Option<Timestamp>,
    pub tag: Option<String>,
    pub organizer: Option<String>,
    pub follow_up_kind: Option<FollowUpKind>,
    pub completed: Option<bool>,
}

impl RecordQuery {
    /// A query counting every record of one kind; narrow it with the fields.
    pub fn counting(counts: Counted) -> Self {
        Self {
            version: RECORD_QUERY_VERSION,
            counts,
            unit: None,
            assessment: None,
            since: None,
            tag: None,
            organizer: None,
            follow_up_kind: None,
            completed: None,
        }
    }

    /// Whether this build can count it (a known kind in a known version).
    pub fn understood(&self) -> bool {
        self.version <= RECORD_QUERY_VERSION && !matches!(self.counts, Counted::Other(_))
    }

    /// Checks a query before it is stored: a known kind, and only the filters that apply to it.
    pub fn validate(&self) -> Result<(), ValidationError> {
        if self.version != RECORD_QUERY_VERSION {
            return Err(ValidationError::out_of_range(
                "query version",
                format!("this version writes version {RECORD_QUERY_VERSION}"),
            ));
        }
        if let Counted::Other(k) = &self.counts {
            return Err(ValidationError::bad_format(
                "counts",
                format!("`{k}` is not contacts, conversations or followups"),
            ));
        }
        if self.counts == Counted::Conversations
            && (self.follow_up_kind.is_some() || self.completed.is_some())
        {
            return Err(ValidationError::bad_format(
                "query",
                "a count of conversations has no follow-up filters",
            ));
        }
        for (field, v) in [("tag", &self.tag), ("organizer", &self.organizer)] {
            if let Some(v) = v
                && (v.trim().is_empty() || v.chars().count() > super::validate::SHORT_MAX)
            {
                return Err(ValidationError::new(
                    field,
                    if v.trim().is_empty() {
                        Problem::Empty
                    } else {
                        Problem::TooLong {
                            max: super::validate::SHORT_MAX,
                        }
                    },
                ));
            }
        }
        Ok(())
    }
}
