//! Turf: grants extended when it is handed out and shrunk when it comes back, overlapping turfs,
//! who may hand it out, its bounds, and door knocks that merge.

use std::collections::BTreeSet;

use chrono::{Duration, Utc};

use super::{copy_all, group, member_of, replica_of};
use crate::ids::{ContactId, UnitId};
use crate::model::*;
use crate::proto::membership::{DeviceId, Grant, MAX_GRANT_ITEMS, Role};
use crate::turf::CanvassStatus;
use crate::{Error, Group, Repo};

/// A building with two floors; returns (floor 1, floor 2).
fn building(g: &Group) -> (UnitId, UnitId) {
    let tree = g
        .create_terrain(&NewTerrainTree {
            name: "Building 3".into(),
            kind: TreeKind::Building,
        })
        .expect("tree");
    let (f1, f2) = (UnitId::random(), UnitId::random());
    let floor = |id, name: &str| TerrainEdit::AddUnit {
        id,
        name: name.into(),
        parent: None,
        level: "floor".into(),
    };
    g.update_terrain(
        tree.id,
        &Update::new(vec![floor(f1, "Floor 1"), floor(f2, "Floor 2")]),
    )
    .expect("floors");
    (f1, f2)
}

fn tenant(g: &Group, name: &str, unit: UnitId, tags: &[&str]) -> ContactId {
    g.create_contact(&NewContact {
        name: name.into(),
        unit: Some(unit),
        tags: tags.iter().map(|t| t.to_string()).collect(),
        ..Default::default()
    })
    .expect("tenant")
    .id
}

/// A device admitted as a plain member with `grant` (its own store; nothing synced).
fn phone(g: &Group, grant: Grant) -> (Repo, DeviceId) {
    let repo = Repo::open_in_memory().expect("store");
    let device = repo.device();
    g.add_device(device, "Rosa's phone", Role::Member, grant)
        .expect("admit");
    (repo, device)
}

fn by_unit(unit: UnitId) -> RecordQuery {
    RecordQuery {
        unit: Some(unit),
        ..RecordQuery::counting(Counted::Contacts)
    }
}

fn by_tag(tag: &str) -> RecordQuery {
    RecordQuery {
        tag: Some(tag.into()),
        ..RecordQuery::counting(Counted::Contacts)
    }
}

fn cut(g: &Group, name: &str, device: DeviceId, selection: RecordQuery) -> crate::Result<Turf> {
    g.cut_turf(&NewTurf {
        name: name.into(),
        organizer: "Rosa P.".into(),
        devices: vec![device],
        selection,
    })
}

fn granted(g: &Group, device: DeviceId) -> BTreeSet<ContactId> {
    g.members().expect("members").members[&device]
        .grant
        .contacts
        .iter()
        .map(|c| ContactId::from_slice(c).expect("id"))
        .collect()
}

fn set(ids: &[ContactId]) -> BTreeSet<ContactId> {
    ids.iter().copied().collect()
}

#[test]
fn handing_out_turf_grants_its_contacts_and_taking_it_back_revokes_only_those() {
    let (_r, g) = group();
    let (f1, f2) = building(&g);
    let ana = tenant(&g, "Ana", f1, &[]);
    let bo = tenant(&g, "Bo", f1, &[]);
    let cy = tenant(&g, "Cy", f2, &[]);
    // Rosa's phone already holds Bo by hand and floor 2 by unit.
    let (_pr, device) = phone(
        &g,
        Grant {
            units: [*f2.as_bytes()].into_iter().collect(),
            contacts: [*bo.as_bytes()].into_iter().collect(),
            ..Grant::default()
        },
    );

    let turf = cut(&g, "Floor 1", device, by_unit(f1)).expect("cut");
    assert_eq!(turf.size, 2);
    assert!(turf.is_out());
    assert_eq!(granted(&g, device), set(&[ana, bo]));
    assert_eq!(g.contact(ana).expect("ana").turfs, set_turf(turf.id));
    let listed = g.turfs().expect("turfs");
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].turf, turf);
    assert_eq!((listed[0].held, listed[0].to_knock), (2, 2));
    assert!(!listed[0].partial, "the admin holds everything");

    // A turf of floor 2 adds Cy by name although the unit covers Cy already; returning it
    // leaves the unit alone.
    let upstairs = cut(&g, "Floor 2", device, by_unit(f2)).expect("cut");
    assert_eq!(granted(&g, device), set(&[ana, bo, cy]));
    g.return_turf(upstairs.id).expect("return");
    assert_eq!(granted(&g, device), set(&[ana, bo]));

    let back = g.return_turf(turf.id).expect("return");
    assert!(!back.is_out());
    assert_eq!(granted(&g, device), set(&[bo]), "Bo was granted by hand");
    let grant = &g.members().expect("m").members[&device].grant;
    assert!(grant.units.contains(f2.as_bytes()), "the unit grant stays");
    // Taking it back again changes nothing.
    g.return_turf(turf.id).expect("again");
    assert_eq!(granted(&g, device), set(&[bo]));
    assert!(!g.turf(turf.id).expect("turf").is_out());
}

