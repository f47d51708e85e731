//! The README's two-laptop flow, with the real `groundwork` binary on loopback: laptop A makes a
//! group and invites laptop B in person; B joins on a fresh store and gets A's contacts; later A
//! serves and B syncs a new contact to it. Every wait has a deadline; children are killed on
//! failure, so no test can hang.

mod common;

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use common::{Run, Running, contact_names};

use serde_json::Value;

/// The longest any one command may take here (store opening, a loopback sync).
const COMMAND_DEADLINE: Duration = Duration::from_secs(120);

/// A laptop: a store (maybe not created yet) in a temporary folder.
struct Laptop {
    dir: tempfile::TempDir,
    store: PathBuf,
}

impl Laptop {
    fn new() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = dir.path().join("data").join("store.db");
        Self { dir, store }
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_groundwork"));
        common::isolate(&mut cmd, self.dir.path(), &self.store, args);
        cmd
    }

    /// Runs a command to its end (killed at the deadline).
    fn run(&self, args: &[&str]) -> Run {
        let child = Running::spawn(self.command(args), args);
        child.finish(COMMAND_DEADLINE)
    }

    /// Runs with `--json`; the command must succeed; parses stdout.
    fn json(&self, args: &[&str]) -> Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        let r = self.run(&all).success();
        serde_json::from_str(&r.stdout)
            .unwrap_or_else(|e| panic!("stdout of {args:?} is not JSON ({e}):\n{}", r.stdout))
    }

    /// Starts a long-running command whose stdout is read line by line.
    fn spawn(&self, args: &[&str]) -> Running {
        Running::spawn(self.command(args), args)
    }

    fn contact_names(&self) -> Vec<String> {
        let mut names = contact_names(&self.json(&["contact", "list"]));
        names.sort();
        names
    }
}

/// A child process, killed when dropped (a failing test leaves nothing running).
impl Run {
    fn success(self) -> Self {
        assert_eq!(
            self.code,
            Some(0),
            "groundwork {:?} failed:\nstdout:\n{}\nstderr:\n{}",
            self.args,
            self.stdout,
            self.stderr
        );
        assert!(!self.stderr.contains("panicked"), "panic: {}", self.stderr);
        self
    }

    /// Failed as a user error: exit 1, `error:` and a hint on stderr, nothing on stdout.
    fn user_error(self) -> Self {
        assert_eq!(
            self.code,
            Some(1),
            "groundwork {:?} should fail with exit 1:\nstdout:\n{}\nstderr:\n{}",
            self.args,
            self.stdout,
            self.stderr
        );
        assert!(self.stderr.contains("error: "), "stderr: {}", self.stderr);
        assert!(self.stderr.contains("\nhint: "), "no hint: {}", self.stderr);
        assert!(!self.stderr.contains("panicked"), "panic: {}", self.stderr);
        assert!(self.stdout.is_empty(), "stdout on error: {}", self.stdout);
        self
    }
}

/// A UDP port on 127.0.0.1 that was free a moment ago.
fn free_udp_port() -> u16 {
    let socket = std::net::UdpSocket::bind("127.0.0.1:0").expect("bind a UDP socket");
    socket.local_addr().expect("local address").port()
}

fn parse(line: &str) -> Value {
    serde_json::from_str(line).unwrap_or_else(|e| panic!("not a JSON line ({e}): {line}"))
}

fn member_count(laptop: &Laptop) -> usize {
    laptop.json(&["group", "members"])["members"]
        .as_array()
        .map_or(0, Vec::len)
}

