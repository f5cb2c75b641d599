//! The library's own tokio runtime, which every network call runs on.
//!
//! uniffi turns an `async` export into a Kotlin `suspend` function / Swift `async` method whose
//! Rust future is polled from the foreign side. reqwest needs a tokio reactor, so each call runs
//! as a task on this runtime and the exported future only awaits it. Cancelling the foreign
//! coroutine drops that future, which aborts the task (an HTTP request already sent may still
//! have reached the hub: its effect is read back by id, e.g. `HubClient.payment`).

use std::future::Future;
use std::sync::OnceLock;

use tokio::runtime::{Handle, Runtime};
use tokio::task::AbortHandle;

use crate::FfiError;

/// Worker threads: network calls wait on sockets, two are plenty for one app.
const WORKERS: usize = 2;

static RUNTIME: OnceLock<Result<Runtime, String>> = OnceLock::new();

/// The runtime's handle, started on first use.
pub(crate) fn handle() -> Result<Handle, FfiError> {
    let rt = RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(WORKERS)
            .thread_name("kipochi-ffi")
            .enable_all()
            .build()
            .map_err(|e| e.to_string())
    });
    match rt {
        Ok(rt) => Ok(rt.handle().clone()),
        Err(e) => Err(FfiError::Platform {
            code: "runtime_unavailable".into(),
            detail: format!("cannot start the network runtime: {e}"),
        }),
    }
}

/// Aborts the task when the awaiting future is dropped (the coroutine was cancelled).
struct AbortOnDrop(AbortHandle);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Runs `fut` on the runtime and waits for it; its error converts into [`FfiError`].
pub(crate) async fn run<T, E>(
    fut: impl Future<Output = Result<T, E>> + Send + 'static,
) -> Result<T, FfiError>
where
    T: Send + 'static,
    E: Into<FfiError> + Send + 'static,
{
    let task = handle()?.spawn(fut);
    let _abort = AbortOnDrop(task.abort_handle());
    match task.await {
        Ok(out) => out.map_err(Into::into),
        Err(e) => Err(FfiError::Platform {
            code: "task_failed".into(),
            detail: if e.is_cancelled() {
                "the call was cancelled".into()
            } else {
                "the call stopped unexpectedly".into()
            },
        }),
    }
}
