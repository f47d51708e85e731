//! `groundwork group invite` and `groundwork group join`: admitting a device in person.

use std::io::Read;
use std::time::Duration;

use groundwork_core::Group;
use groundwork_core::ids::GroupId;
use groundwork_core::node::{Joined, Node, SessionReport};
use groundwork_core::proto::invite::{Ticket, TicketError};
use groundwork_core::proto::membership::{Grant, Role};
use groundwork_core::query::ContactQuery;
use groundwork_core::sync::SyncStats;
use serde_json::json;
use tokio::sync::broadcast::{self, error::RecvError};

use crate::args::{InviteArgs, JoinArgs};
use crate::commands::Ctx;
use crate::commands::net::{self, GrantView};
use crate::error::{CliError, Result};
use crate::output::{Report, json_line, note, outln, print_now, short_id, stdout_is_terminal};
use crate::{resolve, store_open};

/// How long the inviter waits for the new device's first sync once it has joined.
const FIRST_SYNC_WAIT: Duration = Duration::from_secs(60);

pub(crate) fn invite(ctx: &Ctx, args: &InviteArgs, json: bool) -> Result<Report> {
    let repo = ctx.repo()?;
    let (group, group_name) = resolve::group(&repo, ctx.group.as_deref())?;
    let role = net::role(args.role);
    if role == Role::Admin && (!args.units.is_empty() || !args.contacts.is_empty()) {
        return Err(CliError::user(
            "an admin sees everything: --unit and --contact are for members",
        )
        .hint("leave out --role admin, or --unit/--contact"));
    }
    if !group.members()?.is_admin(&repo.device()) {
        return Err(
            CliError::user("not allowed: this device is not an admin of the group").hint(
                "only an admin can invite devices; ask one of the group's admins to make the invite",
            ),
        );
    }
    let grant = net::grant_from(&group, &args.units, &args.contacts)?;
    let units = resolve::unit_names(&group.units().unwrap_or_default());
    let access = if role == Role::Admin {
        "everything (admin)".to_owned()
    } else {
        GrantView::new(&group, &grant, &units).text()
    };
    let validity = Duration::from_secs(u64::from(args.minutes) * 60);
    net::with_node(repo, net::config(&args.net), |node| async move {
        // Subscribed before the invite exists, so the new device's first session is not missed.
        let sessions = node.sessions();
        let invite = node
            .invite(&group, validity, role, grant.clone())
            .map_err(|e| {
                let e = CliError::from(e);
                if e.message.starts_with("not allowed") {
                    e.hint("only an admin can invite devices; ask one of the group's admins")
                } else {
                    e
                }
            })?;
        let expires_ms = invite.ticket.expires_at_ms;
        if invite.ticket.addrs.is_empty() {
            note(
                "warning: this device found no network address to put in the ticket; \
                 try --listen IP:PORT with this computer's address",
            );
        }
        if json {
            json_line(&json!({
                "ticket": invite.text,
                "expires_at": net::rfc3339(expires_ms),
                "group": group.id(),
            }))?;
        } else {
            let mut out = String::new();
            if stdout_is_terminal() {
                match qr(&invite.text) {
                    Some(code) => outln!(out, "{code}"),
                    None => note("note: the ticket is too long for a QR code; type it instead"),
                }
            }
            outln!(
                out,
                "Invite to \"{group_name}\" as {} (may see {access}):",
                net::role_name(role)
            );
            outln!(out);
            outln!(out, "{}", invite.text);
            outln!(out);
            outln!(
                out,
                "On the other device, scan the code or run:\n  groundwork group join {}",
                invite.text
            );
            outln!(
                out,
                "The invite works once, at these addresses: {}",
                invite
                    .ticket
                    .addrs
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            print_now(&out)?;
        }
        note(&format!(
            "Waiting for a device to join (expires at {})…",
            net::local_hhmm(expires_ms)
        ));
        let wait = Duration::from_millis(
            u64::try_from(expires_ms - chrono::Utc::now().timestamp_millis()).unwrap_or(0),
        );
        let expired = || {
            CliError::user(format!(
                "the invite expired at {} with nobody joining",
                net::local_hhmm(expires_ms)
            ))
            .hint("make a new invite with `groundwork group invite` and join within its minutes")
        };
        let joined: Joined = tokio::select! {
            j = invite.joined => j.map_err(|_| expired())?,
            () = tokio::time::sleep(wait) => return Err(expired()),
            () = net::ctrl_c() => {
                return Err(CliError::user("stopped before a device joined")
                    .hint("the invite no longer works; make a new one to admit a device"));
            }
        };
        let who = resolve::device_name(&joined.name).to_owned();
        let announce = format!(
            "\"{who}\" ({}) joined. Compare this with the joining device's screen: {}",
            short_id(&joined.device),
            joined.fingerprint
        );
        if json {
            note(&announce);
        } else {
            print_now(&announce)?;
        }
        note("Sending the group's records to it…");
        let first = first_sync(sessions, &joined).await;
        let mut human = String::new();
        outln!(human, "Joined \"{group_name}\": {who}");
        outln!(human, "  device:      {}", joined.device);
        outln!(human, "  fingerprint: {}", joined.fingerprint);
        outln!(human, "  role:        {}", net::role_name(role));
        outln!(human, "  may see:     {access}");
        let (sync_json, error) = match &first {
            Ok(stats) => {
                outln!(
                    human,
                    "  records sent: {} documents ({} changes)",
                    stats.docs_sent,
                    stats.changes_sent
                );
                (net::stats_json(stats), None)
            }
            Err(why) => {
                note(&format!(
                    "warning: {why}; the device is a member now and gets the records at its next \
                     `groundwork sync` while this device runs `groundwork serve`"
                ));
                (serde_json::Value::Null, Some(why.clone()))
            }
        };
        let json = json!({
            "joined": {
                "device": joined.device.to_string(),
                "name": joined.name,
                "fingerprint": joined.fingerprint,
                "role": net::role_name(role),
            },
            "group": group.id(),
            "records_sent": first.as_ref().ok().map(|s| s.docs_sent),
            "first_sync": sync_json,
            "first_sync_error": error,
        });
        Ok(Report::line(human, json))
    })
}

/// Waits for the new device's first sync session with this one.
async fn first_sync(
    mut sessions: broadcast::Receiver<SessionReport>,
    joined: &Joined,
) -> Result<SyncStats, String> {
    let deadline = tokio::time::sleep(FIRST_SYNC_WAIT);
    tokio::pin!(deadline);
    loop {
        tokio::select! {
            r = sessions.recv() => match r {
                Ok(report) if report.peer == joined.device => return report.outcome,
                Ok(_) | Err(RecvError::Lagged(_)) => {}
                Err(RecvError::Closed) => return Err("the node stopped".into()),
            },
            () = &mut deadline => {
                return Err(format!(
                    "the first sync did not finish within {} seconds",
                    FIRST_SYNC_WAIT.as_secs()
                ));
            }
            () = net::ctrl_c() => return Err("stopped before the first sync finished".into()),
        }
    }
}

/// The ticket as a QR code for a terminal (two rows of modules per line of text).
fn qr(text: &str) -> Option<String> {
    use qrcode::render::unicode::Dense1x2;
    let code = qrcode::QrCode::with_error_correction_level(text, qrcode::EcLevel::L).ok()?;
    // Light modules drawn as blocks: reads right on the usual dark terminal background.
    Some(
        code.render::<Dense1x2>()
            .dark_color(Dense1x2::Light)
            .light_color(Dense1x2::Dark)
            .quiet_zone(true)
            .build(),
    )
}

/// This computer's name, for the group's list of devices.
fn host_name() -> String {
    let from_env = ["HOSTNAME", "COMPUTERNAME"]
        .iter()
        .filter_map(std::env::var_os)
        .filter_map(|v| v.into_string().ok());
    let from_files = ["/proc/sys/kernel/hostname", "/etc/hostname"]
        .iter()
        .filter_map(|p| std::fs::read_to_string(p).ok());
    from_env
        .chain(from_files)
        .map(|s| s.trim().to_owned())
        .find(|s| !s.is_empty() && s != "localhost")
        .unwrap_or_else(|| "laptop".to_owned())
}

fn ticket_error(e: &TicketError) -> CliError {
    match e {
        TicketError::Expired => CliError::user("the invite expired")
            .hint("ask for a new invite (`groundwork group invite` on an admin's device)"),
        TicketError::NotATicket => CliError::user(e.to_string()).hint(
            "copy the whole ticket `groundwork group invite` shows on the inviting device \
                 (it starts with gwinvite1), or scan its QR code",
        ),
        _ => CliError::user(e.to_string()).hint(
            "the ticket was cut or mistyped; copy the whole ticket again, or scan its QR code",
        ),
    }
}

pub(crate) fn join(ctx: &Ctx, args: &JoinArgs) -> Result<Report> {
    let text = if args.ticket.trim() == "-" {
        let mut s = String::new();
        std::io::stdin()
            .take(64 * 1024)
            .read_to_string(&mut s)
            .map_err(|e| CliError::user(format!("cannot read the ticket from stdin: {e}")))?;
        s.trim().to_owned()
    } else {
        args.ticket.trim().to_owned()
    };
    // Read the ticket before touching the store: a mistyped ticket creates nothing.
    let ticket = Ticket::parse(&text, chrono::Utc::now().timestamp_millis())
        .map_err(|e| ticket_error(&e))?;
    let group_id = GroupId::from_slice(&ticket.group)
        .map_err(|_| ticket_error(&TicketError::Damaged("bad group id".into())))?;
    let name = args
        .name
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_owned)
        .unwrap_or_else(host_name);

    let created = !store_open::store_exists(&ctx.store)?;
    let repo = if created {
        let passphrase = store_open::new_passphrase(&ctx.store)?;
        let repo = store_open::create(&ctx.store, &passphrase)?;
        note(&format!(
            "Created an encrypted store at {} (keep {} next to it)",
            ctx.store.display(),
            store_open::kdf_path(&ctx.store).display()
        ));
        repo
    } else {
        ctx.repo()?
    };
    if let Ok(g) = repo.group(group_id)
        && g.members()?.is_member(&repo.device())
    {
        return Err(CliError::user(format!(
            "this device is already in \"{}\" ({group_id})",
            ticket.group_name
        ))
        .hint("bring it up to date with `groundwork sync` instead"));
    }
    let fingerprint = repo.fingerprint();
    let device = repo.device_id();
    let me = repo.device();
    let check = repo.clone();
    let (ticket_ref, text_ref, name_ref, fp_ref) = (&ticket, &text, &name, &fingerprint);
    // The inviter's group may run a relay (the ticket names it): start the node with it, so
    // the join can reach an inviter elsewhere.
    let mut config = net::config(&args.net);
    if config.relay_url.is_none() {
        config.relay_url = ticket.relay.clone();
    }
    let (group, stats): (Group, Option<SyncStats>) = net::with_node(
        repo,
        config,
        |node: Node| async move {
            let mut sessions = node.sessions();
            note(&format!(
                "Joining \"{}\" through {} … this device's fingerprint: {fp_ref}",
                ticket_ref.group_name,
                ticket_ref
                    .addrs
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
            let joined = tokio::select! {
                r = node.join(text_ref, name_ref) => r,
                () = net::ctrl_c() => return Err(CliError::user("stopped before joining")
                    .hint("ask for a new invite if this one has expired")),
            };
            match joined {
                Ok((group, _)) => {
                    let mut stats = None;
                    while let Ok(r) = sessions.try_recv() {
                        if r.initiated && r.group == Some(group.id()) {
                            stats = r.outcome.ok();
                        }
                    }
                    Ok((group, stats))
                }
                Err(e) => {
                    // Admitted, but the records did not come: say so, not just "failed".
                    let admitted = check
                        .group(group_id)
                        .and_then(|g| g.members())
                        .is_ok_and(|m| m.is_member(&check.device()));
                    let e = CliError::from(e);
                    if admitted {
                        Err(CliError::user(format!(
                            "joined \"{}\", but its records did not arrive: {}",
                            ticket_ref.group_name, e.message
                        ))
                        .hint(
                            "run `groundwork sync` while the inviting device runs `groundwork serve`",
                        ))
                    } else if e.message.contains("refused") {
                        Err(e.hint(
                            "the invite was already used, has expired, or is for another device; \
                             ask for a new one",
                        ))
                    } else {
                        Err(e)
                    }
                }
            }
        },
    )?;
    let contacts = group.count_contacts(&ContactQuery::default())?;
    let members = group.members()?;
    let my_role = members
        .members
        .get(&me)
        .map(|m| m.role)
        .unwrap_or(Role::Member);
    let my_grant = members.grant(&me).unwrap_or_else(Grant::default);
    let units = resolve::unit_names(&group.units().unwrap_or_default());
    let view = GrantView::new(&group, &my_grant, &units);
    let group_name = members.name.clone();

    let mut human = String::new();
    outln!(human, "Joined \"{group_name}\" ({})", group.id());
    outln!(human, "This device: {name} ({device})");
    outln!(
        human,
        "Fingerprint: {fingerprint}  (compare with the inviter's screen)"
    );
    outln!(
        human,
        "Role: {}, may see {}",
        net::role_name(my_role),
        view.text()
    );
    outln!(
        human,
        "{contacts} contact{} arrived from the inviter.",
        if contacts == 1 { "" } else { "s" }
    );
    let json = json!({
        "group": { "id": group.id(), "name": group_name },
        "device_id": device,
        "name": name,
        "fingerprint": fingerprint,
        "role": net::role_name(my_role),
        "grant": view.json(),
        "contacts": contacts,
        "inviter": ticket.inviter.to_string(),
        "store_created": created,
        "store": ctx.store,
        "sync": stats.as_ref().map(net::stats_json),
    });
    Ok(Report::new(human, json))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_qr_code_is_a_square_of_block_characters() {
        let text = format!("gwinvite1{}", "a".repeat(200));
        let code = qr(&text).expect("fits a QR code");
        let lines: Vec<&str> = code.lines().collect();
        let width = lines[0].chars().count();
        assert!(width > 40, "{width}");
        assert!(lines.iter().all(|l| l.chars().count() == width));
        // Two rows of modules per line.
        assert_eq!(lines.len(), width.div_ceil(2));
        assert!(qr(&"x".repeat(10_000)).is_none());
    }

    #[test]
    fn a_host_name_is_never_empty() {
        assert!(!host_name().is_empty());
    }
}
