//! Fineract's JSON, as the adapter sends and reads it (reference note §2.2–2.3: `InteropUtil`,
//! `interoperation/data/*`, the savings and client API swagger models). Amounts are written and read
//! as raw JSON decimals, never through a float.

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use super::FineractError;
use super::amount::{from_minor, to_minor};

/// The date format the adapter sends with every dated write (`dateFormat`), with `locale` `en`.
pub const DATE_FORMAT: &str = "dd MMMM yyyy";
/// The locale sent with `DATE_FORMAT`.
pub const LOCALE: &str = "en";

/// A date in [`DATE_FORMAT`] (chrono's `%d %B %Y`), e.g. `02 December 2026`.
pub fn fineract_date(date: chrono::NaiveDate) -> String {
    date.format("%d %B %Y").to_string()
}

/// `MoneyData` as sent: `{"amount": 100.50, "currency": "TZS"}` with an exact decimal literal.
#[derive(Debug, Serialize)]
pub struct MoneyOut {
    /// The decimal literal.
    pub amount: Box<RawValue>,
    /// ISO 4217 code.
    pub currency: String,
}

impl MoneyOut {
    /// `minor` units of `currency` with `exponent` decimals.
    pub fn new(minor: i64, currency: &str, exponent: u32) -> Result<Self, FineractError> {
        let amount = RawValue::from_string(from_minor(minor, exponent))
            .map_err(|e| FineractError::Decode(e.to_string()))?;
        Ok(Self {
            amount,
            currency: currency.to_owned(),
        })
    }
}

/// A decimal as received (kept raw, converted exactly by [`Decimal::minor`]).
#[derive(Debug, Deserialize)]
#[serde(transparent)]
pub struct Decimal(pub Box<RawValue>);

impl Decimal {
    /// The value in minor units (`exponent` decimals); strings holding decimals are accepted too.
    pub fn minor(&self, exponent: u32) -> Result<i64, FineractError> {
        let text = self.0.get().trim().trim_matches('"');
        to_minor(text, exponent)
    }
}

/// `MoneyData` as received.
#[derive(Debug, Deserialize)]
pub struct MoneyIn {
    /// The amount.
    pub amount: Decimal,
    /// ISO 4217 code.
    pub currency: String,
}

/// `transactionType` of quotes and transfers.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TransactionTypeOut {
    /// `TRANSFER`, `PAYMENT`, `WITHDRAWAL`, `DEPOSIT`.
    pub scenario: &'static str,
    /// `PAYER` or `PAYEE`.
    pub initiator: &'static str,
    /// `CONSUMER`, `AGENT`, `BUSINESS`, `DEVICE`.
    pub initiator_type: &'static str,
}

/// `POST /interoperation/quotes`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct QuoteOut {
    /// The transaction (the hub's id).
    pub transaction_code: String,
    /// The quote (fresh for each call: Fineract does not store quotes).
    pub quote_code: String,
    /// Savings account externalId.
    pub account_id: String,
    /// The amount.
    pub amount: MoneyOut,
    /// `SEND` (the payer's amount is what is sent).
    pub amount_type: &'static str,
    /// `PAYER` or `PAYEE`.
    pub transaction_role: &'static str,
    /// The scenario.
    pub transaction_type: TransactionTypeOut,
}

/// The quote answer.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QuoteIn {
    /// `ACCEPTED` or `REJECTED`.
    pub state: String,
    /// The fee (absent or zero for a credit role).
    #[serde(default)]
    pub fsp_fee: Option<MoneyIn>,
}

/// `POST /interoperation/transfers?action=PREPARE|CREATE|RELEASE`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TransferOut {
    /// The transaction (the hub's transfer id).
    pub transaction_code: String,
    /// The transfer code Fineract finds the hold and the booking by.
    pub transfer_code: String,
    /// Savings account externalId.
    pub account_id: String,
    /// The amount.
    pub amount: MoneyOut,
    /// The payer's fee (debit role only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fsp_fee: Option<MoneyOut>,
    /// `PAYER` or `PAYEE`.
    pub transaction_role: &'static str,
    /// The scenario.
    pub transaction_type: TransactionTypeOut,
    /// Saved as the transaction note on CREATE.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// The transfer answer.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TransferIn {
    /// `ACCEPTED`.
    pub state: String,
    /// Echo of the transfer code.
    pub transfer_code: String,
}

/// `GET /interoperation/parties/{type}/{id}`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PartyIn {
    /// The savings account's externalId.
    pub account_id: String,
}

/// Answer of a command (`POST /clients`, `/savingsaccounts`, commands): `CommandProcessingResult`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CommandIn {
    /// The created or changed resource.
    #[serde(default)]
    pub resource_id: Option<u64>,
    /// The client (client creation).
    #[serde(default)]
    pub client_id: Option<u64>,
    /// The savings account (savings creation).
    #[serde(default)]
    pub savings_id: Option<u64>,
}

/// `GET /clients/{id}` (fields read by the adapter).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClientIn {
    /// The client id.
    pub id: u64,
    /// The name Fineract shows.
    #[serde(default)]
    pub display_name: String,
}

/// `GET /savingsproducts/{id}` (fields read by the adapter).
#[derive(Debug, Deserialize)]
pub struct ProductIn {
    /// The product's currency.
    pub currency: CurrencyIn,
}

/// A savings currency.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CurrencyIn {
    /// ISO code.
    pub code: String,
    /// Decimals used by the tenant for this currency.
    #[serde(default)]
    pub decimal_places: Option<u32>,
}

