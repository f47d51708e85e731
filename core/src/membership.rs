//! The group's membership on this device: the signed log (see `groundwork_proto::membership`)
//! kept in the store, and the admin operations this device can sign.

use std::collections::HashMap;

use groundwork_proto::membership::{
    Action, DeviceId, Grant, MAX_LOG_OPS, MembershipLog, MembershipState, Op, OpHash, Role,
    SignedOp, VerifiedOp,
};
use rusqlite::{OptionalExtension, params};

use crate::error::{Error, Problem, Result, StoreError, ValidationError};
use crate::group::Group;
use crate::ids::GroupId;
use crate::store::Store;

/// Membership logs loaded so far, by group.
#[derive(Default)]
pub(crate) struct Logs(HashMap<GroupId, MembershipLog>);

impl Logs {
    /// The group's log, loaded from the store on first use.
    pub(crate) fn get<'a>(
        &'a mut self,
        store: &Store,
        group: &GroupId,
    ) -> Result<&'a mut MembershipLog> {
        if !self.0.contains_key(group) {
            let log = load(store, group)?;
            self.0.insert(*group, log);
        }
        self.0
            .get_mut(group)
            .ok_or_else(|| Error::NoSuchGroup(group.to_string()))
    }

    pub(crate) fn insert(&mut self, group: GroupId, log: MembershipLog) {
        self.0.insert(group, log);
    }

    pub(crate) fn forget(&mut self, group: &GroupId) {
        self.0.remove(group);
    }
}

fn load(store: &Store, group: &GroupId) -> Result<MembershipLog> {
    let mut stmt = store
        .conn
        .prepare_cached("SELECT bytes FROM membership_ops WHERE group_id = ?1")?;
    let rows = stmt.query_map([group.as_bytes()], |r| r.get::<_, Vec<u8>>(0))?;
    let mut ops = Vec::new();
    for row in rows {
        let op = SignedOp::decode_verified(&row?)
            .map_err(|e| StoreError::Corrupt(format!("membership log: {e}")))?;
        ops.push(op);
    }
    build(ops).map_err(|e| match e {
        Error::Invalid(v) => Error::Store(StoreError::Corrupt(format!("membership log: {v}"))),
        other => other,
    })
}

/// A log from operations in any order; one of them must be the group's `Create`.
pub(crate) fn build(ops: Vec<VerifiedOp>) -> Result<MembershipLog> {
    let (genesis, rest): (Vec<_>, Vec<_>) = ops
        .into_iter()
        .partition(|o| matches!(o.op().action, Action::Create { .. }));
    let [genesis] = <[VerifiedOp; 1]>::try_from(genesis).map_err(|_| {
        ValidationError::bad_format("membership", "exactly one Create operation is needed")
    })?;
    let mut log = MembershipLog::from_genesis(genesis)
        .map_err(|e| ValidationError::bad_format("membership", e.to_string()))?;
    log.insert_all(rest)
        .map_err(|e| ValidationError::bad_format("membership", e.to_string()))?;
    Ok(log)
}

/// Decodes operations from a peer or an invite: bounded in number, each verified.
pub(crate) fn decode_all(ops: &[Vec<u8>]) -> Result<Vec<VerifiedOp>> {
    if ops.len() > MAX_LOG_OPS {
        return Err(
            ValidationError::new("membership", Problem::TooMany { max: MAX_LOG_OPS }).into(),
        );
    }
    ops.iter()
        .map(|b| {
            SignedOp::decode_verified(b).map_err(|e| {
                ValidationError::bad_format("membership operation", e.to_string()).into()
            })
        })
        .collect()
}

/// Stores operations (those already there are skipped).
pub(crate) fn store_ops<'a>(
    conn: &rusqlite::Connection,
    group: &GroupId,
    ops: impl IntoIterator<Item = &'a VerifiedOp>,
) -> Result<()> {
    let mut stmt = conn.prepare_cached(
        "INSERT OR IGNORE INTO membership_ops (group_id, hash, bytes) VALUES (?1, ?2, ?3)",
    )?;
    for op in ops {
        stmt.execute(params![group.as_bytes(), op.hash().0, op.to_bytes()])?;
    }
    Ok(())
}

impl Group {
    /// Who is in the group, with roles and grants.
    pub fn members(&self) -> Result<MembershipState> {
        let mut state = self.repo.lock();
        let state = &mut *state;
        Ok(state.logs.get(&state.store, &self.id)?.state().clone())
    }

    /// This device's role in the group, if it is a member.
    pub fn my_role(&self) -> Result<Option<Role>> {
        let me = self.repo.device();
        Ok(self.members()?.members.get(&me).map(|m| m.role))
    }

