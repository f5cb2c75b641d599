//! The hub API's value types as uniffi records: the core's wire types (`kipochi_core::api*`)
//! mirrored field for field, or renamed where a name is already taken by the offline store's
//! types (`Profile`, `Balance`, `Payee` ...). Conversions only; amounts stay the hub's exact
//! decimal text, timestamps Unix milliseconds. No bearer token is ever part of a record.

use kipochi_core::api::{
    self, Balance, Device, IdDocumentType, LoginResponse, OnboardRequest, OnboardResponse,
    PaymentState, Quote,
};
use kipochi_core::api_extra::{HistoryItem, OnboardedCustomer};
use kipochi_core::api_merchant::{PaymentRequest, RequestStatus, TillQr};
use kipochi_core::store::Direction;

/// A payment's state at the hub (`committed`, `declined`, `expired` and `failed` are final).
#[uniffi::remote(Enum)]
pub enum PaymentState {
    /// Recorded, payee not yet looked up.
    Created,
    /// Quoted: waiting for the payer's approval.
    Quoted,
    /// Approved by the payer.
    Approved,
    /// Funds held at the payer's DFSP.
    Reserved,
    /// Sent to the switch; the outcome is not known yet.
    Sent,
    /// Final: booked.
    Committed,
    /// Final: the payer declined.
    Declined,
    /// Final: the quote or transfer expired.
    Expired,
    /// Final: refused or failed (`error_code`).
    Failed,
}

/// Whether `state` is final (no further change will happen).
#[uniffi::export]
pub fn payment_state_is_final(state: PaymentState) -> bool {
    state.is_terminal()
}

/// Where a merchant payment request stands.
#[uniffi::remote(Enum)]
pub enum RequestStatus {
    /// Waiting for a payment.
    Open,
    /// Paid (`payment_id`).
    Paid,
    /// Expired without a payment.
    Expired,
}

/// Identity document types an agent can record.
#[uniffi::remote(Enum)]
pub enum IdDocumentType {
    /// National identity card.
    NationalId,
    /// Passport.
    Passport,
    /// Driving licence.
    DrivingLicence,
    /// Voter card.
    VoterCard,
}

/// A merchant payment request (one sale) and its EMVCo QR payload.
#[uniffi::remote(Record)]
pub struct PaymentRequest {
    /// The hub's id of the request.
    pub request_id: String,
    /// Amount, exact decimal text.
    pub amount: String,
    /// ISO 4217 currency code.
    pub currency: String,
    /// The merchant's reference, printed into the QR.
    pub reference: String,
    /// Till or terminal label.
    pub terminal: Option<String>,
    /// EMVCo payload to show as a QR.
    pub payload: String,
    /// Created (ms since epoch).
    pub created_at: i64,
    /// Can be paid until (ms since epoch).
    pub expires_at: i64,
    /// Open, paid or expired.
    pub status: RequestStatus,
    /// The payment that paid it.
    pub payment_id: Option<String>,
}

/// The merchant's static till QR.
#[uniffi::remote(Record)]
pub struct TillQr {
    /// FSPIOP party id type of the till.
    pub id_type: String,
    /// The till number or alias.
    pub till: String,
    /// The merchant name printed in the QR.
    pub merchant_name: String,
    /// ISO 4217 currency code.
    pub currency: String,
    /// EMVCo static payload.
    pub payload: String,
    /// The QR as PNG, standard base64.
    pub png_base64: String,
}

/// A customer an agent onboarded (no activation code).
#[uniffi::remote(Record)]
pub struct OnboardedCustomer {
    /// The hub's customer id.
    pub customer_id: String,
    /// The customer's phone number.
    pub phone: String,
    /// The new account.
    pub account_id: String,
    /// When (ms since epoch).
    pub created_at: i64,
}

/// What a user may do, as the hub says (the offline store's `Role` has no admin).
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum HubRole {
    /// Pays by QR or phone number.
    Customer,
    /// Receives payments.
    Merchant,
    /// Onboards customers.
    Agent,
    /// Back office.
    Admin,
}

impl From<api::Role> for HubRole {
    fn from(r: api::Role) -> Self {
        match r {
            api::Role::Customer => Self::Customer,
            api::Role::Merchant => Self::Merchant,
            api::Role::Agent => Self::Agent,
            api::Role::Admin => Self::Admin,
        }
    }
}

/// The logged-in user's profile at the hub.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct HubProfile {
    /// The hub's user id.
    pub user_id: String,
    /// Phone number (MSISDN).
    pub phone: String,
    /// Name to show.
    pub display_name: String,
    /// Role.
    pub role: HubRole,
    /// KYC tier.
    pub kyc_tier: u8,
}

impl From<api::Profile> for HubProfile {
    fn from(p: api::Profile) -> Self {
        Self {
            user_id: p.user_id,
            phone: p.phone,
            display_name: p.display_name,
            role: p.role.into(),
            kyc_tier: p.kyc_tier,
        }
    }
}