fn set_turf(id: crate::ids::TurfId) -> BTreeSet<crate::ids::TurfId> {
    [id].into_iter().collect()
}

#[test]
fn overlapping_turfs_keep_a_shared_contact_until_the_last_one_comes_back() {
    let (_r, g) = group();
    let (f1, f2) = building(&g);
    let ana = tenant(&g, "Ana", f1, &[]);
    let bo = tenant(&g, "Bo", f1, &["heat"]);
    let cy = tenant(&g, "Cy", f2, &["heat"]);
    let (_pr, device) = phone(&g, Grant::default());

    let floor = cut(&g, "Floor 1", device, by_unit(f1)).expect("cut");
    let heat = cut(&g, "No heat", device, by_tag("heat")).expect("cut");
    assert_eq!(granted(&g, device), set(&[ana, bo, cy]));

    g.return_turf(floor.id).expect("return");
    assert_eq!(
        granted(&g, device),
        set(&[bo, cy]),
        "Bo stays: the heat turf is still out"
    );
    g.return_turf(heat.id).expect("return");
    assert!(
        granted(&g, device).is_empty(),
        "Bo came with the first turf and leaves with the last"
    );

    // The other order: the second turf comes back first.
    let floor = cut(&g, "Floor 1 again", device, by_unit(f1)).expect("cut");
    let heat = cut(&g, "No heat again", device, by_tag("heat")).expect("cut");
    g.return_turf(heat.id).expect("return");
    assert_eq!(granted(&g, device), set(&[ana, bo]));
    g.return_turf(floor.id).expect("return");
    assert!(granted(&g, device).is_empty());
    assert_eq!(
        g.turfs().expect("turfs").len(),
        4,
        "returned turfs are kept"
    );
}

#[test]
fn only_an_admin_hands_out_or_takes_back_turf() {
    let (_r, g) = group();
    let (f1, _) = building(&g);
    tenant(&g, "Ana", f1, &[]);
    let (_pr, device) = phone(&g, Grant::default());
    let turf = cut(&g, "Floor 1", device, by_unit(f1)).expect("cut");

    let (_mr, member) = member_of(&g, Role::Member, Grant::everything());
    assert!(matches!(
        cut(&member, "Mine", device, by_unit(f1)),
        Err(Error::Permission(_))
    ));
    assert!(matches!(
        member.return_turf(turf.id),
        Err(Error::Permission(_))
    ));
    assert!(g.turf(turf.id).expect("turf").is_out());
    // A device that is not a member gets nothing.
    let stranger = Repo::open_in_memory().expect("store").device();
    assert!(matches!(
        cut(&g, "Floor 1", stranger, by_unit(f1)),
        Err(Error::NotFound { kind: "member", .. })
    ));
}

