//! `groundwork sync`: one sync of the group with each peer given, or with every member device
//! whose address this device knows.

use std::net::SocketAddr;

use groundwork_core::proto::membership::DeviceId;
use serde_json::json;

use crate::args::SyncArgs;
use crate::commands::Ctx;
use crate::commands::net;
use crate::error::{CliError, Result};
use crate::output::{Report, note, outln, short_id, table};
use crate::resolve::{self, device_name};

/// A peer to sync with.
struct Target {
    device: DeviceId,
    name: String,
    addrs: Vec<SocketAddr>,
}

pub(crate) fn run(ctx: &Ctx, args: &SyncArgs) -> Result<Report> {
    let repo = ctx.repo()?;
    let (group, group_name) = resolve::group(&repo, ctx.group.as_deref())?;
    let members = group.members()?;
    let name_of = |d: &DeviceId| {
        members
            .members
            .get(d)
            .map(|m| m.name.clone())
            .unwrap_or_default()
    };
    let targets: Vec<Target> = if args.peers.is_empty() {
        group
            .known_peers()?
            .into_iter()
            .map(|(device, addrs)| Target {
                device,
                name: name_of(&device),
                addrs,
            })
            .collect()
    } else {
        args.peers
            .iter()
            .map(|p| {
                let device = resolve::device(&members, &p.device)?;
                Ok(Target {
                    device,
                    name: name_of(&device),
                    addrs: p.addrs.clone(),
                })
            })
            .collect::<Result<_>>()?
    };
    if targets.is_empty() {
        return Err(
            CliError::user("no known peers: join with an invite or pass --peer").hint(
                "a member's device becomes known when this device joins through its invite or \
                 syncs with it; pass --peer DEVICE@IP:PORT to reach one directly",
            ),
        );
    }
    if targets.iter().any(|t| t.device == repo.device()) {
        return Err(CliError::user("that is this device")
            .hint("give --peer another member device's id and address"));
    }
    let results = net::with_node(repo, net::config(&args.net), |node| {
        let group = group.clone();
        let targets = &targets;
        let group_name = &group_name;
        async move {
            let mut out = Vec::new();
            for t in targets {
                let addr = net::endpoint_addr(t.device, &t.addrs)?;
                note(&format!(
                    "Syncing \"{group_name}\" with {} ({}) at {}…",
                    device_name(&t.name),
                    short_id(&t.device),
                    join_addrs(&t.addrs)
                ));
                let r = tokio::select! {
                    r = node.sync_with(&group, addr) => r.map_err(|e| CliError::from(e).message),
                    () = net::ctrl_c() => Err("stopped with Ctrl-C".into()),
                };
                let stopped = matches!(&r, Err(m) if m == "stopped with Ctrl-C");
                out.push(r);
                if stopped {
                    break;
                }
            }
            Ok(out)
        }
    })?;

    let mut rows = Vec::new();
    let mut items = Vec::new();
    let mut failures = Vec::new();
    for (t, r) in targets.iter().zip(results.iter()) {
        let mut item = json!({
            "device": t.device.to_string(),
            "name": t.name,
            "addrs": t.addrs.iter().map(ToString::to_string).collect::<Vec<_>>(),
        });
        match r {
            Ok(s) => {
                rows.push(vec![
                    short_id(&t.device),
                    device_name(&t.name).to_owned(),
                    s.round_trips.to_string(),
                    format!("{} / {}", s.docs_received, s.docs_sent),
                    format!("{} / {}", s.changes_received, s.changes_sent),
                    format!("{} / {}", s.bytes_received, s.bytes_sent),
                    String::new(),
                ]);
                item["ok"] = json!(true);
                item["stats"] = net::stats_json(s);
            }
            Err(e) => {
                rows.push(vec![
                    short_id(&t.device),
                    device_name(&t.name).to_owned(),
                    String::new(),
                    String::new(),
                    String::new(),
                    String::new(),
                    e.clone(),
                ]);
                item["ok"] = json!(false);
                item["error"] = json!(e);
                failures.push(format!(
                    "  {} ({}) at {}: {e}",
                    device_name(&t.name),
                    short_id(&t.device),
                    join_addrs(&t.addrs)
                ));
            }
        }
        items.push(item);
    }
    let succeeded = results.iter().filter(|r| r.is_ok()).count();
    if succeeded == 0 {
        return Err(CliError::user(format!(
            "could not sync \"{group_name}\" with any peer:\n{}",
            failures.join("\n")
        ))
        .hint(
            "check that the other device runs `groundwork serve`, that both are on the same \
             network, and that no firewall blocks UDP between them",
        ));
    }
    if !failures.is_empty() {
        note(&format!(
            "warning: {} of {} peers failed",
            failures.len(),
            results.len()
        ));
    }
    let mut human = String::new();
    outln!(
        human,
        "{}",
        table(
            &[
                "Peer",
                "Name",
                "Round trips",
                "Docs in / out",
                "Changes in / out",
                "Bytes in / out",
                "Error"
            ],
            rows
        )
    );
    outln!(
        human,
        "Synced \"{group_name}\" with {succeeded} of {} peer{}.",
        results.len(),
        if results.len() == 1 { "" } else { "s" }
    );
    let json = json!({
        "group": { "id": group.id(), "name": group_name },
        "peers": items,
        "succeeded": succeeded,
        "failed": failures.len(),
    });
    Ok(Report::new(human, json))
}

fn join_addrs(addrs: &[SocketAddr]) -> String {
    if addrs.is_empty() {
        return "no known address".into();
    }
    addrs
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}
