//! Wire types of the resources beyond lookup/quote/transfer: transaction requests,
//! authorizations, participants (ALS registration) and bulk quotes/transfers.

use serde::{Deserialize, Serialize};

use super::error::ErrorInformation;
use super::primitives::{CorrelationId, Currency, DateTime, FspId};
use super::types::{
    AmountType, ExtensionList, GeoCode, IlpCondition, IlpPacket, Money, Party, PartyIdInfo,
    TransactionType,
};

/// `AuthenticationType`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[allow(missing_docs)]
pub enum AuthenticationType {
    Otp,
    Qrcode,
    U2f,
}

/// `POST /transactionRequests` body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct TransactionRequestsPostRequest {
    pub transaction_request_id: CorrelationId,
    pub payee: Party,
    pub payer: PartyIdInfo,
    pub amount: Money,
    pub transaction_type: TransactionType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub geo_code: Option<GeoCode>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authentication_type: Option<AuthenticationType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiration: Option<DateTime>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extension_list: Option<ExtensionList>,
}

/// `TransactionRequestState`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[allow(missing_docs)]
pub enum TransactionRequestState {
    Received,
    Pending,
    Accepted,
    Rejected,
}

/// `PUT /transactionRequests/{ID}` body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct TransactionRequestsIdPutResponse {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_id: Option<CorrelationId>,
    pub transaction_request_state: TransactionRequestState,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extension_list: Option<ExtensionList>,
}

/// `AuthenticationInfo`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct AuthenticationInfo {
    pub authentication: AuthenticationType,
    pub authentication_value: String,
}

/// `AuthorizationResponse`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[allow(missing_docs)]
pub enum AuthorizationResponse {
    Entered,
    Rejected,
    Resend,
}

/// `PUT /authorizations/{ID}` body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct AuthorizationsIdPutResponse {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authentication_info: Option<AuthenticationInfo>,
    pub response_type: AuthorizationResponse,
}

/// `POST /participants/{Type}/{ID}[/{SubId}]` body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct ParticipantsTypeIdSubIdPostRequest {
    pub fsp_id: FspId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<Currency>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extension_list: Option<ExtensionList>,
}

/// `PUT /participants/{Type}/{ID}[/{SubId}]` body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ParticipantsTypeIdPutResponse {
    /// The FSP owning the identifier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fsp_id: Option<FspId>,
}

/// `POST /participants` (batch) body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct ParticipantsPostRequest {
    pub request_id: CorrelationId,
    pub party_list: Vec<PartyIdInfo>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<Currency>,
}

/// One entry of a batch participants answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct PartyResult {
    pub party_id: PartyIdInfo,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_information: Option<ErrorInformation>,
}

/// `PUT /participants/{ID}` (batch) body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct ParticipantsIdPutResponse {
    pub party_list: Vec<PartyResult>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<Currency>,
}

/// One quote of a bulk quote request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct IndividualQuote {
    pub quote_id: CorrelationId,
    pub transaction_id: CorrelationId,
    pub payee: Party,
    pub amount_type: AmountType,
    pub amount: Money,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fees: Option<Money>,
    pub transaction_type: TransactionType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// `POST /bulkQuotes` body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct BulkQuotesPostRequest {
    pub bulk_quote_id: CorrelationId,
    pub payer: Party,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub geo_code: Option<GeoCode>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiration: Option<DateTime>,
    pub individual_quotes: Vec<IndividualQuote>,
}

/// One transfer of a bulk transfer request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct IndividualTransfer {
    pub transfer_id: CorrelationId,
    pub transfer_amount: Money,
    pub ilp_packet: IlpPacket,
    pub condition: IlpCondition,
}

/// `POST /bulkTransfers` body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[allow(missing_docs)]
pub struct BulkTransfersPostRequest {
    pub bulk_transfer_id: CorrelationId,
    pub bulk_quote_id: CorrelationId,
    pub payer_fsp: FspId,
    pub payee_fsp: FspId,
    pub individual_transfers: Vec<IndividualTransfer>,
    pub expiration: DateTime,
}
