//! The one error type of the FFI: every core error is flattened here, at a single point.
//!
//! Each variant names the area that failed and carries a stable, machine-readable `code`
//! (snake_case, never renamed once published: apps switch on it) plus a human `detail` that
//! holds no secret and no personal data (the core's messages already obey that rule). In Kotlin
//! this is the sealed class `FfiException` (`FfiException.Qr`, `.Key`...), in Swift `FfiError`.

use kipochi_core::Error as CoreError;
use kipochi_core::approval::ApprovalError;
use kipochi_core::client::ClientError;
use kipochi_core::keys::KeyError;
use kipochi_core::money::MoneyError;
use kipochi_core::outbox::OutboxError;
use kipochi_core::qr::{DecodeError, EncodeError, ScanError};
use kipochi_core::store::StoreError;

/// Every failure the bindings report. `code` is stable; `detail` is for logs and developers.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
pub enum FfiError {
    /// An argument is not acceptable (bad JSON, unknown currency...); nothing was changed.
    #[error("invalid input ({code}): {detail}")]
    InvalidInput {
        /// Stable code.
        code: String,
        /// What is wrong.
        detail: String,
    },
    /// The device key or the app's secure storage failed.
    #[error("device key ({code}): {detail}")]
    Key {
        /// Stable code.
        code: String,
        /// What is wrong.
        detail: String,
    },
    /// Signing or verifying an approval failed.
    #[error("approval ({code}): {detail}")]
    Approval {
        /// Stable code.
        code: String,
        /// What is wrong.
        detail: String,
    },
    /// The offline store failed.
    #[error("store ({code}): {detail}")]
    Store {
        /// Stable code.
        code: String,
        /// What is wrong.
        detail: String,
    },
    /// The outbox refused an operation.
    #[error("outbox ({code}): {detail}")]
    Outbox {
        /// Stable code.
        code: String,
        /// What is wrong.
        detail: String,
    },
    /// A QR could not be read, produced or scanned.
    #[error("QR ({code}): {detail}")]
    Qr {
        /// Stable code.
        code: String,
        /// What is wrong.
        detail: String,
    },
    /// An amount or currency is invalid.
    #[error("money ({code}): {detail}")]
    Money {
        /// Stable code.
        code: String,
        /// What is wrong.
        detail: String,
    },
    /// A hub call failed: the hub refused it (`code` is the hub's stable `ApiError.code`, e.g.
    /// `insufficient_funds`, `quote_expired`, `unauthenticated`) or gave no answer (`unreachable`,
    /// `timeout`, `protocol`), or there is no session (`no_session`).
    #[error("hub ({code}): {detail}")]
    Hub {
        /// The hub's stable code, or the client's for a call without an answer.
        code: String,
        /// The hub's message (safe to show) or what went wrong on the way.
        detail: String,
        /// HTTP status of the hub's answer; 0 when there was none.
        status: u16,
        /// Whether the hub gave no final answer, so the same call may be made again later.
        retryable: bool,
    },
    /// A foreign implementation (secure storage, listener, transport) threw unexpectedly.
    #[error("platform callback ({code}): {detail}")]
    Platform {
        /// Stable code.
        code: String,
        /// What is wrong.
        detail: String,
    },
}

impl FfiError {
    /// The stable code of any variant.
    pub fn code(&self) -> &str {
        match self {
            Self::InvalidInput { code, .. }
            | Self::Key { code, .. }
            | Self::Approval { code, .. }
            | Self::Store { code, .. }
            | Self::Outbox { code, .. }
            | Self::Qr { code, .. }
            | Self::Money { code, .. }
            | Self::Hub { code, .. }
            | Self::Platform { code, .. } => code,
        }
    }

    /// An [`FfiError::InvalidInput`] with `code` and `detail`.
    pub(crate) fn invalid(code: &str, detail: impl Into<String>) -> Self {
        Self::InvalidInput {
            code: code.into(),
            detail: detail.into(),
        }
    }
}

fn pair(code: &str, e: &impl std::fmt::Display) -> (String, String) {
    (code.to_string(), e.to_string())
}

impl From<KeyError> for FfiError {
    fn from(e: KeyError) -> Self {
        let code = match &e {
            KeyError::Storage(_) => "secure_storage_failed",
            KeyError::CorruptKey => "corrupt_key",
            KeyError::Randomness => "randomness_unavailable",
            KeyError::InvalidPublicKey => "invalid_public_key",
            _ => "key_error",
        };
        let (code, detail) = pair(code, &e);
        Self::Key { code, detail }
    }
}

