//! Agent onboarding over the router: authz, validation, exactly-once by Idempotency-Key.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tower::ServiceExt;

use super::agent::account_id_for;
use super::tests::Harness;
use crate::auth::{NewUser, Role};
use crate::http::app;

const KEY: &str = "6f1c2a4e-8d3b-4c7a-9e21-0b5d7f3a9c11";

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

async fn post(h: &Harness, token: &str, key: Option<&str>, body: Value) -> (StatusCode, Value) {
    let mut req = Request::post("/api/v1/agent/customers")
        .header("authorization", format!("Bearer {token}"))
        .header("content-type", "application/json");
    if let Some(key) = key {
        req = req.header("idempotency-key", key);
    }
    let res = app(h.state.clone())
        .oneshot(req.body(Body::from(body.to_string())).unwrap())
        .await
        .unwrap();
    let status = res.status();
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    (status, serde_json::from_slice(&bytes).unwrap())
}

fn recorded(h: &Harness, key: &str) -> bool {
    h.state.idempotency.exists("onboarding", key).unwrap()
}

#[tokio::test]
async fn only_agents_onboard() {
    let h = Harness::new();
    for (phone, role) in [
        ("255712200001", Role::Customer),
        ("255712200002", Role::Admin),
    ] {
        let token = h.user(phone, role).await;
        let (status, body) = post(&h, &token, Some(KEY), form("255712200099")).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{role:?}");
        assert_eq!(body["code"], "forbidden");
    }
    assert!(!recorded(&h, KEY));
    assert!(
        h.state
            .auth
            .user_by_phone("255712200099")
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn onboarding_is_exactly_once_per_key() {
    let h = Harness::new();
    let agent = h.user("255712200010", Role::Agent).await;
    let (status, first) = post(&h, &agent, Some(KEY), form("255712200011")).await;
    assert_eq!(status, StatusCode::OK, "{first}");
    let (status, again) = post(&h, &agent, Some(KEY), form("255712200011")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(first, again, "a retry gets the original answer");
    let code = first["activation_code"].as_str().unwrap();
    assert_eq!(code.len(), 8);
    // One user, holding the account derived from the key, with tier-1 limits.
    let user = h.state.auth.user_by_phone("255712200011").unwrap().unwrap();
    assert_eq!(user.id.to_string(), first["customer_id"]);
    assert_eq!(user.role, Role::Customer);
    let account = account_id_for(&KEY.parse().unwrap());
    assert_eq!(first["account_id"], account.to_string());
    assert_eq!(user.account_id, Some(account.to_string()));
    let info = h.state.accounts.account(account).await.unwrap();
    assert_eq!(info.limits.max_balance, Some(1_000_000 * 100));
    assert_eq!(info.aliases[0].value, "255712200011");
    // The code activates the customer.
    h.state
        .auth
        .activate("255712200011", code, "4821", h.state.now())
        .unwrap();
}

#[tokio::test]
async fn same_key_with_another_body_is_409() {
    let h = Harness::new();
    let agent = h.user("255712200020", Role::Agent).await;
    let (status, _) = post(&h, &agent, Some(KEY), form("255712200021")).await;
    assert_eq!(status, StatusCode::OK);
    let mut changed = form("255712200021");
    changed["kyc_tier"] = json!(2);
    let (status, body) = post(&h, &agent, Some(KEY), changed).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(body["code"], "idempotency_conflict");
    // Another agent cannot reuse the key either.
    let other = h.user("255712200022", Role::Agent).await;
    let (status, body) = post(&h, &other, Some(KEY), form("255712200021")).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(body["code"], "idempotency_conflict");
}

#[tokio::test]
async fn invalid_forms_are_400_and_leave_no_record() {
    let h = Harness::new();
    let agent = h.user("255712200030", Role::Agent).await;
    let phone = "255712200031";
    let cases: Vec<(&str, Value)> = vec![
        ("phone", json!("12ab")),
        ("full_name", json!("  ")),
        ("id_number", json!("")),
        ("kyc_tier", json!(4)),
        ("kyc_tier", json!(0)),
        ("date_of_birth", json!("1990-13-01")),
        ("date_of_birth", json!("2030-01-01")),
        ("date_of_birth", json!("2015-06-01")),
        ("photo", json!("not base64!")),
        ("photo", json!("aGVsbG8=")),
    ];
    for (field, value) in cases {
        let mut body = form(phone);
        body[field] = value.clone();
        let (status, err) = post(&h, &agent, Some(KEY), body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{field}={value}: {err}");
        assert_eq!(err["code"], "invalid_request");
        assert!(!recorded(&h, KEY), "{field}={value} left a record");
    }
    let (status, _) = post(&h, &agent, None, form(phone)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "missing key");
    let (status, _) = post(&h, &agent, Some("not-a-uuid"), form(phone)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "bad key");
    assert!(h.state.auth.user_by_phone(phone).unwrap().is_none());
    // The fixed form goes through under the same key, with a small PNG photo.
    let mut fixed = form(phone);
    fixed["photo"] = json!("iVBORw0KGgoAAAANSUhEUg==");
    let (status, body) = post(&h, &agent, Some(KEY), fixed).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn taken_phone_is_409_and_leaves_no_record() {
    let h = Harness::new();
    let agent = h.user("255712200040", Role::Agent).await;
    h.user("255712200041", Role::Customer).await;
    let (status, body) = post(&h, &agent, Some(KEY), form("255712200041")).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(body["code"], "already_exists");
    assert!(!recorded(&h, KEY));
}

#[tokio::test]
async fn a_crashed_onboarding_resumes_without_duplicates() {
    let h = Harness::new();
    let agent = h.user("255712200050", Role::Agent).await;
    let agent_id = h
        .state
        .auth
        .user_by_phone("255712200050")
        .unwrap()
        .unwrap()
        .id;
    let phone = "255712200051";
    // The crashed attempt: pending record written, user created, response never stored.
    let req: kipochi_core::api::OnboardRequest = serde_json::from_value(form(phone)).unwrap();
    let digest = Sha256::digest(serde_json::to_vec(&req).unwrap()).to_vec();
    let now = h.state.now();
    h.state
        .idempotency
        .begin("onboarding", KEY, &agent_id.to_string(), &digest, now)
        .unwrap();
    let account = account_id_for(&KEY.parse().unwrap());
    let new = NewUser {
        phone: phone.into(),
        display_name: "Asha Mwakyusa".into(),
        role: Role::Customer,
        kyc_tier: 1,
        account_id: Some(account.to_string()),
    };
    let (created, lost_code) = h.state.auth.create_user(&new, now).unwrap();
    let (status, body) = post(&h, &agent, Some(KEY), form(phone)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["customer_id"], created.id.to_string());
    assert_eq!(body["account_id"], account.to_string());
    h.state.accounts.account(account).await.unwrap();
    let code = body["activation_code"].as_str().unwrap();
    if code != lost_code {
        assert!(
            h.state
                .auth
                .activate(phone, &lost_code, "4821", now)
                .is_err()
        );
    }
    h.state.auth.activate(phone, code, "4821", now).unwrap();
}

#[tokio::test]
async fn agents_list_their_own_customers_without_codes() {
    let h = Harness::new();
    let a = h.user("255712200060", Role::Agent).await;
    let b = h.user("255712200061", Role::Agent).await;
    let (status, _) = post(&h, &a, Some(KEY), form("255712200062")).await;
    assert_eq!(status, StatusCode::OK);
    let other_key = "0e4d9b5c-1f2a-4b3c-8d7e-6a5b4c3d2e1f";
    let (status, _) = post(&h, &b, Some(other_key), form("255712200063")).await;
    assert_eq!(status, StatusCode::OK);
    let (status, list) = h
        .call("GET", "/api/v1/agent/customers", Some(&a), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["phone"], "255712200062");
    assert!(list[0].get("activation_code").is_none());
    let customer = h.user("255712200064", Role::Customer).await;
    let (status, _) = h
        .call("GET", "/api/v1/agent/customers", Some(&customer), None)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

/// A switch that records participant registrations and can be made to fail them. The payment
/// calls are not part of onboarding and answer as an unreachable switch would.
#[derive(Default)]
struct RecordingSwitch {
    fail: std::sync::atomic::AtomicBool,
    registered: std::sync::Mutex<Vec<String>>,
}

#[async_trait::async_trait]
impl crate::fspiop::Switch for RecordingSwitch {
    async fn lookup_party(
        &self,
        _: &crate::fspiop::types::PartyIdInfo,
    ) -> Result<crate::fspiop::handler::PartyLookup, crate::fspiop::handler::SwitchError> {
        Err(crate::fspiop::handler::SwitchError::Timeout)
    }
    async fn request_quote(
        &self,
        _: &crate::fspiop::primitives::FspId,
        _: &crate::fspiop::types::QuotesPostRequest,
    ) -> Result<crate::fspiop::types::QuotesIdPutResponse, crate::fspiop::handler::SwitchError>
    {
        Err(crate::fspiop::handler::SwitchError::Timeout)
    }
    async fn transfer(
        &self,
        _: &crate::fspiop::types::TransfersPostRequest,
    ) -> crate::fspiop::handler::TransferOutcome {
        crate::fspiop::handler::TransferOutcome::Unknown {
            reason: "unreachable".into(),
        }
    }
    async fn get_transfer(
        &self,
        _: &crate::fspiop::primitives::CorrelationId,
        _: &crate::fspiop::primitives::FspId,
        _: &crate::fspiop::types::IlpCondition,
    ) -> crate::fspiop::handler::TransferOutcome {
        crate::fspiop::handler::TransferOutcome::Unknown {
            reason: "unreachable".into(),
        }
    }
    async fn register_participant(
        &self,
        party: &crate::fspiop::types::PartyIdInfo,
        currency: Option<&crate::fspiop::primitives::Currency>,
    ) -> Result<(), crate::fspiop::handler::SwitchError> {
        if self.fail.load(std::sync::atomic::Ordering::SeqCst) {
            return Err(crate::fspiop::handler::SwitchError::Timeout);
        }
        assert_eq!(currency.map(|c| c.to_string()), Some("TZS".into()));
        self.registered
            .lock()
            .unwrap()
            .push(party.party_identifier.clone());
        Ok(())
    }
}

#[tokio::test]
async fn msisdn_is_registered_at_the_switch_and_a_failed_registration_is_resumed() {
    let mut h = Harness::new();
    let switch = std::sync::Arc::new(RecordingSwitch::default());
    switch.fail.store(true, std::sync::atomic::Ordering::SeqCst);
    h.state.switch = Some(switch.clone());
    let agent = h.user("255712200070", Role::Agent).await;
    let (status, body) = post(&h, &agent, Some(KEY), form("255712200071")).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR, "{body}");
    // The user and account exist; the record stays pending so the retry resumes.
    assert!(recorded(&h, KEY));
    let created = h.state.auth.user_by_phone("255712200071").unwrap().unwrap();
    switch
        .fail
        .store(false, std::sync::atomic::Ordering::SeqCst);
    let (status, body) = post(&h, &agent, Some(KEY), form("255712200071")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["customer_id"], created.id.to_string());
    assert_eq!(*switch.registered.lock().unwrap(), ["255712200071"]);
    let (_, again) = post(&h, &agent, Some(KEY), form("255712200071")).await;
    assert_eq!(again, body);
    assert_eq!(switch.registered.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn activated_users_get_no_new_activation_code() {
    let h = Harness::new();
    let new = NewUser {
        phone: "255712200080".into(),
        display_name: "Juma".into(),
        role: Role::Customer,
        kyc_tier: 1,
        account_id: None,
    };
    let now = h.state.now();
    let (user, first) = h.state.auth.create_user(&new, now).unwrap();
    let second = h.state.auth.reissue_activation_code(user.id, now).unwrap();
    if second != first {
        assert!(
            h.state
                .auth
                .activate("255712200080", &first, "4821", now)
                .is_err()
        );
    }
    h.state
        .auth
        .activate("255712200080", &second, "4821", now)
        .unwrap();
    assert!(matches!(
        h.state.auth.reissue_activation_code(user.id, now),
        Err(crate::Error::Unprocessable(_))
    ));
}
