//! Wire types of the merchant endpoints (`/api/v1/merchant/*`): dynamic payment requests (one
//! sale, one QR), the static till QR and incoming payments. Same conventions as [`crate::api`]:
//! amounts are Mojaloop decimal strings with an ISO 4217 code, timestamps Unix milliseconds.

use serde::{Deserialize, Serialize};

/// `POST /api/v1/merchant/requests`: ask for one payment (a dynamic QR for one sale).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewPaymentRequest {
    /// Amount to pay, decimal text in the hub's currency (e.g. `"1500"`, `"12.5"`).
    /// Decimal amount as a string (the currency's minor unit at most), never a float.
    #[cfg_attr(feature = "openapi", schema(example = "1500.50"))]
    pub amount: String,
    /// The merchant's reference for the sale (invoice, order); printed into the QR, unique per
    /// open request of this merchant. 1 to 25 characters.
    pub reference: String,
    /// The till or terminal label, when the merchant has several (1 to 8 characters).
    pub terminal: Option<String>,
}

/// Where a merchant payment request stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RequestStatus {
    /// Waiting for a payment; can still be paid.
    Open,
    /// A payment for it was booked (`payment_id`).
    Paid,
    /// Its expiry passed without a payment.
    Expired,
}

/// A merchant payment request and the EMVCo QR payload that points to it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PaymentRequest {
    /// The hub's id of the request (UUID).
    pub request_id: String,
    /// Exact decimal amount as a string, never a float (Mojaloop format: no exponent, no trailing zeros).
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = r"^(0|[1-9][0-9]*)(\.[0-9]*[1-9])?$", example = "1500.5")
    )]
    pub amount: String,
    #[cfg_attr(feature = "openapi", schema(pattern = "^[A-Z]{3}$", example = "TZS"))]
    pub currency: String,
    pub reference: String,
    pub terminal: Option<String>,
    /// EMVCo merchant-presented QR payload carrying the till, amount and reference.
    pub payload: String,
    pub created_at: i64,
    /// Unix ms after which the request can no longer be paid.
    pub expires_at: i64,
    pub status: RequestStatus,
    /// The payment that paid it, when `status` is `paid`.
    pub payment_id: Option<String>,
}

/// `GET /api/v1/merchant/till-qr`: the merchant's static QR (payer enters the amount).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TillQr {
    /// FSPIOP party id type of the till (`BUSINESS` or `ALIAS`).
    pub id_type: String,
    /// The till number / alias payers' hubs resolve.
    pub till: String,
    /// The merchant name printed in the QR.
    pub merchant_name: String,
    #[cfg_attr(feature = "openapi", schema(pattern = "^[A-Z]{3}$", example = "TZS"))]
    pub currency: String,
    /// EMVCo static payload.
    pub payload: String,
    /// The same QR as a PNG image, standard base64.
    pub png_base64: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_is_snake_case_json() {
        assert_eq!(
            serde_json::to_string(&RequestStatus::Expired).unwrap(),
            r#""expired""#
        );
        let r: NewPaymentRequest =
            serde_json::from_str(r#"{"amount":"10.5","reference":"INV-1","terminal":null}"#)
                .unwrap();
        assert_eq!(r.amount, "10.5");
    }
}
