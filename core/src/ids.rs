//! Stable random identifiers.
//!
//! Every record, list entry and group gets 16 random bytes at creation, written as 32 lowercase hex
//! characters. Ids carry no meaning (no name, no time, no device), so an id left behind in another
//! document's history after an erasure tells nothing about the person it pointed to.

use std::fmt;
use std::str::FromStr;

use rand::RngExt;

use crate::error::ValidationError;

/// The length in bytes of every id.
pub const ID_LEN: usize = 16;

macro_rules! define_id {
    ($(#[$doc:meta])* $name:ident, $what:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(into = "String", try_from = "String")]
        pub struct $name([u8; ID_LEN]);

        impl $name {
            /// A fresh random id.
            pub fn random() -> Self {
                Self(rand::rng().random())
            }
            /// An id drawn from a caller's generator (the deterministic sample workload uses this).
            pub fn from_rng(rng: &mut impl rand::Rng) -> Self {
                let mut bytes = [0u8; ID_LEN];
                rng.fill_bytes(&mut bytes);
                Self(bytes)
            }
            /// The id's raw bytes, as stored in the index.
            pub fn as_bytes(&self) -> &[u8; ID_LEN] {
                &self.0
            }
            /// An id from raw bytes; errors unless exactly 16 bytes.
            pub fn from_slice(bytes: &[u8]) -> Result<Self, ValidationError> {
                let arr: [u8; ID_LEN] = bytes
                    .try_into()
                    .map_err(|_| ValidationError::bad_format($what, "an id is 16 bytes"))?;
                Ok(Self(arr))
            }
            /// Parses the 32-character hex form; the error names what kind of id was expected.
            pub fn parse(s: &str) -> Result<Self, ValidationError> {
                s.parse()
            }
        }

        impl FromStr for $name {
            type Err = ValidationError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                let s = s.trim();
                if s.len() != ID_LEN * 2 {
                    return Err(ValidationError::bad_format(
                        $what,
                        "an id is 32 hexadecimal characters",
                    ));
                }
                let mut bytes = [0u8; ID_LEN];
                hex::decode_to_slice(s, &mut bytes).map_err(|_| {
                    ValidationError::bad_format($what, "an id is 32 hexadecimal characters")
                })?;
                Ok(Self(bytes))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&hex::encode(self.0))
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), hex::encode(&self.0[..4]))
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.to_string()
            }
        }

        impl TryFrom<String> for $name {
            type Error = ValidationError;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                s.parse()
            }
        }
    };
}

define_id!(
    /// A group: one tenant union, committee or caucus. A device may hold several, kept apart.
    GroupId, "group id"
);
define_id!(
    /// A document in a group's store: a contact, plan, follow-up, terrain tree or the settings.
    DocId, "document id"
);
define_id!(
    /// A person the group organizes with. Also the id of the contact's document.
    ContactId, "contact id"
);
define_id!(
    /// One organizing conversation; its corrections share this id with a higher revision.
    ConversationId, "conversation id"
);
define_id!(
    /// A follow-up or task. Also the id of its document.
    FollowUpId, "follow-up id"
);
define_id!(
    /// A plan (campaign or project). Also the id of its document.
    PlanId, "plan id"
);
define_id!(
    /// A terrain tree (one workplace or building). Also the id of its document.
    TerrainTreeId, "terrain tree id"
);
define_id!(
    /// A unit in a terrain tree: a department, floor, shift or apartment.
    UnitId, "terrain unit id"
);
define_id!(
    /// A turf: contacts handed to an organizer for canvassing. Not a document of its own: it is
    /// an entry in the group's settings, and each of its contacts names it.
    TurfId, "turf id"
);
define_id!(
    /// An entry in a list inside a record (a phone, a goal, a tactic …), stable across edits.
    EntryId, "entry id"
);

macro_rules! doc_id_from {
    ($($name:ident),*) => {$(
        impl From<$name> for DocId {
            fn from(id: $name) -> DocId { DocId(id.0) }
        }
        impl From<DocId> for $name {
            fn from(id: DocId) -> $name { $name(id.0) }
        }
    )*};
}
doc_id_from!(ContactId, FollowUpId, PlanId, TerrainTreeId, GroupId);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_text() {
        let id = ContactId::random();
        assert_eq!(ContactId::parse(&id.to_string()).expect("parses"), id);
    }

    #[test]
    fn bad_ids_are_typed_errors() {
        for bad in ["", "xyz", "0123456789abcdef0123456789abcdeg", "00"] {
            let err = ContactId::parse(bad).expect_err("must fail");
            assert_eq!(err.field, "contact id");
        }
    }
}
