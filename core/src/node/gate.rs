//! The first gate, an endpoint hook: a connection is closed right after its TLS handshake, before
//! any protocol handler runs, when the peer is quarantined or dials the join protocol while no
//! invite is live. Membership itself is checked by the sync protocol, not here: a device admitted
//! recently may be unknown to this one until it presents its admission, so the hook cannot tell a
//! new member from a stranger. Either way a stranger gets no record byte.

use std::sync::Arc;

use groundwork_proto::membership::DeviceId;
use iroh::endpoint::{AfterHandshakeOutcome, Connection, EndpointHooks, Side, VarInt};

use super::{JOIN_ALPN, SYNC_ALPN, Shared};

/// Close codes a refused peer sees.
pub(super) const CLOSE_QUARANTINED: u32 = 2;
pub(super) const CLOSE_NO_INVITE: u32 = 3;
pub(super) const CLOSE_UNKNOWN_PROTOCOL: u32 = 4;

pub(super) struct Gate {
    // The hook lives on the endpoint, so it must not hold the endpoint (a reference cycle);
    // the shared node state holds no endpoint.
    pub(super) shared: Arc<Shared>,
}

impl std::fmt::Debug for Gate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Gate")
    }
}

impl EndpointHooks for Gate {
    async fn after_handshake(&self, conn: &Connection) -> AfterHandshakeOutcome {
        if conn.side() == Side::Client {
            // Connections this device dials are checked by the protocol, not here.
            return AfterHandshakeOutcome::Accept;
        }
        let peer = DeviceId(*conn.remote_id().as_bytes());
        let reject = |code: u32, reason: &[u8]| AfterHandshakeOutcome::Reject {
            error_code: VarInt::from_u32(code),
            reason: reason.to_vec(),
        };
        if self.shared.quarantined(&peer) {
            return reject(CLOSE_QUARANTINED, b"quarantined");
        }
        match conn.alpn() {
            a if a == SYNC_ALPN => AfterHandshakeOutcome::Accept,
            a if a == JOIN_ALPN && self.shared.invite_live() => AfterHandshakeOutcome::Accept,
            a if a == JOIN_ALPN => reject(CLOSE_NO_INVITE, b"no live invite"),
            _ => reject(CLOSE_UNKNOWN_PROTOCOL, b"unknown protocol"),
        }
    }
}
