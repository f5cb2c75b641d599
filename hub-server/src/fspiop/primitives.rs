//! Validated FSPIOP scalar types: `Amount`, `DateTime`, `CorrelationId`, `Currency`, `FspId`.
//!
//! Each keeps the exact text it was built from (ILP packets and signatures depend on the text),
//! and refuses anything outside the FSPIOP v1.1 / v2.0 patterns when deserialized.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::error::Error;

fn invalid(field: &'static str, reason: impl Into<String>) -> Error {
    Error::Invalid {
        field,
        reason: reason.into(),
    }
}

macro_rules! text_type {
    ($name:ident, $check:path) => {
        impl TryFrom<String> for $name {
            type Error = Error;
            fn try_from(s: String) -> Result<Self, Error> {
                $check(&s)?;
                Ok(Self(s))
            }
        }
        impl std::str::FromStr for $name {
            type Err = Error;
            fn from_str(s: &str) -> Result<Self, Error> {
                Self::try_from(s.to_owned())
            }
        }
        impl From<$name> for String {
            fn from(v: $name) -> String {
                v.0
            }
        }
        impl $name {
            /// The exact text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

/// An FSPIOP `Amount`: `^([0]|([1-9][0-9]{0,17}))([.][0-9]{0,3}[1-9])?$` (no trailing zeros,
/// at most 4 decimals). An exact decimal; never a float.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Amount(String);
text_type!(Amount, check_amount);

fn check_amount(s: &str) -> Result<(), Error> {
    let (int, frac) = match s.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (s, None),
    };
    let int_ok = int == "0"
        || (!int.is_empty()
            && int.len() <= 18
            && int.bytes().all(|b| b.is_ascii_digit())
            && !int.starts_with('0'));
    if !int_ok {
        return Err(invalid(
            "amount",
            "integer part must be 0 or 1-18 digits without leading zero",
        ));
    }
    if let Some(f) = frac {
        let ok = (1..=4).contains(&f.len())
            && f.bytes().all(|b| b.is_ascii_digit())
            && !f.ends_with('0');
        if !ok {
            return Err(invalid("amount", "at most 4 decimals and no trailing zero"));
        }
    }
    Ok(())
}

impl Amount {
    /// The amount in minor units for a currency with `scale` decimals (`"1.5"`, 2 → 150).
    /// Fails when the amount has more decimals than `scale` or overflows `u64`.
    pub fn to_minor_units(&self, scale: u32) -> Result<u64, Error> {
        let (int, frac) = self.0.split_once('.').unwrap_or((&self.0, ""));
        if frac.len() > scale as usize {
            return Err(invalid("amount", "more decimals than the currency allows"));
        }
        let mut digits = String::with_capacity(int.len() + scale as usize);
        digits.push_str(int);
        digits.push_str(frac);
        for _ in frac.len()..scale as usize {
            digits.push('0');
        }
        digits
            .parse::<u64>()
            .map_err(|_| invalid("amount", "too large"))
    }

    /// Builds the canonical FSPIOP text for `minor` units with `scale` decimals (150, 2 → "1.5").
    pub fn from_minor_units(minor: u64, scale: u32) -> Result<Self, Error> {
        let s = minor.to_string();
        let scale = scale as usize;
        let text = if scale == 0 {
            s
        } else {
            let padded = format!("{s:0>width$}", width = scale + 1);
            let (int, frac) = padded.split_at(padded.len() - scale);
            let frac = frac.trim_end_matches('0');
            if frac.is_empty() {
                int.to_owned()
            } else {
                format!("{int}.{frac}")
            }
        };
        Self::try_from(text)
    }
}

/// An FSPIOP `DateTime`: `YYYY-MM-DDTHH:MM:SS.sss` then `Z` or `±hh:mm`, exactly 3 fractional digits.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct DateTime(String);
text_type!(DateTime, check_datetime);

fn check_datetime(s: &str) -> Result<(), Error> {
    let b = s.as_bytes();
    let shape = b.len() >= 24
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b'T'
        && b[13] == b':'
        && b[16] == b':'
        && b[19] == b'.'
        && [0..4, 5..7, 8..10, 11..13, 14..16, 17..19, 20..23]
            .into_iter()
            .all(|r| b[r].iter().all(u8::is_ascii_digit))
        && match &b[23..] {
            [b'Z'] => true,
            [sign, h1, h2, b':', m1, m2] => {
                (*sign == b'+' || *sign == b'-')
                    && [h1, h2, m1, m2].iter().all(|c| c.is_ascii_digit())
            }
            _ => false,
        };
    if !shape {
        return Err(invalid(
            "dateTime",
            "expected YYYY-MM-DDTHH:MM:SS.sssZ or ±hh:mm offset",
        ));
    }
    chrono::DateTime::parse_from_rfc3339(s)
        .map_err(|_| invalid("dateTime", "not a real date/time"))?;
    Ok(())
}

impl DateTime {
    /// The instant in UTC.
    pub fn to_utc(&self) -> chrono::DateTime<chrono::Utc> {
        // The text was checked by `check_datetime`, which parsed it with the same parser.
        chrono::DateTime::parse_from_rfc3339(&self.0)
            .map(|d| d.with_timezone(&chrono::Utc))
            .unwrap_or_default()
    }

    /// Formats a UTC instant as an FSPIOP DateTime (millisecond precision, `Z`).
    pub fn from_utc(t: chrono::DateTime<chrono::Utc>) -> Self {
        Self(t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
    }

    /// Now, as an FSPIOP DateTime.
    pub fn now() -> Self {
        Self::from_utc(chrono::Utc::now())
    }
}

/// An FSPIOP `CorrelationId`: a lower-case UUID (v1.1: versions 1-5; v2.0: also 6-7) or, on
/// v2.0, an upper-case ULID. Deserialization accepts the v2.0 union; [`CorrelationId::check_v1`]
/// narrows to the v1.1 pattern.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CorrelationId(String);
text_type!(CorrelationId, check_correlation_id);

fn uuid_version(s: &str) -> Option<u8> {
    let b = s.as_bytes();
    let hex = |c: &u8| c.is_ascii_digit() || (b'a'..=b'f').contains(c);
    let ok = b.len() == 36
        && b.iter().enumerate().all(|(i, c)| {
            if [8, 13, 18, 23].contains(&i) {
                *c == b'-'
            } else {
                hex(c)
            }
        })
        && matches!(b[19], b'8' | b'9' | b'a' | b'b');
    ok.then(|| b[14] - b'0').filter(|v| (1..=7).contains(v))
}

fn is_ulid(s: &str) -> bool {
    s.len() == 26
        && s.bytes().all(|c| {
            c.is_ascii_digit()
                || (c.is_ascii_uppercase() && !matches!(c, b'I' | b'L' | b'O' | b'U'))
        })
}

fn check_correlation_id(s: &str) -> Result<(), Error> {
    if uuid_version(s).is_some() || is_ulid(s) {
        Ok(())
    } else {
        Err(invalid(
            "correlationId",
            "expected a lower-case UUID or a ULID",
        ))
    }
}

impl CorrelationId {
    /// A new random (v4) id.
    pub fn new_v4() -> Self {
        Self(uuid::Uuid::new_v4().to_string())
    }

    /// Whether the id matches the v1.1 pattern (UUID versions 1-5 only).
    pub fn is_v1_compatible(&self) -> bool {
        uuid_version(&self.0).is_some_and(|v| v <= 5)
    }
}

/// An ISO 4217 currency code: one of the FSPIOP API definition's `Currency` enumeration, or
/// one of the ISO 4217 codes the wallet core knows (newer codes such as `MRU` or `SLE`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Currency(String);
text_type!(Currency, check_currency);

/// The `Currency` enumeration of the FSPIOP API definition (identical in 1.0, 1.1 and 2.0).
const FSPIOP_CURRENCIES: &[&str] = &[
    "AED", "AFN", "ALL", "AMD", "ANG", "AOA", "ARS", "AUD", "AWG", "AZN", "BAM", "BBD", "BDT",
    "BGN", "BHD", "BIF", "BMD", "BND", "BOB", "BRL", "BSD", "BTN", "BWP", "BYN", "BZD", "CAD",
    "CDF", "CHF", "CLP", "CNY", "COP", "CRC", "CUC", "CUP", "CVE", "CZK", "DJF", "DKK", "DOP",
    "DZD", "EGP", "ERN", "ETB", "EUR", "FJD", "FKP", "GBP", "GEL", "GGP", "GHS", "GIP", "GMD",
    "GNF", "GTQ", "GYD", "HKD", "HNL", "HRK", "HTG", "HUF", "IDR", "ILS", "IMP", "INR", "IQD",
    "IRR", "ISK", "JEP", "JMD", "JOD", "JPY", "KES", "KGS", "KHR", "KMF", "KPW", "KRW", "KWD",
    "KYD", "KZT", "LAK", "LBP", "LKR", "LRD", "LSL", "LYD", "MAD", "MDL", "MGA", "MKD", "MMK",
    "MNT", "MOP", "MRO", "MUR", "MVR", "MWK", "MXN", "MYR", "MZN", "NAD", "NGN", "NIO", "NOK",
    "NPR", "NZD", "OMR", "PAB", "PEN", "PGK", "PHP", "PKR", "PLN", "PYG", "QAR", "RON", "RSD",
    "RUB", "RWF", "SAR", "SBD", "SCR", "SDG", "SEK", "SGD", "SHP", "SLL", "SOS", "SPL", "SRD",
    "STD", "SVC", "SYP", "SZL", "THB", "TJS", "TMT", "TND", "TOP", "TRY", "TTD", "TVD", "TWD",
    "TZS", "UAH", "UGX", "USD", "UYU", "UZS", "VEF", "VND", "VUV", "WST", "XAF", "XCD", "XDR",
    "XOF", "XPF", "XTS", "XXX", "YER", "ZAR", "ZMW", "ZWD",
];

fn check_currency(s: &str) -> Result<(), Error> {
    if s.len() != 3 || !s.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(invalid("currency", "expected three upper-case letters"));
    }
    if FSPIOP_CURRENCIES.binary_search(&s).is_ok()
        || kipochi_core::money::Currency::from_alpha(s).is_some()
    {
        Ok(())
    } else {
        Err(invalid("currency", "not an ISO 4217 currency code"))
    }
}

impl Currency {
    /// Decimal places used for ILP amounts (sdk-standard-components `currency.json`; default 2,
    /// unknown codes that are not in the table use 2 as ISO 4217 does for most currencies).
    pub fn scale(&self) -> u32 {
        match self.0.as_str() {
            "UGX" | "RWF" | "XOF" | "XAF" | "JPY" | "KRW" | "BIF" | "CLP" | "DJF" | "GNF"
            | "KMF" | "PYG" | "VND" | "VUV" | "XPF" | "ISK" => 0,
            "BHD" | "IQD" | "JOD" | "KWD" | "LYD" | "OMR" | "TND" => 3,
            "XXX" | "XTS" | "CLF" | "UYW" => 4,
            _ => 2,
        }
    }
}

/// An FSP identifier (1..32 characters, printable, no whitespace).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct FspId(String);
text_type!(FspId, check_fsp_id);

fn check_fsp_id(s: &str) -> Result<(), Error> {
    if (1..=32).contains(&s.chars().count()) && s.chars().all(|c| c.is_ascii_graphic()) {
        Ok(())
    } else {
        Err(invalid("fspId", "expected 1-32 printable ASCII characters"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn currencies_are_iso_4217_codes() {
        assert!(FSPIOP_CURRENCIES.windows(2).all(|w| w[0] < w[1]), "sorted");
        for ok in ["USD", "TZS", "XTS", "MRU", "SLE"] {
            assert!(ok.parse::<Currency>().is_ok(), "{ok}");
        }
        for bad in ["POC", "ABC", "usd", "US", "USDX", ""] {
            assert!(bad.parse::<Currency>().is_err(), "{bad}");
        }
    }

    #[test]
    fn amounts_follow_the_fspiop_pattern() {
        for ok in [
            "0",
            "1",
            "100",
            "100.5",
            "0.0001",
            "123456789012345678.1234",
        ] {
            assert!(ok.parse::<Amount>().is_ok(), "{ok}");
        }
        for bad in [
            "",
            "00",
            "01",
            "100.50",
            "1.",
            ".5",
            "1.12345",
            "-1",
            "1e3",
            "1,5",
            "1234567890123456789",
        ] {
            assert!(bad.parse::<Amount>().is_err(), "{bad}");
        }
    }

    #[test]
    fn minor_units_are_exact() {
        let a: Amount = "100.5".parse().unwrap();
        assert_eq!(a.to_minor_units(2).unwrap(), 10050);
        assert!(a.to_minor_units(0).is_err());
        assert_eq!(
            Amount::from_minor_units(10050, 2).unwrap().as_str(),
            "100.5"
        );
        assert_eq!(Amount::from_minor_units(5, 2).unwrap().as_str(), "0.05");
        assert_eq!(Amount::from_minor_units(0, 2).unwrap().as_str(), "0");
        assert_eq!(Amount::from_minor_units(700, 0).unwrap().as_str(), "700");
    }

    #[test]
    fn datetimes_need_exactly_three_fraction_digits() {
        for ok in ["2030-01-01T00:00:00.000Z", "2017-11-15T14:17:09.663+01:00"] {
            assert!(ok.parse::<DateTime>().is_ok(), "{ok}");
        }
        for bad in [
            "2030-01-01T00:00:00Z",
            "2030-01-01T00:00:00.00Z",
            "2030-01-01T00:00:00.0000Z",
            "2030-13-01T00:00:00.000Z",
            "thursd",
        ] {
            assert!(bad.parse::<DateTime>().is_err(), "{bad}");
        }
        let d: DateTime = "2017-11-15T14:17:09.663+01:00".parse().unwrap();
        assert_eq!(
            DateTime::from_utc(d.to_utc()).as_str(),
            "2017-11-15T13:17:09.663Z"
        );
    }

    #[test]
    fn correlation_ids() {
        let v4: CorrelationId = "7f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d".parse().unwrap();
        assert!(v4.is_v1_compatible());
        let v7: CorrelationId = "01890a5d-ac96-774b-bcce-b302099a8057".parse().unwrap();
        assert!(!v7.is_v1_compatible());
        let ulid: CorrelationId = "01ARZ3NDEKTSV4RRFFQ69G5FAV".parse().unwrap();
        assert!(!ulid.is_v1_compatible());
        for bad in [
            "123124123",
            "7F1B2C3D-4E5F-4A6B-8C7D-9E0F1A2B3C4D",
            "7f1b2c3d-4e5f-4a6b-7c7d-9e0f1a2b3c4d",
        ] {
            assert!(bad.parse::<CorrelationId>().is_err(), "{bad}");
        }
    }
}
