//! Two laptops on a link that drops packets: the invite, the first sync and a later sync all
//! complete, with every record once.
//!
//! Each laptop runs the real `groundwork` command in a network namespace of its own, joined by a
//! veth pair (10.206.0.0/24). In both namespaces iptables drops 15% of the UDP packets going in
//! and 15% going out, at random (`-m statistic`), so about three packets in ten of any exchange
//! are lost one way or the other — a crowded meeting Wi-Fi on a bad night. (The kernel's
//! `netem` qdisc, which could also delay and reorder, is not available on every CI kernel; this
//! one has none.) The drop counters must show packets were lost, or the test proves nothing
//! and fails.
//!
//! Needs root, iproute2 and iptables (`.ci/run` installs them); fails, saying why, without them.

mod common;

use std::process::Command;
use std::time::Duration;

use common::{Laptop, assert_each_once, parse};

const LOSS: &str = "0.15";
const A_IP: &str = "10.206.0.1";
const PORT: u16 = 4433;
const FIRST: usize = 300;
const LATER: usize = 60;

/// Two namespaces joined by a veth pair, each dropping UDP at random; removed when dropped.
struct LossyLink {
    prefix: String,
}

impl LossyLink {
    fn new() -> Self {
        let link = LossyLink {
            prefix: format!("gwloss{}", std::process::id()),
        };
        let (a, b) = (link.ns("a"), link.ns("b"));
        for ns in [&a, &b] {
            run(&["ip", "netns", "add", ns]);
            run(&["ip", "-n", ns, "link", "set", "lo", "up"]);
        }
        run(&[
            "ip", "link", "add", "eth0", "netns", &a, "type", "veth", "peer", "name", "eth0",
            "netns", &b,
        ]);
        for (ns, ip) in [(&a, A_IP), (&b, "10.206.0.2")] {
            run(&[
                "ip",
                "-n",
                ns,
                "addr",
                "add",
                &format!("{ip}/24"),
                "dev",
                "eth0",
            ]);
            run(&["ip", "-n", ns, "link", "set", "eth0", "up"]);
            for chain in ["INPUT", "OUTPUT"] {
                run(&[
                    "ip",
                    "netns",
                    "exec",
                    ns,
                    "iptables",
                    "-A",
                    chain,
                    "-p",
                    "udp",
                    "-m",
                    "statistic",
                    "--mode",
                    "random",
                    "--probability",
                    LOSS,
                    "-j",
                    "DROP",
                ]);
            }
        }
        link
    }

    fn ns(&self, name: &str) -> String {
        format!("{}{name}", self.prefix)
    }

    /// UDP packets the random-drop rules dropped, in both namespaces and directions.
    fn dropped(&self) -> u64 {
        let mut total = 0;
        for ns in [self.ns("a"), self.ns("b")] {
            let out = Command::new("ip")
                .args(["netns", "exec", &ns, "iptables", "-nvx", "-L"])
                .output()
                .expect("iptables -L");
            let text = String::from_utf8_lossy(&out.stdout);
            total += text
                .lines()
                .filter(|l| l.contains("DROP") && l.contains("statistic"))
                .filter_map(|l| l.split_whitespace().next()?.parse::<u64>().ok())
                .sum::<u64>();
        }
        total
    }
}

impl Drop for LossyLink {
    fn drop(&mut self) {
        for name in ["a", "b"] {
            let _ = Command::new("ip")
                .args(["netns", "del", &self.ns(name)])
                .status();
        }
    }
}

fn run(args: &[&str]) {
    match Command::new(args[0]).args(&args[1..]).output() {
        Ok(o) if o.status.success() => {}
        Ok(o) => panic!(
            "could not set up the lossy link (`{}` failed: {}): this test needs root, iproute2 \
             and iptables",
            args.join(" "),
            String::from_utf8_lossy(&o.stderr).trim()
        ),
        Err(e) => panic!(
            "could not run `{}` ({e}): this test needs root, iproute2 and iptables",
            args[0]
        ),
    }
}

#[test]
fn invite_first_sync_and_a_later_sync_complete_over_a_link_losing_packets() {
    let link = LossyLink::new();
    let (ns_a, ns_b) = (link.ns("a"), link.ns("b"));
    let a = Laptop::new();
    let b = Laptop::new();
    a.json(None, &["init", "--group-name", "Riverside Tenants"]);
    a.import_people("Member", FIRST);
    let listen = format!("{A_IP}:{PORT}");

    // The invite and B's first sync: every record of the group crosses the lossy link.
    let mut invite = a.spawn(
        Some(&ns_a),
        &["--json", "group", "invite", "--listen", &listen],
    );
    let first = parse(&invite.line(Duration::from_secs(60)));
    let ticket = first["ticket"].as_str().expect("ticket").to_owned();
    let joined = b.json(
        Some(&ns_b),
        &["group", "join", &ticket, "--name", "laptop-b"],
    );
    assert_eq!(joined["contacts"], FIRST as u64, "{joined}");
    let done = parse(&invite.line(Duration::from_secs(120)));
    assert_eq!(done["joined"]["name"], "laptop-b", "{done}");
    drop(invite.finish(Duration::from_secs(60)));
    assert_each_once(&b.names(), FIRST);
    let after_join = link.dropped();
    assert!(
        after_join > 0,
        "no packet was dropped: the link was not lossy"
    );

    // Later: A gains records and serves; B syncs them over the same lossy link.
    a.import_people("Neighbour", LATER);
    let mut serve = a.spawn(
        Some(&ns_a),
        &["--json", "serve", "--listen", &listen, "--for", "150"],
    );
    let listening = parse(&serve.line(Duration::from_secs(60)));
    assert_eq!(listening["event"], "listening", "{listening}");
    let synced = b.json(Some(&ns_b), &["sync"]);
    assert_eq!(synced["succeeded"], 1, "{synced}");
    serve.interrupt();
    drop(serve.finish(Duration::from_secs(60)));
    assert_each_once(&b.names(), FIRST + LATER);
    let mut on_a = a.names();
    on_a.sort();
    let mut on_b = b.names();
    on_b.sort();
    assert_eq!(on_a, on_b);
    println!(
        "lossy link: {} UDP packets dropped at random ({} during the invite and first sync)",
        link.dropped(),
        after_join
    );
}
