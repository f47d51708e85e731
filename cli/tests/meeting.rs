//! Meeting mode end to end, on a real (virtual) local network: two laptops in network namespaces
//! of their own, joined through a bridge like a meeting's Wi-Fi, with a third namespace as a
//! stranger listening to mDNS. Neither laptop is told where the other is: they find each other by
//! mDNS, sync, and stop announcing at the time limit; the stranger never sees a device id, the
//! group id or the group's name.
//!
//! Needs root (network namespaces). Where they cannot be made the test fails, saying why: it
//! never passes without having run.

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{Laptop, Run, Running};

use serde_json::Value;

/// Meeting mode's limit in this test.
const MEETING_SECS: u64 = 8;
/// The service name's label as it appears in every packet of ours.
const SERVICE_LABEL: &[u8] = b"_groundwork";
/// Marks the observer helper's output lines.
const OBSERVED: &str = "OBSERVED-PACKET ";
const GROUP_NAME: &str = "Meeting Lane Tenants";

/// The virtual meeting network: namespaces `a`, `b` (the laptops) and `o` (a stranger), each with
/// an `eth0` on one bridge in a fourth namespace. Removed when dropped (their links go with them).
struct Lan {
    prefix: String,
}

const HOSTS: [(&str, &str); 3] = [
    ("a", "10.201.0.1"),
    ("b", "10.201.0.2"),
    ("o", "10.201.0.3"),
];

impl Lan {
    fn new() -> Lan {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or_default();
        let lan = Lan {
            prefix: format!("gwmeet{}x{:x}", std::process::id(), nanos),
        };
        let sw = lan.ns("sw");
        for name in ["a", "b", "o", "sw"] {
            lan.ip(&["netns", "add", &lan.ns(name)]);
            lan.ip(&["-n", &lan.ns(name), "link", "set", "lo", "up"]);
        }
        lan.ip(&["-n", &sw, "link", "add", "br0", "type", "bridge"]);
        // Flood multicast to every port, as a home access point does.
        lan.ip(&[
            "-n",
            &sw,
            "link",
            "set",
            "br0",
            "type",
            "bridge",
            "mcast_snooping",
            "0",
        ]);
        lan.ip(&["-n", &sw, "link", "set", "br0", "up"]);
        for (name, ip) in HOSTS {
            let ns = lan.ns(name);
            let port = format!("port-{name}");
            lan.ip(&[
                "link", "add", "eth0", "netns", &ns, "type", "veth", "peer", "name", &port,
                "netns", &sw,
            ]);
            lan.ip(&[
                "-n", &sw, "link", "set", "dev", &port, "master", "br0", "up",
            ]);
            lan.ip(&["-n", &ns, "addr", "add", &format!("{ip}/24"), "dev", "eth0"]);
            lan.ip(&["-n", &ns, "link", "set", "eth0", "up"]);
        }
        lan
    }

    fn ns(&self, name: &str) -> String {
        format!("{}{name}", self.prefix)
    }

    /// Runs `ip`; failing here fails the test with what to fix.
    fn ip(&self, args: &[&str]) {
        let out = Command::new("ip").args(args).output();
        match out {
            Ok(o) if o.status.success() => {}
            Ok(o) => panic!(
                "could not set up the test network (`ip {}` failed: {}): this test needs root and \
                 iproute2 with network namespace support",
                args.join(" "),
                String::from_utf8_lossy(&o.stderr).trim()
            ),
            Err(e) => panic!(
                "could not run `ip` ({e}): this test needs iproute2 and root to make network namespaces"
            ),
        }
    }
}

impl Drop for Lan {
    fn drop(&mut self) {
        for name in ["a", "b", "o", "sw"] {
            let _ = Command::new("ip")
                .args(["netns", "del", &self.ns(name)])
                .stderr(Stdio::null())
                .status();
        }
    }
}

