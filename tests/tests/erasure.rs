//! Erasure leaves nothing behind, and an encrypted store shows no plaintext.
//!
//! SQLCipher encrypts every page, so a raw search of an encrypted file proves nothing about
//! erasure. The forensic test therefore runs on a store opened without encryption (a test-only
//! option) and searches its raw file, WAL and journal (freed pages included), every table, and
//! every remaining document decompressed. A control search before the erasure finds the data, so
//! the search can fail.

use std::path::Path;

use automerge::ReadDoc;
use groundwork_core::model::*;
use groundwork_core::{Repo, StoreKey};
use rusqlite::Connection;

const PHONE: &str = "0778 991 2345";
const PHONE_DIGITS: &str = "07789912345";
const NAME: &str = "Zephyrine Quackenbush";
const NOTE_MARK: &str = "secret-tenant-lawsuit-plan";

fn contains(hay: &[u8], needle: &str) -> bool {
    hay.windows(needle.len()).any(|w| w == needle.as_bytes())
}

/// Every raw byte of the store: the file, and its WAL, shared memory and journal if present.
fn raw_store_bytes(path: &Path) -> Vec<u8> {
    let mut all = Vec::new();
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let p = format!("{}{suffix}", path.display());
        if let Ok(bytes) = std::fs::read(&p) {
            all.extend(bytes);
        }
    }
    all
}

/// Every cell of every table as text and bytes, and every stored document decompressed.
fn logical_store_contents(path: &Path) -> Vec<u8> {
    let conn = Connection::open(path).expect("open plain");
    let mut out = Vec::new();
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
        .expect("tables")
        .query_map([], |r| r.get(0))
        .expect("rows")
        .map(|r| r.expect("name"))
        .collect();
    for t in &tables {
        let mut stmt = conn
            .prepare(&format!("SELECT * FROM \"{t}\""))
            .expect("select");
        let n = stmt.column_count();
        let mut rows = stmt.query([]).expect("query");
        while let Some(row) = rows.next().expect("row") {
            for i in 0..n {
                match row.get_ref(i).expect("cell") {
                    rusqlite::types::ValueRef::Text(b) | rusqlite::types::ValueRef::Blob(b) => {
                        out.extend_from_slice(b)
                    }
                    other => out.extend(format!("{other:?}").bytes()),
                }
            }
        }
    }
    // Documents: snapshot + increments, loaded and re-saved uncompressed, plus their JSON.
    let mut docs = conn
        .prepare("SELECT group_id, doc_id, snapshot FROM docs")
        .expect("docs");
    let mut rows = docs.query([]).expect("q");
    while let Some(row) = rows.next().expect("row") {
        let (g, d, snapshot): (Vec<u8>, Vec<u8>, Vec<u8>) = (
            row.get(0).expect("g"),
            row.get(1).expect("d"),
            row.get(2).expect("s"),
        );
        let mut doc = automerge::AutoCommit::load(&snapshot).expect("snapshot loads");
        let mut inc = conn
            .prepare(
                "SELECT bytes FROM doc_changes WHERE group_id = ?1 AND doc_id = ?2 ORDER BY seq",
            )
            .expect("inc");
        for bytes in inc
            .query_map([&g, &d], |r| r.get::<_, Vec<u8>>(0))
            .expect("rows")
        {
            doc.load_incremental(&bytes.expect("bytes"))
                .expect("increment loads");
        }
        out.extend(doc.save_nocompress());
        out.extend(serde_json::to_vec(&automerge::AutoSerde::from(&doc)).expect("json"));
        for change in doc.get_changes(&[]) {
            out.extend(
                change
                    .decode()
                    .operations
                    .iter()
                    .flat_map(|op| format!("{:?}", op.action).into_bytes()),
            );
        }
        let _ = doc.get_heads();
        let _ = doc.length(automerge::ROOT);
    }
    out
}

