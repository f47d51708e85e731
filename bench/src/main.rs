//! Groundwork's store benchmark: one binary that measures, side by side and in one run,
//!
//! 1. generating the sample workload into an encrypted on-disk store (information only);
//! 2. durable single-record edit latency through the public API — "hot" (a few contacts whose
//!    documents stay in the cache) and "cold" (random contacts, most edits load a document) —
//!    against raw SQLCipher inserts of a blob the size of the change an edit appends, with the
//!    same durability settings (WAL, `synchronous = FULL`);
//! 3. opening the store and listing the first 50 contacts, in a child process of its own, with
//!    its wall time and peak RSS (and the check that no document was loaded);
//! 4. the local load time: a child process opens the store and loads every document as typed
//!    records;
//!
//! and, after generating, the time to compute every plan's benchmark progress and the wall chart
//! (from the index: no document may be loaded).
//!
//! ```text
//! cargo run --release -p groundwork-bench                 # the full workload
//! cargo run -p groundwork-bench -- --quick                # CI smoke run (tiny workload)
//! cargo run --release -p groundwork-bench -- --scale 0.5 --edits 500 --dir /some/disk
//! ```
//!
//! It prints a table (metric, value, goal, ok/MISS) and a final `BENCH_JSON {…}` line for
//! scripts. A missed goal is reported, not an error: the exit status is 0 unless something failed.

use std::collections::HashSet;
use std::error::Error;
use std::ffi::OsString;
use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use groundwork_core::chart::ChartOptions;
use groundwork_core::events::RecordKind;
use groundwork_core::ids::ContactId;
use groundwork_core::model::{ContactEdit, Timestamp, Update};
use groundwork_core::query::ContactQuery;
use groundwork_core::sample::{self, Workload};
use groundwork_core::{Group, Repo, StoreKey};
use rand::rngs::ChaCha8Rng;
use rand::seq::SliceRandom;
use rand::{RngExt, SeedableRng};
use serde_json::{Value, json};

use groundwork_bench::peak_rss_mb;

type BoxResult<T> = Result<T, Box<dyn Error>>;

/// The hidden subcommands the benchmark re-executes itself with.
const CHILD_OPEN_LIST: &str = "child-open-list";
const CHILD_LOAD_ALL: &str = "child-load-all";

/// Documents the repo's cache holds; the hot set stays well inside it.
const HOT_CONTACTS: usize = 32;
/// Edits used to measure the size of the change an edit appends.
const CALIBRATION_EDITS: usize = 30;
/// Runs of each child measurement (the table shows the median wall time, the largest RSS).
const CHILD_RUNS: usize = 3;
/// The sample's base date: 2026-03-01T00:00:00Z, fixed so every run builds the same workload.
const BASE_DATE_SECS: i64 = 1_772_323_200;
/// Runs of the benchmarks + wall chart measurement (the median is shown).
const WORKFLOW_RUNS: usize = 5;
/// Seed of the benchmark's own choices (which contacts, which edits).
const BENCH_SEED: u64 = 7;

// Goals.
const GOAL_EDIT_P50_MS: f64 = 2.0;
const GOAL_EDIT_P99_MS: f64 = 10.0;
const GOAL_RAW_RATIO: f64 = 0.3;
const GOAL_OPEN_LIST_MS: f64 = 200.0;
const GOAL_OPEN_LIST_RSS_MB: f64 = 64.0;

const USAGE: &str = "\
groundwork-bench: Groundwork store benchmark

usage: groundwork-bench [--quick] [--scale F] [--edits N] [--dir PATH]

  --quick      tiny workload (scale 0.02, 100 edits per run): a smoke test, figures not meaningful
  --scale F    workload size relative to the meeting-size group (default 1.0)
  --edits N    durable single edits per run (default 2000; 100 with --quick)
  --dir PATH   where to create the temporary stores (default: the system temp dir);
               the disk matters: every durable commit fsyncs the WAL
";

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some(CHILD_OPEN_LIST) => child_main(&args, child_open_list),
        Some(CHILD_LOAD_ALL) => child_main(&args, child_load_all),
        _ => Options::parse(&args).and_then(|o| match o {
            Some(o) => run(&o),
            None => {
                print!("{USAGE}");
                Ok(())
            }
        }),
    };
    if let Err(e) = result {
        eprintln!("groundwork-bench: error: {e}");
        std::process::exit(1);
    }
}

// --- options -------------------------------------------------------------------------------

