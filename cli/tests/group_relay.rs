//! Across places, through a relay the group runs: two laptops with no route to each other invite,
//! join and sync through iroh's own `iroh-relay` server, and a packet capture at the relay host
//! shows packets only between the members and the relay, none of them holding a record in clear.
//!
//! Three network namespaces: the relay host `r`, laptop `a` and laptop `b`. Each laptop has one
//! link, to the relay host (10.208.1.0/24 and 10.208.2.0/24), and a route to the relay's own
//! address 10.208.0.1 only; the relay host does not forward, so A and B cannot reach each other
//! directly. The relay runs `iroh-relay --dev` (plain HTTP, no QUIC address discovery) admitting
//! only the two laptops' device ids, as the README tells a group to run it (with TLS on the
//! internet). The laptops run the real `groundwork` command; the group's relay is set with
//! `groundwork group relay`.
//!
//! Checked: the join and two syncs bring every record once; tshark at the relay host sees only
//! IPv4 between a laptop and the relay (plus the links' ARP and IPv6 neighbour discovery), at
//! least the records' size of it; the relay's plain-HTTP upgrade request is visible in the capture
//! (so the search for clear text works) but no contact's name or phone number is.
//!
//! Needs root, iproute2, tshark and `iroh-relay` on the PATH (`.ci/run` installs them; by hand:
//! `cargo install iroh-relay --version 1.4.1 --features server --locked`). Without them the test
//! fails, saying what is missing.

mod common;

use std::net::{IpAddr, Ipv4Addr};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::capture::{Capture, contains};
use common::{Laptop, Running, assert_each_once, contact_names, parse};

const RELAY_IP: &str = "10.208.0.1";
const RELAY_PORT: u16 = 3340;
const A_IP: &str = "10.208.1.2";
const B_IP: &str = "10.208.2.2";
/// Every contact's name starts with this; the capture must not hold it.
const NAME: &str = "Quillfeather";

/// The relay host and the two laptops' namespaces; removed when dropped.
struct Net {
    prefix: String,
}

impl Net {
    fn new() -> Net {
        let net = Net {
            prefix: format!("gwrel{}", std::process::id()),
        };
        let r = net.ns("r");
        ip(&["netns", "add", &r]);
        ip(&["-n", &r, "link", "set", "lo", "up"]);
        ip(&[
            "-n",
            &r,
            "addr",
            "add",
            &format!("{RELAY_IP}/32"),
            "dev",
            "lo",
        ]);
        for (name, subnet, laptop_ip) in [("a", 1, A_IP), ("b", 2, B_IP)] {
            let ns = net.ns(name);
            let relay_side = format!("10.208.{subnet}.1");
            let host_end = format!("to{name}");
            ip(&["netns", "add", &ns]);
            ip(&["-n", &ns, "link", "set", "lo", "up"]);
            ip(&[
                "-n", &r, "link", "add", &host_end, "type", "veth", "peer", "name", "eth0",
                "netns", &ns,
            ]);
            ip(&[
                "-n",
                &r,
                "addr",
                "add",
                &format!("{relay_side}/24"),
                "dev",
                &host_end,
            ]);
            ip(&["-n", &r, "link", "set", &host_end, "up"]);
            ip(&[
                "-n",
                &ns,
                "addr",
                "add",
                &format!("{laptop_ip}/24"),
                "dev",
                "eth0",
            ]);
            ip(&["-n", &ns, "link", "set", "eth0", "up"]);
            ip(&[
                "-n",
                &ns,
                "route",
                "add",
                &format!("{RELAY_IP}/32"),
                "via",
                &relay_side,
            ]);
        }
        // A new namespace does not forward; say so rather than rely on it.
        let forwarding = Command::new("ip")
            .args(["netns", "exec", &r, "cat", "/proc/sys/net/ipv4/ip_forward"])
            .output()
            .expect("read ip_forward");
        assert_eq!(
            String::from_utf8_lossy(&forwarding.stdout).trim(),
            "0",
            "the relay host must not route between the laptops"
        );
        net
    }

    fn ns(&self, name: &str) -> String {
        format!("{}{name}", self.prefix)
    }
}

impl Drop for Net {
    fn drop(&mut self) {
        for name in ["a", "b", "r"] {
            let _ = Command::new("ip")
                .args(["netns", "del", &self.ns(name)])
                .status();
        }
    }
}

fn ip(args: &[&str]) {
    match Command::new("ip").args(args).output() {
        Ok(o) if o.status.success() => {}
        Ok(o) => panic!(
            "could not set up the test network (`ip {}` failed: {}): this test needs root and \
             iproute2",
            args.join(" "),
            String::from_utf8_lossy(&o.stderr).trim()
        ),
        Err(e) => panic!("could not run `ip` ({e}): this test needs iproute2 and root"),
    }
}

