//! Merchant QR codes: EMVCo Merchant-Presented Mode codec, legacy `mpay://` / `upi://`
//! parsing, rendering (matrix, SVG, PNG) and camera-frame scanning.
//!
//! Flow for a payer: [`scan_frame`] → payload text → [`parse_payment_qr`] → [`PaymentIntent`]
//! → party lookup (the looked-up name, never the QR's, is what the payer confirms).
//! Flow for a merchant: [`MerchantQr::kipochi`] (+ [`MerchantQr::for_payment`]) →
//! [`MerchantQr::encode`] → [`QrMatrix`] / [`render_svg`] / [`render_png`].
//!
//! This module is platform-neutral (no `sqlite`/`tokio`), so it builds for wasm32 too.

mod emv;
mod error;
mod intent;
mod legacy;
mod party;
mod render;
mod scan;
mod tlv;

pub use emv::{AdditionalData, Initiation, LanguageTemplate, MerchantAccount, MerchantQr};
pub use error::{DecodeError, EncodeError, ScanError};
pub use intent::{KIPOCHI_GUID, KIPOCHI_TEMPLATE_TAG, PaymentIntent, Source, parse_payment_qr};
pub use party::{PartyId, PartyIdType};
pub use render::{ErrorCorrection, QUIET_ZONE, QrMatrix, render_png, render_svg};
pub use scan::{MAX_FRAME_PIXELS, scan_frame};
pub use tlv::{DataObject, crc16};

/// Longest EMV payload accepted, in characters (the commonly quoted EMVCo maximum).
pub const MAX_PAYLOAD_CHARS: usize = 512;
