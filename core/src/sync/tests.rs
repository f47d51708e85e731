//! Sessions driven through an in-memory pipe: what each side sends and receives is counted.

use groundwork_proto::membership::{Grant, Role};
use groundwork_proto::sync::{Message, Refusal};

use super::*;
use crate::ids::{DocId, UnitId};
use crate::model::*;
use crate::query::ContactQuery;
use crate::{Error, Group, Repo};

/// Runs a session between `a` (initiator) and `b` (responder) to the end. Returns the stats of
/// both sides and every message `b` sent (to check what a refused peer got).
pub(crate) fn run(a: &Group, b: &Group) -> Result<(SyncStats, SyncStats, Vec<Message>), SyncError> {
    let a_dev = a.repo.device();
    let b_dev = b.repo.device();
    let (mut ia, hello) = SyncSession::initiate(a, b_dev)?;
    let mut rb = SyncSession::respond(b, a_dev);
    let mut to_b = vec![hello];
    let mut from_b_all = Vec::new();
    for _ in 0..100 {
        let mut to_a = Vec::new();
        for m in to_b.drain(..) {
            rb.received_bytes(m.to_frame().expect("frame").len());
            match rb.handle(m) {
                Ok(out) => to_a.extend(out),
                Err(SyncError::RefusedPeer { reason, message }) => {
                    to_a.push(Message::Refused { reason, message });
                }
                Err(SyncError::RemovedPeer { membership_ops }) => {
                    to_a.push(Message::Removed { membership_ops });
                }
                Err(e) => return Err(e),
            }
        }
        from_b_all.extend(to_a.iter().cloned());
        for m in to_a {
            ia.received_bytes(m.to_frame().expect("frame").len());
            to_b.extend(ia.handle(m)?);
        }
        if ia.is_done() && to_b.is_empty() {
            break;
        }
    }
    // Deliver the initiator's last messages (its Docs and Done).
    for m in to_b.drain(..) {
        rb.received_bytes(m.to_frame().expect("frame").len());
        rb.handle(m)?;
    }
    Ok((ia.stats().clone(), rb.stats().clone(), from_b_all))
}

pub(crate) fn admit(a: &Group, role: Role, grant: Grant) -> (Repo, Group) {
    let repo = Repo::open_in_memory().expect("store");
    a.add_device(repo.device(), "member", role, grant)
        .expect("admit");
    let g = repo
        .join_group(&a.membership_ops().expect("ops"))
        .expect("join");
    (repo, g)
}

pub(crate) fn names(g: &Group) -> Vec<String> {
    g.contacts(&ContactQuery {
        limit: Some(10_000),
        ..Default::default()
    })
    .expect("q")
    .into_iter()
    .map(|c| c.name)
    .collect()
}

/// A workplace with two departments, A and B.
fn two_departments(a: &Group) -> (UnitId, UnitId) {
    let tree = a
        .create_terrain(&NewTerrainTree {
            name: "Plant".into(),
            kind: TreeKind::Workplace,
        })
        .expect("tree");
    let (u1, u2) = (UnitId::random(), UnitId::random());
    let unit = |id, name: &str| TerrainEdit::AddUnit {
        id,
        name: name.into(),
        parent: None,
        level: "department".into(),
    };
    a.update_terrain(
        tree.id,
        &Update::new(vec![unit(u1, "Dept A"), unit(u2, "Dept B")]),
    )
    .expect("units");
    (u1, u2)
}

pub(super) fn group_with(n: usize) -> (Repo, Group) {
    let repo = Repo::open_in_memory().expect("store");
    let g = repo.create_group("Riverside").expect("group");
    g.batch(|b| {
        for i in 0..n {
            b.create_contact(&NewContact::named(format!("Person {i:04}")))?;
        }
        Ok(())
    })
    .expect("contacts");
    (repo, g)
}

#[test]
fn a_new_member_receives_everything_then_nothing_changed_costs_one_round_trip() {
    let (_ra, a) = group_with(300);
    let (_rb, b) = admit(&a, Role::Member, Grant::everything());
    let (first, _, _) = run(&b, &a).expect("first sync");
    assert_eq!(names(&b), names(&a));
    assert_eq!(
        b.document_versions().expect("v"),
        a.document_versions().expect("v")
    );
    assert!(first.docs_received >= 300);

    let (again, resp, _) = run(&b, &a).expect("second sync");
    assert_eq!(again.round_trips, 1, "{again:?}");
    assert_eq!(again.differing, 0);
    let bytes = again.bytes_sent + again.bytes_received;
    assert!(bytes < 1024, "nothing changed cost {bytes} bytes");
    assert_eq!(resp.docs_sent, 0);
}

