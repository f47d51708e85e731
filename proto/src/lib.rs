//! Groundwork's wire formats and the rules that decide what they mean.
//!
//! Everything here is plain data and pure functions: no sockets, no database, no runtime. What a
//! peer sends is decoded here, bounded and verified before anything else sees it, and the same
//! code runs under the fuzzer.
//!
//! - [`membership`]: the group's signed, hash-linked log of who is a member, with what role and
//!   grant, and the deterministic rule that turns any set of operations into one state.
//! - [`fingerprint`]: a number people read aloud to check they see the same device.

pub mod change_layout;
pub mod fingerprint;
pub mod invite;
pub mod membership;
pub mod signed;
pub mod sync;

pub use iroh_base::{PublicKey, SecretKey};
