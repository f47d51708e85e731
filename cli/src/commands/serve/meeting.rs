//! `serve --meeting`: meeting mode on for a while, and a sync with each member device it finds.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use groundwork_core::node::{Discovered, MAX_MEETING_GROUPS, MeetingMode, Node, SessionReport};
use groundwork_core::proto::membership::DeviceId;
use groundwork_core::{Group, Repo, ids::GroupId};
use serde_json::json;
use tokio::sync::broadcast::{self, error::RecvError};
use tokio::task::JoinSet;

use crate::commands::net;
use crate::error::{CliError, Result};
use crate::output::{json_line, note, print_now, short_id};

/// Tries per discovered device: it may still be starting when first heard.
const SYNC_ATTEMPTS: u32 = 3;
const RETRY_PAUSE: Duration = Duration::from_secs(2);

/// Meeting mode as `serve` runs it.
pub(super) struct Meeting {
    /// Announcing stops when this is dropped.
    _mode: MeetingMode,
    found: broadcast::Receiver<Discovered>,
    syncs: JoinSet<SessionReport>,
    /// Devices synced, or being synced, per group: each once per meeting unless it failed.
    busy: HashSet<(GroupId, DeviceId)>,
    groups: HashMap<GroupId, Group>,
    ended: bool,
}

/// Something meeting mode did.
pub(super) enum Event {
    Found(Discovered),
    /// A sync with a device found (also when it could not connect at all).
    Synced(SessionReport),
    Ended,
}

impl Meeting {
    /// Turns meeting mode on for every group this device is a member of.
    pub(super) async fn start(
        node: &Node,
        repo: &Repo,
        limit: Duration,
        names: &HashMap<GroupId, String>,
        json: bool,
    ) -> Result<Meeting> {
        let me = repo.device();
        let mut groups = Vec::new();
        for (id, _) in repo.groups()? {
            let g = repo.group(id)?;
            if g.members()?.is_member(&me) {
                groups.push(g);
            }
        }
        if groups.is_empty() {
            return Err(CliError::user("meeting mode: this device is in no group")
                .hint("create one with `groundwork group create` or join with an invite"));
        }
        if groups.len() > MAX_MEETING_GROUPS {
            note(&format!(
                "note: meeting mode announces the first {MAX_MEETING_GROUPS} of {} groups",
                groups.len()
            ));
            groups.truncate(MAX_MEETING_GROUPS);
        }
        let mode = node.meeting_mode(&groups, limit).await?;
        let found = mode.discovered();
        let until = chrono::DateTime::<chrono::Utc>::from(mode.until());
        let group_names: Vec<String> = groups
            .iter()
            .map(|g| {
                names
                    .get(&g.id())
                    .cloned()
                    .unwrap_or_else(|| short_id(&g.id()))
            })
            .collect();
        if json {
            json_line(&json!({
                "event": "meeting",
                "until": net::rfc3339(until.timestamp_millis()),
                "groups": groups.iter().zip(&group_names).map(|(g, n)| json!({"id": g.id().to_string(), "name": n})).collect::<Vec<_>>(),
            }))?;
        } else {
            print_now(&format!(
                "Meeting mode until {}: announcing an id only members recognise, for {}",
                until.with_timezone(&chrono::Local).format("%H:%M:%S"),
                group_names.join(", ")
            ))?;
        }
        Ok(Meeting {
            _mode: mode,
            found,
            syncs: JoinSet::new(),
            busy: HashSet::new(),
            groups: groups.into_iter().map(|g| (g.id(), g)).collect(),
            ended: false,
        })
    }

    /// The next thing that happens; never resolves once meeting mode ended and its syncs are done.
    pub(super) async fn next(&mut self) -> Event {
        loop {
            tokio::select! {
                r = self.found.recv(), if !self.ended => match r {
                    Ok(d) => return Event::Found(d),
                    Err(RecvError::Lagged(_)) => continue,
                    Err(RecvError::Closed) => {
                        self.ended = true;
                        return Event::Ended;
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
                        return Event::Synced(report);
                    }
                    Err(e) => tracing::warn!(error = %e, "a meeting sync task failed"),
                },
                else => std::future::pending::<()>().await,
            }
        }
    }

    /// Prints a find and starts syncing with the device unless that is done or under way.
    pub(super) fn found(
        &mut self,
        node: &Node,
        d: &Discovered,
        names: &HashMap<GroupId, String>,
        json: bool,
    ) -> Result<()> {
        let addrs: Vec<String> = d.addrs.iter().map(ToString::to_string).collect();
        if json {
            json_line(&json!({
                "event": "discovered",
                "group": d.group.to_string(),
                "device": d.device.to_string(),
                "addrs": addrs,
            }))?;
        } else {
            let at = chrono::Local::now().format("%H:%M:%S");
            let group = names
                .get(&d.group)
                .cloned()
                .unwrap_or_else(|| short_id(&d.group));
            print_now(&format!(
                "{at}  {}  {group}: found on the local network at {}",
                short_id(&d.device),
                addrs.join(", ")
            ))?;
        }
        let Some(group) = self.groups.get(&d.group).cloned() else {
            return Ok(());
        };
        if !self.busy.insert((d.group, d.device)) {
            return Ok(());
        }
        let addr = net::endpoint_addr(d.device, &d.addrs)?;
        let (node, peer, gid) = (node.clone(), d.device, d.group);
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
        Ok(())
    }
}
