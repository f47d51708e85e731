//! A new member's onboarding: started from a template in one write, progress per member from
//! the index as tasks are done, and a benchmark counting the members who took a task.

use chrono::{Duration, TimeZone, Utc};

use super::group;
use crate::Error;
use crate::model::*;
use crate::onboarding::{OnboardingStart, TaskHolder};
use crate::query::FollowUpQuery;

fn with_template(g: &crate::Group) {
    g.update_settings(&Update::new(vec![SettingsEdit::AddOnboardingTemplate {
        name: "New tenant member".into(),
        tasks: vec![
            "Come to a building meeting".into(),
            "Knock on two doors with your partner".into(),
            "Hold a one-on-one".into(),
        ],
    }]))
    .expect("template");
}

fn start(contact: crate::ids::ContactId, partner: &str) -> OnboardingStart {
    OnboardingStart {
        contact,
        template: "new tenant MEMBER".into(),
        partner: partner.into(),
        tasks_for: TaskHolder::NewMember,
        first_due: None,
        days_between: None,
    }
}

#[test]
fn starting_from_a_template_makes_one_task_per_step_in_one_write() {
    let (_r, g) = group();
    with_template(&g);
    let bea = g
        .create_contact(&NewContact::named("Bea Ortiz"))
        .expect("c");
    let first_due = Utc
        .with_ymd_and_hms(2026, 3, 2, 18, 0, 0)
        .single()
        .expect("t");
    let mut sub = g.subscribe(crate::events::Filter::Group);
    let tasks = g
        .start_onboarding(&OnboardingStart {
            first_due: Some(first_due),
            days_between: Some(7),
            ..start(bea.id, "Rosa P.")
        })
        .expect("start");
    assert_eq!(tasks.len(), 3);
    for (i, t) in tasks.iter().enumerate() {
        assert_eq!(t.kind, FollowUpKind::Onboarding);
        assert_eq!(t.contact, Some(bea.id));
        assert_eq!(t.assignee, "Bea Ortiz", "the new member takes the tasks");
        assert_eq!(t.partner.as_deref(), Some("Rosa P."));
        let step = t.onboarding.as_ref().expect("step");
        assert_eq!(step.template, "New tenant member");
        assert_eq!(step.step as usize, i + 1);
        assert_eq!(t.due, Some(first_due + Duration::days(7 * i as i64)));
        // One batch stamps one time on everything it creates.
        assert_eq!(t.created_at, tasks[0].created_at);
    }
    assert_eq!(tasks[0].title, "Come to a building meeting");
    let mut events = 0;
    while let Some(e) = sub.try_next() {
        assert!(matches!(e, crate::events::Notification::Changed(_)));
        events += 1;
    }
    assert_eq!(events, 3);

    // Starting the same template again is refused and writes nothing.
    assert!(matches!(
        g.start_onboarding(&start(bea.id, "Sam T.")),
        Err(Error::Invalid(_))
    ));
    let all = FollowUpQuery {
        contact: Some(bea.id),
        ..FollowUpQuery::default()
    };
    assert_eq!(g.count_follow_ups(&all).expect("n"), 3);
    assert!(matches!(
        g.start_onboarding(&OnboardingStart {
            template: "no such".into(),
            ..start(bea.id, "Rosa P.")
        }),
        Err(Error::NotFound { .. })
    ));

    // Given to the partner instead, for a new member without the app.
    let cy = g.create_contact(&NewContact::named("Cy Lee")).expect("c");
    let tasks = g
        .start_onboarding(&OnboardingStart {
            tasks_for: TaskHolder::Partner,
            ..start(cy.id, "Sam T.")
        })
        .expect("start");
    assert!(
        tasks
            .iter()
            .all(|t| t.assignee == "Sam T." && t.due.is_none())
    );
}

#[test]
fn progress_moves_as_tasks_are_done_and_a_benchmark_counts_members_who_took_a_task() {
    let (repo, g) = group();
    with_template(&g);
    let bea = g
        .create_contact(&NewContact::named("Bea Ortiz"))
        .expect("c");
    let cy = g.create_contact(&NewContact::named("Cy Lee")).expect("c");
    let bea_tasks = g.start_onboarding(&start(bea.id, "Rosa P.")).expect("bea");
    let cy_tasks = g
        .start_onboarding(&OnboardingStart {
            tasks_for: TaskHolder::Partner,
            ..start(cy.id, "Sam T.")
        })
        .expect("cy");
    // A task added by hand, outside any template.
    g.create_follow_up(&NewFollowUp {
        kind: FollowUpKind::Onboarding,
        contact: Some(cy.id),
        ..NewFollowUp::new("Read the lease guide", "Cy Lee")
    })
    .expect("by hand");

    // "Members who took an onboarding task": contacts with a done onboarding follow-up.
    let took_a_task = RecordQuery {
        follow_up_kind: Some(FollowUpKind::Onboarding),
        completed: Some(true),
        ..RecordQuery::counting(Counted::Contacts)
    };
    let loads = repo.document_loads();
    let progress = g.onboarding_progress(None).expect("progress");
    assert_eq!(g.count_records(&took_a_task).expect("n"), 0);
    assert_eq!(repo.document_loads(), loads, "progress loaded a document");
    let row = |name: &str, template: Option<&str>| {
        progress
            .iter()
            .find(|p| p.name == name && p.template.as_deref() == template)
            .cloned()
            .unwrap_or_else(|| panic!("no row for {name}: {progress:?}"))
    };
    let b = row("Bea Ortiz", Some("New tenant member"));
    assert_eq!((b.done, b.total), (0, 3));
    assert_eq!(b.partner.as_deref(), Some("Rosa P."));
    assert_eq!(b.next.as_ref().map(|n| n.id), Some(bea_tasks[0].id));
    assert_eq!(
        (row("Cy Lee", None).done, row("Cy Lee", None).total),
        (0, 1)
    );
    assert_eq!(progress.len(), 3);
    assert_eq!(progress[0].name, "Bea Ortiz", "by name");

    // Bea does the first two; the next task moves on, and she counts once.
    g.complete_follow_up(bea_tasks[0].id, "").expect("done");
    g.complete_follow_up(bea_tasks[1].id, "").expect("done");
    let b = &g.onboarding_progress(Some(bea.id)).expect("p")[0];
    assert_eq!((b.done, b.total), (2, 3));
    assert_eq!(
        b.next.as_ref().map(|n| n.title.as_str()),
        Some("Hold a one-on-one")
    );
    assert_eq!(g.count_records(&took_a_task).expect("n"), 1);

    // Cy's partner marks one of Cy's tasks done: Cy took a task too.
    g.complete_follow_up(cy_tasks[0].id, "").expect("done");
    assert_eq!(g.count_records(&took_a_task).expect("n"), 2);
    // Finished.
    g.complete_follow_up(bea_tasks[2].id, "").expect("done");
    let b = &g.onboarding_progress(Some(bea.id)).expect("p")[0];
    assert_eq!((b.done, b.total, b.next.clone()), (3, 3, None));
    assert_eq!(g.onboarding_progress(Some(bea.id)).expect("p").len(), 1);
}
