//! The CSV import benchmark: a 10,000-row spreadsheet, as an organizer brings it from Action
//! Network, imported into an encrypted store through the code path `groundwork import csv` uses
//! (`interchange::plan_csv`, then `interchange::apply`).
//!
//! The file is generated deterministically: Action Network's export columns, one person in
//! twenty appearing twice (the second time with the email in capitals or the phone written
//! differently, and a new tag), notes and addresses that span lines. The import runs in a child
//! process of its own so its peak RSS is the import's alone.
//!
//! ```text
//! cargo run --release -p groundwork-bench --bin groundwork-import-bench
//! cargo run -p groundwork-bench --bin groundwork-import-bench -- --quick    # smoke run, 500 rows
//! cargo run --release -p groundwork-bench --bin groundwork-import-bench -- --rows 50000
//! ```
//!
//! It prints the figures and a final `BENCH_JSON {…}` line. It fails (exit status 1) if the
//! import stores a different number of contacts than the file holds people: duplicates must be
//! merged, nothing lost.

use std::error::Error;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use groundwork_bench::peak_rss_mb;
use groundwork_core::interchange;
use groundwork_core::query::ContactQuery;
use groundwork_core::{Repo, StoreKey};
use rand::rngs::ChaCha8Rng;
use rand::{RngExt, SeedableRng};
use serde_json::{Value, json};

type BoxResult<T> = Result<T, Box<dyn Error>>;

const CHILD_IMPORT: &str = "child-import";
const SEED: u64 = 2026;
/// One person in this many appears a second time.
const DUPLICATE_EVERY: usize = 20;

const USAGE: &str = "\
groundwork-import-bench: importing a CSV export of contacts

usage: groundwork-import-bench [--quick] [--rows N] [--dir PATH]

  --quick      500 rows: a smoke test, figures not meaningful
  --rows N     rows in the generated file (default 10000)
  --dir PATH   where to put the file and the store (default: a temporary folder)";

const FIRST: &[&str] = &[
    "Rosa", "Amadou", "Thao", "Chidi", "Marisol", "Kwame", "Lucia", "Dolores", "Larry", "Fatima",
    "Jamal", "Mei", "Sione", "Priya", "Tomás", "Nadia", "Hyun", "Olu", "Grace", "Dmitri",
];
const LAST: &[&str] = &[
    "Nguyen", "Okafor", "García", "Diallo", "Huerta", "Itliong", "Mensah", "Kowalski", "Haddad",
    "Tanaka", "O'Brien", "Singh", "Silva", "Johnson", "Abebe", "Park", "Rossi", "Fofana",
];
const STREETS: &[&str] = &[
    "Maple St",
    "Depot Rd",
    "Riverside Ave",
    "Union Sq",
    "Mill Lane",
];
const CITIES: &[(&str, &str, &str)] = &[
    ("Springfield", "MA", "011"),
    ("Oakland", "CA", "946"),
    ("Delano", "CA", "932"),
    ("Leeds", "ME", "042"),
];
const TAGS: &[&str] = &[
    "building-b",
    "night-shift",
    "committee",
    "petition-2026",
    "spanish",
    "rent-strike",
];
const NOTES: &[&str] = &[
    "Met at the laundry room.\nAsked about the heat, said to come back Thursday.",
    "Works second shift; best reached after 11pm.",
    "Signed the petition, \"wants to help with the next one\".",
    "",
    "",
];

struct Options {
    rows: usize,
    quick: bool,
    dir: Option<PathBuf>,
}

fn parse_args() -> BoxResult<Options> {
    let mut rows = None;
    let mut quick = false;
    let mut dir = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--quick" => quick = true,
            "--rows" => rows = Some(args.next().ok_or("--rows needs a number")?.parse()?),
            "--dir" => dir = Some(PathBuf::from(args.next().ok_or("--dir needs a path")?)),
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other}\n\n{USAGE}").into()),
        }
    }
    Ok(Options {
        rows: rows.unwrap_or(if quick { 500 } else { 10_000 }),
        quick,
        dir,
    })
}

