//! Inputs the fuzzers found in what follows the change gate and in reading stored documents
//! (`scripts/fuzz`), kept as hex in
//! `tests/fuzz_regressions/` (one change chunk per line, its checksum fixed as the fuzz target
//! fixes it) and named after the target. Each must come back as a typed error or a record,
//! never a panic that escapes; those named `received_change-refused-…` must be refused by the
//! gate's checks before Automerge sees them.

use std::fs;
use std::path::Path;

use automerge::Change;
use groundwork_core::proto::signed::check_change;
use groundwork_core::untrusted::{read_stored_chunks, read_verified_changes};
use groundwork_core::{DocumentError, Error};

#[test]
fn every_kept_received_change_finding_is_read_without_an_escaping_panic() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz_regressions");
    let mut seen = 0;
    for entry in fs::read_dir(&dir).expect("the regression inputs' folder") {
        let path = entry.expect("entry").path();
        let name = path
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        if name.starts_with("stored_document-") {
            // A damaged store's document: an error, never a crash.
            let bytes = hex::decode(fs::read_to_string(&path).expect("read").trim()).expect("hex");
            let read = read_stored_chunks(&[bytes]);
            assert!(read.is_err(), "{name}: {read:?}");
            if name.contains("bundle-chunk") {
                // Refused before Automerge sees it: decoding it allocates 512 MB first.
                let reason = read.unwrap_err().to_string();
                assert!(
                    reason.contains("which a store never holds"),
                    "{name}: {reason}"
                );
            }
            seen += 1;
            continue;
        }
        assert!(
            name.starts_with("received_change-"),
            "{name}: no check written for it"
        );
        let chunks: Vec<Vec<u8>> = fs::read_to_string(&path)
            .expect("read")
            .lines()
            .map(|line| hex::decode(line.trim()).expect("hex"))
            .collect();
        let checked: Result<Vec<_>, _> = chunks.iter().map(|c| check_change(c)).collect();
        if name.starts_with("received_change-refused-") {
            // Automerge must never see these: some abort the process (a panic while unwinding
            // from a panic), which no guard can contain.
            assert!(checked.is_err(), "{name}: the gate let it through");
            seen += 1;
            continue;
        }
        checked
            .unwrap_or_else(|e| panic!("{name}: the gate refuses it ({e}), so it tests nothing"));
        let changes: Vec<Change> = chunks
            .into_iter()
            .map(|c| Change::from_bytes(c).expect("decodes"))
            .collect();
        let read = read_verified_changes(changes);
        // One finding trips a consistency check Automerge runs in debug builds only; there the
        // record must be refused as damaged. A release build reads the record or refuses it.
        if cfg!(debug_assertions) || name.contains("sort-order") {
            assert!(
                matches!(read, Err(Error::Document(DocumentError::Damaged { .. }))),
                "{name}: {read:?}"
            );
        }
        seen += 1;
    }
    assert!(seen >= 1, "the kept findings are missing");
}
