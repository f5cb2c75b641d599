//! EMVCo Merchant-Presented Mode: typed [`MerchantQr`] ⇄ payload string.

use super::tlv::{self, DataObject};
use super::{DecodeError, EncodeError, MAX_PAYLOAD_CHARS};
use crate::money::{Amount, Currency};

/// How the QR is meant to be used (tag `01`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Initiation {
    /// `11`: shown for many payments (a sticker at the till).
    Static,
    /// `12`: made for one payment (usually with an amount and a reference).
    Dynamic,
}

/// One merchant account information object (tags `02`–`51`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum MerchantAccount {
    /// Tags `02`–`25`, reserved for card networks: an opaque value.
    Network {
        /// The ID, `2..=25`.
        tag: u8,
        /// The raw value.
        value: String,
    },
    /// Tags `26`–`51`: a template led by a globally unique identifier (sub-tag `00`).
    Template {
        /// The ID, `26..=51`.
        tag: u8,
        /// Sub-tag `00`: reverse domain name, AID or UUID of the scheme.
        guid: String,
        /// The other sub-objects, in payload order.
        fields: Vec<DataObject>,
    },
}

impl MerchantAccount {
    /// The object's ID.
    pub fn tag(&self) -> u8 {
        match self {
            MerchantAccount::Network { tag, .. } | MerchantAccount::Template { tag, .. } => *tag,
        }
    }

    /// Sub-field `sub` of a template.
    pub fn field(&self, sub: u8) -> Option<&str> {
        match self {
            MerchantAccount::Template { fields, .. } => fields
                .iter()
                .find(|f| f.tag == sub)
                .map(|f| f.value.as_str()),
            MerchantAccount::Network { .. } => None,
        }
    }

    fn encode(&self) -> Result<String, EncodeError> {
        match self {
            MerchantAccount::Network { value, .. } => Ok(value.clone()),
            MerchantAccount::Template { guid, fields, .. } => {
                let mut out = String::new();
                tlv::push(&mut out, 0, guid)?;
                out.push_str(&tlv::encode(fields)?);
                Ok(out)
            }
        }
    }
}

/// Additional data field template (tag `62`). Named fields plus any other sub-objects.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct AdditionalData {
    /// `01` bill number.
    pub bill_number: Option<String>,
    /// `02` mobile number.
    pub mobile_number: Option<String>,
    /// `03` store label.
    pub store_label: Option<String>,
    /// `05` reference label: the invoice / order / payment-request reference.
    pub reference_label: Option<String>,
    /// `07` terminal label: the till or counter.
    pub terminal_label: Option<String>,
    /// `08` purpose of transaction.
    pub purpose: Option<String>,
    /// Every other sub-object (`04`, `06`, `09`, `10`–`99`), in ascending tag order.
    pub other: Vec<DataObject>,
}

impl AdditionalData {
    fn named(&self) -> [(u8, &Option<String>); 6] {
        [
            (1, &self.bill_number),
            (2, &self.mobile_number),
            (3, &self.store_label),
            (5, &self.reference_label),
            (7, &self.terminal_label),
            (8, &self.purpose),
        ]
    }

    fn is_empty(&self) -> bool {
        self.named().iter().all(|(_, v)| v.is_none()) && self.other.is_empty()
    }

    fn decode(value: &str) -> Result<Self, DecodeError> {
        let mut a = AdditionalData::default();
        for o in tlv::parse(value)? {
            let slot = match o.tag {
                1 => &mut a.bill_number,
                2 => &mut a.mobile_number,
                3 => &mut a.store_label,
                5 => &mut a.reference_label,
                7 => &mut a.terminal_label,
                8 => &mut a.purpose,
                _ => {
                    a.other.push(o);
                    continue;
                }
            };
            *slot = Some(o.value);
        }
        // Canonical order, the order `encode` writes, so decode ∘ encode is the identity.
        a.other.sort_by_key(|o| o.tag);
        Ok(a)
    }

    fn encode(&self) -> Result<String, EncodeError> {
        let mut objs: Vec<DataObject> = self
            .named()
            .iter()
            .filter_map(|(t, v)| v.as_ref().map(|v| DataObject::new(*t, v.clone())))
            .chain(self.other.iter().cloned())
            .collect();
        objs.sort_by_key(|o| o.tag);
        tlv::encode(&objs)
    }
}

/// Merchant information in another language (tag `64`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LanguageTemplate {
    /// `00` ISO 639 language code.
    pub language: String,
    /// `01` merchant name in that language.
    pub name: String,
    /// `02` merchant city in that language.
    pub city: Option<String>,
    /// Other sub-objects (`03`–`99`).
    pub other: Vec<DataObject>,
}