/// Starts this test binary's observer helper in the stranger's namespace for `secs`.
fn observe(lan: &Lan, secs: u64) -> Running {
    let exe = std::env::current_exe().expect("test binary");
    let exe = exe.to_str().expect("utf-8 path");
    let ns = lan.ns("o");
    let args = [
        "netns",
        "exec",
        ns.as_str(),
        exe,
        "--ignored",
        "--exact",
        "mdns_observer_helper",
        "--nocapture",
        "--test-threads=1",
    ];
    let mut cmd = Command::new("ip");
    cmd.args(args)
        .env("GW_OBSERVE_SECS", secs.to_string())
        .env("GW_OBSERVE_IF", HOSTS[2].1)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    Running::spawn(cmd, &args)
}

/// The packets the observer saw that carry our service name.
fn observed(run: Run) -> Vec<Vec<u8>> {
    assert_eq!(
        run.code,
        Some(0),
        "the observer failed:\nstdout:\n{}\nstderr:\n{}",
        run.stdout,
        run.stderr
    );
    assert!(
        run.stdout.contains("OBSERVER-READY"),
        "the observer did not run:\n{}\n{}",
        run.stdout,
        run.stderr
    );
    run.stdout
        .lines()
        .filter_map(|l| l.strip_prefix(OBSERVED))
        .map(|h| hex::decode(h.trim()).expect("hex packet"))
        .collect()
}

