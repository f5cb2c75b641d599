//! Payee identifiers: the Mojaloop party id (type + identifier + optional sub-id).

use std::fmt;

/// Mojaloop FSPIOP `PartyIdType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PartyIdType {
    /// A phone number in international format.
    Msisdn,
    /// An e-mail address.
    Email,
    /// A personal document number.
    PersonalId,
    /// A business (merchant) identifier.
    Business,
    /// A device (e.g. a point-of-sale terminal) identifier.
    Device,
    /// A bank account number or FSP account id.
    AccountId,
    /// An IBAN.
    Iban,
    /// An alias (e.g. a merchant till alias or a virtual payment address).
    Alias,
}

impl PartyIdType {
    const ALL: [PartyIdType; 8] = [
        PartyIdType::Msisdn,
        PartyIdType::Email,
        PartyIdType::PersonalId,
        PartyIdType::Business,
        PartyIdType::Device,
        PartyIdType::AccountId,
        PartyIdType::Iban,
        PartyIdType::Alias,
    ];

    /// The FSPIOP name (`"MSISDN"`, `"ACCOUNT_ID"`...).
    pub fn as_str(&self) -> &'static str {
        match self {
            PartyIdType::Msisdn => "MSISDN",
            PartyIdType::Email => "EMAIL",
            PartyIdType::PersonalId => "PERSONAL_ID",
            PartyIdType::Business => "BUSINESS",
            PartyIdType::Device => "DEVICE",
            PartyIdType::AccountId => "ACCOUNT_ID",
            PartyIdType::Iban => "IBAN",
            PartyIdType::Alias => "ALIAS",
        }
    }

    /// Parses an FSPIOP name; exact upper-case match.
    pub fn from_fspiop(name: &str) -> Option<PartyIdType> {
        Self::ALL.into_iter().find(|t| t.as_str() == name)
    }

    /// Every party id type.
    pub fn all() -> [PartyIdType; 8] {
        Self::ALL
    }
}

impl fmt::Display for PartyIdType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who gets paid: resolved by the switch with `GET /parties/{type}/{id}[/{subId}]`.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct PartyId {
    /// The kind of identifier.
    pub id_type: PartyIdType,
    /// The identifier itself.
    pub identifier: String,
    /// Optional sub-id (e.g. a till or branch).
    pub sub_id: Option<String>,
}

impl PartyId {
    /// A party id without sub-id.
    pub fn new(id_type: PartyIdType, identifier: impl Into<String>) -> Self {
        PartyId {
            id_type,
            identifier: identifier.into(),
            sub_id: None,
        }
    }
}

impl fmt::Debug for PartyId {
    // The identifier is personal data (often a phone number): keep it out of logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "PartyId({}, <{} chars>{})",
            self.id_type,
            self.identifier.chars().count(),
            if self.sub_id.is_some() { ", sub" } else { "" }
        )
    }
}
