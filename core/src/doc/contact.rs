//! A contact's document: the person and their conversation log.
//!
//! Root: `name`, `unit`, `do_not_contact` (scalars); `phones`, `emails`, `addresses`,
//! `relationships`, `conversations` (lists of maps with an `id`); `tags`, `organizers` (sets);
//! `custom`, `consent` (maps); `notes` (text). Conversations are append-only: a correction is a
//! new entry with the same `id` and a higher `revision`. `knocks` (a list of maps with an `id`)
//! holds door knocks, append-only; `turfs` maps each turf the contact was handed out in to the
//! set of devices that held the contact already (an admin writes it when cutting the turf).

use std::collections::{BTreeMap, BTreeSet};

use automerge::ReadDoc;
use automerge::transaction::Transactable;
use automerge::{AutoCommit, ObjId, ObjType, ROOT, ScalarValue};

use super::{
    DocKind, Reader, am, edit_text, ensure, entry, init_root, push_entry, put_opt_str, put_text,
    put_time, remove_entry, set_add, set_remove,
};
use crate::error::{Error, ValidationError};
use groundwork_proto::membership::DeviceId;

use crate::ids::{ContactId, ConversationId, EntryId, TurfId, UnitId};
use crate::model::validate::{self, LIST_MAX};
use crate::model::{
    Channel, Contact, ContactEdit, ContactList, Conversation, ConversationSteps, DoorKnock,
    KnockOutcome, Labelled, NewContact, NewConversation, NewKnock, Relationship, RelationshipKind,
};

const KNOWN: &[&str] = &[
    "name",
    "unit",
    "do_not_contact",
    "phones",
    "emails",
    "addresses",
    "relationships",
    "conversations",
    "tags",
    "organizers",
    "custom",
    "consent",
    "notes",
    "knocks",
    "turfs",
];

/// Checks a list entry before it is written.
fn check_entry(
    list: ContactList,
    label: &str,
    value: &str,
) -> Result<(String, String), ValidationError> {
    let field = list.key();
    let label = validate::optional(&format!("{field} label"), label)?;
    let value = match list {
        ContactList::Phones => validate::phone("phone", value)?,
        ContactList::Emails => validate::email("email", value)?,
        ContactList::Addresses => validate::required("address", value)?,
    };
    Ok((label, value))
}

/// Writes a new contact into an empty document.
pub(crate) fn create(doc: &mut AutoCommit, id: ContactId, new: &NewContact) -> Result<(), Error> {
    let name = validate::required("name", &new.name)?;
    validate::text("notes", &new.notes)?;
    init_root(doc, DocKind::Contact, &id.to_string())?;
    doc.put(ROOT, "name", name.as_str()).map_err(am)?;
    put_opt_str(
        doc,
        &ROOT,
        "unit",
        new.unit.map(|u| u.to_string()).as_deref(),
    )?;
    doc.put(ROOT, "do_not_contact", new.do_not_contact)
        .map_err(am)?;
    for key in [
        "phones",
        "emails",
        "addresses",
        "relationships",
        "conversations",
        "knocks",
    ] {
        doc.put_object(ROOT, key, ObjType::List).map_err(am)?;
    }
    for key in ["tags", "organizers", "custom", "consent", "turfs"] {
        doc.put_object(ROOT, key, ObjType::Map).map_err(am)?;
    }
    put_text(doc, &ROOT, "notes", &new.notes)?;
    let mut edits = Vec::new();
    for (list, items) in [
        (ContactList::Phones, &new.phones),
        (ContactList::Emails, &new.emails),
        (ContactList::Addresses, &new.addresses),
    ] {
        for (label, value) in items {
            edits.push(ContactEdit::AddEntry {
                list,
                label: label.clone(),
                value: value.clone(),
            });
        }
    }
    edits.extend(new.tags.iter().cloned().map(ContactEdit::AddTag));
    edits.extend(
        new.organizers
            .iter()
            .cloned()
            .map(ContactEdit::AddOrganizer),
    );
    edits.extend(new.custom.iter().map(|(k, v)| ContactEdit::SetCustom {
        key: k.clone(),
        value: Some(v.clone()),
    }));
    edits.extend(new.consent.iter().map(|(k, v)| ContactEdit::SetConsent {
        kind: k.clone(),
        given: Some(*v),
    }));
    for edit in &edits {
        apply(doc, edit)?;
    }
    Ok(())
}

