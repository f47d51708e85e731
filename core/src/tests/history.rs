//! A record's history and undoing a bad edit: the right device and fields, the earlier state
//! restored by a new change, later edits of the same field reported, and the undo syncing and
//! merging like any edit.

use super::{copy_all, group, replica_of, talk};
use crate::history::{HistoryPage, Reverted};
use crate::ids::DocId;
use crate::model::*;
use crate::query::ContactQuery;
use crate::{Error, Group};

fn newest(g: &Group, id: DocId) -> crate::history::HistoryEntry {
    g.history(id, HistoryPage::default())
        .expect("history")
        .entries
        .into_iter()
        .next()
        .expect("an entry")
}

fn edit(g: &Group, id: crate::ids::ContactId, edits: Vec<ContactEdit>) -> Contact {
    g.update_contact(id, &ContactUpdate::new(edits))
        .expect("edit")
}

#[test]
fn history_names_the_device_and_the_fields_it_changed() {
    let (_ra, a) = group();
    let ana = a
        .create_contact(&NewContact::named("Ana Ruiz"))
        .expect("contact");
    let (_rb, b) = replica_of(&a);
    edit(
        &b,
        ana.id,
        vec![
            ContactEdit::SetName("Ana Ruiz-Mendez".into()),
            ContactEdit::AddTag("committee".into()),
            ContactEdit::EditNotes(TextEdit::Replace("Works nights".into())),
        ],
    );
    copy_all(&b, &a);

    let history = a.history(ana.id.into(), HistoryPage::default()).expect("h");
    assert_eq!(history.total, 2);
    let [rename, created] = history.entries.as_slice() else {
        panic!("two entries: {history:?}");
    };
    assert!(created.created && created.this_device);
    assert!(created.fields.iter().any(|f| f.field == "name"
        && f.before.is_none()
        && f.after.as_deref() == Some("Ana Ruiz")));
    // The edit made on the replica names the replica's device, by its member name.
    assert!(!rename.this_device && !rename.created);
    assert_eq!(rename.device_name.as_deref(), Some("replica"));
    assert_eq!(rename.device, hex::encode(b.repo.device().0));
    let field = |name: &str| {
        rename
            .fields
            .iter()
            .find(|f| f.field == name)
            .unwrap_or_else(|| panic!("no {name} in {:?}", rename.fields))
    };
    assert_eq!(field("name").before.as_deref(), Some("Ana Ruiz"));
    assert_eq!(field("name").after.as_deref(), Some("Ana Ruiz-Mendez"));
    assert_eq!(field("tags/committee").summary, "added");
    assert_eq!(field("notes").summary, "added \"Works nights\"");
    assert_eq!(rename.fields.len(), 3, "{:?}", rename.fields);

    // Pages: the newest first, then the next.
    let page = a
        .history(
            ana.id.into(),
            HistoryPage {
                limit: 1,
                offset: 1,
            },
        )
        .expect("page");
    assert_eq!(page.entries.len(), 1);
    assert!(page.entries[0].created);
}

