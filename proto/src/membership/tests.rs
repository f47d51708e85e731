use proptest::prelude::*;
use rand::SeedableRng;
use rand::seq::SliceRandom;

use super::*;

fn key(n: u8) -> SecretKey {
    SecretKey::from_bytes(&[n; 32])
}

fn dev(n: u8) -> DeviceId {
    DeviceId::from_key(&key(n).public())
}

/// Signs an operation by device `n` on top of `parents`.
fn op(log: &MembershipLog, n: u8, parents: Vec<OpHash>, action: Action) -> VerifiedOp {
    Op::new(log.group_id(), parents, &key(n).public(), 0, action)
        .sign(&key(n))
        .expect("sign")
}

fn add(device: u8, role: Role) -> Action {
    Action::Add {
        device: dev(device),
        name: format!("device {device}"),
        role,
        grant: Grant::everything(),
    }
}

fn insert(log: &mut MembershipLog, o: &VerifiedOp) {
    log.insert(o.clone()).expect("insert");
}

#[test]
fn genesis_admin_adds_and_removes() {
    let mut log = MembershipLog::create("Maple Court", &key(1), 0).expect("create");
    assert!(log.state().is_admin(&dev(1)));
    assert_eq!(log.state().name, "Maple Court");
    let a = op(&log, 1, log.heads(), add(2, Role::Member));
    insert(&mut log, &a);
    assert!(log.state().is_member(&dev(2)));
    assert!(!log.state().is_admin(&dev(2)));
    let r = op(&log, 1, log.heads(), Action::Remove { device: dev(2) });
    insert(&mut log, &r);
    assert!(!log.state().is_member(&dev(2)));
    assert!(log.state().removed.contains(&dev(2)));
}

#[test]
fn a_member_cannot_admit_or_remove() {
    let mut log = MembershipLog::create("g", &key(1), 0).expect("create");
    let a = op(&log, 1, log.heads(), add(2, Role::Member));
    insert(&mut log, &a);
    let sneaky = op(&log, 2, log.heads(), add(3, Role::Admin));
    insert(&mut log, &sneaky);
    assert!(!log.state().is_member(&dev(3)));
    assert!(log.state().ignored.contains(&sneaky.hash()));
    let coup = op(&log, 2, log.heads(), Action::Remove { device: dev(1) });
    insert(&mut log, &coup);
    assert!(log.state().is_admin(&dev(1)));
}

#[test]
fn removal_wins_over_concurrent_actions_of_the_removed() {
    let mut log = MembershipLog::create("g", &key(1), 0).expect("create");
    let a = op(&log, 1, log.heads(), add(2, Role::Admin));
    insert(&mut log, &a);
    let base = log.heads();
    // Concurrently: admin 1 removes admin 2; admin 2 adds device 3.
    let remove = op(&log, 1, base.clone(), Action::Remove { device: dev(2) });
    let sneak = op(&log, 2, base, add(3, Role::Member));
    insert(&mut log, &sneak);
    assert!(
        log.state().is_member(&dev(3)),
        "before the removal is known, 3 is in"
    );
    insert(&mut log, &remove);
    assert!(!log.state().is_member(&dev(2)));
    assert!(
        !log.state().is_member(&dev(3)),
        "the removed admin's concurrent add is void"
    );
    // Device 3's own later actions count for nothing either.
    let by3 = op(&log, 3, log.heads(), add(4, Role::Member));
    insert(&mut log, &by3);
    assert!(!log.state().is_member(&dev(4)));
}

#[test]
fn actions_before_the_removal_stand() {
    let mut log = MembershipLog::create("g", &key(1), 0).expect("create");
    let a = op(&log, 1, log.heads(), add(2, Role::Admin));
    insert(&mut log, &a);
    let b = op(&log, 2, log.heads(), add(3, Role::Member));
    insert(&mut log, &b);
    let r = op(&log, 1, log.heads(), Action::Remove { device: dev(2) });
    insert(&mut log, &r);
    assert!(
        log.state().is_member(&dev(3)),
        "2 added 3 before 1 removed 2, and 1 had seen it"
    );
    assert!(!log.state().is_member(&dev(2)));
}

#[test]
fn mutual_concurrent_removals_void_each_other() {
    let mut log = MembershipLog::create("g", &key(1), 0).expect("create");
    let a = op(&log, 1, log.heads(), add(2, Role::Admin));
    insert(&mut log, &a);
    let b = op(&log, 1, log.heads(), add(3, Role::Admin));
    insert(&mut log, &b);
    let base = log.heads();
    let r23 = op(&log, 2, base.clone(), Action::Remove { device: dev(3) });
    let r32 = op(&log, 3, base, Action::Remove { device: dev(2) });
    insert(&mut log, &r23);
    insert(&mut log, &r32);
    assert!(log.state().is_admin(&dev(2)) && log.state().is_admin(&dev(3)));
    // Admin 1 settles it.
    let r = op(&log, 1, log.heads(), Action::Remove { device: dev(3) });
    insert(&mut log, &r);
    assert!(!log.state().is_member(&dev(3)));
    assert!(log.state().is_member(&dev(2)));
}

