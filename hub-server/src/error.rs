//! The hub's one error type and its single mapping to the wallet API's `{code, message}` shape.
//!
//! Adapter modules (ledger, FSPIOP, Fineract) have their own error enums; they are converted into
//! this one at the module boundary, and this one is turned into HTTP at exactly one place
//! ([`Error::status`] + [`Error::code`]). Messages never carry secrets or personal data.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// Every failure the hub reports to a wallet client.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The request is malformed or a field is invalid; nothing was changed.
    #[error("invalid request: {0}")]
    InvalidRequest(String),
    /// Missing, expired or unknown bearer token, or wrong credentials.
    #[error("authentication required")]
    Unauthenticated,
    /// Phone number and PIN do not match.
    #[error("wrong phone number or PIN")]
    BadCredentials,
    /// Too many failed attempts: the account is locked for a while.
    #[error("too many failed attempts; try again later")]
    Locked,
    /// The caller's role does not allow this action, or the object is not theirs.
    #[error("not allowed")]
    Forbidden,
    /// The named object does not exist (or is not visible to the caller).
    #[error("{0} not found")]
    NotFound(&'static str),
    /// An object with this identity exists already (e.g. phone number taken).
    #[error("{0} already exists")]
    AlreadyExists(&'static str),
    /// The same idempotency key was used with a different request body.
    #[error("idempotency key reused with a different request")]
    IdempotencyConflict,
    /// The request is well formed but not acceptable in the current state.
    #[error("{0}")]
    Unprocessable(String),
    /// A payment was refused for a business reason; `code` is stable (e.g. `insufficient_funds`,
    /// `limit_exceeded`, `quote_expired`, `invalid_approval`). See `crate::orchestrator::errors`.
    #[error("{message}")]
    Refused { code: &'static str, message: String },
    /// Storage failed; the operation was not applied.
    #[error("storage error")]
    Storage(#[from] rusqlite::Error),
    /// An unexpected internal failure (details are logged, not returned).
    #[error("internal error")]
    Internal(String),
}

impl Error {
    /// Stable machine-readable code clients switch on.
    pub fn code(&self) -> &'static str {
        match self {
            Error::InvalidRequest(_) => "invalid_request",
            Error::Unauthenticated => "unauthenticated",
            Error::BadCredentials => "bad_credentials",
            Error::Locked => "locked",
            Error::Forbidden => "forbidden",
            Error::NotFound(_) => "not_found",
            Error::AlreadyExists(_) => "already_exists",
            Error::IdempotencyConflict => "idempotency_conflict",
            Error::Unprocessable(_) => "unprocessable",
            Error::Refused { code, .. } => code,
            Error::Storage(_) => "storage_error",
            Error::Internal(_) => "internal_error",
        }
    }

    /// HTTP status for this error.
    pub fn status(&self) -> StatusCode {
        match self {
            Error::InvalidRequest(_) => StatusCode::BAD_REQUEST,
            Error::Unauthenticated | Error::BadCredentials => StatusCode::UNAUTHORIZED,
            Error::Locked => StatusCode::TOO_MANY_REQUESTS,
            Error::Forbidden => StatusCode::FORBIDDEN,
            Error::NotFound(_) => StatusCode::NOT_FOUND,
            Error::AlreadyExists(_) | Error::IdempotencyConflict => StatusCode::CONFLICT,
            Error::Unprocessable(_) | Error::Refused { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Error::Storage(_) | Error::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let status = self.status();
        if status.is_server_error() {
            tracing::error!(error = ?self, "request failed");
        }
        let body = serde_json::json!({ "code": self.code(), "message": self.to_string() });
        (status, axum::Json(body)).into_response()
    }
}

/// Result alias for the hub.
pub type Result<T, E = Error> = std::result::Result<T, E>;
