//! Encrypted backups of a whole store: every group, the device key, every document's full
//! Automerge history, signatures, tombstones and the index, taken while the store is open.
//!
//! A backup is the store as SQLCipher wrote it, still encrypted with the store's own key, in a
//! small container that says what it is and proves it arrived whole:
//!
//! ```text
//! "GWBACKUP"                   8 bytes, the magic
//! format version               u32, little-endian (1)
//! note length, note            u32 LE (at most 64 KiB), then that many bytes: the caller's,
//!                              not secret (the CLI keeps its Argon2id salt and cost here, so
//!                              the store's passphrase opens the backup)
//! database length, database    u64 LE, then the SQLCipher file (encrypted with the store key)
//! BLAKE3 of all the above      32 bytes
//! ```
//!
//! The copy is made with `sqlcipher_export` into a database attached without a key clause, which
//! SQLCipher encrypts with the main database's key (the HMAC algorithm is set on it as on the
//! store: an attached database does not inherit it); it runs as one statement,
//! so it reads one consistent snapshot, and the repo's lock keeps writers out meanwhile. Nothing
//! is ever written unencrypted.
//!
//! Restoring ([`restore_backup`]) checks the container, then opens the database with the key
//! before the store appears at its path: a truncated file, a foreign file and a wrong key each
//! give their own [`BackupError`] and leave nothing behind. Because ids, the device key and the
//! history are the originals, the restored device syncs with the group's other devices as the
//! device it was, and nothing is duplicated. It must replace the lost device, not run beside it:
//! two live stores with one device key would both write as the same Automerge actor.

use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use crate::error::StoreError;
use crate::repo::Repo;
use crate::store::{Location, Store, StoreKey};

const MAGIC: &[u8; 8] = b"GWBACKUP";
/// The container format this version writes and reads.
pub const BACKUP_FORMAT: u32 = 1;
/// The largest note a backup carries.
pub const MAX_BACKUP_NOTE: usize = 64 << 10;
const HASH_LEN: u64 = 32;

/// Why a backup could not be made or restored. A failed restore leaves no file at the target.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BackupError {
    /// The file does not start like a Groundwork backup.
    #[error("not a Groundwork backup")]
    NotABackup,
    /// A backup from a newer Groundwork.
    #[error("backup format {found}; this Groundwork reads format {BACKUP_FORMAT}")]
    UnsupportedFormat { found: u32 },
    /// The file ends before the backup does (an interrupted copy).
    #[error("the backup is truncated: it ends before its {missing}")]
    Truncated { missing: &'static str },
    /// The file is whole but its content does not match its checksum, or has extra bytes.
    #[error("the backup is damaged: {0}")]
    Damaged(String),
    /// The key does not open the database inside the backup.
    #[error("the backup cannot be opened with this key")]
    WrongKey,
    /// A store (or a backup) is already at the target and replacing it was not asked for.
    #[error("{} already exists", .0.display())]
    TargetExists(PathBuf),
    /// The store could not be read or the restored one opened.
    #[error(transparent)]
    Store(StoreError),
    /// Reading or writing a file failed.
    #[error("file error: {0}")]
    Io(#[from] io::Error),
}

impl From<StoreError> for BackupError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Io(e) => BackupError::Io(e),
            other => BackupError::Store(other),
        }
    }
}

impl From<rusqlite::Error> for BackupError {
    fn from(e: rusqlite::Error) -> Self {
        BackupError::Store(StoreError::Sqlite(e))
    }
}

/// What a backup holds, as reported after making or restoring it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct BackupSummary {
    /// Bytes of the backup file.
    pub bytes: u64,
    /// Groups in the store.
    pub groups: u64,
    /// Documents (records) in the store.
    pub documents: u64,
    /// The device id (hex) the store belongs to.
    pub device_id: String,
}

impl Repo {
    /// Writes an encrypted backup of the whole store to `out`, replacing any file there only once
    /// the new one is complete. `note` travels in the clear (see the module docs).
    pub fn create_backup(&self, out: &Path, note: &[u8]) -> Result<BackupSummary, BackupError> {
        if note.len() > MAX_BACKUP_NOTE {
            return Err(BackupError::Damaged(format!(
                "the note is {} bytes, at most {MAX_BACKUP_NOTE}",
                note.len()
            )));
        }
        let db_tmp = sibling(out, ".export-tmp");
        remove_if_present(&db_tmp)?;
        let exported = self.export_database(&db_tmp);
        let written = exported.and_then(|()| {
            let tmp = sibling(out, ".tmp");
            let bytes = write_container(&db_tmp, note, &tmp)?;
            std::fs::rename(&tmp, out)?;
            sync_parent(out);
            Ok(bytes)
        });
        remove_if_present(&db_tmp)?;
        let bytes = written?;
        let stats = self
            .stats()
            .map_err(|e| BackupError::Damaged(e.to_string()))?;
        Ok(BackupSummary {
            bytes,
            groups: stats.groups,
            documents: stats.documents,
            device_id: self.device_id(),
        })
    }

