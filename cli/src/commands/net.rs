//! What the network commands share: the tokio runtime (only they start one), the node's
//! listening address, how sessions, roles and grants read.

use std::collections::HashMap;
use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use groundwork_core::Group;
use groundwork_core::ids::{ContactId, UnitId};
use groundwork_core::node::{Node, NodeConfig};
use groundwork_core::proto::membership::{DeviceId, Grant, Role};
use groundwork_core::sync::SyncStats;
use groundwork_core::{Repo, ids::GroupId};
use iroh::EndpointAddr;
use serde_json::{Value, json};

use crate::args::{NetArgs, RoleArg};
use crate::error::{CliError, Result};
use crate::output::short_id;

/// How long the runtime waits for its remaining work once the command is done.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(3);

/// Runs `body` with a node on the network, configured as `config` says (see [`config`]), and
/// stops the node after.
pub(crate) fn with_node<T, F, Fut>(repo: Repo, config: NodeConfig, body: F) -> Result<T>
where
    F: FnOnce(Node) -> Fut,
    Fut: Future<Output = Result<T>>,
{
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::failure(format!("cannot start the network runtime: {e}")))?;
    let result = rt.block_on(async {
        let node = Node::spawn(repo, config).await?;
        let result = body(node.clone()).await;
        node.shutdown().await;
        result
    });
    rt.shutdown_timeout(SHUTDOWN_GRACE);
    result
}

/// The node's configuration from `--listen` / `--loopback`.
pub(crate) fn config(net: &NetArgs) -> NodeConfig {
    if let Some(bind) = net.listen {
        NodeConfig {
            bind,
            relay_url: None,
        }
    } else if net.loopback {
        NodeConfig::loopback()
    } else {
        NodeConfig::local_network()
    }
}

/// Where a peer can reach this node: the bound sockets and, when bound to every interface, the
/// interfaces' addresses.
pub(crate) fn listening(node: &Node) -> (Vec<SocketAddr>, Vec<SocketAddr>) {
    let bound = node.bound_sockets();
    let mut reachable: Vec<SocketAddr> = node.addr().ip_addrs().copied().collect();
    reachable.extend(bound.iter().filter(|a| !a.ip().is_unspecified()).copied());
    reachable.sort();
    reachable.dedup();
    (bound, reachable)
}

/// A peer's address for the endpoint.
pub(crate) fn endpoint_addr(device: DeviceId, addrs: &[SocketAddr]) -> Result<EndpointAddr> {
    let key = device.key().ok_or_else(|| {
        CliError::user(format!("{device} is not a valid device id"))
            .hint("copy the device id from `groundwork status` on that device")
    })?;
    let mut addr = EndpointAddr::new(key);
    for a in addrs {
        addr = addr.with_ip_addr(*a);
    }
    Ok(addr)
}

/// Waits for Ctrl-C; never resolves if the signal cannot be watched.
pub(crate) async fn ctrl_c() {
    if tokio::signal::ctrl_c().await.is_err() {
        std::future::pending::<()>().await;
    }
}

pub(crate) fn role(r: RoleArg) -> Role {
    match r {
        RoleArg::Member => Role::Member,
        RoleArg::Admin => Role::Admin,
    }
}

pub(crate) fn role_name(r: Role) -> &'static str {
    match r {
        Role::Admin => "admin",
        Role::Member => "member",
    }
}

/// A grant from the units and contacts typed (resolved by id or name): everything if none.
pub(crate) fn grant_from(group: &Group, units: &[String], contacts: &[String]) -> Result<Grant> {
    if units.is_empty() && contacts.is_empty() {
        return Ok(Grant::everything());
    }
    let mut grant = Grant::default();
    if !units.is_empty() {
        let all = group.units()?;
        for u in units {
            grant
                .units
                .insert(*crate::resolve::unit(&all, u)?.as_bytes());
        }
    }
    for c in contacts {
        grant
            .contacts
            .insert(*crate::resolve::contact(group, c)?.as_bytes());
    }
    Ok(grant)
}

/// A grant's units and contacts with their names where this device can read them.
pub(crate) struct GrantView {
    pub(crate) everything: bool,
    pub(crate) units: Vec<(String, Option<String>)>,
    pub(crate) contacts: Vec<(String, Option<String>)>,
}

impl GrantView {
    pub(crate) fn new(group: &Group, grant: &Grant, unit_names: &HashMap<UnitId, String>) -> Self {
        let units = grant
            .units
            .iter()
            .map(|b| match UnitId::from_slice(b) {
                Ok(id) => (id.to_string(), unit_names.get(&id).cloned()),
                Err(_) => (hex::encode(b), None),
            })
            .collect();
        let contacts = grant
            .contacts
            .iter()
            .map(|b| match ContactId::from_slice(b) {
                Ok(id) => (id.to_string(), group.contact(id).ok().map(|c| c.name)),
                Err(_) => (hex::encode(b), None),
            })
            .collect();
        Self {
            everything: grant.everything,
            units,
            contacts,
        }
    }

    /// `everything`, or `2 units (A, B); 1 contact (Ana Ruiz)`.
    pub(crate) fn text(&self) -> String {
        if self.everything {
            return "everything".into();
        }
        let part = |items: &[(String, Option<String>)], one: &str, many: &str| {
            if items.is_empty() {
                return None;
            }
            let names: Vec<String> = items
                .iter()
                .map(|(id, name)| name.clone().unwrap_or_else(|| short_id(id)))
                .collect();
            Some(format!(
                "{} {} ({})",
                items.len(),
                if items.len() == 1 { one } else { many },
                names.join(", ")
            ))
        };
        let parts: Vec<String> = [
            part(&self.units, "unit", "units"),
            part(&self.contacts, "contact", "contacts"),
        ]
        .into_iter()
        .flatten()
        .collect();
        if parts.is_empty() {
            "nothing".into()
        } else {
            parts.join("; ")
        }
    }

    pub(crate) fn json(&self) -> Value {
        let items = |items: &[(String, Option<String>)]| {
            items
                .iter()
                .map(|(id, name)| json!({ "id": id, "name": name }))
                .collect::<Vec<_>>()
        };
        json!({
            "everything": self.everything,
            "units": items(&self.units),
            "contacts": items(&self.contacts),
        })
    }
}

/// What a sync session did, as JSON.
pub(crate) fn stats_json(s: &SyncStats) -> Value {
    json!({
        "round_trips": s.round_trips,
        "docs_received": s.docs_received,
        "docs_sent": s.docs_sent,
        "changes_received": s.changes_received,
        "changes_sent": s.changes_sent,
        "bytes_received": s.bytes_received,
        "bytes_sent": s.bytes_sent,
        "differing": s.differing,
    })
}

/// Group names by id, for session lines.
pub(crate) fn group_names(repo: &Repo) -> HashMap<GroupId, String> {
    repo.groups().unwrap_or_default().into_iter().collect()
}

/// A time in milliseconds since the epoch as local `HH:MM`.
pub(crate) fn local_hhmm(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.with_timezone(&chrono::Local).format("%H:%M").to_string())
        .unwrap_or_default()
}

/// A time in milliseconds since the epoch as RFC 3339 (UTC).
pub(crate) fn rfc3339(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_default()
}
