//! Each ledger operation and each of its errors, on a real SQLite file.

use crate::ledger_support;

use kipochi_hub::accounts::{
    AccountError, AccountId, AccountKind, AccountSystem, Alias, AliasType, CreditRequest,
    InternalTransferRequest, LimitKind, Limits, Money, OpenAccount, PageRequest, QuoteRequest,
    QuoteRole, ReserveRequest, TransactionType, TransferId, TransferKind, TransferState,
};
use kipochi_hub::ledger::{FeeRule, FeeSchedule, Ledger, LedgerOptions};
use ledger_support::{bal, funded_wallet, m, new_ledger, tzs, wallet_request};

fn reserve_req(id: TransferId, payer: AccountId, amount: i64, fee: i64) -> ReserveRequest {
    ReserveRequest {
        transfer_id: id,
        payer,
        amount: m(amount),
        fee: m(fee),
    }
}

async fn system_balance(ledger: &Ledger, kind: AccountKind) -> i64 {
    let id = ledger.system_account(kind, tzs()).await.unwrap();
    bal(ledger, id).await.0
}

async fn assert_consistent(ledger: &Ledger) {
    let report = ledger.audit().await.unwrap();
    assert!(report.is_consistent(), "{report:?}");
}

#[tokio::test]
async fn open_account_is_idempotent_and_refuses_conflicts() {
    let (_d, ledger) = new_ledger(LedgerOptions::default());
    let req = wallet_request("Asha Juma", "255700000001", Limits::default());
    let first = ledger.open_account(req.clone()).await.unwrap();
    assert_eq!(first.display_name, "Asha Juma");
    assert_eq!(ledger.open_account(req.clone()).await.unwrap(), first);
    assert_eq!(ledger.account(req.id).await.unwrap(), first);

    let changed = OpenAccount {
        display_name: "Someone Else".into(),
        ..req.clone()
    };
    assert!(matches!(
        ledger.open_account(changed).await,
        Err(AccountError::Conflict(_))
    ));

    let other = wallet_request("Other", "255700000001", Limits::default());
    assert_eq!(
        ledger.open_account(other.clone()).await,
        Err(AccountError::AliasInUse(AliasType::Msisdn))
    );
    assert_eq!(
        ledger.account(other.id).await,
        Err(AccountError::AccountNotFound(other.id))
    );

    let system = OpenAccount {
        kind: AccountKind::Settlement,
        ..wallet_request("x", "255700000002", Limits::default())
    };
    assert!(matches!(
        ledger.open_account(system).await,
        Err(AccountError::InvalidInput(_))
    ));
    let blank = wallet_request("   ", "255700000003", Limits::default());
    assert!(matches!(
        ledger.open_account(blank).await,
        Err(AccountError::InvalidInput(_))
    ));
    let negative = wallet_request(
        "Neg",
        "255700000004",
        Limits {
            max_balance: Some(-1),
            ..Limits::default()
        },
    );
    assert!(matches!(
        ledger.open_account(negative).await,
        Err(AccountError::InvalidInput(_))
    ));
}

#[tokio::test]
async fn lookup_party_by_msisdn_and_till() {
    let (_d, ledger) = new_ledger(LedgerOptions::default());
    let wallet = funded_wallet(&ledger, "255700000010", 0).await;
    let merchant = OpenAccount {
        id: AccountId::new_v4(),
        kind: AccountKind::Merchant,
        display_name: "Mama Ntilie Shop".into(),
        currency: tzs(),
        aliases: vec![Alias {
            kind: AliasType::Business,
            value: "123456".into(),
        }],
        limits: Limits::default(),
        date_of_birth: None,
    };
    ledger.open_account(merchant.clone()).await.unwrap();

    let p = ledger
        .lookup_party(&Alias {
            kind: AliasType::Msisdn,
            value: "255700000010".into(),
        })
        .await
        .unwrap();
    assert_eq!(p.account, wallet);
    assert_eq!(p.kind, AccountKind::CustomerWallet);
    let shop = ledger
        .lookup_party(&Alias {
            kind: AliasType::Business,
            value: "123456".into(),
        })
        .await
        .unwrap();
    assert_eq!(shop.account, merchant.id);
    assert_eq!(shop.display_name, "Mama Ntilie Shop");
    assert_eq!(
        ledger
            .lookup_party(&Alias {
                kind: AliasType::Msisdn,
                value: "123456".into(),
            })
            .await,
        Err(AccountError::PartyNotFound(AliasType::Msisdn))
    );
}

