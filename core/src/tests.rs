//! Unit tests of the group API over a real store (SQLCipher on disk, or in memory).

use chrono::{Duration, TimeZone, Utc};

use crate::events::{Filter, Notification, Origin, RecordKind};
use crate::ids::{ContactId, DocId, UnitId};
use crate::model::*;
use crate::proto::membership::{Grant, Role};
use crate::proto::signed::SignedChange;
use crate::query::{AssessmentFilter, ContactQuery, ConversationQuery, FollowUpQuery};
use crate::{Error, Group, Problem, Repo, StoreError, StoreKey};

fn group() -> (Repo, Group) {
    let repo = Repo::open_in_memory().expect("memory store");
    let group = repo.create_group("Maple Court Tenants").expect("group");
    (repo, group)
}

fn talk(assessment: Option<i64>, days_ago: i64) -> NewConversation {
    NewConversation {
        organizer: "Rosa P.".into(),
        at: Utc
            .with_ymd_and_hms(2026, 3, 1, 18, 0, 0)
            .single()
            .expect("date")
            - Duration::days(days_ago),
        place: "front door".into(),
        channel: Channel::Door,
        steps: ConversationSteps {
            story: "The heat has been out since November.".into(),
            ..Default::default()
        },
        assessment,
        next_steps: "Bring her to the tenant meeting".into(),
    }
}

/// Two replicas of one group: `a` admits a new device as an admin, which starts from `a`'s
/// documents.
fn replica_of(a: &Group) -> (Repo, Group) {
    let repo = Repo::open_in_memory().expect("memory store");
    a.add_device(repo.device(), "replica", Role::Admin, Grant::everything())
        .expect("admit");
    let b = repo
        .join_group(&a.membership_ops().expect("ops"))
        .expect("join");
    copy_all(a, &b);
    (repo, b)
}

fn copy_all(from: &Group, to: &Group) {
    to.apply_membership_ops(&from.membership_ops().expect("ops"))
        .expect("membership");
    for d in from.document_versions().expect("versions") {
        let changes = from.export_signed_changes(d.id).expect("export");
        to.import_signed_changes(d.id, &changes).expect("import");
    }
    for e in from.erasures().expect("erasures") {
        to.import_erasure(&e).expect("erasure");
    }
}

/// Signs raw Automerge changes as `repo`'s device (their actor must be that device).
fn sign_all(repo: &Repo, doc: &mut automerge::AutoCommit) -> Vec<SignedChange> {
    doc.get_changes(&[])
        .iter()
        .map(|c| SignedChange::sign(c.raw_bytes().to_vec(), &c.hash().0, repo.device_key()))
        .collect()
}

/// A raw Automerge copy of a record, writing as `repo`'s device.
fn raw_copy(repo: &Repo, g: &Group, id: DocId) -> automerge::AutoCommit {
    let mut doc = automerge::AutoCommit::new();
    for ch in g.export_signed_changes(id).expect("export") {
        doc.load_incremental(&ch.change).expect("load");
    }
    doc.set_actor(automerge::ActorId::from(
        repo.device_key().public().as_bytes().as_slice(),
    ));
    doc
}

#[test]
fn contact_round_trip_and_per_field_update() {
    let (_repo, g) = group();
    let new = NewContact {
        name: "Ana Ruiz".into(),
        phones: vec![("mobile".into(), "0612 345 678".into())],
        emails: vec![("home".into(), "ana@example.org".into())],
        tags: vec!["spanish".into(), "night-shift".into()],
        organizers: vec!["Rosa P.".into()],
        consent: vec![("sms".into(), true)],
        notes: "Met at the laundromat.".into(),
        ..Default::default()
    };
    let c = g.create_contact(&new).expect("create");
    assert_eq!(c.name, "Ana Ruiz");
    assert_eq!(c.phones[0].value, "0612 345 678", "leading zero kept");
    assert!(c.tags.contains("night-shift"));
    assert_eq!(c.consent.get("sms"), Some(&true));
    let c2 = g
        .update_contact(
            c.id,
            &Update::new(vec![
                ContactEdit::AddTag("steward".into()),
                ContactEdit::RemoveTag("spanish".into()),
            ]),
        )
        .expect("update");
    assert_eq!(
        c2.tags.iter().cloned().collect::<Vec<_>>(),
        vec!["night-shift", "steward"]
    );
    assert_eq!(c2.name, "Ana Ruiz");
    assert_ne!(c2.meta.version, c.meta.version);
}

