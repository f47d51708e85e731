//! The organizing workflows as an organizing committee's week: a canvass day that leaves
//! follow-ups, the due lists and the phone's reminder, a committee meeting reading the wall chart
//! and running a structure test, a plan whose benchmarks move as the records do.

use chrono::{DateTime, Duration, FixedOffset, TimeZone, Utc};

use super::{copy_all, group, member_of, replica_of};
use crate::agenda::{Due, DueSummary, NextStep};
use crate::chart::ChartOptions;
use crate::chart::structure::{StructureTest, Threshold};
use crate::ids::{ContactId, UnitId};
use crate::model::*;
use crate::proto::membership::{Grant, Role};
use crate::{Error, Group};

/// Monday morning in Amsterdam.
fn monday_9am() -> DateTime<FixedOffset> {
    FixedOffset::east_opt(3600)
        .expect("offset")
        .with_ymd_and_hms(2026, 3, 2, 9, 0, 0)
        .single()
        .expect("time")
}

fn one_on_one(
    organizer: &str,
    at: Timestamp,
    assessment: Option<i64>,
    next: &str,
) -> NewConversation {
    NewConversation {
        organizer: organizer.into(),
        at,
        place: "break room".into(),
        channel: Channel::Workplace,
        steps: ConversationSteps {
            story: "Mandatory overtime every week since the new manager.".into(),
            ask: "Will you come to the committee meeting?".into(),
            answer: "Yes".into(),
            ..Default::default()
        },
        assessment,
        next_steps: next.into(),
    }
}

/// A plant with two departments; Dept. B has a day and a night shift.
struct Plant {
    dept_a: UnitId,
    dept_b: UnitId,
    b_days: UnitId,
    b_nights: UnitId,
}

fn plant(g: &Group) -> Plant {
    let tree = g
        .create_terrain(&NewTerrainTree {
            name: "Riverside warehouse".into(),
            kind: TreeKind::Workplace,
        })
        .expect("tree");
    let p = Plant {
        dept_a: UnitId::random(),
        dept_b: UnitId::random(),
        b_days: UnitId::random(),
        b_nights: UnitId::random(),
    };
    let unit = |id, name: &str, parent, level: &str| TerrainEdit::AddUnit {
        id,
        name: name.into(),
        parent,
        level: level.into(),
    };
    g.update_terrain(
        tree.id,
        &Update::new(vec![
            unit(p.dept_a, "Dept. A", None, "department"),
            unit(p.dept_b, "Dept. B", None, "department"),
            unit(p.b_days, "Dept. B days", Some(p.dept_b), "shift"),
            unit(p.b_nights, "Dept. B nights", Some(p.dept_b), "shift"),
        ]),
    )
    .expect("units");
    p
}

fn person(g: &Group, name: &str, unit: UnitId, tags: &[&str]) -> ContactId {
    g.create_contact(&NewContact {
        name: name.into(),
        unit: Some(unit),
        tags: tags.iter().map(|t| t.to_string()).collect(),
        ..Default::default()
    })
    .expect("contact")
    .id
}

fn assess(g: &Group, c: ContactId, assessment: i64) {
    g.record_conversation(c, &one_on_one("Rosa P.", Utc::now(), Some(assessment), ""))
        .expect("talk");
}

