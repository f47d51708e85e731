//! What one change did to a document, and the change that undoes it.
//!
//! A change's effect is read by comparing the document at the change's dependencies (just
//! before it) with the document at the change itself (just after it), for each object the change
//! touched: a map's keys (scalars, sets, custom fields), a text's content, a list's entries.
//! Comparing states rather than replaying operations keeps the answer right for any change,
//! whichever device and version wrote it.
//!
//! Undoing restores, in those objects only, the state before the change. The inverse is written
//! at the change itself (the document isolated there, then merged forward, like an edit with a
//! `base`), so it supersedes exactly what the change did: later edits to other fields are never
//! touched, and with `force` a later edit of the same field stays beside the restored value as a
//! conflict (scalars) or merges with it (text), instead of being lost.

use std::collections::{BTreeMap, HashSet};

use automerge::transaction::Transactable;
use automerge::{
    ActorId, AutoCommit, ChangeHash, ObjId, ObjType, PatchAction, Prop, ReadDoc, ScalarValue, Value,
};

use super::{am, render};
use crate::error::{Error, ValidationError};

/// A change's place in a document's history.
#[derive(Debug, Clone)]
pub(crate) struct ChangeMeta {
    pub(crate) hash: ChangeHash,
    pub(crate) deps: Vec<ChangeHash>,
    pub(crate) actor: Vec<u8>,
    /// Seconds since the epoch, by the author's clock.
    pub(crate) time: i64,
}

/// Every change of a document, in causal order (a change after the changes it depends on).
pub(crate) fn changes(doc: &mut AutoCommit) -> Vec<ChangeMeta> {
    doc.get_changes_meta(&[])
        .iter()
        .map(|c| ChangeMeta {
            hash: c.hash,
            deps: c.deps.to_vec(),
            actor: c.actor.to_bytes().to_vec(),
            time: c.timestamp,
        })
        .collect()
}

/// Finds a change by its hash written in hex, or by a unique prefix of it (at least 8 digits).
pub(crate) fn find_change(doc: &mut AutoCommit, hex: &str) -> Result<ChangeMeta, Error> {
    let hex = hex.trim().to_ascii_lowercase();
    let not_found = || Error::NotFound {
        kind: "change",
        id: hex.clone(),
    };
    if hex.len() < 8 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(ValidationError::bad_format(
            "change",
            "at least 8 hexadecimal digits of a change hash",
        )
        .into());
    }
    let mut found = changes(doc)
        .into_iter()
        .filter(|c| c.hash.to_string().starts_with(&hex));
    let first = found.next().ok_or_else(not_found)?;
    if found.next().is_some() {
        return Err(ValidationError::out_of_range(
            "change",
            format!("{hex} is the start of several changes; give more digits"),
        )
        .into());
    }
    Ok(first)
}

