//! Internal (same-DFSP) payments per second through the whole wallet API: `app(state)` (no
//! socket), create (resolve + quote) then approve (PIN check, Ed25519 signature check, durable
//! ledger transfer, payment state machine), each a JSON request with a bearer token.
//!
//! The state is the production one from `AppState::open`: the hub database and the embedded
//! ledger are real SQLite files in a temp dir (WAL, `synchronous=FULL`). The payer signs every
//! approval with a real Ed25519 device key.
//! - `create_approve_production_pin`: the production Argon2id PIN hasher (19 MiB, 2 passes) with
//!   the PIN memory off (`pin_memory_ms = 0`), so every approval runs the full check: the PIN
//!   verification inside approve dominates the cost of a payment.
//! - `create_approve_remembered_pin`: the production hasher with the default PIN memory: the PIN
//!   checked at login is remembered, approvals skip Argon2 (a session's later payments).
//! - `create_approve_fast_pin`: the cheap test hasher (8 MiB, 1 pass), memory off, to show what
//!   the rest of the pipeline costs next to a full check.
//!
//! Run: `cargo bench -p kipochi-hub --bench payments`.
//!
//! Measured (release, idle 2-core VM, one payment in flight at a time): full production PIN check
//! 17.4 ms per payment (57/s), remembered PIN 2.2 ms (460/s), fast test hasher 5.4 ms (186/s).

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use http_body_util::BodyExt;
use kipochi_core::api::Quote;
use kipochi_core::approval;
use kipochi_core::keys::DeviceKey;
use kipochi_hub::accounts::{
    AccountId, AccountKind, AccountSystem, Alias, AliasType, Limits, Money, OpenAccount, TransferId,
};
use kipochi_hub::auth::{Auth, NewUser, PinHasher, Role};
use kipochi_hub::config::Config;
use kipochi_hub::{AppState, app};
use serde_json::{Value, json};
use tokio::runtime::Runtime;
use tower::ServiceExt;

const PIN: &str = "4821";

async fn call(
    router: &Router,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Value,
) -> Value {
    let mut req = Request::builder()
        .method(method)
        .uri(path)
        .header("content-type", "application/json");
    if let Some(token) = token {
        req = req.header("authorization", format!("Bearer {token}"));
    }
    let req = req.body(Body::from(body.to_string())).expect("request");
    let res = router.clone().oneshot(req).await.expect("response");
    let status = res.status();
    let bytes = res.into_body().collect().await.expect("body").to_bytes();
    let value: Value = serde_json::from_slice(&bytes).expect("json");
    assert_eq!(status, StatusCode::OK, "{method} {path}: {value}");
    value
}

/// Opens a wallet with `funds` minor units and an activated, logged-in customer; returns its token.
async fn customer(state: &AppState, router: &Router, phone: &str, funds: i64) -> String {
    let ledger = state.ledger.as_ref().expect("embedded ledger");
    let account = AccountId::new_v4();
    ledger
        .open_account(OpenAccount {
            id: account,
            kind: AccountKind::CustomerWallet,
            display_name: format!("Bench {phone}"),
            currency: state.currency.clone(),
            aliases: vec![Alias {
                kind: AliasType::Msisdn,
                value: phone.into(),
            }],
            limits: Limits::default(),
            date_of_birth: None,
        })
        .await
        .expect("open account");
    if funds > 0 {
        let money = Money::new(funds, state.currency.clone());
        ledger
            .fund(TransferId::new_v4(), account, money)
            .await
            .expect("fund");
    }
    let new = NewUser {
        phone: phone.into(),
        display_name: format!("Bench {phone}"),
        role: Role::Customer,
        kyc_tier: 2,
        account_id: Some(account.to_string()),
    };
    let now = state.now();
    let (_, code) = state.auth.create_user(&new, now).expect("user");
    state
        .auth
        .activate(phone, &code, PIN, now)
        .expect("activate");
    let login = json!({"phone": phone, "pin": PIN});
    let body = call(router, "POST", "/api/v1/auth/login", None, login).await;
    body["token"].as_str().expect("token").to_string()
}

/// One payment: create (quote), sign, approve; asserts it committed.
async fn pay(router: &Router, token: &str, key: &DeviceKey) {
    let id = uuid::Uuid::new_v4().to_string();
    let create = json!({
        "payment_id": id,
        "target": {"kind": "phone", "phone": "255712000002"},
        "amount": "10",
        "currency": null,
        "note": null,
    });
    let quote = call(router, "POST", "/api/v1/payments", Some(token), create).await;
    let quote: Quote = serde_json::from_value(quote).expect("quote");
    let device_id = key.device_id();
    let signed = approval::sign(&quote.approval_terms(&device_id), key).expect("sign");
    let approve = json!({"pin": PIN, "device_id": device_id, "signature": signed.signature});
    let path = format!("/api/v1/payments/{id}/approve");
    let done = call(router, "POST", &path, Some(token), approve).await;
    assert_eq!(done["state"], "committed", "{done}");
}

fn bench_hasher(c: &mut Criterion, rt: &Runtime, label: &str, hasher: PinHasher, memory: bool) {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = Config::default();
    let mut state = AppState::open(&config, dir.path()).expect("state");
    let db = kipochi_hub::db::open(&dir.path().join("hub.db")).expect("hub db");
    let mut auth = config.auth_config();
    if !memory {
        auth.pin_memory_ms = 0;
    }
    state.auth = Arc::new(Auth::new(db, hasher, auth).expect("auth"));
    let router = app(state.clone());
    let key = DeviceKey::from_secret_bytes(&[7; 32]);
    let token = rt.block_on(async {
        let token = customer(&state, &router, "255712000001", i64::MAX / 4).await;
        customer(&state, &router, "255712000002", 0).await;
        let device = json!({"public_key": key.public_key().to_base64url(), "label": "bench"});
        call(&router, "POST", "/api/v1/devices", Some(&token), device).await;
        token
    });
    let mut group = c.benchmark_group("api_internal_payments");
    group.throughput(Throughput::Elements(1));
    group.measurement_time(Duration::from_secs(10));
    group.sample_size(20);
    group.bench_function(label, |b| {
        b.iter(|| rt.block_on(pay(&router, &token, &key)))
    });
    group.finish();
}

fn payments(c: &mut Criterion) {
    let rt = Runtime::new().expect("runtime");
    bench_hasher(
        c,
        &rt,
        "create_approve_production_pin",
        PinHasher::default(),
        false,
    );
    bench_hasher(
        c,
        &rt,
        "create_approve_remembered_pin",
        PinHasher::default(),
        true,
    );
    bench_hasher(
        c,
        &rt,
        "create_approve_fast_pin",
        PinHasher::fast_for_tests(),
        false,
    );
}

criterion_group!(benches, payments);
criterion_main!(benches);
