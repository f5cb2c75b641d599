//! Helpers shared by the ledger integration tests.
#![allow(dead_code)]

use kipochi_hub::accounts::{
    AccountId, AccountKind, AccountSystem, Alias, AliasType, Currency, Limits, Money, OpenAccount,
    TransferId,
};
use kipochi_hub::ledger::{Ledger, LedgerOptions};
use tempfile::TempDir;

/// The test currency.
pub fn tzs() -> Currency {
    "TZS".parse().unwrap()
}

/// `v` minor units of TZS.
pub fn m(v: i64) -> Money {
    Money::new(v, tzs())
}

/// A fresh ledger in a temporary folder (kept alive by the returned guard).
pub fn new_ledger(options: LedgerOptions) -> (TempDir, Ledger) {
    let dir = tempfile::tempdir().unwrap();
    let ledger = Ledger::open_with(dir.path().join("ledger.db"), options).unwrap();
    (dir, ledger)
}

/// The open request of a customer wallet with an MSISDN alias.
pub fn wallet_request(name: &str, msisdn: &str, limits: Limits) -> OpenAccount {
    OpenAccount {
        id: AccountId::new_v4(),
        kind: AccountKind::CustomerWallet,
        display_name: name.into(),
        currency: tzs(),
        aliases: vec![Alias {
            kind: AliasType::Msisdn,
            value: msisdn.into(),
        }],
        limits,
        date_of_birth: None,
    }
}

/// Opens a wallet and funds it with `balance` from equity.
pub async fn funded_wallet(ledger: &Ledger, msisdn: &str, balance: i64) -> AccountId {
    let info = ledger
        .open_account(wallet_request("Test Customer", msisdn, Limits::default()))
        .await
        .unwrap();
    if balance > 0 {
        ledger
            .fund(TransferId::new_v4(), info.id, m(balance))
            .await
            .unwrap();
    }
    info.id
}

/// Ledger and available balance of an account, in minor units.
pub async fn bal(ledger: &Ledger, id: AccountId) -> (i64, i64) {
    let b = ledger.balance(id).await.unwrap();
    (b.ledger.minor, b.available.minor)
}
