//! The CLI's error: a message for a person, an optional hint they can act on, and an exit code.

use groundwork_core::node::NodeError;
use groundwork_core::{Error as CoreError, StoreError};

/// What went wrong, as the user sees it.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub(crate) struct CliError {
    pub(crate) message: String,
    pub(crate) hint: Option<String>,
    pub(crate) kind: ErrorKind,
}

/// Whose problem it is, which decides the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ErrorKind {
    /// The input, the passphrase or the state of the store does not allow this (exit 1).
    User,
    /// The store or the file system failed (exit 3).
    Failure,
}

/// Exit code for a problem with the input or the passphrase.
pub(crate) const EXIT_USER: u8 = 1;
/// Exit code for a failure of the store or the file system (clap uses 2 for usage errors).
pub(crate) const EXIT_FAILURE: u8 = 3;

/// Short for a result with a [`CliError`].
pub(crate) type Result<T, E = CliError> = std::result::Result<T, E>;

impl CliError {
    /// A problem the user can fix.
    pub(crate) fn user(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            hint: None,
            kind: ErrorKind::User,
        }
    }

    /// A failure of the store, the disk or the terminal.
    pub(crate) fn failure(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            hint: None,
            kind: ErrorKind::Failure,
        }
    }

    /// Adds what the user can do about it.
    pub(crate) fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// The process exit code for this error.
    pub(crate) fn exit_code(&self) -> u8 {
        match self.kind {
            ErrorKind::User => EXIT_USER,
            ErrorKind::Failure => EXIT_FAILURE,
        }
    }
}

/// The message shown when a key does not open a store.
pub(crate) const WRONG_PASSPHRASE: &str =
    "the passphrase does not open this store (or the file is not a Groundwork store)";

impl From<StoreError> for CliError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::WrongKeyOrNotAStore => CliError::user(WRONG_PASSPHRASE).hint(
                "check the passphrase (GROUNDWORK_PASSPHRASE, if set, is used instead of asking), \
                 and that --store / GROUNDWORK_STORE points at the right file",
            ),
            StoreError::Unencrypted => CliError::user(e.to_string()).hint(
                "a Groundwork store is always encrypted; point --store at a Groundwork store",
            ),
            StoreError::TooNew { .. } => {
                CliError::user(e.to_string()).hint("install a newer groundwork to open this store")
            }
            StoreError::Corrupt(_) => CliError::failure(e.to_string())
                .hint("restore the store from a backup or another device"),
            StoreError::InUse => CliError::user("the store is in use by another process").hint(
                "another groundwork command is using this store; stop `groundwork serve` first \
                 (or wait for the other command to finish)",
            ),
            StoreError::Io(_) => CliError::failure(e.to_string())
                .hint("check that the store's folder exists and is writable"),
            other => CliError::failure(other.to_string()),
        }
    }
}

impl From<CoreError> for CliError {
    fn from(e: CoreError) -> Self {
        match e {
            CoreError::Invalid(v) => CliError::user(format!("{}: {}", v.field, v.problem))
                .hint("correct that value and run the command again"),
            CoreError::NotFound { kind, id } => CliError::user(format!("no {kind} with id {id}"))
                .hint("`groundwork contact list` shows the contacts and their ids"),
            CoreError::Erased { kind, id } => CliError::user(format!("{kind} {id} was erased"))
                .hint("an erased record cannot be read or brought back"),
            CoreError::NoSuchGroup(id) => CliError::user(format!("no group with id {id}"))
                .hint("`groundwork groups` lists the groups on this device"),
            CoreError::Permission(_) => CliError::user(e.to_string())
                .hint("only an admin of the group can do this; ask one of its admins"),
            CoreError::Store(s) => s.into(),
            CoreError::RevertConflict(c) => crate::commands::history::conflict_error(&c),
            other => CliError::failure(other.to_string()),
        }
    }
}

/// The hint for a peer that could not be reached.
const UNREACHABLE_HINT: &str = "check that the other device runs `groundwork serve` (or \
    `groundwork group invite`), that both are on the same network, and that no firewall blocks \
    UDP between them";

impl From<NodeError> for CliError {
    fn from(e: NodeError) -> Self {
        match e {
            NodeError::Core(c) => c.into(),
            NodeError::Bind(_) => CliError::user(e.to_string()).hint(
                "is another program (or `groundwork serve`) using that address? choose another \
                 with --listen IP:PORT, or leave --listen out to pick a free port",
            ),
            NodeError::Connect(_) => CliError::user(e.to_string()).hint(UNREACHABLE_HINT),
            NodeError::RelayUrl(_) => {
                CliError::user(e.to_string()).hint("give the group's relay as an iroh-relay URL")
            }
            NodeError::Meeting(_) => CliError::user(e.to_string()).hint(
                "meeting mode needs multicast on the local network (mDNS, UDP port 5353); without \
                 it, serve without --meeting and let members `groundwork sync` to this address",
            ),
            other => CliError::user(other.to_string()).hint(
                "the session with the peer failed; run the command again, and check that both \
                 devices are members of the group",
            ),
        }
    }
}

impl From<std::io::Error> for CliError {
    fn from(e: std::io::Error) -> Self {
        CliError::failure(format!("input/output error: {e}"))
    }
}