#[test]
fn an_erased_contact_leaves_no_trace_in_file_wal_or_freed_pages() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("plain.db");
    let repo = Repo::open_unencrypted_for_tests(&path).expect("open");
    let g = repo.create_group("Forensics").expect("group");
    let keep = g
        .create_contact(&NewContact::named("Kept Person"))
        .expect("kept");
    let target = g
        .create_contact(&NewContact {
            name: NAME.into(),
            phones: vec![("mobile".into(), PHONE.into())],
            notes: format!("Talked about the {NOTE_MARK}."),
            ..Default::default()
        })
        .expect("target");
    // History in several shapes: increments, a compacted snapshot, more increments, a
    // conversation, a relationship from another contact, a follow-up and a plan mention.
    for i in 0..40 {
        g.update_contact(
            target.id,
            &Update::new(vec![ContactEdit::AddTag(format!("t{i}"))]),
        )
        .expect("edit");
    }
    repo.compact_all().expect("compact");
    g.update_contact(
        target.id,
        &Update::new(vec![ContactEdit::SetName(format!("{NAME} Jr"))]),
    )
    .expect("rename");
    g.record_conversation(
        target.id,
        &NewConversation {
            organizer: "Rosa P.".into(),
            at: chrono::Utc::now(),
            place: "lobby".into(),
            channel: Channel::Door,
            steps: ConversationSteps {
                story: format!("Worried about the {NOTE_MARK}"),
                ..Default::default()
            },
            assessment: Some(2),
            next_steps: String::new(),
        },
    )
    .expect("talk");
    g.update_contact(
        keep.id,
        &Update::new(vec![ContactEdit::AddRelationship {
            kind: RelationshipKind::LivesWith,
            other: target.id,
        }]),
    )
    .expect("rel");
    g.create_follow_up(&NewFollowUp {
        contact: Some(target.id),
        note: format!("Ask about {NOTE_MARK}"),
        ..NewFollowUp::new("Call back", "Rosa P.")
    })
    .expect("follow-up");
    let plan = g
        .create_plan(&NewPlan {
            title: "Repairs".into(),
            ..Default::default()
        })
        .expect("plan");
    g.update_plan(plan.id, &Update::new(vec![PlanEdit::AddContact(target.id)]))
        .expect("mention");

    // Control: before erasure the data is findable both ways.
    repo.checkpoint().expect("checkpoint");
    let before = logical_store_contents(&path);
    assert!(contains(&before, PHONE) && contains(&before, NAME) && contains(&before, NOTE_MARK));
    assert!(
        contains(&raw_store_bytes(&path), PHONE_DIGITS),
        "control: the raw file holds the phone"
    );

    g.erase_contact(target.id).expect("erase");
    repo.checkpoint().expect("checkpoint");

    let raw = raw_store_bytes(&path);
    for needle in [PHONE, PHONE_DIGITS, NAME, NOTE_MARK] {
        assert!(
            !contains(&raw, needle),
            "{needle:?} is still in the raw store file"
        );
    }
    let logical = logical_store_contents(&path);
    for needle in [PHONE, PHONE_DIGITS, NAME, NOTE_MARK] {
        assert!(
            !contains(&logical, needle),
            "{needle:?} is still in a table or document"
        );
    }
    // The rest of the group is intact.
    let kept = g.contact(keep.id).expect("kept contact");
    assert!(kept.relationships.is_empty());
    assert!(g.plan(plan.id).expect("plan").contacts.is_empty());
    assert!(g.is_erased(target.id.into()).expect("tombstone"));
}

#[test]
fn the_encrypted_store_file_holds_no_plaintext() {
    let dir = tempfile::tempdir().expect("tmp");
    let fill = |repo: &Repo| {
        let g = repo.create_group("At rest").expect("group");
        g.create_contact(&NewContact {
            name: NAME.into(),
            phones: vec![("mobile".into(), PHONE.into())],
            notes: NOTE_MARK.into(),
            ..Default::default()
        })
        .expect("contact");
        repo.checkpoint().expect("checkpoint");
    };
    let plain_path = dir.path().join("plain.db");
    fill(&Repo::open_unencrypted_for_tests(&plain_path).expect("plain"));
    let plain = raw_store_bytes(&plain_path);
    assert!(
        plain.starts_with(b"SQLite format 3\0") && contains(&plain, NAME),
        "control: a plain store shows its data"
    );

    let path = dir.path().join("secret.db");
    let key = StoreKey::random();
    fill(&Repo::open(&path, &key).expect("encrypted"));
    let raw = raw_store_bytes(&path);
    assert!(
        !raw.starts_with(b"SQLite format 3"),
        "encrypted files have no SQLite header"
    );
    for needle in [
        PHONE,
        PHONE_DIGITS,
        NAME,
        NOTE_MARK,
        "Forensics",
        "contacts_idx",
        "CREATE TABLE",
    ] {
        assert!(
            !contains(&raw, needle),
            "{needle:?} readable in the encrypted file"
        );
    }
    // An unencrypted file is refused as a store, and a wrong key changes nothing.
    assert!(matches!(
        Repo::open(&plain_path, &key),
        Err(groundwork_core::StoreError::Unencrypted)
    ));
    let before = std::fs::read(&path).expect("read");
    assert!(matches!(
        Repo::open(&path, &StoreKey::random()),
        Err(groundwork_core::StoreError::WrongKeyOrNotAStore)
    ));
    assert_eq!(std::fs::read(&path).expect("read"), before);
    // A damaged file gives a typed error, not a panic.
    let junk = dir.path().join("junk.db");
    std::fs::write(&junk, vec![0x5a; 8192]).expect("write");
    assert!(Repo::open(&junk, &key).is_err());
}