#[test]
fn undo_restores_the_fields_of_one_change_and_keeps_later_edits_elsewhere() {
    let (_r, g) = group();
    let ana = g
        .create_contact(&NewContact {
            notes: "Lives in 3B.".into(),
            ..NewContact::named("Ana Ruiz")
        })
        .expect("contact");
    edit(
        &g,
        ana.id,
        vec![
            ContactEdit::SetName("Anna Ruis".into()),
            ContactEdit::EditNotes(TextEdit::Replace("Lives in 3B. Nights.".into())),
            ContactEdit::AddTag("wrong-building".into()),
        ],
    );
    let bad = newest(&g, ana.id.into()).change;
    // A later edit of another field.
    edit(&g, ana.id, vec![ContactEdit::AddTag("committee".into())]);

    let r: Reverted = g
        .revert_change(ana.id.into(), &bad[..10], false)
        .expect("undo");
    assert!(r.overridden.is_empty());
    let c = g.contact(ana.id).expect("contact");
    assert_eq!(c.name, "Ana Ruiz");
    assert_eq!(c.notes, "Lives in 3B.");
    assert_eq!(
        c.tags.iter().collect::<Vec<_>>(),
        vec!["committee"],
        "the later tag stays"
    );
    assert_eq!(c.meta.version, r.version);
    // The undo went through the write path: the index has the old name again.
    let found = g
        .contacts(&ContactQuery {
            name_prefix: Some("Ana R".into()),
            ..ContactQuery::default()
        })
        .expect("query");
    assert_eq!(found.len(), 1);
    // And it is a change of its own in the history, newest.
    let undo = newest(&g, ana.id.into());
    assert!(undo.this_device);
    assert!(
        undo.fields
            .iter()
            .any(|f| f.field == "name" && f.after.as_deref() == Some("Ana Ruiz"))
    );

    // The change that created the record cannot be undone.
    let created = g
        .history(
            ana.id.into(),
            HistoryPage {
                limit: 500,
                offset: 0,
            },
        )
        .expect("h")
        .entries
        .into_iter()
        .find(|e| e.created)
        .expect("created");
    assert!(matches!(
        g.revert_change(ana.id.into(), &created.change, false),
        Err(Error::Invalid(_))
    ));
    assert!(matches!(
        g.revert_change(ana.id.into(), "00000000", false),
        Err(Error::NotFound { kind: "change", .. })
    ));
    assert!(matches!(
        g.revert_change(ana.id.into(), "xyz", false),
        Err(Error::Invalid(_))
    ));
}

#[test]
fn a_later_edit_of_the_same_field_is_reported_and_force_keeps_both() {
    let (_r, g) = group();
    let ana = g
        .create_contact(&NewContact::named("Ana Ruiz"))
        .expect("contact");
    edit(&g, ana.id, vec![ContactEdit::SetName("Anna".into())]);
    let bad = newest(&g, ana.id.into()).change;
    edit(&g, ana.id, vec![ContactEdit::SetName("Ana R.".into())]);
    let later = newest(&g, ana.id.into()).change;
    let before = g.contact(ana.id).expect("c").meta.version;

    match g.revert_change(ana.id.into(), &bad, false) {
        Err(Error::RevertConflict(c)) => {
            assert_eq!(c.change, bad);
            assert_eq!(c.later.len(), 1);
            assert_eq!(c.later[0].field, "name");
            assert_eq!(c.later[0].changes.len(), 1);
            assert_eq!(c.later[0].changes[0].change, later);
            assert_eq!(c.later[0].changes[0].device, hex::encode(g.repo.device().0));
        }
        other => panic!("expected a conflict, got {other:?}"),
    }
    assert_eq!(
        g.contact(ana.id).expect("c").meta.version,
        before,
        "a refused undo writes nothing"
    );

    let r = g.revert_change(ana.id.into(), &bad, true).expect("forced");
    assert_eq!(r.overridden.len(), 1);
    let c = g.contact(ana.id).expect("c");
    let conflict = c
        .meta
        .conflicts
        .iter()
        .find(|x| x.field == "name")
        .expect("the later value stays beside the restored one");
    let mut values: Vec<&str> = conflict.values.iter().map(|v| v.value.as_str()).collect();
    values.sort_unstable();
    assert_eq!(values, vec!["Ana R.", "Ana Ruiz"]);
}

