//! Money: exact decimal amounts and ISO 4217 currencies. Never floats.
//!
//! [`Amount`] is an exact decimal (`i128` mantissa + decimal scale). It keeps the scale it was
//! written with (`"10.00"` stays `"10.00"` when displayed) but compares by value
//! (`10.00 == 10`). Conversions to integer minor units and to the Mojaloop FSPIOP amount format
//! are exact or fail with a typed [`MoneyError`]; nothing is ever rounded silently.

mod currency;

pub use currency::Currency;

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

/// Largest number of decimal places an [`Amount`] may carry.
pub const MAX_SCALE: u32 = 18;

/// Largest number of digits (before plus after the point) an [`Amount`] may carry.
pub const MAX_DIGITS: usize = 36;

/// Mojaloop FSPIOP `Amount`: at most 18 integer digits and at most 4 decimals.
const MOJALOOP_MAX_INTEGER_DIGITS: usize = 18;
const MOJALOOP_MAX_DECIMALS: u32 = 4;

/// Everything that can go wrong with money values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MoneyError {
    /// The text is not a plain decimal number (`123`, `-4.50`); no exponent, sign `+` or spaces.
    #[error("amount is not a decimal number")]
    NotANumber,
    /// More than [`MAX_DIGITS`] digits or more than [`MAX_SCALE`] decimals.
    #[error("amount has too many digits")]
    TooManyDigits,
    /// Arithmetic overflowed the exact range.
    #[error("amount arithmetic overflow")]
    Overflow,
    /// The amount has more decimals than the currency's minor unit allows.
    #[error("amount has {decimals} decimals, {currency} allows {allowed}")]
    TooPrecise {
        /// Decimals the amount needs (after dropping trailing zeros).
        decimals: u32,
        /// Decimals the target allows.
        allowed: u32,
        /// Currency alpha code, or `"FSPIOP"` for the Mojaloop format.
        currency: &'static str,
    },
    /// The amount is negative where only non-negative values are allowed.
    #[error("amount is negative")]
    Negative,
    /// Unknown ISO 4217 currency code.
    #[error("unknown currency code")]
    UnknownCurrency,
}

/// An exact decimal amount: `mantissa × 10^-scale`.
///
/// Equality, ordering and hashing are by numeric value; display keeps the original scale.
#[derive(Clone, Copy)]
pub struct Amount {
    mantissa: i128,
    scale: u32,
}

impl Amount {
    /// Zero, with no decimals.
    pub const ZERO: Amount = Amount {
        mantissa: 0,
        scale: 0,
    };

    /// `mantissa × 10^-scale`; fails if `scale` exceeds [`MAX_SCALE`].
    pub fn new(mantissa: i128, scale: u32) -> Result<Self, MoneyError> {
        if scale > MAX_SCALE {
            return Err(MoneyError::TooManyDigits);
        }
        Ok(Amount { mantissa, scale })
    }

    /// An amount from integer minor units of `currency` (e.g. `1050` TZS cents → `10.50`).
    pub fn from_minor_units(units: i64, currency: Currency) -> Self {
        Amount {
            mantissa: i128::from(units),
            scale: currency.minor_unit_exponent(),
        }
    }

    /// The unscaled integer (`10.50` → `1050`).
    pub fn mantissa(&self) -> i128 {
        self.mantissa
    }

    /// Number of decimals as written (`10.50` → 2).
    pub fn scale(&self) -> u32 {
        self.scale
    }

    /// True when the value is zero.
    pub fn is_zero(&self) -> bool {
        self.mantissa == 0
    }

    /// True when the value is below zero.
    pub fn is_negative(&self) -> bool {
        self.mantissa < 0
    }

    /// The same value with trailing fractional zeros removed (`10.50` → `10.5`, `10.00` → `10`).
    pub fn normalized(&self) -> Amount {
        let (mut m, mut s) = (self.mantissa, self.scale);
        while s > 0 && m % 10 == 0 {
            m /= 10;
            s -= 1;
        }
        Amount {
            mantissa: m,
            scale: s,
        }
    }

