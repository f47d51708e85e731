//! Numbered migrations of the store's SQL schema, applied in order inside one transaction each.
//! Never edit a migration that has shipped: add the next one (notes in `store/NOTES.md`).

pub(crate) const MIGRATIONS: &[&str] = &[
    // 1: documents, their incremental changes, tombstones, and the query index.
    r#"
    CREATE TABLE meta (key TEXT PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID;
    CREATE TABLE groups (
        group_id BLOB PRIMARY KEY, name TEXT NOT NULL, created_at INTEGER NOT NULL
    ) WITHOUT ROWID;
    -- One row per document: the compacted snapshot and the heads after every change applied.
    CREATE TABLE docs (
        group_id BLOB NOT NULL, doc_id BLOB NOT NULL, kind INTEGER NOT NULL,
        snapshot BLOB NOT NULL, heads BLOB NOT NULL,
        increments INTEGER NOT NULL DEFAULT 0, next_seq INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (group_id, doc_id)
    ) WITHOUT ROWID;
    CREATE INDEX docs_by_kind ON docs (group_id, kind);
    -- Changes appended since the snapshot; compaction folds them into it.
    CREATE TABLE doc_changes (
        group_id BLOB NOT NULL, doc_id BLOB NOT NULL, seq INTEGER NOT NULL, bytes BLOB NOT NULL,
        PRIMARY KEY (group_id, doc_id, seq)
    ) WITHOUT ROWID;
    -- Erased documents: changes for them are refused forever.
    CREATE TABLE tombstones (
        group_id BLOB NOT NULL, doc_id BLOB NOT NULL, kind INTEGER NOT NULL,
        erased_at INTEGER NOT NULL, erased_by TEXT NOT NULL,
        PRIMARY KEY (group_id, doc_id)
    ) WITHOUT ROWID;

    CREATE TABLE contacts_idx (
        group_id BLOB NOT NULL, contact_id BLOB NOT NULL, name TEXT NOT NULL, name_key TEXT NOT NULL,
        unit BLOB, assessment INTEGER, last_conversation_at INTEGER, do_not_contact INTEGER NOT NULL,
        PRIMARY KEY (group_id, contact_id)
    ) WITHOUT ROWID;
    CREATE INDEX contacts_by_name ON contacts_idx (group_id, name_key);
    CREATE INDEX contacts_by_unit ON contacts_idx (group_id, unit);
    CREATE INDEX contacts_by_assessment ON contacts_idx (group_id, assessment);
    CREATE TABLE contact_tags (
        group_id BLOB NOT NULL, tag TEXT NOT NULL, contact_id BLOB NOT NULL,
        PRIMARY KEY (group_id, tag, contact_id)
    ) WITHOUT ROWID;
    CREATE INDEX contact_tags_by_contact ON contact_tags (group_id, contact_id);
    CREATE TABLE contact_organizers (
        group_id BLOB NOT NULL, organizer TEXT NOT NULL, contact_id BLOB NOT NULL,
        PRIMARY KEY (group_id, organizer, contact_id)
    ) WITHOUT ROWID;
    CREATE INDEX contact_organizers_by_contact ON contact_organizers (group_id, contact_id);
    -- Normalised phones (digits) and emails (lowercase), for lookup and duplicate detection.
    CREATE TABLE contact_keys (
        group_id BLOB NOT NULL, key_kind TEXT NOT NULL, key TEXT NOT NULL, contact_id BLOB NOT NULL,
        PRIMARY KEY (group_id, key_kind, key, contact_id)
    ) WITHOUT ROWID;
    CREATE INDEX contact_keys_by_contact ON contact_keys (group_id, contact_id);
    CREATE TABLE conversations_idx (
        group_id BLOB NOT NULL, conversation_id BLOB NOT NULL, contact_id BLOB NOT NULL,
        organizer TEXT NOT NULL, at INTEGER NOT NULL, unit BLOB, assessment INTEGER, revision INTEGER NOT NULL,
        PRIMARY KEY (group_id, conversation_id)
    ) WITHOUT ROWID;
    CREATE INDEX conversations_by_organizer ON conversations_idx (group_id, organizer, at);
    CREATE INDEX conversations_by_time ON conversations_idx (group_id, at);
    CREATE INDEX conversations_by_contact ON conversations_idx (group_id, contact_id);
    CREATE TABLE followups_idx (
        group_id BLOB NOT NULL, followup_id BLOB NOT NULL, kind TEXT NOT NULL, title TEXT NOT NULL,
        contact_id BLOB, plan_id BLOB, assignee TEXT NOT NULL, due INTEGER, status TEXT NOT NULL,
        PRIMARY KEY (group_id, followup_id)
    ) WITHOUT ROWID;
    CREATE INDEX followups_by_due ON followups_idx (group_id, status, due);
    CREATE INDEX followups_by_assignee ON followups_idx (group_id, assignee, status, due);
    CREATE INDEX followups_by_contact ON followups_idx (group_id, contact_id);
    CREATE TABLE plans_idx (
        group_id BLOB NOT NULL, plan_id BLOB NOT NULL, title TEXT NOT NULL,
        PRIMARY KEY (group_id, plan_id)
    ) WITHOUT ROWID;
    CREATE TABLE units_idx (
        group_id BLOB NOT NULL, unit_id BLOB NOT NULL, tree_id BLOB NOT NULL, parent_id BLOB,
        name TEXT NOT NULL, level TEXT NOT NULL,
        PRIMARY KEY (group_id, unit_id)
    ) WITHOUT ROWID;
    CREATE INDEX units_by_parent ON units_idx (group_id, parent_id);
    CREATE INDEX units_by_tree ON units_idx (group_id, tree_id);
    CREATE TABLE scale_idx (
        group_id BLOB NOT NULL, value INTEGER NOT NULL, label TEXT NOT NULL, supporter INTEGER NOT NULL,
        PRIMARY KEY (group_id, value)
    ) WITHOUT ROWID;
    -- Which documents point at a contact (relationships, plans, follow-ups): the erasure cascade.
    CREATE TABLE links_idx (
        group_id BLOB NOT NULL, to_contact BLOB NOT NULL, from_doc BLOB NOT NULL, from_kind INTEGER NOT NULL,
        PRIMARY KEY (group_id, to_contact, from_doc)
    ) WITHOUT ROWID;
    CREATE INDEX links_by_from ON links_idx (group_id, from_doc);
    "#,
    // 2: the membership log, the signatures of document changes, signed tombstones.
    r#"
    CREATE TABLE membership_ops (
        group_id BLOB NOT NULL, hash BLOB NOT NULL, bytes BLOB NOT NULL,
        PRIMARY KEY (group_id, hash)
    ) WITHOUT ROWID;
    -- Every stored Automerge change's signature by its author's device key (over the change hash).
    CREATE TABLE change_sigs (
        group_id BLOB NOT NULL, doc_id BLOB NOT NULL, hash BLOB NOT NULL, signature BLOB NOT NULL,
        PRIMARY KEY (group_id, doc_id, hash)
    ) WITHOUT ROWID;
    ALTER TABLE tombstones ADD COLUMN signature BLOB;
    -- Where an erased record was, so its tombstone is only shown to devices that could see it.
    ALTER TABLE tombstones ADD COLUMN scope_unit BLOB;
    ALTER TABLE tombstones ADD COLUMN scope_contact BLOB;
    -- Where other members' devices were last reached (a local address book; no directory).
    CREATE TABLE peer_addrs (
        group_id BLOB NOT NULL, device BLOB NOT NULL, addrs TEXT NOT NULL, seen_at INTEGER NOT NULL,
        PRIMARY KEY (group_id, device)
    ) WITHOUT ROWID;
    -- The units a plan is about (for grants).
    CREATE TABLE plan_units (
        group_id BLOB NOT NULL, plan_id BLOB NOT NULL, unit_id BLOB NOT NULL,
        PRIMARY KEY (group_id, plan_id, unit_id)
    ) WITHOUT ROWID;
    "#,
    // 3: the organizing workflows. Follow-ups' creation and completion times (benchmarks count
    // "completed since"); the rank of each assessment level, strongest first (for "supporter or
    // better" and "at least" thresholds; until the settings are reindexed, rank = value, which is
    // the order of both built-in scales); plans' benchmarks with their queries, so progress is
    // counted without loading a plan. Rows from before this migration are rebuilt from the
    // documents once, on the next open (`reindex` in meta).
    r#"
    ALTER TABLE followups_idx ADD COLUMN created_at INTEGER;
    ALTER TABLE followups_idx ADD COLUMN completed_at INTEGER;
    ALTER TABLE scale_idx ADD COLUMN rank INTEGER;
    UPDATE scale_idx SET rank = value;
    CREATE TABLE benchmarks_idx (
        group_id BLOB NOT NULL, plan_id BLOB NOT NULL, benchmark_id BLOB NOT NULL,
        description TEXT NOT NULL, target INTEGER NOT NULL, deadline INTEGER, position INTEGER NOT NULL,
        query_version INTEGER NOT NULL, counts TEXT NOT NULL, unit BLOB, assessment TEXT,
        since INTEGER, tag TEXT, organizer TEXT, followup_kind TEXT, completed INTEGER,
        PRIMARY KEY (group_id, plan_id, benchmark_id)
    ) WITHOUT ROWID;
    CREATE INDEX conversations_by_unit ON conversations_idx (group_id, unit, at);
    INSERT OR REPLACE INTO meta (key, value) VALUES ('reindex', x'01');
    "#,
    // 4: turf and door knocks. Turfs as the settings list them (no contact ids) and the devices
    // each was handed to; which contacts are in which turf, as each contact says, with the key
    // a walk list is ordered by (the first address); the devices that held a contact before its
    // turf was cut (taking the turf back leaves them their grant); door knocks per contact.
    // Documents from before this migration have no turfs or knocks, so nothing is rebuilt.
    r#"
    CREATE TABLE turfs_idx (
        group_id BLOB NOT NULL, turf_id BLOB NOT NULL, name TEXT NOT NULL, organizer TEXT NOT NULL,
        size INTEGER NOT NULL, handed_out_at INTEGER NOT NULL, handed_out_by BLOB NOT NULL,
        returned_at INTEGER,
        PRIMARY KEY (group_id, turf_id)
    ) WITHOUT ROWID;
    CREATE TABLE turf_devices (
        group_id BLOB NOT NULL, turf_id BLOB NOT NULL, device BLOB NOT NULL,
        PRIMARY KEY (group_id, turf_id, device)
    ) WITHOUT ROWID;
    CREATE INDEX turf_devices_by_device ON turf_devices (group_id, device);
    CREATE TABLE turf_contacts (
        group_id BLOB NOT NULL, turf_id BLOB NOT NULL, contact_id BLOB NOT NULL, walk_key TEXT NOT NULL,
        PRIMARY KEY (group_id, turf_id, contact_id)
    ) WITHOUT ROWID;
    CREATE INDEX turf_contacts_by_contact ON turf_contacts (group_id, contact_id);
    CREATE TABLE turf_held_before (
        group_id BLOB NOT NULL, turf_id BLOB NOT NULL, device BLOB NOT NULL, contact_id BLOB NOT NULL,
        PRIMARY KEY (group_id, turf_id, device, contact_id)
    ) WITHOUT ROWID;
    CREATE INDEX turf_held_before_by_contact ON turf_held_before (group_id, contact_id);
    CREATE TABLE knocks_idx (
        group_id BLOB NOT NULL, knock_id BLOB NOT NULL, contact_id BLOB NOT NULL, outcome TEXT NOT NULL,
        organizer TEXT NOT NULL, at INTEGER NOT NULL,
        PRIMARY KEY (group_id, knock_id)
    ) WITHOUT ROWID;
    CREATE INDEX knocks_by_contact ON knocks_idx (group_id, contact_id, at);
    "#,
    // 5: onboarding progress from the index: a follow-up's partner and, for a task started from
    // a template, the template's name and the task's step. Rebuilt from the documents on the
    // next open, as after migration 3.
    r#"
    ALTER TABLE followups_idx ADD COLUMN partner TEXT;
    ALTER TABLE followups_idx ADD COLUMN onboarding_template TEXT;
    ALTER TABLE followups_idx ADD COLUMN onboarding_step INTEGER;
    CREATE INDEX followups_by_kind ON followups_idx (group_id, kind, contact_id);
    INSERT OR REPLACE INTO meta (key, value) VALUES ('reindex', x'01');
    "#,
];
