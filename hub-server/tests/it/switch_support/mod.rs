//! Shared pieces of the switch tests: two recording DFSPs on 127.0.0.1, a switch started
//! in-process on a real port with a real SQLite file, and FSPIOP request helpers.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use base64::Engine;
use kipochi_hub::fspiop::headers;
use kipochi_hub::fspiop::ilp;
use kipochi_hub::fspiop::primitives::{CorrelationId, DateTime, FspId};
use kipochi_hub::fspiop::types::IlpFulfilment;
use kipochi_hub::fspiop::version::{Resource, Version};
use kipochi_hub::switch::{self, Running, SwitchConfig};
use serde_json::{Value, json};
use tokio::sync::mpsc;

/// One request a DFSP received from the switch.
#[derive(Clone, Debug)]
pub struct Seen {
    pub method: Method,
    pub path: String,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Seen {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
    pub fn error_code(&self) -> &str {
        self.body["errorInformation"]["errorCode"]
            .as_str()
            .unwrap_or("")
    }
}

/// A DFSP stand-in that records what the switch sends it.
pub struct Dfsp {
    pub url: String,
    pub rx: mpsc::UnboundedReceiver<Seen>,
}

impl Dfsp {
    pub async fn start() -> Self {
        let (tx, rx) = mpsc::unbounded_channel();
        let app = Router::new().fallback(
            move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
                let tx = tx.clone();
                async move {
                    let body = serde_json::from_slice(&body).unwrap_or(Value::Null);
                    let status = if method == Method::PUT || method == Method::PATCH {
                        StatusCode::OK
                    } else {
                        StatusCode::ACCEPTED
                    };
                    let _ = tx.send(Seen {
                        method,
                        path: uri.path().to_owned(),
                        headers,
                        body,
                    });
                    status
                }
            },
        );
        let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
            .await
            .unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Self { url, rx }
    }

    /// The next message (15 s at most: generous, since CI machines can be slow and a
    /// message that does arrive ends the wait at once).
    pub async fn next(&mut self) -> Seen {
        tokio::time::timeout(Duration::from_secs(15), self.rx.recv())
            .await
            .expect("no message in time")
            .unwrap()
    }

    /// Asserts nothing arrives within 300 ms.
    pub async fn nothing_more(&mut self) {
        let got = tokio::time::timeout(Duration::from_millis(300), self.rx.recv()).await;
        assert!(got.is_err(), "unexpected message: {got:?}");
    }
}

/// The switch with two DFSPs, `bluebank` (payer in most tests) and `greenwallet`.
pub struct Lab {
    pub dir: tempfile::TempDir,
    pub config: SwitchConfig,
    pub switch: Option<Running>,
    pub url: String,
    pub blue: Dfsp,
    pub green: Dfsp,
    pub http: reqwest::Client,
}

pub const BLUE: &str = "bluebank";
pub const GREEN: &str = "greenwallet";

impl Lab {
    /// Starts a lab where bluebank's net debit cap is `blue_cap` TZS (greenwallet: 1,000,000).
    pub async fn start(blue_cap: &str) -> Self {
        let blue = Dfsp::start().await;
        let green = Dfsp::start().await;
        let dir = tempfile::tempdir().unwrap();
        let text = format!(
            r#"
fsp_id = "switch"
listen = "127.0.0.1:0"
data_dir = "{}"
expiry_check_ms = 50
[[participants]]
fsp_id = "{BLUE}"
callback_url = "{}"
currency = "TZS"
net_debit_cap = "{blue_cap}"
[[participants]]
fsp_id = "{GREEN}"
callback_url = "{}"
currency = "TZS"
net_debit_cap = "1000000"
"#,
            dir.path().display(),
            blue.url,
            green.url
        );
        let config = SwitchConfig::parse(&text).unwrap();
        let running = switch::start(&config).await.unwrap();
        let url = format!("http://{}", running.addr);
        Self {
            dir,
            config,
            switch: Some(running),
            url,
            blue,
            green,
            http: reqwest::Client::new(),
        }
    }

    /// Stops the switch and starts it again on the same data folder (new port).
    pub async fn restart(&mut self) {
        self.switch.take().unwrap().stop().await;
        let running = switch::start(&self.config).await.unwrap();
        self.url = format!("http://{}", running.addr);
        self.switch = Some(running);
    }

    /// (position, reserved) of `fsp` in TZS minor units.
    pub fn position(&self, fsp: &str) -> (i64, i64) {
        let p = self
            .switch
            .as_ref()
            .unwrap()
            .hub
            .store()
            .position(fsp, "TZS")
            .unwrap();
        (p.position, p.reserved)
    }

    /// Sends an FSPIOP request from `source` and returns the synchronous status and body.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        source: &str,
        destination: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        send(
            &self.http,
            &self.url,
            method,
            path,
            source,
            destination,
            body,
        )
        .await
    }
}

/// Sends an FSPIOP request (v1.1 headers) from `source` to the switch at `url`.
pub async fn send(
    http: &reqwest::Client,
    url: &str,
    method: Method,
    path: &str,
    source: &str,
    destination: Option<&str>,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let resource = match path.split('/').nth(1).unwrap() {
        "parties" => Resource::Parties,
        "participants" => Resource::Participants,
        "quotes" => Resource::Quotes,
        _ => Resource::Transfers,
    };
    let source: FspId = source.parse().unwrap();
    let destination: Option<FspId> = destination.map(|d| d.parse().unwrap());
    let hdrs = headers::outbound(
        resource,
        Version::V1_1,
        &method,
        &source,
        destination.as_ref(),
    );
    let mut req = http.request(method.clone(), format!("{url}{path}"));
    for (k, v) in hdrs {
        req = req.header(k, v);
    }
    if let Some(b) = body {
        req = req.body(serde_json::to_vec(&b).unwrap());
    }
    let resp = req.send().await.unwrap();
    let status = resp.status();
    let bytes = resp.bytes().await.unwrap();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

/// A fresh fulfilment and its condition.
pub fn ilp_pair() -> (String, String) {
    let bytes: [u8; 32] = rand::random();
    let text = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let fulfilment = IlpFulfilment::try_from(text.clone()).unwrap();
    let condition = ilp::condition_of(&fulfilment).unwrap();
    (text, condition.as_str().to_owned())
}

/// A `POST /transfers` body from bluebank to greenwallet expiring in `expires_in`.
pub fn transfer(id: &str, amount: &str, condition: &str, expires_in: Duration) -> Value {
    let expiration = chrono::Utc::now() + chrono::Duration::from_std(expires_in).unwrap();
    json!({
        "transferId": id,
        "payerFsp": BLUE,
        "payeeFsp": GREEN,
        "amount": {"currency": "TZS", "amount": amount},
        "ilpPacket": "AYIB",
        "condition": condition,
        "expiration": DateTime::from_utc(expiration).to_string(),
    })
}

/// A `PUT /transfers/{ID}` body.
pub fn fulfilment(fulfilment: &str, state: &str) -> Value {
    json!({
        "fulfilment": fulfilment,
        "completedTimestamp": DateTime::now().to_string(),
        "transferState": state,
    })
}

pub fn new_id() -> String {
    CorrelationId::new_v4().to_string()
}
