//! The account-system boundary of the hub.
//!
//! The payment orchestration only ever talks to a DFSP's accounts through [`AccountSystem`]. Two
//! implementations exist or are planned: the embedded double-entry ledger ([`crate::ledger::Ledger`])
//! and a Fineract adapter. The trait follows the hold model that both share (Fineract's interop API
//! calls the steps PREPARE / CREATE / RELEASE):
//!
//! - payer side: [`quote`](AccountSystem::quote) (fee + balance check) → [`reserve`](AccountSystem::reserve)
//!   (hold amount + fee) → [`commit`](AccountSystem::commit) (book it: debit the customer, credit the
//!   DFSP's settlement position with the switch and its fee income) or [`release`](AccountSystem::release);
//! - payee side: [`lookup_party`](AccountSystem::lookup_party), [`quote`](AccountSystem::quote), then
//!   [`credit`](AccountSystem::credit) (debit settlement, credit the customer and fee income);
//! - same-DFSP payment: [`internal_transfer`](AccountSystem::internal_transfer), one journal entry.
//!
//! Fineract mapping: `quote` = `POST /interoperation/quotes`, `reserve` = `transfers?action=PREPARE`,
//! `commit` = `action=CREATE` (PAYER), `release` = `action=RELEASE`, `credit` = `action=CREATE`
//! (PAYEE), `lookup_party` = `GET /interoperation/parties/..` + account + client, `open_account` =
//! client + savings account (approve, activate) + party registration, with [`AccountId`] as the
//! savings account's `externalId` and [`TransferId`] as the `transferCode`.
//!
//! Every mutating call is idempotent by its id (transfer id or account id): a retry with the same
//! terms returns the original result; the same id with different terms is [`AccountError::Conflict`].
//! Amounts are integer minor units ([`Money`]); there are no floats anywhere.

use std::fmt;
use std::str::FromStr;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Errors of an account system. Messages carry ids and codes only, never names or phone numbers.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccountError {
    /// The payer's available balance does not cover amount + fee.
    #[error("insufficient funds")]
    InsufficientFunds,
    /// No account with this id.
    #[error("account {0} not found")]
    AccountNotFound(AccountId),
    /// No account is registered under this alias.
    #[error("no party registered for this {0} alias")]
    PartyNotFound(AliasType),
    /// No transfer with this id.
    #[error("transfer {0} not found")]
    TransferNotFound(TransferId),
    /// A KYC-tier limit of the account would be exceeded.
    #[error("{0} limit exceeded")]
    LimitExceeded(LimitKind),
    /// The currency of the request does not match the account's currency.
    #[error("currency mismatch: account is in {expected}, request is in {got}")]
    CurrencyMismatch {
        /// The account's currency.
        expected: Currency,
        /// The request's currency.
        got: Currency,
    },
    /// The id was used before with different terms.
    #[error("{0} was already used with different terms")]
    Conflict(String),
    /// The alias is already registered to another account.
    #[error("this {0} alias is registered to another account")]
    AliasInUse(AliasType),
    /// The transfer exists but is in a state that does not allow the operation.
    #[error("transfer {id} is {state}, cannot {operation}")]
    InvalidState {
        /// The transfer.
        id: TransferId,
        /// Its current state.
        state: TransferState,
        /// The refused operation.
        operation: &'static str,
    },
    /// The account is not of a kind that allows the operation (e.g. paying from a system account).
    #[error("account {0} cannot be used for this operation")]
    WrongAccountKind(AccountId),
    /// Malformed input (non-positive amount, bad currency code, empty name, overflow...).
    #[error("invalid input: {0}")]
    InvalidInput(String),
    /// The backing store or remote system failed; nothing is known to have changed.
    #[error("account system unavailable: {0}")]
    Unavailable(String),
}

/// Result alias for account-system calls.
pub type AccountResult<T> = Result<T, AccountError>;