#[test]
fn ten_changed_documents_take_at_most_three_round_trips_and_send_only_them() {
    let (_ra, a) = group_with(2000);
    let (_rb, b) = admit(&a, Role::Admin, Grant::everything());
    run(&b, &a).expect("first sync");
    let ids: Vec<_> = a
        .contacts(&ContactQuery {
            limit: Some(10),
            ..Default::default()
        })
        .expect("q")
        .into_iter()
        .map(|c| c.id)
        .collect();
    for id in &ids[..5] {
        a.update_contact(
            *id,
            &Update::new(vec![ContactEdit::AddTag("changed-on-a".into())]),
        )
        .expect("edit a");
    }
    for id in &ids[5..] {
        b.update_contact(
            *id,
            &Update::new(vec![ContactEdit::AddTag("changed-on-b".into())]),
        )
        .expect("edit b");
    }
    let (stats, resp, _) = run(&b, &a).expect("sync");
    assert!(stats.round_trips <= 3, "{stats:?}");
    assert_eq!(stats.differing, 10);
    assert_eq!(stats.docs_received, 5);
    assert_eq!(resp.docs_received, 5);
    assert_eq!(
        b.document_versions().expect("v"),
        a.document_versions().expect("v")
    );
    let bytes = stats.bytes_sent + stats.bytes_received;
    assert!(bytes < 20_000, "10 changes cost {bytes} bytes");
}

/// Both sides edited one record many times apart: the copies diverge further back than the
/// recent changes the initiator lists, and the sync still ends with both holding everything.
#[test]
fn a_deep_fork_of_one_record_merges_whole() {
    let (_ra, a) = group_with(3);
    let (_rb, b) = admit(&a, Role::Admin, Grant::everything());
    run(&b, &a).expect("first sync");
    let id = a
        .contacts(&ContactQuery::default())
        .expect("q")
        .first()
        .expect("a contact")
        .id;
    for i in 0..20 {
        for (g, side) in [(&a, "a"), (&b, "b")] {
            g.update_contact(
                id,
                &Update::new(vec![ContactEdit::AddTag(format!("{side}-{i}"))]),
            )
            .expect("edit");
        }
    }
    let (stats, resp, _) = run(&b, &a).expect("sync");
    assert_eq!(stats.differing, 1);
    assert_eq!(
        b.document_versions().expect("v"),
        a.document_versions().expect("v")
    );
    assert_eq!(b.contact(id).expect("b").tags.len(), 40);
    assert!(stats.changes_received >= 20 && resp.changes_received >= 20);
}

#[test]
fn a_device_the_peer_does_not_know_yet_presents_its_admission() {
    let (_ra, a) = group_with(5);
    let (_rb, b) = admit(&a, Role::Member, Grant::everything());
    run(&b, &a).expect("b syncs with a");
    // C is admitted after B last heard from A; C meets B first.
    let (_rc, c) = admit(&a, Role::Member, Grant::everything());
    assert!(!b.members().expect("m").is_member(&c.repo.device()));
    run(&c, &b).expect("c syncs with b after presenting its admission");
    assert!(b.members().expect("m").is_member(&c.repo.device()));
    assert_eq!(names(&c), names(&a));
}

#[test]
fn strangers_and_removed_devices_get_no_record_bytes() {
    let (_ra, a) = group_with(5);
    // A stranger with its own group claims membership.
    let stranger = Repo::open_in_memory().expect("store");
    let fake = stranger.create_group("Riverside").expect("group");
    let mut r = SyncSession::respond(&a, stranger.device());
    let (mut s, hello) = SyncSession::initiate(&fake, stranger.device()).expect("hello");
    let _ = &mut s;
    let answer = r.handle(hello);
    assert!(matches!(
        answer,
        Err(SyncError::RefusedPeer {
            reason: Refusal::UnknownGroup,
            ..
        })
    ));
    // A stranger that knows the group id but is not a member.
    let (_rb, b) = admit(&a, Role::Member, Grant::everything());
    run(&b, &a).expect("b syncs");
    let outsider = Repo::open_in_memory().expect("store");
    let (mut ib, hello) = SyncSession::initiate(&b, a.repo.device()).expect("b hello");
    let _ = &mut ib;
    let mut ra = SyncSession::respond(&a, outsider.device());
    let out = ra.handle(hello);
    assert!(
        matches!(
            out,
            Err(SyncError::RefusedPeer {
                reason: Refusal::NotMember,
                ..
            })
        ),
        "{out:?}"
    );
    // A removed device: refused from the moment the removal is known, and sent its removal.
    a.remove_device(b.repo.device()).expect("remove");
    let result = run(&b, &a);
    assert!(matches!(result, Err(SyncError::RemovedHere)), "{result:?}");
}

