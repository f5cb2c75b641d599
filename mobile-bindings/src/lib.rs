//! `kipochi-ffi`: the thin uniffi layer over `kipochi-core` (no business logic here).
//!
//! Each module wraps one area of the core: newtypes and mirrored records, error flattening into
//! the one [`FfiError`], and adapters from foreign (Kotlin/Swift) implementations to the core's
//! traits. Nothing here decides anything a wallet does: it converts and wires.
//!
//! **Threading model.** Local exports (QR, signing, SQLite, the model) are **blocking** and
//! fast: apps call them off the main thread (Kotlin `Dispatchers.Default`/`IO`, Swift a
//! background `Task`). Network exports (the hub client in [`hub`], [`Outbox::sync_with_hub`])
//! are **`async`**: Kotlin `suspend` functions (kotlinx-coroutines) and Swift `async` methods,
//! each running as a task on the library's own tokio runtime ([`runtime`], two worker threads);
//! cancelling the coroutine/Task aborts the call. Objects are thread-safe.
//!
//! **Callbacks.** [`WalletListener::on_change`] is called on the thread that changed the model
//! (whichever thread called the export); [`HubEventListener`] on a runtime thread; apps hop to
//! their UI thread themselves. A [`Subscription`] / [`EventSubscription`] is cancelled by its
//! `cancel()` or when it is destroyed.
//!
//! See `mobile-bindings/README.md` for how the bindings are generated and tested.

uniffi::setup_scaffolding!("kipochi");

mod error;
mod hub;
mod hub_events;
mod hub_records;
mod keys;
mod model;
mod outbox;
mod qr;
mod records;
mod runtime;
mod store;

pub use error::FfiError;
pub use hub::HubClient;
pub use hub_events::{EventSubscription, HubEventListener};
pub use keys::{DeviceKey, SecureStorage};
pub use model::{Subscription, WalletListener, WalletModel};
pub use outbox::{Outbox, OutboxTransport};
pub use store::WalletStore;

/// Version of the core compiled into this library.
#[uniffi::export]
pub fn core_version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}

/// Milliseconds since the Unix epoch from the system clock (the core itself is clock-free).
pub(crate) fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}
