//! Turf: a list of contacts handed to an organizer for canvassing, with the canvass's progress.
//!
//! An admin cuts a turf ("Building 3, floors 1–4") from a unit, a tag or any [`RecordQuery`]
//! counting contacts, for an organizer and the organizer's devices. Cutting it is one admin
//! action that does two things:
//!
//! - it records the turf — in the group's settings (name, organizer, devices, size, when and by
//!   whom; no contact ids, so a member's device never learns who is in someone else's turf) and
//!   on each of its contacts (the contact names the turf, and the devices that held the contact
//!   already), in one transaction;
//! - it extends each device's grant with the turf's contacts (a signed membership operation per
//!   device), so an organizer's phone needs no more than its turf.
//!
//! Taking the turf back marks it returned and shrinks the grants again: a contact leaves a
//! device's grant unless the device held it before the turf was cut (granted by hand, or by its
//! unit) or another turf still out on that device holds it. The device drops what its grant no
//! longer covers when the membership change reaches it (see `Group::apply_membership_ops`).
//!
//! Progress is per contact, since the hand-out: "conversation held" once a one-on-one is on
//! record (the point of the canvass: it outranks any knock), else the latest door knock (not
//! home, refused, contacted), else "to knock". Lists and counts come from the index; a device
//! that holds fewer of the turf's contacts than it has (a partial grant, or sync still under
//! way) marks its counts partial.

use std::collections::{BTreeMap, BTreeSet};

use groundwork_proto::membership::{DeviceId, MAX_GRANT_ITEMS, Role};
use rusqlite::params;

use crate::error::{Error, Problem, Result, ValidationError};
use crate::events::RecordKind;
use crate::group::Group;
use crate::ids::{ContactId, EntryId, TurfId, UnitId};
use crate::model::validate;
use crate::model::{KnockOutcome, NewKnock, NewTurf, Timestamp, Turf};
use crate::query::QueryWatch;

/// The most devices one turf is handed to (an organizer's phone, tablet, laptop).
pub const MAX_TURF_DEVICES: usize = 8;

/// Where a contact of a turf stands in the canvass.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CanvassStatus {
    /// Nobody has knocked since the turf was handed out.
    ToKnock,
    NotHome,
    Refused,
    Contacted,
    /// A one-on-one was recorded: the canvass reached them.
    ConversationHeld,
    /// A knock outcome from a newer Groundwork.
    Other(String),
}

impl CanvassStatus {
    fn from_knock(outcome: Option<&str>) -> Self {
        match outcome.map(KnockOutcome::parse) {
            None => CanvassStatus::ToKnock,
            Some(KnockOutcome::NotHome) => CanvassStatus::NotHome,
            Some(KnockOutcome::Refused) => CanvassStatus::Refused,
            Some(KnockOutcome::Contacted) => CanvassStatus::Contacted,
            Some(KnockOutcome::Other(s)) => CanvassStatus::Other(s),
        }
    }

    /// As organizers say it.
    pub fn label(&self) -> &str {
        match self {
            CanvassStatus::ToKnock => "to knock",
            CanvassStatus::NotHome => "not home",
            CanvassStatus::Refused => "refused",
            CanvassStatus::Contacted => "contacted",
            CanvassStatus::ConversationHeld => "conversation held",
            CanvassStatus::Other(s) => s,
        }
    }
}

/// One door on a walk list.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct WalkStop {
    pub contact: ContactId,
    pub name: String,
    pub unit: Option<UnitId>,
    pub unit_name: Option<String>,
    /// The first address, lowercased (what the list is ordered by within a unit).
    pub address: String,
    pub status: CanvassStatus,
    /// The latest knock since the hand-out.
    pub last_knock_at: Option<Timestamp>,
}

/// A turf with its canvass counts.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TurfProgress {
    pub turf: Turf,
    /// How many of its contacts this device holds.
    pub held: u64,
    pub to_knock: u64,
    pub not_home: u64,
    pub refused: u64,
    pub contacted: u64,
    pub conversations: u64,
    /// Knocks with an outcome from a newer Groundwork.
    pub other: u64,
    /// This device holds fewer of the turf's contacts than it has: the counts may be low.
    pub partial: bool,
}

