//! The group's membership: a signed, hash-linked log of operations.
//!
//! Membership is not an Automerge document: it needs signatures and a policy that every device
//! evaluates the same way. Each [`Op`] names the operations its author had seen (`parents`), is
//! encoded canonically, hashed with BLAKE3 and signed by its author's device key. The group's id
//! is the hash of its first operation (`Create`), so nobody can forge a second genesis.
//!
//! # The rule (deterministic, whatever order operations arrive in)
//!
//! 1. Operations are ordered topologically; concurrent ones by hash.
//! 2. An operation takes effect only if its author was a current admin in the state made of the
//!    operations that took effect among *its own ancestors* (what the author had seen).
//! 3. A removal wins over concurrent actions of the removed device: once `Remove(D)` takes
//!    effect, every operation by `D` that is not an ancestor of that removal is ignored. This is
//!    applied until nothing changes. (Two admins removing each other concurrently: both removals
//!    and their other concurrent actions are ignored; another admin settles it.)
//! 4. Among operations that took effect, the last in the order decides a device's role and grant;
//!    a device removed and later re-added (causally after) is a member again.
//!
//! Operations are kept even when they do not take effect, so every device that has the same set
//! of operations computes the same state. Only devices that were ever added may author
//! operations in the log at all, which bounds what a stranger can make a member store.

use std::collections::{BTreeMap, BTreeSet, BinaryHeap, HashMap};
use std::fmt;

use iroh_base::{PublicKey, SecretKey, Signature};
use serde::{Deserialize, Serialize};

/// The largest encoded operation accepted.
pub const MAX_OP_BYTES: usize = 16 * 1024;
/// The most parents one operation may name.
pub const MAX_PARENTS: usize = 64;
/// The most units plus contacts in one grant.
pub const MAX_GRANT_ITEMS: usize = 1_000;
/// The most operations one group's log may hold.
pub const MAX_LOG_OPS: usize = 10_000;
/// The longest name in an operation, in bytes.
pub const MAX_NAME_BYTES: usize = 200;
const FORMAT: u8 = 1;

/// The hash of an encoded operation.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct OpHash(pub [u8; 32]);

impl fmt::Debug for OpHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "OpHash({})", hex::encode(&self.0[..6]))
    }
}

impl fmt::Display for OpHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

/// A device's public key, as it appears in operations.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct DeviceId(pub [u8; 32]);

impl DeviceId {
    /// The device id of a public key.
    pub fn from_key(key: &PublicKey) -> Self {
        DeviceId(*key.as_bytes())
    }
    /// The public key, if these bytes are one.
    pub fn key(&self) -> Option<PublicKey> {
        PublicKey::from_bytes(&self.0).ok()
    }
}

impl fmt::Debug for DeviceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DeviceId({})", hex::encode(&self.0[..6]))
    }
}

impl fmt::Display for DeviceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

/// What a member may do besides reading and writing within its grant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Role {
    /// Adds, changes and removes devices, erases records, changes the group's settings.
    Admin,
    /// Reads and writes the records its grant covers.
    Member,
}

/// Which records a device may see and write: everything, or terrain units (with the units below
/// them) and single contacts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grant {
    pub everything: bool,
    pub units: BTreeSet<[u8; 16]>,
    pub contacts: BTreeSet<[u8; 16]>,
}

impl Grant {
    /// The grant that covers every record.
    pub fn everything() -> Self {
        Grant {
            everything: true,
            ..Grant::default()
        }
    }
}

/// What an operation does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Action {
    /// The group's first operation; its author is the first admin.
    Create {
        name: String,
    },
    /// Admits a device.
    Add {
        device: DeviceId,
        name: String,
        role: Role,
        grant: Grant,
    },
    SetRole {
        device: DeviceId,
        role: Role,
    },
    SetGrant {
        device: DeviceId,
        grant: Grant,
    },
    Remove {
        device: DeviceId,
    },
}

