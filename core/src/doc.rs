//! Records as Automerge documents.
//!
//! One document per contact (with its conversation log), per follow-up, per plan, per terrain
//! tree, and one for the group's settings: loading, sync and erasure then stay per document and
//! none of them grows with the size of the group.
//!
//! Layout rules that keep concurrent edits mergeable:
//! - every container (map, list, text) is created with the document, never lazily, so two
//!   devices never create rival objects at one key;
//! - sets (tags, organizers, units) are maps of `key → true`, so concurrent adds merge;
//! - list entries are maps with a stable random `id`, so edits address an entry, not a position;
//! - free text people edit together is Automerge text, positioned in UTF-16 code units;
//! - every other field is a scalar: concurrent sets keep Automerge's conflict set, which the
//!   [`Reader`] reports as [`Conflict`]s.
//!
//! Every document has `kind` and `schema` at its root. Reading is a pure function of the document
//! (no migration writes), so two devices reading the same record always agree; keys this version
//! does not know are reported in `unknown_fields` and left untouched.

pub(crate) mod contact;
pub(crate) mod followup;
pub(crate) mod history;
pub(crate) mod plan;
pub(crate) mod settings;
pub(crate) mod terrain;

use std::panic::{AssertUnwindSafe, catch_unwind};

use automerge::transaction::Transactable;
use automerge::{
    ActorId, AutoCommit, LoadOptions, ObjId, ObjType, OnPartialLoad, ReadDoc, ScalarValue,
    TextEncoding, Value, VerificationMode,
};

use crate::error::{DocumentError, Error, Problem, ValidationError};
use crate::model::validate;
use crate::model::{Conflict, ConflictValue, RecordMeta, TextEdit, Timestamp, Version};

/// The schema version this build writes and fully understands.
pub(crate) const SCHEMA_VERSION: u64 = 1;

/// Which record a document holds. Stored in the index as a small integer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DocKind {
    Contact,
    FollowUp,
    Plan,
    Terrain,
    Settings,
}

