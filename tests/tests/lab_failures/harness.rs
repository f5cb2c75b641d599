//! The lab for failure and replay tests: `kipochi-hub lab --prepare` writes the configuration,
//! each test adjusts it (short expiries, a small net debit cap, recording proxies on the FSPIOP
//! paths), then the switch and both hubs run as separate processes (so one can be frozen with
//! SIGSTOP) and are driven over the wallet API like an app would.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use kipochi_core::keys::DeviceKey;
use kipochi_e2e::lab::prepare;
use kipochi_e2e::wallet::sign;
use kipochi_e2e::{Proc, TempDir, temp_dir};
use kipochi_hub::switch::store::{Position, Store, Transfer};
use serde_json::{Value, json};

pub const PIN: &str = "2580";
pub const BLUE: &str = "bluebank";
pub const GREEN: &str = "greenwallet";
pub const JUMA: &str = "255711000001";
pub const NEEMA: &str = "255722000001";
pub const MAMA_NTILIE: &str = "255722000003";
pub const BLUE_ADMIN: &str = "255711000009";
pub const GREEN_ADMIN: &str = "255722000009";
pub const BLUE_AGENT: &str = "255711000004";
pub const GREEN_AGENT: &str = "255722000004";
/// A customer the tests onboard at greenwallet (tier 1).
pub const ASHA: &str = "255722000077";

/// What a test changes in the generated lab.
#[derive(Default)]
pub struct Setup {
    /// Extra `[hub]` lines per FSP id.
    pub hub: HashMap<&'static str, String>,
    /// Net debit caps (decimal TZS) per FSP id, instead of the lab's 100,000,000.
    pub caps: HashMap<&'static str, &'static str>,
    /// Put a recording proxy on every FSPIOP path (hub → switch, switch → hub).
    pub record: bool,
}

/// One FSPIOP request seen by a recording proxy.
#[derive(Clone, Debug)]
pub struct Seen {
    pub method: Method,
    pub path: String,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Seen {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
}

/// Requests a proxy forwarded, in order.
pub type Log = Arc<Mutex<Vec<Seen>>>;

pub struct Lab {
    _data: TempDir,
    data: String,
    _switch: Proc,
    pub blue: Proc,
    pub green: Proc,
    /// FSPIOP base URLs of the switch and of each hub (the real ones, not the proxies).
    pub fspiop: HashMap<&'static str, String>,
    /// Recorded traffic: "switch" (what the hubs sent it), and per hub what the switch sent it.
    pub logs: HashMap<&'static str, Log>,
    pub http: reqwest::Client,
}

fn value_in(text: &str, section: &str, key: &str) -> String {
    let mut inside = section.is_empty();
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            inside = line == section;
            continue;
        }
        if inside && let Some(v) = line.strip_prefix(&format!("{key} = ")) {
            return v.trim_matches('"').to_string();
        }
    }
    panic!("{section} {key} not in {text}");
}

