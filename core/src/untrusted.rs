//! The paths bytes from elsewhere take into Automerge and back out as records, reachable without
//! a store so that the fuzz build (`fuzz/`) runs exactly this code. Not part of the API: the app
//! reaches the same code through [`crate::Batch`] and the store.

use std::panic::{AssertUnwindSafe, catch_unwind};

use automerge::{ActorId, Change, ReadDoc};
use groundwork_proto::signed::{SignedChange, verify_changes};

use crate::doc::{self, DocKind};
use crate::error::{DocumentError, Error};
use crate::ids::DocId;

/// What a document read back as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Read {
    /// A record of this kind (`contact`, `follow_up` …), read whole.
    Record(&'static str),
    /// No record yet: its first change has not arrived (the store asks for the rest).
    Incomplete,
}

/// Changes from a peer for a record this device does not have: checked by
/// `proto::signed::verify_changes`, applied to a new document under `catch_unwind`, and read as
/// its record, as `Batch::import_signed_changes` does before the store checks grants.
pub fn read_received_changes(changes: &[SignedChange]) -> Result<Read, Error> {
    let damaged = |reason: String| DocumentError::Damaged {
        doc: "received".into(),
        reason,
    };
    let verified = verify_changes(changes).map_err(|e| damaged(e.to_string()))?;
    read_verified_changes(verified.into_iter().map(|v| v.change).collect())
}

/// The second half of [`read_received_changes`]: changes that passed the signature check,
/// applied and read. The fuzz build also feeds it changes it decoded itself, so that mutated
/// change bytes reach Automerge and the record readers without a valid signature.
pub fn read_verified_changes(decoded: Vec<Change>) -> Result<Read, Error> {
    let damaged = |reason: String| DocumentError::Damaged {
        doc: "received".into(),
        reason,
    };
    let mut document = doc::new_document(&ActorId::from([1u8; 32].as_slice()));
    match catch_unwind(AssertUnwindSafe(|| document.apply_changes(decoded))) {
        Ok(Ok(())) => {}
        Ok(Err(e)) => return Err(damaged(e.to_string()).into()),
        Err(_) => return Err(damaged("the changes could not be applied".into()).into()),
    }
    read_record(&mut document)
}

/// A document from the store's chunks (a snapshot and/or increments), read as its record.
pub fn read_stored_chunks(chunks: &[Vec<u8>]) -> Result<Read, Error> {
    let mut document = doc::load_document("stored", chunks, &ActorId::from([1u8; 32].as_slice()))?;
    read_record(&mut document)
}

fn read_record(document: &mut automerge::AutoCommit) -> Result<Read, Error> {
    let Some(kind) = doc::kind_of(document) else {
        return Ok(Read::Incomplete);
    };
    let id = document
        .get(automerge::ROOT, "id")
        .ok()
        .flatten()
        .and_then(|(v, _)| v.as_str().map(str::to_owned))
        .and_then(|s| DocId::parse(&s).ok())
        .ok_or_else(|| DocumentError::Damaged {
            doc: "received".into(),
            reason: "the document's id does not parse".into(),
        })?;
    // As the store reads a record after applying received changes: contained.
    doc::read_contained("received", || match kind {
        DocKind::Contact => drop(doc::contact::read(document, id.into())),
        DocKind::FollowUp => drop(doc::followup::read(document, id.into())),
        DocKind::Plan => drop(doc::plan::read(document, id.into())),
        DocKind::Terrain => drop(doc::terrain::read(document, id.into())),
        DocKind::Settings => drop(doc::settings::read(document)),
    })?;
    Ok(Read::Record(kind.as_str()))
}
