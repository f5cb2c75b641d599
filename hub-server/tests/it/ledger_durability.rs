//! Reopening, schema guards and concurrent writers on a real SQLite file.

use crate::ledger_support;

use std::sync::Arc;

use kipochi_hub::accounts::{
    AccountError, AccountKind, AccountSystem, InternalTransferRequest, PageRequest, ReserveRequest,
    TransferId, TransferState,
};
use kipochi_hub::ledger::{Ledger, LedgerError, LedgerOptions, MigrateError, SCHEMA_VERSION};
use ledger_support::{bal, funded_wallet, m, tzs};

#[tokio::test]
async fn state_survives_close_and_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.db");
    let ledger = Ledger::open(&path).unwrap();
    let a = funded_wallet(&ledger, "255710000001", 10_000).await;
    let b = funded_wallet(&ledger, "255710000002", 0).await;
    let paid = TransferId::new_v4();
    ledger
        .internal_transfer(InternalTransferRequest {
            transfer_id: paid,
            payer: a,
            payee: b,
            amount: m(1_500),
            fee: m(15),
        })
        .await
        .unwrap();
    let held = TransferId::new_v4();
    let reserve = ReserveRequest {
        transfer_id: held,
        payer: a,
        amount: m(2_000),
        fee: m(0),
    };
    ledger.reserve(reserve.clone()).await.unwrap();
    drop(ledger);

    let ledger = Ledger::open(&path).unwrap();
    assert_eq!(bal(&ledger, a).await, (8_485, 6_485));
    assert_eq!(bal(&ledger, b).await, (1_500, 1_500));
    assert_eq!(
        ledger.transfer(held).await.unwrap().state,
        TransferState::Held
    );
    // Idempotency survives the restart: a retry returns the stored record.
    assert_eq!(
        ledger.reserve(reserve).await.unwrap().state,
        TransferState::Held
    );
    ledger.commit(held).await.unwrap();
    assert_eq!(bal(&ledger, a).await, (6_485, 6_485));
    let history = ledger
        .history(
            a,
            PageRequest {
                before: None,
                limit: 10,
            },
        )
        .await
        .unwrap();
    assert_eq!(history.entries.len(), 3);
    let settlement = ledger
        .system_account(AccountKind::Settlement, tzs())
        .await
        .unwrap();
    assert_eq!(bal(&ledger, settlement).await.0, 2_000);
    assert!(ledger.audit().await.unwrap().is_consistent());

    let conn = rusqlite::Connection::open(&path).unwrap();
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, SCHEMA_VERSION);
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
}

#[test]
fn a_newer_schema_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.db");
    drop(Ledger::open(&path).unwrap());
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1)
        .unwrap();
    drop(conn);
    assert!(matches!(
        Ledger::open(&path),
        Err(LedgerError::Migrate(MigrateError::TooNew { .. }))
    ));
}