/// iroh's relay server in the relay host's namespace, admitting only `devices`.
fn start_relay(net: &Net, dir: &std::path::Path, devices: &[&str]) -> Running {
    let config = dir.join("relay.toml");
    let allow = devices
        .iter()
        .map(|d| format!("\"{d}\""))
        .collect::<Vec<_>>()
        .join(", ");
    std::fs::write(
        &config,
        format!(
            "http_bind_addr = \"{RELAY_IP}:{RELAY_PORT}\"\n\
             enable_quic_addr_discovery = false\n\
             enable_metrics = false\n\
             access.allowlist = [{allow}]\n"
        ),
    )
    .expect("write the relay's configuration");
    let mut cmd = Command::new("ip");
    cmd.args([
        "netns",
        "exec",
        &net.ns("r"),
        "iroh-relay",
        "--dev",
        "--config-path",
    ])
    .arg(&config)
    .env("RUST_LOG", "info")
    .stdin(Stdio::null())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let mut relay = Running::spawn(cmd, &["iroh-relay"]);
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let listening = Command::new("ip")
            .args(["netns", "exec", &net.ns("r"), "ss", "-Htln"])
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).contains(&format!(":{RELAY_PORT}")))
            .unwrap_or(false);
        if listening {
            return relay;
        }
        if Instant::now() > deadline {
            let run = relay.kill();
            panic!(
                "iroh-relay did not start listening (is it installed? `cargo install iroh-relay \
                 --version 1.4.1 --features server --locked`; .ci/run does):\n{}\n{}",
                run.stdout, run.stderr
            );
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn laptops_with_no_route_between_them_sync_through_the_groups_relay_which_sees_ciphertext_only() {
    let net = Net::new();
    let (ns_a, ns_b) = (net.ns("a"), net.ns("b"));
    let a = Laptop::new();
    let b = Laptop::new();
    let made = a.json(None, &["init", "--group-name", "Harbor Street Tenants"]);
    let group = made["group"]["id"].as_str().expect("group id").to_owned();
    a.import_people(NAME, 200);
    let relay_url = format!("http://{RELAY_IP}:{RELAY_PORT}");
    let set = a.json(None, &["group", "relay", &relay_url]);
    assert_eq!(set["relay"], format!("{relay_url}/"), "{set}");
    // B's store (and its device id) exists before it joins, so the relay can admit it.
    let b_id = b.json(None, &["init", "--group-name", "Laptop B's own"])["device_id"]
        .as_str()
        .expect("device id")
        .to_owned();
    let a_id = made["device_id"].as_str().expect("device id").to_owned();
    let dir = tempfile::tempdir().expect("temp dir");
    let mut relay = start_relay(&net, dir.path(), &[&a_id, &b_id]);
    let capture = Capture::start("relay host", &net.ns("r"), dir.path());

    // The invite: B joins from its own namespace, reaching A only through the relay.
    let mut invite = a.spawn(Some(&ns_a), &["--json", "group", "invite"]);
    let ticket = parse(&invite.line(Duration::from_secs(60)))["ticket"]
        .as_str()
        .expect("ticket")
        .to_owned();
    let joined = b.json(
        Some(&ns_b),
        &["group", "join", &ticket, "--name", "laptop-b"],
    );
    assert_eq!(joined["contacts"], 200, "{joined}");
    let invited = invite.finish(Duration::from_secs(60));
    assert_eq!(invited.code, Some(0), "{}", invited.stderr);

    // Later, A adds records and serves; B syncs with every member (A has no address B can
    // reach: only the relay brings them together).
    a.import_people("Neighbour", 60);
    let mut serving = a.spawn(Some(&ns_a), &["--json", "serve", "--for", "120"]);
    assert_eq!(
        parse(&serving.line(Duration::from_secs(60)))["event"],
        "listening"
    );
    let synced = b.json(Some(&ns_b), &["--group", &group, "sync"]);
    assert_eq!(synced["succeeded"], 1, "{synced}");
    serving.interrupt();
    drop(serving.finish(Duration::from_secs(60)));
    let names = contact_names(&b.json(
        None,
        &["--group", &group, "contact", "list", "--limit", "10000"],
    ));
    assert_each_once(&names, 260);
    let frames = capture.stop();
    let relay_run = relay.kill();

    // What the relay host saw.
    let relay_ip = IpAddr::V4(RELAY_IP.parse::<Ipv4Addr>().expect("address"));
    let laptops = [A_IP, B_IP].map(|a| IpAddr::V4(a.parse().expect("address")));
    let (mut member_bytes, mut neighbour_discovery, mut arp) = (0usize, 0usize, 0usize);
    let mut others = Vec::new();
    let mut all = Vec::new();
    for frame in &frames {
        all.extend_from_slice(&frame.packet);
        if frame.ethertype == 0x0806 {
            arp += 1;
            continue;
        }
        let Some(p) = frame.ip() else {
            others.push(format!("ethertype {:#06x}", frame.ethertype));
            continue;
        };
        let between_member_and_relay = (laptops.contains(&p.src) && p.dst == relay_ip)
            || (p.src == relay_ip && laptops.contains(&p.dst));
        if between_member_and_relay {
            member_bytes += frame.packet.len();
        } else if p.proto == 58
            && p.payload
                .first()
                .is_some_and(|t| matches!(t, 130..=137 | 143))
        {
            neighbour_discovery += 1;
        } else {
            others.push(format!("{} → {} protocol {}", p.src, p.dst, p.proto));
        }
    }
    println!(
        "relay host: {} packets: {member_bytes} bytes between a laptop and the relay, {arp} ARP, \
         {neighbour_discovery} IPv6 neighbour discovery, {} other",
        frames.len(),
        others.len()
    );
    assert!(
        others.is_empty(),
        "packets other than between the laptops and the relay: {others:?}"
    );
    assert!(
        member_bytes > 60_000,
        "only {member_bytes} bytes went through the relay: the records did not cross it"
    );
    // The relay is reached over plain HTTP here, so its upgrade request is readable: the search
    // below would find clear text if there were any.
    assert!(
        contains(&all, b"GET /relay"),
        "the relay's plain-HTTP request is not in the capture: the capture missed the relay"
    );
    for clear in [NAME.as_bytes(), b"Neighbour".as_slice(), b"555-".as_slice()] {
        assert!(
            !contains(&all, clear),
            "the relay host saw {:?} in clear",
            String::from_utf8_lossy(clear)
        );
    }
    assert!(
        !relay_run.stderr.contains("panicked") && !relay_run.stdout.contains("panicked"),
        "{}",
        relay_run.stderr
    );
}