#[test]
fn a_removed_device_deletes_its_copy_of_the_group_when_shown_its_removal() {
    let (_ra, a) = group_with(5);
    let (rb, b) = admit(&a, Role::Member, Grant::everything());
    let (_rc, c) = admit(&a, Role::Member, Grant::everything());
    run(&b, &a).expect("b syncs");
    run(&c, &a).expect("c syncs");
    assert_eq!(names(&b).len(), 5);
    a.remove_device(b.repo.device()).expect("remove");
    // C learns of the removal from A; B then meets C, not A.
    run(&c, &a).expect("c syncs again");
    let result = run(&b, &c);
    assert!(matches!(result, Err(SyncError::RemovedHere)), "{result:?}");
    assert!(rb.groups().expect("groups").is_empty());
    assert!(!b.is_held().expect("held"));
    let left: i64 = rb
        .lock()
        .store
        .conn
        .query_row(
            "SELECT (SELECT count(*) FROM docs) + (SELECT count(*) FROM membership_ops)
                  + (SELECT count(*) FROM contacts_idx) + (SELECT count(*) FROM change_sigs)",
            [],
            |r| r.get(0),
        )
        .expect("count");
    assert_eq!(left, 0, "rows of the group left on the removed device");
    assert!(
        b.contacts(&ContactQuery::default())
            .expect("query")
            .is_empty()
    );
    // The others keep everything.
    assert_eq!(names(&c).len(), 5);
}

#[test]
fn a_removal_notice_without_the_removal_deletes_nothing() {
    let (_ra, a) = group_with(3);
    let (rb, b) = admit(&a, Role::Member, Grant::everything());
    run(&b, &a).expect("b syncs");
    // A lying peer sends a notice whose operations do not remove B (here: none at all).
    let (mut ib, _hello) = SyncSession::initiate(&b, a.repo.device()).expect("hello");
    let out = ib.handle(Message::Removed {
        membership_ops: a.membership_ops().expect("ops"),
    });
    assert!(matches!(out, Err(SyncError::Misbehaved(_))), "{out:?}");
    assert_eq!(rb.groups().expect("groups").len(), 1);
    assert_eq!(names(&b).len(), 3);
    // A responder is never told it was removed.
    let mut ra = SyncSession::respond(&a, b.repo.device());
    let out = ra.handle(Message::Removed {
        membership_ops: vec![],
    });
    assert!(matches!(out, Err(SyncError::Misbehaved(_))), "{out:?}");
}

#[test]
fn a_limited_grant_never_sees_other_units_and_erasures_travel() {
    let (_ra, a) = group_with(0);
    let (u1, u2) = two_departments(&a);
    let mine = a
        .create_contact(&NewContact {
            name: "In A".into(),
            unit: Some(u1),
            ..Default::default()
        })
        .expect("c");
    let other = a
        .create_contact(&NewContact {
            name: "In B".into(),
            unit: Some(u2),
            ..Default::default()
        })
        .expect("c");
    let grant = Grant {
        units: [*u1.as_bytes()].into_iter().collect(),
        ..Grant::default()
    };
    let (_rb, b) = admit(&a, Role::Member, grant);
    run(&b, &a).expect("sync");
    assert_eq!(names(&b), vec!["In A"]);
    assert!(
        b.version_of(other.id.into()).expect("v").is_none(),
        "not even the id"
    );
    // An admin erases the contact B can see: it leaves B at the next sync.
    a.erase_contact(mine.id).expect("erase");
    run(&b, &a).expect("sync");
    assert!(matches!(b.contact(mine.id), Err(Error::Erased { .. })));
    assert!(names(&b).is_empty());
}