#[test]
fn a_turf_is_bounded_by_the_grant_limit_and_refused_whole() {
    let (_r, g) = group();
    let (f1, f2) = building(&g);
    g.batch(|b| {
        for i in 0..=MAX_GRANT_ITEMS {
            b.create_contact(&NewContact {
                name: format!("Tenant {i:04}"),
                unit: Some(if i % 2 == 0 { f1 } else { f2 }),
                ..Default::default()
            })?;
        }
        Ok(())
    })
    .expect("tenants");
    // A device holding 600 units by hand has room for 400 more items.
    let units: BTreeSet<[u8; 16]> = (0..600).map(|_| *UnitId::random().as_bytes()).collect();
    let (_pr, device) = phone(
        &g,
        Grant {
            units: units.clone(),
            ..Grant::default()
        },
    );

    let everyone = RecordQuery::counting(Counted::Contacts);
    match cut(&g, "Everyone", device, everyone) {
        Err(Error::Invalid(v)) => {
            assert_eq!(v.field, "turf");
            assert!(v.to_string().contains("1000"), "{v}");
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    match cut(&g, "Floor 1", device, by_unit(f1)) {
        Err(Error::Invalid(v)) => assert!(v.to_string().contains("take back a turf"), "{v}"),
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert!(matches!(
        cut(&g, "Nobody", device, by_tag("no such tag")),
        Err(Error::Invalid(_))
    ));
    // Nothing was written.
    assert!(g.turfs().expect("turfs").is_empty());
    assert!(g.settings().expect("settings").turfs.is_empty());
    assert_eq!(g.members().expect("m").members[&device].grant.units, units);
    assert!(granted(&g, device).is_empty());
}

#[test]
fn people_marked_do_not_contact_are_left_out_of_turf() {
    let (_r, g) = group();
    let (f1, _) = building(&g);
    let ana = tenant(&g, "Ana", f1, &[]);
    let bo = g
        .create_contact(&NewContact {
            name: "Bo".into(),
            unit: Some(f1),
            do_not_contact: true,
            ..Default::default()
        })
        .expect("bo")
        .id;
    let (_pr, device) = phone(&g, Grant::default());
    let turf = cut(&g, "Floor 1", device, by_unit(f1)).expect("cut");
    assert_eq!(turf.size, 1);
    assert_eq!(granted(&g, device), set(&[ana]));
    assert!(g.contact(bo).expect("bo").turfs.is_empty());
}

#[test]
fn knocks_made_apart_both_count_and_the_latest_decides() {
    let (_r, a) = group();
    let (f1, _) = building(&a);
    let ana = tenant(&a, "Ana", f1, &[]);
    let (_pr, device) = phone(&a, Grant::default());
    let turf = cut(&a, "Floor 1", device, by_unit(f1)).expect("cut");
    let (_br, b) = replica_of(&a);
    let knock = |outcome, minutes: i64, organizer: &str| NewKnock {
        outcome,
        organizer: organizer.into(),
        at: Utc::now() + Duration::minutes(minutes),
        note: String::new(),
    };
    a.record_knock(ana, &knock(KnockOutcome::NotHome, 1, "Rosa P."))
        .expect("knock");
    b.record_knock(ana, &knock(KnockOutcome::Contacted, 5, "Marcus"))
        .expect("knock");
    copy_all(&a, &b);
    copy_all(&b, &a);
    for g in [&a, &b] {
        let knocks = g.contact(ana).expect("ana").knocks;
        assert_eq!(knocks.len(), 2, "both knocks kept");
        assert_eq!(knocks[0].outcome, KnockOutcome::NotHome);
        assert_eq!(knocks[1].organizer, "Marcus");
        let walk = g.walk_list(turf.id).expect("walk");
        assert_eq!(walk[0].status, CanvassStatus::Contacted, "the latest knock");
    }
    // A knock before the hand-out is not part of this turf's canvass.
    a.record_knock(ana, &knock(KnockOutcome::Refused, -60, "Rosa P."))
        .expect("knock");
    assert_eq!(
        a.walk_list(turf.id).expect("walk")[0].status,
        CanvassStatus::Contacted
    );
    assert!(matches!(
        a.record_knock(ana, &knock(KnockOutcome::NotHome, 0, "  ")),
        Err(Error::Invalid(_))
    ));
}

/// A contact from before knocks existed has no `knocks` list; two devices knocking while apart
/// each create one, and reading shows both lists' knocks.
#[test]
fn knocks_on_an_older_contact_survive_rival_lists() {
    use automerge::transaction::Transactable;
    let actor = |n: u8| automerge::ActorId::from(vec![n; 32]);
    let mut doc = crate::doc::new_document(&actor(1));
    let id = ContactId::random();
    crate::doc::contact::create(&mut doc, id, &NewContact::named("Ana")).expect("create");
    doc.delete(automerge::ROOT, "knocks")
        .expect("as an older version wrote it");
    doc.commit();
    let mut other = doc.fork().with_actor(actor(2));
    let knock = |outcome| NewKnock {
        outcome,
        organizer: "Rosa P.".into(),
        at: Utc::now(),
        note: String::new(),
    };
    crate::doc::contact::append_knock(
        &mut doc,
        crate::ids::EntryId::random(),
        &knock(KnockOutcome::NotHome),
    )
    .expect("knock");
    crate::doc::contact::append_knock(
        &mut other,
        crate::ids::EntryId::random(),
        &knock(KnockOutcome::Refused),
    )
    .expect("knock");
    doc.merge(&mut other).expect("merge");
    let read = crate::doc::contact::read(&mut doc, id);
    assert_eq!(read.knocks.len(), 2, "{:?}", read.knocks);
}
