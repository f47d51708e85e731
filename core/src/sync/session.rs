use std::collections::{BTreeMap, BTreeSet};
use std::panic::{AssertUnwindSafe, catch_unwind};

use groundwork_proto::change_layout::{MAX_CHANGE_OPS, check_change_layout};
use groundwork_proto::membership::DeviceId;
use groundwork_proto::signed::{MAX_IMPORT_OPS, SignedChange};
use groundwork_proto::sync::{
    DocHeads, DocUpdate, MIN_PROTOCOL_VERSION, Message, PROTOCOL_VERSION, REMOVAL_NOTICE_VERSION,
    Refusal, item_doc, item_id,
};
use negentropy::{Id, Negentropy, NegentropyStorageVector};

use super::items::{self, Item, Visibility};
use crate::error::Error;
use crate::group::Group;
use crate::ids::DocId;
use crate::model::Version;

/// Which side of a session this device is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncRole {
    Initiator,
    Responder,
}

/// What a session did, for progress bars, tests and benchmarks.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncStats {
    /// Messages this side sent that expected an answer (a round trip each, from the initiator).
    pub round_trips: u32,
    pub messages_sent: u32,
    pub bytes_sent: u64,
    pub bytes_received: u64,
    /// Of those, the set-reconciliation payloads (both ways): the cost of finding which
    /// documents differ, before any document is asked for.
    pub reconcile_bytes: u64,
    /// Documents that differed.
    pub differing: u32,
    pub docs_received: u32,
    pub changes_received: u32,
    pub docs_sent: u32,
    pub changes_sent: u32,
}

/// Why a session ended badly.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SyncError {
    /// The peer refused the session.
    #[error("the peer refused: {message}")]
    Refused { reason: Refusal, message: String },
    /// This side refused the peer (the message was sent to it too).
    #[error("refused the peer: {message}")]
    RefusedPeer { reason: Refusal, message: String },
    /// This side refused a peer that was removed from the group; `membership_ops` (its
    /// removal among them) are sent to it as [`Message::Removed`].
    #[error("refused a removed device (it was sent its removal)")]
    RemovedPeer { membership_ops: Vec<Vec<u8>> },
    /// The peer showed, by operations signed by an admin, that this device was removed from the
    /// group: this device's copy of the group was deleted.
    #[error("this device was removed from the group; its copy of the group was deleted")]
    RemovedHere,
    /// The peer broke the protocol or sent records it may not send: end the session and count it
    /// against the peer.
    #[error("the peer misbehaved: {0}")]
    Misbehaved(String),
    /// This device failed (store, …).
    #[error(transparent)]
    Local(#[from] Error),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Responder: waiting for Hello (or for the admission it asked for).
    AwaitHello,
    AwaitAdmission,
    /// Initiator: waiting for Welcome.
    AwaitWelcome,
    /// Narrowing the difference.
    Reconciling,
    /// Initiator: sent Want, waiting for the responder's Docs.
    AwaitDocs,
    /// Responder: answered Want, waiting for the initiator's Docs or Done.
    AwaitPush,
    Done,
}

/// Frame size limit for negentropy messages (it splits its work into rounds to respect it).
const RECONCILE_FRAME_LIMIT: u64 = 512 * 1024;
/// Slack on how many documents a peer may ask for beyond those reconciled (ones it has that we
/// lack are asked for too).
const MAX_DOCS_PER_WANT_SLACK: usize = 1_000;
/// Documents asked for per Want message.
const WANT_CHUNK: usize = 200;
/// How many of its most recent changes of a document the initiator lists when asking for it.
const RECENT_HAVE: usize = 8;
/// Docs messages are cut at about this many change bytes.
const DOCS_MESSAGE_BYTES: usize = 512 * 1024;

/// One sync session with one peer over one group.
pub struct SyncSession {
    group: Group,
    role: SyncRole,
    peer: DeviceId,
    phase: Phase,
    version: u16,
    negentropy: Option<Negentropy<'static, NegentropyStorageVector>>,
    /// Our items by document, for mapping differing item ids back.
    ours: BTreeMap<[u8; 16], Item>,
    differing: BTreeSet<[u8; 16]>,
    /// Initiator: the responder's heads of each wanted document.
    pending_hello: Option<Message>,
    /// Responder: documents asked for so far in this session.
    wanted_total: usize,
    /// Initiator: Want messages not answered in full yet.
    outstanding_wants: usize,
    /// Initiator: the documents the responder answered for, and its heads of those where it
    /// lacks some of our changes.
    answered: BTreeSet<[u8; 16]>,
    their_heads: BTreeMap<[u8; 16], Vec<[u8; 32]>>,
    /// Responder: the peer was asked once to present its admission.
    asked_admission: bool,
    /// Documents received so far (a long history arrives in several pieces: counted once).
    received: BTreeSet<[u8; 16]>,
    stats: SyncStats,
}

