//! Router tests of the merchant endpoints: real ledger, real QR encoder, real signatures.

use axum::http::StatusCode;
use kipochi_core::qr::parse_payment_qr;
use serde_json::{Value, json};

use super::payments_tests::{Customer, P1, P2, Pay, sign};
use crate::accounts::{
    AccountId, AccountKind, AccountSystem, Alias, AliasType, Limits, OpenAccount,
};
use crate::auth::{NewUser, Role};

pub(super) struct Merchant {
    pub token: String,
    pub account: AccountId,
}

pub(super) async fn merchant(pay: &Pay, phone: &str, till: &str) -> Merchant {
    let account = AccountId::new_v4();
    pay.ledger
        .open_account(OpenAccount {
            id: account,
            kind: AccountKind::Merchant,
            display_name: "Mama Ntilie Shop".into(),
            currency: Pay::tzs(),
            aliases: vec![Alias {
                kind: AliasType::Business,
                value: till.into(),
            }],
            limits: Limits::default(),
            date_of_birth: None,
        })
        .await
        .unwrap();
    let now = pay.h.state.now();
    let new = NewUser {
        phone: phone.into(),
        display_name: "Mama Ntilie".into(),
        role: Role::Merchant,
        kyc_tier: 2,
        account_id: Some(account.to_string()),
    };
    let (_, code) = pay.h.state.auth.create_user(&new, now).unwrap();
    pay.h
        .state
        .auth
        .activate(phone, &code, "4821", now)
        .unwrap();
    let (status, body) = pay
        .h
        .call(
            "POST",
            "/api/v1/auth/login",
            None,
            Some(json!({"phone": phone, "pin": "4821"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    Merchant {
        token: body["token"].as_str().unwrap().into(),
        account,
    }
}

pub(super) async fn request(
    pay: &Pay,
    m: &Merchant,
    amount: &str,
    reference: &str,
) -> (StatusCode, Value) {
    pay.h
        .call(
            "POST",
            "/api/v1/merchant/requests",
            Some(&m.token),
            Some(json!({"amount": amount, "reference": reference, "terminal": "T1"})),
        )
        .await
}

pub(super) async fn pay_qr(pay: &Pay, who: &Customer, id: &str, payload: &str) -> Value {
    let body = json!({
        "payment_id": id,
        "target": {"kind": "qr", "payload": payload},
        "amount": null, "currency": null, "note": null,
    });
    let (status, quote) = pay
        .h
        .call("POST", "/api/v1/payments", Some(&who.token), Some(body))
        .await;
    assert_eq!(status, StatusCode::OK, "{quote}");
    let sig = sign(&quote, &who.key);
    let (status, done) = pay
        .approve(who, id, "4821", &who.key.device_id(), &sig)
        .await;
    assert_eq!(status, StatusCode::OK, "{done}");
    done
}

#[tokio::test]
async fn a_dynamic_request_carries_till_amount_and_reference_and_becomes_paid() {
    let pay = Pay::new();
    let m = merchant(&pay, "255712000100", "123456").await;
    let (status, req) = request(&pay, &m, "250.5", "INV-7").await;
    assert_eq!(status, StatusCode::OK, "{req}");
    assert_eq!(req["status"], "open");
    assert_eq!(req["amount"], "250.5");
    assert_eq!(req["currency"], "TZS");
    assert!(req["expires_at"].as_i64().unwrap() > pay.h.state.now());
    let intent = parse_payment_qr(req["payload"].as_str().unwrap()).unwrap();
    assert!(intent.dynamic);
    assert_eq!(intent.payee.identifier, "123456");
    assert_eq!(intent.reference.as_deref(), Some("INV-7"));
    assert_eq!(intent.amount.unwrap().to_string(), "250.5");

    // A customer pays it internally; the orchestration marks it paid on commit.
    let asha = pay.customer("255712000001", "Asha", 100_000, 1).await;
    let done = pay_qr(&pay, &asha, P1, req["payload"].as_str().unwrap()).await;
    assert_eq!(done["state"], "committed");
    assert_eq!(pay.available(m.account).await, 25_050);
    let id = req["request_id"].as_str().unwrap();
    let store = pay.h.state.merchant.clone();
    let now = pay.h.state.now();
    let paid = store
        .paid_by(P1)
        .unwrap()
        .expect("marked paid by the payment");
    assert_eq!(paid.id, id);
    assert!(matches!(
        store.check_payment(&m.account.to_string(), Some("INV-7"), 25_050, now),
        Err(crate::merchant::MerchantError::AlreadyPaid)
    ));
    // Idempotent for the same payment.
    store.mark_paid(id, P1, now).unwrap();

    let path = format!("/api/v1/merchant/requests/{id}");
    let (status, got) = pay.h.call("GET", &path, Some(&m.token), None).await;
    assert_eq!(status, StatusCode::OK, "{got}");
    assert_eq!(
        (&got["status"], &got["payment_id"]),
        (&json!("paid"), &json!(P1))
    );

    // Incoming payments list it, as received, without the payer's fee.
    let (status, page) = pay
        .h
        .call("GET", "/api/v1/merchant/payments", Some(&m.token), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["payment_id"], P1);
    assert_eq!(items[0]["direction"], "incoming");
    assert_eq!(items[0]["fee"], "0");
    assert_eq!(items[0]["reference"], "INV-7");
    assert_eq!(page["next_cursor"], Value::Null);
}

#[tokio::test]
async fn requests_expire_and_only_their_merchant_sees_them() {
    let pay = Pay::new();
    let m = merchant(&pay, "255712000100", "123456").await;
    let other = merchant(&pay, "255712000101", "654321").await;
    let (_, req) = request(&pay, &m, "100", "INV-1").await;
    let path = format!(
        "/api/v1/merchant/requests/{}",
        req["request_id"].as_str().unwrap()
    );
    let (status, _) = pay.h.call("GET", &path, Some(&other.token), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    pay.h.clock.advance(crate::merchant::REQUEST_TTL_MS);
    // Sessions are shorter than a request's life: log in again.
    let (_, login) = pay
        .h
        .call(
            "POST",
            "/api/v1/auth/login",
            None,
            Some(json!({"phone": "255712000100", "pin": "4821"})),
        )
        .await;
    let m = Merchant {
        token: login["token"].as_str().unwrap().into(),
        account: m.account,
    };
    let (status, got) = pay.h.call("GET", &path, Some(&m.token), None).await;
    assert_eq!(
        (status, &got["status"]),
        (StatusCode::OK, &json!("expired"))
    );
    // The reference is free again once expired.
    let (status, _) = request(&pay, &m, "100", "INV-1").await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn bad_input_and_wrong_roles_are_refused_and_change_nothing() {
    let pay = Pay::new();
    let m = merchant(&pay, "255712000100", "123456").await;
    let asha = pay.customer("255712000001", "Asha", 0, 1).await;
    let long = "x".repeat(26);
    for (amount, reference) in [
        ("0", "A"),
        ("1.001", "A"),
        ("abc", "A"),
        ("5", ""),
        ("5", long.as_str()),
    ] {
        let (status, body) = request(&pay, &m, amount, reference).await;
        assert_eq!(
            status,
            StatusCode::BAD_REQUEST,
            "{amount} {reference}: {body}"
        );
        assert_eq!(body["code"], "invalid_request");
    }
    let (status, _) = request(&pay, &m, "5", "A").await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = request(&pay, &m, "6", "A").await;
    assert_eq!(
        (status, &body["code"]),
        (StatusCode::CONFLICT, &json!("already_exists"))
    );
    for (method, path) in [
        ("GET", "/api/v1/merchant/till-qr"),
        ("GET", "/api/v1/merchant/payments"),
        ("GET", "/api/v1/merchant/requests/x"),
    ] {
        let (status, _) = pay.h.call(method, path, Some(&asha.token), None).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
        let (status, _) = pay.h.call(method, path, None, None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{path}");
    }
    let (status, _) = pay
        .h
        .call(
            "POST",
            "/api/v1/merchant/requests",
            Some(&asha.token),
            Some(json!({"amount": "5", "reference": "B", "terminal": null})),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = pay
        .h
        .call(
            "GET",
            "/api/v1/merchant/payments?cursor=nonsense",
            Some(&m.token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn till_qr_is_static_with_a_png() {
    let pay = Pay::new();
    let m = merchant(&pay, "255712000100", "123456").await;
    let (status, till) = pay
        .h
        .call("GET", "/api/v1/merchant/till-qr", Some(&m.token), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{till}");
    assert_eq!(
        (&till["id_type"], &till["till"]),
        (&json!("BUSINESS"), &json!("123456"))
    );
    let intent = parse_payment_qr(till["payload"].as_str().unwrap()).unwrap();
    assert!(!intent.dynamic);
    assert_eq!(intent.amount, None);
    use base64::Engine as _;
    let png = base64::engine::general_purpose::STANDARD
        .decode(till["png_base64"].as_str().unwrap())
        .unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
}

#[tokio::test]
async fn incoming_payments_are_paged_newest_first() {
    let pay = Pay::new();
    let m = merchant(&pay, "255712000100", "123456").await;
    let asha = pay.customer("255712000001", "Asha", 100_000, 1).await;
    let (_, till) = pay
        .h
        .call("GET", "/api/v1/merchant/till-qr", Some(&m.token), None)
        .await;
    let payload = till["payload"].as_str().unwrap();
    for id in [P1, P2] {
        let body = json!({
            "payment_id": id,
            "target": {"kind": "qr", "payload": payload},
            "amount": "10", "currency": null, "note": null,
        });
        let (status, quote) = pay
            .h
            .call("POST", "/api/v1/payments", Some(&asha.token), Some(body))
            .await;
        assert_eq!(status, StatusCode::OK, "{quote}");
        let sig = sign(&quote, &asha.key);
        let (status, _) = pay
            .approve(&asha, id, "4821", &asha.key.device_id(), &sig)
            .await;
        assert_eq!(status, StatusCode::OK);
        pay.h.clock.advance(1);
    }
    let (status, first) = pay
        .h
        .call(
            "GET",
            "/api/v1/merchant/payments?limit=1",
            Some(&m.token),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{first}");
    assert_eq!(first["items"][0]["payment_id"], P2);
    let cursor = first["next_cursor"].as_str().unwrap();
    let path = format!("/api/v1/merchant/payments?limit=1&cursor={cursor}");
    let (_, second) = pay.h.call("GET", &path, Some(&m.token), None).await;
    assert_eq!(second["items"][0]["payment_id"], P1);
    assert_eq!(second["next_cursor"], Value::Null);
}
