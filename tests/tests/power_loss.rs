//! Power-loss test: like `crash.rs`, a child process writes records and prints each
//! acknowledgement, and is killed at random moments; here it runs under an LD_PRELOAD shim that
//! keeps, for each file of the store, only what was fsynced (its "durable image"), and after each
//! kill the store's files are replaced by their images, as if the power had gone out. SIGKILL
//! alone keeps the kernel's page cache, so it cannot show that the fsyncs are the right ones;
//! this can. The model and its simplifications are in `tests/power_loss/shim.c`.
//!
//! Rounds: 15 by default, `GROUNDWORK_POWER_LOSS_ROUNDS=100` for more (more on a loaded machine,
//! until the hot document has been compacted). The kill times come from
//! a seeded generator; the seed is printed, and `GROUNDWORK_POWER_LOSS_SEED` replays one.
//!
//! Needs a C compiler (`cc`) to build the shim; fails, saying so, without one.

#[path = "../power_loss/harness.rs"]
mod harness;

use std::collections::HashSet;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use groundwork_core::Repo;
use groundwork_core::ids::ContactId;
use groundwork_core::query::ContactQuery;
use groundwork_tests::acks::Acks;
use groundwork_tests::writer::{self, Target};
use rand::{RngExt, SeedableRng};

use harness::Shim;

/// How long each modelled fsync waits first, as on a phone's flash storage: the writer then
/// spends much of its time with written but unsynced data, where a power loss must drop it.
const SYNC_DELAY_US: u64 = 3_000;

#[test]
fn the_shim_keeps_only_what_was_synced() {
    let shim = Shim::build();
    let program = shim.selftest_program();
    let dir = tempfile::tempdir().expect("tmp");
    let watched = dir.path().join("disk");
    std::fs::create_dir(&watched).expect("mkdir");
    std::fs::write(watched.join("existing"), "old").expect("write");
    let disk = shim.disk(&watched);
    let read = |name: &str| std::fs::read_to_string(disk.watched().join(name));

    let mut cmd = Command::new(&program);
    cmd.arg(disk.watched())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = disk.apply(&mut cmd).spawn().expect("run the self-test");
    let mut ready = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut ready)
        .expect("read the self-test's output");
    if ready.trim() != "ready" {
        let mut err = String::new();
        let _ = child
            .stderr
            .take()
            .expect("stderr")
            .read_to_string(&mut err);
        let status = child.wait().expect("wait");
        panic!("the self-test failed ({status}): {err}");
    }
    // Under the shim, a running program sees every write, synced or not.
    assert_eq!(read("synced").expect("synced"), "AB");
    assert_eq!(read("data").expect("data"), "CD");
    assert_eq!(read("never").expect("never"), "X");
    assert_eq!(read("existing").expect("existing"), "oldnew");

    child.kill().expect("SIGKILL");
    child.wait().expect("wait");
    let loss = disk.power_loss();

    assert_eq!(read("synced").expect("synced"), "A", "{loss}");
    assert_eq!(read("data").expect("data"), "C", "{loss}");
    assert!(!disk.watched().join("never").exists(), "{loss}");
    assert_eq!(read("existing").expect("existing"), "old", "{loss}");
    assert!(loss.lost_writes());
    let rolled: Vec<&str> = loss.rolled_back.iter().map(|r| r.0.as_str()).collect();
    assert_eq!(rolled, ["data", "existing", "synced"], "{loss}");
    assert_eq!(loss.removed, [("never".to_owned(), 1)], "{loss}");
    assert_eq!(
        disk.log_lines(),
        ["image fsync synced 1", "image fdatasync data 1"]
    );
    disk.assert_modelled();
}

/// Copies the store's files to a scratch folder, so opening them there (which recovers the WAL
/// and writes) leaves the next round to start from the restored files themselves.
fn copy_dir(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).expect("list the store's folder") {
        let entry = entry.expect("entry");
        if entry.file_type().expect("type").is_file() {
            std::fs::copy(entry.path(), to.join(entry.file_name())).expect("copy a store file");
        }
    }
}