#[test]
fn invalid_input_gets_typed_errors() {
    let (_repo, g) = group();
    let err = g
        .create_contact(&NewContact::named("   "))
        .expect_err("empty name");
    assert!(
        matches!(err, Error::Invalid(ref v) if v.field == "name" && v.problem == Problem::Empty),
        "{err}"
    );
    let err = g
        .create_contact(&NewContact::named("x".repeat(10_000)))
        .expect_err("long name");
    assert!(matches!(err, Error::Invalid(ref v) if matches!(v.problem, Problem::TooLong { .. })));
    let mut bad_phone = NewContact::named("Bo");
    bad_phone
        .phones
        .push(("mobile".into(), "call me maybe".into()));
    assert!(matches!(
        g.create_contact(&bad_phone),
        Err(Error::Invalid(_))
    ));
    assert!(matches!(
        g.contact(ContactId::random()),
        Err(Error::NotFound { .. })
    ));
    let c = g.create_contact(&NewContact::named("Bo")).expect("create");
    let err = g
        .record_conversation(c.id, &talk(Some(9), 1))
        .expect_err("off scale");
    assert!(matches!(err, Error::Invalid(ref v) if v.field == "assessment"));
    let err = g
        .update_contact(
            c.id,
            &Update::new(vec![ContactEdit::EditNotes(TextEdit::Splice {
                index: 99,
                delete: 0,
                insert: "x".into(),
            })]),
        )
        .expect_err("splice past the end");
    assert!(matches!(err, Error::Invalid(_)));
    assert!(Version::parse("zz").is_err());
    // Nothing of the failed edits was stored.
    assert_eq!(g.contact(c.id).expect("read").notes, "");
}

#[test]
fn conversations_are_append_only_and_assessment_is_derived() {
    let (_repo, g) = group();
    let c = g
        .create_contact(&NewContact::named("Tariq Haddad"))
        .expect("create");
    let first = g
        .record_conversation(c.id, &talk(Some(3), 10))
        .expect("talk");
    g.record_conversation(c.id, &talk(Some(2), 2))
        .expect("talk");
    let contact = g.contact(c.id).expect("read");
    assert_eq!(contact.conversations.len(), 2);
    assert_eq!(contact.assessment, Some(2), "latest by time wins");
    assert_eq!(
        contact
            .assessment_history
            .iter()
            .map(|h| h.1)
            .collect::<Vec<_>>(),
        vec![3, 2]
    );

    // A correction is a new revision; the latest revision is shown, the old one stays stored.
    let mut corrected = talk(Some(1), 10);
    corrected.steps.story = "Actually: the heat AND the mold.".into();
    assert_eq!(
        g.correct_conversation(c.id, first, &corrected)
            .expect("correct"),
        2
    );
    let contact = g.contact(c.id).expect("read");
    let shown = contact
        .conversations
        .iter()
        .find(|x| x.id == first)
        .expect("present");
    assert_eq!(shown.revision, 2);
    assert!(shown.steps.story.contains("mold"));
    assert_eq!(
        contact.assessment,
        Some(2),
        "the later conversation still decides"
    );
    let history = g.export_signed_changes(c.id.into()).expect("changes");
    assert!(
        history.len() >= 4,
        "the original conversation is still in the log"
    );
}

#[test]
fn stale_update_does_not_erase_merged_edits() {
    let (_ra, a) = group();
    let c = a
        .create_contact(&NewContact {
            name: "Mei Chen".into(),
            notes: "Works nights.".into(),
            ..Default::default()
        })
        .expect("create");
    let (_rb, b) = replica_of(&a);
    // The phone screen on A shows version v1.
    let v1 = a.contact(c.id).expect("read").meta.version;
    // Meanwhile B adds a phone and edits the notes; A receives it by sync.
    b.update_contact(
        c.id,
        &Update::new(vec![
            ContactEdit::AddEntry {
                list: ContactList::Phones,
                label: "mobile".into(),
                value: "555 0100".into(),
            },
            ContactEdit::EditNotes(TextEdit::Splice {
                index: 0,
                delete: 0,
                insert: "Steward. ".into(),
            }),
        ]),
    )
    .expect("b edits");
    copy_all(&b, &a);
    // The stale screen sends back its whole notes text with an addition, based on v1.
    let merged = a
        .update_contact(
            c.id,
            &Update::based_on(
                v1,
                vec![
                    ContactEdit::SetName("Mei Chen-Lopez".into()),
                    ContactEdit::EditNotes(TextEdit::Replace("Works nights. Has kids.".into())),
                ],
            ),
        )
        .expect("stale update");
    assert_eq!(merged.name, "Mei Chen-Lopez");
    assert_eq!(merged.phones.len(), 1, "B's phone survives");
    assert_eq!(
        merged.notes, "Steward. Works nights. Has kids.",
        "both text edits survive"
    );
}

