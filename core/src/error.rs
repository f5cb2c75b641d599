//! The crate's one error type. Platform layers (FFI, web) flatten it at a single point.

/// Every failure `kipochi-core` reports.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Input the caller gave is not acceptable; nothing was changed.
    #[error("invalid input: {0}")]
    InvalidInput(String),
    /// A scanned QR could not be read as a payment request.
    #[error("QR: {0}")]
    Qr(#[from] crate::qr::DecodeError),
    /// A QR could not be produced.
    #[error("QR encoding: {0}")]
    QrEncode(#[from] crate::qr::EncodeError),
    /// A camera frame could not be scanned.
    #[error("QR scan: {0}")]
    QrScan(#[from] crate::qr::ScanError),
    /// An amount or currency is invalid.
    #[error("money: {0}")]
    Money(#[from] crate::money::MoneyError),
}

/// Result alias for the core.
pub type Result<T, E = Error> = std::result::Result<T, E>;