#[test]
fn canvass_day_leaves_follow_ups_on_the_right_lists() {
    let (repo, g) = group();
    let p = plant(&g);
    let now = monday_9am();
    let at = |h: i64| now.to_utc() + Duration::hours(h);
    let ana = person(&g, "Ana", p.dept_a, &[]);
    let bo = person(&g, "Bo", p.b_nights, &[]);
    let cy = person(&g, "Cy", p.b_days, &[]);

    // Conversations in, each with the follow-up its next steps call for.
    let (conv, fu_ana) = g
        .record_conversation_with_follow_up(
            ana,
            &one_on_one(
                "Rosa P.",
                at(-1),
                Some(2),
                "Bring Ana to Thursday's meeting\nShe drives",
            ),
            &NextStep {
                due: at(8),
                assignee: None,
                repeat_every_days: None,
            },
        )
        .expect("talk");
    assert_eq!(fu_ana.title, "Bring Ana to Thursday's meeting");
    assert_eq!(fu_ana.note, "Bring Ana to Thursday's meeting\nShe drives");
    assert_eq!(fu_ana.conversation, Some(conv));
    assert_eq!(fu_ana.assignee, "Rosa P.", "the organizer who talked");
    assert_eq!(fu_ana.contact, Some(ana));
    let (_, fu_bo) = g
        .record_conversation_with_follow_up(
            bo,
            &one_on_one("Rosa P.", at(-2), Some(3), ""),
            &NextStep {
                due: at(24 * 3),
                assignee: None,
                repeat_every_days: None,
            },
        )
        .expect("talk");
    assert_eq!(fu_bo.title, "Follow up with Bo");
    // One written by hand, from last week's meeting: overdue.
    let fu_cy = g
        .create_follow_up(&NewFollowUp {
            contact: Some(cy),
            due: Some(at(-20)),
            ..NewFollowUp::new("Ask Cy about the night-shift list", "Rosa P.")
        })
        .expect("by hand");
    g.create_follow_up(&NewFollowUp {
        due: Some(at(4)),
        ..NewFollowUp::new("Print the sign-up sheets", "Sam T.")
    })
    .expect("Sam's");

    let loads = repo.document_loads();
    let ids = |due| {
        g.due_follow_ups(Some("Rosa P."), due, now, None)
            .expect("due")
            .into_iter()
            .map(|f| f.id)
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(Due::Overdue), vec![fu_cy.id]);
    assert_eq!(ids(Due::Today), vec![fu_ana.id]);
    assert_eq!(ids(Due::ThisWeek), vec![fu_ana.id, fu_bo.id]);
    assert_eq!(ids(Due::All), vec![fu_cy.id, fu_ana.id, fu_bo.id]);
    // The phone's reminder: two counts and nothing else.
    assert_eq!(
        g.due_summary("Rosa P.", now).expect("summary"),
        DueSummary {
            due_today: 1,
            overdue: 1
        }
    );
    assert_eq!(
        g.count_due_follow_ups(None, Due::Today, now).expect("n"),
        2,
        "everyone's: Rosa's and Sam's"
    );
    assert_eq!(repo.document_loads(), loads, "due lists loaded a document");

    // Not today: Cy's goes to Wednesday; Bo's goes to Sam.
    let snoozed = g.snooze_follow_up(fu_cy.id, at(48)).expect("snooze");
    assert_eq!(snoozed.due, Some(at(48)));
    g.reassign_follow_up(fu_bo.id, "Sam T.").expect("reassign");
    assert_eq!(ids(Due::Overdue), Vec::new());
    assert_eq!(ids(Due::ThisWeek), vec![fu_ana.id, fu_cy.id]);
    assert_eq!(
        g.due_follow_ups(Some("Sam T."), Due::ThisWeek, now, None)
            .expect("Sam")
            .len(),
        2
    );

    // Done, with what happened.
    let done = g
        .complete_follow_up(fu_ana.id, "She came and brought two coworkers.")
        .expect("done");
    assert_eq!(done.done.status, FollowUpStatus::Done);
    assert!(done.done.completed_at.is_some());
    assert!(
        done.done
            .note
            .ends_with("\n\nShe came and brought two coworkers.")
    );
    assert!(done.next.is_none(), "a one-off");
    assert_eq!(ids(Due::Today), Vec::new());
    assert_eq!(
        g.due_summary("Rosa P.", now).expect("s"),
        DueSummary::default()
    );
    // Done is done: no second completion, no snoozing it.
    assert!(matches!(
        g.complete_follow_up(fu_ana.id, ""),
        Err(Error::Invalid(_))
    ));
    assert!(matches!(
        g.snooze_follow_up(fu_ana.id, at(100)),
        Err(Error::Invalid(_))
    ));
}

#[test]
fn completing_a_recurring_check_in_schedules_the_next() {
    let (_repo, g) = group();
    let leader = g
        .create_contact(&NewContact::named("Dee, a leader on nights"))
        .expect("c");
    let due = Utc::now() + Duration::days(2);
    let first = g
        .create_follow_up(&NewFollowUp {
            contact: Some(leader.id),
            due: Some(due),
            repeat_every_days: Some(14),
            ..NewFollowUp::new("Check in with Dee", "Rosa P.")
        })
        .expect("check-in");
    assert_eq!(first.repeat_every_days, Some(14));
    let c = g
        .complete_follow_up(first.id, "Talked about the petition.")
        .expect("done");
    let next = c.next.expect("the next check-in");
    assert_eq!(next.status, FollowUpStatus::Open);
    assert_eq!(
        next.due,
        first.due.map(|d| d + Duration::days(14)),
        "done early: the rhythm holds"
    );
    assert_eq!(next.previous, Some(first.id));
    assert_eq!(
        (
            next.contact,
            next.assignee.as_str(),
            next.title.as_str(),
            next.repeat_every_days
        ),
        (Some(leader.id), "Rosa P.", "Check in with Dee", Some(14))
    );
    assert!(next.note.is_empty(), "a fresh note for the next talk");
    // Ending the rhythm: make it a one-off, and done schedules nothing.
    g.update_follow_up(next.id, &Update::new(vec![FollowUpEdit::SetRepeat(None)]))
        .expect("one-off");
    assert!(
        g.complete_follow_up(next.id, "")
            .expect("done")
            .next
            .is_none()
    );
    assert!(matches!(
        g.update_follow_up(
            first.id,
            &Update::new(vec![FollowUpEdit::SetRepeat(Some(0))])
        ),
        Err(Error::Invalid(_))
    ));
}

