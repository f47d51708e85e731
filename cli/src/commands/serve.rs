//! `groundwork serve`: this device on the network, answering its groups' members' syncs until
//! Ctrl-C or a time limit; with `--meeting`, also finding members on the local network for a
//! while and syncing with them.

mod meeting;

use std::time::Duration;

use groundwork_core::node::SessionReport;
use serde_json::json;
use tokio::sync::broadcast::error::RecvError;

use crate::args::ServeArgs;
use crate::commands::Ctx;
use crate::commands::net;
use crate::error::Result;
use crate::output::{Report, json_line, note, outln, print_now, short_id};

pub(crate) fn run(ctx: &Ctx, args: &ServeArgs, json: bool) -> Result<Report> {
    let repo = ctx.repo()?;
    let device = repo.device_id();
    let fingerprint = repo.fingerprint();
    let mut names = net::group_names(&repo);
    let names_repo = repo.clone();
    let limit = args.for_secs.map(Duration::from_secs);
    net::with_node(repo, net::config(&args.net), |node| async move {
        let mut sessions = node.sessions();
        let (bound, reachable) = net::listening(&node);
        let addrs =
            |v: &[std::net::SocketAddr]| v.iter().map(ToString::to_string).collect::<Vec<_>>();
        if json {
            json_line(&json!({
                "event": "listening",
                "device_id": device,
                "fingerprint": fingerprint,
                "bound": addrs(&bound),
                "addresses": addrs(&reachable),
                "groups": names.iter().map(|(id, name)| json!({"id": id, "name": name})).collect::<Vec<_>>(),
            }))?;
        } else {
            let mut out = String::new();
            outln!(out, "This device: {device}");
            outln!(out, "Fingerprint: {fingerprint}");
            outln!(out, "Listening on {}", addrs(&bound).join(", "));
            if reachable != bound {
                outln!(out, "Reachable at {}", addrs(&reachable).join(", "));
            }
            outln!(
                out,
                "Serving {} group{}: {}",
                names.len(),
                if names.len() == 1 { "" } else { "s" },
                names.values().cloned().collect::<Vec<_>>().join(", ")
            );
            print_now(&out)?;
        }
        let mut meeting = match args.meeting {
            Some(l) => Some(meeting::Meeting::start(&node, &names_repo, l, &names, json).await?),
            None => None,
        };
        note(&match limit {
            Some(l) => format!("Serving for {} seconds (Ctrl-C stops sooner)…", l.as_secs()),
            None => "Serving until Ctrl-C…".to_owned(),
        });
        let stop = async {
            match limit {
                Some(l) => tokio::time::sleep(l).await,
                None => std::future::pending().await,
            }
        };
        tokio::pin!(stop);
        let (mut ok, mut failed) = (0u32, 0u32);
        let why = loop {
            tokio::select! {
                r = sessions.recv() => match r {
                    // Syncs this device starts are meeting mode's; it reports them below.
                    Ok(report) if report.initiated => {}
                    Ok(report) => {
                        if report.outcome.is_ok() { ok += 1 } else { failed += 1 }
                        if let Some(g) = report.group
                            && !names.contains_key(&g)
                        {
                            names = net::group_names(&names_repo);
                        }
                        session_line(&report, &names, json)?;
                    }
                    Err(RecvError::Lagged(n)) => note(&format!("note: {n} session reports were missed")),
                    Err(RecvError::Closed) => break "the node stopped",
                },
                event = next_meeting(&mut meeting) => match event {
                    meeting::Event::Found(d) => {
                        if let Some(m) = meeting.as_mut() {
                            m.found(&d, &names, json)?;
                        }
                    }
                    meeting::Event::Synced(report) => {
                        if report.outcome.is_ok() { ok += 1 } else { failed += 1 }
                        session_line(&report, &names, json)?;
                    }
                    meeting::Event::Ended => {
                        if json {
                            json_line(&json!({ "event": "meeting_ended", "reason": "time limit" }))?;
                        } else {
                            print_now("Meeting mode ended: this device is no longer announced.")?;
                        }
                    }
                },
                () = &mut stop => break "time limit reached",
                () = net::ctrl_c() => break "stopped with Ctrl-C",
            }
        };
        // Announcing stops before the node does.
        drop(meeting);
        note(&format!("Stopping: {why}."));
        let mut human = String::new();
        outln!(
            human,
            "Served {ok} session{}{}.",
            if ok == 1 { "" } else { "s" },
            if failed > 0 {
                format!(" ({failed} failed)")
            } else {
                String::new()
            }
        );
        Ok(Report::line(
            human,
            json!({ "event": "stopped", "reason": why, "sessions": ok, "failed": failed }),
        ))
    })
}

/// Meeting mode's next event; never, when it is off.
async fn next_meeting(meeting: &mut Option<meeting::Meeting>) -> meeting::Event {
    match meeting {
        Some(m) => m.next().await,
        None => std::future::pending().await,
    }
}

/// One line per finished session.
fn session_line(
    report: &SessionReport,
    names: &std::collections::HashMap<groundwork_core::ids::GroupId, String>,
    json: bool,
) -> Result<()> {
    let group = report.group.map(|g| {
        (
            g.to_string(),
            names.get(&g).cloned().unwrap_or_else(|| short_id(&g)),
        )
    });
    if json {
        let mut v = json!({
            "event": "session",
            "peer": report.peer.to_string(),
            "group": group.as_ref().map(|(id, _)| id),
            "initiated": report.initiated,
        });
        match &report.outcome {
            Ok(stats) => v["stats"] = net::stats_json(stats),
            Err(e) => v["error"] = json!(e),
        }
        return json_line(&v);
    }
    let at = chrono::Local::now().format("%H:%M:%S");
    let group = group.map(|(_, n)| n).unwrap_or_else(|| "?".into());
    let line = match &report.outcome {
        Ok(s) => format!(
            "{at}  {}  {group}: {} documents received, {} sent",
            short_id(&report.peer),
            s.docs_received,
            s.docs_sent
        ),
        Err(e) => format!("{at}  {}  {group}: failed: {e}", short_id(&report.peer)),
    };
    print_now(&line)
}