#[test]
fn two_laptops_invite_join_then_serve_and_sync() {
    let a = Laptop::new();
    let b = Laptop::new();
    a.run(&["init", "--group-name", "Maple St. Tenants"])
        .success();
    a.run(&[
        "contact",
        "add",
        "--name",
        "Ana Ruiz",
        "--phone",
        "0612345678",
    ])
    .success();
    a.run(&["contact", "add", "--name", "Bo Li", "--tag", "committee"])
        .success();
    let port = free_udp_port();
    let listen = format!("127.0.0.1:{port}");

    // A invites; its first stdout line is the ticket, while it waits.
    let mut invite = a.spawn(&["--json", "group", "invite", "--listen", &listen]);
    let first = parse(&invite.line(Duration::from_secs(60)));
    let ticket = first["ticket"].as_str().expect("ticket").to_owned();
    assert!(ticket.starts_with("gwinvite1"), "{ticket}");
    assert_eq!(first["group"].as_str().map(str::len), Some(32));
    assert!(
        chrono::DateTime::parse_from_rfc3339(first["expires_at"].as_str().expect("expiry")).is_ok(),
        "{first}"
    );

    // B joins on a fresh computer: its store does not exist yet.
    assert!(!b.store.exists());
    let joined = b.json(&["group", "join", &ticket, "--loopback", "--name", "laptop-b"]);
    assert!(b.store.exists(), "join creates the store");
    assert_eq!(joined["store_created"], true);
    assert_eq!(joined["contacts"], 2, "{joined}");
    assert_eq!(joined["group"]["id"], first["group"]);
    let fingerprint = joined["fingerprint"]
        .as_str()
        .expect("fingerprint")
        .to_owned();
    assert_eq!(fingerprint.len(), 23, "{fingerprint}");

    // A's invite ends once B's first sync is done, with the same fingerprint.
    let second = parse(&invite.line(Duration::from_secs(90)));
    let done = invite.finish(Duration::from_secs(30)).success();
    assert_eq!(second["joined"]["name"], "laptop-b", "{second}");
    assert_eq!(second["joined"]["fingerprint"], fingerprint.as_str());
    assert_eq!(second["joined"]["device"], joined["device_id"]);
    assert!(
        second["records_sent"].as_u64().is_some_and(|n| n >= 2),
        "{second}"
    );
    assert_eq!(done.stdout.lines().count(), 2, "{}", done.stdout);

    assert_eq!(b.contact_names(), ["Ana Ruiz", "Bo Li"]);
    assert_eq!(member_count(&a), 2);
    assert_eq!(member_count(&b), 2);
    let members = b.json(&["group", "members"]);
    let me = members["members"]
        .as_array()
        .expect("members")
        .iter()
        .find(|m| m["this_device"] == true)
        .expect("this device is listed")
        .clone();
    assert_eq!(me["name"], "laptop-b");
    assert_eq!(me["role"], "member");
    assert_eq!(me["grant"]["everything"], true);

    // B is not an admin: it cannot change what A's device may see.
    let a_device = a.json(&["status"])["device_id"]
        .as_str()
        .expect("device id")
        .to_owned();
    let refused = b
        .run(&["group", "grant", &a_device[..8], "--everything"])
        .user_error();
    assert!(
        refused.stderr.contains("only an admin can"),
        "{}",
        refused.stderr
    );

    // B knows where A was; it reaches it when A serves again at the same address.
    let status = b.json(&["status"]);
    let peers = &status["groups"][0]["known_peers"];
    assert_eq!(peers[0]["device"], a_device.as_str(), "{status}");
    assert!(
        peers[0]["addrs"]
            .as_array()
            .is_some_and(|l| l.iter().any(|x| x == listen.as_str())),
        "{status}"
    );

    let mut serve = a.spawn(&["--json", "serve", "--listen", &listen, "--for", "15"]);
    let listening = parse(&serve.line(Duration::from_secs(60)));
    assert_eq!(listening["event"], "listening", "{listening}");
    assert_eq!(listening["device_id"], a_device.as_str());

    b.run(&["contact", "add", "--name", "Cy New"]).success();
    let synced = b.json(&["sync"]);
    assert_eq!(synced["succeeded"], 1, "{synced}");
    assert_eq!(synced["peers"][0]["ok"], true, "{synced}");
    assert!(
        synced["peers"][0]["stats"]["docs_sent"]
            .as_u64()
            .is_some_and(|n| n >= 1),
        "{synced}"
    );

    // A reports the session, then stops (at Ctrl-C, or at the time limit).
    let session = parse(&serve.line(Duration::from_secs(60)));
    assert_eq!(session["event"], "session", "{session}");
    assert_eq!(session["peer"], joined["device_id"]);
    serve.interrupt();
    let served = serve.finish(Duration::from_secs(60)).success();
    let last = parse(served.stdout.lines().last().expect("a last line"));
    assert_eq!(last["event"], "stopped", "{}", served.stdout);
    assert_eq!(last["sessions"], 1, "{}", served.stdout);

    assert_eq!(a.contact_names(), ["Ana Ruiz", "Bo Li", "Cy New"]);
}

