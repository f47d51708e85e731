//! The crafted inputs known to break Automerge 0.12, sent by a member that passed the gate.
//!
//! Groundwork does not use Automerge's sync protocol, and refuses compressed change chunks and
//! whole documents from peers, so none of these bytes reach Automerge: each ends the hostile
//! session with an error, and the store is unchanged. The inputs are built byte for byte, and the
//! one that can be checked without harm (the panicking bloom filter) is shown to break Automerge
//! itself, so the test cannot pass against a harmless stand-in.

use std::io::Write;
use std::panic::{AssertUnwindSafe, catch_unwind};

use groundwork_proto::membership::{Grant, Role};
use groundwork_proto::signed::SignedChange;
use groundwork_proto::sync::{DocUpdate, Message};

use super::tests::{admit, group_with, names};
use super::*;
use crate::{Group, Repo};

fn leb(mut n: u64, out: &mut Vec<u8>) {
    loop {
        let byte = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

/// An Automerge sync message (type 0x42) with no heads or needs and one "have" whose bloom
/// filter has the given parameters.
fn automerge_sync_message(bits_per_entry: u64, probes: u64) -> Vec<u8> {
    let mut bloom = Vec::new();
    leb(1, &mut bloom); // entries
    leb(bits_per_entry, &mut bloom);
    leb(probes, &mut bloom);
    bloom.extend([0xff; 8]);
    let mut m = vec![0x42];
    leb(0, &mut m); // heads
    leb(0, &mut m); // need
    leb(1, &mut m); // one have
    leb(0, &mut m); // its last_sync heads
    leb(bloom.len() as u64, &mut m);
    m.extend(bloom);
    leb(0, &mut m); // changes
    m
}

/// A compressed change chunk (type 2) of about 194 KB that inflates to ~200 MB of zeros.
fn inflating_chunk() -> Vec<u8> {
    let mut deflate = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..200 {
        deflate.write_all(&zeros).expect("deflate");
    }
    let body = deflate.finish().expect("deflate");
    let mut chunk = vec![0x85, 0x6f, 0x4a, 0x83, 0, 0, 0, 0, 2];
    leb(body.len() as u64, &mut chunk);
    chunk.extend(body);
    chunk
}

/// Runs a session where the member `hostile` follows the protocol up to its push, then sends
/// `changes` for a document both hold; returns what the honest responder said of it.
fn push_as_member(hostile: &Group, honest: &Group, changes: Vec<SignedChange>) -> SyncError {
    let (mut ia, hello) = SyncSession::initiate(hostile, honest.repo.device()).expect("initiate");
    let mut rb = SyncSession::respond(honest, hostile.repo.device());
    let mut to_b = vec![hello];
    let mut target = None;
    for _ in 0..20 {
        let mut to_a = Vec::new();
        for m in to_b.drain(..) {
            if let Message::Want { docs } = &m {
                target = docs.first().map(|d| d.doc);
            }
            to_a.extend(rb.handle(m).expect("honest so far"));
        }
        if let Some(doc) = target {
            let crafted = Message::Docs {
                docs: vec![DocUpdate {
                    doc,
                    heads: vec![],
                    changes,
                    erasure: None,
                }],
                last: true,
            };
            return rb.handle(crafted).expect_err("the crafted push is refused");
        }
        for m in to_a {
            to_b.extend(ia.handle(m).expect("initiator"));
        }
    }
    panic!("the session never reached the push");
}

fn member_pair() -> (Repo, Group, Repo, Group) {
    let (ra, a) = group_with(3);
    let (rb, b) = admit(&a, Role::Member, Grant::everything());
    (ra, a, rb, b)
}

fn signed(repo: &Repo, change: Vec<u8>) -> SignedChange {
    SignedChange::sign(change, &[7; 32], repo.device_key())
}

#[test]
fn the_bloom_filter_input_really_panics_automerge() {
    // Shown once, on Automerge itself, so the next test is about the real thing.
    let bytes = automerge_sync_message(0, 1);
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        let msg = automerge::sync::Message::decode(&bytes).map_err(|e| e.to_string())?;
        // A document with a change, so that Automerge probes the filter for it.
        let mut doc = automerge::AutoCommit::new();
        automerge::transaction::Transactable::put(&mut doc, automerge::ROOT, "a", 1)
            .map_err(|e| e.to_string())?;
        doc.commit();
        let mut state = automerge::sync::State::new();
        use automerge::sync::SyncDoc;
        doc.sync()
            .receive_sync_message(&mut state, msg)
            .map_err(|e| e.to_string())?;
        doc.sync().generate_sync_message(&mut state);
        Ok::<_, String>(())
    }));
    assert!(
        outcome.is_err(),
        "Automerge 0.12 panics on bits_per_entry = 0"
    );
}

#[test]
fn automerge_sync_messages_with_a_broken_bloom_filter_end_the_session() {
    let (ra, a, rb, b) = member_pair();
    let before = names(&a);
    let _ = &ra;
    for bytes in [
        automerge_sync_message(0, 1), // bits_per_entry = 0: a panic in Automerge
        automerge_sync_message(10, u32::MAX as u64), // num_probes huge: an abort in Automerge
    ] {
        // As a whole frame on the sync stream: not a Groundwork message.
        assert!(Message::decode(&bytes).is_err());
        // As a change inside a Docs message from a member: refused before Automerge sees it.
        b.create_contact(&crate::model::NewContact::named("Edit to reconcile"))
            .expect("edit");
        let err = push_as_member(&b, &a, vec![signed(&rb, bytes)]);
        assert!(matches!(err, SyncError::Misbehaved(_)), "{err:?}");
    }
    assert_eq!(names(&a), before, "nothing stored changed");
}

#[test]
fn a_compressed_change_that_would_inflate_to_200_mb_is_refused_uninflated() {
    let (_ra, a, rb, b) = member_pair();
    let before = names(&a);
    let chunk = inflating_chunk();
    assert!(chunk.len() < 256 * 1024, "{} bytes", chunk.len());
    b.create_contact(&crate::model::NewContact::named("Edit to reconcile"))
        .expect("edit");
    let err = push_as_member(&b, &a, vec![signed(&rb, chunk)]);
    assert!(
        matches!(&err, SyncError::Misbehaved(m) if m.contains("chunk type 2")),
        "{err:?}"
    );
    assert_eq!(names(&a), before, "nothing stored changed");
}
