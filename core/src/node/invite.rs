//! Invites made in person: the inviter's side (the join protocol, open only while an invite is
//! live, rate-limited) and the joiner's side.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant};

use groundwork_proto::fingerprint::fingerprint;
use groundwork_proto::invite::{JoinMessage, MAX_INVITE_MS, MAX_JOIN_BYTES, Ticket, join_proof};
use groundwork_proto::membership::{DeviceId, Grant, Role};
use iroh::endpoint::{Connection, VarInt};
use iroh::protocol::{AcceptError, ProtocolHandler};
use iroh::{EndpointAddr, PublicKey};
use tokio::sync::oneshot;

use super::{FRAME_DEADLINE, Node, NodeError, Shared, blocking, frames};
use crate::error::Error;
use crate::group::Group;
use crate::ids::GroupId;

/// The join protocol's ALPN.
pub const JOIN_ALPN: &[u8] = b"/groundwork/join/1";
/// Join attempts accepted per minute, across invites.
const JOIN_ATTEMPTS_PER_MINUTE: usize = 20;

/// A device that joined through an invite.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Joined {
    pub device: DeviceId,
    pub name: String,
    /// For the people to compare with what the joining phone shows.
    pub fingerprint: String,
}

/// A live invite: its ticket, and the news of who joined with it.
pub struct Invite {
    pub ticket: Ticket,
    /// The ticket as text (and QR code content).
    pub text: String,
    /// Resolves when a device joins (the invite then stops working).
    pub joined: oneshot::Receiver<Joined>,
}

pub(crate) struct LiveInvite {
    group: GroupId,
    secret: [u8; 32],
    expires_at_ms: i64,
    role: Role,
    grant: Grant,
    joined: Option<oneshot::Sender<Joined>>,
}

#[derive(Default)]
pub(crate) struct Invites {
    live: Vec<LiveInvite>,
    attempts: VecDeque<Instant>,
}

impl Invites {
    /// Whether an invite is live now.
    pub(super) fn any_live(&mut self) -> bool {
        self.prune(chrono::Utc::now().timestamp_millis());
        !self.live.is_empty()
    }

    fn prune(&mut self, now_ms: i64) {
        self.live
            .retain(|i| i.expires_at_ms > now_ms && i.joined.is_some());
    }
}

impl Node {
    /// Makes an invite to `group` valid for `validity` (at most 10 minutes). This device must be
    /// an admin. The invite works once.
    pub fn invite(
        &self,
        group: &Group,
        validity: Duration,
        role: Role,
        grant: Grant,
    ) -> Result<Invite, NodeError> {
        let me = self.shared.repo.device();
        if !group.members()?.is_admin(&me) {
            return Err(Error::Permission("only an admin can invite".into()).into());
        }
        let now = chrono::Utc::now().timestamp_millis();
        let validity = i64::try_from(validity.as_millis())
            .unwrap_or(MAX_INVITE_MS)
            .clamp(1_000, MAX_INVITE_MS);
        let secret: [u8; 32] = rand::random();
        let mut addrs: Vec<_> = self.addr().ip_addrs().copied().collect();
        addrs.extend(
            self.bound_sockets()
                .into_iter()
                .filter(|a| !a.ip().is_unspecified()),
        );
        addrs.sort();
        addrs.dedup();
        let ticket = Ticket {
            group: *group.id().as_bytes(),
            group_name: group.members()?.name,
            inviter: me,
            addrs,
            // A joiner away from this network reaches the inviter through the group's relay.
            relay: group.settings()?.relay,
            secret,
            expires_at_ms: now + validity,
        };
        let (tx, rx) = oneshot::channel();
        let mut invites = self
            .shared
            .invites
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        invites.prune(now);
        invites.live.push(LiveInvite {
            group: group.id(),
            secret,
            expires_at_ms: ticket.expires_at_ms,
            role,
            grant,
            joined: Some(tx),
        });
        Ok(Invite {
            text: ticket.to_text(),
            ticket,
            joined: rx,
        })
    }

