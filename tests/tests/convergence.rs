//! Convergence property: five replicas make random concurrent edits (one field set from several
//! replicas, list inserts, text inserts, conversations, erasures), exchange changes with drops,
//! duplicates and reordering, then meet fully. Afterwards every replica has identical records,
//! conflict sets and query results, and every edit to a surviving record is present — a
//! last-writer-wins merge would lose concurrent list and text inserts and fail this.
//!
//! Cases: 256 by default; `GROUNDWORK_CONVERGENCE_CASES=1000` (scripts/test --long) for more.

use std::collections::BTreeMap;

use chrono::{TimeZone, Utc};
use groundwork_core::model::*;
use groundwork_core::query::{AssessmentFilter, ContactQuery, ConversationQuery};
use groundwork_core::{Error, Group, Repo};
use groundwork_tests::{Delivery, exchange, replicas};
use proptest::prelude::*;

const REPLICAS: usize = 5;
const CONTACTS: usize = 3;

#[derive(Debug, Clone)]
enum Op {
    SetName {
        r: usize,
        c: usize,
        name: u8,
    },
    AddTag {
        r: usize,
        c: usize,
    },
    AddPhone {
        r: usize,
        c: usize,
    },
    InsertNote {
        r: usize,
        c: usize,
        at: u8,
    },
    Talk {
        r: usize,
        c: usize,
        assessment: u8,
    },
    AddTactic {
        r: usize,
    },
    Erase {
        r: usize,
        c: usize,
    },
    Sync {
        from: usize,
        to: usize,
        delivery: Delivery,
    },
}

fn op() -> impl Strategy<Value = Op> {
    let r = 0..REPLICAS;
    let c = 0..CONTACTS;
    let delivery = prop_oneof![
        Just(Delivery::All),
        any::<u8>().prop_map(Delivery::Drop),
        Just(Delivery::Duplicate),
        Just(Delivery::Reverse),
    ];
    prop_oneof![
        4 => (r.clone(), c.clone(), 0..3u8).prop_map(|(r, c, name)| Op::SetName { r, c, name }),
        3 => (r.clone(), c.clone()).prop_map(|(r, c)| Op::AddTag { r, c }),
        3 => (r.clone(), c.clone()).prop_map(|(r, c)| Op::AddPhone { r, c }),
        4 => (r.clone(), c.clone(), any::<u8>()).prop_map(|(r, c, at)| Op::InsertNote { r, c, at }),
        2 => (r.clone(), c.clone(), 0..5u8).prop_map(|(r, c, assessment)| Op::Talk { r, c, assessment }),
        2 => r.clone().prop_map(|r| Op::AddTactic { r }),
        1 => (r.clone(), c.clone()).prop_map(|(r, c)| Op::Erase { r, c }),
        4 => (0..REPLICAS, 0..REPLICAS, delivery).prop_map(|(from, to, delivery)| Op::Sync { from, to, delivery }),
    ]
}

/// What must be present at the end in every surviving contact.
#[derive(Default)]
struct Expected {
    tags: BTreeMap<usize, Vec<String>>,
    phones: BTreeMap<usize, Vec<String>>,
    notes: BTreeMap<usize, Vec<String>>,
    talks: BTreeMap<usize, usize>,
    tactics: Vec<String>,
}

