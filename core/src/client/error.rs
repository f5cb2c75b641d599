//! The hub client's one error type: every failure of an `/api/v1` call.
//!
//! A hub refusal keeps the hub's stable `code` (e.g. `insufficient_funds`, `quote_expired`) so the
//! apps can switch on it; transport failures get their own codes (`unreachable`, `timeout`).
//! Messages never carry a URL (a `?token=` would leak), a PIN, a token or a key.

use crate::approval::ApprovalError;

/// Every failure the hub client reports.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// The hub answered with its `{code, message}` error body.
    #[error("the hub refused the request ({code}): {message}")]
    Hub {
        /// HTTP status of the answer.
        status: u16,
        /// The hub's stable error code.
        code: String,
        /// The hub's message (safe to show).
        message: String,
    },
    /// The hub could not be reached (DNS, connect, TLS, connection lost).
    #[error("the hub cannot be reached: {0}")]
    Unreachable(String),
    /// The hub did not answer in time.
    #[error("the hub did not answer in time")]
    Timeout,
    /// The answer was not what the API defines (bad JSON, an error without `{code, message}`).
    #[error("unexpected answer from the hub: {0}")]
    Protocol(String),
    /// The call needs a session and none is set (log in first).
    #[error("not logged in")]
    NoSession,
    /// The caller's input was refused before anything was sent.
    #[error("invalid input: {0}")]
    InvalidInput(String),
    /// Signing the approval failed (nothing was sent).
    #[error(transparent)]
    Approval(#[from] ApprovalError),
}

impl ClientError {
    /// A stable machine-readable code: the hub's code for [`ClientError::Hub`], otherwise
    /// `unreachable`, `timeout`, `protocol`, `no_session`, `invalid_input` or `invalid_approval`.
    pub fn code(&self) -> &str {
        match self {
            Self::Hub { code, .. } => code,
            Self::Unreachable(_) => "unreachable",
            Self::Timeout => "timeout",
            Self::Protocol(_) => "protocol",
            Self::NoSession => "no_session",
            Self::InvalidInput(_) => "invalid_input",
            Self::Approval(_) => "invalid_approval",
        }
    }

    /// Whether the hub gave no final answer, so the same request may be sent again later
    /// (unreachable, timeout, 5xx, 429). A 4xx other than 429 is final.
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Unreachable(_) | Self::Timeout => true,
            Self::Hub { status, .. } => *status >= 500 || *status == 429,
            // A garbled answer from a proxy or a hub mid-restart: no final answer either.
            Self::Protocol(_) => true,
            Self::NoSession | Self::InvalidInput(_) | Self::Approval(_) => false,
        }
    }

    /// Whether the session is missing or no longer valid (log in again).
    pub fn is_unauthenticated(&self) -> bool {
        matches!(self, Self::NoSession)
            || matches!(self, Self::Hub { code, .. } if code == "unauthenticated")
    }

    /// Maps a reqwest failure, never keeping its URL (an events URL carries the token).
    pub(crate) fn from_reqwest(e: reqwest::Error) -> Self {
        if e.is_timeout() {
            return Self::Timeout;
        }
        if e.is_decode() {
            return Self::Protocol("the answer body could not be read".into());
        }
        if e.is_builder() {
            return Self::InvalidInput("the request could not be built".into());
        }
        Self::Unreachable(e.without_url().to_string())
    }

    /// Maps a non-2xx answer: the hub's `{code, message}` if the body is one.
    pub(crate) fn from_status_body(status: u16, body: &[u8]) -> Self {
        match serde_json::from_slice::<crate::api::ApiError>(body) {
            Ok(e) => Self::Hub {
                status,
                code: e.code,
                message: e.message,
            },
            // A proxy or load balancer answered (502/503/504 HTML, ...): keep the status only.
            Err(_) if status >= 500 || status == 429 => Self::Hub {
                status,
                code: format!("http_{status}"),
                message: "the hub is unavailable".into(),
            },
            Err(_) => Self::Protocol(format!("HTTP {status} without an error body")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hub_error_body_keeps_the_stable_code() {
        let e = ClientError::from_status_body(
            422,
            br#"{"code":"insufficient_funds","message":"not enough money"}"#,
        );
        assert_eq!(e.code(), "insufficient_funds");
        assert!(!e.is_retryable());
        assert_eq!(
            e,
            ClientError::Hub {
                status: 422,
                code: "insufficient_funds".into(),
                message: "not enough money".into()
            }
        );
    }

    #[test]
    fn proxy_errors_are_retryable_and_other_bodies_are_protocol_errors() {
        let e = ClientError::from_status_body(502, b"<html>Bad gateway</html>");
        assert_eq!(e.code(), "http_502");
        assert!(e.is_retryable());
        let e = ClientError::from_status_body(404, b"nope");
        assert!(matches!(e, ClientError::Protocol(_)));
        let locked = ClientError::from_status_body(429, br#"{"code":"locked","message":"later"}"#);
        assert!(locked.is_retryable());
    }

    #[test]
    fn unauthenticated_is_recognised() {
        let e = ClientError::from_status_body(
            401,
            br#"{"code":"unauthenticated","message":"authentication required"}"#,
        );
        assert!(e.is_unauthenticated());
        assert!(ClientError::NoSession.is_unauthenticated());
        assert!(!ClientError::Timeout.is_unauthenticated());
        assert_eq!(ClientError::Timeout.code(), "timeout");
    }
}
