//! Opening and creating the encrypted store: the passphrase, the Argon2id key derivation and the
//! `<store>.kdf` file that keeps its salt and cost beside the store.

use std::ffi::OsString;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use argon2::{Algorithm, Argon2, Params, Version};
use groundwork_core::{Repo, StoreKey};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::error::{CliError, Result};
use crate::output::note;

/// The environment variable that holds the passphrase (otherwise it is asked for).
pub(crate) const PASSPHRASE_ENV: &str = "GROUNDWORK_PASSPHRASE";
/// The passphrase of stores the demo creates when none is given.
pub(crate) const DEMO_PASSPHRASE: &str = "demo";

/// Argon2id cost for new stores: 64 MiB, 3 passes, 1 lane.
const M_KIB: u32 = 64 * 1024;
const T_COST: u32 = 3;
const P_COST: u32 = 1;
const SALT_LEN: usize = 16;

/// The key-derivation parameters stored in `<store>.kdf`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct KdfFile {
    pub(crate) kdf: String,
    pub(crate) m_kib: u32,
    pub(crate) t: u32,
    pub(crate) p: u32,
    /// Hex.
    pub(crate) salt: String,
}

impl KdfFile {
    fn fresh() -> Self {
        let salt: [u8; SALT_LEN] = rand::random();
        Self {
            kdf: "argon2id".into(),
            m_kib: M_KIB,
            t: T_COST,
            p: P_COST,
            salt: hex::encode(salt),
        }
    }

    /// Derives the 32-byte store key from a passphrase.
    fn derive(&self, passphrase: &[u8]) -> Result<StoreKey> {
        let damaged = |why: String| {
            CliError::user(format!("the key-derivation file is not usable: {why}"))
                .hint("restore <store>.kdf from where the store came from")
        };
        if self.kdf != "argon2id" {
            return Err(damaged(format!("unknown method `{}`", self.kdf)));
        }
        // Bounds so a tampered file cannot make us allocate without limit.
        if self.m_kib > 4 * 1024 * 1024 || self.t > 64 || self.p > 64 {
            return Err(damaged("the cost parameters are out of range".into()));
        }
        let salt = hex::decode(&self.salt).map_err(|_| damaged("the salt is not hex".into()))?;
        if !(8..=64).contains(&salt.len()) {
            return Err(damaged("the salt has the wrong length".into()));
        }
        let params = Params::new(self.m_kib, self.t, self.p, Some(32))
            .map_err(|e| damaged(format!("bad parameters: {e}")))?;
        let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
        let mut key = Zeroizing::new([0u8; 32]);
        argon
            .hash_password_into(passphrase, &salt, key.as_mut())
            .map_err(|e| CliError::failure(format!("key derivation failed: {e}")))?;
        Ok(StoreKey::from_bytes(key.as_ref())?)
    }
}

/// `<store>.kdf`.
pub(crate) fn kdf_path(store: &Path) -> PathBuf {
    let mut s: OsString = store.as_os_str().to_owned();
    s.push(".kdf");
    PathBuf::from(s)
}

/// Whether a store file exists at `path` (an unreadable folder is an error, not "no").
pub(crate) fn store_exists(path: &Path) -> Result<bool> {
    match fs::metadata(path) {
        Ok(m) if m.is_dir() => Err(CliError::user(format!(
            "{} is a folder, not a store file",
            path.display()
        ))
        .hint("give the path of the store file itself, e.g. …/groundwork/store.db")),
        Ok(_) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(CliError::failure(format!(
            "cannot look at {}: {e}",
            path.display()
        ))),
    }
}

/// The passphrase from the environment, if set.
fn env_passphrase() -> Result<Option<Zeroizing<String>>> {
    match std::env::var_os(PASSPHRASE_ENV) {
        None => Ok(None),
        Some(v) => v
            .into_string()
            .map(|s| Some(Zeroizing::new(s)))
            .map_err(|_| {
                CliError::user(format!("{PASSPHRASE_ENV} is not valid UTF-8"))
                    .hint("set it to the passphrase as text, or unset it to be asked")
            }),
    }
}

