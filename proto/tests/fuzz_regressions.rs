//! Inputs the fuzzers found (`scripts/fuzz`), kept as hex in `tests/fuzz_regressions/` and named
//! after the target that found them. Each must now be refused with a typed error, inside the
//! fuzzers' memory cap, without a panic.

use std::fs;
use std::path::Path;

use groundwork_proto::signed::{ChangeError, verify_changes};
use groundwork_proto::sync::DocUpdate;

fn inputs() -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz_regressions");
    let mut found = Vec::new();
    for entry in fs::read_dir(&dir).expect("the regression inputs' folder") {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let text = fs::read_to_string(&path).unwrap();
        let hex: String = text.split_whitespace().collect();
        found.push((name, hex::decode(hex).expect("hex")));
    }
    found.sort();
    found
}

#[test]
fn every_kept_fuzz_finding_is_refused_with_a_typed_error() {
    let inputs = inputs();
    assert!(inputs.len() >= 2, "the kept findings are missing");
    for (name, bytes) in inputs {
        let target = name.split('-').next().unwrap();
        match target {
            "doc_update" => {
                let update: DocUpdate = postcard::from_bytes(&bytes)
                    .unwrap_or_else(|e| panic!("{name} no longer decodes as a DocUpdate: {e}"));
                let refused = verify_changes(&update.changes);
                assert!(
                    matches!(refused, Err(ChangeError::Malformed(_))),
                    "{name}: {refused:?}"
                );
            }
            other => panic!("{name}: no check written for fuzz target {other}"),
        }
    }
}
