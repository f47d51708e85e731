//! Keeps the query index in step with the documents. Each function replaces every index row
//! derived from one document, inside the writer's transaction.

use rusqlite::{OptionalExtension, params};

use super::Writer;
use crate::doc::DocKind;
use crate::error::StoreError;
use crate::ids::{DocId, TerrainTreeId};
use crate::model::validate::{name_key, phone_key};
use crate::model::{Contact, FollowUp, GroupSettings, Plan, TerrainTree};

/// Removes every index row that a document produced.
pub(crate) fn remove(w: &Writer<'_>, doc: &DocId, kind: DocKind) -> Result<(), StoreError> {
    let g = w.group.as_bytes().as_slice();
    let d = doc.as_bytes().as_slice();
    let tables: &[&str] = match kind {
        DocKind::Contact => &[
            "DELETE FROM contacts_idx WHERE group_id = ?1 AND contact_id = ?2",
            "DELETE FROM contact_tags WHERE group_id = ?1 AND contact_id = ?2",
            "DELETE FROM contact_organizers WHERE group_id = ?1 AND contact_id = ?2",
            "DELETE FROM contact_keys WHERE group_id = ?1 AND contact_id = ?2",
            "DELETE FROM conversations_idx WHERE group_id = ?1 AND contact_id = ?2",
            "DELETE FROM links_idx WHERE group_id = ?1 AND to_contact = ?2",
            "DELETE FROM turf_contacts WHERE group_id = ?1 AND contact_id = ?2",
            "DELETE FROM turf_held_before WHERE group_id = ?1 AND contact_id = ?2",
            "DELETE FROM knocks_idx WHERE group_id = ?1 AND contact_id = ?2",
        ],
        DocKind::FollowUp => {
            &["DELETE FROM followups_idx WHERE group_id = ?1 AND followup_id = ?2"]
        }
        DocKind::Plan => &[
            "DELETE FROM plans_idx WHERE group_id = ?1 AND plan_id = ?2",
            "DELETE FROM plan_units WHERE group_id = ?1 AND plan_id = ?2",
            "DELETE FROM benchmarks_idx WHERE group_id = ?1 AND plan_id = ?2",
        ],
        DocKind::Terrain => &["DELETE FROM units_idx WHERE group_id = ?1 AND tree_id = ?2"],
        DocKind::Settings => &[
            "DELETE FROM scale_idx WHERE group_id = ?1 AND ?2 IS NOT NULL",
            "DELETE FROM turfs_idx WHERE group_id = ?1 AND ?2 IS NOT NULL",
            "DELETE FROM turf_devices WHERE group_id = ?1 AND ?2 IS NOT NULL",
        ],
    };
    for sql in tables {
        w.tx.prepare_cached(sql)?.execute(params![g, d])?;
    }
    w.tx.prepare_cached("DELETE FROM links_idx WHERE group_id = ?1 AND from_doc = ?2")?
        .execute(params![g, d])?;
    Ok(())
}

