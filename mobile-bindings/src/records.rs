//! Core value types exposed as uniffi records and enums *as they are* (uniffi "remote" mirrors:
//! the compiler checks each mirror against the core's definition, so they cannot drift).
//!
//! Amounts are exact decimal text and currencies ISO 4217 alpha codes, as in the core: no float
//! ever crosses the FFI.

use kipochi_core::approval::{ApprovalTerms, Payee, SignedApproval};
use kipochi_core::qr::{ErrorCorrection, PartyId, PartyIdType};
use kipochi_core::state::{OutboxEntry, PendingApproval};
use kipochi_core::store::{
    Balance, Direction, HistoryEntry, OutboxItem, OutboxKind, OutboxStatus, Profile, Role,
    SessionMeta,
};

/// Which format a scanned payment QR was read from (core: `qr::Source`).
pub type QrSource = kipochi_core::qr::Source;

/// What the user may do in the app.
#[uniffi::remote(Enum)]
pub enum Role {
    /// Pays by QR or phone number.
    Customer,
    /// Receives payments, shows dynamic QRs.
    Merchant,
    /// Onboards customers.
    Agent,
}

/// Session metadata (no PIN, no token).
#[uniffi::remote(Record)]
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

/// The user's profile.
#[uniffi::remote(Record)]
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

/// One account's balance, exact decimal text.
#[uniffi::remote(Record)]
pub struct Balance {
    /// The hub's account id.
    pub account_id: String,
    /// Available balance, exact decimal text.
    pub available: String,
    /// ISO 4217 currency code.
    pub currency: String,
}

/// Direction of a history entry, seen from this user.
#[uniffi::remote(Enum)]
pub enum Direction {
    /// Money came in.
    Incoming,
    /// Money went out.
    Outgoing,
}

/// One payment in the history, as the hub returned it.
#[uniffi::remote(Record)]
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
    /// Hub payment state.
    pub status: String,
    /// Hub timestamp text (RFC 3339).
    pub at: String,
}

/// Kind of action an outbox item carries.
#[uniffi::remote(Enum)]
pub enum OutboxKind {
    /// Start a payment; the id is the payment id.
    Payment,
    /// Agent onboards a customer; the id is the Idempotency-Key.
    Onboarding,
}

/// Where an outbox item is (its sync status).
#[uniffi::remote(Enum)]
pub enum OutboxStatus {
    /// Persisted, not yet sent (or answered with a retryable failure).
    Queued,
    /// Claimed by a sync run; the hub may or may not have it.
    Sending,
    /// The hub accepted it (final).
    Done,
    /// The hub rejected it; an onboarding form can be fixed and resubmitted.
    Failed {
        /// The hub's error code.
        code: String,
        /// The hub's error message.
        message: String,
    },
}

/// A stored outbox item, with its payload (the agent edits a failed form from it).
#[uniffi::remote(Record)]
pub struct OutboxItem {
    /// Payment id / onboarding id (the Idempotency-Key).
    pub id: String,
    /// Capture order.
    pub seq: i64,
    /// What it is.
    pub kind: OutboxKind,
    /// The request body (JSON text).
    pub payload: String,
    /// Where it is.
    pub status: OutboxStatus,
    /// Send attempts so far.
    pub attempts: u32,
    /// The hub's answer when accepted (JSON text).
    pub result: Option<String>,
    /// Why the last attempt did not get through, if retryable.
    pub last_error: Option<String>,
    /// Sync run holding the send lease.
    pub lease_owner: Option<String>,
    /// When that lease ends (ms since epoch).
    pub lease_until_ms: Option<i64>,
    /// When it was captured (ms since epoch).
    pub created_at_ms: i64,
    /// When it last changed (ms since epoch).
    pub updated_at_ms: i64,
}

/// An outbox item as the screens show it (no payload).
#[uniffi::remote(Record)]
pub struct OutboxEntry {
    /// Payment id / onboarding id.
    pub id: String,
    /// What it is.
    pub kind: OutboxKind,
    /// Where it is.
    pub status: OutboxStatus,
    /// Send attempts so far.
    pub attempts: u32,
    /// Why the last attempt did not get through, if retryable.
    pub last_error: Option<String>,
}

/// The party being paid, as resolved by the hub's lookup.
#[uniffi::remote(Record)]
pub struct Payee {
    /// FSPIOP party id type.
    pub id_type: String,
    /// The party identifier.
    pub id: String,
    /// The payee's name from the lookup.
    pub name: String,
}

/// The terms a payer approves, exactly as the hub returned them with the quote.
#[uniffi::remote(Record)]
pub struct ApprovalTerms {
    /// The payment id (UUID).
    pub payment_id: String,
    /// Who is paid.
    pub payee: Payee,
    /// Amount the payee receives, exact decimal text.
    pub amount: String,
    /// ISO 4217 currency code.
    pub currency: String,
    /// Total fee charged to the payer, exact decimal text.
    pub fee: String,
    /// Total debited from the payer, exact decimal text.
    pub total: String,
    /// Quote expiry as the hub returned it.
    pub expiry: String,
    /// Single-use nonce the hub bound to this quote.
    pub nonce: String,
    /// The approving device's id.
    pub device_id: String,
}

/// A device signature over [`ApprovalTerms`], sent with the approve call.
#[uniffi::remote(Record)]
pub struct SignedApproval {
    /// The payment approved.
    pub payment_id: String,
    /// The signing device.
    pub device_id: String,
    /// Ed25519 signature, unpadded base64url.
    pub signature: String,
}

/// A quote waiting for the user's approval.
#[uniffi::remote(Record)]
pub struct PendingApproval {
    /// The terms to show and sign.
    pub terms: ApprovalTerms,
    /// When the quote arrived (ms since epoch).
    pub received_at_ms: i64,
}

/// Mojaloop FSPIOP party id type.
#[uniffi::remote(Enum)]
pub enum PartyIdType {
    /// A phone number.
    Msisdn,
    /// An e-mail address.
    Email,
    /// A personal document number.
    PersonalId,
    /// A business (merchant) identifier.
    Business,
    /// A device identifier.
    Device,
    /// A bank account number or FSP account id.
    AccountId,
    /// An IBAN.
    Iban,
    /// An alias.
    Alias,
}

/// A Mojaloop party id.
#[uniffi::remote(Record)]
pub struct PartyId {
    /// The type.
    pub id_type: PartyIdType,
    /// The identifier.
    pub identifier: String,
    /// Optional sub-id.
    pub sub_id: Option<String>,
}

/// Which format a scanned payment QR was read from.
#[uniffi::remote(Enum)]
pub enum QrSource {
    /// EMVCo merchant-presented QR (CRC verified).
    Emv,
    /// Mifos Pay `mpay://` (legacy; unauthenticated).
    MifosPay,
    /// UPI `upi://` (legacy; unauthenticated).
    Upi,
}

/// QR error-correction level.
#[uniffi::remote(Enum)]
pub enum ErrorCorrection {
    /// About 7 % recoverable.
    Low,
    /// About 15 % recoverable (the default for payment QRs).
    Medium,
    /// About 25 % recoverable.
    Quartile,
    /// About 30 % recoverable.
    High,
}
