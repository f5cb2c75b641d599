//! One behaviour suite for every `AccountSystem`: each scenario runs against the embedded ledger
//! and against the Fineract adapter on the contract double (`ledger::` and `fineract::` tests).
//! Where Fineract books differently (its withdrawal fee is a transaction of its own), the
//! scenarios assert what both guarantee: balances, states, idempotency, errors.

pub mod fixture;

use kipochi_hub::accounts::*;

use fixture::{FEE, Fixture, m, tzs, wallet};

macro_rules! for_both {
    ($($name:ident),* $(,)?) => {
        mod ledger {
            $(#[tokio::test]
            async fn $name() {
                let fx = super::Fixture::ledger().await;
                super::$name(&fx).await;
            })*
        }
        mod fineract {
            $(#[tokio::test]
            async fn $name() {
                let fx = super::Fixture::fineract().await;
                super::$name(&fx).await;
                fx.check_contract();
            })*
        }
    };
}

for_both!(
    open_account_is_idempotent_and_refuses_conflicts,
    lookup_resolves_aliases,
    payer_and_payee_quotes,
    reserve_then_commit,
    reserve_then_release,
    refused_reserve_changes_nothing,
    unknown_transfers_and_accounts,
    credit_is_idempotent,
    internal_transfer_moves_amount_and_fee,
    history_pages_newest_first,
    bad_input_is_refused,
    kyc_limits_are_enforced,
);

fn reserve(id: TransferId, payer: AccountId, amount: i64, fee: i64) -> ReserveRequest {
    ReserveRequest {
        transfer_id: id,
        payer,
        amount: m(amount),
        fee: m(fee),
    }
}

async fn open_account_is_idempotent_and_refuses_conflicts(fx: &Fixture) {
    let s = &fx.system;
    let req = wallet("Asha Juma", "255700000001");
    let first = s.open_account(req.clone()).await.unwrap();
    assert_eq!(first.display_name, "Asha Juma");
    assert_eq!(first.kind, AccountKind::CustomerWallet);
    assert_eq!(s.open_account(req.clone()).await.unwrap(), first);
    assert_eq!(s.account(req.id).await.unwrap(), first);
    let changed = OpenAccount {
        display_name: "Someone Else".into(),
        ..req.clone()
    };
    assert!(matches!(
        s.open_account(changed).await,
        Err(AccountError::Conflict(_))
    ));
    let other = wallet("Other Person", "255700000001");
    assert_eq!(
        s.open_account(other.clone()).await,
        Err(AccountError::AliasInUse(AliasType::Msisdn))
    );
    assert_eq!(
        s.account(other.id).await,
        Err(AccountError::AccountNotFound(other.id))
    );
    let bal = s.balance(req.id).await.unwrap();
    assert_eq!((bal.ledger.minor, bal.available.minor), (0, 0));
}

async fn lookup_resolves_aliases(fx: &Fixture) {
    let id = fx.wallet("Neema Mushi", "255700000002", 0).await;
    let party = fx
        .system
        .lookup_party(&Alias {
            kind: AliasType::Msisdn,
            value: "255700000002".into(),
        })
        .await
        .unwrap();
    assert_eq!(party.account, id);
    assert_eq!(party.display_name, "Neema Mushi");
    assert_eq!(party.kind, AccountKind::CustomerWallet);
    assert_eq!(party.currency, tzs());
    let unknown = Alias {
        kind: AliasType::Msisdn,
        value: "255799999999".into(),
    };
    assert_eq!(
        fx.system.lookup_party(&unknown).await,
        Err(AccountError::PartyNotFound(AliasType::Msisdn))
    );
}

