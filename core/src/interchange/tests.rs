//! Import and export tests: round trips, tool detection, merging, bad files, garbage input.

use std::collections::HashMap;

use chrono::{Duration, TimeZone, Utc};

use super::columns::{self, Field, Tool};
use super::*;
use crate::model::{Channel, ConversationSteps, NewConversation, NewFollowUp};
use crate::query::ContactQuery;
use crate::{Group, Repo};

fn group() -> (Repo, Group) {
    let repo = Repo::open_in_memory().expect("memory store");
    let group = repo.create_group("Maple Court Tenants").expect("group");
    (repo, group)
}

fn fixture(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/tests/fixtures/interchange/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("fixture {path}: {e}"))
}

fn count(group: &Group) -> u64 {
    group
        .count_contacts(&ContactQuery::default())
        .expect("count")
}

fn by_name(group: &Group, name: &str) -> crate::model::Contact {
    let rows = group
        .contacts(&ContactQuery {
            name_prefix: Some(name.into()),
            ..ContactQuery::default()
        })
        .expect("query");
    assert_eq!(rows.len(), 1, "one contact named {name}: {rows:?}");
    group.contact(rows[0].id).expect("contact")
}

fn import_csv(group: &Group, bytes: &[u8]) -> (ImportPlan, ImportSummary) {
    let plan = plan_csv(group, bytes, &[]).expect("plan");
    let summary = apply(group, &plan, &mut |_, _| {}).expect("apply");
    (plan, summary)
}

fn phones(c: &crate::model::Contact) -> Vec<(&str, &str)> {
    c.phones
        .iter()
        .map(|p| (p.label.as_str(), p.value.as_str()))
        .collect()
}

// --- CSV import ----------------------------------------------------------------------------

#[test]
fn interchange_detects_each_tools_export() {
    let cases = [
        ("action_network.csv", Tool::ActionNetwork),
        ("van_export.txt", Tool::NgpVan),
        ("action_builder.csv", Tool::ActionBuilder),
        ("mobilize.csv", Tool::Mobilize),
    ];
    for (file, tool) in cases {
        let read = csv::read_contacts(&fixture(file), &[]).expect(file);
        assert_eq!(read.tool, Some(tool), "{file}");
    }
    // A plain spreadsheet is no tool's, and is read by the generic names.
    let read = csv::read_contacts(&fixture("generic_semicolon.csv"), &[]).expect("generic");
    assert_eq!(read.tool, None);
    // Every profile's signature columns identify it on their own.
    for p in columns::PROFILES {
        let headers: Vec<String> = p.signature.iter().map(|s| (*s).to_owned()).collect();
        assert_eq!(
            columns::detect(&headers).map(|d| d.tool),
            Some(p.tool),
            "{}",
            p.tool
        );
        assert!(!p.sources.is_empty(), "{} names its sources", p.tool);
    }
}

#[test]
fn interchange_action_network_export_with_bom_crlf_and_leading_zeros() {
    let (_r, group) = group();
    let (plan, summary) = import_csv(&group, &fixture("action_network.csv"));
    assert_eq!(plan.creates(), 3);
    assert_eq!(summary.created.len(), 3);
    let ana = by_name(&group, "Ana Ruiz");
    assert_eq!(phones(&ana), [("mobile", "0612 345 678")]);
    assert_eq!(ana.emails[0].value, "ana.ruiz@example.org");
    assert_eq!(
        ana.addresses[0].value, "02134",
        "zip keeps its leading zero"
    );
    assert!(ana.tags.contains("rent strike") && ana.tags.contains("building captain"));
    assert_eq!(
        ana.custom.get("action_network_id").map(String::as_str),
        Some("9a1f0c3e-0001")
    );
    assert_eq!(by_name(&group, "Marcus Bell").addresses[0].value, "00501");
    // A row without a name is named by its email rather than dropped.
    assert_eq!(
        by_name(&group, "no.name@").emails[0].value,
        "no.name@example.org"
    );
    // CRLF line ends do not throw the line numbers off.
    assert_eq!(
        plan.rows.iter().map(|r| r.line).collect::<Vec<_>>(),
        [2, 3, 4]
    );
    // The header's BOM does not end up in the first column's name.
    assert_eq!(plan.columns[0].header, "uuid");
}

