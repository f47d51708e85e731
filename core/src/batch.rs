//! A batch of writes to one group, committed as one SQL transaction.
//!
//! Every write goes through a [`Batch`]: single edits are batches of one. Documents touched by the
//! batch are held in memory until commit; at commit each new document is stored whole and each
//! changed one appends exactly the changes made since the batch touched it, and the index rows
//! derived from it are replaced, all in one transaction. If anything fails, nothing is stored and
//! the touched documents are dropped from memory, so memory never runs ahead of the disk.

use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};

use std::collections::BTreeSet;

use automerge::transaction::CommitOptions;
use automerge::{AutoCommit, Change, ChangeHash};
use groundwork_proto::membership::{DeviceId, MembershipState};
use groundwork_proto::signed::{
    ChangeError, SignedChange, SignedErasure, VerifiedChange, device_of_actor, verify_changes,
};
use rusqlite::params;

use crate::authority::{self, Scope};

use crate::doc::{self, DocKind};
use crate::error::{DocumentError, Error, Problem, Result, ValidationError};
use crate::events::{Origin, RecordEvent};
use crate::ids::{
    ContactId, ConversationId, DocId, EntryId, FollowUpId, GroupId, PlanId, TerrainTreeId, TurfId,
};
use crate::model::{
    Contact, ContactEdit, ContactUpdate, FollowUp, FollowUpEdit, GroupSettings, NewContact,
    NewConversation, NewFollowUp, NewKnock, NewPlan, NewTerrainTree, Plan, PlanEdit, SettingsEdit,
    TerrainEdit, TerrainTree, Timestamp, Turf, Update,
};
use crate::repo::{COMPACT_AFTER, Repo, State};
use crate::store::{Writer, index};

/// Bounds on changes received from elsewhere, checked (by `proto`) before Automerge sees them.
pub use groundwork_proto::signed::{MAX_CHANGE_BYTES, MAX_IMPORT_BYTES, MAX_IMPORT_CHANGES};

struct Touched {
    doc: AutoCommit,
    kind: DocKind,
    /// Heads when the batch first touched it; `None` for a document the batch created.
    start: Option<Vec<ChangeHash>>,
    dirty: bool,
}

/// What importing changes did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportOutcome {
    /// The document changed.
    Applied,
    /// Every change was already here.
    AlreadyHad,
    /// The changes depend on changes not received yet; nothing was stored. Send the rest.
    MissingDependencies,
}

/// Writes to one group that commit together. Get one from [`crate::Group::batch`].
pub struct Batch<'a> {
    repo: &'a Repo,
    state: &'a mut State,
    group: GroupId,
    touched: HashMap<DocId, Touched>,
    /// Erased records, with the eraser's signature when it came from elsewhere.
    erased: Vec<(DocId, DocKind, Option<SignedErasure>)>,
    /// Signatures of changes received from elsewhere, by change hash.
    incoming_sigs: HashMap<ChangeHash, Vec<u8>>,
    now: Timestamp,
    origin: Origin,
}

impl<'a> Batch<'a> {
    pub(crate) fn new(repo: &'a Repo, state: &'a mut State, group: GroupId) -> Self {
        Self {
            repo,
            state,
            group,
            touched: HashMap::new(),
            erased: Vec::new(),
            incoming_sigs: HashMap::new(),
            now: chrono::Utc::now(),
            origin: Origin::Local,
        }
    }

    /// The time this batch stamps on what it creates.
    pub fn now(&self) -> Timestamp {
        self.now
    }

    /// Stamps what is created from here on with `at` (an import keeps the record's own time).
    pub(crate) fn set_now(&mut self, at: Timestamp) {
        self.now = at;
    }

    pub(crate) fn group_id(&self) -> GroupId {
        self.group
    }

    /// The store, for index reads inside the batch's transaction-to-be.
    pub(crate) fn store(&self) -> &crate::store::Store {
        &self.state.store
    }

    // --- documents ---------------------------------------------------------------------------

