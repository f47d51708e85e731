//! A sync killed midway, with the real `groundwork` command on loopback: laptop A serves a group
//! of a few thousand contacts; laptop B, already a member with contacts of its own, runs
//! `groundwork sync` and is killed at random moments while the records cross, several times.
//! After each kill B's store opens and B's own contacts are all there; in the end one complete
//! sync brings every one of A's contacts, each once.
//!
//! B's store lives on a simulated disk (the LD_PRELOAD shim of `tests/power_loss`, which keeps
//! only what was fsynced): every B command runs under it, and in every other round the kill is a
//! power loss, the store's files put back to what was synced. Those kills are aimed at a moment
//! when B has written data it has not synced yet, so each of them loses something. B's own
//! contacts are also written under the shim with the power cut right after each `contact add`.
//!
//! Rounds: 8 by default, `GROUNDWORK_SYNC_KILL_ROUNDS` for more; the seed is printed and
//! `GROUNDWORK_SYNC_KILL_SEED` replays it. Needs a C compiler (`cc`) for the shim; fails, saying
//! so, without one.

mod common;
#[path = "../../tests/power_loss/harness.rs"]
mod harness;

use std::io::Read;
use std::os::unix::process::ExitStatusExt;
use std::process::Child;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use common::{
    COMMAND_DEADLINE, Laptop, Running, assert_each_once, contact_names, parse, succeeded,
};
use harness::{Disk, Shim};
use rand::{RngExt, SeedableRng};
use serde_json::Value;

/// A's contacts: enough that a sync takes many batches (each its own transaction on B).
const A_CONTACTS: usize = 3000;
/// B's own contacts, written before the syncs.
const B_OWN: usize = 5;
/// Each fsync on B's disk waits this long first, like a slow SD card: B spends longer with
/// written, unsynced data, which the power-loss rounds aim at.
const SYNC_DELAY_US: u64 = 10_000;
/// The store's files whose unsynced writes a power loss should catch.
const STORE_FILES: [&str; 2] = ["store.db-wal", "store.db"];

/// B runs everything on the simulated disk: like `Laptop::json`, with the shim.
fn b_json(b: &Laptop, disk: &Disk, args: &[&str]) -> Value {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    let mut cmd = b.command(None, &all);
    disk.apply(&mut cmd);
    succeeded(&all, Running::spawn(cmd, &all).finish(COMMAND_DEADLINE))
}

/// B's contacts by name, through the CLI (which opens the store: it must open after any kill).
fn b_names(b: &Laptop, disk: &Disk) -> Vec<String> {
    contact_names(&b_json(b, disk, &["contact", "list", "--limit", "10000"]))
}

/// B's names after a kill: the store opens, B's own contacts are all there, nothing twice.
/// Returns how many of A's contacts B holds.
fn check_b(b: &Laptop, disk: &Disk, round: usize) -> usize {
    let names = b_names(b, disk);
    let mut unique = names.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), names.len(), "round {round}: a contact twice");
    for i in 0..B_OWN {
        let own = format!("Own {i}");
        assert!(
            names.contains(&own),
            "round {round}: B's acknowledged contact {own:?} lost"
        );
    }
    let from_a = names.iter().filter(|n| n.starts_with("Member ")).count();
    assert!(
        from_a <= A_CONTACTS,
        "round {round}: {from_a} of A's contacts"
    );
    from_a
}

/// A `groundwork sync` on B that the test may kill: the process itself, its output drained.
struct Sync {
    child: Child,
    drains: Vec<JoinHandle<String>>,
}

impl Sync {
    fn start(b: &Laptop, disk: &Disk) -> Sync {
        let mut cmd = b.command(None, &["--json", "sync"]);
        disk.apply(&mut cmd);
        let mut child = cmd.spawn().expect("run groundwork sync");
        let mut drains = Vec::new();
        let out: Box<dyn Read + Send> = Box::new(child.stdout.take().expect("stdout"));
        let err: Box<dyn Read + Send> = Box::new(child.stderr.take().expect("stderr"));
        for mut pipe in [out, err] {
            drains.push(std::thread::spawn(move || {
                let mut s = String::new();
                let _ = pipe.read_to_string(&mut s);
                s
            }));
        }
        Sync { child, drains }
    }

    fn running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Kills it if it still runs; whether it was killed, and what it printed.
    fn kill(mut self) -> (bool, String) {
        let _ = self.child.kill();
        let status = self.child.wait().expect("wait for groundwork sync");
        let output: Vec<String> = self
            .drains
            .drain(..)
            .map(|h| h.join().unwrap_or_default())
            .collect();
        let output = output.join("\n");
        if status.signal().is_none() {
            assert_eq!(status.code(), Some(0), "an unkilled sync failed:\n{output}");
        }
        (status.signal().is_some(), output)
    }
}

