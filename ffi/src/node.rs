//! This device on the network: invites, joining, syncing, and what the last sessions did.
//!
//! The node talks only to the group's own devices, at addresses from tickets and earlier syncs
//! (no relay, no directory, unless the group set a relay it hosts). All its work runs on this
//! crate's runtime; `shutdown` stops it (dropping the last reference does too, less gracefully).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use groundwork_core::Repo;
use groundwork_core::ids::{ContactId, UnitId};
use groundwork_core::node::{self as core_node, MeetingEvent, NodeConfig, SessionReport};
use groundwork_core::proto::invite::Ticket;
use groundwork_core::proto::membership as pm;
use groundwork_core::sync as core_sync;
use tokio::sync::{broadcast, oneshot};

use crate::error::{GroundworkError, Result};
use crate::events::{MeetingListener, SubscriptionHandle, SyncListener};
use crate::group::{Group, Role, device_id_from};
use crate::model::parse;
use crate::runtime;

/// Where and how the node listens.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct NodeOptions {
    /// The IPv4 address and UDP port to bind: `0.0.0.0:0` (the default) listens on every
    /// interface at a free port (a meeting's Wi-Fi); `127.0.0.1:0` stays on this machine.
    #[uniffi(default = "0.0.0.0:0")]
    pub bind: String,
    /// A relay the group hosts itself (an iroh-relay URL), if any. Nothing else is contacted.
    #[uniffi(default)]
    pub relay_url: Option<String>,
}

/// Which records a member device may see and write.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Grant {
    pub everything: bool,
    /// Terrain units (with the units below them).
    #[uniffi(default)]
    pub units: Vec<String>,
    /// Single contacts.
    #[uniffi(default)]
    pub contacts: Vec<String>,
}

/// What an invite admits.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct InviteOptions {
    /// How long the invite works, in seconds (at most 600, at least 1).
    #[uniffi(default = 600)]
    pub validity_secs: u32,
    /// `None`: a member.
    #[uniffi(default)]
    pub role: Option<Role>,
    /// `None`: everything (an admin always sees everything).
    #[uniffi(default)]
    pub grant: Option<Grant>,
}

/// A device that joined through an invite: both screens show `fingerprint` for people to compare.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct JoinedDevice {
    pub device_id: String,
    pub name: String,
    pub fingerprint: String,
}

/// The group this device joined: open it with `GroundworkStore.group(group_id)`.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct JoinedGroup {
    pub group_id: String,
    pub group_name: String,
    /// This device's fingerprint, as the inviter's screen shows it.
    pub fingerprint: String,
}

/// What a sync session did.
#[derive(Debug, Clone, Default, PartialEq, Eq, uniffi::Record)]
pub struct SyncStats {
    pub round_trips: u32,
    pub messages_sent: u32,
    pub bytes_sent: u64,
    pub bytes_received: u64,
    /// Records that differed.
    pub differing: u32,
    pub docs_received: u32,
    pub changes_received: u32,
    pub docs_sent: u32,
    pub changes_sent: u32,
}

/// A finished sync session.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SyncReport {
    pub peer_device_id: String,
    pub group_id: Option<String>,
    /// This device started the session.
    pub initiated: bool,
    /// When the session ended, by this device's clock.
    pub at_ms: i64,
    /// `None` when the session failed (see `error`).
    pub stats: Option<SyncStats>,
    pub error: Option<String>,
}

/// The outcome of syncing with one peer.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct PeerSyncOutcome {
    pub device_id: String,
    pub stats: Option<SyncStats>,
    pub error: Option<String>,
}

/// A member device this one knows how to reach.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct PeerStatus {
    pub device_id: String,
    pub name: String,
    /// Where it was last reached.
    pub addresses: Vec<String>,
    /// The last session with it since the node started, if any.
    pub last_session: Option<SyncReport>,
}

/// Where the node listens and how its peers stand, for one group.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SyncStatus {
    pub listening: Vec<String>,
    pub peers: Vec<PeerStatus>,
}

