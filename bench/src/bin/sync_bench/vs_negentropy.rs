//! Finding the difference, against the state of the art: the `negentropy` crate (range-based set
//! reconciliation, as Nostr relays run it) alone, on (document id, version) sets shaped like the
//! group's, with the frame limit Groundwork's sessions use. Groundwork's sync runs the same
//! algorithm over the documents both peers may see, so its reconciliation bytes (measured in the
//! real sessions above) should match these, not exceed them.

use groundwork_core::proto::sync::{item_id, version_tag};
use negentropy::{Id, Negentropy, NegentropyStorageVector};
use serde_json::{Value, json};

use super::BoxResult;

/// The frame limit Groundwork's sessions give negentropy (`core/src/sync/session.rs`).
const FRAME_LIMIT: u64 = 512 * 1024;

fn err(e: negentropy::Error) -> Box<dyn std::error::Error> {
    format!("negentropy: {e}").into()
}

/// One item: document `i` at `version`. Document ids are random in a real group, so the
/// changed ones are spread over the id space: hash the index (sequential ids would put every
/// change in one range and flatter the reconciliation).
fn item(i: u64, version: u8) -> Id {
    let mut seed = [0u8; 32];
    seed[..8].copy_from_slice(&i.to_le_bytes());
    let doc = version_tag(&[seed]);
    Id::from_byte_array(item_id(&doc, &version_tag(&[[version; 32]])))
}

/// Reconciles two sets of `n` documents where the first `newer_a` are newer on the initiator and
/// the next `newer_b` newer on the responder; returns round trips, bytes both ways, and how
/// many differing documents the initiator found.
fn reconcile(n: u64, newer_a: u64, newer_b: u64) -> BoxResult<Value> {
    let mut a = NegentropyStorageVector::with_capacity(n as usize);
    let mut b = NegentropyStorageVector::with_capacity(n as usize);
    for i in 0..n {
        let on_a = u8::from(i < newer_a);
        let on_b = u8::from(i >= newer_a && i < newer_a + newer_b);
        a.insert(0, item(i, on_a)).map_err(err)?;
        b.insert(0, item(i, on_b)).map_err(err)?;
    }
    a.seal().map_err(err)?;
    b.seal().map_err(err)?;
    let mut initiator = Negentropy::owned(a, FRAME_LIMIT).map_err(err)?;
    let mut responder = Negentropy::owned(b, FRAME_LIMIT).map_err(err)?;
    let mut message = initiator.initiate().map_err(err)?;
    let (mut bytes, mut round_trips) = (message.len(), 0u32);
    let (mut have, mut need) = (Vec::new(), Vec::new());
    loop {
        round_trips += 1;
        let reply = responder.reconcile(&message).map_err(err)?;
        bytes += reply.len();
        match initiator
            .reconcile_with_ids(&reply, &mut have, &mut need)
            .map_err(err)?
        {
            Some(next) => {
                bytes += next.len();
                message = next;
            }
            None => break,
        }
    }
    Ok(
        json!({"items": n, "round_trips": round_trips, "bytes": bytes, "found": have.len() + need.len()}),
    )
}

/// The three cases the issue names, at each size.
pub(crate) fn run(sizes: &[u64]) -> BoxResult<Value> {
    let mut out = Vec::new();
    for &n in sizes {
        out.push(json!({
            "items": n,
            "equal": reconcile(n, 0, 0)?,
            "ten_one_side": reconcile(n, 0, 10)?,
            "ten_each_side": reconcile(n, 10, 10)?,
        }));
    }
    Ok(Value::Array(out))
}