#[test]
fn committee_meeting_reads_the_wall_chart_and_runs_a_structure_test() {
    let (repo, g) = group();
    let p = plant(&g);
    // Dept. A: 4 people, one on the committee. Dept. B: 3 on days, 3 on nights.
    let a: Vec<ContactId> = ["Ana", "Abe", "Ava", "Al"]
        .iter()
        .enumerate()
        .map(|(i, n)| person(&g, n, p.dept_a, if i == 0 { &["committee"] } else { &[] }))
        .collect();
    let days: Vec<ContactId> = ["Bea", "Ben", "Bud"]
        .iter()
        .map(|n| person(&g, n, p.b_days, &[]))
        .collect();
    let nights: Vec<ContactId> = ["Nia", "Ned", "Noor"]
        .iter()
        .map(|n| person(&g, n, p.b_nights, &[]))
        .collect();
    g.update_contact(
        nights[2],
        &ContactUpdate::new(vec![ContactEdit::SetDoNotContact(true)]),
    )
    .expect("dnc");
    g.update_contact(
        days[0],
        &ContactUpdate::new(vec![ContactEdit::AddOrganizer("Rosa P.".into())]),
    )
    .expect("organizer");
    // Leader 1, supporter 2, undecided 3, pass 4.
    assess(&g, a[0], 1);
    assess(&g, a[1], 2);
    assess(&g, a[2], 3);
    assess(&g, days[0], 2);
    assess(&g, days[1], 4);
    assess(&g, nights[0], 3);

    let loads = repo.document_loads();
    let chart = g.wall_chart(&ChartOptions::default()).expect("chart");
    let rows: Vec<(&str, u32, u64, u64, u64)> = chart
        .rows
        .iter()
        .map(|r| {
            (
                r.name.as_str(),
                r.depth,
                r.counts.contacts,
                r.counts.supporter_or_better,
                r.counts.committee,
            )
        })
        .collect();
    assert_eq!(
        rows,
        vec![
            ("Dept. A", 0, 4, 2, 1),
            ("Dept. B", 0, 6, 1, 0),
            ("Dept. B days", 1, 3, 1, 0),
            ("Dept. B nights", 1, 3, 0, 0),
        ]
    );
    let b = &chart.rows[1].counts;
    assert_eq!(b.by_assessment.get(&2), Some(&1));
    assert_eq!(b.by_assessment.get(&3), Some(&1));
    assert_eq!(b.by_assessment.get(&4), Some(&1));
    assert_eq!(b.unassessed, 3);
    assert_eq!(b.with_organizer, 1);
    assert!(chart.rows[0].counts.has_committee_member());
    assert!(!b.has_committee_member());
    assert_eq!(chart.total.contacts, 10);
    assert_eq!(
        chart
            .scale
            .iter()
            .map(|c| c.label.as_str())
            .collect::<Vec<_>>(),
        vec!["leader", "supporter", "undecided", "pass"]
    );
    assert!(!chart.partial);

    // Before the march on the boss: 65% supporter or better in every department.
    let majority = StructureTest {
        level: Some("department".into()),
        ..StructureTest::new(Threshold::Assessment {
            at_least: AssessmentAtLeast::SupporterOrBetter,
            percent: 65,
        })
    };
    let r = g.structure_test(&majority).expect("test");
    assert!(!r.passed);
    let (ra, rb) = (&r.units[0], &r.units[1]);
    assert_eq!(
        (ra.contacts, ra.meeting, ra.needed, ra.passed),
        (4, 2, 3, false)
    );
    assert_eq!(
        (rb.contacts, rb.meeting, rb.needed, rb.passed),
        (6, 1, 4, false)
    );
    // Whom to talk to: undecided first, then pass, then people nobody has talked to.
    let names = |m: &[crate::chart::structure::Missing]| {
        m.iter().map(|x| x.name.clone()).collect::<Vec<_>>()
    };
    assert_eq!(names(&ra.missing), vec!["Ava", "Al"]);
    assert_eq!(names(&rb.missing), vec!["Nia", "Ben", "Bud", "Ned"]);
    assert_eq!(rb.missing_do_not_contact, 1, "Noor is not on the list");
    assert_eq!(
        repo.document_loads(),
        loads,
        "chart and test loaded a document"
    );

    // A week of one-on-ones later, the assessments arrive.
    for c in [a[2], nights[0], days[2], nights[1]] {
        assess(&g, c, 2);
    }
    let r = g.structure_test(&majority).expect("test");
    assert_eq!(
        r.units
            .iter()
            .map(|u| (u.meeting, u.passed))
            .collect::<Vec<_>>(),
        vec![(3, true), (4, true)]
    );
    assert!(r.passed);
    assert_eq!(names(&r.units[0].missing), vec!["Al"]);

    // ≥ 25% of each department on the committee: Dept. B has nobody yet.
    let committee = g
        .structure_test(&StructureTest::new(Threshold::Committee { percent: 25 }))
        .expect("test");
    assert_eq!(
        committee.units.iter().map(|u| u.passed).collect::<Vec<_>>(),
        vec![true, false]
    );
    // The strongest people in Dept. B first: those to ask onto the committee.
    assert_eq!(
        names(&committee.units[1].missing)[..4].to_vec(),
        vec!["Bea", "Bud", "Ned", "Nia"]
    );
    // Shift by shift: a unit where nobody is known fails.
    let shifts = g
        .structure_test(&StructureTest {
            root: Some(p.dept_b),
            ..StructureTest::new(Threshold::Assessment {
                at_least: AssessmentAtLeast::Level(1),
                percent: 10,
            })
        })
        .expect("shifts");
    assert_eq!(
        shifts
            .units
            .iter()
            .map(|u| u.name.as_str())
            .collect::<Vec<_>>(),
        vec!["Dept. B days", "Dept. B nights"]
    );
    assert!(shifts.units.iter().all(|u| !u.passed), "no leader yet");
    assert!(matches!(
        g.structure_test(&StructureTest::new(Threshold::Committee { percent: 0 })),
        Err(Error::Invalid(_))
    ));
}