    /// Copies the open store, encrypted with its own key, to a new database file at `to`.
    fn export_database(&self, to: &Path) -> Result<(), BackupError> {
        let state = self.lock();
        let conn = &state.store.conn;
        let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        let path = to
            .to_str()
            .ok_or_else(|| io::Error::other("the backup path is not valid UTF-8"))?;
        // No KEY clause: SQLCipher gives the attached database the main database's key, so the
        // copy is never plaintext.
        conn.execute("ATTACH DATABASE ?1 AS backup", [path])?;
        // The key is inherited, the page authentication is not: set it as `Store::open` does.
        let copied = conn
            .execute_batch("PRAGMA backup.cipher_hmac_algorithm = HMAC_SHA256;")
            .and_then(|()| conn.query_row("SELECT sqlcipher_export('backup')", [], |_| Ok(())))
            .and_then(|()| conn.execute_batch(&format!("PRAGMA backup.user_version = {version}")));
        let detached = conn.execute_batch("DETACH DATABASE backup");
        copied?;
        detached?;
        Ok(())
    }
}

/// Restores the backup at `backup` as a store at `to`. Refuses if a store is at `to` unless
/// `replace`; the store at `to` must not be open. The database is checked with `key` before it
/// takes the store's place.
pub fn restore_backup(
    backup: &Path,
    to: &Path,
    key: &StoreKey,
    replace: bool,
) -> Result<BackupSummary, BackupError> {
    if !replace && to.exists() {
        return Err(BackupError::TargetExists(to.to_owned()));
    }
    if let Some(parent) = to.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    let tmp = sibling(to, ".restoring");
    for leftover in [&tmp, &sibling(&tmp, "-wal"), &sibling(&tmp, "-shm")] {
        remove_if_present(leftover)?;
    }
    let result = unpack_and_check(backup, &tmp, key);
    let summary = match result {
        Ok(s) => s,
        Err(e) => {
            let _ = remove_if_present(&tmp);
            return Err(e);
        }
    };
    let placed = put_in_place(&tmp, to, replace);
    if placed.is_err() {
        let _ = remove_if_present(&tmp);
    }
    placed.map(|()| summary)
}

/// Renames the checked database to `to`, once no one has a store open there.
fn put_in_place(tmp: &Path, to: &Path, replace: bool) -> Result<(), BackupError> {
    // The store at `to` must be closed; its lock says whether someone has it open.
    let _lock = crate::repo::lock_store(to)?;
    if !replace && to.exists() {
        return Err(BackupError::TargetExists(to.to_owned()));
    }
    // A replaced store's WAL must not be replayed into the restored one.
    for stale in [sibling(to, "-wal"), sibling(to, "-shm")] {
        remove_if_present(&stale)?;
    }
    std::fs::rename(tmp, to)?;
    sync_parent(to);
    Ok(())
}

/// The note a backup carries, read from its header (to derive the key before restoring).
pub fn read_backup_note(backup: &Path) -> Result<Vec<u8>, BackupError> {
    let mut r = BufReader::new(File::open(backup)?);
    Ok(read_header(&mut r)?.note)
}

struct Header {
    note: Vec<u8>,
    db_len: u64,
}

fn read_header(r: &mut impl Read) -> Result<Header, BackupError> {
    let mut magic = [0u8; 8];
    read_part(r, &mut magic, "header")?;
    if &magic != MAGIC {
        return Err(BackupError::NotABackup);
    }
    let mut word = [0u8; 4];
    read_part(r, &mut word, "header")?;
    let format = u32::from_le_bytes(word);
    if format != BACKUP_FORMAT {
        return Err(BackupError::UnsupportedFormat { found: format });
    }
    read_part(r, &mut word, "header")?;
    let note_len = u32::from_le_bytes(word) as usize;
    if note_len > MAX_BACKUP_NOTE {
        return Err(BackupError::Damaged(format!(
            "the note claims {note_len} bytes, at most {MAX_BACKUP_NOTE}"
        )));
    }
    let mut note = vec![0u8; note_len];
    read_part(r, &mut note, "header")?;
    let mut len = [0u8; 8];
    read_part(r, &mut len, "header")?;
    Ok(Header {
        note,
        db_len: u64::from_le_bytes(len),
    })
}

fn read_part(r: &mut impl Read, buf: &mut [u8], part: &'static str) -> Result<(), BackupError> {
    r.read_exact(buf).map_err(|e| match e.kind() {
        io::ErrorKind::UnexpectedEof => BackupError::Truncated { missing: part },
        _ => BackupError::Io(e),
    })
}

