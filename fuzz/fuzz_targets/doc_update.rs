#![no_main]
//! One document's update as a peer sends it inside `Docs`/`Live` (postcard `DocUpdate`): the
//! erasure's signature, then the changes through the one gate (`proto::signed::verify_changes`:
//! bounds, plain change chunks only, Automerge decoding under `catch_unwind`, author and
//! signature) and, when they pass, applied to a new document and read as its record.

use groundwork_core::untrusted::read_received_changes;
use groundwork_proto::sync::DocUpdate;
use libfuzzer_sys::fuzz_target;

fuzz_target!(init: groundwork_fuzz::contain_panics_of(&["automerge"]), |data: &[u8]| {
    let Ok(update) = postcard::from_bytes::<DocUpdate>(data) else {
        return;
    };
    if let Some(erasure) = &update.erasure {
        let _ = erasure.verify();
    }
    let _ = read_received_changes(&update.changes);
});
