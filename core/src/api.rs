//! Wire types of the hub's wallet-facing API (`/api/v1`), shared by the hub (server side) and the
//! core's hub client, so both ends always agree on the JSON.
//!
//! Amounts travel as decimal strings in Mojaloop's format (no trailing zeros, e.g. `"10"`,
//! `"10.5"`) with an ISO 4217 alpha currency code: never as floats. Timestamps are Unix
//! milliseconds. Errors are always [`ApiError`] with a stable `code`.

use serde::{Deserialize, Serialize};

/// The one error body the hub returns for every 4xx/5xx.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiError {
    /// Stable machine-readable code (e.g. `bad_credentials`, `insufficient_funds`).
    pub code: String,
    /// Human-readable English message, safe to show (no secrets, no personal data).
    pub message: String,
}

/// What a user may do in the wallet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Customer,
    Merchant,
    Agent,
    Admin,
}

/// `POST /api/v1/auth/login`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LoginRequest {
    pub phone: String,
    pub pin: String,
}

/// `POST /api/v1/auth/activate`: the first PIN, set with the code the agent handed out.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ActivateRequest {
    pub phone: String,
    pub activation_code: String,
    pub pin: String,
}

/// A logged-in user's profile.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Profile {
    pub user_id: String,
    pub phone: String,
    pub display_name: String,
    pub role: Role,
    pub kyc_tier: u8,
}

/// Answer to a successful login: a short-lived bearer token.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LoginResponse {
    pub token: String,
    pub expires_at: i64,
    pub profile: Profile,
}

/// `POST /api/v1/devices`: registers the device's ed25519 public key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RegisterDeviceRequest {
    /// Raw 32-byte ed25519 public key, base64url without padding.
    pub public_key: String,
    /// A label the user recognises ("Asha's phone").
    pub label: String,
}

/// A registered device.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Device {
    pub device_id: String,
    pub label: String,
    pub created_at: i64,
}

/// `GET /api/v1/balance`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Balance {
    #[cfg_attr(feature = "openapi", schema(pattern = "^[A-Z]{3}$", example = "TZS"))]
    pub currency: String,
    /// Booked balance.
    /// Exact decimal amount as a string, never a float (Mojaloop format: no exponent, no trailing zeros).
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = r"^(0|[1-9][0-9]*)(\.[0-9]*[1-9])?$", example = "1500.5")
    )]
    pub ledger: String,
    /// Booked balance minus holds: what can be spent now.
    /// Exact decimal amount as a string, never a float (Mojaloop format: no exponent, no trailing zeros).
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = r"^(0|[1-9][0-9]*)(\.[0-9]*[1-9])?$", example = "1500.5")
    )]
    pub available: String,
    pub as_of: i64,
}

/// Which way money moved for the user.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Outgoing,
    Incoming,
}

/// A payment's state as the wallet sees it (the payer states of the design, plus payee ones).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PaymentState {
    Created,
    Quoted,
    Approved,
    Reserved,
    Sent,
    Committed,
    Declined,
    Expired,
    Failed,
}

impl PaymentState {
    /// Every state, in lifecycle order.
    pub const ALL: [PaymentState; 9] = [
        Self::Created,
        Self::Quoted,
        Self::Approved,
        Self::Reserved,
        Self::Sent,
        Self::Committed,
        Self::Declined,
        Self::Expired,
        Self::Failed,
    ];

    /// The wire name (`committed`, …), the same as its JSON form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Created => "created",
            Self::Quoted => "quoted",
            Self::Approved => "approved",
            Self::Reserved => "reserved",
            Self::Sent => "sent",
            Self::Committed => "committed",
            Self::Declined => "declined",
            Self::Expired => "expired",
            Self::Failed => "failed",
        }
    }

    /// The state with this wire name.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == name)
    }

    /// Whether no further transition can happen.
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            Self::Committed | Self::Declined | Self::Expired | Self::Failed
        )
    }
}

/// Who is paid, as resolved by the hub (name from the party lookup, never from a QR).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Payee {
    /// FSPIOP party id type, e.g. `MSISDN`, `BUSINESS`.
    pub id_type: String,
    pub id: String,
    pub name: String,
    /// The DFSP holding the payee's account.
    pub fsp_id: String,
}

