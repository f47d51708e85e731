//! Meeting mode: for a limited time, this device announces itself on the local network by mDNS
//! and finds the member devices of its groups there — no ticket, no relay, no directory.
//!
//! It is off unless asked for, and turns itself off after its time limit (at most
//! [`MAX_MEETING`]) or when its handle is dropped. What goes on the air, per group: a PTR record
//! for the service `_groundwork._udp.local.`, an instance named by a rotating token (see
//! [`MeetingKey`]), an SRV record with the node's port and A records with the IPv4 addresses
//! the node is bound on. No device key, group id or group name is announced, so a stranger on
//! the Wi-Fi cannot follow a device from one meeting to the next; members compute the tokens of
//! every member device of their groups for the previous, current and next ten-minute epoch and
//! map what they hear back to devices. Unknown tokens are dropped at once.
//!
//! A discovered member's addresses are added to what this device remembers about it (never
//! replacing it: a token can be replayed by anyone who heard it, with other addresses, within
//! its epoch) and reported as [`Discovered`]; the caller then syncs, which authenticates the
//! peer by its key as always.
//!
//! The mDNS crate is `swarm-discovery`, not `mdns-sd`: it lets us choose the instance name and
//! the addresses, and names the address records after the instance (`<token>-<port>.local.`),
//! whereas `mdns-sd` announces a host name (usually the machine's, a stable identifier) and runs
//! a thread of its own; `swarm-discovery` runs on our tokio runtime and is what iroh's own mDNS
//! lookup builds on. iroh's mDNS lookup itself is not used: it announces the permanent endpoint
//! id.

mod syncing;
mod token;

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, SystemTime};

use groundwork_proto::membership::DeviceId;
use iroh::Endpoint;
use swarm_discovery::{Discoverer, DropGuard, IpClass, Peer};
use tokio::sync::{broadcast, mpsc};
use tokio::task::JoinHandle;

use super::{Node, NodeError, blocking};
use crate::group::Group;
use crate::ids::GroupId;
pub use syncing::{Meeting, MeetingEvent};
use token::TokenTable;
pub use token::{EPOCH_SECS, MeetingKey, TOKEN_CHARS, epoch_at};

/// The mDNS service name (`_groundwork._udp.local.`). It says that a Groundwork device is
/// present, not which one.
pub const MEETING_SERVICE: &str = "groundwork";
/// The longest meeting mode runs; longer limits are cut to this.
pub const MAX_MEETING: Duration = Duration::from_secs(4 * 3600);
/// The most groups announced at once (one mDNS instance each).
pub const MAX_MEETING_GROUPS: usize = 16;
/// A record with more addresses than this is ignored whole: nobody honest has that many.
const MAX_RECORD_ADDRS: usize = 16;
/// The most of this node's addresses announced.
const MAX_ANNOUNCED_ADDRS: usize = 8;
/// The most addresses remembered for one device (what `remember_peer` keeps).
const MAX_REMEMBERED_ADDRS: usize = 16;
/// How often the epoch and this node's addresses are checked.
const CHECK_EVERY: Duration = Duration::from_secs(2);
/// Discoveries waiting for the meeting task; more are dropped (the peer is heard again soon).
const FOUND_QUEUE: usize = 64;

/// A member device found on the local network.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Discovered {
    pub group: GroupId,
    pub device: DeviceId,
    /// Where it says it listens (IPv4, as many as it announced up to a bound).
    pub addrs: Vec<SocketAddr>,
}