impl TurfProgress {
    /// Doors knocked or talked to: everything but "to knock".
    pub fn reached(&self) -> u64 {
        self.held - self.to_knock
    }
}

impl Group {
    // --- handing out and taking back ---------------------------------------------------------

    /// Cuts a turf and hands it to an organizer's devices (an admin's act): records it, and
    /// extends each device's grant with its contacts. People marked do-not-contact are left out.
    /// A turf of more than [`MAX_GRANT_ITEMS`] contacts, or one that would take a device's
    /// grant past that bound, is refused before anything is written.
    pub fn cut_turf(&self, new: &NewTurf) -> Result<Turf> {
        let me = self.repo.device();
        let members = self.members()?;
        if !members.is_admin(&me) {
            return Err(Error::Permission(
                "only an admin can hand out turf: it changes what devices may see".into(),
            ));
        }
        let name = validate::required("turf name", &new.name)?;
        let organizer = validate::required("organizer", &new.organizer)?;
        let devices: Vec<DeviceId> = {
            let mut seen = BTreeSet::new();
            new.devices
                .iter()
                .copied()
                .filter(|d| seen.insert(*d))
                .collect()
        };
        if devices.is_empty() {
            return Err(ValidationError::new("devices", Problem::Empty).into());
        }
        validate::list_len("devices", devices.len(), MAX_TURF_DEVICES)?;
        for d in &devices {
            if !members.is_member(d) {
                return Err(Error::NotFound {
                    kind: "member",
                    id: d.to_string(),
                });
            }
        }
        new.selection.validate()?;
        let contacts = self.record_contact_ids(&new.selection, MAX_GRANT_ITEMS + 1)?;
        if contacts.len() > MAX_GRANT_ITEMS {
            return Err(ValidationError::out_of_range(
                "turf",
                format!(
                    "more than {MAX_GRANT_ITEMS} contacts match, and a device's grant holds at most \
                     {MAX_GRANT_ITEMS}: cut it smaller (a floor, a shift)"
                ),
            )
            .into());
        }
        if contacts.is_empty() {
            return Err(ValidationError::out_of_range(
                "turf",
                "no contact matches (people marked do-not-contact are left out)",
            )
            .into());
        }

        // Each device's grant with the turf's contacts added, and which it held already.
        let mut grants = Vec::new();
        let mut held_before: BTreeMap<ContactId, Vec<DeviceId>> = BTreeMap::new();
        for d in &devices {
            let Some(m) = members.members.get(d) else {
                continue;
            };
            if m.role == Role::Admin || m.grant.everything {
                continue;
            }
            let (live, live_held) = self.live_turf_contacts(d)?;
            let mut grant = m.grant.clone();
            for c in &contacts {
                if !grant.contacts.insert(*c.as_bytes()) {
                    // Named already: by hand (keep it when this turf returns) or by a live turf
                    // (which decides for itself when it returns).
                    if !live.contains(c) || live_held.contains(c) {
                        held_before.entry(*c).or_default().push(*d);
                    }
                }
            }
            let items = grant.units.len() + grant.contacts.len();
            if items > MAX_GRANT_ITEMS {
                return Err(ValidationError::out_of_range(
                    "turf",
                    format!(
                        "{}'s grant would hold {items} units and contacts, more than \
                         {MAX_GRANT_ITEMS}: take back a turf first",
                        if m.name.is_empty() {
                            "a device"
                        } else {
                            m.name.as_str()
                        }
                    ),
                )
                .into());
            }
            if grant != m.grant {
                grants.push((*d, grant));
            }
        }

        let turf = Turf {
            id: TurfId::random(),
            name,
            organizer,
            devices,
            size: contacts.len() as u64,
            // Stored to the millisecond: the turf read back must equal the one returned here.
            handed_out_at: chrono::SubsecRound::trunc_subsecs(chrono::Utc::now(), 3),
            handed_out_by: me,
            returned_at: None,
        };
        // The turf first, then the grants: interrupted in between, the turf shows as partial on
        // the organizer's device, and taking it back still settles the grants.
        self.batch(|b| {
            b.add_turf(&turf)?;
            for c in &contacts {
                let held = held_before.get(c).map_or(&[][..], Vec::as_slice);
                b.put_in_turf(*c, turf.id, held)?;
            }
            Ok(())
        })?;
        for (d, grant) in grants {
            self.set_grant(d, grant)?;
        }
        Ok(turf)
    }

