//! Fineract's error bodies and their one mapping to [`AccountError`].
//!
//! Fineract answers errors with `ApiGlobalErrorResponse` (reference note §2.2):
//! `{"developerMessage", "httpStatusCode", "defaultUserMessage", "userMessageGlobalisationCode",
//! "errors": [{"userMessageGlobalisationCode", "parameterName", ...}]}`; domain-rule errors are 403,
//! not-found 404, validation 400. The codes of `InteropTransferAlreadyCommittedException` and
//! `InteropTransferAlreadyOnHoldException` are swapped in Fineract, so the adapter interprets them by
//! the action it sent (see `transfers.rs`), never by the code alone.

use serde::Deserialize;

use crate::accounts::AccountError;

/// Insufficient balance on quote, PREPARE or CREATE (`InsufficientAccountBalanceException`).
pub const INSUFFICIENT: &str = "error.msg.savingsaccount.transaction.insufficient.account.balance";
/// Unknown interop identifier or account (`InteropAccountNotFoundException`).
pub const ACCOUNT_NOT_FOUND: &str = "error.msg.interop.account.not.found";
/// Unknown savings account (`SavingsAccountNotFoundException`).
pub const SAVINGS_NOT_FOUND: &str = "error.msg.saving.account.id.invalid";
/// The hold of a transfer is missing or already released (`InteropTransferMissingException`).
pub const HOLD_MISSING: &str = "error.msg.interop.onhold.transfer.missing";
/// Code carried by a repeated CREATE (swapped in Fineract: says "on hold").
pub const ALREADY_ON_HOLD: &str = "error.msg.interop.transfer.already.on.hold";
/// Code carried by a repeated PREPARE (swapped in Fineract: says "committed").
pub const ALREADY_COMMITTED: &str = "error.msg.interop.transfer.already.committed";
/// The identifier is already registered (`PlatformDataIntegrityException`).
pub const DUPLICATE_IDENTIFIER: &str = "error.msg.interop.duplicate.account.identifier";
/// Account currency differs from the request's (`DifferentCurrenciesException`).
pub const DIFFERENT_CURRENCIES: &str = "error.msg.currencies.different";
/// The account does not allow the transaction (inactive, blocked).
pub const NOT_ALLOWED: &str = "error.msg.interop.transaction.not.allowed";

/// The parsed `ApiGlobalErrorResponse` (only the fields the adapter reads).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiErrorBody {
    /// The top-level code, e.g. `error.msg.interop.account.not.found`.
    #[serde(default)]
    pub user_message_globalisation_code: String,
    /// Per-parameter errors (validation).
    #[serde(default)]
    pub errors: Vec<ApiErrorItem>,
}

/// One entry of `errors`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApiErrorItem {
    /// The entry's code.
    #[serde(default)]
    pub user_message_globalisation_code: String,
}

/// Errors of the Fineract adapter. Messages carry status codes and Fineract's error codes only,
/// never names, phone numbers, credentials or response bodies.
#[derive(Debug, Clone, thiserror::Error)]
pub enum FineractError {
    /// Fineract answered with an error status.
    #[error("fineract answered {status}: {code}")]
    Api {
        /// The HTTP status.
        status: u16,
        /// `userMessageGlobalisationCode` (or the first `errors[]` code).
        code: String,
        /// All codes in the body (top level and `errors[]`).
        codes: Vec<String>,
    },
    /// Fineract could not be reached or did not answer in time.
    #[error("fineract unreachable: {0}")]
    Transport(String),
    /// Fineract's answer could not be read.
    #[error("unexpected answer from fineract: {0}")]
    Decode(String),
    /// The adapter's local record failed.
    #[error("fineract adapter store: {0}")]
    Store(String),
    /// The adapter's settings are unusable.
    #[error("fineract settings: {0}")]
    Config(String),
}

