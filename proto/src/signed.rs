//! Signatures on record traffic: every Automerge change and every erasure travels with its
//! author's signature, so a receiver can check who made it even when a third device relays it.
//!
//! A change is signed over its Automerge change hash (SHA-256 of the change, computed by the
//! receiver from the bytes it got); the author is the change's Automerge actor, which must be the
//! signing device's public key. [`verify_changes`] is the one gate changes from elsewhere pass
//! before anything applies them: sizes bounded, only plain change chunks, every length and run
//! inside walked against the bytes ([`crate::change_layout`]), decoding under `catch_unwind`,
//! author and signature checked. Whether the author may write the record is
//! decided by the store, which knows the grants.

use std::panic::catch_unwind;

use iroh_base::{PublicKey, SecretKey, Signature};
use serde::{Deserialize, Serialize};

use crate::change_layout::{
    ChangeLayout, LayoutError, MAX_CHANGE_OPS, action, check_change_layout,
};
use crate::membership::DeviceId;

/// An Automerge change and its author's signature over the change's hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedChange {
    /// The raw Automerge change.
    pub change: Vec<u8>,
    /// Ed25519 over the 32-byte change hash.
    pub signature: Vec<u8>,
}

impl SignedChange {
    /// Signs a change whose hash is `hash`.
    pub fn sign(change: Vec<u8>, hash: &[u8; 32], key: &SecretKey) -> Self {
        SignedChange {
            change,
            signature: key.sign(hash).to_bytes().to_vec(),
        }
    }

    /// Whether `signer` signed `hash`.
    pub fn verify(&self, hash: &[u8; 32], signer: &DeviceId) -> bool {
        verify(&self.signature, hash, signer)
    }
}

/// An erasure: the record with `doc` in `group` must be gone everywhere.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedErasure {
    pub group: [u8; 16],
    pub doc: [u8; 16],
    pub erased_at_ms: i64,
    pub erased_by: DeviceId,
    pub signature: Vec<u8>,
}

impl SignedErasure {
    fn message(group: &[u8; 16], doc: &[u8; 16], at: i64, by: &DeviceId) -> Vec<u8> {
        let mut m = b"groundwork erasure v1".to_vec();
        m.extend_from_slice(group);
        m.extend_from_slice(doc);
        m.extend_from_slice(&at.to_le_bytes());
        m.extend_from_slice(&by.0);
        m
    }

    /// Signs an erasure by this device.
    pub fn sign(group: [u8; 16], doc: [u8; 16], erased_at_ms: i64, key: &SecretKey) -> Self {
        let by = DeviceId::from_key(&key.public());
        let signature = key
            .sign(&Self::message(&group, &doc, erased_at_ms, &by))
            .to_bytes()
            .to_vec();
        SignedErasure {
            group,
            doc,
            erased_at_ms,
            erased_by: by,
            signature,
        }
    }

    /// Whether the signature is the named eraser's.
    pub fn verify(&self) -> bool {
        verify(
            &self.signature,
            &Self::message(&self.group, &self.doc, self.erased_at_ms, &self.erased_by),
            &self.erased_by,
        )
    }
}

/// The most changes accepted in one import.
pub const MAX_IMPORT_CHANGES: usize = 10_000;
/// The largest single change accepted from elsewhere.
pub const MAX_CHANGE_BYTES: usize = 4 << 20;
/// The most change bytes accepted in one import.
pub const MAX_IMPORT_BYTES: usize = 64 << 20;
/// The most operations accepted in one import: a few tiny changes could otherwise each claim
/// [`MAX_CHANGE_OPS`] by run-length encoding, and every applied operation is kept in memory.
pub const MAX_IMPORT_OPS: u64 = 2 * MAX_CHANGE_OPS;

/// The actions Groundwork's documents are made of: maps, lists and text, values put and
/// deleted. A change from elsewhere holding any other (rich-text marks, counters, tables) comes
/// from no Groundwork device, and Automerge 0.12's code for marks aborts the process on some
/// crafted ones (a panic while unwinding from a panic, which `catch_unwind` cannot stop; kept in
/// `core/tests/fuzz_regressions/`): such changes are refused before Automerge sees them.
pub const WRITTEN_ACTIONS: u64 = 1 << action::MAKE_MAP
    | 1 << action::PUT
    | 1 << action::MAKE_LIST
    | 1 << action::DELETE
    | 1 << action::MAKE_TEXT;

