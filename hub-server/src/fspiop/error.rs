//! FSPIOP error codes (API Definition v1.1 §7.6) and the module's `Error` type.

use serde::{Deserialize, Serialize};

use super::types::ExtensionList;

/// An FSPIOP error code, typed. Unknown scheme codes map to their generic `xx00` parent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorCode {
    /// 1000 Communication error.
    CommunicationError,
    /// 1001 Destination communication error.
    DestinationCommunicationError,
    /// 2000 Generic server error.
    GenericServerError,
    /// 2001 Internal server error.
    InternalServerError,
    /// 2002 Not implemented.
    NotImplemented,
    /// 2003 Service currently unavailable.
    ServiceUnavailable,
    /// 2004 Server timed out.
    ServerTimedOut,
    /// 2005 Server busy.
    ServerBusy,
    /// 3000 Generic client error.
    GenericClientError,
    /// 3001 Unacceptable version requested.
    UnacceptableVersion,
    /// 3002 Unknown URI.
    UnknownUri,
    /// 3003 Add Party information error.
    AddPartyInfoError,
    /// 3100 Generic validation error.
    GenericValidationError,
    /// 3101 Malformed syntax.
    MalformedSyntax,
    /// 3102 Missing mandatory element.
    MissingElement,
    /// 3103 Too many elements.
    TooManyElements,
    /// 3104 Too large payload.
    TooLargePayload,
    /// 3105 Invalid signature.
    InvalidSignature,
    /// 3106 Modified request (same ID, different content).
    ModifiedRequest,
    /// 3200 Generic ID not found.
    GenericIdNotFound,
    /// 3201 Destination FSP error.
    DestinationFspError,
    /// 3204 Party not found.
    PartyNotFound,
    /// 3202 Payer FSP ID not found.
    PayerFspIdNotFound,
    /// 3203 Payee FSP ID not found.
    PayeeFspIdNotFound,
    /// 3205 Quote ID not found.
    QuoteIdNotFound,
    /// 3206 Transaction request ID not found.
    TransactionRequestIdNotFound,
    /// 3208 Transfer ID not found.
    TransferIdNotFound,
    /// 3300 Generic expired error.
    GenericExpired,
    /// 3302 Quote expired.
    QuoteExpired,
    /// 3303 Transfer expired.
    TransferExpired,
    /// 4000 Generic payer error.
    GenericPayerError,
    /// 4001 Payer FSP insufficient liquidity.
    PayerFspInsufficientLiquidity,
    /// 4100 Generic payer rejection.
    GenericPayerRejection,
    /// 4101 Payer rejected transaction request.
    PayerRejectedTransactionRequest,
    /// 4200 Payer limit error.
    PayerLimitError,
    /// 4300 Payer permission error.
    PayerPermissionError,
    /// 4400 Payer blocked error.
    PayerBlockedError,
    /// 5000 Generic payee error.
    GenericPayeeError,
    /// 5001 Payee FSP insufficient liquidity.
    PayeeFspInsufficientLiquidity,
    /// 5100 Generic payee rejection.
    GenericPayeeRejection,
    /// 5101 Payee rejected quote.
    PayeeRejectedQuote,
    /// 5102 Payee FSP unsupported transaction type.
    PayeeUnsupportedTransactionType,
    /// 5103 Payee FSP rejected quote.
    PayeeFspRejectedQuote,
    /// 5104 Payee rejected transaction.
    PayeeRejectedTransaction,
    /// 5105 Payee FSP rejected transaction.
    PayeeFspRejectedTransaction,
    /// 5106 Payee unsupported currency.
    PayeeUnsupportedCurrency,
    /// 5200 Payee limit error.
    PayeeLimitError,
    /// 5300 Payee permission error.
    PayeePermissionError,
    /// 5400 Payee blocked error.
    PayeeBlockedError,
}

