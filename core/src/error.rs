//! The crate's one error type. Platform layers (FFI, web) flatten it at a single point.

/// Every failure `kipochi-core` reports.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Input the caller gave is not acceptable; nothing was changed.
    #[error("invalid input: {0}")]
    InvalidInput(String),
}

/// Result alias for the core.
pub type Result<T, E = Error> = std::result::Result<T, E>;
