#![no_main]
//! Automerge change bytes past the signature check: mutated changes would never carry a valid
//! signature, so this target fixes up the chunk's checksum and feeds the decoded change straight
//! to what follows the check (`untrusted::read_verified_changes`): applied to a new document
//! under `catch_unwind`, then read as a record by Groundwork's own readers. The input is one or
//! more change chunks back to back, as the store keeps a document's increments.

use automerge::Change;
use groundwork_core::untrusted::read_verified_changes;
use groundwork_proto::signed::{check_change, is_plain_change_chunk};
use libfuzzer_sys::fuzz_target;

/// Splits `bytes` into chunks by their LEB128 length, fixing each chunk's checksum (the first 4
/// bytes of SHA-256 over type, length and body) so that mutations reach the decoder.
fn chunks(mut bytes: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    while bytes.len() > 9 && out.len() < 16 {
        let (mut len, mut shift, mut at) = (0u64, 0, 9);
        while at < bytes.len() && shift < 63 {
            len |= u64::from(bytes[at] & 0x7f) << shift;
            shift += 7;
            at += 1;
            if bytes[at - 1] & 0x80 == 0 {
                break;
            }
        }
        let end = at.saturating_add(len as usize).min(bytes.len());
        let mut chunk = bytes[..end].to_vec();
        let sum = automerge_sha256(&chunk[8..]);
        chunk[4..8].copy_from_slice(&sum[..4]);
        out.push(chunk);
        bytes = &bytes[end..];
    }
    out
}

fn automerge_sha256(data: &[u8]) -> [u8; 32] {
    use sha2::Digest;
    sha2::Sha256::digest(data).into()
}

fuzz_target!(init: groundwork_fuzz::contain_panics_of(&["automerge"]), |data: &[u8]| {
    let mut decoded = Vec::new();
    for chunk in chunks(data) {
        if !is_plain_change_chunk(&chunk) {
            return;
        }
        // The gate's own steps: the layout and action checks, then decoding (under catch_unwind
        // there, as here).
        if check_change(&chunk).is_err() {
            return;
        }
        match std::panic::catch_unwind(|| Change::from_bytes(chunk)) {
            Ok(Ok(change)) => decoded.push(change),
            _ => return,
        }
    }
    let _ = read_verified_changes(decoded);
});
