//! Syncs through a UDP proxy that delays (200 ms each way), stalls and cuts the link, with the
//! real `groundwork` command: a slow link with a three-second stall mid-transfer still completes; a link cut
//! mid-transfer fails with a clear error within the deadlines, and the next sync completes with
//! every record once.
//!
//! Laptop A runs in one network namespace, laptop B in another; each is linked to the test's own
//! namespace only (10.207.1.0/24 and 10.207.2.0/24; nothing routes between them), where the proxy
//! runs, one thread per direction. The proxy is B's only way to A: iroh tells peers its direct
//! addresses and would otherwise prefer them (on one loopback, a proxy is bypassed). No kernel
//! queueing discipline is needed (`netem` is missing on this CI's kernel).
//!
//! Needs root and iproute2 (`.ci/run` installs them); fails, saying why, without them.

mod common;

use std::net::{SocketAddr, UdpSocket};
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::thread;
use std::time::{Duration, Instant};

use common::{Laptop, Running, assert_each_once, parse};

/// Each packet is this late, each way.
const DELAY: Duration = Duration::from_millis(200);
/// Bytes from A to B after which the link is cut: past the handshake, well before 300 new
/// contacts have crossed.
const CUT_AFTER_BYTES: u64 = 16 * 1024;
const A_IP: &str = "10.207.1.2";
const A_SIDE: &str = "10.207.1.1";
const B_SIDE: &str = "10.207.2.1";

const PASS: u8 = 0;
const DROP: u8 = 1;

/// Two namespaces, each with a veth pair to the test's namespace; removed when dropped.
struct Net {
    prefix: String,
}

impl Net {
    fn new() -> Net {
        let net = Net {
            prefix: format!("gwimp{}", std::process::id()),
        };
        for (name, host_ip, ns_ip) in [("a", A_SIDE, A_IP), ("b", B_SIDE, "10.207.2.2")] {
            let ns = net.ns(name);
            let host_end = format!("{}{name}", net.prefix);
            run(&["ip", "netns", "add", &ns]);
            run(&["ip", "-n", &ns, "link", "set", "lo", "up"]);
            run(&[
                "ip", "link", "add", &host_end, "type", "veth", "peer", "name", "eth0", "netns",
                &ns,
            ]);
            run(&[
                "ip",
                "addr",
                "add",
                &format!("{host_ip}/24"),
                "dev",
                &host_end,
            ]);
            run(&["ip", "link", "set", &host_end, "up"]);
            run(&[
                "ip",
                "-n",
                &ns,
                "addr",
                "add",
                &format!("{ns_ip}/24"),
                "dev",
                "eth0",
            ]);
            run(&["ip", "-n", &ns, "link", "set", "eth0", "up"]);
        }
        net
    }

    fn ns(&self, name: &str) -> String {
        format!("{}ns{name}", self.prefix)
    }
}

impl Drop for Net {
    fn drop(&mut self) {
        for name in ["a", "b"] {
            let _ = Command::new("ip")
                .args(["netns", "del", &self.ns(name)])
                .status();
            let _ = Command::new("ip")
                .args(["link", "del", &format!("{}{name}", self.prefix)])
                .status();
        }
    }
}

fn run(args: &[&str]) {
    match Command::new(args[0]).args(&args[1..]).output() {
        Ok(o) if o.status.success() => {}
        Ok(o) => panic!(
            "could not set up the test network (`{}` failed: {}): this test needs root and iproute2",
            args.join(" "),
            String::from_utf8_lossy(&o.stderr).trim()
        ),
        Err(e) => panic!(
            "could not run `{}` ({e}): this test needs root and iproute2",
            args[0]
        ),
    }
}

/// The proxy: B writes to `front`; packets go on to `target` from `back` and back again, each
/// [`DELAY`] late, or are dropped while the mode is [`DROP`].
struct Proxy {
    front: SocketAddr,
    mode: Arc<AtomicU8>,
    /// Bytes forwarded from A to B.
    to_b: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
    threads: Vec<thread::JoinHandle<()>>,
}

