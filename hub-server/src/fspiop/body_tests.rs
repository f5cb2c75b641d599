//! Body validation messages: each names the offending JSON field (as Mojaloop's do), with the
//! error code the TTK's DFSP collections expect.

use super::types::{QuotesPostRequest, TransfersPostRequest, parse_body};
use super::version::Version;

const V11: Version = Version { major: 1, minor: 1 };

fn quote(edit: impl FnOnce(&mut serde_json::Value)) -> Vec<u8> {
    let mut v = serde_json::json!({
        "quoteId": "7f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
        "transactionId": "8f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
        "payee": {"partyIdInfo": {"partyIdType": "MSISDN", "partyIdentifier": "255722000001"}},
        "payer": {"partyIdInfo": {"partyIdType": "MSISDN", "partyIdentifier": "255711000001"}},
        "amountType": "SEND",
        "amount": {"currency": "TZS", "amount": "1000"},
        "transactionType": {"scenario": "TRANSFER", "initiator": "PAYER", "initiatorType": "CONSUMER"}
    });
    edit(&mut v);
    v.to_string().into_bytes()
}

fn transfer(edit: impl FnOnce(&mut serde_json::Value)) -> Vec<u8> {
    let mut v = serde_json::json!({
        "transferId": "7f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
        "payeeFsp": "payeefsp",
        "payerFsp": "payerfsp",
        "amount": {"currency": "USD", "amount": "100"},
        "ilpPacket": "AYIB",
        "condition": "kSV61gYRWRqG0DcilbIM8qJLgjbNW_ePG8V4-egjD5k",
        "expiration": "2030-01-01T00:00:00.000Z"
    });
    edit(&mut v);
    v.to_string().into_bytes()
}

/// (code, description) of the refusal of `body` as a quote.
fn quote_error(body: &[u8]) -> (String, String) {
    let e = parse_body::<QuotesPostRequest>(body, V11).unwrap_err();
    (e.error_code, e.error_description)
}

fn transfer_error(body: &[u8]) -> (String, String) {
    let e = parse_body::<TransfersPostRequest>(body, V11).unwrap_err();
    (e.error_code, e.error_description)
}

#[test]
fn the_samples_are_valid() {
    parse_body::<QuotesPostRequest>(&quote(|_| {}), V11).unwrap();
    parse_body::<TransfersPostRequest>(&transfer(|_| {}), V11).unwrap();
}

#[test]
fn a_malformed_field_is_named_by_its_path() {
    let (code, msg) = quote_error(&quote(|v| v["quoteId"] = "not-a-uuid".into()));
    assert_eq!(code, "3100");
    assert!(msg.contains("quoteId"), "{msg}");
    let (code, msg) = quote_error(&quote(|v| v["amountType"] = "BOTH".into()));
    assert_eq!(code, "3100");
    assert!(msg.contains("amountType"), "{msg}");
    let (_, msg) = quote_error(&quote(|v| {
        v["payer"]["partyIdInfo"]["partyIdType"] = "PHONE".into()
    }));
    assert!(msg.contains("payer.partyIdInfo.partyIdType"), "{msg}");
    let (_, msg) = quote_error(&quote(|v| v["transactionType"]["scenario"] = "GIFT".into()));
    assert!(msg.contains("transactionType.scenario"), "{msg}");
    for field in [
        "payerFsp",
        "payeeFsp",
        "ilpPacket",
        "condition",
        "expiration",
    ] {
        let (code, msg) = transfer_error(&transfer(|v| v[field] = 7.into()));
        assert_eq!(code, "3100", "{field}");
        assert!(msg.contains(field), "{field}: {msg}");
    }
    let (_, msg) = transfer_error(&transfer(|v| v["amount"]["amount"] = "1.000".into()));
    assert!(msg.contains("amount.amount"), "{msg}");
}

#[test]
fn a_missing_field_is_3102_and_named() {
    for field in ["transferId", "payerFsp", "payeeFsp", "amount", "condition"] {
        let body = transfer(|v| {
            v.as_object_mut().unwrap().remove(field);
        });
        let (code, msg) = transfer_error(&body);
        assert_eq!(code, "3102", "{field}");
        assert!(msg.contains(field), "{field}: {msg}");
    }
    let body = quote(|v| {
        v["amount"].as_object_mut().unwrap().remove("currency");
    });
    let (code, msg) = quote_error(&body);
    assert_eq!(code, "3102");
    assert!(msg.contains("amount") && msg.contains("currency"), "{msg}");
}

#[test]
fn an_unknown_currency_is_refused_synchronously() {
    let (code, msg) = transfer_error(&transfer(|v| v["amount"]["currency"] = "POC".into()));
    assert_eq!(code, "3100");
    assert!(msg.contains("amount.currency"), "{msg}");
    assert!(msg.contains("ISO 4217"), "{msg}");
    let (code, msg) = quote_error(&quote(|v| v["amount"]["currency"] = "usd".into()));
    assert_eq!(code, "3100");
    assert!(msg.contains("currency"), "{msg}");
}

#[test]
fn descriptions_never_echo_the_value() {
    let (_, msg) = quote_error(&quote(|v| {
        v["payer"]["partyIdInfo"]["partyIdType"] = "SECRET-VALUE-42".into()
    }));
    assert!(!msg.contains("SECRET-VALUE-42"), "{msg}");
}
