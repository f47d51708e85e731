//! Turf: a list of contacts handed to an organizer for canvassing, and the door knocks that
//! record how the canvass went.

use groundwork_proto::membership::DeviceId;

use crate::ids::{EntryId, TurfId};

use super::{RecordQuery, Timestamp};

/// What happened at a door. Values a newer version adds are kept as `Other`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum KnockOutcome {
    /// Nobody opened: knock again another day.
    NotHome,
    /// They would not talk.
    Refused,
    /// They opened and talked, briefly: no one-on-one recorded (yet).
    Contacted,
    Other(String),
}

impl KnockOutcome {
    /// The stored form.
    pub fn as_str(&self) -> &str {
        match self {
            KnockOutcome::NotHome => "not_home",
            KnockOutcome::Refused => "refused",
            KnockOutcome::Contacted => "contacted",
            KnockOutcome::Other(s) => s,
        }
    }
    /// Reads the stored or typed form (`not-home` too); unknown values are kept as `Other`.
    pub fn parse(s: &str) -> Self {
        match s.trim().to_lowercase().replace('-', "_").as_str() {
            "not_home" => KnockOutcome::NotHome,
            "refused" => KnockOutcome::Refused,
            "contacted" => KnockOutcome::Contacted,
            _ => KnockOutcome::Other(s.trim().to_owned()),
        }
    }
}

/// One door knock, as recorded on the contact. Knocks are append-only: each has its own id, so
/// two organizers knocking while apart both keep their record.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DoorKnock {
    pub id: EntryId,
    pub outcome: KnockOutcome,
    /// Who knocked (an organizer's name, as on follow-ups).
    pub organizer: String,
    pub at: Timestamp,
    pub note: String,
}

/// A door knock to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewKnock {
    pub outcome: KnockOutcome,
    pub organizer: String,
    pub at: Timestamp,
    pub note: String,
}

/// A turf to hand out: which contacts (a [`RecordQuery`] counting contacts — a unit with the
/// units below it, a tag, an assessment …), to which organizer, on which of their devices.
#[derive(Debug, Clone, PartialEq)]
pub struct NewTurf {
    /// What organizers call it: "Building 3, floors 1–4".
    pub name: String,
    pub organizer: String,
    /// The organizer's devices that get the turf's contacts.
    pub devices: Vec<DeviceId>,
    /// Resolved once, when the turf is cut: people who arrive later are not added.
    pub selection: RecordQuery,
}

/// A turf as the group's settings record it. Its contacts are not listed here (so a device sees
/// only the contacts it was given): each contact names the turfs it is in.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Turf {
    pub id: TurfId,
    pub name: String,
    pub organizer: String,
    #[serde(serialize_with = "hex_devices")]
    pub devices: Vec<DeviceId>,
    /// How many contacts it held when it was cut.
    pub size: u64,
    pub handed_out_at: Timestamp,
    #[serde(serialize_with = "hex_device")]
    pub handed_out_by: DeviceId,
    /// When it was taken back (its contacts left the organizer's grant then).
    pub returned_at: Option<Timestamp>,
}

impl Turf {
    /// Still with the organizer.
    pub fn is_out(&self) -> bool {
        self.returned_at.is_none()
    }
}

fn hex_device<S: serde::Serializer>(d: &DeviceId, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&d.to_string())
}

// serde hands `serialize_with` the field itself.
#[allow(clippy::ptr_arg)]
fn hex_devices<S: serde::Serializer>(ds: &Vec<DeviceId>, s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(ds.iter().map(ToString::to_string))
}