impl Proxy {
    fn start(target: SocketAddr) -> Proxy {
        let front = UdpSocket::bind((B_SIDE, 0)).expect("bind the proxy's front");
        let back = UdpSocket::bind((A_SIDE, 0)).expect("bind the proxy's back");
        for s in [&front, &back] {
            s.set_read_timeout(Some(Duration::from_millis(50)))
                .expect("timeout");
        }
        let front_addr = front.local_addr().expect("front address");
        let (front, back) = (Arc::new(front), Arc::new(back));
        let mode = Arc::new(AtomicU8::new(PASS));
        let stop = Arc::new(AtomicBool::new(false));
        let to_b = Arc::new(AtomicU64::new(0));
        let client: Arc<Mutex<Option<SocketAddr>>> = Arc::default();
        let mut threads = Vec::new();
        let from_b = client.clone();
        threads.extend(direction(
            front.clone(),
            back.clone(),
            mode.clone(),
            stop.clone(),
            Arc::new(AtomicU64::new(0)),
            move |src| {
                *from_b.lock().expect("client") = Some(src);
                Some(target)
            },
        ));
        threads.extend(direction(
            back,
            front,
            mode.clone(),
            stop.clone(),
            to_b.clone(),
            move |_| *client.lock().expect("client"),
        ));
        Proxy {
            front: front_addr,
            mode,
            to_b,
            stop,
            threads,
        }
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

/// One direction: a reader stamps each packet with when it may go; a writer sends it then.
fn direction(
    from: Arc<UdpSocket>,
    to: Arc<UdpSocket>,
    mode: Arc<AtomicU8>,
    stop: Arc<AtomicBool>,
    forwarded: Arc<AtomicU64>,
    dest: impl Fn(SocketAddr) -> Option<SocketAddr> + Send + 'static,
) -> [thread::JoinHandle<()>; 2] {
    let (tx, rx) = mpsc::channel::<(Instant, Vec<u8>, SocketAddr)>();
    let reader_stop = stop.clone();
    let reader = thread::spawn(move || {
        let mut buf = vec![0u8; 65_536];
        while !reader_stop.load(Ordering::SeqCst) {
            let Ok((n, src)) = from.recv_from(&mut buf) else {
                continue;
            };
            if mode.load(Ordering::SeqCst) == DROP {
                continue;
            }
            if let Some(dest) = dest(src) {
                forwarded.fetch_add(n as u64, Ordering::SeqCst);
                let _ = tx.send((Instant::now() + DELAY, buf[..n].to_vec(), dest));
            }
        }
    });
    let writer = thread::spawn(move || {
        while !stop.load(Ordering::SeqCst) {
            let Ok((at, packet, dest)) = rx.recv_timeout(Duration::from_millis(50)) else {
                continue;
            };
            thread::sleep(at.saturating_duration_since(Instant::now()));
            let _ = to.send_to(&packet, dest);
        }
    });
    [reader, writer]
}

#[test]
fn a_stalled_link_completes_and_a_cut_one_fails_clearly_then_resumes_without_duplicates() {
    let net = Net::new();
    let (ns_a, ns_b) = (net.ns("a"), net.ns("b"));
    let a = Laptop::new();
    let b = Laptop::new();
    a.json(None, &["init", "--group-name", "Riverside Tenants"]);
    a.import_people("Member", 50);

    // B joins in the test's namespace, on loopback (the proxy comes after).
    let (joined, _) = a.invite_on_loopback(&b);
    assert_eq!(joined["contacts"], 50, "{joined}");
    let a_device = a.json(None, &["status"])["device_id"]
        .as_str()
        .expect("device id")
        .to_owned();

    // From now on A serves in its namespace and B syncs from its own, through the proxy only.
    let listen = format!("{A_IP}:4433");
    let serve = |a: &Laptop| {
        let mut serving = a.spawn(
            Some(&ns_a),
            &["--json", "serve", "--listen", &listen, "--for", "170"],
        );
        assert_eq!(
            parse(&serving.line(Duration::from_secs(60)))["event"],
            "listening"
        );
        serving
    };
    let stop = |serving: Running| {
        serving.interrupt();
        drop(serving.finish(Duration::from_secs(60)));
    };
    let proxy = Proxy::start(listen.parse().expect("address"));
    let via_proxy = format!("{a_device}@{}", proxy.front);

    // A slow link that stalls for three seconds while the records cross.
    a.import_people("Neighbour", 300);
    let serving = serve(&a);
    let before = proxy.to_b.load(Ordering::SeqCst);
    let stall = {
        let mode = proxy.mode.clone();
        thread::spawn(move || {
            thread::sleep(Duration::from_millis(400));
            mode.store(DROP, Ordering::SeqCst);
            thread::sleep(Duration::from_secs(3));
            mode.store(PASS, Ordering::SeqCst);
        })
    };
    let synced = b.json(Some(&ns_b), &["sync", "--peer", &via_proxy]);
    stall.join().expect("stall thread");
    assert_eq!(synced["succeeded"], 1, "{synced}");
    let crossed = proxy.to_b.load(Ordering::SeqCst) - before;
    assert!(
        crossed > 50_000,
        "only {crossed} bytes went through the proxy"
    );
    assert_each_once(&b.names(), 350);

    // A link cut for good once the session's first bytes crossed: the sync fails, saying so.
    stop(serving);
    a.import_people("Visitor", 300);
    let serving = serve(&a);
    let ended = Arc::new(AtomicBool::new(false));
    let cut = {
        let (mode, to_b, ended) = (proxy.mode.clone(), proxy.to_b.clone(), ended.clone());
        let armed_at = to_b.load(Ordering::SeqCst);
        thread::spawn(move || {
            while !ended.load(Ordering::SeqCst) {
                if to_b.load(Ordering::SeqCst) >= armed_at + CUT_AFTER_BYTES {
                    mode.store(DROP, Ordering::SeqCst);
                    return;
                }
                thread::sleep(Duration::from_millis(1));
            }
        })
    };
    let started = Instant::now();
    let failed = b.run(Some(&ns_b), &["sync", "--peer", &via_proxy]);
    ended.store(true, Ordering::SeqCst);
    cut.join().expect("cut thread");
    assert_eq!(
        failed.code,
        Some(1),
        "stdout:\n{}\nstderr:\n{}",
        failed.stdout,
        failed.stderr
    );
    assert!(
        failed.stderr.contains("could not sync"),
        "{}",
        failed.stderr
    );
    assert!(!failed.stderr.contains("panicked"), "{}", failed.stderr);
    assert!(
        started.elapsed() < Duration::from_secs(120),
        "a cut link took {:?} to give up on",
        started.elapsed()
    );
    // What arrived before the cut is kept; the next sync brings the rest, each record once.
    proxy.mode.store(PASS, Ordering::SeqCst);
    let resumed = b.json(Some(&ns_b), &["sync", "--peer", &via_proxy]);
    assert_eq!(resumed["succeeded"], 1, "{resumed}");
    assert_each_once(&b.names(), 650);
    stop(serving);
    println!(
        "impaired link: the cut sync gave up after {:.1} s",
        started.elapsed().as_secs_f64()
    );
}