fn main() {
    let mut args = std::env::args().skip(1);
    let result = if args.next().as_deref() == Some(CHILD_IMPORT) {
        let file = args.next().map(PathBuf::from);
        let store = args.next().map(PathBuf::from);
        match (file, store) {
            (Some(f), Some(s)) => child_import(&f, &s),
            _ => Err("child-import FILE STORE".into()),
        }
    } else {
        run()
    };
    if let Err(e) = result {
        eprintln!("groundwork-import-bench: {e}");
        std::process::exit(1);
    }
}

fn run() -> BoxResult<()> {
    let opts = parse_args()?;
    let tmp = tempfile::tempdir()?;
    let dir = opts.dir.clone().unwrap_or_else(|| tmp.path().to_owned());
    std::fs::create_dir_all(&dir)?;
    let file = dir.join("action_network_export.csv");
    let store = dir.join("import-bench.db");
    for stale in ["", "-wal", "-shm", ".lock"] {
        let _ = std::fs::remove_file(format!("{}{stale}", store.display()));
    }

    let (csv, people) = generate_csv(opts.rows);
    std::fs::write(&file, &csv)?;
    let bytes = csv.len();
    println!(
        "groundwork-import-bench: {} rows ({} people, {:.1} MB){}",
        opts.rows,
        people,
        bytes as f64 / 1e6,
        if opts.quick {
            " — quick run, figures not meaningful"
        } else {
            ""
        }
    );

    let out = Command::new(std::env::current_exe()?)
        .arg(CHILD_IMPORT)
        .arg(&file)
        .arg(&store)
        .output()?;
    if !out.status.success() {
        return Err(format!(
            "the import child failed: {}",
            String::from_utf8_lossy(&out.stderr)
        )
        .into());
    }
    let line = String::from_utf8(out.stdout)?;
    let child: Value = serde_json::from_str(line.trim())?;
    let contacts = child["contacts"].as_u64().unwrap_or(0);
    let seconds = child["seconds"].as_f64().unwrap_or(f64::NAN);
    let rows_per_s = opts.rows as f64 / seconds;

    let mut t = String::new();
    let mut row = |k: &str, v: String| {
        let _ = writeln!(t, "  {k:<34} {v}");
    };
    row("rows", opts.rows.to_string());
    row(
        "contacts stored (people in the file)",
        format!("{contacts} ({people})"),
    );
    row(
        "merged into an earlier row",
        child["merges"].as_u64().unwrap_or(0).to_string(),
    );
    row(
        "plan (read, check, match)",
        format!(
            "{:.2} s",
            child["plan_seconds"].as_f64().unwrap_or(f64::NAN)
        ),
    );
    row(
        "apply (transactions)",
        format!(
            "{:.2} s in {} transactions",
            child["apply_seconds"].as_f64().unwrap_or(f64::NAN),
            child["batches"]
        ),
    );
    row("total", format!("{seconds:.2} s"));
    row("rows/s", format!("{rows_per_s:.0}"));
    row(
        "peak RSS of the import process",
        match child["peak_rss_mb"].as_f64() {
            Some(mb) => format!("{mb:.1} MB"),
            None => "n/a".into(),
        },
    );
    row(
        "progress callbacks",
        child["progress_calls"].as_u64().unwrap_or(0).to_string(),
    );
    print!("{t}");
    let report = json!({
        "rows": opts.rows,
        "people": people,
        "file_bytes": bytes,
        "quick": opts.quick,
        "import": child,
        "rows_per_second": rows_per_s,
    });
    println!("BENCH_JSON {report}");
    if contacts != people as u64 {
        return Err(format!(
            "the import stored {contacts} contacts for {people} people: duplicates were not merged \
             or rows were lost"
        )
        .into());
    }
    Ok(())
}

/// The import itself, in a process of its own: what `groundwork import csv` does.
fn child_import(file: &Path, store: &Path) -> BoxResult<()> {
    let repo = Repo::open(store, &StoreKey::random())?;
    let group = repo.create_group("Riverside Tenants")?;
    let started = Instant::now();
    let bytes = std::fs::read(file)?;
    let plan = interchange::plan_csv(&group, &bytes, &[])?;
    drop(bytes);
    let planned = started.elapsed().as_secs_f64();
    let mut calls = 0u64;
    let summary = interchange::apply(&group, &plan, &mut |_, _| calls += 1)?;
    let seconds = started.elapsed().as_secs_f64();
    let contacts = group.count_contacts(&ContactQuery::default())?;
    let report = json!({
        "contacts": contacts,
        "creates": plan.creates(),
        "merges": plan.merges(),
        "skipped": plan.skipped(),
        "batches": summary.batches,
        "plan_seconds": planned,
        "apply_seconds": seconds - planned,
        "seconds": seconds,
        "progress_calls": calls,
        "peak_rss_mb": peak_rss_mb(),
        "tool": plan.tool.map(|t| t.to_string()),
    });
    println!("{report}");
    Ok(())
}