    /// Admits a device (an admin's act).
    pub fn add_device(&self, device: DeviceId, name: &str, role: Role, grant: Grant) -> Result<()> {
        let name = crate::model::validate::required("device name", name)?;
        self.append(Action::Add {
            device,
            name,
            role,
            grant,
        })
    }

    /// Changes what a member may see and write (an admin's act).
    pub fn set_grant(&self, device: DeviceId, grant: Grant) -> Result<()> {
        self.append(Action::SetGrant { device, grant })
    }

    /// Makes a member an admin or a plain member (an admin's act).
    pub fn set_role(&self, device: DeviceId, role: Role) -> Result<()> {
        self.append(Action::SetRole { device, role })
    }

    /// Removes a device: from now on it gets no data from any member who knows (an admin's act).
    pub fn remove_device(&self, device: DeviceId) -> Result<()> {
        self.append(Action::Remove { device })
    }

    fn append(&self, action: Action) -> Result<()> {
        let key = self.repo.device_key().clone();
        let me = self.repo.device();
        let mut state = self.repo.lock();
        let state = &mut *state;
        let log = state.logs.get(&state.store, &self.id)?;
        if !log.state().is_admin(&me) {
            return Err(Error::Permission(
                "only an admin of the group can change its membership".into(),
            ));
        }
        if let Action::Add { device, .. }
        | Action::SetRole { device, .. }
        | Action::SetGrant { device, .. }
        | Action::Remove { device } = &action
        {
            let known = log.state().is_member(device);
            if !known && !matches!(action, Action::Add { .. }) {
                return Err(Error::NotFound {
                    kind: "member",
                    id: device.to_string(),
                });
            }
        }
        let op = Op::new(
            log.group_id(),
            log.heads(),
            &key.public(),
            chrono::Utc::now().timestamp_millis(),
            action,
        )
        .sign(&key)
        .map_err(|e| Error::Permission(e.to_string()))?;
        let mut next = log.clone();
        next.insert(op.clone())
            .map_err(|e| ValidationError::bad_format("membership", e.to_string()))?;
        store_ops(&state.store.conn, &self.id, [&op])?;
        *log = next;
        Ok(())
    }

    /// The heads of this device's copy of the membership log.
    pub fn membership_heads(&self) -> Result<Vec<OpHash>> {
        let mut state = self.repo.lock();
        let state = &mut *state;
        Ok(state.logs.get(&state.store, &self.id)?.heads())
    }

    /// The group's founding operation as stored: its body and the founder's signature. Only
    /// members receive it (the group id is only a hash of the body), so meeting mode derives its
    /// key from it.
    pub(crate) fn genesis_op(&self) -> Result<Vec<u8>> {
        let mut state = self.repo.lock();
        let state = &mut *state;
        let log = state.logs.get(&state.store, &self.id)?;
        log.ops()
            .find(|o| matches!(o.op().action, Action::Create { .. }))
            .map(VerifiedOp::to_bytes)
            .ok_or_else(|| {
                StoreError::Corrupt("membership log without its Create operation".into()).into()
            })
    }

    /// Remembers where a member's device was reached (for the next `sync`).
    pub fn remember_peer(&self, device: DeviceId, addrs: &[std::net::SocketAddr]) -> Result<()> {
        if addrs.is_empty() {
            return Ok(());
        }
        let list = addrs
            .iter()
            .take(16)
            .map(|a| a.to_string())
            .collect::<Vec<_>>()
            .join(",");
        let state = self.repo.lock();
        state.store.conn.execute(
            "INSERT INTO peer_addrs (group_id, device, addrs, seen_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (group_id, device) DO UPDATE SET addrs = ?3, seen_at = ?4",
            params![
                self.id.as_bytes(),
                device.0,
                list,
                chrono::Utc::now().timestamp_millis()
            ],
        )?;
        Ok(())
    }