/// This side refuses the peer; the transport sends the peer a `Refused` message with the reason.
fn refuse(reason: Refusal, message: impl Into<String>) -> SyncError {
    SyncError::RefusedPeer {
        reason,
        message: message.into(),
    }
}

fn guard<T>(f: impl FnOnce() -> Result<T, negentropy::Error>) -> Result<T, SyncError> {
    // The reconciliation decoder reads the peer's bytes: contain any panic to this session.
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(SyncError::Misbehaved(format!(
            "bad reconciliation message: {e}"
        ))),
        Err(_) => Err(SyncError::Misbehaved(
            "reconciliation message could not be decoded".into(),
        )),
    }
}

impl SyncSession {
    /// Starts a session as the initiator. `peer` must be a member (the caller dialled it by the
    /// device key it authenticated).
    pub fn initiate(group: &Group, peer: DeviceId) -> Result<(Self, Message), SyncError> {
        let mut s = Self::new(group, peer, SyncRole::Initiator);
        let members = group.members()?;
        if !members.is_member(&peer) {
            return Err(refuse(Refusal::NotMember, "the peer is not a member"));
        }
        let reconcile = s.start_reconciliation(true)?;
        s.phase = Phase::AwaitWelcome;
        let hello = Message::Hello {
            min_version: MIN_PROTOCOL_VERSION,
            max_version: PROTOCOL_VERSION,
            group: *group.id().as_bytes(),
            membership_heads: group.membership_heads()?,
            reconcile,
        };
        s.count_sent(&hello, true);
        Ok((s, hello))
    }

    /// A session as the responder, for a peer that authenticated as `peer`.
    pub fn respond(group: &Group, peer: DeviceId) -> Self {
        Self::new(group, peer, SyncRole::Responder)
    }

    fn new(group: &Group, peer: DeviceId, role: SyncRole) -> Self {
        SyncSession {
            group: group.clone(),
            role,
            peer,
            phase: if role == SyncRole::Initiator {
                Phase::AwaitWelcome
            } else {
                Phase::AwaitHello
            },
            version: PROTOCOL_VERSION,
            negentropy: None,
            ours: BTreeMap::new(),
            differing: BTreeSet::new(),
            pending_hello: None,
            asked_admission: false,
            answered: BTreeSet::new(),
            their_heads: BTreeMap::new(),
            outstanding_wants: 0,
            wanted_total: 0,
            received: BTreeSet::new(),
            stats: SyncStats::default(),
        }
    }

    /// Whether the session has finished.
    pub fn is_done(&self) -> bool {
        self.phase == Phase::Done
    }

    /// What the session did so far.
    pub fn stats(&self) -> &SyncStats {
        &self.stats
    }

    fn count_sent(&mut self, m: &Message, expects_answer: bool) {
        self.stats.reconcile_bytes += reconcile_len(m);
        self.stats.messages_sent += 1;
        self.stats.bytes_sent += m.to_frame().map(|f| f.len() as u64).unwrap_or(0);
        if expects_answer {
            self.stats.round_trips += 1;
        }
    }

    /// The documents both sides may see, as negentropy storage.
    fn start_reconciliation(&mut self, initiator: bool) -> Result<Vec<u8>, SyncError> {
        let members = self.group.members()?;
        let grant = members.grant(&self.peer).unwrap_or_default();
        let admin = members.is_admin(&self.peer);
        let items = self.group.with_store(|store, group| {
            let vis = Visibility::of(store, group, &grant, admin)?;
            items::items(store, group, &vis)
        })?;
        let mut storage = NegentropyStorageVector::with_capacity(items.len());
        for item in &items {
            guard(|| storage.insert(0, Id::from_byte_array(item_id(&item.doc, &item.tag))))?;
        }
        guard(|| storage.seal())?;
        self.ours = items.into_iter().map(|i| (i.doc, i)).collect();
        let mut neg = guard(|| Negentropy::owned(storage, RECONCILE_FRAME_LIMIT))?;
        let first = if initiator {
            guard(|| neg.initiate())?
        } else {
            Vec::new()
        };
        self.negentropy = Some(neg);
        Ok(first)
    }