    /// Takes a turf back (an admin's act): marks it returned and removes its contacts from its
    /// devices' grants, except those a device held before the turf was cut or holds through
    /// another turf still out. Taking back a returned turf settles the grants again (after an
    /// interruption) and changes nothing else.
    pub fn return_turf(&self, id: TurfId) -> Result<Turf> {
        let me = self.repo.device();
        if !self.members()?.is_admin(&me) {
            return Err(Error::Permission(
                "only an admin can take back turf: it changes what devices may see".into(),
            ));
        }
        let turf = self.turf(id)?;
        if turf.is_out() {
            let now = chrono::SubsecRound::trunc_subsecs(chrono::Utc::now(), 3);
            self.batch(|b| b.mark_turf_returned(id, now))?;
        }
        let members = self.members()?;
        let contacts = self.turf_contact_ids(id)?;
        for d in &turf.devices {
            let Some(m) = members.members.get(d) else {
                continue;
            };
            if m.role == Role::Admin || m.grant.everything {
                continue;
            }
            let (live, _) = self.live_turf_contacts(d)?;
            let held = self.held_before(id, d)?;
            let mut grant = m.grant.clone();
            for c in &contacts {
                if !held.contains(c) && !live.contains(c) {
                    grant.contacts.remove(c.as_bytes());
                }
            }
            if grant != m.grant {
                self.set_grant(*d, grant)?;
            }
        }
        self.turf(id)
    }

    // --- canvassing --------------------------------------------------------------------------

    /// Records a door knock on a contact.
    pub fn record_knock(&self, contact: ContactId, knock: &NewKnock) -> Result<EntryId> {
        self.batch(|b| b.record_knock(contact, knock))
    }

    // --- reading (index only: no document is loaded) -----------------------------------------

    /// One turf as the settings record it.
    pub fn turf(&self, id: TurfId) -> Result<Turf> {
        self.turf_rows(Some(id))?
            .pop()
            .ok_or_else(|| Error::NotFound {
                kind: "turf",
                id: id.to_string(),
            })
    }

    /// Every turf (out and returned, oldest first) with its canvass counts.
    pub fn turfs(&self) -> Result<Vec<TurfProgress>> {
        let everything = self.holds_everything()?;
        self.turf_rows(None)?
            .into_iter()
            .map(|t| self.progress_of(t, everything))
            .collect()
    }

    /// One turf with its canvass counts.
    pub fn turf_progress(&self, id: TurfId) -> Result<TurfProgress> {
        let everything = self.holds_everything()?;
        self.progress_of(self.turf(id)?, everything)
    }

    /// The turf's contacts this device holds, in walking order (by unit, then address, then
    /// name), each with where it stands.
    pub fn walk_list(&self, id: TurfId) -> Result<Vec<WalkStop>> {
        let turf = self.turf(id)?;
        self.walk_stops(&turf)
    }

    /// Watches every turf's counts: yields them now, then again whenever a contact, the
    /// settings or the terrain change, here or by sync.
    pub fn watch_turfs(&self) -> QueryWatch<Vec<TurfProgress>> {
        self.watch(
            vec![
                RecordKind::Contact,
                RecordKind::Settings,
                RecordKind::Terrain,
            ],
            |g| g.turfs(),
        )
    }

