//! The sync protocol's messages and framing.
//!
//! One session runs over one bidirectional stream. Every frame is a 4-byte big-endian length and a
//! postcard-encoded [`Message`]; frames over [`MAX_FRAME_BYTES`] are refused before they are read.
//!
//! ```text
//! initiator                                   responder
//!   Hello{versions, group, membership heads,
//!         first reconciliation message}  ──▶  checks the peer is a member (asks for its
//!                                             admission if unknown), answers
//!                                        ◀──  Welcome{version, membership heads, the membership
//!                                             operations the initiator lacks, reconciliation reply}
//!   Reconcile{…}                         ──▶  (repeated while the sets' difference is narrowed)
//!                                        ◀──  Reconcile{…}
//!   Want{for each differing document: its id and the initiator's heads}
//!                                        ──▶  Docs{what the initiator lacks, the responder's heads}
//!   Docs{what the responder lacks}       ──▶
//!   Done                                 ──▶  Done
//! ```
//!
//! The sets reconciled are (document id, version) items: a 32-byte id made of the 16-byte
//! document id and 16 bytes of a hash of the document's heads, so a differing item names its
//! document. Reconciliation is range-based (the negentropy protocol): round trips and bytes grow
//! with the number of differing documents, not with the size of the group; when nothing changed
//! the first exchange is the whole session.

use serde::{Deserialize, Serialize};

use crate::membership::OpHash;
use crate::signed::{SignedChange, SignedErasure};

/// The protocol versions this build speaks.
pub const PROTOCOL_VERSION: u16 = 2;
/// The first version whose devices are told, with proof, that they were removed
/// ([`Message::Removed`]); older ones are only refused.
pub const REMOVAL_NOTICE_VERSION: u16 = 2;
/// The oldest version this build still speaks.
pub const MIN_PROTOCOL_VERSION: u16 = 1;
/// The largest frame accepted from a peer.
pub const MAX_FRAME_BYTES: usize = 8 << 20;
/// The most documents named in one `Want` or carried in one `Docs` message.
pub const MAX_DOCS_PER_MESSAGE: usize = 10_000;
/// The most heads a document may name.
pub const MAX_HEADS: usize = 256;

/// A document's version as reconciled: heads hashed to 16 bytes.
pub fn version_tag(heads: &[[u8; 32]]) -> [u8; 16] {
    let mut sorted = heads.to_vec();
    sorted.sort();
    let mut h = blake3::Hasher::new();
    h.update(b"groundwork doc version v1");
    for head in &sorted {
        h.update(head);
    }
    let mut out = [0u8; 16];
    out.copy_from_slice(&h.finalize().as_bytes()[..16]);
    out
}

/// The version tag of an erased document: every device that erased it agrees on it.
pub fn erased_tag() -> [u8; 16] {
    let mut out = [0u8; 16];
    out.copy_from_slice(&blake3::hash(b"groundwork doc erased v1").as_bytes()[..16]);
    out
}

/// The reconciliation item of a document.
pub fn item_id(doc: &[u8; 16], tag: &[u8; 16]) -> [u8; 32] {
    let mut id = [0u8; 32];
    id[..16].copy_from_slice(doc);
    id[16..].copy_from_slice(tag);
    id
}

/// The document an item names.
pub fn item_doc(id: &[u8; 32]) -> [u8; 16] {
    let mut doc = [0u8; 16];
    doc.copy_from_slice(&id[..16]);
    doc
}

/// Why a session was refused or ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Refusal {
    /// No common protocol version; the message says which side is older.
    Version,
    /// The peer is not a member of the group (or was removed).
    NotMember,
    /// This device does not hold that group.
    UnknownGroup,
    /// The peer sent something invalid; the session ends and the peer is counted against.
    BadMessage,
    /// The peer sent records it had no right to send.
    Forbidden,
    /// This device is busy or shutting down.
    Busy,
}

/// One document's state as the sender has it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocHeads {
    pub doc: [u8; 16],
    pub heads: Vec<[u8; 32]>,
    /// The first 8 bytes of the hashes of the sender's most recent changes of the document: when
    /// the receiver does not know all of the sender's heads (both edited it), these show where
    /// the two copies diverged, so that it sends what is missing and little more.
    pub have: Vec<[u8; 8]>,
}

/// The most change-hash prefixes one document may list.
pub const MAX_HAVE: usize = 64;

/// What the sender has of one document that the receiver lacks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocUpdate {
    pub doc: [u8; 16],
    /// The sender's heads, given only when it lacks some of the receiver's changes (the receiver
    /// then sends them back); empty when it has all of them, or erased the document.
    pub heads: Vec<[u8; 32]>,
    pub changes: Vec<SignedChange>,
    /// Set when the sender erased the document.
    pub erasure: Option<SignedErasure>,
}

