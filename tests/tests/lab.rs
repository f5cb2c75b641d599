//! The lab as a user runs it: `kipochi-hub lab` (switch + bluebank + greenwallet as child
//! processes on loopback, demo users seeded), driven over the wallet API like an app would.

use std::collections::HashMap;
use std::time::Duration;

use kipochi_core::api::rfc3339_millis;
use kipochi_core::approval::{self, ApprovalTerms};
use kipochi_core::keys::DeviceKey;
use kipochi_core::money::{Amount, Currency};
use kipochi_core::qr::{MerchantQr, PartyId, PartyIdType};
use kipochi_e2e::{Proc, temp_dir};
use serde_json::{Value, json};

const PIN: &str = "2580";

struct Lab {
    proc: Proc,
    urls: HashMap<String, String>,
    http: reqwest::Client,
}

impl Lab {
    fn start(data: &str) -> Self {
        let (proc, lines) = Proc::start_until(
            "kipochi-hub",
            &["lab", "--base-port", "0", "--data-dir", data],
            "Kipochi lab ready",
        )
        .unwrap();
        let urls = lines
            .iter()
            .filter_map(|l| l.strip_prefix("service "))
            .filter_map(|l| l.split_once(' '))
            .map(|(name, url)| (name.to_string(), url.to_string()))
            .collect();
        Self {
            proc,
            urls,
            http: reqwest::Client::new(),
        }
    }

    fn url(&self, service: &str) -> &str {
        &self.urls[service]
    }

    async fn call(
        &self,
        method: reqwest::Method,
        url: String,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut req = self.http.request(method, url);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.unwrap();
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or(Value::Null))
    }

    async fn login(&self, dfsp: &str, phone: &str) -> String {
        let url = format!("{}/api/v1/auth/login", self.url(dfsp));
        let (status, body) = self
            .call(
                reqwest::Method::POST,
                url,
                None,
                Some(json!({"phone": phone, "pin": PIN})),
            )
            .await;
        assert_eq!(status, 200, "{body}");
        body["token"].as_str().unwrap().to_string()
    }

    async fn device(&self, dfsp: &str, token: &str, seed: u8) -> DeviceKey {
        let key = DeviceKey::from_secret_bytes(&[seed; 32]);
        let url = format!("{}/api/v1/devices", self.url(dfsp));
        let body = json!({"public_key": key.public_key().to_base64url(), "label": "e2e"});
        let (status, body) = self
            .call(reqwest::Method::POST, url, Some(token), Some(body))
            .await;
        assert_eq!(status, 200, "{body}");
        key
    }

    async fn available(&self, dfsp: &str, token: &str) -> String {
        let url = format!("{}/api/v1/balance", self.url(dfsp));
        let (status, body) = self
            .call(reqwest::Method::GET, url, Some(token), None)
            .await;
        assert_eq!(status, 200, "{body}");
        body["available"].as_str().unwrap().to_string()
    }

    /// Quote then approve with the device key: (quote, final payment).
    async fn pay(
        &self,
        dfsp: &str,
        token: &str,
        key: &DeviceKey,
        target: Value,
        amount: Option<&str>,
    ) -> (Value, Value) {
        let base = self.url(dfsp);
        let id = uuid::Uuid::new_v4().to_string();
        let body = json!({"payment_id": id, "target": target, "amount": amount, "currency": null, "note": null});
        let (status, quote) = self
            .call(
                reqwest::Method::POST,
                format!("{base}/api/v1/payments"),
                Some(token),
                Some(body),
            )
            .await;
        assert_eq!(status, 200, "{quote}");
        let body =
            json!({"pin": PIN, "device_id": key.device_id(), "signature": sign(&quote, key)});
        let url = format!("{base}/api/v1/payments/{id}/approve");
        let (status, done) = self
            .call(reqwest::Method::POST, url, Some(token), Some(body))
            .await;
        assert_eq!(status, 200, "{done}");
        (quote, done)
    }
}

fn sign(quote: &Value, key: &DeviceKey) -> String {
    let s = |v: &Value| v.as_str().unwrap().to_string();
    let terms = ApprovalTerms {
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
        expiry: rfc3339_millis(quote["expiry"].as_i64().unwrap()),
        nonce: s(&quote["nonce"]),
        device_id: key.device_id(),
    };
    approval::sign(&terms, key).unwrap().signature
}

