//! The `groundwork` binary, run for real against encrypted stores in temporary folders.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

const PASS: &str = "correct horse battery staple";

/// A store in a fresh temporary folder.
struct Store {
    dir: tempfile::TempDir,
    path: PathBuf,
}

impl Store {
    fn new() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("data").join("store.db");
        Self { dir, path }
    }

    /// Runs `groundwork --store <this store> args…` with the passphrase in the environment.
    fn run(&self, args: &[&str]) -> Run {
        self.run_with(Some(PASS), args)
    }

    fn run_with(&self, passphrase: Option<&str>, args: &[&str]) -> Run {
        run(self.dir.path(), &self.path, passphrase, args)
    }

    /// Runs with `--json` and parses stdout; the command must succeed.
    fn json(&self, args: &[&str]) -> Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        let r = self.run(&all).success();
        serde_json::from_str(&r.stdout)
            .unwrap_or_else(|e| panic!("stdout of {args:?} is not JSON ({e}):\n{}", r.stdout))
    }
}

fn run(home: &Path, store: &Path, passphrase: Option<&str>, args: &[&str]) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_groundwork"));
    cmd.arg("--store")
        .arg(store)
        .args(args)
        .env("HOME", home)
        .env_remove("XDG_DATA_HOME")
        .env_remove("GROUNDWORK_STORE")
        .env_remove("GROUNDWORK_GROUP")
        .env_remove("GROUNDWORK_ORGANIZER")
        .env_remove("GROUNDWORK_PASSPHRASE")
        .stdin(Stdio::null());
    if let Some(p) = passphrase {
        cmd.env("GROUNDWORK_PASSPHRASE", p);
    }
    let out: Output = cmd.output().expect("the groundwork binary runs");
    Run {
        args: args.iter().map(|s| s.to_string()).collect(),
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

struct Run {
    args: Vec<String>,
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Run {
    fn success(self) -> Self {
        assert_eq!(
            self.code,
            Some(0),
            "groundwork {:?} failed:\nstdout:\n{}\nstderr:\n{}",
            self.args,
            self.stdout,
            self.stderr
        );
        self
    }

    /// The command failed as a user error: exit 1, `error:` on stderr, nothing on stdout.
    fn user_error(self) -> Self {
        assert_eq!(
            self.code,
            Some(1),
            "groundwork {:?} should fail with exit 1:\nstdout:\n{}\nstderr:\n{}",
            self.args,
            self.stdout,
            self.stderr
        );
        assert!(
            self.stderr.starts_with("error: "),
            "stderr: {}",
            self.stderr
        );
        assert!(self.stderr.contains("\nhint: "), "no hint: {}", self.stderr);
        assert!(!self.stderr.contains("panicked"), "panic: {}", self.stderr);
        assert!(self.stdout.is_empty(), "stdout on error: {}", self.stdout);
        self
    }
}

fn init(store: &Store) {
    let r = store
        .run(&["init", "--group-name", "Maple St. Tenants"])
        .success();
    assert!(r.stdout.contains("Maple St. Tenants"), "{}", r.stdout);
    assert!(r.stdout.contains(&store.path.display().to_string()));
}

fn yesterday() -> String {
    (chrono::Local::now().date_naive() - chrono::Duration::days(1))
        .format("%Y-%m-%d")
        .to_string()
}

#[test]
fn init_writes_the_kdf_file_and_refuses_to_overwrite() {
    let store = Store::new();
    let out = store.json(&["init"]);
    assert_eq!(out["group"]["name"], "My group");
    assert_eq!(out["group"]["id"].as_str().map(str::len), Some(32));
    assert_eq!(out["device_id"].as_str().map(str::len), Some(64));

    let kdf: Value = serde_json::from_str(
        &std::fs::read_to_string(store.path.with_extension("db.kdf")).expect("kdf file"),
    )
    .expect("kdf JSON");
    assert_eq!(kdf["kdf"], "argon2id");
    assert_eq!(kdf["m_kib"], 65536);
    assert_eq!(kdf["t"], 3);
    assert_eq!(kdf["p"], 1);
    let salt = kdf["salt"].as_str().expect("salt");
    assert_eq!(hex::decode(salt).expect("hex salt").len(), 16);

    let before = std::fs::read(&store.path).expect("store");
    let again = store.run(&["init"]).user_error();
    assert!(again.stderr.contains("already a store"), "{}", again.stderr);
    assert_eq!(std::fs::read(&store.path).expect("store"), before);

    let groups = store.json(&["groups"]);
    assert_eq!(groups["groups"].as_array().map(Vec::len), Some(1));
    assert_eq!(groups["groups"][0]["name"], "My group");
}

#[test]
fn contacts_add_list_show_edit() {
    let store = Store::new();
    init(&store);

    let added = store
        .run(&[
            "contact",
            "add",
            "--name",
            "Ana Ruiz",
            "--phone",
            "mobile:0612 345 678",
            "--phone",
            "home:+44 20 7946 0000",
            "--tag",
            "spanish",
            "--tag",
            "committee",
            "--email",
            "work:ana@example.org",
        ])
        .success();
    let first_line = added.stdout.lines().next().expect("output");
    let id = first_line
        .split_whitespace()
        .last()
        .expect("id on the first line")
        .to_owned();
    assert!(first_line.starts_with("id"), "{}", added.stdout);
    assert_eq!(id.len(), 32);
    assert!(added.stdout.contains("0612 345 678"), "{}", added.stdout);

    // The table.
    let table = store.run(&["contact", "list"]).success();
    assert!(table.stdout.contains("Ana Ruiz"), "{}", table.stdout);
    assert!(table.stdout.contains(&id[..8]), "{}", table.stdout);
    assert!(table.stdout.contains("1 of 1 contact"), "{}", table.stdout);

    // The JSON.
    let list = store.json(&["contact", "list", "--tag", "spanish"]);
    assert_eq!(list["total"], 1);
    assert_eq!(list["contacts"][0]["name"], "Ana Ruiz");
    assert_eq!(list["contacts"][0]["id"], id.as_str());
    let none = store.json(&["contact", "list", "--tag", "arabic"]);
    assert_eq!(none["total"], 0);
    assert_eq!(none["contacts"].as_array().map(Vec::len), Some(0));

    // Show by a name prefix, in another case: the leading zero is kept.
    let shown = store.json(&["contact", "show", "ana r"]);
    assert_eq!(shown["id"], id.as_str());
    let phones: Vec<&str> = shown["phones"]
        .as_array()
        .expect("phones")
        .iter()
        .filter_map(|p| p["value"].as_str())
        .collect();
    assert_eq!(phones, ["0612 345 678", "+44 20 7946 0000"]);
    assert_eq!(shown["tags"], serde_json::json!(["committee", "spanish"]));
    let text = store.run(&["contact", "show", "Ana"]).success();
    assert!(text.stdout.contains("0612 345 678"), "{}", text.stdout);
    assert!(
        text.stdout.contains("No conversations yet"),
        "{}",
        text.stdout
    );

    // Edit: add a tag, remove a phone by its number, append to the notes, set a custom field.
    let edited = store.json(&[
        "contact",
        "edit",
        &id[..8],
        "--add-tag",
        "steward",
        "--remove-phone",
        "+44 20 7946 0000",
        "--append-note",
        "Has a car.",
        "--set",
        "language=Spanish",
    ]);
    assert_eq!(
        edited["tags"],
        serde_json::json!(["committee", "spanish", "steward"])
    );
    assert_eq!(edited["phones"].as_array().map(Vec::len), Some(1));
    assert_eq!(edited["phones"][0]["value"], "0612 345 678");
    assert_eq!(edited["notes"], "Has a car.");
    assert_eq!(edited["custom"]["language"], "Spanish");
    let steward = store.json(&["contact", "list", "--tag", "steward"]);
    assert_eq!(steward["total"], 1);

    // A second "Ana": the prefix is now ambiguous and the error lists both.
    store
        .run(&["contact", "add", "--name", "Ana Rodriguez"])
        .success();
    let ambiguous = store.run(&["contact", "show", "ana"]).user_error();
    assert!(
        ambiguous.stderr.contains("Ana Ruiz"),
        "{}",
        ambiguous.stderr
    );
    assert!(
        ambiguous.stderr.contains("Ana Rodriguez"),
        "{}",
        ambiguous.stderr
    );
    // The full name still picks one.
    let exact = store.json(&["contact", "show", "Ana Ruiz"]);
    assert_eq!(exact["id"], id.as_str());

    let nothing = store.run(&["contact", "edit", &id]).user_error();
    assert!(
        nothing.stderr.contains("nothing to change"),
        "{}",
        nothing.stderr
    );
}

#[test]
fn talk_records_a_conversation_and_its_overdue_follow_up() {
    let store = Store::new();
    init(&store);
    store
        .run(&[
            "contact",
            "add",
            "--name",
            "Tariq Haddad",
            "--phone",
            "0044 20 7946 0001",
        ])
        .success();

    let talk = store.json(&[
        "talk",
        "tariq",
        "--organizer",
        "Luis O.",
        "--channel",
        "workplace",
        "--place",
        "break room",
        "--at",
        "2025-06-01 18:30",
        "--door",
        "Co-worker from Receiving",
        "--story",
        "Forced overtime on nights",
        "--vision",
        "Together we can stop it",
        "--obstacles",
        "Afraid of losing hours",
        "--ask",
        "Sign the petition?",
        "--answer",
        "Signed",
        "--assessment",
        "Supporter",
        "--next-steps",
        "Bring him to Thursday's meeting",
        "--follow-up-due",
        &yesterday(),
    ]);
    assert_eq!(talk["contact"]["name"], "Tariq Haddad");
    assert_eq!(talk["conversation"]["assessment"], 2);
    assert_eq!(talk["conversation"]["organizer"], "Luis O.");
    assert_eq!(
        talk["conversation"]["steps"]["door"],
        "Co-worker from Receiving"
    );
    assert_eq!(talk["conversation"]["steps"]["answer"], "Signed");
    assert_eq!(
        talk["follow_up"]["title"],
        "Bring him to Thursday's meeting"
    );
    assert_eq!(talk["follow_up"]["assignee"], "Luis O.");
    assert_eq!(
        talk["follow_up"]["conversation"],
        talk["conversation"]["id"]
    );

    let overdue = store.json(&["followups", "--when", "overdue"]);
    assert_eq!(overdue["total"], 1, "{overdue}");
    let row = &overdue["follow_ups"][0];
    assert_eq!(row["title"], "Bring him to Thursday's meeting");
    assert_eq!(row["contact_name"], "Tariq Haddad");
    assert_eq!(row["assignee"], "Luis O.");
    assert_eq!(row["id"], talk["follow_up"]["id"]);
    let mine = store.json(&["followups", "--when", "all", "--assignee", "Someone else"]);
    assert_eq!(mine["total"], 0);
    let table = store.run(&["followups"]).success();
    assert!(table.stdout.contains("Tariq Haddad"), "{}", table.stdout);
    assert!(table.stdout.contains("1 follow-up"), "{}", table.stdout);

    // The assessment is the contact's now, and the list filters on it.
    let shown = store.json(&["contact", "show", "Tariq"]);
    assert_eq!(shown["assessment"], 2);
    assert_eq!(shown["assessment_label"], "supporter");
    assert_eq!(shown["conversations"].as_array().map(Vec::len), Some(1));
    let supporters = store.json(&["contact", "list", "--assessment", "supporter-or-better"]);
    assert_eq!(supporters["total"], 1);
    let text = store.run(&["contact", "show", "Tariq"]).success();
    for step in [
        "1. Getting in the door",
        "Forced overtime",
        "Assessment: supporter",
    ] {
        assert!(
            text.stdout.contains(step),
            "missing {step}: {}",
            text.stdout
        );
    }

    // An unknown label is refused, listing the scale, and nothing is recorded.
    let bad = store
        .run(&[
            "talk",
            "Tariq",
            "--organizer",
            "Luis O.",
            "--assessment",
            "boss",
        ])
        .user_error();
    assert!(bad.stderr.contains("\"boss\""), "{}", bad.stderr);
    assert!(bad.stderr.contains("leader"), "{}", bad.stderr);
    let unknown_filter = store
        .run(&["contact", "list", "--assessment", "boss"])
        .user_error();
    assert!(
        unknown_filter.stderr.contains("supporter"),
        "{}",
        unknown_filter.stderr
    );
    // Without an organizer the conversation is refused too.
    let anonymous = store.run(&["talk", "Tariq", "--story", "x"]).user_error();
    assert!(
        anonymous.stderr.contains("--organizer"),
        "{}",
        anonymous.stderr
    );
    let after = store.json(&["contact", "show", "Tariq"]);
    assert_eq!(after["conversations"].as_array().map(Vec::len), Some(1));
}

#[test]
fn wrong_passphrase_is_refused_and_leaves_the_store_untouched() {
    let store = Store::new();
    init(&store);
    let before = std::fs::read(&store.path).expect("store file");
    let kdf_before = std::fs::read(store.path.with_extension("db.kdf")).expect("kdf file");

    let r = store
        .run_with(Some("not the passphrase"), &["contact", "list"])
        .user_error();
    assert!(
        r.stderr.contains(
            "the passphrase does not open this store (or the file is not a Groundwork store)"
        ),
        "{}",
        r.stderr
    );
    assert_eq!(std::fs::read(&store.path).expect("store file"), before);
    assert_eq!(
        std::fs::read(store.path.with_extension("db.kdf")).expect("kdf file"),
        kdf_before
    );
    // And the right one still opens it.
    assert_eq!(store.json(&["contact", "list"])["total"], 0);
}

#[test]
fn missing_store_and_missing_contact_are_clean_errors() {
    let store = Store::new();
    let r = store.run(&["contact", "list"]).user_error();
    assert!(
        r.stderr.contains(&format!(
            "no store at {}: run `groundwork init` first",
            store.path.display()
        )),
        "{}",
        r.stderr
    );
    assert!(!store.path.exists(), "a read must not create the store");

    init(&store);
    let missing = store
        .run(&["contact", "show", "0123456789abcdef0123456789abcdef"])
        .user_error();
    assert!(
        missing
            .stderr
            .contains("no contact with id 0123456789abcdef0123456789abcdef"),
        "{}",
        missing.stderr
    );
    let nobody = store.run(&["contact", "show", "Nobody"]).user_error();
    assert!(
        nobody.stderr.contains("no contact matches"),
        "{}",
        nobody.stderr
    );
}

#[test]
fn demo_fills_a_fresh_store() {
    let store = Store::new();
    let demo = store.json(&["demo", "--scale", "0.01"]);
    assert_eq!(demo["created_store"], true);
    assert_eq!(demo["group"]["name"], "Riverside Workers Committee (demo)");
    assert_eq!(demo["counts"]["contacts"], 20, "{demo}");
    assert_eq!(demo["counts"]["conversations"], 100, "{demo}");
    assert_eq!(demo["counts"]["follow_ups"], 5, "{demo}");
    assert_eq!(demo["first_contacts"].as_array().map(Vec::len), Some(10));
    let by_assessment: u64 = demo["by_assessment"]
        .as_array()
        .expect("by_assessment")
        .iter()
        .filter_map(|a| a["contacts"].as_u64())
        .sum();
    let unassessed = demo["unassessed"].as_u64().expect("unassessed");
    assert_eq!(by_assessment + unassessed, 20);

    // The records are really in the store.
    let list = store.json(&["contact", "list", "--limit", "5"]);
    assert_eq!(list["total"], 20);
    assert_eq!(list["shown"], 5);
}

#[test]
fn demo_without_a_passphrase_uses_the_well_known_one() {
    let store = Store::new();
    let r = store.run_with(None, &["demo", "--scale", "0.01"]).success();
    assert!(r.stderr.contains("well-known passphrase"), "{}", r.stderr);
    assert!(
        r.stdout.contains("20 contacts, 100 conversations"),
        "{}",
        r.stdout
    );
    let list = store
        .run_with(Some("demo"), &["--json", "contact", "list"])
        .success();
    let v: Value = serde_json::from_str(&list.stdout).expect("JSON");
    assert_eq!(v["total"], 20);
}

#[test]
fn follow_ups_are_snoozed_handed_over_and_done() {
    let store = Store::new();
    init(&store);
    store
        .run(&["contact", "add", "--name", "Dee Walker"])
        .success();
    let added = store.json(&[
        "followup",
        "add",
        "Check in with Dee",
        "--organizer",
        "Luis O.",
        "--contact",
        "Dee",
        "--due",
        &yesterday(),
        "--every",
        "14",
    ]);
    let id = added["follow_up"]["id"].as_str().expect("id").to_owned();
    let short = &id[..8];
    assert_eq!(added["follow_up"]["repeat_every_days"], 14);

    let overdue = store.json(&["followups", "overdue", "--organizer", "Luis O."]);
    assert_eq!(overdue["total"], 1, "{overdue}");
    assert_eq!(overdue["follow_ups"][0]["contact_name"], "Dee Walker");

    // Not today: next week. Then Sam takes it over.
    store
        .run(&["followup", "snooze", short, "2099-01-05"])
        .success();
    let overdue = store.json(&["followups", "overdue", "--organizer", "Luis O."]);
    assert_eq!(overdue["total"], 0, "{overdue}");
    let handed = store.json(&["followup", "reassign", short, "Sam T."]);
    assert_eq!(handed["follow_up"]["assignee"], "Sam T.");

    // Done, with a note: the next check-in is two weeks after it was due.
    let done = store.json(&[
        "followup",
        "done",
        short,
        "--note",
        "She will bring two coworkers",
    ]);
    assert_eq!(done["follow_up"]["status"], "done");
    assert!(
        done["follow_up"]["note"]
            .as_str()
            .is_some_and(|n| n.contains("two coworkers")),
        "{done}"
    );
    assert_eq!(done["next"]["assignee"], "Sam T.");
    assert_eq!(done["next"]["previous"], id.as_str());
    let all = store.json(&["followups", "all", "--organizer", "Sam T."]);
    assert_eq!(all["total"], 1, "only the next check-in is open: {all}");
    // A done follow-up cannot be done again.
    let again = store.run(&["followup", "done", short]).user_error();
    assert!(again.stderr.contains("not open"), "{}", again.stderr);
    let text = store.run(&["followups", "week"]).success();
    assert!(
        text.stdout.contains("Nothing due this week"),
        "{}",
        text.stdout
    );
}

#[test]
fn wall_chart_structure_test_and_benchmarks_on_the_demo() {
    let store = Store::new();
    store.json(&["demo", "--scale", "0.01"]);
    let chart = store.json(&["chart"]);
    assert_eq!(chart["total"]["contacts"], 20, "{chart}");
    assert_eq!(chart["partial"], false);
    let rows = chart["rows"].as_array().expect("rows");
    assert!(!rows.is_empty());
    let top: u64 = rows
        .iter()
        .filter(|r| r["depth"] == 0)
        .filter_map(|r| r["counts"]["contacts"].as_u64())
        .sum();
    assert_eq!(
        top + chart["unplaced"]["contacts"].as_u64().unwrap_or(0),
        20
    );
    let text = store.run(&["chart"]).success();
    assert!(text.stdout.contains("supporter"), "{}", text.stdout);

    let test = store.json(&["chart", "test", "--min-supporters", "65%"]);
    let units = test["test"]["units"].as_array().expect("units");
    assert!(!units.is_empty(), "{test}");
    for u in units {
        let (meeting, needed) = (u["meeting"].as_u64(), u["needed"].as_u64());
        assert_eq!(u["passed"], meeting >= needed && u["contacts"] != 0, "{u}");
    }
    let text = store
        .run(&["chart", "test", "--min-committee", "10%"])
        .success();
    assert!(text.stdout.contains("Structure test"), "{}", text.stdout);
    store
        .run(&["chart", "test", "--min-assessment", "nobody:5%"])
        .user_error();

    store
        .run(&["plan", "add", "Stop forced overtime"])
        .success();
    store
        .run(&[
            "plan",
            "benchmark",
            "add",
            "overtime",
            "--description",
            "100 one-on-ones",
            "--target",
            "100",
            "--count",
            "conversations",
        ])
        .success();
    let list = store.json(&["plan", "benchmark", "list", "Stop forced"]);
    let b = &list["benchmarks"][0];
    assert_eq!(b["count"], 100, "the demo's conversations: {list}");
    assert_eq!(b["met"], true);
    let text = store.run(&["plan", "benchmark", "list"]).success();
    assert!(text.stdout.contains("100/100"), "{}", text.stdout);
    assert!(text.stdout.contains('█'), "a progress bar: {}", text.stdout);

    // Tactics with owners and dates; a reflection on one, with a celebration.
    store
        .run(&[
            "plan",
            "tactic",
            "overtime",
            "Deliver the petition",
            "--owner",
            "Rosa P.",
            "--date",
            "2099-03-01",
        ])
        .success();
    store
        .run(&["plan", "tactic", "overtime", "deliver", "--done"])
        .success();
    let r = store.json(&[
        "plan",
        "reflect",
        "overtime",
        "--action",
        "deliver",
        "--worked",
        "Forty of us walked in",
        "--celebrate",
        "They backed down on Saturdays!",
    ]);
    assert_eq!(r["reflection"]["action"], "Deliver the petition");
    assert!(r["reflection"]["tactic"].is_string(), "{r}");
    let shown = store.json(&["plan", "show", "overtime"]);
    assert_eq!(shown["plan"]["tactics"][0]["done"], true);
    assert_eq!(shown["plan"]["tactics"][0]["owner"], "Rosa P.");
    assert_eq!(
        shown["plan"]["reflections"][0]["celebration"],
        "They backed down on Saturdays!"
    );
    assert_eq!(shown["benchmarks"][0]["count"], 100);
}

#[test]
fn turf_is_cut_knocked_shown_and_returned() {
    let store = Store::new();
    init(&store);
    for (name, apt) in [("Ana Ruiz", "1B"), ("Bea Kim", "1A"), ("Cy Obi", "1C")] {
        store
            .run(&[
                "contact",
                "add",
                "--name",
                name,
                "--tag",
                "floor-1",
                "--address",
                &format!("home:12 Maple Court, apt {apt}"),
            ])
            .success();
    }
    store
        .run(&[
            "contact",
            "add",
            "--name",
            "Gus Upstairs",
            "--tag",
            "floor-3",
        ])
        .success();
    let members = store.json(&["group", "members"]);
    let me = members["members"][0]["device"]
        .as_str()
        .expect("device")
        .to_owned();

    // No selection at all is a usage error.
    let bare = store.run(&[
        "turf",
        "cut",
        "Floor 1",
        "--organizer",
        "Rosa P.",
        "--device",
        &me,
    ]);
    assert_eq!(bare.code, Some(2), "{}", bare.stderr);

    let cut = store.json(&[
        "turf",
        "cut",
        "Building 3, floor 1",
        "--organizer",
        "Rosa P.",
        "--device",
        &me[..8],
        "--tag",
        "floor-1",
    ]);
    assert_eq!(cut["turf"]["size"], 3, "{cut}");
    assert_eq!(cut["turf"]["devices"][0], me.as_str());

    store
        .run(&[
            "turf",
            "knock",
            "Ana",
            "not-home",
            "--organizer",
            "Rosa P.",
            "--note",
            "come back after 6",
        ])
        .success();
    store
        .run(&["turf", "knock", "Cy", "refused", "--organizer", "Rosa P."])
        .success();
    store
        .run(&[
            "talk",
            "Bea",
            "--organizer",
            "Rosa P.",
            "--story",
            "The boiler is out again",
            "--next-steps",
            "Bring Bea to the tenant meeting",
            "--no-prompt",
        ])
        .success();

    let shown = store.json(&["turf", "show", "building 3"]);
    let walk: Vec<(&str, &str)> = shown["walk_list"]
        .as_array()
        .expect("walk list")
        .iter()
        .map(|s| {
            (
                s["name"].as_str().expect("name"),
                s["status"].as_str().expect("status"),
            )
        })
        .collect();
    assert_eq!(
        walk,
        vec![
            ("Bea Kim", "conversation_held"),
            ("Ana Ruiz", "not_home"),
            ("Cy Obi", "refused")
        ],
        "door to door by apartment: {shown}"
    );
    assert_eq!(shown["turf"]["to_knock"], 0);
    assert_eq!(shown["turf"]["partial"], false);
    let text = store
        .run(&["turf", "show", "Building 3, floor 1"])
        .success();
    assert!(text.stdout.contains("3/3 reached"), "{}", text.stdout);

    let back = store.json(&["turf", "return", "Building 3, floor 1"]);
    assert!(back["turf"]["turf"]["returned_at"].is_string(), "{back}");
    let out = store.json(&["turf", "list", "--out"]);
    assert_eq!(out["turfs"].as_array().map(Vec::len), Some(0), "{out}");
    let missing = store.run(&["turf", "show", "Nowhere"]).user_error();
    assert!(missing.stderr.contains("no turf"), "{}", missing.stderr);
}
