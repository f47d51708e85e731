//! Errors. Callers branch on the variant; the message is for people.

use std::fmt;

/// What is wrong with a value a caller, file or peer supplied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {problem}")]
pub struct ValidationError {
    /// The field or input that was rejected, as a person would name it.
    pub field: String,
    /// What is wrong with it.
    pub problem: Problem,
}

/// The kinds of invalid input.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Problem {
    /// Required but empty.
    Empty,
    /// Longer than allowed (in characters, or bytes for binary input).
    TooLong { max: usize },
    /// More entries than allowed.
    TooMany { max: usize },
    /// Not in the expected form.
    BadFormat(String),
    /// A value outside what is allowed (for example an assessment not on the group's scale).
    OutOfRange(String),
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::Empty => f.write_str("must not be empty"),
            Problem::TooLong { max } => write!(f, "is too long (at most {max})"),
            Problem::TooMany { max } => write!(f, "has too many entries (at most {max})"),
            Problem::BadFormat(why) => write!(f, "is not valid: {why}"),
            Problem::OutOfRange(why) => write!(f, "is out of range: {why}"),
        }
    }
}

impl ValidationError {
    pub(crate) fn new(field: impl Into<String>, problem: Problem) -> Self {
        Self {
            field: field.into(),
            problem,
        }
    }
    pub(crate) fn bad_format(field: impl Into<String>, why: impl Into<String>) -> Self {
        Self::new(field, Problem::BadFormat(why.into()))
    }
    pub(crate) fn out_of_range(field: impl Into<String>, why: impl Into<String>) -> Self {
        Self::new(field, Problem::OutOfRange(why.into()))
    }
}

/// Opening or writing the on-device store failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The key does not open this file, or the file is not a Groundwork store (SQLCipher cannot
    /// tell the two apart: both fail the first page's authentication). Nothing was written.
    #[error("the store cannot be opened with this key (wrong key, or not a Groundwork store)")]
    WrongKeyOrNotAStore,
    /// The file is a plain, unencrypted SQLite database; a Groundwork store is always encrypted.
    #[error("the file is an unencrypted SQLite database, not a Groundwork store")]
    Unencrypted,
    /// The store was written by a newer Groundwork; this version will not touch it.
    #[error("the store has schema version {found}; this Groundwork understands up to {supported}")]
    TooNew { found: i64, supported: i64 },
    /// The file opened but its content is damaged.
    #[error("the store is damaged: {0}")]
    Corrupt(String),
    /// Another process (another `groundwork` command, or the app) has this store open.
    #[error("the store is in use by another process")]
    InUse,
    /// The key has the wrong length.
    #[error("a store key is 32 bytes, got {0}")]
    BadKeyLength(usize),
    /// SQLite reported an error (disk full, I/O error, busy …).
    #[cfg(feature = "store")]
    #[error("storage error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// A file-system error around the store (creating its folder, reading a key file …).
    #[error("file error: {0}")]
    Io(#[from] std::io::Error),
}

/// A stored document could not be read, or a change could not be applied to it.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum DocumentError {
    /// Automerge rejected the bytes (damaged or not an Automerge document/change).
    #[error("damaged document {doc}: {reason}")]
    Damaged { doc: String, reason: String },
    /// The document is not of the kind the caller asked for.
    #[error("document {doc} is a {found}, not a {expected}")]
    WrongKind {
        doc: String,
        expected: &'static str,
        found: String,
    },
    /// The version an edit was based on is not known here (it came from a replica that has
    /// changes this device has not received yet).
    #[error("unknown version: the edit is based on changes this device does not have")]
    UnknownVersion,
    /// A field path named in a conflict resolution does not exist in the record.
    #[error("no field {0} in this record")]
    NoSuchField(String),
}

/// The error of every record operation in [`crate::Group`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Input rejected before anything was written.
    #[error("invalid input: {0}")]
    Invalid(#[from] ValidationError),
    /// No such record in this group.
    #[error("no {kind} with id {id}")]
    NotFound { kind: &'static str, id: String },
    /// The record was erased; it cannot be read, edited or brought back.
    #[error("{kind} {id} was erased")]
    Erased { kind: &'static str, id: String },
    /// No such group on this device.
    #[error("no group with id {0} on this device")]
    NoSuchGroup(String),
    /// This device (or the peer whose changes these are) may not do this: not a member, not an
    /// admin, or outside its grant.
    #[error("not allowed: {0}")]
    Permission(String),
    /// The on-device store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A document could not be read or changed.
    #[error(transparent)]
    Document(#[from] DocumentError),
    /// Undoing a change would overwrite later edits of the same fields: the user decides
    /// (undo with `force`, or leave it).
    #[cfg(feature = "store")]
    #[error("{0}")]
    RevertConflict(Box<crate::history::RevertConflict>),
}

#[cfg(feature = "store")]
impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        Error::Store(StoreError::Sqlite(e))
    }
}

/// Short for `Result<T, groundwork_core::Error>`.
pub type Result<T, E = Error> = std::result::Result<T, E>;