fn link(w: &Writer<'_>, to: &[u8], from: &DocId, kind: DocKind) -> Result<(), StoreError> {
    w.tx.prepare_cached(
        "INSERT OR IGNORE INTO links_idx (group_id, to_contact, from_doc, from_kind) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![w.group.as_bytes(), to, from.as_bytes(), kind.code()])?;
    Ok(())
}

/// Replaces the rows `select` returns for one contact with `wanted`, touching only the rows that
/// differ: every page an edit dirties is encrypted and written at commit, so an edit that adds a
/// tag should write the tag's row and nothing else.
fn sync_rows<T: Ord + Clone>(
    w: &Writer<'_>,
    select: &str,
    read: impl Fn(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
    wanted: std::collections::BTreeSet<T>,
    id: &[u8],
    mut delete: impl FnMut(&T) -> Result<(), StoreError>,
    mut insert: impl FnMut(&T) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    let mut stmt = w.tx.prepare_cached(select)?;
    let current: std::collections::BTreeSet<T> = stmt
        .query_map(params![w.group.as_bytes(), id], |r| read(r))?
        .collect::<Result<_, _>>()?;
    for gone in current.difference(&wanted) {
        delete(gone)?;
    }
    for new in wanted.difference(&current) {
        insert(new)?;
    }
    Ok(())
}

pub(crate) fn contact(w: &Writer<'_>, c: &Contact) -> Result<(), StoreError> {
    let doc = DocId::from(c.id);
    let g = w.group.as_bytes();
    let id = c.id.as_bytes();
    let unit = c.unit.map(|u| u.as_bytes().to_vec());
    let row = (
        c.name.clone(),
        name_key(&c.name),
        unit.clone(),
        c.assessment,
        c.last_conversation_at.map(|t| t.timestamp_millis()),
        c.do_not_contact,
    );
    let current = w
        .tx
        .prepare_cached(
            "SELECT name, name_key, unit, assessment, last_conversation_at, do_not_contact FROM contacts_idx
             WHERE group_id = ?1 AND contact_id = ?2",
        )?
        .query_row(params![g, id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)))
        .optional()?;
    if current.as_ref() != Some(&row) {
        w.tx.prepare_cached(
            "INSERT INTO contacts_idx (group_id, contact_id, name, name_key, unit, assessment, last_conversation_at, do_not_contact)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
             ON CONFLICT (group_id, contact_id) DO UPDATE SET name = ?3, name_key = ?4, unit = ?5, assessment = ?6,
               last_conversation_at = ?7, do_not_contact = ?8",
        )?
        .execute(params![g, id, row.0, row.1, row.2, row.3, row.4, row.5])?;
    }
    sync_rows(
        w,
        "SELECT tag FROM contact_tags WHERE group_id = ?1 AND contact_id = ?2",
        |r| r.get::<_, String>(0),
        c.tags.clone(),
        id,
        |t| {
            w.tx.prepare_cached(
                "DELETE FROM contact_tags WHERE group_id = ?1 AND tag = ?2 AND contact_id = ?3",
            )?
            .execute(params![g, t, id])?;
            Ok(())
        },
        |t| {
            w.tx.prepare_cached("INSERT OR IGNORE INTO contact_tags (group_id, tag, contact_id) VALUES (?1, ?2, ?3)")?
                .execute(params![g, t, id])?;
            Ok(())
        },
    )?;
    sync_rows(
        w,
        "SELECT organizer FROM contact_organizers WHERE group_id = ?1 AND contact_id = ?2",
        |r| r.get::<_, String>(0),
        c.organizers.clone(),
        id,
        |o| {
            w.tx.prepare_cached("DELETE FROM contact_organizers WHERE group_id = ?1 AND organizer = ?2 AND contact_id = ?3")?
                .execute(params![g, o, id])?;
            Ok(())
        },
        |o| {
            w.tx.prepare_cached(
                "INSERT OR IGNORE INTO contact_organizers (group_id, organizer, contact_id) VALUES (?1, ?2, ?3)",
            )?
            .execute(params![g, o, id])?;
            Ok(())
        },
    )?;
    let keys = c
        .phones
        .iter()
        .map(|p| ("phone".to_owned(), phone_key(&p.value)))
        .chain(
            c.emails
                .iter()
                .map(|e| ("email".to_owned(), e.value.trim().to_lowercase())),
        )
        .collect();
    sync_rows(
        w,
        "SELECT key_kind, key FROM contact_keys WHERE group_id = ?1 AND contact_id = ?2",
        |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)),
        keys,
        id,
        |(kind, key)| {
            w.tx.prepare_cached("DELETE FROM contact_keys WHERE group_id = ?1 AND key_kind = ?2 AND key = ?3 AND contact_id = ?4")?
                .execute(params![g, kind, key, id])?;
            Ok(())
        },
        |(kind, key)| {
            w.tx.prepare_cached(
                "INSERT OR IGNORE INTO contact_keys (group_id, key_kind, key, contact_id) VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![g, kind, key, id])?;
            Ok(())
        },
    )?;
    let conversations = c
        .conversations
        .iter()
        .map(|conv| {
            (
                conv.id.as_bytes().to_vec(),
                conv.organizer.clone(),
                conv.at.timestamp_millis(),
                unit.clone(),
                conv.assessment,
                i64::from(conv.revision),
            )
        })
        .collect();
    sync_rows(
        w,
        "SELECT conversation_id, organizer, at, unit, assessment, revision FROM conversations_idx WHERE group_id = ?1 AND contact_id = ?2",
        |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
            ))
        },
        conversations,
        id,
        |(cid, ..)| {
            w.tx.prepare_cached(
                "DELETE FROM conversations_idx WHERE group_id = ?1 AND conversation_id = ?2",
            )?
            .execute(params![g, cid])?;
            Ok(())
        },
        |(cid, organizer, at, unit, assessment, revision)| {
            w.tx.prepare_cached(
                "INSERT OR REPLACE INTO conversations_idx (group_id, conversation_id, contact_id, organizer, at, unit, assessment, revision)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?
            .execute(params![g, cid, id, organizer, at, unit, assessment, revision])?;
            Ok(())
        },
    )?;
    let links = c
        .relationships
        .iter()
        .map(|r| r.other.as_bytes().to_vec())
        .collect();
    sync_rows(
        w,
        "SELECT to_contact FROM links_idx WHERE group_id = ?1 AND from_doc = ?2",
        |r| r.get::<_, Vec<u8>>(0),
        links,
        id,
        |to| {
            w.tx.prepare_cached(
                "DELETE FROM links_idx WHERE group_id = ?1 AND to_contact = ?2 AND from_doc = ?3",
            )?
            .execute(params![g, to, id])?;
            Ok(())
        },
        |to| link(w, to, &doc, DocKind::Contact),
    )?;
    // A walk list goes door to door: by the first address, lowercased.
    let walk_key = c
        .addresses
        .first()
        .map(|a| a.value.trim().to_lowercase())
        .unwrap_or_default();
    sync_rows(
        w,
        "SELECT turf_id, walk_key FROM turf_contacts WHERE group_id = ?1 AND contact_id = ?2",
        |r| Ok((r.get::<_, Vec<u8>>(0)?, r.get::<_, String>(1)?)),
        c.turfs
            .iter()
            .map(|t| (t.as_bytes().to_vec(), walk_key.clone()))
            .collect(),
        id,
        |(turf, _)| {
            w.tx.prepare_cached(
                "DELETE FROM turf_contacts WHERE group_id = ?1 AND turf_id = ?2 AND contact_id = ?3",
            )?
            .execute(params![g, turf, id])?;
            Ok(())
        },
        |(turf, key)| {
            w.tx.prepare_cached(
                "INSERT OR REPLACE INTO turf_contacts (group_id, turf_id, contact_id, walk_key) VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![g, turf, id, key])?;
            Ok(())
        },
    )?;
    sync_rows(
        w,
        "SELECT turf_id, device FROM turf_held_before WHERE group_id = ?1 AND contact_id = ?2",
        |r| Ok((r.get::<_, Vec<u8>>(0)?, r.get::<_, Vec<u8>>(1)?)),
        c.turf_held_before
            .iter()
            .map(|(t, d)| (t.as_bytes().to_vec(), d.0.to_vec()))
            .collect(),
        id,
        |(turf, device)| {
            w.tx.prepare_cached(
                "DELETE FROM turf_held_before WHERE group_id = ?1 AND turf_id = ?2 AND device = ?3 AND contact_id = ?4",
            )?
            .execute(params![g, turf, device, id])?;
            Ok(())
        },
        |(turf, device)| {
            w.tx.prepare_cached(
                "INSERT OR IGNORE INTO turf_held_before (group_id, turf_id, device, contact_id) VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![g, turf, device, id])?;
            Ok(())
        },
    )?;
    let knocks = c
        .knocks
        .iter()
        .map(|k| {
            (
                k.id.as_bytes().to_vec(),
                k.outcome.as_str().to_owned(),
                k.organizer.clone(),
                k.at.timestamp_millis(),
            )
        })
        .collect();
    sync_rows(
        w,
        "SELECT knock_id, outcome, organizer, at FROM knocks_idx WHERE group_id = ?1 AND contact_id = ?2",
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        knocks,
        id,
        |(kid, ..)| {
            w.tx.prepare_cached("DELETE FROM knocks_idx WHERE group_id = ?1 AND knock_id = ?2")?
                .execute(params![g, kid])?;
            Ok(())
        },
        |(kid, outcome, organizer, at)| {
            w.tx.prepare_cached(
                "INSERT OR REPLACE INTO knocks_idx (group_id, knock_id, contact_id, outcome, organizer, at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(params![g, kid, id, outcome, organizer, at])?;
            Ok(())
        },
    )?;
    Ok(())
}

pub(crate) fn follow_up(w: &Writer<'_>, f: &FollowUp) -> Result<(), StoreError> {
    let doc = DocId::from(f.id);
    w.tx.prepare_cached("DELETE FROM links_idx WHERE group_id = ?1 AND from_doc = ?2")?
        .execute(params![w.group.as_bytes(), doc.as_bytes()])?;
    w.tx.prepare_cached(
        "INSERT OR REPLACE INTO followups_idx (group_id, followup_id, kind, title, contact_id, plan_id, assignee, due, status,
           created_at, completed_at, partner, onboarding_template, onboarding_step)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
    )?
    .execute(params![
        w.group.as_bytes(),
        f.id.as_bytes(),
        f.kind.as_str(),
        f.title,
        f.contact.map(|c| c.as_bytes().to_vec()),
        f.plan.map(|p| p.as_bytes().to_vec()),
        f.assignee,
        f.due.map(|d| d.timestamp_millis()),
        f.status.as_str(),
        f.created_at.timestamp_millis(),
        f.completed_at.map(|t| t.timestamp_millis()),
        f.partner,
        f.onboarding.as_ref().map(|o| o.template.as_str()),
        f.onboarding.as_ref().map(|o| o.step),
    ])?;
    if let Some(c) = f.contact {
        link(w, c.as_bytes(), &doc, DocKind::FollowUp)?;
    }
    Ok(())
}

pub(crate) fn plan(w: &Writer<'_>, p: &Plan) -> Result<(), StoreError> {
    let doc = DocId::from(p.id);
    w.tx.prepare_cached("DELETE FROM links_idx WHERE group_id = ?1 AND from_doc = ?2")?
        .execute(params![w.group.as_bytes(), doc.as_bytes()])?;
    w.tx.prepare_cached(
        "INSERT OR REPLACE INTO plans_idx (group_id, plan_id, title) VALUES (?1, ?2, ?3)",
    )?
    .execute(params![w.group.as_bytes(), p.id.as_bytes(), p.title])?;
    for c in &p.contacts {
        link(w, c.as_bytes(), &doc, DocKind::Plan)?;
    }
    w.tx.prepare_cached("DELETE FROM plan_units WHERE group_id = ?1 AND plan_id = ?2")?
        .execute(params![w.group.as_bytes(), p.id.as_bytes()])?;
    for u in &p.units {
        w.tx.prepare_cached(
            "INSERT OR IGNORE INTO plan_units (group_id, plan_id, unit_id) VALUES (?1, ?2, ?3)",
        )?
        .execute(params![w.group.as_bytes(), p.id.as_bytes(), u.as_bytes()])?;
    }
    // Each benchmark with its query, so progress is counted from the index alone.
    w.tx.prepare_cached("DELETE FROM benchmarks_idx WHERE group_id = ?1 AND plan_id = ?2")?
        .execute(params![w.group.as_bytes(), p.id.as_bytes()])?;
    for (position, b) in p.benchmarks.iter().enumerate() {
        let q = &b.query;
        w.tx.prepare_cached(
            "INSERT OR REPLACE INTO benchmarks_idx (group_id, plan_id, benchmark_id, description, target, deadline,
               position, query_version, counts, unit, assessment, since, tag, organizer, followup_kind, completed)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
        )?
        .execute(params![
            w.group.as_bytes(),
            p.id.as_bytes(),
            b.id.as_bytes(),
            b.description,
            i64::try_from(b.target).unwrap_or(i64::MAX),
            b.deadline.map(|d| d.timestamp_millis()),
            position as i64,
            i64::try_from(q.version).unwrap_or(i64::MAX),
            q.counts.as_str(),
            q.unit.map(|u| u.as_bytes().to_vec()),
            q.assessment.map(|a| a.to_stored()),
            q.since.map(|t| t.timestamp_millis()),
            q.tag,
            q.organizer,
            q.follow_up_kind.as_ref().map(|k| k.as_str().to_owned()),
            q.completed,
        ])?;
    }
    Ok(())
}

