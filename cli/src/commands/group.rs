//! `groundwork group create|members|grant|remove|relay`: the group, its member devices and the
//! relay it runs.
//! (`invite` and `join` are in `invite.rs`.)

use groundwork_core::proto::membership::{Grant, Role};
use serde_json::json;

use groundwork_core::model::{SettingsEdit, Update};

use crate::args::{GrantArgs, GroupCreateArgs, RelayArgs, RemoveArgs};
use crate::commands::Ctx;
use crate::commands::net::{self, GrantView};
use crate::error::{CliError, Result};
use crate::output::{Report, note, outln, short_id, table};
use crate::resolve::{self, device_name};

pub(crate) fn create(ctx: &Ctx, args: &GroupCreateArgs) -> Result<Report> {
    if args.name.trim().is_empty() {
        return Err(CliError::user("the group name is empty").hint("give the group a name"));
    }
    let repo = ctx.repo()?;
    let group = repo.create_group(&args.name)?;
    let name = group.settings()?.name;
    let mut human = String::new();
    outln!(human, "Created group \"{name}\"");
    outln!(human, "Group id:    {}", group.id());
    outln!(human, "This device: {} (its admin)", repo.device_id());
    outln!(
        human,
        "Invite another device with `groundwork group invite --group {}`.",
        group.id()
    );
    let json = json!({
        "id": group.id(),
        "name": name,
        "device_id": repo.device_id(),
    });
    Ok(Report::new(human, json))
}

pub(crate) fn relay(ctx: &Ctx, args: &RelayArgs) -> Result<Report> {
    let repo = ctx.repo()?;
    let (group, group_name) = resolve::group(&repo, ctx.group.as_deref())?;
    let change = match (&args.url, args.clear) {
        (Some(url), _) => Some(Some(url.clone())),
        (None, true) => Some(None),
        (None, false) => None,
    };
    if let Some(relay) = change.clone() {
        if !group.members()?.is_admin(&repo.device()) {
            return Err(CliError::user("only an admin sets the group's relay")
                .hint("ask an admin of the group (see `groundwork group members`)"));
        }
        group.update_settings(&Update::new(vec![SettingsEdit::SetRelay(relay)]))?;
    }
    let relay = group.settings()?.relay;
    let mut human = String::new();
    match (&relay, change.is_some()) {
        (Some(url), true) => {
            outln!(human, "\"{group_name}\" now uses the relay {url}.");
            outln!(
                human,
                "Members' devices learn it at their next sync; new devices from their invite."
            );
        }
        (Some(url), false) => outln!(human, "\"{group_name}\" uses the relay {url}."),
        (None, true) => outln!(
            human,
            "\"{group_name}\" no longer uses a relay: devices meet only directly."
        ),
        (None, false) => outln!(
            human,
            "\"{group_name}\" has no relay: devices meet only directly (on one network)."
        ),
    }
    Ok(Report::new(
        human,
        json!({ "group": group.id(), "relay": relay }),
    ))
}

pub(crate) fn members(ctx: &Ctx) -> Result<Report> {
    let repo = ctx.repo()?;
    let (group, group_name) = resolve::group(&repo, ctx.group.as_deref())?;
    let state = group.members()?;
    let me = repo.device();
    let units = resolve::unit_names(&group.units().unwrap_or_default());
    let mut rows = Vec::new();
    let mut items = Vec::new();
    // Admins first, then by name.
    let mut list: Vec<_> = state.members.values().collect();
    list.sort_by_key(|m| (m.role != Role::Admin, m.name.to_lowercase(), m.device));
    for m in &list {
        let view = GrantView::new(&group, &m.grant, &units);
        let grant_text = if m.role == Role::Admin {
            "everything (admin)".to_owned()
        } else {
            view.text()
        };
        rows.push(vec![
            short_id(&m.device),
            device_name(&m.name).to_owned(),
            net::role_name(m.role).to_owned(),
            grant_text,
            if m.device == me {
                "(this device)".into()
            } else {
                String::new()
            },
        ]);
        items.push(json!({
            "device": m.device.to_string(),
            "name": m.name,
            "role": net::role_name(m.role),
            "grant": view.json(),
            "this_device": m.device == me,
        }));
    }
    let mut human = String::new();
    outln!(
        human,
        "{}",
        table(&["Device", "Name", "Role", "May see", ""], rows)
    );
    outln!(
        human,
        "{} device{} in \"{group_name}\"{}",
        list.len(),
        if list.len() == 1 { "" } else { "s" },
        if state.removed.is_empty() {
            String::new()
        } else {
            format!(" ({} removed)", state.removed.len())
        }
    );
    let json = json!({
        "group": { "id": group.id(), "name": group_name },
        "members": items,
        "removed": state.removed.iter().map(ToString::to_string).collect::<Vec<_>>(),
    });
    Ok(Report::new(human, json))
}