async fn payer_and_payee_quotes(fx: &Fixture) {
    let id = fx.wallet("Payer", "255700000003", 10_000).await;
    let q = |amount, role| QuoteRequest {
        account: id,
        amount: m(amount),
        transaction_type: TransactionType::Transfer,
        role,
    };
    let quote = fx.system.quote(q(1_000, QuoteRole::Payer)).await.unwrap();
    assert_eq!((quote.fee, quote.total), (m(FEE), m(1_000 + FEE)));
    assert_eq!(
        fx.system.quote(q(9_950, QuoteRole::Payer)).await,
        Err(AccountError::InsufficientFunds)
    );
    let payee = fx.system.quote(q(50_000, QuoteRole::Payee)).await.unwrap();
    assert_eq!((payee.fee, payee.total), (m(0), m(50_000)));
    let usd: Currency = "USD".parse().unwrap();
    let foreign = QuoteRequest {
        amount: Money::new(1_000, usd),
        ..q(1_000, QuoteRole::Payer)
    };
    assert!(matches!(
        fx.system.quote(foreign).await,
        Err(AccountError::CurrencyMismatch { .. })
    ));
    let missing = AccountId::new_v4();
    assert_eq!(
        fx.system
            .quote(QuoteRequest {
                account: missing,
                ..q(1_000, QuoteRole::Payer)
            })
            .await,
        Err(AccountError::AccountNotFound(missing))
    );
    assert_eq!(fx.bal(id).await, (10_000, 10_000), "quotes change nothing");
}

async fn reserve_then_commit(fx: &Fixture) {
    let s = &fx.system;
    let payer = fx.wallet("Payer", "255700000004", 10_000).await;
    let id = TransferId::new_v4();
    let held = s.reserve(reserve(id, payer, 1_000, FEE)).await.unwrap();
    assert_eq!(held.state, TransferState::Held);
    assert_eq!(
        (held.kind, held.payer),
        (TransferKind::Outgoing, Some(payer))
    );
    assert_eq!((held.amount.clone(), held.fee.clone()), (m(1_000), m(FEE)));
    assert_eq!(fx.bal(payer).await, (10_000, 8_900));
    let again = s.reserve(reserve(id, payer, 1_000, FEE)).await.unwrap();
    assert_eq!((again.id, again.state), (id, TransferState::Held));
    assert!(matches!(
        s.reserve(reserve(id, payer, 2_000, FEE)).await,
        Err(AccountError::Conflict(_))
    ));
    assert_eq!(fx.bal(payer).await, (10_000, 8_900), "one hold only");
    let done = s.commit(id).await.unwrap();
    assert_eq!(done.state, TransferState::Committed);
    assert_eq!(fx.bal(payer).await, (8_900, 8_900));
    assert_eq!(s.commit(id).await.unwrap().state, TransferState::Committed);
    assert_eq!(fx.bal(payer).await, (8_900, 8_900), "committed once");
    assert!(matches!(
        s.release(id).await,
        Err(AccountError::InvalidState {
            state: TransferState::Committed,
            ..
        })
    ));
    assert_eq!(
        s.transfer(id).await.unwrap().state,
        TransferState::Committed
    );
    let history = s
        .history(
            payer,
            PageRequest {
                before: None,
                limit: 50,
            },
        )
        .await
        .unwrap();
    let total: i64 = history.entries.iter().map(|e| e.amount.minor).sum();
    assert_eq!(total, 8_900, "history sums to the balance");
    assert_eq!(history.entries[0].balance_after, 8_900);
    assert!(
        history
            .entries
            .iter()
            .any(|e| e.transfer_id == id && e.amount.minor < 0)
    );
}

async fn reserve_then_release(fx: &Fixture) {
    let s = &fx.system;
    let payer = fx.wallet("Payer", "255700000005", 5_000).await;
    let id = TransferId::new_v4();
    s.reserve(reserve(id, payer, 2_000, FEE)).await.unwrap();
    assert_eq!(fx.bal(payer).await, (5_000, 2_900));
    assert_eq!(s.release(id).await.unwrap().state, TransferState::Released);
    assert_eq!(fx.bal(payer).await, (5_000, 5_000));
    assert_eq!(s.release(id).await.unwrap().state, TransferState::Released);
    assert_eq!(fx.bal(payer).await, (5_000, 5_000), "released once");
    assert!(matches!(
        s.commit(id).await,
        Err(AccountError::InvalidState {
            state: TransferState::Released,
            ..
        })
    ));
    assert_eq!(fx.bal(payer).await, (5_000, 5_000));
}

async fn refused_reserve_changes_nothing(fx: &Fixture) {
    let s = &fx.system;
    let payer = fx.wallet("Payer", "255700000006", 1_000).await;
    let id = TransferId::new_v4();
    assert_eq!(
        s.reserve(reserve(id, payer, 1_000, FEE)).await,
        Err(AccountError::InsufficientFunds)
    );
    assert_eq!(fx.bal(payer).await, (1_000, 1_000));
    assert_eq!(
        s.transfer(id).await,
        Err(AccountError::TransferNotFound(id))
    );
    let missing = AccountId::new_v4();
    assert_eq!(
        s.reserve(reserve(TransferId::new_v4(), missing, 10, 0))
            .await,
        Err(AccountError::AccountNotFound(missing))
    );
}

