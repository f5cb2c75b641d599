//! FSPIOP hot paths: ILP packet + fulfilment generation (v1, v4) and JWS sign/verify.

use criterion::{Criterion, black_box, criterion_group, criterion_main};
use kipochi_hub::fspiop::ilp::{self, IlpSecret, IlpVersion};
use kipochi_hub::fspiop::jws::{self, SignedHeaders, SigningKey, VerifyingKey};
use serde_json::Value;

fn ilp_bench(c: &mut Criterion) {
    let vectors: Value =
        serde_json::from_str(include_str!("../tests/vectors/ilp_vectors.json")).unwrap();
    let tx: Value = serde_json::from_str(
        vectors["p2p_simple"]["transactionObject_stableJSON"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    let secret = IlpSecret::new("Quaixohyaesahju3thivuiChai5cahng");
    for (name, version) in [
        ("ilp_v1_build", IlpVersion::V1),
        ("ilp_v4_build", IlpVersion::V4),
    ] {
        c.bench_function(name, |b| {
            b.iter(|| ilp::build(version, &secret, black_box(&tx)).unwrap())
        });
    }
    let packet = ilp::build(IlpVersion::V1, &secret, &tx).unwrap().packet;
    c.bench_function("ilp_v1_fulfil_from_packet", |b| {
        b.iter(|| ilp::fulfil(&secret, black_box(&packet)).unwrap())
    });
}

fn jws_bench(c: &mut Criterion) {
    let headers = SignedHeaders {
        uri: "/transfers".into(),
        method: "POST".into(),
        source: "payerfsp".into(),
        destination: Some("payeefsp".into()),
        date: Some("Thu, 01 Jan 2026 00:00:00 GMT".into()),
    };
    let body = br#"{"amount":{"amount":"100","currency":"USD"},"condition":"kSV61gYRWRqG0DcilbIM8qJLgjbNW_ePG8V4-egjD5k","expiration":"2030-01-01T00:00:00.000Z","ilpPacket":"AYIB","payeeFsp":"payeefsp","payerFsp":"payerfsp","transferId":"7f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"}"#;
    let keys = [
        (
            "rs256",
            include_str!("../tests/keys/rsa_private.pem"),
            include_str!("../tests/keys/rsa_public.pem"),
        ),
        (
            "es256",
            include_str!("../tests/keys/ec_private.pem"),
            include_str!("../tests/keys/ec_public.pem"),
        ),
    ];
    for (name, private, public) in keys {
        let key = SigningKey::from_pem(private).unwrap();
        let public = VerifyingKey::from_pem(public).unwrap();
        let sig = jws::sign(&key, &headers, body).unwrap();
        c.bench_function(&format!("jws_{name}_sign"), |b| {
            b.iter(|| jws::sign(&key, &headers, black_box(body)).unwrap())
        });
        c.bench_function(&format!("jws_{name}_verify"), |b| {
            b.iter(|| jws::verify(&public, &headers, &sig, black_box(body)).unwrap())
        });
    }
}

criterion_group!(benches, ilp_bench, jws_bench);
criterion_main!(benches);
