//! The power-loss simulation's test side, shared by `tests/tests/power_loss.rs` and
//! `cli/tests/crash_during_sync.rs` (each includes this file with `#[path]`, so it needs nothing
//! but std and tempfile, which both crates have).
//!
//! [`Shim`] compiles `shim.c` (the LD_PRELOAD library that copies a file to its "durable image"
//! at each fsync; see its header for the model) with the system's C compiler. A [`Disk`] watches
//! one directory: commands given [`Disk::apply`] run under the shim, and [`Disk::power_loss`],
//! called once they are dead, puts the directory back to what was synced.
//!
//! Each test binary uses part of this module, so the rest is dead code in that binary.
#![allow(dead_code)]

use std::collections::BTreeSet;
use std::fmt;
use std::path::{Path, PathBuf};
use std::process::Command;

const SHIM_SOURCE: &str = include_str!("shim.c");
const SELFTEST_SOURCE: &str = include_str!("selftest.c");

/// The compiled shim (and, when asked, other C programs), in a temporary folder.
pub(crate) struct Shim {
    dir: tempfile::TempDir,
    library: PathBuf,
}

impl Shim {
    /// Compiles the shim. Fails the test, saying what to install, if there is no C compiler: a
    /// skipped power-loss test would look like a passing one.
    pub(crate) fn build() -> Shim {
        let dir = tempfile::tempdir().expect("temp dir for the shim");
        let source = dir.path().join("shim.c");
        std::fs::write(&source, SHIM_SOURCE).expect("write shim.c");
        let library = dir.path().join("shim.so");
        compile(&[
            "-shared",
            "-fPIC",
            "-O2",
            "-Wall",
            "-o",
            path_str(&library),
            path_str(&source),
            "-ldl",
            "-lpthread",
        ]);
        Shim { dir, library }
    }

    /// The shim's self-test program (`selftest.c`), compiled.
    pub(crate) fn selftest_program(&self) -> PathBuf {
        let source = self.dir.path().join("selftest.c");
        std::fs::write(&source, SELFTEST_SOURCE).expect("write selftest.c");
        let program = self.dir.path().join("selftest");
        compile(&["-O2", "-Wall", "-o", path_str(&program), path_str(&source)]);
        program
    }

    /// A disk whose durable state is simulated for `watched` (a directory, created if absent).
    /// Its images start as a copy of what the directory holds now.
    pub(crate) fn disk(&self, watched: &Path) -> Disk {
        std::fs::create_dir_all(watched).expect("create the watched directory");
        let watched = watched
            .canonicalize()
            .expect("canonical path of the watched directory");
        let state = tempfile::tempdir().expect("temp dir for the images");
        let images = state.path().join("images");
        std::fs::create_dir(&images).expect("create the image directory");
        let disk = Disk {
            watched,
            log: state.path().join("shim.log"),
            images,
            library: self.library.clone(),
            sync_delay_us: 0,
            _state: state,
        };
        disk.settle();
        disk
    }
}

fn path_str(p: &Path) -> &str {
    p.to_str().expect("a UTF-8 temp path")
}

fn compile(args: &[&str]) {
    match Command::new("cc").args(args).output() {
        Ok(o) if o.status.success() => {}
        Ok(o) => panic!(
            "`cc {}` failed:\n{}",
            args.join(" "),
            String::from_utf8_lossy(&o.stderr)
        ),
        Err(e) => panic!(
            "cannot run the C compiler `cc` ({e}): the power-loss tests compile an LD_PRELOAD \
             shim with it; install one (Debian: apt-get install build-essential)"
        ),
    }
}

/// One watched directory and its durable images.
pub(crate) struct Disk {
    watched: PathBuf,
    images: PathBuf,
    log: PathBuf,
    library: PathBuf,
    sync_delay_us: u64,
    _state: tempfile::TempDir,
}

impl Disk {
    /// Makes each sync in the watched directory wait `us` microseconds first, like a slow flash
    /// disk: written data then spends longer not yet durable, so random kills land there often.
    pub(crate) fn slow_syncs(mut self, us: u64) -> Disk {
        self.sync_delay_us = us;
        self
    }

    /// The watched directory (canonical).
    pub(crate) fn watched(&self) -> &Path {
        &self.watched
    }

