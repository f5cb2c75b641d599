//! Router tests of devices and internal payments: real ledger, real ed25519 signatures.

use std::sync::Arc;

use axum::http::StatusCode;
use kipochi_core::api::Event;
use kipochi_core::approval::{self, ApprovalTerms};
use kipochi_core::keys::DeviceKey;
use serde_json::{Value, json};

use super::tests::Harness;
use crate::accounts::{
    AccountId, AccountKind, AccountSystem, Alias, AliasType, Limits, Money, OpenAccount,
    TransactionType, TransferId,
};
use crate::auth::{NewUser, Role};
use crate::ledger::{FeeRule, Ledger, LedgerOptions};
use crate::orchestrator::payer::QUOTE_TTL_MS;

pub(super) struct Pay {
    pub h: Harness,
    pub ledger: Ledger,
    _dir: tempfile::TempDir,
}

pub(super) struct Customer {
    pub token: String,
    pub account: AccountId,
    pub key: DeviceKey,
}

impl Pay {
    /// A hub whose payer fee for P2P transfers is a fixed 1.00 TZS.
    pub fn new() -> Self {
        let mut h = Harness::new();
        let dir = tempfile::tempdir().unwrap();
        let mut options = LedgerOptions::default();
        options.fees.payer.insert(
            TransactionType::Transfer,
            FeeRule {
                fixed: 100,
                ..FeeRule::default()
            },
        );
        let ledger = Ledger::open_with(dir.path().join("fees.db"), options).unwrap();
        h.state.accounts = Arc::new(ledger.clone());
        h.state.ledger = Some(ledger.clone());
        Self {
            h,
            ledger,
            _dir: dir,
        }
    }

    pub fn tzs() -> crate::accounts::Currency {
        "TZS".parse().unwrap()
    }

    /// An activated, logged-in customer with `funds` minor units and a registered device.
    pub async fn customer(&self, phone: &str, name: &str, funds: i64, seed: u8) -> Customer {
        self.customer_with(phone, name, funds, seed, Limits::default())
            .await
    }