#[test]
fn interchange_van_tab_export_labels_and_two_addresses() {
    let (_r, group) = group();
    import_csv(&group, &fixture("van_export.txt"));
    let thao = by_name(&group, "Thao Nguyen");
    assert_eq!(
        phones(&thao),
        [("mobile", "(413) 555-0101"), ("home", "413-555-0199")]
    );
    let addresses: Vec<(&str, &str)> = thao
        .addresses
        .iter()
        .map(|a| (a.label.as_str(), a.value.as_str()))
        .collect();
    assert_eq!(
        addresses,
        [
            ("home", "12 Maple St Apt 3, Springfield, MA 01103"),
            ("mailing", "PO Box 9, Springfield, MA 01101")
        ]
    );
    assert_eq!(thao.custom.get("van_id").map(String::as_str), Some("101"));
}

#[test]
fn interchange_action_builder_type_columns_label_entries() {
    let (_r, group) = group();
    import_csv(&group, &fixture("action_builder.csv"));
    let lena = by_name(&group, "Lena Kovacs");
    assert_eq!(phones(&lena), [("cell", "0044 20 7946 0000")]);
    assert_eq!(lena.emails[0].label, "work");
    assert_eq!(lena.addresses[0].value, "3 Depot Rd, Leeds, LS1 4DY");
    assert_eq!(
        lena.custom.get("language").map(String::as_str),
        Some("Hungarian")
    );
    assert_eq!(phones(&by_name(&group, "Sam Ito")), [("home", "555-0110")]);
    let mobilize = plan_csv(&group, &fixture("mobilize.csv"), &[]).expect("plan");
    assert_eq!(mobilize.creates(), 2);
}

#[test]
fn interchange_semicolons_and_multi_line_quoted_cells() {
    let (_r, group) = group();
    import_csv(&group, &fixture("generic_semicolon.csv"));
    let jose = by_name(&group, "José Álvarez");
    assert_eq!(phones(&jose), [("mobile", "06 12 34 56 78")]);
    // An address cell over two lines becomes one line; notes keep their line break.
    assert_eq!(jose.addresses[0].value, "5 rue des Lilas Bâtiment B");
    assert_eq!(jose.notes, "Works nights.\nPrefers Spanish.");
    assert_eq!(
        by_name(&group, "María López").phones[0].value,
        "07 00 00 00 01"
    );
}

#[test]
fn interchange_column_overrides_win_and_are_checked() {
    let (_r, group) = group();
    let file = b"Full,Cell Phone,Shift\nAna Ruiz,0612,nights\n";
    let overrides = vec![
        ("Full".to_owned(), Field::parse("name").expect("field")),
        (
            "Cell Phone".to_owned(),
            Field::parse("phone:work").expect("field"),
        ),
        (
            "shift".to_owned(),
            Field::parse("custom:shift").expect("field"),
        ),
    ];
    let plan = plan_csv(&group, file, &overrides).expect("plan");
    assert!(plan.columns.iter().all(|c| c.by == MappedBy::Override));
    apply(&group, &plan, &mut |_, _| {}).expect("apply");
    let ana = by_name(&group, "Ana Ruiz");
    assert_eq!(phones(&ana), [("work", "0612")]);
    assert_eq!(ana.custom.get("shift").map(String::as_str), Some("nights"));
    // A mapping to a column the file lacks, or to no field, is refused before anything else.
    let missing = vec![("Pager".to_owned(), Field::Phones)];
    assert!(matches!(
        plan_csv(&group, file, &missing),
        Err(InterchangeError::NoSuchColumn { .. })
    ));
    assert!(matches!(
        Field::parse("shoe_size"),
        Err(InterchangeError::UnknownField(_))
    ));
    // Every field's written form reads back as itself.
    for f in [
        "name",
        "first_name",
        "last_name",
        "phone:home",
        "phones",
        "email",
        "phone_type",
        "zip:mailing",
        "city",
        "tags",
        "notes",
        "custom:language",
        "do_not_contact",
        "ignore",
    ] {
        let field = Field::parse(f).expect(f);
        assert_eq!(Field::parse(&field.to_string()).expect("again"), field);
    }
}