/// A successful login. The token stays inside the client (`HubClient.token()` hands it to the
/// app's secure storage); it is not part of this record, so it cannot end up in a log line.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct LoginResult {
    /// When the session ends (ms since epoch).
    pub expires_at_ms: i64,
    /// Who logged in.
    pub profile: HubProfile,
}

impl From<LoginResponse> for LoginResult {
    fn from(r: LoginResponse) -> Self {
        Self {
            expires_at_ms: r.expires_at,
            profile: r.profile.into(),
        }
    }
}

/// A device registered for payment approvals.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct RegisteredDevice {
    /// The device id (derived from its public key).
    pub device_id: String,
    /// The label the user gave.
    pub label: String,
    /// When (ms since epoch).
    pub created_at_ms: i64,
}

impl From<Device> for RegisteredDevice {
    fn from(d: Device) -> Self {
        Self {
            device_id: d.device_id,
            label: d.label,
            created_at_ms: d.created_at,
        }
    }
}

/// The account's balance at the hub, exact decimal text.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct HubBalance {
    /// ISO 4217 currency code.
    pub currency: String,
    /// Booked balance.
    pub ledger: String,
    /// What can be spent now (booked minus holds).
    pub available: String,
    /// When the hub read it (ms since epoch).
    pub as_of_ms: i64,
}

impl From<Balance> for HubBalance {
    fn from(b: Balance) -> Self {
        Self {
            currency: b.currency,
            ledger: b.ledger,
            available: b.available,
            as_of_ms: b.as_of,
        }
    }
}

fn direction(d: api::Direction) -> Direction {
    match d {
        api::Direction::Incoming => Direction::Incoming,
        api::Direction::Outgoing => Direction::Outgoing,
    }
}

/// One booked movement on the account.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct HubHistoryItem {
    /// The transfer (the payment id for payments).
    pub transfer_id: String,
    /// `outgoing`, `incoming`, `internal` or `funding`.
    pub kind: String,
    /// In or out.
    pub direction: Direction,
    /// Amount moved, exact decimal text.
    pub amount: String,
    /// ISO 4217 currency code.
    pub currency: String,
    /// Booked balance right after.
    pub balance_after: String,
    /// When (ms since epoch).
    pub at_ms: i64,
}

impl From<HistoryItem> for HubHistoryItem {
    fn from(h: HistoryItem) -> Self {
        Self {
            transfer_id: h.transfer_id,
            kind: h.kind,
            direction: direction(h.direction),
            amount: h.amount,
            currency: h.currency,
            balance_after: h.balance_after,
            at_ms: h.at,
        }
    }
}

/// One page of history; pass `next_cursor` for the next.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct HistoryPage {
    /// Newest first.
    pub items: Vec<HubHistoryItem>,
    /// `None` on the last page.
    pub next_cursor: Option<String>,
}

/// Who is paid, as the hub resolved it (the name comes from the party lookup, never the QR).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct HubPayee {
    /// FSPIOP party id type (`MSISDN`, `BUSINESS` ...).
    pub id_type: String,
    /// The identifier.
    pub id: String,
    /// The name to show for confirmation.
    pub name: String,
    /// The DFSP holding the payee's account.
    pub fsp_id: String,
}

impl From<api::Payee> for HubPayee {
    fn from(p: api::Payee) -> Self {
        Self {
            id_type: p.id_type,
            id: p.id,
            name: p.name,
            fsp_id: p.fsp_id,
        }
    }
}

impl From<HubPayee> for api::Payee {
    fn from(p: HubPayee) -> Self {
        Self {
            id_type: p.id_type,
            id: p.id,
            name: p.name,
            fsp_id: p.fsp_id,
        }
    }
}

/// The hub's quote: what the user confirms (payee name, fee, total, countdown to `expiry_ms`)
/// and what the device signs when approving. Pass it back unchanged to `approve`.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct PaymentQuote {
    /// The payment id (made on the device).
    pub payment_id: String,
    /// Who is paid.
    pub payee: HubPayee,
    /// Amount the payee receives, exact decimal text.
    pub amount: String,
    /// ISO 4217 currency code.
    pub currency: String,
    /// Fee charged to the payer.
    pub fee: String,
    /// Total debited from the payer.
    pub total: String,
    /// The quote cannot be approved after this (ms since epoch).
    pub expiry_ms: i64,
    /// Single-use nonce bound to this quote.
    pub nonce: String,
}

impl From<Quote> for PaymentQuote {
    fn from(q: Quote) -> Self {
        Self {
            payment_id: q.payment_id,
            payee: q.payee.into(),
            amount: q.amount,
            currency: q.currency,
            fee: q.fee,
            total: q.total,
            expiry_ms: q.expiry,
            nonce: q.nonce,
        }
    }
}

impl From<PaymentQuote> for Quote {
    fn from(q: PaymentQuote) -> Self {
        Self {
            payment_id: q.payment_id,
            payee: q.payee.into(),
            amount: q.amount,
            currency: q.currency,
            fee: q.fee,
            total: q.total,
            expiry: q.expiry_ms,
            nonce: q.nonce,
        }
    }
}