/// A stale screen on the device that has itself edited the record since: Automerge commits
/// such an edit under an actor id derived from the device key. It is still this device's edit:
/// signed, stored, and accepted by another member.
#[test]
fn a_stale_edit_after_this_devices_own_edit_is_signed_and_syncs() {
    let (_ra, a) = group();
    let c = a
        .create_contact(&NewContact::named("Mei Chen"))
        .expect("create");
    let v1 = a.contact(c.id).expect("read").meta.version;
    a.update_contact(
        c.id,
        &Update::new(vec![ContactEdit::AddTag("steward".into())]),
    )
    .expect("own edit");
    let merged = a
        .update_contact(
            c.id,
            &Update::based_on(v1, vec![ContactEdit::SetName("Mei Chen-Lopez".into())]),
        )
        .expect("stale edit on the same device");
    assert_eq!(merged.name, "Mei Chen-Lopez");
    assert!(merged.tags.contains("steward"), "the newer edit survives");
    let (_rb, b) = replica_of(&a);
    let on_b = b.contact(c.id).expect("b has it");
    assert_eq!(on_b.name, "Mei Chen-Lopez");
    assert!(on_b.tags.contains("steward"));
}

#[test]
fn concurrent_sets_are_conflicts_until_resolved() {
    let (_ra, a) = group();
    let c = a
        .create_contact(&NewContact::named("Grace K"))
        .expect("create");
    let (_rb, b) = replica_of(&a);
    a.update_contact(
        c.id,
        &Update::new(vec![ContactEdit::SetName("Grace Kowalski".into())]),
    )
    .expect("a");
    b.update_contact(
        c.id,
        &Update::new(vec![ContactEdit::SetName("Grace Kowalska".into())]),
    )
    .expect("b");
    copy_all(&a, &b);
    copy_all(&b, &a);
    let ca = a.contact(c.id).expect("read");
    let cb = b.contact(c.id).expect("read");
    assert_eq!(ca.name, cb.name, "both show the same value");
    assert_eq!(ca.meta.conflicts, cb.meta.conflicts);
    let conflict = ca
        .meta
        .conflicts
        .iter()
        .find(|x| x.field == "name")
        .expect("conflict shown");
    let mut values: Vec<_> = conflict.values.iter().map(|v| v.value.as_str()).collect();
    values.sort();
    assert_eq!(values, vec!["Grace Kowalska", "Grace Kowalski"]);
    assert!(
        conflict
            .values
            .iter()
            .all(|v| v.set_by.len() == 64 && v.at.is_some())
    );
    assert_ne!(conflict.values[0].set_by, conflict.values[1].set_by);
    a.resolve_conflict(c.id.into(), "name", "Grace Kowalska")
        .expect("resolve");
    let resolved = a.contact(c.id).expect("read");
    assert_eq!(resolved.name, "Grace Kowalska");
    assert!(resolved.meta.conflicts.is_empty());
    assert!(
        a.resolve_conflict(c.id.into(), "name", "nobody said this")
            .is_err()
    );
}

#[test]
fn text_splices_count_utf16_units() {
    let (_repo, g) = group();
    let c = g
        .create_contact(&NewContact {
            name: "Hiro".into(),
            notes: "😀 ok".into(),
            ..Default::default()
        })
        .expect("c");
    // "😀" is 2 UTF-16 units: index 2 is just after it.
    let c = g
        .update_contact(
            c.id,
            &Update::new(vec![ContactEdit::EditNotes(TextEdit::Splice {
                index: 2,
                delete: 0,
                insert: "!".into(),
            })]),
        )
        .expect("splice");
    assert_eq!(c.notes, "😀! ok");
    let err = g
        .update_contact(
            c.id,
            &Update::new(vec![ContactEdit::EditNotes(TextEdit::Splice {
                index: 1,
                delete: 0,
                insert: "x".into(),
            })]),
        )
        .expect_err("inside a surrogate pair");
    assert!(matches!(err, Error::Invalid(_)));
}

#[test]
fn unknown_fields_and_values_from_a_newer_version_are_kept() {
    use automerge::transaction::Transactable;
    let (ra, a) = group();
    let c = a
        .create_contact(&NewContact::named("Owen"))
        .expect("create");
    a.record_conversation(
        c.id,
        &NewConversation {
            channel: Channel::Other("signal".into()),
            ..talk(Some(2), 1)
        },
    )
    .expect("talk");
    // A newer Groundwork adds a field and bumps the schema.
    let mut doc = raw_copy(&ra, &a, c.id.into());
    doc.put(automerge::ROOT, "pronouns", "he/him").expect("put");
    doc.put(automerge::ROOT, "schema", 2u64).expect("put");
    doc.commit();
    a.import_signed_changes(c.id.into(), &sign_all(&ra, &mut doc))
        .expect("import");
    let read = a.contact(c.id).expect("read");
    assert!(read.meta.newer_schema);
    assert_eq!(
        read.meta.unknown_fields.get("pronouns").map(String::as_str),
        Some("he/him")
    );
    assert_eq!(
        read.conversations[0].channel,
        Channel::Other("signal".into())
    );
    // Editing a known field keeps the unknown one.
    let read = a
        .update_contact(c.id, &Update::new(vec![ContactEdit::AddTag("x".into())]))
        .expect("edit");
    assert_eq!(
        read.meta.unknown_fields.get("pronouns").map(String::as_str),
        Some("he/him")
    );
}

