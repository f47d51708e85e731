//! The network node: this device's iroh endpoint serving the sync protocol, and syncing with
//! peers it dials.
//!
//! Defaults keep every packet between the group's own devices: no n0 relay, no n0 DNS or pkarr
//! address lookup, no port mapper (iroh's `Minimal` preset, built without the port-mapper
//! feature). Peers are dialled at the direct addresses the caller gives (from an invite ticket
//! or meeting-mode discovery, see [`Node::meeting_mode`]); a relay is used only if the group
//! configured one it hosts.
//!
//! Everything a peer sends is bounded (QUIC stream and connection windows, frame size, a
//! deadline per frame) and every session runs in a task of its own, so a panic or an error in
//! one session ends that session only; a peer that misbehaves is quarantined for a while.

mod frames;
mod gate;
mod invite;
mod live;
mod meeting;
mod relay;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use groundwork_proto::membership::DeviceId;
use groundwork_proto::sync::{Message, Refusal};
use iroh::endpoint::{Connection, QuicTransportConfig, VarInt, presets};
use iroh::protocol::{AcceptError, ProtocolHandler, Router};
use iroh::{Endpoint, EndpointAddr, RelayMode};

use relay::{group_relay, starting_relays, via};

use crate::group::Group;
use crate::ids::GroupId;
use crate::repo::Repo;
use crate::sync::{SyncError, SyncSession, SyncStats};

pub use frames::FrameIoError;
pub use invite::{Invite, JOIN_ALPN, Joined};
pub use live::LiveLink;
pub use meeting::{
    Discovered, EPOCH_SECS, MAX_MEETING, MAX_MEETING_GROUPS, MEETING_SERVICE, Meeting,
    MeetingError, MeetingEvent, MeetingKey, MeetingMode, TOKEN_CHARS, epoch_at,
};

/// The sync protocol's ALPN.
pub const SYNC_ALPN: &[u8] = b"/groundwork/sync/1";
/// How long a misbehaving peer is refused.
const QUARANTINE: Duration = Duration::from_secs(10 * 60);
/// How long a connection may take to open. Between devices on one network a handshake takes
/// milliseconds, through a relay a few seconds; beyond this the peer is out of reach, and a
/// person waiting on "sync now" is told so (QUIC alone would wait out its 60 s idle timeout).
const CONNECT_DEADLINE: Duration = Duration::from_secs(15);
/// How long a side that sent its last message waits for the peer to show, by ending its side
/// or closing, that it has read everything. Closing sooner discards what QUIC is still
/// retransmitting: on a link that loses packets the peer's last frames would never arrive.
/// The peer closes as soon as it has read them, so this costs nothing on a good link.
pub(crate) const CLOSE_GRACE: Duration = Duration::from_secs(20);
/// How long to wait for the peer's next frame.
const FRAME_DEADLINE: Duration = Duration::from_secs(30);

/// Where and how the node listens.
#[derive(Debug, Clone)]
pub struct NodeConfig {
    /// The IPv4 address to bind; port 0 picks a free port.
    pub bind: SocketAddr,
    /// A relay the group hosts itself (an iroh-relay URL), if any. Nothing else is contacted.
    pub relay_url: Option<String>,
}

impl NodeConfig {
    /// All local interfaces (for a meeting's Wi-Fi).
    pub fn local_network() -> Self {
        NodeConfig {
            bind: SocketAddr::from(([0, 0, 0, 0], 0)),
            relay_url: None,
        }
    }
    /// Loopback only (tests, and several peers on one machine).
    pub fn loopback() -> Self {
        NodeConfig {
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            relay_url: None,
        }
    }
}