/// This device on the network. Start it with `GroundworkStore.start_node`.
#[derive(uniffi::Object)]
pub struct Node {
    repo: Repo,
    config: NodeConfig,
    /// `None` while paused (or after `shutdown`).
    running: Mutex<Option<Running>>,
    /// The last session report per peer, kept by each running node's tracker (and across a pause).
    last: Arc<Mutex<HashMap<pm::DeviceId, SyncReport>>>,
    /// Every running node's session reports, forwarded by its tracker: a subscription outlives
    /// a pause.
    sessions: broadcast::Sender<SessionReport>,
}

/// The endpoint while the node runs, and the task that records its sessions.
struct Running {
    node: core_node::Node,
    tracker: tokio::task::JoinHandle<()>,
}

impl Running {
    async fn start(
        repo: Repo,
        config: NodeConfig,
        last: Arc<Mutex<HashMap<pm::DeviceId, SyncReport>>>,
        sessions: broadcast::Sender<SessionReport>,
    ) -> Result<Self> {
        let node =
            runtime::run(async move { Ok(core_node::Node::spawn(repo, config).await?) }).await?;
        let tracker = runtime::handle().spawn(track(node.sessions(), last, sessions));
        Ok(Self { node, tracker })
    }

    /// Stops the tracker and closes the endpoint cleanly for the peers.
    async fn stop(self) {
        self.tracker.abort();
        let node = self.node;
        let _ = runtime::run(async move {
            node.shutdown().await;
            Ok(())
        })
        .await;
    }
}

impl Node {
    pub(crate) async fn start(repo: Repo, options: NodeOptions) -> Result<Arc<Self>> {
        let bind: SocketAddr = options.bind.trim().parse().map_err(|_| {
            GroundworkError::invalid(format!("bind: {:?} is not an IP:port", options.bind))
        })?;
        let config = NodeConfig {
            bind,
            relay_url: options.relay_url,
        };
        let last = Arc::new(Mutex::new(HashMap::new()));
        let (sessions, _) = broadcast::channel(256);
        let running =
            Running::start(repo.clone(), config.clone(), last.clone(), sessions.clone()).await?;
        Ok(Arc::new(Self {
            repo,
            config,
            running: Mutex::new(Some(running)),
            last,
            sessions,
        }))
    }

    /// Closes the endpoint and starts it again with `relay` besides what it had: a node that
    /// started without any relay has no relay transport to add one to. The group's settings
    /// hold the relay once joined, so later starts find it there.
    async fn restart_with_relay(&self, relay: String) -> Result<()> {
        let config = NodeConfig {
            relay_url: self.config.relay_url.clone().or(Some(relay)),
            ..self.config.clone()
        };
        self.pause().await;
        let running = Running::start(
            self.repo.clone(),
            config,
            self.last.clone(),
            self.sessions.clone(),
        )
        .await?;
        self.install(running).await;
        Ok(())
    }

    /// Makes `running` the node's endpoint, unless a concurrent start already put one there:
    /// then the new one is stopped and the first kept.
    async fn install(&self, running: Running) {
        let lost = {
            let mut slot = self.running.lock().unwrap_or_else(|p| p.into_inner());
            match *slot {
                None => {
                    *slot = Some(running);
                    None
                }
                Some(_) => Some(running),
            }
        };
        if let Some(extra) = lost {
            extra.stop().await;
        }
    }

    /// The running endpoint, or `Network` while the node is paused.
    fn node(&self) -> Result<core_node::Node> {
        self.running
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
            .map(|r| r.node.clone())
            .ok_or_else(|| GroundworkError::Network {
                message: "the node is paused: resume it first".into(),
            })
    }

    fn take_running(&self) -> Option<Running> {
        self.running
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        if let Some(running) = self.take_running() {
            // The router aborts its tasks when its last handle goes; shutting down first closes
            // the endpoint cleanly for the peers.
            runtime::handle().spawn(running.stop());
        }
    }
}

#[uniffi::export(async_runtime = "tokio")]
impl Node {
    /// This device's id (the same as the store's).
    pub fn device_id(&self) -> String {
        self.repo.device_id()
    }