    fn progress_of(&self, turf: Turf, everything: bool) -> Result<TurfProgress> {
        let stops = self.walk_stops(&turf)?;
        let count = |s: CanvassStatus| stops.iter().filter(|w| w.status == s).count() as u64;
        let held = stops.len() as u64;
        Ok(TurfProgress {
            held,
            to_knock: count(CanvassStatus::ToKnock),
            not_home: count(CanvassStatus::NotHome),
            refused: count(CanvassStatus::Refused),
            contacted: count(CanvassStatus::Contacted),
            conversations: count(CanvassStatus::ConversationHeld),
            other: stops
                .iter()
                .filter(|w| matches!(w.status, CanvassStatus::Other(_)))
                .count() as u64,
            partial: !everything && held < turf.size,
            turf,
        })
    }

    fn walk_stops(&self, turf: &Turf) -> Result<Vec<WalkStop>> {
        // What happened between the hand-out and the return counts for this turf.
        let from = turf.handed_out_at.timestamp_millis();
        let until = turf.returned_at.map_or(i64::MAX, |t| t.timestamp_millis());
        let state = self.repo.lock();
        let mut stmt = state.store.conn.prepare_cached(
            "SELECT tc.contact_id, c.name, c.unit, u.name, tc.walk_key,
               EXISTS (SELECT 1 FROM conversations_idx v WHERE v.group_id = ?1
                       AND v.contact_id = tc.contact_id AND v.at >= ?3 AND v.at <= ?4),
               (SELECT k.outcome FROM knocks_idx k WHERE k.group_id = ?1 AND k.contact_id = tc.contact_id
                  AND k.at >= ?3 AND k.at <= ?4 ORDER BY k.at DESC, k.knock_id DESC LIMIT 1),
               (SELECT max(k.at) FROM knocks_idx k WHERE k.group_id = ?1 AND k.contact_id = tc.contact_id
                  AND k.at >= ?3 AND k.at <= ?4)
             FROM turf_contacts tc
             JOIN contacts_idx c ON c.group_id = tc.group_id AND c.contact_id = tc.contact_id
             LEFT JOIN units_idx u ON u.group_id = c.group_id AND u.unit_id = c.unit
             WHERE tc.group_id = ?1 AND tc.turf_id = ?2
             ORDER BY u.name IS NULL, u.name, tc.walk_key, c.name_key, tc.contact_id",
        )?;
        let rows = stmt.query_map(
            params![self.id.as_bytes(), turf.id.as_bytes(), from, until],
            |r| {
                Ok((
                    r.get::<_, Vec<u8>>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, Option<Vec<u8>>>(2)?,
                    r.get::<_, Option<String>>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, bool>(5)?,
                    r.get::<_, Option<String>>(6)?,
                    r.get::<_, Option<i64>>(7)?,
                ))
            },
        )?;
        let mut out = Vec::new();
        for row in rows {
            let (contact, name, unit, unit_name, address, talked, knock, knock_at) = row?;
            out.push(WalkStop {
                contact: ContactId::from_slice(&contact)?,
                name,
                unit: unit.and_then(|u| UnitId::from_slice(&u).ok()),
                unit_name,
                address,
                status: if talked {
                    CanvassStatus::ConversationHeld
                } else {
                    CanvassStatus::from_knock(knock.as_deref())
                },
                last_knock_at: knock_at.and_then(chrono::DateTime::from_timestamp_millis),
            });
        }
        Ok(out)
    }