#[derive(Debug)]
struct Options {
    quick: bool,
    scale: f64,
    edits: usize,
    dir: Option<PathBuf>,
}

impl Options {
    /// `None` when help was asked for.
    fn parse(args: &[String]) -> BoxResult<Option<Self>> {
        let mut quick = false;
        let mut scale = None;
        let mut edits = None;
        let mut dir = None;
        let mut it = args.iter();
        while let Some(arg) = it.next() {
            let mut value = |name: &str| {
                it.next()
                    .cloned()
                    .ok_or_else(|| format!("{name} needs a value\n\n{USAGE}"))
            };
            match arg.as_str() {
                "--quick" => quick = true,
                "--scale" => {
                    let v = value("--scale")?;
                    let f: f64 = v
                        .parse()
                        .map_err(|_| format!("--scale: not a number: {v}"))?;
                    if !(f.is_finite() && f > 0.0 && f <= 100.0) {
                        return Err(format!("--scale must be in (0, 100], got {v}").into());
                    }
                    scale = Some(f);
                }
                "--edits" => {
                    let v = value("--edits")?;
                    let n: usize = v
                        .parse()
                        .map_err(|_| format!("--edits: not a count: {v}"))?;
                    if n == 0 {
                        return Err("--edits must be at least 1".into());
                    }
                    edits = Some(n);
                }
                "--dir" => dir = Some(PathBuf::from(value("--dir")?)),
                "-h" | "--help" => return Ok(None),
                other => return Err(format!("unknown argument {other:?}\n\n{USAGE}").into()),
            }
        }
        Ok(Some(Self {
            quick,
            scale: scale.unwrap_or(if quick { 0.02 } else { 1.0 }),
            edits: edits.unwrap_or(if quick { 100 } else { 2_000 }),
            dir,
        }))
    }
}

// --- the parent: the whole run --------------------------------------------------------------

