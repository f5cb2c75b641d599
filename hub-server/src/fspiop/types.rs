//! FSPIOP v1.1 / v2.0 wire types (serde, camelCase). Scalars are validated on deserialization
//! (see [`super::primitives`]); [`parse_body`] adds the per-version rules (unknown fields refused
//! on 2.0, v1.1 correlation-id pattern on 1.x).

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::error::{ErrorCode, ErrorInformation};
use super::primitives::{Amount, CorrelationId, Currency, DateTime, FspId};
pub use super::resources::*;
use super::version::Version;

/// One key/value extension.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Extension {
    /// Key (1..32 characters).
    pub key: String,
    /// Value (1..128 characters).
    pub value: String,
}

/// `extensionList`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtensionList {
    /// The extensions (1..16).
    pub extension: Vec<Extension>,
}

/// `PartyIdType`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[allow(missing_docs)]
pub enum PartyIdType {
    Msisdn,
    Email,
    PersonalId,
    Business,
    Device,
    AccountId,
    Iban,
    Alias,
}

impl PartyIdType {
    /// The wire name (`MSISDN`, `ACCOUNT_ID`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Msisdn => "MSISDN",
            Self::Email => "EMAIL",
            Self::PersonalId => "PERSONAL_ID",
            Self::Business => "BUSINESS",
            Self::Device => "DEVICE",
            Self::AccountId => "ACCOUNT_ID",
            Self::Iban => "IBAN",
            Self::Alias => "ALIAS",
        }
    }

    /// Parses a wire name.
    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::Msisdn,
            Self::Email,
            Self::PersonalId,
            Self::Business,
            Self::Device,
            Self::AccountId,
            Self::Iban,
            Self::Alias,
        ]
        .into_iter()
        .find(|t| t.as_str() == s)
    }
}

/// `PartyIdInfo`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PartyIdInfo {
    /// Identifier type.
    pub party_id_type: PartyIdType,
    /// Identifier (1..128 characters).
    pub party_identifier: String,
    /// Sub-identifier or type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub party_sub_id_or_type: Option<String>,
    /// The FSP holding the party.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fsp_id: Option<FspId>,
    /// Extensions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extension_list: Option<ExtensionList>,
}

/// `PartyComplexName`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct PartyComplexName {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub middle_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
}

/// `PartyPersonalInfo`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PartyPersonalInfo {
    /// Name parts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub complex_name: Option<PartyComplexName>,
    /// `YYYY-MM-DD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_of_birth: Option<String>,
}

/// `Party`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Party {
    /// Identification.
    pub party_id_info: PartyIdInfo,
    /// Merchant category code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merchant_classification_code: Option<String>,
    /// Display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Personal information.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub personal_info: Option<PartyPersonalInfo>,
    /// v2.0: currencies the party can receive.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supported_currencies: Option<Vec<Currency>>,
}

/// `Money`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Money {
    /// ISO 4217 code.
    pub currency: Currency,
    /// Exact decimal amount.
    pub amount: Amount,
}

/// `TransactionScenario`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[allow(missing_docs)]
pub enum Scenario {
    Deposit,
    Withdrawal,
    Transfer,
    Payment,
    Refund,
}

/// `TransactionInitiator`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[allow(missing_docs)]
pub enum Initiator {
    Payer,
    Payee,
}

/// `TransactionInitiatorType`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[allow(missing_docs)]
pub enum InitiatorType {
    Consumer,
    Agent,
    Business,
    Device,
}

/// `Refund`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Refund {
    /// The transaction refunded.
    pub original_transaction_id: CorrelationId,
    /// Why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refund_reason: Option<String>,
}

/// `TransactionType`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct TransactionType {
    pub scenario: Scenario,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_scenario: Option<String>,
    pub initiator: Initiator,
    pub initiator_type: InitiatorType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refund_info: Option<Refund>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub balance_of_payments: Option<String>,
}

/// `GeoCode`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[allow(missing_docs)]
pub struct GeoCode {
    pub latitude: String,
    pub longitude: String,
}

/// `AmountType`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AmountType {
    /// The amount is what the payer sends.
    Send,
    /// The amount is what the payee receives.
    Receive,
}

/// `TransferState`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[allow(missing_docs)]
pub enum TransferState {
    Received,
    Reserved,
    Committed,
    Aborted,
}

macro_rules! ilp_text {
    ($name:ident, $doc:literal, $check:expr) => {
        #[doc = $doc]
        #[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(pub(crate) String);
        impl TryFrom<String> for $name {
            type Error = super::error::Error;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                let check: fn(&str) -> bool = $check;
                if check(&s) {
                    Ok(Self(s))
                } else {
                    Err(super::error::Error::Invalid {
                        field: stringify!($name),
                        reason: "bad base64url text".into(),
                    })
                }
            }
        }
        impl From<$name> for String {
            fn from(v: $name) -> String {
                v.0
            }
        }
        impl $name {
            /// The base64url text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }
    };
}

