//! The portable export: export → import into an empty store → export gives the same lines;
//! bad lines are refused with their number; garbage never panics.

use chrono::{TimeZone, Utc};
use proptest::prelude::*;

use super::*;
use crate::Repo;
use crate::sample::{Workload, generate};

fn export_text(group: &Group) -> String {
    let mut out = Vec::new();
    export_portable(group, &mut out).expect("export");
    String::from_utf8(out).expect("utf-8")
}

/// The lines without the `format` line (its `exported_at` is the one documented difference).
fn content(text: &str) -> Vec<&str> {
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with(
        r#"{"type":"format","name":"groundwork-portable-export","version":1,"exported_at":"#
    ));
    lines[1..].to_vec()
}

/// A sample group, plus the parts the sample does not make: relationships, consent, custom
/// fields, terrain answers, a done tactic with a reflection, a completed follow-up.
fn rich_group(repo: &Repo) -> Group {
    let g = repo
        .create_group("Riverside Workers Committee")
        .expect("group");
    let base = Utc
        .with_ymd_and_hms(2026, 3, 2, 17, 0, 0)
        .single()
        .expect("date");
    let made = generate(&g, &Workload::meeting_size(base).scaled(0.01), |_, _| {}).expect("sample");
    let (a, b) = (made.contacts[0], made.contacts[1]);
    g.update_contact(
        a,
        &ContactUpdate::new(vec![
            ContactEdit::AddRelationship {
                kind: RelationshipKind::WorksWith,
                other: b,
            },
            ContactEdit::SetConsent {
                kind: "sms".into(),
                given: Some(true),
            },
            ContactEdit::SetCustom {
                key: "language".into(),
                value: Some("Spanish".into()),
            },
            ContactEdit::EditNotes(TextEdit::Replace(
                "Night shift, \"loading dock\"\nask about 🚚".into(),
            )),
        ]),
    )
    .expect("contact extras");
    let plan = made.plans[0];
    g.update_plan(
        plan,
        &Update::new(vec![
            PlanEdit::AddTerrainQuestion {
                question: "Who do people go to with problems?".into(),
            },
            PlanEdit::AddTactic {
                description: "Petition delivery".into(),
                owner: "dana".into(),
                date: Some(base),
            },
        ]),
    )
    .expect("plan extras");
    let p = g.plan(plan).expect("plan");
    let question = p.terrain.last().expect("question").id;
    let tactic = p.tactics.last().expect("tactic").id;
    g.update_plan(
        plan,
        &Update::new(vec![
            PlanEdit::EditTerrainAnswer {
                id: question,
                edit: TextEdit::Replace("Marisol on second shift".into()),
            },
            PlanEdit::SetTacticDone {
                id: tactic,
                done: true,
            },
            PlanEdit::AddReflection {
                action: "Petition delivery".into(),
                tactic: Some(tactic),
                at: base,
                worked: "40 people came".into(),
                didnt: "Night shift missed it".into(),
                next: "Repeat at 11pm".into(),
                celebration: "Pizza".into(),
            },
        ]),
    )
    .expect("reflection");
    g.update_follow_up(
        made.follow_ups[0],
        &Update::new(vec![FollowUpEdit::Complete {
            at: base,
            note: "She's in".into(),
        }]),
    )
    .expect("done");
    g
}

#[test]
fn export_import_export_gives_the_same_lines() {
    let source_repo = Repo::open_in_memory().expect("store");
    let source = rich_group(&source_repo);
    let first = export_text(&source);
    let file = read_portable(first.as_bytes()).expect("reads its own export");
    let s = file.summary();
    assert!(s.contacts >= 20 && s.conversations >= 100 && s.plans >= 1 && s.follow_ups >= 5);
    assert_eq!(s.terrain_trees, 2);

    // A new store, a new group (as `groundwork init` makes it), then the import.
    let target_repo = Repo::open_in_memory().expect("new store");
    let target = target_repo.create_group("Imported").expect("group");
    let mut calls = 0;
    let stored = import_portable(&target, &file, &mut |done, total| {
        calls += 1;
        assert!(done <= total);
    })
    .expect("import");
    assert_eq!(stored, s);
    assert!(calls >= 2);
    let second = export_text(&target);
    assert_eq!(content(&second), content(&first));

    // The references still hold: a follow-up's contact, a reflection's tactic, an assessment.
    let rel = &first
        .lines()
        .find(|l| l.contains("works_with"))
        .expect("relationship line");
    assert!(rel.contains("\"consent\":{\"sms\":true}"), "{rel}");
    assert_eq!(
        source.settings().expect("s").scale,
        target.settings().expect("s").scale
    );

    // A second import is refused: the group is no longer empty.
    let again = import_portable(&target, &file, &mut |_, _| {});
    assert!(
        matches!(again, Err(InterchangeError::NotEmpty { .. })),
        "{again:?}"
    );
}

