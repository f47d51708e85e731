//! Devices syncing over real iroh endpoints on loopback.

use groundwork_core::model::*;
use groundwork_core::node::{Node, NodeConfig, SYNC_ALPN};
use groundwork_core::proto::membership::{Grant, Role};
use groundwork_core::proto::sync::{Message, PROTOCOL_VERSION};
use groundwork_core::query::ContactQuery;
use groundwork_core::{Group, Repo, StoreKey};

fn store(dir: &tempfile::TempDir, name: &str) -> Repo {
    Repo::open(dir.path().join(name), &StoreKey::random()).expect("store")
}

/// A bare iroh endpoint on loopback that speaks whatever the test writes (a stranger, an
/// attacker, or a device replaying someone else's proof).
async fn raw_endpoint(key: Option<iroh::SecretKey>) -> iroh::Endpoint {
    let mut builder = iroh::Endpoint::builder(iroh::endpoint::presets::Minimal)
        .relay_mode(iroh::RelayMode::Disabled);
    if let Some(key) = key {
        builder = builder.secret_key(key);
    }
    builder
        .bind_addr(std::net::SocketAddr::from(([127, 0, 0, 1], 0)))
        .expect("addr")
        .bind()
        .await
        .expect("bind")
}

/// Device A's new group, with device B admitted as a member and holding the membership log.
fn admitted_pair(dir: &tempfile::TempDir) -> (Repo, Group, Repo, Group) {
    let (ra, rb) = (store(dir, "a.db"), store(dir, "b.db"));
    let a = ra.create_group("Local 12").expect("group");
    a.add_device(rb.device(), "b", Role::Member, Grant::everything())
        .expect("admit");
    let b = rb
        .join_group(&a.membership_ops().expect("ops"))
        .expect("join");
    (ra, a, rb, b)
}