fn b64url_chars(s: &str) -> bool {
    s.bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

ilp_text!(
    IlpCondition,
    "`IlpCondition`: SHA-256 of the fulfilment, 43 base64url characters.",
    |s| s.len() == 43 && b64url_chars(s)
);
ilp_text!(
    IlpFulfilment,
    "`IlpFulfilment`: the 32-byte preimage, 43 base64url characters.",
    |s| s.len() == 43 && b64url_chars(s)
);
ilp_text!(
    IlpPacket,
    "`IlpPacket`: base64url (padding tolerated), 1..32768 characters.",
    |s| {
        let body = s.trim_end_matches('=');
        !body.is_empty() && s.len() <= 32768 && s.len() - body.len() <= 2 && b64url_chars(body)
    }
);

/// `PUT /parties/{Type}/{ID}` body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartiesTypeIdPutResponse {
    /// The party found.
    pub party: Party,
}

/// `POST /quotes` body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct QuotesPostRequest {
    pub quote_id: CorrelationId,
    pub transaction_id: CorrelationId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_request_id: Option<CorrelationId>,
    pub payee: Party,
    pub payer: Party,
    pub amount_type: AmountType,
    pub amount: Money,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fees: Option<Money>,
    pub transaction_type: TransactionType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub geo_code: Option<GeoCode>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiration: Option<DateTime>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extension_list: Option<ExtensionList>,
}

/// `PUT /quotes/{ID}` body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct QuotesIdPutResponse {
    pub transfer_amount: Money,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payee_receive_amount: Option<Money>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payee_fsp_fee: Option<Money>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payee_fsp_commission: Option<Money>,
    pub expiration: DateTime,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub geo_code: Option<GeoCode>,
    pub ilp_packet: IlpPacket,
    pub condition: IlpCondition,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extension_list: Option<ExtensionList>,
}

/// `POST /transfers` body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct TransfersPostRequest {
    pub transfer_id: CorrelationId,
    pub payee_fsp: FspId,
    pub payer_fsp: FspId,
    pub amount: Money,
    pub ilp_packet: IlpPacket,
    pub condition: IlpCondition,
    pub expiration: DateTime,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extension_list: Option<ExtensionList>,
}

/// `PUT /transfers/{ID}` body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct TransfersIdPutResponse {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fulfilment: Option<IlpFulfilment>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completed_timestamp: Option<DateTime>,
    pub transfer_state: TransferState,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extension_list: Option<ExtensionList>,
}

/// `PATCH /transfers/{ID}` body (transfers 1.1+).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct TransfersIdPatchResponse {
    pub completed_timestamp: DateTime,
    pub transfer_state: TransferState,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extension_list: Option<ExtensionList>,
}

/// The Transaction object carried inside the ILP packet (as built by the reference SDK).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct Transaction {
    pub transaction_id: CorrelationId,
    pub quote_id: CorrelationId,
    pub payee: Party,
    pub payer: Party,
    pub amount: Money,
    pub transaction_type: TransactionType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiration: Option<DateTime>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

const ID_KEYS: &[&str] = &[
    "quoteId",
    "transactionId",
    "transactionRequestId",
    "transferId",
    "bulkQuoteId",
    "bulkTransferId",
    "requestId",
    "originalTransactionId",
];

/// Parses a request body for API `version`: JSON syntax errors give 3101, a missing field 3102,
/// any other schema violation 3100; on 2.x unknown fields are refused (3100); on 1.x the
/// correlation ids must match the v1.1 UUID pattern. Like Mojaloop's validation messages, the
/// description names the offending JSON field (its path, e.g. `amount.currency`); a missing
/// field is named by serde's message, under the path of the object that lacks it.
pub fn parse_body<T: DeserializeOwned + Serialize>(
    bytes: &[u8],
    version: Version,
) -> Result<T, ErrorInformation> {
    let value: serde_json::Value = serde_json::from_slice(bytes)
        .map_err(|e| ErrorCode::MalformedSyntax.info(format!("Malformed JSON body: {e}")))?;
    let typed: T = serde_path_to_error::deserialize(value.clone()).map_err(|e| {
        let msg = e.inner().to_string();
        let code = if msg.starts_with("missing field") {
            ErrorCode::MissingElement
        } else {
            ErrorCode::GenericValidationError
        };
        code.info(body_error(&e.path().to_string(), &msg))
    })?;
    let canonical = serde_json::to_value(&typed)
        .map_err(|e| ErrorCode::InternalServerError.info(e.to_string()))?;
    if version.major >= 2 {
        if let Some(path) = unknown_field(&value, &canonical, "") {
            return Err(ErrorCode::GenericValidationError.info(format!("Unknown property: {path}")));
        }
    } else if let Some(key) = non_v1_id(&canonical) {
        return Err(
            ErrorCode::GenericValidationError.info(format!("Invalid {key}: expected a v1.1 UUID"))
        );
    }
    Ok(typed)
}

