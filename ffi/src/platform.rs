//! What the phone's platform needs from the core besides records: its logs in the platform
//! logger, a new store key, backups, and wiping the store.
//!
//! Logs: the core logs through `tracing` (targets, levels, structured fields; never record
//! content). `forward_logs` installs, once per process, a subscriber that hands each event to
//! the app's listener (Android's `Log`, iOS's `os_log`); calling it again replaces the listener
//! and level. A log made while the listener runs is dropped, so a listener that logs through
//! Groundwork cannot loop.

use std::cell::Cell;
use std::fmt::Write as _;
use std::sync::{Arc, Once, RwLock};

use groundwork_core::backup::BackupError;
use groundwork_core::{StoreKey, restore_backup};
use tracing::field::{Field, Visit};
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::util::SubscriberInitExt;

use crate::error::{GroundworkError, Result};
use crate::repo::GroundworkStore;
use crate::runtime;

/// A log event's level, most severe first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, uniffi::Enum)]
pub enum LogLevel {
    Error,
    Warn,
    Info,
    Debug,
    Trace,
}

/// Receives the core's log events (call the platform logger from it; keep it quick).
#[uniffi::export(foreign)]
pub trait LogListener: Send + Sync {
    /// `target` is the Rust module that logged (`groundwork_core::sync::session`); `message`
    /// is the event's message followed by its fields (`peer=… error=…`).
    fn on_log(&self, level: LogLevel, target: String, message: String);
}

struct Forwarding {
    listener: Arc<dyn LogListener>,
    max: LogLevel,
}

static FORWARDING: RwLock<Option<Forwarding>> = RwLock::new(None);
static INSTALL: Once = Once::new();

thread_local! {
    static IN_LISTENER: Cell<bool> = const { Cell::new(false) };
}

/// Sends the core's log events at `max_level` or more severe to `listener`, from now on.
#[uniffi::export]
pub fn forward_logs(listener: Arc<dyn LogListener>, max_level: LogLevel) {
    *FORWARDING.write().unwrap_or_else(|p| p.into_inner()) = Some(Forwarding {
        listener,
        max: max_level,
    });
    INSTALL.call_once(|| {
        // Fails only if the app installed its own global subscriber first: then that one
        // receives the logs and this listener does not.
        let _ = tracing_subscriber::registry().with(ToListener).try_init();
    });
}

/// Stops forwarding logs (the subscriber stays, and drops every event).
#[uniffi::export]
pub fn stop_forwarding_logs() {
    *FORWARDING.write().unwrap_or_else(|p| p.into_inner()) = None;
}

fn level_of(level: &tracing::Level) -> LogLevel {
    match *level {
        tracing::Level::ERROR => LogLevel::Error,
        tracing::Level::WARN => LogLevel::Warn,
        tracing::Level::INFO => LogLevel::Info,
        tracing::Level::DEBUG => LogLevel::Debug,
        _ => LogLevel::Trace,
    }
}

struct ToListener;

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for ToListener {
    fn enabled(&self, metadata: &tracing::Metadata<'_>, _: Context<'_, S>) -> bool {
        let level = level_of(metadata.level());
        FORWARDING
            .read()
            .map(|f| f.as_ref().is_some_and(|f| level <= f.max))
            .unwrap_or(false)
    }

    fn on_event(&self, event: &tracing::Event<'_>, _: Context<'_, S>) {
        if IN_LISTENER.with(Cell::get) {
            return;
        }
        let listener = match FORWARDING.read() {
            Ok(f) => match f.as_ref() {
                Some(f) => f.listener.clone(),
                None => return,
            },
            Err(_) => return,
        };
        let mut text = Message::default();
        event.record(&mut text);
        let level = level_of(event.metadata().level());
        let target = event.metadata().target().to_owned();
        IN_LISTENER.with(|busy| busy.set(true));
        // A listener that throws must not take the logging thread down with it.
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            listener.on_log(level, target, text.0);
        }));
        IN_LISTENER.with(|busy| busy.set(false));
    }
}