/// Applies one per-field edit.
pub(crate) fn apply(doc: &mut AutoCommit, edit: &ContactEdit) -> Result<(), Error> {
    match edit {
        ContactEdit::SetName(name) => {
            let name = validate::required("name", name)?;
            doc.put(ROOT, "name", name.as_str()).map_err(am)
        }
        ContactEdit::SetUnit(unit) => {
            put_opt_str(doc, &ROOT, "unit", unit.map(|u| u.to_string()).as_deref())
        }
        ContactEdit::AddEntry { list, label, value } => {
            let (label, value) = check_entry(*list, label, value)?;
            let e = push_entry(doc, &ROOT, list.key(), &EntryId::random().to_string(), 50)?;
            doc.put(&e, "label", label.as_str()).map_err(am)?;
            doc.put(&e, "value", value.as_str()).map_err(am)
        }
        ContactEdit::EditEntry {
            list,
            id,
            label,
            value,
        } => {
            let (label, value) = check_entry(*list, label, value)?;
            let e = entry(doc, &ROOT, list.key(), &id.to_string(), list.key())?;
            doc.put(&e, "label", label.as_str()).map_err(am)?;
            doc.put(&e, "value", value.as_str()).map_err(am)
        }
        ContactEdit::RemoveEntry { list, id } => {
            remove_entry(doc, &ROOT, list.key(), &id.to_string(), list.key())
        }
        ContactEdit::AddTag(tag) => set_add(doc, &ROOT, "tags", &validate::required("tag", tag)?),
        ContactEdit::RemoveTag(tag) => set_remove(doc, &ROOT, "tags", tag.trim()),
        ContactEdit::SetCustom { key, value } => {
            let key = validate::required("custom field name", key)?;
            let map = ensure(doc, &ROOT, "custom", ObjType::Map)?;
            match value {
                Some(v) => {
                    let v = validate::optional(&key, v)?;
                    validate::list_len("custom fields", doc.length(&map) + 1, LIST_MAX)?;
                    doc.put(&map, key.as_str(), v.as_str()).map_err(am)
                }
                None => doc.delete(&map, key.as_str()).map_err(am),
            }
        }
        ContactEdit::AddRelationship { kind, other } => {
            let kind_str = validate::required("relationship", kind.as_str())?;
            let e = push_entry(
                doc,
                &ROOT,
                "relationships",
                &EntryId::random().to_string(),
                LIST_MAX,
            )?;
            doc.put(&e, "kind", kind_str.as_str()).map_err(am)?;
            doc.put(&e, "other", other.to_string()).map_err(am)
        }
        ContactEdit::RemoveRelationship(id) => {
            remove_entry(doc, &ROOT, "relationships", &id.to_string(), "relationship")
        }
        ContactEdit::AddOrganizer(o) => set_add(
            doc,
            &ROOT,
            "organizers",
            &validate::required("organizer", o)?,
        ),
        ContactEdit::RemoveOrganizer(o) => set_remove(doc, &ROOT, "organizers", o.trim()),
        ContactEdit::SetDoNotContact(v) => doc.put(ROOT, "do_not_contact", *v).map_err(am),
        ContactEdit::SetConsent { kind, given } => {
            let kind = validate::required("consent kind", kind)?;
            let map = ensure(doc, &ROOT, "consent", ObjType::Map)?;
            match given {
                Some(g) => doc.put(&map, kind.as_str(), *g).map_err(am),
                None => doc.delete(&map, kind.as_str()).map_err(am),
            }
        }
        ContactEdit::EditNotes(edit) => edit_text(doc, &ROOT, "notes", "notes", edit),
    }
}

