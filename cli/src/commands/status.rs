//! `groundwork status`: this device, its groups, what the store holds and the peers it knows.

use serde_json::json;

use crate::commands::Ctx;
use crate::commands::net;
use crate::error::Result;
use crate::output::{Report, outln, short_id, table, to_json};
use crate::resolve::device_name;

pub(crate) fn run(ctx: &Ctx) -> Result<Report> {
    let repo = ctx.repo()?;
    let me = repo.device();
    let stats = repo.stats()?;
    let mut human = String::new();
    outln!(human, "This device: {}", repo.device_id());
    outln!(
        human,
        "Fingerprint: {}  (others compare it when this device joins)",
        repo.fingerprint()
    );
    outln!(human, "Store:       {}", ctx.store.display());
    outln!(
        human,
        "             {} document{}, {} increment{} (changes not yet compacted), {} erased",
        stats.documents,
        if stats.documents == 1 { "" } else { "s" },
        stats.increments,
        if stats.increments == 1 { "" } else { "s" },
        stats.tombstones
    );
    let mut rows = Vec::new();
    let mut groups = Vec::new();
    let mut peer_lines = Vec::new();
    for (id, name) in repo.groups()? {
        let group = repo.group(id)?;
        let members = group.members()?;
        let role = members.members.get(&me).map(|m| net::role_name(m.role));
        let peers = group.known_peers()?;
        rows.push(vec![
            name.clone(),
            id.to_string(),
            members.members.len().to_string(),
            role.unwrap_or("removed").to_owned(),
            peers.len().to_string(),
        ]);
        let mut peer_items = Vec::new();
        for (device, addrs) in &peers {
            let pname = members
                .members
                .get(device)
                .map(|m| m.name.clone())
                .unwrap_or_default();
            let addrs: Vec<String> = addrs.iter().map(ToString::to_string).collect();
            peer_lines.push(format!(
                "  {name}: {} ({}) at {}",
                device_name(&pname),
                short_id(device),
                if addrs.is_empty() {
                    "no known address".to_owned()
                } else {
                    addrs.join(", ")
                }
            ));
            peer_items.push(json!({
                "device": device.to_string(),
                "name": pname,
                "addrs": addrs,
            }));
        }
        groups.push(json!({
            "id": id,
            "name": name,
            "members": members.members.len(),
            "role": role,
            "known_peers": peer_items,
        }));
    }
    outln!(human);
    if rows.is_empty() {
        outln!(
            human,
            "No groups yet: `groundwork group create NAME`, or `groundwork group join TICKET`."
        );
    } else {
        outln!(
            human,
            "{}",
            table(&["Group", "ID", "Members", "My role", "Known peers"], rows)
        );
    }
    if !peer_lines.is_empty() {
        outln!(human);
        outln!(human, "Known peers (where they were last reached):");
        for l in &peer_lines {
            outln!(human, "{l}");
        }
    }
    let json = json!({
        "device_id": repo.device_id(),
        "fingerprint": repo.fingerprint(),
        "store": ctx.store,
        "stats": to_json(&stats)?,
        "groups": groups,
    });
    Ok(Report::new(human, json))
}
