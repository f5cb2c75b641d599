//! Exact conversion between Fineract's decimal amounts and the hub's integer minor units.
//!
//! Fineract serialises `BigDecimal`s with Gson, i.e. `BigDecimal.toString()`: usually plain
//! (`1000.500000`, six decimals for savings balances), but scientific for some scales (`0E-7`,
//! `1.5E+3`). Both are accepted here. A value that is not a whole number of minor units of the
//! currency (e.g. `0.001` TZS) is refused, never rounded. No floats are involved.

use super::FineractError;

/// Parses Fineract's decimal text into minor units of a currency with `exponent` decimals.
pub fn to_minor(text: &str, exponent: u32) -> Result<i64, FineractError> {
    let bad = || FineractError::Decode(format!("not an exact amount: {text:?}"));
    let text = text.trim();
    let (negative, body) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let (mantissa_text, exp) = match body.find(['e', 'E']) {
        Some(i) => (&body[..i], body[i + 1..].parse::<i32>().map_err(|_| bad())?),
        None => (body, 0),
    };
    let (int_part, frac_part) = match mantissa_text.split_once('.') {
        Some((i, f)) => (i, f),
        None => (mantissa_text, ""),
    };
    if int_part.is_empty() && frac_part.is_empty()
        || !int_part.bytes().all(|b| b.is_ascii_digit())
        || !frac_part.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(bad());
    }
    // digits = int_part ++ frac_part, value = digits * 10^(exp - len(frac)).
    let mut digits: String = format!("{int_part}{frac_part}");
    let shift = i64::from(exp) - frac_part.len() as i64 + i64::from(exponent);
    if shift >= 0 {
        if shift > 30 {
            return Err(bad());
        }
        digits.extend(std::iter::repeat_n('0', shift as usize));
    } else {
        let cut = usize::try_from(-shift).map_err(|_| bad())?;
        if cut >= digits.len() {
            if digits.bytes().any(|b| b != b'0') {
                return Err(bad());
            }
            digits = "0".into();
        } else {
            let (keep, dropped) = digits.split_at(digits.len() - cut);
            if dropped.bytes().any(|b| b != b'0') {
                return Err(bad());
            }
            digits = keep.to_owned();
        }
    }
    let trimmed = digits.trim_start_matches('0');
    if trimmed.len() > 19 {
        return Err(bad());
    }
    let value: i64 = if trimmed.is_empty() {
        0
    } else {
        trimmed.parse().map_err(|_| bad())?
    };
    Ok(if negative { -value } else { value })
}

/// Writes minor units as a plain decimal with exactly `exponent` decimals (`12345`, 2 → `123.45`).
pub fn from_minor(minor: i64, exponent: u32) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let digits = minor.unsigned_abs().to_string();
    let exponent = exponent as usize;
    if exponent == 0 {
        return format!("{sign}{digits}");
    }
    let padded = format!("{digits:0>width$}", width = exponent + 1);
    let (int, frac) = padded.split_at(padded.len() - exponent);
    format!("{sign}{int}.{frac}")
}

/// The number of decimals of an ISO 4217 currency (2 when the code is not in the table).
pub fn exponent_of(code: &str) -> u32 {
    kipochi_core::money::Currency::from_alpha(code)
        .map(|c| c.minor_unit_exponent())
        .unwrap_or(2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_and_scientific_forms_are_exact() {
        assert_eq!(to_minor("1000.500000", 2).unwrap(), 100_050);
        assert_eq!(to_minor("1000", 2).unwrap(), 100_000);
        assert_eq!(to_minor("0E-7", 2).unwrap(), 0);
        assert_eq!(to_minor("1.5E+3", 2).unwrap(), 150_000);
        assert_eq!(to_minor("-12.3", 2).unwrap(), -1_230);
        assert_eq!(to_minor(".5", 2).unwrap(), 50);
        assert_eq!(to_minor("7", 0).unwrap(), 7);
    }

    #[test]
    fn inexact_or_malformed_values_are_refused() {
        for bad in [
            "0.001",
            "1.005",
            "",
            ".",
            "1,5",
            "abc",
            "1e",
            "NaN",
            "99999999999999999999",
        ] {
            assert!(to_minor(bad, 2).is_err(), "{bad}");
        }
        assert!(to_minor("0.5", 0).is_err());
    }

    #[test]
    fn formatting_round_trips() {
        assert_eq!(from_minor(12_345, 2), "123.45");
        assert_eq!(from_minor(5, 2), "0.05");
        assert_eq!(from_minor(-5, 3), "-0.005");
        assert_eq!(from_minor(700, 0), "700");
        for v in [0, 1, 99, 100, 123_456_789, -42] {
            assert_eq!(to_minor(&from_minor(v, 2), 2).unwrap(), v);
        }
    }
}
