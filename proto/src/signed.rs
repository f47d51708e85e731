//! Signatures on record traffic: every Automerge change and every erasure travels with its
//! author's signature, so a receiver can check who made it even when a third device relays it.
//!
//! A change is signed over its Automerge change hash (SHA-256 of the change, computed by the
//! receiver from the bytes it got); the author is the change's Automerge actor, which must be the
//! signing device's public key. Checking that needs Automerge and is done where the change is
//! applied; this module holds the wire shapes and the signature check itself.

use iroh_base::{PublicKey, SecretKey, Signature};
use serde::{Deserialize, Serialize};

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
}