async fn unknown_transfers_and_accounts(fx: &Fixture) {
    let s = &fx.system;
    let id = TransferId::new_v4();
    assert_eq!(s.commit(id).await, Err(AccountError::TransferNotFound(id)));
    assert_eq!(s.release(id).await, Err(AccountError::TransferNotFound(id)));
    assert_eq!(
        s.transfer(id).await,
        Err(AccountError::TransferNotFound(id))
    );
    let account = AccountId::new_v4();
    assert_eq!(
        s.balance(account).await,
        Err(AccountError::AccountNotFound(account))
    );
    assert_eq!(
        s.account(account).await,
        Err(AccountError::AccountNotFound(account))
    );
    assert_eq!(
        s.history(
            account,
            PageRequest {
                before: None,
                limit: 10
            }
        )
        .await,
        Err(AccountError::AccountNotFound(account))
    );
}

async fn credit_is_idempotent(fx: &Fixture) {
    let s = &fx.system;
    let payee = fx.wallet("Payee", "255700000007", 0).await;
    let req = CreditRequest {
        transfer_id: TransferId::new_v4(),
        payee,
        amount: m(2_500),
        fee: m(0),
    };
    let first = s.credit(req.clone()).await.unwrap();
    assert_eq!(
        (first.state, first.kind),
        (TransferState::Committed, TransferKind::Incoming)
    );
    assert_eq!(
        s.credit(req.clone()).await.unwrap().state,
        TransferState::Committed
    );
    assert_eq!(fx.bal(payee).await, (2_500, 2_500), "credited once");
    let changed = CreditRequest {
        amount: m(3_000),
        ..req.clone()
    };
    assert!(matches!(
        s.credit(changed).await,
        Err(AccountError::Conflict(_))
    ));
    let missing = AccountId::new_v4();
    let orphan = CreditRequest {
        transfer_id: TransferId::new_v4(),
        payee: missing,
        ..req
    };
    assert_eq!(
        s.credit(orphan.clone()).await,
        Err(AccountError::AccountNotFound(missing))
    );
    assert_eq!(
        s.transfer(orphan.transfer_id).await,
        Err(AccountError::TransferNotFound(orphan.transfer_id))
    );
}

async fn internal_transfer_moves_amount_and_fee(fx: &Fixture) {
    let s = &fx.system;
    let payer = fx.wallet("Payer", "255700000008", 10_000).await;
    let payee = fx.wallet("Payee", "255700000009", 0).await;
    let req = InternalTransferRequest {
        transfer_id: TransferId::new_v4(),
        payer,
        payee,
        amount: m(3_000),
        fee: m(FEE),
    };
    let done = s.internal_transfer(req.clone()).await.unwrap();
    assert_eq!(
        (done.state, done.kind),
        (TransferState::Committed, TransferKind::Internal)
    );
    assert_eq!(
        s.internal_transfer(req.clone()).await.unwrap().state,
        TransferState::Committed
    );
    assert_eq!(fx.bal(payer).await, (6_900, 6_900));
    assert_eq!(fx.bal(payee).await, (3_000, 3_000));
    let too_much = InternalTransferRequest {
        transfer_id: TransferId::new_v4(),
        amount: m(7_000),
        ..req
    };
    assert_eq!(
        s.internal_transfer(too_much).await,
        Err(AccountError::InsufficientFunds)
    );
    assert_eq!(fx.bal(payer).await, (6_900, 6_900));
    assert_eq!(fx.bal(payee).await, (3_000, 3_000));
}

