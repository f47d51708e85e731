//! The fuzz targets' seed corpus (`fuzz/corpus/TARGET/`), made from real inputs: the frames of a
//! real session between two devices that both edited, the updates and changes inside them, a
//! membership log, an invite and the interchange fixtures. The test checks every seed is
//! accepted by the decoder its target fuzzes (a seed that is refused at once teaches the fuzzer
//! little); with `GROUNDWORK_FUZZ_SEEDS=DIR` it also writes them there (`scripts/fuzz --seeds`).

use std::collections::BTreeMap;
use std::path::Path;

use groundwork_proto::SecretKey;
use groundwork_proto::invite::{JoinMessage, Ticket};
use groundwork_proto::membership::{Action, Grant, MembershipLog, Op, Role, SignedOp};
use groundwork_proto::signed::verify_changes;
use groundwork_proto::sync::Message;

use super::tests::{admit, group_with};
use super::*;
use crate::Group;
use crate::interchange::{NoContacts, plan_csv, plan_vcard};
use crate::model::{ContactEdit, ContactUpdate, NewContact};
use crate::untrusted::{Read, read_received_changes, read_stored_chunks};

/// Every message of one session, both ways, in order.
fn session_messages(a: &Group, b: &Group) -> Vec<Message> {
    let (mut ia, hello) = SyncSession::initiate(a, b.repo.device()).expect("initiate");
    let mut rb = SyncSession::respond(b, a.repo.device());
    let mut all = vec![hello.clone()];
    let mut to_b = vec![hello];
    for _ in 0..20 {
        let mut to_a = Vec::new();
        for m in to_b.drain(..) {
            to_a.extend(rb.handle(m).expect("responder"));
        }
        all.extend(to_a.iter().cloned());
        for m in to_a {
            let out = ia.handle(m).expect("initiator");
            all.extend(out.iter().cloned());
            to_b.extend(out);
        }
        if ia.is_done() && to_b.is_empty() {
            break;
        }
    }
    for m in to_b {
        rb.handle(m).expect("responder");
    }
    all
}

