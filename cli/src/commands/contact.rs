//! `groundwork contact add|show|list|edit`.

use std::collections::{BTreeSet, HashMap};

use groundwork_core::Group;
use groundwork_core::ids::ContactId;
use groundwork_core::model::validate::phone_key;
use groundwork_core::model::{
    Contact, ContactEdit, ContactList, ContactUpdate, Labelled, NewContact, TextEdit,
};
use groundwork_core::query::ContactQuery;
use serde_json::{Value, json};

use crate::args::{ContactAddArgs, ContactEditArgs, ContactListArgs, ContactShowArgs};
use crate::commands::Ctx;
use crate::commands::view::{self, Names};
use crate::error::{CliError, Result};
use crate::output::{Report, note, outln, short_id, table, to_json};
use crate::resolve;
use crate::when::show_date;

/// Says so on stderr when another contact has the same phone or email: a likely duplicate.
fn warn_duplicates(group: &Group, phones: &[String], emails: &[String], except: Option<ContactId>) {
    let mut seen = BTreeSet::new();
    let found = phones
        .iter()
        .map(|p| group.contacts_with(Some(p), None))
        .chain(emails.iter().map(|e| group.contacts_with(None, Some(e))));
    for ids in found.flatten() {
        for id in ids {
            if Some(id) != except && seen.insert(id) {
                let name = group.contact(id).map(|c| c.name).unwrap_or_default();
                note(&format!(
                    "note: {name} ({id}) has the same phone number or email: a duplicate?"
                ));
            }
        }
    }
}

fn names_of_related(group: &Group, c: &Contact) -> HashMap<ContactId, String> {
    c.relationships
        .iter()
        .filter_map(|r| group.contact(r.other).ok().map(|o| (r.other, o.name)))
        .collect()
}

/// The contact's fields as text and JSON.
fn contact_report(group: &Group, c: &Contact, heading: Option<&str>) -> Result<Report> {
    let scale = group.settings()?.scale;
    let units = resolve::unit_names(&group.units()?);
    let related = names_of_related(group, c);
    let names = Names {
        scale: &scale,
        units: &units,
        contacts: &related,
    };
    let mut human = String::new();
    if let Some(h) = heading {
        outln!(human, "{h}");
    }
    view::contact_fields(&mut human, c, &names);
    Ok(Report::new(human, view::contact_json(c, &names)?))
}

pub(crate) fn add(ctx: &Ctx, args: &ContactAddArgs) -> Result<Report> {
    let (group, _) = ctx.group()?;
    let unit = match &args.unit {
        Some(u) => Some(resolve::unit(&group.units()?, u)?),
        None => None,
    };
    let pairs = |l: &[crate::args::LabelledArg]| {
        l.iter()
            .map(|e| (e.label.clone(), e.value.clone()))
            .collect::<Vec<_>>()
    };
    let new = NewContact {
        name: args.name.clone(),
        phones: pairs(&args.phones),
        emails: pairs(&args.emails),
        addresses: pairs(&args.addresses),
        unit,
        tags: args.tags.clone(),
        custom: args
            .custom
            .iter()
            .map(|kv| (kv.key.clone(), kv.value.clone()))
            .collect(),
        organizers: args.organizers.clone(),
        do_not_contact: args.do_not_contact,
        consent: Vec::new(),
        notes: args.note.clone().unwrap_or_default(),
    };
    let phones: Vec<String> = args.phones.iter().map(|p| p.value.clone()).collect();
    let emails: Vec<String> = args.emails.iter().map(|e| e.value.clone()).collect();
    warn_duplicates(&group, &phones, &emails, None);
    let contact = group.create_contact(&new)?;
    contact_report(&group, &contact, None)
}

