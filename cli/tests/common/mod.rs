//! What the end-to-end tests share: a `groundwork` process whose output is read line by line
//! with deadlines, and killed (never left behind) when a test fails.
//!
//! Each test binary uses part of this module, so the rest is dead code in that binary.
#![allow(dead_code)]

pub(crate) mod capture;

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde_json::Value;

/// The passphrase every test store is made with.
pub(crate) const PASS: &str = "correct horse battery staple";

/// Points `cmd` (a `groundwork` run, maybe behind a wrapper such as `ip netns exec`) at one
/// laptop's store and home, with nothing inherited from the developer's environment, and pipes
/// its output.
pub(crate) fn isolate<'a>(
    cmd: &'a mut Command,
    home: &Path,
    store: &Path,
    args: &[&str],
) -> &'a mut Command {
    cmd.arg("--store")
        .arg(store)
        .args(args)
        .env("HOME", home)
        .env("GROUNDWORK_PASSPHRASE", PASS)
        .env_remove("XDG_DATA_HOME")
        .env_remove("GROUNDWORK_STORE")
        .env_remove("GROUNDWORK_GROUP")
        .env_remove("GROUNDWORK_ORGANIZER")
        .env_remove("GROUNDWORK_LOG")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
}

/// A running process; killed when dropped.
pub(crate) struct Running {
    pub(crate) args: Vec<String>,
    child: Child,
    lines: mpsc::Receiver<String>,
    stdout: Option<JoinHandle<String>>,
    stderr: Option<JoinHandle<String>>,
    ended: bool,
}

/// A finished process: its exit code (none if killed) and everything it printed.
pub(crate) struct Run {
    pub(crate) args: Vec<String>,
    pub(crate) code: Option<i32>,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

impl Running {
    /// Starts `cmd` (with piped stdout and stderr); `args` name it in failure messages.
    pub(crate) fn spawn(mut cmd: Command, args: &[&str]) -> Self {
        let mut child = cmd.spawn().expect("the command runs");
        let out = child.stdout.take().expect("stdout");
        let mut err = child.stderr.take().expect("stderr");
        let (tx, lines) = mpsc::channel();
        let stdout = std::thread::spawn(move || {
            let mut all = String::new();
            for line in BufReader::new(out).lines() {
                let Ok(line) = line else { break };
                all.push_str(&line);
                all.push('\n');
                let _ = tx.send(line);
            }
            all
        });
        let stderr = std::thread::spawn(move || {
            let mut all = String::new();
            let _ = err.read_to_string(&mut all);
            all
        });
        Self {
            args: args.iter().map(|s| s.to_string()).collect(),
            child,
            lines,
            stdout: Some(stdout),
            stderr: Some(stderr),
            ended: false,
        }
    }

    /// The next line on stdout, within `timeout`; kills the process and fails the test if none.
    pub(crate) fn line(&mut self, timeout: Duration) -> String {
        match self.lines.recv_timeout(timeout) {
            Ok(l) => l,
            Err(e) => {
                let r = self.kill();
                panic!(
                    "no line from {:?} ({e}):\nstdout:\n{}\nstderr:\n{}",
                    r.args, r.stdout, r.stderr
                );
            }
        }
    }

    /// The next JSON line on stdout before `deadline`; kills the process and fails if none.
    pub(crate) fn event(&mut self, deadline: Instant) -> Value {
        let l = self.line(deadline.saturating_duration_since(Instant::now()));
        serde_json::from_str(&l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}"))
    }

    /// Reads events until one has `"event": name`; returns all read, that one last.
    pub(crate) fn until(&mut self, name: &str, deadline: Instant) -> Vec<Value> {
        let mut seen = Vec::new();
        loop {
            let e = self.event(deadline);
            let done = e["event"] == name;
            seen.push(e);
            if done {
                return seen;
            }
        }
    }

    /// Waits for the process to end; kills it and fails the test at the deadline.
    pub(crate) fn finish(mut self, timeout: Duration) -> Run {
        let deadline = Instant::now() + timeout;
        loop {
            match self.child.try_wait().expect("wait") {
                Some(status) => {
                    self.ended = true;
                    return self.outputs(status.code());
                }
                None if Instant::now() >= deadline => {
                    let r = self.kill();
                    panic!(
                        "{:?} did not finish within {timeout:?}:\nstdout:\n{}\nstderr:\n{}",
                        r.args, r.stdout, r.stderr
                    );
                }
                None => std::thread::sleep(Duration::from_millis(50)),
            }
        }
    }

    /// Kills the process and returns what it printed.
    pub(crate) fn kill(&mut self) -> Run {
        if !self.ended {
            let _ = self.child.kill();
            let _ = self.child.wait();
            self.ended = true;
        }
        self.outputs(None)
    }

    /// Asks the process to stop as Ctrl-C would.
    pub(crate) fn interrupt(&self) {
        let _ = Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status();
    }