    /// The `IP:port` sockets the node listens on (none while paused).
    pub fn addresses(&self) -> Vec<String> {
        self.node()
            .map(|n| n.bound_sockets().iter().map(ToString::to_string).collect())
            .unwrap_or_default()
    }

    /// The relays the node uses: those its groups host (from their settings, or learnt from an
    /// invite ticket), and the one in its options. Empty when no group hosts one: the node then
    /// contacts nothing but member devices. None while paused.
    pub fn relays(&self) -> Vec<String> {
        self.node().map(|n| n.relays()).unwrap_or_default()
    }

    /// Makes an invite to `group` (this device must be an admin). It works once, until it
    /// expires; show its QR payload and ticket, then `wait_joined`.
    pub fn create_invite(&self, group: Arc<Group>, options: InviteOptions) -> Result<Arc<Invite>> {
        let role: pm::Role = options.role.unwrap_or(Role::Member).into();
        let grant = match options.grant {
            None => pm::Grant::everything(),
            Some(g) => g.try_into()?,
        };
        let validity = Duration::from_secs(u64::from(options.validity_secs));
        let _rt = runtime::handle().enter();
        let invite = self.node()?.invite(&group.inner, validity, role, grant)?;
        Ok(Arc::new(Invite {
            addresses: invite
                .ticket
                .addrs
                .iter()
                .map(ToString::to_string)
                .collect(),
            group_name: invite.ticket.group_name.clone(),
            expires_at_ms: invite.ticket.expires_at_ms,
            text: invite.text,
            joined: Mutex::new(Some(invite.joined)),
        }))
    }

    /// Joins a group with an invite ticket (typed, or read from the QR code): proves the invite
    /// to the inviter, receives the group's membership, then syncs its records from the inviter.
    /// `device_name` is how the group's member list shows this device.
    pub async fn join(&self, ticket: String, device_name: String) -> Result<JoinedGroup> {
        // A ticket from a group that runs a relay, on a node started with none (no group it
        // holds had one): start the endpoint again with that relay, so the join can go through it.
        if let Ok(t) = Ticket::parse(&ticket, chrono::Utc::now().timestamp_millis())
            && let Some(relay) = t.relay
            && self.node()?.relays().is_empty()
        {
            self.restart_with_relay(relay).await?;
        }
        let node = self.node()?;
        runtime::run(async move {
            let (group, fingerprint) = node.join(&ticket, &device_name).await?;
            let g = group.clone();
            let group_name = runtime::blocking(move || Ok(g.members()?.name)).await?;
            Ok(JoinedGroup {
                group_id: group.id().to_string(),
                group_name,
                fingerprint,
            })
        })
        .await
    }

    /// Syncs `group` once with the member device `peer_device_id` at `addresses` (`IP:port`).
    pub async fn sync_now(
        &self,
        group: Arc<Group>,
        peer_device_id: String,
        addresses: Vec<String>,
    ) -> Result<SyncStats> {
        let peer = endpoint_addr(&peer_device_id, &addresses)?;
        let node = self.node()?;
        let group = group.inner.clone();
        runtime::run(async move { Ok(node.sync_with(&group, peer).await?.into()) }).await
    }

    /// Syncs `group` with the member device at `addresses`, then keeps the connection open: from
    /// then on each side's edits reach the other as they are made (and fire its subscriptions),
    /// until the returned link is stopped or dropped, or the connection ends.
    pub async fn go_live(
        &self,
        group: Arc<Group>,
        peer_device_id: String,
        addresses: Vec<String>,
    ) -> Result<Arc<LiveLink>> {
        let peer = endpoint_addr(&peer_device_id, &addresses)?;
        let node = self.node()?;
        let group = group.inner.clone();
        let link = runtime::run(async move { Ok(node.go_live(&group, peer).await?.1) }).await?;
        Ok(Arc::new(LiveLink {
            inner: Mutex::new(Some(link)),
        }))
    }