    /// Joins a group with an invite ticket: proves the secret to the inviter, receives the
    /// membership log admitting this device, then syncs the group's records from the inviter.
    /// Returns the group and the fingerprint both phones show.
    pub async fn join(&self, ticket: &str, name: &str) -> Result<(Group, String), NodeError> {
        let now = chrono::Utc::now().timestamp_millis();
        let ticket = Ticket::parse(ticket, now).map_err(|e| {
            Error::Invalid(crate::error::ValidationError::bad_format(
                "invite",
                e.to_string(),
            ))
        })?;
        let inviter_key = PublicKey::from_bytes(&ticket.inviter.0)
            .map_err(|e| NodeError::Connect(e.to_string()))?;
        let mut addr = EndpointAddr::new(inviter_key);
        for a in &ticket.addrs {
            addr = addr.with_ip_addr(*a);
        }
        // A node without a relay transport still tries the inviter's direct addresses (both
        // may be on one network); only if they fail is the missing relay the answer.
        let mut relay_missing = None;
        if let Some(url) = &ticket.relay {
            match self.use_relay(url).await {
                Ok(()) => addr = addr.with_relay_url(super::relay::relay_config(url)?.url),
                Err(NodeError::RelayNotStarted(url)) => relay_missing = Some(url),
                Err(e) => return Err(e),
            }
        }
        let me = self.shared.repo.device();
        let proof = join_proof(&ticket.secret, &ticket.group, &me, &ticket.inviter);
        let (conn, mut send, mut recv) = match self.dial(addr.clone(), JOIN_ALPN).await {
            Ok(dialled) => dialled,
            Err(NodeError::Connect(e)) => {
                return Err(match relay_missing {
                    Some(url) => NodeError::RelayNotStarted(url),
                    None => NodeError::Connect(e),
                });
            }
            Err(e) => return Err(e),
        };
        let request = JoinMessage::Request {
            group: ticket.group,
            name: name.to_owned(),
            proof,
        };
        frames::write_blob(&mut send, &request.to_bytes()).await?;
        let answer = frames::read_blob(&mut recv, MAX_JOIN_BYTES, FRAME_DEADLINE).await?;
        conn.close(VarInt::from_u32(0), b"joined");
        let ops =
            match JoinMessage::decode(&answer).map_err(|e| NodeError::Connect(e.to_string()))? {
                JoinMessage::Accepted { ops } => ops,
                JoinMessage::Refused { message } => {
                    return Err(Error::Permission(format!("the inviter refused: {message}")).into());
                }
                JoinMessage::Request { .. } => {
                    return Err(NodeError::Connect(
                        "the inviter answered with a request".into(),
                    ));
                }
            };
        let repo = self.shared.repo.clone();
        let group = blocking(move || repo.join_group(&ops)).await??;
        if group.id().as_bytes() != &ticket.group {
            return Err(Error::Permission("the inviter handed over another group".into()).into());
        }
        let (g, inviter, addrs) = (group.clone(), ticket.inviter, ticket.addrs.clone());
        blocking(move || g.remember_peer(inviter, &addrs)).await??;
        self.sync_with(&group, addr).await?;
        Ok((group, fingerprint(&self.shared.repo.device_key().public())))
    }
}

#[derive(Clone)]
pub(crate) struct JoinHandler {
    pub(crate) shared: Arc<Shared>,
}

impl std::fmt::Debug for JoinHandler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("JoinHandler")
    }
}

impl ProtocolHandler for JoinHandler {
    async fn accept(&self, conn: Connection) -> Result<(), AcceptError> {
        let shared = self.shared.clone();
        let task = tokio::spawn(serve_join(shared, conn.clone()));
        match task.await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::info!(error = %e, "join attempt failed"),
            Err(e) => tracing::error!(error = %e, "join handler panicked"),
        }
        let _ = tokio::time::timeout(super::CLOSE_GRACE, conn.closed()).await;
        Ok(())
    }
}

async fn serve_join(shared: Arc<Shared>, conn: Connection) -> Result<(), NodeError> {
    let now = chrono::Utc::now().timestamp_millis();
    {
        // Open only while an invite is live; rate-limited.
        let mut invites = shared.invites.lock().unwrap_or_else(|p| p.into_inner());
        invites.prune(now);
        let minute_ago = Instant::now() - Duration::from_secs(60);
        while invites.attempts.front().is_some_and(|t| *t < minute_ago) {
            invites.attempts.pop_front();
        }
        if invites.live.is_empty() || invites.attempts.len() >= JOIN_ATTEMPTS_PER_MINUTE {
            conn.close(
                VarInt::from_u32(super::gate::CLOSE_NO_INVITE),
                b"no live invite",
            );
            return Ok(());
        }
        invites.attempts.push_back(Instant::now());
    }
    let joiner = DeviceId(*conn.remote_id().as_bytes());
    let me = shared.repo.device();
    let (mut send, mut recv) = conn
        .accept_bi()
        .await
        .map_err(|e| NodeError::Connect(e.to_string()))?;
    let request = frames::read_blob(&mut recv, 64 * 1024, FRAME_DEADLINE).await?;
    let refuse = |message: &str| {
        JoinMessage::Refused {
            message: message.into(),
        }
        .to_bytes()
    };
    let Ok(JoinMessage::Request { group, name, proof }) = JoinMessage::decode(&request) else {
        frames::write_blob(&mut send, &refuse("not a join request")).await?;
        return Ok(());
    };
    let name = name
        .chars()
        .filter(|c| !c.is_control())
        .take(100)
        .collect::<String>();
    // Find the invite this proof answers; it is used up whatever happens next.
    let found = {
        let mut invites = shared.invites.lock().unwrap_or_else(|p| p.into_inner());
        let pos = invites.live.iter().position(|i| {
            *i.group.as_bytes() == group
                && i.expires_at_ms > now
                && blake3::Hash::from(join_proof(&i.secret, &group, &joiner, &me))
                    == blake3::Hash::from(proof)
        });
        pos.map(|p| invites.live.remove(p))
    };
    let Some(mut invite) = found else {
        frames::write_blob(&mut send, &refuse("the invite is unknown, used or expired")).await?;
        return Ok(());
    };
    let repo = shared.repo.clone();
    let (role, grant, gid) = (invite.role, invite.grant.clone(), invite.group);
    let device_name = if name.trim().is_empty() {
        "new device".to_owned()
    } else {
        name.clone()
    };
    let ops = blocking(move || -> Result<Vec<Vec<u8>>, Error> {
        let g = repo.group(gid)?;
        g.add_device(joiner, &device_name, role, grant)?;
        g.membership_ops()
    })
    .await??;
    frames::write_blob(&mut send, &JoinMessage::Accepted { ops }.to_bytes()).await?;
    let _ = send.finish();
    if let Some(tx) = invite.joined.take() {
        let key =
            PublicKey::from_bytes(&joiner.0).map_err(|e| NodeError::Connect(e.to_string()))?;
        let _ = tx.send(Joined {
            device: joiner,
            name,
            fingerprint: fingerprint(&key),
        });
    }
    Ok(())
}
