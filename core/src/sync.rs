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
mod tests;
