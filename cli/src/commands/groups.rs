//! `groundwork groups`: the groups on this device.

use groundwork_core::query::ContactQuery;
use serde_json::json;

use crate::args::GroupsArgs;
use crate::commands::Ctx;
use crate::error::{CliError, Result};
use crate::output::{Report, outln, table};

pub(crate) fn run(ctx: &Ctx, args: &GroupsArgs) -> Result<Report> {
    let repo = ctx.repo()?;
    let mut human = String::new();
    let mut created = None;
    if let Some(name) = &args.create {
        if name.trim().is_empty() {
            return Err(CliError::user("the group name is empty").hint("give --create a name"));
        }
        let group = repo.create_group(name)?;
        outln!(human, "Created group \"{}\" ({})", name.trim(), group.id());
        created = Some(group.id());
    }
    let groups = repo.groups()?;
    let mut rows = Vec::new();
    let mut items = Vec::new();
    for (i, (id, name)) in groups.iter().enumerate() {
        let contacts = repo.group(*id)?.count_contacts(&ContactQuery::default())?;
        rows.push(vec![
            id.to_string(),
            name.clone(),
            contacts.to_string(),
            if i == 0 { "yes".into() } else { String::new() },
        ]);
        items.push(json!({
            "id": id,
            "name": name,
            "contacts": contacts,
            "default": i == 0,
        }));
    }
    if groups.is_empty() {
        outln!(human, "No groups on this device yet.");
        outln!(human, "Create one with `groundwork groups --create NAME`.");
    } else {
        outln!(
            human,
            "{}",
            table(&["ID", "Name", "Contacts", "Default"], rows)
        );
        outln!(
            human,
            "{} group{} on this device",
            groups.len(),
            if groups.len() == 1 { "" } else { "s" }
        );
    }
    let json = json!({ "groups": items, "created": created });
    Ok(Report::new(human, json))
}