/// A network error, or a sync session that ended badly.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NodeError {
    #[error("could not start the network endpoint: {0}")]
    Bind(String),
    #[error("could not reach the peer: {0}")]
    Connect(String),
    #[error("the connection failed: {0}")]
    Io(#[from] FrameIoError),
    #[error(transparent)]
    Sync(#[from] SyncError),
    #[error(transparent)]
    Core(#[from] crate::Error),
    #[error("bad relay URL: {0}")]
    RelayUrl(String),
    /// The node started without a relay (no group it held had one): start it again with
    /// this relay in its configuration to reach peers through it.
    #[error("the node started without a relay; start it with {0} to reach peers through it")]
    RelayNotStarted(String),
    #[error(transparent)]
    Meeting(#[from] MeetingError),
}

/// A finished sync session, as the node reports it.
#[derive(Debug, Clone)]
pub struct SessionReport {
    pub peer: DeviceId,
    pub group: Option<GroupId>,
    /// This device started the session.
    pub initiated: bool,
    pub outcome: Result<SyncStats, String>,
}

struct Shared {
    repo: Repo,
    sessions: tokio::sync::broadcast::Sender<SessionReport>,
    quarantine: Mutex<HashMap<DeviceId, Instant>>,
    invites: Mutex<invite::Invites>,
    /// The endpoint's relay map (iroh shares it: relays inserted into the endpoint show here).
    relays: iroh::RelayMap,
    /// Whether the endpoint has a relay transport: only when a relay was known at the start.
    relay_transport: bool,
}

impl Shared {
    fn quarantined(&self, peer: &DeviceId) -> bool {
        let mut q = self.quarantine.lock().unwrap_or_else(|p| p.into_inner());
        q.retain(|_, until| *until > Instant::now());
        q.contains_key(peer)
    }
    fn invite_live(&self) -> bool {
        self.invites
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .any_live()
    }
    fn quarantine(&self, peer: DeviceId) {
        tracing::warn!(%peer, "peer quarantined after misbehaving");
        self.quarantine
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(peer, Instant::now() + QUARANTINE);
    }
}

/// This device on the network. Cheap to clone; `shutdown` stops it.
#[derive(Clone)]
pub struct Node {
    shared: Arc<Shared>,
    router: Router,
}

fn transport_config() -> QuicTransportConfig {
    // iroh's defaults allow ~125 MB in flight per connection; a phone sets its own bounds. The
    // stream window also stays under what the QUIC stack can hold as separate unread pieces
    // (1,024 fragments of ~1.2 KB): a larger window made it drop the connection ("too many gaps
    // in stream buffer") while the receiver was busy storing a large sync.
    QuicTransportConfig::builder()
        .max_concurrent_bidi_streams(VarInt::from_u32(4))
        .max_concurrent_uni_streams(VarInt::from_u32(0))
        .stream_receive_window(VarInt::from_u32(1 << 20))
        .receive_window(VarInt::from_u32(2 << 20))
        .send_window(2 << 20)
        .keep_alive_interval(Duration::from_secs(2))
        .default_path_keep_alive_interval(Duration::from_secs(2))
        .max_idle_timeout(Some(
            Duration::from_secs(60)
                .try_into()
                .unwrap_or(iroh::endpoint::IdleTimeout::from(VarInt::from_u32(60_000))),
        ))
        .build()
}

/// The environment variable that misconfigures a debug build's node with iroh's `N0` preset.
pub const TEST_ONLY_N0_PRESET: &str = "GROUNDWORK_TEST_ONLY_N0_PRESET";

/// Whether this node must be misconfigured with iroh's `N0` preset (n0's relays, DNS and pkarr
/// lookup): only so that `cli/tests/no_third_party.rs` can show its packet capture fails when a
/// node does talk to a third party. The check is compiled into debug builds only — tests run
/// debug builds, the app and the released command are release builds, where no environment can
/// turn it on. A cargo feature would keep it out of debug builds too, but the test would then
/// need a second build of the command, or the feature would reach every test binary through
/// feature unification anyway.
fn misconfigured_with_n0_for_tests() -> bool {
    #[cfg(debug_assertions)]
    if std::env::var_os(TEST_ONLY_N0_PRESET).is_some_and(|v| v == "1") {
        tracing::warn!("{TEST_ONLY_N0_PRESET}=1: using iroh's N0 preset (relays, DNS lookup)");
        return true;
    }
    false
}

impl Node {
    /// Binds the endpoint and starts serving the sync protocol.
    pub async fn spawn(repo: Repo, config: NodeConfig) -> Result<Node, NodeError> {
        // A relay transport only when a group hosts a relay: without one, iroh has nothing to
        // contact and nothing to log about relays. A relay learnt later (synced settings, an
        // invite ticket) is used from the next start, or at once if the transport exists.
        let relays = starting_relays(&repo, config.relay_url.as_deref()).await?;
        let relay_transport = !relays.is_empty();
        let (sessions, _) = tokio::sync::broadcast::channel(64);
        let shared = Arc::new(Shared {
            repo,
            sessions,
            quarantine: Mutex::new(HashMap::new()),
            invites: Mutex::new(invite::Invites::default()),
            relays: relays.clone(),
            relay_transport,
        });
        let builder = if misconfigured_with_n0_for_tests() {
            // Not Groundwork's configuration: iroh's defaults (n0's relays and DNS / pkarr
            // address lookup), for the test showing that a packet capture catches them.
            Endpoint::builder(presets::N0)
        } else {
            Endpoint::builder(presets::Minimal)
                .relay_mode(if relay_transport {
                    RelayMode::Custom(relays)
                } else {
                    RelayMode::Disabled
                })
                .clear_address_lookup()
        };
        let endpoint = builder
            .secret_key(shared.repo.device_key().clone())
            .hooks(gate::Gate {
                shared: shared.clone(),
            })
            // Only the address asked for: iroh would also bind `[::]` (every IPv6 interface),
            // which is not what "loopback only" or a chosen interface promises.
            .clear_ip_transports()
            .bind_addr(config.bind)
            .map_err(|e| NodeError::Bind(e.to_string()))?
            .transport_config(transport_config())
            .bind()
            .await
            .map_err(|e| NodeError::Bind(e.to_string()))?;
        let router = Router::builder(endpoint.clone())
            .accept(
                SYNC_ALPN,
                SyncHandler {
                    endpoint,
                    shared: shared.clone(),
                },
            )
            .accept(
                JOIN_ALPN,
                invite::JoinHandler {
                    shared: shared.clone(),
                },
            )
            .spawn();
        Ok(Node { shared, router })
    }

    /// This device's address: its key and the addresses it listens on.
    pub fn addr(&self) -> EndpointAddr {
        self.router.endpoint().addr()
    }

    /// The sockets the endpoint is bound to.
    pub fn bound_sockets(&self) -> Vec<SocketAddr> {
        self.router.endpoint().bound_sockets()
    }

    /// An address a peer on this machine or network can dial (direct addresses only).
    pub fn dial_addr(&self) -> EndpointAddr {
        let mut addr = EndpointAddr::new(self.router.endpoint().id());
        for s in self.bound_sockets() {
            addr = addr.with_ip_addr(s);
        }
        addr
    }

    /// Reports of finished sync sessions, from now on.
    pub fn sessions(&self) -> tokio::sync::broadcast::Receiver<SessionReport> {
        self.shared.sessions.subscribe()
    }

    /// Syncs `group` once with every member device whose address is known (every member device,
    /// when the group has a relay); returns each peer's outcome.
    pub async fn sync_known_peers(
        &self,
        group: &Group,
    ) -> Result<Vec<(DeviceId, Result<SyncStats, NodeError>)>, NodeError> {
        let (g, me) = (group.clone(), self.shared.repo.device());
        let peers = blocking(move || -> crate::error::Result<_> {
            let mut peers = g.known_peers()?;
            if group_relay(&g).is_some() {
                // Through the group's relay a member's device is reachable by its id alone.
                let members = g.members()?;
                for device in members.members.keys() {
                    if *device != me
                        && members.is_member(device)
                        && !peers.iter().any(|(d, _)| d == device)
                    {
                        peers.push((*device, Vec::new()));
                    }
                }
            }
            Ok(peers)
        })
        .await??;
        let mut out = Vec::new();
        for (device, addrs) in peers {
            let Some(key) = device.key() else { continue };
            let mut addr = EndpointAddr::new(key);
            for a in addrs {
                addr = addr.with_ip_addr(a);
            }
            let result = self.sync_with(group, addr).await;
            out.push((device, result));
        }
        Ok(out)
    }

    /// Tells the endpoint the network changed (phones call this on connectivity changes).
    pub async fn network_change(&self) {
        self.router.endpoint().network_change().await;
    }

    /// Syncs `group` with the member at `peer` once; returns what the session did.
    pub async fn sync_with(
        &self,
        group: &Group,
        peer: EndpointAddr,
    ) -> Result<SyncStats, NodeError> {
        self.sync_inner(group, peer, false)
            .await
            .map(|(stats, _)| stats)
    }

    /// Syncs with the member at `peer`, then keeps the connection open: from then on each side's
    /// edits reach the other as they are made, until the returned link is dropped or stopped.
    pub async fn go_live(
        &self,
        group: &Group,
        peer: EndpointAddr,
    ) -> Result<(SyncStats, LiveLink), NodeError> {
        let (stats, link) = self.sync_inner(group, peer, true).await?;
        let link = link.ok_or_else(|| NodeError::Connect("the live link did not start".into()))?;
        Ok((stats, link))
    }

    async fn sync_inner(
        &self,
        group: &Group,
        peer: EndpointAddr,
        live: bool,
    ) -> Result<(SyncStats, Option<LiveLink>), NodeError> {
        let peer_id = DeviceId(*peer.id.as_bytes());
        let (mut session, hello, relay) = {
            let group = group.clone();
            blocking(move || {
                SyncSession::initiate(&group, peer_id)
                    .map(|(session, hello)| (session, hello, group_relay(&group).map(|c| c.url)))
            })
            .await??
        };
        let (conn, mut send, mut recv) = self.dial(via(peer, relay), SYNC_ALPN).await?;
        frames::write(&mut send, &hello).await?;
        let result = async {
            while !session.is_done() {
                let (msg, n) = frames::read(&mut recv, FRAME_DEADLINE).await?;
                session.received_bytes(n);
                session = step(session, msg, &mut send).await?;
            }
            Ok(session.stats().clone())
        }
        .await;
        if live && result.is_ok() {
            // Read the responder's Done, then ask it to stay: both sides now push edits as made.
            let (done, _) = frames::read(&mut recv, FRAME_DEADLINE).await?;
            if done != Message::Done {
                return Err(SyncError::Misbehaved("expected Done".into()).into());
            }
            frames::write(&mut send, &Message::Live { docs: vec![] }).await?;
            record_addrs(self.router.endpoint(), &self.shared, group, peer_id).await;
            let stats = result?;
            let link = live::spawn(group.clone(), peer_id, conn, send, recv);
            return Ok((stats, Some(link)));
        }
        let _ = send.finish();
        // The responder answers our Done and ends its side: once it has, it has read everything
        // we sent, and the connection can go.
        if result.is_ok() {
            let _ = tokio::time::timeout(CLOSE_GRACE, async {
                while frames::read(&mut recv, FRAME_DEADLINE).await.is_ok() {}
            })
            .await;
        }
        conn.close(VarInt::from_u32(0), b"done");
        if let Err(NodeError::Sync(SyncError::Misbehaved(_))) = &result {
            self.shared.quarantine(peer_id);
        }
        if result.is_ok() {
            record_addrs(self.router.endpoint(), &self.shared, group, peer_id).await;
        }
        let _ = self.shared.sessions.send(SessionReport {
            peer: peer_id,
            group: Some(group.id()),
            initiated: true,
            outcome: result
                .as_ref()
                .map(Clone::clone)
                .map_err(ToString::to_string),
        });
        result.map(|stats| (stats, None))
    }

    /// Connects to a peer on a protocol and opens the session's stream. (A peer whose hook
    /// refuses us still lets `connect` succeed; the stream then fails.)
    pub(crate) async fn dial(
        &self,
        peer: EndpointAddr,
        alpn: &[u8],
    ) -> Result<
        (
            Connection,
            iroh::endpoint::SendStream,
            iroh::endpoint::RecvStream,
        ),
        NodeError,
    > {
        let connecting = self.router.endpoint().connect(peer, alpn);
        let conn = tokio::time::timeout(CONNECT_DEADLINE, connecting)
            .await
            .map_err(|_| {
                NodeError::Connect(format!(
                    "no answer within {} s (the device is off, asleep or out of reach)",
                    CONNECT_DEADLINE.as_secs()
                ))
            })?
            .map_err(|e| NodeError::Connect(e.to_string()))?;
        let (send, recv) = conn
            .open_bi()
            .await
            .map_err(|e| NodeError::Connect(e.to_string()))?;
        Ok((conn, send, recv))
    }

    /// Stops serving and closes the endpoint. Safe to call twice.
    pub async fn shutdown(&self) {
        let _ = self.router.shutdown().await;
    }

    /// The repo this node serves.
    pub fn repo(&self) -> &Repo {
        &self.shared.repo
    }
}

/// Feeds one message to the session (off the async threads) and sends its replies. When this side
/// refuses the peer, the refusal is sent and returned as the error.
async fn step(
    session: SyncSession,
    msg: Message,
    send: &mut iroh::endpoint::SendStream,
) -> Result<SyncSession, NodeError> {
    let mut session = session;
    let (session, replies) = blocking(move || {
        let r = session.handle(msg);
        (session, r)
    })
    .await?;
    match replies {
        Ok(replies) => {
            for m in &replies {
                frames::write(send, m).await?;
            }
            Ok(session)
        }
        Err(SyncError::RefusedPeer { reason, message }) => {
            let _ = frames::write(
                send,
                &Message::Refused {
                    reason,
                    message: message.clone(),
                },
            )
            .await;
            Err(NodeError::Sync(SyncError::RefusedPeer { reason, message }))
        }
        Err(SyncError::RemovedPeer { membership_ops }) => {
            let _ = frames::write(send, &Message::Removed { membership_ops }).await;
            Err(NodeError::Sync(SyncError::RefusedPeer {
                reason: Refusal::NotMember,
                message: "a removed device: sent the operations that removed it".into(),
            }))
        }
        Err(e) => Err(e.into()),
    }
}

/// Remembers where a peer was reached, for the next sync, after a session that went well.
async fn record_addrs(endpoint: &Endpoint, shared: &Shared, group: &Group, peer: DeviceId) {
    let Some(key) = peer.key() else { return };
    let Some(info) = endpoint.remote_info(key).await else {
        return;
    };
    let addrs: Vec<SocketAddr> = info
        .addrs()
        .filter_map(|a| match a.addr() {
            iroh::TransportAddr::Ip(s) => Some(*s),
            _ => None,
        })
        .collect();
    let g = group.clone();
    let _ = blocking(move || g.remember_peer(peer, &addrs)).await;
    // The session may have brought the group's relay (or a new one): use it from now on.
    relay::learn_group_relay(endpoint, shared, group).await;
}

/// Runs blocking store work off the async threads.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, NodeError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| NodeError::Sync(SyncError::Misbehaved(format!("the session failed: {e}"))))
}

#[derive(Clone)]
struct SyncHandler {
    shared: Arc<Shared>,
    endpoint: Endpoint,
}

impl std::fmt::Debug for SyncHandler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SyncHandler")
    }
}