/// What to pay, as the app captured it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PaymentTarget {
    /// A scanned merchant QR payload (EMVCo or a supported legacy format).
    Qr { payload: String },
    /// Another person's phone number (P2P).
    Phone { phone: String },
}

/// `POST /api/v1/payments`: start a payment and get a quote. `payment_id` is generated on the device.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreatePaymentRequest {
    pub payment_id: String,
    pub target: PaymentTarget,
    /// Required for P2P and static QRs; must equal the QR's amount when the QR carries one.
    /// Decimal amount as a string (the currency's minor unit at most), never a float.
    #[cfg_attr(feature = "openapi", schema(example = "1500.50"))]
    pub amount: Option<String>,
    #[cfg_attr(feature = "openapi", schema(pattern = "^[A-Z]{3}$", example = "TZS"))]
    pub currency: Option<String>,
    pub note: Option<String>,
}

/// The terms the customer approves: exactly what the device signs (see `approval`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Quote {
    pub payment_id: String,
    pub payee: Payee,
    /// Exact decimal amount as a string, never a float (Mojaloop format: no exponent, no trailing zeros).
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = r"^(0|[1-9][0-9]*)(\.[0-9]*[1-9])?$", example = "1500.5")
    )]
    pub amount: String,
    #[cfg_attr(feature = "openapi", schema(pattern = "^[A-Z]{3}$", example = "TZS"))]
    pub currency: String,
    /// Exact decimal amount as a string, never a float (Mojaloop format: no exponent, no trailing zeros).
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = r"^(0|[1-9][0-9]*)(\.[0-9]*[1-9])?$", example = "1500.5")
    )]
    pub fee: String,
    /// Exact decimal amount as a string, never a float (Mojaloop format: no exponent, no trailing zeros).
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = r"^(0|[1-9][0-9]*)(\.[0-9]*[1-9])?$", example = "1500.5")
    )]
    pub total: String,
    /// Unix ms after which the quote can no longer be approved.
    pub expiry: i64,
    /// Single-use server nonce bound to this quote.
    pub nonce: String,
}

/// `POST /api/v1/payments/{id}/approve`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApproveRequest {
    pub pin: String,
    pub device_id: String,
    /// ed25519 signature over the canonical approval terms, base64url without padding.
    pub signature: String,
}

/// A payment as the wallet shows it (history item, status, receipt).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Payment {
    pub payment_id: String,
    pub direction: Direction,
    pub state: PaymentState,
    pub counterparty: Payee,
    /// Exact decimal amount as a string, never a float (Mojaloop format: no exponent, no trailing zeros).
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = r"^(0|[1-9][0-9]*)(\.[0-9]*[1-9])?$", example = "1500.5")
    )]
    pub amount: String,
    /// Exact decimal amount as a string, never a float (Mojaloop format: no exponent, no trailing zeros).
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = r"^(0|[1-9][0-9]*)(\.[0-9]*[1-9])?$", example = "1500.5")
    )]
    pub fee: String,
    #[cfg_attr(feature = "openapi", schema(pattern = "^[A-Z]{3}$", example = "TZS"))]
    pub currency: String,
    pub reference: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    /// Set when `state` is `failed`: the stable error code.
    pub error: Option<ApiError>,
}

/// A page of results with an opaque cursor for the next page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

/// Identity document types an agent can record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum IdDocumentType {
    NationalId,
    Passport,
    DrivingLicence,
    VoterCard,
}

/// `POST /api/v1/agent/customers` (with `Idempotency-Key: <onboarding id>`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OnboardRequest {
    pub full_name: String,
    pub phone: String,
    pub id_type: IdDocumentType,
    pub id_number: String,
    /// ISO date, `YYYY-MM-DD`.
    pub date_of_birth: String,
    pub kyc_tier: u8,
    /// Optional JPEG/PNG photo, base64.
    pub photo: Option<String>,
}

/// The hub's answer to an onboarding: the new customer and their one-time activation code.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OnboardResponse {
    pub customer_id: String,
    pub phone: String,
    pub account_id: String,
    pub activation_code: String,
    pub created_at: i64,
}