    /// Handles one message from the peer; returns the messages to send, in order.
    pub fn handle(&mut self, msg: Message) -> Result<Vec<Message>, SyncError> {
        self.stats.reconcile_bytes += reconcile_len(&msg);
        if let Message::Refused { reason, message } = msg {
            self.phase = Phase::Done;
            return Err(SyncError::Refused { reason, message });
        }
        if let Message::Removed { membership_ops } = msg {
            self.phase = Phase::Done;
            return Err(self.on_removed(&membership_ops));
        }
        let out = match self.role {
            SyncRole::Responder => self.handle_as_responder(msg),
            SyncRole::Initiator => self.handle_as_initiator(msg),
        };
        match out {
            Ok(out) => {
                // Requests sent together (pipelined Wants) cost one round trip.
                let mut asked = false;
                for m in &out {
                    let expects = self.role == SyncRole::Initiator
                        && !asked
                        && !matches!(
                            m,
                            Message::Done | Message::Docs { .. } | Message::Membership { .. }
                        );
                    asked |= expects;
                    self.count_sent(m, expects);
                }
                Ok(out)
            }
            Err(e) => {
                self.phase = Phase::Done;
                Err(e)
            }
        }
    }

    /// Records bytes received (the transport calls this with each frame's size).
    pub fn received_bytes(&mut self, n: usize) {
        self.stats.bytes_received += n as u64;
    }

    fn handle_as_responder(&mut self, msg: Message) -> Result<Vec<Message>, SyncError> {
        match (self.phase, msg) {
            (Phase::AwaitHello, hello @ Message::Hello { .. }) => self.on_hello(hello),
            (Phase::AwaitAdmission, Message::Membership { ops }) => {
                // The ops are verified and bounded; a non-member's ops cannot be inserted.
                if let Err(e) = self.group.apply_membership_ops(&ops) {
                    return Err(refuse(
                        Refusal::NotMember,
                        format!("the admission does not verify: {e}"),
                    ));
                }
                let hello = self
                    .pending_hello
                    .take()
                    .ok_or_else(|| SyncError::Misbehaved("admission without hello".into()))?;
                self.phase = Phase::AwaitHello;
                self.on_hello(hello)
            }
            (Phase::Reconciling, Message::Reconcile { payload }) => {
                let neg = self
                    .negentropy
                    .as_mut()
                    .ok_or_else(|| SyncError::Misbehaved("no reconciliation".into()))?;
                let reply = guard(|| neg.reconcile(&payload))?;
                Ok(vec![Message::Reconcile { payload: reply }])
            }
            (Phase::Reconciling | Phase::AwaitPush, Message::Membership { ops }) => {
                self.apply_membership(&ops)?;
                Ok(vec![])
            }
            (Phase::Reconciling | Phase::AwaitPush, Message::Want { docs }) => {
                // A peer may ask for each reconciled document about once; more is a flood.
                self.wanted_total += docs.len();
                if self.wanted_total > 2 * self.ours.len() + 2 * MAX_DOCS_PER_WANT_SLACK {
                    return Err(SyncError::Misbehaved(
                        "asked for more documents than were reconciled".into(),
                    ));
                }
                let answer = self.answer_want(docs)?;
                self.phase = Phase::AwaitPush;
                Ok(answer)
            }
            (Phase::AwaitPush, Message::Docs { docs, last: _ }) => {
                self.apply_docs(docs)?;
                Ok(vec![])
            }
            (Phase::Reconciling | Phase::AwaitPush, Message::Done) => {
                self.phase = Phase::Done;
                Ok(vec![Message::Done])
            }
            (phase, other) => Err(SyncError::Misbehaved(format!(
                "unexpected {} while {phase:?}",
                name(&other)
            ))),
        }
    }

