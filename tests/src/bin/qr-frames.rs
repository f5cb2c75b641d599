//! Test helper for the browser tests: turns a QR payload into the pictures a payer's browser
//! is fed, drawn by the core's own QR renderer.
//!
//! `qr-frames <payload> <out-dir>` writes:
//! - `qr.y4m`: a few 640×480 4:2:0 frames with the code centred on a light grey background,
//!   for Chromium's fake camera (`--use-file-for-fake-video-capture`);
//! - `qr.png`: the code alone, for the photo upload path.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, bail};
use kipochi_core::qr::{ErrorCorrection, QrMatrix, render_png};

const W: usize = 640;
const H: usize = 480;
/// Largest side of the drawn code, pixels (leaves a margin in the frame).
const MAX_CODE_PX: usize = 440;
const FRAMES: usize = 5;
const BACKGROUND: u8 = 200;

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let (Some(payload), Some(out)) = (args.next(), args.next()) else {
        bail!("usage: qr-frames <payload> <out-dir>");
    };
    let out = PathBuf::from(out);
    std::fs::create_dir_all(&out)?;
    let matrix = QrMatrix::new(&payload, ErrorCorrection::Medium).context("encode the QR")?;
    let modules = matrix.size() + 2 * kipochi_core::qr::QUIET_ZONE as usize;
    let module_px = (MAX_CODE_PX / modules).max(1);
    let (side, luma) = matrix.to_luma(module_px as u32);
    let side = side as usize;
    if side > W.min(H) {
        bail!("the code is too large for a {W}×{H} frame");
    }

    let mut y_plane = vec![BACKGROUND; W * H];
    let (ox, oy) = ((W - side) / 2, (H - side) / 2);
    for (row, src) in luma.chunks_exact(side).enumerate() {
        let start = (oy + row) * W + ox;
        y_plane[start..start + side].copy_from_slice(src);
    }
    let chroma = vec![128u8; (W / 2) * (H / 2)];
    let mut y4m = std::io::BufWriter::new(std::fs::File::create(out.join("qr.y4m"))?);
    write!(y4m, "YUV4MPEG2 W{W} H{H} F10:1 Ip A1:1 C420jpeg\n")?;
    for _ in 0..FRAMES {
        y4m.write_all(b"FRAME\n")?;
        y4m.write_all(&y_plane)?;
        y4m.write_all(&chroma)?;
        y4m.write_all(&chroma)?;
    }
    y4m.flush()?;

    let png = render_png(&payload, ErrorCorrection::Medium, 6).context("render the PNG")?;
    std::fs::write(out.join("qr.png"), png)?;
    println!("{}", out.display());
    Ok(())
}