    /// Like [`Self::customer`], with KYC `limits` on the wallet.
    pub async fn customer_with(
        &self,
        phone: &str,
        name: &str,
        funds: i64,
        seed: u8,
        limits: Limits,
    ) -> Customer {
        let account = AccountId::new_v4();
        self.ledger
            .open_account(OpenAccount {
                id: account,
                kind: AccountKind::CustomerWallet,
                display_name: name.into(),
                currency: Self::tzs(),
                aliases: vec![Alias {
                    kind: AliasType::Msisdn,
                    value: phone.into(),
                }],
                limits,
                date_of_birth: None,
            })
            .await
            .unwrap();
        if funds > 0 {
            let money = Money::new(funds, Self::tzs());
            self.ledger
                .fund(TransferId::new_v4(), account, money)
                .await
                .unwrap();
        }
        let new = NewUser {
            phone: phone.into(),
            display_name: name.into(),
            role: Role::Customer,
            kyc_tier: 2,
            account_id: Some(account.to_string()),
        };
        let now = self.h.state.now();
        let (_, code) = self.h.state.auth.create_user(&new, now).unwrap();
        self.h
            .state
            .auth
            .activate(phone, &code, "4821", now)
            .unwrap();
        let (status, body) = self
            .h
            .call(
                "POST",
                "/api/v1/auth/login",
                None,
                Some(json!({"phone": phone, "pin": "4821"})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let token = body["token"].as_str().unwrap().to_string();
        let key = DeviceKey::from_secret_bytes(&[seed; 32]);
        let (status, body) = self
            .h
            .call(
                "POST",
                "/api/v1/devices",
                Some(&token),
                Some(json!({"public_key": key.public_key().to_base64url(), "label": "phone"})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["device_id"], key.device_id());
        Customer {
            token,
            account,
            key,
        }
    }

    pub async fn available(&self, account: AccountId) -> i64 {
        self.ledger.balance(account).await.unwrap().available.minor
    }

    pub async fn create(
        &self,
        who: &Customer,
        id: &str,
        phone: &str,
        amount: &str,
    ) -> (StatusCode, Value) {
        let body = json!({
            "payment_id": id,
            "target": {"kind": "phone", "phone": phone},
            "amount": amount,
            "currency": null,
            "note": null,
        });
        self.h
            .call("POST", "/api/v1/payments", Some(&who.token), Some(body))
            .await
    }

    pub async fn approve(
        &self,
        who: &Customer,
        id: &str,
        pin: &str,
        device: &str,
        sig: &str,
    ) -> (StatusCode, Value) {
        let body = json!({"pin": pin, "device_id": device, "signature": sig});
        let path = format!("/api/v1/payments/{id}/approve");
        self.h
            .call("POST", &path, Some(&who.token), Some(body))
            .await
    }
}

/// The terms a wallet builds from the quote it received.
pub(super) fn terms_of(quote: &Value, device_id: &str) -> ApprovalTerms {
    let s = |v: &Value| v.as_str().unwrap().to_string();
    ApprovalTerms {
        payment_id: s(&quote["payment_id"]),
        payee: approval::Payee {
            id_type: s(&quote["payee"]["id_type"]),
            id: s(&quote["payee"]["id"]),
            name: s(&quote["payee"]["name"]),
        },
        amount: s(&quote["amount"]),
        currency: s(&quote["currency"]),
        fee: s(&quote["fee"]),
        total: s(&quote["total"]),
        expiry: kipochi_core::api::rfc3339_millis(quote["expiry"].as_i64().unwrap()),
        nonce: s(&quote["nonce"]),
        device_id: device_id.to_string(),
    }
}

pub(super) fn sign(quote: &Value, key: &DeviceKey) -> String {
    approval::sign(&terms_of(quote, &key.device_id()), key)
        .unwrap()
        .signature
}

pub(super) const P1: &str = "6f1c1a52-3b7e-4d61-9a57-0c3f8a1b2c01";
pub(super) const P2: &str = "6f1c1a52-3b7e-4d61-9a57-0c3f8a1b2c02";

#[tokio::test]
async fn internal_payment_happy_path_with_events_and_idempotent_retries() {
    let pay = Pay::new();
    let asha = pay.customer("255712000001", "Asha", 100_000, 1).await;
    let baraka = pay.customer("255712000002", "Baraka", 0, 2).await;
    let mut events = pay.h.state.events.subscribe();

    let (status, quote) = pay.create(&asha, P1, "255712000002", "150.5").await;
    assert_eq!(status, StatusCode::OK, "{quote}");
    assert_eq!(quote["payee"]["name"], "Baraka");
    assert_eq!(quote["payee"]["fsp_id"], "testfsp");
    assert_eq!(
        (&quote["amount"], &quote["fee"], &quote["total"]),
        (&json!("150.5"), &json!("1"), &json!("151.5"))
    );
    // Same request again: the same quote (same nonce); another body: 409.
    let (status, again) = pay.create(&asha, P1, "255712000002", "150.5").await;
    assert_eq!((status, &again), (StatusCode::OK, &quote));
    let (status, body) = pay.create(&asha, P1, "255712000002", "99").await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(body["code"], "idempotency_conflict");

    let sig = sign(&quote, &asha.key);
    let (status, done) = pay
        .approve(&asha, P1, "4821", &asha.key.device_id(), &sig)
        .await;
    assert_eq!(status, StatusCode::OK, "{done}");
    assert_eq!(done["state"], "committed");
    assert_eq!(pay.available(asha.account).await, 100_000 - 15_150);
    assert_eq!(pay.available(baraka.account).await, 15_050);

    // A retried approve answers with the payment and moves no money.
    let (status, retry) = pay
        .approve(&asha, P1, "4821", &asha.key.device_id(), &sig)
        .await;
    assert_eq!(
        (status, &retry["state"]),
        (StatusCode::OK, &json!("committed"))
    );
    assert_eq!(pay.available(asha.account).await, 84_850);
    assert_eq!(pay.available(baraka.account).await, 15_050);

    let mut seen = Vec::new();
    while let Ok((user, event)) = events.try_recv() {
        seen.push((user, event));
    }
    assert!(seen.iter().any(|(_, e)| matches!(e,
        Event::PaymentCompleted { payment } if payment.payment_id == P1)));
    assert!(seen.iter().any(|(_, e)| matches!(e,
        Event::PaymentReceived { payment }
            if payment.amount == "150.5" && payment.counterparty.name == "Asha")));

    // Only the owner sees the payment.
    let path = format!("/api/v1/payments/{P1}");
    let (status, mine) = pay.h.call("GET", &path, Some(&asha.token), None).await;
    assert_eq!(
        (status, &mine["state"]),
        (StatusCode::OK, &json!("committed"))
    );
    let (status, _) = pay.h.call("GET", &path, Some(&baraka.token), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn forged_altered_replayed_and_foreign_approvals_are_refused() {
    let pay = Pay::new();
    let asha = pay.customer("255712000001", "Asha", 100_000, 1).await;
    let baraka = pay.customer("255712000002", "Baraka", 100_000, 2).await;
    let (_, q1) = pay.create(&asha, P1, "255712000002", "10").await;
    let (_, q2) = pay.create(&asha, P2, "255712000002", "20").await;
    let dev = asha.key.device_id();

    // Signed by a key that is not the registered device's.
    let intruder = DeviceKey::from_secret_bytes(&[9; 32]);
    let mut forged_terms = terms_of(&q1, &intruder.device_id());
    let forged = approval::sign(&forged_terms, &intruder).unwrap().signature;
    let (status, body) = pay.approve(&asha, P1, "4821", &dev, &forged).await;
    assert_eq!(
        (status, &body["code"]),
        (StatusCode::UNPROCESSABLE_ENTITY, &json!("invalid_approval"))
    );
    // Altered terms (a smaller amount) signed by the right device.
    forged_terms = terms_of(&q1, &dev);
    forged_terms.amount = "1".into();
    let altered = approval::sign(&forged_terms, &asha.key).unwrap().signature;
    let (_, body) = pay.approve(&asha, P1, "4821", &dev, &altered).await;
    assert_eq!(body["code"], "invalid_approval");
    // The approval of payment 2 replayed for payment 1.
    let (_, body) = pay
        .approve(&asha, P1, "4821", &dev, &sign(&q2, &asha.key))
        .await;
    assert_eq!(body["code"], "invalid_approval");
    // Baraka cannot approve Asha's payment, even with a valid signature of his own device.
    let (status, _) = pay
        .approve(
            &baraka,
            P1,
            "4821",
            &baraka.key.device_id(),
            &sign(&q1, &baraka.key),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // Asha cannot approve with Baraka's device.
    let (_, body) = pay
        .approve(
            &asha,
            P1,
            "4821",
            &baraka.key.device_id(),
            &sign(&q1, &baraka.key),
        )
        .await;
    assert_eq!(body["code"], "unknown_device");
    // Wrong PIN.
    let (status, body) = pay
        .approve(&asha, P1, "0000", &dev, &sign(&q1, &asha.key))
        .await;
    assert_eq!(
        (status, &body["code"]),
        (StatusCode::UNAUTHORIZED, &json!("bad_credentials"))
    );

    // Nothing moved; the genuine approval still works.
    assert_eq!(pay.available(asha.account).await, 100_000);
    let (status, body) = pay
        .approve(&asha, P1, "4821", &dev, &sign(&q1, &asha.key))
        .await;
    assert_eq!(
        (status, &body["state"]),
        (StatusCode::OK, &json!("committed"))
    );
    assert_eq!(pay.available(baraka.account).await, 101_000);
}

#[tokio::test]
async fn expired_declined_and_unfunded_payments_move_no_money() {
    let pay = Pay::new();
    let asha = pay.customer("255712000001", "Asha", 5_000, 1).await;
    let baraka = pay.customer("255712000002", "Baraka", 0, 2).await;
    let dev = asha.key.device_id();

    // Insufficient funds: refused at the quote, stored as failed with the code.
    let (status, body) = pay.create(&asha, P1, "255712000002", "50").await;
    assert_eq!(
        (status, &body["code"]),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            &json!("insufficient_funds")
        )
    );
    let (_, p) = pay
        .h
        .call(
            "GET",
            &format!("/api/v1/payments/{P1}"),
            Some(&asha.token),
            None,
        )
        .await;
    assert_eq!(
        (&p["state"], &p["error"]["code"]),
        (&json!("failed"), &json!("insufficient_funds"))
    );
    let (_, body) = pay.create(&asha, P1, "255712000002", "50").await;
    assert_eq!(body["code"], "insufficient_funds");

    // Declined, then an approval is refused.
    let (_, q) = pay.create(&asha, P2, "255712000002", "10").await;
    let path = format!("/api/v1/payments/{P2}/decline");
    let (status, body) = pay.h.call("POST", &path, Some(&asha.token), None).await;
    assert_eq!(
        (status, &body["state"]),
        (StatusCode::OK, &json!("declined"))
    );
    let (_, body) = pay
        .approve(&asha, P2, "4821", &dev, &sign(&q, &asha.key))
        .await;
    assert_eq!(body["code"], "payment_declined");

    // Expired quote.
    let p3 = "6f1c1a52-3b7e-4d61-9a57-0c3f8a1b2c03";
    let (_, q) = pay.create(&asha, p3, "255712000002", "10").await;
    pay.h.clock.advance(QUOTE_TTL_MS + 1);
    let (_, body) = pay
        .approve(&asha, p3, "4821", &dev, &sign(&q, &asha.key))
        .await;
    assert_eq!(body["code"], "quote_expired");
    assert_eq!(pay.available(asha.account).await, 5_000);
    assert_eq!(pay.available(baraka.account).await, 0);
}

#[tokio::test]
async fn bad_requests_and_unknown_payees() {
    let pay = Pay::new();
    let asha = pay.customer("255712000001", "Asha", 5_000, 1).await;
    let (status, body) = pay.create(&asha, "not-a-uuid", "255712000002", "1").await;
    assert_eq!(
        (status, &body["code"]),
        (StatusCode::BAD_REQUEST, &json!("invalid_request"))
    );
    let (_, body) = pay.create(&asha, P1, "255712000009", "1").await;
    assert_eq!(body["code"], "payee_not_found");
    let (status, _) = pay.create(&asha, P1, "255712000001", "1").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = pay.create(&asha, P1, "255712000002", "1.001").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn devices_are_per_user_and_idempotent() {
    let pay = Pay::new();
    let asha = pay.customer("255712000001", "Asha", 0, 1).await;
    let baraka = pay.customer("255712000002", "Baraka", 0, 2).await;
    let body = json!({"public_key": asha.key.public_key().to_base64url(), "label": "again"});
    let (status, d) = pay
        .h
        .call(
            "POST",
            "/api/v1/devices",
            Some(&asha.token),
            Some(body.clone()),
        )
        .await;
    assert_eq!((status, &d["label"]), (StatusCode::OK, &json!("phone")));
    let (status, e) = pay
        .h
        .call("POST", "/api/v1/devices", Some(&baraka.token), Some(body))
        .await;
    assert_eq!(
        (status, &e["code"]),
        (StatusCode::CONFLICT, &json!("already_exists"))
    );
    let bad = json!({"public_key": "AAAA", "label": "x"});
    let (status, _) = pay
        .h
        .call("POST", "/api/v1/devices", Some(&asha.token), Some(bad))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, list) = pay
        .h
        .call("GET", "/api/v1/devices", Some(&asha.token), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list.as_array().unwrap().len(), 1);
    let (status, _) = pay.h.call("GET", "/api/v1/devices", None, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn pays_a_merchant_dynamic_qr_internally() {
    use kipochi_core::money::{Amount, Currency};
    use kipochi_core::qr::{MerchantQr, PartyId, PartyIdType};

    let pay = Pay::new();
    let asha = pay.customer("255712000001", "Asha", 100_000, 1).await;
    let till = AccountId::new_v4();
    pay.ledger
        .open_account(OpenAccount {
            id: till,
            kind: AccountKind::Merchant,
            display_name: "Mama Ntilie Shop".into(),
            currency: Pay::tzs(),
            aliases: vec![Alias {
                kind: AliasType::Business,
                value: "123456".into(),
            }],
            limits: Limits::default(),
            date_of_birth: None,
        })
        .await
        .unwrap();
    let payee = PartyId {
        id_type: PartyIdType::Business,
        identifier: "123456".into(),
        sub_id: None,
    };
    let tzs = Currency::from_alpha("TZS").unwrap();
    let payload = MerchantQr::kipochi(&payee, "5411", tzs, "TZ", "Printed Name", "Dar")
        .for_payment("250".parse::<Amount>().unwrap(), Some("INV-7"), None)
        .encode()
        .unwrap();
    let body = json!({
        "payment_id": P1,
        "target": {"kind": "qr", "payload": payload},
        "amount": null, "currency": "TZS", "note": null,
    });
    let (status, quote) = pay
        .h
        .call("POST", "/api/v1/payments", Some(&asha.token), Some(body))
        .await;
    assert_eq!(status, StatusCode::OK, "{quote}");
    // The name comes from the lookup, never from the QR.
    assert_eq!(quote["payee"]["name"], "Mama Ntilie Shop");
    assert_eq!(
        (&quote["amount"], &quote["fee"]),
        (&json!("250"), &json!("0"))
    );
    let sig = sign(&quote, &asha.key);
    let (status, done) = pay
        .approve(&asha, P1, "4821", &asha.key.device_id(), &sig)
        .await;
    assert_eq!(
        (status, &done["reference"]),
        (StatusCode::OK, &json!("INV-7"))
    );
    assert_eq!(pay.available(till).await, 25_000);
    assert_eq!(pay.available(asha.account).await, 75_000);
}