#[test]
fn an_undo_syncs_and_merges_with_a_concurrent_edit_of_another_field() {
    let (_ra, a) = group();
    let ana = a
        .create_contact(&NewContact::named("Ana Ruiz"))
        .expect("contact");
    edit(&a, ana.id, vec![ContactEdit::SetName("Wrong".into())]);
    let bad = newest(&a, ana.id.into()).change;
    let (_rb, b) = replica_of(&a);
    // Apart: a undoes the bad rename, b adds a phone and a note.
    a.revert_change(ana.id.into(), &bad, false).expect("undo");
    edit(
        &b,
        ana.id,
        vec![
            ContactEdit::AddEntry {
                list: ContactList::Phones,
                label: "mobile".into(),
                value: "0612345678".into(),
            },
            ContactEdit::EditNotes(TextEdit::Replace("Met at the laundry room".into())),
        ],
    );
    // The undo travels as a signed change like any edit, both ways.
    copy_all(&a, &b);
    copy_all(&b, &a);
    let (ca, cb) = (a.contact(ana.id).expect("a"), b.contact(ana.id).expect("b"));
    assert_eq!(ca, cb);
    assert_eq!(ca.name, "Ana Ruiz");
    assert_eq!(ca.phones.len(), 1);
    assert_eq!(ca.notes, "Met at the laundry room");
    assert!(ca.meta.conflicts.is_empty());
}

#[test]
fn undoing_a_conversation_correction_records_a_further_correction() {
    let (_r, g) = group();
    let ana = g
        .create_contact(&NewContact::named("Ana Ruiz"))
        .expect("contact");
    let conversation = g
        .record_conversation(ana.id, &talk(Some(2), 3))
        .expect("talk");
    let first = newest(&g, ana.id.into()).change;
    g.correct_conversation(ana.id, conversation, &talk(Some(1), 3))
        .expect("correct");
    assert_eq!(g.contact(ana.id).expect("c").assessment, Some(1));
    let correction = newest(&g, ana.id.into());
    assert!(correction.fields.iter().any(|f| f.field == "conversations"));

    let r = g
        .revert_change(ana.id.into(), &correction.change, false)
        .expect("undo");
    assert_eq!(r.fields, vec![format!("conversations/{conversation}")]);
    let c = g.contact(ana.id).expect("c");
    assert_eq!(c.assessment, Some(2));
    assert_eq!(c.conversations.len(), 1);
    assert_eq!(
        c.conversations[0].revision, 3,
        "the log keeps every revision"
    );

    // Undoing the first record again would conflict with the revisions after it; a
    // conversation's first record is never undone.
    assert!(matches!(
        g.revert_change(ana.id.into(), &first, true),
        Err(Error::Invalid(_))
    ));
}

#[test]
fn follow_ups_and_plans_undo_too() {
    let (_r, g) = group();
    let f = g
        .create_follow_up(&NewFollowUp::new("Call Ana", "Rosa P."))
        .expect("follow-up");
    g.complete_follow_up(f.id, "She will come").expect("done");
    let done = newest(&g, f.id.into()).change;
    g.revert_change(f.id.into(), &done, false).expect("undo");
    let f = g.follow_up(f.id).expect("f");
    assert_eq!(f.status, FollowUpStatus::Open);
    assert_eq!(f.completed_at, None);
    assert_eq!(f.note, "");

    let plan = g
        .create_plan(&NewPlan {
            title: "Repairs campaign".into(),
            ..Default::default()
        })
        .expect("plan");
    let plan = g
        .update_plan(
            plan.id,
            &Update::new(vec![PlanEdit::AddTactic {
                description: "Petition delivery".into(),
                owner: "Sam".into(),
                date: None,
            }]),
        )
        .expect("tactic");
    let tactic = plan.tactics[0].clone();
    g.update_plan(
        plan.id,
        &Update::new(vec![PlanEdit::RemoveTactic(tactic.id)]),
    )
    .expect("remove");
    let removal = newest(&g, plan.id.into());
    assert!(
        removal
            .fields
            .iter()
            .any(|f| f.field == "tactics" && f.summary.starts_with("removed"))
    );
    g.revert_change(plan.id.into(), &removal.change, false)
        .expect("undo");
    let back = g.plan(plan.id).expect("plan");
    assert_eq!(back.tactics.len(), 1);
    assert_eq!(
        back.tactics[0].id, tactic.id,
        "the entry comes back with its id"
    );
    assert_eq!(back.tactics[0].description, "Petition delivery");
}
