//! Turning a wallet's payment request into what to pay: payee alias, amount, reference.

use kipochi_core::api::{CreatePaymentRequest, PaymentTarget};
use kipochi_core::qr::parse_payment_qr;

use super::terms::parse_amount;
use crate::accounts::{Alias, AliasType, TransactionType};
use crate::error::{Error, Result};

/// A payment request checked against the amount rules, not yet resolved to an account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    pub alias: Alias,
    pub amount_minor: i64,
    pub transaction_type: TransactionType,
    /// Merchant reference of a dynamic QR.
    pub reference: Option<String>,
    /// True when the QR is for one sale (amountType RECEIVE at the switch).
    pub dynamic: bool,
    pub is_qr: bool,
}

/// Applies the amount rules: P2P and static QRs need `amount`; a QR carrying an amount must not
/// be contradicted; the currency (request or QR) must be this hub's `currency`.
pub fn target(req: &CreatePaymentRequest, currency: &str) -> Result<Target> {
    if let Some(c) = &req.currency
        && c != currency
    {
        return Err(Error::InvalidRequest(format!(
            "this wallet pays in {currency} only"
        )));
    }
    let requested = req
        .amount
        .as_deref()
        .map(|a| parse_amount(a, currency))
        .transpose()?;
    match &req.target {
        PaymentTarget::Phone { phone } => {
            crate::auth::validate_phone(phone)?;
            Ok(Target {
                alias: Alias {
                    kind: AliasType::Msisdn,
                    value: phone.clone(),
                },
                amount_minor: requested
                    .ok_or_else(|| Error::InvalidRequest("amount is required".into()))?,
                transaction_type: TransactionType::Transfer,
                reference: None,
                dynamic: false,
                is_qr: false,
            })
        }
        PaymentTarget::Qr { payload } => {
            let intent = parse_payment_qr(payload)
                .map_err(|e| Error::InvalidRequest(format!("unreadable payment QR: {e}")))?;
            if let Some(c) = intent.currency
                && c.alpha() != currency
            {
                return Err(Error::InvalidRequest(format!(
                    "this QR asks for {}, this wallet pays in {currency}",
                    c.alpha()
                )));
            }
            let kind = AliasType::from_code(intent.payee.id_type.as_str()).ok_or_else(|| {
                Error::InvalidRequest("this QR names a payee type the hub cannot pay".into())
            })?;
            let qr_amount = intent
                .amount
                .map(|a| {
                    a.to_minor_units(super::terms::currency(currency)?)
                        .map_err(|e| Error::InvalidRequest(format!("QR amount: {e}")))
                })
                .transpose()?;
            let amount_minor = match (qr_amount, requested) {
                (Some(q), Some(r)) if q != r => {
                    return Err(Error::InvalidRequest(
                        "amount differs from the QR's amount".into(),
                    ));
                }
                (Some(q), _) if q <= 0 => {
                    return Err(Error::InvalidRequest("QR amount must be positive".into()));
                }
                (Some(q), _) => q,
                (None, Some(r)) => r,
                (None, None) => {
                    return Err(Error::InvalidRequest("amount is required".into()));
                }
            };
            Ok(Target {
                alias: Alias {
                    kind,
                    value: intent.payee.identifier.clone(),
                },
                amount_minor,
                transaction_type: match kind {
                    AliasType::Msisdn => TransactionType::Transfer,
                    _ => TransactionType::Payment,
                },
                reference: intent.reference.clone(),
                dynamic: intent.dynamic,
                is_qr: true,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kipochi_core::money::{Amount, Currency};
    use kipochi_core::qr::{MerchantQr, PartyId, PartyIdType};

    fn req(target: PaymentTarget, amount: Option<&str>) -> CreatePaymentRequest {
        CreatePaymentRequest {
            payment_id: "p".into(),
            target,
            amount: amount.map(str::to_string),
            currency: None,
            note: None,
        }
    }

    fn till_qr(amount: Option<&str>) -> String {
        let payee = PartyId {
            id_type: PartyIdType::Business,
            identifier: "123456".into(),
            sub_id: None,
        };
        let tzs = Currency::from_alpha("TZS").unwrap();
        let qr = MerchantQr::kipochi(&payee, "5411", tzs, "TZ", "Mama Ntilie", "Dar");
        match amount {
            Some(a) => qr.for_payment(a.parse::<Amount>().unwrap(), Some("INV-7"), None),
            None => qr,
        }
        .encode()
        .unwrap()
    }

    #[test]
    fn phone_needs_an_amount_and_a_valid_number() {
        let phone = || PaymentTarget::Phone {
            phone: "255712000002".into(),
        };
        let t = target(&req(phone(), Some("15.5")), "TZS").unwrap();
        assert_eq!(t.amount_minor, 1550);
        assert_eq!(t.alias.kind, AliasType::Msisdn);
        assert!(target(&req(phone(), None), "TZS").is_err());
        let bad = PaymentTarget::Phone {
            phone: "12ab".into(),
        };
        assert!(target(&req(bad, Some("1")), "TZS").is_err());
        let mut other_currency = req(phone(), Some("1"));
        other_currency.currency = Some("KES".into());
        assert!(target(&other_currency, "TZS").is_err());
    }

    #[test]
    fn qr_amount_rules() {
        let stat = PaymentTarget::Qr {
            payload: till_qr(None),
        };
        let t = target(&req(stat.clone(), Some("100")), "TZS").unwrap();
        assert_eq!(
            (t.alias.kind, t.alias.value.as_str()),
            (AliasType::Business, "123456")
        );
        assert_eq!(t.transaction_type, TransactionType::Payment);
        assert!(target(&req(stat, None), "TZS").is_err());
        let fixed = PaymentTarget::Qr {
            payload: till_qr(Some("250")),
        };
        assert_eq!(
            target(&req(fixed.clone(), None), "TZS")
                .unwrap()
                .amount_minor,
            25_000
        );
        assert_eq!(
            target(&req(fixed.clone(), Some("250.00")), "TZS")
                .unwrap()
                .amount_minor,
            25_000
        );
        assert!(target(&req(fixed.clone(), Some("251")), "TZS").is_err());
        assert!(target(&req(fixed, Some("250")), "KES").is_err());
        let junk = PaymentTarget::Qr {
            payload: "hello".into(),
        };
        assert!(target(&req(junk, Some("1")), "TZS").is_err());
    }
}
