//! `groundwork backup create|restore`: the encrypted backup of the whole store
//! (`groundwork_core::backup`), with the store's key-derivation parameters carried inside it.

use groundwork_core::{BackupError, restore_backup};
use serde_json::json;

use crate::args::{BackupCreateArgs, BackupRestoreArgs};
use crate::commands::Ctx;
use crate::error::{CliError, Result};
use crate::output::{Report, note, outln};
use crate::store_open;

impl From<BackupError> for CliError {
    fn from(e: BackupError) -> Self {
        match e {
            BackupError::WrongKey => CliError::user(e.to_string()).hint(
                "give the passphrase of the store the backup was taken from (GROUNDWORK_PASSPHRASE or when asked)",
            ),
            BackupError::TargetExists(_) => CliError::user(e.to_string()).hint(
                "restore to a new path with --store, or add --force to replace that store (its records are lost)",
            ),
            BackupError::NotABackup
            | BackupError::UnsupportedFormat { .. }
            | BackupError::Truncated { .. }
            | BackupError::Damaged(_) => CliError::user(e.to_string())
                .hint("nothing was restored; use another copy of the backup"),
            BackupError::Store(s) => s.into(),
            BackupError::Io(io) => CliError::failure(format!("file error: {io}")),
            other => CliError::failure(other.to_string()),
        }
    }
}

fn megabytes(bytes: u64) -> String {
    format!("{:.1} MB", bytes as f64 / 1_000_000.0)
}

pub(crate) fn create(ctx: &Ctx, args: &BackupCreateArgs) -> Result<Report> {
    if args.file.exists() && !args.force {
        return Err(
            CliError::user(format!("{} already exists", args.file.display()))
                .hint("choose another file, or add --force to replace it"),
        );
    }
    if args.file == ctx.store {
        return Err(
            CliError::user("the backup cannot be written over the store itself")
                .hint("choose another file, ideally on another disk"),
        );
    }
    let note_bytes = store_open::backup_note(&ctx.store)?;
    let repo = ctx.repo()?;
    let made = repo.create_backup(&args.file, &note_bytes)?;
    let mut h = String::new();
    outln!(
        h,
        "Backed up {} group{} and {} records of device {} to {} ({}).",
        made.groups,
        if made.groups == 1 { "" } else { "s" },
        made.documents,
        repo.fingerprint(),
        args.file.display(),
        megabytes(made.bytes)
    );
    outln!(
        h,
        "It is encrypted with this store's passphrase. Restore it with \
         `groundwork backup restore {} --store NEW-PATH`.",
        args.file.display()
    );
    Ok(Report::new(
        h,
        json!({
            "file": args.file.display().to_string(),
            "backup": made,
            "fingerprint": repo.fingerprint(),
        }),
    ))
}

pub(crate) fn restore(ctx: &Ctx, args: &BackupRestoreArgs) -> Result<Report> {
    if !args.file.exists() {
        return Err(
            CliError::user(format!("no file at {}", args.file.display()))
                .hint("give the path of a file made by `groundwork backup create`"),
        );
    }
    if store_open::store_exists(&ctx.store)? && !args.force {
        return Err(BackupError::TargetExists(ctx.store.clone()).into());
    }
    let note_bytes = groundwork_core::backup::read_backup_note(&args.file)?;
    let (kdf, key) = store_open::backup_key(&args.file, &note_bytes)?;
    let restored = restore_backup(&args.file, &ctx.store, &key, args.force)?;
    store_open::install_kdf(&ctx.store, &kdf)?;
    note(
        "note: sync with the group's other devices before recording anything here, and retire \
         the laptop the backup came from if it still exists: both would write as one device",
    );
    let mut h = String::new();
    outln!(
        h,
        "Restored {} group{} and {} records to {} (device {}).",
        restored.groups,
        if restored.groups == 1 { "" } else { "s" },
        restored.documents,
        ctx.store.display(),
        short_device(&restored.device_id)
    );
    outln!(
        h,
        "Run `groundwork sync` (or `groundwork serve --meeting`) to catch up with what the group \
         recorded since the backup."
    );
    Ok(Report::new(
        h,
        json!({
            "store": ctx.store.display().to_string(),
            "restored": restored,
        }),
    ))
}

fn short_device(hex: &str) -> &str {
    hex.get(..12).unwrap_or(hex)
}