#[test]
fn tampering_and_strangers_are_refused() {
    let mut log = MembershipLog::create("g", &key(1), 0).expect("create");
    let a = op(&log, 1, log.heads(), add(2, Role::Member));
    // A flipped byte anywhere breaks the decoding or the signature.
    let bytes = a.to_bytes();
    for i in 0..bytes.len() {
        let mut bad = bytes.clone();
        bad[i] ^= 0x01;
        assert!(
            SignedOp::decode_verified(&bad).is_err(),
            "flipped byte {i} accepted"
        );
    }
    // Signed by someone else than the named author.
    let forged = Op::new(
        log.group_id(),
        log.heads(),
        &key(1).public(),
        0,
        add(9, Role::Admin),
    );
    assert_eq!(forged.sign(&key(9)), Err(OpError::WrongSigner));
    // A stranger's well-signed op is refused by the log.
    let stranger = op(&log, 7, log.heads(), add(8, Role::Admin));
    assert_eq!(log.insert(stranger), Err(LogError::UnknownAuthor));
    // Another group's op, a second Create, missing parents, garbage, oversize.
    let other = MembershipLog::create("other", &key(1), 0).expect("other");
    let foreign = op(&other, 1, other.heads(), add(2, Role::Member));
    assert_eq!(log.insert(foreign), Err(LogError::WrongGroup));
    let second = Op::new(
        [0; 16],
        vec![],
        &key(1).public(),
        1,
        Action::Create {
            name: "again".into(),
        },
    )
    .sign(&key(1))
    .expect("sign");
    assert_eq!(log.insert(second), Err(LogError::SecondCreate));
    let orphan = op(&log, 1, vec![OpHash([9; 32])], add(2, Role::Member));
    assert_eq!(log.insert(orphan), Err(LogError::MissingParents(1)));
    assert!(SignedOp::decode_verified(&[]).is_err());
    assert!(SignedOp::decode_verified(&[0xff; 40]).is_err());
    assert!(matches!(
        SignedOp::decode_verified(&vec![0; MAX_OP_BYTES + 1]),
        Err(OpError::TooLarge(_))
    ));
    insert(&mut log, &a);
}

#[test]
fn missing_for_sends_what_the_peer_lacks() {
    let mut log = MembershipLog::create("g", &key(1), 0).expect("create");
    let genesis = log.heads();
    for d in 2..6 {
        let a = op(&log, 1, log.heads(), add(d, Role::Member));
        insert(&mut log, &a);
    }
    assert_eq!(log.missing_for(&log.heads()).len(), 0);
    let missing = log.missing_for(&genesis);
    assert_eq!(missing.len(), 4);
    let mut copy =
        MembershipLog::from_genesis(log.ops().next().expect("genesis").clone()).expect("copy");
    copy.insert_all(missing.into_iter().rev().cloned().collect())
        .expect("any order");
    assert_eq!(copy.state(), log.state());
    assert_eq!(copy.heads(), log.heads());
}

/// Random concurrent histories: every arrival order gives the same state.
fn history(seed: u64, steps: usize) -> (VerifiedOp, Vec<VerifiedOp>) {
    let mut rng = rand::rngs::ChaCha8Rng::seed_from_u64(seed);
    use rand::RngExt;
    let log0 = MembershipLog::create("g", &key(1), 0).expect("create");
    let genesis = log0.ops().next().expect("genesis").clone();
    // Three replicas of the log, each making ops and sometimes merging.
    let mut logs = [log0.clone(), log0.clone(), log0];
    let mut all = Vec::new();
    for _ in 0..steps {
        let r = rng.random_range(0..3);
        let author = [1u8, 2, 3, 4][rng.random_range(0..4)];
        let target = rng.random_range(2..7u8);
        let action = match rng.random_range(0..4) {
            0 => add(
                target,
                if rng.random_bool(0.5) {
                    Role::Admin
                } else {
                    Role::Member
                },
            ),
            1 => Action::Remove {
                device: dev(target),
            },
            2 => Action::SetRole {
                device: dev(target),
                role: Role::Admin,
            },
            _ => Action::SetGrant {
                device: dev(target),
                grant: Grant::default(),
            },
        };
        let o = op(&logs[r], author, logs[r].heads(), action);
        if logs[r].insert(o.clone()).is_ok() {
            all.push(o);
        }
        if rng.random_bool(0.3) {
            let (a, b) = (rng.random_range(0..3), rng.random_range(0..3));
            let ops: Vec<_> = logs[a].ops().cloned().collect();
            logs[b].insert_all(ops).expect("merge");
        }
    }
    (genesis, all)
}

proptest! {
    #[test]
    fn state_does_not_depend_on_arrival_order(seed in any::<u64>(), steps in 1usize..40, shuffle in any::<u64>()) {
        let (genesis, ops) = history(seed, steps);
        let mut a = MembershipLog::from_genesis(genesis.clone()).expect("a");
        a.insert_all(ops.clone()).expect("a");
        let mut shuffled = ops;
        shuffled.shuffle(&mut rand::rngs::ChaCha8Rng::seed_from_u64(shuffle));
        let mut b = MembershipLog::from_genesis(genesis).expect("b");
        b.insert_all(shuffled).expect("b");
        prop_assert_eq!(a.state(), b.state());
        prop_assert_eq!(a.heads(), b.heads());
        prop_assert!(a.state().is_admin(&dev(1)) || a.state().removed.contains(&dev(1)) || !a.state().is_member(&dev(1)));
    }
}
