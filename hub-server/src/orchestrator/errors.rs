//! The one mapping from account-system errors to the hub's API error, with stable codes.

use crate::accounts::AccountError;
use crate::error::Error;

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
            AccountError::Unavailable(_)
            | AccountError::AliasInUse(_)
            | AccountError::TransferNotFound(_)
            | AccountError::InvalidState { .. } => Error::Internal(e.to_string()),
        }
    }
}

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