impl ProtocolHandler for SyncHandler {
    async fn accept(&self, conn: Connection) -> Result<(), AcceptError> {
        let peer = DeviceId(*conn.remote_id().as_bytes());
        if self.shared.quarantined(&peer) {
            conn.close(VarInt::from_u32(gate::CLOSE_QUARANTINED), b"quarantined");
            return Ok(());
        }
        // A session of its own: a panic inside ends this task, not the router.
        let shared = self.shared.clone();
        let task = tokio::spawn(serve(shared.clone(), conn.clone(), peer));
        match task.await {
            Ok(Ok(None)) => {}
            Ok(Ok(Some((group, stats)))) => {
                record_addrs(&self.endpoint, &self.shared, &group, peer).await;
                let _ = shared.sessions.send(SessionReport {
                    peer,
                    group: Some(group.id()),
                    initiated: false,
                    outcome: Ok(stats),
                });
            }
            Ok(Err(
                NodeError::Sync(SyncError::Misbehaved(why))
                | NodeError::Io(FrameIoError::Frame(why)),
            )) => {
                tracing::warn!(%peer, %why, "sync session ended: the peer misbehaved");
                shared.quarantine(peer);
            }
            Ok(Err(e)) => tracing::info!(%peer, error = %e, "sync session ended with an error"),
            Err(join) => {
                tracing::error!(%peer, error = %join, "sync session panicked; the peer is quarantined");
                shared.quarantine(peer);
            }
        }
        conn.close(VarInt::from_u32(0), b"bye");
        Ok(())
    }
}