fn run(opts: &Options) -> BoxResult<()> {
    let machine = machine_context(opts)?;
    let profile = machine["profile"].as_str().unwrap_or("?").to_owned();
    println!("Groundwork store benchmark");
    println!(
        "machine: {} CPUs ({}), {} {}, {} build, stores on {} ({})",
        machine["nproc"],
        machine["cpu"].as_str().unwrap_or("?"),
        machine["os"].as_str().unwrap_or("?"),
        machine["arch"].as_str().unwrap_or("?"),
        profile,
        machine["store_dir"].as_str().unwrap_or("?"),
        machine["filesystem"].as_str().unwrap_or("?"),
    );
    if cfg!(debug_assertions) {
        println!("note: debug build — figures are not meaningful; use --release for real ones");
    }
    if matches!(
        machine["filesystem"].as_str(),
        Some("tmpfs" | "ramfs" | "overlay")
    ) {
        println!(
            "note: the stores are on {}: fsync may cost nothing there, pass --dir on a real disk",
            machine["filesystem"].as_str().unwrap_or("?")
        );
    }

    let dir = match &opts.dir {
        Some(d) => {
            std::fs::create_dir_all(d)?;
            tempfile::Builder::new()
                .prefix("groundwork-bench-")
                .tempdir_in(d)?
        }
        None => tempfile::Builder::new()
            .prefix("groundwork-bench-")
            .tempdir()?,
    };
    let store_path = dir.path().join("store.db");
    let key = StoreKey::random();

    // 1. Generate the workload.
    let base = Timestamp::from_timestamp(BASE_DATE_SECS, 0).expect("the base date is valid");
    let workload = Workload::meeting_size(base).scaled(opts.scale);
    println!(
        "\n[1/4] generating the workload (scale {}): {} contacts, {} conversations, {} plans, {} follow-ups …",
        opts.scale,
        workload.contacts,
        workload.contacts * workload.conversations_per_contact,
        workload.plans,
        workload.follow_ups
    );
    let repo = Repo::open(&store_path, &key)?;
    let (journal, sync, _) = repo.durability()?;
    let group = repo.create_group("Benchmark group")?;
    let show_progress = std::io::stderr().is_terminal();
    let started = Instant::now();
    let generated = sample::generate(&group, &workload, |done, total| {
        if show_progress {
            eprint!("\r  {done}/{total} documents");
        }
    })?;
    let generate_s = started.elapsed().as_secs_f64();
    if show_progress {
        eprintln!();
    }
    let store_mb = store_mb(&store_path);
    // Counted from the store: what the children will find.
    let documents = group.document_versions()?.len();
    println!(
        "  {} records in {} documents in {:.1} s (store and WAL {:.1} MB; journal_mode={journal}, synchronous={sync})",
        workload.records(),
        documents,
        generate_s,
        store_mb,
    );
    if generated.contacts.is_empty() {
        return Err("the workload has no contacts to edit".into());
    }

    // The organizing workflows, in process on the warm store: every plan's benchmark progress
    // and the wall chart, both from the index (the document-load count must not move).
    let loads_before = repo.document_loads();
    let mut samples = Vec::with_capacity(WORKFLOW_RUNS);
    let (mut benchmarks, mut units) = (0, 0);
    for _ in 0..WORKFLOW_RUNS {
        let t = Instant::now();
        benchmarks = group.benchmark_progress(None, base)?.len();
        units = group.wall_chart(&ChartOptions::default())?.rows.len();
        samples.push(t.elapsed());
    }
    samples.sort();
    let workflows_ms = samples[samples.len() / 2].as_secs_f64() * 1000.0;
    let workflow_loads = repo.document_loads() - loads_before;
    println!(
        "  every benchmark ({benchmarks}) and the wall chart ({units} units): {workflows_ms:.1} ms \
         (median of {WORKFLOW_RUNS}), {workflow_loads} documents loaded"
    );

    // 2. Durable single edits, hot and cold, then raw SQLCipher inserts of the same size.
    println!(
        "\n[2/4] durable single edits: {} hot, {} cold, {} raw inserts …",
        opts.edits, opts.edits, opts.edits
    );
    let mut rng = ChaCha8Rng::seed_from_u64(BENCH_SEED);
    let mut editor = Editor::default();
    let change_bytes = measure_change_size(&group, &generated.contacts, &mut rng, &mut editor)?;
    println!("  an edit appends a change of {change_bytes:.0} bytes on average");

    let mut shuffled = generated.contacts.clone();
    shuffled.shuffle(&mut rng);
    let hot_set: Vec<ContactId> = shuffled
        .iter()
        .copied()
        .take(HOT_CONTACTS.min(shuffled.len()))
        .collect();
    for id in &hot_set {
        group.contact(*id)?; // into the cache: the hot run measures edits of loaded documents
    }
    let hot = timed_edits(&repo, &group, &hot_set, opts.edits, &mut rng, &mut editor)?;
    println!("  hot  {}", hot.summary());
    let cold = timed_edits(
        &repo,
        &group,
        &generated.contacts,
        opts.edits,
        &mut rng,
        &mut editor,
    )?;
    println!("  cold {}", cold.summary());
    let raw = raw_inserts(
        &dir.path().join("raw.db"),
        change_bytes.round().max(1.0) as usize,
        opts.edits,
        &mut rng,
    )?;
    println!("  raw  {}", raw.stats.summary());
    let ratio_hot = hot.stats.per_s / raw.stats.per_s;
    let ratio_cold = cold.stats.per_s / raw.stats.per_s;

    // Close the store as an app would before the next start: the children open it afresh.
    repo.checkpoint()?;
    drop(group);
    drop(repo);
    let closed = wait_closed(&store_path, Duration::from_secs(30));
    if !closed {
        println!("  note: the store's WAL is still there after 30 s; the children open it anyway");
    }

    // 3. Open and list the first 50 contacts, in a child process.
    println!("\n[3/4] open the store and list 50 contacts (child process, {CHILD_RUNS} runs) …");
    let open_runs = (0..CHILD_RUNS)
        .map(|_| run_child(CHILD_OPEN_LIST, &store_path, &key))
        .collect::<BoxResult<Vec<Value>>>()?;
    let open = ChildSummary::of(&open_runs)?;
    println!(
        "  {:.1} ms (median), peak RSS {:.1} MB, {} contacts listed, {} documents loaded",
        open.wall_ms, open.peak_rss_mb, open.count, open.document_loads
    );

    // 4. Local load time: every document as typed records, in a child process.
    println!(
        "\n[4/4] local load time: open and load every document (child process, {CHILD_RUNS} runs) …"
    );
    let load_runs = (0..CHILD_RUNS)
        .map(|_| run_child(CHILD_LOAD_ALL, &store_path, &key))
        .collect::<BoxResult<Vec<Value>>>()?;
    let load = ChildSummary::of(&load_runs)?;
    let conversations_loaded = load_runs[0]["conversations"].as_u64().unwrap_or(0);
    println!(
        "  {:.0} ms (median) for {} documents ({} conversations), peak RSS {:.1} MB",
        load.wall_ms, load.count, conversations_loaded, load.peak_rss_mb
    );
    println!(
        "  (reference on the project's machine: Automerge 0.12 alone loads 2,000 saved contact \
         documents with 5 conversations each in 1.6 s)"
    );

    // The table.
    let mut t = Table::default();
    t.info("workload generation", format!("{generate_s:.1} s"));
    t.info(
        "workload",
        format!("{} records / {} docs", workload.records(), documents),
    );
    t.info(
        "benchmarks + wall chart",
        format!("{workflows_ms:.1} ms ({benchmarks} benchmarks, {units} units)"),
    );
    t.goal(
        "benchmarks + chart: doc loads",
        workflow_loads.to_string(),
        "0".into(),
        workflow_loads == 0,
    );
    t.info("avg change per edit", format!("{change_bytes:.0} B"));
    for (name, run) in [("hot", &hot), ("cold", &cold)] {
        t.goal(
            &format!("edit p50 ({name})"),
            format!("{:.2} ms", run.stats.p50_ms),
            format!("≤ {GOAL_EDIT_P50_MS} ms"),
            run.stats.p50_ms <= GOAL_EDIT_P50_MS,
        );
        t.goal(
            &format!("edit p99 ({name})"),
            format!("{:.2} ms", run.stats.p99_ms),
            format!("≤ {GOAL_EDIT_P99_MS} ms"),
            run.stats.p99_ms <= GOAL_EDIT_P99_MS,
        );
        t.info(
            &format!("edit throughput ({name})"),
            format!("{:.0} edits/s", run.stats.per_s),
        );
        t.info(
            &format!("document loads ({name})"),
            format!("{} / {} edits", run.document_loads, opts.edits),
        );
    }
    t.info(
        "raw insert p50 / p99",
        format!("{:.2} / {:.2} ms", raw.stats.p50_ms, raw.stats.p99_ms),
    );
    t.info(
        "raw insert throughput",
        format!("{:.0} inserts/s", raw.stats.per_s),
    );
    for (name, ratio) in [("hot", ratio_hot), ("cold", ratio_cold)] {
        t.goal(
            &format!("groundwork / raw ({name})"),
            format!("{ratio:.2}"),
            format!("≥ {GOAL_RAW_RATIO}"),
            ratio >= GOAL_RAW_RATIO,
        );
    }
    t.goal(
        "open + list 50: time",
        format!("{:.1} ms", open.wall_ms),
        format!("≤ {GOAL_OPEN_LIST_MS} ms"),
        open.wall_ms <= GOAL_OPEN_LIST_MS,
    );
    t.goal(
        "open + list 50: peak RSS",
        format!("{:.1} MB", open.peak_rss_mb),
        format!("≤ {GOAL_OPEN_LIST_RSS_MB} MB"),
        open.peak_rss_mb <= GOAL_OPEN_LIST_RSS_MB,
    );
    t.goal(
        "open + list 50: doc loads",
        open.document_loads.to_string(),
        "0".into(),
        open.document_loads == 0,
    );
    t.info("local load time", format!("{:.0} ms", load.wall_ms));
    t.info("local load: documents", load.count.to_string());
    t.info(
        "local load: peak RSS",
        format!("{:.1} MB", load.peak_rss_mb),
    );
    println!();
    t.print();
    let missed = t.missed();
    if missed.is_empty() {
        println!("\nall goals met");
    } else {
        println!("\ngoals missed: {}", missed.join(", "));
    }

    let report = json!({
        "machine": machine,
        "durability": { "journal_mode": journal, "synchronous": sync },
        "workload": {
            "scale": opts.scale,
            "contacts": workload.contacts,
            "conversations": generated.conversations,
            "plans": workload.plans,
            "follow_ups": workload.follow_ups,
            "records": workload.records(),
            "documents": documents,
            "generate_s": generate_s,
            "store_mb_after_generation": store_mb,
        },
        "workflows": {
            "benchmarks": benchmarks,
            "chart_units": units,
            "wall_ms": workflows_ms,
            "document_loads": workflow_loads,
        },
        "edits": {
            "n": opts.edits,
            "change_bytes_avg": change_bytes,
            "hot": hot.json(),
            "cold": cold.json(),
            "raw_sqlite": raw.stats.json(),
            "raw_blob_bytes": raw.blob_bytes,
            "ratio_hot": ratio_hot,
            "ratio_cold": ratio_cold,
        },
        "open_list": {
            "wall_ms": open.wall_ms,
            "peak_rss_mb": open.peak_rss_mb,
            "document_loads": open.document_loads,
            "contacts": open.count,
            "store_closed_before": closed,
            "runs": open_runs,
        },
        "local_load": {
            "wall_ms": load.wall_ms,
            "documents": load.count,
            "conversations": conversations_loaded,
            "peak_rss_mb": load.peak_rss_mb,
            "runs": load_runs,
        },
        "goals": {
            "edit_p50_ms": GOAL_EDIT_P50_MS,
            "edit_p99_ms": GOAL_EDIT_P99_MS,
            "raw_ratio": GOAL_RAW_RATIO,
            "open_list_ms": GOAL_OPEN_LIST_MS,
            "open_list_rss_mb": GOAL_OPEN_LIST_RSS_MB,
        },
        "goals_missed": missed,
    });
    println!("BENCH_JSON {report}");
    Ok(())
}