/// A sync protocol message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Message {
    Hello {
        min_version: u16,
        max_version: u16,
        group: [u8; 16],
        membership_heads: Vec<OpHash>,
        /// The first negentropy message over the documents both sides may see.
        reconcile: Vec<u8>,
    },
    /// The responder does not know the initiator yet: send the membership operations that
    /// admit it.
    Admit {
        membership_heads: Vec<OpHash>,
    },
    /// Membership operations the receiver lacks.
    Membership {
        ops: Vec<Vec<u8>>,
    },
    Welcome {
        version: u16,
        membership_heads: Vec<OpHash>,
        membership_ops: Vec<Vec<u8>>,
        reconcile: Vec<u8>,
    },
    Reconcile {
        payload: Vec<u8>,
    },
    /// The documents the initiator found to differ, with its heads of each (empty: it has none).
    Want {
        docs: Vec<DocHeads>,
    },
    /// Changes the receiver lacks; `last` ends a series.
    Docs {
        docs: Vec<DocUpdate>,
        last: bool,
    },
    /// Live update: changes made while the session stays open.
    Live {
        docs: Vec<DocUpdate>,
    },
    Done,
    Refused {
        reason: Refusal,
        message: String,
    },
    /// To a device that was removed from the group (version 2 on): the membership operations
    /// it lacks, among them its removal, signed by the admin who made it. The receiver checks
    /// them like any membership operations and, once they show it removed, deletes its copy of
    /// the group. Ends the session.
    Removed {
        membership_ops: Vec<Vec<u8>>,
    },
}

/// A frame could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FrameError {
    #[error("frame of {0} bytes is over the limit of {MAX_FRAME_BYTES}")]
    TooLarge(usize),
    #[error("message does not decode: {0}")]
    Decode(String),
    #[error("message is out of bounds: {0}")]
    Bounds(&'static str),
}

impl Message {
    /// Encodes with the length prefix.
    pub fn to_frame(&self) -> Result<Vec<u8>, FrameError> {
        let body = postcard::to_allocvec(self).map_err(|e| FrameError::Decode(e.to_string()))?;
        if body.len() > MAX_FRAME_BYTES {
            return Err(FrameError::TooLarge(body.len()));
        }
        let mut out = Vec::with_capacity(body.len() + 4);
        out.extend_from_slice(&(body.len() as u32).to_be_bytes());
        out.extend_from_slice(&body);
        Ok(out)
    }

    /// The body length announced by a frame header, checked against the limit.
    pub fn frame_len(header: [u8; 4]) -> Result<usize, FrameError> {
        let len = u32::from_be_bytes(header) as usize;
        if len > MAX_FRAME_BYTES {
            return Err(FrameError::TooLarge(len));
        }
        Ok(len)
    }

    /// Decodes a frame body (without the length prefix) and checks its bounds.
    pub fn decode(body: &[u8]) -> Result<Message, FrameError> {
        if body.len() > MAX_FRAME_BYTES {
            return Err(FrameError::TooLarge(body.len()));
        }
        let msg: Message =
            postcard::from_bytes(body).map_err(|e| FrameError::Decode(e.to_string()))?;
        msg.check_bounds()?;
        Ok(msg)
    }

    fn check_bounds(&self) -> Result<(), FrameError> {
        let heads_ok = |h: &[[u8; 32]]| h.len() <= MAX_HEADS;
        match self {
            Message::Hello {
                membership_heads, ..
            }
            | Message::Admit { membership_heads }
            | Message::Welcome {
                membership_heads, ..
            } if membership_heads.len() > MAX_HEADS => {
                Err(FrameError::Bounds("too many membership heads"))
            }
            Message::Want { docs }
                if docs.len() > MAX_DOCS_PER_MESSAGE
                    || !docs
                        .iter()
                        .all(|d| heads_ok(&d.heads) && d.have.len() <= MAX_HAVE) =>
            {
                Err(FrameError::Bounds("too many documents or heads"))
            }
            Message::Docs { docs, .. } | Message::Live { docs }
                if docs.len() > MAX_DOCS_PER_MESSAGE
                    || !docs.iter().all(|d| heads_ok(&d.heads)) =>
            {
                Err(FrameError::Bounds("too many documents or heads"))
            }
            Message::Refused { message, .. } if message.len() > 1_000 => {
                Err(FrameError::Bounds("message too long"))
            }
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_round_trip_and_bounds_hold() {
        let m = Message::Want {
            docs: vec![DocHeads {
                doc: [1; 16],
                heads: vec![[2; 32]],
                have: vec![[3; 8]],
            }],
        };
        let frame = m.to_frame().expect("encode");
        let len = Message::frame_len(frame[..4].try_into().expect("header")).expect("len");
        assert_eq!(Message::decode(&frame[4..4 + len]).expect("decode"), m);
        assert!(Message::frame_len([0xff; 4]).is_err());
        assert!(Message::decode(&[0xff, 0xff, 0xff]).is_err());
        let too_many = Message::Want {
            docs: vec![DocHeads {
                doc: [0; 16],
                heads: vec![[0; 32]; MAX_HEADS + 1],
                have: vec![],
            }],
        };
        let frame = too_many.to_frame().expect("encode");
        assert!(matches!(
            Message::decode(&frame[4..]),
            Err(FrameError::Bounds(_))
        ));
    }

    #[test]
    fn item_ids_name_their_document() {
        let tag = version_tag(&[[3; 32], [1; 32]]);
        assert_eq!(
            tag,
            version_tag(&[[1; 32], [3; 32]]),
            "order of heads does not matter"
        );
        let id = item_id(&[7; 16], &tag);
        assert_eq!(item_doc(&id), [7; 16]);
        assert_ne!(erased_tag(), tag);
    }
}
