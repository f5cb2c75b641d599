//! A real QR image damaged by the fuzzer, through the scanner: reaches rqrr's grid fitting and
//! error correction, which random frames rarely do. Byte 0 picks the module size and how many
//! of the next bytes are the payload; the remaining bytes, in 3-byte groups, overwrite pixels
//! (2-byte position, 1-byte value). Must return Ok or a typed error, never panic.
#![no_main]

use kipochi_core::qr::{ErrorCorrection, QrMatrix, scan_frame};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&head, rest)) = data.split_first() else {
        return;
    };
    let module_px = u32::from(head % 3) + 1;
    let text_len = usize::from(head / 3).min(rest.len());
    let (text, damage) = rest.split_at(text_len);
    let Ok(matrix) = QrMatrix::new(&String::from_utf8_lossy(text), ErrorCorrection::Medium) else {
        return;
    };
    let (side, mut pixels) = matrix.to_luma(module_px);
    for chunk in damage.chunks_exact(3) {
        let pos = usize::from(u16::from_le_bytes([chunk[0], chunk[1]])) * 7 % pixels.len();
        pixels[pos] = chunk[2];
    }
    let side = side as usize;
    let _ = scan_frame(side, side, &pixels);
});