#[test]
fn plan_benchmarks_move_as_the_records_do() {
    let (repo, g) = group();
    let p = plant(&g);
    let feb_1 = Utc
        .with_ymd_and_hms(2026, 2, 1, 0, 0, 0)
        .single()
        .expect("t");
    let bea = person(&g, "Bea", p.b_days, &["new-member"]);
    let nia = person(&g, "Nia", p.b_nights, &[]);
    let ana = person(&g, "Ana", p.dept_a, &[]);
    // An old conversation, before the campaign started: not counted.
    g.record_conversation(
        nia,
        &one_on_one("Rosa P.", feb_1 - Duration::days(10), Some(3), ""),
    )
    .expect("old talk");

    let plan = g
        .create_plan(&NewPlan {
            title: "Stop forced overtime".into(),
            units: vec![p.dept_b],
            strategy: "A majority in Dept. B, then a march on the boss.".into(),
        })
        .expect("plan");
    let plan = g
        .update_plan(
            plan.id,
            &Update::new(vec![
                PlanEdit::AddBenchmark {
                    description: "3 one-on-ones in Dept. B since Feb 1".into(),
                    target: 3,
                    deadline: Some(feb_1 + Duration::days(28)),
                    query: RecordQuery {
                        unit: Some(p.dept_b),
                        since: Some(feb_1),
                        ..RecordQuery::counting(Counted::Conversations)
                    },
                },
                PlanEdit::AddBenchmark {
                    description: "2 supporters or better in Dept. B".into(),
                    target: 2,
                    deadline: None,
                    query: RecordQuery {
                        unit: Some(p.dept_b),
                        assessment: Some(AssessmentAtLeast::SupporterOrBetter),
                        ..RecordQuery::counting(Counted::Contacts)
                    },
                },
                PlanEdit::AddBenchmark {
                    description: "A new member takes an onboarding task".into(),
                    target: 1,
                    deadline: None,
                    query: RecordQuery {
                        tag: Some("new-member".into()),
                        follow_up_kind: Some(FollowUpKind::Onboarding),
                        completed: Some(true),
                        ..RecordQuery::counting(Counted::Contacts)
                    },
                },
                PlanEdit::AddTactic {
                    description: "Petition delivery".into(),
                    owner: "Sam T.".into(),
                    date: Some(feb_1 + Duration::days(20)),
                },
            ]),
        )
        .expect("benchmarks");
    assert_eq!(
        plan.benchmarks[1].query.assessment,
        Some(AssessmentAtLeast::SupporterOrBetter)
    );

    let now = feb_1 + Duration::days(14);
    let counts = |g: &Group| {
        g.benchmark_progress(Some(plan.id), now)
            .expect("progress")
            .iter()
            .map(|b| b.count.expect("understood"))
            .collect::<Vec<_>>()
    };
    let loads = repo.document_loads();
    assert_eq!(counts(&g), vec![0, 0, 0]);
    assert_eq!(repo.document_loads(), loads, "progress loaded a document");

    // The canvass: conversations in Dept. B (and one in Dept. A, which does not count).
    g.record_conversation(
        bea,
        &one_on_one("Rosa P.", feb_1 + Duration::days(3), Some(2), ""),
    )
    .expect("talk");
    g.record_conversation(
        nia,
        &one_on_one("Sam T.", feb_1 + Duration::days(4), Some(3), ""),
    )
    .expect("talk");
    g.record_conversation(
        ana,
        &one_on_one("Sam T.", feb_1 + Duration::days(4), Some(1), ""),
    )
    .expect("talk");
    assert_eq!(counts(&g), vec![2, 1, 0]);

    // Bea takes her first task; done, it counts.
    let task = g
        .create_follow_up(&NewFollowUp {
            kind: FollowUpKind::Onboarding,
            contact: Some(bea),
            partner: Some("Rosa P.".into()),
            ..NewFollowUp::new("Hand out flyers at the gate", "Bea")
        })
        .expect("task");
    assert_eq!(counts(&g), vec![2, 1, 0]);
    g.complete_follow_up(task.id, "").expect("done");

    // Another organizer's phone records a conversation; it arrives by sync.
    let (_rb, b) = replica_of(&g);
    b.record_conversation(
        nia,
        &one_on_one("Dee", feb_1 + Duration::days(9), Some(2), ""),
    )
    .expect("talk elsewhere");
    copy_all(&b, &g);
    let loads = repo.document_loads();
    let progress = g.benchmark_progress(None, now).expect("progress");
    assert_eq!(repo.document_loads(), loads);
    assert_eq!(
        progress
            .iter()
            .map(|b| (b.count, b.met))
            .collect::<Vec<_>>(),
        vec![(Some(3), true), (Some(2), true), (Some(1), true)]
    );
    assert_eq!(progress[0].plan_title, "Stop forced overtime");
    assert!(progress.iter().all(|b| !b.partial && !b.missed));
    assert_eq!(progress[0].fraction(), 1.0);
    // Once both phones have everything, they count the same: progress and the wall chart.
    copy_all(&g, &b);
    assert_eq!(b.benchmark_progress(None, now).expect("b"), progress);
    assert_eq!(
        b.wall_chart(&ChartOptions::default()).expect("b"),
        g.wall_chart(&ChartOptions::default()).expect("g")
    );

    // A plan screen watching its benchmarks sees them move as the records do.
    let mut watch = g.watch_benchmarks(Some(plan.id));
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("rt");
    rt.block_on(async {
        let first = watch.next().await.expect("open").expect("progress");
        assert_eq!(first[0].count, Some(3));
        g.record_conversation(
            bea,
            &one_on_one("Rosa P.", feb_1 + Duration::days(12), None, ""),
        )
        .expect("talk");
        let moved = watch.next().await.expect("open").expect("progress");
        assert_eq!(moved[0].count, Some(4));
    });

    // Past the deadline without the target: missed.
    let late = g
        .benchmark_progress(Some(plan.id), feb_1 + Duration::days(40))
        .expect("p");
    assert!(!late[0].missed, "met before the deadline");

    // A query a newer version wrote is shown without a count; typed errors for bad ones.
    assert!(matches!(
        g.update_plan(
            plan.id,
            &Update::new(vec![PlanEdit::AddBenchmark {
                description: "x".into(),
                target: 1,
                deadline: None,
                query: RecordQuery {
                    completed: Some(true),
                    ..RecordQuery::counting(Counted::Conversations)
                },
            }]),
        ),
        Err(Error::Invalid(_))
    ));
    let future = RecordQuery {
        version: RECORD_QUERY_VERSION + 1,
        ..RecordQuery::counting(Counted::Contacts)
    };
    assert!(!future.understood());
    assert!(matches!(g.count_records(&future), Err(Error::Invalid(_))));
}