/// What a change did to one field of a record.
#[derive(Debug, Clone)]
pub(crate) enum Effect {
    /// A map key was set, replaced or removed (a scalar field, a set member, a custom field).
    Key {
        obj: ObjId,
        key: String,
        path: String,
        before: Option<(Value<'static>, ObjId)>,
        after: Option<(Value<'static>, ObjId)>,
    },
    /// A text was edited.
    Text {
        obj: ObjId,
        path: String,
        before: String,
        after: String,
    },
    /// Entries were added to or removed from a list.
    List {
        obj: ObjId,
        path: String,
        /// The entries before the change, in order: (element id, value).
        before: Vec<(ObjId, Value<'static>)>,
        added: Vec<ObjId>,
        removed: Vec<ObjId>,
    },
}

impl Effect {
    pub(crate) fn path(&self) -> &str {
        match self {
            Effect::Key { path, .. } | Effect::Text { path, .. } | Effect::List { path, .. } => {
                path
            }
        }
    }
}

/// The effect of one change, field by field. `created` lists the objects the change made (a
/// new entry's map): edits inside them are part of adding the entry.
#[derive(Debug, Clone, Default)]
pub(crate) struct ChangeEffect {
    pub(crate) effects: Vec<Effect>,
    pub(crate) created: Vec<ObjId>,
}

/// Keys every document has at its root and no edit changes.
const FIXED: [&str; 3] = ["kind", "schema", "id"];

/// Reads what change `c` did, comparing the document before and after it.
pub(crate) fn effect(doc: &mut AutoCommit, c: &ChangeMeta) -> ChangeEffect {
    let after = [c.hash];
    let patches = doc.diff(&c.deps, &after);
    let doc: &AutoCommit = doc;
    let mut out = ChangeEffect::default();
    // Objects in the order the patches first name them, each with the map keys patched.
    let mut objects: Vec<(ObjId, String, Vec<String>)> = Vec::new();
    for p in &patches {
        if doc.hash_for_opid(&p.obj) == Some(c.hash) {
            if !out.created.contains(&p.obj) {
                out.created.push(p.obj.clone());
            }
            continue;
        }
        let key = match &p.action {
            PatchAction::PutMap { key, .. } | PatchAction::DeleteMap { key } => Some(key.clone()),
            PatchAction::Conflict {
                prop: Prop::Map(key),
            }
            | PatchAction::Increment {
                prop: Prop::Map(key),
                ..
            } => Some(key.clone()),
            _ => None,
        };
        let slot = match objects.iter().position(|(o, _, _)| *o == p.obj) {
            Some(i) => i,
            None => {
                objects.push((
                    p.obj.clone(),
                    path_of(doc, &p.path, &p.obj, &after),
                    Vec::new(),
                ));
                objects.len() - 1
            }
        };
        if let Some(key) = key
            && !objects[slot].2.contains(&key)
        {
            objects[slot].2.push(key);
        }
    }
    for (obj, path, keys) in objects {
        match doc.object_type(&obj) {
            Ok(ObjType::Map | ObjType::Table) => {
                for key in keys {
                    if obj == automerge::ROOT && FIXED.contains(&key.as_str()) {
                        continue;
                    }
                    let before = owned(doc.get_at(&obj, key.as_str(), &c.deps));
                    let after_v = owned(doc.get_at(&obj, key.as_str(), &after));
                    // A container made together with its parent (a new record's lists) is
                    // part of the record's shape, not an edit of its own.
                    if before.is_none() && matches!(after_v, Some((Value::Object(_), _))) {
                        continue;
                    }
                    let path = join(&path, &key);
                    out.effects.push(Effect::Key {
                        obj: obj.clone(),
                        key,
                        path,
                        before,
                        after: after_v,
                    });
                }
            }
            Ok(ObjType::Text) => {
                let before = doc.text_at(&obj, &c.deps).unwrap_or_default();
                let after_t = doc.text_at(&obj, &after).unwrap_or_default();
                if before != after_t {
                    out.effects.push(Effect::Text {
                        obj,
                        path,
                        before,
                        after: after_t,
                    });
                }
            }
            Ok(ObjType::List) => {
                let items = |heads: &[ChangeHash]| -> Vec<(ObjId, Value<'static>)> {
                    doc.list_range_at(&obj, .., heads)
                        .map(|i| (i.id(), i.value.into_value()))
                        .collect()
                };
                let before = items(&c.deps);
                let after_items = items(&after);
                let before_ids: HashSet<&ObjId> = before.iter().map(|(id, _)| id).collect();
                let after_ids: HashSet<&ObjId> = after_items.iter().map(|(id, _)| id).collect();
                let added: Vec<ObjId> = after_items
                    .iter()
                    .filter(|(id, _)| !before_ids.contains(id))
                    .map(|(id, _)| id.clone())
                    .collect();
                let removed: Vec<ObjId> = before
                    .iter()
                    .filter(|(id, _)| !after_ids.contains(id))
                    .map(|(id, _)| id.clone())
                    .collect();
                if !added.is_empty() || !removed.is_empty() {
                    out.effects.push(Effect::List {
                        obj,
                        path,
                        before,
                        added,
                        removed,
                    });
                }
            }
            Err(_) => {}
        }
    }
    out
}

fn owned(
    v: Result<Option<(Value<'_>, ObjId)>, automerge::AutomergeError>,
) -> Option<(Value<'static>, ObjId)> {
    v.ok().flatten().map(|(v, id)| (v.into_owned(), id))
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}/{key}")
    }
}

/// A field path as conflicts name it: map keys, and list entries by their `id`.
fn path_of(doc: &AutoCommit, path: &[(ObjId, Prop)], obj: &ObjId, heads: &[ChangeHash]) -> String {
    let mut parts = Vec::with_capacity(path.len());
    for (i, (_, prop)) in path.iter().enumerate() {
        match prop {
            Prop::Map(k) => parts.push(k.clone()),
            Prop::Seq(index) => {
                let child = path.get(i + 1).map_or(obj, |(o, _)| o);
                let id = doc
                    .get_at(child, "id", heads)
                    .ok()
                    .flatten()
                    .and_then(|(v, _)| v.as_str().map(str::to_owned));
                parts.push(id.unwrap_or_else(|| index.to_string()));
            }
        }
    }
    parts.join("/")
}

/// A short description of a list entry: its `id`-less scalar fields, e.g. `label: mobile, value:
/// 0612…`, or the value itself for a plain list item.
pub(crate) fn describe_entry(
    doc: &AutoCommit,
    item: &ObjId,
    value: &Value<'_>,
    heads: &[ChangeHash],
) -> String {
    let text = match value {
        Value::Object(ObjType::Map) => {
            let mut fields = Vec::new();
            for key in doc.keys_at(item, heads) {
                if key == "id" || key == "rev_id" {
                    continue;
                }
                if let Ok(Some((v @ Value::Scalar(_), _))) = doc.get_at(item, key.as_str(), heads) {
                    let shown = render(&v);
                    if !shown.is_empty() && shown != "(none)" {
                        fields.push(format!("{key}: {shown}"));
                    }
                }
            }
            fields.join(", ")
        }
        other => render(other),
    };
    shorten(&text, 80)
}

pub(crate) fn shorten(s: &str, max: usize) -> String {
    let s = s.trim();
    if s.chars().count() <= max {
        return s.to_owned();
    }
    let cut: String = s.chars().take(max - 1).collect();
    format!("{}…", cut.trim_end())
}

/// A text edit in a few words: how many characters went and what came in.
pub(crate) fn text_summary(before: &str, after: &str) -> String {
    let b: Vec<char> = before.chars().collect();
    let a: Vec<char> = after.chars().collect();
    let prefix = b.iter().zip(&a).take_while(|(x, y)| x == y).count();
    let suffix = b[prefix..]
        .iter()
        .rev()
        .zip(a[prefix..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let removed = b.len() - prefix - suffix;
    let inserted: String = a[prefix..a.len() - suffix].iter().collect();
    match (removed, inserted.is_empty()) {
        (0, true) => "unchanged".to_owned(),
        (0, false) => format!("added \"{}\"", shorten(&inserted, 60)),
        (n, true) => format!("removed {n} characters"),
        (n, false) => format!(
            "replaced {n} characters with \"{}\"",
            shorten(&inserted, 60)
        ),
    }
}

// ---------------------------------------------------------------------------------------------
// Later edits of the same fields

/// An object or operation id as the raw (counter, actor) pair, comparable across the two
/// forms Automerge hands out (document ids and the ops of a decoded change).
type RawId = (u64, Vec<u8>);

fn raw(id: &ObjId) -> RawId {
    match id {
        ObjId::Root => (0, Vec::new()),
        ObjId::Id(counter, actor, _) => (*counter, actor.to_bytes().to_vec()),
    }
}

fn raw_legacy(id: &automerge::legacy::ObjectId) -> RawId {
    match id {
        automerge::legacy::ObjectId::Root => (0, Vec::new()),
        automerge::legacy::ObjectId::Id(op) => (op.counter(), op.actor().to_bytes().to_vec()),
    }
}

/// The changes made after `c` or concurrently with it (every change not in its history) that
/// touched a field `c` changed, by the field's path. Conversations are matched by the caller
/// (a later revision is a new entry, not an edit of `c`'s).
pub(crate) fn later_edits(
    doc: &mut AutoCommit,
    c: &ChangeMeta,
    effect: &ChangeEffect,
    skip_path: impl Fn(&str) -> bool,
) -> BTreeMap<String, Vec<ChangeHash>> {
    // What counts as touching each effect's field.
    let mut keys: Vec<(RawId, Option<String>, String)> = Vec::new(); // (obj, map key or any op, path)
    let mut elements: Vec<(RawId, RawId, String)> = Vec::new(); // (list, element, path)
    for e in &effect.effects {
        if skip_path(e.path()) {
            continue;
        }
        match e {
            Effect::Key { obj, key, path, .. } => {
                keys.push((raw(obj), Some(key.clone()), path.clone()))
            }
            Effect::Text { obj, path, .. } => keys.push((raw(obj), None, path.clone())),
            Effect::List {
                obj,
                path,
                added,
                removed,
                ..
            } => {
                for el in added.iter().chain(removed) {
                    elements.push((raw(obj), raw(el), path.clone()));
                }
            }
        }
    }
    let created: Vec<(RawId, String)> = {
        let doc_ref: &AutoCommit = doc;
        effect
            .created
            .iter()
            .filter_map(|o| {
                let parents = doc_ref.parents_at(o, &[c.hash]).ok()?;
                let path: Vec<(ObjId, Prop)> = parents
                    .map(|p| (p.obj, p.prop))
                    .collect::<Vec<_>>()
                    .into_iter()
                    .rev()
                    .collect();
                Some((raw(o), path_of(doc_ref, &path, o, &[c.hash])))
            })
            .filter(|(_, p)| !skip_path(p))
            .collect()
    };
    let mut out: BTreeMap<String, Vec<ChangeHash>> = BTreeMap::new();
    if keys.is_empty() && elements.is_empty() && created.is_empty() {
        return out;
    }
    for later in doc.get_changes(&[c.hash]) {
        let hash = later.hash();
        let decoded = later.decode();
        for op in &decoded.operations {
            let obj = raw_legacy(&op.obj);
            let mut hit: Option<&str> = None;
            for (o, key, path) in &keys {
                if *o != obj {
                    continue;
                }
                let same = match (key, &op.key) {
                    (None, _) => true,
                    (Some(k), automerge::legacy::Key::Map(m)) => m.as_str() == k,
                    _ => false,
                };
                if same {
                    hit = Some(path);
                }
            }
            if !op.insert
                && let Some(el) = op.key.to_opid()
            {
                let el = (el.counter(), el.actor().to_bytes().to_vec());
                if let Some((_, _, path)) = elements.iter().find(|(l, e, _)| *l == obj && *e == el)
                {
                    hit = Some(path);
                }
            }
            if let Some((_, path)) = created.iter().find(|(o, _)| *o == obj) {
                hit = Some(path);
            }
            if let Some(path) = hit {
                let list = out.entry(path.to_owned()).or_default();
                if !list.contains(&hash) {
                    list.push(hash);
                }
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Undoing

/// Writes the inverse of `effects` into `doc`, which is isolated at the change being undone:
/// each field gets back the state it had at `before` (the change's dependencies).
pub(crate) fn undo(
    doc: &mut AutoCommit,
    effects: &[Effect],
    before: &[ChangeHash],
) -> Result<(), Error> {
    for e in effects {
        match e {
            Effect::Key {
                obj,
                key,
                before: old,
                ..
            } => match old {
                None => {
                    if doc.get(obj, key.as_str()).map_err(am)?.is_some() {
                        doc.delete(obj, key.as_str()).map_err(am)?;
                    }
                }
                Some((Value::Scalar(s), _)) => {
                    doc.put(obj, key.as_str(), s.clone().into_owned())
                        .map_err(am)?;
                }
                Some((Value::Object(ty), old_obj)) => {
                    let new = doc.put_object(obj, key.as_str(), *ty).map_err(am)?;
                    copy_at(doc, old_obj, before, &new)?;
                }
            },
            Effect::Text {
                obj, before: old, ..
            } => {
                doc.update_text(obj, old.as_str()).map_err(am)?;
            }
            Effect::List {
                obj,
                before: old,
                added,
                ..
            } => {
                // Take out what the change added, last first so indices stay right.
                let mut at: Vec<usize> = doc
                    .list_range(obj, ..)
                    .filter(|i| added.contains(&i.id()))
                    .map(|i| i.index)
                    .collect();
                at.sort_unstable_by(|a, b| b.cmp(a));
                for i in at {
                    doc.delete(obj, i).map_err(am)?;
                }
                // Put back what it removed, each after the entry that preceded it.
                let mut pos = 0;
                for (id, value) in old {
                    let here = doc
                        .list_range(obj, ..)
                        .find(|i| i.id() == *id)
                        .map(|i| i.index);
                    match here {
                        Some(i) => pos = i + 1,
                        None => {
                            match value {
                                Value::Scalar(s) => {
                                    doc.insert(obj, pos, s.clone().into_owned()).map_err(am)?
                                }
                                Value::Object(ty) => {
                                    let new = doc.insert_object(obj, pos, *ty).map_err(am)?;
                                    copy_at(doc, id, before, &new)?;
                                }
                            }
                            pos += 1;
                        }
                    }
                }
            }
        }
    }
    Ok(())
}

/// Copies object `from` as it was at `heads` into the empty object `to`.
fn copy_at(
    doc: &mut AutoCommit,
    from: &ObjId,
    heads: &[ChangeHash],
    to: &ObjId,
) -> Result<(), Error> {
    match doc.object_type(from).map_err(am)? {
        ObjType::Map | ObjType::Table => {
            let keys: Vec<String> = doc.keys_at(from, heads).collect();
            for key in keys {
                let Some((value, id)) = owned(doc.get_at(from, key.as_str(), heads)) else {
                    continue;
                };
                match value {
                    Value::Scalar(s) => doc.put(to, key.as_str(), s.into_owned()).map_err(am)?,
                    Value::Object(ty) => {
                        let child = doc.put_object(to, key.as_str(), ty).map_err(am)?;
                        copy_at(doc, &id, heads, &child)?;
                    }
                }
            }
        }
        ObjType::List => {
            let items: Vec<(ObjId, Value<'static>)> = doc
                .list_range_at(from, .., heads)
                .map(|i| (i.id(), i.value.into_value()))
                .collect();
            for (i, (id, value)) in items.into_iter().enumerate() {
                match value {
                    Value::Scalar(s) => doc.insert(to, i, s.into_owned()).map_err(am)?,
                    Value::Object(ty) => {
                        let child = doc.insert_object(to, i, ty).map_err(am)?;
                        copy_at(doc, &id, heads, &child)?;
                    }
                }
            }
        }
        ObjType::Text => {
            let text = doc.text_at(from, heads).map_err(am)?;
            doc.splice_text(to, 0, 0, &text).map_err(am)?;
        }
    }
    Ok(())
}

/// The device id (hex) behind an actor, or the actor itself when it is not a device's.
pub(crate) fn device_hex(actor: &[u8]) -> String {
    match super::device_of_actor(actor) {
        Some(d) => hex::encode(d),
        None => ActorId::from(actor).to_hex_string(),
    }
}

/// A scalar as a person reads it; `None` for a field that was not set.
pub(crate) fn shown(v: &Option<(Value<'static>, ObjId)>) -> Option<String> {
    match v {
        None => None,
        Some((Value::Scalar(s), _)) if matches!(s.as_ref(), ScalarValue::Null) => None,
        Some((v, _)) => Some(render(v)),
    }
}