#[test]
fn every_acknowledged_write_survives_power_loss() {
    let started = Instant::now();
    let rounds: usize = std::env::var("GROUNDWORK_POWER_LOSS_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(15);
    let seed: u64 = std::env::var("GROUNDWORK_POWER_LOSS_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(rand::random);
    println!("power loss: seed {seed} (GROUNDWORK_POWER_LOSS_SEED={seed} replays it)");
    let mut rng = rand::rngs::ChaCha8Rng::seed_from_u64(seed);

    let shim = Shim::build();
    let dir = tempfile::tempdir().expect("tmp");
    let data = dir.path().join("data");
    let path = data.join("crash.db");
    let target = Target::create(&path, "Power loss test");
    let (key, group_id, hot) = (&target.key, target.group, target.hot);
    assert!(
        !data.join("crash.db-wal").exists(),
        "a clean close checkpoints and removes the WAL"
    );
    // The store as created and cleanly closed is the starting point on disk.
    let disk = shim.disk(&data).slow_syncs(SYNC_DELAY_US);
    let path = disk.watched().join("crash.db");

    let mut acked = Acks::default();
    let mut next = 0u64;
    let mut rounds_with_loss = 0;
    let mut round = 0;
    while !acked.enough_rounds(round, rounds) {
        let mut writer = target.command(env!("CARGO_BIN_EXE_crash-writer"), &path, next);
        let delay = Duration::from_millis(rng.random_range(50..600));
        let lines = writer::kill_after(disk.apply(&mut writer), delay, round);
        let loss = disk.power_loss();
        if loss.lost_writes() {
            rounds_with_loss += 1;
        }
        let acks = Acks::parse(&lines);
        println!(
            "round {round}: killed after {delay:?}, {} contacts and {} tags acknowledged; {loss}",
            acks.contacts.len(),
            acks.tags.len()
        );
        acked.extend(acks);
        next = next.max(acked.next_number());

        let scratch = tempfile::tempdir().expect("scratch");
        copy_dir(disk.watched(), scratch.path());
        let repo = Repo::open(scratch.path().join("crash.db"), key).unwrap_or_else(|e| {
            panic!("round {round}: the store does not open after power loss: {e}")
        });
        let (mode, sync, _) = repo.durability().expect("pragmas");
        assert_eq!(
            (mode.as_str(), sync),
            ("wal", 2),
            "WAL with synchronous=FULL"
        );
        let g = repo.group(group_id).expect("group");
        acked.assert_present(&g, hot, round);
        let listed = g
            .contacts(&ContactQuery {
                limit: Some(10_000),
                ..ContactQuery::default()
            })
            .expect("the index");
        let in_index: HashSet<ContactId> = listed.iter().map(|c| c.id).collect();
        for (n, id) in &acked.contacts {
            assert!(
                in_index.contains(id),
                "round {round}: the index does not list acknowledged contact {n}"
            );
        }
        if let Some(n) = acked.tags.last() {
            let tagged = g
                .count_contacts(&ContactQuery {
                    tag: Some(format!("t{n}")),
                    ..ContactQuery::default()
                })
                .expect("count by tag");
            assert_eq!(
                tagged, 1,
                "round {round}: the index lost the hot contact's tag t{n}"
            );
        }
        // A contact written but not acknowledged may be there or not: number on after the
        // highest listed, so no name is used twice.
        for c in &listed {
            if let Some(n) = c
                .name
                .strip_prefix("Crash ")
                .and_then(|n| n.parse::<u64>().ok())
            {
                next = next.max(n + 1);
            }
        }
        round += 1;
    }
    disk.assert_modelled();
    let images = disk.images_written();
    println!(
        "power loss: {round} rounds in {:.1} s, {} contacts and {} tags acknowledged, {images} \
         durable images written, writes lost in {rounds_with_loss} rounds",
        started.elapsed().as_secs_f64(),
        acked.contacts.len(),
        acked.tags.len()
    );
    assert!(images > 0, "the shim wrote no image: nothing was simulated");
    assert!(
        rounds_with_loss > 0,
        "no round lost an unsynced write: the power loss was never felt"
    );
    acked.assert_progress(rounds);
}
