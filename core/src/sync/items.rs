//! The (document, version) items a peer may reconcile with us: only documents both may see.
//! Read from the store's tables alone; no document is loaded.

use std::collections::{BTreeMap, HashSet};

use groundwork_proto::membership::Grant;
use groundwork_proto::sync::{erased_tag, version_tag};
use rusqlite::params;

use crate::doc::DocKind;
use crate::error::Result;
use crate::ids::GroupId;
use crate::store::Store;

/// Which records a grant lets a device see, with unit subtrees expanded.
pub(crate) struct Visibility {
    everything: bool,
    units: HashSet<[u8; 16]>,
    contacts: HashSet<[u8; 16]>,
}

impl Visibility {
    pub(crate) fn of(store: &Store, group: &GroupId, grant: &Grant, admin: bool) -> Result<Self> {
        if admin || grant.everything {
            return Ok(Visibility {
                everything: true,
                units: HashSet::new(),
                contacts: HashSet::new(),
            });
        }
        let mut units = HashSet::new();
        let mut stmt = store.conn.prepare_cached(
            "WITH RECURSIVE sub(u) AS (SELECT ?2 UNION SELECT x.unit_id FROM units_idx x JOIN sub ON x.parent_id = sub.u WHERE x.group_id = ?1)
             SELECT u FROM sub",
        )?;
        for unit in &grant.units {
            let rows = stmt.query_map(params![group.as_bytes(), unit.as_slice()], |r| {
                r.get::<_, Vec<u8>>(0)
            })?;
            for row in rows {
                if let Ok(u) = <[u8; 16]>::try_from(row?.as_slice()) {
                    units.insert(u);
                }
            }
        }
        Ok(Visibility {
            everything: false,
            units,
            contacts: grant.contacts.iter().copied().collect(),
        })
    }

    fn unit(&self, unit: &Option<Vec<u8>>) -> bool {
        unit.as_deref()
            .and_then(|u| <[u8; 16]>::try_from(u).ok())
            .is_some_and(|u| self.units.contains(&u))
    }

    fn contact(&self, contact: &Option<Vec<u8>>) -> bool {
        contact
            .as_deref()
            .and_then(|c| <[u8; 16]>::try_from(c).ok())
            .is_some_and(|c| self.contacts.contains(&c))
    }

    /// Whether a document is visible, from its index facts.
    fn sees(
        &self,
        kind: DocKind,
        doc: &[u8; 16],
        unit: &Option<Vec<u8>>,
        contact: &Option<Vec<u8>>,
        plan_units: Option<&Vec<Vec<u8>>>,
    ) -> bool {
        if self.everything {
            return true;
        }
        match kind {
            DocKind::Settings | DocKind::Terrain => true,
            DocKind::Contact => self.contacts.contains(doc) || self.unit(unit),
            DocKind::FollowUp => contact.is_none() || self.contact(contact) || self.unit(unit),
            DocKind::Plan => match plan_units {
                None => true,
                Some(us) => us.iter().any(|u| self.unit(&Some(u.clone()))),
            },
        }
    }
}

/// One reconciliation item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Item {
    pub(crate) doc: [u8; 16],
    pub(crate) tag: [u8; 16],
    pub(crate) erased: bool,
}

/// The items of every document and erasure in the group that `vis` may see.
pub(crate) fn items(store: &Store, group: &GroupId, vis: &Visibility) -> Result<Vec<Item>> {
    let g = group.as_bytes();
    let mut plan_units: BTreeMap<Vec<u8>, Vec<Vec<u8>>> = BTreeMap::new();
    if !vis.everything {
        let mut stmt = store
            .conn
            .prepare_cached("SELECT plan_id, unit_id FROM plan_units WHERE group_id = ?1")?;
        for row in stmt.query_map([g], |r| {
            Ok((r.get::<_, Vec<u8>>(0)?, r.get::<_, Vec<u8>>(1)?))
        })? {
            let (p, u) = row?;
            plan_units.entry(p).or_default().push(u);
        }
    }
    let mut out = Vec::new();
    let mut stmt = store.conn.prepare_cached(
        "SELECT d.doc_id, d.kind, d.heads, COALESCE(c.unit, fc.unit), f.contact_id
         FROM docs d
         LEFT JOIN contacts_idx c ON c.group_id = d.group_id AND c.contact_id = d.doc_id
         LEFT JOIN followups_idx f ON f.group_id = d.group_id AND f.followup_id = d.doc_id
         LEFT JOIN contacts_idx fc ON fc.group_id = d.group_id AND fc.contact_id = f.contact_id
         WHERE d.group_id = ?1",
    )?;
    let rows = stmt.query_map([g], |r| {
        Ok((
            r.get::<_, Vec<u8>>(0)?,
            r.get::<_, i64>(1)?,
            r.get::<_, Vec<u8>>(2)?,
            r.get::<_, Option<Vec<u8>>>(3)?,
            r.get::<_, Option<Vec<u8>>>(4)?,
        ))
    })?;
    for row in rows {
        let (doc, kind, heads, unit, contact) = row?;
        let (Ok(doc_arr), Some(kind)) = (
            <[u8; 16]>::try_from(doc.as_slice()),
            DocKind::from_code(kind),
        ) else {
            continue;
        };
        if !vis.sees(kind, &doc_arr, &unit, &contact, plan_units.get(&doc)) {
            continue;
        }
        let heads: Vec<[u8; 32]> = heads
            .chunks_exact(32)
            .filter_map(|h| h.try_into().ok())
            .collect();
        out.push(Item {
            doc: doc_arr,
            tag: version_tag(&heads),
            erased: false,
        });
    }
    let mut stmt = store.conn.prepare_cached(
        "SELECT doc_id, kind, scope_unit, scope_contact FROM tombstones WHERE group_id = ?1",
    )?;
    let rows = stmt.query_map([g], |r| {
        Ok((
            r.get::<_, Vec<u8>>(0)?,
            r.get::<_, i64>(1)?,
            r.get::<_, Option<Vec<u8>>>(2)?,
            r.get::<_, Option<Vec<u8>>>(3)?,
        ))
    })?;
    for row in rows {
        let (doc, kind, unit, contact) = row?;
        let (Ok(doc_arr), Some(kind)) = (
            <[u8; 16]>::try_from(doc.as_slice()),
            DocKind::from_code(kind),
        ) else {
            continue;
        };
        let visible = vis.everything
            || match kind {
                DocKind::Contact => vis.contacts.contains(&doc_arr) || vis.unit(&unit),
                DocKind::FollowUp => contact.is_none() || vis.contact(&contact) || vis.unit(&unit),
                _ => true,
            };
        if visible {
            out.push(Item {
                doc: doc_arr,
                tag: erased_tag(),
                erased: true,
            });
        }
    }
    Ok(out)
}
