//! Subscriptions: a foreign listener is called for each event, on a task of this crate's runtime,
//! until the returned [`SubscriptionHandle`] is cancelled or dropped.
//!
//! Listeners are called one event at a time, in order, from a Groundwork thread (not the UI
//! thread: hop to it in the listener). A listener that returns an error (throws) ends its
//! subscription; the error is logged.

use std::sync::{Arc, Mutex};

use groundwork_core::events as ev;
use groundwork_core::ids::DocId;

use crate::error::{GroundworkError, Result};
use crate::model::parse;
use crate::runtime;

/// What kind of record an event is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum RecordKind {
    Contact,
    FollowUp,
    Plan,
    Terrain,
    Settings,
}

/// Where a change came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum Origin {
    /// An edit made on this device.
    Local,
    /// Changes received from another device.
    Remote,
}

/// One record changed or was erased (after the change was durably stored).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct RecordEvent {
    pub group_id: String,
    pub record_id: String,
    pub kind: RecordKind,
    pub erased: bool,
    pub origin: Origin,
}

/// What a record subscription delivers.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum Notification {
    Changed {
        event: RecordEvent,
    },
    /// The listener fell behind and events were dropped: re-read what the screen shows.
    Missed,
}

/// Which events a record subscription wants.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum RecordFilter {
    /// Every change in the group.
    Group,
    /// One record (a contact, follow-up, plan … by id).
    Record { id: String },
    /// Records of these kinds (a list screen's query can only change through them).
    Kinds { kinds: Vec<RecordKind> },
}

/// Implemented by the app: receives a group's record events.
#[uniffi::export(foreign)]
pub trait RecordListener: Send + Sync {
    /// Called for each event, in order. An error ends the subscription.
    fn on_notification(&self, notification: Notification) -> Result<(), GroundworkError>;
}

/// Implemented by the app: receives a report after each sync session of the node.
#[uniffi::export(foreign)]
pub trait SyncListener: Send + Sync {
    /// Called after each session, started here or by the peer. An error ends the subscription.
    fn on_session(&self, report: crate::node::SyncReport) -> Result<(), GroundworkError>;
}

/// Implemented by the app: what meeting mode does (see `Node.start_meeting`). An error ends
/// meeting mode.
#[uniffi::export(foreign)]
pub trait MeetingListener: Send + Sync {
    /// A member device of `group_id` was heard on the local network; a sync with it started.
    fn on_found(&self, group_id: String, device_id: String) -> Result<(), GroundworkError>;
    /// A sync with a device found finished (`error` set when it failed).
    fn on_synced(&self, report: crate::node::SyncReport) -> Result<(), GroundworkError>;
    /// The time limit passed: this device is no longer announced.
    fn on_ended(&self) -> Result<(), GroundworkError>;
}

/// Implemented by the app: receives a contact list screen's rows (see `Group.watch_contacts`).
#[uniffi::export(foreign)]
pub trait ContactListListener: Send + Sync {
    /// Called with the current rows at once, then whenever they change. An error ends the watch.
    fn on_contacts(
        &self,
        contacts: Vec<crate::query::ContactSummary>,
    ) -> Result<(), GroundworkError>;
}

/// Implemented by the app: receives a follow-up list's rows (see `Group.watch_follow_ups`).
#[uniffi::export(foreign)]
pub trait FollowUpListListener: Send + Sync {
    /// Called with the current rows at once, then whenever they change. An error ends the watch.
    fn on_follow_ups(
        &self,
        follow_ups: Vec<crate::query::FollowUpSummary>,
    ) -> Result<(), GroundworkError>;
}

/// A running subscription. Cancelling it (or dropping it: the garbage collector, Kotlin's `use`,
/// Swift's deinit) stops it; the listener is not called after `cancel` returns, except for a
/// call already under way.
#[derive(uniffi::Object)]
pub struct SubscriptionHandle {
    task: Mutex<Option<tokio::task::JoinHandle<()>>>,
}

impl SubscriptionHandle {
    pub(crate) fn spawn(fut: impl std::future::Future<Output = ()> + Send + 'static) -> Arc<Self> {
        Arc::new(Self {
            task: Mutex::new(Some(runtime::handle().spawn(fut))),
        })
    }
}

