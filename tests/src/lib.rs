//! Helpers shared by the multi-replica, crash and erasure tests.

use groundwork_core::{Group, ImportOutcome};

/// How a simulated exchange between two replicas treats the changes it carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// Everything, in order.
    All,
    /// Every change whose position hashes to a dropped slot is lost.
    Drop(u8),
    /// Everything twice.
    Duplicate,
    /// Everything, newest first.
    Reverse,
}

/// Sends the membership log, every document's changes and every erasure from `from` to `to`, as
/// `delivery` says.
/// Errors other than "this record was erased" fail the caller's test.
pub fn exchange(from: &Group, to: &Group, delivery: Delivery) -> Result<(), String> {
    let keep = |i: usize, salt: u8| -> bool {
        match delivery {
            Delivery::Drop(seed) => {
                !(i as u64 * 31 + u64::from(seed) * 7 + u64::from(salt)).is_multiple_of(3)
            }
            _ => true,
        }
    };
    to.apply_membership_ops(&from.membership_ops().map_err(|e| e.to_string())?)
        .map_err(|e| e.to_string())?;
    for (n, d) in from
        .document_versions()
        .map_err(|e| e.to_string())?
        .into_iter()
        .enumerate()
    {
        let mut changes = from
            .export_signed_changes(d.id)
            .map_err(|e| e.to_string())?;
        match delivery {
            Delivery::Drop(_) => {
                changes = changes
                    .into_iter()
                    .enumerate()
                    .filter(|(i, _)| keep(*i, n as u8))
                    .map(|(_, c)| c)
                    .collect();
            }
            Delivery::Duplicate => {
                changes = changes.iter().chain(changes.iter()).cloned().collect()
            }
            Delivery::Reverse => changes.reverse(),
            Delivery::All => {}
        }
        match to.import_signed_changes(d.id, &changes) {
            Ok(
                ImportOutcome::Applied
                | ImportOutcome::AlreadyHad
                | ImportOutcome::MissingDependencies,
            ) => {}
            Err(groundwork_core::Error::Erased { .. }) => {}
            Err(e) => return Err(format!("import of {} failed: {e}", d.id)),
        }
    }
    for (i, t) in from
        .erasures()
        .map_err(|e| e.to_string())?
        .into_iter()
        .enumerate()
    {
        if keep(i, 200) {
            to.import_erasure(&t).map_err(|e| e.to_string())?;
        }
    }
    Ok(())
}

/// Starts `n` replicas of a new group: the first device creates it and admits the others as
/// admins, and each joins with the membership log.
pub fn replicas(n: usize, name: &str) -> Vec<(groundwork_core::Repo, Group)> {
    use groundwork_core::proto::membership::{Grant, Role};
    let repos: Vec<groundwork_core::Repo> = (0..n)
        .map(|_| groundwork_core::Repo::open_in_memory().expect("store"))
        .collect();
    let origin = repos[0].create_group(name).expect("group");
    for (i, r) in repos.iter().enumerate().skip(1) {
        origin
            .add_device(
                r.device(),
                &format!("device {i}"),
                Role::Admin,
                Grant::everything(),
            )
            .expect("admit");
    }
    let ops = origin.membership_ops().expect("ops");
    repos
        .into_iter()
        .enumerate()
        .map(|(i, r)| {
            let g = if i == 0 {
                origin.clone()
            } else {
                r.join_group(&ops).expect("join")
            };
            (r, g)
        })
        .collect()
}
