//! Camera frame → QR payloads, with `rqrr` as the detector/decoder and our own preprocessing:
//! an integral-image adaptive threshold (uneven light, low contrast), both polarities
//! (inverted codes), and retries at coarser scales (blur, noise, big codes). Large frames are
//! box-downscaled first so the work per frame stays bounded.

use super::ScanError;
use super::emv::MerchantQr;

/// Largest frame accepted, in pixels (e.g. 4096 × 4096).
pub const MAX_FRAME_PIXELS: usize = 4096 * 4096;

/// Frames whose longer side exceeds this are box-downscaled by an integer factor first.
const WORK_MAX_SIDE: usize = 1600;

/// Smallest working image worth searching (a version-1 code needs ~21 px per side).
const MIN_SIDE: usize = 21;

/// A grayscale image owned by the scanner.
#[derive(Clone)]
struct Gray {
    w: usize,
    h: usize,
    px: Vec<u8>,
}

impl Gray {
    /// Mean of each `f × f` block (remainder rows/columns dropped).
    fn downscale(&self, f: usize) -> Gray {
        let (w, h) = (self.w / f, self.h / f);
        let mut px = vec![0u8; w * h];
        let area = (f * f) as u32;
        let mut row_sums = vec![0u32; w];
        for oy in 0..h {
            row_sums.fill(0);
            for y in oy * f..oy * f + f {
                let src = &self.px[y * self.w..y * self.w + w * f];
                for (ox, sum) in row_sums.iter_mut().enumerate() {
                    *sum += src[ox * f..ox * f + f]
                        .iter()
                        .map(|&v| u32::from(v))
                        .sum::<u32>();
                }
            }
            for (o, s) in px[oy * w..oy * w + w].iter_mut().zip(&row_sums) {
                *o = (s / area) as u8;
            }
        }
        Gray { w, h, px }
    }

    /// Adaptive threshold: a pixel is dark when it is clearly below the mean of the square
    /// window around it (side ≈ 1/8 of the longer image side). Returns `true` = dark.
    fn binarize(&self, smooth: bool) -> Vec<bool> {
        let (w, h) = (self.w, self.h);
        // Integral image with a zero row and column: (w + 1) × (h + 1), u32 is enough for
        // WORK_MAX_SIDE² × 255.
        let iw = w + 1;
        let mut integral = vec![0u32; iw * (h + 1)];
        for y in 0..h {
            let mut row = 0u32;
            for x in 0..w {
                row += u32::from(self.px[y * w + x]);
                integral[(y + 1) * iw + x + 1] = integral[y * iw + x + 1] + row;
            }
        }
        let r = (w.max(h) / 16).max(8);
        // The window statistics are computed once per 8×8 block (window centred on the block),
        // which is ~60× fewer integral look-ups than per pixel and moves the window by at most
        // 4 px: far below its ~r-pixel size.
        const B: usize = 8;
        let (bw, bh) = (w.div_ceil(B), h.div_ceil(B));
        let mut stats = vec![(0u32, 0u32); bw * bh];
        for by in 0..bh {
            let cy = (by * B + B / 2).min(h - 1);
            let (y0, y1) = (cy.saturating_sub(r), (cy + r + 1).min(h));
            let (top, bot) = (&integral[y0 * iw..][..iw], &integral[y1 * iw..][..iw]);
            for bx in 0..bw {
                let cx = (bx * B + B / 2).min(w - 1);
                let (x0, x1) = (cx.saturating_sub(r), (cx + r + 1).min(w));
                let sum = bot[x1] + top[x0] - top[x1] - bot[x0];
                let count = ((x1 - x0) * (y1 - y0)) as u32;
                // dark if p < 0.9 × window mean: p × count × 10 < sum × 9.
                stats[by * bw + bx] = (sum * 9, count * 10);
            }
        }
        let mut out = vec![false; w * h];
        for y in 0..h {
            let brow = &stats[(y / B) * bw..][..bw];
            // Rows for the 3×3 smoothing window.
            let (sy0, sy1) = (y.saturating_sub(1), (y + 2).min(h));
            let (stop, sbot) = (&integral[sy0 * iw..][..iw], &integral[sy1 * iw..][..iw]);
            let src = &self.px[y * w..][..w];
            let dst = &mut out[y * w..][..w];
            for x in 0..w {
                let (sum9, count10) = brow[x / B];
                // With `smooth`, the pixel is read as its 3×3 mean, which damps sensor noise
                // (at the cost of fine modules, so it is a second attempt).
                let (p, pc) = if smooth {
                    let (sx0, sx1) = (x.saturating_sub(1), (x + 2).min(w));
                    let p = sbot[sx1] + stop[sx0] - stop[sx1] - sbot[sx0];
                    (p, ((sx1 - sx0) * (sy1 - sy0)) as u32)
                } else {
                    (u32::from(src[x]), 1)
                };
                dst[x] = p * count10 < sum9 * pc;
            }
        }
        out
    }
}