    fn on_hello(&mut self, hello: Message) -> Result<Vec<Message>, SyncError> {
        let Message::Hello {
            min_version,
            max_version,
            group,
            membership_heads,
            reconcile,
        } = hello.clone()
        else {
            return Err(SyncError::Misbehaved("expected hello".into()));
        };
        if group != *self.group.id().as_bytes() {
            return Err(refuse(
                Refusal::UnknownGroup,
                "this device does not hold that group",
            ));
        }
        let version = max_version.min(PROTOCOL_VERSION);
        if version < min_version.max(MIN_PROTOCOL_VERSION) {
            let side = if max_version < MIN_PROTOCOL_VERSION {
                "the peer is too old"
            } else {
                "the peer is too new"
            };
            return Err(refuse(
                Refusal::Version,
                format!(
                    "{side}: it speaks versions {min_version}–{max_version}, this device {MIN_PROTOCOL_VERSION}–{PROTOCOL_VERSION}"
                ),
            ));
        }
        self.version = version;
        // Gate: nothing about records leaves this device before the peer is shown to be a member.
        let members = self.group.members()?;
        if !members.is_member(&self.peer) {
            let our_heads = self.group.membership_heads()?;
            let unknown = !self.group.membership_knows(&membership_heads)?;
            if unknown && !self.asked_admission {
                self.asked_admission = true;
                self.pending_hello = Some(hello);
                self.phase = Phase::AwaitAdmission;
                return Ok(vec![Message::Admit {
                    membership_heads: our_heads,
                }]);
            }
            if self.version >= REMOVAL_NOTICE_VERSION && members.removed.contains(&self.peer) {
                return Err(SyncError::RemovedPeer {
                    membership_ops: self.group.membership_ops_missing_for(&membership_heads)?,
                });
            }
            return Err(refuse(
                Refusal::NotMember,
                "the peer is not a member of the group, or was removed",
            ));
        }
        self.start_reconciliation(false)?;
        let neg = self
            .negentropy
            .as_mut()
            .ok_or_else(|| SyncError::Misbehaved("no reconciliation".into()))?;
        let reply = guard(|| neg.reconcile(&reconcile))?;
        let membership_ops = self.group.membership_ops_missing_for(&membership_heads)?;
        self.phase = Phase::Reconciling;
        Ok(vec![Message::Welcome {
            version,
            membership_heads: self.group.membership_heads()?,
            membership_ops,
            reconcile: reply,
        }])
    }

    /// The peer says this device was removed. Only the operations count: applied like any
    /// (each signed and checked against the log), they either show the removal — and applying
    /// them deleted this device's copy of the group — or the peer lied.
    fn on_removed(&mut self, ops: &[Vec<u8>]) -> SyncError {
        if self.role != SyncRole::Initiator {
            return SyncError::Misbehaved("only a responder tells a device it was removed".into());
        }
        match self.group.apply_membership_ops(ops) {
            Err(e) => SyncError::Misbehaved(format!("its removal notice does not verify: {e}")),
            Ok(_) => match self.group.is_held() {
                Ok(false) => SyncError::RemovedHere,
                Ok(true) => {
                    SyncError::Misbehaved("it said this device was removed; it was not".into())
                }
                Err(e) => SyncError::Local(e),
            },
        }
    }

    fn apply_membership(&mut self, ops: &[Vec<u8>]) -> Result<(), SyncError> {
        self.group
            .apply_membership_ops(ops)
            .map_err(|e| SyncError::Misbehaved(format!("membership: {e}")))?;
        if !self.group.members()?.is_member(&self.peer) {
            return Err(refuse(Refusal::NotMember, "the peer was removed"));
        }
        Ok(())
    }

