//! The double's in-memory Fineract: clients, savings products and accounts with their transactions,
//! interop identifiers, payment types. Behaviour copied from Fineract (paths relative to
//! `apache/fineract`, as read in `../shared/reference/fineract-and-payment-hub.md` §2):
//! - savings status ids 100 submitted, 200 approved, 300 active (`SavingsAccountStatusType`);
//! - transaction type ids 1 deposit, 2 withdrawal, 4 withdrawal fee, 20 amount hold, 21 amount
//!   release (`SavingsAccountTransactionType`);
//! - withdrawable balance = balance − on-hold amount; a product's withdrawal fee is charged as its
//!   own transaction after the withdrawal (`SavingsAccount.calculateWithdrawalFee`, flat here);
//! - interop transactions carry a payment detail with `routingCode = INTEROPERATION` and
//!   `receiptNumber = transferCode`, the payment type being the first non-cash one
//!   (`InteropServiceImpl.findPaymentType`, `findTransaction`).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A savings product.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Product {
    pub currency: String,
    pub decimal_places: u32,
    /// Flat withdrawal fee, minor units.
    pub withdrawal_fee: i64,
}

/// A client.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Client {
    pub id: u64,
    pub office_id: u64,
    pub legal_form_id: u64,
    pub external_id: Option<String>,
    pub display_name: String,
    pub mobile_no: Option<String>,
    /// `dateOfBirth` as sent (parsed with the request's `dateFormat` and `locale`).
    #[serde(default)]
    pub date_of_birth: Option<chrono::NaiveDate>,
}

/// A savings transaction.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Txn {
    pub id: i64,
    pub type_id: i64,
    pub amount: i64,
    pub date: (i32, u32, u32),
    pub running_balance: i64,
    pub receipt: Option<String>,
    pub routing: Option<String>,
    /// For holds: released already.
    pub released: bool,
    /// The payment type of its payment detail (interop: the first non-cash one).
    #[serde(default)]
    pub payment_type: Option<u64>,
}

/// A savings account.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Savings {
    pub id: u64,
    pub client_id: u64,
    pub product_id: u64,
    pub external_id: Option<String>,
    pub status: i64,
    pub balance: i64,
    pub on_hold: i64,
    pub txns: Vec<Txn>,
}

impl Savings {
    pub fn withdrawable(&self) -> i64 {
        self.balance - self.on_hold
    }

    /// The interop transaction of `type_id` with this transfer code.
    pub fn find(&self, code: &str, type_id: i64) -> Option<usize> {
        self.txns.iter().position(|t| {
            t.type_id == type_id
                && t.routing.as_deref() == Some("INTEROPERATION")
                && t.receipt.as_deref() == Some(code)
        })
    }
}

/// One recorded call.
#[derive(Clone, Debug)]
pub struct Call {
    pub method: String,
    pub path: String,
    pub query: String,
    pub idempotency_key: Option<String>,
    pub status: u16,
    /// True when answered from the idempotency cache.
    pub from_cache: bool,
}

/// Everything the double keeps. Serialised (without the call log) to the `--state` file.
#[derive(Default, Serialize, Deserialize)]
pub struct Model {
    pub products: BTreeMap<u64, Product>,
    pub clients: BTreeMap<u64, Client>,
    pub savings: BTreeMap<u64, Savings>,
    /// (idType, idValue) → savings externalId.
    #[serde(with = "pairs")]
    pub identifiers: BTreeMap<(String, String), String>,
    /// (id, is_cash).
    pub payment_types: Vec<(u64, bool)>,
    /// (method + path + query, key) → (status, body) of finished idempotent requests.
    #[serde(with = "pairs")]
    pub idempotency: BTreeMap<(String, String), (u16, String)>,
    /// Every call, when [`Model::record_calls`] is on (tests).
    #[serde(skip)]
    pub calls: Vec<Call>,
    /// Keep [`Model::calls`] (tests); a long-running process only counts them.
    #[serde(skip)]
    pub record_calls: bool,
    /// Requests that match no documented endpoint or shape (each fails the test that checks).
    #[serde(skip)]
    pub unexpected: Vec<String>,
    /// Process the next request whose path contains this text, then answer 504 (lost answer).
    #[serde(skip)]
    pub lose_answer_of: Option<String>,
    next_id: u64,
    next_txn: i64,
    /// The business date of new transactions; `None` = today's UTC date.
    pub today: Option<(i32, u32, u32)>,
}

/// A map with tuple keys as a JSON list of `[key, value]` pairs.
mod pairs {
    use std::collections::BTreeMap;

    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<K: Serialize, V: Serialize, S: Serializer>(
        map: &BTreeMap<K, V>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        s.collect_seq(map.iter())
    }

    pub fn deserialize<'de, K, V, D>(d: D) -> Result<BTreeMap<K, V>, D::Error>
    where
        K: Deserialize<'de> + Ord,
        V: Deserialize<'de>,
        D: Deserializer<'de>,
    {
        Ok(Vec::<(K, V)>::deserialize(d)?.into_iter().collect())
    }
}

impl Model {
    /// An empty Fineract; `today` fixes the business date (`None`: the UTC date of each call).
    pub fn new(today: Option<(i32, u32, u32)>) -> Self {
        Self {
            next_id: 1,
            next_txn: 1,
            today,
            ..Self::default()
        }
    }

    /// The business date.
    pub fn today(&self) -> (i32, u32, u32) {
        use chrono::Datelike;
        self.today.unwrap_or_else(|| {
            let d = chrono::Utc::now().date_naive();
            (d.year(), d.month(), d.day())
        })
    }

    pub fn next_id(&mut self) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    pub fn savings_by_ext(&self, ext: &str) -> Option<u64> {
        self.savings
            .values()
            .find(|s| s.external_id.as_deref() == Some(ext))
            .map(|s| s.id)
    }

    pub fn non_cash_payment_type(&self) -> Option<u64> {
        self.payment_types
            .iter()
            .find(|(_, cash)| !cash)
            .map(|(id, _)| *id)
    }

    /// Appends a transaction to `savings` and applies it to the balances.
    pub fn add_txn(
        &mut self,
        savings: u64,
        type_id: i64,
        amount: i64,
        receipt: Option<&str>,
        routing: Option<&str>,
    ) {
        let id = self.next_txn;
        self.next_txn += 1;
        let date = self.today();
        let payment_type = routing.and(self.non_cash_payment_type());
        let Some(s) = self.savings.get_mut(&savings) else {
            return;
        };
        match type_id {
            1 => s.balance += amount,
            2 | 4 => s.balance -= amount,
            20 => s.on_hold += amount,
            21 => s.on_hold -= amount,
            _ => {}
        }
        s.txns.push(Txn {
            id,
            type_id,
            amount,
            date,
            running_balance: s.balance,
            receipt: receipt.map(str::to_owned),
            routing: routing.map(str::to_owned),
            released: false,
            payment_type,
        });
    }
}

impl Model {
    /// Savings account `id` with its product (`None` when either is missing).
    pub fn savings_and_product(&self, id: u64) -> Option<(&Savings, &Product)> {
        let s = self.savings.get(&id)?;
        Some((s, self.products.get(&s.product_id)?))
    }
}
