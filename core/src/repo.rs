//! The device's store of groups: opening, identity, the document cache and compaction.

use std::collections::HashMap;
use std::path::Path;
use std::sync::mpsc;
use std::sync::{Arc, Mutex, MutexGuard, Weak};

use automerge::{ActorId, AutoCommit};
use rusqlite::params;
use tokio::sync::broadcast;

use crate::doc::{self, DocKind};
use crate::error::{Error, Result, StoreError};
use crate::events::RecordEvent;
use crate::group::Group;
use crate::ids::{DocId, GroupId};
use crate::membership::{self, Logs};
use crate::store::{self, Location, Store, StoreKey};
use groundwork_proto::membership::{DeviceId, MembershipLog};

/// How many loaded documents stay in memory for quick edits.
const CACHE_DOCS: usize = 64;
/// A document with this many increments is folded into one snapshot in the background.
pub(crate) const COMPACT_AFTER: i64 = 32;

/// What a store holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct StoreStats {
    pub groups: u64,
    pub documents: u64,
    /// Changes appended since the documents' snapshots (compaction folds them in).
    pub increments: u64,
    pub tombstones: u64,
}

/// This device: its key (its id on the network and its Automerge actor id) and its store of groups.
///
/// `Repo` is a cheap handle (an `Arc`); clone it freely. Calls block on SQLite: from async code,
/// call them in `spawn_blocking`.
#[derive(Clone)]
pub struct Repo {
    pub(crate) inner: Arc<RepoInner>,
}

pub(crate) struct RepoInner {
    pub(crate) state: Mutex<State>,
    pub(crate) events: broadcast::Sender<RecordEvent>,
    pub(crate) actor: ActorId,
    device_key: iroh_base::SecretKey,
    compaction: Mutex<Option<mpsc::Sender<(GroupId, DocId)>>>,
    /// Held while the store is open: one process at a time (each keeps its own document cache).
    lock_file: Mutex<Option<std::fs::File>>,
}

pub(crate) struct State {
    pub(crate) store: Store,
    pub(crate) cache: DocCache,
    pub(crate) logs: Logs,
}

/// A small cache of loaded documents, least recently used out first.
pub(crate) struct DocCache {
    docs: HashMap<(GroupId, DocId), (AutoCommit, u64)>,
    tick: u64,
    capacity: usize,
}

impl DocCache {
    fn new(capacity: usize) -> Self {
        Self {
            docs: HashMap::new(),
            tick: 0,
            capacity,
        }
    }
    pub(crate) fn take(&mut self, key: &(GroupId, DocId)) -> Option<AutoCommit> {
        self.docs.remove(key).map(|(d, _)| d)
    }
    pub(crate) fn put(&mut self, key: (GroupId, DocId), doc: AutoCommit) {
        if self.capacity == 0 {
            return;
        }
        self.tick += 1;
        let full = self.docs.len() >= self.capacity && !self.docs.contains_key(&key);
        let oldest = full
            .then(|| {
                self.docs
                    .iter()
                    .min_by_key(|(_, (_, t))| *t)
                    .map(|(k, _)| *k)
            })
            .flatten();
        if let Some(oldest) = oldest {
            self.docs.remove(&oldest);
        }
        self.docs.insert(key, (doc, self.tick));
    }
    pub(crate) fn evict(&mut self, key: &(GroupId, DocId)) {
        self.docs.remove(key);
    }
    fn forget_group(&mut self, group: &GroupId) {
        self.docs.retain(|(g, _), _| g != group);
    }
}

impl Repo {
    /// Opens the encrypted store at `path`, creating it if absent.
    pub fn open(path: impl AsRef<Path>, key: &StoreKey) -> Result<Self, StoreError> {
        let lock = lock_store(path.as_ref())?;
        let repo = Self::from_store(Store::open(Location::File(path.as_ref()), Some(key))?)?;
        *repo
            .inner
            .lock_file
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = Some(lock);
        Ok(repo)
    }

    /// An unencrypted store file. Only for tests that search the raw file for erased data.
    #[cfg(any(test, feature = "test-utils"))]
    pub fn open_unencrypted_for_tests(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        let lock = lock_store(path.as_ref())?;
        let repo = Self::from_store(Store::open(Location::File(path.as_ref()), None)?)?;
        *repo
            .inner
            .lock_file
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = Some(lock);
        Ok(repo)
    }

    /// A store in memory, gone when dropped. For tests.
    #[cfg(any(test, feature = "test-utils"))]
    pub fn open_in_memory() -> Result<Self, StoreError> {
        Self::from_store(Store::open(Location::Memory, None)?)
    }

