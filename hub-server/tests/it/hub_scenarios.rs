//! The hub's wallet-API payment scenarios, one suite for both account systems: every scenario
//! runs on the embedded ledger (`ledger::`) and on the Fineract adapter over the contract double
//! (`fineract::`). Real router, real Ed25519 approvals, same fee (1.00 TZS) on both.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use kipochi_core::keys::DeviceKey;
use kipochi_hub::accounts::AccountId;
use kipochi_hub::auth::{NewUser, Role};
use kipochi_hub::clock::ManualClock;
use kipochi_hub::{AppState, app};
use serde_json::{Value, json};
use tower::ServiceExt;

use crate::accounts_contract::fixture::{Backend, Fixture, wallet};
use crate::cross_dfsp::signature;

macro_rules! for_both {
    ($($name:ident),* $(,)?) => {
        mod ledger {
            $(#[tokio::test]
            async fn $name() {
                super::$name(&super::Hub::new(super::Fixture::ledger().await)).await;
            })*
        }
        mod fineract {
            $(#[tokio::test]
            async fn $name() {
                let hub = super::Hub::new(super::Fixture::fineract().await);
                super::$name(&hub).await;
                hub.fx.check_contract();
            })*
        }
    };
}

for_both!(
    p2p_payment_books_once_with_retried_approve,
    insufficient_funds_and_unknown_payee_are_refused,
    wrong_pin_moves_nothing,
    agent_onboarding_retried_once_with_tier_limits,
);

struct Hub {
    fx: Fixture,
    state: AppState,
    _dir: tempfile::TempDir,
}

struct Customer {
    token: String,
    account: AccountId,
    key: DeviceKey,
}