#[test]
fn bad_lines_are_refused_with_their_number_and_nothing_is_written() {
    let repo = Repo::open_in_memory().expect("store");
    let source = rich_group(&repo);
    let good = export_text(&source);
    let lines: Vec<&str> = good.lines().collect();
    let with = |n: usize, replacement: &str| {
        let mut l = lines.clone();
        l[n] = replacement;
        l.join("\n")
    };
    let contact_line = lines
        .iter()
        .position(|l| l.starts_with(r#"{"type":"contact""#))
        .expect("a contact");
    let cases: Vec<(String, u64, &str)> = vec![
        (
            with(contact_line, "{not json"),
            contact_line as u64 + 1,
            "not a JSON object",
        ),
        (
            with(contact_line, r#"{"type":"contact","id":"zz"}"#),
            contact_line as u64 + 1,
            "contact:",
        ),
        (
            with(contact_line, r#"{"type":"member","name":"x"}"#),
            contact_line as u64 + 1,
            "unknown type `member`",
        ),
        (
            with(contact_line, r#"["type","contact"]"#),
            contact_line as u64 + 1,
            "not a JSON object",
        ),
        (
            with(
                contact_line,
                &lines[contact_line].replacen("\"name\"", "\"nmae\"", 1),
            ),
            contact_line as u64 + 1,
            "unknown field `nmae`",
        ),
        (
            with(contact_line, lines[contact_line + 1]),
            contact_line as u64 + 2,
            "appears twice",
        ),
        (
            with(0, r#"{"type":"group","name":"x"}"#),
            1,
            "the first line must be the `format` line",
        ),
        (
            with(0, &lines[0].replace("\"version\":1", "\"version\":2")),
            1,
            "format version 2",
        ),
    ];
    for (text, line, problem) in cases {
        let err = read_portable(text.as_bytes()).expect_err("refused");
        match &err {
            InterchangeError::BadFile {
                format: Format::Jsonl,
                line: l,
                problem: p,
            } => {
                assert_eq!(*l, line, "{err}");
                assert!(p.contains(problem), "{p} should say {problem}");
            }
            other => panic!("expected a bad line, got {other:?}"),
        }
    }
    assert!(matches!(
        read_portable(b""),
        Err(InterchangeError::Empty(Format::Jsonl))
    ));

    // A record that parses but that the store refuses (an empty name) stops the import at its
    // line; the records before its transaction are whole, none after it is there.
    let broken = with(
        contact_line + 2,
        &lines[contact_line + 2].replacen(
            &format!(
                "\"name\":{}",
                serde_json::to_string(
                    &serde_json::from_str::<serde_json::Value>(lines[contact_line + 2])
                        .expect("json")["name"]
                )
                .expect("name")
            ),
            "\"name\":\"  \"",
            1,
        ),
    );
    let file = read_portable(broken.as_bytes()).expect("parses");
    let target_repo = Repo::open_in_memory().expect("store");
    let target = target_repo.create_group("Imported").expect("group");
    let err = import_portable(&target, &file, &mut |_, _| {}).expect_err("refused");
    match err {
        InterchangeError::Apply {
            stored, first_line, ..
        } => {
            assert_eq!(first_line, contact_line as u64 + 3);
            let held = target
                .count_contacts(&crate::query::ContactQuery::default())
                .expect("count");
            assert_eq!(
                held as usize,
                stored.saturating_sub(2),
                "terrain trees come first"
            );
        }
        other => panic!("expected Apply, got {other:?}"),
    }
}

fn valid_export() -> String {
    let repo = Repo::open_in_memory().expect("store");
    let g = repo.create_group("Small").expect("group");
    let base = Utc
        .with_ymd_and_hms(2026, 3, 2, 17, 0, 0)
        .single()
        .expect("date");
    generate(&g, &Workload::meeting_size(base).scaled(0.002), |_, _| {}).expect("sample");
    export_text(&g)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let _ = read_portable(&bytes);
        let mut text = b"{\"type\":\"format\",\"name\":\"groundwork-portable-export\",\"version\":1,\"exported_at\":\"2026-01-01T00:00:00Z\"}\n".to_vec();
        text.extend_from_slice(&bytes);
        let _ = read_portable(&text);
    }

    #[test]
    fn mutated_exports_never_panic_and_import_whole_or_not_at_all(
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..4), 1..8)
    ) {
        let good = valid_export();
        let mut bytes = good.into_bytes();
        for (at, byte, how) in edits {
            if bytes.is_empty() { break; }
            let i = at.index(bytes.len());
            match how {
                0 => bytes[i] = byte,
                1 => { bytes.remove(i); }
                2 => bytes.insert(i, byte),
                _ => bytes.truncate(i),
            }
        }
        if let Ok(file) = read_portable(&bytes) {
            let repo = Repo::open_in_memory().expect("store");
            let g = repo.create_group("Target").expect("group");
            let _ = import_portable(&g, &file, &mut |_, _| {});
            // Whatever was stored reads back whole.
            let _ = export_text(&g);
        }
    }
}