// --- edits -----------------------------------------------------------------------------------

/// Makes the benchmark's edits: a rotation of edit kinds, each changing something.
#[derive(Default)]
struct Editor {
    n: u64,
}

impl Editor {
    fn next(&mut self) -> Update<ContactEdit> {
        self.n += 1;
        let n = self.n;
        let edit = match n % 3 {
            0 => ContactEdit::SetName(format!("Bench Person {n}")),
            1 => ContactEdit::AddTag(format!("bench-{n}")),
            _ => ContactEdit::SetCustom {
                key: "shift".into(),
                value: Some(format!("rotation {n}")),
            },
        };
        Update::new(vec![edit])
    }
}

/// The average size in bytes of the change one edit appends, from the document's changes before
/// and after each of a few edits.
fn measure_change_size(
    group: &Group,
    contacts: &[ContactId],
    rng: &mut ChaCha8Rng,
    editor: &mut Editor,
) -> BoxResult<f64> {
    let mut total = 0usize;
    let mut changes = 0usize;
    for _ in 0..CALIBRATION_EDITS {
        let id = contacts[rng.random_range(0..contacts.len())];
        let before: HashSet<Vec<u8>> = group
            .export_signed_changes(id.into())?
            .into_iter()
            .map(|c| c.change)
            .collect();
        group.update_contact(id, &editor.next())?;
        let after = group.export_signed_changes(id.into())?;
        for c in after.iter().filter(|c| !before.contains(&c.change)) {
            total += c.change.len();
            changes += 1;
        }
    }
    if changes != CALIBRATION_EDITS {
        return Err(format!(
            "expected one new change per edit, found {changes} for {CALIBRATION_EDITS} edits"
        )
        .into());
    }
    Ok(total as f64 / CALIBRATION_EDITS as f64)
}