/// One membership operation, before signing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Op {
    format: u8,
    /// The group's id; all zeros in the `Create` operation, whose hash defines it.
    pub group: [u8; 16],
    /// The heads of the log its author had seen, sorted, no duplicates.
    pub parents: Vec<OpHash>,
    pub author: DeviceId,
    /// The author's clock, for people; no rule depends on it.
    pub at_ms: i64,
    pub action: Action,
}

impl Op {
    /// A new operation (parents are sorted and de-duplicated).
    pub fn new(
        group: [u8; 16],
        mut parents: Vec<OpHash>,
        author: &PublicKey,
        at_ms: i64,
        action: Action,
    ) -> Self {
        parents.sort();
        parents.dedup();
        Op {
            format: FORMAT,
            group,
            parents,
            author: DeviceId::from_key(author),
            at_ms,
            action,
        }
    }

    /// Encodes, hashes and signs the operation.
    pub fn sign(&self, key: &SecretKey) -> Result<VerifiedOp, OpError> {
        if DeviceId::from_key(&key.public()) != self.author {
            return Err(OpError::WrongSigner);
        }
        let body = postcard::to_allocvec(self).map_err(|e| OpError::Encoding(e.to_string()))?;
        let hash = OpHash(*blake3::hash(&body).as_bytes());
        let signature = key.sign(&hash.0).to_bytes().to_vec();
        let signed = SignedOp { body, signature };
        // Run the same checks a receiver will, so nothing invalid is ever sent.
        SignedOp::decode_verified(&signed.to_bytes())
    }
}

/// An operation as it travels and is stored: its canonical encoding and the author's signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedOp {
    body: Vec<u8>,
    signature: Vec<u8>,
}

impl SignedOp {
    /// The bytes to send or store.
    pub fn to_bytes(&self) -> Vec<u8> {
        postcard::to_allocvec(self).unwrap_or_default()
    }

    /// Decodes bytes from a peer or the store, checks every bound and the signature.
    pub fn decode_verified(bytes: &[u8]) -> Result<VerifiedOp, OpError> {
        if bytes.len() > MAX_OP_BYTES {
            return Err(OpError::TooLarge(bytes.len()));
        }
        let signed: SignedOp =
            postcard::from_bytes(bytes).map_err(|e| OpError::Encoding(e.to_string()))?;
        let op: Op =
            postcard::from_bytes(&signed.body).map_err(|e| OpError::Encoding(e.to_string()))?;
        if op.format != FORMAT {
            return Err(OpError::UnknownFormat(op.format));
        }
        // Only the canonical encoding is accepted, so an operation has exactly one hash.
        if postcard::to_allocvec(&op).ok().as_deref() != Some(signed.body.as_slice()) {
            return Err(OpError::Encoding("not the canonical encoding".into()));
        }
        check_bounds(&op)?;
        let hash = OpHash(*blake3::hash(&signed.body).as_bytes());
        let key = op.author.key().ok_or(OpError::BadAuthorKey)?;
        let signature =
            Signature::try_from(signed.signature.as_slice()).map_err(|_| OpError::BadSignature)?;
        key.verify(&hash.0, &signature)
            .map_err(|_| OpError::BadSignature)?;
        Ok(VerifiedOp { hash, op, signed })
    }
}

fn check_bounds(op: &Op) -> Result<(), OpError> {
    if op.parents.len() > MAX_PARENTS {
        return Err(OpError::Malformed("too many parents"));
    }
    if op.parents.windows(2).any(|w| w[0] >= w[1]) {
        return Err(OpError::Malformed("parents must be sorted and distinct"));
    }
    let name_ok = |n: &str| n.len() <= MAX_NAME_BYTES && !n.chars().any(char::is_control);
    let grant_ok = |g: &Grant| g.units.len() + g.contacts.len() <= MAX_GRANT_ITEMS;
    match &op.action {
        Action::Create { name } => {
            if !op.parents.is_empty() || op.group != [0; 16] {
                return Err(OpError::Malformed(
                    "a Create operation has no parents and no group",
                ));
            }
            if !name_ok(name) {
                return Err(OpError::Malformed("bad group name"));
            }
        }
        Action::Add { name, grant, .. } if !name_ok(name) || !grant_ok(grant) => {
            return Err(OpError::Malformed("bad name or grant"));
        }
        Action::SetGrant { grant, .. } if !grant_ok(grant) => {
            return Err(OpError::Malformed("grant too large"));
        }
        _ => {}
    }
    if !matches!(op.action, Action::Create { .. }) && op.parents.is_empty() {
        return Err(OpError::Malformed("only Create may have no parents"));
    }
    Ok(())
}

