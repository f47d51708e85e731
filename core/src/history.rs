//! Who changed what in a record, and when; and undoing a bad edit by a new change.
//!
//! Every record is an Automerge document, so its history is the document's changes: each made
//! by one device (its signing key is the change's actor) at a time by that device's clock. The
//! history lists them newest first, each with the device's name from the membership log and the
//! fields it changed — before and after for single values, a few words for texts and lists.
//!
//! Undoing a change writes a new change through the ordinary write path (one transaction, the
//! index and subscribers updated, signed, synced like any edit) that gives the fields that
//! change touched the state they had before it. Nothing else moves: later edits of other fields
//! stay. When a later (or concurrent) change touched one of the same fields, the undo is refused
//! with [`RevertConflict`] naming those changes, so the person decides; with `force` it is
//! written anyway, at the undone change, so the later value stays beside the restored one as a
//! conflict to settle (a text merges both). Conversations are append-only: undoing a correction
//! records a further correction that brings back the earlier words; a conversation's first
//! record cannot be undone (correct it, or erase the contact).

use std::collections::{BTreeMap, HashMap};

use automerge::ChangeHash;

use crate::batch::Batch;
use crate::doc::history::{self as dh, ChangeMeta, Effect};
use crate::doc::{self, DocKind};
use crate::error::{Error, Result, ValidationError};
use crate::group::Group;
use crate::ids::{ContactId, ConversationId, DocId};
use crate::model::{NewConversation, Timestamp, Version};

/// How much of a history to read: the newest `limit` entries after skipping `offset`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HistoryPage {
    /// At most this many entries (1 to 500; default 20).
    pub limit: u32,
    pub offset: u32,
}

impl Default for HistoryPage {
    fn default() -> Self {
        Self {
            limit: 20,
            offset: 0,
        }
    }
}

/// The most entries one page holds: each entry compares two states of the document.
pub const HISTORY_PAGE_MAX: u32 = 500;

/// A record's history, newest first.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct History {
    pub record: DocId,
    /// How many changes the record has in all.
    pub total: usize,
    pub entries: Vec<HistoryEntry>,
}

/// One change to a record.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct HistoryEntry {
    /// The change's hash (hex): give it (or its first 8 or more digits) to undo it.
    pub change: String,
    /// When it was made, by its device's clock.
    pub at: Option<Timestamp>,
    /// The device that made it (its device id, hex).
    pub device: String,
    /// That device's name in the group's membership, if known.
    pub device_name: Option<String>,
    /// Made on this device.
    pub this_device: bool,
    /// The change that created the record.
    pub created: bool,
    /// What it changed.
    pub fields: Vec<FieldChange>,
}

/// What one change did to one field.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FieldChange {
    /// The field's path, as conflicts name it: `name`, `tags/committee`, `phones/<entry id>`.
    pub field: String,
    /// A single value before the change (`None`: not set, or not a single value).
    pub before: Option<String>,
    /// A single value after the change.
    pub after: Option<String>,
    /// In a few words: "set", "added", "removed", "added \"…\"" for a text.
    pub summary: String,
}

/// A change made after the one to undo (or concurrently with it).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ChangeRef {
    pub change: String,
    pub at: Option<Timestamp>,
    pub device: String,
    pub device_name: Option<String>,
}

/// A field the undone change touched that a later change touched too.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LaterEdit {
    pub field: String,
    pub changes: Vec<ChangeRef>,
}

/// Why an undo was refused: later changes touched the same fields.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RevertConflict {
    pub record: DocId,
    pub change: String,
    pub later: Vec<LaterEdit>,
}

impl std::fmt::Display for RevertConflict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let fields: Vec<&str> = self.later.iter().map(|l| l.field.as_str()).collect();
        write!(
            f,
            "change {} of {} was followed by other edits of {}: undo it anyway with force",
            short(&self.change),
            self.record,
            fields.join(", ")
        )
    }
}