struct EditRun {
    stats: Stats,
    /// Documents the repo loaded from the store during the run (edits of uncached documents and
    /// the background compaction).
    document_loads: u64,
}

impl EditRun {
    fn summary(&self) -> String {
        format!(
            "{} ({} document loads)",
            self.stats.summary(),
            self.document_loads
        )
    }
    fn json(&self) -> Value {
        let mut v = self.stats.json();
        v["document_loads"] = json!(self.document_loads);
        v
    }
}

/// `n` single edits of contacts picked at random from `pool`, each its own durable transaction.
fn timed_edits(
    repo: &Repo,
    group: &Group,
    pool: &[ContactId],
    n: usize,
    rng: &mut ChaCha8Rng,
    editor: &mut Editor,
) -> BoxResult<EditRun> {
    let plan: Vec<(ContactId, Update<ContactEdit>)> = (0..n)
        .map(|_| (pool[rng.random_range(0..pool.len())], editor.next()))
        .collect();
    let loads_before = repo.document_loads();
    let mut samples = Vec::with_capacity(n);
    let started = Instant::now();
    for (id, update) in &plan {
        let t = Instant::now();
        group.update_contact(*id, update)?;
        samples.push(t.elapsed());
    }
    let wall = started.elapsed();
    Ok(EditRun {
        stats: Stats::of(samples, wall),
        document_loads: repo.document_loads() - loads_before,
    })
}

struct RawRun {
    stats: Stats,
    blob_bytes: usize,
}

