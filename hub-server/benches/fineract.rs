//! The Fineract adapter's own cost per payment, against the contract double on 127.0.0.1: what the
//! hub adds on top of Fineract (HTTP client, exact decimal JSON, the durable transfer record with
//! `synchronous=FULL`). The double answers in microseconds, so this is the adapter's overhead and
//! not a prediction of a real Fineract's latency (which is dominated by Fineract's own database).
//! Run: `cargo bench -p kipochi-hub --bench fineract`.

#[path = "../tests/it/fineract_double/mod.rs"]
mod fineract_double;

use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use kipochi_hub::accounts::{
    AccountId, AccountKind, AccountSystem, Alias, AliasType, Currency, Limits, Money, OpenAccount,
    QuoteRequest, QuoteRole, ReserveRequest, TransactionType, TransferId,
};
use kipochi_hub::fineract::{FineractAccounts, FineractSettings, to_minor};
use tokio::runtime::Runtime;

fn tzs() -> Currency {
    "TZS".parse().expect("currency")
}

fn bench(c: &mut Criterion) {
    let rt = Runtime::new().expect("runtime");
    let dir = tempfile::tempdir().expect("tempdir");
    let (double, adapter, payer) = rt.block_on(async {
        let double = fineract_double::FineractDouble::start(0).await;
        let mut settings = FineractSettings::basic(
            &double.base_url,
            fineract_double::TENANT,
            fineract_double::USER,
            fineract_double::PASSWORD,
        );
        settings.wallet_product_id = fineract_double::WALLET_PRODUCT;
        let adapter = FineractAccounts::open(settings, &dir.path().join("fineract.db"), tzs())
            .expect("adapter");
        let payer = adapter
            .open_account(OpenAccount {
                id: AccountId::new_v4(),
                kind: AccountKind::CustomerWallet,
                display_name: "Bench Customer".into(),
                currency: tzs(),
                aliases: vec![Alias {
                    kind: AliasType::Msisdn,
                    value: "255700000001".into(),
                }],
                limits: Limits::default(),
                date_of_birth: None,
            })
            .await
            .expect("open")
            .id;
        double.deposit(payer, 1_000_000_000_000).await;
        (double, adapter, payer)
    });

    let mut group = c.benchmark_group("fineract_adapter");
    group.throughput(Throughput::Elements(1));
    group.sample_size(20);
    group.measurement_time(Duration::from_secs(5));
    group.bench_function("quote", |b| {
        b.iter(|| {
            rt.block_on(adapter.quote(QuoteRequest {
                account: payer,
                amount: Money::new(1_000, tzs()),
                transaction_type: TransactionType::Transfer,
                role: QuoteRole::Payer,
            }))
            .expect("quote")
        })
    });
    group.bench_function("reserve_commit", |b| {
        b.iter(|| {
            rt.block_on(async {
                let id = TransferId::new_v4();
                adapter
                    .reserve(ReserveRequest {
                        transfer_id: id,
                        payer,
                        amount: Money::new(1_000, tzs()),
                        fee: Money::new(0, tzs()),
                    })
                    .await
                    .expect("reserve");
                adapter.commit(id).await.expect("commit")
            })
        })
    });
    group.finish();

    c.bench_function("fineract_decimal_to_minor", |b| {
        b.iter(|| to_minor(std::hint::black_box("1234567.890000"), 2).expect("exact"))
    });
    drop(double);
}

criterion_group!(benches, bench);
criterion_main!(benches);
