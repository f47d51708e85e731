//! What organizers record, as typed Rust values.
//!
//! These are the types at the API: the CLI, the bindings and the tests see only these. Each record
//! lives in an Automerge document (see [`crate::doc`]); these structs are read out of it, and
//! edits are described as lists of per-field operations so that a stale screen cannot overwrite
//! what sync merged meanwhile.

mod common;
mod contact;
mod conversation;
mod followup;
mod plan;
mod record_query;
mod settings;
mod terrain;
mod turf;
pub mod validate;

pub use common::{Conflict, ConflictValue, Labelled, RecordMeta, TextEdit, Update, Version};
pub use contact::{
    Contact, ContactEdit, ContactList, ContactUpdate, NewContact, Relationship, RelationshipKind,
};
pub use conversation::{Channel, Conversation, ConversationSteps, NewConversation};
pub use followup::{
    FollowUp, FollowUpEdit, FollowUpKind, FollowUpStatus, NewFollowUp, OnboardingStep,
};
pub use plan::{
    Benchmark, Goal, Horizon, NewPlan, Plan, PlanEdit, Reflection, ReflectionPart, Tactic,
    TerrainQuestion,
};
pub use record_query::{AssessmentAtLeast, Counted, RECORD_QUERY_VERSION, RecordQuery};
pub use settings::{AssessmentScale, GroupSettings, OnboardingTemplate, ScaleLevel, SettingsEdit};
pub use terrain::{NewTerrainTree, TerrainEdit, TerrainTree, TreeKind, Unit};
pub use turf::{DoorKnock, KnockOutcome, NewKnock, NewTurf, Turf};

/// A point in time. Stored in documents as Automerge timestamps (milliseconds since the epoch).
pub type Timestamp = chrono::DateTime<chrono::Utc>;
