//! Internal (same-DFSP) payments per second on the durable embedded ledger.
//!
//! Each payment is one durable write transaction (or two for reserve + commit) through the
//! `AccountSystem` trait, on a real SQLite file in WAL mode, with `synchronous=FULL` (the default:
//! a committed payment survives power loss) and `NORMAL` (survives a process crash only).
//! `internal_transfer` and `reserve_commit` are one caller at a time (latency bound: one fsync per
//! payment with FULL); `internal_transfer_16_concurrent` has 16 payments in flight, which the
//! ledger's writer group-commits (several payments per fsync).
//! Run: `cargo bench -p kipochi-hub --bench ledger`.

use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use kipochi_hub::accounts::{
    AccountId, AccountKind, AccountSystem, Alias, AliasType, Currency, InternalTransferRequest,
    Limits, Money, OpenAccount, ReserveRequest, TransferId,
};
use kipochi_hub::ledger::{Ledger, LedgerOptions, Synchronous};
use tokio::runtime::Runtime;

fn tzs(v: i64) -> Money {
    Money::new(v, "TZS".parse::<Currency>().expect("currency"))
}

async fn wallet(ledger: &Ledger, msisdn: &str) -> AccountId {
    let info = ledger
        .open_account(OpenAccount {
            id: AccountId::new_v4(),
            kind: AccountKind::CustomerWallet,
            display_name: "Bench Customer".into(),
            currency: "TZS".parse().expect("currency"),
            aliases: vec![Alias {
                kind: AliasType::Msisdn,
                value: msisdn.into(),
            }],
            limits: Limits::default(),
            date_of_birth: None,
        })
        .await
        .expect("open");
    ledger
        .fund(TransferId::new_v4(), info.id, tzs(i64::MAX / 4))
        .await
        .expect("fund");
    info.id
}

fn payment(payer: AccountId, payee: AccountId) -> InternalTransferRequest {
    InternalTransferRequest {
        transfer_id: TransferId::new_v4(),
        payer,
        payee,
        amount: tzs(1_000),
        fee: tzs(10),
    }
}

fn bench_sync(c: &mut Criterion, rt: &Runtime, sync: Synchronous, label: &str) {
    let dir = tempfile::tempdir().expect("tempdir");
    let ledger = Ledger::open_with(
        dir.path().join("bench.db"),
        LedgerOptions {
            synchronous: sync,
            ..LedgerOptions::default()
        },
    )
    .expect("open ledger");
    let (a, b) = rt.block_on(async {
        (
            wallet(&ledger, "255700000001").await,
            wallet(&ledger, "255700000002").await,
        )
    });

    let mut group = c.benchmark_group(format!("ledger_{label}"));
    group
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));

    group.throughput(Throughput::Elements(1));
    group.bench_function("internal_transfer", |bench| {
        bench.iter(|| {
            rt.block_on(ledger.internal_transfer(payment(a, b)))
                .expect("pay")
        })
    });
    group.bench_function("reserve_commit", |bench| {
        bench.iter(|| {
            rt.block_on(async {
                let id = TransferId::new_v4();
                let req = ReserveRequest {
                    transfer_id: id,
                    payer: a,
                    amount: tzs(1_000),
                    fee: tzs(10),
                };
                ledger.reserve(req).await.expect("reserve");
                ledger.commit(id).await.expect("commit")
            })
        })
    });

    const CONCURRENT: u64 = 16;
    group.throughput(Throughput::Elements(CONCURRENT));
    group.bench_function("internal_transfer_16_concurrent", |bench| {
        bench.iter(|| {
            rt.block_on(async {
                let mut tasks = Vec::new();
                for i in 0..CONCURRENT {
                    let ledger = ledger.clone();
                    let (p, q) = if i % 2 == 0 { (a, b) } else { (b, a) };
                    tasks.push(tokio::spawn(async move {
                        ledger.internal_transfer(payment(p, q)).await
                    }));
                }
                for t in tasks {
                    t.await.expect("join").expect("pay");
                }
            })
        })
    });
    group.finish();
    let report = rt.block_on(ledger.audit()).expect("audit");
    assert!(report.is_consistent(), "ledger inconsistent after bench");
}

fn benches(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .expect("runtime");
    bench_sync(c, &rt, Synchronous::Full, "sync_full");
    bench_sync(c, &rt, Synchronous::Normal, "sync_normal");
}

criterion_group!(ledger, benches);
criterion_main!(ledger);