/// An operation whose encoding and signature were checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedOp {
    hash: OpHash,
    op: Op,
    signed: SignedOp,
}

impl VerifiedOp {
    pub fn hash(&self) -> OpHash {
        self.hash
    }
    pub fn op(&self) -> &Op {
        &self.op
    }
    pub fn signed(&self) -> &SignedOp {
        &self.signed
    }
    /// The wire bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.signed.to_bytes()
    }
}

/// Why an operation's bytes were refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OpError {
    #[error("membership operation of {0} bytes is too large")]
    TooLarge(usize),
    #[error("membership operation does not decode: {0}")]
    Encoding(String),
    #[error("membership operation format {0} is not known to this version")]
    UnknownFormat(u8),
    #[error("membership operation is malformed: {0}")]
    Malformed(&'static str),
    #[error("the author's key is not a valid public key")]
    BadAuthorKey,
    #[error("the signature does not verify")]
    BadSignature,
    #[error("the signing key is not the author's")]
    WrongSigner,
}

/// Why the log refused an operation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LogError {
    #[error("the operation belongs to another group")]
    WrongGroup,
    #[error("the log already has a Create operation")]
    SecondCreate,
    #[error("the first operation must be Create")]
    NotGenesis,
    #[error("{0} parent operations are missing")]
    MissingParents(usize),
    #[error("the author was never added to this group")]
    UnknownAuthor,
    #[error("the log is full ({MAX_LOG_OPS} operations)")]
    Full,
}

/// A current member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub device: DeviceId,
    pub name: String,
    pub role: Role,
    pub grant: Grant,
    /// The operation that (last) admitted it.
    pub added_in: OpHash,
}

/// Who is in the group, computed from the log.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MembershipState {
    pub name: String,
    pub members: BTreeMap<DeviceId, Member>,
    pub removed: BTreeSet<DeviceId>,
    /// Operations that did not take effect (no authority, or overruled by a removal).
    pub ignored: BTreeSet<OpHash>,
}

impl MembershipState {
    pub fn is_member(&self, d: &DeviceId) -> bool {
        self.members.contains_key(d)
    }
    pub fn is_admin(&self, d: &DeviceId) -> bool {
        self.members.get(d).is_some_and(|m| m.role == Role::Admin)
    }
    /// The grant of a member; admins see everything.
    pub fn grant(&self, d: &DeviceId) -> Option<Grant> {
        self.members.get(d).map(|m| {
            if m.role == Role::Admin {
                Grant::everything()
            } else {
                m.grant.clone()
            }
        })
    }
}

/// A group's membership log.
#[derive(Debug, Clone)]
pub struct MembershipLog {
    group: [u8; 16],
    ops: HashMap<OpHash, VerifiedOp>,
    /// Topological order (concurrent operations by hash).
    order: Vec<OpHash>,
    heads: BTreeSet<OpHash>,
    /// Every device ever named as an author-to-be (genesis author and Add targets).
    known: BTreeSet<DeviceId>,
    state: MembershipState,
}

