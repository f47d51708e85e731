//! Meeting mode through the core API, with two nodes on this machine's loopback: each finds the
//! other by mDNS (on the loopback interface, the one both are bound on), remembers its address,
//! and stops by itself at the limit. The CLI test (`cli/tests/meeting.rs`) runs the same on a
//! virtual LAN and checks what a stranger hears.

use std::time::Duration;

use groundwork_core::node::{Node, NodeConfig};
use groundwork_core::proto::membership::{Grant, Role};
use groundwork_core::{Repo, StoreKey};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn members_on_one_network_find_each_other_and_meeting_mode_ends_by_itself() {
    let dir = tempfile::tempdir().expect("tmp");
    let ra = Repo::open(dir.path().join("a.db"), &StoreKey::random()).expect("store");
    let rb = Repo::open(dir.path().join("b.db"), &StoreKey::random()).expect("store");
    let a = ra.create_group("Local 12").expect("group");
    a.add_device(rb.device(), "b", Role::Member, Grant::everything())
        .expect("admit");
    let b = rb
        .join_group(&a.membership_ops().expect("ops"))
        .expect("join");

    let na = Node::spawn(ra.clone(), NodeConfig::loopback())
        .await
        .expect("node a");
    let nb = Node::spawn(rb.clone(), NodeConfig::loopback())
        .await
        .expect("node b");
    let limit = Duration::from_secs(4);
    let ma = na
        .meeting_mode(std::slice::from_ref(&a), limit)
        .await
        .expect("meeting a");
    let mb = nb
        .meeting_mode(std::slice::from_ref(&b), limit)
        .await
        .expect("meeting b");
    let mut found = mb.discovered();

    let d = tokio::time::timeout(Duration::from_secs(10), found.recv())
        .await
        .expect("B finds A within 10 s")
        .expect("a discovery");
    assert_eq!(d.group, b.id());
    assert_eq!(d.device, ra.device());
    let a_addr = na.bound_sockets()[0];
    assert_eq!(d.addrs, vec![a_addr]);
    let known = b.known_peers().expect("peers");
    assert!(
        known
            .iter()
            .any(|(dev, addrs)| *dev == ra.device() && addrs.contains(&a_addr)),
        "{known:?}"
    );

    // At the limit it stops by itself: the channel closes.
    let end = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            if let Err(tokio::sync::broadcast::error::RecvError::Closed) = found.recv().await {
                return;
            }
        }
    })
    .await;
    assert!(end.is_ok(), "meeting mode did not end at its limit");
    assert!(!mb.is_running());
    drop(ma);
    na.shutdown().await;
    nb.shutdown().await;
}