#[test]
fn interchange_dry_run_changes_nothing() {
    let (_r, group) = group();
    group
        .create_contact(&crate::model::NewContact {
            name: "Ana R.".into(),
            phones: vec![("mobile".into(), "06-12-34-56-78".into())],
            ..Default::default()
        })
        .expect("existing");
    let versions = group.document_versions().expect("versions");
    let plan = plan_csv(&group, &fixture("action_network.csv"), &[]).expect("plan");
    assert_eq!((plan.creates(), plan.merges(), plan.skipped()), (2, 1, 0));
    // Planning wrote nothing: same count, same documents at the same versions.
    assert_eq!(count(&group), 1);
    assert_eq!(group.document_versions().expect("versions"), versions);
    let ana = group.contact(group.contacts_with(Some("0612345678"), None).expect("q")[0]);
    assert_eq!(ana.expect("contact").emails.len(), 0);
}

#[test]
fn interchange_merges_by_phone_and_email_never_renaming() {
    let (_r, group) = group();
    let existing = group
        .create_contact(&crate::model::NewContact {
            name: "Ana R.".into(),
            phones: vec![("mobile".into(), "06 12 34 56 78".into())],
            tags: vec!["tenant".into()],
            ..Default::default()
        })
        .expect("existing");
    // Row 2 matches Ana by phone (other punctuation); row 3 repeats row 4's email in other
    // case; row 5 matches Ana by the email row 2 brought.
    let file = "name,phone,email,tags\n\
                Ana Ruiz,0612345678,ana@example.org,rent strike\n\
                Ben Ode,,BEN@example.org,\n\
                Benjamin Ode,555-0100,ben@example.org,captain\n\
                A. Ruiz,,Ana@Example.org,tenant\n";
    let plan = plan_csv(&group, file.as_bytes(), &[]).expect("plan");
    let actions: Vec<&RowAction> = plan.rows.iter().map(|r| &r.action).collect();
    assert!(matches!(actions[0], RowAction::MergeIntoContact { id, .. } if *id == existing.id));
    assert_eq!(actions[1], &RowAction::Create);
    assert_eq!(actions[2], &RowAction::MergeIntoRow { into_line: 3 });
    // The plan as JSON (what `--json --dry-run` prints) keeps both line numbers apart.
    let row = serde_json::to_value(&plan.rows[2]).expect("json");
    assert_eq!(
        (row["line"].as_u64(), row["into_line"].as_u64()),
        (Some(4), Some(3))
    );
    assert_eq!(row["action"], "merge_into_row");
    // Row 5 brings nothing new: Ana already has the email (from row 2) and the tag.
    assert!(matches!(actions[3], RowAction::MergeIntoContact { adds, .. } if adds.is_empty()));
    let summary = apply(&group, &plan, &mut |_, _| {}).expect("apply");
    assert_eq!((summary.created.len(), summary.updated.len()), (1, 1));
    assert_eq!(count(&group), 2);

    let ana = group.contact(existing.id).expect("ana");
    assert_eq!(ana.name, "Ana R.", "a merge never overwrites a name");
    assert_eq!(ana.phones.len(), 1, "the same number in other punctuation");
    assert_eq!(ana.emails[0].value, "ana@example.org");
    assert!(ana.tags.contains("rent strike") && ana.tags.contains("tenant"));
    let ben = by_name(&group, "Ben Ode");
    assert_eq!(ben.emails.len(), 1);
    assert_eq!(phones(&ben), [("mobile", "555-0100")]);
    assert!(ben.tags.contains("captain"));

    // The same file again finds everything already there.
    let again = plan_csv(&group, file.as_bytes(), &[]).expect("plan");
    assert_eq!(again.creates(), 0);
    assert_eq!(again.contacts_updated(), 0);
    apply(&group, &again, &mut |_, _| {}).expect("apply");
    assert_eq!(count(&group), 2);
}

#[test]
fn interchange_invalid_values_skip_the_row_with_a_reason() {
    let (_r, group) = group();
    let file = b"name,phone\nAna Ruiz,call me\nBen Ode,555-0100\n";
    let plan = plan_csv(&group, file, &[]).expect("plan");
    assert!(matches!(&plan.rows[0].action, RowAction::Skip { reason } if reason.contains("phone")));
    assert_eq!(plan.rows[0].line, 2);
    apply(&group, &plan, &mut |_, _| {}).expect("apply");
    assert_eq!(count(&group), 1);
}

