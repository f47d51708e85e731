//! `serve --meeting`: meeting mode on for a while, and a sync with each member device it finds.

use std::collections::HashMap;
use std::time::Duration;

pub(super) use groundwork_core::node::MeetingEvent as Event;
use groundwork_core::node::{Discovered, MAX_MEETING_GROUPS, Meeting as CoreMeeting, Node};
use groundwork_core::{Repo, ids::GroupId};
use serde_json::json;

use crate::commands::net;
use crate::error::{CliError, Result};
use crate::output::{json_line, note, print_now, short_id};

/// Meeting mode as `serve` runs it (core's [`CoreMeeting`]: announce, sync with each member
/// found), printed.
pub(super) struct Meeting {
    inner: CoreMeeting,
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
        let inner = node.meet(&groups, limit).await?;
        let until = chrono::DateTime::<chrono::Utc>::from(inner.until());
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
        Ok(Meeting { inner })
    }

    /// The next thing that happens; never resolves once meeting mode ended and its syncs are done.
    pub(super) async fn next(&mut self) -> Event {
        self.inner.next().await
    }

    /// Prints a find (core has started a sync with it, unless one is done or under way).
    pub(super) fn found(
        &self,
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
        Ok(())
    }
}