#[test]
fn the_fuzz_seed_corpus_is_made_of_inputs_the_decoders_accept() {
    let mut seeds: BTreeMap<&str, Vec<Vec<u8>>> = BTreeMap::new();

    // A session where both sides edited: every message kind of a sync but `Admit`/`Refused`.
    let (_ra, a) = group_with(3);
    let (_rb, b) = admit(&a, Role::Member, Grant::everything());
    a.create_contact(&NewContact::named("Ana Ruiz"))
        .expect("contact");
    let rosa = b
        .create_contact(&NewContact {
            notes: "Works nights; ask about the heat.".into(),
            tags: vec!["committee".into()],
            ..NewContact::named("Rosa Vega")
        })
        .expect("contact");
    b.update_contact(
        rosa.id,
        &ContactUpdate::new(vec![ContactEdit::AddTag("leader".into())]),
    )
    .expect("edit");
    let messages = session_messages(&b, &a);
    assert_eq!(names_sorted(&a), names_sorted(&b), "the session synced");
    for m in &messages {
        let frame = m.to_frame().expect("frame");
        seeds.entry("sync_frame").or_default().push(frame);
        match m {
            Message::Hello { reconcile, .. } | Message::Welcome { reconcile, .. } => {
                let mode = u8::from(matches!(m, Message::Welcome { .. }));
                seeds
                    .entry("sync_reconcile")
                    .or_default()
                    .push([&[mode][..], reconcile].concat());
            }
            Message::Reconcile { payload } => {
                seeds
                    .entry("sync_reconcile")
                    .or_default()
                    .push([&[1u8][..], payload].concat());
            }
            Message::Docs { docs, .. } => {
                for update in docs.iter().filter(|u| !u.changes.is_empty()).take(4) {
                    seeds
                        .entry("doc_update")
                        .or_default()
                        .push(postcard::to_allocvec(update).expect("encode"));
                    let chunks: Vec<u8> = update
                        .changes
                        .iter()
                        .flat_map(|c| c.change.clone())
                        .collect();
                    seeds
                        .entry("received_change")
                        .or_default()
                        .push(chunks.clone());
                    seeds.entry("stored_document").or_default().push(chunks);
                }
            }
            _ => {}
        }
    }
    for m in [
        Message::Refused {
            reason: groundwork_proto::sync::Refusal::NotMember,
            message: "not a member".into(),
        },
        Message::Admit {
            membership_heads: a.membership_heads().expect("heads"),
        },
    ] {
        seeds
            .entry("sync_frame")
            .or_default()
            .push(m.to_frame().expect("frame"));
    }

    // The membership targets' own group (key [7; 32], as in fuzz/fuzz_targets/membership_op.rs).
    let key = SecretKey::from_bytes(&[7; 32]);
    let log = MembershipLog::create("Fuzz Tenants", &key, 0).expect("genesis");
    let new_device = SecretKey::from_bytes(&[8; 32]).public();
    let add = Op::new(
        log.group_id(),
        log.heads(),
        &key.public(),
        1,
        Action::Add {
            device: groundwork_proto::membership::DeviceId::from_key(&new_device),
            name: "Rosa's laptop".into(),
            role: Role::Member,
            grant: Grant {
                everything: false,
                units: [[3; 16]].into(),
                contacts: [[4; 16]].into(),
            },
        },
    )
    .sign(&key)
    .expect("sign");
    seeds.entry("membership_op").or_default().extend([
        add.to_bytes(),
        log.ops().next().expect("genesis").to_bytes(),
    ]);
    seeds
        .entry("membership_op")
        .or_default()
        .extend(a.membership_ops().expect("ops"));
    // Programs for membership_log: author, action, target, parents (4 bytes an operation).
    seeds.entry("membership_log").or_default().extend([
        vec![0, 0, 1, 0, 1, 0x80, 2, 1, 0, 4, 1, 2, 2, 3, 2, 5],
        vec![
            0, 1, 1, 0, 0, 0x81, 2, 0, 1, 4, 2, 1, 2, 4, 1, 1, 0, 2, 2, 3,
        ],
    ]);

    let ticket = Ticket {
        group: *a.id().as_bytes(),
        group_name: "Riverside".into(),
        inviter: a.repo.device(),
        addrs: vec!["192.168.1.20:4433".parse().expect("addr")],
        relay: None,
        secret: [9; 32],
        expires_at_ms: i64::MAX,
    };
    seeds.entry("invite").or_default().extend([
        ticket.to_text().into_bytes(),
        JoinMessage::Request {
            group: [1; 16],
            name: "Rosa's laptop".into(),
            proof: [2; 32],
        }
        .to_bytes(),
        JoinMessage::Accepted {
            ops: a.membership_ops().expect("ops"),
        }
        .to_bytes(),
    ]);

    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/interchange");
    for entry in std::fs::read_dir(&fixtures).expect("fixtures") {
        let path = entry.expect("entry").path();
        let target = match path.extension().and_then(|e| e.to_str()) {
            Some("csv") => "import_csv",
            Some("vcf") => "import_vcard",
            _ => continue,
        };
        seeds
            .entry(target)
            .or_default()
            .push(std::fs::read(&path).expect("read"));
    }

    // Every seed is accepted by what its target fuzzes.
    for (target, inputs) in &seeds {
        assert!(!inputs.is_empty(), "{target} has seeds");
        for (i, input) in inputs.iter().enumerate() {
            let accepted = match *target {
                "sync_frame" => Message::decode(&input[4..]).is_ok(),
                "sync_reconcile" => !input[1..].is_empty(),
                "doc_update" => postcard::from_bytes::<groundwork_proto::sync::DocUpdate>(input)
                    .is_ok_and(|u| {
                        verify_changes(&u.changes).is_ok()
                            && matches!(read_received_changes(&u.changes), Ok(Read::Record(_)))
                    }),
                "received_change" | "stored_document" => {
                    matches!(read_stored_chunks(&[input.clone()]), Ok(Read::Record(_)))
                }
                "membership_op" => SignedOp::decode_verified(input).is_ok(),
                "membership_log" => input.len() % 4 == 0,
                "invite" => {
                    Ticket::parse(std::str::from_utf8(input).unwrap_or(""), 0).is_ok()
                        || JoinMessage::decode(input).is_ok()
                }
                "import_csv" => plan_csv(&NoContacts, input, &[]).is_ok_and(|p| p.creates() > 0),
                "import_vcard" => plan_vcard(&NoContacts, input).is_ok_and(|p| p.creates() > 0),
                other => panic!("no check for {other}"),
            };
            // A fixture of a bad file is a seed too: it is there to be refused.
            let expected_bad = *target == "import_csv"
                && input.starts_with(
                    b"name,phone,email\nAna Ruiz,0612 345 678,ana@example.org\nBroken",
                );
            assert!(accepted || expected_bad, "{target} seed {i} is refused");
        }
    }

    if let Ok(dir) = std::env::var("GROUNDWORK_FUZZ_SEEDS") {
        for (target, inputs) in &seeds {
            let dir = Path::new(&dir).join(target);
            std::fs::create_dir_all(&dir).expect("corpus dir");
            for input in inputs {
                let name = blake3::hash(input).to_hex();
                std::fs::write(dir.join(&name[..16]), input).expect("write seed");
            }
        }
    }
}

fn names_sorted(g: &Group) -> Vec<String> {
    let mut names = super::tests::names(g);
    names.sort();
    names
}
