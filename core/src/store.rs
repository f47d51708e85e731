//! The on-device store: one SQLCipher database file.
//!
//! Durability: WAL with `synchronous = FULL`. Each acknowledged write is one transaction; in WAL
//! mode with FULL the WAL is fsynced at every commit, so a commit that returned survives a crash
//! or power loss. (`NORMAL` would only fsync at checkpoints and can lose the last commits on power
//! loss; rollback-journal mode would fsync the journal and the database, costing more per write.)
//! `secure_delete` is on, so erased records are overwritten in the file, not just unlinked.
//!
//! The documents are the source of truth (`docs` + `doc_changes`); the `*_idx` tables are a query
//! index derived from them inside the same transaction, so queries never load a document.

pub(crate) mod index;
mod schema;

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use automerge::ChangeHash;
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use zeroize::Zeroizing;

use crate::doc::DocKind;
use crate::error::StoreError;
use crate::ids::{DocId, GroupId};

/// The 32-byte raw key that encrypts a store. On a phone it comes from the platform keystore; the
/// CLI derives it from a passphrase. Zeroed when dropped.
#[derive(Clone)]
pub struct StoreKey(Zeroizing<[u8; 32]>);

impl StoreKey {
    /// A key from exactly 32 bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, StoreError> {
        let arr: [u8; 32] = bytes
            .try_into()
            .map_err(|_| StoreError::BadKeyLength(bytes.len()))?;
        Ok(Self(Zeroizing::new(arr)))
    }
    /// A fresh random key.
    pub fn random() -> Self {
        Self(Zeroizing::new(rand::random()))
    }
    /// The raw bytes (to put into a keystore).
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
    fn pragma(&self) -> Zeroizing<String> {
        Zeroizing::new(format!("PRAGMA key = \"x'{}'\";", hex::encode(*self.0)))
    }
    fn rekey_pragma(&self) -> Zeroizing<String> {
        Zeroizing::new(format!("PRAGMA rekey = \"x'{}'\";", hex::encode(*self.0)))
    }
}

impl std::fmt::Debug for StoreKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StoreKey(…)")
    }
}

/// Where a store lives and how it is protected.
pub(crate) enum Location<'a> {
    File(&'a Path),
    #[cfg_attr(not(any(test, feature = "test-utils")), allow(dead_code))]
    Memory,
}

/// The stored pieces of one document.
pub(crate) struct StoredDoc {
    pub(crate) kind: DocKind,
    pub(crate) chunks: Vec<Vec<u8>>,
}

/// The SQLCipher connection and the document-load counter.
pub(crate) struct Store {
    pub(crate) conn: Connection,
    loads: AtomicU64,
}

const SQLITE_HEADER: &[u8] = b"SQLite format 3\0";

