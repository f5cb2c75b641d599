//! `kipochi-ffi`: the thin uniffi layer over `kipochi-core` (no business logic here).
//!
//! The uniffi exports arrive with the mobile issue; until then this crate only re-exports the
//! core's version so the cdylib/staticlib build path is exercised in CI.

/// Version of the core compiled into this library.
pub fn core_version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}