#[test]
fn interchange_bad_files_name_the_line() {
    let err = |bytes: &[u8]| match csv::read_contacts(bytes, &[]) {
        Err(e) => e,
        Ok(_) => panic!("{:?} must fail", String::from_utf8_lossy(bytes)),
    };
    match err(&fixture("bad_row.csv")) {
        InterchangeError::BadFile { line, problem, .. } => {
            assert_eq!(line, 3);
            assert!(
                problem.contains("4 cells") && problem.contains("3"),
                "{problem}"
            );
        }
        other => panic!("{other:?}"),
    }
    // A multi-line cell above does not throw the line count off, with LF or CRLF.
    let e = err(b"name,notes\r\n\"Ana\",\"one\r\ntwo\"\r\nCara,z\r\nBen,x,y\r\n");
    assert!(
        matches!(e, InterchangeError::BadFile { line: 5, .. }),
        "{e:?}"
    );
    let e = err(b"name,notes\n\"Ana\",\"one\ntwo\nthree\"\nBen,x,y\n");
    assert!(
        matches!(e, InterchangeError::BadFile { line: 5, .. }),
        "{e:?}"
    );
    let e = err(b"name,phone\nJos\xe9,1234\n");
    assert!(
        matches!(&e, InterchangeError::BadFile { line: 2, problem, .. } if problem.contains("UTF-8")),
        "{e:?}"
    );
    assert!(matches!(
        err(b"\xff\xfen\x00"),
        InterchangeError::BadFile { line: 1, .. }
    ));
    assert!(matches!(err(b""), InterchangeError::Empty(Format::Csv)));
    assert!(matches!(
        err(b"name,phone\r\n"),
        InterchangeError::Empty(Format::Csv)
    ));
    assert!(matches!(
        err(b"shoe,hat\n42,big\n"),
        InterchangeError::NothingToImport { .. }
    ));
}

#[test]
fn interchange_imports_in_whole_batches() {
    let (_r, group) = group();
    let mut file = String::from("name,phone\n");
    for i in 0..(IMPORT_BATCH + 10) {
        file.push_str(&format!("Person {i},555-{i:04}\n"));
    }
    let plan = plan_csv(&group, file.as_bytes(), &[]).expect("plan");
    let mut calls = Vec::new();
    let summary =
        apply(&group, &plan, &mut |done, total| calls.push((done, total))).expect("apply");
    assert_eq!(summary.batches, 2);
    assert_eq!(
        calls,
        [
            (IMPORT_BATCH, IMPORT_BATCH + 10),
            (IMPORT_BATCH + 10, IMPORT_BATCH + 10)
        ]
    );
    assert_eq!(count(&group), (IMPORT_BATCH + 10) as u64);
    assert_eq!(summary.records, IMPORT_BATCH + 10);
}

#[test]
fn interchange_a_failed_batch_leaves_no_part_of_it() {
    let (_r, group) = group();
    let kept = group
        .create_contact(&crate::model::NewContact::named("Kept"))
        .expect("kept");
    let gone = group
        .create_contact(&crate::model::NewContact {
            name: "Gone".into(),
            emails: vec![("work".into(), "gone@example.org".into())],
            ..Default::default()
        })
        .expect("gone");
    let file = b"name,email,tags\nNew One,one@example.org,\nGone,gone@example.org,captain\nNew Two,two@example.org,\n";
    let plan = plan_csv(&group, file, &[]).expect("plan");
    assert_eq!((plan.creates(), plan.merges()), (2, 1));
    // The contact the plan merges into is erased before the plan is applied: the batch holding
    // it fails, and with it the two new contacts of the same batch.
    group.erase_contact(gone.id).expect("erase");
    match apply(&group, &plan, &mut |_, _| {}) {
        Err(InterchangeError::Apply {
            stored: 0,
            first_line: 2,
            source: crate::Error::Erased { .. },
        }) => {}
        other => panic!("{other:?}"),
    }
    let names: Vec<String> = group
        .contacts(&ContactQuery::default())
        .expect("list")
        .into_iter()
        .map(|c| c.name)
        .collect();
    assert_eq!(names, [kept.name]);
}

// --- CSV export ----------------------------------------------------------------------------

