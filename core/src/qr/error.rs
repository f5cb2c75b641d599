//! Typed errors of the QR layer. Messages name tags and offsets only, never field values
//! (names, phone numbers and account ids are personal data).

/// Why a scanned text could not be read as a payment QR. One variant per failure.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// The text is empty.
    #[error("empty payload")]
    Empty,
    /// Not an EMVCo payload (it must start with tag `00`, length `02`) nor a known legacy format.
    #[error("not an EMV merchant QR payload nor a supported legacy format")]
    NotEmv,
    /// The payload is longer than [`super::MAX_PAYLOAD_CHARS`] characters.
    #[error("payload too long: {len} characters, at most {max}")]
    PayloadTooLong {
        /// Characters in the payload.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// A data object ID is not two digits.
    #[error("bad data object id at character {offset}")]
    BadTag {
        /// Character offset of the ID inside its template.
        offset: usize,
    },
    /// A data object length is not two digits in `01`–`99`.
    #[error("bad length for tag {tag:02}")]
    BadLength {
        /// The data object ID.
        tag: u8,
    },
    /// A data object's value runs past the end of the payload or template.
    #[error("value of tag {tag:02} is truncated")]
    Truncated {
        /// The data object ID.
        tag: u8,
    },
    /// The same ID appears twice in one template.
    #[error("tag {tag:02} appears more than once")]
    DuplicateTag {
        /// The repeated ID.
        tag: u8,
    },
    /// Tag `00` is not the first object or its value is not `01`.
    #[error("payload format indicator must come first and be 01")]
    BadFormatIndicator,
    /// The CRC object `63` is not the last object of the payload.
    #[error("CRC (tag 63) must be the last object, with 4 characters")]
    CrcNotLast,
    /// The CRC does not match the payload: the code was edited or misread.
    #[error("bad CRC: payload says {found}, computed {expected:04X}")]
    BadCrc {
        /// CRC-16/CCITT-FALSE computed over the payload up to and including `6304`.
        expected: u16,
        /// The 4 characters the payload carries.
        found: String,
    },
    /// A mandatory tag is missing.
    #[error("mandatory tag {tag:02} is missing")]
    MissingTag {
        /// The missing ID.
        tag: u8,
    },
    /// No merchant account information (tags 02–51) is present.
    #[error("no merchant account information (tags 02-51)")]
    MissingAccount,
    /// A merchant account template (26–51) lacks its globally unique identifier (sub-tag 00).
    #[error("merchant account template {tag:02} has no globally unique identifier")]
    MissingGuid {
        /// The template ID.
        tag: u8,
    },
    /// A template's content is not valid nested TLV.
    #[error("template {tag:02} is malformed: {inner}")]
    BadTemplate {
        /// The template ID.
        tag: u8,
        /// What is wrong inside it.
        inner: Box<DecodeError>,
    },
    /// Tag `01` is not `11` (static) or `12` (dynamic).
    #[error("point of initiation must be 11 or 12")]
    BadInitiationMethod,
    /// Tag `52` is not 4 digits.
    #[error("merchant category code must be 4 digits")]
    BadMcc,
    /// Tag `53` is not a known ISO 4217 numeric currency code.
    #[error("unknown or malformed currency code")]
    BadCurrency,
    /// Tag `54` is not a decimal number.
    #[error("amount is not a number")]
    AmountNotANumber,
    /// Tag `54` is zero or negative.
    #[error("amount must be greater than zero")]
    AmountNotPositive,
    /// Tag `54` has more decimals than the currency's minor unit.
    #[error("amount has more decimals than the currency allows")]
    AmountTooPrecise,
    /// Tag `58` is not an ISO 3166-1 alpha-2 country code.
    #[error("country code must be 2 upper-case letters")]
    BadCountry,
    /// A value is longer than its field allows.
    #[error("value of tag {tag:02} is too long: {len} characters, at most {max}")]
    TooLong {
        /// The data object ID.
        tag: u8,
        /// Characters in the value.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The language template (`64`) lacks its language (`00`) or alternate name (`01`).
    #[error("language template is incomplete")]
    BadLanguageTemplate,
    /// The Kipochi account template has a missing or unknown party id type or identifier.
    #[error("payee account in template {tag:02} is invalid")]
    BadPayee {
        /// The template ID.
        tag: u8,
    },
    /// The QR is valid but carries no account this wallet can pay.
    #[error("no supported payee account in the QR")]
    NoSupportedAccount,
    /// A legacy URI wrapper is not valid Base64 or not UTF-8.
    #[error("legacy QR is not valid Base64 text")]
    BadBase64,
    /// A legacy URI lacks a required parameter.
    #[error("legacy QR lacks parameter {name}")]
    MissingParameter {
        /// The parameter name.
        name: &'static str,
    },
    /// A legacy URI parameter has a bad value (bad percent-encoding, unknown currency...).
    #[error("legacy QR parameter {name} is invalid")]
    BadParameter {
        /// The parameter name.
        name: &'static str,
    },
}

/// Why a QR payload or image could not be produced.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EncodeError {
    /// A value is empty or longer than 99 characters, the TLV limit.
    #[error("value of tag {tag:02} must have 1 to 99 characters, has {len}")]
    ValueLength {
        /// The data object ID.
        tag: u8,
        /// Characters in the value.
        len: usize,
    },
    /// A tag outside `00`–`99`.
    #[error("tag {tag} is not a 2-digit id")]
    BadTag {
        /// The offending ID.
        tag: u8,
    },
    /// The amount cannot be written for the currency.
    #[error("amount cannot be encoded: {0}")]
    Amount(#[from] crate::money::MoneyError),
    /// The payload would not decode back (a field breaks an EMV rule).
    #[error("payload would be invalid: {0}")]
    Invalid(#[from] DecodeError),
    /// The payload does not fit in a QR symbol.
    #[error("payload does not fit in a QR code")]
    DataTooLong,
    /// The image could not be encoded.
    #[error("image encoding failed")]
    Image,
}

/// Why a camera frame could not be scanned (finding no code is not an error).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ScanError {
    /// `width × height` does not match the buffer length, or a side is zero.
    #[error("frame is {width}x{height} but the buffer has {len} bytes")]
    BadDimensions {
        /// Stated width.
        width: usize,
        /// Stated height.
        height: usize,
        /// Buffer length.
        len: usize,
    },
    /// The frame is larger than [`super::MAX_FRAME_PIXELS`].
    #[error("frame too large")]
    FrameTooLarge,
}