macro_rules! uuid_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A fresh random id.
            pub fn new_v4() -> Self {
                Self(Uuid::new_v4())
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

uuid_id!(
    /// Identifies an account.
    AccountId
);
uuid_id!(
    /// Identifies a transfer (the FSPIOP transferId, or a payment id for internal payments).
    TransferId
);

/// An ISO 4217 alphabetic currency code (three ASCII upper-case letters).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Currency(String);

impl Currency {
    /// The code as a string slice.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for Currency {
    type Err = AccountError;
    fn from_str(s: &str) -> AccountResult<Self> {
        if s.len() == 3 && s.bytes().all(|b| b.is_ascii_uppercase()) {
            Ok(Self(s.to_owned()))
        } else {
            Err(AccountError::InvalidInput(
                "currency must be three upper-case letters".into(),
            ))
        }
    }
}

impl TryFrom<String> for Currency {
    type Error = AccountError;
    fn try_from(s: String) -> AccountResult<Self> {
        s.parse()
    }
}

impl From<Currency> for String {
    fn from(c: Currency) -> String {
        c.0
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An amount in integer minor units (e.g. cents) of a currency.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Money {
    /// Minor units; may be negative only where a signed amount is meaningful (history lines).
    pub minor: i64,
    /// The currency.
    pub currency: Currency,
}

impl Money {
    /// An amount of `minor` units of `currency`.
    pub fn new(minor: i64, currency: Currency) -> Self {
        Self { minor, currency }
    }
}

/// What an account is for. Customer-facing kinds can be opened through the trait; the system kinds
/// are the DFSP's own side of the books and are created by the account system itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountKind {
    /// A customer's wallet.
    CustomerWallet,
    /// A merchant's collection account.
    Merchant,
    /// An agent's e-money float.
    AgentFloat,
    /// The DFSP's fee income (system).
    FeesIncome,
    /// The DFSP's settlement position with the switch (system; may go negative).
    Settlement,
    /// Funding/equity used to issue e-money, e.g. seeding demo balances (system; may go negative).
    Equity,
}

impl AccountKind {
    /// True for the kinds customers, merchants and agents hold (balances never negative).
    pub fn is_customer_facing(self) -> bool {
        matches!(
            self,
            Self::CustomerWallet | Self::Merchant | Self::AgentFloat
        )
    }

    /// Stable text code used in storage and APIs.
    pub fn code(self) -> &'static str {
        match self {
            Self::CustomerWallet => "customer_wallet",
            Self::Merchant => "merchant",
            Self::AgentFloat => "agent_float",
            Self::FeesIncome => "fees_income",
            Self::Settlement => "settlement",
            Self::Equity => "equity",
        }
    }

    /// Parses [`code`](Self::code).
    pub fn from_code(code: &str) -> Option<Self> {
        [
            Self::CustomerWallet,
            Self::Merchant,
            Self::AgentFloat,
            Self::FeesIncome,
            Self::Settlement,
            Self::Equity,
        ]
        .into_iter()
        .find(|k| k.code() == code)
    }
}

/// The kinds of party alias (FSPIOP party id types the hub uses).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AliasType {
    /// A phone number.
    Msisdn,
    /// A merchant till number.
    Business,
    /// A free-form alias (also usable for tills).
    Alias,
}

impl AliasType {
    /// The FSPIOP spelling (`MSISDN`, `BUSINESS`, `ALIAS`).
    pub fn code(self) -> &'static str {
        match self {
            Self::Msisdn => "MSISDN",
            Self::Business => "BUSINESS",
            Self::Alias => "ALIAS",
        }
    }

    /// Parses [`code`](Self::code).
    pub fn from_code(code: &str) -> Option<Self> {
        [Self::Msisdn, Self::Business, Self::Alias]
            .into_iter()
            .find(|k| k.code() == code)
    }
}

impl fmt::Display for AliasType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A party identifier: type + value (e.g. MSISDN `255710101999`, BUSINESS `123456`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Alias {
    /// The identifier type.
    pub kind: AliasType,
    /// The identifier value.
    pub value: String,
}

/// Which KYC limit was hit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LimitKind {
    /// The account's maximum balance.
    MaxBalance,
    /// The maximum amount of one payment (amount + fee).
    PerPayment,
    /// The maximum debited per UTC day.
    Daily,
}

impl fmt::Display for LimitKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::MaxBalance => "max balance",
            Self::PerPayment => "per-payment",
            Self::Daily => "daily",
        })
    }
}

/// KYC-tier limits of an account, in minor units of its currency. `None` = no limit. The hub's
/// configuration maps each KYC tier to one of these.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Limits {
    /// Largest ledger balance the account may reach by a credit.
    pub max_balance: Option<i64>,
    /// Largest amount + fee of one outgoing payment.
    pub max_per_payment: Option<i64>,
    /// Largest total amount + fee debited (held or committed) per UTC day.
    pub max_daily_debit: Option<i64>,
}