impl Drop for Sync {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn a_sync_killed_or_losing_power_midway_loses_nothing_acknowledged_and_duplicates_nothing() {
    let started = Instant::now();
    let rounds: usize = std::env::var("GROUNDWORK_SYNC_KILL_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(8);
    let seed: u64 = std::env::var("GROUNDWORK_SYNC_KILL_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(rand::random);
    println!("crash during sync: seed {seed} (GROUNDWORK_SYNC_KILL_SEED={seed} replays it)");
    let mut rng = rand::rngs::ChaCha8Rng::seed_from_u64(seed);
    let shim = Shim::build();

    // B joins while A's group is still small; A's contacts come later, by the syncs under test.
    let a = Laptop::new();
    let b = Laptop::new();
    a.json(None, &["init", "--group-name", "Riverside Tenants"]);
    let (_, listen) = a.invite_on_loopback(&b);

    // From here on B's store is on the simulated disk, starting from what the join left.
    let store_dir = b.store.parent().expect("the store's folder");
    let disk = shim.disk(store_dir).slow_syncs(SYNC_DELAY_US);
    for i in 0..B_OWN {
        b_json(
            &b,
            &disk,
            &["contact", "add", "--name", &format!("Own {i}")],
        );
        // The command returned, so the contact is acknowledged: it must outlive the power.
        disk.power_loss();
    }
    assert_eq!(check_b(&b, &disk, 0), 0);

    a.import_people("Member", A_CONTACTS);
    let mut serve = a.spawn(
        None,
        &["--json", "serve", "--listen", &listen, "--for", "600"],
    );
    assert_eq!(
        parse(&serve.line(Duration::from_secs(60)))["event"],
        "listening"
    );

    let mut held = 0;
    let mut midway_kills = 0;
    let mut losses = 0;
    for round in 1..=rounds {
        let power = round % 2 == 0;
        let mut sync = Sync::start(&b, &disk);
        let deadline = Instant::now() + Duration::from_secs(60);
        let how = if power {
            // Cut the power at the k-th time B has written data it has not synced yet.
            let k = rng.random_range(1..=4);
            let dirty = |d: &Disk| STORE_FILES.iter().any(|f| d.unsynced(f));
            let mut was_dirty = dirty(&disk);
            let mut seen = 0;
            while sync.running() && seen < k {
                assert!(Instant::now() < deadline, "round {round}: sync hangs");
                let now = dirty(&disk);
                if now && !was_dirty {
                    seen += 1;
                }
                was_dirty = now;
                std::thread::sleep(Duration::from_micros(500));
            }
            format!("power cut at unsynced write {k}")
        } else {
            // Kill a random moment after B's j-th commit (each a batch of A's records, or the
            // sync's own bookkeeping): a wall-clock delay alone would often miss the transfer,
            // which takes about a second here.
            let j = rng.random_range(0..=2);
            let extra = Duration::from_millis(rng.random_range(0..150));
            let commits = |d: &Disk| d.images_of("store.db-wal");
            let before = commits(&disk);
            while sync.running() && commits(&disk) < before + j {
                assert!(Instant::now() < deadline, "round {round}: sync hangs");
                std::thread::sleep(Duration::from_millis(1));
            }
            std::thread::sleep(extra);
            format!("killed {extra:?} after commit {j}")
        };
        let (killed, output) = sync.kill();
        let loss = if power {
            let loss = disk.power_loss();
            if killed && loss.lost_writes() {
                losses += 1;
            }
            loss.to_string()
        } else {
            String::new()
        };
        let now = check_b(&b, &disk, round);
        assert!(
            now >= held,
            "round {round}: B had {held} of A's contacts, now {now}"
        );
        if killed && now > held && now < A_CONTACTS {
            midway_kills += 1;
        }
        println!(
            "round {round}: {} ({}); B holds {now} of A's {A_CONTACTS} contacts {loss}",
            if killed {
                how
            } else {
                "not killed: the sync ended first".into()
            },
            if power { "power loss" } else { "SIGKILL" },
        );
        if !killed {
            assert!(output.contains("\"succeeded\": 1"), "{output}");
        }
        held = now;
    }

    let synced = b_json(&b, &disk, &["sync"]);
    assert_eq!(synced["succeeded"], 1, "{synced}");
    let on_b = b_names(&b, &disk);
    assert_each_once(&on_b, A_CONTACTS + B_OWN);
    serve.interrupt();
    drop(serve.finish(Duration::from_secs(60)));
    let mut on_a = a.names();
    on_a.sort();
    let mut on_b = on_b;
    on_b.sort();
    assert_eq!(on_a, on_b, "A and B hold the same contacts");

    disk.assert_modelled();
    let images = disk.images_written();
    println!(
        "crash during sync: {rounds} rounds in {:.1} s; {midway_kills} kills mid-transfer, \
         {losses} power losses that dropped unsynced writes, {images} durable images written",
        started.elapsed().as_secs_f64()
    );
    assert!(
        images > 0,
        "the shim wrote no image: B's disk was not simulated"
    );
    assert!(
        midway_kills > 0,
        "no kill landed while A's contacts were crossing"
    );
    if rounds >= 2 {
        assert!(
            losses > 0,
            "no power loss dropped an unsynced write: the simulation was never felt"
        );
    }
}
