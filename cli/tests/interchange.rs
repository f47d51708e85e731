//! `groundwork import` and `groundwork export`, run for real against an encrypted store.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

const PASS: &str = "correct horse battery staple";

struct Store {
    dir: tempfile::TempDir,
    path: PathBuf,
}

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Store {
    fn new() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("store.db");
        Self { dir, path }
    }

    fn run(&self, args: &[&str]) -> Run {
        let out = Command::new(env!("CARGO_BIN_EXE_groundwork"))
            .arg("--store")
            .arg(&self.path)
            .args(args)
            .env("HOME", self.dir.path())
            .env("GROUNDWORK_PASSPHRASE", PASS)
            .env_remove("XDG_DATA_HOME")
            .env_remove("GROUNDWORK_STORE")
            .env_remove("GROUNDWORK_GROUP")
            .stdin(Stdio::null())
            .output()
            .expect("the groundwork binary runs");
        Run {
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    fn ok(&self, args: &[&str]) -> Run {
        let r = self.run(args);
        assert_eq!(
            r.code,
            Some(0),
            "groundwork {args:?} failed:\n{}\n{}",
            r.stdout,
            r.stderr
        );
        r
    }

    fn json(&self, args: &[&str]) -> Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        let r = self.ok(&all);
        serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}: {}", r.stdout))
    }

    fn file(&self, name: &str, bytes: &[u8]) -> String {
        let p = self.dir.path().join(name);
        std::fs::write(&p, bytes).expect("write");
        p.display().to_string()
    }

    fn contacts(&self) -> u64 {
        self.json(&["contact", "list"])["total"]
            .as_u64()
            .expect("total")
    }
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../core/tests/fixtures/interchange")
        .join(name)
}

#[test]
fn import_dry_run_then_import_then_export() {
    let store = Store::new();
    store.ok(&["init", "--group-name", "Maple St. Tenants"]);
    store.ok(&[
        "contact",
        "add",
        "--name",
        "Ana R.",
        "--phone",
        "06 12 34 56 78",
    ]);
    let an = fixture("action_network.csv");
    let an = an.to_str().expect("path");

    // A dry run reports the plan row by row and writes nothing.
    let dry = store.ok(&["import", "csv", an, "--dry-run"]);
    assert!(
        dry.stdout.contains("Action Network export"),
        "{}",
        dry.stdout
    );
    assert!(dry.stdout.contains("Nothing was written"), "{}", dry.stdout);
    assert!(dry.stdout.contains("into Ana R."), "{}", dry.stdout);
    assert_eq!(store.contacts(), 1);

    let plan = store.json(&["import", "csv", an, "--dry-run"]);
    assert_eq!(plan["creates"], 2);
    assert_eq!(plan["merges"], 1);
    assert_eq!(plan["plan"]["rows"][0]["action"], "merge_into_contact");
    assert_eq!(
        plan["plan"]["rows"][0]["line"], 2,
        "CRLF lines counted right"
    );
    assert_eq!(store.contacts(), 1);

    // The import itself, with a mapping override; rows/s at the end.
    let done = store.ok(&["import", "csv", an, "--map", "uuid=ignore"]);
    assert!(done.stdout.contains("records/s"), "{}", done.stdout);
    assert_eq!(store.contacts(), 3);
    let ana = store.json(&["contact", "show", "Ana R."]);
    assert_eq!(ana["emails"][0]["value"], "ana.ruiz@example.org");
    assert!(ana["custom"].get("action_network_id").is_none(), "{ana}");

    // Export to a private file; cells a spreadsheet would run get a neutralising quote.
    store.ok(&["contact", "add", "--name", "=cmd()", "--tag", "@here"]);
    let out = store.dir.path().join("contacts.csv");
    let out_s = out.to_str().expect("path");
    let r = store.json(&["export", "csv", "contacts", "-o", out_s]);
    assert_eq!(r["count"], 4);
    let text = std::fs::read_to_string(&out).expect("export");
    assert!(
        text.contains(",'=cmd(),") && text.contains(",'@here,"),
        "{text}"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&out).expect("meta").permissions().mode();
        assert_eq!(mode & 0o077, 0, "readable by the owner only: {mode:o}");
    }

    // vCard and iCalendar to standard output.
    let vcf = store.ok(&["export", "vcard"]).stdout;
    assert_eq!(vcf.matches("BEGIN:VCARD").count(), 4);
    store.ok(&[
        "talk",
        "Ana R.",
        "--no-prompt",
        "--organizer",
        "Rosa P.",
        "--follow-up-due",
        "2030-01-02",
    ]);
    let ics = store.ok(&["export", "ical"]).stdout;
    assert!(
        ics.contains("BEGIN:VEVENT") && ics.contains("BEGIN:VALARM"),
        "{ics}"
    );
    assert!(!ics.contains("Ana"), "{ics}");
    let ics = store
        .ok(&["export", "ical", "--todo", "--with-names"])
        .stdout;
    assert!(
        ics.contains("BEGIN:VTODO") && ics.contains("Ana R."),
        "{ics}"
    );
}