    fn touch(&mut self, id: DocId, expected: Option<DocKind>) -> Result<&mut Touched> {
        if !self.touched.contains_key(&id) {
            if self.erased.iter().any(|(d, _, _)| *d == id)
                || self.state.store.is_tombstoned(&self.group, &id)?
            {
                return Err(Error::Erased {
                    kind: expected.map_or("record", DocKind::as_str),
                    id: id.to_string(),
                });
            }
            let key = (self.group, id);
            let (doc, kind) = match self.state.cache.take(&key) {
                Some(doc) => {
                    let kind = doc::kind_of(&doc)
                        .or(self.state.store.doc_kind(&self.group, &id)?)
                        .ok_or_else(|| DocumentError::Damaged {
                            doc: id.to_string(),
                            reason: "no kind".into(),
                        })?;
                    (doc, kind)
                }
                None => {
                    let stored = self
                        .state
                        .store
                        .load_doc(&self.group, &id)?
                        .ok_or_else(|| Error::NotFound {
                            kind: expected.map_or("record", DocKind::as_str),
                            id: id.to_string(),
                        })?;
                    (
                        doc::load_document(
                            &id.to_string(),
                            &stored.chunks,
                            &self.repo.inner.actor,
                        )?,
                        stored.kind,
                    )
                }
            };
            if let Some(expected) = expected.filter(|e| *e != kind) {
                self.state.cache.put(key, doc);
                return Err(DocumentError::WrongKind {
                    doc: id.to_string(),
                    expected: expected.as_str(),
                    found: kind.as_str().into(),
                }
                .into());
            }
            let mut doc = doc;
            let start = Some(doc.get_heads());
            self.touched.insert(
                id,
                Touched {
                    doc,
                    kind,
                    start,
                    dirty: false,
                },
            );
        }
        let t = self.touched.get_mut(&id).ok_or_else(|| Error::NotFound {
            kind: "record",
            id: id.to_string(),
        })?;
        if let Some(expected) = expected.filter(|e| *e != t.kind) {
            return Err(DocumentError::WrongKind {
                doc: id.to_string(),
                expected: expected.as_str(),
                found: t.kind.as_str().into(),
            }
            .into());
        }
        Ok(t)
    }

    /// Reads a document as it stands in this batch (loading it if the batch has not yet).
    pub(crate) fn read_doc<T>(
        &mut self,
        id: DocId,
        kind: DocKind,
        f: impl FnOnce(&mut AutoCommit) -> T,
    ) -> Result<T> {
        let t = self.touch(id, Some(kind))?;
        Ok(f(&mut t.doc))
    }

    fn commit_options(&self) -> CommitOptions {
        CommitOptions::default().with_time(self.now.timestamp())
    }

    fn create(
        &mut self,
        id: DocId,
        kind: DocKind,
        init: impl FnOnce(&mut AutoCommit) -> Result<()>,
    ) -> Result<()> {
        if self.touched.contains_key(&id)
            || self.state.store.doc_kind(&self.group, &id)?.is_some()
            || self.state.store.is_tombstoned(&self.group, &id)?
        {
            return Err(ValidationError::out_of_range(
                kind.as_str(),
                format!("id {id} is already used"),
            )
            .into());
        }
        let mut doc = doc::new_document(&self.repo.inner.actor);
        init(&mut doc)?;
        doc.commit_with(self.commit_options());
        self.touched.insert(
            id,
            Touched {
                doc,
                kind,
                start: None,
                dirty: true,
            },
        );
        Ok(())
    }

    /// Applies `f` as one change, at `base` when given (then merged with everything since).
    pub(crate) fn modify<T>(
        &mut self,
        id: DocId,
        kind: DocKind,
        base: Option<&crate::model::Version>,
        f: impl FnOnce(&mut AutoCommit) -> Result<T>,
    ) -> Result<T> {
        let options = self.commit_options();
        let t = self.touch(id, Some(kind))?;
        if let Some(base) = base {
            doc::check_base(&mut t.doc, base)?;
            t.doc.isolate(&base.0);
        }
        let result = f(&mut t.doc);
        match result {
            Ok(v) => {
                let changed = t.doc.commit_with(options).is_some();
                if base.is_some() {
                    t.doc.integrate();
                }
                t.dirty |= changed;
                Ok(v)
            }
            Err(e) => {
                t.doc.rollback();
                if base.is_some() {
                    t.doc.integrate();
                }
                Err(e)
            }
        }
    }

    // --- contacts ----------------------------------------------------------------------------

    /// Creates a contact.
    pub fn create_contact(&mut self, new: &NewContact) -> Result<ContactId> {
        let id = ContactId::random();
        self.create_contact_with_id(id, new)?;
        Ok(id)
    }

    /// Creates a contact with an id chosen by the caller (imports and the sample workload).
    pub fn create_contact_with_id(&mut self, id: ContactId, new: &NewContact) -> Result<()> {
        self.create(id.into(), DocKind::Contact, |d| {
            doc::contact::create(d, id, new)
        })
    }

    /// Applies per-field edits to a contact.
    pub fn update_contact(&mut self, id: ContactId, update: &ContactUpdate) -> Result<()> {
        crate::model::validate::list_len("edits", update.edits.len(), 1_000)?;
        self.modify(id.into(), DocKind::Contact, update.base.as_ref(), |d| {
            update
                .edits
                .iter()
                .try_for_each(|e| doc::contact::apply(d, e))
        })
    }

    /// Appends a conversation to the contact's log.
    pub fn record_conversation(
        &mut self,
        contact: ContactId,
        c: &NewConversation,
    ) -> Result<ConversationId> {
        let id = ConversationId::random();
        self.record_conversation_with_id(contact, id, c)?;
        Ok(id)
    }