fn sample(group: &Group) -> crate::model::Contact {
    let ana = group
        .create_contact(&crate::model::NewContact {
            name: "=HYPERLINK(\"http://evil.example\",\"Ana\")".into(),
            phones: vec![
                ("mobile".into(), "+44 20 7946 0000".into()),
                ("home".into(), "020 7946 0001".into()),
            ],
            emails: vec![("work".into(), "ana@example.org".into())],
            addresses: vec![("home".into(), "12 Maple St, Apt 3, 01103".into())],
            tags: vec!["rent strike".into(), "-captain".into()],
            custom: vec![("language".into(), "@Spanish".into())],
            notes: "Line one,\nline \"two\".".into(),
            ..Default::default()
        })
        .expect("contact");
    group
        .record_conversation(
            ana.id,
            &NewConversation {
                organizer: "Rosa P.".into(),
                at: Utc
                    .with_ymd_and_hms(2026, 3, 1, 18, 0, 0)
                    .single()
                    .expect("t"),
                place: "front door".into(),
                channel: Channel::Door,
                steps: ConversationSteps {
                    story: "+1 on the rent strike\nno heat since November".into(),
                    ..Default::default()
                },
                assessment: None,
                next_steps: "=cmd|' /C calc'!A0".into(),
            },
        )
        .expect("talk");
    group.contact(ana.id).expect("read")
}

#[test]
fn interchange_csv_export_neutralises_formulas() {
    assert_eq!(csv::neutralise("=1+1"), "'=1+1");
    for risky in ["+1", "-1", "@SUM(A1)", "\tx", "\rx"] {
        assert!(csv::neutralise(risky).starts_with('\''), "{risky:?}");
    }
    assert_eq!(csv::neutralise("Ana = friend"), "Ana = friend");

    let (_r, group) = group();
    sample(&group);
    let mut out = Vec::new();
    assert_eq!(export_contacts_csv(&group, &mut out).expect("export"), 1);
    assert!(out.starts_with(b"\xEF\xBB\xBF"), "a BOM for Excel");
    let text = String::from_utf8(out.clone()).expect("utf-8");
    assert!(text.contains("\r\n"));
    let mut reader = ::csv::Reader::from_reader(&out[3..]);
    let headers = reader.headers().expect("headers").clone();
    let row = reader.records().next().expect("row").expect("row");
    let cell = |h: &str| {
        let i = headers
            .iter()
            .position(|x| x == h)
            .unwrap_or_else(|| panic!("{h}"));
        row[i].to_owned()
    };
    // No cell starts with a formula character.
    for c in row.iter() {
        assert!(!c.starts_with(['=', '+', '-', '@', '\t', '\r']), "{c:?}");
    }
    assert_eq!(cell("name"), "'=HYPERLINK(\"http://evil.example\",\"Ana\")");
    assert_eq!(cell("custom:language"), "'@Spanish");
    assert_eq!(cell("notes"), "Line one,\nline \"two\".");

    let mut out = Vec::new();
    assert_eq!(
        export_conversations_csv(&group, &mut out).expect("export"),
        1
    );
    let text = String::from_utf8(out).expect("utf-8");
    assert!(text.contains("\"'+1 on the rent strike\nno heat since November\""));
    assert!(text.contains("'=cmd|"));
}

#[test]
fn interchange_contacts_csv_round_trip() {
    let (_r, a) = group();
    let original = sample(&a);
    let mut out = Vec::new();
    export_contacts_csv(&a, &mut out).expect("export");

    let (_r2, b) = group();
    let plan = plan_csv(&b, &out, &[]).expect("plan");
    assert_eq!(plan.tool, Some(Tool::Groundwork));
    apply(&b, &plan, &mut |_, _| {}).expect("apply");
    let rows = b.contacts(&ContactQuery::default()).expect("list");
    let copy = b.contact(rows[0].id).expect("copy");
    assert_eq!(
        copy.name, original.name,
        "the neutralising quote is taken off again"
    );
    assert_eq!(phones(&copy), phones(&original));
    assert_eq!(copy.emails[0].value, "ana@example.org");
    assert_eq!(copy.addresses[0].value, "12 Maple St, Apt 3, 01103");
    assert_eq!(copy.tags, original.tags);
    assert_eq!(copy.notes, original.notes);
    assert_eq!(copy.custom, original.custom);
}