/// `n` inserts of a `blob_bytes` blob into a separate SQLCipher database with the store's
/// durability settings, one transaction each.
fn raw_inserts(
    path: &Path,
    blob_bytes: usize,
    n: usize,
    rng: &mut ChaCha8Rng,
) -> BoxResult<RawRun> {
    let key: [u8; 32] = rng.random();
    let conn = rusqlite::Connection::open(path)?;
    conn.execute_batch(&format!("PRAGMA key = \"x'{}'\";", to_hex(&key)))?;
    // The same page authentication as the store, so the comparison is like for like.
    conn.execute_batch("PRAGMA cipher_hmac_algorithm = HMAC_SHA256;")?;
    conn.execute_batch(
        "PRAGMA journal_mode = WAL;
         PRAGMA synchronous = FULL;
         CREATE TABLE changes (id INTEGER PRIMARY KEY, doc BLOB NOT NULL, bytes BLOB NOT NULL);",
    )?;
    let mode: String = conn.query_row("PRAGMA journal_mode", [], |r| r.get(0))?;
    let sync: i64 = conn.query_row("PRAGMA synchronous", [], |r| r.get(0))?;
    let cipher: String = conn
        .query_row("PRAGMA cipher_version", [], |r| r.get(0))
        .unwrap_or_default();
    if mode != "wal" || sync != 2 || cipher.is_empty() {
        return Err(format!(
            "raw database settings are not the store's: journal_mode={mode}, synchronous={sync}, cipher={cipher:?}"
        )
        .into());
    }
    let blobs: Vec<(Vec<u8>, Vec<u8>)> = (0..n + 10)
        .map(|_| {
            let doc: [u8; 16] = rng.random();
            let mut bytes = vec![0u8; blob_bytes];
            rng.fill(&mut bytes[..]);
            (doc.to_vec(), bytes)
        })
        .collect();
    let mut conn = conn;
    let mut insert = |doc: &[u8], bytes: &[u8]| -> rusqlite::Result<()> {
        let tx = conn.transaction()?;
        tx.prepare_cached("INSERT INTO changes (doc, bytes) VALUES (?1, ?2)")?
            .execute(rusqlite::params![doc, bytes])?;
        tx.commit()
    };
    // A few untimed inserts first, so the statement is prepared and the WAL exists.
    for (doc, bytes) in &blobs[n..] {
        insert(doc, bytes)?;
    }
    let mut samples = Vec::with_capacity(n);
    let started = Instant::now();
    for (doc, bytes) in &blobs[..n] {
        let t = Instant::now();
        insert(doc, bytes)?;
        samples.push(t.elapsed());
    }
    let wall = started.elapsed();
    Ok(RawRun {
        stats: Stats::of(samples, wall),
        blob_bytes,
    })
}

/// Latency percentiles and throughput of a run.
struct Stats {
    n: usize,
    p50_ms: f64,
    p90_ms: f64,
    p99_ms: f64,
    max_ms: f64,
    mean_ms: f64,
    per_s: f64,
}

impl Stats {
    fn of(mut samples: Vec<Duration>, wall: Duration) -> Self {
        samples.sort_unstable();
        let ms = |d: Duration| d.as_secs_f64() * 1e3;
        // Nearest rank.
        let pct = |p: f64| {
            let rank = ((p * samples.len() as f64).ceil() as usize).clamp(1, samples.len());
            ms(samples[rank - 1])
        };
        let n = samples.len();
        Self {
            n,
            p50_ms: pct(0.50),
            p90_ms: pct(0.90),
            p99_ms: pct(0.99),
            max_ms: samples.last().map_or(0.0, |d| ms(*d)),
            mean_ms: samples.iter().map(|d| ms(*d)).sum::<f64>() / n as f64,
            per_s: n as f64 / wall.as_secs_f64(),
        }
    }
    fn summary(&self) -> String {
        format!(
            "p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms, {:.0}/s",
            self.p50_ms, self.p99_ms, self.max_ms, self.per_s
        )
    }
    fn json(&self) -> Value {
        json!({
            "n": self.n,
            "p50_ms": self.p50_ms,
            "p90_ms": self.p90_ms,
            "p99_ms": self.p99_ms,
            "max_ms": self.max_ms,
            "mean_ms": self.mean_ms,
            "per_s": self.per_s,
        })
    }
}

// --- child processes -------------------------------------------------------------------------

/// Runs `subcommand` in a child process of this binary; the store key goes through its stdin.
/// Returns the JSON line the child printed.
fn run_child(subcommand: &str, store: &Path, key: &StoreKey) -> BoxResult<Value> {
    let exe = std::env::current_exe()?;
    let mut child = Command::new(exe)
        .arg(subcommand)
        .arg(store)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    {
        let mut stdin = child.stdin.take().expect("stdin was piped");
        stdin.write_all(to_hex(key.as_bytes()).as_bytes())?;
        // Dropping stdin closes it: the child reads to the end.
    }
    let out = child.wait_with_output()?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        return Err(format!(
            "child {subcommand} failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        )
        .into());
    }
    let line = stdout
        .lines()
        .rev()
        .find(|l| l.starts_with('{'))
        .ok_or_else(|| format!("child {subcommand} printed no result: {stdout:?}"))?;
    Ok(serde_json::from_str(line)?)
}