fn prompt(text: &str) -> Result<Zeroizing<String>> {
    rpassword::prompt_password(text)
        .map(Zeroizing::new)
        .map_err(|e| {
            CliError::user(format!("cannot ask for the passphrase: {e}")).hint(format!(
                "run groundwork in a terminal, or set {PASSPHRASE_ENV}"
            ))
        })
}

/// The passphrase of a new store: from the environment, or asked for twice.
pub(crate) fn new_passphrase(store: &Path) -> Result<Zeroizing<String>> {
    if let Some(p) = env_passphrase()? {
        if p.is_empty() {
            return Err(CliError::user(format!("{PASSPHRASE_ENV} is empty"))
                .hint("a store needs a passphrase; set it, or unset it to be asked"));
        }
        return Ok(p);
    }
    let first = prompt(&format!("New passphrase for {}: ", store.display()))?;
    if first.is_empty() {
        return Err(CliError::user("the passphrase is empty")
            .hint("a store needs a passphrase; run the command again"));
    }
    let second = prompt("Type it again: ")?;
    if *first != *second {
        return Err(CliError::user("the two passphrases differ").hint("run the command again"));
    }
    if first.chars().count() < 10 {
        note("warning: a short passphrase is easy to guess; several words are better");
    }
    Ok(first)
}

/// The demo's passphrase: from the environment, else the well-known one (and says so).
pub(crate) fn demo_passphrase(store: &Path) -> Result<Zeroizing<String>> {
    if let Some(p) = env_passphrase()?.filter(|p| !p.is_empty()) {
        return Ok(p);
    }
    note(&format!(
        "warning: the demo store at {} uses the well-known passphrase \"{DEMO_PASSPHRASE}\"; \
         keep no real records in it",
        store.display()
    ));
    Ok(Zeroizing::new(DEMO_PASSPHRASE.to_owned()))
}

/// Creates a new store at `store` with a fresh salt; refuses if one is there.
pub(crate) fn create(store: &Path, passphrase: &Zeroizing<String>) -> Result<Repo> {
    if store_exists(store)? {
        return Err(
            CliError::user(format!("there is already a store at {}", store.display()))
                .hint("use it as it is, or choose another file with --store"),
        );
    }
    if let Some(parent) = store.parent().filter(|p| !p.as_os_str().is_empty()) {
        fs::create_dir_all(parent)
            .map_err(|e| CliError::failure(format!("cannot create {}: {e}", parent.display())))?;
    }
    let kdf = KdfFile::fresh();
    let key = kdf.derive(passphrase.as_bytes())?;
    let kdf_file = kdf_path(store);
    if kdf_file.exists() {
        note(&format!(
            "note: replacing {}, left from an earlier store that is no longer there",
            kdf_file.display()
        ));
    }
    write_kdf(&kdf_file, &kdf)?;
    match Repo::open(store, &key) {
        Ok(repo) => Ok(repo),
        Err(e) => {
            let _ = fs::remove_file(&kdf_file);
            Err(e.into())
        }
    }
}

fn write_kdf(path: &Path, kdf: &KdfFile) -> Result<()> {
    let mut text = serde_json::to_string(kdf)
        .map_err(|e| CliError::failure(format!("cannot write the key-derivation file: {e}")))?;
    text.push('\n');
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    // The store cannot be opened without this file: it must be on disk before the store is
    // written to, through a power loss too (the file's bytes, then its name in the folder).
    let durable = || -> io::Result<()> {
        let mut file = fs::File::create(&tmp)?;
        io::Write::write_all(&mut file, text.as_bytes())?;
        file.sync_all()?;
        fs::rename(&tmp, path)?;
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            fs::File::open(dir)?.sync_all()?;
        }
        Ok(())
    };
    durable().map_err(|e| CliError::failure(format!("cannot write {}: {e}", path.display())))
}