#[test]
fn plans_keep_tactics_reflections_and_celebrations() {
    let (_repo, g) = group();
    let plan = g
        .create_plan(&NewPlan {
            title: "Heat repairs".into(),
            ..Default::default()
        })
        .expect("plan");
    let plan = g
        .update_plan(
            plan.id,
            &Update::new(vec![PlanEdit::AddTactic {
                description: "Deliver the petition to the landlord".into(),
                owner: "Rosa P.".into(),
                date: Some(Utc::now()),
            }]),
        )
        .expect("tactic");
    let tactic = plan.tactics[0].id;
    let plan = g
        .update_plan(
            plan.id,
            &Update::new(vec![
                PlanEdit::SetTacticDone {
                    id: tactic,
                    done: true,
                },
                PlanEdit::AddReflection {
                    action: "Petition delivery".into(),
                    tactic: Some(tactic),
                    at: Utc::now(),
                    worked: "Forty tenants came.".into(),
                    didnt: String::new(),
                    next: String::new(),
                    celebration: "The boiler is being fixed!".into(),
                },
            ]),
        )
        .expect("reflection");
    let r = &plan.reflections[0];
    assert_eq!(r.tactic, Some(tactic));
    let plan = g
        .update_plan(
            plan.id,
            &Update::new(vec![PlanEdit::EditReflection {
                id: r.id,
                part: ReflectionPart::Didnt,
                edit: TextEdit::Replace("The landlord was not there.".into()),
            }]),
        )
        .expect("edit");
    assert_eq!(plan.reflections[0].didnt, "The landlord was not there.");
    assert_eq!(
        plan.reflections[0].celebration,
        "The boiler is being fixed!"
    );
    assert!(plan.tactics[0].done);
}

