#![no_main]
//! An address book to import (`interchange::plan_vcard`): vCard 2.1, 3.0 or 4.0, one card or
//! many, each checked by the code that stores contacts and matched against the others.

use groundwork_core::interchange::{NoContacts, plan_vcard};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(plan) = plan_vcard(&NoContacts, data) {
        assert_eq!(
            plan.creates() + plan.merges() + plan.skipped(),
            plan.rows.len()
        );
    }
});
