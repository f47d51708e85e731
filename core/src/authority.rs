//! Who may write what: a member's role and grant applied to a record.
//!
//! - The settings and the terrain trees: every member reads them; only admins change them.
//! - A contact: covered by a grant that names it, or names its unit or a unit above it.
//! - A follow-up about a contact: covered when the contact is; one about no contact (an
//!   onboarding task, a group chore) is every member's.
//! - A plan: covered when the grant covers one of its units; a plan with no units is everyone's.
//! - Erasing anything is an admin's act.

use automerge::AutoCommit;
use groundwork_proto::membership::Grant;
use rusqlite::{OptionalExtension, params};

use crate::doc::{DocKind, Reader};
use crate::error::Result;
use crate::ids::{ContactId, DocId, GroupId, UnitId};
use crate::store::Store;

/// What a grant check needs to know about a record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Scope {
    Contact {
        id: ContactId,
        unit: Option<UnitId>,
    },
    FollowUp {
        contact: Option<(ContactId, Option<UnitId>)>,
    },
    Plan {
        units: Vec<UnitId>,
    },
    Terrain,
    Settings,
}

/// The scope of a document as it stands.
pub(crate) fn scope_of(
    store: &Store,
    group: &GroupId,
    kind: DocKind,
    id: DocId,
    doc: &AutoCommit,
) -> Result<Scope> {
    let mut r = Reader::new(doc);
    let root = automerge::ROOT;
    Ok(match kind {
        DocKind::Contact => Scope::Contact {
            id: id.into(),
            unit: r
                .opt_str(&root, "unit", "")
                .and_then(|u| UnitId::parse(&u).ok()),
        },
        DocKind::FollowUp => {
            let contact = r
                .opt_str(&root, "contact", "")
                .and_then(|c| ContactId::parse(&c).ok());
            match contact {
                Some(c) => Scope::FollowUp {
                    contact: Some((c, contact_unit(store, group, c)?)),
                },
                None => Scope::FollowUp { contact: None },
            }
        }
        DocKind::Plan => Scope::Plan {
            units: r
                .set_keys(&root, "units")
                .iter()
                .filter_map(|u| UnitId::parse(u).ok())
                .collect(),
        },
        DocKind::Terrain => Scope::Terrain,
        DocKind::Settings => Scope::Settings,
    })
}

fn contact_unit(store: &Store, group: &GroupId, c: ContactId) -> Result<Option<UnitId>> {
    let unit: Option<Option<Vec<u8>>> = store
        .conn
        .prepare_cached("SELECT unit FROM contacts_idx WHERE group_id = ?1 AND contact_id = ?2")?
        .query_row(params![group.as_bytes(), c.as_bytes()], |r| r.get(0))
        .optional()?;
    Ok(unit.flatten().and_then(|u| UnitId::from_slice(&u).ok()))
}

/// Whether `unit`, or a unit above it, is one of `units`.
fn unit_within(
    store: &Store,
    group: &GroupId,
    unit: Option<UnitId>,
    units: &std::collections::BTreeSet<[u8; 16]>,
) -> Result<bool> {
    let Some(mut current) = unit else {
        return Ok(false);
    };
    // Walk up the tree; bounded in case of a cycle made by concurrent moves.
    for _ in 0..64 {
        if units.contains(current.as_bytes()) {
            return Ok(true);
        }
        let parent: Option<Option<Vec<u8>>> = store
            .conn
            .prepare_cached("SELECT parent_id FROM units_idx WHERE group_id = ?1 AND unit_id = ?2")?
            .query_row(params![group.as_bytes(), current.as_bytes()], |r| r.get(0))
            .optional()?;
        match parent.flatten().and_then(|p| UnitId::from_slice(&p).ok()) {
            Some(p) => current = p,
            None => return Ok(false),
        }
    }
    Ok(false)
}

/// Whether a member with `grant` (and `admin` role) may read, or with `write` change, a record.
pub(crate) fn covers(
    store: &Store,
    group: &GroupId,
    grant: &Grant,
    admin: bool,
    scope: &Scope,
    write: bool,
) -> Result<bool> {
    if admin {
        return Ok(true);
    }
    match scope {
        Scope::Settings | Scope::Terrain => Ok(!write),
        _ if grant.everything => Ok(true),
        Scope::Contact { id, unit } => Ok(grant.contacts.contains(id.as_bytes())
            || unit_within(store, group, *unit, &grant.units)?),
        Scope::FollowUp { contact: None } => Ok(true),
        Scope::FollowUp {
            contact: Some((c, unit)),
        } => Ok(grant.contacts.contains(c.as_bytes())
            || unit_within(store, group, *unit, &grant.units)?),
        Scope::Plan { units } if units.is_empty() => Ok(true),
        Scope::Plan { units } => {
            for u in units {
                if unit_within(store, group, Some(*u), &grant.units)? {
                    return Ok(true);
                }
            }
            Ok(false)
        }
    }
}