impl From<ApprovalError> for FfiError {
    fn from(e: ApprovalError) -> Self {
        let code = match &e {
            ApprovalError::InvalidTerms(_) => "invalid_terms",
            ApprovalError::DeviceMismatch => "device_mismatch",
            ApprovalError::MalformedSignature => "malformed_signature",
            ApprovalError::InvalidPublicKey => "invalid_public_key",
            ApprovalError::BadSignature => "bad_signature",
            ApprovalError::Encoding => "encoding_failed",
            _ => "approval_error",
        };
        let (code, detail) = pair(code, &e);
        Self::Approval { code, detail }
    }
}

impl From<StoreError> for FfiError {
    fn from(e: StoreError) -> Self {
        let code = match &e {
            StoreError::Backend(_) => "backend_failed",
            StoreError::Corrupt(_) => "corrupt",
            StoreError::SchemaTooNew { .. } => "schema_too_new",
            StoreError::DuplicateId => "duplicate_id",
            StoreError::NotFound => "not_found",
            StoreError::WrongState { .. } => "wrong_state",
            _ => "store_error",
        };
        let (code, detail) = pair(code, &e);
        Self::Store { code, detail }
    }
}

impl From<OutboxError> for FfiError {
    fn from(e: OutboxError) -> Self {
        let code = match &e {
            OutboxError::InvalidPayload(_) => "invalid_payload",
            OutboxError::NotResubmittable(_) => "not_resubmittable",
            _ => "outbox_error",
        };
        let (code, detail) = pair(code, &e);
        Self::Outbox { code, detail }
    }
}

/// Stable code of a QR decoding failure.
fn decode_code(e: &DecodeError) -> &'static str {
    match e {
        DecodeError::Empty => "empty_payload",
        DecodeError::NotEmv => "not_a_payment_qr",
        DecodeError::PayloadTooLong { .. } => "payload_too_long",
        DecodeError::BadTag { .. }
        | DecodeError::BadLength { .. }
        | DecodeError::Truncated { .. }
        | DecodeError::DuplicateTag { .. }
        | DecodeError::BadTemplate { .. } => "malformed_tlv",
        DecodeError::BadFormatIndicator => "bad_format_indicator",
        DecodeError::CrcNotLast | DecodeError::BadCrc { .. } => "bad_crc",
        DecodeError::MissingTag { .. } => "missing_tag",
        DecodeError::MissingAccount | DecodeError::NoSupportedAccount => "no_supported_account",
        DecodeError::MissingGuid { .. } | DecodeError::BadPayee { .. } => "bad_payee",
        DecodeError::BadInitiationMethod => "bad_initiation_method",
        DecodeError::BadMcc => "bad_mcc",
        DecodeError::BadCurrency => "bad_currency",
        DecodeError::AmountNotANumber
        | DecodeError::AmountNotPositive
        | DecodeError::AmountTooPrecise => "bad_amount",
        DecodeError::BadCountry => "bad_country",
        DecodeError::TooLong { .. } => "value_too_long",
        DecodeError::BadLanguageTemplate => "bad_language_template",
        DecodeError::BadBase64
        | DecodeError::MissingParameter { .. }
        | DecodeError::BadParameter { .. } => "bad_legacy_uri",
        _ => "qr_decode_error",
    }
}

impl From<DecodeError> for FfiError {
    fn from(e: DecodeError) -> Self {
        let (code, detail) = pair(decode_code(&e), &e);
        Self::Qr { code, detail }
    }
}

impl From<EncodeError> for FfiError {
    fn from(e: EncodeError) -> Self {
        let code = match &e {
            EncodeError::Amount(money) => return money.clone().into(),
            EncodeError::ValueLength { .. } | EncodeError::BadTag { .. } => "bad_field",
            EncodeError::Invalid(inner) => decode_code(inner),
            EncodeError::DataTooLong => "data_too_long",
            EncodeError::Image => "image_encoding_failed",
            _ => "qr_encode_error",
        };
        let (code, detail) = pair(code, &e);
        Self::Qr { code, detail }
    }
}