    fn handle_as_initiator(&mut self, msg: Message) -> Result<Vec<Message>, SyncError> {
        match (self.phase, msg) {
            (Phase::AwaitWelcome, Message::Admit { membership_heads }) => {
                let ops = self.group.membership_ops_missing_for(&membership_heads)?;
                Ok(vec![Message::Membership { ops }])
            }
            (
                Phase::AwaitWelcome,
                Message::Welcome {
                    version,
                    membership_heads,
                    membership_ops,
                    reconcile,
                },
            ) => {
                if !(MIN_PROTOCOL_VERSION..=PROTOCOL_VERSION).contains(&version) {
                    return Err(SyncError::Misbehaved(format!(
                        "the peer chose version {version}"
                    )));
                }
                self.version = version;
                self.apply_membership(&membership_ops)?;
                let mut out = Vec::new();
                let theirs_missing = self.group.membership_ops_missing_for(&membership_heads)?;
                if !theirs_missing.is_empty() {
                    out.push(Message::Membership {
                        ops: theirs_missing,
                    });
                }
                self.phase = Phase::Reconciling;
                out.extend(self.reconcile_step(&reconcile)?);
                Ok(out)
            }
            (Phase::Reconciling, Message::Reconcile { payload }) => self.reconcile_step(&payload),
            // The responder's answer to our Done.
            (Phase::Done, Message::Done) => Ok(vec![]),
            (Phase::AwaitDocs, Message::Docs { docs, last }) => {
                for d in &docs {
                    self.answered.insert(d.doc);
                    if !d.heads.is_empty() {
                        self.their_heads.insert(d.doc, d.heads.clone());
                    }
                }
                self.apply_docs(docs)?;
                if !last {
                    return Ok(vec![]);
                }
                self.outstanding_wants = self.outstanding_wants.saturating_sub(1);
                if self.outstanding_wants > 0 {
                    return Ok(vec![]);
                }
                // What the responder lacks: from the heads it reported, or everything of the
                // documents it did not answer for (it does not have them). An answer without
                // heads means it has all we have.
                let theirs: Vec<DocHeads> = self
                    .differing
                    .iter()
                    .filter(|d| !self.answered.contains(*d) || self.their_heads.contains_key(*d))
                    .map(|d| DocHeads {
                        doc: *d,
                        heads: self.their_heads.get(d).cloned().unwrap_or_default(),
                        have: vec![],
                    })
                    .collect();
                let mut out = self.push_docs(theirs)?;
                out.push(Message::Done);
                self.phase = Phase::Done;
                Ok(out)
            }
            (phase, other) => Err(SyncError::Misbehaved(format!(
                "unexpected {} while {phase:?}",
                name(&other)
            ))),
        }
    }

    /// Feeds a reconciliation message; when the difference is known, asks for the documents.
    fn reconcile_step(&mut self, payload: &[u8]) -> Result<Vec<Message>, SyncError> {
        let neg = self
            .negentropy
            .as_mut()
            .ok_or_else(|| SyncError::Misbehaved("no reconciliation".into()))?;
        let mut have = Vec::new();
        let mut need = Vec::new();
        let next = guard(|| neg.reconcile_with_ids(payload, &mut have, &mut need))?;
        for id in have.iter().chain(need.iter()) {
            self.differing.insert(item_doc(&id.to_bytes()));
        }
        if let Some(payload) = next {
            return Ok(vec![Message::Reconcile { payload }]);
        }
        self.stats.differing = self.differing.len() as u32;
        if self.differing.is_empty() {
            self.phase = Phase::Done;
            return Ok(vec![Message::Done]);
        }
        let mut docs = Vec::with_capacity(self.differing.len());
        for doc in &self.differing {
            let heads = self.heads_of(doc)?;
            let have = match DocId::from_slice(doc) {
                Ok(id) if !heads.is_empty() => self
                    .group
                    .recent_change_prefixes(id, RECENT_HAVE)?
                    .into_iter()
                    .filter(|p| !heads.iter().any(|h| h.starts_with(p)))
                    .collect(),
                _ => Vec::new(),
            };
            docs.push(DocHeads {
                doc: *doc,
                heads,
                have,
            });
        }
        // Pipelined in parts, so the responder streams its answers as it reads the documents
        // (bounded memory, and the connection never sits idle while a large answer is built).
        let wants: Vec<Message> = docs
            .chunks(WANT_CHUNK)
            .map(|c| Message::Want { docs: c.to_vec() })
            .collect();
        self.outstanding_wants = wants.len();
        self.phase = Phase::AwaitDocs;
        Ok(wants)
    }

    /// Our heads of a document (empty if we lack it or erased it).
    fn heads_of(&self, doc: &[u8; 16]) -> Result<Vec<[u8; 32]>, SyncError> {
        let id = DocId::from_slice(doc).map_err(Error::from)?;
        Ok(self
            .group
            .version_of(id)?
            .map(|v| v.0.iter().map(|h| h.0).collect())
            .unwrap_or_default())
    }

    /// Responder: answers Want with what the initiator lacks, plus our heads.
    fn answer_want(&mut self, wanted: Vec<DocHeads>) -> Result<Vec<Message>, SyncError> {
        self.stats.differing = wanted.len() as u32;
        let updates = self.updates_for(wanted)?;
        Ok(self.pack(updates))
    }

