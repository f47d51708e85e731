//! A lost laptop restored from its backup: same device, same records, same history, and a sync
//! with a device that kept working meanwhile duplicates nothing.

use std::collections::BTreeSet;
use std::path::Path;

use groundwork_proto::membership::{Grant, Role};

use super::*;
use crate::model::*;
use crate::query::ContactQuery;
use crate::sync::tests::{admit, names, run};
use crate::{Group, Repo};

fn contact_ids(g: &Group) -> Vec<String> {
    g.contacts(&ContactQuery {
        limit: Some(10_000),
        ..Default::default()
    })
    .expect("contacts")
    .into_iter()
    .map(|c| c.id.to_string())
    .collect()
}

fn conversation(organizer: &str) -> NewConversation {
    NewConversation {
        organizer: organizer.into(),
        at: chrono::Utc::now(),
        place: "Building B lobby".into(),
        channel: Channel::Door,
        steps: ConversationSteps {
            story: "Heat out since November".into(),
            ..Default::default()
        },
        assessment: Some(2),
        next_steps: "Bring her to the committee meeting".into(),
    }
}

/// A store on disk, its key, and a group with a few records.
fn laptop(path: &Path, key: &StoreKey) -> (Repo, Group) {
    let repo = Repo::open(path, key).expect("open");
    let g = repo.create_group("Maple Court Tenants").expect("group");
    let rosa = g.create_contact(&NewContact::named("Rosa")).expect("rosa");
    g.create_contact(&NewContact::named("Amadou"))
        .expect("amadou");
    g.record_conversation(rosa.id, &conversation("dana"))
        .expect("conversation");
    g.create_follow_up(&NewFollowUp::new("Call Rosa back", "dana"))
        .expect("follow-up");
    (repo, g)
}

#[test]
fn a_restored_store_is_the_same_device_and_syncs_without_duplicates() {
    let dir = tempfile::tempdir().expect("dir");
    let key = StoreKey::random();
    let original = dir.path().join("store.db");
    let (repo, a) = laptop(&original, &key);
    let (_rb, b) = admit(&a, Role::Member, Grant::everything());
    run(&b, &a).expect("first sync");

    let backup = dir.path().join("monday.gwbackup");
    let made = repo.create_backup(&backup, b"note").expect("backup");
    assert_eq!(made.groups, 1);
    assert_eq!(made.device_id, repo.device_id());
    let rosa = a
        .contacts(&ContactQuery::default())
        .expect("q")
        .into_iter()
        .find(|c| c.name == "Rosa")
        .expect("rosa")
        .id;
    let history_at_backup = a.export_signed_changes(rosa.into()).expect("history");
    let versions_at_backup = a.document_versions().expect("versions");

    // After the backup the laptop keeps working and syncs, then is lost.
    a.create_contact(&NewContact::named("Kwame, after the backup"))
        .expect("after");
    a.update_contact(
        rosa,
        &ContactUpdate::new(vec![ContactEdit::AddTag("committee".into())]),
    )
    .expect("edit after");
    run(&b, &a).expect("second sync");
    // Meanwhile the other device adds its own.
    b.create_contact(&NewContact::named("Lucia, from the phone"))
        .expect("b's contact");
    let device = repo.device_id();
    let group_id = a.id();
    drop(a);
    drop(repo);

    let restored_path = dir.path().join("new-laptop").join("store.db");
    let summary = restore_backup(&backup, &restored_path, &key, false).expect("restore");
    assert_eq!(summary.device_id, device);
    assert_eq!(summary.documents, made.documents);
    let restored = Repo::open(&restored_path, &key).expect("open restored");
    assert_eq!(restored.device_id(), device, "the device key is kept");
    let a2 = restored.group(group_id).expect("same group id");
    assert_eq!(a2.document_versions().expect("v"), versions_at_backup);
    assert_eq!(
        a2.export_signed_changes(rosa.into()).expect("history"),
        history_at_backup,
        "the Automerge history and its signatures are the originals"
    );

    run(&a2, &b).expect("sync after restore");
    let ids = contact_ids(&a2);
    let unique: BTreeSet<_> = ids.iter().collect();
    assert_eq!(ids.len(), unique.len(), "no record duplicated");
    assert_eq!(ids.len(), 4, "{:?}", names(&a2));
    assert_eq!(names(&a2), names(&b));
    assert_eq!(
        a2.document_versions().expect("v"),
        b.document_versions().expect("v"),
        "both devices hold the same documents at the same versions"
    );
    assert!(a2.contact(rosa).expect("rosa").tags.contains("committee"));

    // The restored device writes as itself again and the other device accepts it.
    a2.update_contact(
        rosa,
        &ContactUpdate::new(vec![ContactEdit::AddTag("building-b".into())]),
    )
    .expect("edit on the restored device");
    run(&b, &a2).expect("sync the new edit");
    assert!(b.contact(rosa).expect("rosa").tags.contains("building-b"));
    assert_eq!(
        a2.document_versions().expect("v"),
        b.document_versions().expect("v")
    );
}