impl LanguageTemplate {
    fn decode(value: &str) -> Result<Self, DecodeError> {
        let mut objs = tlv::parse(value)?;
        let mut take = |t: u8| {
            objs.iter()
                .position(|o| o.tag == t)
                .map(|i| objs.remove(i).value)
        };
        let language = take(0).ok_or(DecodeError::BadLanguageTemplate)?;
        let name = take(1).ok_or(DecodeError::BadLanguageTemplate)?;
        let city = take(2);
        Ok(LanguageTemplate {
            language,
            name,
            city,
            other: objs,
        })
    }

    fn encode(&self) -> Result<String, EncodeError> {
        let mut out = String::new();
        tlv::push(&mut out, 0, &self.language)?;
        tlv::push(&mut out, 1, &self.name)?;
        if let Some(c) = &self.city {
            tlv::push(&mut out, 2, c)?;
        }
        out.push_str(&tlv::encode(&self.other)?);
        Ok(out)
    }
}

/// A decoded EMVCo merchant-presented QR.
///
/// `name` and `city` are display hints only: anyone can print a QR with any name, so the
/// payee name shown to a payer must come from the party lookup, never from here.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MerchantQr {
    /// Tag `01`, if present.
    pub initiation: Option<Initiation>,
    /// Tags `02`–`51`, in ascending tag order on encode; at least one.
    pub accounts: Vec<MerchantAccount>,
    /// Tag `52`: ISO 18245 merchant category code, 4 digits.
    pub mcc: String,
    /// Tag `53`: transaction currency.
    pub currency: Currency,
    /// Tag `54`: exact amount; `None` means the payer enters it.
    pub amount: Option<Amount>,
    /// Tag `58`: ISO 3166-1 alpha-2 country code.
    pub country: String,
    /// Tag `59`: merchant name (display hint only); at most 25 characters on encode.
    pub name: String,
    /// Tag `60`: merchant city (display hint only); at most 15 characters on encode.
    pub city: String,
    /// Tag `61`: postal code, at most 10 characters.
    pub postal_code: Option<String>,
    /// Tag `62`.
    pub additional: Option<AdditionalData>,
    /// Tag `64`.
    pub language: Option<LanguageTemplate>,
    /// Every other root object (`55`–`57`, `65`–`99`), kept so nothing is lost; ascending.
    pub extra: Vec<DataObject>,
}

fn check_len(tag: u8, value: &str, max: usize) -> Result<(), DecodeError> {
    let len = value.chars().count();
    if len > max {
        return Err(DecodeError::TooLong { tag, len, max });
    }
    Ok(())
}

fn template_err(tag: u8) -> impl Fn(DecodeError) -> DecodeError {
    move |inner| DecodeError::BadTemplate {
        tag,
        inner: Box::new(inner),
    }
}

impl MerchantQr {
    /// Decodes and validates a full EMVCo MPM payload: TLV structure, then the CRC, then the
    /// field rules.
    pub fn decode(payload: &str) -> Result<MerchantQr, DecodeError> {
        if payload.is_empty() {
            return Err(DecodeError::Empty);
        }
        if !payload.starts_with("0002") {
            return Err(DecodeError::NotEmv);
        }
        let len = payload.chars().count();
        if len > MAX_PAYLOAD_CHARS {
            return Err(DecodeError::PayloadTooLong {
                len,
                max: MAX_PAYLOAD_CHARS,
            });
        }
        let objects = tlv::parse(payload)?;
        if objects
            .last()
            .is_none_or(|o| o.tag != 63 || o.value.len() != 4)
        {
            return Err(if objects.iter().any(|o| o.tag == 63) {
                DecodeError::CrcNotLast
            } else {
                DecodeError::MissingTag { tag: 63 }
            });
        }
        tlv::verify_crc(payload)?;
        Self::from_objects(objects)
    }

    fn from_objects(objects: Vec<DataObject>) -> Result<MerchantQr, DecodeError> {
        if objects
            .first()
            .is_none_or(|o| o.tag != 0 || o.value != "01")
        {
            return Err(DecodeError::BadFormatIndicator);
        }
        let get = |t: u8| {
            objects
                .iter()
                .find(|o| o.tag == t)
                .map(|o| o.value.as_str())
        };
        let need = |t: u8| get(t).ok_or(DecodeError::MissingTag { tag: t });

        let initiation = match get(1) {
            None => None,
            Some("11") => Some(Initiation::Static),
            Some("12") => Some(Initiation::Dynamic),
            Some(_) => return Err(DecodeError::BadInitiationMethod),
        };

        let mcc = need(52)?;
        if mcc.len() != 4 || !mcc.bytes().all(|b| b.is_ascii_digit()) {
            return Err(DecodeError::BadMcc);
        }
        let currency = Currency::from_numeric_str(need(53)?).ok_or(DecodeError::BadCurrency)?;
        let amount = get(54).map(|v| parse_amount(v, currency)).transpose()?;
        let country = need(58)?;
        if country.len() != 2 || !country.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(DecodeError::BadCountry);
        }
        // Name (<= 25) and city (<= 15) limits are enforced on encode only: deployed issuers
        // exceed them (vector V3's city has 16 characters) and they are display hints anyway.
        let name = need(59)?;
        let city = need(60)?;
        let postal_code = get(61);
        if let Some(p) = postal_code {
            check_len(61, p, 10)?;
        }