    /// Initiator: sends what the responder lacks, given its heads.
    fn push_docs(&mut self, theirs: Vec<DocHeads>) -> Result<Vec<Message>, SyncError> {
        let updates = self.updates_for(theirs)?;
        let updates: Vec<DocUpdate> = updates
            .into_iter()
            .filter(|u| !u.changes.is_empty() || u.erasure.is_some())
            .collect();
        if updates.is_empty() {
            return Ok(vec![]);
        }
        Ok(self.pack(updates))
    }

    /// For each document the peer may see: what it lacks given its heads.
    fn updates_for(&mut self, docs: Vec<DocHeads>) -> Result<Vec<DocUpdate>, SyncError> {
        let erasures: BTreeMap<[u8; 16], _> = self
            .group
            .erasures()?
            .into_iter()
            .map(|e| (e.doc, e))
            .collect();
        let mut out = Vec::with_capacity(docs.len());
        for DocHeads { doc, heads, have } in docs {
            // Only documents in the reconciled set (visible to both) are ever sent.
            let Some(item) = self.ours.get(&doc) else {
                continue;
            };
            if item.erased {
                out.push(DocUpdate {
                    doc,
                    heads: vec![],
                    changes: vec![],
                    erasure: erasures.get(&doc).cloned(),
                });
                continue;
            }
            let id = DocId::from_slice(&doc).map_err(Error::from)?;
            if self.group.version_of(id)?.is_none() {
                // Erased or gone since the reconciliation began.
                continue;
            }
            let their = Version(heads.iter().map(|h| automerge::ChangeHash(*h)).collect());
            let diff = self.group.signed_changes_missing(id, &their, &have)?;
            let changes = diff.changes;
            // Our heads go back only if the peer has changes we lack, for it to send them.
            let our_heads = if diff.they_have_more {
                self.heads_of(&doc)?
            } else {
                Vec::new()
            };
            self.stats.docs_sent += u32::from(!changes.is_empty());
            self.stats.changes_sent += changes.len() as u32;
            // A long history goes in pieces, each one import the peer accepts; our heads ride
            // on the last.
            let mut pieces = split_history(changes, DOCS_MESSAGE_BYTES, MAX_IMPORT_OPS);
            let last = pieces.pop().unwrap_or_default();
            for piece in pieces {
                out.push(DocUpdate {
                    doc,
                    heads: Vec::new(),
                    changes: piece,
                    erasure: None,
                });
            }
            out.push(DocUpdate {
                doc,
                heads: our_heads,
                changes: last,
                erasure: None,
            });
        }
        Ok(out)
    }

    /// Cuts updates into Docs messages of bounded size; the last one says so.
    fn pack(&self, updates: Vec<DocUpdate>) -> Vec<Message> {
        let mut out = Vec::new();
        let mut current = Vec::new();
        let mut size = 0;
        for u in updates {
            let bytes: usize = u.changes.iter().map(|c| c.change.len() + 80).sum::<usize>() + 200;
            if size + bytes > DOCS_MESSAGE_BYTES && !current.is_empty() {
                out.push(Message::Docs {
                    docs: std::mem::take(&mut current),
                    last: false,
                });
                size = 0;
            }
            size += bytes;
            current.push(u);
        }
        out.push(Message::Docs {
            docs: current,
            last: true,
        });
        out
    }

    /// Applies received documents in one transaction per message. A document the peer may not
    /// send, or changes it had no right to make, end the session.
    fn apply_docs(&mut self, docs: Vec<DocUpdate>) -> Result<(), SyncError> {
        let group = self.group.clone();
        let result = group.batch(|b| {
            for u in &docs {
                let id = DocId::from_slice(&u.doc)?;
                if let Some(e) = &u.erasure {
                    if e.doc != u.doc {
                        return Err(Error::Permission(
                            "an erasure names another document".into(),
                        ));
                    }
                    b.import_erasure(e)?;
                    continue;
                }
                if u.changes.is_empty() {
                    continue;
                }
                match b.import_signed_changes(id, &u.changes) {
                    Ok(_) | Err(Error::Erased { .. }) => {}
                    Err(e) => return Err(e),
                }
                if self.received.insert(u.doc) {
                    self.stats.docs_received += 1;
                }
                self.stats.changes_received += u.changes.len() as u32;
            }
            Ok(())
        });
        match result {
            Ok(()) => Ok(()),
            Err(e @ (Error::Permission(_) | Error::Invalid(_) | Error::Document(_))) => {
                Err(SyncError::Misbehaved(e.to_string()))
            }
            Err(e) => Err(SyncError::Local(e)),
        }
    }
}

