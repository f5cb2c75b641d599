//! Wire views of a stored payment: amounts as Mojaloop strings, the quote the wallet sees and the
//! approval terms rebuilt from the stored payment (never from the request).

use kipochi_core::api::{ApiError, Payee, Payment, Quote};
use kipochi_core::approval::ApprovalTerms;
use kipochi_core::money::{Amount, Currency, Money};

use crate::error::{Error, Result};
use crate::payments::PaymentRecord;

/// The core currency for an ISO 4217 alpha code.
pub fn currency(code: &str) -> Result<Currency> {
    Currency::from_alpha(code)
        .ok_or_else(|| Error::InvalidRequest(format!("unknown currency {code:?}")))
}

/// `minor` units of `code` as the exact Mojaloop amount text (`1050` TZS → `"1050"`).
pub fn amount_text(minor: i64, code: &str) -> Result<String> {
    let money = Money::from_minor_units(minor, currency(code)?);
    money
        .to_mojaloop()
        .map(|(text, _)| text)
        .map_err(|_| Error::Internal("amount not representable".into()))
}

/// Parses a positive decimal amount into minor units of `code`, refusing extra precision.
pub fn parse_amount(text: &str, code: &str) -> Result<i64> {
    let amount: Amount = text
        .parse()
        .map_err(|_| Error::InvalidRequest("amount is not a decimal number".into()))?;
    let minor = amount
        .to_minor_units(currency(code)?)
        .map_err(|e| Error::InvalidRequest(format!("amount: {e}")))?;
    if minor <= 0 {
        return Err(Error::InvalidRequest("amount must be positive".into()));
    }
    Ok(minor)
}

fn payee(p: &PaymentRecord) -> Payee {
    Payee {
        id_type: p.counterparty.id_type.clone(),
        id: p.counterparty.id.clone(),
        name: p.counterparty.name.clone(),
        fsp_id: p.counterparty.fsp_id.clone(),
    }
}

/// The quote of a quoted payment, as returned to the wallet.
pub fn quote(p: &PaymentRecord) -> Result<Quote> {
    let (Some(expiry), Some(nonce)) = (p.quote_expiry, p.nonce.clone()) else {
        return Err(Error::Internal("payment has no quote".into()));
    };
    Ok(Quote {
        payment_id: p.id.clone(),
        payee: payee(p),
        amount: amount_text(p.amount_minor, &p.currency)?,
        currency: p.currency.clone(),
        fee: amount_text(p.fee_minor, &p.currency)?,
        total: amount_text(total(p)?, &p.currency)?,
        expiry,
        nonce,
    })
}

fn total(p: &PaymentRecord) -> Result<i64> {
    p.amount_minor
        .checked_add(p.fee_minor)
        .ok_or_else(|| Error::Internal("total overflows".into()))
}

/// The approval terms of the stored quote for `device_id`: what the device must have signed.
/// Built by the same core function the wallet uses, from the STORED quote.
pub fn approval_terms(p: &PaymentRecord, device_id: &str) -> Result<ApprovalTerms> {
    Ok(quote(p)?.approval_terms(device_id))
}

/// The wallet's view of a payment.
pub fn payment(p: &PaymentRecord) -> Result<Payment> {
    Ok(Payment {
        payment_id: p.id.clone(),
        direction: p.direction,
        state: p.state,
        counterparty: payee(p),
        amount: amount_text(p.amount_minor, &p.currency)?,
        fee: amount_text(p.fee_minor, &p.currency)?,
        currency: p.currency.clone(),
        reference: p.reference.clone(),
        created_at: p.created_at,
        updated_at: p.updated_at,
        error: p.error_code.as_ref().map(|code| ApiError {
            code: code.clone(),
            message: p.error_message.clone().unwrap_or_default(),
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_round_trip_exactly() {
        assert_eq!(amount_text(1050, "USD").unwrap(), "10.5");
        assert_eq!(amount_text(1000, "JPY").unwrap(), "1000");
        assert_eq!(parse_amount("10.50", "USD").unwrap(), 1050);
        assert_eq!(parse_amount("2500", "JPY").unwrap(), 2500);
        for bad in ["0", "-1", "1.001", "abc", "", "1e3"] {
            assert!(parse_amount(bad, "USD").is_err(), "{bad}");
        }
        assert!(parse_amount("10.5", "JPY").is_err());
    }
}