/// Serves one incoming sync session.
async fn serve(
    shared: Arc<Shared>,
    conn: Connection,
    peer: DeviceId,
) -> Result<Option<(Group, SyncStats)>, NodeError> {
    let (mut send, mut recv) = conn
        .accept_bi()
        .await
        .map_err(|e| NodeError::Connect(e.to_string()))?;
    let (first, n) = frames::read(&mut recv, FRAME_DEADLINE).await?;
    let Message::Hello { group, .. } = &first else {
        return Err(SyncError::Misbehaved("the first message must be Hello".into()).into());
    };
    let group = match GroupId::from_slice(group)
        .ok()
        .map(|g| shared.repo.group(g))
    {
        Some(Ok(g)) => g,
        _ => {
            let refusal = Message::Refused {
                reason: Refusal::UnknownGroup,
                message: "unknown group".into(),
            };
            frames::write(&mut send, &refusal).await?;
            let _ = send.finish();
            return Ok(None);
        }
    };
    let mut session = SyncSession::respond(&group, peer);
    session.received_bytes(n);
    let mut next = Some(first);
    loop {
        let msg = match next.take() {
            Some(m) => m,
            None => {
                let (m, n) = frames::read(&mut recv, FRAME_DEADLINE).await?;
                session.received_bytes(n);
                m
            }
        };
        session = match step(session, msg, &mut send).await {
            Ok(session) => session,
            Err(NodeError::Sync(SyncError::RefusedPeer { .. })) => {
                let _ = send.finish();
                let _ = tokio::time::timeout(CLOSE_GRACE, conn.closed()).await;
                return Ok(None);
            }
            Err(e) => return Err(e),
        };
        if session.is_done() {
            // The initiator either ends its side (a one-off sync) or asks to stay live.
            if let Ok((Message::Live { .. }, _)) = frames::read(&mut recv, CLOSE_GRACE).await {
                let stats = session.stats().clone();
                let _ = shared.sessions.send(SessionReport {
                    peer,
                    group: Some(group.id()),
                    initiated: false,
                    outcome: Ok(stats.clone()),
                });
                live::run(group.clone(), peer, send, recv).await;
                return Ok(None);
            }
            let _ = send.finish();
            let _ = tokio::time::timeout(CLOSE_GRACE, conn.closed()).await;
            return Ok(Some((group, session.stats().clone())));
        }
    }
}