#[test]
fn import_errors_name_the_line_and_write_nothing() {
    let store = Store::new();
    store.ok(&["init"]);
    let bad = fixture("bad_row.csv");
    let r = store.run(&["import", "csv", bad.to_str().expect("path")]);
    assert_eq!(r.code, Some(1), "{}\n{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("line 3"), "{}", r.stderr);
    assert!(r.stderr.contains("hint:"), "{}", r.stderr);
    assert!(r.stdout.is_empty());
    assert_eq!(store.contacts(), 0);

    let cut = store.file("cut.vcf", b"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Ana\r\n");
    let r = store.run(&["import", "vcard", &cut]);
    assert_eq!(r.code, Some(1));
    assert!(
        r.stderr.contains("line 1") && r.stderr.contains("END:VCARD"),
        "{}",
        r.stderr
    );

    let r = store.run(&[
        "import",
        "csv",
        bad.to_str().expect("path"),
        "--map",
        "Pager=phone",
    ]);
    assert_eq!(r.code, Some(1));
    assert!(r.stderr.contains("no column \"Pager\""), "{}", r.stderr);

    let vcf = fixture("phone_contacts.vcf");
    let out = store.json(&["import", "vcard", vcf.to_str().expect("path")]);
    assert_eq!(out["result"]["created"].as_array().map(Vec::len), Some(3));
    assert_eq!(store.contacts(), 3);
}

#[test]
fn portable_export_needs_plaintext_and_round_trips_through_a_new_store() {
    let store = Store::new();
    store.ok(&["init", "--group-name", "Maple St. Tenants"]);
    store.ok(&["demo", "--scale", "0.01"]);
    let groups = store.json(&["groups"]);
    let demo = groups["groups"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|g| g["name"].as_str())
        .find(|n| *n != "Maple St. Tenants")
        .expect("the demo group")
        .to_owned();

    let refused = store.run(&["--group", &demo, "export", "jsonl"]);
    assert_eq!(refused.code, Some(1), "{}", refused.stderr);
    assert!(refused.stderr.contains("--plaintext"), "{}", refused.stderr);

    let file = store.dir.path().join("group.jsonl");
    let file = file.to_str().expect("utf-8 path");
    let made = store.ok(&[
        "--group",
        &demo,
        "export",
        "jsonl",
        "--plaintext",
        "-o",
        file,
    ]);
    assert!(made.stderr.contains("NOT encrypted"), "{}", made.stderr);
    let first = std::fs::read_to_string(file).expect("export");
    assert!(first.lines().count() > 20);

    // A new store on another laptop: init, import, export again.
    let other = Store::new();
    other.ok(&["init", "--group-name", "Imported"]);
    let imported = other.json(&["import", "jsonl", file]);
    assert!(imported["imported"]["contacts"].as_u64().expect("n") >= 20);
    let again = other.ok(&["export", "jsonl", "--plaintext"]);
    let skip_format = |t: &str| t.lines().skip(1).map(str::to_owned).collect::<Vec<_>>();
    assert_eq!(skip_format(&again.stdout), skip_format(&first));

    // Importing into a group that holds records is refused, naming what to do.
    let twice = other.run(&["import", "jsonl", file]);
    assert_eq!(twice.code, Some(1), "{}", twice.stderr);
    assert!(twice.stderr.contains("empty group"), "{}", twice.stderr);
    // A bad line is named.
    let bad = other.file("bad.jsonl", b"{\"type\":\"format\",\"name\":\"groundwork-portable-export\",\"version\":1,\"exported_at\":\"2026-01-01T00:00:00Z\"}\n{\"type\":\"contact\"\n");
    let r = other.run(&["import", "jsonl", &bad]);
    assert_eq!(r.code, Some(1));
    assert!(r.stderr.contains("line 2"), "{}", r.stderr);
}

#[test]
fn backup_restores_the_same_device_on_a_new_path() {
    let store = Store::new();
    store.ok(&["init", "--group-name", "Maple St. Tenants"]);
    store.ok(&[
        "contact",
        "add",
        "--name",
        "Rosa Nguyen",
        "--phone",
        "mobile:0612345678",
    ]);
    let backup = store.dir.path().join("monday.gwbackup");
    let backup = backup.to_str().expect("utf-8 path");
    store.ok(&["backup", "create", backup]);
    let exists = store.run(&["backup", "create", backup]);
    assert_eq!(
        exists.code,
        Some(1),
        "an existing backup is not replaced unless asked"
    );
    let raw = std::fs::read(backup).expect("backup");
    assert!(
        !raw.windows(4).any(|w| w == b"Rosa"),
        "the backup is encrypted"
    );

    let laptop = Store::new();
    let restored = laptop.json(&["backup", "restore", backup]);
    assert_eq!(restored["restored"]["groups"], 1);
    let before = store.json(&["status"]);
    let after = laptop.json(&["status"]);
    assert_eq!(after["device_id"], before["device_id"], "the same device");
    assert_eq!(laptop.contacts(), 1);
    let again = laptop.run(&["backup", "restore", backup]);
    assert_eq!(again.code, Some(1), "{}", again.stderr);
    assert!(again.stderr.contains("--force"), "{}", again.stderr);

    let torn = laptop.file("torn.gwbackup", &raw[..raw.len() / 2]);
    let fresh = Store::new();
    let r = fresh.run(&["backup", "restore", &torn]);
    assert_eq!(r.code, Some(1));
    assert!(r.stderr.contains("truncated"), "{}", r.stderr);
    assert!(!fresh.path.exists(), "nothing restored");
}