#[test]
fn interchange_follow_ups_csv_lists_every_status() {
    let (_r, group) = group();
    let ana = sample(&group);
    let mut f = NewFollowUp::new("Bring Ana to the meeting", "Rosa P.");
    f.contact = Some(ana.id);
    f.due = Some(
        Utc.with_ymd_and_hms(2026, 3, 5, 18, 0, 0)
            .single()
            .expect("t"),
    );
    let open = group.create_follow_up(&f).expect("f");
    let done = group
        .create_follow_up(&NewFollowUp::new("Flyers", "Rosa P."))
        .expect("f");
    group
        .update_follow_up(
            done.id,
            &crate::model::Update::new(vec![crate::model::FollowUpEdit::SetStatus(
                crate::model::FollowUpStatus::Done,
            )]),
        )
        .expect("done");
    let mut out = Vec::new();
    assert_eq!(export_follow_ups_csv(&group, &mut out).expect("export"), 2);
    let mut reader = ::csv::Reader::from_reader(&out[3..]);
    let rows: Vec<::csv::StringRecord> = reader.records().map(|r| r.expect("row")).collect();
    assert_eq!(rows.len(), 2);
    assert_eq!(&rows[0][0], open.id.to_string());
    assert_eq!(&rows[0][4], "2026-03-05T18:00:00Z");
    assert_eq!(&rows[0][8], "'=HYPERLINK(\"http://evil.example\",\"Ana\")");
    assert_eq!(&rows[1][3], "done");
}

// --- vCard ---------------------------------------------------------------------------------

#[test]
fn interchange_reads_phone_address_books() {
    let records = vcard::read_contacts(&fixture("phone_contacts.vcf")).expect("read");
    assert_eq!(records.len(), 3);
    assert_eq!(
        records.iter().map(|r| r.line).collect::<Vec<_>>(),
        [1, 17, 24]
    );
    let ana = &records[0].contact;
    assert_eq!(ana.name, "Ana Ruiz");
    assert_eq!(
        ana.phones,
        [
            ("mobile".to_owned(), "0612 345 678".to_owned()),
            ("home".to_owned(), "020 7946 0000".to_owned())
        ]
    );
    assert_eq!(ana.emails.len(), 2);
    assert_eq!(
        ana.emails[1],
        ("work".into(), "a.ruiz@hospital.example".into())
    );
    assert_eq!(
        ana.addresses,
        [(
            "home".to_owned(),
            "Apt 3, 12 Maple St, Springfield, MA 01103, USA".to_owned()
        )]
    );
    assert!(
        ana.notes.contains("evenings after 7"),
        "folded line joined: {:?}",
        ana.notes
    );
    assert_eq!(ana.tags, ["rent strike", "building captain"]);
    assert!(ana.custom.contains(&(
        "organization".into(),
        "Maple Court Tenants, Building 2".into()
    )));
    assert!(
        ana.custom
            .contains(&("job_title".into(), "Building captain".into()))
    );
    // vCard 2.1 quoted-printable UTF-8.
    let jose = &records[1].contact;
    assert_eq!(jose.name, "José Álvarez");
    assert_eq!(jose.phones[1], ("work".into(), "0700000002".into()));
    // vCard 4.0 tel: URI.
    assert_eq!(
        records[2].contact.phones[0],
        ("mobile".into(), "+1-413-555-0101".into())
    );
}