/// An event's message, then its other fields as `name=value`.
#[derive(Default)]
struct Message(String);

impl Visit for Message {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            let rest = std::mem::take(&mut self.0);
            let _ = write!(self.0, "{value:?}");
            if !rest.is_empty() {
                self.0.push(' ');
                self.0.push_str(&rest);
            }
        } else {
            if !self.0.is_empty() {
                self.0.push(' ');
            }
            let _ = write!(self.0, "{}={value:?}", field.name());
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.record_debug(field, &format_args!("{value}"));
        } else {
            self.record_debug(field, &value);
        }
    }
}

/// What a backup holds.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct BackupSummary {
    pub bytes: u64,
    pub groups: u64,
    pub documents: u64,
    /// The device the store belongs to: a restored store is that same device.
    pub device_id: String,
}

impl From<groundwork_core::BackupSummary> for BackupSummary {
    fn from(s: groundwork_core::BackupSummary) -> Self {
        Self {
            bytes: s.bytes,
            groups: s.groups,
            documents: s.documents,
            device_id: s.device_id,
        }
    }
}

fn backup_error(e: BackupError) -> GroundworkError {
    let message = e.to_string();
    match e {
        BackupError::Io(_) | BackupError::Store(_) => GroundworkError::Storage { message },
        BackupError::TargetExists(_) => GroundworkError::InvalidInput { message },
        // Not a backup, another format, truncated, damaged, or another store's key: the file
        // given is the problem.
        _ => GroundworkError::InvalidInput { message },
    }
}

/// Restores an encrypted backup as the store at `path` (which must not be open), checking it
/// with `key` (the store key the backup was made under) before it takes the store's place.
/// An existing store there is refused unless `replace`. The restored store is the same device:
/// syncing it with the group brings what changed since, with nothing duplicated.
#[uniffi::export(async_runtime = "tokio")]
pub async fn restore_store_backup(
    backup_path: String,
    path: String,
    key: Vec<u8>,
    replace: bool,
) -> Result<BackupSummary> {
    let key = StoreKey::from_bytes(&key)?;
    runtime::blocking(move || {
        restore_backup(backup_path.as_ref(), path.as_ref(), &key, replace)
            .map(Into::into)
            .map_err(backup_error)
    })
    .await
}

#[uniffi::export(async_runtime = "tokio")]
impl GroundworkStore {
    /// Writes an encrypted backup of the whole store (every group, the device's key) to
    /// `backup_path`, under the store's own key; a file there is replaced only once the new
    /// one is complete. `note` (at most 64 KiB) travels in the clear: the app's own label.
    pub async fn create_backup(&self, backup_path: String, note: Vec<u8>) -> Result<BackupSummary> {
        let repo = self.inner.clone();
        runtime::blocking(move || {
            repo.create_backup(backup_path.as_ref(), &note)
                .map(Into::into)
                .map_err(backup_error)
        })
        .await
    }

    /// Re-encrypts the store under a new 32-byte key: put the new key in the keystore first,
    /// call this, then delete the old one. Another length is `InvalidInput`. Takes a moment
    /// on a large store (every page is rewritten).
    pub async fn change_key(&self, new_key: Vec<u8>) -> Result<()> {
        let key = StoreKey::from_bytes(&new_key)?;
        let repo = self.inner.clone();
        runtime::blocking(move || Ok(repo.change_key(&key)?)).await
    }

    /// Destroys the store: every group and record on this device and the device's own key.
    /// Shut the node down first. Afterwards this object (and its groups) see an empty store
    /// that refuses writes; `open` at the same path makes a new, empty store (a new device).
    /// Delete the store key from the keystore too: that is what makes any copy unreadable.
    pub async fn wipe(&self) -> Result<()> {
        let repo = self.inner.clone();
        runtime::blocking(move || Ok(repo.wipe()?)).await
    }
}
