//! Change notifications: a record changed or was erased, here or by sync.

use tokio::sync::broadcast;

use crate::doc::DocKind;
use crate::ids::{DocId, GroupId};

/// What kind of record an event is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum RecordKind {
    Contact,
    FollowUp,
    Plan,
    Terrain,
    Settings,
}

impl From<DocKind> for RecordKind {
    fn from(k: DocKind) -> Self {
        match k {
            DocKind::Contact => RecordKind::Contact,
            DocKind::FollowUp => RecordKind::FollowUp,
            DocKind::Plan => RecordKind::Plan,
            DocKind::Terrain => RecordKind::Terrain,
            DocKind::Settings => RecordKind::Settings,
        }
    }
}

/// Where a change came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum Origin {
    /// An edit made on this device.
    Local,
    /// Changes received from another device.
    Remote,
}

/// One record changed (after the change was durably stored).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordEvent {
    pub group: GroupId,
    pub record: DocId,
    pub kind: RecordKind,
    pub erased: bool,
    pub origin: Origin,
}

/// What a subscription yields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notification {
    Changed(RecordEvent),
    /// The subscriber fell behind and events were dropped: re-read what it shows.
    Missed,
}

/// Which events a subscription wants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Filter {
    /// Every change in the group.
    Group,
    /// One record.
    Record(DocId),
    /// Records of these kinds (a query's results can only change through them).
    Kinds(Vec<RecordKind>),
}

impl Filter {
    fn matches(&self, e: &RecordEvent) -> bool {
        match self {
            Filter::Group => true,
            Filter::Record(id) => e.record == *id,
            Filter::Kinds(kinds) => kinds.contains(&e.kind),
        }
    }
}

/// A stream of change events for one group. Dropping it unsubscribes.
pub struct Subscription {
    pub(crate) rx: broadcast::Receiver<RecordEvent>,
    pub(crate) group: GroupId,
    pub(crate) filter: Filter,
}

impl Subscription {
    /// Waits for the next matching event. `None` once the store is closed.
    pub async fn next(&mut self) -> Option<Notification> {
        loop {
            match self.rx.recv().await {
                Ok(e) if e.group == self.group && self.filter.matches(&e) => {
                    return Some(Notification::Changed(e));
                }
                Ok(_) => continue,
                Err(broadcast::error::RecvError::Lagged(_)) => return Some(Notification::Missed),
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    }

    /// The next matching event if one is already waiting.
    pub fn try_next(&mut self) -> Option<Notification> {
        loop {
            match self.rx.try_recv() {
                Ok(e) if e.group == self.group && self.filter.matches(&e) => {
                    return Some(Notification::Changed(e));
                }
                Ok(_) => continue,
                Err(broadcast::error::TryRecvError::Lagged(_)) => {
                    return Some(Notification::Missed);
                }
                Err(_) => return None,
            }
        }
    }
}