    /// Appends a conversation with a caller-chosen id.
    pub fn record_conversation_with_id(
        &mut self,
        contact: ContactId,
        id: ConversationId,
        c: &NewConversation,
    ) -> Result<()> {
        self.check_assessment(c.assessment)?;
        self.modify(contact.into(), DocKind::Contact, None, |d| {
            doc::contact::append_conversation(d, id, 1, c)
        })
    }

    /// Records a correction of a conversation as its next revision; what was said before stays.
    pub fn correct_conversation(
        &mut self,
        contact: ContactId,
        id: ConversationId,
        c: &NewConversation,
    ) -> Result<u32> {
        self.check_assessment(c.assessment)?;
        self.modify(contact.into(), DocKind::Contact, None, |d| {
            let latest = doc::contact::latest_revision(d, id);
            if latest == 0 {
                return Err(Error::NotFound {
                    kind: "conversation",
                    id: id.to_string(),
                });
            }
            doc::contact::append_conversation(d, id, latest + 1, c)?;
            Ok(latest + 1)
        })
    }

    /// Records a door knock on a contact (append-only, like the conversation log).
    pub fn record_knock(&mut self, contact: ContactId, k: &NewKnock) -> Result<EntryId> {
        let id = EntryId::random();
        self.modify(contact.into(), DocKind::Contact, None, |d| {
            doc::contact::append_knock(d, id, k)
        })?;
        Ok(id)
    }

    // --- turf (an admin's acts: they go with grant changes, see `crate::turf`) ---------------

    /// Records a turf in the group's settings.
    pub(crate) fn add_turf(&mut self, turf: &Turf) -> Result<()> {
        self.require_admin("hand out turf")?;
        self.modify(settings_doc(self.group), DocKind::Settings, None, |d| {
            doc::settings::add_turf(d, turf)
        })
    }

    /// Marks a contact as part of a turf.
    pub(crate) fn put_in_turf(
        &mut self,
        contact: ContactId,
        turf: TurfId,
        held_before: &[DeviceId],
    ) -> Result<()> {
        self.require_admin("hand out turf")?;
        self.modify(contact.into(), DocKind::Contact, None, |d| {
            doc::contact::put_in_turf(d, turf, held_before)
        })
    }

    /// Marks a turf taken back.
    pub(crate) fn mark_turf_returned(&mut self, turf: TurfId, at: Timestamp) -> Result<()> {
        self.require_admin("take back turf")?;
        self.modify(settings_doc(self.group), DocKind::Settings, None, |d| {
            doc::settings::return_turf(d, turf, at)
        })
    }

    /// Checks an assessment against the group's scale, from the index (no document load).
    fn check_assessment(&self, a: Option<i64>) -> Result<()> {
        let Some(a) = a else { return Ok(()) };
        let on_scale: Option<i64> = self
            .state
            .store
            .conn
            .query_row(
                "SELECT count(*) FROM scale_idx WHERE group_id = ?1 AND value = ?2",
                params![self.group.as_bytes(), a],
                |r| r.get(0),
            )
            .ok();
        let levels: i64 = self.state.store.conn.query_row(
            "SELECT count(*) FROM scale_idx WHERE group_id = ?1",
            [self.group.as_bytes()],
            |r| r.get(0),
        )?;
        // A device that has not received the settings yet cannot check; it accepts the value.
        if levels > 0 && on_scale != Some(1) {
            return Err(ValidationError::out_of_range(
                "assessment",
                format!("{a} is not on the group's scale"),
            )
            .into());
        }
        Ok(())
    }

    // --- follow-ups, plans, terrain, settings ------------------------------------------------

    /// Creates a follow-up.
    pub fn create_follow_up(&mut self, new: &NewFollowUp) -> Result<FollowUpId> {
        let id = FollowUpId::random();
        self.create_follow_up_with_id(id, new)?;
        Ok(id)
    }

    /// Creates a follow-up with a caller-chosen id.
    pub fn create_follow_up_with_id(&mut self, id: FollowUpId, new: &NewFollowUp) -> Result<()> {
        let now = self.now;
        self.create(id.into(), DocKind::FollowUp, |d| {
            doc::followup::create(d, id, new, now)
        })
    }

    /// Creates an onboarding task started from a template: the follow-up and its step in the
    /// template, in one change.
    pub(crate) fn create_onboarding_task(
        &mut self,
        id: FollowUpId,
        new: &NewFollowUp,
        step: &crate::model::OnboardingStep,
    ) -> Result<()> {
        let now = self.now;
        self.create(id.into(), DocKind::FollowUp, |d| {
            doc::followup::create(d, id, new, now)?;
            doc::followup::put_onboarding(d, step)
        })
    }

    /// Applies per-field edits to a follow-up.
    pub fn update_follow_up(
        &mut self,
        id: FollowUpId,
        update: &Update<FollowUpEdit>,
    ) -> Result<()> {
        self.modify(id.into(), DocKind::FollowUp, update.base.as_ref(), |d| {
            update
                .edits
                .iter()
                .try_for_each(|e| doc::followup::apply(d, e))
        })
    }