impl MembershipLog {
    /// A log starting from a group's `Create` operation.
    pub fn from_genesis(genesis: VerifiedOp) -> Result<Self, LogError> {
        if !matches!(genesis.op.action, Action::Create { .. }) {
            return Err(LogError::NotGenesis);
        }
        let mut group = [0u8; 16];
        group.copy_from_slice(&genesis.hash.0[..16]);
        let mut log = MembershipLog {
            group,
            ops: HashMap::new(),
            order: Vec::new(),
            heads: BTreeSet::new(),
            known: BTreeSet::new(),
            state: MembershipState::default(),
        };
        log.known.insert(genesis.op.author);
        log.heads.insert(genesis.hash);
        log.ops.insert(genesis.hash, genesis);
        log.recompute();
        Ok(log)
    }

    /// Starts a new group: signs its `Create` operation.
    pub fn create(name: &str, key: &SecretKey, at_ms: i64) -> Result<Self, OpError> {
        let op = Op::new(
            [0; 16],
            Vec::new(),
            &key.public(),
            at_ms,
            Action::Create {
                name: name.to_owned(),
            },
        );
        let genesis = op.sign(key)?;
        MembershipLog::from_genesis(genesis).map_err(|_| OpError::Malformed("not a genesis"))
    }

    /// The group's id: the first 16 bytes of the `Create` operation's hash.
    pub fn group_id(&self) -> [u8; 16] {
        self.group
    }

    /// The current heads.
    pub fn heads(&self) -> Vec<OpHash> {
        self.heads.iter().copied().collect()
    }

    pub fn len(&self) -> usize {
        self.ops.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }

    pub fn contains(&self, h: &OpHash) -> bool {
        self.ops.contains_key(h)
    }

    /// The state every device with these operations computes.
    pub fn state(&self) -> &MembershipState {
        &self.state
    }

    /// Operations in topological order.
    pub fn ops(&self) -> impl Iterator<Item = &VerifiedOp> {
        self.order.iter().filter_map(|h| self.ops.get(h))
    }

    /// Adds an operation whose parents are all here. Returns `false` if it was already here.
    pub fn insert(&mut self, op: VerifiedOp) -> Result<bool, LogError> {
        self.check(&op)?;
        if self.ops.contains_key(&op.hash) {
            return Ok(false);
        }
        self.admit(op);
        self.recompute();
        Ok(true)
    }

    /// Adds operations in any order (each once its parents are present); operations whose
    /// parents never arrive are reported. All-or-nothing per operation, not per call.
    pub fn insert_all(&mut self, ops: Vec<VerifiedOp>) -> Result<usize, LogError> {
        let mut pending = ops;
        let mut added = 0;
        loop {
            let before = pending.len();
            let mut rest = Vec::new();
            for op in pending {
                if self.ops.contains_key(&op.hash) {
                    continue;
                }
                match self.check(&op) {
                    Ok(()) => {
                        self.admit(op);
                        added += 1;
                    }
                    Err(LogError::MissingParents(_)) | Err(LogError::UnknownAuthor) => {
                        rest.push(op)
                    }
                    Err(e) => return Err(e),
                }
            }
            if rest.is_empty() {
                break;
            }
            if rest.len() == before {
                self.recompute();
                let missing = rest
                    .iter()
                    .map(|o| {
                        o.op.parents
                            .iter()
                            .filter(|p| !self.ops.contains_key(p))
                            .count()
                    })
                    .sum();
                return Err(if missing == 0 {
                    LogError::UnknownAuthor
                } else {
                    LogError::MissingParents(missing)
                });
            }
            pending = rest;
        }
        self.recompute();
        Ok(added)
    }

    fn check(&self, op: &VerifiedOp) -> Result<(), LogError> {
        if self.ops.contains_key(&op.hash) {
            return Ok(());
        }
        if matches!(op.op.action, Action::Create { .. }) {
            return Err(LogError::SecondCreate);
        }
        if op.op.group != self.group {
            return Err(LogError::WrongGroup);
        }
        if self.ops.len() >= MAX_LOG_OPS {
            return Err(LogError::Full);
        }
        let missing = op
            .op
            .parents
            .iter()
            .filter(|p| !self.ops.contains_key(p))
            .count();
        if missing > 0 {
            return Err(LogError::MissingParents(missing));
        }
        if !self.known.contains(&op.op.author) {
            return Err(LogError::UnknownAuthor);
        }
        Ok(())
    }

