//! One group's records on this device: reads, edits, erasure, queries and subscriptions.

use automerge::AutoCommit;
use groundwork_proto::signed::{SignedChange, SignedErasure};
use rusqlite::{OptionalExtension, params};

use std::collections::HashMap;

use crate::batch::{Batch, Committed, ImportOutcome, settings_doc};
use crate::doc::{self, DocKind};
use crate::error::{Error, Result};
use crate::events::{Filter, RecordKind, Subscription};
use crate::ids::{ContactId, ConversationId, DocId, FollowUpId, GroupId, PlanId, TerrainTreeId};
use crate::model::{
    Contact, ContactUpdate, FollowUp, FollowUpEdit, GroupSettings, NewContact, NewConversation,
    NewFollowUp, NewPlan, NewTerrainTree, Plan, PlanEdit, SettingsEdit, TerrainEdit, TerrainTree,
    Update, Version,
};
use crate::repo::Repo;

/// A handle on one group. Cheap to clone.
#[derive(Clone)]
pub struct Group {
    pub(crate) repo: Repo,
    pub(crate) id: GroupId,
}

/// A stored document's id, kind and version, read from the index (for sync and backups).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentVersion {
    pub id: DocId,
    pub kind: RecordKind,
    pub version: Version,
}

/// How a peer's copy of a document differs from this device's.
#[derive(Debug, Clone)]
pub struct PeerDiff {
    /// The changes it lacks, each with its author's signature.
    pub changes: Vec<SignedChange>,
    /// It has changes this device lacks (some of its heads are unknown here).
    pub they_have_more: bool,
}

impl Group {
    pub(crate) fn new(repo: Repo, id: GroupId) -> Self {
        Self { repo, id }
    }

    /// The group's id.
    pub fn id(&self) -> GroupId {
        self.id
    }