/// `Invalid body: <path>: <reason>` (no path for the document itself). Paths are made of the
/// schema's field names (and array indexes); the values serde quotes are cut out of the reason,
/// so no request data (a phone number in the wrong place, say) is echoed.
fn body_error(path: &str, reason: &str) -> String {
    let reason = redact(reason);
    if path.is_empty() || path == "." {
        format!("Invalid body: {reason}")
    } else {
        format!("Invalid body: {path}: {reason}")
    }
}

/// serde's `invalid type: string "…", expected …` becomes `invalid type: string, expected …`,
/// and `unknown variant `…`, expected …` becomes `unknown variant, expected …`.
fn redact(reason: &str) -> String {
    for head in ["invalid type: ", "invalid value: "] {
        if let Some(rest) = reason.strip_prefix(head)
            && let Some(at) = rest.rfind(", expected")
        {
            let kind = rest.split([' ', ',']).next().unwrap_or_default();
            return format!("{head}{kind}{}", &rest[at..]);
        }
    }
    if let Some(rest) = reason.strip_prefix("unknown variant `")
        && let Some(at) = rest.find("`, ")
    {
        return format!("unknown variant{}", &rest[at + 1..]);
    }
    reason.to_owned()
}

fn unknown_field(
    input: &serde_json::Value,
    known: &serde_json::Value,
    path: &str,
) -> Option<String> {
    use serde_json::Value;
    match (input, known) {
        (Value::Object(i), Value::Object(k)) => i.iter().find_map(|(key, v)| match k.get(key) {
            None => Some(format!("{path}/{key}")),
            Some(kv) => unknown_field(v, kv, &format!("{path}/{key}")),
        }),
        (Value::Array(i), Value::Array(k)) => i
            .iter()
            .zip(k)
            .enumerate()
            .find_map(|(n, (a, b))| unknown_field(a, b, &format!("{path}/{n}"))),
        _ => None,
    }
}

fn non_v1_id(v: &serde_json::Value) -> Option<String> {
    use serde_json::Value;
    match v {
        Value::Object(m) => m.iter().find_map(|(k, v)| {
            let bad = ID_KEYS.contains(&k.as_str())
                && v.as_str().is_some_and(|s| {
                    s.parse::<CorrelationId>()
                        .map_or(true, |id| !id.is_v1_compatible())
                });
            if bad { Some(k.clone()) } else { non_v1_id(v) }
        }),
        Value::Array(a) => a.iter().find_map(non_v1_id),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const V11: Version = Version { major: 1, minor: 1 };
    const V20: Version = Version { major: 2, minor: 0 };

    fn transfer_json(extra: &str) -> String {
        format!(
            r#"{{"transferId":"7f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d","payeeFsp":"payeefsp","payerFsp":"payerfsp",
            "amount":{{"currency":"USD","amount":"100"}},"ilpPacket":"AYIB","condition":"kSV61gYRWRqG0DcilbIM8qJLgjbNW_ePG8V4-egjD5k",
            "expiration":"2030-01-01T00:00:00.000Z"{extra}}}"#
        )
    }

    #[test]
    fn unknown_fields_tolerated_on_1x_refused_on_2x() {
        let body = transfer_json(r#","transactionId":"x""#);
        assert!(parse_body::<TransfersPostRequest>(body.as_bytes(), V11).is_ok());
        let err = parse_body::<TransfersPostRequest>(body.as_bytes(), V20).unwrap_err();
        assert_eq!(err.error_code, "3100");
        assert!(err.error_description.contains("transactionId"));
    }

    #[test]
    fn error_codes_for_bad_bodies() {
        assert_eq!(
            parse_body::<TransfersPostRequest>(b"{not json", V11)
                .unwrap_err()
                .error_code,
            "3101"
        );
        assert_eq!(
            parse_body::<TransfersPostRequest>(b"{}", V11)
                .unwrap_err()
                .error_code,
            "3102"
        );
        let bad_amount = transfer_json("").replace(r#""100""#, r#""100.50""#);
        assert_eq!(
            parse_body::<TransfersPostRequest>(bad_amount.as_bytes(), V11)
                .unwrap_err()
                .error_code,
            "3100"
        );
    }

    #[test]
    fn ulid_ids_only_on_2x() {
        let body = transfer_json("").replace(
            "7f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
            "01ARZ3NDEKTSV4RRFFQ69G5FAV",
        );
        assert!(parse_body::<TransfersPostRequest>(body.as_bytes(), V20).is_ok());
        assert_eq!(
            parse_body::<TransfersPostRequest>(body.as_bytes(), V11)
                .unwrap_err()
                .error_code,
            "3100"
        );
    }
}