#[test]
fn a_partial_grant_says_its_counts_are_partial() {
    let (_repo, a) = group();
    let p = plant(&a);
    person(&a, "Ana", p.dept_a, &[]);
    person(&a, "Bea", p.b_days, &[]);
    let plan = a
        .create_plan(&NewPlan {
            title: "Nights".into(),
            units: vec![p.b_nights],
            ..Default::default()
        })
        .expect("plan");
    a.update_plan(
        plan.id,
        &Update::new(vec![PlanEdit::AddBenchmark {
            description: "people on nights".into(),
            target: 5,
            deadline: None,
            query: RecordQuery {
                unit: Some(p.b_nights),
                ..RecordQuery::counting(Counted::Contacts)
            },
        }]),
    )
    .expect("benchmark");
    // A steward's phone that holds Dept. B only.
    let grant = Grant {
        units: [*p.dept_b.as_bytes()].into_iter().collect(),
        ..Grant::default()
    };
    let (_rb, b) = member_of(&a, Role::Member, grant);
    b.drop_records_outside_grant().expect("drop");
    assert!(!b.holds_everything().expect("h"));
    let chart = b.wall_chart(&ChartOptions::default()).expect("chart");
    assert!(chart.partial);
    assert_eq!(
        chart
            .rows
            .iter()
            .map(|r| (r.name.as_str(), r.counts.contacts, r.partial))
            .collect::<Vec<_>>(),
        vec![
            ("Dept. A", 0, true),
            ("Dept. B", 1, false),
            ("Dept. B days", 1, false),
            ("Dept. B nights", 0, false),
        ]
    );
    let test = b
        .structure_test(&StructureTest::new(Threshold::Committee { percent: 10 }))
        .expect("test");
    assert!(test.partial && test.units[0].partial && !test.units[1].partial);
    let progress = b.benchmark_progress(None, Utc::now()).expect("progress");
    assert_eq!(progress.len(), 1);
    assert!(!progress[0].partial, "Dept. B nights is within the grant");
    // The admin's device holds everything: nothing is partial there.
    assert!(
        !a.wall_chart(&ChartOptions::default())
            .expect("chart")
            .partial
    );
}

#[test]
fn index_rows_from_before_the_workflows_are_rebuilt_on_open() {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("store.db");
    let key = crate::StoreKey::random();
    let group_id;
    {
        let repo = crate::Repo::open(&path, &key).expect("open");
        let g = repo.create_group("Maple Court Tenants").expect("g");
        group_id = g.id();
        let task = g
            .create_follow_up(&NewFollowUp {
                kind: FollowUpKind::Onboarding,
                ..NewFollowUp::new("Hand out flyers", "Bea")
            })
            .expect("task");
        g.complete_follow_up(task.id, "").expect("done");
        let plan = g
            .create_plan(&NewPlan {
                title: "Welcome new members".into(),
                ..Default::default()
            })
            .expect("plan");
        g.update_plan(
            plan.id,
            &Update::new(vec![PlanEdit::AddBenchmark {
                description: "onboarding tasks done this year".into(),
                target: 10,
                deadline: None,
                query: RecordQuery {
                    follow_up_kind: Some(FollowUpKind::Onboarding),
                    completed: Some(true),
                    since: Some(
                        Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
                            .single()
                            .expect("t"),
                    ),
                    ..RecordQuery::counting(Counted::FollowUps)
                },
            }]),
        )
        .expect("benchmark");
        // What a store written before migration 3 holds after it: the new columns empty, no
        // benchmark rows, and the migration's request to rebuild them.
        repo.lock()
            .store
            .conn
            .execute_batch(
                "UPDATE followups_idx SET created_at = NULL, completed_at = NULL;
                 DELETE FROM benchmarks_idx;
                 INSERT OR REPLACE INTO meta (key, value) VALUES ('reindex', x'01');",
            )
            .expect("age the index");
        assert!(
            g.benchmark_progress(None, Utc::now())
                .expect("p")
                .is_empty()
        );
    }
    let repo = crate::Repo::open(&path, &key).expect("reopen");
    let g = repo.group(group_id).expect("group");
    let progress = g.benchmark_progress(None, Utc::now()).expect("progress");
    assert_eq!(progress.len(), 1);
    assert_eq!(progress[0].count, Some(1), "completed_at was rebuilt");
    let asked: Option<Vec<u8>> = repo.lock().store.meta("reindex").expect("meta");
    assert!(asked.is_none(), "rebuilt once");
}

