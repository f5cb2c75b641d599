//! The whole hub on Fineract: `AppState::open` with `[accounts] kind = "fineract"` pointing at the
//! contract double, driven through the wallet API (`tower` on the router, the double over HTTP on
//! 127.0.0.1). Agent onboarding retried after a lost Fineract answer creates one client; the
//! customer's balance and history come from the savings account.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use kipochi_hub::accounts::AccountId;
use kipochi_hub::auth::{NewUser, Role};
use kipochi_hub::config::Config;
use kipochi_hub::fineract::{AccountsKind, AccountsSection, FineractSettings};
use kipochi_hub::{AppState, app};
use serde_json::{Value, json};
use tower::ServiceExt;

use crate::fineract_double::{self, FineractDouble};

struct Hub {
    double: FineractDouble,
    state: AppState,
    _dir: tempfile::TempDir,
}

async fn hub() -> Hub {
    let double = FineractDouble::start(0).await;
    let dir = tempfile::tempdir().unwrap();
    let mut settings = FineractSettings::basic(
        &double.base_url,
        fineract_double::TENANT,
        fineract_double::USER,
        fineract_double::PASSWORD,
    );
    settings.wallet_product_id = fineract_double::WALLET_PRODUCT;
    let config = Config {
        accounts: AccountsSection {
            kind: AccountsKind::Fineract,
            fineract: Some(settings),
        },
        ..Config::default()
    };
    config.validate().unwrap();
    let state = AppState::open(&config, dir.path()).unwrap();
    assert!(state.ledger.is_none(), "no embedded ledger on Fineract");
    assert!(dir.path().join("fineract.db").exists());
    assert!(!dir.path().join("ledger.db").exists());
    Hub {
        double,
        state,
        _dir: dir,
    }
}

impl Hub {
    async fn call(
        &self,
        method: &str,
        path: &str,
        token: &str,
        key: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut req = Request::builder()
            .method(method)
            .uri(path)
            .header("authorization", format!("Bearer {token}"));
        if let Some(key) = key {
            req = req.header("idempotency-key", key);
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

    async fn login(&self, phone: &str, pin: &str) -> String {
        let (status, body) = self
            .call(
                "POST",
                "/api/v1/auth/login",
                "",
                None,
                Some(json!({"phone": phone, "pin": pin})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["token"].as_str().unwrap().to_owned()
    }

    async fn agent(&self, phone: &str) -> String {
        let new = NewUser {
            phone: phone.into(),
            display_name: "Agent".into(),
            role: Role::Agent,
            kyc_tier: 3,
            account_id: None,
        };
        let now = self.state.now();
        let (_, code) = self.state.auth.create_user(&new, now).unwrap();
        self.state.auth.activate(phone, &code, "4821", now).unwrap();
        self.login(phone, "4821").await
    }
}

fn form(phone: &str) -> Value {
    json!({
        "full_name": "Asha Mwakyusa",
        "phone": phone,
        "id_type": "national_id",
        "id_number": "19900101-12345-00001-22",
        "date_of_birth": "1990-01-01",
        "kyc_tier": 1,
        "photo": null
    })
}

#[tokio::test]
async fn agent_onboarding_retried_after_a_lost_fineract_answer_creates_one_customer() {
    let h = hub().await;
    let agent = h.agent("255712300001").await;
    let key = "0b7e4c1a-5d2f-4e8a-9c3b-7f1e2d4a6b80";
    let path = "/api/v1/agent/customers";
    h.double.lose_answer_of("command=activate");
    let (status, _) = h
        .call("POST", path, &agent, Some(key), Some(form("255712300002")))
        .await;
    assert!(!status.is_success(), "{status}");
    let (status, first) = h
        .call("POST", path, &agent, Some(key), Some(form("255712300002")))
        .await;
    assert!(status.is_success(), "{status} {first}");
    let (status, again) = h
        .call("POST", path, &agent, Some(key), Some(form("255712300002")))
        .await;
    assert!(status.is_success());
    assert_eq!(again, first, "the retried sync gets the same answer");
    assert_eq!(
        h.double.counts(),
        (1, 1),
        "one Fineract client, one savings account"
    );
    let client_posts = h
        .double
        .calls_to("/clients")
        .into_iter()
        .filter(|c| c.method == "POST")
        .count();
    assert_eq!(client_posts, 1, "the client step was not repeated");

    // The customer's money lives in the Fineract savings account.
    let account: AccountId = AccountId(first["account_id"].as_str().unwrap().parse().unwrap());
    let code = first["activation_code"].as_str().unwrap();
    let now = h.state.now();
    h.state
        .auth
        .activate("255712300002", code, "5930", now)
        .unwrap();
    let customer = h.login("255712300002", "5930").await;
    let (status, balance) = h
        .call("GET", "/api/v1/balance", &customer, None, None)
        .await;
    assert_eq!(status, StatusCode::OK, "{balance}");
    assert_eq!(
        (balance["ledger"].as_str(), balance["currency"].as_str()),
        (Some("0"), Some("TZS"))
    );
    h.double.deposit(account, 150_050).await;
    let (_, balance) = h
        .call("GET", "/api/v1/balance", &customer, None, None)
        .await;
    assert_eq!(balance["ledger"], "1500.5");
    assert_eq!(balance["available"], "1500.5");
    let (status, history) = h
        .call("GET", "/api/v1/history", &customer, None, None)
        .await;
    assert_eq!(status, StatusCode::OK, "{history}");
    assert!(history.to_string().contains("1500.5"), "{history}");
    assert_eq!(h.double.unexpected(), Vec::<String>::new());
}