fn read_kdf(store: &Path) -> Result<KdfFile> {
    let path = kdf_path(store);
    let text = match fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Err(CliError::user(format!(
                "the key-derivation file {} is missing",
                path.display()
            ))
            .hint(
                "`groundwork init` writes it next to the store and the store cannot be opened \
                 without it; copy it back from where the store came from",
            ));
        }
        Err(e) => {
            return Err(CliError::failure(format!(
                "cannot read {}: {e}",
                path.display()
            )));
        }
    };
    serde_json::from_str(&text).map_err(|e| {
        CliError::user(format!("{} is damaged: {e}", path.display()))
            .hint("restore it from where the store came from")
    })
}

/// Opens an existing store, asking for the passphrase unless it is in the environment.
pub(crate) fn open(store: &Path) -> Result<Repo> {
    if !store_exists(store)? {
        return Err(CliError::user(format!(
            "no store at {}: run `groundwork init` first",
            store.display()
        ))
        .hint("or point --store (or GROUNDWORK_STORE) at an existing store"));
    }
    let kdf = read_kdf(store)?;
    let passphrase = match env_passphrase()? {
        Some(p) => p,
        None => prompt(&format!("Passphrase for {}: ", store.display()))?,
    };
    let key = kdf.derive(passphrase.as_bytes())?;
    drop(passphrase);
    Ok(Repo::open(store, &key)?)
}

/// The store's key-derivation parameters (salt and cost, not secret), to travel inside a backup
/// so that the store's passphrase opens it.
pub(crate) fn backup_note(store: &Path) -> Result<Vec<u8>> {
    let kdf = read_kdf(store)?;
    serde_json::to_vec(&kdf)
        .map_err(|e| CliError::failure(format!("cannot write the key-derivation parameters: {e}")))
}

/// The key of a backup this command made: its key-derivation parameters and the passphrase of
/// the store it was taken from.
pub(crate) fn backup_key(backup: &Path, note: &[u8]) -> Result<(KdfFile, StoreKey)> {
    if note.is_empty() {
        return Err(CliError::user(format!(
            "{} carries no key-derivation parameters",
            backup.display()
        ))
        .hint(
            "it was made by an app that keeps its key in the phone's keystore; restore it there",
        ));
    }
    let kdf: KdfFile = serde_json::from_slice(note).map_err(|e| {
        CliError::user(format!(
            "the key-derivation parameters in {} are damaged: {e}",
            backup.display()
        ))
    })?;
    let passphrase = match env_passphrase()? {
        Some(p) => p,
        None => prompt("Passphrase of the store the backup was taken from: ")?,
    };
    let key = kdf.derive(passphrase.as_bytes())?;
    Ok((kdf, key))
}

/// Writes `<store>.kdf` for a restored store.
pub(crate) fn install_kdf(store: &Path, kdf: &KdfFile) -> Result<()> {
    write_kdf(&kdf_path(store), kdf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kdf_file_has_the_documented_shape() {
        let kdf = KdfFile::fresh();
        let v = serde_json::to_value(&kdf).expect("serializes");
        assert_eq!(v["kdf"], "argon2id");
        assert_eq!(v["m_kib"], 65536);
        assert_eq!(v["t"], 3);
        assert_eq!(v["p"], 1);
        assert_eq!(v["salt"].as_str().map(str::len), Some(32));
        assert_eq!(
            kdf_path(Path::new("/x/store.db")),
            PathBuf::from("/x/store.db.kdf")
        );
    }

    #[test]
    fn derivation_is_deterministic_and_rejects_tampering() {
        let kdf = KdfFile {
            kdf: "argon2id".into(),
            m_kib: 64,
            t: 1,
            p: 1,
            salt: "00112233445566778899aabbccddeeff".into(),
        };
        let a = kdf.derive(b"correct horse").expect("derives");
        let b = kdf.derive(b"correct horse").expect("derives");
        let c = kdf.derive(b"wrong horse").expect("derives");
        assert_eq!(a.as_bytes(), b.as_bytes());
        assert_ne!(a.as_bytes(), c.as_bytes());
        let bad = KdfFile {
            kdf: "scrypt".into(),
            ..kdf.clone()
        };
        assert!(bad.derive(b"x").is_err());
        let huge = KdfFile {
            m_kib: u32::MAX,
            ..kdf
        };
        assert!(huge.derive(b"x").is_err());
    }
}
