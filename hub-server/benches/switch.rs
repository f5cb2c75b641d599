//! Switch clearing throughput: one transfer = prepare (reserve against the net debit cap) plus
//! commit (move positions), each a durable SQLite transaction (WAL, `synchronous=FULL`) in the
//! switch store, one caller at a time — the switch's per-transfer storage cost — and the same with
//! 16 callers at once, where concurrent transfers share commits (the store's group-commit writer).
//! Run: `cargo bench -p kipochi-hub --bench switch`.

use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use kipochi_hub::switch::store::{Finished, Prepared, State, Store, Transfer};

fn transfer(n: u64) -> Transfer {
    Transfer {
        id: format!("t-{n}"),
        hash: format!("h-{n}"),
        payer: "bluebank".into(),
        payee: "greenwallet".into(),
        currency: "TZS".into(),
        amount: 1_000,
        condition: "kSV61gYRWRqG0DcilbIM8qJLgjbNW_ePG8V4-egjD5k".into(),
        expires_at: i64::MAX,
        state: State::Reserved,
        fulfilment: None,
        completed: None,
        error: None,
        version: "1.1".into(),
    }
}

fn clearing(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = Store::open(dir.path()).expect("store");
    let mut n = 0u64;
    let mut group = c.benchmark_group("switch");
    group.throughput(Throughput::Elements(1));
    group.measurement_time(Duration::from_secs(5));
    group.bench_function("prepare_commit", |b| {
        b.iter(|| {
            n += 1;
            let t = transfer(n);
            assert_eq!(
                store.prepare(&t, i64::MAX).expect("prepare"),
                Prepared::Reserved
            );
            let done = store.commit(&t.id, "f", "2026-01-01T00:00:00.000Z");
            assert!(matches!(done, Ok(Finished::Done(_))));
        })
    });
    // 16 callers, each clearing its share of the iterations; the time is the wall time of all.
    const CALLERS: u64 = 16;
    group.bench_function("prepare_commit_16_callers", |b| {
        b.iter_custom(|iters| {
            let per_caller = iters.div_ceil(CALLERS);
            let base = n;
            n += per_caller * CALLERS;
            let started = std::time::Instant::now();
            std::thread::scope(|s| {
                for caller in 0..CALLERS {
                    let store = &store;
                    s.spawn(move || {
                        for i in 0..per_caller {
                            let t = transfer(base + caller * per_caller + i + 1);
                            assert_eq!(
                                store.prepare(&t, i64::MAX).expect("prepare"),
                                Prepared::Reserved
                            );
                            let done = store.commit(&t.id, "f", "2026-01-01T00:00:00.000Z");
                            assert!(matches!(done, Ok(Finished::Done(_))));
                        }
                    });
                }
            });
            // Time per transfer, as criterion divides by `iters`.
            started
                .elapsed()
                .mul_f64(iters as f64 / (per_caller * CALLERS) as f64)
        })
    });
    group.finish();
}

criterion_group!(benches, clearing);
criterion_main!(benches);