pub(crate) fn terrain(w: &Writer<'_>, t: &TerrainTree) -> Result<(), StoreError> {
    let tree: TerrainTreeId = t.id;
    w.tx.prepare_cached("DELETE FROM units_idx WHERE group_id = ?1 AND tree_id = ?2")?
        .execute(params![w.group.as_bytes(), tree.as_bytes()])?;
    for u in &t.units {
        w.tx.prepare_cached(
            "INSERT OR REPLACE INTO units_idx (group_id, unit_id, tree_id, parent_id, name, level) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?
        .execute(params![
            w.group.as_bytes(),
            u.id.as_bytes(),
            tree.as_bytes(),
            u.parent.map(|p| p.as_bytes().to_vec()),
            u.name,
            u.level,
        ])?;
    }
    Ok(())
}

pub(crate) fn settings(w: &Writer<'_>, s: &GroupSettings) -> Result<(), StoreError> {
    w.tx.prepare_cached("DELETE FROM scale_idx WHERE group_id = ?1")?
        .execute(params![w.group.as_bytes()])?;
    // Levels are listed strongest first: their position is the rank thresholds compare.
    for (rank, l) in s.scale.levels.iter().enumerate() {
        w.tx.prepare_cached("INSERT OR REPLACE INTO scale_idx (group_id, value, label, supporter, rank) VALUES (?1, ?2, ?3, ?4, ?5)")?
            .execute(params![
                w.group.as_bytes(),
                l.value,
                l.label,
                s.scale.supporter_or_better.contains(&l.value),
                rank as i64,
            ])?;
    }
    // Turfs, rewritten whole: a group keeps tens of them, not thousands of rows.
    w.tx.prepare_cached("DELETE FROM turfs_idx WHERE group_id = ?1")?
        .execute(params![w.group.as_bytes()])?;
    w.tx.prepare_cached("DELETE FROM turf_devices WHERE group_id = ?1")?
        .execute(params![w.group.as_bytes()])?;
    for t in &s.turfs {
        w.tx.prepare_cached(
            "INSERT OR REPLACE INTO turfs_idx (group_id, turf_id, name, organizer, size, handed_out_at, handed_out_by, returned_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )?
        .execute(params![
            w.group.as_bytes(),
            t.id.as_bytes(),
            t.name,
            t.organizer,
            i64::try_from(t.size).unwrap_or(i64::MAX),
            t.handed_out_at.timestamp_millis(),
            t.handed_out_by.0,
            t.returned_at.map(|r| r.timestamp_millis()),
        ])?;
        for d in &t.devices {
            w.tx.prepare_cached(
                "INSERT OR IGNORE INTO turf_devices (group_id, turf_id, device) VALUES (?1, ?2, ?3)",
            )?
            .execute(params![w.group.as_bytes(), t.id.as_bytes(), d.0])?;
        }
    }
    w.tx.prepare_cached("UPDATE groups SET name = ?2 WHERE group_id = ?1")?
        .execute(params![w.group.as_bytes(), s.name])?;
    Ok(())
}