#[test]
fn queries_use_the_index_and_load_no_document() {
    let (repo, g) = group();
    let tree = g
        .create_terrain(&NewTerrainTree {
            name: "Plant".into(),
            kind: TreeKind::Workplace,
        })
        .expect("tree");
    let (dept, shift) = (UnitId::random(), UnitId::random());
    g.update_terrain(
        tree.id,
        &Update::new(vec![
            TerrainEdit::AddUnit {
                id: dept,
                name: "Dept. B".into(),
                parent: None,
                level: "department".into(),
            },
            TerrainEdit::AddUnit {
                id: shift,
                name: "Dept. B nights".into(),
                parent: Some(dept),
                level: "shift".into(),
            },
        ]),
    )
    .expect("units");
    for (name, unit, a) in [
        ("Ana", Some(shift), Some(1)),
        ("Andre", Some(dept), Some(3)),
        ("Bo", None, Some(2)),
        ("Cy", Some(shift), None),
    ] {
        let c = g
            .create_contact(&NewContact {
                name: name.into(),
                unit,
                tags: vec!["nights".into()],
                organizers: vec!["Rosa P.".into()],
                ..Default::default()
            })
            .expect("c");
        if a.is_some() {
            g.record_conversation(c.id, &talk(a, 3)).expect("talk");
        }
    }
    let f = g
        .create_follow_up(&NewFollowUp {
            due: Some(Utc::now() - Duration::hours(1)),
            ..NewFollowUp::new("Call back", "Rosa P.")
        })
        .expect("fu");
    g.create_follow_up(&NewFollowUp {
        due: Some(Utc::now() + Duration::days(3)),
        ..NewFollowUp::new("Later", "Rosa P.")
    })
    .expect("fu");

    let loads = repo.document_loads();
    let names = |q: &ContactQuery| {
        g.contacts(q)
            .expect("q")
            .into_iter()
            .map(|c| c.name)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        names(&ContactQuery {
            name_prefix: Some("an".into()),
            ..Default::default()
        }),
        vec!["Ana", "Andre"]
    );
    assert_eq!(
        names(&ContactQuery {
            unit: Some(dept),
            ..Default::default()
        }),
        vec!["Ana", "Andre", "Cy"]
    );
    assert_eq!(
        names(&ContactQuery {
            unit: Some(shift),
            ..Default::default()
        }),
        vec!["Ana", "Cy"]
    );
    assert_eq!(
        names(&ContactQuery {
            assessment: Some(AssessmentFilter::SupporterOrBetter),
            ..Default::default()
        }),
        vec!["Ana", "Bo"]
    );
    assert_eq!(
        g.count_contacts(&ContactQuery {
            unit: Some(dept),
            assessment: Some(AssessmentFilter::SupporterOrBetter),
            ..Default::default()
        })
        .expect("n"),
        1
    );
    assert_eq!(
        names(&ContactQuery {
            tag: Some("nights".into()),
            organizer: Some("Rosa P.".into()),
            ..Default::default()
        })
        .len(),
        4
    );
    let due = g
        .follow_ups(&FollowUpQuery {
            assignee: Some("Rosa P.".into()),
            due_before: Some(Utc::now()),
            ..Default::default()
        })
        .expect("due");
    assert_eq!(due.iter().map(|d| d.id).collect::<Vec<_>>(), vec![f.id]);
    assert_eq!(
        g.count_conversations(&ConversationQuery {
            organizer: Some("Rosa P.".into()),
            unit: Some(dept),
            ..Default::default()
        })
        .expect("n"),
        2
    );
    assert_eq!(g.units().expect("units").len(), 2);
    assert_eq!(repo.document_loads(), loads, "queries loaded a document");
}