pub(crate) fn show(ctx: &Ctx, args: &ContactShowArgs) -> Result<Report> {
    let repo = ctx.repo()?;
    let (group, _) = resolve::group(&repo, ctx.group.as_deref())?;
    let id = resolve::contact(&group, &args.contact)?;
    let c = group.contact(id)?;
    let scale = group.settings()?.scale;
    let units = resolve::unit_names(&group.units()?);
    let related = names_of_related(&group, &c);
    let names = Names {
        scale: &scale,
        units: &units,
        contacts: &related,
    };
    let me = repo.device_id();

    let mut h = String::new();
    view::contact_fields(&mut h, &c, &names);
    if !c.assessment_history.is_empty() {
        outln!(h);
        outln!(h, "Assessment history (oldest first):");
        for (at, value, conv) in &c.assessment_history {
            outln!(
                h,
                "  {}  {:<12} conversation {}",
                show_date(at),
                resolve::assessment_label(&scale, Some(*value)),
                short_id(conv)
            );
        }
    }
    outln!(h);
    if c.conversations.is_empty() {
        outln!(
            h,
            "No conversations yet: record one with `groundwork talk`."
        );
    } else {
        outln!(
            h,
            "Conversations ({}, oldest first):",
            c.conversations.len()
        );
        for (i, cv) in c.conversations.iter().enumerate() {
            outln!(h);
            view::conversation(&mut h, i + 1, cv, &scale);
        }
    }
    if !c.knocks.is_empty() {
        outln!(h);
        outln!(h, "Door knocks (oldest first):");
        for k in &c.knocks {
            let note = if k.note.is_empty() {
                String::new()
            } else {
                format!(" — {}", k.note)
            };
            outln!(
                h,
                "  {}  {}  {}{note}",
                crate::when::show_time(&k.at),
                k.outcome.as_str().replace('_', " "),
                k.organizer
            );
        }
    }
    if !c.meta.conflicts.is_empty() {
        outln!(h);
        outln!(
            h,
            "Conflicts (values set at the same time on different devices):"
        );
        for conflict in &c.meta.conflicts {
            outln!(h, "  {}:", conflict.field);
            for (i, v) in conflict.values.iter().enumerate() {
                let who = if v.set_by == me {
                    "this device".to_owned()
                } else {
                    format!("device {}", short_id(&v.set_by))
                };
                let when =
                    v.at.as_ref()
                        .map(crate::when::show_time)
                        .unwrap_or_default();
                outln!(
                    h,
                    "    {} {:?}  set by {who} {when}",
                    if i == 0 { "*" } else { " " },
                    v.value
                );
            }
        }
        outln!(h, "  (* the value shown above)");
    }
    if !c.meta.unknown_fields.is_empty() {
        outln!(h);
        outln!(h, "Fields from a newer Groundwork (kept as they are):");
        for (k, v) in &c.meta.unknown_fields {
            outln!(h, "  {k}: {v}");
        }
    }
    if c.meta.newer_schema {
        outln!(h);
        outln!(
            h,
            "note: this contact was written by a newer Groundwork; some of it may not show here"
        );
    }
    let mut json = view::contact_json(&c, &names)?;
    if let Value::Object(map) = &mut json {
        map.insert("scale".into(), to_json(&scale.levels)?);
    }
    Ok(Report::new(h, json))
}

pub(crate) fn list(ctx: &Ctx, args: &ContactListArgs) -> Result<Report> {
    let (group, group_name) = ctx.group()?;
    let scale = group.settings()?.scale;
    let units = group.units()?;
    let unit = match &args.unit {
        Some(u) => Some(resolve::unit(&units, u)?),
        None => None,
    };
    let assessment = match &args.assessment {
        Some(a) => Some(resolve::assessment_filter(&scale, a)?),
        None => None,
    };
    let query = ContactQuery {
        name_prefix: args.prefix.clone(),
        tag: args.tag.clone(),
        unit,
        assessment,
        organizer: args.organizer.clone(),
        limit: Some(args.limit),
        offset: 0,
    };
    let rows = group.contacts(&query)?;
    let total = group.count_contacts(&query)?;
    let unit_names = resolve::unit_names(&units);
    let unit_of = |u: Option<groundwork_core::ids::UnitId>| {
        u.and_then(|u| unit_names.get(&u).cloned())
            .unwrap_or_default()
    };

    let mut human = String::new();
    if rows.is_empty() {
        outln!(human, "No contacts match.");
    } else {
        let cells = rows
            .iter()
            .map(|c| {
                vec![
                    short_id(&c.id),
                    c.name.clone(),
                    unit_of(c.unit),
                    c.assessment_label
                        .clone()
                        .or_else(|| c.assessment.map(|v| v.to_string()))
                        .unwrap_or_default(),
                    view::last_talked(c.last_conversation_at.as_ref()),
                    if c.do_not_contact {
                        "do not contact"
                    } else {
                        ""
                    }
                    .to_owned(),
                ]
            })
            .collect();
        outln!(
            human,
            "{}",
            table(
                &["ID", "Name", "Unit", "Assessment", "Last talked", ""],
                cells
            )
        );
    }
    outln!(
        human,
        "{} of {total} contact{}",
        rows.len(),
        if total == 1 { "" } else { "s" }
    );
    let items = rows
        .iter()
        .map(|c| {
            let mut v = to_json(c)?;
            if let Value::Object(map) = &mut v {
                map.insert(
                    "unit_name".into(),
                    c.unit
                        .map_or(Value::Null, |u| Value::String(unit_of(Some(u)))),
                );
            }
            Ok(v)
        })
        .collect::<Result<Vec<_>>>()?;
    let json = json!({
        "group": { "id": group.id(), "name": group_name },
        "contacts": items,
        "shown": rows.len(),
        "total": total,
    });
    Ok(Report::new(human, json))
}