    /// The same value written with exactly `scale` decimals; fails if that would drop digits.
    pub fn rescale(&self, scale: u32) -> Result<Amount, MoneyError> {
        if scale > MAX_SCALE {
            return Err(MoneyError::TooManyDigits);
        }
        let n = self.normalized();
        if n.scale > scale {
            return Err(MoneyError::TooPrecise {
                decimals: n.scale,
                allowed: scale,
                currency: "scale",
            });
        }
        let mantissa = n
            .mantissa
            .checked_mul(pow10(scale - n.scale)?)
            .ok_or(MoneyError::Overflow)?;
        Ok(Amount { mantissa, scale })
    }

    /// Exact sum.
    pub fn checked_add(&self, other: &Amount) -> Result<Amount, MoneyError> {
        let scale = self.scale.max(other.scale);
        let a = self.rescale(scale)?;
        let b = other.rescale(scale)?;
        let mantissa = a
            .mantissa
            .checked_add(b.mantissa)
            .ok_or(MoneyError::Overflow)?;
        Ok(Amount { mantissa, scale })
    }

    /// Exact difference.
    pub fn checked_sub(&self, other: &Amount) -> Result<Amount, MoneyError> {
        let neg = Amount {
            mantissa: other.mantissa.checked_neg().ok_or(MoneyError::Overflow)?,
            scale: other.scale,
        };
        self.checked_add(&neg)
    }

    /// Integer minor units of `currency` (`10.5` USD → `1050`); fails rather than round.
    pub fn to_minor_units(&self, currency: Currency) -> Result<i64, MoneyError> {
        let exp = currency.minor_unit_exponent();
        let r = self.rescale(exp).map_err(|e| match e {
            MoneyError::TooPrecise { decimals, .. } => MoneyError::TooPrecise {
                decimals,
                allowed: exp,
                currency: currency.alpha(),
            },
            other => other,
        })?;
        i64::try_from(r.mantissa).map_err(|_| MoneyError::Overflow)
    }

    /// The Mojaloop FSPIOP `Amount` string: non-negative, no trailing zeros, at most 4 decimals
    /// and 18 integer digits (`"10.00"` → `"10"`, `"2500.50"` → `"2500.5"`).
    pub fn to_mojaloop(&self) -> Result<String, MoneyError> {
        if self.is_negative() {
            return Err(MoneyError::Negative);
        }
        let n = self.normalized();
        if n.scale > MOJALOOP_MAX_DECIMALS {
            return Err(MoneyError::TooPrecise {
                decimals: n.scale,
                allowed: MOJALOOP_MAX_DECIMALS,
                currency: "FSPIOP",
            });
        }
        let text = n.to_string();
        let int_digits = text.split('.').next().map_or(0, str::len);
        if int_digits > MOJALOOP_MAX_INTEGER_DIGITS {
            return Err(MoneyError::TooManyDigits);
        }
        Ok(text)
    }

    /// Display with exactly the currency's minor-unit decimals (`10.5` USD → `"10.50"`).
    pub fn format_for(&self, currency: Currency) -> Result<String, MoneyError> {
        let exp = currency.minor_unit_exponent();
        let r = self.rescale(exp).map_err(|e| match e {
            MoneyError::TooPrecise { decimals, .. } => MoneyError::TooPrecise {
                decimals,
                allowed: exp,
                currency: currency.alpha(),
            },
            other => other,
        })?;
        Ok(r.to_string())
    }

    /// Compares two amounts by value without overflow: integer parts first, then the
    /// fractional parts at a common scale (both below 10^18, so scaling cannot overflow).
    fn cmp_value(&self, other: &Amount) -> Ordering {
        let split = |a: &Amount| {
            let p = 10i128.pow(a.scale);
            (a.mantissa / p, a.mantissa % p, a.scale)
        };
        let (ai, af, asc) = split(self);
        let (bi, bf, bsc) = split(other);
        let scale = asc.max(bsc);
        ai.cmp(&bi)
            .then_with(|| (af * 10i128.pow(scale - asc)).cmp(&(bf * 10i128.pow(scale - bsc))))
    }
}

