//! The rotating ids meeting mode announces, and the table that maps them back to devices.
//!
//! A device announces, per group, `token = keyed-BLAKE3(meeting key, device id ‖ epoch)` cut to
//! 10 bytes (16 base32 characters), where the epoch is the Unix time in 10-minute steps. The
//! meeting key is derived from the group's founding membership operation *including its
//! signature*: every member holds those bytes (they arrive with the membership log, which only
//! members receive), while an invite ticket, a sync handshake or an old QR code shows only the
//! group id. The group id is a hash of the operation's body alone, and that body (founder key,
//! creation time, name) could be guessed and checked against the id; the founder's 64-byte
//! signature cannot. A stranger therefore sees ids that change every ten minutes and differ per
//! group, and cannot tell whether two ids belong to the same device.

use std::collections::HashMap;
use std::time::{SystemTime, UNIX_EPOCH};

use data_encoding::BASE32_NOPAD;
use groundwork_proto::membership::DeviceId;
use zeroize::Zeroize;

use crate::ids::GroupId;

/// How long one token is announced.
pub const EPOCH_SECS: u64 = 10 * 60;
/// Bytes of the keyed hash kept in a token: 80 bits, so unrelated tokens never collide in
/// practice, and the text form fits in one short DNS label.
const TOKEN_BYTES: usize = 10;
/// Characters in a token's text form (base32 of [`TOKEN_BYTES`], no padding).
pub const TOKEN_CHARS: usize = 16;
/// BLAKE3 `derive_key` context: changing the token scheme means changing this string.
const KEY_CONTEXT: &str = "groundwork 2026 meeting-mode key v1";
/// The most (group, device, epoch) entries a table holds; members past it are not recognised.
pub(crate) const MAX_TABLE_ENTRIES: usize = 20_000;

/// The epoch of a moment: Unix seconds in steps of [`EPOCH_SECS`].
pub fn epoch_at(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs() / EPOCH_SECS
}

/// A group's meeting key: what members share and strangers lack.
#[derive(Clone, PartialEq, Eq)]
pub struct MeetingKey([u8; 32]);

impl MeetingKey {
    /// The key from the group's founding operation as stored (body and signature).
    pub fn derive(genesis_op: &[u8]) -> Self {
        MeetingKey(blake3::derive_key(KEY_CONTEXT, genesis_op))
    }

    /// The token `device` announces for this group during `epoch`.
    pub fn token(&self, device: &DeviceId, epoch: u64) -> String {
        let mut h = blake3::Hasher::new_keyed(&self.0);
        h.update(b"token");
        h.update(&device.0);
        h.update(&epoch.to_le_bytes());
        let hash = h.finalize();
        // Lower case: DNS names compare without case, and some stacks lower-case them.
        BASE32_NOPAD
            .encode(&hash.as_bytes()[..TOKEN_BYTES])
            .to_ascii_lowercase()
    }
}

impl std::fmt::Debug for MeetingKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MeetingKey(..)")
    }
}

impl Drop for MeetingKey {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

/// Tokens of the member devices of this device's groups, for a few epochs, mapped to who
/// announces them. Anything not in it is ignored.
#[derive(Debug, Default)]
pub(crate) struct TokenTable {
    map: HashMap<String, (GroupId, DeviceId)>,
}

impl TokenTable {
    /// Adds `devices` of `group` for each epoch in `epochs`; stops at [`MAX_TABLE_ENTRIES`].
    pub(crate) fn add(
        &mut self,
        group: GroupId,
        key: &MeetingKey,
        devices: &[DeviceId],
        epochs: impl IntoIterator<Item = u64> + Clone,
    ) {
        for device in devices {
            for epoch in epochs.clone() {
                if self.map.len() >= MAX_TABLE_ENTRIES {
                    tracing::warn!(
                        "meeting mode: too many member devices; some are not recognised"
                    );
                    return;
                }
                self.map.insert(key.token(device, epoch), (group, *device));
            }
        }
    }