    /// Syncs `group` once with every member device whose address this device knows (from the
    /// invite and earlier syncs); one outcome per peer.
    pub async fn sync_known_peers(&self, group: Arc<Group>) -> Result<Vec<PeerSyncOutcome>> {
        let node = self.node()?;
        let group = group.inner.clone();
        runtime::run(async move {
            let outcomes = node.sync_known_peers(&group).await?;
            Ok(outcomes
                .into_iter()
                .map(|(device, result)| PeerSyncOutcome {
                    device_id: device.to_string(),
                    stats: result.as_ref().ok().cloned().map(Into::into),
                    error: result.err().map(|e| GroundworkError::from(e).to_string()),
                })
                .collect())
        })
        .await
    }

    /// Where the node listens, the group's member devices it knows how to reach, and the last
    /// session with each since the node started.
    pub fn sync_status(&self, group: Arc<Group>) -> Result<SyncStatus> {
        let members = group.inner.members()?;
        let peers = group.inner.known_peers()?;
        let last = self.last.lock().unwrap_or_else(|p| p.into_inner());
        Ok(SyncStatus {
            listening: self.addresses(),
            peers: peers
                .into_iter()
                .map(|(device, addrs)| PeerStatus {
                    device_id: device.to_string(),
                    name: members
                        .members
                        .get(&device)
                        .map(|m| m.name.clone())
                        .unwrap_or_default(),
                    addresses: addrs.iter().map(ToString::to_string).collect(),
                    last_session: last.get(&device).cloned(),
                })
                .collect(),
        })
    }

    /// Calls `listener` after each sync session (started here or by a peer), from now on, until
    /// the handle is cancelled or dropped.
    pub fn subscribe_sync(&self, listener: Arc<dyn SyncListener>) -> Arc<SubscriptionHandle> {
        let mut rx = self.sessions.subscribe();
        SubscriptionHandle::spawn(async move {
            loop {
                let next = match rx.recv().await {
                    Ok(r) => report(r),
                    Err(broadcast::error::RecvError::Lagged(_)) => continue,
                    Err(broadcast::error::RecvError::Closed) => return,
                };
                let listener = listener.clone();
                match tokio::task::spawn_blocking(move || listener.on_session(next)).await {
                    Ok(Ok(())) => {}
                    Ok(Err(e)) => {
                        tracing::warn!(error = %e, "a sync listener failed; its subscription ends");
                        return;
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "a sync listener panicked; its subscription ends");
                        return;
                    }
                }
            }
        })
    }

    /// Meeting mode for `groups`, for `minutes` (at most 240): this device announces itself on
    /// the local network (an id only members recognise), and syncs each group once with every
    /// member device it finds. The listener hears each find, each sync's outcome, and the end.
    /// Hold the Wi-Fi multicast lock meanwhile on Android. Cancelling or dropping the handle
    /// stops announcing and the syncs under way.
    pub async fn start_meeting(
        &self,
        groups: Vec<Arc<Group>>,
        minutes: u32,
        listener: Arc<dyn MeetingListener>,
    ) -> Result<Arc<SubscriptionHandle>> {
        if minutes == 0 {
            return Err(GroundworkError::invalid("minutes: at least 1"));
        }
        let groups: Vec<groundwork_core::Group> = groups.iter().map(|g| g.inner.clone()).collect();
        let node = self.node()?;
        let limit = Duration::from_secs(u64::from(minutes) * 60);
        let mut meeting = runtime::run(async move { Ok(node.meet(&groups, limit).await?) }).await?;
        Ok(SubscriptionHandle::spawn(async move {
            while !meeting.is_over() {
                let event = meeting.next().await;
                let listener = listener.clone();
                let told = tokio::task::spawn_blocking(move || match event {
                    MeetingEvent::Found(d) => {
                        listener.on_found(d.group.to_string(), d.device.to_string())
                    }
                    MeetingEvent::Synced(r) => listener.on_synced(report(r)),
                    MeetingEvent::Ended => listener.on_ended(),
                })
                .await;
                if !matches!(told, Ok(Ok(()))) {
                    tracing::warn!("a meeting listener failed; meeting mode stops");
                    return;
                }
            }
        }))
    }

    /// Tells the node the network changed (call it on the platform's connectivity callback).
    /// Nothing to do while paused.
    pub async fn network_change(&self) {
        let Ok(node) = self.node() else { return };
        let _ = runtime::run(async move {
            node.network_change().await;
            Ok(())
        })
        .await;
    }

    /// Pauses the node when the app goes to the background: closes the endpoint cleanly (peers
    /// see it leave; live links and meeting mode end) and frees its sockets. Calls that need
    /// the network are `Network` until `resume`; sync subscriptions stay. Safe to call twice.
    pub async fn pause(&self) {
        if let Some(running) = self.take_running() {
            running.stop().await;
        }
    }

    /// Starts the node again after `pause` (or `shutdown`), with the options it was started
    /// with; a new port is picked when it was `0`. Peers reach it at the addresses it now
    /// announces (sync with them, or meet). Does nothing when it is running.
    pub async fn resume(&self) -> Result<()> {
        if self.node().is_ok() {
            return Ok(());
        }
        let running = Running::start(
            self.repo.clone(),
            self.config.clone(),
            self.last.clone(),
            self.sessions.clone(),
        )
        .await?;
        self.install(running).await;
        Ok(())
    }

    /// Stops serving and closes the endpoint (as `pause`). Safe to call twice.
    pub async fn shutdown(&self) {
        self.pause().await;
    }
}