#[uniffi::export]
impl SubscriptionHandle {
    /// Stops the subscription. Safe to call twice.
    pub fn cancel(&self) {
        if let Some(task) = self.task.lock().unwrap_or_else(|p| p.into_inner()).take() {
            task.abort();
        }
    }

    /// Whether the subscription is still running (false once cancelled, once its listener failed,
    /// or once the store closed).
    pub fn is_active(&self) -> bool {
        self.task
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
            .is_some_and(|t| !t.is_finished())
    }
}

impl Drop for SubscriptionHandle {
    fn drop(&mut self) {
        self.cancel();
    }
}

impl From<ev::RecordKind> for RecordKind {
    fn from(k: ev::RecordKind) -> Self {
        match k {
            ev::RecordKind::Contact => Self::Contact,
            ev::RecordKind::FollowUp => Self::FollowUp,
            ev::RecordKind::Plan => Self::Plan,
            ev::RecordKind::Terrain => Self::Terrain,
            ev::RecordKind::Settings => Self::Settings,
        }
    }
}

impl From<RecordKind> for ev::RecordKind {
    fn from(k: RecordKind) -> Self {
        match k {
            RecordKind::Contact => Self::Contact,
            RecordKind::FollowUp => Self::FollowUp,
            RecordKind::Plan => Self::Plan,
            RecordKind::Terrain => Self::Terrain,
            RecordKind::Settings => Self::Settings,
        }
    }
}

impl From<ev::Notification> for Notification {
    fn from(n: ev::Notification) -> Self {
        match n {
            ev::Notification::Changed(e) => Self::Changed {
                event: RecordEvent {
                    group_id: e.group.to_string(),
                    record_id: e.record.to_string(),
                    kind: e.kind.into(),
                    erased: e.erased,
                    origin: match e.origin {
                        ev::Origin::Local => Origin::Local,
                        ev::Origin::Remote => Origin::Remote,
                    },
                },
            },
            ev::Notification::Missed => Self::Missed,
        }
    }
}

impl TryFrom<RecordFilter> for ev::Filter {
    type Error = GroundworkError;
    fn try_from(f: RecordFilter) -> Result<Self> {
        Ok(match f {
            RecordFilter::Group => Self::Group,
            RecordFilter::Record { id } => Self::Record(parse::<DocId>(&id)?),
            RecordFilter::Kinds { kinds } => {
                Self::Kinds(kinds.into_iter().map(Into::into).collect())
            }
        })
    }
}

/// Forwards a core subscription to a foreign listener until either ends.
pub(crate) async fn forward_records(mut sub: ev::Subscription, listener: Arc<dyn RecordListener>) {
    while let Some(n) = sub.next().await {
        let listener = listener.clone();
        // The foreign call may block (it runs app code): keep it off the async workers.
        let delivered =
            tokio::task::spawn_blocking(move || listener.on_notification(n.into())).await;
        match delivered {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "a record listener failed; its subscription ends");
                return;
            }
            Err(e) => {
                tracing::warn!(error = %e, "a record listener panicked; its subscription ends");
                return;
            }
        }
    }
}

/// Forwards a core query watch to a foreign listener: the current results, then each change,
/// until either ends. A failing query ends the watch (logged).
pub(crate) async fn forward_watch<T, U>(
    mut watch: groundwork_core::query::QueryWatch<T>,
    deliver: impl Fn(U) -> Result<()> + Send + Sync + 'static,
) where
    T: PartialEq + Clone + IntoIterator + Send + 'static,
    T::Item: Into<U::Item>,
    U: FromIterator<<U as IntoIterator>::Item> + IntoIterator + Send + 'static,
{
    let deliver = Arc::new(deliver);
    while let Some(rows) = watch.next().await {
        let rows: U = match rows {
            Ok(rows) => rows.into_iter().map(Into::into).collect(),
            Err(e) => {
                tracing::warn!(error = %e, "a watched query failed; the watch ends");
                return;
            }
        };
        let deliver = deliver.clone();
        match tokio::task::spawn_blocking(move || deliver(rows)).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "a list listener failed; its watch ends");
                return;
            }
            Err(e) => {
                tracing::warn!(error = %e, "a list listener panicked; its watch ends");
                return;
            }
        }
    }
}