fn run(ops: Vec<Op>) -> Result<(), TestCaseError> {
    let (repos, groups): (Vec<Repo>, Vec<Group>) =
        replicas(REPLICAS, "Convergence").into_iter().unzip();
    let _keep_open = &repos;
    let origin = groups[0].clone();
    let contacts: Vec<_> = (0..CONTACTS)
        .map(|i| {
            origin
                .create_contact(&NewContact::named(format!("Person {i}")))
                .expect("contact")
                .id
        })
        .collect();
    let plan = origin
        .create_plan(&NewPlan {
            title: "Campaign".into(),
            ..Default::default()
        })
        .expect("plan")
        .id;
    for g in &groups[1..] {
        exchange(&groups[0], g, Delivery::All).map_err(TestCaseError::fail)?;
    }

    let mut expected = Expected::default();
    let at = Utc
        .with_ymd_and_hms(2026, 2, 1, 12, 0, 0)
        .single()
        .expect("date");
    let ok_or_erased = |res: Result<(), Error>| -> Result<bool, TestCaseError> {
        match res {
            Ok(()) => Ok(true),
            Err(Error::Erased { .. }) => Ok(false),
            Err(e) => Err(TestCaseError::fail(format!("edit failed: {e}"))),
        }
    };
    for (n, op) in ops.into_iter().enumerate() {
        match op {
            Op::SetName { r, c, name } => {
                let edit = ContactEdit::SetName(format!("Name {name} from {r}"));
                ok_or_erased(
                    groups[r]
                        .update_contact(contacts[c], &Update::new(vec![edit]))
                        .map(|_| ()),
                )?;
            }
            Op::AddTag { r, c } => {
                let tag = format!("tag-{n}");
                let edit = ContactEdit::AddTag(tag.clone());
                if ok_or_erased(
                    groups[r]
                        .update_contact(contacts[c], &Update::new(vec![edit]))
                        .map(|_| ()),
                )? {
                    expected.tags.entry(c).or_default().push(tag);
                }
            }
            Op::AddPhone { r, c } => {
                let phone = format!("555 {n:04}");
                let edit = ContactEdit::AddEntry {
                    list: ContactList::Phones,
                    label: format!("r{r}"),
                    value: phone.clone(),
                };
                if ok_or_erased(
                    groups[r]
                        .update_contact(contacts[c], &Update::new(vec![edit]))
                        .map(|_| ()),
                )? {
                    expected.phones.entry(c).or_default().push(phone);
                }
            }
            Op::InsertNote { r, c, at: pos } => {
                // Insert a whole token at a token boundary, so no token splits another.
                let current = match groups[r].contact(contacts[c]) {
                    Ok(x) => x.notes,
                    Err(Error::Erased { .. }) => continue,
                    Err(e) => return Err(TestCaseError::fail(e.to_string())),
                };
                let mut bounds = vec![0usize];
                let mut units = 0;
                for ch in current.chars() {
                    units += ch.len_utf16();
                    if ch == '>' {
                        bounds.push(units);
                    }
                }
                let index = bounds[pos as usize % bounds.len()];
                let token = format!("<é{n}>");
                let edit = ContactEdit::EditNotes(TextEdit::Splice {
                    index,
                    delete: 0,
                    insert: token.clone(),
                });
                if ok_or_erased(
                    groups[r]
                        .update_contact(contacts[c], &Update::new(vec![edit]))
                        .map(|_| ()),
                )? {
                    expected.notes.entry(c).or_default().push(token);
                }
            }
            Op::Talk { r, c, assessment } => {
                let talk = NewConversation {
                    organizer: format!("organizer {r}"),
                    at: at + chrono::Duration::minutes(n as i64),
                    place: "door".into(),
                    channel: Channel::Door,
                    steps: ConversationSteps {
                        story: format!("story {n}"),
                        ..Default::default()
                    },
                    assessment: (assessment > 0).then_some(i64::from(assessment)),
                    next_steps: String::new(),
                };
                if ok_or_erased(
                    groups[r]
                        .record_conversation(contacts[c], &talk)
                        .map(|_| ()),
                )? {
                    *expected.talks.entry(c).or_default() += 1;
                }
            }
            Op::AddTactic { r } => {
                let d = format!("tactic {n}");
                let edit = PlanEdit::AddTactic {
                    description: d.clone(),
                    owner: format!("r{r}"),
                    date: None,
                };
                groups[r]
                    .update_plan(plan, &Update::new(vec![edit]))
                    .map_err(|e| TestCaseError::fail(e.to_string()))?;
                expected.tactics.push(d);
            }
            Op::Erase { r, c } => {
                ok_or_erased(groups[r].erase_contact(contacts[c]))?;
            }
            Op::Sync { from, to, delivery } => {
                if from != to {
                    exchange(&groups[from], &groups[to], delivery).map_err(TestCaseError::fail)?;
                }
            }
        }
    }

    // The meeting: everyone exchanges everything, twice round so every path is covered.
    for _ in 0..2 {
        for i in 0..REPLICAS {
            for j in 0..REPLICAS {
                if i != j {
                    exchange(&groups[i], &groups[j], Delivery::All).map_err(TestCaseError::fail)?;
                }
            }
        }
    }

    // Identical content, conflicts and query results everywhere.
    let snapshot = |g: &Group| -> Result<String, TestCaseError> {
        let mut out = Vec::new();
        for id in &contacts {
            out.push(match g.contact(*id) {
                Ok(c) => {
                    serde_json::to_string(&c).map_err(|e| TestCaseError::fail(e.to_string()))?
                }
                Err(Error::Erased { .. }) => "erased".into(),
                Err(e) => return Err(TestCaseError::fail(e.to_string())),
            });
        }
        out.push(
            serde_json::to_string(
                &g.plan(plan)
                    .map_err(|e| TestCaseError::fail(e.to_string()))?,
            )
            .unwrap_or_default(),
        );
        let q = |f| {
            g.contacts(&ContactQuery {
                assessment: f,
                ..Default::default()
            })
            .map_err(|e| TestCaseError::fail(e.to_string()))
        };
        out.push(format!("{:?}", q(None)?));
        out.push(format!(
            "{:?}",
            q(Some(AssessmentFilter::SupporterOrBetter))?
        ));
        out.push(format!(
            "{:?}",
            g.conversations(&ConversationQuery::default())
                .map_err(|e| TestCaseError::fail(e.to_string()))?
        ));
        Ok(out.join("\n"))
    };
    let reference = snapshot(&groups[0])?;
    for g in &groups[1..] {
        prop_assert_eq!(&snapshot(g)?, &reference, "replicas differ");
    }

    // Every edit of a surviving record is there.
    for (i, id) in contacts.iter().enumerate() {
        let c = match groups[0].contact(*id) {
            Ok(c) => c,
            Err(_) => continue,
        };
        for tag in expected.tags.get(&i).into_iter().flatten() {
            prop_assert!(c.tags.contains(tag), "lost tag {} of contact {}", tag, i);
        }
        for phone in expected.phones.get(&i).into_iter().flatten() {
            prop_assert!(
                c.phones.iter().any(|p| &p.value == phone),
                "lost phone {}",
                phone
            );
        }
        for token in expected.notes.get(&i).into_iter().flatten() {
            prop_assert!(
                c.notes.contains(token.as_str()),
                "lost note edit {} in {:?}",
                token,
                c.notes
            );
        }
        prop_assert_eq!(
            c.conversations.len(),
            expected.talks.get(&i).copied().unwrap_or(0)
        );
        let names = c
            .meta
            .conflicts
            .iter()
            .filter(|x| x.field == "name")
            .count();
        prop_assert!(names <= 1);
    }
    let p = groups[0]
        .plan(plan)
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
    for t in &expected.tactics {
        prop_assert!(
            p.tactics.iter().any(|x| &x.description == t),
            "lost tactic {}",
            t
        );
    }
    Ok(())
}

