//! QR exports: render a payload for display, scan camera frames, read and write payment QRs.

use kipochi_core::money::{Amount, Currency};
use kipochi_core::qr::{self as core_qr, ErrorCorrection, MerchantQr, PartyId};

use crate::records::QrSource;

use crate::FfiError;

/// A QR symbol as modules, for drawing it natively (Compose `Canvas`, SwiftUI `Canvas`).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct QrMatrix {
    /// Modules per side (without the quiet zone, which the app adds: 4 modules each side).
    pub size: u32,
    /// `size × size` bytes, row-major: 1 = dark module, 0 = light.
    pub modules: Vec<u8>,
}

/// A request to pay read from a QR. Everything in it is a claim by whoever printed the QR: the
/// payee name to confirm comes from the hub's party lookup, never from the hints.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct PaymentIntent {
    /// The format it came from.
    pub source: QrSource,
    /// Who to pay; resolved by party lookup.
    pub payee: PartyId,
    /// The payee's FSP, when the QR names it.
    pub payee_fsp: Option<String>,
    /// Exact amount as decimal text, or `None` when the payer enters it.
    pub amount: Option<String>,
    /// ISO 4217 alpha code; `None` only for legacy QRs that carry none.
    pub currency: Option<String>,
    /// Reference label, for reconciliation.
    pub reference: Option<String>,
    /// Terminal / till label.
    pub terminal: Option<String>,
    /// True for a one-payment (dynamic) QR.
    pub dynamic: bool,
    /// Merchant name printed in the QR. Display hint only.
    pub merchant_name_hint: Option<String>,
    /// Merchant city printed in the QR. Display hint only.
    pub merchant_city_hint: Option<String>,
}

impl From<core_qr::PaymentIntent> for PaymentIntent {
    fn from(i: core_qr::PaymentIntent) -> Self {
        Self {
            source: i.source,
            payee: i.payee,
            payee_fsp: i.payee_fsp,
            amount: i.amount.map(|a| a.to_string()),
            currency: i.currency.map(|c| c.alpha().to_string()),
            reference: i.reference,
            terminal: i.terminal,
            dynamic: i.dynamic,
            merchant_name_hint: i.merchant_name_hint,
            merchant_city_hint: i.merchant_city_hint,
        }
    }
}

/// What a merchant's Kipochi QR says (EMVCo merchant-presented mode).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct MerchantQrRequest {
    /// The merchant's party id (what payers' wallets look up).
    pub payee: PartyId,
    /// Merchant category code, 4 digits.
    pub mcc: String,
    /// ISO 4217 alpha code, e.g. `"TZS"`.
    pub currency: String,
    /// ISO 3166-1 alpha-2 country code.
    pub country: String,
    /// Merchant name (cut to 25 characters; display hint only).
    pub name: String,
    /// Merchant city (cut to 15 characters).
    pub city: String,
    /// For a one-payment (dynamic) QR: the exact amount as decimal text.
    pub amount: Option<String>,
    /// Reference label (dynamic QRs only).
    pub reference: Option<String>,
    /// Terminal label (dynamic QRs only).
    pub terminal: Option<String>,
}

fn currency(alpha: &str) -> Result<Currency, FfiError> {
    Currency::from_alpha(alpha)
        .ok_or_else(|| FfiError::invalid("unknown_currency", "unknown ISO 4217 currency code"))
}

/// Encodes a merchant's payment QR payload (EMVCo text with CRC). Static without an amount,
/// dynamic (one payment) with one.
#[uniffi::export]
pub fn encode_merchant_qr(request: MerchantQrRequest) -> Result<String, FfiError> {
    let currency = currency(&request.currency)?;
    let mut qr = MerchantQr::kipochi(
        &request.payee,
        &request.mcc,
        currency,
        &request.country,
        &request.name,
        &request.city,
    );
    match request.amount {
        Some(text) => {
            let amount: Amount = text.parse()?;
            qr = qr.for_payment(
                amount,
                request.reference.as_deref(),
                request.terminal.as_deref(),
            );
        }
        None if request.reference.is_some() || request.terminal.is_some() => {
            return Err(FfiError::invalid(
                "reference_without_amount",
                "reference and terminal labels are for one-payment QRs, which need an amount",
            ));
        }
        None => {}
    }
    Ok(qr.encode()?)
}

/// Reads any supported payment QR text (EMVCo with CRC check, legacy `mpay://`, `upi://`).
#[uniffi::export]
pub fn parse_payment_qr(text: String) -> Result<PaymentIntent, FfiError> {
    Ok(core_qr::parse_payment_qr(&text)?.into())
}

/// The modules of the QR symbol for `payload`.
#[uniffi::export]
pub fn qr_matrix(payload: String, ec: ErrorCorrection) -> Result<QrMatrix, FfiError> {
    let m = core_qr::QrMatrix::new(&payload, ec)?;
    let size = u32::try_from(m.size()).map_err(|_| FfiError::invalid("too_large", "QR size"))?;
    Ok(QrMatrix {
        size,
        modules: m.modules().iter().map(|&d| u8::from(d)).collect(),
    })
}