#[test]
fn when_a_grant_shrinks_the_records_outside_it_leave_the_device() {
    let (_ra, a) = group_with(0);
    let (u1, u2) = two_departments(&a);
    a.create_contact(&NewContact {
        name: "In A".into(),
        unit: Some(u1),
        ..Default::default()
    })
    .expect("c");
    let other = a
        .create_contact(&NewContact {
            name: "In B".into(),
            unit: Some(u2),
            ..Default::default()
        })
        .expect("c");
    let both = Grant {
        units: [*u1.as_bytes(), *u2.as_bytes()].into_iter().collect(),
        ..Grant::default()
    };
    let (_rb, b) = admit(&a, Role::Member, both);
    run(&b, &a).expect("sync");
    assert_eq!(names(&b), vec!["In A", "In B"]);
    let only_a = Grant {
        units: [*u1.as_bytes()].into_iter().collect(),
        ..Grant::default()
    };
    a.set_grant(b.repo.device(), only_a).expect("shrink");
    run(&b, &a).expect("sync");
    assert_eq!(names(&b), vec!["In A"]);
    assert!(b.version_of(other.id.into()).expect("v").is_none());
    assert!(
        !b.is_erased(other.id.into()).expect("no tombstone"),
        "dropped, not erased"
    );
}

/// A session cut mid-transfer leaves whole batches stored; the next session completes it, with
/// no duplicate change or record.
#[test]
fn a_sync_cut_mid_transfer_resumes_without_duplicates() {
    let (_ra, a) = group_with(1_500);
    let (_rb, b) = admit(&a, Role::Member, Grant::everything());
    // Run the session by hand and stop delivering after the responder's second Docs message.
    let (mut ib, hello) = SyncSession::initiate(&b, a.repo.device()).expect("hello");
    let mut ra = SyncSession::respond(&a, b.repo.device());
    let mut to_a = vec![hello];
    let mut docs_delivered = 0;
    'outer: for _ in 0..50 {
        let mut to_b = Vec::new();
        for m in to_a.drain(..) {
            to_b.extend(ra.handle(m).expect("responder"));
        }
        for m in to_b {
            if matches!(m, Message::Docs { .. }) {
                if docs_delivered == 2 {
                    break 'outer; // the connection drops here
                }
                docs_delivered += 1;
            }
            to_a.extend(ib.handle(m).expect("initiator"));
        }
    }
    let partial = names(&b).len();
    assert!(
        partial > 0 && partial < 1_500,
        "a partial transfer stored whole batches: {partial}"
    );
    // The next meeting: a normal session finishes the job.
    run(&b, &a).expect("resume");
    assert_eq!(names(&b), names(&a));
    assert_eq!(
        b.document_versions().expect("v"),
        a.document_versions().expect("v")
    );
    let c = a
        .contacts(&ContactQuery {
            limit: Some(1),
            ..Default::default()
        })
        .expect("q")[0]
        .id;
    assert_eq!(
        b.export_signed_changes(c.into()).expect("changes").len(),
        a.export_signed_changes(c.into()).expect("changes").len(),
        "no duplicated changes"
    );
    let (again, _, _) = run(&b, &a).expect("again");
    assert_eq!(again.differing, 0);
}

#[test]
fn a_flood_of_wants_ends_the_session() {
    let (_ra, a) = group_with(3);
    let (_rb, b) = admit(&a, Role::Member, Grant::everything());
    let (_, hello) = SyncSession::initiate(&b, a.repo.device()).expect("hello");
    let mut ra = SyncSession::respond(&a, b.repo.device());
    ra.handle(hello).expect("welcome");
    let want = |i: u8| Message::Want {
        docs: (0..200u16)
            .map(|j| groundwork_proto::sync::DocHeads {
                doc: [
                    i,
                    (j >> 8) as u8,
                    j as u8,
                    0,
                    0,
                    0,
                    0,
                    0,
                    0,
                    0,
                    0,
                    0,
                    0,
                    0,
                    0,
                    0,
                ],
                heads: vec![],
                have: vec![],
            })
            .collect(),
    };
    let mut ended = false;
    for i in 0..50 {
        if let Err(SyncError::Misbehaved(_)) = ra.handle(want(i)) {
            ended = true;
            break;
        }
    }
    assert!(
        ended,
        "an endless stream of Want messages must end the session"
    );
}

