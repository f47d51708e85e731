//! Live updates: after a sync, the connection stays open and each side sends the other its
//! changes as they are committed, so an edit reaches the peer within a fraction of a second and
//! the peer's subscriptions fire. Only documents both may see are sent; what arrives is checked
//! exactly as in a sync (signatures, membership, grants).

use std::collections::{BTreeMap, HashMap};

use groundwork_proto::membership::DeviceId;
use groundwork_proto::sync::{DocUpdate, Message};
use iroh::endpoint::{Connection, RecvStream, SendStream, VarInt};
use tokio::task::JoinHandle;

use super::{blocking, frames};
use crate::events::{Filter, Notification};
use crate::group::Group;
use crate::ids::DocId;
use crate::model::Version;

/// An open live link to one peer. Dropping it (or `stop`) closes the link.
pub struct LiveLink {
    task: JoinHandle<()>,
    conn: Connection,
}

impl LiveLink {
    /// Closes the link.
    pub fn stop(self) {}

    /// Whether the link is still running.
    pub fn is_open(&self) -> bool {
        !self.task.is_finished()
    }
}

impl Drop for LiveLink {
    fn drop(&mut self) {
        self.task.abort();
        self.conn.close(VarInt::from_u32(0), b"live link closed");
    }
}

pub(crate) fn spawn(
    group: Group,
    peer: DeviceId,
    conn: Connection,
    send: SendStream,
    recv: RecvStream,
) -> LiveLink {
    let task = tokio::spawn(run(group, peer, send, recv));
    LiveLink { task, conn }
}

/// Runs the live link until either side ends it.
pub(crate) async fn run(group: Group, peer: DeviceId, mut send: SendStream, mut recv: RecvStream) {
    if let Err(e) = live(&group, peer, &mut send, &mut recv).await {
        tracing::info!(%peer, error = %e, "live link ended");
    }
    let _ = send.finish();
}

async fn live(
    group: &Group,
    peer: DeviceId,
    send: &mut SendStream,
    recv: &mut RecvStream,
) -> Result<(), String> {
    let mut events = group.subscribe(Filter::Group);
    // What the peer has, per document: after the sync, what we have.
    let g = group.clone();
    let mut known: HashMap<DocId, Version> = blocking(move || g.document_versions())
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())?
        .into_iter()
        .map(|d| (d.id, d.version))
        .collect();
    let g = group.clone();
    let mut visible: BTreeMap<[u8; 16], bool> =
        blocking(move || crate::sync::visible_to(&g, &peer))
            .await
            .map_err(|e| e.to_string())?
            .map_err(|e| e.to_string())?;
    loop {
        tokio::select! {
            event = events.next() => {
                let Some(event) = event else { return Ok(()) };
                let doc = match event {
                    Notification::Changed(e) => e.record,
                    // Fell behind: the next sync catches up; keep going.
                    Notification::Missed => continue,
                };
                if !visible.contains_key(doc.as_bytes()) {
                    let g = group.clone();
                    visible = blocking(move || crate::sync::visible_to(&g, &peer)).await.map_err(|e| e.to_string())?.map_err(|e| e.to_string())?;
                }
                let Some(&erased) = visible.get(doc.as_bytes()) else { continue };
                let g = group.clone();
                let since = known.get(&doc).cloned().unwrap_or_default();
                let update = blocking(move || -> crate::error::Result<Option<(DocUpdate, Option<Version>)>> {
                    if erased || g.is_erased(doc)? {
                        let erasure = g.erasures()?.into_iter().find(|e| e.doc == *doc.as_bytes());
                        return Ok(erasure.map(|e| (DocUpdate { doc: *doc.as_bytes(), heads: vec![], changes: vec![], erasure: Some(e) }, None)));
                    }
                    let changes = g.signed_changes_since(doc, &since)?;
                    if changes.is_empty() {
                        return Ok(None);
                    }
                    let version = g.version_of(doc)?;
                    let heads = version.as_ref().map(|v| v.0.iter().map(|h| h.0).collect()).unwrap_or_default();
                    Ok(Some((DocUpdate { doc: *doc.as_bytes(), heads, changes, erasure: None }, version)))
                })
                .await
                .map_err(|e| e.to_string())?
                .map_err(|e| e.to_string())?;
                if let Some((update, version)) = update {
                    frames::write(send, &Message::Live { docs: vec![update] }).await.map_err(|e| e.to_string())?;
                    if let Some(v) = version {
                        known.insert(doc, v);
                    }
                }
            }
            frame = frames::read(recv, std::time::Duration::from_secs(24 * 3600)) => {
                let (msg, _) = frame.map_err(|e| e.to_string())?;
                let Message::Live { docs } = msg else {
                    return Err("unexpected message on a live link".into());
                };
                for d in &docs {
                    if let Ok(id) = DocId::from_slice(&d.doc) {
                        known.insert(id, Version(d.heads.iter().map(|h| automerge::ChangeHash(*h)).collect()));
                    }
                }
                let g = group.clone();
                blocking(move || g.batch(|b| {
                    for d in &docs {
                        let id = DocId::from_slice(&d.doc)?;
                        if let Some(e) = &d.erasure {
                            b.import_erasure(e)?;
                        } else if !d.changes.is_empty() {
                            match b.import_signed_changes(id, &d.changes) {
                                Ok(_) | Err(crate::Error::Erased { .. }) => {}
                                Err(e) => return Err(e),
                            }
                        }
                    }
                    Ok(())
                }))
                .await
                .map_err(|e| e.to_string())?
                .map_err(|e| format!("the peer sent what it may not: {e}"))?;
            }
        }
    }
}