    /// Who announces `token`, if it is a member device's.
    pub(crate) fn lookup(&self, token: &str) -> Option<(GroupId, DeviceId)> {
        if token.len() != TOKEN_CHARS {
            return None;
        }
        self.map.get(&token.to_ascii_lowercase()).copied()
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.map.len()
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::Repo;
    use groundwork_proto::membership::{Grant, Role};

    /// A group of two devices, each with its own store; and a stranger's store.
    fn two_members() -> (crate::Group, crate::Group, Repo) {
        let ra = Repo::open_in_memory().expect("store");
        let rb = Repo::open_in_memory().expect("store");
        let a = ra.create_group("Maple Court Tenants").expect("group");
        a.add_device(rb.device(), "b", Role::Member, Grant::everything())
            .expect("admit");
        let b = rb
            .join_group(&a.membership_ops().expect("ops"))
            .expect("join");
        (a, b, Repo::open_in_memory().expect("store"))
    }

    fn key(g: &crate::Group) -> MeetingKey {
        MeetingKey::derive(&g.genesis_op().expect("genesis"))
    }

    #[test]
    fn tokens_rotate_per_epoch_and_differ_per_device_and_group() {
        let k = MeetingKey::derive(b"founding operation");
        let d = DeviceId([7; 32]);
        let t = k.token(&d, 100);
        assert_eq!(t.len(), TOKEN_CHARS);
        assert!(
            t.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        );
        assert_eq!(t, k.token(&d, 100), "stable within an epoch");
        assert_ne!(t, k.token(&d, 101), "rotates with the epoch");
        assert_ne!(t, k.token(&DeviceId([8; 32]), 100), "per device");
        let other = MeetingKey::derive(b"another group's founding operation");
        assert_ne!(t, other.token(&d, 100), "per group");
        let e = epoch_at(UNIX_EPOCH + Duration::from_secs(EPOCH_SECS * 5 + 1));
        assert_eq!(e, 5);
        assert_eq!(
            epoch_at(UNIX_EPOCH + Duration::from_secs(EPOCH_SECS * 6)),
            6
        );
    }

    #[test]
    fn members_map_each_others_tokens_for_this_and_the_previous_epoch() {
        let (a, b, _) = two_members();
        let (ka, kb) = (key(&a), key(&b));
        assert_eq!(ka, kb, "both members derive the same key");
        let (da, db) = (a.repo.device(), b.repo.device());
        let now = 1_000;
        let mut at_b = TokenTable::default();
        at_b.add(a.id(), &kb, &[da], [now - 1, now, now + 1]);
        let mut at_a = TokenTable::default();
        at_a.add(b.id(), &ka, &[db], [now - 1, now, now + 1]);
        assert_eq!(at_b.lookup(&ka.token(&da, now)), Some((a.id(), da)));
        assert_eq!(at_a.lookup(&kb.token(&db, now)), Some((a.id(), db)));
        // A token from the epoch before (a peer's clock behind, or an old cached record).
        assert_eq!(at_b.lookup(&ka.token(&da, now - 1)), Some((a.id(), da)));
        // Upper case (DNS is case-insensitive) still maps; a stale or odd token does not.
        assert_eq!(
            at_b.lookup(&ka.token(&da, now).to_ascii_uppercase()),
            Some((a.id(), da))
        );
        assert_eq!(at_b.lookup(&ka.token(&da, now - 2)), None);
        assert_eq!(at_b.lookup("short"), None);
    }

    #[test]
    fn a_non_member_cannot_map_members_tokens() {
        let (a, _, stranger) = two_members();
        let da = a.repo.device();
        let token = key(&a).token(&da, 42);
        // What a stranger may know: the group id (from a ticket), or the id plus the founding
        // operation's hash.
        let from_id = MeetingKey::derive(a.id().as_bytes());
        assert_ne!(from_id.token(&da, 42), token);
        // A stranger's own group, even with the same name, has another key.
        let own = stranger.create_group("Maple Court Tenants").expect("group");
        let mut table = TokenTable::default();
        table.add(own.id(), &key(&own), &[da], [41, 42, 43]);
        assert_eq!(table.lookup(&token), None);
        assert_ne!(key(&own), key(&a));
    }

    #[test]
    fn the_table_is_bounded() {
        let k = MeetingKey::derive(b"g");
        let devices: Vec<DeviceId> = (0..10_000u16)
            .map(|i| {
                let mut d = [0u8; 32];
                d[..2].copy_from_slice(&i.to_le_bytes());
                DeviceId(d)
            })
            .collect();
        let mut table = TokenTable::default();
        table.add(
            GroupId::from_slice(&[1; 16]).expect("id"),
            &k,
            &devices,
            [1, 2, 3],
        );
        assert_eq!(table.len(), MAX_TABLE_ENTRIES);
    }
}
