//! Wire types of the wallet API added after the first cut of [`crate::api`]: history lines,
//! onboarded customers and the admin views. Same conventions: amounts are Mojaloop decimal
//! strings with an ISO 4217 code, timestamps are Unix milliseconds.

use serde::{Deserialize, Serialize};

use crate::api::{Direction, Payment, PaymentState};

/// One booked movement on the caller's account (`GET /api/v1/history`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HistoryItem {
    /// The transfer (payment id for payments) that caused the movement.
    pub transfer_id: String,
    /// `outgoing`, `incoming`, `internal` or `funding`.
    pub kind: String,
    /// Whether money left (`outgoing`) or arrived (`incoming`).
    pub direction: Direction,
    /// The absolute amount moved.
    /// Exact decimal amount as a string, never a float (Mojaloop format: no exponent, no trailing zeros).
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = r"^(0|[1-9][0-9]*)(\.[0-9]*[1-9])?$", example = "1500.5")
    )]
    pub amount: String,
    #[cfg_attr(feature = "openapi", schema(pattern = "^[A-Z]{3}$", example = "TZS"))]
    pub currency: String,
    /// Ledger balance right after this movement.
    /// Exact decimal amount as a string, never a float (Mojaloop format: no exponent, no trailing zeros).
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = r"^(0|[1-9][0-9]*)(\.[0-9]*[1-9])?$", example = "1500.5")
    )]
    pub balance_after: String,
    pub at: i64,
}

/// A customer an agent onboarded (`GET /api/v1/agent/customers`); no activation code.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OnboardedCustomer {
    pub customer_id: String,
    pub phone: String,
    pub account_id: String,
    pub created_at: i64,
}

/// One line of a payment's state timeline.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TimelineEvent {
    pub seq: i64,
    pub at: i64,
    pub from: Option<PaymentState>,
    pub to: PaymentState,
    pub detail: Option<String>,
}

/// `GET /api/v1/admin/payments/{id}`: a payment with its timeline.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AdminPayment {
    pub payment: Payment,
    /// Our user (payer when outgoing, payee when incoming), when known.
    pub user_id: Option<String>,
    /// Our account debited or credited.
    pub account_id: String,
    /// Both parties are our customers (no switch).
    pub internal: bool,
    pub timeline: Vec<TimelineEvent>,
}

/// The balance of one of the DFSP's system accounts (`GET /api/v1/admin/ledger`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SystemBalance {
    /// `fees_income`, `settlement` or `equity`.
    pub kind: String,
    pub account_id: String,
    /// Booked balance; system accounts may be negative, so this is a signed decimal string.
    /// Signed exact decimal amount as a string, never a float (Mojaloop format: no exponent, no trailing zeros).
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = r"^-?(0|[1-9][0-9]*)(\.[0-9]*[1-9])?$", example = "-1500.5")
    )]
    pub ledger: String,
    #[cfg_attr(feature = "openapi", schema(pattern = "^[A-Z]{3}$", example = "TZS"))]
    pub currency: String,
}
