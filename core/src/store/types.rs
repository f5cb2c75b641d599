//! Values the offline store keeps.

use serde::{Deserialize, Serialize};

/// What the user may do in the app.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Pays by QR or phone number.
    Customer,
    /// Receives payments, shows dynamic QRs.
    Merchant,
    /// Onboards customers.
    Agent,
}

/// Session metadata. Holds no PIN and no bearer token (the token is a secret: `SecureStorage`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionMeta {
    /// The hub's user id.
    pub user_id: String,
    /// The device id registered for this session, once registered.
    pub device_id: Option<String>,
    /// When the session was issued (ms since epoch).
    pub issued_at_ms: i64,
    /// When the session expires (ms since epoch).
    pub expires_at_ms: i64,
}

impl SessionMeta {
    /// Whether the session is still valid at `now_ms`.
    pub fn is_valid_at(&self, now_ms: i64) -> bool {
        now_ms < self.expires_at_ms
    }
}

/// The user's profile.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    /// The hub's user id.
    pub user_id: String,
    /// Name shown in the app.
    pub display_name: String,
    /// The user's phone number (MSISDN).
    pub phone: String,
    /// The user's role.
    pub role: Role,
}

/// One account's balance, amounts as exact decimal text from the hub.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Balance {
    /// The hub's account id.
    pub account_id: String,
    /// Available balance, exact decimal text (e.g. `"1500.00"`).
    pub available: String,
    /// ISO 4217 currency code.
    pub currency: String,
}

/// Direction of a history entry, seen from this user.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Money came in.
    Incoming,
    /// Money went out.
    Outgoing,
}

/// One payment in the history, as the hub returned it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    /// The payment id.
    pub payment_id: String,
    /// In or out.
    pub direction: Direction,
    /// The other party's name.
    pub counterparty: String,
    /// Amount, exact decimal text.
    pub amount: String,
    /// Fee paid by this user, exact decimal text.
    pub fee: String,
    /// ISO 4217 currency code.
    pub currency: String,
    /// Hub payment state (e.g. `committed`).
    pub status: String,
    /// Hub timestamp text (RFC 3339).
    pub at: String,
}

/// A cached value and when it was fetched from the hub.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cached<T> {
    /// The value.
    pub value: T,
    /// When it was fetched (ms since epoch).
    pub fetched_at_ms: i64,
}

impl<T> Cached<T> {
    /// Age at `now_ms` in milliseconds (0 if the clock went backwards).
    pub fn age_ms(&self, now_ms: i64) -> i64 {
        now_ms.saturating_sub(self.fetched_at_ms).max(0)
    }
}

/// Kind of mutating action an outbox item carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutboxKind {
    /// Start a payment (`POST /payments`); the id is the payment id.
    Payment,
    /// Agent onboards a customer (`POST /agent/customers`); the id is the Idempotency-Key.
    Onboarding,
}

impl OutboxKind {
    /// Stable text form used in storage.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Payment => "payment",
            Self::Onboarding => "onboarding",
        }
    }

    /// Parses [`Self::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "payment" => Some(Self::Payment),
            "onboarding" => Some(Self::Onboarding),
            _ => None,
        }
    }
}

/// Where an outbox item is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum OutboxStatus {
    /// Persisted, not yet sent (or sent and answered with a retryable failure).
    Queued,
    /// Claimed by a sync run; the hub may or may not have it.
    Sending,
    /// The hub accepted it (final).
    Done,
    /// The hub rejected it (final for this payload; an onboarding can be fixed and resubmitted).
    Failed {
        /// The hub's error code.
        code: String,
        /// The hub's error message.
        message: String,
    },
}

impl OutboxStatus {
    /// Short name of the state.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Sending => "sending",
            Self::Done => "done",
            Self::Failed { .. } => "failed",
        }
    }
}

/// An item to add to the outbox.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewOutboxItem {
    /// Id made on the device (payment id or onboarding id), used as the Idempotency-Key.
    pub id: String,
    /// What it is.
    pub kind: OutboxKind,
    /// The request body (JSON text).
    pub payload: String,
}

/// A persisted outbox item.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxItem {
    /// Id made on the device; the Idempotency-Key.
    pub id: String,
    /// Capture order (strictly increasing).
    pub seq: i64,
    /// What it is.
    pub kind: OutboxKind,
    /// The request body (JSON text).
    pub payload: String,
    /// Where it is.
    pub status: OutboxStatus,
    /// How many times it has been claimed for sending.
    pub attempts: u32,
    /// The hub's answer body once `Done` (JSON text).
    pub result: Option<String>,
    /// Why the last retryable attempt did not get through.
    pub last_error: Option<String>,
    /// Owner of the current `Sending` lease.
    pub lease_owner: Option<String>,
    /// End of the current `Sending` lease (ms since epoch).
    pub lease_until_ms: Option<i64>,
    /// When it was captured (ms since epoch).
    pub created_at_ms: i64,
    /// When it last changed (ms since epoch).
    pub updated_at_ms: i64,
}

/// Result of [`crate::store::WalletStore::outbox_claim_next`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Claim {
    /// This item is now `Sending` under the caller's lease.
    Claimed(Box<OutboxItem>),
    /// The next item is being sent by another sync run.
    Busy,
    /// Nothing to send.
    Empty,
}

/// Outcome of one send, recorded by [`crate::store::WalletStore::outbox_finish`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Finish {
    /// The hub accepted it; its answer body.
    Done {
        /// The hub's answer (JSON text).
        result: String,
    },
    /// The hub rejected it with a final error.
    Failed {
        /// The hub's error code.
        code: String,
        /// The hub's error message.
        message: String,
    },
    /// No final answer (offline, timeout, 5xx): back to `Queued`.
    Retry {
        /// Why (for display; no secrets).
        reason: String,
    },
}