/// Server-sent events on `GET /api/v1/events`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    /// Money arrived (merchant's counter, P2P receiver).
    PaymentReceived { payment: Payment },
    /// A payment this user made reached a terminal state.
    PaymentCompleted { payment: Payment },
    /// The balance changed.
    BalanceChanged { balance: Balance },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payment_state_names_are_the_json_names() {
        for state in PaymentState::ALL {
            let json = serde_json::to_value(state).unwrap();
            assert_eq!(json, state.as_str());
            assert_eq!(PaymentState::parse(state.as_str()), Some(state));
        }
        assert_eq!(PaymentState::parse("Committed"), None);
    }

    #[test]
    fn targets_and_events_are_tagged_json() {
        let t = PaymentTarget::Phone {
            phone: "255712000001".into(),
        };
        assert_eq!(
            serde_json::to_string(&t).unwrap(),
            r#"{"kind":"phone","phone":"255712000001"}"#
        );
        let e: Event = serde_json::from_str(
            r#"{"type":"balance_changed","balance":{"currency":"TZS","ledger":"10","available":"7.5","as_of":1}}"#,
        )
        .unwrap();
        assert!(matches!(e, Event::BalanceChanged { balance } if balance.available == "7.5"));
    }

    #[test]
    fn terminal_states() {
        use PaymentState::*;
        let terminal: Vec<_> = [
            Created, Quoted, Approved, Reserved, Sent, Committed, Declined, Expired, Failed,
        ]
        .into_iter()
        .filter(|s| s.is_terminal())
        .collect();
        assert_eq!(terminal, vec![Committed, Declined, Expired, Failed]);
        assert_eq!(serde_json::to_string(&Reserved).unwrap(), r#""reserved""#);
    }
}

impl Quote {
    /// The exact terms the device signs to approve this quote, and that the hub rebuilds from
    /// its stored quote to verify: both ends call this one function, so they cannot disagree.
    pub fn approval_terms(&self, device_id: &str) -> crate::approval::ApprovalTerms {
        crate::approval::ApprovalTerms {
            payment_id: self.payment_id.clone(),
            payee: crate::approval::Payee {
                id_type: self.payee.id_type.clone(),
                id: self.payee.id.clone(),
                name: self.payee.name.clone(),
            },
            amount: self.amount.clone(),
            currency: self.currency.clone(),
            fee: self.fee.clone(),
            total: self.total.clone(),
            expiry: rfc3339_millis(self.expiry),
            nonce: self.nonce.clone(),
            device_id: device_id.to_string(),
        }
    }
}

/// Unix milliseconds as RFC 3339 UTC with exactly three fractional digits
/// (`2026-12-02T03:04:05.678Z`), the form FSPIOP uses for `expiration`.
pub fn rfc3339_millis(ms: i64) -> String {
    match chrono::DateTime::from_timestamp_millis(ms) {
        Some(t) => t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
        // Out of chrono's range (±262,000 years): keep the raw number, still deterministic.
        None => ms.to_string(),
    }
}

#[cfg(test)]
mod quote_tests {
    use super::*;

    #[test]
    fn expiry_is_rfc3339_with_millis() {
        assert_eq!(rfc3339_millis(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(
            rfc3339_millis(1_764_644_645_678),
            "2025-12-02T03:04:05.678Z"
        );
    }

    #[test]
    fn approval_terms_carry_the_quote_exactly() {
        let quote = Quote {
            payment_id: "6f1c7d4e-9a2b-4c3d-8e5f-0a1b2c3d4e5f".into(),
            payee: Payee {
                id_type: "BUSINESS".into(),
                id: "T1001".into(),
                name: "Mama Ntilie Shop".into(),
                fsp_id: "greenwallet".into(),
            },
            amount: "1500".into(),
            currency: "TZS".into(),
            fee: "25.5".into(),
            total: "1525.5".into(),
            expiry: 1_764_644_645_678,
            nonce: "n-1".into(),
        };
        let terms = quote.approval_terms("dev-1");
        assert_eq!(terms.payee.name, "Mama Ntilie Shop");
        assert_eq!(terms.total, "1525.5");
        assert_eq!(terms.expiry, "2025-12-02T03:04:05.678Z");
        assert_eq!(terms.device_id, "dev-1");
        terms.validate().unwrap();
    }
}