/// An enum value as Fineract renders it: `{"id": 300, "code": "...", "value": "Active"}`.
#[derive(Debug, Deserialize)]
pub struct EnumIn {
    /// Numeric id.
    pub id: i64,
    /// Code.
    #[serde(default)]
    pub code: String,
}

/// `GET /savingsaccounts/external-id/{externalId}[?associations=transactions]`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SavingsIn {
    /// Savings id.
    pub id: u64,
    /// Owning client.
    pub client_id: u64,
    /// The product.
    pub savings_product_id: u64,
    /// Status; 300 = active.
    pub status: EnumIn,
    /// The currency.
    pub currency: CurrencyIn,
    /// Balances.
    pub summary: SummaryIn,
    /// Total on hold (older versions have no `summary.availableBalance`).
    #[serde(default)]
    pub savings_amount_on_hold: Option<Decimal>,
    /// Transactions, newest first (with `associations=transactions`).
    #[serde(default)]
    pub transactions: Vec<SavingsTransactionIn>,
}

/// Savings status id of an active account (`SavingsAccountStatusType.ACTIVE`).
pub const STATUS_ACTIVE: i64 = 300;
/// Savings status id of an approved, not yet active account.
pub const STATUS_APPROVED: i64 = 200;

/// `summary` of a savings account.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SummaryIn {
    /// Booked balance.
    pub account_balance: Decimal,
    /// Booked balance minus holds (newer versions).
    #[serde(default)]
    pub available_balance: Option<Decimal>,
}

/// One savings transaction. `date` is a `[yyyy, mm, dd]` array (Fineract's `LocalDate` JSON).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SavingsTransactionIn {
    /// Transaction id (increasing).
    pub id: i64,
    /// The type (`SavingsAccountTransactionType`).
    pub transaction_type: EnumIn,
    /// Booking date `[y, m, d]`.
    pub date: Vec<i64>,
    /// Amount (positive).
    pub amount: Decimal,
    /// Balance after the transaction.
    #[serde(default)]
    pub running_balance: Option<Decimal>,
    /// Reversed transactions are not movements.
    #[serde(default)]
    pub reversed: bool,
    /// Interop transactions carry `routingCode = INTEROPERATION`, `receiptNumber = transferCode`.
    #[serde(default)]
    pub payment_detail_data: Option<PaymentDetailIn>,
}

/// `paymentDetailData`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentDetailIn {
    /// `INTEROPERATION` for interop transactions.
    #[serde(default)]
    pub routing_code: Option<String>,
    /// The transfer code.
    #[serde(default)]
    pub receipt_number: Option<String>,
}

/// `SavingsAccountTransactionType` ids the adapter reads (`SavingsAccountTransactionType.java`:
/// credits per `isCredit()`, debits per `isDebit()`; holds and releases move no balance).
pub mod txn_type {
    /// Deposit (credit).
    pub const DEPOSIT: i64 = 1;
    /// Withdrawal (debit).
    pub const WITHDRAWAL: i64 = 2;
    /// Interest posting (credit).
    pub const INTEREST_POSTING: i64 = 3;
    /// Withdrawal fee (debit).
    pub const WITHDRAWAL_FEE: i64 = 4;
    /// Annual fee (debit).
    pub const ANNUAL_FEE: i64 = 5;
    /// Charge payment (debit).
    pub const PAY_CHARGE: i64 = 7;
    /// Dividend payout (credit).
    pub const DIVIDEND_PAYOUT: i64 = 8;
    /// Overdraft interest (debit).
    pub const OVERDRAFT_INTEREST: i64 = 17;
    /// Withholding tax (debit).
    pub const WITHHOLD_TAX: i64 = 18;
    /// Escheat (debit).
    pub const ESCHEAT: i64 = 19;
    /// Hold (not a booking).
    pub const AMOUNT_HOLD: i64 = 20;
    /// Hold release (not a booking).
    pub const AMOUNT_RELEASE: i64 = 21;
}

impl SavingsTransactionIn {
    /// The interop transfer code of this transaction, if it is one.
    pub fn transfer_code(&self) -> Option<&str> {
        let detail = self.payment_detail_data.as_ref()?;
        (detail.routing_code.as_deref() == Some("INTEROPERATION"))
            .then_some(detail.receipt_number.as_deref())
            .flatten()
    }

    /// +1 for credits, -1 for debits, 0 for holds, releases and unknown types.
    pub fn direction(&self) -> i64 {
        use txn_type::*;
        match self.transaction_type.id {
            DEPOSIT | INTEREST_POSTING | DIVIDEND_PAYOUT => 1,
            WITHDRAWAL | WITHDRAWAL_FEE | ANNUAL_FEE | PAY_CHARGE | OVERDRAFT_INTEREST
            | WITHHOLD_TAX | ESCHEAT => -1,
            _ => 0,
        }
    }

    /// Midnight UTC of `date`, Unix milliseconds.
    pub fn at_ms(&self) -> Result<i64, FineractError> {
        let bad = || FineractError::Decode("transaction date is not [y, m, d]".into());
        let [y, m, d] = self.date[..] else {
            return Err(bad());
        };
        let date = chrono::NaiveDate::from_ymd_opt(
            i32::try_from(y).map_err(|_| bad())?,
            u32::try_from(m).map_err(|_| bad())?,
            u32::try_from(d).map_err(|_| bad())?,
        )
        .ok_or_else(bad)?;
        Ok(date
            .and_hms_opt(0, 0, 0)
            .ok_or_else(bad)?
            .and_utc()
            .timestamp_millis())
    }
}