impl Lab {
    pub async fn start(setup: Setup) -> Self {
        let dir = temp_dir("lab-failures");
        let data = dir.path().to_string();
        prepare(&data, &[]).unwrap();
        let file = |name: &str| format!("{data}/{name}");
        let read = |name: &str| std::fs::read_to_string(file(name)).unwrap();

        let mut switch_cfg = read("switch.toml");
        let switch_addr = value_in(&switch_cfg, "", "listen");
        let mut fspiop = HashMap::from([("switch", format!("http://{switch_addr}"))]);
        let mut logs = HashMap::new();
        let mut hub_cfgs = HashMap::new();
        for fsp in [BLUE, GREEN] {
            let text = read(&format!("{fsp}.toml"));
            fspiop.insert(
                fsp,
                format!("http://{}", value_in(&text, "[fspiop]", "listen")),
            );
            hub_cfgs.insert(fsp, text);
        }
        // The switch checks expiries often, so expired transfers are aborted promptly.
        switch_cfg = switch_cfg.replace(
            "fsp_id = \"switch\"\n",
            "fsp_id = \"switch\"\nexpiry_check_ms = 100\n",
        );
        let mut blocks: Vec<String> = switch_cfg
            .split("[[participants]]")
            .map(str::to_string)
            .collect();
        for block in blocks.iter_mut().skip(1) {
            let fsp = value_in(block, "", "fsp_id");
            let fsp = if fsp == BLUE { BLUE } else { GREEN };
            if let Some(cap) = setup.caps.get(fsp) {
                *block = block.replace(
                    "net_debit_cap = \"100000000\"",
                    &format!("net_debit_cap = \"{cap}\""),
                );
            }
            if setup.record {
                let log = Log::default();
                let proxy = proxy(fspiop[fsp].clone(), log.clone()).await;
                *block = block.replace(&fspiop[fsp], &proxy);
                logs.insert(fsp, log);
            }
        }
        std::fs::write(file("switch.toml"), blocks.join("[[participants]]")).unwrap();
        let switch_url = if setup.record {
            let log = Log::default();
            let url = proxy(fspiop["switch"].clone(), log.clone()).await;
            logs.insert("switch", log);
            url
        } else {
            fspiop["switch"].clone()
        };
        for (fsp, text) in hub_cfgs {
            let extra = setup.hub.get(fsp).cloned().unwrap_or_default();
            let text = text
                .replace(
                    "[hub]\n",
                    &format!("[hub]\nrecovery_interval_secs = 1\n{extra}"),
                )
                .replace("[fspiop]\n", "[fspiop]\ncallback_timeout_secs = 10\n")
                .replace(&fspiop["switch"], &switch_url);
            std::fs::write(file(&format!("{fsp}.toml")), text).unwrap();
        }

        let switch =
            Proc::start("kipochi-hub", &["switch", "--config", &file("switch.toml")]).unwrap();
        let hub = |fsp: &str| {
            Proc::start(
                "kipochi-hub",
                &[
                    "serve",
                    "--config",
                    &file(&format!("{fsp}.toml")),
                    "--seed",
                    &file(&format!("{fsp}-users.toml")),
                ],
            )
            .unwrap()
        };
        let (blue, green) = (hub(BLUE), hub(GREEN));
        Self {
            _data: dir,
            data,
            _switch: switch,
            blue,
            green,
            fspiop,
            logs,
            http: reqwest::Client::new(),
        }
    }

    fn api(&self, fsp: &str) -> &str {
        if fsp == BLUE {
            &self.blue.base_url
        } else {
            &self.green.base_url
        }
    }

