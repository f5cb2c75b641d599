//! QR benchmarks: encode + render, payload decode, and scanning a 1280×720 camera-like frame
//! with one small code.

use criterion::{Criterion, black_box, criterion_group, criterion_main};
use kipochi_core::money::{Amount, Currency};
use kipochi_core::qr::{
    ErrorCorrection, MerchantQr, PartyId, PartyIdType, QrMatrix, render_png, render_svg, scan_frame,
};

fn sample() -> MerchantQr {
    let payee = PartyId::new(PartyIdType::Msisdn, "255712345678");
    let tzs = Currency::from_alpha("TZS").expect("TZS is in the table");
    MerchantQr::kipochi(&payee, "5411", tzs, "TZ", "DUKA LA MAMA", "DAR ES SALAAM").for_payment(
        "2500.00".parse::<Amount>().expect("valid amount"),
        Some("INV-2024-0001"),
        Some("TILL01"),
    )
}

/// A 1280×720 frame: a lit gradient background with texture, and the code (3 px per module)
/// pasted at an offset, slightly darkened and noisy like a camera image.
fn camera_frame(payload: &str) -> Vec<u8> {
    let (w, h) = (1280usize, 720usize);
    let mut seed = 0x2545_F491_4F6C_DD1Du64;
    let mut noise = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % 21) as i32 - 10
    };
    let mut frame: Vec<u8> = (0..w * h)
        .map(|i| {
            let (x, y) = (i % w, i / w);
            let base = 90 + (x * 80 / w) as i32 + (y * 40 / h) as i32;
            (base + noise()).clamp(0, 255) as u8
        })
        .collect();
    let matrix = QrMatrix::new(payload, ErrorCorrection::Medium).expect("fits");
    let (side, code) = matrix.to_luma(3);
    let side = side as usize;
    let (ox, oy) = (700, 300);
    for y in 0..side {
        for x in 0..side {
            let v = if code[y * side + x] == 0 { 40 } else { 215 };
            frame[(oy + y) * w + ox + x] = (v + noise()).clamp(0, 255) as u8;
        }
    }
    frame
}

fn benches(c: &mut Criterion) {
    let qr = sample();
    let payload = qr.encode().expect("valid QR");

    c.bench_function("encode_payload", |b| {
        b.iter(|| black_box(&qr).encode().expect("valid"))
    });
    c.bench_function("encode_and_render_matrix", |b| {
        b.iter(|| {
            let p = black_box(&qr).encode().expect("valid");
            QrMatrix::new(&p, ErrorCorrection::Medium).expect("fits")
        })
    });
    c.bench_function("render_svg", |b| {
        b.iter(|| render_svg(black_box(&payload), ErrorCorrection::Medium, 256).expect("fits"))
    });
    c.bench_function("render_png", |b| {
        b.iter(|| render_png(black_box(&payload), ErrorCorrection::Medium, 4).expect("fits"))
    });
    c.bench_function("decode_payload", |b| {
        b.iter(|| MerchantQr::decode(black_box(&payload)).expect("valid"))
    });

    let frame = camera_frame(&payload);
    let found = scan_frame(1280, 720, &frame).expect("valid frame");
    assert_eq!(found, vec![payload.clone()], "the bench frame must scan");
    c.bench_function("scan_1280x720_small_code", |b| {
        b.iter(|| scan_frame(1280, 720, black_box(&frame)).expect("valid frame"))
    });
    let blank = vec![128u8; 1280 * 720];
    c.bench_function("scan_1280x720_no_code", |b| {
        b.iter(|| scan_frame(1280, 720, black_box(&blank)).expect("valid frame"))
    });
}

criterion_group!(qr, benches);
criterion_main!(qr);