/// The figures of a child measurement's runs: the median wall time, the largest RSS and loads.
struct ChildSummary {
    wall_ms: f64,
    peak_rss_mb: f64,
    document_loads: u64,
    count: u64,
}

impl ChildSummary {
    fn of(runs: &[Value]) -> BoxResult<Self> {
        let num = |v: &Value, k: &str| {
            v[k].as_f64()
                .ok_or_else(|| format!("child result has no {k}: {v}"))
        };
        let mut walls = runs
            .iter()
            .map(|r| num(r, "wall_ms"))
            .collect::<Result<Vec<_>, _>>()?;
        walls.sort_by(f64::total_cmp);
        let first = runs.first().ok_or("no child runs")?;
        Ok(Self {
            wall_ms: walls[walls.len() / 2],
            // No VmHWM (not Linux) shows as NaN, which meets no goal.
            peak_rss_mb: runs
                .iter()
                .map(|r| r["peak_rss_mb"].as_f64().unwrap_or(f64::NAN))
                .fold(f64::NEG_INFINITY, f64::max),
            document_loads: runs
                .iter()
                .map(|r| r["document_loads"].as_u64().unwrap_or(u64::MAX))
                .max()
                .unwrap_or(u64::MAX),
            count: first["count"].as_u64().unwrap_or(0),
        })
    }
}

/// A child: reads the key from stdin, runs `f` on the store path, prints its JSON line.
fn child_main(args: &[String], f: fn(&Path, &StoreKey) -> BoxResult<Value>) -> BoxResult<()> {
    let [_, path] = args else {
        return Err(format!("usage: groundwork-bench {} <store path>", args[0]).into());
    };
    let path = Path::new(path);
    if !path.exists() {
        return Err(format!("no store at {}", path.display()).into());
    }
    let mut hex = String::new();
    std::io::stdin().read_to_string(&mut hex)?;
    let bytes = from_hex(hex.trim()).ok_or("the key on stdin is not hex")?;
    let key = StoreKey::from_bytes(&bytes)?;
    let result = f(path, &key)?;
    println!("{result}");
    Ok(())
}

/// Opens the store and lists the first 50 contacts by name, from the index.
fn child_open_list(path: &Path, key: &StoreKey) -> BoxResult<Value> {
    let started = Instant::now();
    let repo = Repo::open(path, key)?;
    let group = first_group(&repo)?;
    let list = group.contacts(&ContactQuery {
        limit: Some(50),
        ..ContactQuery::default()
    })?;
    let wall = started.elapsed();
    std::hint::black_box(&list);
    Ok(json!({
        "wall_ms": wall.as_secs_f64() * 1e3,
        "peak_rss_mb": peak_rss_mb(),
        "document_loads": repo.document_loads(),
        "count": list.len(),
    }))
}

/// Opens the store and loads every document as typed records, kept in memory.
fn child_load_all(path: &Path, key: &StoreKey) -> BoxResult<Value> {
    let started = Instant::now();
    let repo = Repo::open(path, key)?;
    let group = first_group(&repo)?;
    let versions = group.document_versions()?;
    let (mut contacts, mut follow_ups, mut plans, mut terrain, mut settings) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for v in &versions {
        match v.kind {
            RecordKind::Contact => contacts.push(group.contact(v.id.into())?),
            RecordKind::FollowUp => follow_ups.push(group.follow_up(v.id.into())?),
            RecordKind::Plan => plans.push(group.plan(v.id.into())?),
            RecordKind::Terrain => terrain.push(group.terrain(v.id.into())?),
            RecordKind::Settings => settings.push(group.settings()?),
        }
    }
    let wall = started.elapsed();
    let count = contacts.len() + follow_ups.len() + plans.len() + terrain.len() + settings.len();
    let conversations: usize = contacts.iter().map(|c| c.conversations.len()).sum();
    let peak = peak_rss_mb();
    std::hint::black_box((&contacts, &follow_ups, &plans, &terrain, &settings));
    Ok(json!({
        "wall_ms": wall.as_secs_f64() * 1e3,
        "peak_rss_mb": peak,
        "document_loads": repo.document_loads(),
        "count": count,
        "contacts": contacts.len(),
        "conversations": conversations,
        "follow_ups": follow_ups.len(),
        "plans": plans.len(),
        "terrain_trees": terrain.len(),
        "settings": settings.len(),
    }))
}