    fn from_store(store: Store) -> Result<Self, StoreError> {
        let device_key = match store.meta("device_secret_key")? {
            Some(bytes) => {
                let arr: [u8; 32] = bytes
                    .as_slice()
                    .try_into()
                    .map_err(|_| StoreError::Corrupt("device key has the wrong length".into()))?;
                iroh_base::SecretKey::from_bytes(&arr)
            }
            None => {
                let key = iroh_base::SecretKey::generate();
                store.set_meta("device_secret_key", &key.to_bytes())?;
                key
            }
        };
        let actor = ActorId::from(device_key.public().as_bytes().as_slice());
        crate::batch::rebuild_index_if_asked(&store, &actor)?;
        let (events, _) = broadcast::channel(1024);
        let inner = Arc::new(RepoInner {
            state: Mutex::new(State {
                store,
                cache: DocCache::new(CACHE_DOCS),
                logs: Logs::default(),
            }),
            events,
            actor,
            device_key,
            compaction: Mutex::new(None),
            lock_file: Mutex::new(None),
        });
        let (tx, rx) = mpsc::channel();
        let weak = Arc::downgrade(&inner);
        std::thread::Builder::new()
            .name("groundwork-compaction".into())
            .spawn(move || compaction_worker(weak, rx))?;
        *inner.compaction.lock().unwrap_or_else(|p| p.into_inner()) = Some(tx);
        Ok(Repo { inner })
    }

    /// This device's public key, hex: its id to other devices and its Automerge actor id.
    pub fn device_id(&self) -> String {
        self.inner.actor.to_hex_string()
    }

    /// This device's id in membership operations.
    pub fn device(&self) -> DeviceId {
        DeviceId::from_key(&self.inner.device_key.public())
    }

    /// This device's fingerprint, for people to compare when one device admits another.
    pub fn fingerprint(&self) -> String {
        groundwork_proto::fingerprint::fingerprint(&self.inner.device_key.public())
    }

    /// This device's secret key (for the network endpoint).
    pub fn device_key(&self) -> &iroh_base::SecretKey {
        &self.inner.device_key
    }

    /// Creates a group: signs its membership log's first operation (which makes this device
    /// its first admin and defines the group's id) and creates its settings document.
    pub fn create_group(&self, name: &str) -> Result<Group> {
        let name = crate::model::validate::required("group name", name)?;
        let log = MembershipLog::create(
            &name,
            &self.inner.device_key,
            chrono::Utc::now().timestamp_millis(),
        )
        .map_err(|e| Error::Permission(e.to_string()))?;
        let id = GroupId::from_slice(&log.group_id())?;
        {
            let mut state = self.lock();
            let state = &mut *state;
            let tx = state.store.conn.unchecked_transaction()?;
            tx.execute(
                "INSERT INTO groups (group_id, name, created_at) VALUES (?1, ?2, ?3)",
                params![id.as_bytes(), name, chrono::Utc::now().timestamp_millis()],
            )?;
            membership::store_ops(&tx, &id, log.ops())?;
            tx.commit()?;
            state.logs.insert(id, log);
        }
        let group = Group::new(self.clone(), id);
        group.create_settings(&name)?;
        Ok(group)
    }

    /// Joins a group from its membership operations (as an invite hands them over). This device
    /// must be among its members. The records arrive by sync.
    pub fn join_group(&self, ops: &[Vec<u8>]) -> Result<Group> {
        let log = membership::build(membership::decode_all(ops)?)?;
        if !log.state().is_member(&self.device()) {
            return Err(Error::Permission(
                "this device is not a member of that group".into(),
            ));
        }
        let id = GroupId::from_slice(&log.group_id())?;
        let mut state = self.lock();
        let state = &mut *state;
        let tx = state.store.conn.unchecked_transaction()?;
        tx.execute(
            "INSERT OR IGNORE INTO groups (group_id, name, created_at) VALUES (?1, ?2, ?3)",
            params![
                id.as_bytes(),
                log.state().name,
                chrono::Utc::now().timestamp_millis()
            ],
        )?;
        membership::store_ops(&tx, &id, log.ops())?;
        tx.commit()?;
        state.logs.forget(&id);
        Ok(Group::new(self.clone(), id))
    }

