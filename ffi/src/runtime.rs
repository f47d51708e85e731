//! The tokio runtime this crate owns.
//!
//! Every `async` export carries `async_runtime = "tokio"`, so uniffi polls it inside a tokio
//! context (async-compat) whichever thread the foreign executor uses. The work itself is spawned
//! here, on one multi-threaded runtime that lives as long as the process: the network endpoint,
//! its sessions, live links and subscription tasks then never depend on which foreign call
//! happened to start them, and synchronous exports (subscribing) can spawn too. A panic in the
//! work comes back as [`GroundworkError::Internal`].

use std::future::Future;
use std::sync::LazyLock;

use crate::error::{GroundworkError, Result};

static RUNTIME: LazyLock<tokio::runtime::Runtime> = LazyLock::new(|| {
    tokio::runtime::Builder::new_multi_thread()
        // A phone has few cores and the work is mostly waiting on the network and SQLite.
        .worker_threads(2)
        .thread_name("groundwork-ffi")
        .enable_all()
        .build()
        .expect("the tokio runtime starts (it only fails when the OS refuses threads)")
});

/// The runtime's handle, for spawning from synchronous exports.
pub(crate) fn handle() -> &'static tokio::runtime::Handle {
    RUNTIME.handle()
}

/// Runs `fut` on the runtime and waits for it; a panic becomes an internal error.
pub(crate) async fn run<T: Send + 'static>(
    fut: impl Future<Output = Result<T>> + Send + 'static,
) -> Result<T> {
    match handle().spawn(fut).await {
        Ok(r) => r,
        Err(e) => Err(join_error(e)),
    }
}

/// Runs blocking store work on the runtime's blocking pool and waits for it.
pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T> + Send + 'static,
) -> Result<T> {
    match handle().spawn_blocking(f).await {
        Ok(r) => r,
        Err(e) => Err(join_error(e)),
    }
}

fn join_error(e: tokio::task::JoinError) -> GroundworkError {
    if e.is_panic() {
        let payload = e.into_panic();
        let what = payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic".to_owned());
        GroundworkError::internal(format!("the call panicked: {what}"))
    } else {
        GroundworkError::internal("the call was cancelled")
    }
}