/// `(code, number, default description)`.
const TABLE: &[(ErrorCode, u16, &str)] = &[
    (ErrorCode::CommunicationError, 1000, "Communication error"),
    (
        ErrorCode::DestinationCommunicationError,
        1001,
        "Destination communication error",
    ),
    (ErrorCode::GenericServerError, 2000, "Generic server error"),
    (
        ErrorCode::InternalServerError,
        2001,
        "Internal server error",
    ),
    (ErrorCode::NotImplemented, 2002, "Not implemented"),
    (
        ErrorCode::ServiceUnavailable,
        2003,
        "Service currently unavailable",
    ),
    (ErrorCode::ServerTimedOut, 2004, "Server timed out"),
    (ErrorCode::ServerBusy, 2005, "Server busy"),
    (ErrorCode::GenericClientError, 3000, "Generic client error"),
    (
        ErrorCode::UnacceptableVersion,
        3001,
        "Unacceptable version requested",
    ),
    (ErrorCode::UnknownUri, 3002, "Unknown URI"),
    (
        ErrorCode::GenericValidationError,
        3100,
        "Generic validation error",
    ),
    (ErrorCode::MalformedSyntax, 3101, "Malformed syntax"),
    (ErrorCode::MissingElement, 3102, "Missing mandatory element"),
    (ErrorCode::TooManyElements, 3103, "Too many elements"),
    (ErrorCode::TooLargePayload, 3104, "Too large payload"),
    (ErrorCode::InvalidSignature, 3105, "Invalid signature"),
    (ErrorCode::ModifiedRequest, 3106, "Modified request"),
    (ErrorCode::GenericIdNotFound, 3200, "Generic ID not found"),
    (
        ErrorCode::DestinationFspError,
        3201,
        "Destination FSP error",
    ),
    (ErrorCode::PartyNotFound, 3204, "Party not found"),
    (
        ErrorCode::PayerFspIdNotFound,
        3202,
        "Payer FSP ID not found",
    ),
    (
        ErrorCode::PayeeFspIdNotFound,
        3203,
        "Payee FSP ID not found",
    ),
    (ErrorCode::QuoteIdNotFound, 3205, "Quote ID not found"),
    (
        ErrorCode::TransactionRequestIdNotFound,
        3206,
        "Transaction request ID not found",
    ),
    (ErrorCode::TransferIdNotFound, 3208, "Transfer ID not found"),
    (ErrorCode::GenericExpired, 3300, "Generic expired error"),
    (ErrorCode::QuoteExpired, 3302, "Quote expired"),
    (ErrorCode::TransferExpired, 3303, "Transfer expired"),
    (ErrorCode::GenericPayerError, 4000, "Generic payer error"),
    (
        ErrorCode::PayerFspInsufficientLiquidity,
        4001,
        "Payer FSP insufficient liquidity",
    ),
    (
        ErrorCode::GenericPayerRejection,
        4100,
        "Generic payer rejection",
    ),
    (
        ErrorCode::PayerRejectedTransactionRequest,
        4101,
        "Payer rejected transaction request",
    ),
    (ErrorCode::PayerLimitError, 4200, "Payer limit error"),
    (
        ErrorCode::PayerPermissionError,
        4300,
        "Payer permission error",
    ),
    (ErrorCode::PayerBlockedError, 4400, "Payer blocked error"),
    (ErrorCode::GenericPayeeError, 5000, "Generic payee error"),
    (
        ErrorCode::PayeeFspInsufficientLiquidity,
        5001,
        "Payee FSP insufficient liquidity",
    ),
    (
        ErrorCode::GenericPayeeRejection,
        5100,
        "Generic payee rejection",
    ),
    (ErrorCode::PayeeRejectedQuote, 5101, "Payee rejected quote"),
    (
        ErrorCode::PayeeUnsupportedTransactionType,
        5102,
        "Payee FSP unsupported transaction type",
    ),
    (
        ErrorCode::PayeeRejectedTransaction,
        5104,
        "Payee rejected transaction",
    ),
    (
        ErrorCode::PayeeUnsupportedCurrency,
        5106,
        "Payee unsupported currency",
    ),
    (ErrorCode::PayeeLimitError, 5200, "Payee limit error"),
    (
        ErrorCode::PayeePermissionError,
        5300,
        "Payee permission error",
    ),
    (ErrorCode::PayeeBlockedError, 5400, "Payee blocked error"),
];