/// Why meeting mode could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MeetingError {
    #[error("meeting mode needs at least one group")]
    NoGroups,
    #[error("meeting mode announces at most {max} groups at once")]
    TooManyGroups { max: usize },
    #[error("this device is not a member of group {0}")]
    NotAMember(GroupId),
    #[error("could not start mDNS on the local network: {0}")]
    Mdns(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// Meeting mode, running. Dropping it (or [`MeetingMode::stop`]) stops announcing at once; it
/// also stops by itself at its time limit.
#[must_use = "dropping MeetingMode stops announcing"]
pub struct MeetingMode {
    task: JoinHandle<()>,
    /// Handed out by the first `discovered()` call, so nothing found before it is lost.
    first: Mutex<Option<broadcast::Receiver<Discovered>>>,
    /// Kept only to subscribe later callers.
    events: broadcast::Receiver<Discovered>,
    until: SystemTime,
}

impl MeetingMode {
    /// Member devices as they are found (again when their addresses change). The first call
    /// also gets those found since meeting mode started; later calls get those found from then
    /// on. The channel closes when meeting mode ends.
    pub fn discovered(&self) -> broadcast::Receiver<Discovered> {
        self.first
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
            .unwrap_or_else(|| self.events.resubscribe())
    }

    /// When meeting mode ends by itself.
    pub fn until(&self) -> SystemTime {
        self.until
    }

    /// Whether it is still announcing.
    pub fn is_running(&self) -> bool {
        !self.task.is_finished()
    }

    /// Stops announcing now.
    pub fn stop(self) {}
}

impl Drop for MeetingMode {
    fn drop(&mut self) {
        // The task owns the mDNS guards; aborting it drops them, which stops their actors.
        self.task.abort();
    }
}

impl Node {
    /// Starts meeting mode for `groups` for `limit` (cut to [`MAX_MEETING`]): this device
    /// announces a rotating id per group on the local network and reports member devices it
    /// finds (see the module docs for what is announced).
    pub async fn meeting_mode(
        &self,
        groups: &[Group],
        limit: Duration,
    ) -> Result<MeetingMode, NodeError> {
        if groups.is_empty() {
            return Err(MeetingError::NoGroups.into());
        }
        if groups.len() > MAX_MEETING_GROUPS {
            return Err(MeetingError::TooManyGroups {
                max: MAX_MEETING_GROUPS,
            }
            .into());
        }
        let limit = limit.min(MAX_MEETING);
        let me = self.shared.repo.device();
        let list = groups.to_vec();
        let keyed = blocking(move || -> Result<Vec<(Group, MeetingKey)>, NodeError> {
            let mut out = Vec::new();
            for g in list {
                if !g.members()?.is_member(&me) {
                    return Err(MeetingError::NotAMember(g.id()).into());
                }
                let key = MeetingKey::derive(&g.genesis_op()?);
                out.push((g, key));
            }
            Ok(out)
        })
        .await??;
        let (found_tx, found_rx) = mpsc::channel(FOUND_QUEUE);
        let mut announcer = Announcer {
            endpoint: self.router.endpoint().clone(),
            me,
            groups: keyed,
            table: Arc::new(RwLock::new(TokenTable::default())),
            found: found_tx,
            guards: Vec::new(),
            epoch: None,
            addrs: Vec::new(),
        };
        let epoch = epoch_at(SystemTime::now());
        announcer.refresh_table(epoch).await?;
        // Started here, not in the task, so that a failure to use mDNS is the caller's error.
        announcer.announce(epoch, announce_addrs(&announcer.endpoint))?;
        let (events_tx, events) = broadcast::channel(64);
        let deadline = tokio::time::Instant::now() + limit;
        let task = tokio::spawn(run(announcer, events_tx, found_rx, deadline));
        Ok(MeetingMode {
            task,
            first: Mutex::new(Some(events.resubscribe())),
            events,
            until: SystemTime::now() + limit,
        })
    }
}

/// What the meeting task owns: the mDNS instances and the table that recognises members.
struct Announcer {
    endpoint: Endpoint,
    me: DeviceId,
    groups: Vec<(Group, MeetingKey)>,
    /// Read by the mDNS callback, which runs on swarm-discovery's actor; never held across an
    /// await.
    table: Arc<RwLock<TokenTable>>,
    found: mpsc::Sender<Discovered>,
    /// One per group; dropping one stops that instance.
    guards: Vec<DropGuard>,
    epoch: Option<u64>,
    addrs: Vec<SocketAddr>,
}

impl Announcer {
    /// Recomputes the member tokens for the epochs around `epoch` (members may have changed).
    async fn refresh_table(&mut self, epoch: u64) -> Result<(), NodeError> {
        let me = self.me;
        let groups: Vec<(Group, MeetingKey)> = self.groups.clone();
        let table = blocking(move || -> Result<TokenTable, NodeError> {
            let mut table = TokenTable::default();
            for (g, key) in &groups {
                let devices: Vec<DeviceId> = g
                    .members()?
                    .members
                    .into_keys()
                    .filter(|d| *d != me)
                    .collect();
                // The next epoch too: a peer whose clock runs a little ahead.
                let epochs = [epoch.saturating_sub(1), epoch, epoch.saturating_add(1)];
                table.add(g.id(), key, &devices, epochs);
            }
            Ok(table)
        })
        .await??;
        *self.table.write().unwrap_or_else(|p| p.into_inner()) = table;
        Ok(())
    }

    /// (Re)starts one mDNS instance per group with this epoch's token and these addresses.
    fn announce(&mut self, epoch: u64, addrs: Vec<SocketAddr>) -> Result<(), MeetingError> {
        // The old instances go first, so that no two tokens of one group are on the air.
        self.guards.clear();
        let handle = tokio::runtime::Handle::current();
        let interfaces: Vec<Ipv4Addr> = addrs
            .iter()
            .filter_map(|a| match a.ip() {
                IpAddr::V4(ip) => Some(ip),
                IpAddr::V6(_) => None,
            })
            .collect();
        let mut guards = Vec::new();
        for (i, (_, key)) in self.groups.iter().enumerate() {
            let token = key.token(&self.me, epoch);
            let mut d = Discoverer::new_interactive(MEETING_SERVICE.to_owned(), token)
                // The node listens on IPv4 only.
                .with_ip_class(IpClass::V4Only)
                // Only the interfaces the node is bound on (by default the crate would use the
                // default route's interface, which may not be the meeting's network).
                .with_multicast_interfaces_v4(interfaces.clone());
            let mut by_port: HashMap<u16, Vec<IpAddr>> = HashMap::new();
            for a in &addrs {
                by_port.entry(a.port()).or_default().push(a.ip());
            }
            for (port, ips) in by_port {
                d = d.with_addrs(port, ips);
            }
            // Every instance hears every announcement; one listener is enough.
            if i == 0 {
                d = d.with_callback(self.callback());
            }
            guards.push(
                d.spawn(&handle)
                    .map_err(|e| MeetingError::Mdns(Box::new(e)))?,
            );
        }
        self.guards = guards;
        self.epoch = Some(epoch);
        self.addrs = addrs;
        Ok(())
    }

    /// Runs on swarm-discovery's actor for each record heard: recognises member tokens and
    /// queues them; everything else is dropped here, before it costs anything more.
    fn callback(&self) -> impl FnMut(&str, &Peer) + Send + 'static {
        let table = self.table.clone();
        let found = self.found.clone();
        let me = self.me;
        move |token: &str, peer: &Peer| {
            if peer.is_expiry() || peer.addrs().len() > MAX_RECORD_ADDRS {
                return;
            }
            let known = table
                .read()
                .unwrap_or_else(|p| p.into_inner())
                .lookup(token);
            let Some((group, device)) = known else { return };
            if device == me {
                return;
            }
            let mut addrs: Vec<SocketAddr> = peer
                .addrs()
                .iter()
                .map(|(ip, port)| SocketAddr::new(*ip, *port))
                .filter(usable)
                .collect();
            addrs.sort();
            addrs.dedup();
            if addrs.is_empty() {
                return;
            }
            // Full queue: drop it; the peer answers the next query again.
            let _ = found.try_send(Discovered {
                group,
                device,
                addrs,
            });
        }
    }
}

