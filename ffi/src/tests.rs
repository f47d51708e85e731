//! Rust-side checks of the facade. The bindings are exercised for real by
//! `tests/python/test_groundwork.py` (`scripts/test-python`).

use std::future::Future;
use std::mem::ManuallyDrop;

use crate::error::GroundworkError;
use crate::model::{Channel, ConversationSteps, NewContact, NewConversation};
use crate::{ContactEdit, GroundworkStore};

/// Only in test builds: the function the panic check calls through its C scaffolding.
#[uniffi::export]
fn test_only_panic() -> u8 {
    panic!("boom from a test")
}

fn block_on<T>(f: impl Future<Output = T>) -> T {
    crate::runtime::handle().block_on(f)
}

fn open(
    dir: &tempfile::TempDir,
    key: &[u8],
) -> Result<std::sync::Arc<GroundworkStore>, GroundworkError> {
    block_on(GroundworkStore::open(
        dir.path().join("store.db").display().to_string(),
        key.to_vec(),
    ))
}

#[test]
fn a_panic_reaches_the_foreign_side_as_an_unexpected_error() {
    // What every binding gets: uniffi's scaffolding catches the panic and reports code 2
    // ("unexpected error") with the panic message; the process goes on.
    let mut status = uniffi::RustCallStatus::default();
    let _ = uniffi_groundwork_ffi_fn_func_test_only_panic(&mut status);
    assert_eq!(status.code, uniffi::RustCallStatusCode::UnexpectedError);
    let message = ManuallyDrop::into_inner(status.error_buf).destroy_into_vec();
    assert!(
        String::from_utf8_lossy(&message).contains("boom from a test"),
        "the message carries the panic: {:?}",
        String::from_utf8_lossy(&message)
    );
}

#[test]
fn a_panic_in_async_work_is_an_internal_error() {
    let r: Result<(), GroundworkError> =
        block_on(crate::runtime::run(async { panic!("async boom") }));
    match r {
        Err(GroundworkError::Internal { message }) => assert!(message.contains("async boom")),
        other => panic!("expected Internal, got {other:?}"),
    }
}

#[test]
fn wrong_key_length_is_invalid_input_and_wrong_key_is_storage() {
    let dir = tempfile::tempdir().expect("temp dir");
    assert!(matches!(
        open(&dir, &[7; 31]),
        Err(GroundworkError::InvalidInput { .. })
    ));
    let store = open(&dir, &[7; 32]).expect("opens");
    drop(store);
    assert!(matches!(
        open(&dir, &[8; 32]),
        Err(GroundworkError::Storage { .. })
    ));
}

#[test]
fn records_round_trip_and_errors_have_kinds() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = open(&dir, &[1; 32]).expect("opens");
    let group = store.create_group("Maple Court".into()).expect("group");
    let ana = group
        .create_contact(NewContact {
            name: "Ana Ruiz".into(),
            phones: vec![],
            emails: vec![],
            addresses: vec![],
            unit: None,
            tags: vec!["floor-2".into()],
            custom: Default::default(),
            organizers: vec![],
            do_not_contact: false,
            consent: Default::default(),
            notes: String::new(),
        })
        .expect("contact");
    let recorded = group
        .record_conversation(
            ana.id.clone(),
            NewConversation {
                organizer: "rosa".into(),
                at_ms: 1_700_000_000_000,
                channel: Channel::Door,
                steps: ConversationSteps {
                    story: "rent went up 20%".into(),
                    ..Default::default()
                },
                assessment: Some(2),
                place: String::new(),
                next_steps: String::new(),
            },
            None,
        )
        .expect("conversation");
    let ana = group.contact(ana.id).expect("read");
    assert_eq!(ana.assessment, Some(2));
    assert_eq!(ana.conversations[0].id, recorded.conversation_id);

    // An edit based on the version the screen shows (the current one here; the stale case
    // needs a second device, see the Python two-device test).
    let tagged = group
        .update_contact(
            ana.id.clone(),
            vec![ContactEdit::AddTag {
                tag: "leader".into(),
            }],
            None,
        )
        .expect("tag");
    let merged = group
        .update_contact(
            ana.id.clone(),
            vec![ContactEdit::SetName {
                name: "Ana R.".into(),
            }],
            Some(tagged.meta.version),
        )
        .expect("based edit");
    assert_eq!(merged.name, "Ana R.");
    assert!(merged.tags.contains(&"leader".to_owned()));

    assert!(matches!(
        group.contact("00".repeat(16)),
        Err(GroundworkError::NotFound { .. })
    ));
    assert!(matches!(
        group.contact("not an id".into()),
        Err(GroundworkError::InvalidInput { .. })
    ));
    assert!(matches!(
        group.update_contact(
            merged.id.clone(),
            vec![ContactEdit::SetName {
                name: "x".repeat(100_000)
            }],
            None
        ),
        Err(GroundworkError::InvalidInput { .. })
    ));
    assert!(matches!(
        group.update_contact(
            merged.id,
            vec![ContactEdit::AddTag { tag: "t".into() }],
            Some("ab".repeat(32)),
        ),
        Err(GroundworkError::Conflict { .. })
    ));
}
