//! The relays a node may use: only those its groups host themselves.
//!
//! A group that meets in several places sets a relay it runs (iroh's own `iroh-relay` server) in
//! its settings; members' devices then reach each other through it when no direct path exists.
//! The node starts with the relay its caller names and every held group's relay, and dials a
//! member of a group at that group's relay besides the member's direct addresses. With no relay
//! anywhere it has no relay transport at all (the packet-capture test in
//! `cli/tests/no_third_party.rs` holds it to contacting nothing); a relay learnt while it runs
//! (an invite ticket, synced settings) is added at once when the transport exists, else used
//! from the next start.

use iroh::{EndpointAddr, RelayConfig, RelayMap, RelayUrl};

use super::{Node, NodeError, Shared, blocking};
use crate::group::Group;
use crate::model::validate;
use crate::repo::Repo;

/// How iroh should speak to the relay at `url`. A relay reached over plain HTTP has no TLS, so
/// it cannot serve QUIC address discovery; over HTTPS the default discovery port is tried.
pub(crate) fn relay_config(url: &str) -> Result<RelayConfig, NodeError> {
    let normalised = validate::relay_url(url).map_err(|e| NodeError::RelayUrl(e.to_string()))?;
    let parsed: RelayUrl = normalised
        .parse()
        .map_err(|e| NodeError::RelayUrl(format!("{url}: {e}")))?;
    Ok(if parsed.scheme() == "https" {
        RelayConfig::from(parsed)
    } else {
        RelayConfig::new(parsed, None)
    })
}

/// The relay map a node starts with: the configured relay and each held group's relay. A group
/// whose settings cannot be read is skipped (with a warning): it must not keep the node down.
pub(crate) async fn starting_relays(
    repo: &Repo,
    configured: Option<&str>,
) -> Result<RelayMap, NodeError> {
    let map = RelayMap::empty();
    if let Some(url) = configured {
        let config = relay_config(url)?;
        map.insert(config.url.clone(), config.into());
    }
    let repo = repo.clone();
    let urls = blocking(move || held_groups_relays(&repo)).await?;
    for url in urls {
        match relay_config(&url) {
            Ok(config) => {
                map.insert(config.url.clone(), config.into());
            }
            Err(e) => tracing::warn!(error = %e, "a group's relay is not usable"),
        }
    }
    Ok(map)
}

fn held_groups_relays(repo: &Repo) -> Vec<String> {
    let groups = match repo.groups() {
        Ok(groups) => groups,
        Err(e) => {
            tracing::warn!(error = %e, "cannot list groups for their relays");
            return Vec::new();
        }
    };
    groups
        .into_iter()
        .filter_map(|(id, _)| match repo.group(id).and_then(|g| g.settings()) {
            Ok(settings) => settings.relay,
            Err(e) => {
                tracing::warn!(group = %id, error = %e, "cannot read a group's relay");
                None
            }
        })
        .collect()
}

/// The relay a group's settings name, if any and usable.
pub(crate) fn group_relay(group: &Group) -> Option<RelayConfig> {
    relay_config(&group.settings().ok()?.relay?).ok()
}

/// `peer` with `relay` added as a way to reach it, unless it already names one.
pub(crate) fn via(peer: EndpointAddr, relay: Option<RelayUrl>) -> EndpointAddr {
    match relay {
        Some(url) if peer.relay_urls().next().is_none() => peer.with_relay_url(url),
        _ => peer,
    }
}

/// Adds the group's relay to the endpoint if its settings name one the endpoint lacks.
pub(crate) async fn learn_group_relay(endpoint: &iroh::Endpoint, shared: &Shared, group: &Group) {
    let g = group.clone();
    let Ok(Some(config)) = blocking(move || group_relay(&g)).await else {
        return;
    };
    if shared.relays.contains(&config.url) {
        return;
    }
    if shared.relay_transport {
        tracing::info!(relay = %config.url, "using the group's relay");
        endpoint
            .insert_relay(config.url.clone(), config.into())
            .await;
    } else {
        tracing::info!(relay = %config.url, "the group's relay is used from the node's next start");
    }
}

impl Node {
    /// Lets the endpoint use the relay at `url` from now on (a group's relay learnt after the
    /// node started: from an invite ticket, or once the group's settings name one). A node
    /// started without any relay has no relay transport to add one to: that is
    /// [`NodeError::RelayNotStarted`], and the caller starts the node again with this relay.
    pub async fn use_relay(&self, url: &str) -> Result<(), NodeError> {
        let config = relay_config(url)?;
        if self.shared.relays.contains(&config.url) {
            return Ok(());
        }
        if !self.shared.relay_transport {
            return Err(NodeError::RelayNotStarted(config.url.to_string()));
        }
        tracing::info!(relay = %config.url, "using the group's relay");
        self.router
            .endpoint()
            .insert_relay(config.url.clone(), config.into())
            .await;
        Ok(())
    }

    /// The relays this node uses (URLs as iroh writes them); empty unless a group hosts one.
    pub fn relays(&self) -> Vec<String> {
        self.shared
            .relays
            .urls::<Vec<RelayUrl>>()
            .into_iter()
            .map(|u| u.to_string())
            .collect()
    }
}
