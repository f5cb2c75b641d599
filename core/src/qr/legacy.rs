//! Read-only parsers for legacy payment QRs seen in the field: Mifos Pay `mpay://pay?...` and
//! UPI `upi://pay?...`, bare or Base64-wrapped (as Mifos Pay writes them). Neither format has
//! a checksum or signature: the payee must still be confirmed by party lookup.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE};

use super::DecodeError;
use super::intent::{PaymentIntent, Source};
use super::party::{PartyId, PartyIdType};
use crate::money::{Amount, Currency};

/// Longest legacy text accepted (characters); far above real URIs.
const MAX_LEGACY_CHARS: usize = 2048;

/// Parses `mpay://` / `upi://`, or Base64 of either.
pub(super) fn parse(text: &str) -> Result<PaymentIntent, DecodeError> {
    if text.len() > MAX_LEGACY_CHARS {
        return Err(DecodeError::PayloadTooLong {
            len: text.chars().count(),
            max: MAX_LEGACY_CHARS,
        });
    }
    if let Some(query) = strip_scheme(text, "mpay://pay") {
        return parse_mpay(query);
    }
    if let Some(query) = strip_scheme(text, "upi://pay") {
        return parse_upi(query);
    }
    if text.starts_with("mpay:") || text.starts_with("upi:") {
        return Err(DecodeError::NotEmv);
    }
    let decoded = STANDARD
        .decode(text)
        .or_else(|_| URL_SAFE.decode(text))
        .map_err(|_| DecodeError::NotEmv)?;
    let inner = String::from_utf8(decoded).map_err(|_| DecodeError::BadBase64)?;
    let inner = inner.trim();
    if let Some(query) = strip_scheme(inner, "mpay://pay") {
        parse_mpay(query)
    } else if let Some(query) = strip_scheme(inner, "upi://pay") {
        parse_upi(query)
    } else {
        Err(DecodeError::NotEmv)
    }
}

/// `scheme://pay?query` → `query` (scheme and host compared case-insensitively).
fn strip_scheme<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    if !head.eq_ignore_ascii_case(prefix) {
        return None;
    }
    let rest = &text[prefix.len()..];
    let rest = rest.strip_prefix('/').unwrap_or(rest);
    Some(rest.strip_prefix('?').unwrap_or(rest))
}

/// `k=v&k=v` pairs; the first occurrence of a key wins.
fn pairs(query: &str) -> Vec<(&str, &str)> {
    let mut out: Vec<(&str, &str)> = Vec::new();
    for part in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = part.split_once('=').unwrap_or((part, ""));
        if !out.iter().any(|(ok, _)| *ok == k) {
            out.push((k, v));
        }
    }
    out
}

fn get<'a>(pairs: &[(&'a str, &'a str)], key: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| *k == key)
        .map(|(_, v)| *v)
        .filter(|v| !v.is_empty())
}

/// Percent-decoding (`%20`, and `+` as a space, as in form encoding).
fn percent_decode(value: &str, name: &'static str) -> Result<String, DecodeError> {
    let bad = || DecodeError::BadParameter { name };
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = bytes.get(i + 1..i + 3).ok_or_else(bad)?;
                let hex = std::str::from_utf8(hex).map_err(|_| bad())?;
                out.push(u8::from_str_radix(hex, 16).map_err(|_| bad())?);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).map_err(|_| bad())
}

/// A positive amount; `None` for an absent or zero amount (the payer enters it).
fn amount(value: Option<&str>, currency: Option<Currency>) -> Result<Option<Amount>, DecodeError> {
    let Some(v) = value else { return Ok(None) };
    let bad = DecodeError::BadParameter { name: "am" };
    let a: Amount = v.parse().map_err(|_| DecodeError::AmountNotANumber)?;
    if a.is_negative() {
        return Err(bad);
    }
    if a.is_zero() {
        return Ok(None);
    }
    if let Some(c) = currency
        && a.normalized().scale() > c.minor_unit_exponent()
    {
        return Err(DecodeError::AmountTooPrecise);
    }
    Ok(Some(a))
}

fn currency(value: Option<&str>) -> Result<Option<Currency>, DecodeError> {
    value
        .map(|c| Currency::from_alpha(c).ok_or(DecodeError::BadParameter { name: "cu" }))
        .transpose()
}

/// Mifos Pay: `qt, fsp, ci, am, cn, an, ai, cu, oi, pi, ae`; no percent-encoding.
/// The payee is the account external id `ae` (what the Payment Hub resolves inter-bank), or the
/// account number `an` for older intra-bank codes.
fn parse_mpay(query: &str) -> Result<PaymentIntent, DecodeError> {
    let p = pairs(query);
    let identifier = get(&p, "ae")
        .or_else(|| get(&p, "an"))
        .ok_or(DecodeError::MissingParameter { name: "ae" })?;
    let currency = currency(get(&p, "cu"))?;
    Ok(PaymentIntent {
        source: Source::MifosPay,
        payee: PartyId::new(PartyIdType::AccountId, identifier),
        payee_fsp: get(&p, "fsp").map(str::to_string),
        amount: amount(get(&p, "am"), currency)?,
        currency,
        reference: None,
        terminal: None,
        dynamic: false,
        merchant_name_hint: get(&p, "cn").map(str::to_string),
        merchant_city_hint: None,
    })
}

/// UPI: `pa` (payee VPA, required), `pn`, `am`, `cu` (INR when absent), `tr`, `tid`, `tn`...
/// Values are percent-encoded. The VPA becomes an `ALIAS` party id.
fn parse_upi(query: &str) -> Result<PaymentIntent, DecodeError> {
    let p = pairs(query);
    let dec = |key: &'static str| get(&p, key).map(|v| percent_decode(v, key)).transpose();
    let pa = dec("pa")?.ok_or(DecodeError::MissingParameter { name: "pa" })?;
    if pa.trim().is_empty() {
        return Err(DecodeError::MissingParameter { name: "pa" });
    }
    let currency = match dec("cu")? {
        Some(c) => Some(Currency::from_alpha(&c).ok_or(DecodeError::BadParameter { name: "cu" })?),
        None => Currency::from_alpha("INR"),
    };
    let am = dec("am")?;
    let reference = dec("tr")?;
    Ok(PaymentIntent {
        source: Source::Upi,
        payee: PartyId::new(PartyIdType::Alias, pa),
        payee_fsp: None,
        amount: amount(am.as_deref(), currency)?,
        currency,
        dynamic: reference.is_some(),
        reference,
        terminal: dec("tid")?,
        merchant_name_hint: dec("pn")?,
        merchant_city_hint: None,
    })
}