#[test]
fn restore_refuses_an_existing_store_unless_asked() {
    let dir = tempfile::tempdir().expect("dir");
    let key = StoreKey::random();
    let (repo, _g) = laptop(&dir.path().join("a.db"), &key);
    let backup = dir.path().join("a.gwbackup");
    repo.create_backup(&backup, b"").expect("backup");

    let other = dir.path().join("other.db");
    let other_repo = Repo::open(&other, &key).expect("other store");
    other_repo.create_group("Someone else's").expect("group");
    drop(other_repo);
    let err = restore_backup(&backup, &other, &key, false).expect_err("refused");
    assert!(matches!(err, BackupError::TargetExists(_)), "{err:?}");
    let kept = Repo::open(&other, &key).expect("untouched");
    assert_eq!(kept.groups().expect("groups")[0].1, "Someone else's");

    // Replacing an open store is refused too.
    let err = restore_backup(&backup, &other, &key, true).expect_err("in use");
    assert!(
        matches!(err, BackupError::Store(StoreError::InUse)),
        "{err:?}"
    );
    drop(kept);
    restore_backup(&backup, &other, &key, true).expect("replace when asked");
    let replaced = Repo::open(&other, &key).expect("open");
    assert_eq!(replaced.device_id(), repo.device_id());
}

#[test]
fn truncated_foreign_and_wrong_key_backups_get_typed_errors() {
    let dir = tempfile::tempdir().expect("dir");
    let key = StoreKey::random();
    let (repo, _g) = laptop(&dir.path().join("a.db"), &key);
    let backup = dir.path().join("a.gwbackup");
    repo.create_backup(&backup, br#"{"kdf":"argon2id"}"#)
        .expect("backup");
    assert_eq!(
        read_backup_note(&backup).expect("note"),
        br#"{"kdf":"argon2id"}"#
    );
    let bytes = std::fs::read(&backup).expect("read");
    let target = dir.path().join("restored.db");
    let restore = |content: &[u8], key: &StoreKey| {
        let file = dir.path().join("candidate");
        std::fs::write(&file, content).expect("write");
        let r = restore_backup(&file, &target, key, false);
        assert!(!target.exists(), "a failed restore leaves no store");
        r.expect_err("refused")
    };

    for cut in [0, 5, 20, bytes.len() / 2, bytes.len() - 33, bytes.len() - 1] {
        let err = restore(&bytes[..cut], &key);
        assert!(
            matches!(err, BackupError::Truncated { .. }),
            "cut at {cut}: {err:?}"
        );
    }
    let sqlite_store = std::fs::read(dir.path().join("a.db")).expect("store file");
    for foreign in [
        &b"PK\x03\x04 a zip file"[..],
        &sqlite_store,
        b"GWBACKUQ........",
    ] {
        let err = restore(foreign, &key);
        assert!(matches!(err, BackupError::NotABackup), "{err:?}");
    }
    let mut newer = bytes.clone();
    newer[8] = 9;
    assert!(matches!(
        restore(&newer, &key),
        BackupError::UnsupportedFormat { found: 9 }
    ));
    let mut flipped = bytes.clone();
    let mid = bytes.len() / 2;
    flipped[mid] ^= 0x40;
    assert!(matches!(restore(&flipped, &key), BackupError::Damaged(_)));
    let mut longer = bytes.clone();
    longer.extend_from_slice(b"trailing");
    assert!(matches!(restore(&longer, &key), BackupError::Damaged(_)));
    assert!(matches!(
        restore(&bytes, &StoreKey::random()),
        BackupError::WrongKey
    ));

    // Nothing in the backup is plaintext: no name from the records appears in it.
    assert!(!bytes.windows(4).any(|w| w == b"Rosa"));
    assert!(!bytes.windows(15).any(|w| w == b"SQLite format 3"));
}
