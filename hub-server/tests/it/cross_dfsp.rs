//! Payments across DFSPs: two real hubs (wallet API + FSPIOP layer + orchestration + embedded
//! ledger on SQLite files) and the lab switch, all on 127.0.0.1. A customer of `bluebank` pays a
//! customer and a merchant till of `greenwallet`; both ledgers and the switch's positions move by
//! the same amounts, and refusals leave every balance as it was.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use kipochi_core::api::Quote;
use kipochi_core::approval;
use kipochi_core::keys::DeviceKey;
use kipochi_core::money::{Amount, Currency};
use kipochi_core::qr::{MerchantQr, PartyId, PartyIdType};
use kipochi_hub::accounts::AccountId;
use kipochi_hub::auth::Role;
use kipochi_hub::clock::SystemClock;
use kipochi_hub::config::Config;
use kipochi_hub::demo::{self, DemoUser};
use kipochi_hub::dfsp::{self, FspiopSection};
use kipochi_hub::fineract::{AccountsKind, AccountsSection, FineractSettings};
use kipochi_hub::orchestrator::payee::PayeeMode;
use kipochi_hub::switch::{self, Running, SwitchConfig};
use kipochi_hub::{AppState, app};
use serde_json::{Value, json};
use tower::ServiceExt;

use crate::fineract_double::{self, FineractDouble};

pub struct Hub {
    pub state: AppState,
    _dir: tempfile::TempDir,
}

impl Hub {
    async fn start(fsp: &str, switch_url: &str, mode: PayeeMode) -> (Self, String) {
        let dir = tempfile::tempdir().unwrap();
        let mut state = AppState::for_tests(dir.path(), Arc::new(SystemClock)).unwrap();
        state.fsp_id = fsp.into();
        Self::connect(fsp, switch_url, mode, state, dir).await
    }

    /// A hub whose accounts live in Fineract (the contract double at `fineract_url`).
    async fn start_on_fineract(
        fsp: &str,
        switch_url: &str,
        mode: PayeeMode,
        fineract_url: &str,
    ) -> (Self, String) {
        let dir = tempfile::tempdir().unwrap();
        let mut settings = FineractSettings::basic(
            fineract_url,
            fineract_double::TENANT,
            fineract_double::USER,
            fineract_double::PASSWORD,
        );
        settings.wallet_product_id = fineract_double::WALLET_PRODUCT;
        let mut config = Config {
            accounts: AccountsSection {
                kind: AccountsKind::Fineract,
                fineract: Some(settings),
            },
            ..Config::default()
        };
        config.hub.fsp_id = fsp.into();
        let state = AppState::open(&config, dir.path()).unwrap();
        Self::connect(fsp, switch_url, mode, state, dir).await
    }

    async fn connect(
        fsp: &str,
        switch_url: &str,
        mode: PayeeMode,
        state: AppState,
        dir: tempfile::TempDir,
    ) -> (Self, String) {
        let section = FspiopSection {
            switch_url: switch_url.into(),
            listen: "127.0.0.1:0".parse().unwrap(),
            ilp_secret: format!("{fsp}-ilp-secret-for-tests"),
            ilp_version: Default::default(),
            payee_mode: mode,
            callback_timeout_secs: 5,
            get_status: 202,
            jws_signing_key: None,
            jws_peer_keys: Default::default(),
        };
        let connected = dfsp::connect(&section, fsp, state, dir.path()).unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let router = connected.router;
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        (
            Self {
                state: connected.state,
                _dir: dir,
            },
            url,
        )
    }

    pub async fn call(
        &self,
        method: &str,
        path: &str,
        token: &str,
        body: Value,
    ) -> (StatusCode, Value) {
        let req = Request::builder()
            .method(method)
            .uri(path)
            .header("authorization", format!("Bearer {token}"))
            .header("content-type", "application/json")
            .body(Body::from(body.to_string()))
            .unwrap();
        let res = app(self.state.clone()).oneshot(req).await.unwrap();
        let status = res.status();
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        let value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        (status, value)
    }

    async fn login(&self, phone: &str) -> String {
        let req = Request::post("/api/v1/auth/login")
            .header("content-type", "application/json")
            .body(Body::from(
                json!({"phone": phone, "pin": "2580"}).to_string(),
            ))
            .unwrap();
        let res = app(self.state.clone()).oneshot(req).await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        let v: Value = serde_json::from_slice(&bytes).unwrap();
        v["token"].as_str().unwrap().to_string()
    }

