//! The scanner bundle (`--features scanner`, `pkg/kipochi_scan.js`): the core's QR reader on its
//! own, loaded by the wallet only when a person opens the camera or picks a photo, so its
//! decoder (with its 64 KB Galois-field tables) is not in the wallet's first download.

use kipochi_core::qr::scan_frame;
use wasm_bindgen::prelude::*;

/// BT.601 luma of RGBA pixels, integer arithmetic: `(77 R + 150 G + 29 B + 128) >> 8`.
pub fn luma_from_rgba(rgba: &[u8]) -> Vec<u8> {
    rgba.chunks_exact(4)
        .map(|p| {
            let y = 77 * u32::from(p[0]) + 150 * u32::from(p[1]) + 29 * u32::from(p[2]) + 128;
            // At most (256 * 255 + 128) >> 8 = 255: fits.
            (y >> 8) as u8
        })
        .collect()
}

/// Reads a canvas frame (`width × height` RGBA bytes): the first payload found, dynamic EMV
/// codes first (the core's order), or `undefined`. Throws the core's message for a bad frame.
#[wasm_bindgen]
pub fn scan_rgba(width: u32, height: u32, rgba: &[u8]) -> Result<Option<String>, JsError> {
    let luma = luma_from_rgba(rgba);
    let found = scan_frame(width as usize, height as usize, &luma)
        .map_err(|e| JsError::new(&e.to_string()))?;
    Ok(found.into_iter().next())
}

#[cfg(test)]
mod tests {
    use super::luma_from_rgba;

    #[wasm_bindgen_test::wasm_bindgen_test]
    fn luma_is_integer_bt601() {
        let px = [
            0, 0, 0, 255, 255, 255, 255, 255, 255, 0, 0, 255, 0, 255, 0, 0,
        ];
        assert_eq!(luma_from_rgba(&px), vec![0, 255, 77, 149]);
    }

    #[wasm_bindgen_test::wasm_bindgen_test]
    fn a_rendered_code_reads_back() {
        use kipochi_core::qr::{ErrorCorrection, QrMatrix};
        let m = QrMatrix::new("hello kipochi", ErrorCorrection::Medium).unwrap();
        let (side, luma) = m.to_luma(4);
        let rgba: Vec<u8> = luma.iter().flat_map(|&v| [v, v, v, 255]).collect();
        let found = super::scan_frame(side as usize, side as usize, &luma_from_rgba(&rgba));
        assert_eq!(found.unwrap(), vec!["hello kipochi".to_string()]);
    }
}
