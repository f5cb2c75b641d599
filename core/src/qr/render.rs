//! Payload → QR symbol: module matrix (native UIs draw it), SVG text, PNG bytes.

use image::{ImageEncoder, Luma};
use qrcode::render::{Renderer, svg};
use qrcode::{Color, EcLevel, QrCode};

use super::EncodeError;

/// Quiet zone around the symbol, in modules (the QR specification's minimum).
pub const QUIET_ZONE: u32 = 4;

/// Error-correction level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ErrorCorrection {
    /// ~7% of codewords recoverable.
    Low,
    /// ~15%: the default, as common merchant-QR generators use.
    #[default]
    Medium,
    /// ~25%.
    Quartile,
    /// ~30%.
    High,
}

impl From<ErrorCorrection> for EcLevel {
    fn from(e: ErrorCorrection) -> Self {
        match e {
            ErrorCorrection::Low => EcLevel::L,
            ErrorCorrection::Medium => EcLevel::M,
            ErrorCorrection::Quartile => EcLevel::Q,
            ErrorCorrection::High => EcLevel::H,
        }
    }
}

/// The modules of a QR symbol, without quiet zone: `size × size`, row-major, `true` = dark.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QrMatrix {
    size: usize,
    modules: Vec<bool>,
}

impl QrMatrix {
    /// Encodes `payload` (byte/alphanumeric/numeric segments chosen optimally).
    pub fn new(payload: &str, ec: ErrorCorrection) -> Result<QrMatrix, EncodeError> {
        let code = code(payload, ec)?;
        Ok(QrMatrix {
            size: code.width(),
            modules: code
                .to_colors()
                .into_iter()
                .map(|c| c == Color::Dark)
                .collect(),
        })
    }

    /// Modules per side (21 for version 1, +4 per version).
    pub fn size(&self) -> usize {
        self.size
    }

    /// True if the module at column `x`, row `y` is dark; `false` outside the symbol.
    pub fn is_dark(&self, x: usize, y: usize) -> bool {
        x < self.size && y < self.size && self.modules[y * self.size + x]
    }

    /// All modules, row-major.
    pub fn modules(&self) -> &[bool] {
        &self.modules
    }

    /// A grayscale raster (0 = dark, 255 = light) with a [`QUIET_ZONE`] border and
    /// `module_px` pixels per module: `(side, pixels)`.
    pub fn to_luma(&self, module_px: u32) -> (u32, Vec<u8>) {
        let px = module_px.max(1) as usize;
        let q = QUIET_ZONE as usize;
        let side = (self.size + 2 * q) * px;
        let mut pixels = vec![255u8; side * side];
        for (y, row) in pixels.chunks_exact_mut(side).enumerate() {
            let my = y / px;
            if my < q || my >= q + self.size {
                continue;
            }
            for (x, p) in row.iter_mut().enumerate() {
                let mx = x / px;
                if mx >= q && self.is_dark(mx - q, my - q) {
                    *p = 0;
                }
            }
        }
        (side as u32, pixels)
    }
}

fn code(payload: &str, ec: ErrorCorrection) -> Result<QrCode, EncodeError> {
    QrCode::with_error_correction_level(payload.as_bytes(), ec.into())
        .map_err(|_| EncodeError::DataTooLong)
}

/// An SVG document of the QR, with a [`QUIET_ZONE`] border, at least `min_px` wide.
pub fn render_svg(payload: &str, ec: ErrorCorrection, min_px: u32) -> Result<String, EncodeError> {
    let code = code(payload, ec)?;
    let colors = code.to_colors();
    Ok(
        Renderer::<svg::Color>::new(&colors, code.width(), QUIET_ZONE)
            .min_dimensions(min_px, min_px)
            .dark_color(svg::Color("#000000"))
            .light_color(svg::Color("#ffffff"))
            .build(),
    )
}

/// PNG bytes of the QR (8-bit grayscale), `module_px` pixels per module, [`QUIET_ZONE`] border.
pub fn render_png(
    payload: &str,
    ec: ErrorCorrection,
    module_px: u32,
) -> Result<Vec<u8>, EncodeError> {
    let code = code(payload, ec)?;
    let colors = code.to_colors();
    let px = module_px.max(1);
    let img = Renderer::<Luma<u8>>::new(&colors, code.width(), QUIET_ZONE)
        .module_dimensions(px, px)
        .build();
    let mut out = Vec::new();
    image::codecs::png::PngEncoder::new(&mut out)
        .write_image(
            img.as_raw(),
            img.width(),
            img.height(),
            image::ExtendedColorType::L8,
        )
        .map_err(|_| EncodeError::Image)?;
    Ok(out)
}