    async fn seed(
        &self,
        phone: &str,
        name: &str,
        role: Role,
        funds: i64,
        till: Option<&str>,
    ) -> AccountId {
        let user = demo::seed(
            &self.state,
            &DemoUser {
                phone: phone.into(),
                name: name.into(),
                role,
                pin: "2580".into(),
                funds_minor: funds,
                till: till.map(str::to_string),
            },
        )
        .await
        .unwrap();
        AccountId(user.account_id.unwrap().parse().unwrap())
    }

    pub async fn available(&self, account: AccountId) -> i64 {
        self.state
            .accounts
            .balance(account)
            .await
            .unwrap()
            .available
            .minor
    }

    pub async fn ledger_balance(&self, account: AccountId) -> i64 {
        self.state
            .accounts
            .balance(account)
            .await
            .unwrap()
            .ledger
            .minor
    }
}

pub struct World {
    pub blue: Hub,
    pub green: Hub,
    pub switch: Running,
    _switch_dir: tempfile::TempDir,
}

impl World {
    pub async fn start(green_mode: PayeeMode) -> Self {
        Self::start_with(green_mode, None).await
    }

    /// `greenwallet` on Fineract (the double at this URL) when given, else on the ledger.
    pub async fn start_with(green_mode: PayeeMode, green_fineract: Option<&str>) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let switch_url = format!("http://{}", listener.local_addr().unwrap());
        let (blue, blue_url) = Hub::start("bluebank", &switch_url, PayeeMode::Reserve).await;
        let (green, green_url) = match green_fineract {
            Some(url) => Hub::start_on_fineract("greenwallet", &switch_url, green_mode, url).await,
            None => Hub::start("greenwallet", &switch_url, green_mode).await,
        };
        let dir = tempfile::tempdir().unwrap();
        let config = SwitchConfig::parse(&format!(
            r#"
listen = "127.0.0.1:0"
data_dir = "{}"
[[participants]]
fsp_id = "bluebank"
callback_url = "{blue_url}"
currency = "TZS"
net_debit_cap = "1000000"
[[participants]]
fsp_id = "greenwallet"
callback_url = "{green_url}"
currency = "TZS"
net_debit_cap = "1000000"
"#,
            dir.path().display()
        ))
        .unwrap();
        let switch = switch::start_on(listener, &config).await.unwrap();
        Self {
            blue,
            green,
            switch,
            _switch_dir: dir,
        }
    }

    /// (position, reserved) of `fsp` at the switch, in TZS minor units.
    pub fn position(&self, fsp: &str) -> (i64, i64) {
        let p = self.switch.hub.store().position(fsp, "TZS").unwrap();
        (p.position, p.reserved)
    }
}

pub struct Payer {
    pub token: String,
    pub key: DeviceKey,
    pub account: AccountId,
}