#[test]
fn erasure_cascades_and_tombstone_blocks_return() {
    let (_ra, a) = group();
    let ana = a.create_contact(&NewContact::named("Ana")).expect("c");
    let bo = a.create_contact(&NewContact::named("Bo")).expect("c");
    a.update_contact(
        bo.id,
        &Update::new(vec![ContactEdit::AddRelationship {
            kind: RelationshipKind::RecruitedBy,
            other: ana.id,
        }]),
    )
    .expect("rel");
    let fu = a
        .create_follow_up(&NewFollowUp {
            contact: Some(ana.id),
            ..NewFollowUp::new("Call Ana", "Rosa P.")
        })
        .expect("fu");
    let plan = a
        .create_plan(&NewPlan {
            title: "Heat".into(),
            ..Default::default()
        })
        .expect("plan");
    a.update_plan(plan.id, &Update::new(vec![PlanEdit::AddContact(ana.id)]))
        .expect("mention");
    let (_rb, b) = replica_of(&a);
    let old_copy = b.export_signed_changes(ana.id.into()).expect("export");

    a.erase_contact(ana.id).expect("erase");
    assert!(matches!(a.contact(ana.id), Err(Error::Erased { .. })));
    assert!(matches!(a.follow_up(fu.id), Err(Error::Erased { .. })));
    assert!(a.contact(bo.id).expect("bo").relationships.is_empty());
    assert!(a.plan(plan.id).expect("plan").contacts.is_empty());
    assert_eq!(a.count_contacts(&ContactQuery::default()).expect("n"), 1);

    // An offline device offers the old record: refused.
    assert!(matches!(
        a.import_signed_changes(ana.id.into(), &old_copy),
        Err(Error::Erased { .. })
    ));
    // The tombstone travels and erases on the other replica too.
    copy_all(&a, &b);
    assert!(matches!(b.contact(ana.id), Err(Error::Erased { .. })));
    assert!(b.contact(bo.id).expect("bo").relationships.is_empty());
}

#[test]
fn hostile_change_bytes_get_errors_not_panics() {
    use automerge::transaction::Transactable;
    let (repo, g) = group();
    let c = g.create_contact(&NewContact::named("Ana")).expect("c");
    let id: DocId = c.id.into();
    let signed = |bytes: Vec<u8>| SignedChange {
        change: bytes,
        signature: vec![0; 64],
    };
    for bad in [
        vec![],
        vec![0u8; 10],
        vec![
            0x85, 0x6f, 0x4a, 0x83, 1, 2, 3, 4, 1, 0xff, 0xff, 0xff, 0xff,
        ],
        b"garbage".repeat(100),
    ] {
        assert!(g.import_signed_changes(id, &[signed(bad)]).is_err());
    }
    assert!(
        g.import_signed_changes(id, &[signed(vec![0u8; crate::MAX_CHANGE_BYTES + 1])])
            .is_err()
    );
    // A compressed change chunk (Automerge would inflate it without a cap) and a whole document
    // are refused before Automerge sees them, even when properly signed.
    let mut doc = raw_copy(&repo, &g, id);
    doc.put(automerge::ROOT, "notes_plain", "x".repeat(2_000))
        .expect("put");
    doc.commit();
    let mut good = sign_all(&repo, &mut doc);
    let last = good.len() - 1;
    let mut compressed = good[last].clone();
    compressed.change[8] = 2;
    let r = g.import_signed_changes(id, &[compressed]);
    assert!(
        matches!(&r, Err(Error::Document(crate::DocumentError::Damaged { reason, .. })) if reason.contains("chunk type 2")),
        "{r:?}"
    );
    let whole = SignedChange::sign(doc.save(), &[0; 32], repo.device_key());
    assert!(g.import_signed_changes(id, &[whole]).is_err());
    good.truncate(0);
    // A valid change with a bad signature is refused.
    let mut doc = raw_copy(&repo, &g, id);
    doc.put(automerge::ROOT, "name", "Mallory").expect("put");
    doc.commit();
    let mut changes = sign_all(&repo, &mut doc);
    let last = changes.len() - 1;
    changes[last].signature[0] ^= 1;
    assert!(matches!(
        g.import_signed_changes(id, &changes),
        Err(Error::Permission(_))
    ));
    // A properly signed change that turns the contact into another kind of record is refused.
    let mut doc = raw_copy(&repo, &g, id);
    doc.put(automerge::ROOT, "kind", "plan").expect("put");
    doc.commit();
    assert!(
        g.import_signed_changes(id, &sign_all(&repo, &mut doc))
            .is_err()
    );
    assert_eq!(g.contact(c.id).expect("still readable").name, "Ana");
}

#[test]
fn subscriptions_see_record_and_query_changes() {
    let (_repo, g) = group();
    let c = g.create_contact(&NewContact::named("Ana")).expect("c");
    let mut record = g.subscribe(Filter::Record(c.id.into()));
    let mut watch = g.watch(vec![RecordKind::Contact], |g| {
        g.count_contacts(&ContactQuery::default())
    });
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("rt");
    rt.block_on(async {
        assert_eq!(watch.next().await.expect("open").expect("count"), 1);
        g.update_contact(c.id, &Update::new(vec![ContactEdit::AddTag("x".into())]))
            .expect("edit");
        match record.next().await {
            Some(Notification::Changed(e)) => {
                assert_eq!(e.record, c.id.into());
                assert_eq!(e.origin, Origin::Local);
            }
            other => panic!("unexpected {other:?}"),
        }
        g.create_contact(&NewContact::named("Bo")).expect("c");
        assert_eq!(watch.next().await.expect("open").expect("count"), 2);
    });
}