/// What an undo did.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Reverted {
    pub record: DocId,
    /// The change undone.
    pub change: String,
    /// The fields given back their earlier state.
    pub fields: Vec<String>,
    /// Later edits of the same fields, undone anyway (`force`): they stay beside the restored
    /// values as conflicts to settle.
    pub overridden: Vec<LaterEdit>,
    /// The record's version after the undo.
    #[serde(serialize_with = "ser_display")]
    pub version: Version,
}

fn ser_display<S: serde::Serializer, T: std::fmt::Display>(
    v: &T,
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    s.collect_str(v)
}

fn short(hash: &str) -> &str {
    hash.get(..12).unwrap_or(hash)
}

fn time(seconds: i64) -> Option<Timestamp> {
    chrono::DateTime::from_timestamp(seconds, 0)
}

/// Device names from the membership log: current members, and the names removed devices had.
fn device_names(members: &crate::proto::membership::MembershipState) -> HashMap<String, String> {
    members
        .members
        .values()
        .filter(|m| !m.name.trim().is_empty())
        .map(|m| (hex::encode(m.device.0), m.name.clone()))
        .collect()
}

fn entry_fields(
    doc: &automerge::AutoCommit,
    c: &ChangeMeta,
    effect: &dh::ChangeEffect,
) -> Vec<FieldChange> {
    let after = [c.hash];
    let mut out = Vec::new();
    for e in &effect.effects {
        match e {
            Effect::Key {
                path,
                before,
                after: a,
                ..
            } => {
                let (b, a) = (dh::shown(before), dh::shown(a));
                if b.is_none() && a.is_none() {
                    // An empty field written empty (a new record's unset fields).
                    continue;
                }
                let summary = match (&b, &a) {
                    (None, Some(v)) if v == "true" => "added",
                    (Some(v), None) if v == "true" => "removed",
                    (None, Some(_)) => "set",
                    (Some(_), None) => "cleared",
                    _ => "changed",
                };
                out.push(FieldChange {
                    field: path.clone(),
                    before: b,
                    after: a,
                    summary: summary.to_owned(),
                });
            }
            Effect::Text {
                path,
                before,
                after: a,
                ..
            } => out.push(FieldChange {
                field: path.clone(),
                before: None,
                after: None,
                summary: dh::text_summary(before, a),
            }),
            Effect::List {
                obj,
                path,
                before,
                added,
                removed,
            } => {
                let items: Vec<(automerge::ObjId, automerge::Value<'static>)> = {
                    use automerge::ReadDoc;
                    doc.list_range_at(obj, .., &after)
                        .map(|i| (i.id(), i.value.into_value()))
                        .collect()
                };
                for (id, value) in items.iter().filter(|(id, _)| added.contains(id)) {
                    out.push(FieldChange {
                        field: path.clone(),
                        before: None,
                        after: None,
                        summary: format!("added {}", dh::describe_entry(doc, id, value, &after)),
                    });
                }
                for (id, value) in before.iter().filter(|(id, _)| removed.contains(id)) {
                    out.push(FieldChange {
                        field: path.clone(),
                        before: None,
                        after: None,
                        summary: format!("removed {}", dh::describe_entry(doc, id, value, &c.deps)),
                    });
                }
            }
        }
    }
    out
}

impl Group {
    /// A record's history, newest first: who changed what and when. Reads the record's
    /// document; each entry compares two of its states, so pages are bounded
    /// ([`HISTORY_PAGE_MAX`]).
    pub fn history(&self, record: DocId, page: HistoryPage) -> Result<History> {
        let limit = page.limit.clamp(1, HISTORY_PAGE_MAX) as usize;
        let kind = self
            .repo
            .kind_of(&self.id, &record)?
            .ok_or_else(|| Error::NotFound {
                kind: "record",
                id: record.to_string(),
            })?;
        let names = device_names(&self.members()?);
        let me = hex::encode(self.repo.device().0);
        self.read(record, kind, |d| {
            let all = dh::changes(d);
            let total = all.len();
            let mut entries = Vec::new();
            for c in all.iter().rev().skip(page.offset as usize).take(limit) {
                let effect = dh::effect(d, c);
                let device = dh::device_hex(&c.actor);
                entries.push(HistoryEntry {
                    change: c.hash.to_string(),
                    at: time(c.time),
                    device_name: names.get(&device).cloned(),
                    this_device: device == me,
                    device,
                    created: c.deps.is_empty(),
                    fields: entry_fields(d, c, &effect),
                });
            }
            History {
                record,
                total,
                entries,
            }
        })
    }