impl Hub {
    fn new(fx: Fixture) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let mut state =
            AppState::for_tests(dir.path(), Arc::new(ManualClock::new(1_700_000_000_000))).unwrap();
        state.accounts = fx.system.clone();
        state.ledger = match &fx.backend {
            Backend::Ledger(l) => Some(l.clone()),
            Backend::Fineract(_) => None,
        };
        Self {
            fx,
            state,
            _dir: dir,
        }
    }

    async fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut req = Request::builder().method(method).uri(path);
        if let Some(token) = token {
            req = req.header("authorization", format!("Bearer {token}"));
        }
        let req = match body {
            Some(b) => req
                .header("content-type", "application/json")
                .body(Body::from(b.to_string()))
                .unwrap(),
            None => req.body(Body::empty()).unwrap(),
        };
        let res = app(self.state.clone()).oneshot(req).await.unwrap();
        let status = res.status();
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        )
    }

    async fn customer(&self, phone: &str, name: &str, funds: i64, seed: u8) -> Customer {
        let account = self
            .fx
            .system
            .open_account(wallet(name, phone))
            .await
            .unwrap()
            .id;
        if funds > 0 {
            self.fx.fund(account, funds).await;
        }
        let new = NewUser {
            phone: phone.into(),
            display_name: name.into(),
            role: Role::Customer,
            kyc_tier: 2,
            account_id: Some(account.to_string()),
        };
        let now = self.state.now();
        let (_, code) = self.state.auth.create_user(&new, now).unwrap();
        self.activate(phone, &code, account, seed).await
    }

    /// Sets the PIN with the activation `code`, logs in and registers a device key.
    async fn activate(&self, phone: &str, code: &str, account: AccountId, seed: u8) -> Customer {
        let now = self.state.now();
        self.state.auth.activate(phone, code, "4821", now).unwrap();
        let (status, body) = self
            .call(
                "POST",
                "/api/v1/auth/login",
                None,
                Some(json!({"phone": phone, "pin": "4821"})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let token = body["token"].as_str().unwrap().to_owned();
        let key = DeviceKey::from_secret_bytes(&[seed; 32]);
        let (status, body) = self
            .call(
                "POST",
                "/api/v1/devices",
                Some(&token),
                Some(json!({"public_key": key.public_key().to_base64url(), "label": "phone"})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        Customer {
            token,
            account,
            key,
        }
    }

    /// `POST /agent/customers` with `Idempotency-Key: key`.
    async fn onboard(&self, agent: &str, key: &str, form: Value) -> (StatusCode, Value) {
        let req = Request::builder()
            .method("POST")
            .uri("/api/v1/agent/customers")
            .header("authorization", format!("Bearer {agent}"))
            .header("idempotency-key", key)
            .header("content-type", "application/json")
            .body(Body::from(form.to_string()))
            .unwrap();
        let res = app(self.state.clone()).oneshot(req).await.unwrap();
        let status = res.status();
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        )
    }

    async fn create(
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
        self.call("POST", "/api/v1/payments", Some(&who.token), Some(body))
            .await
    }

    async fn approve(&self, who: &Customer, quote: &Value, pin: &str) -> (StatusCode, Value) {
        let id = quote["payment_id"].as_str().unwrap();
        let body = json!({"pin": pin, "device_id": who.key.device_id(), "signature": signature(quote, &who.key)});
        self.call(
            "POST",
            &format!("/api/v1/payments/{id}/approve"),
            Some(&who.token),
            Some(body),
        )
        .await
    }

    async fn bal(&self, who: &Customer) -> (i64, i64) {
        self.fx.bal(who.account).await
    }
}

const P1: &str = "7a2c1a52-3b7e-4d61-9a57-0c3f8a1b2c01";
const P2: &str = "7a2c1a52-3b7e-4d61-9a57-0c3f8a1b2c02";

async fn p2p_payment_books_once_with_retried_approve(h: &Hub) {
    let asha = h.customer("255712000001", "Asha Juma", 100_000, 1).await;
    let baraka = h.customer("255712000002", "Baraka Mrema", 0, 2).await;
    let (status, quote) = h.create(&asha, P1, "255712000002", "150.5").await;
    assert_eq!(status, StatusCode::OK, "{quote}");
    assert_eq!(quote["payee"]["name"], "Baraka Mrema");
    assert_eq!(
        (&quote["fee"], &quote["total"]),
        (&json!("1"), &json!("151.5"))
    );
    let (status, done) = h.approve(&asha, &quote, "4821").await;
    assert_eq!(status, StatusCode::OK, "{done}");
    assert_eq!(done["state"], "committed");
    assert_eq!(h.bal(&asha).await, (84_850, 84_850));
    assert_eq!(h.bal(&baraka).await, (15_050, 15_050));
    let (status, retry) = h.approve(&asha, &quote, "4821").await;
    assert_eq!(
        (status, &retry["state"]),
        (StatusCode::OK, &json!("committed"))
    );
    assert_eq!(h.bal(&asha).await, (84_850, 84_850), "booked once");
    assert_eq!(h.bal(&baraka).await, (15_050, 15_050));
    let (status, history) = h
        .call("GET", "/api/v1/history", Some(&baraka.token), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(history.to_string().contains("150.5"), "{history}");
}

async fn insufficient_funds_and_unknown_payee_are_refused(h: &Hub) {
    let asha = h.customer("255712000003", "Asha Juma", 10_000, 3).await;
    let baraka = h.customer("255712000004", "Baraka Mrema", 0, 4).await;
    let (status, body) = h.create(&asha, P1, "255712000004", "100").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["code"], "insufficient_funds");
    let (status, body) = h.create(&asha, P2, "255712999999", "1").await;
    assert!(status.is_client_error(), "{status} {body}");
    assert_eq!(h.bal(&asha).await, (10_000, 10_000));
    assert_eq!(h.bal(&baraka).await, (0, 0));
}

async fn wrong_pin_moves_nothing(h: &Hub) {
    let asha = h.customer("255712000005", "Asha Juma", 10_000, 5).await;
    let baraka = h.customer("255712000006", "Baraka Mrema", 0, 6).await;
    let (status, quote) = h.create(&asha, P1, "255712000006", "20").await;
    assert_eq!(status, StatusCode::OK, "{quote}");
    let (status, _) = h.approve(&asha, &quote, "0000").await;
    assert!(status.is_client_error(), "{status}");
    assert_eq!(h.bal(&asha).await, (10_000, 10_000));
    let (status, done) = h.approve(&asha, &quote, "4821").await;
    assert_eq!(
        (status, &done["state"]),
        (StatusCode::OK, &json!("committed")),
        "{done}"
    );
    assert_eq!(h.bal(&asha).await, (7_900, 7_900));
    assert_eq!(h.bal(&baraka).await, (2_000, 2_000));
}

const P3: &str = "7a2c1a52-3b7e-4d61-9a57-0c3f8a1b2c03";

/// An agent onboards a tier-1 customer; the sync is retried (on Fineract after a lost answer),
/// which never creates a second customer or Fineract client; the date of birth reaches Fineract
/// in its date format; the tier-1 limits (500,000 TZS per payment, 1,000,000 TZS balance) are
/// enforced on the new wallet by either account system.
async fn agent_onboarding_retried_once_with_tier_limits(h: &Hub) {
    let now = h.state.now();
    let agent = NewUser {
        phone: "255712000090".into(),
        display_name: "Agent".into(),
        role: Role::Agent,
        kyc_tier: 3,
        account_id: None,
    };
    let (_, code) = h.state.auth.create_user(&agent, now).unwrap();
    h.state
        .auth
        .activate("255712000090", &code, "4821", now)
        .unwrap();
    let (_, body) = h
        .call(
            "POST",
            "/api/v1/auth/login",
            None,
            Some(json!({"phone": "255712000090", "pin": "4821"})),
        )
        .await;
    let agent = body["token"].as_str().unwrap().to_owned();
    let form = json!({
        "full_name": "Zuhura Said", "phone": "255712000091", "id_type": "national_id",
        "id_number": "19900101-12345-00001-22", "date_of_birth": "1990-01-31",
        "kyc_tier": 1, "photo": null,
    });
    let key = "0b7e4c1a-5d2f-4e8a-9c3b-7f1e2d4a6b81";
    if let Backend::Fineract(d) = &h.fx.backend {
        d.lose_answer_of("command=activate");
        let (status, _) = h.onboard(&agent, key, form.clone()).await;
        assert!(!status.is_success(), "{status}");
    }
    let (status, first) = h.onboard(&agent, key, form.clone()).await;
    assert_eq!(status, StatusCode::OK, "{first}");
    let (status, again) = h.onboard(&agent, key, form.clone()).await;
    assert_eq!((status, &again), (StatusCode::OK, &first), "same answer");
    let (_, list) = h
        .call("GET", "/api/v1/agent/customers", Some(&agent), None)
        .await;
    assert_eq!(list.as_array().map(Vec::len), Some(1), "{list}");
    if let Backend::Fineract(d) = &h.fx.backend {
        assert_eq!(
            d.counts(),
            (1, 1),
            "one Fineract client and savings account"
        );
        let m = d.model.lock().unwrap();
        let client = m.clients.values().next().unwrap();
        assert_eq!(
            client.date_of_birth,
            chrono::NaiveDate::from_ymd_opt(1990, 1, 31)
        );
    }

    let account = AccountId(first["account_id"].as_str().unwrap().parse().unwrap());
    let code = first["activation_code"].as_str().unwrap();
    let zuhura = h.activate("255712000091", code, account, 9).await;
    h.fx.fund(account, 60_000_000).await;
    let payee = h.customer("255712000092", "Baraka Mrema", 0, 10).await;
    // Per payment: 550,000 + fee is over 500,000.
    let (status, body) = h.create(&zuhura, P1, "255712000092", "550000").await;
    assert_eq!(
        (status, &body["code"]),
        (StatusCode::UNPROCESSABLE_ENTITY, &json!("limit_exceeded")),
        "{body}"
    );
    let (status, quote) = h.create(&zuhura, P2, "255712000092", "400000").await;
    assert_eq!(status, StatusCode::OK, "{quote}");
    let (status, done) = h.approve(&zuhura, &quote, "4821").await;
    assert_eq!(
        (status, &done["state"]),
        (StatusCode::OK, &json!("committed"))
    );
    assert_eq!(h.bal(&zuhura).await, (19_999_900, 19_999_900));
    // Max balance: 199,999 + 900,000 would be over 1,000,000; nothing moves.
    let rich = h
        .customer("255712000093", "Tajiri Mkubwa", 100_000_000, 11)
        .await;
    let refused = h.create(&rich, P3, "255712000091", "900000").await;
    let refused = match refused {
        (StatusCode::OK, quote) => h.approve(&rich, &quote, "4821").await,
        other => other,
    };
    assert_eq!(
        (refused.0, &refused.1["code"]),
        (StatusCode::UNPROCESSABLE_ENTITY, &json!("limit_exceeded")),
        "{}",
        refused.1
    );
    assert_eq!(h.bal(&zuhura).await, (19_999_900, 19_999_900));
    assert_eq!(h.bal(&rich).await, (100_000_000, 100_000_000));
    assert_eq!(h.bal(&payee).await, (40_000_000, 40_000_000));
}
