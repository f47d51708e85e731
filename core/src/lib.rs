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
//!   structure tests ([`chart`]).
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

pub mod agenda;
mod authority;
mod batch;
pub mod benchmarks;
pub mod chart;
mod coverage;
mod doc;
pub mod error;
pub mod events;
mod group;
pub mod history;
pub mod ids;
pub mod interchange;
mod membership;
pub mod model;
pub mod node;
pub mod onboarding;
pub mod query;
mod repo;
pub mod sample;
mod store;
pub mod sync;

pub use batch::{Batch, ImportOutcome, MAX_CHANGE_BYTES, MAX_IMPORT_BYTES, MAX_IMPORT_CHANGES};
pub use error::{DocumentError, Error, Problem, Result, StoreError, ValidationError};
/// The wire formats and membership rules (re-exported for callers of the membership API).
pub use groundwork_proto as proto;
pub use group::{DocumentVersion, Group, PeerDiff};
pub use repo::{Repo, StoreStats};
pub use store::StoreKey;

#[cfg(test)]
mod tests;