/// Validates a conversation before it is appended.
pub(crate) fn check_conversation(c: &NewConversation) -> Result<(), Error> {
    validate::required("organizer", &c.organizer)?;
    validate::optional("place", &c.place)?;
    validate::required("channel", c.channel.as_str())?;
    let s = &c.steps;
    for (field, text) in [
        ("door", &s.door),
        ("story", &s.story),
        ("vision", &s.vision),
        ("obstacles", &s.obstacles),
        ("ask", &s.ask),
        ("answer", &s.answer),
        ("next steps", &c.next_steps),
    ] {
        validate::text(field, text)?;
    }
    Ok(())
}

/// Appends a conversation (revision 1) or a correction (the next revision) to the log.
pub(crate) fn append_conversation(
    doc: &mut AutoCommit,
    id: ConversationId,
    revision: u32,
    c: &NewConversation,
) -> Result<(), Error> {
    check_conversation(c)?;
    let e = push_entry(
        doc,
        &ROOT,
        "conversations",
        &id.to_string(),
        validate::CONVERSATIONS_MAX,
    )?;
    doc.put(&e, "rev_id", EntryId::random().to_string())
        .map_err(am)?;
    doc.put(&e, "revision", u64::from(revision)).map_err(am)?;
    doc.put(&e, "organizer", c.organizer.trim()).map_err(am)?;
    put_time(doc, &e, "at", c.at)?;
    doc.put(&e, "place", c.place.trim()).map_err(am)?;
    doc.put(&e, "channel", c.channel.as_str()).map_err(am)?;
    let s = &c.steps;
    for (key, text) in [
        ("door", &s.door),
        ("story", &s.story),
        ("vision", &s.vision),
        ("obstacles", &s.obstacles),
        ("ask", &s.ask),
        ("answer", &s.answer),
        ("next_steps", &c.next_steps),
    ] {
        doc.put(&e, key, text.as_str()).map_err(am)?;
    }
    match c.assessment {
        Some(a) => doc.put(&e, "assessment", a).map_err(am)?,
        None => doc.put(&e, "assessment", ScalarValue::Null).map_err(am)?,
    }
    Ok(())
}

/// Appends a door knock. Contacts created before knocks existed get the list on their first
/// knock; should two devices both create it, [`read`] still shows the knocks in both.
pub(crate) fn append_knock(doc: &mut AutoCommit, id: EntryId, k: &NewKnock) -> Result<(), Error> {
    let organizer = validate::required("organizer", &k.organizer)?;
    let note = validate::optional("note", &k.note)?;
    validate::required("outcome", k.outcome.as_str())?;
    let e = push_entry(
        doc,
        &ROOT,
        "knocks",
        &id.to_string(),
        validate::CONVERSATIONS_MAX,
    )?;
    doc.put(&e, "outcome", k.outcome.as_str()).map_err(am)?;
    doc.put(&e, "organizer", organizer.as_str()).map_err(am)?;
    put_time(doc, &e, "at", k.at)?;
    doc.put(&e, "note", note.as_str()).map_err(am)
}

/// Marks the contact as part of a turf, naming the devices that held it before the turf was cut.
pub(crate) fn put_in_turf(
    doc: &mut AutoCommit,
    turf: TurfId,
    held_before: &[DeviceId],
) -> Result<(), Error> {
    let turfs = ensure(doc, &ROOT, "turfs", ObjType::Map)?;
    validate::list_len("turfs", doc.length(&turfs) + 1, LIST_MAX)?;
    let entry = doc
        .put_object(&turfs, turf.to_string(), ObjType::Map)
        .map_err(am)?;
    for d in held_before {
        doc.put(&entry, d.to_string(), true).map_err(am)?;
    }
    Ok(())
}