/// An open live link to one peer (see `Node.go_live`). Stopping or dropping it closes the link.
#[derive(uniffi::Object)]
pub struct LiveLink {
    inner: Mutex<Option<core_node::LiveLink>>,
}

#[uniffi::export]
impl LiveLink {
    /// Closes the link. Safe to call twice.
    pub fn stop(&self) {
        let link = self.inner.lock().unwrap_or_else(|p| p.into_inner()).take();
        // Closing the connection happens in the link's drop, inside the runtime.
        let _rt = runtime::handle().enter();
        drop(link);
    }

    /// Whether the link is still open (false once stopped, or once either side ended it).
    pub fn is_open(&self) -> bool {
        self.inner
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
            .is_some_and(|l| l.is_open())
    }
}

impl Drop for LiveLink {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A live invite. Show `qr_payload` as a QR code and `ticket` as text; `wait_joined` resolves
/// when a device joins with it.
#[derive(uniffi::Object)]
pub struct Invite {
    text: String,
    group_name: String,
    expires_at_ms: i64,
    addresses: Vec<String>,
    joined: Mutex<Option<oneshot::Receiver<core_node::Joined>>>,
}

#[uniffi::export(async_runtime = "tokio")]
impl Invite {
    /// The ticket as text, for the other device to paste (`gwinvite1…`).
    pub fn ticket(&self) -> String {
        self.text.clone()
    }

    /// What to encode in the QR code: the ticket text itself (a QR reader hands back exactly
    /// what `Node.join` takes). Lowercase base32, so byte mode; encode with error correction L.
    pub fn qr_payload(&self) -> String {
        self.text.clone()
    }

    /// The group's name, as the ticket carries it.
    pub fn group_name(&self) -> String {
        self.group_name.clone()
    }

    /// When the invite stops working.
    pub fn expires_at_ms(&self) -> i64 {
        self.expires_at_ms
    }

    /// The addresses the ticket gives for this device (`IP:port`).
    pub fn addresses(&self) -> Vec<String> {
        self.addresses.clone()
    }