    /// Deletes everything this device holds of a group: records, index, membership, addresses,
    /// signatures. Every table keyed by group is emptied of it in one transaction (with
    /// `secure_delete` on, the freed pages are zeroed). Not an erasure: the other members keep
    /// their copies. Used when this device learns it was removed.
    pub fn forget_group(&self, id: GroupId) -> Result<()> {
        let mut state = self.lock();
        let state = &mut *state;
        let tables: Vec<String> = {
            let mut stmt = state.store.conn.prepare(
                "SELECT m.name FROM sqlite_master m, pragma_table_info(m.name) c
                 WHERE m.type = 'table' AND c.name = 'group_id' ORDER BY m.name",
            )?;
            let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
            rows.collect::<Result<_, _>>()?
        };
        let tx = state.store.conn.unchecked_transaction()?;
        for table in &tables {
            // Table names come from the schema, not from input.
            tx.execute(
                &format!("DELETE FROM \"{table}\" WHERE group_id = ?1"),
                [id.as_bytes()],
            )?;
        }
        tx.commit()?;
        state.cache.forget_group(&id);
        state.logs.forget(&id);
        Ok(())
    }

    /// The groups on this device: (id, name).
    pub fn groups(&self) -> Result<Vec<(GroupId, String)>> {
        let state = self.lock();
        let mut stmt = state
            .store
            .conn
            .prepare("SELECT group_id, name FROM groups ORDER BY created_at, name")?;
        let rows = stmt.query_map([], |r| {
            Ok((r.get::<_, Vec<u8>>(0)?, r.get::<_, String>(1)?))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, name) = row?;
            out.push((GroupId::from_slice(&id)?, name));
        }
        Ok(out)
    }

    /// A handle on one group.
    pub fn group(&self, id: GroupId) -> Result<Group> {
        let state = self.lock();
        let found = state
            .store
            .conn
            .query_row(
                "SELECT 1 FROM groups WHERE group_id = ?1",
                [id.as_bytes()],
                |_| Ok(()),
            )
            .is_ok();
        drop(state);
        if !found {
            return Err(Error::NoSuchGroup(id.to_string()));
        }
        Ok(Group::new(self.clone(), id))
    }

    /// Counts of what the store holds, across groups.
    pub fn stats(&self) -> Result<StoreStats> {
        let state = self.lock();
        let c = &state.store.conn;
        let count = |sql: &str| -> Result<u64> {
            Ok(c.query_row(sql, [], |r| r.get::<_, i64>(0))?.max(0) as u64)
        };
        Ok(StoreStats {
            groups: count("SELECT count(*) FROM groups")?,
            documents: count("SELECT count(*) FROM docs")?,
            increments: count("SELECT count(*) FROM doc_changes")?,
            tombstones: count("SELECT count(*) FROM tombstones")?,
        })
    }

    /// How many documents were loaded from the store since it was opened (queries load none).
    pub fn document_loads(&self) -> u64 {
        self.lock().store.loads()
    }

    /// Folds every document's increments into a snapshot now (the background job does this
    /// gradually). Returns how many documents were compacted.
    pub fn compact_all(&self) -> Result<usize> {
        let pending: Vec<(Vec<u8>, Vec<u8>)> = {
            let state = self.lock();
            let mut stmt = state
                .store
                .conn
                .prepare("SELECT group_id, doc_id FROM docs WHERE increments > 0")?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
            rows.collect::<Result<_, _>>()?
        };
        for (g, d) in &pending {
            self.compact(&GroupId::from_slice(g)?, &DocId::from_slice(d)?)?;
        }
        Ok(pending.len())
    }

    /// Folds one document's increments into its snapshot.
    pub(crate) fn compact(&self, group: &GroupId, doc_id: &DocId) -> Result<()> {
        // Read under the lock, rebuild the snapshot without it (so edits are not held up by
        // Automerge's work), then write under the lock if nothing was folded meanwhile.
        let (upto, stored) = {
            let state = self.lock();
            let upto: Option<i64> = state
                .store
                .conn
                .query_row(
                    "SELECT next_seq FROM docs WHERE group_id = ?1 AND doc_id = ?2",
                    params![group.as_bytes(), doc_id.as_bytes()],
                    |r| r.get(0),
                )
                .ok();
            let Some(upto) = upto else { return Ok(()) };
            let Some(stored) = state.store.load_doc(group, doc_id)? else {
                return Ok(());
            };
            (upto, stored)
        };
        let increments = stored.chunks.len().saturating_sub(1) as i64;
        let mut doc = doc::load_document(&doc_id.to_string(), &stored.chunks, &self.inner.actor)?;
        let snapshot = doc.save();
        let mut state = self.lock();
        store::compact(
            &mut state.store.conn,
            group,
            doc_id,
            &snapshot,
            upto,
            increments,
        )?;
        Ok(())
    }

    /// Re-encrypts the store under a new key (the old one no longer opens it). For a phone whose
    /// keystore entry is replaced: store the new key first, call this, then drop the old one.
    /// A store opened without encryption (tests) cannot be given a key this way.
    pub fn change_key(&self, key: &StoreKey) -> Result<(), StoreError> {
        let state = self.lock();
        state.store.rekey(key)
    }