    /// Creates a plan.
    pub fn create_plan(&mut self, new: &NewPlan) -> Result<PlanId> {
        let id = PlanId::random();
        self.create_plan_with_id(id, new)?;
        Ok(id)
    }

    /// Creates a plan with a caller-chosen id.
    pub fn create_plan_with_id(&mut self, id: PlanId, new: &NewPlan) -> Result<()> {
        self.create(id.into(), DocKind::Plan, |d| doc::plan::create(d, id, new))
    }

    /// Applies per-field edits to a plan.
    pub fn update_plan(&mut self, id: PlanId, update: &Update<PlanEdit>) -> Result<()> {
        self.modify(id.into(), DocKind::Plan, update.base.as_ref(), |d| {
            update.edits.iter().try_for_each(|e| doc::plan::apply(d, e))
        })
    }

    /// Creates a terrain tree (a workplace or building).
    pub fn create_terrain(&mut self, new: &NewTerrainTree) -> Result<TerrainTreeId> {
        let id = TerrainTreeId::random();
        self.create_terrain_with_id(id, new)?;
        Ok(id)
    }

    /// Creates a terrain tree with a caller-chosen id.
    pub fn create_terrain_with_id(
        &mut self,
        id: TerrainTreeId,
        new: &NewTerrainTree,
    ) -> Result<()> {
        self.create(id.into(), DocKind::Terrain, |d| {
            doc::terrain::create(d, id, new)
        })
    }

    /// Applies edits to a terrain tree.
    pub fn update_terrain(
        &mut self,
        id: TerrainTreeId,
        update: &Update<TerrainEdit>,
    ) -> Result<()> {
        self.modify(id.into(), DocKind::Terrain, update.base.as_ref(), |d| {
            update
                .edits
                .iter()
                .try_for_each(|e| doc::terrain::apply(d, e))
        })
    }

    pub(crate) fn create_settings(&mut self, name: &str) -> Result<()> {
        let group = self.group;
        self.create(settings_doc(group), DocKind::Settings, |d| {
            doc::settings::create(d, group, name)
        })
    }

    /// Applies edits to the group's settings.
    pub fn update_settings(&mut self, update: &Update<SettingsEdit>) -> Result<()> {
        self.require_admin("change the group's settings")?;
        let id = settings_doc(self.group);
        self.modify(id, DocKind::Settings, update.base.as_ref(), |d| {
            update
                .edits
                .iter()
                .try_for_each(|e| doc::settings::apply(d, e))
        })
    }

    /// The kind of a record in this batch or the store.
    pub(crate) fn kind_of_record(&self, record: DocId) -> Result<DocKind> {
        match self.touched.get(&record) {
            Some(t) => Ok(t.kind),
            None => self
                .state
                .store
                .doc_kind(&self.group, &record)?
                .ok_or_else(|| Error::NotFound {
                    kind: "record",
                    id: record.to_string(),
                }),
        }
    }

    /// Settles a conflict on `field` of a record by choosing one of its values.
    pub fn resolve_conflict(&mut self, record: DocId, field: &str, chosen: &str) -> Result<()> {
        let kind = self.kind_of_record(record)?;
        self.modify(record, kind, None, |d| {
            doc::resolve_conflict(d, field, chosen)
        })
    }

    // --- erasure -----------------------------------------------------------------------------

    /// Erases a contact: its document, conversations, index rows and stored bytes, with the
    /// cascade: follow-ups about them are erased too; relationships to them in other contacts and
    /// mentions in plans are removed. A tombstone keeps the record from coming back by sync.
    pub fn erase_contact(&mut self, id: ContactId) -> Result<()> {
        self.require_admin("erase a record")?;
        self.erase_contact_cascade(id, None)
    }

