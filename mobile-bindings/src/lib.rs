//! `kipochi-ffi`: the thin uniffi layer over `kipochi-core` (no business logic here).
//!
//! Each module wraps one area of the core: newtypes and mirrored records, error flattening into
//! the one [`FfiError`], and adapters from foreign (Kotlin/Swift) implementations to the core's
//! traits. Nothing here decides anything a wallet does: it converts and wires.
//!
//! **Threading model.** Every export in this crate is **blocking** and fast (local work: QR,
//! signing, SQLite). Apps call them off the main thread (Kotlin: `Dispatchers.IO` /
//! `Dispatchers.Default`; Swift: a background `Task` or queue). Exports are safe to call from any
//! thread at the same time: objects are internally synchronized. Network exports (the hub client:
//! login, balance, pay flow) are to be added as their own module with `async` exports on a tokio
//! runtime, which become Kotlin `suspend` functions (kotlinx-coroutines) and Swift `async`.
//!
//! **Callbacks.** [`WalletListener::on_change`] is called on the thread that changed the model
//! (whichever thread called the export); apps hop to their UI thread themselves. A
//! [`Subscription`] is cancelled by [`Subscription::cancel`] or when it is destroyed.
//!
//! See `mobile-bindings/README.md` for how the bindings are generated and tested.

uniffi::setup_scaffolding!("kipochi");

mod error;
mod keys;
mod model;
mod outbox;
mod qr;
mod records;
mod store;

pub use error::FfiError;
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