    /// Waits until a device joins with this invite. `Network` if nobody joins before it expires;
    /// `Internal` if called a second time.
    pub async fn wait_joined(&self) -> Result<JoinedDevice> {
        let rx = self
            .joined
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
            .ok_or_else(|| GroundworkError::internal("wait_joined was already called"))?;
        let left = self.expires_at_ms - chrono::Utc::now().timestamp_millis();
        let left = Duration::from_millis(u64::try_from(left).unwrap_or(0));
        runtime::run(async move {
            match tokio::time::timeout(left, rx).await {
                Ok(Ok(j)) => Ok(JoinedDevice {
                    device_id: j.device.to_string(),
                    name: j.name,
                    fingerprint: j.fingerprint,
                }),
                Ok(Err(_)) => Err(GroundworkError::Network {
                    message: "the invite was withdrawn (its node stopped)".into(),
                }),
                Err(_) => Err(GroundworkError::Network {
                    message: "no device joined before the invite expired".into(),
                }),
            }
        })
        .await
    }
}

/// Keeps the last session report per peer.
async fn track(
    mut rx: broadcast::Receiver<SessionReport>,
    last: Arc<Mutex<HashMap<pm::DeviceId, SyncReport>>>,
    sessions: broadcast::Sender<SessionReport>,
) {
    loop {
        match rx.recv().await {
            Ok(r) => {
                let peer = r.peer;
                last.lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .insert(peer, report(r.clone()));
                // Nobody subscribed is fine.
                let _ = sessions.send(r);
            }
            Err(broadcast::error::RecvError::Lagged(_)) => continue,
            Err(broadcast::error::RecvError::Closed) => return,
        }
    }
}

fn report(r: SessionReport) -> SyncReport {
    let (stats, error) = match r.outcome {
        Ok(s) => (Some(s.into()), None),
        Err(e) => (None, Some(e)),
    };
    SyncReport {
        peer_device_id: r.peer.to_string(),
        group_id: r.group.map(|g| g.to_string()),
        initiated: r.initiated,
        at_ms: chrono::Utc::now().timestamp_millis(),
        stats,
        error,
    }
}

/// A peer's network address from its device id and `IP:port` strings.
fn endpoint_addr(device_id: &str, addresses: &[String]) -> Result<iroh::EndpointAddr> {
    let device = device_id_from(device_id)?;
    let key = device
        .key()
        .ok_or_else(|| GroundworkError::invalid("device id: not a device key"))?;
    if addresses.len() > 32 {
        return Err(GroundworkError::invalid("addresses: at most 32"));
    }
    let mut addr = iroh::EndpointAddr::new(key);
    for a in addresses {
        let a: SocketAddr = a
            .trim()
            .parse()
            .map_err(|_| GroundworkError::invalid(format!("address: {a:?} is not an IP:port")))?;
        addr = addr.with_ip_addr(a);
    }
    Ok(addr)
}

impl Grant {
    pub(crate) fn everything() -> Self {
        Self {
            everything: true,
            units: Vec::new(),
            contacts: Vec::new(),
        }
    }
}

impl From<pm::Grant> for Grant {
    fn from(g: pm::Grant) -> Self {
        Self {
            everything: g.everything,
            units: g.units.iter().map(hex::encode).collect(),
            contacts: g.contacts.iter().map(hex::encode).collect(),
        }
    }
}

impl TryFrom<Grant> for pm::Grant {
    type Error = GroundworkError;
    fn try_from(g: Grant) -> Result<Self> {
        crate::model::bounded("units", &g.units)?;
        crate::model::bounded("contacts", &g.contacts)?;
        Ok(Self {
            everything: g.everything,
            units: g
                .units
                .iter()
                .map(|u| parse::<UnitId>(u).map(|u| *u.as_bytes()))
                .collect::<Result<_>>()?,
            contacts: g
                .contacts
                .iter()
                .map(|c| parse::<ContactId>(c).map(|c| *c.as_bytes()))
                .collect::<Result<_>>()?,
        })
    }
}

impl From<core_sync::SyncStats> for SyncStats {
    fn from(s: core_sync::SyncStats) -> Self {
        Self {
            round_trips: s.round_trips,
            messages_sent: s.messages_sent,
            bytes_sent: s.bytes_sent,
            bytes_received: s.bytes_received,
            differing: s.differing,
            docs_received: s.docs_received,
            changes_received: s.changes_received,
            docs_sent: s.docs_sent,
            changes_sent: s.changes_sent,
        }
    }
}