/// An organizer's phone with no grant of its own receives exactly its turf's contacts once the
/// turf is handed out, and loses them at the first sync after the turf comes back.
#[test]
fn an_organizers_phone_holds_exactly_its_turf_and_loses_it_when_it_is_returned() {
    let (_ra, a) = group_with(0);
    let (floor1, floor2) = two_departments(&a);
    let mut turf_people = Vec::new();
    for name in ["Ana", "Bo", "Cy"] {
        turf_people.push(
            a.create_contact(&NewContact {
                name: name.into(),
                unit: Some(floor1),
                ..Default::default()
            })
            .expect("c")
            .id,
        );
    }
    let upstairs = a
        .create_contact(&NewContact {
            name: "Dee".into(),
            unit: Some(floor2),
            ..Default::default()
        })
        .expect("c");
    let (_rb, phone) = admit(&a, Role::Member, Grant::default());
    run(&phone, &a).expect("sync");
    assert!(names(&phone).is_empty(), "no grant, no contacts");

    let turf = a
        .cut_turf(&NewTurf {
            name: "Floor 1".into(),
            organizer: "Rosa P.".into(),
            devices: vec![phone.repo.device()],
            selection: RecordQuery {
                unit: Some(floor1),
                ..RecordQuery::counting(Counted::Contacts)
            },
        })
        .expect("cut");
    run(&phone, &a).expect("sync");
    assert_eq!(names(&phone), vec!["Ana", "Bo", "Cy"]);
    assert!(
        phone.version_of(upstairs.id.into()).expect("v").is_none(),
        "not even the id of a contact outside the turf"
    );
    let progress = phone.turf_progress(turf.id).expect("progress");
    assert_eq!((progress.held, progress.to_knock), (3, 3));
    assert!(!progress.partial, "the phone holds its whole turf");

    // A knock on the phone reaches the admin's laptop.
    phone
        .record_knock(
            turf_people[0],
            &NewKnock {
                outcome: KnockOutcome::NotHome,
                organizer: "Rosa P.".into(),
                at: chrono::Utc::now(),
                note: String::new(),
            },
        )
        .expect("knock");
    run(&phone, &a).expect("sync");
    assert_eq!(a.turf_progress(turf.id).expect("p").not_home, 1);

    a.return_turf(turf.id).expect("return");
    run(&phone, &a).expect("sync");
    assert!(
        names(&phone).is_empty(),
        "the turf's contacts left the phone"
    );
    for id in &turf_people {
        assert!(phone.version_of((*id).into()).expect("v").is_none());
        assert!(
            !phone.is_erased((*id).into()).expect("t"),
            "dropped, not erased"
        );
    }
    let progress = phone.turf_progress(turf.id).expect("progress");
    assert!(!progress.turf.is_out());
    assert_eq!(progress.held, 0);
    assert!(
        progress.partial,
        "counts on the phone now say they are partial"
    );
    // The admin still has the whole canvass.
    assert_eq!(a.turf_progress(turf.id).expect("p").held, 3);
}

#[test]
fn a_document_with_a_long_history_travels_in_pieces_and_arrives_whole() {
    let (_ra, a) = group_with(0);
    let c = a.create_contact(&NewContact::named("Dolores")).expect("c");
    // About 1.1 MB of history in one contact's document: more than one Docs message holds.
    for i in 0..30 {
        let story = format!(
            "{i:02} {}",
            "The heat has been out since November. ".repeat(470)
        );
        a.record_conversation(
            c.id,
            &NewConversation {
                organizer: "Rosa P.".into(),
                at: chrono::Utc::now(),
                place: "front door".into(),
                channel: Channel::Door,
                steps: ConversationSteps {
                    story,
                    ..Default::default()
                },
                assessment: None,
                next_steps: String::new(),
            },
        )
        .expect("conversation");
    }
    let (_rb, b) = admit(&a, Role::Member, Grant::everything());
    let (stats_b, stats_a, from_a) = run(&b, &a).expect("sync");
    let pieces_of_the_contact = from_a
        .iter()
        .filter_map(|m| match m {
            Message::Docs { docs, .. } => Some(docs),
            _ => None,
        })
        .flatten()
        .filter(|d| d.doc == *DocId::from(c.id).as_bytes())
        .count();
    assert!(
        pieces_of_the_contact >= 2,
        "the history went in {pieces_of_the_contact} piece(s)"
    );
    for m in &from_a {
        if let Message::Docs { .. } = m {
            let frame = m.to_frame().expect("frame").len();
            assert!(frame < 700 * 1024, "a Docs message of {frame} bytes");
        }
    }
    let copy = b.contact(c.id).expect("contact");
    assert_eq!(copy.conversations.len(), 30);
    assert_eq!(
        b.version_of(c.id.into()).expect("version"),
        a.version_of(c.id.into()).expect("version")
    );
    assert_eq!(
        stats_b.docs_received, stats_a.docs_sent,
        "a document in pieces counts once"
    );
}
