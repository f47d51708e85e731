//! Invite tickets and the join exchange.
//!
//! An admin's device makes a ticket — shown as a QR code and as text — holding the group id, the
//! inviter's device id and addresses, a single-use secret and an expiry of at most ten minutes.
//! The joining device connects to the inviter on the join protocol and proves it holds the
//! secret with a keyed hash bound to *both* device keys (and the group): a ticket relayed by
//! someone else, or replayed after use, does not work.

use std::net::SocketAddr;

use serde::{Deserialize, Serialize};

use crate::membership::DeviceId;

/// The longest an invite may stay valid.
pub const MAX_INVITE_MS: i64 = 10 * 60 * 1000;
/// The text form's prefix.
pub const TICKET_PREFIX: &str = "gwinvite1";
const MAX_TICKET_CHARS: usize = 4_096;

/// What an invite carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ticket {
    pub group: [u8; 16],
    pub group_name: String,
    pub inviter: DeviceId,
    pub addrs: Vec<SocketAddr>,
    pub relay: Option<String>,
    pub secret: [u8; 32],
    pub expires_at_ms: i64,
}

/// A ticket could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TicketError {
    #[error("not a Groundwork invite (it should start with {TICKET_PREFIX})")]
    NotATicket,
    #[error("the invite is damaged: {0}")]
    Damaged(String),
    #[error("the invite expired")]
    Expired,
}

impl Ticket {
    /// The text form (also the QR code's content).
    pub fn to_text(&self) -> String {
        let bytes = postcard::to_allocvec(self).unwrap_or_default();
        format!(
            "{TICKET_PREFIX}{}",
            data_encoding::BASE32_NOPAD.encode(&bytes).to_lowercase()
        )
    }

    /// Reads the text form, checking its bounds and expiry against `now_ms`.
    pub fn parse(text: &str, now_ms: i64) -> Result<Ticket, TicketError> {
        let text = text.trim();
        if text.len() > MAX_TICKET_CHARS {
            return Err(TicketError::Damaged("too long".into()));
        }
        let body = text
            .strip_prefix(TICKET_PREFIX)
            .ok_or(TicketError::NotATicket)?;
        let bytes = data_encoding::BASE32_NOPAD
            .decode(body.to_uppercase().as_bytes())
            .map_err(|e| TicketError::Damaged(e.to_string()))?;
        let ticket: Ticket =
            postcard::from_bytes(&bytes).map_err(|e| TicketError::Damaged(e.to_string()))?;
        if ticket.addrs.len() > 32
            || ticket.group_name.len() > 200
            || ticket.relay.as_ref().is_some_and(|r| r.len() > 500)
        {
            return Err(TicketError::Damaged("out of bounds".into()));
        }
        if ticket.expires_at_ms <= now_ms {
            return Err(TicketError::Expired);
        }
        Ok(ticket)
    }
}

/// The proof that a joining device holds the ticket's secret, bound to both devices and the group.
pub fn join_proof(
    secret: &[u8; 32],
    group: &[u8; 16],
    joiner: &DeviceId,
    inviter: &DeviceId,
) -> [u8; 32] {
    let mut h = blake3::Hasher::new_keyed(secret);
    h.update(b"groundwork join v1");
    h.update(group);
    h.update(&joiner.0);
    h.update(&inviter.0);
    *h.finalize().as_bytes()
}

/// The join protocol's messages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum JoinMessage {
    /// Joiner → inviter.
    Request {
        group: [u8; 16],
        name: String,
        proof: [u8; 32],
    },
    /// Inviter → joiner: the membership log, now admitting the joiner.
    Accepted { ops: Vec<Vec<u8>> },
    /// Inviter → joiner.
    Refused { message: String },
}

/// The largest join message accepted.
pub const MAX_JOIN_BYTES: usize = 4 << 20;

impl JoinMessage {
    pub fn to_bytes(&self) -> Vec<u8> {
        postcard::to_allocvec(self).unwrap_or_default()
    }
    pub fn decode(bytes: &[u8]) -> Result<JoinMessage, TicketError> {
        if bytes.len() > MAX_JOIN_BYTES {
            return Err(TicketError::Damaged("join message too large".into()));
        }
        postcard::from_bytes(bytes).map_err(|e| TicketError::Damaged(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ticket() -> Ticket {
        Ticket {
            group: [1; 16],
            group_name: "Maple Court".into(),
            inviter: DeviceId([2; 32]),
            addrs: vec!["192.168.1.20:4433".parse().expect("addr")],
            relay: None,
            secret: [3; 32],
            expires_at_ms: 1_000,
        }
    }

    #[test]
    fn text_round_trip_expiry_and_damage() {
        let t = ticket();
        let text = t.to_text();
        assert!(text.starts_with(TICKET_PREFIX));
        assert_eq!(Ticket::parse(&text, 999).expect("parses"), t);
        assert_eq!(Ticket::parse(&text, 1_000), Err(TicketError::Expired));
        assert_eq!(Ticket::parse("hello", 0), Err(TicketError::NotATicket));
        assert!(matches!(
            Ticket::parse(&format!("{TICKET_PREFIX}zzzz1"), 0),
            Err(TicketError::Damaged(_))
        ));
        let mut chopped = text.clone();
        chopped.truncate(text.len() - 5);
        assert!(Ticket::parse(&chopped, 0).is_err());
    }

    #[test]
    fn the_proof_binds_both_devices() {
        let (a, b, c) = (DeviceId([4; 32]), DeviceId([5; 32]), DeviceId([6; 32]));
        let p = join_proof(&[9; 32], &[1; 16], &a, &b);
        assert_ne!(p, join_proof(&[9; 32], &[1; 16], &c, &b), "another joiner");
        assert_ne!(p, join_proof(&[9; 32], &[1; 16], &a, &c), "another inviter");
        assert_ne!(p, join_proof(&[8; 32], &[1; 16], &a, &b), "another secret");
    }
}
