#![no_main]
//! A peer's reconciliation payload (`Hello`/`Welcome`/`Reconcile`), fed to negentropy as the sync
//! session does (`core/src/sync/session.rs`): as the responder (`reconcile`) or as the initiator
//! after its first message (`reconcile_with_ids`), over a sealed set of this device's items, with
//! the session's frame limit and its `catch_unwind` guard.

use std::panic::{AssertUnwindSafe, catch_unwind};

use groundwork_proto::sync::{item_id, version_tag};
use libfuzzer_sys::fuzz_target;
use negentropy::{Id, Negentropy, NegentropyStorageVector};

/// `RECONCILE_FRAME_LIMIT` in the session.
const FRAME_LIMIT: u64 = 512 * 1024;

fn storage() -> NegentropyStorageVector {
    let mut storage = NegentropyStorageVector::with_capacity(300);
    for i in 0..300u16 {
        let mut doc = [0u8; 16];
        doc[..2].copy_from_slice(&i.to_be_bytes());
        let tag = version_tag(&[[i as u8; 32]]);
        storage
            .insert(0, Id::from_byte_array(item_id(&doc, &tag)))
            .expect("insert");
    }
    storage.seal().expect("seal");
    storage
}

fuzz_target!(init: groundwork_fuzz::contain_panics_of(&["negentropy"]), |data: &[u8]| {
    let Some((&mode, payload)) = data.split_first() else {
        return;
    };
    // A panic inside negentropy is contained per session, as in the app; one escaping it would
    // abort here.
    let _ = catch_unwind(AssertUnwindSafe(|| {
        let mut neg = Negentropy::owned(storage(), FRAME_LIMIT).expect("negentropy");
        if mode & 1 == 0 {
            let _ = neg.reconcile(payload);
        } else {
            let _ = neg.initiate().expect("initiate");
            let (mut have, mut need) = (Vec::new(), Vec::new());
            let _ = neg.reconcile_with_ids(payload, &mut have, &mut need);
            // Every id it reports came out of the payload or the storage: bounded by them.
            assert!(have.len() <= 300 && need.len() <= payload.len() / 32 + 1);
        }
    }));
});