fn cases() -> u32 {
    std::env::var("GROUNDWORK_CONVERGENCE_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(256)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn replicas_converge_without_losing_edits(ops in proptest::collection::vec(op(), 1..40)) {
        run(ops)?;
    }
}

/// The property must be able to fail: a replica that keeps only the winner of concurrent text
/// edits (last-writer-wins on the whole note) loses an edit, and the check sees it.
#[test]
fn a_last_writer_wins_merge_would_be_caught() {
    let mut two = replicas(2, "g");
    let (_rb, b) = two.pop().expect("b");
    let (_ra, a) = two.pop().expect("a");
    let c = a
        .create_contact(&NewContact {
            name: "X".into(),
            notes: "<a>".into(),
            ..Default::default()
        })
        .expect("c")
        .id;
    exchange(&a, &b, Delivery::All).expect("sync");
    a.update_contact(
        c,
        &Update::new(vec![ContactEdit::EditNotes(TextEdit::Splice {
            index: 0,
            delete: 0,
            insert: "<left>".into(),
        })]),
    )
    .expect("a");
    b.update_contact(
        c,
        &Update::new(vec![ContactEdit::EditNotes(TextEdit::Splice {
            index: 3,
            delete: 0,
            insert: "<right>".into(),
        })]),
    )
    .expect("b");
    // What LWW would keep: one side's whole text.
    let lww = b.contact(c).expect("b").notes;
    exchange(&a, &b, Delivery::All).expect("sync");
    exchange(&b, &a, Delivery::All).expect("sync");
    let merged = a.contact(c).expect("a").notes;
    assert_eq!(merged, "<left><a><right>");
    assert!(
        !lww.contains("<left>"),
        "the LWW result misses an edit the property checks for"
    );
}