/// A CSV cell, quoted when it must be.
fn cell(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

struct Person {
    first: &'static str,
    last: &'static str,
    email: String,
    phone_digits: String,
    street: String,
    city: (&'static str, &'static str, &'static str),
    zip: String,
    tags: Vec<&'static str>,
    note: &'static str,
    uuid: String,
}

fn person(rng: &mut ChaCha8Rng, n: usize) -> Person {
    let first = FIRST[rng.random_range(0..FIRST.len())];
    let last = LAST[rng.random_range(0..LAST.len())];
    let city = CITIES[rng.random_range(0..CITIES.len())];
    let mut tags = vec![TAGS[rng.random_range(0..TAGS.len())]];
    if rng.random_range(0..3) == 0 {
        tags.push(TAGS[rng.random_range(0..TAGS.len())]);
    }
    tags.dedup();
    Person {
        first,
        last,
        email: format!(
            "{}.{}.{n}@example.org",
            first.to_lowercase(),
            last.to_lowercase().replace('\'', "")
        ),
        phone_digits: format!("1413555{n:04}"),
        street: if n % 9 == 0 {
            // A two-line street address, as spreadsheets keep them.
            format!(
                "{} {}\nApt {}",
                10 + n % 90,
                STREETS[n % STREETS.len()],
                n % 40
            )
        } else {
            format!("{} {}", 10 + n % 90, STREETS[n % STREETS.len()])
        },
        city,
        zip: format!("{}{:02}", city.2, n % 100),
        tags,
        note: NOTES[rng.random_range(0..NOTES.len())],
        uuid: format!(
            "{:08x}-{:04x}-4000-8000-{n:012x}",
            rng.random::<u32>(),
            n % 65536
        ),
    }
}

/// The file and how many different people it holds.
fn generate_csv(rows: usize) -> (String, usize) {
    let mut rng = ChaCha8Rng::seed_from_u64(SEED);
    let mut out = String::with_capacity(rows * 220);
    out.push_str(
        "uuid,first_name,last_name,email,can2_phone,can2_user_address,can2_user_city,\
         can2_state_abbreviated,zip_code,can2_country,can2_user_tags,can2_subscription_status,notes\r\n",
    );
    let mut people: Vec<Person> = Vec::new();
    for i in 0..rows {
        let again = i % DUPLICATE_EVERY == DUPLICATE_EVERY - 1 && !people.is_empty();
        let (p, email, phone, extra_tag) = if again {
            // The same person from an earlier action: matched by email or phone digits.
            let p = &people[rng.random_range(0..people.len())];
            let (email, phone) = if i % 2 == 0 {
                (p.email.to_uppercase(), String::new())
            } else {
                let d = &p.phone_digits;
                // Written differently, the same digits.
                (
                    String::new(),
                    format!("({}) {} {}", &d[1..4], &d[4..7], &d[7..]),
                )
            };
            (p, email, phone, Some("second-action"))
        } else {
            people.push(person(&mut rng, people.len()));
            let p = people.last().expect("just pushed");
            let d = &p.phone_digits;
            (
                p,
                p.email.clone(),
                format!("{}-{}-{}", &d[1..4], &d[4..7], &d[7..]),
                None,
            )
        };
        let mut tags: Vec<&str> = p.tags.clone();
        tags.extend(extra_tag);
        let cells = [
            p.uuid.as_str(),
            p.first,
            p.last,
            &email,
            &phone,
            &p.street,
            p.city.0,
            p.city.1,
            &p.zip,
            "US",
            &tags.join(", "),
            "subscribed",
            p.note,
        ];
        let line: Vec<String> = cells.iter().map(|c| cell(c)).collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    }
    (out, people.len())
}