/// The QR for `payload` as a grayscale PNG with its quiet zone, `module_px` pixels per module.
#[uniffi::export]
pub fn render_qr_png(
    payload: String,
    ec: ErrorCorrection,
    module_px: u32,
) -> Result<Vec<u8>, FfiError> {
    Ok(core_qr::render_png(&payload, ec, module_px)?)
}

/// The QR for `payload` as an SVG document at least `min_px` wide.
#[uniffi::export]
pub fn render_qr_svg(
    payload: String,
    ec: ErrorCorrection,
    min_px: u32,
) -> Result<String, FfiError> {
    Ok(core_qr::render_svg(&payload, ec, min_px)?)
}

fn frame_side(v: u32) -> usize {
    usize::try_from(v).unwrap_or(usize::MAX)
}

/// Every QR text found in a grayscale camera frame (`width × height` bytes, row-major, 0 = black;
/// on Android the Y plane of a YUV_420_888 image without row padding). Empty: no code found.
#[uniffi::export]
pub fn scan_frame(width: u32, height: u32, luma: Vec<u8>) -> Result<Vec<String>, FfiError> {
    Ok(core_qr::scan_frame(
        frame_side(width),
        frame_side(height),
        &luma,
    )?)
}

/// A payment QR read from a camera frame: its text (what the app sends to the hub to resolve)
/// and what it says.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ScannedPayment {
    /// The QR's text, exactly as read.
    pub payload: String,
    /// The payment it asks for.
    pub intent: PaymentIntent,
}

/// Scans a frame and reads the first code that is a payment QR, with its text. `None`: no code
/// in the frame. If codes were found but none is a payment QR, the first one's error is returned.
#[uniffi::export]
pub fn scan_payment_code(
    width: u32,
    height: u32,
    luma: Vec<u8>,
) -> Result<Option<ScannedPayment>, FfiError> {
    let texts = core_qr::scan_frame(frame_side(width), frame_side(height), &luma)?;
    let mut first_error = None;
    for text in texts {
        match core_qr::parse_payment_qr(&text) {
            Ok(intent) => {
                return Ok(Some(ScannedPayment {
                    payload: text,
                    intent: intent.into(),
                }));
            }
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    match first_error {
        Some(e) => Err(e.into()),
        None => Ok(None),
    }
}

/// [`scan_payment_code`] without the text: the intent only.
#[uniffi::export]
pub fn scan_payment_frame(
    width: u32,
    height: u32,
    luma: Vec<u8>,
) -> Result<Option<PaymentIntent>, FfiError> {
    Ok(scan_payment_code(width, height, luma)?.map(|s| s.intent))
}

#[cfg(test)]
mod tests {
    use super::*;
    use kipochi_core::qr::PartyIdType;

    fn request(amount: Option<&str>) -> MerchantQrRequest {
        MerchantQrRequest {
            payee: PartyId::new(PartyIdType::Business, "till-1234"),
            mcc: "5411".into(),
            currency: "TZS".into(),
            country: "TZ".into(),
            name: "Mama Lishe".into(),
            city: "Arusha".into(),
            amount: amount.map(str::to_string),
            reference: amount.map(|_| "INV-7".to_string()),
            terminal: None,
        }
    }

    #[test]
    fn encode_render_scan_round_trip() {
        let payload = encode_merchant_qr(request(Some("2500"))).unwrap();
        let m = core_qr::QrMatrix::new(&payload, ErrorCorrection::Medium).unwrap();
        let (side, luma) = m.to_luma(4);
        let intent = scan_payment_frame(side, side, luma).unwrap().unwrap();
        assert_eq!(intent.amount.as_deref(), Some("2500"));
        assert_eq!(intent.currency.as_deref(), Some("TZS"));
        assert_eq!(intent.payee.identifier, "till-1234");
        assert!(intent.dynamic);
        assert_eq!(intent.reference.as_deref(), Some("INV-7"));
    }

    #[test]
    fn bad_inputs_are_typed_errors() {
        let mut r = request(None);
        r.currency = "XXQ".into();
        assert_eq!(
            encode_merchant_qr(r).unwrap_err().code(),
            "unknown_currency"
        );
        let mut r = request(Some("12.5.0"));
        r.reference = None;
        assert_eq!(encode_merchant_qr(r).unwrap_err().code(), "not_a_number");
        assert_eq!(
            parse_payment_qr(String::new()).unwrap_err().code(),
            "empty_payload"
        );
        assert_eq!(
            scan_frame(10, 10, vec![0; 5]).unwrap_err().code(),
            "bad_frame_dimensions"
        );
        assert_eq!(scan_payment_frame(8, 8, vec![255; 64]).unwrap(), None);
    }
}