impl Store {
    /// Opens (creating if absent) a store. With `key = None` the file is plain SQLite: only the
    /// test helpers use that, to look for erased data in the raw file.
    pub(crate) fn open(location: Location<'_>, key: Option<&StoreKey>) -> Result<Self, StoreError> {
        let conn = match location {
            Location::File(path) => {
                if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                    std::fs::create_dir_all(parent)?;
                }
                if key.is_some() && starts_with_sqlite_header(path)? {
                    return Err(StoreError::Unencrypted);
                }
                Connection::open(path)?
            }
            Location::Memory => Connection::open_in_memory()?,
        };
        // SQLCipher logs a wrong key to stderr; the caller gets a typed error instead.
        conn.execute_batch("PRAGMA cipher_log_level = NONE;")?;
        if let Some(key) = key {
            conn.execute_batch(&key.pragma())?;
            // Page authentication with HMAC-SHA256 rather than SQLCipher's default SHA-512: the
            // phones' and laptops' CPUs have SHA-256 instructions, and every page read or written
            // is authenticated. Part of the store format: set on every open.
            conn.execute_batch("PRAGMA cipher_hmac_algorithm = HMAC_SHA256;")?;
        }
        // The first read authenticates page 1: a wrong key fails here, before anything is written.
        if let Err(e) = conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
            r.get::<_, i64>(0)
        }) {
            return Err(match e.sqlite_error_code() {
                Some(rusqlite::ErrorCode::NotADatabase) if key.is_some() => {
                    StoreError::WrongKeyOrNotAStore
                }
                Some(rusqlite::ErrorCode::NotADatabase | rusqlite::ErrorCode::DatabaseCorrupt) => {
                    StoreError::Corrupt(e.to_string())
                }
                _ => StoreError::Sqlite(e),
            });
        }
        conn.execute_batch(
            "PRAGMA journal_mode = WAL;
             PRAGMA synchronous = FULL;
             PRAGMA secure_delete = ON;
             PRAGMA foreign_keys = ON;
             PRAGMA busy_timeout = 5000;
             PRAGMA temp_store = MEMORY;",
        )?;
        // SQLCipher decrypts and authenticates every page it reads into the cache; a larger
        // cache (8 MiB, grown only as used) keeps the index pages of a meeting-size group warm.
        conn.execute_batch("PRAGMA cache_size = -8192;")?;
        let store = Store {
            conn,
            loads: AtomicU64::new(0),
        };
        store.migrate()?;
        Ok(store)
    }

    fn migrate(&self) -> Result<(), StoreError> {
        let current: i64 = self
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))?;
        let supported = schema::MIGRATIONS.len() as i64;
        if current > supported {
            return Err(StoreError::TooNew {
                found: current,
                supported,
            });
        }
        for (i, sql) in schema::MIGRATIONS.iter().enumerate().skip(current as usize) {
            let tx = self.conn.unchecked_transaction()?;
            tx.execute_batch(sql)?;
            tx.execute_batch(&format!("PRAGMA user_version = {}", i + 1))?;
            tx.commit()?;
        }
        Ok(())
    }

    /// How many documents have been loaded from the store since it was opened.
    pub(crate) fn loads(&self) -> u64 {
        self.loads.load(Ordering::Relaxed)
    }

    /// A value from the meta table.
    /// Re-encrypts every page under `key`. SQLCipher 4 rekeys only a database in rollback-journal
    /// mode, so the WAL is checkpointed away first and WAL mode restored after; a crash in
    /// between leaves the file whole under one key or the other (the rekey is one transaction).
    pub(crate) fn rekey(&self, key: &StoreKey) -> Result<(), StoreError> {
        self.conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        let mode: String = self
            .conn
            .query_row("PRAGMA journal_mode = DELETE", [], |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("delete") {
            return Err(StoreError::Corrupt(format!(
                "the store could not leave WAL mode to change its key (still {mode})"
            )));
        }
        let rekeyed = self.conn.execute_batch(&key.rekey_pragma());
        let restored = self
            .conn
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get::<_, String>(0));
        rekeyed?;
        restored?;
        Ok(())
    }

    pub(crate) fn meta(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()?)
    }

    pub(crate) fn set_meta(&self, key: &str, value: &[u8]) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = ?2",
            params![key, value],
        )?;
        Ok(())
    }

    /// Loads a document's stored chunks (snapshot first, then the increments in order).
    pub(crate) fn load_doc(
        &self,
        group: &GroupId,
        doc: &DocId,
    ) -> Result<Option<StoredDoc>, StoreError> {
        let row: Option<(i64, Vec<u8>)> = self
            .conn
            .prepare_cached("SELECT kind, snapshot FROM docs WHERE group_id = ?1 AND doc_id = ?2")?
            .query_row(params![group.as_bytes(), doc.as_bytes()], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?;
        let Some((kind, snapshot)) = row else {
            return Ok(None);
        };
        let kind = DocKind::from_code(kind)
            .ok_or_else(|| StoreError::Corrupt(format!("unknown document kind {kind}")))?;
        self.loads.fetch_add(1, Ordering::Relaxed);
        let mut chunks = vec![snapshot];
        let mut stmt = self.conn.prepare_cached(
            "SELECT bytes FROM doc_changes WHERE group_id = ?1 AND doc_id = ?2 ORDER BY seq",
        )?;
        let rows = stmt.query_map(params![group.as_bytes(), doc.as_bytes()], |r| {
            r.get::<_, Vec<u8>>(0)
        })?;
        for row in rows {
            chunks.push(row?);
        }
        Ok(Some(StoredDoc { kind, chunks }))
    }

    /// The kind of a stored document, without loading it.
    pub(crate) fn doc_kind(
        &self,
        group: &GroupId,
        doc: &DocId,
    ) -> Result<Option<DocKind>, StoreError> {
        let code: Option<i64> = self
            .conn
            .prepare_cached("SELECT kind FROM docs WHERE group_id = ?1 AND doc_id = ?2")?
            .query_row(params![group.as_bytes(), doc.as_bytes()], |r| r.get(0))
            .optional()?;
        Ok(code.and_then(DocKind::from_code))
    }

    /// Whether a document was erased.
    pub(crate) fn is_tombstoned(&self, group: &GroupId, doc: &DocId) -> Result<bool, StoreError> {
        Ok(self
            .conn
            .prepare_cached("SELECT 1 FROM tombstones WHERE group_id = ?1 AND doc_id = ?2")?
            .query_row(params![group.as_bytes(), doc.as_bytes()], |_| Ok(()))
            .optional()?
            .is_some())
    }
}