/// Cuts a document's missing changes, in the causal order they come in, into pieces of at most
/// `max_bytes` of changes and `max_ops` operations (a single larger change is a piece of its
/// own). The receiver imports each piece as one batch and refuses any batch of more than
/// [`MAX_IMPORT_OPS`] operations, so a history longer than that — a document edited for years —
/// must never travel as one.
fn split_history(
    changes: Vec<SignedChange>,
    max_bytes: usize,
    max_ops: u64,
) -> Vec<Vec<SignedChange>> {
    let mut pieces = Vec::new();
    let mut piece = Vec::new();
    let (mut bytes, mut ops) = (0usize, 0u64);
    for change in changes {
        // Our own changes pass the walk; one that did not would count as the largest allowed.
        let change_ops = check_change_layout(&change.change).map_or(MAX_CHANGE_OPS, |l| l.ops);
        let change_bytes = change.change.len() + change.signature.len();
        if !piece.is_empty() && (bytes + change_bytes > max_bytes || ops + change_ops > max_ops) {
            pieces.push(std::mem::take(&mut piece));
            (bytes, ops) = (0, 0);
        }
        bytes += change_bytes;
        ops += change_ops;
        piece.push(change);
    }
    pieces.push(piece);
    pieces
}

/// The size of a message's set-reconciliation payload.
fn reconcile_len(m: &Message) -> u64 {
    match m {
        Message::Hello { reconcile, .. } | Message::Welcome { reconcile, .. } => {
            reconcile.len() as u64
        }
        Message::Reconcile { payload } => payload.len() as u64,
        _ => 0,
    }
}

fn name(m: &Message) -> &'static str {
    match m {
        Message::Hello { .. } => "Hello",
        Message::Admit { .. } => "Admit",
        Message::Membership { .. } => "Membership",
        Message::Welcome { .. } => "Welcome",
        Message::Reconcile { .. } => "Reconcile",
        Message::Want { .. } => "Want",
        Message::Docs { .. } => "Docs",
        Message::Live { .. } => "Live",
        Message::Done => "Done",
        Message::Refused { .. } => "Refused",
        Message::Removed { .. } => "Removed",
    }
}

#[cfg(test)]
mod split_tests {
    use automerge::transaction::Transactable;
    use automerge::{AutoCommit, ROOT};

    use super::*;

    /// A history of `n` changes, change `i` setting `i + 1` keys (so `i + 1` operations).
    fn history(n: usize) -> Vec<SignedChange> {
        let mut doc = AutoCommit::new();
        for i in 0..n {
            for k in 0..=i {
                doc.put(ROOT, format!("k{k}"), i as i64).expect("put");
            }
            doc.commit();
        }
        doc.get_changes(&[])
            .into_iter()
            .map(|c| SignedChange {
                change: c.raw_bytes().to_vec(),
                signature: vec![0; 64],
            })
            .collect()
    }

    #[test]
    fn a_history_is_cut_within_both_bounds_in_order_and_nothing_is_lost() {
        let changes = history(12);
        let total_ops: u64 = (1..=12).sum();
        for (max_bytes, max_ops) in [(usize::MAX, 10), (400, u64::MAX), (300, 7), (1, 1)] {
            let pieces = split_history(changes.clone(), max_bytes, max_ops);
            let flat: Vec<SignedChange> = pieces.iter().flatten().cloned().collect();
            assert_eq!(flat, changes, "order and content kept");
            let mut counted = 0;
            for piece in &pieces {
                assert!(!piece.is_empty());
                let ops: u64 = piece
                    .iter()
                    .map(|c| check_change_layout(&c.change).expect("layout").ops)
                    .sum();
                let bytes: usize = piece
                    .iter()
                    .map(|c| c.change.len() + c.signature.len())
                    .sum();
                // Over a bound only as a single change that alone exceeds it.
                assert!(piece.len() == 1 || (ops <= max_ops && bytes <= max_bytes));
                counted += ops;
            }
            assert_eq!(counted, total_ops);
        }
        assert_eq!(
            split_history(changes.clone(), usize::MAX, u64::MAX).len(),
            1
        );
        assert_eq!(split_history(changes, usize::MAX, 10).len(), 12 - 3);
        assert_eq!(split_history(Vec::new(), 10, 10), vec![Vec::new()]);
    }
}