fn pow10(exp: u32) -> Result<i128, MoneyError> {
    10i128.checked_pow(exp).ok_or(MoneyError::Overflow)
}

impl PartialEq for Amount {
    fn eq(&self, other: &Self) -> bool {
        self.cmp_value(other) == Ordering::Equal
    }
}

impl Eq for Amount {}

impl PartialOrd for Amount {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Amount {
    fn cmp(&self, other: &Self) -> Ordering {
        self.cmp_value(other)
    }
}

impl Hash for Amount {
    fn hash<H: Hasher>(&self, state: &mut H) {
        let n = self.normalized();
        n.mantissa.hash(state);
        n.scale.hash(state);
    }
}

impl fmt::Debug for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Amount({self})")
    }
}

impl fmt::Display for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let digits = self.mantissa.unsigned_abs().to_string();
        let sign = if self.mantissa < 0 { "-" } else { "" };
        let scale = self.scale as usize;
        if scale == 0 {
            return write!(f, "{sign}{digits}");
        }
        let padded = if digits.len() <= scale {
            format!("{}{digits}", "0".repeat(scale + 1 - digits.len()))
        } else {
            digits
        };
        let (int, frac) = padded.split_at(padded.len() - scale);
        write!(f, "{sign}{int}.{frac}")
    }
}

impl FromStr for Amount {
    type Err = MoneyError;

    /// Parses `[-]digits[.digits]` exactly (no exponent, no `+`, no spaces, no grouping).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let body = s.strip_prefix('-').unwrap_or(s);
        let negative = body.len() != s.len();
        let (int, frac) = match body.split_once('.') {
            Some((i, f)) => (i, f),
            None => (body, ""),
        };
        let has_point = body.contains('.');
        if int.is_empty()
            || (has_point && frac.is_empty())
            || !int.bytes().all(|b| b.is_ascii_digit())
            || !frac.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(MoneyError::NotANumber);
        }
        if int.len() + frac.len() > MAX_DIGITS || frac.len() > MAX_SCALE as usize {
            return Err(MoneyError::TooManyDigits);
        }
        let mut mantissa: i128 = 0;
        for b in int.bytes().chain(frac.bytes()) {
            mantissa = mantissa
                .checked_mul(10)
                .and_then(|m| m.checked_add(i128::from(b - b'0')))
                .ok_or(MoneyError::TooManyDigits)?;
        }
        if negative {
            mantissa = -mantissa;
        }
        Ok(Amount {
            mantissa,
            scale: frac.len() as u32,
        })
    }
}

/// An amount in a currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Money {
    /// The exact amount.
    pub amount: Amount,
    /// Its currency.
    pub currency: Currency,
}

impl Money {
    /// Money from integer minor units (`1050`, USD → 10.50 USD).
    pub fn from_minor_units(units: i64, currency: Currency) -> Self {
        Money {
            amount: Amount::from_minor_units(units, currency),
            currency,
        }
    }

    /// Integer minor units; fails if the amount is finer than the currency's minor unit.
    pub fn to_minor_units(&self) -> Result<i64, MoneyError> {
        self.amount.to_minor_units(self.currency)
    }