impl FineractError {
    /// Builds the error of a non-2xx answer from its status and body.
    pub fn from_response(status: u16, body: &[u8]) -> Self {
        let parsed: ApiErrorBody = serde_json::from_slice(body).unwrap_or_default();
        let mut codes = Vec::new();
        if !parsed.user_message_globalisation_code.is_empty() {
            codes.push(parsed.user_message_globalisation_code.clone());
        }
        codes.extend(
            parsed
                .errors
                .iter()
                .map(|e| e.user_message_globalisation_code.clone())
                .filter(|c| !c.is_empty()),
        );
        let code = codes.first().cloned().unwrap_or_else(|| "unknown".into());
        Self::Api {
            status,
            code,
            codes,
        }
    }

    /// The HTTP status of an API error.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Api { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// True when any code of an API error starts with `prefix`.
    pub fn has_code(&self, prefix: &str) -> bool {
        match self {
            Self::Api { codes, .. } => codes.iter().any(|c| c.starts_with(prefix)),
            _ => false,
        }
    }

    /// True for a repeated PREPARE or CREATE (either of the swapped "already" codes, 403).
    pub fn is_already_done(&self) -> bool {
        self.status() == Some(403)
            && (self.has_code(ALREADY_ON_HOLD) || self.has_code(ALREADY_COMMITTED))
    }
}

impl From<rusqlite::Error> for FineractError {
    fn from(e: rusqlite::Error) -> Self {
        Self::Store(e.to_string())
    }
}

impl From<FineractError> for AccountError {
    /// The generic mapping; operations that know more (which account, which transfer) map the
    /// not-found cases themselves before falling back to this.
    fn from(e: FineractError) -> Self {
        match &e {
            FineractError::Api { status, .. } => {
                if e.has_code(INSUFFICIENT) {
                    AccountError::InsufficientFunds
                } else if *status == 400 && e.has_code("validation.msg") {
                    AccountError::InvalidInput(format!("refused by fineract: {e}"))
                } else {
                    AccountError::Unavailable(e.to_string())
                }
            }
            _ => AccountError::Unavailable(e.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_global_error_body() {
        let body = br#"{"developerMessage":"x","httpStatusCode":"403","defaultUserMessage":"x",
            "userMessageGlobalisationCode":"error.msg.savingsaccount.transaction.insufficient.account.balance.withdraw",
            "errors":[{"userMessageGlobalisationCode":"error.msg.other","parameterName":"id"}]}"#;
        let e = FineractError::from_response(403, body);
        assert!(e.has_code(INSUFFICIENT));
        assert!(e.has_code("error.msg.other"));
        assert_eq!(AccountError::from(e), AccountError::InsufficientFunds);
    }

    #[test]
    fn both_swapped_codes_mean_already_done_only_on_403() {
        for code in [ALREADY_ON_HOLD, ALREADY_COMMITTED] {
            let body = format!(r#"{{"userMessageGlobalisationCode":"{code}"}}"#);
            assert!(FineractError::from_response(403, body.as_bytes()).is_already_done());
            assert!(!FineractError::from_response(500, body.as_bytes()).is_already_done());
        }
        let tenant = br#"{"userMessageGlobalisationCode":"error.msg.invalid.tenant.identifier"}"#;
        let tenant = FineractError::from_response(400, tenant);
        assert!(matches!(
            AccountError::from(tenant),
            AccountError::Unavailable(_)
        ));
        let invalid =
            br#"{"userMessageGlobalisationCode":"validation.msg.validation.errors.exist"}"#;
        let invalid = FineractError::from_response(400, invalid);
        assert!(matches!(
            AccountError::from(invalid),
            AccountError::InvalidInput(_)
        ));
        let garbage = FineractError::from_response(502, b"<html>bad gateway</html>");
        assert!(!garbage.is_already_done());
        assert!(matches!(
            AccountError::from(garbage),
            AccountError::Unavailable(_)
        ));
    }
}