impl ErrorCode {
    /// The four-digit code.
    pub fn code(self) -> u16 {
        TABLE
            .iter()
            .find(|(c, _, _)| *c == self)
            .map_or(2000, |(_, n, _)| *n)
    }

    /// The standard description.
    pub fn description(self) -> &'static str {
        TABLE
            .iter()
            .find(|(c, _, _)| *c == self)
            .map_or("Generic server error", |(_, _, d)| d)
    }

    /// Maps a code number to the typed code: exact match first, then the generic `xx00` of its
    /// low-level category, then the `x000` of its category. `None` when not `1000..=5999`.
    pub fn from_code(number: u16) -> Option<Self> {
        if !(1000..=5999).contains(&number) {
            return None;
        }
        let find = |n: u16| TABLE.iter().find(|(_, m, _)| *m == n).map(|(c, _, _)| *c);
        find(number)
            .or_else(|| find(number / 100 * 100))
            .or_else(|| find(number / 1000 * 1000))
    }

    /// An [`ErrorInformation`] with this code and `description`.
    pub fn info(self, description: impl Into<String>) -> ErrorInformation {
        let mut description: String = description.into();
        if description.is_empty() {
            description = self.description().to_owned();
        }
        // errorDescription is limited to 128 characters.
        if description.chars().count() > 128 {
            description = description.chars().take(128).collect();
        }
        ErrorInformation {
            error_code: format!("{:04}", self.code()),
            error_description: description,
            extension_list: None,
        }
    }
}

/// The `errorInformation` object of an error callback or synchronous error answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorInformation {
    /// Four-digit code as a string (`^[1-9]\d{3}$`).
    pub error_code: String,
    /// Human-readable description (1..128 characters).
    pub error_description: String,
    /// Optional extensions (used for the supported versions on a 3001).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extension_list: Option<ExtensionList>,
}

impl ErrorInformation {
    /// The typed code, if the string is a valid FSPIOP code.
    pub fn code(&self) -> Option<ErrorCode> {
        let valid =
            self.error_code.len() == 4 && self.error_code.bytes().all(|b| b.is_ascii_digit());
        if !valid {
            return None;
        }
        self.error_code.parse().ok().and_then(ErrorCode::from_code)
    }
}

/// `{"errorInformation": {...}}`: the body of every `/error` callback and synchronous error.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorInformationObject {
    /// The error.
    pub error_information: ErrorInformation,
}

/// Errors of the FSPIOP layer (configuration, crypto, transport). Never carries secrets or PII.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A value did not match its FSPIOP format.
    #[error("invalid {field}: {reason}")]
    Invalid {
        /// The field or header concerned.
        field: &'static str,
        /// Why it was refused.
        reason: String,
    },
    /// An ILP packet could not be built or decoded.
    #[error("ILP: {0}")]
    Ilp(String),
    /// A key could not be loaded or a signature could not be made or checked.
    #[error("JWS: {0}")]
    Jws(String),
    /// The duplicate store failed.
    #[error("duplicate store: {0}")]
    Store(String),
    /// The peer or switch could not be reached or answered unexpectedly.
    #[error("transport: {0}")]
    Transport(String),
}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        Error::Store(e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_scheme_codes_fall_back_to_generic() {
        for (code, n, _) in TABLE {
            assert_eq!(code.code(), *n);
            assert_eq!(ErrorCode::from_code(*n), Some(*code));
        }
        assert_eq!(
            ErrorCode::from_code(3241),
            Some(ErrorCode::GenericIdNotFound)
        );
        assert_eq!(
            ErrorCode::from_code(5999),
            Some(ErrorCode::GenericPayeeError)
        );
        assert_eq!(ErrorCode::from_code(6000), None);
        assert_eq!(ErrorCode::PartyNotFound.info("").error_code, "3204");
        let info = ErrorInformation {
            error_code: "31x6".into(),
            error_description: "x".into(),
            extension_list: None,
        };
        assert_eq!(info.code(), None);
    }
}