    /// The Mojaloop `Money` pair: (`amount` string, alpha `currency`).
    pub fn to_mojaloop(&self) -> Result<(String, &'static str), MoneyError> {
        Ok((self.amount.to_mojaloop()?, self.currency.alpha()))
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.amount.format_for(self.currency) {
            Ok(s) => write!(f, "{s} {}", self.currency.alpha()),
            Err(_) => write!(f, "{} {}", self.amount, self.currency.alpha()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn amt(s: &str) -> Amount {
        s.parse().unwrap()
    }

    #[test]
    fn parses_and_displays_exactly() {
        for s in [
            "0",
            "10",
            "10.00",
            "0.05",
            "-3.5",
            "123456789012345678.1234",
        ] {
            assert_eq!(amt(s).to_string(), s);
        }
        assert_eq!(Amount::new(5, 3).unwrap().to_string(), "0.005");
        assert_eq!(Amount::new(-5, 1).unwrap().to_string(), "-0.5");
    }

    #[test]
    fn rejects_non_numbers() {
        for s in [
            "", "-", ".5", "5.", "1e3", "+1", " 1", "1,000", "1.2.3", "abc", "١٢",
        ] {
            assert_eq!(s.parse::<Amount>(), Err(MoneyError::NotANumber), "{s}");
        }
        assert_eq!(
            "1".repeat(40).parse::<Amount>(),
            Err(MoneyError::TooManyDigits)
        );
        assert_eq!(
            format!("0.{}", "1".repeat(19)).parse::<Amount>(),
            Err(MoneyError::TooManyDigits)
        );
    }

    #[test]
    fn compares_by_value() {
        assert_eq!(amt("10.00"), amt("10"));
        assert!(amt("10.01") > amt("10"));
        assert!(amt("-1") < amt("0.00"));
        let big = Amount::new(i128::MAX, 0).unwrap();
        assert!(big > amt("0.000000000000000001"));
        assert!(amt("-0.000000000000000001") > Amount::new(i128::MIN, 0).unwrap());
        use std::collections::HashSet;
        let set: HashSet<Amount> = [amt("1.50"), amt("1.5")].into_iter().collect();
        assert_eq!(set.len(), 1);
    }

    #[test]
    fn mojaloop_format_has_no_trailing_zeros() {
        assert_eq!(amt("10.00").to_mojaloop().unwrap(), "10");
        assert_eq!(amt("2500.00").to_mojaloop().unwrap(), "2500");
        assert_eq!(amt("2500.50").to_mojaloop().unwrap(), "2500.5");
        assert_eq!(amt("0.0001").to_mojaloop().unwrap(), "0.0001");
        assert_eq!(amt("0.00").to_mojaloop().unwrap(), "0");
        assert!(matches!(
            amt("0.00001").to_mojaloop(),
            Err(MoneyError::TooPrecise { .. })
        ));
        assert_eq!(amt("-1").to_mojaloop(), Err(MoneyError::Negative));
        assert_eq!(
            amt("1234567890123456789").to_mojaloop(),
            Err(MoneyError::TooManyDigits)
        );
        assert_eq!(amt("123456789012345678").to_mojaloop().unwrap().len(), 18);
    }

    #[test]
    fn minor_units_round_trip_exactly() {
        let usd = Currency::from_alpha("USD").unwrap();
        let ugx = Currency::from_alpha("UGX").unwrap();
        let kwd = Currency::from_alpha("KWD").unwrap();
        assert_eq!(amt("10.5").to_minor_units(usd), Ok(1050));
        assert_eq!(amt("7").to_minor_units(ugx), Ok(7));
        assert_eq!(amt("1.234").to_minor_units(kwd), Ok(1234));
        assert!(matches!(
            amt("10.005").to_minor_units(usd),
            Err(MoneyError::TooPrecise {
                decimals: 3,
                allowed: 2,
                currency: "USD"
            })
        ));
        assert!(amt("0.5").to_minor_units(ugx).is_err());
        assert_eq!(
            amt("99999999999999999999").to_minor_units(usd),
            Err(MoneyError::Overflow)
        );
        let m = Money::from_minor_units(250000, Currency::from_alpha("TZS").unwrap());
        assert_eq!(m.to_string(), "2500.00 TZS");
        assert_eq!(m.to_minor_units(), Ok(250000));
        assert_eq!(m.to_mojaloop().unwrap(), ("2500".to_string(), "TZS"));
    }

    #[test]
    fn arithmetic_is_exact() {
        assert_eq!(amt("0.1").checked_add(&amt("0.2")).unwrap(), amt("0.3"));
        assert_eq!(amt("10").checked_sub(&amt("0.01")).unwrap(), amt("9.99"));
        let max = Amount::new(i128::MAX, 0).unwrap();
        assert_eq!(max.checked_add(&amt("1")), Err(MoneyError::Overflow));
        assert_eq!(
            amt("1").format_for(Currency::from_alpha("USD").unwrap()),
            Ok("1.00".into())
        );
    }
}