#[tokio::test]
async fn quote_uses_fee_schedule_and_checks_funds() {
    let mut fees = FeeSchedule::default();
    let rule = FeeRule {
        fixed: 100,
        basis_points: 100,
        min: 0,
        max: Some(1_000),
    };
    fees.payer.insert(TransactionType::Transfer, rule);
    fees.payee.insert(
        TransactionType::Payment,
        FeeRule {
            fixed: 50,
            ..FeeRule::default()
        },
    );
    let (_d, ledger) = new_ledger(LedgerOptions {
        fees,
        ..LedgerOptions::default()
    });
    let a = funded_wallet(&ledger, "255700000020", 10_000).await;
    let q = |amount: i64, role, ty| QuoteRequest {
        account: a,
        amount: m(amount),
        transaction_type: ty,
        role,
    };
    let quote = ledger
        .quote(q(5_000, QuoteRole::Payer, TransactionType::Transfer))
        .await
        .unwrap();
    assert_eq!(quote.fee, m(150));
    assert_eq!(quote.total, m(5_150));
    // 9 900 + 199 > 10 000
    assert_eq!(
        ledger
            .quote(q(9_900, QuoteRole::Payer, TransactionType::Transfer))
            .await,
        Err(AccountError::InsufficientFunds)
    );
    let payee = ledger
        .quote(q(9_900, QuoteRole::Payee, TransactionType::Payment))
        .await
        .unwrap();
    assert_eq!((payee.fee, payee.total), (m(50), m(9_900)));
    let usd = QuoteRequest {
        amount: Money::new(10, "USD".parse().unwrap()),
        ..q(1, QuoteRole::Payer, TransactionType::Transfer)
    };
    assert!(matches!(
        ledger.quote(usd).await,
        Err(AccountError::CurrencyMismatch { .. })
    ));
    // A quote changes nothing.
    assert_eq!(bal(&ledger, a).await, (10_000, 10_000));
}

#[tokio::test]
async fn reserve_then_commit_books_to_settlement_and_fees() {
    let (_d, ledger) = new_ledger(LedgerOptions::default());
    let a = funded_wallet(&ledger, "255700000030", 10_000).await;
    let id = TransferId::new_v4();
    let held = ledger
        .reserve(reserve_req(id, a, 3_000, 100))
        .await
        .unwrap();
    assert_eq!(held.state, TransferState::Held);
    assert_eq!(held.kind, TransferKind::Outgoing);
    assert_eq!(bal(&ledger, a).await, (10_000, 6_900));
    assert_eq!(ledger.transfer(id).await.unwrap(), held);

    let done = ledger.commit(id).await.unwrap();
    assert_eq!(done.state, TransferState::Committed);
    assert_eq!(bal(&ledger, a).await, (6_900, 6_900));
    assert_eq!(
        system_balance(&ledger, AccountKind::Settlement).await,
        3_000
    );
    assert_eq!(system_balance(&ledger, AccountKind::FeesIncome).await, 100);
    assert_eq!(system_balance(&ledger, AccountKind::Equity).await, -10_000);

    // Retried commit and reserve return the committed record; nothing is booked twice.
    assert_eq!(
        ledger.commit(id).await.unwrap().state,
        TransferState::Committed
    );
    let again = ledger
        .reserve(reserve_req(id, a, 3_000, 100))
        .await
        .unwrap();
    assert_eq!(again.state, TransferState::Committed);
    assert_eq!(bal(&ledger, a).await, (6_900, 6_900));
    assert_eq!(
        ledger.release(id).await,
        Err(AccountError::InvalidState {
            id,
            state: TransferState::Committed,
            operation: "release"
        })
    );
    assert_consistent(&ledger).await;
}

