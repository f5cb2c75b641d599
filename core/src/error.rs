//! The crate's one error type. Platform layers (FFI, web) flatten it at a single point.
//!
//! Each module area has its own error enum (`KeyError`, `ApprovalError`, `StoreError`,
//! `OutboxError`); they wrap into [`Error`] with `?`. No variant carries a secret, a PIN, a key or
//! personal data: messages name what went wrong, never the values involved.

use crate::approval::ApprovalError;
use crate::keys::KeyError;
use crate::outbox::OutboxError;
use crate::store::StoreError;

/// Every failure `kipochi-core` reports.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Input the caller gave is not acceptable; nothing was changed.
    #[error("invalid input: {0}")]
    InvalidInput(String),
    /// Device key generation, storage or loading failed.
    #[error(transparent)]
    Key(#[from] KeyError),
    /// Building, signing or verifying an approval failed.
    #[error(transparent)]
    Approval(#[from] ApprovalError),
    /// The offline store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The outbox refused an operation.
    #[error(transparent)]
    Outbox(#[from] OutboxError),
    /// A scanned QR could not be read as a payment request.
    #[error("QR: {0}")]
    Qr(#[from] crate::qr::DecodeError),
    /// A QR could not be produced.
    #[error("QR encoding: {0}")]
    QrEncode(#[from] crate::qr::EncodeError),
    /// A camera frame could not be scanned.
    #[error("QR scan: {0}")]
    QrScan(#[from] crate::qr::ScanError),
    /// A hub API call failed.
    #[cfg(feature = "client")]
    #[error(transparent)]
    Client(#[from] crate::client::ClientError),
    /// An amount or currency is invalid.
    #[error("money: {0}")]
    Money(#[from] crate::money::MoneyError),
}

/// Result alias for the core.
pub type Result<T, E = Error> = std::result::Result<T, E>;
