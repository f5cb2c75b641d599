//! ISO 4217 currencies: alpha code ↔ numeric code ↔ minor-unit exponent.

use std::fmt;

/// One ISO 4217 currency from the built-in table.
///
/// Only currencies in the table can be constructed, so every `Currency` has a valid alpha
/// code, numeric code and minor-unit exponent.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Currency(&'static Entry);

#[derive(PartialEq, Eq, Hash)]
struct Entry {
    alpha: &'static str,
    numeric: u16,
    exponent: u32,
}

const fn e(alpha: &'static str, numeric: u16, exponent: u32) -> Entry {
    Entry {
        alpha,
        numeric,
        exponent,
    }
}

/// All of Africa's currencies plus the main currencies of trade and remittance corridors.
static TABLE: &[Entry] = &[
    // East Africa
    e("KES", 404, 2),
    e("TZS", 834, 2),
    e("UGX", 800, 0),
    e("RWF", 646, 0),
    e("BIF", 108, 0),
    e("SSP", 728, 2),
    e("ETB", 230, 2),
    e("SOS", 706, 2),
    e("DJF", 262, 0),
    e("ERN", 232, 2),
    e("SDG", 938, 2),
    // West and Central Africa
    e("XOF", 952, 0),
    e("XAF", 950, 0),
    e("NGN", 566, 2),
    e("GHS", 936, 2),
    e("GMD", 270, 2),
    e("GNF", 324, 0),
    e("SLE", 925, 2),
    e("LRD", 430, 2),
    e("CVE", 132, 2),
    e("MRU", 929, 2),
    e("STN", 930, 2),
    e("CDF", 976, 2),
    // Southern Africa and Indian Ocean
    e("ZAR", 710, 2),
    e("ZMW", 967, 2),
    e("MWK", 454, 2),
    e("MZN", 943, 2),
    e("BWP", 72, 2),
    e("NAD", 516, 2),
    e("LSL", 426, 2),
    e("SZL", 748, 2),
    e("ZWG", 924, 2),
    e("AOA", 973, 2),
    e("MGA", 969, 2),
    e("MUR", 480, 2),
    e("SCR", 690, 2),
    e("KMF", 174, 0),
    // North Africa and Middle East
    e("EGP", 818, 2),
    e("MAD", 504, 2),
    e("DZD", 12, 2),
    e("TND", 788, 3),
    e("LYD", 434, 3),
    e("AED", 784, 2),
    e("SAR", 682, 2),
    e("KWD", 414, 3),
    e("BHD", 48, 3),
    e("OMR", 512, 3),
    e("JOD", 400, 3),
    e("IQD", 368, 3),
    e("ILS", 376, 2),
    e("TRY", 949, 2),
    // Asia and Pacific
    e("INR", 356, 2),
    e("PKR", 586, 2),
    e("BDT", 50, 2),
    e("LKR", 144, 2),
    e("NPR", 524, 2),
    e("CNY", 156, 2),
    e("HKD", 344, 2),
    e("JPY", 392, 0),
    e("KRW", 410, 0),
    e("SGD", 702, 2),
    e("MYR", 458, 2),
    e("THB", 764, 2),
    e("IDR", 360, 2),
    e("PHP", 608, 2),
    e("VND", 704, 0),
    e("KHR", 116, 2),
    e("LAK", 418, 2),
    e("MMK", 104, 2),
    e("AUD", 36, 2),
    e("NZD", 554, 2),
    // Europe
    e("EUR", 978, 2),
    e("GBP", 826, 2),
    e("CHF", 756, 2),
    e("SEK", 752, 2),
    e("NOK", 578, 2),
    e("DKK", 208, 2),
    e("PLN", 985, 2),
    // Americas
    e("USD", 840, 2),
    e("CAD", 124, 2),
    e("MXN", 484, 2),
    e("BRL", 986, 2),
    e("ARS", 32, 2),
    e("COP", 170, 2),
    e("PEN", 604, 2),
    e("CLP", 152, 0),
    e("CLF", 990, 4),
    e("UYU", 858, 2),
    e("HTG", 332, 2),
];

impl Currency {
    /// Looks up an alpha code (`"TZS"`); exact upper-case match.
    pub fn from_alpha(alpha: &str) -> Option<Currency> {
        TABLE.iter().find(|c| c.alpha == alpha).map(Currency)
    }

    /// Looks up a numeric code (`834`).
    pub fn from_numeric(numeric: u16) -> Option<Currency> {
        TABLE.iter().find(|c| c.numeric == numeric).map(Currency)
    }

    /// Looks up a 3-digit numeric code as written in EMV tag 53 (`"834"`).
    pub fn from_numeric_str(code: &str) -> Option<Currency> {
        if code.len() != 3 || !code.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        code.parse().ok().and_then(Currency::from_numeric)
    }

    /// The alpha code (`"TZS"`), as Mojaloop carries it.
    pub fn alpha(&self) -> &'static str {
        self.0.alpha
    }

    /// The numeric code (`834`).
    pub fn numeric(&self) -> u16 {
        self.0.numeric
    }

    /// The numeric code as 3 digits with leading zeros (`"072"`), as EMV tag 53 carries it.
    pub fn numeric_str(&self) -> String {
        format!("{:03}", self.0.numeric)
    }

    /// Decimals of the minor unit (USD 2, UGX 0, KWD 3).
    pub fn minor_unit_exponent(&self) -> u32 {
        self.0.exponent
    }

    /// Every currency in the table.
    pub fn all() -> impl Iterator<Item = Currency> {
        TABLE.iter().map(Currency)
    }
}

impl fmt::Debug for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Currency({})", self.0.alpha)
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0.alpha)
    }
}

impl std::str::FromStr for Currency {
    type Err = super::MoneyError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Currency::from_alpha(s).ok_or(super::MoneyError::UnknownCurrency)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn table_is_consistent() {
        let mut alphas = HashSet::new();
        let mut numerics = HashSet::new();
        for c in Currency::all() {
            assert!(alphas.insert(c.alpha()), "duplicate {}", c.alpha());
            assert!(numerics.insert(c.numeric()), "duplicate {}", c.numeric());
            assert_eq!(c.alpha().len(), 3);
            assert!(c.alpha().bytes().all(|b| b.is_ascii_uppercase()));
            assert!(c.numeric() < 1000 && c.minor_unit_exponent() <= 4);
            assert_eq!(Currency::from_numeric(c.numeric()), Some(c));
            assert_eq!(Currency::from_numeric_str(&c.numeric_str()), Some(c));
        }
    }

    #[test]
    fn known_codes() {
        let tzs = Currency::from_numeric_str("834").unwrap();
        assert_eq!((tzs.alpha(), tzs.minor_unit_exponent()), ("TZS", 2));
        assert_eq!(
            Currency::from_alpha("UGX").unwrap().minor_unit_exponent(),
            0
        );
        assert_eq!(Currency::from_alpha("BWP").unwrap().numeric_str(), "072");
        assert_eq!(Currency::from_numeric_str("986").unwrap().alpha(), "BRL");
        assert_eq!(Currency::from_numeric_str("156").unwrap().alpha(), "CNY");
        assert_eq!(Currency::from_numeric_str("999"), None);
        assert_eq!(Currency::from_numeric_str("84"), None);
        assert_eq!(Currency::from_numeric_str("+84"), None);
        assert_eq!(Currency::from_alpha("tzs"), None);
        assert_eq!("XOF".parse::<Currency>().unwrap().numeric(), 952);
    }
}