#[tokio::test]
async fn reserve_refusals_change_nothing() {
    let (_d, ledger) = new_ledger(LedgerOptions::default());
    let a = funded_wallet(&ledger, "255700000040", 1_000).await;
    let id = TransferId::new_v4();
    assert_eq!(
        ledger.reserve(reserve_req(id, a, 950, 51)).await,
        Err(AccountError::InsufficientFunds)
    );
    assert_eq!(
        ledger.transfer(id).await,
        Err(AccountError::TransferNotFound(id))
    );
    ledger.reserve(reserve_req(id, a, 950, 50)).await.unwrap();
    assert_eq!(bal(&ledger, a).await, (1_000, 0));
    // Same id, different terms.
    assert!(matches!(
        ledger.reserve(reserve_req(id, a, 900, 50)).await,
        Err(AccountError::Conflict(_))
    ));
    // Nothing left to hold.
    assert_eq!(
        ledger
            .reserve(reserve_req(TransferId::new_v4(), a, 1, 0))
            .await,
        Err(AccountError::InsufficientFunds)
    );
    let bad = [
        reserve_req(TransferId::new_v4(), a, 0, 0),
        reserve_req(TransferId::new_v4(), a, -5, 0),
        reserve_req(TransferId::new_v4(), a, 5, -1),
    ];
    for req in bad {
        assert!(matches!(
            ledger.reserve(req).await,
            Err(AccountError::InvalidInput(_))
        ));
    }
    let usd = ReserveRequest {
        amount: Money::new(1, "USD".parse().unwrap()),
        fee: Money::new(0, "USD".parse().unwrap()),
        ..reserve_req(TransferId::new_v4(), a, 1, 0)
    };
    assert!(matches!(
        ledger.reserve(usd).await,
        Err(AccountError::CurrencyMismatch { .. })
    ));
    let unknown = AccountId::new_v4();
    assert_eq!(
        ledger
            .reserve(reserve_req(TransferId::new_v4(), unknown, 1, 0))
            .await,
        Err(AccountError::AccountNotFound(unknown))
    );
    let settlement = ledger
        .system_account(AccountKind::Settlement, tzs())
        .await
        .unwrap();
    assert_eq!(
        ledger
            .reserve(reserve_req(TransferId::new_v4(), settlement, 1, 0))
            .await,
        Err(AccountError::WrongAccountKind(settlement))
    );
    assert_eq!(bal(&ledger, a).await, (1_000, 0));
    assert_consistent(&ledger).await;
}

#[tokio::test]
async fn release_restores_available_and_is_final() {
    let (_d, ledger) = new_ledger(LedgerOptions::default());
    let a = funded_wallet(&ledger, "255700000050", 5_000).await;
    let id = TransferId::new_v4();
    ledger.reserve(reserve_req(id, a, 2_000, 0)).await.unwrap();
    assert_eq!(bal(&ledger, a).await, (5_000, 3_000));
    let r = ledger.release(id).await.unwrap();
    assert_eq!(r.state, TransferState::Released);
    assert_eq!(bal(&ledger, a).await, (5_000, 5_000));
    assert_eq!(
        ledger.release(id).await.unwrap().state,
        TransferState::Released
    );
    assert_eq!(
        ledger.commit(id).await,
        Err(AccountError::InvalidState {
            id,
            state: TransferState::Released,
            operation: "commit"
        })
    );
    let unknown = TransferId::new_v4();
    assert_eq!(
        ledger.commit(unknown).await,
        Err(AccountError::TransferNotFound(unknown))
    );
    assert_eq!(
        ledger.release(unknown).await,
        Err(AccountError::TransferNotFound(unknown))
    );
    assert_eq!(system_balance(&ledger, AccountKind::Settlement).await, 0);
    assert_consistent(&ledger).await;
}