    fn admit(&mut self, op: VerifiedOp) {
        for p in &op.op.parents {
            self.heads.remove(p);
        }
        self.heads.insert(op.hash);
        if let Action::Add { device, .. } = &op.op.action {
            self.known.insert(*device);
        }
        self.ops.insert(op.hash, op);
    }

    /// The operations a peer whose log has `their_heads` lacks, in an order it can insert.
    pub fn missing_for(&self, their_heads: &[OpHash]) -> Vec<&VerifiedOp> {
        let index: HashMap<OpHash, usize> = self
            .order
            .iter()
            .enumerate()
            .map(|(i, h)| (*h, i))
            .collect();
        let mut have = vec![false; self.order.len()];
        let mut stack: Vec<usize> = their_heads
            .iter()
            .filter_map(|h| index.get(h).copied())
            .collect();
        while let Some(i) = stack.pop() {
            if std::mem::replace(&mut have[i], true) {
                continue;
            }
            if let Some(op) = self.ops.get(&self.order[i]) {
                stack.extend(op.op.parents.iter().filter_map(|p| index.get(p).copied()));
            }
        }
        self.order
            .iter()
            .enumerate()
            .filter(|(i, _)| !have[*i])
            .filter_map(|(_, h)| self.ops.get(h))
            .collect()
    }

    /// Recomputes the order and the state from all operations.
    fn recompute(&mut self) {
        self.order = topological_order(&self.ops);
        self.state = evaluate(&self.ops, &self.order);
    }
}

fn topological_order(ops: &HashMap<OpHash, VerifiedOp>) -> Vec<OpHash> {
    let mut children: HashMap<OpHash, Vec<OpHash>> = HashMap::new();
    let mut waiting: HashMap<OpHash, usize> = HashMap::new();
    for (h, op) in ops {
        let present = op.op.parents.iter().filter(|p| ops.contains_key(p)).count();
        waiting.insert(*h, present);
        for p in &op.op.parents {
            children.entry(*p).or_default().push(*h);
        }
    }
    let mut ready: BinaryHeap<std::cmp::Reverse<OpHash>> = waiting
        .iter()
        .filter(|(_, n)| **n == 0)
        .map(|(h, _)| std::cmp::Reverse(*h))
        .collect();
    let mut order = Vec::with_capacity(ops.len());
    while let Some(std::cmp::Reverse(h)) = ready.pop() {
        order.push(h);
        for c in children.get(&h).into_iter().flatten() {
            if let Some(n) = waiting.get_mut(c) {
                *n -= 1;
                if *n == 0 {
                    ready.push(std::cmp::Reverse(*c));
                }
            }
        }
    }
    order
}

/// Ancestor sets as bitsets over topological positions.
struct Ancestry {
    words: usize,
    bits: Vec<u64>,
}

impl Ancestry {
    fn new(ops: &HashMap<OpHash, VerifiedOp>, order: &[OpHash]) -> Self {
        let n = order.len();
        let words = n.div_ceil(64).max(1);
        let index: HashMap<OpHash, usize> =
            order.iter().enumerate().map(|(i, h)| (*h, i)).collect();
        let mut bits = vec![0u64; n * words];
        for (i, h) in order.iter().enumerate() {
            let Some(op) = ops.get(h) else { continue };
            for p in &op.op.parents {
                if let Some(&j) = index.get(p) {
                    // ancestors(i) |= ancestors(j) | {j}; j < i in topological order.
                    let (lo, hi) = bits.split_at_mut(i * words);
                    let src = &lo[j * words..(j + 1) * words];
                    let dst = &mut hi[..words];
                    for (d, s) in dst.iter_mut().zip(src) {
                        *d |= *s;
                    }
                    dst[j / 64] |= 1 << (j % 64);
                }
            }
        }
        Ancestry { words, bits }
    }
    /// Whether `a` is an ancestor of `b`.
    fn is_ancestor(&self, a: usize, b: usize) -> bool {
        self.bits[b * self.words + a / 64] & (1 << (a % 64)) != 0
    }
}