pub async fn payer(hub: &Hub, phone: &str, funds: i64) -> Payer {
    let account = hub
        .seed(phone, "Juma Bakari", Role::Customer, funds, None)
        .await;
    let token = hub.login(phone).await;
    let key = DeviceKey::from_secret_bytes(&rand_seed());
    let (status, body) = hub
        .call(
            "POST",
            "/api/v1/devices",
            &token,
            json!({"public_key": key.public_key().to_base64url(), "label": "phone"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    Payer {
        token,
        key,
        account,
    }
}

fn rand_seed() -> [u8; 32] {
    *uuid::Uuid::new_v4()
        .as_bytes()
        .repeat(2)
        .first_chunk::<32>()
        .unwrap()
}

/// The device signature over the approval terms the core builds from a quote's JSON.
pub fn signature(quote: &Value, key: &DeviceKey) -> String {
    let quote: Quote = serde_json::from_value(quote.clone()).unwrap();
    approval::sign(&quote.approval_terms(&key.device_id()), key)
        .unwrap()
        .signature
}

/// Creates and approves a payment; returns (quote, final payment view).
pub async fn pay(
    hub: &Hub,
    who: &Payer,
    target: Value,
    amount: Option<&str>,
) -> (Value, (StatusCode, Value)) {
    let id = uuid::Uuid::new_v4().to_string();
    let (status, quote) = hub
        .call(
            "POST",
            "/api/v1/payments",
            &who.token,
            json!({"payment_id": id, "target": target, "amount": amount, "currency": null, "note": null}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{quote}");
    let body = json!({"pin": "2580", "device_id": who.key.device_id(), "signature": signature(&quote, &who.key)});
    let done = hub
        .call(
            "POST",
            &format!("/api/v1/payments/{id}/approve"),
            &who.token,
            body,
        )
        .await;
    (quote, done)
}

/// Polls `f` until it returns true (5 s at most).
pub async fn eventually<F, Fut>(mut f: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..100 {
        if f().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("condition not reached in 5 s");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn p2p_across_dfsps_moves_both_ledgers_and_the_positions() {
    let w = World::start(PayeeMode::Reserve).await;
    let neema = w
        .green
        .seed("255700000201", "Neema Mushi", Role::Customer, 0, None)
        .await;
    let juma = payer(&w.blue, "255700000101", 100_000).await;

    let (quote, (status, done)) = pay(
        &w.blue,
        &juma,
        json!({"kind": "phone", "phone": "255700000201"}),
        Some("250"),
    )
    .await;
    assert_eq!(
        quote["payee"]["name"], "Neema Mushi",
        "name from the switch lookup"
    );
    assert_eq!(quote["payee"]["fsp_id"], "greenwallet");
    assert_eq!(quote["fee"], "0");
    assert_eq!(status, StatusCode::OK, "{done}");
    assert_eq!(done["state"], "committed", "{done}");

    assert_eq!(w.blue.available(juma.account).await, 100_000 - 25_000);
    assert_eq!(w.blue.ledger_balance(juma.account).await, 100_000 - 25_000);
    // The payee credits on the switch's PATCH (reserve mode): asynchronous.
    eventually(|| async { w.green.available(neema).await == 25_000 }).await;
    assert_eq!(w.position("bluebank"), (25_000, 0));
    assert_eq!(w.position("greenwallet"), (-25_000, 0));

    // The payee's incoming payment is recorded and committed.
    let token = w.green.login("255700000201").await;
    let (status, history) = w
        .green
        .call("GET", "/api/v1/history", &token, Value::Null)
        .await;
    assert_eq!(status, StatusCode::OK, "{history}");
    assert!(history.to_string().contains("250"), "{history}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn merchant_till_qr_across_dfsps_in_commit_mode() {
    let w = World::start(PayeeMode::Commit).await;
    let shop = w
        .green
        .seed(
            "255700000301",
            "Mama Ntilie Shop",
            Role::Merchant,
            0,
            Some("600100"),
        )
        .await;
    let juma = payer(&w.blue, "255700000102", 50_000).await;
    let till = PartyId {
        id_type: PartyIdType::Business,
        identifier: "600100".into(),
        sub_id: None,
    };
    let tzs = Currency::from_alpha("TZS").unwrap();
    // The QR's merchant name is a display hint; the payer sees the switch's answer.
    let qr = MerchantQr::kipochi(&till, "5411", tzs, "TZ", "Fake Name", "Dar")
        .for_payment("120.50".parse::<Amount>().unwrap(), Some("INV-9"), None)
        .encode()
        .unwrap();
    let (quote, (status, done)) =
        pay(&w.blue, &juma, json!({"kind": "qr", "payload": qr}), None).await;
    assert_eq!(quote["payee"]["name"], "Mama Ntilie Shop");
    assert_eq!(quote["amount"], "120.5");
    assert_eq!(status, StatusCode::OK, "{done}");
    assert_eq!(done["state"], "committed");
    assert_eq!(w.blue.available(juma.account).await, 50_000 - 12_050);
    assert_eq!(w.green.available(shop).await, 12_050);
    assert_eq!(w.position("bluebank"), (12_050, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_change_no_balance() {
    let w = World::start(PayeeMode::Reserve).await;
    w.green
        .seed("255700000202", "Asha Said", Role::Customer, 0, None)
        .await;
    let juma = payer(&w.blue, "255700000103", 10_000).await;

    // Nobody holds this number: the switch answers 3204.
    let (status, body) = w
        .blue
        .call(
            "POST",
            "/api/v1/payments",
            &juma.token,
            json!({"payment_id": uuid::Uuid::new_v4().to_string(),
                   "target": {"kind": "phone", "phone": "255799999999"},
                   "amount": "10", "currency": null, "note": null}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["code"], "payee_not_found");

    // More than the balance: refused at the quote (our fee check) or at the hold.
    let id = uuid::Uuid::new_v4().to_string();
    let (status, body) = w
        .blue
        .call(
            "POST",
            "/api/v1/payments",
            &juma.token,
            json!({"payment_id": id, "target": {"kind": "phone", "phone": "255700000202"},
                   "amount": "500", "currency": null, "note": null}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["code"], "insufficient_funds");
    assert_eq!(w.blue.available(juma.account).await, 10_000);
    assert_eq!(w.position("bluebank"), (0, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn merchant_request_is_paid_once_across_dfsps_and_the_merchant_hears_it() {
    let w = World::start(PayeeMode::Reserve).await;
    let shop = w
        .green
        .seed(
            "255700000302",
            "Kibanda Cafe",
            Role::Merchant,
            0,
            Some("600300"),
        )
        .await;
    let merchant = w.green.login("255700000302").await;
    let mut events = w.green.state.events.subscribe();
    let (status, request) = w
        .green
        .call(
            "POST",
            "/api/v1/merchant/requests",
            &merchant,
            json!({"amount": "75", "reference": "ORDER-17", "terminal": null}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{request}");
    let payload = request["payload"].as_str().unwrap().to_string();
    let request_id = request["request_id"].as_str().unwrap().to_string();

    let juma = payer(&w.blue, "255700000104", 50_000).await;
    let (quote, (status, done)) = pay(
        &w.blue,
        &juma,
        json!({"kind": "qr", "payload": payload}),
        None,
    )
    .await;
    assert_eq!(quote["payee"]["name"], "Kibanda Cafe");
    assert_eq!(status, StatusCode::OK, "{done}");
    assert_eq!(done["state"], "committed");
    eventually(|| async { w.green.available(shop).await == 7_500 }).await;
    let (_, seen) = tokio::time::timeout(Duration::from_secs(5), events.recv())
        .await
        .unwrap()
        .unwrap();
    assert!(
        matches!(seen, kipochi_core::api::Event::PaymentReceived { .. }),
        "{seen:?}"
    );
    let path = format!("/api/v1/merchant/requests/{request_id}");
    let (_, status_now) = w.green.call("GET", &path, &merchant, Value::Null).await;
    assert_eq!(status_now["status"], "paid", "{status_now}");
    assert_eq!(status_now["payment_id"], done["payment_id"]);

    // The same QR again: the payee's DFSP refuses the quote; nothing moves.
    let (status, body) = w
        .blue
        .call(
            "POST",
            "/api/v1/payments",
            &juma.token,
            json!({"payment_id": uuid::Uuid::new_v4().to_string(),
                   "target": {"kind": "qr", "payload": request["payload"]},
                   "amount": null, "currency": null, "note": null}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["code"], "payee_rejected");
    assert_eq!(w.blue.available(juma.account).await, 50_000 - 7_500);
    assert_eq!(w.green.available(shop).await, 7_500);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn payments_to_a_dfsp_running_on_fineract() {
    let double = FineractDouble::start(0).await;
    for mode in [PayeeMode::Reserve, PayeeMode::Commit] {
        let w = World::start_with(mode, Some(&double.base_url)).await;
        let suffix = if mode == PayeeMode::Reserve { "1" } else { "2" };
        let neema = w
            .green
            .seed(
                &format!("25570000040{suffix}"),
                "Neema Fineract",
                Role::Customer,
                0,
                None,
            )
            .await;
        let shop = w
            .green
            .seed(
                &format!("25570000050{suffix}"),
                "Duka Fineract",
                Role::Merchant,
                0,
                Some(&format!("70070{suffix}")),
            )
            .await;
        let juma = payer(&w.blue, &format!("25570000060{suffix}"), 100_000).await;

        let phone = format!("25570000040{suffix}");
        let (quote, (status, done)) = pay(
            &w.blue,
            &juma,
            json!({"kind": "phone", "phone": phone}),
            Some("300"),
        )
        .await;
        assert_eq!(
            quote["payee"]["name"], "Neema Fineract",
            "lookup answered from Fineract"
        );
        assert_eq!(status, StatusCode::OK, "{done}");
        assert_eq!(done["state"], "committed", "{done}");
        eventually(|| async { w.green.available(neema).await == 30_000 }).await;

        let till = PartyId {
            id_type: PartyIdType::Business,
            identifier: format!("70070{suffix}"),
            sub_id: None,
        };
        let qr = MerchantQr::kipochi(
            &till,
            "5411",
            Currency::from_alpha("TZS").unwrap(),
            "TZ",
            "x",
            "Dar",
        )
        .for_payment("99.99".parse::<Amount>().unwrap(), Some("F-1"), None)
        .encode()
        .unwrap();
        let (_, (status, done)) =
            pay(&w.blue, &juma, json!({"kind": "qr", "payload": qr}), None).await;
        assert_eq!(status, StatusCode::OK, "{done}");
        assert_eq!(done["state"], "committed");
        eventually(|| async { w.green.available(shop).await == 9_999 }).await;
        assert_eq!(
            w.blue.available(juma.account).await,
            100_000 - 30_000 - 9_999
        );
        assert_eq!(w.position("bluebank"), (39_999, 0));

        // Unknown at Fineract: the switch has no owner either → 3204, nothing moves.
        let (status, body) = w
            .blue
            .call(
                "POST",
                "/api/v1/payments",
                &juma.token,
                json!({"payment_id": uuid::Uuid::new_v4().to_string(),
                       "target": {"kind": "phone", "phone": "255799999998"},
                       "amount": "1", "currency": null, "note": null}),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(w.blue.available(juma.account).await, 100_000 - 39_999);
    }
}
