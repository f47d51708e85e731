//! Packet captures for the network tests: tshark in a namespace, the pcap file read back, and
//! the IP header of each packet.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::Running;

/// A tshark capture of every interface of one namespace, to a classic pcap file.
pub(crate) struct Capture {
    what: &'static str,
    file: PathBuf,
    running: Running,
}

impl Capture {
    pub(crate) fn start(what: &'static str, ns: &str, dir: &Path) -> Capture {
        let file = dir.join(format!("{what}.pcap"));
        let mut cmd = Command::new("ip");
        cmd.args([
            "netns", "exec", ns, "tshark", "-q", "-i", "any", "-F", "pcap", "-w",
        ])
        .arg(&file)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
        let running = Running::spawn(cmd, &["tshark", what]);
        // tshark writes the file header once it captures.
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::fs::metadata(&file).map_or(true, |m| m.len() < 24) {
            assert!(
                Instant::now() < deadline,
                "tshark did not start capturing the {what} (is tshark installed? .ci/run installs it)"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        // dumpcap opens the file a moment before the socket is live.
        std::thread::sleep(Duration::from_millis(500));
        Capture {
            what,
            file,
            running,
        }
    }

    /// Stops the capture and reads what it holds.
    pub(crate) fn stop(self) -> Vec<Frame> {
        // Let the last packets land before stopping.
        std::thread::sleep(Duration::from_secs(1));
        self.running.interrupt();
        let run = self.running.finish(Duration::from_secs(30));
        let bytes = std::fs::read(&self.file).expect("the capture file");
        read_pcap(&bytes).unwrap_or_else(|e| {
            panic!(
                "the {} capture does not read as pcap ({e}); tshark said:\n{}",
                self.what, run.stderr
            )
        })
    }
}

/// One captured packet: its network-layer protocol and bytes (the link header removed).
pub(crate) struct Frame {
    pub(crate) ethertype: u16,
    pub(crate) packet: Vec<u8>,
}

pub(crate) fn read_pcap(bytes: &[u8]) -> Result<Vec<Frame>, String> {
    let u32_at = |b: &[u8], at: usize, le: bool| -> Option<u32> {
        let w: [u8; 4] = b.get(at..at + 4)?.try_into().ok()?;
        Some(if le {
            u32::from_le_bytes(w)
        } else {
            u32::from_be_bytes(w)
        })
    };
    let le = match bytes.get(..4) {
        Some([0xd4, 0xc3, 0xb2, 0xa1] | [0x4d, 0x3c, 0xb2, 0xa1]) => true,
        Some([0xa1, 0xb2, 0xc3, 0xd4] | [0xa1, 0xb2, 0x3c, 0x4d]) => false,
        _ => return Err("not a pcap file".into()),
    };
    let link = u32_at(bytes, 20, le).ok_or("short header")?;
    let mut at = 24;
    let mut frames = Vec::new();
    while at < bytes.len() {
        let len = u32_at(bytes, at + 8, le).ok_or("short record")? as usize;
        let data = bytes
            .get(at + 16..at + 16 + len)
            .ok_or("truncated record")?;
        at += 16 + len;
        let (ethertype, body) = match link {
            // Ethernet.
            1 if data.len() >= 14 => (u16::from_be_bytes([data[12], data[13]]), &data[14..]),
            // Linux "cooked" captures (-i any): SLL and SLL2.
            113 if data.len() >= 16 => (u16::from_be_bytes([data[14], data[15]]), &data[16..]),
            276 if data.len() >= 20 => (u16::from_be_bytes([data[0], data[1]]), &data[20..]),
            other => return Err(format!("link type {other} or a short frame")),
        };
        frames.push(Frame {
            ethertype,
            packet: body.to_vec(),
        });
    }
    Ok(frames)
}

/// A packet's IP header, as the tests judge it.
pub(crate) struct Ip<'a> {
    pub(crate) src: IpAddr,
    pub(crate) dst: IpAddr,
    /// The transport protocol (after IPv6 hop-by-hop options, which multicast-listener reports
    /// carry).
    pub(crate) proto: u8,
    pub(crate) payload: &'a [u8],
}

impl Frame {
    /// The IPv4 or IPv6 header; None for other protocols (ARP) and short packets.
    pub(crate) fn ip(&self) -> Option<Ip<'_>> {
        let p = &self.packet;
        let (src, dst, mut proto, mut payload): (IpAddr, IpAddr, u8, &[u8]) = match self.ethertype {
            0x0800 if p.len() >= 20 => {
                let ihl = usize::from(p[0] & 0x0f) * 4;
                let v4 =
                    |at: usize| IpAddr::V4(Ipv4Addr::new(p[at], p[at + 1], p[at + 2], p[at + 3]));
                (v4(12), v4(16), p[9], p.get(ihl..).unwrap_or_default())
            }
            0x86dd if p.len() >= 40 => {
                let v6 = |at: usize| {
                    let mut b = [0u8; 16];
                    b.copy_from_slice(&p[at..at + 16]);
                    IpAddr::V6(Ipv6Addr::from(b))
                };
                (v6(8), v6(24), p[6], &p[40..])
            }
            _ => return None,
        };
        if matches!(dst, IpAddr::V6(_)) && proto == 0 && payload.len() >= 8 {
            let len = (usize::from(payload[1]) + 1) * 8;
            proto = payload[0];
            payload = payload.get(len..).unwrap_or_default();
        }
        Some(Ip {
            src,
            dst,
            proto,
            payload,
        })
    }
}

/// Whether `needle` occurs in `haystack`.
pub(crate) fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}
