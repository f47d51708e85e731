use crate::ids::{ContactId, ConversationId};

use super::Timestamp;

/// Where a conversation took place. Values a newer version adds are kept as `Other`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Door,
    Phone,
    Workplace,
    Event,
    Other(String),
}

impl Channel {
    /// The stored form.
    pub fn as_str(&self) -> &str {
        match self {
            Channel::Door => "door",
            Channel::Phone => "phone",
            Channel::Workplace => "workplace",
            Channel::Event => "event",
            Channel::Other(s) => s,
        }
    }
    /// Reads the stored or typed form; unknown values are kept as `Other`.
    pub fn parse(s: &str) -> Self {
        match s.trim().to_lowercase().as_str() {
            "door" => Channel::Door,
            "phone" => Channel::Phone,
            "workplace" | "work" => Channel::Workplace,
            "event" => Channel::Event,
            _ => Channel::Other(s.trim().to_owned()),
        }
    }
}

/// The steps of an organizing one-on-one, as the organizer wrote them down.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ConversationSteps {
    /// Getting in the door: how the conversation opened.
    pub door: String,
    /// Their story: what they care about, the issues they raised.
    pub story: String,
    /// The vision proposed.
    pub vision: String,
    /// Obstacles raised and how they were addressed.
    pub obstacles: String,
    /// The ask made.
    pub ask: String,
    /// Their answer to the ask.
    pub answer: String,
}

/// One conversation at one revision. Corrections are new revisions; the earlier ones stay.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Conversation {
    pub id: ConversationId,
    /// 1 for the original, higher for corrections.
    pub revision: u32,
    pub contact: ContactId,
    pub organizer: String,
    pub at: Timestamp,
    pub place: String,
    pub channel: Channel,
    pub steps: ConversationSteps,
    /// A value on the group's assessment scale; `None` = not assessed.
    pub assessment: Option<i64>,
    pub next_steps: String,
}

/// A conversation to record (or a correction of one).
#[derive(Debug, Clone, PartialEq)]
pub struct NewConversation {
    pub organizer: String,
    pub at: Timestamp,
    pub place: String,
    pub channel: Channel,
    pub steps: ConversationSteps,
    pub assessment: Option<i64>,
    pub next_steps: String,
}