/// Collects server-sent events of `token` at `base` into a channel of raw `data:` payloads.
fn events(base: &str, token: &str) -> tokio::sync::mpsc::UnboundedReceiver<String> {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let url = format!("{base}/api/v1/events?token={token}");
    tokio::spawn(async move {
        let mut res = reqwest::get(url).await.unwrap();
        let mut buf = String::new();
        while let Ok(Some(chunk)) = res.chunk().await {
            buf.push_str(&String::from_utf8_lossy(&chunk));
            while let Some(end) = buf.find("\n\n") {
                let event: String = buf.drain(..end + 2).collect();
                for line in event.lines() {
                    if let Some(data) = line.strip_prefix("data:") {
                        let _ = tx.send(data.trim().to_string());
                    }
                }
            }
        }
    });
    rx
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lab_payments_across_and_within_dfsps() {
    let data = temp_dir("lab");
    let lab = Lab::start(data.path());
    for s in [
        "switch",
        "bluebank",
        "greenwallet",
        "bluebank-fspiop",
        "greenwallet-fspiop",
    ] {
        assert!(lab.urls.contains_key(s), "{:?}", lab.urls);
    }

    let juma = lab.login("bluebank", "255711000001").await;
    let juma_key = lab.device("bluebank", &juma, 1).await;
    let merchant = lab.login("greenwallet", "255722000003").await;
    let mut merchant_events = events(lab.url("greenwallet"), &merchant);
    tokio::time::sleep(Duration::from_millis(200)).await;

    // Dynamic QR of Mama Ntilie's till at greenwallet, paid by Juma at bluebank.
    let till = PartyId {
        id_type: PartyIdType::Business,
        identifier: "600200".into(),
        sub_id: None,
    };
    let qr = MerchantQr::kipochi(
        &till,
        "5812",
        Currency::from_alpha("TZS").unwrap(),
        "TZ",
        "Mama Ntilie",
        "Dar",
    )
    .for_payment("4500".parse::<Amount>().unwrap(), Some("TABLE-4"), None)
    .encode()
    .unwrap();
    let (quote, done) = lab
        .pay(
            "bluebank",
            &juma,
            &juma_key,
            json!({"kind": "qr", "payload": qr}),
            None,
        )
        .await;
    assert_eq!(quote["payee"]["name"], "Mama Ntilie");
    assert_eq!(quote["payee"]["fsp_id"], "greenwallet");
    assert_eq!(done["state"], "committed", "{done}");
    assert_eq!(lab.available("bluebank", &juma).await, "495500");
    let event = tokio::time::timeout(Duration::from_secs(10), merchant_events.recv())
        .await
        .expect("the merchant gets a live event")
        .unwrap();
    assert!(
        event.contains("payment_received") && event.contains("4500"),
        "{event}"
    );
    assert_eq!(lab.available("greenwallet", &merchant).await, "4500");

    // P2P the other way: Neema at greenwallet pays Juma at bluebank by phone.
    let neema = lab.login("greenwallet", "255722000001").await;
    let neema_key = lab.device("greenwallet", &neema, 2).await;
    let (quote, done) = lab
        .pay(
            "greenwallet",
            &neema,
            &neema_key,
            json!({"kind": "phone", "phone": "255711000001"}),
            Some("1000"),
        )
        .await;
    assert_eq!(quote["payee"]["name"], "Juma Bakari");
    assert_eq!(done["state"], "committed", "{done}");
    assert_eq!(lab.available("greenwallet", &neema).await, "299000");
    let mut juma_balance = String::new();
    for _ in 0..100 {
        juma_balance = lab.available("bluebank", &juma).await;
        if juma_balance == "496500" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(juma_balance, "496500", "credited on the switch's PATCH");

    // Internal: Juma pays Rehema at the same DFSP, no switch involved.
    let (quote, done) = lab
        .pay(
            "bluebank",
            &juma,
            &juma_key,
            json!({"kind": "phone", "phone": "255711000002"}),
            Some("500"),
        )
        .await;
    assert_eq!(quote["payee"]["fsp_id"], "bluebank");
    assert_eq!(done["state"], "committed");
    let rehema = lab.login("bluebank", "255711000002").await;
    assert_eq!(lab.available("bluebank", &rehema).await, "250500");
    drop(lab.proc);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lab_restarts_on_its_data_and_stops_its_children() {
    let data = temp_dir("lab-restart");
    let mut lab = Lab::start(data.path());
    let juma = lab.login("bluebank", "255711000001").await;
    let key = lab.device("bluebank", &juma, 3).await;
    let (_, done) = lab
        .pay(
            "bluebank",
            &juma,
            &key,
            json!({"kind": "phone", "phone": "255722000002"}),
            Some("200"),
        )
        .await;
    assert_eq!(done["state"], "committed");
    let status = lab.proc.interrupt_and_wait().unwrap();
    assert!(status.success(), "{status}");
    // The children went down with the lab: their ports are free again.
    for url in lab.urls.values() {
        let addr = url.trim_start_matches("http://");
        assert!(
            std::net::TcpListener::bind(addr).is_ok(),
            "{addr} still bound"
        );
    }

    // Same data folder: users and balances are kept, not seeded twice.
    let lab = Lab::start(data.path());
    let juma = lab.login("bluebank", "255711000001").await;
    assert_eq!(lab.available("bluebank", &juma).await, "499800");
    let baraka = lab.login("greenwallet", "255722000002").await;
    let mut got = String::new();
    for _ in 0..100 {
        got = lab.available("greenwallet", &baraka).await;
        if got == "100200" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(got, "100200");
}