fn first_group(repo: &Repo) -> BoxResult<Group> {
    let (id, _) = repo
        .groups()?
        .into_iter()
        .next()
        .ok_or("the store has no group")?;
    Ok(repo.group(id)?)
}

// --- the table -------------------------------------------------------------------------------

#[derive(Default)]
struct Table {
    /// (metric, value, goal, status)
    rows: Vec<[String; 4]>,
}

impl Table {
    fn info(&mut self, metric: &str, value: String) {
        self.rows
            .push([metric.into(), value, "—".into(), "info".into()]);
    }
    fn goal(&mut self, metric: &str, value: String, goal: String, met: bool) {
        let status = if met { "ok" } else { "MISS" };
        self.rows.push([metric.into(), value, goal, status.into()]);
    }
    fn missed(&self) -> Vec<String> {
        self.rows
            .iter()
            .filter(|r| r[3] == "MISS")
            .map(|r| r[0].clone())
            .collect()
    }
    fn print(&self) {
        let header = ["metric", "value", "goal", "status"].map(String::from);
        let mut widths = [0usize; 4];
        for row in std::iter::once(&header).chain(&self.rows) {
            for (w, cell) in widths.iter_mut().zip(row) {
                *w = (*w).max(cell.chars().count());
            }
        }
        let line = |row: &[String; 4]| {
            let cells: Vec<String> = row
                .iter()
                .zip(widths)
                .map(|(c, w)| format!("{c}{}", " ".repeat(w - c.chars().count())))
                .collect();
            println!("  {}", cells.join("  ").trim_end());
        };
        line(&header);
        println!(
            "  {}",
            widths
                .iter()
                .map(|w| "-".repeat(*w))
                .collect::<Vec<_>>()
                .join("  ")
        );
        for row in &self.rows {
            line(row);
        }
    }
}

// --- helpers ---------------------------------------------------------------------------------

/// The machine and build the figures come from.
fn machine_context(opts: &Options) -> BoxResult<Value> {
    let nproc = std::thread::available_parallelism().map_or(0, |n| n.get());
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let dir = match &opts.dir {
        Some(d) => {
            std::fs::create_dir_all(d)?;
            d.canonicalize()?
        }
        None => std::env::temp_dir().canonicalize()?,
    };
    Ok(json!({
        "nproc": nproc,
        "cpu": cpu,
        "os": std::env::consts::OS,
        "arch": std::env::consts::ARCH,
        "profile": if cfg!(debug_assertions) { "debug" } else { "release" },
        "quick": opts.quick,
        "store_dir": dir.display().to_string(),
        "filesystem": filesystem_of(&dir).unwrap_or_else(|| "unknown".into()),
    }))
}

/// The filesystem type of the mount holding `dir` (Linux), from /proc/mounts.
fn filesystem_of(dir: &Path) -> Option<String> {
    let mounts = std::fs::read_to_string("/proc/mounts").ok()?;
    mounts
        .lines()
        .filter_map(|l| {
            let mut f = l.split_whitespace();
            let (_, point, fs) = (f.next()?, f.next()?, f.next()?);
            let point = point.replace("\\040", " ");
            dir.starts_with(&point)
                .then(|| (point.len(), fs.to_owned()))
        })
        .max_by_key(|(len, _)| *len)
        .map(|(_, fs)| fs)
}

/// Waits until the store's WAL file is gone: SQLite removes it when the last connection closes
/// (the background compaction thread may hold the connection a moment after the repo is dropped).
fn wait_closed(store: &Path, limit: Duration) -> bool {
    let wal = wal_path(store);
    let started = Instant::now();
    while wal.exists() {
        if started.elapsed() > limit {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    true
}

/// The size of a store's database file and its WAL, in MB.
fn store_mb(store: &Path) -> f64 {
    [store.to_path_buf(), wal_path(store)]
        .iter()
        .filter_map(|p| std::fs::metadata(p).ok())
        .map(|m| m.len() as f64 / (1024.0 * 1024.0))
        .sum()
}

/// SQLite's WAL file next to a database file.
fn wal_path(store: &Path) -> PathBuf {
    let mut wal = OsString::from(store.as_os_str());
    wal.push("-wal");
    PathBuf::from(wal)
}

fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn from_hex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) || !s.is_ascii() {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).ok())
        .collect()
}