    /// A wallet API call: (status, JSON body).
    pub async fn call(
        &self,
        method: reqwest::Method,
        fsp: &str,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
        key: Option<&str>,
    ) -> (u16, Value) {
        let url = format!("{}/api/v1{path}", self.api(fsp));
        let mut req = self
            .http
            .request(method, url)
            .timeout(Duration::from_secs(30));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(k) = key {
            req = req.header("Idempotency-Key", k);
        }
        if let Some(b) = body {
            req = req.json(b);
        }
        let res = req.send().await.unwrap();
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or(Value::Null))
    }

    pub async fn post(&self, fsp: &str, path: &str, token: &str, body: &Value) -> (u16, Value) {
        self.call(
            reqwest::Method::POST,
            fsp,
            path,
            Some(token),
            Some(body),
            None,
        )
        .await
    }

    pub async fn get(&self, fsp: &str, path: &str, token: &str) -> (u16, Value) {
        self.call(reqwest::Method::GET, fsp, path, Some(token), None, None)
            .await
    }

    pub async fn login(&self, fsp: &str, phone: &str) -> String {
        let body = json!({"phone": phone, "pin": PIN});
        let (status, v) = self
            .call(
                reqwest::Method::POST,
                fsp,
                "/auth/login",
                None,
                Some(&body),
                None,
            )
            .await;
        assert_eq!(status, 200, "{v}");
        v["token"].as_str().unwrap().to_string()
    }

    pub async fn device(&self, fsp: &str, token: &str, seed: u8) -> DeviceKey {
        let key = DeviceKey::from_secret_bytes(&[seed; 32]);
        let body = json!({"public_key": key.public_key().to_base64url(), "label": "failures"});
        let (status, v) = self.post(fsp, "/devices", token, &body).await;
        assert_eq!(status, 200, "{v}");
        key
    }

    /// (available, ledger) balance of the token's account, decimal text.
    pub async fn balance(&self, fsp: &str, token: &str) -> (String, String) {
        let (status, v) = self.get(fsp, "/balance", token).await;
        assert_eq!(status, 200, "{v}");
        let s = |k: &str| v[k].as_str().unwrap().to_string();
        (s("available"), s("ledger"))
    }

    /// `POST /payments` with a new id: (id, status, quote or error).
    pub async fn quote(
        &self,
        fsp: &str,
        token: &str,
        target: Value,
        amount: Option<&str>,
    ) -> (String, u16, Value) {
        let id = uuid::Uuid::new_v4().to_string();
        let body = json!({"payment_id": id, "target": target, "amount": amount,
                          "currency": null, "note": null});
        let (status, v) = self.post(fsp, "/payments", token, &body).await;
        (id, status, v)
    }

    pub async fn approve(
        &self,
        fsp: &str,
        token: &str,
        key: &DeviceKey,
        quote: &Value,
    ) -> (u16, Value) {
        let id = quote["payment_id"].as_str().unwrap();
        let body = approval_body(quote, key);
        self.post(fsp, &format!("/payments/{id}/approve"), token, &body)
            .await
    }

    /// The admin view of a payment at `fsp` (`None` when the hub has no record of it).
    pub async fn admin_payment(&self, fsp: &str, admin: &str, id: &str) -> Option<Value> {
        let (status, v) = self.get(fsp, &format!("/admin/payments/{id}"), admin).await;
        (status == 200).then_some(v)
    }

    fn switch_store(&self) -> Store {
        Store::open(&Path::new(&self.data).join("switch")).unwrap()
    }

    /// A participant's position at the switch, read from its database.
    pub fn position(&self, fsp: &str) -> Position {
        self.switch_store().position(fsp, "TZS").unwrap()
    }

    /// The switch's record of a transfer.
    pub fn switch_transfer(&self, id: &str) -> Option<Transfer> {
        self.switch_store().transfer(id).unwrap()
    }

    /// Sends SIGSTOP / SIGCONT to a process.
    pub fn signal(pid: u32, sig: &str) {
        let ok = std::process::Command::new("kill")
            .args([&format!("-{sig}"), &pid.to_string()])
            .status()
            .unwrap()
            .success();
        assert!(ok, "kill -{sig} {pid}");
    }

    /// What a recording proxy saw, filtered by method and path.
    pub fn seen(&self, log: &str, method: &Method, path: &str) -> Vec<Seen> {
        self.logs[log]
            .lock()
            .unwrap()
            .iter()
            .filter(|s| s.method == method && s.path == path)
            .cloned()
            .collect()
    }

    /// Waits (bounded) until a proxy has seen `n` requests `method path`; returns them.
    pub async fn wait_seen(&self, log: &str, method: &Method, path: &str, n: usize) -> Vec<Seen> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let seen = self.seen(log, method, path);
            if seen.len() >= n {
                return seen;
            }
            assert!(
                Instant::now() < deadline,
                "{log}: {method} {path} seen {} times, expected {n}",
                seen.len()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Sends `seen` again, byte for byte with its headers, straight to `target`'s FSPIOP base.
    pub async fn resend(&self, target: &str, seen: &Seen, body: Option<Bytes>) -> u16 {
        let url = format!("{}{}", self.fspiop[target], seen.path);
        let mut headers = seen.headers.clone();
        headers.remove("host");
        headers.remove("content-length");
        let res = self
            .http
            .request(seen.method.clone(), url)
            .headers(headers)
            .body(body.unwrap_or_else(|| seen.body.clone()))
            .send()
            .await
            .unwrap();
        res.status().as_u16()
    }
}

/// Polls `f` until it returns `Some` (10 s at most).
pub async fn eventually<T, F, Fut>(what: &str, mut f: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(v) = f().await {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The body of `POST /payments/{id}/approve`: the PIN and the device signature over `quote`.
pub fn approval_body(quote: &Value, key: &DeviceKey) -> Value {
    let signature = sign(quote, key).unwrap();
    json!({"pin": PIN, "device_id": key.device_id(), "signature": signature})
}

/// A reverse proxy on 127.0.0.1 forwarding everything to `target` and recording each request.
async fn proxy(target: String, log: Log) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let client = reqwest::Client::new();
    let app = axum::Router::new().fallback(
        move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
            let (client, target, log) = (client.clone(), target.clone(), log.clone());
            async move {
                let path = uri
                    .path_and_query()
                    .map(|p| p.as_str().to_string())
                    .unwrap_or_default();
                log.lock().unwrap().push(Seen {
                    method: method.clone(),
                    path: path.clone(),
                    headers: headers.clone(),
                    body: body.clone(),
                });
                let mut fwd = headers;
                fwd.remove("host");
                fwd.remove("content-length");
                match client
                    .request(method, format!("{target}{path}"))
                    .headers(fwd)
                    .body(body)
                    .send()
                    .await
                {
                    Ok(res) => {
                        let status = res.status();
                        (status, res.bytes().await.unwrap_or_default())
                    }
                    Err(_) => (StatusCode::BAD_GATEWAY, Bytes::new()),
                }
            }
        },
    );
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    format!("http://{addr}")
}