fn admin_hint(e: CliError, what: &str) -> CliError {
    if e.message.starts_with("not allowed") {
        e.hint(format!(
            "only an admin can {what}; ask one of the group's admins (see `groundwork group members`)"
        ))
    } else {
        e
    }
}

pub(crate) fn grant(ctx: &Ctx, args: &GrantArgs) -> Result<Report> {
    if !args.everything && args.units.is_empty() && args.contacts.is_empty() && args.role.is_none()
    {
        return Err(CliError::user("say what the device may see")
            .hint("give --everything, or --unit/--contact (repeatable), and/or --role"));
    }
    let repo = ctx.repo()?;
    let (group, group_name) = resolve::group(&repo, ctx.group.as_deref())?;
    let state = group.members()?;
    let device = resolve::device(&state, &args.device)?;
    let member = state
        .members
        .get(&device)
        .cloned()
        .ok_or_else(|| CliError::user("that device is not a member"))?;
    if !state.is_admin(&repo.device()) {
        return Err(
            CliError::user("not allowed: this device is not an admin of the group").hint(
                "only an admin can change what a device may see; ask one of the group's admins \
             (see `groundwork group members`)",
            ),
        );
    }
    let grant: Option<Grant> = if args.everything {
        Some(Grant::everything())
    } else if !args.units.is_empty() || !args.contacts.is_empty() {
        Some(net::grant_from(&group, &args.units, &args.contacts)?)
    } else {
        None
    };
    if let Some(g) = &grant {
        group
            .set_grant(device, g.clone())
            .map_err(|e| admin_hint(e.into(), "change what a device may see"))?;
    }
    if let Some(r) = args.role {
        let role = net::role(r);
        if role != member.role {
            if device == repo.device() && role == Role::Member {
                let admins = state
                    .members
                    .values()
                    .filter(|m| m.role == Role::Admin)
                    .count();
                if admins <= 1 {
                    return Err(CliError::user("this device is the group's only admin")
                        .hint("make another device an admin first"));
                }
            }
            group
                .set_role(device, role)
                .map_err(|e| admin_hint(e.into(), "change a device's role"))?;
        }
    }
    let after = group.members()?;
    let m = after
        .members
        .get(&device)
        .cloned()
        .ok_or_else(|| CliError::user("that device is no longer a member"))?;
    let units = resolve::unit_names(&group.units().unwrap_or_default());
    let view = GrantView::new(&group, &m.grant, &units);
    let mut human = String::new();
    outln!(
        human,
        "{} ({}) in \"{group_name}\": {}, may see {}",
        device_name(&m.name),
        short_id(&device),
        net::role_name(m.role),
        if m.role == Role::Admin {
            "everything (admin)".to_owned()
        } else {
            view.text()
        }
    );
    if m.role == Role::Admin && grant.as_ref().is_some_and(|g| !g.everything) {
        note(
            "note: an admin sees everything whatever its grant; the grant applies if it becomes a member",
        );
    }
    outln!(
        human,
        "The device learns of it at its next sync with a device that knows."
    );
    let json = json!({
        "group": group.id(),
        "device": device.to_string(),
        "name": m.name,
        "role": net::role_name(m.role),
        "grant": view.json(),
    });
    Ok(Report::new(human, json))
}

pub(crate) fn remove(ctx: &Ctx, args: &RemoveArgs) -> Result<Report> {
    let repo = ctx.repo()?;
    let (group, group_name) = resolve::group(&repo, ctx.group.as_deref())?;
    let state = group.members()?;
    let device = resolve::device(&state, &args.device)?;
    if device == repo.device() {
        return Err(CliError::user("that is this device")
            .hint("a device does not remove itself; ask another admin to remove it from theirs"));
    }
    let name = state
        .members
        .get(&device)
        .map(|m| m.name.clone())
        .unwrap_or_default();
    group
        .remove_device(device)
        .map_err(|e| admin_hint(e.into(), "remove a device"))?;
    let mut human = String::new();
    outln!(
        human,
        "Removed {} ({}) from \"{group_name}\".",
        device_name(&name),
        short_id(&device)
    );
    outln!(
        human,
        "It keeps what it already had; from now on it gets nothing from members who know of the \
         removal (sync to tell them)."
    );
    let json = json!({
        "group": group.id(),
        "removed": device.to_string(),
        "name": name,
    });
    Ok(Report::new(human, json))
}