/// What an operation does to one device's standing.
fn touches(action: &Action) -> Option<DeviceId> {
    match action {
        Action::Add { device, .. }
        | Action::SetRole { device, .. }
        | Action::SetGrant { device, .. }
        | Action::Remove { device } => Some(*device),
        Action::Create { .. } => None,
    }
}

// Positions index several parallel vectors (effective, ignored, ancestry): plain loops read best.
#[allow(clippy::needless_range_loop)]
fn evaluate(ops: &HashMap<OpHash, VerifiedOp>, order: &[OpHash]) -> MembershipState {
    let n = order.len();
    let anc = Ancestry::new(ops, order);
    let get = |i: usize| ops.get(&order[i]).map(|o| &o.op);
    // Positions of operations that change each device's standing, in order.
    let mut touching: HashMap<DeviceId, Vec<usize>> = HashMap::new();
    for i in 0..n {
        if let Some(d) = get(i).and_then(|op| touches(&op.action)) {
            touching.entry(d).or_default().push(i);
        }
    }
    let genesis_author = get(0).map(|op| op.author);
    let mut ignored = vec![false; n];
    let effective = loop {
        // Which operations take effect, given the ignored ones.
        let mut effective = vec![false; n];
        for i in 0..n {
            let Some(op) = get(i) else { continue };
            if ignored[i] {
                continue;
            }
            effective[i] = match op.action {
                Action::Create { .. } => i == 0,
                _ => {
                    // The author's role as of this operation's own past.
                    let mut admin = Some(op.author) == genesis_author;
                    for &j in touching.get(&op.author).map(Vec::as_slice).unwrap_or(&[]) {
                        if j < i && effective[j] && anc.is_ancestor(j, i) {
                            admin = match get(j).map(|o| &o.action) {
                                Some(Action::Add { role, .. } | Action::SetRole { role, .. }) => {
                                    *role == Role::Admin
                                }
                                Some(Action::Remove { .. }) => false,
                                _ => admin,
                            };
                        }
                    }
                    admin
                }
            };
        }
        // Removal wins over the removed device's concurrent operations.
        let mut changed = false;
        for r in 0..n {
            let Some(Action::Remove { device }) = get(r).map(|o| &o.action) else {
                continue;
            };
            if !effective[r] {
                continue;
            }
            for p in 0..n {
                if p != r
                    && !ignored[p]
                    && get(p).is_some_and(|o| o.author == *device)
                    && !anc.is_ancestor(p, r)
                {
                    ignored[p] = true;
                    changed = true;
                }
            }
        }
        if !changed {
            break effective;
        }
    };

    let mut state = MembershipState::default();
    for i in 0..n {
        let Some(op) = get(i) else { continue };
        if !effective[i] {
            state.ignored.insert(order[i]);
            continue;
        }
        match &op.action {
            Action::Create { name } => {
                state.name = name.clone();
                state.members.insert(
                    op.author,
                    Member {
                        device: op.author,
                        name: String::new(),
                        role: Role::Admin,
                        grant: Grant::everything(),
                        added_in: order[i],
                    },
                );
            }
            Action::Add {
                device,
                name,
                role,
                grant,
            } => {
                state.removed.remove(device);
                state.members.insert(
                    *device,
                    Member {
                        device: *device,
                        name: name.clone(),
                        role: *role,
                        grant: grant.clone(),
                        added_in: order[i],
                    },
                );
            }
            Action::SetRole { device, role } => {
                if let Some(m) = state.members.get_mut(device) {
                    m.role = *role;
                }
            }
            Action::SetGrant { device, grant } => {
                if let Some(m) = state.members.get_mut(device) {
                    m.grant = grant.clone();
                }
            }
            Action::Remove { device } => {
                state.members.remove(device);
                state.removed.insert(*device);
            }
        }
    }
    state
}

#[cfg(test)]
mod tests;
