#![no_main]
//! A membership operation's bytes from a peer or the store (`SignedOp::decode_verified`), then
//! inserted into a group's log. The group is the one the seed corpus was made for (`seeds.rs`),
//! so seeds pass the signature check and reach the log.

use groundwork_proto::SecretKey;
use groundwork_proto::membership::{MembershipLog, SignedOp};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(op) = SignedOp::decode_verified(data) else {
        return;
    };
    assert_eq!(
        SignedOp::decode_verified(&op.to_bytes()).map(|o| o.hash()),
        Ok(op.hash()),
        "a verified operation decodes again to the same hash"
    );
    let key = SecretKey::from_bytes(&[7; 32]);
    let mut log = MembershipLog::create("Fuzz Tenants", &key, 0).expect("genesis");
    let _ = log.insert_all(vec![op]);
});