/// A request to open a customer-facing account. Idempotent by `id` (e.g. derived from the agent's
/// onboarding id): the same id with the same terms returns the existing account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenAccount {
    /// The new account's id, chosen by the caller.
    pub id: AccountId,
    /// Customer wallet, merchant or agent float.
    pub kind: AccountKind,
    /// Name shown to payers (from the lookup).
    pub display_name: String,
    /// The account's currency.
    pub currency: Currency,
    /// Aliases to register (MSISDN, till...).
    pub aliases: Vec<Alias>,
    /// KYC-tier limits.
    pub limits: Limits,
    /// The holder's date of birth (agent onboarding); Fineract keeps it on the client.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_of_birth: Option<chrono::NaiveDate>,
}

/// An account's descriptive data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountInfo {
    /// The id.
    pub id: AccountId,
    /// The kind.
    pub kind: AccountKind,
    /// The display name.
    pub display_name: String,
    /// The currency.
    pub currency: Currency,
    /// Registered aliases.
    pub aliases: Vec<Alias>,
    /// KYC-tier limits.
    pub limits: Limits,
}

/// The result of a party lookup.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Party {
    /// The account behind the alias.
    pub account: AccountId,
    /// The name to show to the payer.
    pub display_name: String,
    /// The account kind (customer, merchant, agent).
    pub kind: AccountKind,
    /// The account's currency.
    pub currency: Currency,
}

/// Transaction types the fee schedule distinguishes (FSPIOP transaction scenarios).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TransactionType {
    /// Person-to-person transfer.
    Transfer,
    /// Payment to a merchant.
    Payment,
    /// Cash-out at an agent.
    Withdrawal,
    /// Cash-in at an agent.
    Deposit,
}

/// Which side of the transfer a quote is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum QuoteRole {
    /// Our customer pays: fee from the payer schedule, balance and limits checked.
    Payer,
    /// Our customer receives: fee from the payee schedule, max-balance checked.
    Payee,
}

/// A fee quote request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuoteRequest {
    /// Our customer's account.
    pub account: AccountId,
    /// The transfer amount (without our fee).
    pub amount: Money,
    /// The transaction type.
    pub transaction_type: TransactionType,
    /// Payer or payee side.
    pub role: QuoteRole,
}

/// A fee quote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeeQuote {
    /// The DFSP's fee.
    pub fee: Money,
    /// Payer: amount + fee (what leaves the account). Payee: amount (what arrives).
    pub total: Money,
}

/// Hold funds for an outgoing transfer (Fineract PREPARE). Idempotent by `transfer_id`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReserveRequest {
    /// The transfer id (FSPIOP transferId).
    pub transfer_id: TransferId,
    /// Our paying customer.
    pub payer: AccountId,
    /// The amount sent to the switch (goes to the settlement position on commit).
    pub amount: Money,
    /// Our fee (goes to fee income on commit).
    pub fee: Money,
}

/// Credit an incoming transfer (Fineract CREATE as PAYEE). Idempotent by `transfer_id`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreditRequest {
    /// The transfer id (FSPIOP transferId).
    pub transfer_id: TransferId,
    /// Our receiving customer.
    pub payee: AccountId,
    /// What the payee receives.
    pub amount: Money,
    /// Our payee-side fee (taken from the settlement inflow into fee income).
    pub fee: Money,
}

/// A same-DFSP payment, booked in one journal entry. Idempotent by `transfer_id`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InternalTransferRequest {
    /// The payment id.
    pub transfer_id: TransferId,
    /// Paying account (debited amount + fee).
    pub payer: AccountId,
    /// Receiving account (credited amount).
    pub payee: AccountId,
    /// The amount the payee receives.
    pub amount: Money,
    /// The payer's fee.
    pub fee: Money,
}

/// What kind of movement a transfer is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TransferKind {
    /// Our customer pays out through the switch (reserve → commit/release).
    Outgoing,
    /// A transfer from the switch credited to our customer.
    Incoming,
    /// A same-DFSP payment.
    Internal,
    /// E-money issued from the equity account (demo seeding, float top-up).
    Funding,
}

/// Lifecycle state of a transfer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TransferState {
    /// Funds held, not booked.
    Held,
    /// Booked (final).
    Committed,
    /// Hold released (final).
    Released,
}

impl fmt::Display for TransferState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Held => "held",
            Self::Committed => "committed",
            Self::Released => "released",
        })
    }
}