impl From<ScanError> for FfiError {
    fn from(e: ScanError) -> Self {
        let code = match &e {
            ScanError::BadDimensions { .. } => "bad_frame_dimensions",
            ScanError::FrameTooLarge => "frame_too_large",
            _ => "scan_error",
        };
        let (code, detail) = pair(code, &e);
        Self::Qr { code, detail }
    }
}

impl From<MoneyError> for FfiError {
    fn from(e: MoneyError) -> Self {
        let code = match &e {
            MoneyError::NotANumber => "not_a_number",
            MoneyError::TooManyDigits => "too_many_digits",
            MoneyError::Overflow => "overflow",
            MoneyError::TooPrecise { .. } => "too_precise",
            MoneyError::Negative => "negative",
            MoneyError::UnknownCurrency => "unknown_currency",
            _ => "money_error",
        };
        let (code, detail) = pair(code, &e);
        Self::Money { code, detail }
    }
}

impl From<CoreError> for FfiError {
    fn from(e: CoreError) -> Self {
        match e {
            CoreError::InvalidInput(detail) => Self::invalid("invalid_input", detail),
            CoreError::Key(e) => e.into(),
            CoreError::Approval(e) => e.into(),
            CoreError::Store(e) => e.into(),
            CoreError::Outbox(e) => e.into(),
            CoreError::Qr(e) => e.into(),
            CoreError::QrEncode(e) => e.into(),
            CoreError::QrScan(e) => e.into(),
            CoreError::Money(e) => e.into(),
            CoreError::Client(e) => e.into(),
            other => Self::invalid("core_error", other.to_string()),
        }
    }
}

/// A hub-client failure keeps the hub's stable code; an invalid argument or a failed signature
/// goes to the variant of its area.
impl From<ClientError> for FfiError {
    fn from(e: ClientError) -> Self {
        let retryable = e.is_retryable();
        match e {
            ClientError::Hub {
                status,
                code,
                message,
            } => Self::Hub {
                code,
                detail: message,
                status,
                retryable,
            },
            ClientError::InvalidInput(detail) => Self::invalid("invalid_input", detail),
            ClientError::Approval(inner) => inner.into(),
            other => Self::Hub {
                code: other.code().to_string(),
                detail: other.to_string(),
                status: 0,
                retryable,
            },
        }
    }
}

/// A foreign callback threw an exception uniffi did not expect (not an `FfiException`).
impl From<uniffi::UnexpectedUniFFICallbackError> for FfiError {
    fn from(e: uniffi::UnexpectedUniFFICallbackError) -> Self {
        Self::Platform {
            code: "callback_failed".into(),
            detail: e.reason,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn core_errors_flatten_to_stable_codes() {
        let e: FfiError = CoreError::from(StoreError::NotFound).into();
        assert_eq!(e.code(), "not_found");
        assert!(matches!(e, FfiError::Store { .. }));
        let e: FfiError = DecodeError::BadCrc {
            expected: 1,
            found: "0000".into(),
        }
        .into();
        assert_eq!(e.code(), "bad_crc");
        let e: FfiError = EncodeError::Invalid(DecodeError::BadMcc).into();
        assert_eq!(e.code(), "bad_mcc");
        let e: FfiError = ApprovalError::BadSignature.into();
        assert_eq!(e.code(), "bad_signature");
        assert!(e.to_string().contains("bad_signature"));
    }

    #[test]
    fn hub_errors_keep_the_hub_code() {
        let refused = ClientError::Hub {
            status: 422,
            code: "insufficient_funds".into(),
            message: "not enough money".into(),
        };
        let e: FfiError = CoreError::from(refused).into();
        assert_eq!(
            e,
            FfiError::Hub {
                code: "insufficient_funds".into(),
                detail: "not enough money".into(),
                status: 422,
                retryable: false
            }
        );
        let e: FfiError = ClientError::Timeout.into();
        assert!(matches!(
            e,
            FfiError::Hub {
                status: 0,
                retryable: true,
                ..
            }
        ));
        assert_eq!(e.code(), "timeout");
        assert_eq!(FfiError::from(ClientError::NoSession).code(), "no_session");
        let e: FfiError = ClientError::InvalidInput("malformed id".into()).into();
        assert!(matches!(e, FfiError::InvalidInput { .. }));
        let e: FfiError = ClientError::Approval(ApprovalError::DeviceMismatch).into();
        assert_eq!(e.code(), "device_mismatch");
    }
}