impl DocKind {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            DocKind::Contact => "contact",
            DocKind::FollowUp => "follow_up",
            DocKind::Plan => "plan",
            DocKind::Terrain => "terrain",
            DocKind::Settings => "settings",
        }
    }
    pub(crate) fn code(self) -> i64 {
        match self {
            DocKind::Contact => 1,
            DocKind::FollowUp => 2,
            DocKind::Plan => 3,
            DocKind::Terrain => 4,
            DocKind::Settings => 5,
        }
    }
    pub(crate) fn from_code(code: i64) -> Option<Self> {
        Some(match code {
            1 => DocKind::Contact,
            2 => DocKind::FollowUp,
            3 => DocKind::Plan,
            4 => DocKind::Terrain,
            5 => DocKind::Settings,
            _ => return None,
        })
    }
    fn from_str(s: &str) -> Option<Self> {
        [
            DocKind::Contact,
            DocKind::FollowUp,
            DocKind::Plan,
            DocKind::Terrain,
            DocKind::Settings,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

pub(crate) use groundwork_proto::signed::device_of_actor;

/// A fresh document for `actor` that counts text in UTF-16 code units.
pub(crate) fn new_document(actor: &ActorId) -> AutoCommit {
    AutoCommit::new_with_encoding(TextEncoding::Utf16CodeUnit).with_actor(actor.clone())
}

/// Reads a record out of a document under `catch_unwind`. Automerge's readers can panic on a
/// document built from crafted changes (the fuzzer found a consistency check inside
/// `get_change_by_hash` failing after such changes applied cleanly); the record is then
/// refused as damaged instead of the panic ending the sync session or the app's call.
pub(crate) fn read_contained<T>(
    doc_label: &str,
    read: impl FnOnce() -> T,
) -> Result<T, DocumentError> {
    catch_unwind(AssertUnwindSafe(read)).map_err(|_| DocumentError::Damaged {
        doc: doc_label.to_owned(),
        reason: "the record could not be read from its document".into(),
    })
}

/// Loads a document from its stored chunks (a snapshot and/or incremental changes).
///
/// Automerge can panic on damaged input; a damaged store must give an error, not take the app
/// down, so loading runs under `catch_unwind`.
pub(crate) fn load_document(
    doc_label: &str,
    chunks: &[Vec<u8>],
    actor: &ActorId,
) -> Result<AutoCommit, DocumentError> {
    let damaged = |reason: String| DocumentError::Damaged {
        doc: doc_label.to_owned(),
        reason,
    };
    // Only the chunks a store writes, each change walked first: Automerge allocates what a
    // damaged chunk claims before it finds the bytes are not there.
    for chunk in chunks {
        groundwork_proto::change_layout::check_stored_chunks(chunk)
            .map_err(|e| damaged(e.to_string()))?;
    }
    let result = catch_unwind(AssertUnwindSafe(|| {
        let mut doc = AutoCommit::load_with_options(
            &[],
            LoadOptions::new()
                .on_partial_load(OnPartialLoad::Error)
                .verification_mode(VerificationMode::Check)
                .text_encoding(TextEncoding::Utf16CodeUnit),
        )
        .map_err(|e| e.to_string())?;
        for chunk in chunks {
            doc.load_incremental(chunk).map_err(|e| e.to_string())?;
        }
        Ok::<_, String>(doc)
    }));
    match result {
        Ok(Ok(doc)) => Ok(doc.with_actor(actor.clone())),
        Ok(Err(e)) => Err(damaged(e)),
        Err(_) => Err(damaged("the document could not be decoded".to_owned())),
    }
}

/// The kind written at the document's root, if any.
pub(crate) fn kind_of(doc: &AutoCommit) -> Option<DocKind> {
    let (v, _) = doc.get(automerge::ROOT, "kind").ok()??;
    DocKind::from_str(v.as_str()?)
}

/// Writes the root fields every document has.
pub(crate) fn init_root(doc: &mut AutoCommit, kind: DocKind, id: &str) -> Result<(), Error> {
    doc.put(automerge::ROOT, "kind", kind.as_str())
        .map_err(am)?;
    doc.put(automerge::ROOT, "schema", SCHEMA_VERSION)
        .map_err(am)?;
    doc.put(automerge::ROOT, "id", id).map_err(am)?;
    Ok(())
}

/// The heads of a document as a [`Version`].
pub(crate) fn version(doc: &mut AutoCommit) -> Version {
    Version(doc.get_heads())
}

/// Checks that every head of `base` is known here, so an edit can be applied at it.
pub(crate) fn check_base(doc: &mut AutoCommit, base: &Version) -> Result<(), Error> {
    for h in &base.0 {
        if ReadDoc::get_change_by_hash(&*doc, h).is_none() {
            return Err(DocumentError::UnknownVersion.into());
        }
    }
    Ok(())
}

/// Turns an Automerge error from a local edit into ours. Local edits are validated first, so
/// this is a bug or damaged document, reported rather than panicking.
pub(crate) fn am(e: automerge::AutomergeError) -> Error {
    Error::Document(DocumentError::Damaged {
        doc: String::new(),
        reason: e.to_string(),
    })
}

// ---------------------------------------------------------------------------------------------
// Reading

/// Reads fields out of a document and collects conflicts and unknown fields on the way.
pub(crate) struct Reader<'a> {
    pub(crate) doc: &'a AutoCommit,
    conflicts: Vec<Conflict>,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(doc: &'a AutoCommit) -> Self {
        Self {
            doc,
            conflicts: Vec::new(),
        }
    }

    /// The scalar at `obj[key]`; when several values were set concurrently, the one Automerge
    /// shows on every device, with the conflict recorded under `path`.
    pub(crate) fn scalar(&mut self, obj: &ObjId, key: &str, path: &str) -> Option<ScalarValue> {
        // Automerge shows the last of the concurrent values (`get` is `get_all().last()`).
        let mut all = self.doc.get_all(obj, key).ok()?;
        if all.len() > 1 {
            self.record_conflict(path, &all);
        }
        match all.pop()? {
            (Value::Scalar(s), _) => Some(s.into_owned()),
            _ => None,
        }
    }

    fn record_conflict(&mut self, path: &str, all: &[(Value<'_>, ObjId)]) {
        let mut values: Vec<ConflictValue> = Vec::with_capacity(all.len());
        // The value shown first, then the others.
        for (value, id) in all.iter().rev() {
            let (set_by, at) = self.who_and_when(id);
            values.push(ConflictValue {
                value: render(value),
                set_by,
                at,
            });
        }
        self.conflicts.push(Conflict {
            field: path.to_owned(),
            values,
        });
    }

    /// The device that made an operation and when its change was made.
    fn who_and_when(&self, op: &ObjId) -> (String, Option<Timestamp>) {
        let who = match op {
            ObjId::Id(_, actor, _) => match device_of_actor(actor.to_bytes()) {
                Some(device) => hex::encode(device),
                None => actor.to_hex_string(),
            },
            ObjId::Root => String::new(),
        };
        let at = self
            .doc
            .hash_for_opid(op)
            .and_then(|h| ReadDoc::get_change_by_hash(self.doc, &h))
            .and_then(|c| chrono::DateTime::from_timestamp(c.timestamp(), 0));
        (who, at)
    }

    pub(crate) fn str(&mut self, obj: &ObjId, key: &str, path: &str) -> String {
        match self.scalar(obj, key, path) {
            Some(ScalarValue::Str(s)) => s.to_string(),
            _ => String::new(),
        }
    }

    pub(crate) fn opt_str(&mut self, obj: &ObjId, key: &str, path: &str) -> Option<String> {
        match self.scalar(obj, key, path) {
            Some(ScalarValue::Str(s)) => Some(s.to_string()),
            _ => None,
        }
    }

    pub(crate) fn bool(&mut self, obj: &ObjId, key: &str, path: &str) -> bool {
        matches!(
            self.scalar(obj, key, path),
            Some(ScalarValue::Boolean(true))
        )
    }

    pub(crate) fn int(&mut self, obj: &ObjId, key: &str, path: &str) -> Option<i64> {
        match self.scalar(obj, key, path)? {
            ScalarValue::Int(i) => Some(i),
            ScalarValue::Uint(u) => i64::try_from(u).ok(),
            _ => None,
        }
    }

    pub(crate) fn time(&mut self, obj: &ObjId, key: &str, path: &str) -> Option<Timestamp> {
        match self.scalar(obj, key, path)? {
            ScalarValue::Timestamp(ms) => chrono::DateTime::from_timestamp_millis(ms),
            _ => None,
        }
    }

    /// The content of the text object at `obj[key]`.
    pub(crate) fn text(&self, obj: &ObjId, key: &str) -> String {
        match self.doc.get(obj, key) {
            Ok(Some((Value::Object(ObjType::Text), id))) => self.doc.text(&id).unwrap_or_default(),
            Ok(Some((Value::Scalar(s), _))) => s.as_str().unwrap_or_default().to_owned(),
            _ => String::new(),
        }
    }

    /// The object of the given type at `obj[key]`.
    pub(crate) fn object(&self, obj: &ObjId, key: &str, ty: ObjType) -> Option<ObjId> {
        match self.doc.get(obj, key).ok()?? {
            (Value::Object(t), id) if t == ty => Some(id),
            _ => None,
        }
    }

    /// Every object of the given type at `obj[key]`, the one shown first, then any made
    /// concurrently at the same key. A container added by a later version is created lazily on
    /// older documents, so two devices can each create one; reading all of them keeps what was
    /// written into either.
    pub(crate) fn objects(&self, obj: &ObjId, key: &str, ty: ObjType) -> Vec<ObjId> {
        let mut all = self.doc.get_all(obj, key).unwrap_or_default();
        all.reverse();
        all.into_iter()
            .filter_map(|(v, id)| match v {
                Value::Object(t) if t == ty => Some(id),
                _ => None,
            })
            .collect()
    }

    /// The keys of a map used as a set (`key → true`).
    pub(crate) fn set_keys(&self, obj: &ObjId, key: &str) -> Vec<String> {
        match self.object(obj, key, ObjType::Map) {
            Some(map) => self.doc.keys(&map).collect(),
            None => Vec::new(),
        }
    }

    /// The maps in the list at `obj[key]`, in list order.
    pub(crate) fn entries(&self, obj: &ObjId, key: &str) -> Vec<ObjId> {
        let Some(list) = self.object(obj, key, ObjType::List) else {
            return Vec::new();
        };
        self.doc
            .list_range(&list, ..)
            .filter_map(|item| match item.value {
                automerge::ValueRef::Object(ObjType::Map) => Some(item.id()),
                _ => None,
            })
            .collect()
    }

    /// Fills the parts of [`RecordMeta`] that come from the document itself.
    pub(crate) fn finish(self, known: &[&str], version: Version) -> RecordMeta {
        let doc = self.doc;
        let schema = match doc.get(automerge::ROOT, "schema") {
            Ok(Some((Value::Scalar(s), _))) => s.as_u64().unwrap_or(0),
            _ => 0,
        };
        let mut unknown_fields = std::collections::BTreeMap::new();
        for key in doc.keys(automerge::ROOT) {
            if !known.contains(&key.as_str()) && !["kind", "schema", "id"].contains(&key.as_str()) {
                let shown = match doc.get(automerge::ROOT, key.as_str()) {
                    Ok(Some((v, id))) => describe(doc, &v, &id),
                    _ => String::new(),
                };
                unknown_fields.insert(key, shown);
            }
        }
        RecordMeta {
            version,
            schema,
            newer_schema: schema > SCHEMA_VERSION,
            conflicts: self.conflicts,
            unknown_fields,
        }
    }
}

/// A value as a person reads it.
pub(crate) fn render(value: &Value<'_>) -> String {
    match value {
        Value::Scalar(s) => match s.as_ref() {
            ScalarValue::Str(s) => s.to_string(),
            ScalarValue::Int(i) => i.to_string(),
            ScalarValue::Uint(u) => u.to_string(),
            ScalarValue::F64(f) => f.to_string(),
            ScalarValue::Boolean(b) => b.to_string(),
            ScalarValue::Timestamp(ms) => chrono::DateTime::from_timestamp_millis(*ms)
                .map(|t| t.to_rfc3339())
                .unwrap_or_else(|| ms.to_string()),
            ScalarValue::Null => "(none)".to_owned(),
            other => other.to_string(),
        },
        Value::Object(t) => format!("({t})"),
    }
}

fn describe(doc: &AutoCommit, value: &Value<'_>, id: &ObjId) -> String {
    let shown = match value {
        Value::Object(ObjType::Text) => doc.text(id).unwrap_or_default(),
        Value::Object(ObjType::Map | ObjType::Table) => {
            format!("(map of {} entries)", doc.length(id))
        }
        Value::Object(ObjType::List) => format!("(list of {} entries)", doc.length(id)),
        other => render(other),
    };
    shown.chars().take(validate::SHORT_MAX).collect()
}

// ---------------------------------------------------------------------------------------------
// Writing

/// The object at `obj[key]`, created if this document (from an older schema) lacks it.
pub(crate) fn ensure(
    doc: &mut AutoCommit,
    obj: &ObjId,
    key: &str,
    ty: ObjType,
) -> Result<ObjId, Error> {
    match doc.get(obj, key).map_err(am)? {
        Some((Value::Object(t), id)) if t == ty => Ok(id),
        _ => doc.put_object(obj, key, ty).map_err(am),
    }
}

pub(crate) fn put_time(
    doc: &mut AutoCommit,
    obj: &ObjId,
    key: &str,
    t: Timestamp,
) -> Result<(), Error> {
    doc.put(obj, key, ScalarValue::Timestamp(t.timestamp_millis()))
        .map_err(am)
}

pub(crate) fn put_opt_time(
    doc: &mut AutoCommit,
    obj: &ObjId,
    key: &str,
    t: Option<Timestamp>,
) -> Result<(), Error> {
    match t {
        Some(t) => put_time(doc, obj, key, t),
        None => doc.put(obj, key, ScalarValue::Null).map_err(am),
    }
}

pub(crate) fn put_opt_str(
    doc: &mut AutoCommit,
    obj: &ObjId,
    key: &str,
    v: Option<&str>,
) -> Result<(), Error> {
    match v {
        Some(v) => doc.put(obj, key, v).map_err(am),
        None => doc.put(obj, key, ScalarValue::Null).map_err(am),
    }
}

/// Creates a text object at `obj[key]` holding `content`.
pub(crate) fn put_text(
    doc: &mut AutoCommit,
    obj: &ObjId,
    key: &str,
    content: &str,
) -> Result<ObjId, Error> {
    let text = doc.put_object(obj, key, ObjType::Text).map_err(am)?;
    if !content.is_empty() {
        doc.splice_text(&text, 0, 0, content).map_err(am)?;
    }
    Ok(text)
}

/// Applies a [`TextEdit`] to the text at `obj[key]`, checking the position first.
pub(crate) fn edit_text(
    doc: &mut AutoCommit,
    obj: &ObjId,
    key: &str,
    field: &str,
    edit: &TextEdit,
) -> Result<(), Error> {
    let text = ensure(doc, obj, key, ObjType::Text)?;
    let current = doc.text(&text).map_err(am)?;
    match edit {
        TextEdit::Splice {
            index,
            delete,
            insert,
        } => {
            validate::text(field, insert)?;
            let units: Vec<u16> = current.encode_utf16().collect();
            let end = index
                .checked_add(*delete)
                .filter(|e| *e <= units.len())
                .ok_or_else(|| {
                    ValidationError::out_of_range(
                        field,
                        format!("the text is {} UTF-16 units long", units.len()),
                    )
                })?;
            let splits_pair =
                |i: usize| i > 0 && i < units.len() && (0xDC00..0xE000).contains(&units[i]);
            if splits_pair(*index) || splits_pair(end) {
                return Err(ValidationError::bad_format(
                    field,
                    "the edit splits a character in two",
                )
                .into());
            }
            if units.len() - delete + insert.encode_utf16().count() > validate::TEXT_MAX * 2 {
                return Err(ValidationError::new(
                    field,
                    Problem::TooLong {
                        max: validate::TEXT_MAX,
                    },
                )
                .into());
            }
            let del = isize::try_from(*delete)
                .map_err(|_| ValidationError::out_of_range(field, "delete count"))?;
            doc.splice_text(&text, *index, del, insert).map_err(am)
        }
        TextEdit::Replace(new) => {
            validate::text(field, new)?;
            if *new != current {
                doc.update_text(&text, new.as_str()).map_err(am)?;
            }
            Ok(())
        }
    }
}

/// Adds `key → true` to a set map.
pub(crate) fn set_add(
    doc: &mut AutoCommit,
    obj: &ObjId,
    set: &str,
    key: &str,
) -> Result<(), Error> {
    let map = ensure(doc, obj, set, ObjType::Map)?;
    validate::list_len(set, doc.length(&map) + 1, validate::LIST_MAX)?;
    doc.put(&map, key, true).map_err(am)
}

/// Removes a key from a set map (no error if absent).
pub(crate) fn set_remove(
    doc: &mut AutoCommit,
    obj: &ObjId,
    set: &str,
    key: &str,
) -> Result<(), Error> {
    let map = ensure(doc, obj, set, ObjType::Map)?;
    if doc.get(&map, key).map_err(am)?.is_some() {
        doc.delete(&map, key).map_err(am)?;
    }
    Ok(())
}

/// Appends a new map to the list at `obj[key]` with its `id` set; returns the new map.
pub(crate) fn push_entry(
    doc: &mut AutoCommit,
    obj: &ObjId,
    key: &str,
    id: &str,
    max: usize,
) -> Result<ObjId, Error> {
    let list = ensure(doc, obj, key, ObjType::List)?;
    let len = doc.length(&list);
    validate::list_len(key, len + 1, max)?;
    let entry = doc.insert_object(&list, len, ObjType::Map).map_err(am)?;
    doc.put(&entry, "id", id).map_err(am)?;
    Ok(entry)
}

/// Finds the entry with `id` in the list at `obj[key]`: its index and object.
pub(crate) fn find_entry(
    doc: &AutoCommit,
    obj: &ObjId,
    key: &str,
    id: &str,
) -> Option<(usize, ObjId)> {
    let list = match doc.get(obj, key).ok()?? {
        (Value::Object(ObjType::List), list) => list,
        _ => return None,
    };
    doc.list_range(&list, ..).find_map(|item| {
        let entry = item.id();
        match doc.get(&entry, "id").ok()?? {
            (Value::Scalar(s), _) if s.as_str() == Some(id) => Some((item.index, entry)),
            _ => None,
        }
    })
}

/// Removes the entry with `id` from the list at `obj[key]`.
pub(crate) fn remove_entry(
    doc: &mut AutoCommit,
    obj: &ObjId,
    key: &str,
    id: &str,
    field: &str,
) -> Result<(), Error> {
    let (index, _) = find_entry(doc, obj, key, id)
        .ok_or_else(|| ValidationError::out_of_range(field, format!("no entry {id}")))?;
    let list = ensure(doc, obj, key, ObjType::List)?;
    doc.delete(&list, index).map_err(am)
}

/// The entry object with `id`, or a typed error naming the field.
pub(crate) fn entry(
    doc: &AutoCommit,
    obj: &ObjId,
    key: &str,
    id: &str,
    field: &str,
) -> Result<ObjId, Error> {
    find_entry(doc, obj, key, id)
        .map(|(_, e)| e)
        .ok_or_else(|| ValidationError::out_of_range(field, format!("no entry {id}")).into())
}

/// Settles a conflict by writing the chosen value again, so it supersedes every concurrent one.
///
/// `path` is a field path as reported in [`Conflict::field`]: map keys and list-entry ids joined
/// by `/`. `chosen` must be one of the values the conflict shows.
pub(crate) fn resolve_conflict(
    doc: &mut AutoCommit,
    path: &str,
    chosen: &str,
) -> Result<(), Error> {
    let segments: Vec<&str> = path.split('/').collect();
    let no_field = || Error::Document(DocumentError::NoSuchField(path.to_owned()));
    let (last, parents) = segments.split_last().ok_or_else(no_field)?;
    let mut obj = automerge::ROOT;
    let mut i = 0;
    while i < parents.len() {
        let seg = parents[i];
        match doc.get(&obj, seg).map_err(am)? {
            Some((Value::Object(ObjType::Map), id)) => obj = id,
            Some((Value::Object(ObjType::List), _)) => {
                let entry_id = parents.get(i + 1).ok_or_else(no_field)?;
                obj = find_entry(doc, &obj, seg, entry_id).ok_or_else(no_field)?.1;
                i += 1;
            }
            _ => return Err(no_field()),
        }
        i += 1;
    }
    let all = doc.get_all(&obj, *last).map_err(am)?;
    let value = all
        .iter()
        .find(|(v, _)| render(v) == chosen)
        .and_then(|(v, _)| match v {
            Value::Scalar(s) => Some(s.clone().into_owned()),
            Value::Object(_) => None,
        })
        .ok_or_else(|| {
            ValidationError::out_of_range(
                path,
                "the chosen value is not one of the conflicting values",
            )
        })?;
    doc.put(&obj, *last, value).map_err(am)
}