        let mut accounts = Vec::new();
        let mut additional = None;
        let mut language = None;
        let mut extra = Vec::new();
        for o in &objects {
            match o.tag {
                0 | 1 | 52 | 53 | 54 | 58 | 59 | 60 | 61 | 63 => {}
                2..=25 => accounts.push(MerchantAccount::Network {
                    tag: o.tag,
                    value: o.value.clone(),
                }),
                26..=51 => {
                    let mut fields = tlv::parse(&o.value).map_err(template_err(o.tag))?;
                    let i = fields
                        .iter()
                        .position(|f| f.tag == 0)
                        .ok_or(DecodeError::MissingGuid { tag: o.tag })?;
                    let guid = fields.remove(i).value;
                    accounts.push(MerchantAccount::Template {
                        tag: o.tag,
                        guid,
                        fields,
                    });
                }
                62 => {
                    additional = Some(AdditionalData::decode(&o.value).map_err(template_err(62))?)
                }
                64 => {
                    language = Some(LanguageTemplate::decode(&o.value).map_err(template_err(64))?)
                }
                _ => extra.push(o.clone()),
            }
        }
        if accounts.is_empty() {
            return Err(DecodeError::MissingAccount);
        }
        accounts.sort_by_key(MerchantAccount::tag);
        extra.sort_by_key(|o| o.tag);
        Ok(MerchantQr {
            initiation,
            accounts,
            mcc: mcc.to_string(),
            currency,
            amount,
            country: country.to_string(),
            name: name.to_string(),
            city: city.to_string(),
            postal_code: postal_code.map(str::to_string),
            additional,
            language,
            extra,
        })
    }

    /// Encodes to a payload: root objects in ascending ID order, then `63` with the CRC.
    /// The result is decoded again before it is returned, so it always passes [`decode`].
    ///
    /// [`decode`]: MerchantQr::decode
    pub fn encode(&self) -> Result<String, EncodeError> {
        let mut objs: Vec<DataObject> = vec![DataObject::new(0, "01")];
        if let Some(i) = self.initiation {
            let v = match i {
                Initiation::Static => "11",
                Initiation::Dynamic => "12",
            };
            objs.push(DataObject::new(1, v));
        }
        for a in &self.accounts {
            objs.push(DataObject::new(a.tag(), a.encode()?));
        }
        objs.push(DataObject::new(52, self.mcc.clone()));
        objs.push(DataObject::new(53, self.currency.numeric_str()));
        if let Some(a) = &self.amount {
            objs.push(DataObject::new(54, encode_amount(a, self.currency)?));
        }
        check_len(59, &self.name, 25)?;
        check_len(60, &self.city, 15)?;
        objs.push(DataObject::new(58, self.country.clone()));
        objs.push(DataObject::new(59, self.name.clone()));
        objs.push(DataObject::new(60, self.city.clone()));
        if let Some(p) = &self.postal_code {
            objs.push(DataObject::new(61, p.clone()));
        }
        if let Some(a) = self.additional.as_ref().filter(|a| !a.is_empty()) {
            objs.push(DataObject::new(62, a.encode()?));
        }
        if let Some(l) = &self.language {
            objs.push(DataObject::new(64, l.encode()?));
        }
        objs.extend(self.extra.iter().cloned());
        objs.sort_by_key(|o| o.tag);
        if let Some(o) = objs.iter().find(|o| o.tag == 63) {
            return Err(EncodeError::Invalid(DecodeError::DuplicateTag {
                tag: o.tag,
            }));
        }
        let payload = tlv::seal(tlv::encode(&objs)?);
        MerchantQr::decode(&payload)?;
        Ok(payload)
    }

    /// True for a one-payment (`12`) QR.
    pub fn is_dynamic(&self) -> bool {
        self.initiation == Some(Initiation::Dynamic)
    }
}

/// Tag 54: at most 13 characters, a positive decimal with no more decimals than the currency.
fn parse_amount(value: &str, currency: Currency) -> Result<Amount, DecodeError> {
    check_len(54, value, 13)?;
    let amount: Amount = value.parse().map_err(|_| DecodeError::AmountNotANumber)?;
    if amount.is_negative() || amount.is_zero() {
        return Err(DecodeError::AmountNotPositive);
    }
    if amount.normalized().scale() > currency.minor_unit_exponent() {
        return Err(DecodeError::AmountTooPrecise);
    }
    Ok(amount)
}

/// Writes the amount as it was given (`10.00` stays `10.00`), which keeps decoded payloads
/// byte-identical on re-encode.
fn encode_amount(amount: &Amount, currency: Currency) -> Result<String, EncodeError> {
    // Validate (exact in minor units), but keep the caller's scale.
    amount.to_minor_units(currency)?;
    Ok(amount.to_string())
}
