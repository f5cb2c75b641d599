//! Arbitrary frames through the scanner: the first two bytes pick the width, the rest are
//! pixels. Must return Ok or a typed error, never panic.
#![no_main]

use kipochi_core::qr::scan_frame;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if data.len() < 2 {
        return;
    }
    let width = usize::from(u16::from_le_bytes([data[0], data[1]]) % 512).max(1);
    let pixels = &data[2..];
    let height = pixels.len() / width;
    let _ = scan_frame(width, height, &pixels[..width * height]);
});