    /// Undoes one change of a record by a new change (see the module documentation). `change`
    /// is the change's hash in hex, or its first 8 or more digits. Without `force`, a later edit
    /// of a field the change touched refuses the undo with [`Error::RevertConflict`].
    pub fn revert_change(&self, record: DocId, change: &str, force: bool) -> Result<Reverted> {
        let names = device_names(&self.members()?);
        let named = |l: &mut Vec<LaterEdit>| {
            for c in l.iter_mut().flat_map(|l| l.changes.iter_mut()) {
                c.device_name = names.get(&c.device).cloned();
            }
        };
        let mut reverted = match self.batch(|b| b.revert_change(record, change, force)) {
            Ok(r) => r,
            Err(Error::RevertConflict(mut conflict)) => {
                named(&mut conflict.later);
                return Err(Error::RevertConflict(conflict));
            }
            Err(e) => return Err(e),
        };
        named(&mut reverted.overridden);
        reverted.version = self.version_of(record)?.unwrap_or_default();
        Ok(reverted)
    }
}

impl Batch<'_> {
    /// Undoes one change of a record in this batch (see [`Group::revert_change`]).
    pub fn revert_change(&mut self, record: DocId, change: &str, force: bool) -> Result<Reverted> {
        let kind = self.kind_of_record(record)?;
        if kind == DocKind::Settings {
            self.require_admin("change the group's settings")?;
        }
        let contact = (kind == DocKind::Contact).then(|| ContactId::from(record));
        // Read what the change did and what came after it, on the document as it stands.
        let (c, effect, later, corrections) = self.read_doc(record, kind, |d| {
            let c = dh::find_change(d, change)?;
            if c.deps.is_empty() {
                return Err(Error::from(ValidationError::out_of_range(
                    "change",
                    "it created the record; erase the record instead",
                )));
            }
            let effect = dh::effect(d, &c);
            let is_log = |p: &str| {
                contact.is_some() && (p == "conversations" || p.starts_with("conversations/"))
            };
            let mut later = dh::later_edits(d, &c, &effect, is_log);
            let corrections = match contact {
                Some(id) => conversation_undos(d, id, &c, &effect, &mut later)?,
                None => Vec::new(),
            };
            Ok((c, effect, later, corrections))
        })??;
        let later: Vec<LaterEdit> = self.read_doc(record, kind, |d| {
            later
                .into_iter()
                .map(|(field, hashes)| LaterEdit {
                    field,
                    changes: hashes
                        .iter()
                        .filter_map(|h| {
                            d.get_change_meta_by_hash(h)
                                .map(|m| (h, m.actor.to_bytes().to_vec(), m.timestamp))
                        })
                        .map(|(h, actor, t)| {
                            let device = dh::device_hex(&actor);
                            ChangeRef {
                                change: h.to_string(),
                                at: time(t),
                                device_name: None,
                                device,
                            }
                        })
                        .collect(),
                })
                .collect()
        })?;
        if !later.is_empty() && !force {
            return Err(Error::RevertConflict(Box::new(RevertConflict {
                record,
                change: c.hash.to_string(),
                later,
            })));
        }
        let is_log = |p: &str| {
            contact.is_some() && (p == "conversations" || p.starts_with("conversations/"))
        };
        let effects: Vec<Effect> = effect
            .effects
            .into_iter()
            .filter(|e| !is_log(e.path()))
            .collect();
        let mut fields: Vec<String> = effects.iter().map(|e| e.path().to_owned()).collect();
        if !effects.is_empty() {
            let deps = c.deps.clone();
            let at = Version(vec![c.hash]);
            self.modify(record, kind, Some(&at), |d| dh::undo(d, &effects, &deps))?;
        }
        if let Some(id) = contact {
            for (conversation, words) in corrections {
                self.correct_conversation(id, conversation, &words)?;
                fields.push(format!("conversations/{conversation}"));
            }
        }
        fields.dedup();
        Ok(Reverted {
            record,
            change: c.hash.to_string(),
            fields,
            overridden: later,
            version: Version::default(),
        })
    }
}

