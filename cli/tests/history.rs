//! `groundwork history`, `groundwork undo` and `groundwork onboarding`, run for real against an
//! encrypted store in a temporary folder.

mod common;

use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;

struct Laptop {
    dir: tempfile::TempDir,
    store: PathBuf,
}

struct Out {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Laptop {
    fn new() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = dir.path().join("store.db");
        let l = Self { dir, store };
        l.ok(&["init", "--group-name", "Maple St. Tenants"]);
        l
    }

    fn run(&self, args: &[&str]) -> Out {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_groundwork"));
        common::isolate(&mut cmd, self.dir.path(), &self.store, args);
        let out = cmd.output().expect("groundwork runs");
        Out {
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    fn ok(&self, args: &[&str]) -> Out {
        let out = self.run(args);
        assert_eq!(
            out.code,
            Some(0),
            "groundwork {args:?} failed:\n{}\n{}",
            out.stdout,
            out.stderr
        );
        out
    }

    fn json(&self, args: &[&str]) -> Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        let out = self.ok(&all);
        serde_json::from_str(&out.stdout)
            .unwrap_or_else(|e| panic!("{args:?}: {e}\n{}", out.stdout))
    }
}

#[test]
fn history_shows_who_changed_what_and_undo_restores_or_refuses() {
    let l = Laptop::new();
    let id = l.json(&["contact", "add", "--name", "Ana Ruiz"])["id"]
        .as_str()
        .expect("id")
        .to_owned();
    l.ok(&["contact", "edit", &id, "--name", "Anna Ruis"]);
    l.ok(&["contact", "edit", &id, "--add-tag", "committee"]);

    let h = l.json(&["history", &id]);
    assert_eq!(h["total"], 3);
    let rename = &h["entries"][1];
    assert_eq!(rename["fields"][0]["field"], "name");
    assert_eq!(rename["fields"][0]["before"], "Ana Ruiz");
    assert_eq!(rename["fields"][0]["after"], "Anna Ruis");
    assert_eq!(rename["this_device"], true);
    let text = l.ok(&["history", "contact:Anna", "--limit", "2"]).stdout;
    assert!(text.contains("name: Ana Ruiz → Anna Ruis"), "{text}");
    assert!(text.contains("tags/committee: added"), "{text}");
    assert!(text.contains("1 older change: --offset 2"), "{text}");

    // Undo the rename by the first characters of its hash; the later tag stays.
    let change = rename["change"].as_str().expect("hash");
    let undone = l.json(&["undo", &id, &change[..10]]);
    assert_eq!(undone["reverted"]["fields"][0], "name");
    let shown = l.json(&["contact", "show", &id]);
    assert_eq!(shown["name"], "Ana Ruiz");
    assert_eq!(shown["tags"][0], "committee");

    // A rename followed by another: undoing the first is refused, naming the later one.
    l.ok(&["contact", "edit", &id, "--name", "Ana R."]);
    l.ok(&["contact", "edit", &id, "--name", "Ana Ruiz Mendez"]);
    let h = l.json(&["history", &id, "--limit", "2"]);
    let (later, first) = (
        h["entries"][0]["change"].as_str().expect("h").to_owned(),
        h["entries"][1]["change"].as_str().expect("h").to_owned(),
    );
    let refused = l.run(&["undo", &id, &first]);
    assert_eq!(refused.code, Some(1), "{}", refused.stderr);
    assert!(
        refused.stderr.contains("name: change"),
        "{}",
        refused.stderr
    );
    assert!(refused.stderr.contains(&later[..12]), "{}", refused.stderr);
    assert!(refused.stderr.contains("--force"), "{}", refused.stderr);
    assert!(refused.stdout.is_empty());
    let forced = l.json(&["undo", &id, &first, "--force"]);
    assert_eq!(forced["reverted"]["overridden"][0]["field"], "name");
    let bad = l.run(&["undo", &id, "nothex!"]);
    assert_eq!(bad.code, Some(1), "{}", bad.stderr);
}

#[test]
fn onboarding_from_a_template_with_progress_and_a_benchmark() {
    let l = Laptop::new();
    l.ok(&[
        "onboarding",
        "template",
        "add",
        "New member",
        "--task",
        "Come to a building meeting",
        "--task",
        "Hold a one-on-one",
    ]);
    let templates = l.json(&["onboarding", "templates"]);
    assert_eq!(templates["templates"][0]["tasks"][1], "Hold a one-on-one");
    l.ok(&["contact", "add", "--name", "Bea Ortiz"]);
    let started = l.json(&[
        "onboarding",
        "start",
        "Bea",
        "--template",
        "new member",
        "--partner",
        "Rosa P.",
    ]);
    let tasks = started["tasks"].as_array().expect("tasks");
    assert_eq!(tasks.len(), 2);
    assert_eq!(tasks[0]["assignee"], "Bea Ortiz");
    assert_eq!(tasks[0]["partner"], "Rosa P.");
    let first = tasks[0]["id"].as_str().expect("id").to_owned();

    let p = l.json(&["onboarding", "progress"]);
    assert_eq!(p["progress"][0]["name"], "Bea Ortiz");
    assert_eq!(p["progress"][0]["done"], 0);
    assert_eq!(p["progress"][0]["total"], 2);
    l.ok(&["followup", "done", &first]);
    let p = l.json(&["onboarding", "progress", "Bea"]);
    assert_eq!(p["progress"][0]["done"], 1);
    assert_eq!(p["progress"][0]["next"]["title"], "Hold a one-on-one");
    let table = l.ok(&["onboarding", "progress"]).stdout;
    assert!(
        table.contains("1/2") && table.contains("Rosa P."),
        "{table}"
    );

    // "Members who took an onboarding task", counted from the records.
    l.ok(&["plan", "add", "Welcome new members"]);
    l.ok(&[
        "plan",
        "benchmark",
        "add",
        "Welcome",
        "--description",
        "members who took an onboarding task",
        "--target",
        "5",
        "--count",
        "contacts",
        "--follow-up-kind",
        "onboarding",
        "--done",
    ]);
    let list = l.json(&["plan", "benchmark", "list"]);
    let text = list.to_string();
    assert!(text.contains("\"count\":1"), "{text}");
}
