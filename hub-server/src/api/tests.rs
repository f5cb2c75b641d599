//! Router tests without sockets: every endpoint's success and error paths.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;

use crate::auth::{NewUser, Role};
use crate::clock::ManualClock;
use crate::http::{AppState, app};

pub(crate) struct Harness {
    pub state: AppState,
    pub clock: Arc<ManualClock>,
    _dir: tempfile::TempDir,
}

impl Harness {
    pub fn new() -> Self {
        let clock = Arc::new(ManualClock::new(1_700_000_000_000));
        let dir = tempfile::tempdir().unwrap();
        let state = AppState::for_tests(dir.path(), clock.clone()).unwrap();
        Self {
            state,
            clock,
            _dir: dir,
        }
    }

    /// Creates and activates a user; returns its bearer token.
    pub async fn user(&self, phone: &str, role: Role) -> String {
        let new = NewUser {
            phone: phone.into(),
            display_name: format!("User {phone}"),
            role,
            kyc_tier: 2,
            account_id: Some(format!("acc-{phone}")),
        };
        let now = self.state.now();
        let (_, code) = self.state.auth.create_user(&new, now).unwrap();
        self.state.auth.activate(phone, &code, "4821", now).unwrap();
        let (status, body) = self
            .call(
                "POST",
                "/api/v1/auth/login",
                None,
                Some(json!({"phone": phone, "pin": "4821"})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["token"].as_str().unwrap().to_string()
    }

    pub async fn call(
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
        let value = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap()
        };
        (status, value)
    }
}

#[tokio::test]
async fn login_and_me() {
    let h = Harness::new();
    let token = h.user("255712000001", Role::Customer).await;
    let (status, me) = h.call("GET", "/api/v1/me", Some(&token), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["phone"], "255712000001");
    assert_eq!(me["role"], "customer");
    assert!(me.get("pin_hash").is_none());
}

#[tokio::test]
async fn wrong_pin_is_401_with_code_and_locks_after_five() {
    let h = Harness::new();
    h.user("255712000002", Role::Customer).await;
    let bad = json!({"phone": "255712000002", "pin": "0007"});
    for _ in 0..5 {
        let (status, body) = h
            .call("POST", "/api/v1/auth/login", None, Some(bad.clone()))
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(body["code"], "bad_credentials");
    }
    let good = json!({"phone": "255712000002", "pin": "4821"});
    let (status, body) = h
        .call("POST", "/api/v1/auth/login", None, Some(good.clone()))
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(body["code"], "locked");
    h.clock.advance(31 * 60 * 1000);
    let (status, _) = h.call("POST", "/api/v1/auth/login", None, Some(good)).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn malformed_bodies_are_400_invalid_request() {
    let h = Harness::new();
    let (status, body) = h
        .call(
            "POST",
            "/api/v1/auth/login",
            None,
            Some(json!({"phone": 5})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["code"], "invalid_request");
    let req = Request::post("/api/v1/auth/login")
        .header("content-type", "application/json")
        .body(Body::from("{not json"))
        .unwrap();
    let res = app(h.state.clone()).oneshot(req).await.unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let req = Request::post("/api/v1/auth/login")
        .body(Body::from("{}"))
        .unwrap();
    let res = app(h.state.clone()).oneshot(req).await.unwrap();
    assert_eq!(
        res.status(),
        StatusCode::BAD_REQUEST,
        "missing content type"
    );
}

#[tokio::test]
async fn missing_forged_and_logged_out_tokens_are_401() {
    let h = Harness::new();
    let (status, body) = h.call("GET", "/api/v1/me", None, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["code"], "unauthenticated");
    let (status, _) = h.call("GET", "/api/v1/me", Some("forged"), None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let token = h.user("255712000003", Role::Merchant).await;
    let (status, _) = h
        .call("POST", "/api/v1/auth/logout", Some(&token), None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = h.call("GET", "/api/v1/me", Some(&token), None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn tokens_expire() {
    let h = Harness::new();
    let token = h.user("255712000004", Role::Agent).await;
    h.clock.advance(15 * 60 * 1000);
    let (status, _) = h.call("GET", "/api/v1/me", Some(&token), None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn activation_over_http() {
    let h = Harness::new();
    let new = NewUser {
        phone: "255712000005".into(),
        display_name: "Neema".into(),
        role: Role::Customer,
        kyc_tier: 1,
        account_id: None,
    };
    let (_, code) = h.state.auth.create_user(&new, h.state.now()).unwrap();
    let body = json!({"phone": "255712000005", "activation_code": "00000000", "pin": "4821"});
    let (status, err) = h
        .call("POST", "/api/v1/auth/activate", None, Some(body))
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{err}");
    let body = json!({"phone": "255712000005", "activation_code": code, "pin": "1234"});
    let (status, err) = h
        .call("POST", "/api/v1/auth/activate", None, Some(body))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "weak PIN: {err}");
    let body = json!({"phone": "255712000005", "activation_code": code, "pin": "4821"});
    let (status, profile) = h
        .call("POST", "/api/v1/auth/activate", None, Some(body))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(profile["display_name"], "Neema");
}

#[tokio::test]
async fn unknown_api_path_is_404_in_error_shape() {
    let h = Harness::new();
    let (status, body) = h.call("GET", "/api/v1/nope", None, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["code"], "not_found");
}