    fn erase_contact_cascade(
        &mut self,
        id: ContactId,
        signed: Option<SignedErasure>,
    ) -> Result<()> {
        let doc_id: DocId = id.into();
        self.touch(doc_id, Some(DocKind::Contact))?;
        let links: Vec<(Vec<u8>, i64)> = {
            let mut stmt = self.state.store.conn.prepare(
                "SELECT from_doc, from_kind FROM links_idx WHERE group_id = ?1 AND to_contact = ?2 AND from_doc != ?2
                 UNION SELECT followup_id, 2 FROM followups_idx WHERE group_id = ?1 AND contact_id = ?2",
            )?;
            let rows = stmt.query_map(params![self.group.as_bytes(), id.as_bytes()], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?;
            rows.collect::<Result<_, _>>()?
        };
        for (from, kind) in links {
            let from = DocId::from_slice(&from)?;
            match DocKind::from_code(kind) {
                Some(DocKind::FollowUp) => self.erase_doc(from, DocKind::FollowUp, None)?,
                Some(DocKind::Plan) => {
                    self.update_plan(from.into(), &Update::new(vec![PlanEdit::RemoveContact(id)]))?
                }
                Some(DocKind::Contact) => {
                    let other: ContactId = from.into();
                    let edits: Vec<ContactEdit> = {
                        let t = self.touch(from, Some(DocKind::Contact))?;
                        doc::contact::read(&mut t.doc, other)
                            .relationships
                            .iter()
                            .filter(|r| r.other == id)
                            .map(|r| ContactEdit::RemoveRelationship(r.id))
                            .collect()
                    };
                    self.update_contact(other, &ContactUpdate::new(edits))?;
                }
                _ => {}
            }
        }
        self.erase_doc(doc_id, DocKind::Contact, signed)
    }

    /// Erases a follow-up.
    pub fn erase_follow_up(&mut self, id: FollowUpId) -> Result<()> {
        self.require_admin("erase a record")?;
        self.touch(id.into(), Some(DocKind::FollowUp))?;
        self.erase_doc(id.into(), DocKind::FollowUp, None)
    }

    /// Erases a plan.
    pub fn erase_plan(&mut self, id: PlanId) -> Result<()> {
        self.require_admin("erase a record")?;
        self.touch(id.into(), Some(DocKind::Plan))?;
        self.erase_doc(id.into(), DocKind::Plan, None)
    }

    fn erase_doc(&mut self, id: DocId, kind: DocKind, signed: Option<SignedErasure>) -> Result<()> {
        self.touched.remove(&id);
        self.state.cache.evict(&(self.group, id));
        if !self.erased.iter().any(|(d, _, _)| *d == id) {
            self.erased.push((id, kind, signed));
        }
        Ok(())
    }

    // --- membership and authority ------------------------------------------------------------

    fn membership(&mut self) -> Result<MembershipState> {
        let state = &mut *self.state;
        Ok(state.logs.get(&state.store, &self.group)?.state().clone())
    }

    pub(crate) fn require_admin(&mut self, what: &str) -> Result<()> {
        let me = self.repo.device();
        if self.membership()?.is_admin(&me) {
            Ok(())
        } else {
            Err(Error::Permission(format!("only an admin can {what}")))
        }
    }

    fn scope(&mut self, id: DocId) -> Result<Option<Scope>> {
        let Some(t) = self.touched.get(&id) else {
            return Ok(None);
        };
        Ok(Some(authority::scope_of(
            &self.state.store,
            &self.group,
            t.kind,
            id,
            &t.doc,
        )?))
    }

    // --- changes from elsewhere ----------------------------------------------------------------

    /// Applies signed Automerge changes received from another device to a document, creating it
    /// if new. Everything is untrusted: sizes are bounded, decoding runs under `catch_unwind`,
    /// every change must be signed by its author (its Automerge actor), a current member whose
    /// grant covers the record before and after the changes; settings and terrain need an admin;
    /// a change for an erased record is refused. On any refusal nothing is stored.
    pub fn import_signed_changes(
        &mut self,
        id: DocId,
        changes: &[SignedChange],
    ) -> Result<ImportOutcome> {
        self.origin = Origin::Remote;
        let damaged = |reason: &str| {
            Error::Document(DocumentError::Damaged {
                doc: id.to_string(),
                reason: reason.into(),
            })
        };
        let verified = verify_changes(changes).map_err(|e| match e {
            ChangeError::TooMany => ValidationError::new(
                "changes",
                Problem::TooMany {
                    max: MAX_IMPORT_CHANGES,
                },
            )
            .into(),
            ChangeError::TooLarge => ValidationError::new(
                "changes",
                Problem::TooLong {
                    max: MAX_CHANGE_BYTES,
                },
            )
            .into(),
            ChangeError::AuthorNotADevice => {
                Error::Permission("a change's author is not a device key".into())
            }
            ChangeError::NotSignedByAuthor => {
                Error::Permission(format!("a change of {id} is not signed by its author"))
            }
            other => damaged(&other.to_string()),
        })?;
        let members = self.membership()?;
        let mut signers = BTreeSet::new();
        let mut decoded = Vec::with_capacity(verified.len());
        for (VerifiedChange { change, signer }, signed) in verified.into_iter().zip(changes) {
            if !members.is_member(&signer) {
                return Err(Error::Permission(format!(
                    "device {signer} is not a member of the group"
                )));
            }
            signers.insert(signer);
            self.incoming_sigs
                .insert(change.hash(), signed.signature.clone());
            decoded.push(change);
        }
        // Apply only changes whose dependencies are here (or in this batch), so that no change
        // waits in Automerge's queue without its signature; the rest are asked for again.
        let (ready, waiting) = self.ready_changes(id, decoded)?;
        if ready.is_empty() {
            return Ok(if waiting {
                ImportOutcome::MissingDependencies
            } else {
                ImportOutcome::AlreadyHad
            });
        }
        let outcome = self.import_decoded(id, ready, &signers, &members)?;
        Ok(if waiting {
            ImportOutcome::MissingDependencies
        } else {
            outcome
        })
    }

    /// Splits changes into those that can be applied now, in dependency order, and reports
    /// whether any must wait for changes not received yet.
    fn ready_changes(&mut self, id: DocId, changes: Vec<Change>) -> Result<(Vec<Change>, bool)> {
        let existing = self.touched.contains_key(&id)
            || self.state.store.doc_kind(&self.group, &id)?.is_some();
        let mut known: std::collections::HashSet<ChangeHash> = std::collections::HashSet::new();
        let mut pending = changes;
        let mut ready = Vec::new();
        loop {
            let doc = if existing {
                Some(&self.touch(id, None)?.doc)
            } else {
                None
            };
            let have = |h: &ChangeHash, known: &std::collections::HashSet<ChangeHash>| {
                known.contains(h)
                    || doc.is_some_and(|d| automerge::ReadDoc::get_change_by_hash(d, h).is_some())
            };
            let (now, later): (Vec<Change>, Vec<Change>) = pending
                .into_iter()
                .partition(|c| c.deps().iter().all(|d| have(d, &known)));
            if now.is_empty() {
                let waiting = later.iter().any(|c| !have(&c.hash(), &known));
                return Ok((ready, waiting));
            }
            for c in now {
                if known.insert(c.hash()) {
                    ready.push(c);
                }
            }
            pending = later;
        }
    }

    /// Applies decoded changes and checks the signers' authority before and after.
    fn import_decoded(
        &mut self,
        id: DocId,
        decoded: Vec<Change>,
        signers: &BTreeSet<DeviceId>,
        members: &MembershipState,
    ) -> Result<ImportOutcome> {
        let damaged = |reason: &str| {
            Error::Document(DocumentError::Damaged {
                doc: id.to_string(),
                reason: reason.into(),
            })
        };
        let existing = self.touched.contains_key(&id)
            || self.state.store.doc_kind(&self.group, &id)?.is_some();
        let before = if existing {
            self.touch(id, None)?;
            self.scope(id)?
        } else {
            if self.erased.iter().any(|(d, _, _)| *d == id)
                || self.state.store.is_tombstoned(&self.group, &id)?
            {
                return Err(Error::Erased {
                    kind: "record",
                    id: id.to_string(),
                });
            }
            None
        };
        let outcome = if existing {
            let t = self.touch(id, None)?;
            let heads_before = t.doc.get_heads();
            let kind = t.kind;
            let applied = catch_unwind(AssertUnwindSafe(|| t.doc.apply_changes(decoded)));
            let failed = match applied {
                Ok(Ok(())) => None,
                Ok(Err(e)) => Some(e.to_string()),
                Err(_) => Some("the changes could not be applied".to_owned()),
            };
            let wrong_kind = failed.is_none() && doc::kind_of(&t.doc) != Some(kind);
            if failed.is_some() || wrong_kind || check_root_id(&t.doc, id).is_err() {
                self.revert(id);
                return Err(damaged(
                    failed
                        .as_deref()
                        .unwrap_or("the changes alter the record's kind or id"),
                ));
            }
            if t.doc.get_heads() == heads_before {
                let queued = !t.doc.get_missing_deps(&[]).is_empty();
                return Ok(if queued {
                    ImportOutcome::MissingDependencies
                } else {
                    ImportOutcome::AlreadyHad
                });
            }
            t.dirty = true;
            ImportOutcome::Applied
        } else {
            let mut doc = doc::new_document(&self.repo.inner.actor);
            match catch_unwind(AssertUnwindSafe(|| doc.apply_changes(decoded))) {
                Ok(Ok(())) => {}
                Ok(Err(e)) => return Err(damaged(&e.to_string())),
                Err(_) => return Err(damaged("the changes could not be applied")),
            }
            let Some(kind) = doc::kind_of(&doc) else {
                return Ok(ImportOutcome::MissingDependencies);
            };
            check_root_id(&doc, id)?;
            self.touched.insert(
                id,
                Touched {
                    doc,
                    kind,
                    start: None,
                    dirty: true,
                },
            );
            ImportOutcome::Applied
        };
        let after = self.scope(id)?;
        for signer in signers {
            let grant = members.grant(signer).unwrap_or_default();
            let admin = members.is_admin(signer);
            for scope in before.iter().chain(after.iter()) {
                if !authority::covers(&self.state.store, &self.group, &grant, admin, scope, true)? {
                    self.revert(id);
                    return Err(Error::Permission(format!(
                        "device {signer} may not change record {id}"
                    )));
                }
            }
        }
        Ok(outcome)
    }

    /// Drops a document's in-memory changes: it is reloaded from the store when next needed.
    fn revert(&mut self, id: DocId) {
        self.touched.remove(&id);
        self.state.cache.evict(&(self.group, id));
    }

    /// Erases a record because an admin erased it elsewhere (its signed erasure arrived).
    pub fn import_erasure(&mut self, erasure: &SignedErasure) -> Result<()> {
        self.origin = Origin::Remote;
        if !erasure.verify() || erasure.group != *self.group.as_bytes() {
            return Err(Error::Permission(
                "an erasure is not validly signed for this group".into(),
            ));
        }
        if !self.membership()?.is_admin(&erasure.erased_by) {
            return Err(Error::Permission(format!(
                "device {} is not an admin and may not erase",
                erasure.erased_by
            )));
        }
        let id = DocId::from_slice(&erasure.doc)?;
        let signed = Some(erasure.clone());
        match self.state.store.doc_kind(&self.group, &id)? {
            Some(DocKind::Contact) => self.erase_contact_cascade(id.into(), signed),
            Some(kind) => self.erase_doc(id, kind, signed),
            None if self.state.store.is_tombstoned(&self.group, &id)? => Ok(()),
            // Never seen here: keep the tombstone so the record cannot arrive later.
            None => self.erase_doc(id, DocKind::Contact, signed),
        }
    }

    // --- commit ------------------------------------------------------------------------------

    /// Stores everything in one transaction; returns the events to publish.
    pub(crate) fn commit(mut self) -> Result<(Vec<RecordEvent>, HashMap<DocId, Committed>)> {
        let erased_by = self.repo.device_id();
        let now_ms = self.now.timestamp_millis();
        let key = self.repo.device_key().clone();
        let me = self.repo.device();
        // Only an erasure needs to know whether this device is an admin.
        let admin = !self.erased.is_empty() && self.membership()?.is_admin(&me);
        let mut compact = Vec::new();
        let mut committed = HashMap::new();
        let result = (|| -> Result<()> {
            let tx = self.state.store.conn.transaction()?;
            let w = Writer {
                tx,
                group: self.group,
            };
            for (id, t) in self.touched.iter_mut().filter(|(_, t)| t.dirty) {
                let heads = t.doc.get_heads();
                // The new changes' hashes and authors, for their signatures. A new document's
                // are read from metadata: rebuilding every change of it would cost as much as
                // saving it again.
                let new_changes: Vec<(ChangeHash, Vec<u8>)> = match &t.start {
                    None => {
                        w.insert_doc(id, t.kind, &t.doc.save(), &heads)?;
                        t.doc
                            .get_changes_meta(&[])
                            .iter()
                            .map(|c| (c.hash, c.actor.to_bytes().to_vec()))
                            .collect()
                    }
                    Some(start) => {
                        let changes = t.doc.get_changes(start);
                        // The increment is the new changes' chunks, back to back (what
                        // `save_after` would write, without walking the history again).
                        let bytes: Vec<u8> = changes
                            .iter()
                            .flat_map(|c| c.raw_bytes().iter().copied())
                            .collect();
                        if bytes.is_empty() {
                            continue;
                        }
                        if w.append_changes(id, &bytes, &heads)? >= COMPACT_AFTER {
                            compact.push(*id);
                        }
                        changes
                            .iter()
                            .map(|c| (c.hash(), c.actor_id().to_bytes().to_vec()))
                            .collect()
                    }
                };
                for (hash, actor) in new_changes {
                    let signature = match self.incoming_sigs.get(&hash) {
                        Some(sig) => sig.clone(),
                        None if device_of_actor(&actor) == Some(me.0) => {
                            key.sign(&hash.0).to_bytes().to_vec()
                        }
                        None => {
                            return Err(Error::Permission(format!(
                                "an unsigned change from another device in {id}"
                            )));
                        }
                    };
                    w.put_signature(id, &hash.0, &signature)?;
                }
                committed.insert(*id, reindex(&w, *id, t)?);
            }
            for (id, kind, signed) in &self.erased {
                let signature = match signed {
                    Some(s) => Some(s.clone()),
                    None if admin => Some(SignedErasure::sign(
                        *self.group.as_bytes(),
                        *id.as_bytes(),
                        now_ms,
                        &key,
                    )),
                    None => None,
                };
                w.erase_doc(id, *kind, &erased_by, now_ms, signature.as_ref())?;
            }
            w.tx.commit()?;
            Ok(())
        })();
        if let Err(e) = result {
            // Dirty documents hold changes the store does not: drop them.
            self.touched.retain(|_, t| !t.dirty);
            self.put_back();
            return Err(e);
        }
        let mut events = Vec::new();
        for (id, t) in &self.touched {
            if t.dirty {
                events.push(RecordEvent {
                    group: self.group,
                    record: *id,
                    kind: t.kind.into(),
                    erased: false,
                    origin: self.origin,
                });
            }
        }
        for (id, kind, _) in &self.erased {
            events.push(RecordEvent {
                group: self.group,
                record: *id,
                kind: (*kind).into(),
                erased: true,
                origin: self.origin,
            });
        }
        self.put_back();
        for id in compact {
            self.repo.request_compaction(self.group, id);
        }
        Ok((events, committed))
    }

    /// Returns clean documents to the cache after an aborted batch.
    pub(crate) fn abort(mut self) {
        self.touched.retain(|_, t| !t.dirty);
        self.put_back();
    }

    fn put_back(&mut self) {
        for (id, t) in self.touched.drain() {
            self.state.cache.put((self.group, id), t.doc);
        }
    }
}

fn check_root_id(doc: &AutoCommit, id: DocId) -> Result<()> {
    use automerge::ReadDoc;
    let root_id = doc
        .get(automerge::ROOT, "id")
        .ok()
        .flatten()
        .and_then(|(v, _)| v.as_str().map(str::to_owned));
    match root_id {
        Some(s) if DocId::parse(&s).ok() == Some(id) => Ok(()),
        _ => Err(DocumentError::Damaged {
            doc: id.to_string(),
            reason: "the document's id does not match".into(),
        }
        .into()),
    }
}

/// A record as committed, read once for the index and handed back to the caller.
pub(crate) enum Committed {
    Contact(Contact),
    FollowUp(FollowUp),
    Plan(Plan),
    Terrain(TerrainTree),
    Settings(GroupSettings),
}

fn reindex(w: &Writer<'_>, id: DocId, t: &mut Touched) -> Result<Committed> {
    let label = id.to_string();
    let doc = &mut t.doc;
    Ok(match t.kind {
        DocKind::Contact => {
            let r = doc::read_contained(&label, || doc::contact::read(doc, id.into()))?;
            index::contact(w, &r)?;
            Committed::Contact(r)
        }
        DocKind::FollowUp => {
            let r = doc::read_contained(&label, || doc::followup::read(doc, id.into()))?;
            index::follow_up(w, &r)?;
            Committed::FollowUp(r)
        }
        DocKind::Plan => {
            let r = doc::read_contained(&label, || doc::plan::read(doc, id.into()))?;
            index::plan(w, &r)?;
            Committed::Plan(r)
        }
        DocKind::Terrain => {
            let r = doc::read_contained(&label, || doc::terrain::read(doc, id.into()))?;
            index::terrain(w, &r)?;
            Committed::Terrain(r)
        }
        DocKind::Settings => {
            let r = doc::read_contained(&label, || doc::settings::read(doc))?;
            index::settings(w, &r)?;
            Committed::Settings(r)
        }
    })
}

/// The settings document's id: the group's id, so every member addresses the same document.
pub(crate) fn settings_doc(group: GroupId) -> DocId {
    DocId::from(group)
}

/// Rebuilds the index rows of follow-ups, plans and settings once after a migration gave those
/// rows new columns (see migration 3): the documents are the source of truth, the index is
/// derived. Runs when the store is opened, before anything reads the index. A document that
/// cannot be loaded keeps its old rows and is logged; it is not a reason to refuse the store.
pub(crate) fn rebuild_index_if_asked(
    store: &crate::store::Store,
    actor: &automerge::ActorId,
) -> std::result::Result<usize, crate::error::StoreError> {
    if store.meta("reindex")?.is_none() {
        return Ok(0);
    }
    let kinds = [DocKind::FollowUp, DocKind::Plan, DocKind::Settings];
    let mut docs: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
    {
        let mut stmt = store.conn.prepare(
            "SELECT group_id, doc_id FROM docs WHERE kind IN (?1, ?2, ?3) ORDER BY group_id",
        )?;
        let rows = stmt.query_map(
            params![kinds[0].code(), kinds[1].code(), kinds[2].code()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        for row in rows {
            docs.push(row?);
        }
    }
    let mut rebuilt = 0;
    for chunk in docs.chunk_by(|a, b| a.0 == b.0) {
        let Some(group) = chunk.first().and_then(|(g, _)| GroupId::from_slice(g).ok()) else {
            continue;
        };
        let w = Writer {
            tx: store.conn.unchecked_transaction()?,
            group,
        };
        for (_, d) in chunk {
            let Ok(id) = DocId::from_slice(d) else {
                continue;
            };
            let Some(stored) = store.load_doc(&group, &id)? else {
                continue;
            };
            let mut touched = match doc::load_document(&id.to_string(), &stored.chunks, actor) {
                Ok(doc) => Touched {
                    doc,
                    kind: stored.kind,
                    start: None,
                    dirty: false,
                },
                Err(e) => {
                    tracing::warn!(doc = %id, error = %e, "not reindexed: the document does not load");
                    continue;
                }
            };
            reindex(&w, id, &mut touched).map_err(|e| match e {
                Error::Store(s) => s,
                other => crate::error::StoreError::Corrupt(other.to_string()),
            })?;
            rebuilt += 1;
        }
        w.tx.commit()?;
    }
    store
        .conn
        .execute("DELETE FROM meta WHERE key = 'reindex'", [])?;
    Ok(rebuilt)
}