#[tokio::test]
async fn sql_guards_refuse_tampering() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.db");
    let ledger = Ledger::open(&path).unwrap();
    let a = funded_wallet(&ledger, "255710000010", 100).await;
    let conn = rusqlite::Connection::open(&path).unwrap();
    // The journal is append-only.
    assert!(
        conn.execute("UPDATE journal_lines SET amount = 1", [])
            .is_err()
    );
    assert!(conn.execute("DELETE FROM journal_lines", []).is_err());
    assert!(conn.execute("DELETE FROM journal_entries", []).is_err());
    // A customer account cannot go below zero, nor hold more than it has.
    let id = a.to_string();
    assert!(
        conn.execute("UPDATE accounts SET balance = -1 WHERE id = ?1", [&id])
            .is_err()
    );
    assert!(
        conn.execute("UPDATE accounts SET held = 101 WHERE id = ?1", [&id])
            .is_err()
    );
    assert_eq!(bal(&ledger, a).await, (100, 100));
    assert!(ledger.audit().await.unwrap().is_consistent());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_transfers_preserve_the_sum() {
    const WALLETS: usize = 20;
    const TASKS: usize = 16;
    const PER_TASK: usize = 25;
    const START: i64 = 10_000;
    let dir = tempfile::tempdir().unwrap();
    let ledger = Ledger::open_with(dir.path().join("ledger.db"), LedgerOptions::default()).unwrap();
    let mut wallets = Vec::new();
    for i in 0..WALLETS {
        wallets.push(funded_wallet(&ledger, &format!("2557200000{i:02}"), START).await);
    }
    let wallets = Arc::new(wallets);
    let mut tasks = Vec::new();
    for t in 0..TASKS {
        let ledger = ledger.clone();
        let wallets = Arc::clone(&wallets);
        tasks.push(tokio::spawn(async move {
            let mut booked = 0;
            for i in 0..PER_TASK {
                let payer = wallets[(t + i) % WALLETS];
                let payee = wallets[(t * 7 + i * 3 + 1) % WALLETS];
                let amount = m(1 + ((t * 31 + i * 17) % 900) as i64);
                let result = if payer == payee || i % 3 == 0 {
                    // Outgoing through the switch: reserve, then commit or release.
                    let id = TransferId::new_v4();
                    let req = ReserveRequest {
                        transfer_id: id,
                        payer,
                        amount,
                        fee: m(3),
                    };
                    match ledger.reserve(req).await {
                        Ok(_) if i % 2 == 0 => ledger.commit(id).await,
                        Ok(_) => ledger.release(id).await,
                        Err(e) => Err(e),
                    }
                } else {
                    ledger
                        .internal_transfer(InternalTransferRequest {
                            transfer_id: TransferId::new_v4(),
                            payer,
                            payee,
                            amount,
                            fee: m(2),
                        })
                        .await
                };
                match result {
                    Ok(_) => booked += 1,
                    Err(AccountError::InsufficientFunds) => {}
                    Err(e) => panic!("unexpected error {e}"),
                }
            }
            booked
        }));
    }
    let mut booked = 0;
    for t in tasks {
        booked += t.await.unwrap();
    }
    assert!(booked > TASKS * PER_TASK / 2, "only {booked} booked");

    let report = ledger.audit().await.unwrap();
    assert!(report.is_consistent(), "{report:?}");
    let mut customers = 0;
    for w in wallets.iter() {
        let (ledger_bal, available) = bal(&ledger, *w).await;
        assert_eq!(ledger_bal, available, "no hold left behind");
        assert!(ledger_bal >= 0);
        customers += ledger_bal;
    }
    let mut system = 0;
    for kind in [AccountKind::Settlement, AccountKind::FeesIncome] {
        let id = ledger.system_account(kind, tzs()).await.unwrap();
        system += bal(&ledger, id).await.0;
    }
    assert_eq!(customers + system, START * WALLETS as i64);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_retries_of_one_transfer_book_once() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = Ledger::open(dir.path().join("ledger.db")).unwrap();
    let a = funded_wallet(&ledger, "255730000001", 1_000).await;
    let id = TransferId::new_v4();
    let req = ReserveRequest {
        transfer_id: id,
        payer: a,
        amount: m(600),
        fee: m(0),
    };
    let mut tasks = Vec::new();
    for i in 0..10 {
        let ledger = ledger.clone();
        let req = req.clone();
        tasks.push(tokio::spawn(async move {
            ledger.reserve(req).await?;
            if i % 2 == 0 {
                ledger.commit(id).await
            } else {
                ledger.transfer(id).await
            }
        }));
    }
    for t in tasks {
        t.await.unwrap().unwrap();
    }
    assert_eq!(
        ledger.commit(id).await.unwrap().state,
        TransferState::Committed
    );
    assert_eq!(bal(&ledger, a).await, (400, 400));
    assert!(ledger.audit().await.unwrap().is_consistent());
}
