//! Benchmark of the hub client's Server-Sent Events parser: a burst of payment events as the hub
//! frames them, fed in network-sized chunks.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use kipochi_core::client::sse::SseParser;
use std::hint::black_box;

const EVENT: &str = concat!(
    r#"data: {"type":"payment_completed","payment":{"payment_id":"6f1c2a9e-3b4d-4e5f-8a7b-1c2d3e4f5a6b","#,
    r#""direction":"outgoing","state":"committed","counterparty":{"id_type":"BUSINESS","id":"123456","#,
    r#""name":"Mama Ntilie Shop","fsp_id":"kipochi"},"amount":"250.5","fee":"0","currency":"TZS","#,
    r#""reference":"INV-7","created_at":1764644645678,"updated_at":1764644645999,"error":null}}"#,
    "\n\n:\n\n"
);

fn bench_sse(c: &mut Criterion) {
    let stream = EVENT.repeat(1_000);
    let mut group = c.benchmark_group("sse");
    group.throughput(Throughput::Bytes(stream.len() as u64));
    group.bench_function("parse_1000_events_in_1400_byte_chunks", |b| {
        b.iter(|| {
            let mut parser = SseParser::new();
            let mut n = 0;
            for chunk in stream.as_bytes().chunks(1_400) {
                n += parser.push(black_box(chunk)).len();
            }
            assert_eq!(n, 1_000);
        })
    });
    group.finish();
}

criterion_group!(benches, bench_sse);
criterion_main!(benches);