/// The forms an id could take in a packet: raw bytes, hex and base32 in either case.
fn forms(bytes: &[u8]) -> Vec<Vec<u8>> {
    let hex = hex::encode(bytes);
    let b32 = data_encoding::BASE32_NOPAD.encode(bytes);
    let mut out = vec![bytes.to_vec()];
    for s in [
        hex.clone(),
        hex.to_uppercase(),
        b32.clone(),
        b32.to_lowercase(),
        // Even a part of one (e.g. a short id) would be a tracking handle.
        hex[..12].to_owned(),
    ] {
        out.push(s.into_bytes());
    }
    out
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// Not a test of its own: the observer process the meeting test starts in the stranger's
/// namespace (a thread cannot enter a namespace without `unsafe`; a process can, via
/// `ip netns exec`). Listens to mDNS and prints each packet that names our service, in hex.
#[test]
#[ignore = "helper: started by meeting_mode_finds_a_member_syncs_and_stops inside a namespace"]
fn mdns_observer_helper() {
    let Ok(secs) = std::env::var("GW_OBSERVE_SECS") else {
        return;
    };
    let secs: u64 = secs.parse().expect("seconds");
    let iface: std::net::Ipv4Addr = std::env::var("GW_OBSERVE_IF")
        .expect("interface")
        .parse()
        .expect("IPv4 address");
    // Alone in its namespace: nothing else holds port 5353 here.
    let socket = std::net::UdpSocket::bind(("0.0.0.0", 5353)).expect("bind 5353");
    socket
        .join_multicast_v4(&std::net::Ipv4Addr::new(224, 0, 0, 251), &iface)
        .expect("join the mDNS group");
    socket
        .set_read_timeout(Some(Duration::from_millis(200)))
        .expect("timeout");
    println!("OBSERVER-READY");
    let end = Instant::now() + Duration::from_secs(secs);
    let mut buf = [0u8; 9000];
    while Instant::now() < end {
        if let Ok((n, _)) = socket.recv_from(&mut buf)
            && contains(&buf[..n], SERVICE_LABEL)
        {
            println!("{OBSERVED}{}", hex::encode(&buf[..n]));
        }
    }
}

#[test]
fn meeting_mode_finds_a_member_syncs_and_stops() {
    let lan = Lan::new();
    let a = Laptop::new();
    let b = Laptop::new();

    // A makes a group and invites B in person, on this computer's loopback: the addresses B
    // learns there mean nothing on the meeting's network.
    a.json(None, &["init", "--group-name", GROUP_NAME]);
    a.invite_on_loopback(&b);
    // What B does not have yet.
    a.json(None, &["contact", "add", "--name", "Dana Meeting"]);
    let a_status = a.json(None, &["status"]);
    let b_status = b.json(None, &["status"]);
    let a_id = a_status["device_id"].as_str().expect("id").to_owned();
    let b_id = b_status["device_id"].as_str().expect("id").to_owned();
    let group_id = a_status["groups"][0]["id"]
        .as_str()
        .expect("group")
        .to_owned();

    // Both serve at the meeting with meeting mode on, given no address of anyone.
    let meeting = format!("--meeting={MEETING_SECS}s");
    let serve = ["--json", "serve", meeting.as_str(), "--for", "60"];
    let mut sa = a.spawn(Some(&lan.ns("a")), &serve);
    let mut sb = b.spawn(Some(&lan.ns("b")), &serve);
    let start = Instant::now() + Duration::from_secs(30);
    for s in [&mut sa, &mut sb] {
        let first = s.until("listening", start);
        assert_eq!(first.len(), 1, "{first:?}");
        let on = s.event(start);
        assert_eq!(on["event"], "meeting", "{on}");
        assert_eq!(on["groups"][0]["name"], GROUP_NAME);
    }
    let meeting_on = Instant::now();

    // A stranger on the same network listens while they announce.
    let during = observe(&lan, 3);

    // B finds A by mDNS, syncs, and later says meeting mode ended.
    let deadline = meeting_on + Duration::from_secs(MEETING_SECS + 20);
    let b_events = sb.until("meeting_ended", deadline);
    let a_events = sa.until("meeting_ended", deadline);
    let ended = Instant::now();
    let found_a = b_events
        .iter()
        .find(|e| e["event"] == "discovered" && e["device"] == a_id.as_str())
        .unwrap_or_else(|| panic!("B never found A: {b_events:?}"));
    assert_eq!(found_a["group"], group_id.as_str());
    assert!(
        found_a["addrs"].as_array().is_some_and(|l| l
            .iter()
            .any(|x| x.as_str().is_some_and(|s| s.starts_with("10.201.0.1:")))),
        "{found_a}"
    );
    assert!(
        a_events
            .iter()
            .any(|e| e["event"] == "discovered" && e["device"] == b_id.as_str()),
        "A never found B: {a_events:?}"
    );
    let synced = |events: &[Value], peer: &str| {
        events
            .iter()
            .any(|e| e["event"] == "session" && e["peer"] == peer && e.get("error").is_none())
    };
    assert!(
        synced(&b_events, &a_id) || synced(&a_events, &b_id),
        "no meeting sync succeeded:\nB: {b_events:?}\nA: {a_events:?}"
    );
    // Meeting mode ends at its limit, not at the serve's.
    assert!(
        ended.duration_since(meeting_on) < Duration::from_secs(MEETING_SECS + 10),
        "meeting mode ran too long"
    );

    // After the limit, nothing is announced any more (both still serve).
    let after = observe(&lan, 3);
    let after = observed(after.finish(Duration::from_secs(30)));
    assert!(
        after.is_empty(),
        "{} packets naming the service after meeting mode ended",
        after.len()
    );
    let during = observed(during.finish(Duration::from_secs(30)));
    assert!(
        !during.is_empty(),
        "the stranger heard no announcement during the meeting: the observer does not work"
    );

    // What the stranger heard never names a device, the group or its name.
    let secrets: Vec<(String, Vec<u8>)> = [
        ("A's device id", hex::decode(&a_id).expect("hex")),
        ("B's device id", hex::decode(&b_id).expect("hex")),
        ("the group id", hex::decode(&group_id).expect("hex")),
    ]
    .into_iter()
    .flat_map(|(what, bytes)| forms(&bytes).into_iter().map(move |f| (what.to_owned(), f)))
    .chain([
        ("the group name".to_owned(), GROUP_NAME.as_bytes().to_vec()),
        ("the group name".to_owned(), b"Meeting".to_vec()),
    ])
    .collect();
    for packet in &during {
        for (what, form) in &secrets {
            assert!(
                !contains(packet, form),
                "an mDNS packet carries {what}: {}",
                hex::encode(packet)
            );
        }
    }

    for s in [&sa, &sb] {
        s.interrupt();
    }
    for s in [sa, sb] {
        let r = s.finish(Duration::from_secs(30));
        assert_eq!(r.code, Some(0), "serve failed:\n{}\n{}", r.stdout, r.stderr);
    }
    assert_eq!(b.names(), ["Dana Meeting"]);
}