    /// Runs `f` over a [`Batch`] and commits it as one durable transaction. When this returns
    /// `Ok`, every write in the batch is on disk; on `Err`, none is.
    pub fn batch<T>(&self, f: impl FnOnce(&mut Batch<'_>) -> Result<T>) -> Result<T> {
        self.batch_committing(f).map(|(v, _)| v)
    }

    /// Like [`Group::batch`], also returning the records as committed (read once, for the index).
    fn batch_committing<T>(
        &self,
        f: impl FnOnce(&mut Batch<'_>) -> Result<T>,
    ) -> Result<(T, HashMap<DocId, Committed>)> {
        let mut state = self.repo.lock();
        let mut batch = Batch::new(&self.repo, &mut state, self.id);
        let value = match f(&mut batch) {
            Ok(v) => v,
            Err(e) => {
                batch.abort();
                return Err(e);
            }
        };
        let (events, committed) = batch.commit()?;
        drop(state);
        for e in events {
            // No subscriber is fine: the write is stored either way.
            let _ = self.repo.inner.events.send(e);
        }
        Ok((value, committed))
    }

    /// Runs a batch that changes one record and returns that record as committed, without
    /// reading it a second time.
    fn change_and_read<T>(
        &self,
        id: DocId,
        f: impl FnOnce(&mut Batch<'_>) -> Result<()>,
        pick: impl Fn(Committed) -> Option<T>,
        read: impl FnOnce() -> Result<T>,
    ) -> Result<T> {
        let ((), mut committed) = self.batch_committing(f)?;
        match committed.remove(&id).and_then(pick) {
            Some(record) => Ok(record),
            // Nothing changed (an edit that set what was there): read it as it stands.
            None => read(),
        }
    }

    /// Reads a document, from the cache or the store.
    pub(crate) fn read<T>(
        &self,
        id: DocId,
        kind: DocKind,
        f: impl FnOnce(&mut AutoCommit) -> T,
    ) -> Result<T> {
        let mut state = self.repo.lock();
        let key = (self.id, id);
        let mut doc = match state.cache.take(&key) {
            Some(doc) => doc,
            None => {
                let not_found = || Error::NotFound {
                    kind: kind.as_str(),
                    id: id.to_string(),
                };
                let Some(stored) = state.store.load_doc(&self.id, &id)? else {
                    if state.store.is_tombstoned(&self.id, &id)? {
                        return Err(Error::Erased {
                            kind: kind.as_str(),
                            id: id.to_string(),
                        });
                    }
                    return Err(not_found());
                };
                if stored.kind != kind {
                    return Err(not_found());
                }
                doc::load_document(&id.to_string(), &stored.chunks, &self.repo.inner.actor)?
            }
        };
        if doc::kind_of(&doc).is_some_and(|k| k != kind) {
            state.cache.put(key, doc);
            return Err(Error::NotFound {
                kind: kind.as_str(),
                id: id.to_string(),
            });
        }
        let value = f(&mut doc);
        state.cache.put(key, doc);
        Ok(value)
    }

    // --- contacts ----------------------------------------------------------------------------

    /// Creates a contact and returns it as stored.
    pub fn create_contact(&self, new: &NewContact) -> Result<Contact> {
        let id = ContactId::random();
        self.change_and_read(
            id.into(),
            |b| b.create_contact_with_id(id, new),
            pick_contact,
            || self.contact(id),
        )
    }

    /// A contact with its conversations.
    pub fn contact(&self, id: ContactId) -> Result<Contact> {
        self.read(id.into(), DocKind::Contact, |d| doc::contact::read(d, id))
    }

    /// Applies per-field edits to a contact; returns it as merged.
    pub fn update_contact(&self, id: ContactId, update: &ContactUpdate) -> Result<Contact> {
        self.change_and_read(
            id.into(),
            |b| b.update_contact(id, update),
            pick_contact,
            || self.contact(id),
        )
    }

    /// Records a conversation with a contact.
    pub fn record_conversation(
        &self,
        contact: ContactId,
        c: &NewConversation,
    ) -> Result<ConversationId> {
        self.batch(|b| b.record_conversation(contact, c))
    }

    /// Records a correction of a conversation (a new revision); returns the revision number.
    pub fn correct_conversation(
        &self,
        contact: ContactId,
        id: ConversationId,
        c: &NewConversation,
    ) -> Result<u32> {
        self.batch(|b| b.correct_conversation(contact, id, c))
    }

    /// Erases a contact and what hangs off it (see [`Batch::erase_contact`]).
    pub fn erase_contact(&self, id: ContactId) -> Result<()> {
        self.batch(|b| b.erase_contact(id))
    }

    // --- follow-ups --------------------------------------------------------------------------

    /// Creates a follow-up.
    pub fn create_follow_up(&self, new: &NewFollowUp) -> Result<FollowUp> {
        let id = self.batch(|b| b.create_follow_up(new))?;
        self.follow_up(id)
    }

    /// A follow-up.
    pub fn follow_up(&self, id: FollowUpId) -> Result<FollowUp> {
        self.read(id.into(), DocKind::FollowUp, |d| doc::followup::read(d, id))
    }

    /// Applies per-field edits to a follow-up.
    pub fn update_follow_up(
        &self,
        id: FollowUpId,
        update: &Update<FollowUpEdit>,
    ) -> Result<FollowUp> {
        let pick = |c| match c {
            Committed::FollowUp(f) => Some(f),
            _ => None,
        };
        self.change_and_read(
            id.into(),
            |b| b.update_follow_up(id, update),
            pick,
            || self.follow_up(id),
        )
    }

    // --- plans -------------------------------------------------------------------------------

    /// Creates a plan.
    pub fn create_plan(&self, new: &NewPlan) -> Result<Plan> {
        let id = self.batch(|b| b.create_plan(new))?;
        self.plan(id)
    }

    /// A plan.
    pub fn plan(&self, id: PlanId) -> Result<Plan> {
        self.read(id.into(), DocKind::Plan, |d| doc::plan::read(d, id))
    }

    /// Applies per-field edits to a plan.
    pub fn update_plan(&self, id: PlanId, update: &Update<PlanEdit>) -> Result<Plan> {
        let pick = |c| match c {
            Committed::Plan(p) => Some(p),
            _ => None,
        };
        self.change_and_read(
            id.into(),
            |b| b.update_plan(id, update),
            pick,
            || self.plan(id),
        )
    }

    // --- terrain and settings ----------------------------------------------------------------

    /// Creates a terrain tree.
    pub fn create_terrain(&self, new: &NewTerrainTree) -> Result<TerrainTree> {
        let id = self.batch(|b| b.create_terrain(new))?;
        self.terrain(id)
    }

    /// A terrain tree.
    pub fn terrain(&self, id: TerrainTreeId) -> Result<TerrainTree> {
        self.read(id.into(), DocKind::Terrain, |d| doc::terrain::read(d, id))
    }

    /// Applies edits to a terrain tree.
    pub fn update_terrain(
        &self,
        id: TerrainTreeId,
        update: &Update<TerrainEdit>,
    ) -> Result<TerrainTree> {
        let pick = |c| match c {
            Committed::Terrain(t) => Some(t),
            _ => None,
        };
        self.change_and_read(
            id.into(),
            |b| b.update_terrain(id, update),
            pick,
            || self.terrain(id),
        )
    }

    pub(crate) fn create_settings(&self, name: &str) -> Result<()> {
        self.batch(|b| b.create_settings(name))
    }

    /// The group's settings.
    pub fn settings(&self) -> Result<GroupSettings> {
        self.read(
            settings_doc(self.id),
            DocKind::Settings,
            doc::settings::read,
        )
    }

    /// Applies edits to the group's settings.
    pub fn update_settings(&self, update: &Update<SettingsEdit>) -> Result<GroupSettings> {
        let pick = |c| match c {
            Committed::Settings(s) => Some(s),
            _ => None,
        };
        let id = settings_doc(self.id);
        self.change_and_read(id, |b| b.update_settings(update), pick, || self.settings())
    }

    /// Settles a conflict by choosing one of the values it shows.
    pub fn resolve_conflict(&self, record: DocId, field: &str, chosen: &str) -> Result<()> {
        self.batch(|b| b.resolve_conflict(record, field, chosen))
    }

    // --- subscriptions -----------------------------------------------------------------------

    /// Events for changes in this group matching `filter`, from now on.
    pub fn subscribe(&self, filter: Filter) -> Subscription {
        Subscription {
            rx: self.repo.inner.events.subscribe(),
            group: self.id,
            filter,
        }
    }

    // --- replication (used by sync and backups) ------------------------------------------------

    /// Every stored document with its kind and version, from the index.
    pub fn document_versions(&self) -> Result<Vec<DocumentVersion>> {
        let state = self.repo.lock();
        let mut stmt = state
            .store
            .conn
            .prepare("SELECT doc_id, kind, heads FROM docs WHERE group_id = ?1 ORDER BY doc_id")?;
        let rows = stmt.query_map([self.id.as_bytes()], |r| {
            Ok((
                r.get::<_, Vec<u8>>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, Vec<u8>>(2)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, kind, heads) = row?;
            let Some(kind) = DocKind::from_code(kind) else {
                continue;
            };
            let heads = heads
                .chunks_exact(32)
                .filter_map(|h| automerge::ChangeHash::try_from(h).ok())
                .collect();
            out.push(DocumentVersion {
                id: DocId::from_slice(&id)?,
                kind: kind.into(),
                version: Version(heads),
            });
        }
        Ok(out)
    }

    /// The changes of a document that a peer whose copy has `their_heads` lacks (all of them for
    /// empty heads), each with its author's signature.
    pub fn signed_changes_since(
        &self,
        id: DocId,
        their_heads: &Version,
    ) -> Result<Vec<SignedChange>> {
        Ok(self.signed_changes_missing(id, their_heads, &[])?.changes)
    }

    /// The changes of a document the peer lacks, given its heads and the hash prefixes of some
    /// changes it has (its most recent ones), and whether it has changes this device lacks.
    pub fn signed_changes_missing(
        &self,
        id: DocId,
        their_heads: &Version,
        their_have: &[[u8; 8]],
    ) -> Result<PeerDiff> {
        let kind = self
            .repo
            .kind_of(&self.id, &id)?
            .ok_or_else(|| Error::NotFound {
                kind: "record",
                id: id.to_string(),
            })?;
        let have: std::collections::HashSet<[u8; 8]> = their_have.iter().copied().collect();
        let prefix = |h: &automerge::ChangeHash| *h.0.first_chunk::<8>().unwrap_or(&[0; 8]);
        let (changes, they_have_more) = self.read(id, kind, |d| {
            // What the peer has is everything behind its heads and the changes it listed that
            // this device knows too: the listed ones are its most recent, so they reach back
            // past the point where the two copies diverged in all but deep forks (where a few
            // changes it has are sent again — harmless, only bytes).
            // Hashes come from the changes' metadata: building whole changes is costly, so only
            // the missing ones are built.
            let d = d.document();
            let mut known: Vec<automerge::ChangeHash> = their_heads
                .0
                .iter()
                .filter(|h| d.get_change_meta_by_hash(h).is_some())
                .copied()
                .collect();
            let they_have_more = known.len() < their_heads.0.len();
            if !have.is_empty() {
                known.extend(
                    d.get_changes_meta(&[])
                        .iter()
                        .map(|c| c.hash)
                        .filter(|h| have.contains(&prefix(h))),
                );
            }
            let missing = d.get_changes(&known);
            let missing: Vec<(Vec<u8>, [u8; 32])> = missing
                .iter()
                .filter(|c| !have.contains(&prefix(&c.hash())))
                .map(|c| (c.raw_bytes().to_vec(), c.hash().0))
                .collect();
            (missing, they_have_more)
        })?;
        let state = self.repo.lock();
        let mut stmt = state.store.conn.prepare_cached(
            "SELECT signature FROM change_sigs WHERE group_id = ?1 AND doc_id = ?2 AND hash = ?3",
        )?;
        let mut out = Vec::with_capacity(changes.len());
        for (change, hash) in changes {
            let sig: Option<Vec<u8>> = stmt
                .query_row(params![self.id.as_bytes(), id.as_bytes(), hash], |r| {
                    r.get(0)
                })
                .optional()?;
            match sig {
                Some(signature) => out.push(SignedChange { change, signature }),
                None => {
                    tracing::warn!(doc = %id, "a stored change has no signature; it is not sent")
                }
            }
        }
        Ok(PeerDiff {
            changes: out,
            they_have_more,
        })
    }

    /// The first 8 bytes of the hashes of a document's `count` most recent changes (in
    /// Automerge's causal order), for a peer to find where its copy and ours diverged.
    pub fn recent_change_prefixes(&self, id: DocId, count: usize) -> Result<Vec<[u8; 8]>> {
        let Some(kind) = self.repo.kind_of(&self.id, &id)? else {
            return Ok(Vec::new());
        };
        self.read(id, kind, |d| {
            let changes = d.get_changes_meta(&[]);
            changes[changes.len().saturating_sub(count)..]
                .iter()
                .map(|c| *c.hash.0.first_chunk::<8>().unwrap_or(&[0; 8]))
                .collect()
        })
    }

    /// Every change of a document with its signature.
    pub fn export_signed_changes(&self, id: DocId) -> Result<Vec<SignedChange>> {
        self.signed_changes_since(id, &Version::default())
    }

    /// Applies signed changes received from another device (see [`Batch::import_signed_changes`]).
    pub fn import_signed_changes(
        &self,
        id: DocId,
        changes: &[SignedChange],
    ) -> Result<ImportOutcome> {
        self.batch(|b| b.import_signed_changes(id, changes))
    }

    /// Records erased in this group (they must stay erased everywhere).
    pub fn tombstones(&self) -> Result<Vec<DocId>> {
        let state = self.repo.lock();
        let mut stmt = state
            .store
            .conn
            .prepare("SELECT doc_id FROM tombstones WHERE group_id = ?1 ORDER BY doc_id")?;
        let rows = stmt.query_map([self.id.as_bytes()], |r| r.get::<_, Vec<u8>>(0))?;
        let mut out = Vec::new();
        for row in rows {
            out.push(DocId::from_slice(&row?)?);
        }
        Ok(out)
    }

    /// The signed erasures this device can pass on.
    pub fn erasures(&self) -> Result<Vec<SignedErasure>> {
        let state = self.repo.lock();
        let mut stmt = state.store.conn.prepare(
            "SELECT signature FROM tombstones WHERE group_id = ?1 AND signature IS NOT NULL ORDER BY doc_id",
        )?;
        let rows = stmt.query_map([self.id.as_bytes()], |r| r.get::<_, Vec<u8>>(0))?;
        let mut out = Vec::new();
        for row in rows {
            if let Some(e) = crate::store::decode_erasure(&row?) {
                out.push(e);
            }
        }
        Ok(out)
    }

    /// Erases a record because an admin's signed erasure arrived from another device.
    pub fn import_erasure(&self, erasure: &SignedErasure) -> Result<()> {
        self.batch(|b| b.import_erasure(erasure))
    }

    /// Runs `f` with the store (for index-only reads in other modules).
    pub(crate) fn with_store<T>(
        &self,
        f: impl FnOnce(&crate::store::Store, &GroupId) -> Result<T>,
    ) -> Result<T> {
        let state = self.repo.lock();
        f(&state.store, &self.id)
    }

    /// A stored document's version, from the index (no load); `None` if it is not stored.
    pub fn version_of(&self, id: DocId) -> Result<Option<Version>> {
        let state = self.repo.lock();
        let heads: Option<Vec<u8>> = state
            .store
            .conn
            .prepare_cached("SELECT heads FROM docs WHERE group_id = ?1 AND doc_id = ?2")?
            .query_row(params![self.id.as_bytes(), id.as_bytes()], |r| r.get(0))
            .optional()?;
        Ok(heads.map(|h| {
            Version(
                h.chunks_exact(32)
                    .filter_map(|c| automerge::ChangeHash::try_from(c).ok())
                    .collect(),
            )
        }))
    }

    /// Whether a record was erased here.
    pub fn is_erased(&self, id: DocId) -> Result<bool> {
        let state = self.repo.lock();
        let found = state
            .store
            .conn
            .query_row(
                "SELECT 1 FROM tombstones WHERE group_id = ?1 AND doc_id = ?2",
                params![self.id.as_bytes(), id.as_bytes()],
                |_| Ok(()),
            )
            .is_ok();
        Ok(found)
    }
}

fn pick_contact(c: Committed) -> Option<Contact> {
    match c {
        Committed::Contact(c) => Some(c),
        _ => None,
    }
}