/// Why changes from elsewhere were refused before Automerge applied any of them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ChangeError {
    #[error("more than {MAX_IMPORT_CHANGES} changes at once")]
    TooMany,
    #[error("a change over {MAX_CHANGE_BYTES} bytes, or over {MAX_IMPORT_BYTES} bytes in all")]
    TooLarge,
    /// Automerge inflates compressed chunks without a cap (a small message can become hundreds
    /// of MB), and whole documents have no place among changes.
    #[error("not an uncompressed change chunk (chunk type {0})")]
    NotPlainChange(u8),
    /// A length or run inside the change does not fit its bytes, or it claims too many
    /// operations: refused before Automerge, which would allocate what it claims.
    #[error("a change is malformed: {0}")]
    Malformed(#[from] LayoutError),
    #[error("more than {MAX_IMPORT_OPS} operations in one import")]
    TooManyOps,
    /// An operation Groundwork never writes (see [`WRITTEN_ACTIONS`]).
    #[error("a change holds an operation Groundwork does not use (action {0})")]
    UnusedAction(u32),
    #[error("a change could not be decoded: {0}")]
    Undecodable(String),
    #[error("a change's author is not a device key")]
    AuthorNotADevice,
    #[error("a change is not signed by its author")]
    NotSignedByAuthor,
}

/// A change whose bytes decoded and whose author signed it.
#[derive(Debug)]
pub struct VerifiedChange {
    pub change: automerge::Change,
    pub signer: DeviceId,
}

/// Checks changes received from another device before anything applies them. All or nothing:
/// one bad change refuses the lot.
pub fn verify_changes(changes: &[SignedChange]) -> Result<Vec<VerifiedChange>, ChangeError> {
    if changes.len() > MAX_IMPORT_CHANGES {
        return Err(ChangeError::TooMany);
    }
    let total: usize = changes.iter().map(|c| c.change.len()).sum();
    if total > MAX_IMPORT_BYTES || changes.iter().any(|c| c.change.len() > MAX_CHANGE_BYTES) {
        return Err(ChangeError::TooLarge);
    }
    if let Some(bad) = changes.iter().find(|c| !is_plain_change_chunk(&c.change)) {
        return Err(ChangeError::NotPlainChange(
            bad.change.get(8).copied().unwrap_or(0xff),
        ));
    }
    let mut ops: u64 = 0;
    for signed in changes {
        ops += check_change(&signed.change)?.ops;
        if ops > MAX_IMPORT_OPS {
            return Err(ChangeError::TooManyOps);
        }
    }
    let decoded = catch_unwind(|| {
        changes
            .iter()
            .map(|c| automerge::Change::from_bytes(c.change.clone()))
            .collect::<Result<Vec<_>, _>>()
    })
    .map_err(|_| ChangeError::Undecodable("Automerge could not read it".into()))?
    .map_err(|e| ChangeError::Undecodable(e.to_string()))?;
    decoded
        .into_iter()
        .zip(changes)
        .map(|(change, signed)| {
            let signer = device_of_actor(change.actor_id().to_bytes())
                .map(DeviceId)
                .ok_or(ChangeError::AuthorNotADevice)?;
            if !signed.verify(&change.hash().0, &signer) {
                return Err(ChangeError::NotSignedByAuthor);
            }
            Ok(VerifiedChange { change, signer })
        })
        .collect()
}

/// What every change from elsewhere passes before Automerge decodes it: the layout walk (every
/// length and run fits the bytes, operations bounded) and only the actions Groundwork writes.
pub fn check_change(bytes: &[u8]) -> Result<ChangeLayout, ChangeError> {
    let layout = check_change_layout(bytes)?;
    let unused = layout.actions & !WRITTEN_ACTIONS;
    if unused != 0 {
        return Err(ChangeError::UnusedAction(unused.trailing_zeros()));
    }
    Ok(layout)
}