#[test]
fn interchange_vcard_round_trip_in_both_versions() {
    let (_r, a) = group();
    let mut original = sample(&a);
    original = a
        .update_contact(
            original.id,
            &crate::model::ContactUpdate::new(vec![
                crate::model::ContactEdit::SetName("Ana María Ruiz".into()),
                crate::model::ContactEdit::SetCustom {
                    key: "organization".into(),
                    value: Some("St. Luke's; night shift".into()),
                },
            ]),
        )
        .expect("rename");
    // Many cards: the sample plus 30 more.
    for i in 0..30 {
        a.create_contact(&crate::model::NewContact {
            name: format!("Tenant {i}"),
            phones: vec![("mobile".into(), format!("0600 000 {i:03}"))],
            ..Default::default()
        })
        .expect("contact");
    }
    for version in [VCardVersion::V3, VCardVersion::V4] {
        let mut out = Vec::new();
        assert_eq!(export_vcard(&a, version, &mut out).expect("export"), 31);
        let text = String::from_utf8(out.clone()).expect("utf-8");
        let v = if version == VCardVersion::V3 {
            "3.0"
        } else {
            "4.0"
        };
        assert_eq!(text.matches(&format!("VERSION:{v}")).count(), 31);
        assert!(text.lines().all(|l| l.len() <= 75), "lines are folded");

        let (_r2, b) = group();
        let plan = plan_vcard(&b, &out).expect("plan");
        assert_eq!(plan.creates(), 31, "{version:?}");
        assert_eq!(count(&b), 0, "planning writes nothing");
        apply(&b, &plan, &mut |_, _| {}).expect("apply");
        let copy = by_name(&b, "Ana María Ruiz");
        assert_eq!(phones(&copy), phones(&original), "{version:?}");
        assert_eq!(copy.emails[0].value, original.emails[0].value);
        assert_eq!(copy.emails[0].label, "work");
        assert_eq!(copy.addresses[0].value, original.addresses[0].value);
        assert_eq!(copy.tags, original.tags);
        assert_eq!(copy.notes, original.notes);
        assert_eq!(
            copy.custom.get("organization"),
            original.custom.get("organization")
        );
        assert_eq!(by_name(&b, "Tenant 7").phones[0].value, "0600 000 007");
    }
}

#[test]
fn interchange_bad_vcards_name_the_line() {
    let bad = |text: &str| match vcard::read_contacts(text.as_bytes()) {
        Err(InterchangeError::BadFile { line, problem, .. }) => (line, problem),
        other => panic!("{text:?}: {other:?}"),
    };
    let two =
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:A\r\nEND:VCARD\r\nBEGIN:VCARD\r\nVERSION:3.0\r\nFN:B\r\n";
    let (line, problem) = bad(two);
    assert_eq!(line, 5);
    assert!(problem.contains("END:VCARD"), "{problem}");
    let (line, _) = bad("BEGIN:VCARD\nFN:A\nEND:VCARD\nthis is not a card\n");
    assert_eq!(line, 4);
    let bytes = b"BEGIN:VCARD\nFN:A\nNOTE:caf\xe9\nEND:VCARD\n";
    match vcard::read_contacts(bytes) {
        Err(InterchangeError::BadFile { line, .. }) => assert_eq!(line, 3),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        vcard::read_contacts(b""),
        Err(InterchangeError::Empty(Format::VCard))
    ));
}

// --- iCalendar -----------------------------------------------------------------------------

fn follow_ups(group: &Group) -> (crate::model::FollowUp, crate::model::FollowUp) {
    let ana = group
        .create_contact(&crate::model::NewContact::named("Ana Ruiz"))
        .expect("ana");
    let mut f = NewFollowUp::new("Ask Ana about the landlord's threat", "Rosa P.");
    f.contact = Some(ana.id);
    f.note = "She is scared of retaliation.".into();
    f.due = Some(Utc::now() + Duration::days(2));
    let dated = group.create_follow_up(&f).expect("dated");
    let undated = group
        .create_follow_up(&NewFollowUp::new("Call Ana back", "Rosa P."))
        .expect("undated");
    (dated, undated)
}

fn parse_ical(bytes: &[u8]) -> icalendar::Calendar {
    let text = String::from_utf8(bytes.to_vec()).expect("utf-8");
    text.parse::<icalendar::Calendar>().expect("parses")
}