fn names(g: &Group) -> Vec<String> {
    g.contacts(&ContactQuery {
        limit: Some(10_000),
        ..Default::default()
    })
    .expect("q")
    .into_iter()
    .map(|c| c.name)
    .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offline_edits_on_three_devices_merge_at_the_meeting() {
    let dir = tempfile::tempdir().expect("tmp");
    let (ra, rb, rc) = (
        store(&dir, "a.db"),
        store(&dir, "b.db"),
        store(&dir, "c.db"),
    );
    let a = ra.create_group("Maple Court Tenants").expect("group");
    for d in [&rb, &rc] {
        a.add_device(d.device(), "phone", Role::Member, Grant::everything())
            .expect("admit");
    }
    let ops = a.membership_ops().expect("ops");
    let (b, c) = (
        rb.join_group(&ops).expect("join"),
        rc.join_group(&ops).expect("join"),
    );
    let ana = a.create_contact(&NewContact::named("Ana Ruiz")).expect("c");

    let (na, nb, nc) = (
        Node::spawn(ra.clone(), NodeConfig::loopback())
            .await
            .expect("node a"),
        Node::spawn(rb.clone(), NodeConfig::loopback())
            .await
            .expect("node b"),
        Node::spawn(rc.clone(), NodeConfig::loopback())
            .await
            .expect("node c"),
    );
    nb.sync_with(&b, na.dial_addr())
        .await
        .expect("b joins the data");
    nc.sync_with(&c, na.dial_addr())
        .await
        .expect("c joins the data");
    assert_eq!(names(&b), vec!["Ana Ruiz"]);

    // Offline: each device edits.
    a.update_contact(
        ana.id,
        &Update::new(vec![ContactEdit::AddTag("leader".into())]),
    )
    .expect("a");
    b.create_contact(&NewContact::named("Bo Chen")).expect("b");
    c.update_contact(
        ana.id,
        &Update::new(vec![ContactEdit::EditNotes(TextEdit::Replace(
            "Has a car.".into(),
        ))]),
    )
    .expect("c");

    // The meeting: b and c sync with a, then b again.
    nb.sync_with(&b, na.dial_addr()).await.expect("b");
    nc.sync_with(&c, na.dial_addr()).await.expect("c");
    let again = nb.sync_with(&b, na.dial_addr()).await.expect("b again");
    for g in [&a, &b, &c] {
        assert_eq!(names(g), vec!["Ana Ruiz", "Bo Chen"]);
        let ana = g.contact(ana.id).expect("ana");
        assert!(ana.tags.contains("leader"));
        assert_eq!(ana.notes, "Has a car.");
    }
    assert!(again.round_trips <= 3, "{again:?}");
    let last = nb
        .sync_with(&b, na.dial_addr())
        .await
        .expect("nothing changed");
    assert_eq!(last.round_trips, 1);
    assert!(last.bytes_sent + last.bytes_received < 1024, "{last:?}");
    for n in [na, nb, nc] {
        n.shutdown().await;
    }
}

/// A stranger who knows the group's id and the device's address gets no record byte: only a
/// refusal, whatever it claims.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stranger_gets_no_record_bytes() {
    let dir = tempfile::tempdir().expect("tmp");
    let ra = store(&dir, "a.db");
    let a = ra.create_group("Local 12").expect("group");
    a.create_contact(&NewContact::named("Secret Person"))
        .expect("c");
    let na = Node::spawn(ra.clone(), NodeConfig::loopback())
        .await
        .expect("node");
    let bound = na.bound_sockets();
    assert!(
        !bound.is_empty() && bound.iter().all(|s| s.ip().is_loopback()),
        "a loopback node listens on loopback only: {bound:?}"
    );

    let stranger = raw_endpoint(None).await;
    let conn = stranger
        .connect(na.dial_addr(), SYNC_ALPN)
        .await
        .expect("connect");
    let (mut send, mut recv) = conn.open_bi().await.expect("stream");
    let hello = Message::Hello {
        min_version: 1,
        max_version: PROTOCOL_VERSION,
        group: *a.id().as_bytes(),
        membership_heads: a.membership_heads().expect("heads"),
        reconcile: vec![0x61],
    };
    send.write_all(&hello.to_frame().expect("frame"))
        .await
        .expect("send");
    let _ = send.finish();
    let received = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        recv.read_to_end(1 << 20),
    )
    .await
    .expect("answer in time")
    .unwrap_or_default();
    let len = u32::from_be_bytes(received[..4].try_into().expect("a frame")) as usize;
    let answer = Message::decode(&received[4..4 + len]).expect("decodes");
    assert!(matches!(answer, Message::Refused { .. }), "{answer:?}");
    assert_eq!(received.len(), 4 + len, "nothing after the refusal");
    assert!(!received.windows(6).any(|w| w == b"Secret"));
    na.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invite_admits_one_device_once_and_a_relayed_proof_fails() {
    use groundwork_core::proto::invite::{JoinMessage, join_proof};
    use groundwork_core::proto::membership::DeviceId;
    let dir = tempfile::tempdir().expect("tmp");
    let (ra, rb, rc) = (
        store(&dir, "a.db"),
        store(&dir, "b.db"),
        store(&dir, "c.db"),
    );
    let a = ra.create_group("Riverside Committee").expect("group");
    a.create_contact(&NewContact::named("Dmitri Novak"))
        .expect("c");
    let (na, nb, nc) = (
        Node::spawn(ra.clone(), NodeConfig::loopback())
            .await
            .expect("a"),
        Node::spawn(rb.clone(), NodeConfig::loopback())
            .await
            .expect("b"),
        Node::spawn(rc.clone(), NodeConfig::loopback())
            .await
            .expect("c"),
    );
    let invite = na
        .invite(
            &a,
            std::time::Duration::from_secs(600),
            Role::Member,
            Grant::everything(),
        )
        .expect("invite");

    // C got hold of the proof B would send (relayed), and presents it as its own: refused.
    let b_dev = rb.device();
    let proof = join_proof(
        &invite.ticket.secret,
        &invite.ticket.group,
        &b_dev,
        &ra.device(),
    );
    let endpoint = raw_endpoint(Some(rc.device_key().clone())).await;
    let conn = endpoint
        .connect(na.dial_addr(), groundwork_core::node::JOIN_ALPN)
        .await
        .expect("connect");
    let (mut send, mut recv) = conn.open_bi().await.expect("stream");
    let req = JoinMessage::Request {
        group: invite.ticket.group,
        name: "thief".into(),
        proof,
    }
    .to_bytes();
    let mut frame = (req.len() as u32).to_be_bytes().to_vec();
    frame.extend(req);
    send.write_all(&frame).await.expect("send");
    let answer = recv.read_to_end(1 << 20).await.expect("answer");
    assert!(matches!(
        JoinMessage::decode(&answer[4..]),
        Ok(JoinMessage::Refused { .. })
    ));
    assert!(
        !a.members()
            .expect("m")
            .is_member(&DeviceId::from_key(&rc.device_key().public()))
    );
    endpoint.close().await;

    // B joins with the ticket: gets the group and its records; both sides show one fingerprint.
    let (b, shown_on_b) = nb.join(&invite.text, "Rosa's phone").await.expect("join");
    let joined = invite.joined.await.expect("joined");
    assert_eq!(joined.fingerprint, shown_on_b);
    assert_eq!(joined.device, b_dev);
    assert_eq!(names(&b), vec!["Dmitri Novak"]);

    // Both now know where the other is: a plain "sync" finds the peer.
    assert_eq!(b.known_peers().expect("peers")[0].0, ra.device());
    a.create_contact(&NewContact::named("Ewa Kowalska"))
        .expect("c");
    let outcomes = nb.sync_known_peers(&b).await.expect("sync");
    assert_eq!(outcomes.len(), 1);
    assert!(outcomes[0].1.is_ok());
    assert_eq!(names(&b), vec!["Dmitri Novak", "Ewa Kowalska"]);
    assert!(
        a.known_peers()
            .expect("peers")
            .iter()
            .any(|(d, _)| *d == b_dev),
        "the inviter learned the joiner's address"
    );

    // The invite is used up: a second join with the same ticket is refused.
    let again = nc.join(&invite.text, "late").await;
    assert!(again.is_err(), "a used invite must not work twice");
    // An expired ticket is refused before anything is sent.
    let short = na
        .invite(
            &a,
            std::time::Duration::from_secs(1),
            Role::Member,
            Grant::everything(),
        )
        .expect("invite");
    tokio::time::sleep(std::time::Duration::from_millis(1_200)).await;
    assert!(nc.join(&short.text, "late").await.is_err());
    for n in [na, nb, nc] {
        n.shutdown().await;
    }
}