/// Automerge's chunk header: 4 magic bytes, a 4-byte checksum, then the chunk type (1 = a
/// change; 0 = a document and 2 = a compressed change are refused from peers).
pub fn is_plain_change_chunk(bytes: &[u8]) -> bool {
    const MAGIC: [u8; 4] = [0x85, 0x6f, 0x4a, 0x83];
    bytes.len() > 9 && bytes[..4] == MAGIC && bytes[8] == 1
}

/// The device behind an Automerge actor id. It is the device key itself, or the id Automerge
/// derives from it for an edit made at an older version of a document this device has edited
/// since (`isolate`: 4 magic bytes, a LEB128 level, then the key) — that edit must still count
/// as, and be signed by, the device.
pub fn device_of_actor(actor: &[u8]) -> Option<[u8; 32]> {
    const ISOLATED: [u8; 4] = [0x13, 0xb2, 0x23, 0x09];
    if let Ok(key) = <[u8; 32]>::try_from(actor) {
        return Some(key);
    }
    let rest = actor.strip_prefix(&ISOLATED)?;
    let level_end = rest.iter().take(10).position(|b| b & 0x80 == 0)?;
    <[u8; 32]>::try_from(&rest[level_end + 1..]).ok()
}

fn verify(signature: &[u8], message: &[u8], signer: &DeviceId) -> bool {
    let (Some(key), Ok(sig)) = (
        PublicKey::from_bytes(&signer.0).ok(),
        Signature::try_from(signature),
    ) else {
        return false;
    };
    key.verify(message, &sig).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_bind_signer_and_content() {
        let k = SecretKey::from_bytes(&[3; 32]);
        let other = DeviceId::from_key(&SecretKey::from_bytes(&[4; 32]).public());
        let me = DeviceId::from_key(&k.public());
        let c = SignedChange::sign(vec![1, 2, 3], &[9; 32], &k);
        assert!(c.verify(&[9; 32], &me));
        assert!(!c.verify(&[8; 32], &me));
        assert!(!c.verify(&[9; 32], &other));
        let e = SignedErasure::sign([1; 16], [2; 16], 5, &k);
        assert!(e.verify());
        let mut forged = e.clone();
        forged.erased_by = other;
        assert!(!forged.verify());
        let mut moved = e;
        moved.doc = [3; 16];
        assert!(!moved.verify());
    }

    #[test]
    fn only_the_actions_groundwork_writes_pass_the_check() {
        use automerge::transaction::Transactable;
        use automerge::{AutoCommit, ObjType, ROOT, ScalarValue};
        let mut doc = AutoCommit::new();
        // What Groundwork's documents are made of.
        doc.put(ROOT, "name", "Ana").unwrap();
        let phones = doc.put_object(ROOT, "phones", ObjType::List).unwrap();
        doc.insert(&phones, 0, "555-0100").unwrap();
        let notes = doc.put_object(ROOT, "notes", ObjType::Text).unwrap();
        doc.splice_text(&notes, 0, 0, "Rent went up").unwrap();
        doc.put_object(ROOT, "address", ObjType::Map).unwrap();
        doc.delete(ROOT, "name").unwrap();
        doc.commit();
        let written = doc.get_changes(&[]);
        assert_eq!(written.len(), 1);
        check_change(written[0].raw_bytes()).expect("what Groundwork writes passes");
        // What it never writes.
        doc.put(ROOT, "doors", ScalarValue::counter(0)).unwrap();
        doc.commit();
        doc.increment(ROOT, "doors", 1).unwrap();
        doc.commit();
        doc.mark(
            &notes,
            automerge::marks::Mark::new("bold".into(), true, 0, 4),
            automerge::marks::ExpandMark::Both,
        )
        .unwrap();
        doc.commit();
        doc.put_object(ROOT, "table", ObjType::Table).unwrap();
        doc.commit();
        let later: Vec<_> = doc
            .get_changes(&[written[0].hash()])
            .iter()
            .map(|c| check_change(c.raw_bytes()).map(|_| ()))
            .collect();
        assert_eq!(
            later,
            vec![
                // A counter's value is put like any other.
                Ok(()),
                Err(ChangeError::UnusedAction(action::INCREMENT)),
                Err(ChangeError::UnusedAction(action::MARK)),
                Err(ChangeError::UnusedAction(action::MAKE_TABLE)),
            ]
        );
    }
}