#[test]
fn join_with_a_garbage_ticket_fails_clearly_and_creates_nothing() {
    let b = Laptop::new();
    let r = b
        .run(&["group", "join", "not-a-ticket", "--loopback"])
        .user_error();
    assert!(r.stderr.contains("not a Groundwork invite"), "{}", r.stderr);
    let r = b
        .run(&["group", "join", "gwinvite1abc", "--loopback"])
        .user_error();
    assert!(r.stderr.contains("damaged"), "{}", r.stderr);
    assert!(!b.store.exists(), "a bad ticket creates no store");
}

#[test]
fn sync_without_known_peers_says_how_to_get_one() {
    let a = Laptop::new();
    a.run(&["init"]).success();
    let r = a.run(&["sync", "--loopback"]).user_error();
    assert!(
        r.stderr
            .contains("no known peers: join with an invite or pass --peer"),
        "{}",
        r.stderr
    );
}

#[test]
fn status_group_create_and_members_on_one_laptop() {
    let a = Laptop::new();
    a.run(&["init", "--group-name", "Maple St. Tenants"])
        .success();
    let created = a.json(&["group", "create", "Bakery Workers"]);
    assert_eq!(created["name"], "Bakery Workers");
    assert_eq!(created["id"].as_str().map(str::len), Some(32));

    let status = a.json(&["status"]);
    assert_eq!(status["device_id"].as_str().map(str::len), Some(64));
    assert_eq!(
        status["fingerprint"].as_str().map(str::len),
        Some(23),
        "{status}"
    );
    let groups = status["groups"].as_array().expect("groups");
    assert_eq!(groups.len(), 2);
    assert!(
        groups
            .iter()
            .all(|g| g["role"] == "admin" && g["members"] == 1)
    );
    assert!(
        status["stats"]["documents"]
            .as_u64()
            .is_some_and(|n| n >= 2)
    );

    let members = a.json(&["--group", "Bakery", "group", "members"]);
    assert_eq!(members["members"][0]["this_device"], true);
    assert_eq!(members["members"][0]["role"], "admin");

    // Nothing to change, or this device itself: refused with a hint.
    let me = status["device_id"].as_str().expect("id");
    a.run(&["group", "grant", &me[..6]]).user_error();
    let r = a.run(&["group", "remove", me]).user_error();
    assert!(r.stderr.contains("this device"), "{}", r.stderr);
    let r = a.run(&["group", "remove", "nobody"]).user_error();
    assert!(r.stderr.contains("no member device"), "{}", r.stderr);

    // A second process on the same store is refused while the first runs.
    let mut serve = a.spawn(&["--json", "serve", "--loopback", "--for", "20"]);
    let listening = parse(&serve.line(Duration::from_secs(60)));
    assert_eq!(listening["event"], "listening");
    let r = a.run(&["status"]).user_error();
    assert!(r.stderr.contains("stop `groundwork serve`"), "{}", r.stderr);
    serve.kill();
}