/// The meeting task: keeps the announcement current, reports new finds, ends at the deadline.
async fn run(
    mut announcer: Announcer,
    events: broadcast::Sender<Discovered>,
    mut found: mpsc::Receiver<Discovered>,
    deadline: tokio::time::Instant,
) {
    let groups: HashMap<GroupId, Group> = announcer
        .groups
        .iter()
        .map(|(g, _)| (g.id(), g.clone()))
        .collect();
    // What was last reported per device: bounded by the table, as only members get here.
    let mut reported: HashMap<(GroupId, DeviceId), Vec<SocketAddr>> = HashMap::new();
    let mut check = tokio::time::interval(CHECK_EVERY);
    check.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = tokio::time::sleep_until(deadline) => break,
            _ = check.tick() => {
                let epoch = epoch_at(SystemTime::now());
                let addrs = announce_addrs(&announcer.endpoint);
                let new_epoch = announcer.epoch != Some(epoch);
                if new_epoch && let Err(e) = announcer.refresh_table(epoch).await {
                    tracing::warn!(error = %e, "meeting mode: could not read the members");
                }
                if (new_epoch || addrs != announcer.addrs)
                    && let Err(e) = announcer.announce(epoch, addrs)
                {
                    tracing::warn!(error = %e, "meeting mode: could not announce");
                }
            }
            Some(d) = found.recv() => {
                let key = (d.group, d.device);
                if reported.get(&key) == Some(&d.addrs) {
                    continue;
                }
                if let Some(g) = groups.get(&d.group) {
                    let (g, device, addrs) = (g.clone(), d.device, d.addrs.clone());
                    match blocking(move || remember(&g, device, &addrs)).await {
                        Ok(Ok(())) => {}
                        Ok(Err(e)) => tracing::warn!(error = %e, "meeting mode: could not remember a peer"),
                        Err(e) => tracing::warn!(error = %e, "meeting mode: could not remember a peer"),
                    }
                }
                tracing::info!(device = %d.device, addrs = ?d.addrs, "meeting mode: found a member device");
                reported.insert(key, d.addrs.clone());
                // Nobody listening is fine: the address is remembered either way.
                let _ = events.send(d);
            }
        }
    }
    // Stop announcing before saying so.
    drop(announcer);
    tracing::info!("meeting mode ended: its time limit was reached");
}

