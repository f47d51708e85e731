//! The one error type at the edge. Apps branch on the kind (the variant); the message is for
//! people and bug reports, never for matching.

use groundwork_core::node::{MeetingError, NodeError};
use groundwork_core::sync::SyncError;
use groundwork_core::{DocumentError, Error, StoreError, ValidationError};

/// Every failure of a Groundwork call, by coarse kind.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
#[non_exhaustive]
pub enum GroundworkError {
    /// The caller's input was rejected before anything was written: empty or too long a field,
    /// a malformed id, version or ticket, a key that is not 32 bytes, a value off the scale.
    #[error("invalid input: {message}")]
    InvalidInput { message: String },
    /// No such record, group or member on this device (or the record was erased).
    #[error("not found: {message}")]
    NotFound { message: String },
    /// This device may not do this (not a member, not an admin, outside its grant), or a peer
    /// refused it.
    #[error("not allowed: {message}")]
    Permission { message: String },
    /// The on-device store failed: wrong key or not a store, in use by another process, damaged,
    /// written by a newer version, disk full or another I/O error.
    #[error("storage: {message}")]
    Storage { message: String },
    /// The network failed: the endpoint could not start, a peer could not be reached, a session
    /// broke off, or nobody joined before an invite expired.
    #[error("network: {message}")]
    Network { message: String },
    /// The edit is based on a version this device does not have yet (sync first, then retry),
    /// or an undo would override a later edit of the same field (look, then force it).
    #[error("conflict: {message}")]
    Conflict { message: String },
    /// A bug: an invariant broke, a task panicked, an object was used after it was consumed, or
    /// a foreign callback failed unexpectedly.
    #[error("internal error: {message}")]
    Internal { message: String },
}

impl GroundworkError {
    pub(crate) fn invalid(message: impl Into<String>) -> Self {
        Self::InvalidInput {
            message: message.into(),
        }
    }
    pub(crate) fn internal(message: impl Into<String>) -> Self {
        Self::Internal {
            message: message.into(),
        }
    }
}

impl From<ValidationError> for GroundworkError {
    fn from(e: ValidationError) -> Self {
        Self::invalid(e.to_string())
    }
}

impl From<StoreError> for GroundworkError {
    fn from(e: StoreError) -> Self {
        let message = e.to_string();
        match e {
            StoreError::BadKeyLength(_) => Self::InvalidInput { message },
            _ => Self::Storage { message },
        }
    }
}

impl From<DocumentError> for GroundworkError {
    fn from(e: DocumentError) -> Self {
        let message = e.to_string();
        match e {
            DocumentError::UnknownVersion => Self::Conflict { message },
            DocumentError::NoSuchField(_) => Self::InvalidInput { message },
            DocumentError::WrongKind { .. } => Self::NotFound { message },
            _ => Self::Storage { message },
        }
    }
}

impl From<Error> for GroundworkError {
    fn from(e: Error) -> Self {
        let message = e.to_string();
        match e {
            Error::Invalid(_) => Self::InvalidInput { message },
            Error::NotFound { .. } | Error::Erased { .. } | Error::NoSuchGroup(_) => {
                Self::NotFound { message }
            }
            Error::Permission(_) => Self::Permission { message },
            Error::Store(e) => e.into(),
            Error::Document(e) => e.into(),
            // A later edit of the same field: the undo needs the person's say (`force`).
            Error::RevertConflict(_) => Self::Conflict { message },
            _ => Self::Internal { message },
        }
    }
}

impl From<SyncError> for GroundworkError {
    fn from(e: SyncError) -> Self {
        let message = e.to_string();
        match e {
            SyncError::Local(e) => e.into(),
            SyncError::Refused { .. } | SyncError::RefusedPeer { .. } | SyncError::RemovedHere => {
                Self::Permission { message }
            }
            _ => Self::Network { message },
        }
    }
}

impl From<NodeError> for GroundworkError {
    fn from(e: NodeError) -> Self {
        let message = e.to_string();
        match e {
            NodeError::Core(e) => e.into(),
            NodeError::Sync(e) => e.into(),
            NodeError::RelayUrl(_) => Self::InvalidInput { message },
            NodeError::RelayNotStarted(_) => Self::Network { message },
            NodeError::Meeting(MeetingError::NoGroups | MeetingError::TooManyGroups { .. }) => {
                Self::InvalidInput { message }
            }
            NodeError::Meeting(MeetingError::NotAMember(_)) => Self::Permission { message },
            NodeError::Bind(_) | NodeError::Connect(_) | NodeError::Io(_) => {
                Self::Network { message }
            }
            _ => Self::Network { message },
        }
    }
}

/// A foreign listener failed in a way its interface does not declare (it threw something else).
impl From<uniffi::UnexpectedUniFFICallbackError> for GroundworkError {
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        Self::internal(format!("a listener failed: {}", e.reason))
    }
}

/// Short for `Result<T, GroundworkError>`.
pub(crate) type Result<T, E = GroundworkError> = std::result::Result<T, E>;
