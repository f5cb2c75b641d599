//! The Fineract adapter: [`AccountSystem`](crate::accounts::AccountSystem) over Apache Fineract's
//! REST API (interoperation, clients, savings accounts). Reference: `docs/fineract.md` and
//! `../shared/reference/fineract-and-payment-hub.md` §2.
//!
//! Mapping: an [`AccountId`] is a savings account's `externalId` (the interop API addresses accounts
//! by it); a [`TransferId`] is both `transactionCode` and `transferCode`. `reserve` = PREPARE,
//! `commit` = CREATE (PAYER), `release` = RELEASE, `credit` = CREATE (PAYEE), `internal_transfer` =
//! PREPARE + CREATE on the payer, then CREATE on the payee, all under the same code.
//!
//! Modules: `settings` (config), `client` (HTTP, tenant, auth, CA), `wire` (JSON), `amount`
//! (decimal ↔ minor units), `error` (Fineract error bodies → [`AccountError`]), `store` (the
//! adapter's durable record), `transfers`, `onboard`, `read`, `limits` (KYC-tier limits, which
//! Fineract does not know), `fund` (teller deposits for demo balances), `system` (the trait impl).

mod amount;
mod client;
mod error;
mod fund;
mod limits;
mod onboard;
mod read;
mod settings;
mod store;
mod system;
mod transfers;
pub mod wire;

use std::path::Path;
use std::sync::Arc;

pub use amount::{exponent_of, from_minor, to_minor};
pub use client::{FineractClient, IDEMPOTENCY_HEADER, TENANT_HEADER};
pub use error::FineractError;
pub use settings::{AccountsKind, AccountsSection, FineractSettings, Secret};

use crate::accounts::{AccountError, AccountId, AccountKind, AccountResult, Currency, Money};
use store::Store;

/// The adapter. Cheap to clone.
#[derive(Clone)]
pub struct FineractAccounts {
    client: FineractClient,
    settings: Arc<FineractSettings>,
    store: Store,
    currency: Currency,
    exponent: u32,
    /// Operations on one transfer are serialised (striped by id): Fineract books a CREATE even
    /// after a RELEASE, so a commit and a release of the same transfer must never interleave.
    locks: Arc<Vec<tokio::sync::Mutex<()>>>,
}

/// Number of lock stripes.
const STRIPES: usize = 64;

impl FineractAccounts {
    /// The adapter for `settings`, keeping its record in `store_path`, for accounts in `currency`.
    pub fn open(
        settings: FineractSettings,
        store_path: &Path,
        currency: Currency,
    ) -> Result<Self, FineractError> {
        Ok(Self {
            client: FineractClient::new(&settings)?,
            store: Store::open(store_path)?,
            exponent: exponent_of(currency.as_str()),
            settings: Arc::new(settings),
            currency,
            locks: Arc::new((0..STRIPES).map(|_| tokio::sync::Mutex::new(())).collect()),
        })
    }

    /// Waits for exclusive use of transfer `id`.
    async fn lock(&self, id: crate::accounts::TransferId) -> tokio::sync::MutexGuard<'_, ()> {
        let stripe = (id.0.as_u128() % STRIPES as u128) as usize;
        self.locks[stripe].lock().await
    }

    /// Refuses amounts in another currency than the hub's (nothing is sent).
    fn check_currency(&self, money: &Money) -> AccountResult<()> {
        if money.currency != self.currency {
            return Err(AccountError::CurrencyMismatch {
                expected: self.currency.clone(),
                got: money.currency.clone(),
            });
        }
        Ok(())
    }

    fn money(&self, minor: i64) -> Money {
        Money::new(minor, self.currency.clone())
    }

    fn money_out(&self, minor: i64) -> AccountResult<wire::MoneyOut> {
        Ok(wire::MoneyOut::new(
            minor,
            self.currency.as_str(),
            self.exponent,
        )?)
    }

    /// The savings product of an account kind.
    fn product_of(&self, kind: AccountKind) -> u64 {
        let s = &self.settings;
        match kind {
            AccountKind::Merchant => s.merchant_product_id.unwrap_or(s.wallet_product_id),
            AccountKind::AgentFloat => s.agent_product_id.unwrap_or(s.wallet_product_id),
            _ => s.wallet_product_id,
        }
    }

    /// The account kind of a savings product (wallet when not configured otherwise).
    fn kind_of(&self, product: u64) -> AccountKind {
        let s = &self.settings;
        if s.merchant_product_id == Some(product) && product != s.wallet_product_id {
            AccountKind::Merchant
        } else if s.agent_product_id == Some(product) && product != s.wallet_product_id {
            AccountKind::AgentFloat
        } else {
            AccountKind::CustomerWallet
        }
    }

    fn now_ms() -> i64 {
        chrono::Utc::now().timestamp_millis()
    }

    fn today() -> String {
        wire::fineract_date(chrono::Utc::now().date_naive())
    }
}

/// The `externalId` of an account.
fn ext(id: AccountId) -> String {
    id.0.to_string()
}

/// Percent-encodes a path segment (aliases may hold `+` or spaces).
fn seg(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