/// The door knocks in every `knocks` list of the document, oldest first (by time, then id).
fn read_knocks(r: &mut Reader<'_>) -> Vec<DoorKnock> {
    let doc = r.doc;
    let mut out: Vec<DoorKnock> = Vec::new();
    for list in r.objects(&ROOT, "knocks", ObjType::List) {
        let entries: Vec<ObjId> = doc
            .list_range(&list, ..)
            .filter_map(|item| match item.value {
                automerge::ValueRef::Object(ObjType::Map) => Some(item.id()),
                _ => None,
            })
            .collect();
        for e in entries {
            let Some(id) = r
                .opt_str(&e, "id", "")
                .and_then(|s| EntryId::parse(&s).ok())
            else {
                continue;
            };
            let Some(at) = r.time(&e, "at", "") else {
                continue;
            };
            if out.iter().any(|k| k.id == id) {
                continue;
            }
            out.push(DoorKnock {
                id,
                outcome: KnockOutcome::parse(&r.str(&e, "outcome", "")),
                organizer: r.str(&e, "organizer", ""),
                at,
                note: r.str(&e, "note", ""),
            });
        }
    }
    out.sort_by_key(|k| (k.at, k.id));
    out
}

/// The turfs in every `turfs` map of the document, with the devices that held the contact before.
fn read_turfs(r: &Reader<'_>) -> (BTreeSet<TurfId>, Vec<(TurfId, DeviceId)>) {
    let doc = r.doc;
    let mut turfs = BTreeSet::new();
    let mut held = BTreeSet::new();
    for map in r.objects(&ROOT, "turfs", ObjType::Map) {
        for key in doc.keys(&map) {
            let Ok(turf) = TurfId::parse(&key) else {
                continue;
            };
            turfs.insert(turf);
            let Ok(Some((automerge::Value::Object(ObjType::Map), entry))) =
                doc.get(&map, key.as_str())
            else {
                continue;
            };
            for device in doc.keys(&entry) {
                let mut bytes = [0u8; 32];
                if hex::decode_to_slice(&device, &mut bytes).is_ok() {
                    held.insert((turf, DeviceId(bytes)));
                }
            }
        }
    }
    (turfs, held.into_iter().collect())
}

/// The highest revision of a conversation in the log (0 if absent).
pub(crate) fn latest_revision(doc: &AutoCommit, id: ConversationId) -> u32 {
    let mut r = Reader::new(doc);
    let id = id.to_string();
    let entries = r.entries(&ROOT, "conversations");
    entries
        .iter()
        .filter_map(|e| {
            let same = r.opt_str(e, "id", "").as_deref() == Some(id.as_str());
            if same { r.int(e, "revision", "") } else { None }
        })
        .max()
        .and_then(|v| u32::try_from(v).ok())
        .unwrap_or(0)
}

fn labelled(r: &mut Reader<'_>, key: &str) -> Vec<Labelled> {
    r.entries(&ROOT, key)
        .iter()
        .filter_map(|e| {
            let id = EntryId::parse(&r.opt_str(e, "id", "")?).ok()?;
            let path = format!("{key}/{id}");
            Some(Labelled {
                id,
                label: r.str(e, "label", &format!("{path}/label")),
                value: r.str(e, "value", &format!("{path}/value")),
            })
        })
        .collect()
}

fn read_conversation(
    r: &mut Reader<'_>,
    e: &ObjId,
    contact: ContactId,
) -> Option<(Conversation, String)> {
    let id = ConversationId::parse(&r.opt_str(e, "id", "")?).ok()?;
    let rev_id = r.opt_str(e, "rev_id", "").unwrap_or_default();
    let revision = u32::try_from(r.int(e, "revision", "")?).ok()?;
    let s = |r: &mut Reader<'_>, k: &str| r.str(e, k, "");
    Some((
        Conversation {
            id,
            revision,
            contact,
            organizer: s(r, "organizer"),
            at: r.time(e, "at", "")?,
            place: s(r, "place"),
            channel: Channel::parse(&s(r, "channel")),
            steps: ConversationSteps {
                door: s(r, "door"),
                story: s(r, "story"),
                vision: s(r, "vision"),
                obstacles: s(r, "obstacles"),
                ask: s(r, "ask"),
                answer: s(r, "answer"),
            },
            assessment: r.int(e, "assessment", "").filter(|a| *a != 0),
            next_steps: s(r, "next_steps"),
        },
        rev_id,
    ))
}