/// A peer that sends an oversized or garbage frame ends its own session (and is quarantined);
/// the node keeps serving honest members.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_frames_end_the_session_not_the_node() {
    let dir = tempfile::tempdir().expect("tmp");
    let (ra, a, rb, b) = admitted_pair(&dir);
    a.create_contact(&NewContact::named("Kofi Mensah"))
        .expect("c");
    let na = Node::spawn(ra.clone(), NodeConfig::loopback())
        .await
        .expect("a");
    let nb = Node::spawn(rb.clone(), NodeConfig::loopback())
        .await
        .expect("b");

    for frame in [
        vec![0xff, 0xff, 0xff, 0xff],                   // announces 4 GB
        vec![0, 0, 0, 5, 0xde, 0xad, 0xbe, 0xef, 0x00], // garbage body
        b"GET / HTTP/1.1\r\n\r\n".to_vec(),
    ] {
        let attacker = raw_endpoint(None).await;
        let conn = attacker
            .connect(na.dial_addr(), SYNC_ALPN)
            .await
            .expect("connect");
        let (mut send, mut recv) = conn.open_bi().await.expect("stream");
        let _ = send.write_all(&frame).await;
        let _ = send.finish();
        let got = tokio::time::timeout(
            std::time::Duration::from_secs(10),
            recv.read_to_end(1 << 20),
        )
        .await
        .expect("in time");
        assert!(
            got.map(|bytes| bytes.is_empty()).unwrap_or(true),
            "no answer to garbage"
        );
        attacker.close().await;
    }
    // The honest member still syncs.
    nb.sync_with(&b, na.dial_addr()).await.expect("honest sync");
    assert_eq!(names(&b), vec!["Kofi Mensah"]);
    na.shutdown().await;
    nb.shutdown().await;
}