/// Finds the entry a `--remove-…` flag names: by entry id (or its first characters) or value.
fn find_entry(
    list: &[Labelled],
    what: &str,
    query: &str,
    same_value: impl Fn(&str, &str) -> bool,
) -> Result<Labelled> {
    let q = query.trim();
    let lower = q.to_lowercase();
    let by_id: Vec<&Labelled> = if lower.len() >= 4 {
        list.iter()
            .filter(|e| e.id.to_string().starts_with(&lower))
            .collect()
    } else {
        Vec::new()
    };
    let matches = if by_id.is_empty() {
        list.iter().filter(|e| same_value(&e.value, q)).collect()
    } else {
        by_id
    };
    match matches.as_slice() {
        [one] => Ok((*one).clone()),
        found => {
            let listing = if list.is_empty() {
                format!("they have no {what}s")
            } else {
                format!(
                    "their {what}s: {}",
                    list.iter()
                        .map(|e| format!("[{}] {}: {}", short_id(&e.id), e.label, e.value))
                        .collect::<Vec<_>>()
                        .join("; ")
                )
            };
            let message = if found.is_empty() {
                format!("no {what} matches \"{q}\"")
            } else {
                format!("\"{q}\" matches {} {what}s", found.len())
            };
            Err(CliError::user(message)
                .hint(format!("give the entry id shown in brackets; {listing}")))
        }
    }
}

pub(crate) fn edit(ctx: &Ctx, args: &ContactEditArgs) -> Result<Report> {
    let (group, _) = ctx.group()?;
    let id = resolve::contact(&group, &args.contact)?;
    let c = group.contact(id)?;
    let mut edits = Vec::new();

    if let Some(name) = &args.name {
        edits.push(ContactEdit::SetName(name.clone()));
    }
    for t in &args.add_tags {
        edits.push(ContactEdit::AddTag(t.clone()));
    }
    for t in &args.remove_tags {
        if !c.tags.contains(t.trim()) {
            note(&format!("note: {} has no tag \"{}\"", c.name, t.trim()));
        }
        edits.push(ContactEdit::RemoveTag(t.clone()));
    }
    let add = |edits: &mut Vec<ContactEdit>, list, entries: &[crate::args::LabelledArg]| {
        for e in entries {
            edits.push(ContactEdit::AddEntry {
                list,
                label: e.label.clone(),
                value: e.value.clone(),
            });
        }
    };
    add(&mut edits, ContactList::Phones, &args.add_phones);
    add(&mut edits, ContactList::Emails, &args.add_emails);
    add(&mut edits, ContactList::Addresses, &args.add_addresses);
    for q in &args.remove_phones {
        let e = find_entry(&c.phones, "phone", q, |v, q| {
            let k = phone_key(q);
            !k.is_empty() && phone_key(v) == k
        })?;
        edits.push(ContactEdit::RemoveEntry {
            list: ContactList::Phones,
            id: e.id,
        });
    }
    for q in &args.remove_emails {
        let e = find_entry(&c.emails, "email", q, |v, q| v.eq_ignore_ascii_case(q))?;
        edits.push(ContactEdit::RemoveEntry {
            list: ContactList::Emails,
            id: e.id,
        });
    }
    for q in &args.remove_addresses {
        let e = find_entry(&c.addresses, "address", q, |v, q| v.trim() == q)?;
        edits.push(ContactEdit::RemoveEntry {
            list: ContactList::Addresses,
            id: e.id,
        });
    }
    if let Some(u) = &args.unit {
        let unit = if u.trim().eq_ignore_ascii_case("none") {
            None
        } else {
            Some(resolve::unit(&group.units()?, u)?)
        };
        edits.push(ContactEdit::SetUnit(unit));
    }
    for o in &args.add_organizers {
        edits.push(ContactEdit::AddOrganizer(o.clone()));
    }
    for o in &args.remove_organizers {
        edits.push(ContactEdit::RemoveOrganizer(o.clone()));
    }
    if let Some(dnc) = args.do_not_contact {
        edits.push(ContactEdit::SetDoNotContact(dnc));
    }
    if let Some(text) = &args.append_note {
        // Positions are UTF-16 code units; the edit is applied at the version read above.
        let end = c.notes.encode_utf16().count();
        let insert = if c.notes.is_empty() || c.notes.ends_with('\n') {
            text.clone()
        } else {
            format!("\n{text}")
        };
        edits.push(ContactEdit::EditNotes(TextEdit::Splice {
            index: end,
            delete: 0,
            insert,
        }));
    }
    for kv in &args.set {
        edits.push(ContactEdit::SetCustom {
            key: kv.key.clone(),
            value: Some(kv.value.clone()),
        });
    }
    for k in &args.unset {
        edits.push(ContactEdit::SetCustom {
            key: k.clone(),
            value: None,
        });
    }
    if edits.is_empty() {
        return Err(CliError::user("nothing to change").hint(
            "give at least one of --name, --add-tag, --remove-tag, --add-phone, --remove-phone, \
             --unit, --add-organizer, --do-not-contact, --append-note, --set (see --help)",
        ));
    }
    let phones: Vec<String> = args.add_phones.iter().map(|p| p.value.clone()).collect();
    let emails: Vec<String> = args.add_emails.iter().map(|e| e.value.clone()).collect();
    warn_duplicates(&group, &phones, &emails, Some(id));
    let merged =
        group.update_contact(id, &ContactUpdate::based_on(c.meta.version.clone(), edits))?;
    contact_report(&group, &merged, None)
}