async fn history_pages_newest_first(fx: &Fixture) {
    let s = &fx.system;
    let payee = fx.wallet("Payee", "255700000010", 0).await;
    let mut ids = Vec::new();
    for amount in [100, 200, 300] {
        let id = TransferId::new_v4();
        s.credit(CreditRequest {
            transfer_id: id,
            payee,
            amount: m(amount),
            fee: m(0),
        })
        .await
        .unwrap();
        ids.push(id);
    }
    let page = s
        .history(
            payee,
            PageRequest {
                before: None,
                limit: 2,
            },
        )
        .await
        .unwrap();
    let got: Vec<_> = page
        .entries
        .iter()
        .map(|e| (e.transfer_id, e.amount.minor, e.balance_after))
        .collect();
    assert_eq!(got, vec![(ids[2], 300, 600), (ids[1], 200, 300)]);
    assert!(
        page.entries
            .iter()
            .all(|e| e.kind == TransferKind::Incoming)
    );
    let next = s
        .history(
            payee,
            PageRequest {
                before: page.next,
                limit: 2,
            },
        )
        .await
        .unwrap();
    let got: Vec<_> = next
        .entries
        .iter()
        .map(|e| (e.transfer_id, e.amount.minor))
        .collect();
    assert_eq!(got, vec![(ids[0], 100)]);
    assert_eq!(next.next, None);
}

async fn bad_input_is_refused(fx: &Fixture) {
    let s = &fx.system;
    let payer = fx.wallet("Payer", "255700000011", 5_000).await;
    for (amount, fee) in [(0, 0), (-5, 0), (10, -1)] {
        assert!(
            matches!(
                s.reserve(reserve(TransferId::new_v4(), payer, amount, fee))
                    .await,
                Err(AccountError::InvalidInput(_))
            ),
            "{amount} {fee}"
        );
    }
    let blank = wallet("   ", "255700000012");
    assert!(matches!(
        s.open_account(blank).await,
        Err(AccountError::InvalidInput(_))
    ));
    let system = OpenAccount {
        kind: AccountKind::Settlement,
        ..wallet("Sys", "255700000013")
    };
    assert!(matches!(
        s.open_account(system).await,
        Err(AccountError::InvalidInput(_))
    ));
    assert_eq!(fx.bal(payer).await, (5_000, 5_000));
    let _ = Limits::default();
}

/// KYC-tier limits, enforced by the ledger and by the Fineract adapter alike: per payment
/// (amount and fee), per UTC day (held and booked debits; a release frees its share), maximum
/// balance on credits; a refusal moves nothing.
async fn kyc_limits_are_enforced(fx: &Fixture) {
    let s = &fx.system;
    let limits = Limits {
        max_balance: Some(25_000),
        max_per_payment: Some(5_000),
        max_daily_debit: Some(8_000),
    };
    let req = OpenAccount {
        limits,
        ..wallet("Limited", "255700000090")
    };
    let payer = s.open_account(req).await.unwrap().id;
    assert_eq!(s.account(payer).await.unwrap().limits, limits);
    fx.fund(payer, 20_000).await;
    let per_payment = Err(AccountError::LimitExceeded(LimitKind::PerPayment));
    let quote = |amount| QuoteRequest {
        account: payer,
        amount: m(amount),
        transaction_type: TransactionType::Transfer,
        role: QuoteRole::Payer,
    };
    assert_eq!(s.quote(quote(4_950)).await.map(|_| ()), per_payment);
    let a = TransferId::new_v4();
    s.reserve(reserve(a, payer, 4_000, FEE)).await.unwrap();
    let b = TransferId::new_v4();
    assert_eq!(
        s.reserve(reserve(b, payer, 6_000, FEE)).await.map(|_| ()),
        per_payment
    );
    let c = TransferId::new_v4();
    assert_eq!(
        s.reserve(reserve(c, payer, 4_000, FEE)).await.map(|_| ()),
        Err(AccountError::LimitExceeded(LimitKind::Daily)),
        "4,100 held + 4,100 > 8,000 a day"
    );
    assert_eq!(fx.bal(payer).await, (20_000, 15_900));
    s.release(a).await.unwrap();
    s.reserve(reserve(c, payer, 4_000, FEE)).await.unwrap();
    s.commit(c).await.unwrap();
    assert_eq!(fx.bal(payer).await, (15_900, 15_900));
    // Maximum balance: 15,900 + 9,200 > 25,000.
    let credit = |amount| CreditRequest {
        transfer_id: TransferId::new_v4(),
        payee: payer,
        amount: m(amount),
        fee: m(0),
    };
    assert_eq!(
        s.credit(credit(9_200)).await.map(|_| ()),
        Err(AccountError::LimitExceeded(LimitKind::MaxBalance))
    );
    s.credit(credit(9_100)).await.unwrap();
    assert_eq!(fx.bal(payer).await, (25_000, 25_000));
}
