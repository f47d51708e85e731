#![no_main]
//! The membership policy under any history: the input is a small program of operations by four
//! devices (adds, role and grant changes, removals, with parents chosen among earlier
//! operations), each signed by its author. The log receives them in three orders; every device
//! must compute the same state from the same operations in any order.

use groundwork_proto::SecretKey;
use groundwork_proto::membership::{Action, DeviceId, Grant, MembershipLog, Op, Role, VerifiedOp};
use libfuzzer_sys::fuzz_target;

const DEVICES: usize = 4;
const MAX_OPS: usize = 24;

fuzz_target!(|data: &[u8]| {
    let keys: Vec<SecretKey> = (0..DEVICES as u8)
        .map(|i| SecretKey::from_bytes(&[i + 7; 32]))
        .collect();
    let ids: Vec<DeviceId> = keys
        .iter()
        .map(|k| DeviceId::from_key(&k.public()))
        .collect();
    let genesis_log = MembershipLog::create("Fuzz Tenants", &keys[0], 0).expect("genesis");
    let group = genesis_log.group_id();
    let mut ops: Vec<VerifiedOp> = genesis_log.ops().cloned().collect();
    for step in data.chunks_exact(4).take(MAX_OPS) {
        let author = step[0] as usize % DEVICES;
        let target = ids[step[2] as usize % DEVICES];
        let action = match step[1] % 5 {
            0 | 1 => Action::Add {
                device: target,
                name: format!("device {}", step[2] % 8),
                role: if step[1] & 0x80 == 0 {
                    Role::Member
                } else {
                    Role::Admin
                },
                grant: Grant::everything(),
            },
            2 => Action::SetRole {
                device: target,
                role: if step[1] & 0x80 == 0 {
                    Role::Member
                } else {
                    Role::Admin
                },
            },
            3 => Action::SetGrant {
                device: target,
                grant: Grant {
                    everything: false,
                    units: [[step[3]; 16]].into(),
                    contacts: Default::default(),
                },
            },
            _ => Action::Remove { device: target },
        };
        let first = ops[step[3] as usize % ops.len()].hash();
        let second = ops[(step[3] as usize / 7) % ops.len()].hash();
        let op = Op::new(
            group,
            vec![first, second],
            &keys[author].public(),
            step[3] as i64,
            action,
        );
        ops.push(op.sign(&keys[author]).expect("signs its own operation"));
    }
    let rest = ops.split_off(1);
    let in_order = |order: Vec<VerifiedOp>| {
        let mut log = genesis_log.clone();
        let _ = log.insert_all(order);
        log
    };
    let forward = in_order(rest.clone());
    let backward = in_order(rest.iter().rev().cloned().collect());
    let mut by_hash = rest;
    by_hash.sort_by_key(|o| o.hash());
    let sorted = in_order(by_hash);
    for other in [&backward, &sorted] {
        assert_eq!(forward.heads(), other.heads());
        assert_eq!(forward.state(), other.state());
    }
});
