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
