#![no_main]
//! A document's chunks as the store hands them to Automerge (a snapshot and/or increments,
//! `doc::load_document`, under `catch_unwind`), read as its record. Stored bytes come from this
//! device's own encrypted store, but a damaged store must give an error, not a crash.

use groundwork_core::untrusted::read_stored_chunks;
use libfuzzer_sys::fuzz_target;

fuzz_target!(init: groundwork_fuzz::contain_panics_of(&["automerge"]), |data: &[u8]| {
    let _ = read_stored_chunks(&[data.to_vec()]);
});