/// Reads the contact. Derived values (latest revision of each conversation, current assessment)
/// are computed the same way on every device: by time, then id; ties between concurrent
/// corrections by revision, then the entry's random id.
pub(crate) fn read(doc: &mut AutoCommit, id: ContactId) -> Contact {
    let version = super::version(doc);
    let doc: &AutoCommit = doc;
    let mut r = Reader::new(doc);
    let name = r.str(&ROOT, "name", "name");
    let unit = r
        .opt_str(&ROOT, "unit", "unit")
        .and_then(|u| UnitId::parse(&u).ok());
    let do_not_contact = r.bool(&ROOT, "do_not_contact", "do_not_contact");
    let phones = labelled(&mut r, "phones");
    let emails = labelled(&mut r, "emails");
    let addresses = labelled(&mut r, "addresses");
    let tags: BTreeSet<String> = r.set_keys(&ROOT, "tags").into_iter().collect();
    let organizers: BTreeSet<String> = r.set_keys(&ROOT, "organizers").into_iter().collect();
    let mut custom = BTreeMap::new();
    for key in r.set_keys(&ROOT, "custom") {
        if let Some(map) = r.object(&ROOT, "custom", ObjType::Map) {
            let v = r.str(&map, &key, &format!("custom/{key}"));
            custom.insert(key, v);
        }
    }
    let mut consent = BTreeMap::new();
    for key in r.set_keys(&ROOT, "consent") {
        if let Some(map) = r.object(&ROOT, "consent", ObjType::Map) {
            let v = r.bool(&map, &key, &format!("consent/{key}"));
            consent.insert(key, v);
        }
    }
    let relationships = r
        .entries(&ROOT, "relationships")
        .iter()
        .filter_map(|e| {
            Some(Relationship {
                id: EntryId::parse(&r.opt_str(e, "id", "")?).ok()?,
                kind: RelationshipKind::parse(&r.opt_str(e, "kind", "")?),
                other: ContactId::parse(&r.opt_str(e, "other", "")?).ok()?,
            })
        })
        .collect();
    let notes = r.text(&ROOT, "notes");

    // Latest revision of each conversation.
    let mut latest: BTreeMap<ConversationId, (Conversation, String)> = BTreeMap::new();
    for e in r.entries(&ROOT, "conversations") {
        let Some((c, rev_id)) = read_conversation(&mut r, &e, id) else {
            continue;
        };
        match latest.get(&c.id) {
            Some((old, old_rev))
                if (old.revision, old_rev.as_str()) >= (c.revision, rev_id.as_str()) => {}
            _ => {
                latest.insert(c.id, (c, rev_id));
            }
        }
    }
    let mut conversations: Vec<Conversation> = latest.into_values().map(|(c, _)| c).collect();
    conversations.sort_by_key(|c| (c.at, c.id));
    let assessment_history: Vec<_> = conversations
        .iter()
        .filter_map(|c| c.assessment.map(|a| (c.at, a, c.id)))
        .collect();
    let assessment = assessment_history.last().map(|(_, a, _)| *a);
    let last_conversation_at = conversations.last().map(|c| c.at);
    let knocks = read_knocks(&mut r);
    let (turfs, turf_held_before) = read_turfs(&r);
    let meta = r.finish(KNOWN, version);
    Contact {
        id,
        name,
        phones,
        emails,
        addresses,
        unit,
        tags,
        custom,
        relationships,
        organizers,
        do_not_contact,
        consent,
        notes,
        conversations,
        assessment,
        assessment_history,
        last_conversation_at,
        knocks,
        turfs,
        turf_held_before,
        meta,
    }
}