/// Writes the container around the exported database; returns its size.
fn write_container(db: &Path, note: &[u8], out: &Path) -> Result<u64, BackupError> {
    let db_len = std::fs::metadata(db)?.len();
    let mut w = HashingWriter {
        inner: BufWriter::new(File::create(out)?),
        hasher: blake3::Hasher::new(),
        written: 0,
    };
    w.write_all(MAGIC)?;
    w.write_all(&BACKUP_FORMAT.to_le_bytes())?;
    w.write_all(&(note.len() as u32).to_le_bytes())?;
    w.write_all(note)?;
    w.write_all(&db_len.to_le_bytes())?;
    let copied = io::copy(&mut File::open(db)?, &mut w)?;
    if copied != db_len {
        return Err(BackupError::Damaged(
            "the exported database changed size".into(),
        ));
    }
    let hash = w.hasher.finalize();
    let mut inner = w.inner;
    inner.write_all(hash.as_bytes())?;
    let file = inner.into_inner().map_err(|e| e.into_error())?;
    file.sync_all()?;
    Ok(w.written + HASH_LEN)
}

/// Unpacks the database into `tmp`, checks the checksum and opens it with the key.
fn unpack_and_check(
    backup: &Path,
    tmp: &Path,
    key: &StoreKey,
) -> Result<BackupSummary, BackupError> {
    let file = File::open(backup)?;
    let total = file.metadata()?.len();
    let mut r = HashingReader {
        inner: BufReader::new(file),
        hasher: blake3::Hasher::new(),
    };
    let header = read_header(&mut r)?;
    let header_len = 8 + 4 + 4 + header.note.len() as u64 + 8;
    let expected = header_len
        .checked_add(header.db_len)
        .and_then(|n| n.checked_add(HASH_LEN));
    match expected {
        Some(n) if n == total => {}
        Some(n) if n > total => {
            return Err(BackupError::Truncated {
                missing: if total >= header_len + header.db_len {
                    "checksum"
                } else {
                    "database"
                },
            });
        }
        _ => {
            return Err(BackupError::Damaged(
                "the file is longer than the backup it holds".into(),
            ));
        }
    }
    {
        let mut out = BufWriter::new(File::create(tmp)?);
        let copied = io::copy(&mut (&mut r).take(header.db_len), &mut out)?;
        if copied != header.db_len {
            return Err(BackupError::Truncated {
                missing: "database",
            });
        }
        out.into_inner().map_err(|e| e.into_error())?.sync_all()?;
    }
    let computed = r.hasher.finalize();
    let mut stored = [0u8; HASH_LEN as usize];
    read_part(&mut r.inner, &mut stored, "checksum")?;
    if computed.as_bytes() != &stored {
        return Err(BackupError::Damaged("its checksum does not match".into()));
    }
    let store = Store::open(Location::File(tmp), Some(key)).map_err(|e| match e {
        StoreError::WrongKeyOrNotAStore => BackupError::WrongKey,
        other => BackupError::from(other),
    })?;
    let check: String = store
        .conn
        .query_row("PRAGMA quick_check", [], |r| r.get(0))?;
    if check != "ok" {
        return Err(BackupError::Damaged(format!(
            "the database fails its check: {check}"
        )));
    }
    let count = |sql: &str| -> Result<u64, BackupError> {
        Ok(store.conn.query_row(sql, [], |r| r.get::<_, i64>(0))? as u64)
    };
    let groups = count("SELECT count(*) FROM groups")?;
    let documents = count("SELECT count(*) FROM docs")?;
    let device_key = store
        .meta("device_secret_key")?
        .ok_or_else(|| BackupError::Damaged("the store holds no device key".into()))?;
    let device_key: [u8; 32] = device_key
        .as_slice()
        .try_into()
        .map_err(|_| BackupError::Damaged("the device key has the wrong length".into()))?;
    let device_id = hex::encode(
        iroh_base::SecretKey::from_bytes(&device_key)
            .public()
            .as_bytes(),
    );
    // Fold the WAL back so the file alone is the store when it is renamed into place.
    store
        .conn
        .execute_batch("PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode = DELETE;")?;
    drop(store);
    Ok(BackupSummary {
        bytes: total,
        groups,
        documents,
        device_id,
    })
}

struct HashingWriter<W> {
    inner: W,
    hasher: blake3::Hasher,
    written: u64,
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.written += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

struct HashingReader<R> {
    inner: R,
    hasher: blake3::Hasher,
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }
}

/// `path` with `suffix` appended to its file name.
fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

fn remove_if_present(path: &Path) -> io::Result<()> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

/// Makes a rename durable; best effort, as not every platform can open a directory.
fn sync_parent(path: &Path) {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty())
        && let Ok(dir) = File::open(parent)
    {
        let _ = dir.sync_all();
    }
}

#[cfg(test)]
mod tests;
