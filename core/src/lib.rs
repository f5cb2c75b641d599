//! `kipochi-core`: the one place where wallet behaviour lives.
//!
//! Android and iOS reach it through `kipochi-ffi` (uniffi), the browser through `kipochi-web`
//! (Leptos, wasm32). It does no platform I/O of its own outside the `sqlite` and `tokio` features:
//! stores and transports sit behind traits. See `ARCHITECTURE.md` at the repository root.

#![forbid(unsafe_code)]

mod error;
pub mod money;
pub mod qr;

pub use error::{Error, Result};