/// A payment as the hub reports it.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct HubPayment {
    /// The payment id.
    pub payment_id: String,
    /// Sent or received, seen from this user.
    pub direction: Direction,
    /// Where it is.
    pub state: PaymentState,
    /// The other party.
    pub counterparty: HubPayee,
    /// Amount, exact decimal text.
    pub amount: String,
    /// Fee, exact decimal text.
    pub fee: String,
    /// ISO 4217 currency code.
    pub currency: String,
    /// Merchant reference, if any.
    pub reference: Option<String>,
    /// Created (ms since epoch).
    pub created_at_ms: i64,
    /// Last change (ms since epoch).
    pub updated_at_ms: i64,
    /// The hub's stable code when `state` is `Failed`.
    pub error_code: Option<String>,
    /// The hub's message for that code.
    pub error_message: Option<String>,
}

impl From<api::Payment> for HubPayment {
    fn from(p: api::Payment) -> Self {
        let (error_code, error_message) = match p.error {
            Some(e) => (Some(e.code), Some(e.message)),
            None => (None, None),
        };
        Self {
            payment_id: p.payment_id,
            direction: direction(p.direction),
            state: p.state,
            counterparty: p.counterparty.into(),
            amount: p.amount,
            fee: p.fee,
            currency: p.currency,
            reference: p.reference,
            created_at_ms: p.created_at,
            updated_at_ms: p.updated_at,
            error_code,
            error_message,
        }
    }
}

/// One page of payments; pass `next_cursor` for the next.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct PaymentPage {
    /// Newest first.
    pub items: Vec<HubPayment>,
    /// `None` on the last page.
    pub next_cursor: Option<String>,
}

/// The agent's onboarding form (`POST /agent/customers`).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct OnboardForm {
    /// Full name as on the document.
    pub full_name: String,
    /// The customer's phone number.
    pub phone: String,
    /// Document type.
    pub id_type: IdDocumentType,
    /// Document number.
    pub id_number: String,
    /// ISO date `YYYY-MM-DD`.
    pub date_of_birth: String,
    /// KYC tier asked for.
    pub kyc_tier: u8,
    /// Optional photo, base64.
    pub photo: Option<String>,
}

impl From<OnboardForm> for OnboardRequest {
    fn from(f: OnboardForm) -> Self {
        Self {
            full_name: f.full_name,
            phone: f.phone,
            id_type: f.id_type,
            id_number: f.id_number,
            date_of_birth: f.date_of_birth,
            kyc_tier: f.kyc_tier,
            photo: f.photo,
        }
    }
}

/// The onboarded customer and the one-time activation code the agent hands over.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct OnboardResult {
    /// The hub's customer id.
    pub customer_id: String,
    /// Phone number.
    pub phone: String,
    /// The new account.
    pub account_id: String,
    /// One-time code the customer activates the wallet with.
    pub activation_code: String,
    /// When (ms since epoch).
    pub created_at_ms: i64,
}

impl From<OnboardResponse> for OnboardResult {
    fn from(r: OnboardResponse) -> Self {
        Self {
            customer_id: r.customer_id,
            phone: r.phone,
            account_id: r.account_id,
            activation_code: r.activation_code,
            created_at_ms: r.created_at,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_quote_round_trips_unchanged_so_the_signed_terms_match() {
        let quote = Quote {
            payment_id: "6f1c7d4e-9a2b-4c3d-8e5f-0a1b2c3d4e5f".into(),
            payee: api::Payee {
                id_type: "BUSINESS".into(),
                id: "600200".into(),
                name: "Mama Ntilie".into(),
                fsp_id: "greenwallet".into(),
            },
            amount: "4500".into(),
            currency: "TZS".into(),
            fee: "45.5".into(),
            total: "4545.5".into(),
            expiry: 1_764_644_645_678,
            nonce: "n-1".into(),
        };
        let back: Quote = PaymentQuote::from(quote.clone()).into();
        assert_eq!(back, quote);
        assert_eq!(
            back.approval_terms("d").expiry,
            quote.approval_terms("d").expiry
        );
    }

    #[test]
    fn a_failed_payment_carries_the_hub_code() {
        let p = api::Payment {
            payment_id: "p".into(),
            direction: api::Direction::Outgoing,
            state: PaymentState::Failed,
            counterparty: api::Payee {
                id_type: "MSISDN".into(),
                id: "255711000002".into(),
                name: "Rehema".into(),
                fsp_id: "bluebank".into(),
            },
            amount: "10".into(),
            fee: "0".into(),
            currency: "TZS".into(),
            reference: None,
            created_at: 1,
            updated_at: 2,
            error: Some(api::ApiError {
                code: "payee_rejected".into(),
                message: "refused".into(),
            }),
        };
        let p = HubPayment::from(p);
        assert_eq!(p.error_code.as_deref(), Some("payee_rejected"));
        assert_eq!(p.direction, Direction::Outgoing);
        assert!(payment_state_is_final(p.state));
        assert!(!payment_state_is_final(PaymentState::Sent));
    }
}