/// Adds freshly announced addresses in front of those already remembered (never replacing
/// them: an announced token can be replayed with other addresses within its epoch).
fn remember(group: &Group, device: DeviceId, addrs: &[SocketAddr]) -> crate::error::Result<()> {
    let known = group
        .known_peers()?
        .into_iter()
        .find(|(d, _)| *d == device)
        .map(|(_, a)| a)
        .unwrap_or_default();
    let mut merged: Vec<SocketAddr> = Vec::new();
    // At most as many new ones as an honest node announces, so a record with many addresses
    // cannot push out every address that worked before.
    for a in addrs.iter().take(MAX_ANNOUNCED_ADDRS).chain(known.iter()) {
        if !merged.contains(a) {
            merged.push(*a);
        }
    }
    merged.truncate(MAX_REMEMBERED_ADDRS);
    group.remember_peer(device, &merged)
}

/// Whether an announced address is one the node could dial (IPv4, like the node).
fn usable(a: &SocketAddr) -> bool {
    match a.ip() {
        IpAddr::V4(ip) => {
            a.port() != 0 && !ip.is_unspecified() && !ip.is_multicast() && !ip.is_broadcast()
        }
        IpAddr::V6(_) => false,
    }
}

/// The addresses to announce: the sockets the node is bound on, or, when bound to every
/// interface, the interfaces' addresses except loopback (a meeting's peers are elsewhere).
fn announce_addrs(endpoint: &Endpoint) -> Vec<SocketAddr> {
    let mut out = Vec::new();
    for bound in endpoint.bound_sockets() {
        if !bound.is_ipv4() {
            continue;
        }
        if bound.ip().is_unspecified() {
            out.extend(
                endpoint
                    .addr()
                    .ip_addrs()
                    .filter(|a| a.is_ipv4() && !a.ip().is_loopback() && !a.ip().is_unspecified())
                    .copied(),
            );
        } else {
            out.push(bound);
        }
    }
    out.sort();
    out.dedup();
    out.truncate(MAX_ANNOUNCED_ADDRS);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Repo;
    use groundwork_proto::membership::{Grant, Role};

    #[test]
    fn announced_addresses_are_added_in_front_never_replacing_known_ones() {
        let repo = Repo::open_in_memory().expect("store");
        let g = repo.create_group("Local 12").expect("group");
        let peer = DeviceId([9; 32]);
        g.add_device(peer, "b", Role::Member, Grant::everything())
            .expect("admit");
        let old: SocketAddr = "192.168.1.20:4433".parse().expect("addr");
        let new: SocketAddr = "10.0.0.7:5000".parse().expect("addr");
        g.remember_peer(peer, &[old]).expect("remember");
        // A replayed token with an attacker's address does not make the good one unreachable.
        remember(&g, peer, &[new]).expect("merge");
        remember(&g, peer, &[new]).expect("merge again");
        let known = g.known_peers().expect("peers");
        assert_eq!(known, vec![(peer, vec![new, old])]);
        let many: Vec<SocketAddr> = (1..40u16)
            .map(|p| SocketAddr::from(([10, 0, 0, 1], p)))
            .collect();
        remember(&g, peer, &many).expect("merge");
        let known = &g.known_peers().expect("peers")[0].1;
        assert!(known.len() <= MAX_REMEMBERED_ADDRS);
        assert!(known.contains(&old), "{known:?}");
    }

    #[test]
    fn only_dialable_ipv4_addresses_are_used() {
        let ok: SocketAddr = "10.1.2.3:4433".parse().expect("addr");
        assert!(usable(&ok));
        for bad in [
            "0.0.0.0:4433",
            "10.1.2.3:0",
            "224.0.0.251:5353",
            "255.255.255.255:1",
            "[::1]:4433",
        ] {
            assert!(!usable(&bad.parse().expect("addr")), "{bad}");
        }
    }
}
