use groundwork_core::model as gw;

use super::{ms, time};
use crate::error::{GroundworkError, Result};

/// Where a conversation took place. Values a newer version adds arrive as `Other`.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum Channel {
    Door,
    Phone,
    Workplace,
    Event,
    Other { value: String },
}

/// The steps of an organizing one-on-one as the organizer wrote them down. The five steps map to
/// the fields: get in the door (`door`), get their story (`story`), propose a vision (`vision`),
/// address obstacles (`obstacles`), advocate & assess (`ask`, their `answer`, and the
/// conversation's `assessment`).
#[derive(Debug, Clone, Default, PartialEq, Eq, uniffi::Record)]
pub struct ConversationSteps {
    /// Getting in the door: how the conversation opened.
    #[uniffi(default)]
    pub door: String,
    /// Their story: what they care about, the issues they raised.
    #[uniffi(default)]
    pub story: String,
    /// The vision proposed.
    #[uniffi(default)]
    pub vision: String,
    /// Obstacles raised and how they were addressed.
    #[uniffi(default)]
    pub obstacles: String,
    /// The ask made.
    #[uniffi(default)]
    pub ask: String,
    /// Their answer to the ask.
    #[uniffi(default)]
    pub answer: String,
}

/// One conversation at one revision (corrections are new revisions; earlier ones stay).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Conversation {
    pub id: String,
    /// 1 for the original, higher for corrections.
    pub revision: u32,
    pub contact: String,
    pub organizer: String,
    pub at_ms: i64,
    pub place: String,
    pub channel: Channel,
    pub steps: ConversationSteps,
    /// A value on the group's assessment scale; `None`: not assessed.
    pub assessment: Option<i64>,
    pub next_steps: String,
}

/// A conversation to record, or a correction of one.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct NewConversation {
    pub organizer: String,
    pub at_ms: i64,
    pub channel: Channel,
    pub steps: ConversationSteps,
    /// A value on the group's scale (see `Group.settings`); `None`: not assessed.
    #[uniffi(default)]
    pub assessment: Option<i64>,
    #[uniffi(default)]
    pub place: String,
    #[uniffi(default)]
    pub next_steps: String,
}

/// An assessment at a point in time, from one conversation.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct AssessmentPoint {
    pub at_ms: i64,
    pub value: i64,
    pub conversation: String,
}

impl From<gw::Channel> for Channel {
    fn from(c: gw::Channel) -> Self {
        match c {
            gw::Channel::Door => Self::Door,
            gw::Channel::Phone => Self::Phone,
            gw::Channel::Workplace => Self::Workplace,
            gw::Channel::Event => Self::Event,
            gw::Channel::Other(value) => Self::Other { value },
        }
    }
}

impl From<Channel> for gw::Channel {
    fn from(c: Channel) -> Self {
        match c {
            Channel::Door => Self::Door,
            Channel::Phone => Self::Phone,
            Channel::Workplace => Self::Workplace,
            Channel::Event => Self::Event,
            Channel::Other { value } => gw::Channel::parse(&value),
        }
    }
}

impl From<gw::ConversationSteps> for ConversationSteps {
    fn from(s: gw::ConversationSteps) -> Self {
        Self {
            door: s.door,
            story: s.story,
            vision: s.vision,
            obstacles: s.obstacles,
            ask: s.ask,
            answer: s.answer,
        }
    }
}

impl From<ConversationSteps> for gw::ConversationSteps {
    fn from(s: ConversationSteps) -> Self {
        Self {
            door: s.door,
            story: s.story,
            vision: s.vision,
            obstacles: s.obstacles,
            ask: s.ask,
            answer: s.answer,
        }
    }
}

impl From<gw::Conversation> for Conversation {
    fn from(c: gw::Conversation) -> Self {
        Self {
            id: c.id.to_string(),
            revision: c.revision,
            contact: c.contact.to_string(),
            organizer: c.organizer,
            at_ms: ms(c.at),
            place: c.place,
            channel: c.channel.into(),
            steps: c.steps.into(),
            assessment: c.assessment,
            next_steps: c.next_steps,
        }
    }
}

impl TryFrom<NewConversation> for gw::NewConversation {
    type Error = GroundworkError;
    fn try_from(c: NewConversation) -> Result<Self> {
        Ok(Self {
            organizer: c.organizer,
            at: time("at_ms", c.at_ms)?,
            place: c.place,
            channel: c.channel.into(),
            steps: c.steps.into(),
            assessment: c.assessment,
            next_steps: c.next_steps,
        })
    }
}