/// Runs rqrr on a binary image and returns every decoded text.
fn detect(w: usize, h: usize, dark: &[bool], invert: bool) -> Vec<String> {
    let mut img = rqrr::PreparedImage::prepare_from_bitmap(w, h, |x, y| dark[y * w + x] != invert);
    img.detect_grids()
        .into_iter()
        .filter_map(|g| g.decode().ok().map(|(_, text)| text))
        .collect()
}

/// Decodes every QR code in a grayscale frame (`width × height` bytes, row-major, 0 = black).
///
/// Returns the distinct payloads found, dynamic EMV codes first, then static EMV codes, then
/// anything else. An empty list means no readable code (not an error).
pub fn scan_frame(width: usize, height: usize, luma: &[u8]) -> Result<Vec<String>, ScanError> {
    let bad = || ScanError::BadDimensions {
        width,
        height,
        len: luma.len(),
    };
    let pixels = width.checked_mul(height).ok_or_else(bad)?;
    if width == 0 || height == 0 || pixels != luma.len() {
        return Err(bad());
    }
    if pixels > MAX_FRAME_PIXELS {
        return Err(ScanError::FrameTooLarge);
    }
    let frame = Gray {
        w: width,
        h: height,
        px: luma.to_vec(),
    };
    let factor = width.max(height).div_ceil(WORK_MAX_SIDE);
    let base = if factor > 1 {
        frame.downscale(factor)
    } else {
        frame
    };

    let mut found: Vec<String> = Vec::new();
    // Full working resolution first (raw, then noise-damped), then coarser levels: each
    // halving smooths noise and blur and brings large codes into the threshold window's range.
    // Each attempt tries both polarities; the first attempt that reads anything wins.
    let mut level = base;
    'levels: for depth in 0..3 {
        if level.w < MIN_SIDE || level.h < MIN_SIDE {
            break;
        }
        let smoothing: &[bool] = if depth == 0 { &[false, true] } else { &[false] };
        for &smooth in smoothing {
            let dark = level.binarize(smooth);
            for invert in [false, true] {
                for text in detect(level.w, level.h, &dark, invert) {
                    if !found.contains(&text) {
                        found.push(text);
                    }
                }
                if !found.is_empty() {
                    break 'levels;
                }
            }
        }
        level = level.downscale(2);
    }
    found.sort_by_key(|t| rank(t));
    Ok(found)
}

/// Sort key: dynamic EMV (0), static EMV (1), anything else (2).
fn rank(text: &str) -> u8 {
    match MerchantQr::decode(text) {
        Ok(qr) if qr.is_dynamic() => 0,
        Ok(_) => 1,
        Err(_) => 2,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_bad_dimensions() {
        assert!(matches!(
            scan_frame(10, 10, &[0; 99]),
            Err(ScanError::BadDimensions { .. })
        ));
        assert!(matches!(
            scan_frame(0, 0, &[]),
            Err(ScanError::BadDimensions { .. })
        ));
        assert!(matches!(
            scan_frame(usize::MAX, 2, &[0; 4]),
            Err(ScanError::BadDimensions { .. })
        ));
        assert_eq!(
            scan_frame(5000, 5000, &vec![0; 25_000_000]),
            Err(ScanError::FrameTooLarge)
        );
    }

    #[test]
    fn blank_and_tiny_frames_have_no_codes() {
        assert_eq!(scan_frame(1, 1, &[7]), Ok(vec![]));
        assert_eq!(scan_frame(64, 48, &[200; 64 * 48]), Ok(vec![]));
    }

    #[test]
    fn downscale_averages_blocks() {
        let g = Gray {
            w: 4,
            h: 2,
            px: vec![0, 2, 10, 10, 4, 6, 10, 10],
        };
        let d = g.downscale(2);
        assert_eq!((d.w, d.h, d.px), (2, 1, vec![3, 10]));
    }
}
