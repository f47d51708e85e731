#![no_main]
//! A sync frame as a peer sends it: a 4-byte length header, then the body `Message::decode`
//! reads. Typed errors only; what decodes encodes again to the same message.

use groundwork_proto::sync::{FrameError, MAX_FRAME_BYTES, Message};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((header, body)) = data.split_first_chunk::<4>() else {
        return;
    };
    match Message::frame_len(*header) {
        Ok(len) => assert!(len <= MAX_FRAME_BYTES),
        Err(FrameError::TooLarge(_)) => {}
        Err(e) => panic!("a header can only be too large, got {e}"),
    }
    if let Ok(message) = Message::decode(body) {
        let frame = message.to_frame().expect("a decoded message encodes");
        assert_eq!(Message::decode(&frame[4..]).as_ref(), Ok(&message));
    }
});
