#![no_main]
//! An invite ticket's text (typed or scanned: `Ticket::parse`) and a join-protocol message
//! (`JoinMessage::decode`). What parses prints again to a ticket that parses the same.

use groundwork_proto::invite::{JoinMessage, Ticket};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(ticket) = Ticket::parse(text, 0) {
            assert_eq!(Ticket::parse(&ticket.to_text(), 0).as_ref(), Ok(&ticket));
        }
    }
    if let Ok(message) = JoinMessage::decode(data) {
        assert_eq!(
            JoinMessage::decode(&message.to_bytes()).as_ref(),
            Ok(&message)
        );
    }
});
