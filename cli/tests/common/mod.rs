//! What the end-to-end tests share: a `groundwork` process whose output is read line by line
//! with deadlines, and killed (never left behind) when a test fails.
//!
//! Each test binary uses part of this module, so the rest is dead code in that binary.
#![allow(dead_code)]

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