/// The endpoint hook closes, right after the handshake, a connection from a quarantined peer and
/// one on the join protocol while no invite is live: no protocol handler runs for them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_endpoint_gate_closes_quarantined_peers_and_unsolicited_joins() {
    let dir = tempfile::tempdir().expect("tmp");
    let (ra, _a, _rb, _b) = admitted_pair(&dir);
    let na = Node::spawn(ra.clone(), NodeConfig::loopback())
        .await
        .expect("a");
    let close_code = |e: iroh::endpoint::ConnectionError| match e {
        iroh::endpoint::ConnectionError::ApplicationClosed(c) => Some(c.error_code.into_inner()),
        _ => None,
    };

    // No invite is live: the join protocol is closed with code 3.
    let joiner = raw_endpoint(None).await;
    let conn = joiner
        .connect(na.dial_addr(), groundwork_core::node::JOIN_ALPN)
        .await
        .expect("a refused connection still connects");
    assert_eq!(close_code(conn.closed().await), Some(3));
    joiner.close().await;

    // A peer that sent garbage is quarantined: its next connection is closed with code 2.
    let key = iroh::SecretKey::generate();
    let attacker = raw_endpoint(Some(key.clone())).await;
    let conn = attacker
        .connect(na.dial_addr(), SYNC_ALPN)
        .await
        .expect("connect");
    let (mut send, mut recv) = conn.open_bi().await.expect("stream");
    let _ = send.write_all(&[0, 0, 0, 5, 1, 2, 3, 4, 5]).await;
    let _ = send.finish();
    let _ = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        recv.read_to_end(1 << 20),
    )
    .await;
    attacker.close().await;
    let attacker = raw_endpoint(Some(key)).await;
    let conn = attacker
        .connect(na.dial_addr(), SYNC_ALPN)
        .await
        .expect("a refused connection still connects");
    assert_eq!(close_code(conn.closed().await), Some(2));
    attacker.close().await;
    na.shutdown().await;
}

/// While two members are connected, an edit reaches the other within a fraction of a second and
/// its subscriptions fire.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_edits_arrive_while_connected() {
    use groundwork_core::events::{Filter, Notification, Origin};
    let dir = tempfile::tempdir().expect("tmp");
    let (ra, a, rb, b) = admitted_pair(&dir);
    let ana = a.create_contact(&NewContact::named("Ana Ruiz")).expect("c");
    let na = Node::spawn(ra.clone(), NodeConfig::loopback())
        .await
        .expect("a");
    let nb = Node::spawn(rb.clone(), NodeConfig::loopback())
        .await
        .expect("b");
    let (_, link) = nb.go_live(&b, na.dial_addr()).await.expect("live");
    assert_eq!(names(&b), vec!["Ana Ruiz"]);

    let mut on_b = b.subscribe(Filter::Record(ana.id.into()));
    let started = std::time::Instant::now();
    a.update_contact(
        ana.id,
        &Update::new(vec![ContactEdit::AddTag("leader".into())]),
    )
    .expect("edit on a");
    let event = tokio::time::timeout(std::time::Duration::from_secs(5), on_b.next())
        .await
        .expect("arrives")
        .expect("open");
    let elapsed = started.elapsed();
    assert!(
        matches!(event, Notification::Changed(ref e) if e.origin == Origin::Remote),
        "{event:?}"
    );
    assert!(b.contact(ana.id).expect("c").tags.contains("leader"));
    assert!(
        elapsed < std::time::Duration::from_secs(2),
        "took {elapsed:?}"
    );

    // And the other way, including a new record.
    let mut on_a = a.subscribe(Filter::Group);
    b.create_contact(&NewContact::named("Bo Chen"))
        .expect("b adds");
    tokio::time::timeout(std::time::Duration::from_secs(5), on_a.next())
        .await
        .expect("arrives")
        .expect("open");
    assert_eq!(names(&a), vec!["Ana Ruiz", "Bo Chen"]);
    assert!(link.is_open());
    drop(link);
    na.shutdown().await;
    nb.shutdown().await;
}