#[test]
fn a_store_given_a_new_key_opens_with_it_only_and_keeps_everything_and_wal_mode() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("store.db");
    let (old, new) = (StoreKey::random(), StoreKey::random());
    let (group_id, id);
    {
        let repo = Repo::open(&path, &old).expect("open");
        let g = repo.create_group("Local 12").expect("g");
        group_id = g.id();
        id = g
            .create_contact(&NewContact::named("Ana Ortiz"))
            .expect("c")
            .id;
        repo.change_key(&new).expect("rekey");
        assert_eq!(repo.durability().expect("durability").0, "wal");
        // The open store goes on working under the new key.
        g.create_contact(&NewContact::named("Bo Chen"))
            .expect("after rekey");
    }
    let err = Repo::open(&path, &old)
        .err()
        .expect("the old key no longer opens it");
    assert!(matches!(err, StoreError::WrongKeyOrNotAStore), "{err}");
    let repo = Repo::open(&path, &new).expect("the new key opens it");
    let g = repo.group(group_id).expect("g");
    assert_eq!(g.contact(id).expect("c").name, "Ana Ortiz");
    assert_eq!(
        g.count_contacts(&crate::query::ContactQuery::default())
            .expect("n"),
        2
    );
    repo.checkpoint().expect("checkpoint");
    let bytes = std::fs::read(&path).expect("read");
    assert!(
        !bytes.windows(4).any(|w| w == b"Ana "),
        "plaintext in the file"
    );
}

#[test]
fn a_wiped_store_leaves_no_file_refuses_writes_and_its_path_opens_empty() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("store.db");
    let key = StoreKey::random();
    let repo = Repo::open(&path, &key).expect("open");
    let g = repo.create_group("Local 12").expect("g");
    g.create_contact(&NewContact::named("Ana Ortiz"))
        .expect("c");
    let device = repo.device_id();
    repo.wipe().expect("wipe");
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .expect("dir")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert!(left.is_empty(), "files left after the wipe: {left:?}");
    assert!(repo.groups().expect("groups").is_empty());
    assert!(
        g.create_contact(&NewContact::named("Bo Chen")).is_err(),
        "a write after the wipe"
    );
    // The path is free again (lock released): a new store there is a new device.
    drop(g);
    let fresh = Repo::open(&path, &key).expect("a new store at the path");
    assert!(fresh.groups().expect("groups").is_empty());
    assert_ne!(fresh.device_id(), device);
    drop(repo);
}

#[test]
fn encrypted_store_reopens_and_refuses_a_wrong_key() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("store.db");
    let key = StoreKey::random();
    let id;
    let group_id;
    {
        let repo = Repo::open(&path, &key).expect("open");
        let g = repo.create_group("Local 12").expect("g");
        group_id = g.id();
        id = g
            .create_contact(&NewContact::named("Fatima Mensah"))
            .expect("c")
            .id;
        repo.checkpoint().expect("checkpoint");
    }
    let bytes = std::fs::read(&path).expect("read");
    assert!(!bytes.starts_with(b"SQLite format 3"));
    assert!(!bytes.windows(6).any(|w| w == b"Fatima"));
    let err = Repo::open(&path, &StoreKey::random())
        .err()
        .expect("wrong key fails");
    assert!(matches!(err, StoreError::WrongKeyOrNotAStore), "{err}");
    assert_eq!(std::fs::read(&path).expect("read"), bytes, "file unchanged");
    let repo = Repo::open(&path, &key).expect("reopen");
    assert_eq!(
        repo.group(group_id)
            .expect("g")
            .contact(id)
            .expect("c")
            .name,
        "Fatima Mensah"
    );
    let (mode, sync, secure) = repo.durability().expect("pragmas");
    assert_eq!((mode.as_str(), sync, secure), ("wal", 2, true));
    assert!(matches!(
        StoreKey::from_bytes(&[1, 2, 3]),
        Err(StoreError::BadKeyLength(3))
    ));
}

#[test]
fn compaction_keeps_content() {
    let (repo, g) = group();
    let c = g.create_contact(&NewContact::named("Kwame")).expect("c");
    for i in 0..40 {
        g.update_contact(
            c.id,
            &Update::new(vec![ContactEdit::AddTag(format!("t{i}"))]),
        )
        .expect("edit");
    }
    repo.compact_all().expect("compact");
    let (_fresh, copy) = replica_of(&g);
    assert_eq!(copy.contact(c.id).expect("c").tags.len(), 40);
    assert_eq!(g.contact(c.id).expect("c").tags.len(), 40);
}