    /// Destroys this device's store: every group, record and the device's own key. The file's
    /// first page (which holds the salt the encryption key is stretched with) is overwritten and
    /// synced, then the file, its WAL and its lock are deleted. Whatever still holds this repo
    /// (a group handle, a stopped node) sees an empty store that refuses writes.
    ///
    /// On flash storage an overwrite is not a guarantee: the store's key is. The app must delete
    /// the key from the platform keystore too; then no copy of the file can be read.
    pub fn wipe(&self) -> Result<(), StoreError> {
        let mut state = self.lock();
        let path = state
            .store
            .conn
            .path()
            .filter(|p| !p.is_empty())
            .map(std::path::PathBuf::from);
        let emptied = Store::open(Location::Memory, None)?;
        emptied.conn.execute_batch("PRAGMA query_only = ON;")?;
        drop(std::mem::replace(&mut state.store, emptied));
        state.cache = DocCache::new(CACHE_DOCS);
        state.logs = Logs::default();
        let Some(path) = path else {
            return Ok(());
        };
        overwrite_first_page(&path)?;
        for suffix in ["", "-wal", "-shm", "-journal"] {
            let mut file = path.as_os_str().to_owned();
            file.push(suffix);
            match std::fs::remove_file(&file) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e.into()),
                _ => {}
            }
        }
        drop(
            self.inner
                .lock_file
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .take(),
        );
        let mut lock = path.into_os_string();
        lock.push(".lock");
        let _ = std::fs::remove_file(lock);
        Ok(())
    }

    /// Checkpoints the WAL into the database file and truncates it.
    pub fn checkpoint(&self) -> Result<()> {
        let state = self.lock();
        state
            .store
            .conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        Ok(())
    }

    /// The durability settings in force: (journal mode, synchronous level, secure_delete).
    pub fn durability(&self) -> Result<(String, i64, bool)> {
        let state = self.lock();
        let c = &state.store.conn;
        let mode: String = c.query_row("PRAGMA journal_mode", [], |r| r.get(0))?;
        let sync: i64 = c.query_row("PRAGMA synchronous", [], |r| r.get(0))?;
        let secure: i64 = c.query_row("PRAGMA secure_delete", [], |r| r.get(0))?;
        Ok((mode, sync, secure != 0))
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock leaves the SQL connection consistent (transactions roll
        // back on drop) and the cache only holds committed documents, so the state is usable.
        self.inner.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn request_compaction(&self, group: GroupId, doc: DocId) {
        if let Some(tx) = self
            .inner
            .compaction
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
        {
            let _ = tx.send((group, doc));
        }
    }

    /// The kind of a stored document, or `None`.
    pub(crate) fn kind_of(&self, group: &GroupId, doc: &DocId) -> Result<Option<DocKind>> {
        Ok(self.lock().store.doc_kind(group, doc)?)
    }
}

/// Zeroes a store file's first page (its salt and header) and syncs it.
fn overwrite_first_page(path: &Path) -> Result<(), StoreError> {
    use std::io::Write;
    let mut file = match std::fs::OpenOptions::new().write(true).open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e.into()),
    };
    let len = file.metadata()?.len().min(4096) as usize;
    file.write_all(&vec![0; len])?;
    file.sync_all()?;
    Ok(())
}

/// Takes the store's lock file (`<store>.lock`), or says the store is in use.
pub(crate) fn lock_store(path: &Path) -> Result<std::fs::File, StoreError> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    let mut lock_path = path.as_os_str().to_owned();
    lock_path.push(".lock");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(lock_path)?;
    // A store just closed in this process may still be finishing a background compaction:
    // give it a moment before calling the store busy.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(2);
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(file),
            Err(std::fs::TryLockError::WouldBlock) if std::time::Instant::now() < deadline => {
                std::thread::sleep(std::time::Duration::from_millis(25));
            }
            Err(std::fs::TryLockError::WouldBlock) => return Err(StoreError::InUse),
            Err(std::fs::TryLockError::Error(e)) => return Err(e.into()),
        }
    }
}

/// Compacts documents as writes report them; ends when the repo is dropped.
fn compaction_worker(repo: Weak<RepoInner>, rx: mpsc::Receiver<(GroupId, DocId)>) {
    while let Ok((group, doc)) = rx.recv() {
        let Some(inner) = repo.upgrade() else { return };
        let repo = Repo { inner };
        if let Err(e) = repo.compact(&group, &doc) {
            tracing::warn!(%doc, error = %e, "compaction failed; the increments stay");
        }
    }
}

impl Drop for RepoInner {
    fn drop(&mut self) {
        // Closing the channel stops the compaction thread.
        self.compaction.get_mut().map(|c| c.take()).ok();
    }
}
