#![no_main]
//! A spreadsheet to import (`interchange::plan_csv`): read whole, tool detected, columns mapped,
//! each record checked by the code that stores contacts, matched against the file's other
//! records. The group has no contacts (matching against a store's is the same code).

use groundwork_core::interchange::{NoContacts, plan_csv};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(plan) = plan_csv(&NoContacts, data, &[]) {
        assert_eq!(
            plan.creates() + plan.merges() + plan.skipped(),
            plan.rows.len()
        );
    }
});