/// The record of a transfer as the account system keeps it; returned by every transfer operation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransferRecord {
    /// The transfer id.
    pub id: TransferId,
    /// The movement kind.
    pub kind: TransferKind,
    /// The debited customer account (none for incoming/funding).
    pub payer: Option<AccountId>,
    /// The credited customer account (none for outgoing).
    pub payee: Option<AccountId>,
    /// The transfer amount.
    pub amount: Money,
    /// The DFSP's fee.
    pub fee: Money,
    /// The current state.
    pub state: TransferState,
    /// Creation time, Unix milliseconds.
    pub created_at_ms: i64,
    /// Last state change, Unix milliseconds.
    pub updated_at_ms: i64,
}

/// An account's balances.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Balance {
    /// The account.
    pub account: AccountId,
    /// Booked balance.
    pub ledger: Money,
    /// Booked balance minus active holds: what can be spent.
    pub available: Money,
}

/// A page request for history, newest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageRequest {
    /// Return entries strictly older than this cursor (from [`HistoryPage::next`]); `None` = newest.
    pub before: Option<i64>,
    /// Page size (1..=200).
    pub limit: u32,
}

/// One booked movement on an account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    /// Opaque, increasing position (use as a cursor).
    pub seq: i64,
    /// The transfer that caused it.
    pub transfer_id: TransferId,
    /// The transfer's kind.
    pub kind: TransferKind,
    /// Signed amount: negative = debit.
    pub amount: Money,
    /// Ledger balance after this line.
    pub balance_after: i64,
    /// Booking time, Unix milliseconds.
    pub at_ms: i64,
}

/// A page of history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryPage {
    /// Entries, newest first.
    pub entries: Vec<HistoryEntry>,
    /// Cursor for the next (older) page, if there may be one.
    pub next: Option<i64>,
}

/// A DFSP's account system: the embedded ledger or an adapter to a core banking system.
///
/// Object-safe: the orchestration holds an `Arc<dyn AccountSystem>`. Every mutating method is
/// durable when it returns `Ok` and idempotent by its id.
#[async_trait]
pub trait AccountSystem: Send + Sync {
    /// Opens a customer wallet, merchant account or agent float, registering its aliases.
    async fn open_account(&self, req: OpenAccount) -> AccountResult<AccountInfo>;

    /// An account's descriptive data.
    async fn account(&self, id: AccountId) -> AccountResult<AccountInfo>;

    /// Resolves an alias (MSISDN, till...) to our account and the name to show.
    async fn lookup_party(&self, alias: &Alias) -> AccountResult<Party>;

    /// Computes our fee from the fee schedule and checks the account can do it (balance, limits).
    async fn quote(&self, req: QuoteRequest) -> AccountResult<FeeQuote>;

    /// Holds amount + fee on the payer's account (available balance drops, ledger balance does not).
    async fn reserve(&self, req: ReserveRequest) -> AccountResult<TransferRecord>;

    /// Books a held outgoing transfer: debit payer amount + fee, credit settlement amount and fee
    /// income fee. Committing a committed transfer returns it; a released one is `InvalidState`.
    async fn commit(&self, id: TransferId) -> AccountResult<TransferRecord>;

    /// Releases a held outgoing transfer. Releasing a released one returns it; a committed one is
    /// `InvalidState`.
    async fn release(&self, id: TransferId) -> AccountResult<TransferRecord>;

    /// Books an incoming transfer: debit settlement amount + fee, credit payee amount, fee income fee.
    async fn credit(&self, req: CreditRequest) -> AccountResult<TransferRecord>;

    /// Books a same-DFSP payment in one journal entry.
    async fn internal_transfer(
        &self,
        req: InternalTransferRequest,
    ) -> AccountResult<TransferRecord>;

    /// A transfer's current record (admin views, recovery checks). Recovery never depends on it:
    /// `commit` and `release` are idempotent. (Fineract's interop GET for a transfer is not
    /// implemented there, so an adapter answers from its own record of the calls it made.)
    async fn transfer(&self, id: TransferId) -> AccountResult<TransferRecord>;

    /// Ledger and available balance of an account.
    async fn balance(&self, account: AccountId) -> AccountResult<Balance>;

    /// Booked movements of an account, newest first.
    async fn history(&self, account: AccountId, page: PageRequest) -> AccountResult<HistoryPage>;
}