#[test]
fn benchmarks_written_with_the_first_measures_read_as_queries() {
    use automerge::transaction::Transactable;
    use automerge::{ObjType, ROOT, ReadDoc, ScalarValue};

    let (repo, g) = group();
    let p = plant(&g);
    let plan = g
        .create_plan(&NewPlan {
            title: "Written by an earlier version".into(),
            ..Default::default()
        })
        .expect("plan");
    // A benchmark as the first schema wrote it: a measure's name with its unit and date beside.
    let since = Utc
        .with_ymd_and_hms(2026, 2, 1, 0, 0, 0)
        .single()
        .expect("t");
    let mut doc = super::raw_copy(&repo, &g, plan.id.into());
    let before = doc.get_heads();
    let (_, list) = doc.get(ROOT, "benchmarks").expect("get").expect("list");
    let e = doc.insert_object(&list, 0, ObjType::Map).expect("entry");
    doc.put(&e, "id", crate::ids::EntryId::random().to_string())
        .expect("id");
    doc.put(&e, "description", "20 one-on-ones in Dept. B")
        .expect("description");
    doc.put(&e, "target", 20_u64).expect("target");
    doc.put(&e, "measure", "conversations").expect("measure");
    doc.put(&e, "measure_unit", p.dept_b.to_string())
        .expect("unit");
    doc.put(
        &e,
        "measure_since",
        ScalarValue::Timestamp(since.timestamp_millis()),
    )
    .expect("since");
    doc.commit();
    let changes: Vec<crate::proto::signed::SignedChange> = doc
        .get_changes(&before)
        .iter()
        .map(|c| {
            crate::proto::signed::SignedChange::sign(
                c.raw_bytes().to_vec(),
                &c.hash().0,
                repo.device_key(),
            )
        })
        .collect();
    g.import_signed_changes(plan.id.into(), &changes)
        .expect("import");

    let read = g.plan(plan.id).expect("plan");
    assert_eq!(
        read.benchmarks[0].query,
        RecordQuery {
            unit: Some(p.dept_b),
            since: Some(since),
            ..RecordQuery::counting(Counted::Conversations)
        }
    );
    let bea = person(&g, "Bea", p.b_days, &[]);
    g.record_conversation(
        bea,
        &one_on_one("Rosa P.", since + Duration::days(1), None, ""),
    )
    .expect("talk");
    let progress = g.benchmark_progress(None, Utc::now()).expect("progress");
    assert_eq!(progress[0].count, Some(1));
}

