//! A payment as the hub stores it, and the changes a transition may carry.

use kipochi_core::api::{Direction, PaymentState};

/// The other side of a payment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Party {
    /// FSPIOP party id type (`MSISDN`, `BUSINESS`, ...).
    pub id_type: String,
    pub id: String,
    /// Display name from the party lookup (never from a QR).
    pub name: String,
    /// DFSP holding the party's account (our own FSP id for internal payments).
    pub fsp_id: String,
}

/// One payment, in either direction. Amounts are integer minor units of `currency`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PaymentRecord {
    /// Device-generated UUID; also the FSPIOP transactionId and transferId.
    pub id: String,
    pub direction: Direction,
    pub state: PaymentState,
    /// Our user (payer when outgoing, payee when incoming), when known.
    pub user_id: Option<String>,
    /// Our account that is debited (outgoing) or credited (incoming).
    pub account_id: String,
    pub counterparty: Party,
    pub amount_minor: i64,
    pub fee_minor: i64,
    pub currency: String,
    pub reference: Option<String>,
    pub note: Option<String>,
    /// True when both parties are our customers: no switch involved.
    pub internal: bool,
    pub quote_id: Option<String>,
    pub quote_expiry: Option<i64>,
    /// Single-use approval nonce bound to the quote.
    pub nonce: Option<String>,
    pub ilp_packet: Option<String>,
    pub condition: Option<String>,
    pub fulfilment: Option<String>,
    pub transfer_expiry: Option<i64>,
    /// What crosses the switch, in minor units (external payments: amount + the payee DFSP's fees
    /// for the payer; the transfer amount for the payee).
    pub transfer_minor: Option<i64>,
    /// The FSPIOP transferId of an incoming payment (outgoing ones use `id`).
    pub transfer_id: Option<String>,
    /// Digest of the request that created the payment, for idempotent retries.
    pub request_hash: String,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// Fields a transition may set (`None` leaves the stored value unchanged).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Changes {
    pub counterparty: Option<Party>,
    pub amount_minor: Option<i64>,
    pub fee_minor: Option<i64>,
    pub quote_id: Option<String>,
    pub quote_expiry: Option<i64>,
    pub nonce: Option<String>,
    pub ilp_packet: Option<String>,
    pub condition: Option<String>,
    pub fulfilment: Option<String>,
    pub transfer_expiry: Option<i64>,
    pub transfer_minor: Option<i64>,
    pub transfer_id: Option<String>,
    pub error_code: Option<String>,
    pub error_message: Option<String>,
    /// Free text for the timeline (no personal data).
    pub detail: Option<String>,
}

/// One line of a payment's timeline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    pub seq: i64,
    pub at: i64,
    pub from: Option<PaymentState>,
    pub to: PaymentState,
    pub detail: Option<String>,
}

pub(super) fn state_str(s: PaymentState) -> &'static str {
    s.as_str()
}

pub(super) fn parse_state(s: &str) -> Option<PaymentState> {
    PaymentState::parse(s)
}

pub(super) fn direction_str(d: Direction) -> &'static str {
    match d {
        Direction::Outgoing => "outgoing",
        Direction::Incoming => "incoming",
    }
}

pub(super) fn parse_direction(s: &str) -> Option<Direction> {
    match s {
        "outgoing" => Some(Direction::Outgoing),
        "incoming" => Some(Direction::Incoming),
        _ => None,
    }
}