    fn turf_rows(&self, id: Option<TurfId>) -> Result<Vec<Turf>> {
        let state = self.repo.lock();
        let mut stmt = state.store.conn.prepare_cached(
            "SELECT t.turf_id, t.name, t.organizer, t.size, t.handed_out_at, t.handed_out_by, t.returned_at,
               (SELECT group_concat(hex(d.device), ',') FROM turf_devices d
                WHERE d.group_id = t.group_id AND d.turf_id = t.turf_id)
             FROM turfs_idx t WHERE t.group_id = ?1 AND (?2 IS NULL OR t.turf_id = ?2)
             ORDER BY t.handed_out_at, t.turf_id",
        )?;
        let id = id.map(|t| t.as_bytes().to_vec());
        let rows = stmt.query_map(params![self.id.as_bytes(), id], |r| {
            Ok((
                r.get::<_, Vec<u8>>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, i64>(3)?,
                r.get::<_, i64>(4)?,
                r.get::<_, Vec<u8>>(5)?,
                r.get::<_, Option<i64>>(6)?,
                r.get::<_, Option<String>>(7)?,
            ))
        })?;
        let device = |b: &[u8]| <[u8; 32]>::try_from(b).ok().map(DeviceId);
        let mut out = Vec::new();
        for row in rows {
            let (id, name, organizer, size, at, by, returned, devices) = row?;
            let (Some(at), Some(by)) = (chrono::DateTime::from_timestamp_millis(at), device(&by))
            else {
                continue;
            };
            let mut devices: Vec<DeviceId> = devices
                .unwrap_or_default()
                .split(',')
                .filter_map(|h| hex::decode(h).ok())
                .filter_map(|b| device(&b))
                .collect();
            devices.sort();
            out.push(Turf {
                id: TurfId::from_slice(&id)?,
                name,
                organizer,
                devices,
                size: u64::try_from(size).unwrap_or(0),
                handed_out_at: at,
                handed_out_by: by,
                returned_at: returned.and_then(chrono::DateTime::from_timestamp_millis),
            });
        }
        Ok(out)
    }

    /// Contact ids from a query over the turf tables.
    fn contact_ids(&self, sql: &str, args: &[&dyn rusqlite::ToSql]) -> Result<BTreeSet<ContactId>> {
        let state = self.repo.lock();
        let mut stmt = state.store.conn.prepare_cached(sql)?;
        let rows = stmt.query_map(args, |r| r.get::<_, Vec<u8>>(0))?;
        let mut out = BTreeSet::new();
        for row in rows {
            out.insert(ContactId::from_slice(&row?)?);
        }
        Ok(out)
    }

    fn turf_contact_ids(&self, id: TurfId) -> Result<BTreeSet<ContactId>> {
        self.contact_ids(
            "SELECT contact_id FROM turf_contacts WHERE group_id = ?1 AND turf_id = ?2",
            &[&self.id.as_bytes().as_slice(), &id.as_bytes().as_slice()],
        )
    }

    /// The contacts of every turf still out on a device, and those of them it held before.
    fn live_turf_contacts(
        &self,
        device: &DeviceId,
    ) -> Result<(BTreeSet<ContactId>, BTreeSet<ContactId>)> {
        let (group, device) = (self.id.as_bytes().as_slice(), device.0.as_slice());
        let args: [&dyn rusqlite::ToSql; 2] = [&group, &device];
        let live = self.contact_ids(
            "SELECT tc.contact_id FROM turf_devices d
             JOIN turfs_idx t ON t.group_id = d.group_id AND t.turf_id = d.turf_id AND t.returned_at IS NULL
             JOIN turf_contacts tc ON tc.group_id = d.group_id AND tc.turf_id = d.turf_id
             WHERE d.group_id = ?1 AND d.device = ?2",
            &args,
        )?;
        let held = self.contact_ids(
            "SELECT h.contact_id FROM turf_held_before h
             JOIN turfs_idx t ON t.group_id = h.group_id AND t.turf_id = h.turf_id AND t.returned_at IS NULL
             WHERE h.group_id = ?1 AND h.device = ?2",
            &args,
        )?;
        Ok((live, held))
    }

    /// The contacts of a turf that a device held before it was cut.
    fn held_before(&self, id: TurfId, device: &DeviceId) -> Result<BTreeSet<ContactId>> {
        self.contact_ids(
            "SELECT contact_id FROM turf_held_before WHERE group_id = ?1 AND turf_id = ?2 AND device = ?3",
            &[
                &self.id.as_bytes().as_slice(),
                &id.as_bytes().as_slice(),
                &device.0.as_slice(),
            ],
        )
    }
}