/// The organizers' week with turf. Monday: the lead's laptop (an admin) cuts "Building 3,
/// floors 1–2" for Rosa and hands it to her phone, which until then holds nobody. Tuesday
/// evening: Rosa walks it — doors not home, a refusal, two one-on-ones whose next steps become
/// follow-ups on her due list, a second visit that finds someone home. Her phone's counts and
/// the laptop's agree after sync; a committee member's tablet granted only floor 1 says its
/// counts are partial. Friday: the turf comes back and leaves Rosa's phone; the laptop keeps
/// the whole canvass.
#[test]
fn canvass_day_with_turf_out_knocks_and_conversations_in_and_follow_ups_made() {
    use crate::sync::tests::{admit, names, run};
    use crate::turf::CanvassStatus;

    let (repo, laptop) = group();
    let tree = laptop
        .create_terrain(&NewTerrainTree {
            name: "Building 3".into(),
            kind: TreeKind::Building,
        })
        .expect("tree");
    let (lower, f1, f2, f3) = (
        UnitId::random(),
        UnitId::random(),
        UnitId::random(),
        UnitId::random(),
    );
    let unit = |id, name: &str, parent| TerrainEdit::AddUnit {
        id,
        name: name.into(),
        parent,
        level: "floor".into(),
    };
    laptop
        .update_terrain(
            tree.id,
            &Update::new(vec![
                unit(lower, "Floors 1-2", None),
                unit(f1, "Floor 1", Some(lower)),
                unit(f2, "Floor 2", Some(lower)),
                unit(f3, "Floor 3", None),
            ]),
        )
        .expect("floors");
    let tenant = |name: &str, floor, apt: &str, dnc: bool| {
        laptop
            .create_contact(&NewContact {
                name: name.into(),
                unit: Some(floor),
                addresses: vec![("home".into(), format!("12 Maple Court, apt {apt}"))],
                do_not_contact: dnc,
                ..Default::default()
            })
            .expect("tenant")
            .id
    };
    let carla = tenant("Carla", f1, "1B", false);
    let ahmed = tenant("Ahmed", f1, "1A", false);
    let bea = tenant("Bea", f1, "1C", false);
    let dmitri = tenant("Dmitri", f2, "2A", false);
    let elena = tenant("Elena", f2, "2B", false);
    tenant("Frank", f2, "2C", true);
    tenant("Gus", f3, "3A", false);

    // Monday: Rosa's phone joins with no grant; the lead cuts her turf.
    let (_phone_repo, phone) = admit(&laptop, Role::Member, Grant::default());
    run(&phone, &laptop).expect("sync");
    assert!(names(&phone).is_empty());
    let turf = laptop
        .cut_turf(&NewTurf {
            name: "Building 3, floors 1–2".into(),
            organizer: "Rosa P.".into(),
            devices: vec![phone.repo.device()],
            selection: RecordQuery {
                unit: Some(lower),
                ..RecordQuery::counting(Counted::Contacts)
            },
        })
        .expect("turf out");
    assert_eq!(
        turf.size, 5,
        "Frank asked not to be contacted; Gus lives upstairs"
    );
    run(&phone, &laptop).expect("sync");
    assert_eq!(
        names(&phone),
        vec!["Ahmed", "Bea", "Carla", "Dmitri", "Elena"],
        "the phone holds exactly its turf"
    );
    let walk: Vec<String> = phone
        .walk_list(turf.id)
        .expect("walk list")
        .into_iter()
        .map(|s| s.name)
        .collect();
    assert_eq!(
        walk,
        vec!["Ahmed", "Carla", "Bea", "Dmitri", "Elena"],
        "door to door: floor by floor, apartment by apartment"
    );

    // Tuesday evening, on the phone. The doors follow each other a few milliseconds apart, so
    // that all of them fall between the real hand-out and the real return below.
    let evening = Utc::now();
    let knock = |c, outcome, minutes: i64| {
        phone
            .record_knock(
                c,
                &NewKnock {
                    outcome,
                    organizer: "Rosa P.".into(),
                    at: evening + Duration::milliseconds(minutes),
                    note: String::new(),
                },
            )
            .expect("knock");
    };
    knock(ahmed, KnockOutcome::NotHome, 0);
    knock(carla, KnockOutcome::Contacted, 5);
    let week = |days| NextStep {
        due: evening + Duration::days(days),
        assignee: None,
        repeat_every_days: None,
    };
    phone
        .record_conversation_with_follow_up(
            carla,
            &NewConversation {
                channel: Channel::Door,
                ..one_on_one(
                    "Rosa P.",
                    evening + Duration::milliseconds(6),
                    Some(2),
                    "Bring Carla to Thursday's tenant meeting",
                )
            },
            &week(2),
        )
        .expect("carla");
    knock(bea, KnockOutcome::Refused, 15);
    phone
        .record_conversation_with_follow_up(
            dmitri,
            &one_on_one(
                "Rosa P.",
                evening + Duration::milliseconds(30),
                Some(1),
                "Ask Dmitri to sign up floor 2",
            ),
            &week(3),
        )
        .expect("dmitri");
    knock(ahmed, KnockOutcome::Contacted, 60);

    let progress = phone.turf_progress(turf.id).expect("progress");
    assert_eq!(
        (
            progress.to_knock,
            progress.not_home,
            progress.refused,
            progress.contacted,
            progress.conversations
        ),
        (1, 0, 1, 1, 2),
        "Elena still to knock; Ahmed home on the second visit; Carla and Dmitri talked"
    );
    assert_eq!(progress.reached(), 4);
    assert!(!progress.partial);
    let status = |g: &Group, c| {
        g.walk_list(turf.id)
            .expect("walk")
            .into_iter()
            .find(|s| s.contact == c)
            .expect("on the list")
            .status
    };
    assert_eq!(status(&phone, carla), CanvassStatus::ConversationHeld);
    assert_eq!(status(&phone, elena), CanvassStatus::ToKnock);
    let rosas_week = phone
        .due_follow_ups(
            Some("Rosa P."),
            crate::agenda::Due::ThisWeek,
            Utc::now().fixed_offset(),
            None,
        )
        .expect("due");
    let titles: Vec<&str> = rosas_week.iter().map(|f| f.title.as_str()).collect();
    assert_eq!(
        titles,
        vec![
            "Bring Carla to Thursday's tenant meeting",
            "Ask Dmitri to sign up floor 2"
        ]
    );

    // Back home, the phone syncs: the laptop's counts and lists agree.
    run(&phone, &laptop).expect("sync");
    assert_eq!(laptop.turf_progress(turf.id).expect("p"), progress);
    assert_eq!(
        laptop
            .due_follow_ups(
                Some("Rosa P."),
                crate::agenda::Due::ThisWeek,
                Utc::now().fixed_offset(),
                None
            )
            .expect("due")
            .len(),
        2
    );
    let after_sync = repo.document_loads();
    laptop.turfs().expect("turfs");
    laptop.walk_list(turf.id).expect("walk");
    assert_eq!(
        repo.document_loads(),
        after_sync,
        "turf counts and walk lists loaded a document"
    );

    // A committee member's tablet granted floor 1 only: its counts say they are partial.
    let (_tablet_repo, tablet) = admit(
        &laptop,
        Role::Member,
        Grant {
            units: [*f1.as_bytes()].into_iter().collect(),
            ..Grant::default()
        },
    );
    run(&tablet, &laptop).expect("sync");
    let seen = tablet.turf_progress(turf.id).expect("progress");
    assert_eq!(seen.held, 3);
    assert!(seen.partial, "three of five: the tablet says so");

    // Friday: the turf comes back (after the last door).
    while Utc::now() <= evening + Duration::milliseconds(60) {
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    laptop.return_turf(turf.id).expect("return");
    run(&phone, &laptop).expect("sync");
    assert!(names(&phone).is_empty(), "the phone needs only its turf");
    let on_phone = phone.turf_progress(turf.id).expect("progress");
    assert!(on_phone.partial && !on_phone.turf.is_out());
    let kept = laptop.turf_progress(turf.id).expect("progress");
    assert_eq!((kept.held, kept.conversations), (5, 2), "nothing is lost");
}
