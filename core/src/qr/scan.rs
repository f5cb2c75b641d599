//! Camera frame → QR payloads, with `rqrr` as the detector/decoder and our own preprocessing:
//! an integral-image adaptive threshold (uneven light, low contrast), both polarities
//! (inverted codes), and retries at coarser scales (blur, noise, big codes). Large frames are
//! box-downscaled first so the work per frame stays bounded.

use std::borrow::Cow;

use super::ScanError;
use super::emv::MerchantQr;

/// Largest frame accepted, in pixels (e.g. 4096 × 4096).
pub const MAX_FRAME_PIXELS: usize = 4096 * 4096;

/// Frames whose longer side exceeds this are box-downscaled by an integer factor first.
const WORK_MAX_SIDE: usize = 1600;

/// Smallest working image worth searching (a version-1 code needs ~21 px per side).
const MIN_SIDE: usize = 21;

/// A grayscale image: the caller's frame (borrowed) or a downscaled copy.
#[derive(Clone)]
struct Gray<'a> {
    w: usize,
    h: usize,
    px: Cow<'a, [u8]>,
}

impl Gray<'_> {
    /// Mean of each `f × f` block (remainder rows/columns dropped).
    fn downscale(&self, f: usize) -> Gray<'static> {
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
        Gray {
            w,
            h,
            px: Cow::Owned(px),
        }
    }

    /// Adaptive threshold: a pixel is dark when it is clearly below the mean of the square
    /// window around it (side ≈ 1/8 of the longer image side). Returns `true` = dark.
    ///
    /// The window statistics are kept per 8×8 block: block sums, an integral image over the
    /// blocks, and one threshold per block (a window aligned to blocks moves by at most 4 px,
    /// far below its ~r-pixel size). That is ~64× less integral work than per pixel, and the
    /// per-pixel pass is a compare against the block's threshold.
    fn binarize(&self, smooth: bool) -> Vec<bool> {
        const B: usize = 8;
        let (w, h) = (self.w, self.h);
        let (bw, bh) = (w.div_ceil(B), h.div_ceil(B));
        let mut block_sums = vec![0u32; bw * bh];
        for (y, row) in self.px.chunks_exact(w).enumerate() {
            let sums = &mut block_sums[(y / B) * bw..][..bw];
            for (sum, chunk) in sums.iter_mut().zip(row.chunks(B)) {
                *sum += chunk.iter().map(|&v| u32::from(v)).sum::<u32>();
            }
        }
        // Integral over blocks with a zero row and column; u32 holds WORK_MAX_SIDE² × 255.
        let iw = bw + 1;
        let mut integral = vec![0u32; iw * (bh + 1)];
        for by in 0..bh {
            let mut row = 0u32;
            for bx in 0..bw {
                row += block_sums[by * bw + bx];
                integral[(by + 1) * iw + bx + 1] = integral[by * iw + bx + 1] + row;
            }
        }
        // The window radius in blocks, rounded to the nearest block (rounding up widened the
        // window by up to 19 % and cost decodes of small codes).
        let rb = ((w.max(h) / 16).max(8) + B / 2) / B;
        // Per block: dark if p < 0.9 × window mean, i.e. p × count × 10 < sum × 9.
        let mut stats = vec![(0u64, 0u64); bw * bh];
        let mut thresholds = vec![0u16; bw * bh];
        for by in 0..bh {
            let (y0, y1) = (by.saturating_sub(rb), (by + rb + 1).min(bh));
            let rows = ((y1 * B).min(h) - y0 * B) as u64;
            let (top, bot) = (&integral[y0 * iw..][..iw], &integral[y1 * iw..][..iw]);
            for bx in 0..bw {
                let (x0, x1) = (bx.saturating_sub(rb), (bx + rb + 1).min(bw));
                let sum = u64::from(bot[x1] + top[x0] - top[x1] - bot[x0]);
                let count = ((x1 * B).min(w) - x0 * B) as u64 * rows;
                let (sum9, count10) = (sum * 9, count * 10);
                stats[by * bw + bx] = (sum9, count10);
                // For an integer p: p < sum9 / count10  ⇔  p < ⌈sum9 / count10⌉.
                thresholds[by * bw + bx] = sum9.div_ceil(count10) as u16;
            }
        }
        let mut out = vec![false; w * h];
        if !smooth {
            for (y, (dst, src)) in out
                .chunks_exact_mut(w)
                .zip(self.px.chunks_exact(w))
                .enumerate()
            {
                let row = &thresholds[(y / B) * bw..][..bw];
                for ((d, s), &t) in dst.chunks_mut(B).zip(src.chunks(B)).zip(row) {
                    for (d, &p) in d.iter_mut().zip(s) {
                        *d = u16::from(p) < t;
                    }
                }
            }
            return out;
        }
        // Second attempt: each pixel is read as its 3×3 mean, which damps sensor noise (at the
        // cost of fine modules). Horizontal 3-sums per row, then three rows added; the compare
        // p₃ / n < sum / count × 0.9 is done in integers as p₃ × count × 10 < sum × 9 × n.
        let mut hsum = vec![0u16; w * h];
        for (src, dst) in self.px.chunks_exact(w).zip(hsum.chunks_exact_mut(w)) {
            for (x, d) in dst.iter_mut().enumerate() {
                let (x0, x1) = (x.saturating_sub(1), (x + 2).min(w));
                *d = src[x0..x1].iter().map(|&v| u16::from(v)).sum();
            }
        }
        let mut column = vec![0u16; w];
        for y in 0..h {
            let (sy0, sy1) = (y.saturating_sub(1), (y + 2).min(h));
            column.fill(0);
            for row in hsum[sy0 * w..sy1 * w].chunks_exact(w) {
                for (c, &v) in column.iter_mut().zip(row) {
                    *c += v;
                }
            }
            let ny = (sy1 - sy0) as u64;
            let row = &stats[(y / B) * bw..][..bw];
            let dst = &mut out[y * w..][..w];
            for (bx, (d, c)) in dst.chunks_mut(B).zip(column.chunks(B)).enumerate() {
                let (sum9, count10) = row[bx];
                for (i, (d, &p)) in d.iter_mut().zip(c).enumerate() {
                    let x = bx * B + i;
                    let nx = ((x + 2).min(w) - x.saturating_sub(1)) as u64;
                    *d = u64::from(p) * count10 < sum9 * nx * ny;
                }
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
        px: Cow::Borrowed(luma),
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
            px: Cow::Owned(vec![0, 2, 10, 10, 4, 6, 10, 10]),
        };
        let d = g.downscale(2);
        assert_eq!((d.w, d.h, d.px.to_vec()), (2, 1, vec![3, 10]));
    }
}
