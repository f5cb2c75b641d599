//! [`PaymentIntent`]: what a payer's wallet needs from any scanned payment QR, and the
//! Kipochi merchant account template that carries the payee in EMVCo payloads.

use super::emv::{AdditionalData, Initiation, MerchantAccount, MerchantQr};
use super::party::{PartyId, PartyIdType};
use super::tlv::DataObject;
use super::{DecodeError, legacy};
use crate::money::{Amount, Currency};

/// Globally unique identifier (sub-tag `00`) of Kipochi's merchant account template.
///
/// A reverse domain name, as EMVCo allows. The template's other sub-tags follow the Mojaloop
/// merchant registry layout: `01` party id type (FSPIOP name), `02` party identifier, and
/// Kipochi's optional `03` party sub-id.
pub const KIPOCHI_GUID: &str = "org.kipochi";

/// The merchant account tag Kipochi writes its template into (the first dynamic slot).
pub const KIPOCHI_TEMPLATE_TAG: u8 = 26;

/// Which format a [`PaymentIntent`] was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Source {
    /// EMVCo merchant-presented QR (CRC verified).
    Emv,
    /// Mifos Pay `mpay://pay?...` (legacy; unauthenticated).
    MifosPay,
    /// UPI `upi://pay?...` (legacy; unauthenticated).
    Upi,
}

/// A request to pay, read from a QR. Everything here is a claim by whoever printed the QR.
///
/// `merchant_name_hint` / `merchant_city_hint` are display hints only: the payee name shown to
/// the payer must come from the party lookup (`GET /parties`), never from the QR.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PaymentIntent {
    /// The format it came from.
    pub source: Source,
    /// Who to pay; resolved by party lookup.
    pub payee: PartyId,
    /// The payee's FSP, when the QR names it (Mifos Pay `fsp`).
    pub payee_fsp: Option<String>,
    /// Exact amount, or `None` when the payer enters it.
    pub amount: Option<Amount>,
    /// Currency; `None` only for legacy QRs that carry none.
    pub currency: Option<Currency>,
    /// Reference label (EMV `62/05`, UPI `tr`), for reconciliation.
    pub reference: Option<String>,
    /// Terminal / till label (EMV `62/07`, UPI `tid`).
    pub terminal: Option<String>,
    /// True for a one-payment QR (EMV `01=12`; UPI with a `tr` reference).
    pub dynamic: bool,
    /// Merchant name printed in the QR. Display hint only.
    pub merchant_name_hint: Option<String>,
    /// Merchant city printed in the QR. Display hint only.
    pub merchant_city_hint: Option<String>,
}

/// Reads any supported payment QR text: EMVCo (`0002…`, CRC checked), then the legacy
/// `mpay://` and `upi://` URIs, bare or Base64-wrapped as Mifos Pay writes them.
pub fn parse_payment_qr(text: &str) -> Result<PaymentIntent, DecodeError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(DecodeError::Empty);
    }
    if text.starts_with("0002") {
        return MerchantQr::decode(text)?.payment_intent();
    }
    legacy::parse(text)
}

fn kipochi_payee(account: &MerchantAccount) -> Result<PartyId, DecodeError> {
    let bad = || DecodeError::BadPayee { tag: account.tag() };
    let id_type = account
        .field(1)
        .and_then(PartyIdType::from_fspiop)
        .ok_or_else(bad)?;
    let identifier = account.field(2).ok_or_else(bad)?.to_string();
    Ok(PartyId {
        id_type,
        identifier,
        sub_id: account.field(3).map(str::to_string),
    })
}

impl MerchantQr {
    /// A Kipochi QR paying `payee`. `name` and `city` are cut to 25 and 15 characters (EMV
    /// limits); they are display hints only. Static unless an amount or reference is added.
    pub fn kipochi(
        payee: &PartyId,
        mcc: &str,
        currency: Currency,
        country: &str,
        name: &str,
        city: &str,
    ) -> MerchantQr {
        let mut fields = vec![
            DataObject::new(1, payee.id_type.as_str()),
            DataObject::new(2, payee.identifier.clone()),
        ];
        if let Some(sub) = &payee.sub_id {
            fields.push(DataObject::new(3, sub.clone()));
        }
        MerchantQr {
            initiation: Some(Initiation::Static),
            accounts: vec![MerchantAccount::Template {
                tag: KIPOCHI_TEMPLATE_TAG,
                guid: KIPOCHI_GUID.to_string(),
                fields,
            }],
            mcc: mcc.to_string(),
            currency,
            amount: None,
            country: country.to_string(),
            name: name.chars().take(25).collect(),
            city: city.chars().take(15).collect(),
            postal_code: None,
            additional: None,
            language: None,
            extra: Vec::new(),
        }
    }

    /// Makes this a one-payment (dynamic) QR for an exact amount, with an optional reference
    /// label (`62/05`) and terminal label (`62/07`).
    pub fn for_payment(
        mut self,
        amount: Amount,
        reference: Option<&str>,
        terminal: Option<&str>,
    ) -> MerchantQr {
        self.initiation = Some(Initiation::Dynamic);
        self.amount = Some(amount);
        if reference.is_some() || terminal.is_some() {
            let additional = self.additional.get_or_insert_with(AdditionalData::default);
            additional.reference_label = reference.map(str::to_string);
            additional.terminal_label = terminal.map(str::to_string);
        }
        self
    }

    /// The Kipochi template, if the QR has one (GUID compared case-insensitively, as domain
    /// names are).
    pub fn kipochi_account(&self) -> Option<&MerchantAccount> {
        self.accounts.iter().find(|a| {
            matches!(a, MerchantAccount::Template { guid, .. } if guid.eq_ignore_ascii_case(KIPOCHI_GUID))
        })
    }

    /// The payee this wallet can pay: the Kipochi template, or else any template in the
    /// Mojaloop merchant-registry layout (`01` = a known party id type, `02` = identifier).
    pub fn payee(&self) -> Result<PartyId, DecodeError> {
        if let Some(a) = self.kipochi_account() {
            return kipochi_payee(a);
        }
        self.accounts
            .iter()
            .filter(|a| matches!(a, MerchantAccount::Template { .. }))
            .find_map(|a| kipochi_payee(a).ok())
            .ok_or(DecodeError::NoSupportedAccount)
    }

    /// The [`PaymentIntent`] for a payer's wallet.
    pub fn payment_intent(&self) -> Result<PaymentIntent, DecodeError> {
        let additional = self.additional.as_ref();
        let label = |v: Option<&String>| v.filter(|s| s.as_str() != "***").cloned();
        Ok(PaymentIntent {
            source: Source::Emv,
            payee: self.payee()?,
            payee_fsp: None,
            amount: self.amount,
            currency: Some(self.currency),
            reference: label(additional.and_then(|a| a.reference_label.as_ref())),
            terminal: label(additional.and_then(|a| a.terminal_label.as_ref())),
            dynamic: self.is_dynamic(),
            merchant_name_hint: Some(self.name.clone()),
            merchant_city_hint: Some(self.city.clone()),
        })
    }
}
