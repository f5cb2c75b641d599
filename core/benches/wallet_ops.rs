//! Benchmarks of the wallet core's hot paths: approval signing/verification and outbox cycles.

use criterion::{Criterion, criterion_group, criterion_main};
use kipochi_core::approval::{self, ApprovalTerms, Payee};
use kipochi_core::keys::DeviceKey;
use kipochi_core::store::{Claim, Finish, MemoryStore, NewOutboxItem, OutboxKind, WalletStore};
use std::hint::black_box;

fn terms(key: &DeviceKey) -> ApprovalTerms {
    ApprovalTerms {
        payment_id: "6f1c2a9e-3b4d-4e5f-8a7b-1c2d3e4f5a6b".into(),
        payee: Payee {
            id_type: "BUSINESS".into(),
            id: "123456".into(),
            name: "Mama Ntilie Shop".into(),
        },
        amount: "10.5".into(),
        currency: "TZS".into(),
        fee: "0.25".into(),
        total: "10.75".into(),
        expiry: "2026-12-02T03:00:00Z".into(),
        nonce: "n-9f8e7d".into(),
        device_id: key.device_id(),
    }
}

fn bench_approval(c: &mut Criterion) {
    let key = DeviceKey::from_secret_bytes(&[0x11; 32]);
    let t = terms(&key);
    let pk = key.public_key();
    let sig = approval::sign(&t, &key).expect("sign").signature;
    c.bench_function("approval/canonical_bytes", |b| {
        b.iter(|| black_box(&t).canonical_bytes())
    });
    c.bench_function("approval/sign", |b| {
        b.iter(|| approval::sign(black_box(&t), &key))
    });
    c.bench_function("approval/verify", |b| {
        b.iter(|| approval::verify(black_box(&t), &pk, &sig))
    });
}

/// One outbox item through insert → claim → finish(done) → remove.
fn outbox_cycle(store: &dyn WalletStore, n: u64) {
    let id = format!("bench-{n}");
    let item = NewOutboxItem {
        id: id.clone(),
        kind: OutboxKind::Onboarding,
        payload: r#"{"first_name":"Neema","phone":"255700000001"}"#.into(),
    };
    store.outbox_insert(&item, 1).expect("insert");
    match store.outbox_claim_next("bench", 2, 60_000).expect("claim") {
        Claim::Claimed(_) => {}
        other => panic!("unexpected {other:?}"),
    }
    let done = Finish::Done {
        result: r#"{"customer_id":"c"}"#.into(),
    };
    assert!(store.outbox_finish(&id, "bench", &done, 3).expect("finish"));
    assert_eq!(store.outbox_remove_done(4).expect("remove"), 1);
}

fn bench_outbox(c: &mut Criterion) {
    let memory = MemoryStore::new();
    let mut n = 0u64;
    c.bench_function("outbox/memory_cycle", |b| {
        b.iter(|| {
            n += 1;
            outbox_cycle(&memory, n)
        })
    });
    #[cfg(feature = "sqlite")]
    {
        let dir = std::env::temp_dir().join(format!(
            "kipochi-bench-{}",
            kipochi_core::ids::new_uuid_v4().expect("uuid")
        ));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let sqlite =
            kipochi_core::store::SqliteStore::open(dir.join("bench.sqlite")).expect("open");
        let mut n = 0u64;
        c.bench_function("outbox/sqlite_cycle", |b| {
            b.iter(|| {
                n += 1;
                outbox_cycle(&sqlite, n)
            })
        });
        drop(sqlite);
        let _ = std::fs::remove_dir_all(&dir);
    }
}

criterion_group!(benches, bench_approval, bench_outbox);
criterion_main!(benches);
