//! The two account systems under one fixture: the embedded ledger on a SQLite file, and the
//! Fineract adapter talking to the contract double over HTTP on 127.0.0.1. Both charge the same
//! payer fee (100 minor units on a transfer): the ledger through its fee schedule, the double
//! through the wallet product's withdrawal fee.

use std::sync::Arc;

use kipochi_hub::accounts::{
    AccountId, AccountKind, AccountSystem, Alias, AliasType, Currency, Limits, Money, OpenAccount,
    TransactionType, TransferId,
};
use kipochi_hub::fineract::{FineractAccounts, FineractSettings};
use kipochi_hub::ledger::{FeeRule, FeeSchedule, Ledger, LedgerOptions};
use tempfile::TempDir;

use crate::fineract_double::{self, FineractDouble};

/// The payer fee both systems charge on a transfer.
pub const FEE: i64 = 100;

pub fn tzs() -> Currency {
    "TZS".parse().unwrap()
}

pub fn m(v: i64) -> Money {
    Money::new(v, tzs())
}

/// Which system a fixture runs.
pub enum Backend {
    Ledger(Ledger),
    Fineract(Box<FineractDouble>),
}

/// One account system plus a way to put money on an account (outside the trait, as in life:
/// equity funding in the ledger, a teller deposit in Fineract).
pub struct Fixture {
    pub system: Arc<dyn AccountSystem>,
    pub backend: Backend,
    pub _dir: TempDir,
}

impl Fixture {
    pub async fn ledger() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut fees = FeeSchedule::default();
        fees.payer.insert(
            TransactionType::Transfer,
            FeeRule {
                fixed: FEE,
                ..FeeRule::default()
            },
        );
        let options = LedgerOptions {
            fees,
            ..LedgerOptions::default()
        };
        let ledger = Ledger::open_with(dir.path().join("ledger.db"), options).unwrap();
        Self {
            system: Arc::new(ledger.clone()),
            backend: Backend::Ledger(ledger),
            _dir: dir,
        }
    }

    pub async fn fineract() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let double = FineractDouble::start(FEE).await;
        let adapter = adapter(&double, &dir, "fineract.db");
        Self {
            system: Arc::new(adapter),
            backend: Backend::Fineract(Box::new(double)),
            _dir: dir,
        }
    }

    /// Puts `amount` on `account`.
    pub async fn fund(&self, account: AccountId, amount: i64) {
        match &self.backend {
            Backend::Ledger(l) => {
                l.fund(TransferId::new_v4(), account, m(amount))
                    .await
                    .unwrap();
            }
            Backend::Fineract(d) => d.deposit(account, amount).await,
        }
    }

    /// Opens a wallet with an MSISDN alias and funds it.
    pub async fn wallet(&self, name: &str, msisdn: &str, balance: i64) -> AccountId {
        let info = self
            .system
            .open_account(wallet(name, msisdn))
            .await
            .unwrap();
        if balance > 0 {
            self.fund(info.id, balance).await;
        }
        info.id
    }

    pub async fn bal(&self, id: AccountId) -> (i64, i64) {
        let b = self.system.balance(id).await.unwrap();
        (b.ledger.minor, b.available.minor)
    }

    /// For the Fineract fixture: no call left the documented contract.
    pub fn check_contract(&self) {
        if let Backend::Fineract(d) = &self.backend {
            assert_eq!(
                d.unexpected(),
                Vec::<String>::new(),
                "calls outside the contract"
            );
        }
    }
}

/// An adapter on `double` keeping its record in `dir/file`, wallets on the fee product.
pub fn adapter(double: &FineractDouble, dir: &TempDir, file: &str) -> FineractAccounts {
    let mut settings = FineractSettings::basic(
        &double.base_url,
        fineract_double::TENANT,
        fineract_double::USER,
        fineract_double::PASSWORD,
    );
    settings.wallet_product_id = fineract_double::FEE_PRODUCT;
    settings.merchant_product_id = Some(fineract_double::WALLET_PRODUCT);
    FineractAccounts::open(settings, &dir.path().join(file), tzs()).unwrap()
}

/// The open request of a customer wallet with an MSISDN alias.
pub fn wallet(name: &str, msisdn: &str) -> OpenAccount {
    OpenAccount {
        id: AccountId::new_v4(),
        kind: AccountKind::CustomerWallet,
        display_name: name.into(),
        currency: tzs(),
        aliases: vec![Alias {
            kind: AliasType::Msisdn,
            value: msisdn.into(),
        }],
        limits: Limits::default(),
        date_of_birth: None,
    }
}