    /// Runs `cmd` under the shim.
    pub(crate) fn apply<'a>(&self, cmd: &'a mut Command) -> &'a mut Command {
        cmd.env("LD_PRELOAD", &self.library)
            .env("GROUNDWORK_POWER_LOSS_DIR", &self.watched)
            .env("GROUNDWORK_POWER_LOSS_IMAGES", &self.images)
            .env("GROUNDWORK_POWER_LOSS_LOG", &self.log)
            .env(
                "GROUNDWORK_POWER_LOSS_SYNC_DELAY_US",
                self.sync_delay_us.to_string(),
            )
    }

    /// Declares everything in the watched directory durable, as if the machine then ran long
    /// enough to write it all back. Only while no process writes there.
    pub(crate) fn settle(&self) {
        for name in names(&self.images) {
            std::fs::remove_file(self.images.join(&name)).expect("remove an old image");
        }
        for name in names(&self.watched) {
            std::fs::copy(self.watched.join(&name), self.images.join(&name))
                .expect("copy a file to its image");
        }
    }

    /// The power goes out: every file in the watched directory becomes its durable image, and a
    /// file without one is deleted. Call it only once the processes writing there are dead.
    pub(crate) fn power_loss(&self) -> Loss {
        let mut loss = Loss::default();
        let images: BTreeSet<String> = names(&self.images)
            .into_iter()
            // Half-written copies of a process killed mid-copy: their sync never returned.
            .filter(|n| !n.starts_with(".tmp-"))
            .collect();
        for name in names(&self.watched) {
            let live = self.watched.join(&name);
            if images.contains(&name) {
                let now = std::fs::read(&live).expect("read a watched file");
                let durable = std::fs::read(self.images.join(&name)).expect("read an image");
                if now != durable {
                    std::fs::write(&live, &durable).expect("restore a file's image");
                    loss.rolled_back
                        .push((name, now.len() as u64, durable.len() as u64));
                }
            } else {
                let len = std::fs::metadata(&live)
                    .expect("a watched file's size")
                    .len();
                std::fs::remove_file(&live).expect("remove a never-synced file");
                loss.removed.push((name, len));
            }
        }
        for name in &images {
            let live = self.watched.join(name);
            if !live.exists() {
                std::fs::copy(self.images.join(name), &live).expect("bring back an image");
                loss.resurrected.push(name.clone());
            }
        }
        loss
    }

    /// Whether the watched file `name` holds writes not yet synced: it is not empty and changed
    /// after its image was taken, or it has none. (A write in the same clock tick as the copy can
    /// be missed, so this may say no when the answer is yes, never the reverse.) A test polls it
    /// to cut the power while data is in flight.
    pub(crate) fn unsynced(&self, name: &str) -> bool {
        let Ok(live) = std::fs::metadata(self.watched.join(name)) else {
            return false;
        };
        if live.len() == 0 {
            return false;
        }
        match std::fs::metadata(self.images.join(name)) {
            Ok(image) => match (live.modified(), image.modified()) {
                (Ok(l), Ok(i)) => l > i,
                _ => false,
            },
            Err(_) => true,
        }
    }

    /// How many images the shim has written (each a successful sync of a watched file).
    pub(crate) fn images_written(&self) -> usize {
        self.log_lines()
            .iter()
            .filter(|l| l.starts_with("image "))
            .count()
    }

    /// How many images of the watched file `name` the shim has written.
    pub(crate) fn images_of(&self, name: &str) -> usize {
        self.log_lines()
            .iter()
            .filter(|l| l.starts_with("image ") && l.split(' ').nth(2) == Some(name))
            .count()
    }

    /// The sync calls seen, as the shim logged them (`image fsync store.db-wal 123456`).
    pub(crate) fn log_lines(&self) -> Vec<String> {
        match std::fs::read_to_string(&self.log) {
            Ok(s) => s.lines().map(str::to_owned).collect(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => panic!("read the shim's log: {e}"),
        }
    }

    /// Fails the test if a process used a sync call the model does not cover: the images would
    /// not show what that call made durable.
    pub(crate) fn assert_modelled(&self) {
        let odd: Vec<String> = self
            .log_lines()
            .into_iter()
            .filter(|l| l.starts_with("unmodelled"))
            .collect();
        assert!(
            odd.is_empty(),
            "the power-loss model does not cover these calls: {odd:?}"
        );
    }
}

/// The regular files directly in `dir`, by name.
fn names(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).expect("list a directory") {
        let entry = entry.expect("directory entry");
        if entry.file_type().expect("file type").is_file() {
            out.push(entry.file_name().into_string().expect("UTF-8 file name"));
        }
    }
    out.sort();
    out
}

/// What a simulated power loss took away.
#[derive(Debug, Default)]
pub(crate) struct Loss {
    /// Files put back to their last synced content: (name, bytes before, bytes after).
    pub(crate) rolled_back: Vec<(String, u64, u64)>,
    /// Files never synced, deleted: (name, bytes).
    pub(crate) removed: Vec<(String, u64)>,
    /// Files deleted since their last sync, back again.
    pub(crate) resurrected: Vec<String>,
}

impl Loss {
    /// Whether written data was lost: a synced file that held more than its image rolled back,
    /// or a never-synced file holding data gone (not SQLite's shared-memory index, which is
    /// never synced and is rebuilt on open). An empty file given back its image's content (a
    /// file unlinked and made again since its last sync) lost nothing written.
    pub(crate) fn lost_writes(&self) -> bool {
        self.rolled_back.iter().any(|(_, before, _)| *before > 0)
            || self
                .removed
                .iter()
                .any(|(name, len)| *len > 0 && !name.ends_with("-shm"))
    }
}

impl fmt::Display for Loss {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        for (name, before, after) in &self.rolled_back {
            parts.push(format!("{name} rolled back ({before} -> {after} bytes)"));
        }
        for (name, len) in &self.removed {
            parts.push(format!("{name} removed ({len} bytes)"));
        }
        for name in &self.resurrected {
            parts.push(format!("{name} back"));
        }
        if parts.is_empty() {
            f.write_str("nothing lost")
        } else {
            f.write_str(&parts.join(", "))
        }
    }
}