    /// The current members' devices (not this one) with where they were last reached.
    pub fn known_peers(&self) -> Result<Vec<(DeviceId, Vec<std::net::SocketAddr>)>> {
        let members = self.members()?;
        let me = self.repo.device();
        let state = self.repo.lock();
        let mut stmt = state.store.conn.prepare_cached(
            "SELECT device, addrs FROM peer_addrs WHERE group_id = ?1 ORDER BY seen_at DESC",
        )?;
        let rows = stmt.query_map([self.id.as_bytes()], |r| {
            Ok((r.get::<_, Vec<u8>>(0)?, r.get::<_, String>(1)?))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (device, addrs) = row?;
            let Ok(device) = <[u8; 32]>::try_from(device.as_slice()).map(DeviceId) else {
                continue;
            };
            if device == me || !members.is_member(&device) {
                continue;
            }
            out.push((
                device,
                addrs.split(',').filter_map(|a| a.parse().ok()).collect(),
            ));
        }
        Ok(out)
    }

    /// Whether this device's log holds every one of these operations.
    pub fn membership_knows(&self, heads: &[OpHash]) -> Result<bool> {
        let mut state = self.repo.lock();
        let state = &mut *state;
        let log = state.logs.get(&state.store, &self.id)?;
        Ok(heads.iter().all(|h| log.contains(h)))
    }

    /// Every membership operation, encoded, in an order a fresh device can insert: what an invite
    /// hands over and what a new member presents as its admission.
    pub fn membership_ops(&self) -> Result<Vec<Vec<u8>>> {
        self.membership_ops_missing_for(&[])
    }

    /// The membership operations a peer whose log has `their_heads` lacks.
    pub fn membership_ops_missing_for(&self, their_heads: &[OpHash]) -> Result<Vec<Vec<u8>>> {
        let mut state = self.repo.lock();
        let state = &mut *state;
        let log = state.logs.get(&state.store, &self.id)?;
        Ok(log
            .missing_for(their_heads)
            .into_iter()
            .map(VerifiedOp::to_bytes)
            .collect())
    }

    /// Adds membership operations received from a peer. Returns how many were new.
    pub fn apply_membership_ops(&self, ops: &[Vec<u8>]) -> Result<usize> {
        let ops = decode_all(ops)?;
        let me = self.repo.device();
        let grant_changed;
        let removed_here;
        let new_len;
        {
            let mut state = self.repo.lock();
            let state = &mut *state;
            let log = state.logs.get(&state.store, &self.id)?;
            let mut next = log.clone();
            let new: Vec<VerifiedOp> = ops
                .into_iter()
                .filter(|o| !next.contains(&o.hash()))
                .collect();
            if new.is_empty() {
                return Ok(0);
            }
            next.insert_all(new.clone())
                .map_err(|e| ValidationError::bad_format("membership", e.to_string()))?;
            store_ops(&state.store.conn, &self.id, &new)?;
            grant_changed = log.state().grant(&me) != next.state().grant(&me)
                || log.state().is_admin(&me) != next.state().is_admin(&me);
            removed_here = log.state().is_member(&me) && next.state().removed.contains(&me);
            *log = next;
            new_len = new.len();
        }
        if removed_here {
            // An admin removed this device: its copy of the group goes, not only the records
            // outside a grant (the operations that prove it were just checked and stored).
            tracing::info!(group = %self.id, "this device was removed from the group; deleting it here");
            self.repo.forget_group(self.id)?;
        } else if grant_changed {
            self.drop_records_outside_grant()?;
        }
        Ok(new_len)
    }

    /// Whether this device still holds the group (it stops when the device learns it was
    /// removed).
    pub fn is_held(&self) -> Result<bool> {
        let state = self.repo.lock();
        Ok(state
            .store
            .conn
            .query_row(
                "SELECT 1 FROM groups WHERE group_id = ?1",
                [self.id.as_bytes()],
                |_| Ok(()),
            )
            .optional()?
            .is_some())
    }

    /// Removes from this device the records its grant no longer covers (not an erasure: they
    /// stay with the members who may see them, and return if the grant grows again).
    pub fn drop_records_outside_grant(&self) -> Result<usize> {
        let me = self.repo.device();
        let visible = crate::sync::visible_to(self, &me)?;
        let mut state = self.repo.lock();
        let state = &mut *state;
        let mut outside = Vec::new();
        {
            let mut stmt = state
                .store
                .conn
                .prepare("SELECT doc_id, kind FROM docs WHERE group_id = ?1")?;
            let rows = stmt.query_map([self.id.as_bytes()], |r| {
                Ok((r.get::<_, Vec<u8>>(0)?, r.get::<_, i64>(1)?))
            })?;
            for row in rows {
                let (doc, kind) = row?;
                let Ok(arr) = <[u8; 16]>::try_from(doc.as_slice()) else {
                    continue;
                };
                if let (false, Some(kind)) = (
                    visible.contains_key(&arr),
                    crate::doc::DocKind::from_code(kind),
                ) {
                    outside.push((crate::ids::DocId::from_slice(&doc)?, kind));
                }
            }
        }
        if outside.is_empty() {
            return Ok(0);
        }
        let tx = state.store.conn.transaction()?;
        let w = crate::store::Writer { tx, group: self.id };
        for (doc, kind) in &outside {
            w.purge_doc(doc, *kind)?;
        }
        w.tx.commit()?;
        for (doc, _) in &outside {
            state.cache.evict(&(self.id, *doc));
        }
        Ok(outside.len())
    }
}