fn starts_with_sqlite_header(path: &Path) -> Result<bool, StoreError> {
    use std::io::Read;
    match std::fs::File::open(path) {
        Ok(mut f) => {
            let mut head = [0u8; 16];
            match f.read_exact(&mut head) {
                Ok(()) => Ok(head == SQLITE_HEADER),
                Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => Ok(false),
                Err(e) => Err(e.into()),
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// Heads as stored: the 32-byte hashes concatenated.
pub(crate) fn encode_heads(heads: &[ChangeHash]) -> Vec<u8> {
    heads.iter().flat_map(|h| h.0).collect()
}

/// Writes inside one SQL transaction.
pub(crate) struct Writer<'a> {
    pub(crate) tx: Transaction<'a>,
    pub(crate) group: GroupId,
}

impl Writer<'_> {
    fn key(&self, doc: &DocId) -> [Vec<u8>; 2] {
        [self.group.as_bytes().to_vec(), doc.as_bytes().to_vec()]
    }

    /// Stores a new document whole.
    pub(crate) fn insert_doc(
        &self,
        doc: &DocId,
        kind: DocKind,
        snapshot: &[u8],
        heads: &[ChangeHash],
    ) -> Result<(), StoreError> {
        let [g, d] = self.key(doc);
        self.tx.prepare_cached(
            "INSERT INTO docs (group_id, doc_id, kind, snapshot, heads) VALUES (?1, ?2, ?3, ?4, ?5)",
        )?
        .execute(params![g, d, kind.code(), snapshot, encode_heads(heads)])?;
        Ok(())
    }

    /// Appends changes to a stored document; returns how many increments it now has.
    pub(crate) fn append_changes(
        &self,
        doc: &DocId,
        bytes: &[u8],
        heads: &[ChangeHash],
    ) -> Result<i64, StoreError> {
        let [g, d] = self.key(doc);
        let (seq, increments): (i64, i64) = self
            .tx
            .prepare_cached(
                "UPDATE docs SET next_seq = next_seq + 1, increments = increments + 1, heads = ?3
                 WHERE group_id = ?1 AND doc_id = ?2 RETURNING next_seq - 1, increments",
            )?
            .query_row(params![g, d, encode_heads(heads)], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?;
        self.tx
            .prepare_cached(
                "INSERT INTO doc_changes (group_id, doc_id, seq, bytes) VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![g, d, seq, bytes])?;
        Ok(increments)
    }

    /// Removes every stored byte of a document and its index rows, and leaves a tombstone.
    pub(crate) fn erase_doc(
        &self,
        doc: &DocId,
        kind: DocKind,
        erased_by: &str,
        now_ms: i64,
        signed: Option<&groundwork_proto::signed::SignedErasure>,
    ) -> Result<(), StoreError> {
        let [g, d] = self.key(doc);
        self.tx.execute(
            "DELETE FROM doc_changes WHERE group_id = ?1 AND doc_id = ?2",
            params![g, d],
        )?;
        self.tx.execute(
            "DELETE FROM change_sigs WHERE group_id = ?1 AND doc_id = ?2",
            params![g, d],
        )?;
        self.tx.execute(
            "DELETE FROM docs WHERE group_id = ?1 AND doc_id = ?2",
            params![g, d],
        )?;
        // Where the record was, read from the index before its rows go.
        let (scope_unit, scope_contact): (Option<Vec<u8>>, Option<Vec<u8>>) = match kind {
            DocKind::Contact => (
                self.tx
                    .query_row(
                        "SELECT unit FROM contacts_idx WHERE group_id = ?1 AND contact_id = ?2",
                        params![g, d],
                        |r| r.get(0),
                    )
                    .optional()?
                    .flatten(),
                Some(d.clone()),
            ),
            DocKind::FollowUp => {
                let contact: Option<Vec<u8>> = self
                    .tx
                    .query_row(
                        "SELECT contact_id FROM followups_idx WHERE group_id = ?1 AND followup_id = ?2",
                        params![g, d],
                        |r| r.get(0),
                    )
                    .optional()?
                    .flatten();
                let unit = match &contact {
                    Some(c) => self
                        .tx
                        .query_row(
                            "SELECT unit FROM contacts_idx WHERE group_id = ?1 AND contact_id = ?2",
                            params![g, c],
                            |r| r.get(0),
                        )
                        .optional()?
                        .flatten(),
                    None => None,
                };
                (unit, contact)
            }
            _ => (None, None),
        };
        index::remove(self, doc, kind)?;
        let signature = signed.map(postcard_erasure);
        self.tx.execute(
            "INSERT OR IGNORE INTO tombstones (group_id, doc_id, kind, erased_at, erased_by, signature, scope_unit, scope_contact)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![g, d, kind.code(), now_ms, erased_by, signature, scope_unit, scope_contact],
        )?;
        Ok(())
    }

    /// Removes a document this device may no longer hold (its grant shrank): its bytes and
    /// index rows go, with no tombstone, so it can return if the grant grows again.
    pub(crate) fn purge_doc(&self, doc: &DocId, kind: DocKind) -> Result<(), StoreError> {
        let [g, d] = self.key(doc);
        for sql in [
            "DELETE FROM doc_changes WHERE group_id = ?1 AND doc_id = ?2",
            "DELETE FROM change_sigs WHERE group_id = ?1 AND doc_id = ?2",
            "DELETE FROM docs WHERE group_id = ?1 AND doc_id = ?2",
        ] {
            self.tx.execute(sql, params![g, d])?;
        }
        index::remove(self, doc, kind)
    }

    /// Stores the signature of a change.
    pub(crate) fn put_signature(
        &self,
        doc: &DocId,
        hash: &[u8; 32],
        signature: &[u8],
    ) -> Result<(), StoreError> {
        let [g, d] = self.key(doc);
        self.tx
            .prepare_cached("INSERT OR IGNORE INTO change_sigs (group_id, doc_id, hash, signature) VALUES (?1, ?2, ?3, ?4)")?
            .execute(params![g, d, hash, signature])?;
        Ok(())
    }
}

/// Replaces a document's snapshot and increments with one compacted snapshot. Only the
/// increments read for the snapshot (`seq < upto`, `increments` of them) are removed; any appended
/// meanwhile stay. If some of those increments are gone (another compaction or an erasure got
/// there first), nothing is written.
pub(crate) fn compact(
    conn: &mut Connection,
    group: &GroupId,
    doc: &DocId,
    snapshot: &[u8],
    upto: i64,
    increments: i64,
) -> Result<(), StoreError> {
    let tx = conn.transaction()?;
    let still_there: i64 = tx.query_row(
        "SELECT count(*) FROM doc_changes WHERE group_id = ?1 AND doc_id = ?2 AND seq < ?3",
        params![group.as_bytes(), doc.as_bytes(), upto],
        |r| r.get(0),
    )?;
    if still_there != increments {
        return Ok(());
    }
    let n = tx.execute(
        "DELETE FROM doc_changes WHERE group_id = ?1 AND doc_id = ?2 AND seq < ?3",
        params![group.as_bytes(), doc.as_bytes(), upto],
    )?;
    tx.execute(
        "UPDATE docs SET snapshot = ?3, increments = increments - ?4 WHERE group_id = ?1 AND doc_id = ?2",
        params![group.as_bytes(), doc.as_bytes(), snapshot, n as i64],
    )?;
    tx.commit()?;
    Ok(())
}

/// A signed erasure as stored in the tombstone row.
fn postcard_erasure(s: &groundwork_proto::signed::SignedErasure) -> Vec<u8> {
    serde_json::to_vec(s).unwrap_or_default()
}

/// Reads back a stored signed erasure.
pub(crate) fn decode_erasure(bytes: &[u8]) -> Option<groundwork_proto::signed::SignedErasure> {
    serde_json::from_slice(bytes).ok()
}
