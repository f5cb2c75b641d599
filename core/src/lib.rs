//! `kipochi-core`: the one place where wallet behaviour lives.
//!
//! Android and iOS reach it through `kipochi-ffi` (uniffi), the browser through `kipochi-web`
//! (Leptos, wasm32). It does no platform I/O of its own outside the `sqlite` and `tokio` features:
//! stores and transports sit behind traits. See `ARCHITECTURE.md` at the repository root.

#![forbid(unsafe_code)]

pub mod api;
pub mod api_extra;
pub mod api_merchant;
pub mod approval;
#[cfg(feature = "client")]
pub mod client;
mod error;
pub mod ids;
pub mod keys;
pub mod money;
pub mod onboarding;
pub mod outbox;
pub mod qr;
pub mod state;
pub mod store;

pub use error::{Error, Result};