#[test]
fn interchange_ical_events_carry_no_contact_content() {
    use icalendar::Component;
    let (_r, group) = group();
    let (dated, _) = follow_ups(&group);
    let mut out = Vec::new();
    let n = export_ical(&group, &IcalOptions::default(), &mut out).expect("export");
    assert_eq!(n, 1, "an event needs a due time");
    let text = String::from_utf8(out.clone()).expect("utf-8");
    for secret in ["Ana", "landlord", "retaliation", "Rosa"] {
        assert!(!text.contains(secret), "{secret} leaked:\n{text}");
    }
    assert!(text.contains("BEGIN:VALARM") && text.contains("TRIGGER"));
    assert!(!text.contains("VTODO"));
    let cal = parse_ical(&out);
    let events: Vec<_> = cal.events().collect();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].get_summary(), Some("Groundwork follow-up"));
    let due = dated.due.expect("due");
    match events[0].get_start() {
        Some(icalendar::DatePerhapsTime::DateTime(icalendar::CalendarDateTime::Utc(t))) => {
            assert_eq!(t.timestamp(), due.timestamp())
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(events[0].components().len(), 1, "one VALARM");

    // Asked for, the name (and only the name) is there.
    let mut out = Vec::new();
    let with_names = IcalOptions {
        with_names: true,
        ..IcalOptions::default()
    };
    export_ical(&group, &with_names, &mut out).expect("export");
    let cal = parse_ical(&out);
    let event = cal.events().next().expect("event");
    assert_eq!(event.get_summary(), Some("Groundwork follow-up: Ana Ruiz"));
    let text = String::from_utf8(out).expect("utf-8");
    assert!(!text.contains("landlord") && !text.contains("retaliation"));
}

#[test]
fn interchange_ical_todos_have_due_status_and_priority() {
    use icalendar::Component;
    let (_r, group) = group();
    let (dated, undated) = follow_ups(&group);
    let mut out = Vec::new();
    let todo = IcalOptions {
        todo: true,
        ..IcalOptions::default()
    };
    assert_eq!(export_ical(&group, &todo, &mut out).expect("export"), 2);
    let cal = parse_ical(&out);
    let todos: Vec<_> = cal.todos().collect();
    assert_eq!(todos.len(), 2);
    let uid = |f: &crate::model::FollowUp| format!("{}@groundwork.invalid", f.id);
    let t = todos
        .iter()
        .find(|t| t.get_uid() == Some(uid(&dated).as_str()))
        .expect("dated");
    assert_eq!(t.get_status(), Some(icalendar::TodoStatus::NeedsAction));
    assert_eq!(t.get_priority(), Some(5));
    assert!(t.get_due().is_some());
    let u = todos
        .iter()
        .find(|t| t.get_uid() == Some(uid(&undated).as_str()))
        .expect("undated");
    assert_eq!(u.get_priority(), Some(9));
    assert!(u.get_due().is_none());
    assert!(!String::from_utf8(out).expect("utf-8").contains("Ana"));
    // Names map used only when asked.
    let names: HashMap<crate::ids::ContactId, String> = HashMap::new();
    assert_eq!(
        ical::summary(
            &dated,
            names
                .get(&crate::ids::ContactId::random())
                .map(String::as_str)
        ),
        "Groundwork follow-up"
    );
}

// --- garbage never panics --------------------------------------------------------------------

mod garbage {
    use proptest::prelude::*;

    use super::super::{csv, vcard};

    fn vcardish() -> impl Strategy<Value = Vec<u8>> {
        let piece = prop_oneof![
            Just("BEGIN:VCARD\r\n".to_owned()),
            Just("END:VCARD\r\n".to_owned()),
            Just("VERSION:3.0\r\n".to_owned()),
            Just("TEL;TYPE=CELL:".to_owned()),
            Just("ADR;;;".to_owned()),
            Just(";ENCODING=QUOTED-PRINTABLE:=C3=".to_owned()),
            Just("\r\n ".to_owned()),
            "[ -~]{0,12}",
            "\\PC{0,4}",
        ];
        prop::collection::vec(piece, 0..24).prop_map(|v| v.concat().into_bytes())
    }

    fn csvish() -> impl Strategy<Value = Vec<u8>> {
        let piece = prop_oneof![
            Just("name,phone,email,zip\n".to_owned()),
            Just("\"".to_owned()),
            Just(",".to_owned()),
            Just(";".to_owned()),
            Just("\r\n".to_owned()),
            Just("\u{feff}".to_owned()),
            Just("'=".to_owned()),
            "[ -~]{0,12}",
            "\\PC{0,4}",
        ];
        prop::collection::vec(piece, 0..24).prop_map(|v| v.concat().into_bytes())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn interchange_csv_garbage_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
            let _ = csv::read_contacts(&bytes, &[]);
        }

        #[test]
        fn interchange_csv_near_misses_never_panic(bytes in csvish()) {
            let _ = csv::read_contacts(&bytes, &[]);
        }

        #[test]
        fn interchange_vcard_garbage_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
            let _ = vcard::read_contacts(&bytes);
        }

        #[test]
        fn interchange_vcard_near_misses_never_panic(bytes in vcardish()) {
            let _ = vcard::read_contacts(&bytes);
        }
    }
}
