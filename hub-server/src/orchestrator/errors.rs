//! The one mapping from account-system errors to the hub's API error, with stable codes
//! (payments, onboarding and the API's reads alike).

use crate::accounts::AccountError;
use crate::error::Error;
use crate::fspiop::ErrorInformation;
use crate::fspiop::handler::SwitchError;

/// Stable code for a payment that failed because of `e` (stored in the payment's `error_code`).
pub fn account_error_code(e: &AccountError) -> &'static str {
    match e {
        AccountError::InsufficientFunds => "insufficient_funds",
        AccountError::LimitExceeded(_) => "limit_exceeded",
        AccountError::PartyNotFound(_) => "payee_not_found",
        AccountError::CurrencyMismatch { .. } => "currency_mismatch",
        AccountError::AccountNotFound(_) | AccountError::WrongAccountKind(_) => {
            "account_unavailable"
        }
        AccountError::Conflict(_) => "idempotency_conflict",
        AccountError::InvalidInput(_) => "invalid_request",
        AccountError::AliasInUse(_)
        | AccountError::TransferNotFound(_)
        | AccountError::InvalidState { .. } => "internal_error",
        AccountError::Unavailable(_) => "account_system_unavailable",
    }
}

impl From<AccountError> for Error {
    fn from(e: AccountError) -> Self {
        match e {
            AccountError::InsufficientFunds
            | AccountError::LimitExceeded(_)
            | AccountError::PartyNotFound(_)
            | AccountError::CurrencyMismatch { .. }
            | AccountError::AccountNotFound(_)
            | AccountError::WrongAccountKind(_) => Error::Refused {
                code: account_error_code(&e),
                message: e.to_string(),
            },
            AccountError::Conflict(_) => Error::IdempotencyConflict,
            AccountError::InvalidInput(m) => Error::InvalidRequest(m),
            // Only opening an account (onboarding) can meet a taken alias: the phone number.
            AccountError::AliasInUse(_) => Error::AlreadyExists("phone number"),
            AccountError::Unavailable(_)
            | AccountError::TransferNotFound(_)
            | AccountError::InvalidState { .. } => Error::Internal(e.to_string()),
        }
    }
}

/// The error of a read whose subject is the account itself (a balance, a history, a merchant's
/// or a system account): a missing account is 404 `not_found` there, not a refused payment.
/// Everything else maps as [`From<AccountError>`].
pub fn account_read_error(e: AccountError) -> Error {
    match e {
        AccountError::AccountNotFound(_) => Error::NotFound("account"),
        other => other.into(),
    }
}

/// The wallet-facing error for a failed switch call (lookup, quote).
pub fn switch_error(e: &SwitchError) -> Error {
    match e {
        SwitchError::Rejected(info) => {
            let (code, message) = fspiop_refusal(info);
            Error::Refused { code, message }
        }
        SwitchError::Timeout => refused("switch_timeout", "the switch did not answer in time"),
        SwitchError::Layer(_) => refused("switch_unavailable", "the switch could not be reached"),
    }
}

/// Stable code and message for an FSPIOP error a peer or the switch answered.
pub fn fspiop_refusal(info: &ErrorInformation) -> (&'static str, String) {
    let code = match info.error_code.as_str() {
        "3200" | "3201" | "3203" | "3204" => "payee_not_found",
        "3302" => "quote_expired",
        "3303" => "transfer_expired",
        c if c.starts_with('5') => "payee_rejected",
        _ => "switch_declined",
    };
    let description: String = info.error_description.chars().take(128).collect();
    (code, format!("FSPIOP {}: {description}", info.error_code))
}

/// Codes a failed payment may carry; a retry answers with the stored one.
pub const PAYMENT_FAILURE_CODES: &[&str] = &[
    "insufficient_funds",
    "limit_exceeded",
    "payee_not_found",
    "currency_mismatch",
    "account_unavailable",
    "account_system_unavailable",
    "payee_changed",
    "quote_expired",
    "transfer_expired",
    "payee_rejected",
    "switch_declined",
    "switch_timeout",
    "switch_unavailable",
];

/// A refusal with a stable `code` (quote expired, bad approval, ...).
pub fn refused(code: &'static str, message: impl Into<String>) -> Error {
    Error::Refused {
        code,
        message: message.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounts::{AliasType, LimitKind};

    #[test]
    fn business_refusals_keep_stable_codes() {
        let e: Error = AccountError::InsufficientFunds.into();
        assert_eq!(e.code(), "insufficient_funds");
        assert_eq!(e.status(), axum::http::StatusCode::UNPROCESSABLE_ENTITY);
        let e: Error = AccountError::LimitExceeded(LimitKind::Daily).into();
        assert_eq!(e.code(), "limit_exceeded");
        let e: Error = AccountError::PartyNotFound(AliasType::Msisdn).into();
        assert_eq!(e.code(), "payee_not_found");
        let e: Error = AccountError::Unavailable("db".into()).into();
        assert_eq!(e.code(), "internal_error");
    }
}
