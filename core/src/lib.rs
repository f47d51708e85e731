//! Groundwork's core: a group's contacts, organizing conversations, follow-ups and plans as
//! Automerge documents in an encrypted, durable store on the device.
//!
//! Layers, each depending only on those below:
//! - [`model`]: typed records and per-field edits — what the CLI and the bindings see;
//! - `doc`: the records as Automerge documents (one per contact, follow-up, plan, terrain tree,
//!   plus the group's settings) — Automerge never leaks out of this crate's API;
//! - `store`: SQLCipher, one transaction per acknowledged write, plus the query index;
//! - [`Repo`] / [`Group`] / [`Batch`]: the device's groups, edits, erasure, queries ([`query`]) and
//!   change subscriptions ([`events`]);
//! - the organizing workflows on top, all answered from the index: follow-ups due and their life
//!   ([`agenda`]), plans' benchmarks with live progress ([`benchmarks`]), the wall chart and
//!   structure tests ([`chart`]), turf handed to organizers with its canvass ([`turf`]).
//! - [`interchange`]: import from CSV and vCard, export to CSV, vCard and iCalendar.
//!
//! ```
//! # fn main() -> Result<(), groundwork_core::Error> {
//! use groundwork_core::{Repo, StoreKey, model::NewContact};
//! let dir = tempfile::tempdir().expect("temp dir");
//! let repo = Repo::open(dir.path().join("store.db"), &StoreKey::random())?;
//! let group = repo.create_group("Maple St. Tenants")?;
//! let ana = group.create_contact(&NewContact::named("Ana Ruiz"))?;
//! assert_eq!(group.contact(ana.id)?.name, "Ana Ruiz");
//! # Ok(()) }
//! ```

// Without the store (the fuzz build) much of what the store uses goes unused; that build only
// needs the parsers and readers to compile.
#![cfg_attr(
    not(feature = "store"),
    allow(dead_code, unused_imports, unreachable_pub)
)]

#[cfg(feature = "store")]
pub mod agenda;
#[cfg(feature = "store")]
mod authority;
#[cfg(feature = "store")]
pub mod backup;
#[cfg(feature = "store")]
mod batch;
#[cfg(feature = "store")]
pub mod benchmarks;
#[cfg(feature = "store")]
pub mod chart;
#[cfg(feature = "store")]
mod coverage;
mod doc;
pub mod error;
#[cfg(feature = "store")]
pub mod events;
#[cfg(feature = "store")]
mod group;
#[cfg(feature = "store")]
pub mod history;
pub mod ids;
pub mod interchange;
#[cfg(feature = "store")]
mod membership;
pub mod model;
#[cfg(feature = "store")]
pub mod node;
#[cfg(feature = "store")]
pub mod onboarding;
#[cfg(feature = "store")]
pub mod query;
#[cfg(feature = "store")]
mod repo;
#[cfg(feature = "store")]
pub mod sample;
#[cfg(feature = "store")]
mod store;
#[cfg(feature = "store")]
pub mod sync;
#[cfg(feature = "store")]
pub mod turf;
#[doc(hidden)]
pub mod untrusted;

#[cfg(feature = "store")]
pub use backup::{BackupError, BackupSummary, restore_backup};
#[cfg(feature = "store")]
pub use batch::{Batch, ImportOutcome, MAX_CHANGE_BYTES, MAX_IMPORT_BYTES, MAX_IMPORT_CHANGES};
pub use error::{DocumentError, Error, Problem, Result, StoreError, ValidationError};
/// The wire formats and membership rules (re-exported for callers of the membership API).
pub use groundwork_proto as proto;
#[cfg(feature = "store")]
pub use group::{DocumentVersion, Group, PeerDiff};
#[cfg(feature = "store")]
pub use repo::{Repo, StoreStats};
#[cfg(feature = "store")]
pub use store::StoreKey;

#[cfg(test)]
#[cfg(feature = "store")]
mod tests;
