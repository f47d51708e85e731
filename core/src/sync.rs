//! Sync between two member devices of a group: the protocol's state machine, with no I/O.
//!
//! [`SyncSession`] takes the peer's [`Message`]s and returns the messages to send back; the
//! transport (iroh, or an in-memory pipe in tests) only moves frames. Both sides reconcile the
//! same set — the documents *both* may see under their grants — so a device with a limited grant
//! never learns the ids, let alone the content, of records outside it. See
//! `groundwork_proto::sync` for the message flow.

mod items;
mod session;

pub use session::{SyncError, SyncRole, SyncSession, SyncStats};

#[cfg(test)]
mod hostile_tests;
#[cfg(test)]
pub(crate) mod tests;

/// The documents (and erasures) both this device and `peer` may see, by document id.
pub(crate) fn visible_to(
    group: &crate::group::Group,
    peer: &groundwork_proto::membership::DeviceId,
) -> crate::error::Result<std::collections::BTreeMap<[u8; 16], bool>> {
    let members = group.members()?;
    let grant = members.grant(peer).unwrap_or_default();
    let admin = members.is_admin(peer);
    let items = group.with_store(|store, g| {
        let vis = items::Visibility::of(store, g, &grant, admin)?;
        items::items(store, g, &vis)
    })?;
    Ok(items.into_iter().map(|i| (i.doc, i.erased)).collect())
}