#[tokio::test]
async fn credit_moves_settlement_to_payee_and_respects_max_balance() {
    let (_d, ledger) = new_ledger(LedgerOptions::default());
    let limited = ledger
        .open_account(wallet_request(
            "Tier One",
            "255700000060",
            Limits {
                max_balance: Some(10_000),
                ..Limits::default()
            },
        ))
        .await
        .unwrap()
        .id;
    let id = TransferId::new_v4();
    let req = CreditRequest {
        transfer_id: id,
        payee: limited,
        amount: m(8_000),
        fee: m(20),
    };
    let rec = ledger.credit(req.clone()).await.unwrap();
    assert_eq!(rec.kind, TransferKind::Incoming);
    assert_eq!(rec.state, TransferState::Committed);
    assert_eq!(ledger.credit(req.clone()).await.unwrap(), rec);
    assert_eq!(bal(&ledger, limited).await, (8_000, 8_000));
    assert_eq!(
        system_balance(&ledger, AccountKind::Settlement).await,
        -8_020
    );
    assert_eq!(system_balance(&ledger, AccountKind::FeesIncome).await, 20);
    assert!(matches!(
        ledger
            .credit(CreditRequest {
                amount: m(8_001),
                ..req.clone()
            })
            .await,
        Err(AccountError::Conflict(_))
    ));
    assert_eq!(
        ledger
            .credit(CreditRequest {
                transfer_id: TransferId::new_v4(),
                amount: m(2_001),
                ..req
            })
            .await,
        Err(AccountError::LimitExceeded(LimitKind::MaxBalance))
    );
    assert_eq!(bal(&ledger, limited).await, (8_000, 8_000));
    assert_consistent(&ledger).await;
}

#[tokio::test]
async fn internal_transfer_books_one_entry() {
    let (_d, ledger) = new_ledger(LedgerOptions::default());
    let a = funded_wallet(&ledger, "255700000070", 10_000).await;
    let b = funded_wallet(&ledger, "255700000071", 0).await;
    let req = InternalTransferRequest {
        transfer_id: TransferId::new_v4(),
        payer: a,
        payee: b,
        amount: m(4_000),
        fee: m(40),
    };
    let rec = ledger.internal_transfer(req.clone()).await.unwrap();
    assert_eq!(
        (rec.kind, rec.state),
        (TransferKind::Internal, TransferState::Committed)
    );
    assert_eq!(ledger.internal_transfer(req.clone()).await.unwrap(), rec);
    assert_eq!(bal(&ledger, a).await, (5_960, 5_960));
    assert_eq!(bal(&ledger, b).await, (4_000, 4_000));
    assert_eq!(system_balance(&ledger, AccountKind::FeesIncome).await, 40);
    // The same id as a reserve is a conflict, not a second booking.
    assert!(matches!(
        ledger
            .reserve(reserve_req(req.transfer_id, a, 4_000, 40))
            .await,
        Err(AccountError::Conflict(_))
    ));
    let again = |amount, payer, payee| InternalTransferRequest {
        transfer_id: TransferId::new_v4(),
        payer,
        payee,
        amount: m(amount),
        fee: m(0),
    };
    assert_eq!(
        ledger.internal_transfer(again(5_961, a, b)).await,
        Err(AccountError::InsufficientFunds)
    );
    assert!(matches!(
        ledger.internal_transfer(again(1, a, a)).await,
        Err(AccountError::InvalidInput(_))
    ));
    assert_eq!(bal(&ledger, a).await, (5_960, 5_960));
    assert_consistent(&ledger).await;
}

