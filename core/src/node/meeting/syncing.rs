//! Meeting mode as a phone or laptop runs it: announce, and sync once with each member device
//! found (retrying a device still starting up), reporting both as events.

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::time::{Duration, SystemTime};

use groundwork_proto::membership::DeviceId;
use iroh::EndpointAddr;
use tokio::sync::broadcast::{self, error::RecvError};
use tokio::task::JoinSet;

use super::{Discovered, MeetingMode};
use crate::group::Group;
use crate::ids::GroupId;
use crate::node::{Node, NodeError, SessionReport};

/// Tries per discovered device: it may still be starting when first heard.
const SYNC_ATTEMPTS: u32 = 3;
const RETRY_PAUSE: Duration = Duration::from_secs(2);

/// Something a meeting did.
#[derive(Debug, Clone)]
pub enum MeetingEvent {
    /// A member device was heard on the local network; a sync with it has started (unless one
    /// already ran this meeting and succeeded).
    Found(Discovered),
    /// A sync with a device found finished (also when it could not connect at all).
    Synced(SessionReport),
    /// The time limit passed: this device is no longer announced.
    Ended,
}

/// Meeting mode with its syncs. Dropping it stops announcing and the syncs under way.
pub struct Meeting {
    /// Announcing stops when this is dropped.
    mode: MeetingMode,
    node: Node,
    found: broadcast::Receiver<Discovered>,
    syncs: JoinSet<SessionReport>,
    /// Devices synced, or being synced, per group: each once per meeting unless it failed.
    busy: HashSet<(GroupId, DeviceId)>,
    groups: HashMap<GroupId, Group>,
    ended: bool,
}

impl Node {
    /// Meeting mode for `groups` (see [`Node::meeting_mode`]) that syncs each group with every
    /// member device it finds.
    pub async fn meet(&self, groups: &[Group], limit: Duration) -> Result<Meeting, NodeError> {
        let mode = self.meeting_mode(groups, limit).await?;
        Ok(Meeting {
            found: mode.discovered(),
            mode,
            node: self.clone(),
            syncs: JoinSet::new(),
            busy: HashSet::new(),
            groups: groups.iter().map(|g| (g.id(), g.clone())).collect(),
            ended: false,
        })
    }
}

impl Meeting {
    /// When announcing stops.
    pub fn until(&self) -> SystemTime {
        self.mode.until()
    }

    /// The time limit passed and every sync it started has reported.
    pub fn is_over(&self) -> bool {
        self.ended && self.syncs.is_empty()
    }

    /// The next thing the meeting did; never resolves once it ended and its syncs are done.
    pub async fn next(&mut self) -> MeetingEvent {
        loop {
            tokio::select! {
                r = self.found.recv(), if !self.ended => match r {
                    Ok(d) => {
                        self.sync_with(&d);
                        return MeetingEvent::Found(d);
                    }
                    Err(RecvError::Lagged(_)) => continue,
                    Err(RecvError::Closed) => {
                        self.ended = true;
                        return MeetingEvent::Ended;
                    }
                },
                Some(r) = self.syncs.join_next(), if !self.syncs.is_empty() => match r {
                    Ok(report) => {
                        if report.outcome.is_err()
                            && let Some(g) = report.group
                        {
                            // Found again later (new addresses), it gets another try.
                            self.busy.remove(&(g, report.peer));
                        }
                        return MeetingEvent::Synced(report);
                    }
                    Err(e) => tracing::warn!(error = %e, "a meeting sync task failed"),
                },
                else => std::future::pending::<()>().await,
            }
        }
    }

    /// Starts a sync with a device found, unless one is done or under way.
    fn sync_with(&mut self, d: &Discovered) {
        let Some(group) = self.groups.get(&d.group).cloned() else {
            return;
        };
        if !self.busy.insert((d.group, d.device)) {
            return;
        }
        let Some(addr) = dial_addr(d.device, &d.addrs) else {
            tracing::warn!(device = %d.device, "a discovered member's key is not a valid endpoint id");
            return;
        };
        let (node, peer, gid) = (self.node.clone(), d.device, d.group);
        self.syncs.spawn(async move {
            let mut outcome = Err(String::new());
            for attempt in 0..SYNC_ATTEMPTS {
                if attempt > 0 {
                    tokio::time::sleep(RETRY_PAUSE).await;
                }
                outcome = node
                    .sync_with(&group, addr.clone())
                    .await
                    .map_err(|e| e.to_string());
                if outcome.is_ok() {
                    break;
                }
            }
            SessionReport {
                peer,
                group: Some(gid),
                initiated: true,
                outcome,
            }
        });
    }
}

fn dial_addr(device: DeviceId, addrs: &[SocketAddr]) -> Option<EndpointAddr> {
    let id = device.key()?;
    Some(
        addrs
            .iter()
            .fold(EndpointAddr::new(id), |addr, a| addr.with_ip_addr(*a)),
    )
}