#[test]
fn sample_workload_is_deterministic() {
    let base = Utc
        .with_ymd_and_hms(2026, 3, 1, 0, 0, 0)
        .single()
        .expect("date");
    let w = crate::sample::Workload::meeting_size(base).scaled(0.01);
    let (_r1, g1) = group();
    let (_r2, g2) = group();
    let a = crate::sample::generate(&g1, &w, |_, _| {}).expect("gen");
    let b = crate::sample::generate(&g2, &w, |_, _| {}).expect("gen");
    assert_eq!(a.contacts, b.contacts);
    assert_eq!(a.conversations, w.contacts * 5);
    let (ca, cb) = (
        g1.contact(a.contacts[3]).expect("c"),
        g2.contact(b.contacts[3]).expect("c"),
    );
    assert_eq!(
        (ca.name, ca.tags, ca.assessment),
        (cb.name, cb.tags, cb.assessment)
    );
}

#[test]
fn background_compaction_folds_increments() {
    let (repo, g) = group();
    let c = g.create_contact(&NewContact::named("Kwame")).expect("c");
    for i in 0..(crate::repo::COMPACT_AFTER + 5) {
        g.update_contact(
            c.id,
            &Update::new(vec![ContactEdit::AddTag(format!("t{i}"))]),
        )
        .expect("edit");
    }
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while repo.stats().expect("stats").increments >= crate::repo::COMPACT_AFTER as u64 {
        assert!(
            std::time::Instant::now() < deadline,
            "the background job did not compact"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert_eq!(
        g.contact(c.id).expect("c").tags.len() as i64,
        crate::repo::COMPACT_AFTER + 5
    );
}

#[test]
fn groups_on_one_device_are_kept_apart() {
    let repo = Repo::open_in_memory().expect("store");
    let tenants = repo.create_group("Tenants").expect("g");
    let caucus = repo.create_group("Caucus").expect("g");
    let ana = tenants
        .create_contact(&NewContact::named("Ana"))
        .expect("c");
    caucus.create_contact(&NewContact::named("Bo")).expect("c");
    assert_eq!(
        tenants.count_contacts(&ContactQuery::default()).expect("n"),
        1
    );
    assert_eq!(
        caucus.contacts(&ContactQuery::default()).expect("q")[0].name,
        "Bo"
    );
    assert!(matches!(
        caucus.contact(ana.id),
        Err(Error::NotFound { .. })
    ));
    assert!(caucus.export_signed_changes(ana.id.into()).is_err());
    assert_eq!(repo.groups().expect("groups").len(), 2);
    assert_eq!(
        caucus.document_versions().expect("v").len(),
        2,
        "its settings and Bo"
    );
}

/// A device admitted with a role and grant, holding a copy of every record (as a malicious
/// member could).
fn member_of(a: &Group, role: Role, grant: Grant) -> (Repo, Group) {
    let repo = Repo::open_in_memory().expect("memory store");
    a.add_device(repo.device(), "member", role, grant)
        .expect("admit");
    let g = repo
        .join_group(&a.membership_ops().expect("ops"))
        .expect("join");
    copy_all(a, &g);
    (repo, g)
}

/// A signed edit of a record's name made outside the API (what a modified app could send).
fn crafted_rename(
    author: &Repo,
    signer: &Repo,
    g: &Group,
    id: DocId,
    field: &str,
    value: &str,
) -> Vec<SignedChange> {
    use automerge::transaction::Transactable;
    let mut doc = raw_copy(author, g, id);
    let before = doc.get_heads();
    doc.put(automerge::ROOT, field, value).expect("put");
    doc.commit();
    doc.get_changes(&before)
        .iter()
        .map(|c| SignedChange::sign(c.raw_bytes().to_vec(), &c.hash().0, signer.device_key()))
        .collect()
}

#[test]
fn write_authority_is_checked_on_every_change_even_when_relayed() {
    let (_ra, a) = group();
    let tree = a
        .create_terrain(&NewTerrainTree {
            name: "Plant".into(),
            kind: TreeKind::Workplace,
        })
        .expect("tree");
    let (dept_a, dept_b) = (UnitId::random(), UnitId::random());
    let shift = UnitId::random();
    a.update_terrain(
        tree.id,
        &Update::new(vec![
            TerrainEdit::AddUnit {
                id: dept_a,
                name: "Dept A".into(),
                parent: None,
                level: "department".into(),
            },
            TerrainEdit::AddUnit {
                id: shift,
                name: "Dept A nights".into(),
                parent: Some(dept_a),
                level: "shift".into(),
            },
            TerrainEdit::AddUnit {
                id: dept_b,
                name: "Dept B".into(),
                parent: None,
                level: "department".into(),
            },
        ]),
    )
    .expect("units");
    let inside = a
        .create_contact(&NewContact {
            name: "Inside".into(),
            unit: Some(shift),
            ..Default::default()
        })
        .expect("c")
        .id;
    let outside = a
        .create_contact(&NewContact {
            name: "Outside".into(),
            unit: Some(dept_b),
            ..Default::default()
        })
        .expect("c")
        .id;
    let grant = Grant {
        units: [*dept_a.as_bytes()].into_iter().collect(),
        ..Grant::default()
    };
    let (rm, m) = member_of(&a, Role::Member, grant);
    let (rv, _v) = member_of(&a, Role::Member, Grant::everything());
    let (_rh, h) = member_of(&a, Role::Admin, Grant::everything());
    m.apply_membership_ops(&a.membership_ops().expect("ops"))
        .expect("m learns of v and h");
    h.apply_membership_ops(&a.membership_ops().expect("ops"))
        .expect("h learns of everyone");

    // Within its grant (a unit below the granted one): accepted by H, and relayed by H to A.
    let ok = crafted_rename(&rm, &rm, &m, inside.into(), "name", "Inside, renamed by M");
    h.import_signed_changes(inside.into(), &ok)
        .expect("within the grant");
    m.import_signed_changes(inside.into(), &ok)
        .expect("M keeps its own change");
    copy_all(&h, &a);
    assert_eq!(a.contact(inside).expect("c").name, "Inside, renamed by M");

    // Outside its grant: refused, nothing stored.
    let bad = crafted_rename(&rm, &rm, &m, outside.into(), "name", "Hijacked");
    assert!(matches!(
        h.import_signed_changes(outside.into(), &bad),
        Err(Error::Permission(_))
    ));
    assert_eq!(h.contact(outside).expect("c").name, "Outside");
    // Moving a contact of its unit out of the grant, or into another unit, is refused too.
    let moved = crafted_rename(&rm, &rm, &m, inside.into(), "unit", &dept_b.to_string());
    let r = h.import_signed_changes(inside.into(), &moved);
    assert!(matches!(r, Err(Error::Permission(_))), "{r:?}");

    // Forging another member's actor id: the signature is not that member's.
    let forged = crafted_rename(&rv, &rm, &m, outside.into(), "name", "Forged as V");
    assert!(matches!(
        a.import_signed_changes(outside.into(), &forged),
        Err(Error::Permission(_))
    ));

    // Settings are an admin's: a member's change is refused.
    let settings: DocId = a.id().into();
    let sneaky = crafted_rename(&rm, &rm, &m, settings, "name", "Renamed group");
    assert!(matches!(
        h.import_signed_changes(settings, &sneaky),
        Err(Error::Permission(_))
    ));
    assert!(matches!(
        m.update_settings(&Update::new(vec![SettingsEdit::SetName("x".into())])),
        Err(Error::Permission(_))
    ));

    // Erasing is an admin's: refused locally, and a member's signed erasure is refused elsewhere.
    assert!(matches!(m.erase_contact(inside), Err(Error::Permission(_))));
    let erasure = crate::proto::signed::SignedErasure::sign(
        *a.id().as_bytes(),
        *inside.as_bytes(),
        0,
        rm.device_key(),
    );
    assert!(matches!(
        a.import_erasure(&erasure),
        Err(Error::Permission(_))
    ));
    assert_eq!(
        a.contact(inside).expect("still there").name,
        "Inside, renamed by M"
    );

    // A removed device's changes are refused from the moment the removal is known.
    a.remove_device(rm.device()).expect("remove");
    let late = crafted_rename(&rm, &rm, &m, inside.into(), "name", "After removal");
    assert!(matches!(
        a.import_signed_changes(inside.into(), &late),
        Err(Error::Permission(_))
    ));
    assert!(matches!(
        m.add_device(rv.device(), "x", Role::Admin, Grant::everything()),
        Err(Error::Permission(_))
    ));
}

mod history;
mod onboarding;
mod turf;
mod workflows;

#[test]
fn a_groups_relay_is_a_checked_url_that_reaches_replicas_and_can_be_cleared() {
    let (_repo, g) = group();
    assert_eq!(g.settings().expect("settings").relay, None);
    for bad in [
        "relay.example.org",
        "ftp://relay.example.org",
        "https://user:pw@relay.example.org",
        "https://relay.example.org/?token=x",
        "https://",
        "",
    ] {
        let refused =
            g.update_settings(&Update::new(vec![SettingsEdit::SetRelay(Some(bad.into()))]));
        assert!(
            matches!(refused, Err(Error::Invalid(_))),
            "{bad:?} was accepted: {refused:?}"
        );
    }
    let set = g
        .update_settings(&Update::new(vec![SettingsEdit::SetRelay(Some(
            " https://relay.example.org ".into(),
        ))]))
        .expect("set");
    assert_eq!(set.relay.as_deref(), Some("https://relay.example.org/"));
    let (_fresh, copy) = replica_of(&g);
    assert_eq!(
        copy.settings().expect("settings").relay.as_deref(),
        Some("https://relay.example.org/")
    );
    let cleared = g
        .update_settings(&Update::new(vec![SettingsEdit::SetRelay(None)]))
        .expect("clear");
    assert_eq!(cleared.relay, None);
}