    fn outputs(&mut self, code: Option<i32>) -> Run {
        let collect = |h: Option<JoinHandle<String>>| {
            h.map(|h| h.join().unwrap_or_default()).unwrap_or_default()
        };
        Run {
            args: self.args.clone(),
            code,
            stdout: collect(self.stdout.take()),
            stderr: collect(self.stderr.take()),
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if !self.ended {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// The longest one command may take in these tests (opening a store, a sync on a bad link).
pub(crate) const COMMAND_DEADLINE: Duration = Duration::from_secs(180);

/// A laptop: a store in a temporary folder. Its commands run on this machine's network, or in a
/// network namespace when given one (`ip netns exec`; the tests that use namespaces run as root).
pub(crate) struct Laptop {
    pub(crate) dir: tempfile::TempDir,
    pub(crate) store: std::path::PathBuf,
}

impl Laptop {
    pub(crate) fn new() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = dir.path().join("data").join("store.db");
        Self { dir, store }
    }

    pub(crate) fn command(&self, ns: Option<&str>, args: &[&str]) -> Command {
        let bin = env!("CARGO_BIN_EXE_groundwork");
        let mut cmd = match ns {
            Some(ns) => {
                let mut c = Command::new("ip");
                c.args(["netns", "exec", ns, bin]);
                c
            }
            None => Command::new(bin),
        };
        isolate(&mut cmd, self.dir.path(), &self.store, args);
        cmd
    }

    pub(crate) fn spawn(&self, ns: Option<&str>, args: &[&str]) -> Running {
        Running::spawn(self.command(ns, args), args)
    }

    /// Runs a command to its end (killed at [`COMMAND_DEADLINE`]).
    pub(crate) fn run(&self, ns: Option<&str>, args: &[&str]) -> Run {
        self.spawn(ns, args).finish(COMMAND_DEADLINE)
    }

    /// Runs with `--json`; the command must succeed without a panic; parses stdout.
    pub(crate) fn json(&self, ns: Option<&str>, args: &[&str]) -> Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        succeeded(&all, self.run(ns, &all))
    }

    /// Invites `joiner` in person on this computer's loopback (a free port) and has it join as
    /// `laptop-b`; returns what the join printed and the address the invite listened on (which
    /// the joiner remembers for its next sync).
    pub(crate) fn invite_on_loopback(&self, joiner: &Laptop) -> (Value, String) {
        let listen = format!("127.0.0.1:{}", free_udp_port());
        let mut invite = self.spawn(None, &["--json", "group", "invite", "--listen", &listen]);
        let ticket = parse(&invite.line(Duration::from_secs(60)))["ticket"]
            .as_str()
            .expect("ticket")
            .to_owned();
        let joined = joiner.json(
            None,
            &["group", "join", &ticket, "--loopback", "--name", "laptop-b"],
        );
        let invited = invite.finish(Duration::from_secs(60));
        assert_eq!(
            invited.code,
            Some(0),
            "the invite failed: {}",
            invited.stderr
        );
        (joined, listen)
    }

    /// Imports `n` people named `{prefix} NNNN` from a CSV, each with a phone of their own.
    pub(crate) fn import_people(&self, prefix: &str, n: usize) {
        let file = self.dir.path().join(format!("{prefix}.csv"));
        let mut csv = String::from("first_name,last_name,can2_phone\n");
        for i in 0..n {
            csv.push_str(&format!(
                "{prefix},{i:04},555-{:04}\n",
                i + prefix.len() * 1000
            ));
        }
        std::fs::write(&file, csv).expect("write the CSV");
        self.json(None, &["import", "csv", file.to_str().expect("utf-8 path")]);
    }

    /// Every contact's name, in the store's order (duplicates kept, to be caught).
    pub(crate) fn names(&self) -> Vec<String> {
        contact_names(&self.json(None, &["contact", "list", "--limit", "10000"]))
    }
}

/// The names in what `groundwork --json contact list` printed, in its order.
pub(crate) fn contact_names(list: &Value) -> Vec<String> {
    list["contacts"]
        .as_array()
        .unwrap_or_else(|| panic!("no contacts array: {list}"))
        .iter()
        .map(|c| c["name"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// Every name once, and as many as expected.
pub(crate) fn assert_each_once(names: &[String], expected: usize) {
    let mut unique = names.to_vec();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), names.len(), "a record arrived twice");
    assert_eq!(names.len(), expected, "records missing");
}

/// A UDP port free on loopback a moment ago.
pub(crate) fn free_udp_port() -> u16 {
    let socket = std::net::UdpSocket::bind("127.0.0.1:0").expect("bind a UDP socket");
    socket.local_addr().expect("local address").port()
}

/// A finished `groundwork --json …` run that must have succeeded without a panic: its output.
pub(crate) fn succeeded(all: &[&str], r: Run) -> Value {
    assert_eq!(
        r.code,
        Some(0),
        "groundwork {all:?} failed:\nstdout:\n{}\nstderr:\n{}",
        r.stdout,
        r.stderr
    );
    assert!(!r.stderr.contains("panicked"), "panic: {}", r.stderr);
    serde_json::from_str(&r.stdout)
        .unwrap_or_else(|e| panic!("stdout of {all:?} is not JSON ({e}):\n{}", r.stdout))
}

/// Parses one JSON line of a command's output.
pub(crate) fn parse(line: &str) -> Value {
    serde_json::from_str(line).unwrap_or_else(|e| panic!("not a JSON line ({e}): {line}"))
}