/// For each conversation revision the change appended, the correction that brings back the
/// revision before it; a later revision of the same conversation is a later edit.
fn conversation_undos(
    d: &mut automerge::AutoCommit,
    contact: ContactId,
    c: &ChangeMeta,
    effect: &dh::ChangeEffect,
    later: &mut BTreeMap<String, Vec<ChangeHash>>,
) -> Result<Vec<(ConversationId, NewConversation)>> {
    use automerge::ReadDoc;
    let Some(Effect::List { obj, added, .. }) = effect
        .effects
        .iter()
        .find(|e| matches!(e, Effect::List { path, .. } if path == "conversations"))
    else {
        return Ok(Vec::new());
    };
    let read_entry = |d: &automerge::AutoCommit, e: &automerge::ObjId, heads: &[ChangeHash]| {
        let s = |k: &str| {
            d.get_at(e, k, heads)
                .ok()
                .flatten()
                .and_then(|(v, _)| v.as_str().map(str::to_owned))
        };
        let rev = d
            .get_at(e, "revision", heads)
            .ok()
            .flatten()
            .and_then(|(v, _)| match v {
                automerge::Value::Scalar(s) => match s.as_ref() {
                    automerge::ScalarValue::Uint(u) => Some(*u),
                    automerge::ScalarValue::Int(i) => u64::try_from(*i).ok(),
                    _ => None,
                },
                _ => None,
            });
        (s("id"), rev)
    };
    let mut undos = Vec::new();
    let mut before = d.fork_at(&c.deps).map_err(doc::am)?;
    let earlier = doc::contact::read(&mut before, contact);
    let heads = d.get_heads();
    let now: Vec<(automerge::ObjId, Option<String>, Option<u64>)> = {
        let entries: Vec<automerge::ObjId> = d.list_range(obj, ..).map(|i| i.id()).collect();
        entries
            .into_iter()
            .map(|e| {
                let (id, rev) = read_entry(d, &e, &heads);
                (e, id, rev)
            })
            .collect()
    };
    for entry in added {
        let (Some(id), Some(rev)) = read_entry(d, entry, &[c.hash]) else {
            continue;
        };
        let conversation = ConversationId::parse(&id)?;
        let path = format!("conversations/{id}");
        let Some(previous) = earlier.conversations.iter().find(|x| x.id == conversation) else {
            return Err(ValidationError::out_of_range(
                path,
                "a conversation held stays in the log: record a correction instead, or erase the contact",
            )
            .into());
        };
        for (e, other_id, other_rev) in &now {
            if other_id.as_deref() == Some(id.as_str())
                && other_rev.unwrap_or(0) > rev
                && let Some(h) = d.hash_for_opid(e)
            {
                later.entry(path.clone()).or_default().push(h);
            }
        }
        undos.push((
            conversation,
            NewConversation {
                organizer: previous.organizer.clone(),
                at: previous.at,
                place: previous.place.clone(),
                channel: previous.channel.clone(),
                steps: previous.steps.clone(),
                assessment: previous.assessment,
                next_steps: previous.next_steps.clone(),
            },
        ));
    }
    Ok(undos)
}