#[tokio::test]
async fn per_payment_and_daily_limits() {
    let (_d, ledger) = new_ledger(LedgerOptions::default());
    let limits = Limits {
        max_balance: None,
        max_per_payment: Some(3_000),
        max_daily_debit: Some(5_000),
    };
    let a = ledger
        .open_account(wallet_request("Limited", "255700000080", limits))
        .await
        .unwrap()
        .id;
    ledger
        .fund(TransferId::new_v4(), a, m(20_000))
        .await
        .unwrap();
    assert_eq!(
        ledger
            .reserve(reserve_req(TransferId::new_v4(), a, 2_950, 51))
            .await,
        Err(AccountError::LimitExceeded(LimitKind::PerPayment))
    );
    let first = TransferId::new_v4();
    ledger
        .reserve(reserve_req(first, a, 3_000, 0))
        .await
        .unwrap();
    assert_eq!(
        ledger
            .reserve(reserve_req(TransferId::new_v4(), a, 2_001, 0))
            .await,
        Err(AccountError::LimitExceeded(LimitKind::Daily))
    );
    // A released hold no longer counts towards the day.
    ledger.release(first).await.unwrap();
    ledger
        .reserve(reserve_req(TransferId::new_v4(), a, 2_001, 0))
        .await
        .unwrap();
}

#[tokio::test]
async fn history_pages_newest_first_with_running_balance() {
    let (_d, ledger) = new_ledger(LedgerOptions::default());
    let a = funded_wallet(&ledger, "255700000090", 1_000).await;
    let b = funded_wallet(&ledger, "255700000091", 0).await;
    for amount in [100, 200, 300] {
        let req = InternalTransferRequest {
            transfer_id: TransferId::new_v4(),
            payer: a,
            payee: b,
            amount: m(amount),
            fee: m(0),
        };
        ledger.internal_transfer(req).await.unwrap();
    }
    let page1 = ledger
        .history(
            a,
            PageRequest {
                before: None,
                limit: 3,
            },
        )
        .await
        .unwrap();
    let amounts: Vec<_> = page1.entries.iter().map(|e| e.amount.minor).collect();
    assert_eq!(amounts, [-300, -200, -100]);
    let after: Vec<_> = page1.entries.iter().map(|e| e.balance_after).collect();
    assert_eq!(after, [400, 700, 900]);
    let page2 = ledger
        .history(
            a,
            PageRequest {
                before: page1.next,
                limit: 3,
            },
        )
        .await
        .unwrap();
    assert_eq!(page2.entries.len(), 1);
    assert_eq!(page2.entries[0].kind, TransferKind::Funding);
    assert_eq!(page2.entries[0].amount, m(1_000));
    assert_eq!(page2.next, None);
    assert!(matches!(
        ledger
            .history(
                a,
                PageRequest {
                    before: None,
                    limit: 0
                }
            )
            .await,
        Err(AccountError::InvalidInput(_))
    ));
    let unknown = AccountId::new_v4();
    assert_eq!(
        ledger
            .history(
                unknown,
                PageRequest {
                    before: None,
                    limit: 10
                }
            )
            .await,
        Err(AccountError::AccountNotFound(unknown))
    );
}

#[tokio::test]
async fn funding_is_idempotent_and_usable_through_the_trait_object() {
    let (_d, ledger) = new_ledger(LedgerOptions::default());
    let a = funded_wallet(&ledger, "255700000100", 0).await;
    let id = TransferId::new_v4();
    let first = ledger.fund(id, a, m(500)).await.unwrap();
    assert_eq!(ledger.fund(id, a, m(500)).await.unwrap(), first);
    assert!(matches!(
        ledger.fund(id, a, m(501)).await,
        Err(AccountError::Conflict(_))
    ));
    let system: std::sync::Arc<dyn AccountSystem> = std::sync::Arc::new(ledger.clone());
    let b = system.balance(a).await.unwrap();
    assert_eq!((b.ledger, b.available), (m(500), m(500)));
    assert_consistent(&ledger).await;
}
