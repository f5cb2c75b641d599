//! Support for crash tests: processes that are SIGKILLed and restarted, a reproducible
//! pseudo-random generator, and HTTP calls retried until the (restarting) hub answers.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use kipochi_core::keys::DeviceKey;
use serde_json::Value;

use crate::Proc;

/// One `kipochi-hub` process that can be crashed and started again with the same arguments.
pub struct Node {
    /// Its command line after the binary.
    pub args: Vec<String>,
    /// The running process, if any.
    pub proc: Option<Proc>,
}

impl Node {
    /// A node (not started) running `kipochi-hub args…`.
    pub fn new(args: &[&str]) -> Self {
        Self {
            args: args.iter().map(|a| a.to_string()).collect(),
            proc: None,
        }
    }

    /// Starts the process, retrying while its old port is still held (up to 5 s).
    pub fn start(&mut self) -> anyhow::Result<()> {
        let args: Vec<&str> = self.args.iter().map(String::as_str).collect();
        let mut last = None;
        for _ in 0..50 {
            match Proc::start("kipochi-hub", &args) {
                Ok(p) => {
                    self.proc = Some(p);
                    return Ok(());
                }
                Err(e) => last = Some(e),
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        bail!("cannot start {args:?}: {last:?}")
    }

    /// SIGKILL (the `Proc` drop) and start again.
    pub fn crash_and_restart(&mut self) -> anyhow::Result<()> {
        drop(self.proc.take());
        std::thread::sleep(Duration::from_millis(50));
        self.start()
    }

    /// The base URL it announced.
    pub fn url(&self) -> String {
        self.proc
            .as_ref()
            .map(|p| p.base_url.clone())
            .unwrap_or_default()
    }
}

/// Shortens the hubs' recovery interval (1 s) and FSPIOP callback timeout (`callback_secs`) in
/// the `bluebank.toml` and `greenwallet.toml` a `lab --prepare` wrote in `data`, so a crash test
/// recovers quickly.
pub fn fast_recovery(data: &str, callback_secs: u32) -> anyhow::Result<()> {
    for fsp in ["bluebank", "greenwallet"] {
        let path = format!("{data}/{fsp}.toml");
        let text = std::fs::read_to_string(&path)?
            .replace("[hub]\n", "[hub]\nrecovery_interval_secs = 1\n")
            .replace(
                "[fspiop]\n",
                &format!("[fspiop]\ncallback_timeout_secs = {callback_secs}\n"),
            );
        std::fs::write(&path, text)?;
    }
    Ok(())
}

/// A thread that SIGKILLs and restarts lab processes every 300-900 ms, in a reproducible
/// sequence, until it is stopped and has killed at least `min_kills` times. After each restart
/// the hubs' current base URLs (`nodes[1]`, `nodes[2]` of [`lab_nodes`]) are written to `blue`
/// and `green`, where [`until_answer`] reads them.
pub struct Killer {
    stop: Arc<AtomicBool>,
    thread: JoinHandle<anyhow::Result<(usize, Vec<Node>)>>,
}

impl Killer {
    /// Starts killing: `pick` chooses the index of the next node to kill from the generator.
    pub fn spawn(
        mut nodes: Vec<Node>,
        mut rng: Lcg,
        min_kills: usize,
        pick: fn(&mut Lcg) -> usize,
        blue: Arc<Mutex<String>>,
        green: Arc<Mutex<String>>,
    ) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = stop.clone();
        let thread = std::thread::spawn(move || -> anyhow::Result<(usize, Vec<Node>)> {
            let mut kills = 0;
            while !stopped.load(Ordering::SeqCst) || kills < min_kills {
                std::thread::sleep(Duration::from_millis(300 + rng.next(600)));
                let which = pick(&mut rng);
                nodes[which].crash_and_restart()?;
                for (url, i) in [(&blue, 1), (&green, 2)] {
                    if let Ok(mut u) = url.lock() {
                        *u = nodes[i].url();
                    }
                }
                kills += 1;
            }
            Ok((kills, nodes))
        });
        Self { stop, thread }
    }

    /// Stops after the next kill (once `min_kills` is reached): (kills, the nodes, running).
    pub fn stop(self) -> anyhow::Result<(usize, Vec<Node>)> {
        self.stop.store(true, Ordering::SeqCst);
        self.thread
            .join()
            .map_err(|_| anyhow::anyhow!("the killer thread panicked"))?
    }
}

/// A tiny deterministic generator (crash tests must be reproducible).
pub struct Lcg(pub u64);

impl Lcg {
    /// The next value in `0..n`.
    pub fn next(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n.max(1)
    }
}

/// One HTTP call; `None` when the hub is down (connection refused, reset, timeout).
pub async fn call(
    http: &reqwest::Client,
    method: reqwest::Method,
    url: &str,
    token: Option<&str>,
    body: Option<&Value>,
) -> Option<(u16, Value)> {
    let mut req = http.request(method, url).timeout(Duration::from_secs(10));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    if let Some(b) = body {
        req = req.json(b);
    }
    let res = req.send().await.ok()?;
    let status = res.status().as_u16();
    Some((status, res.json().await.unwrap_or(Value::Null)))
}

/// Calls `path` on the hub whose current base URL is in `base` until it answers (60 s at most).
pub async fn until_answer(
    base: &Mutex<String>,
    http: &reqwest::Client,
    method: reqwest::Method,
    path: &str,
    token: Option<&str>,
    body: Option<&Value>,
) -> anyhow::Result<(u16, Value)> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let url = format!(
            "{}{path}",
            base.lock().map(|b| b.clone()).unwrap_or_default()
        );
        if let Some(answer) = call(http, method.clone(), &url, token, body).await
            && answer.0 != 401
        {
            return Ok(answer);
        }
        if Instant::now() > deadline {
            bail!("hub did not answer {path} for 60 s");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Logs a demo user in (PIN [`crate::lab::PIN`]) at the restarting hub in `base`; the token.
pub async fn login(
    base: &Mutex<String>,
    http: &reqwest::Client,
    phone: &str,
) -> anyhow::Result<String> {
    let body = serde_json::json!({"phone": phone, "pin": crate::lab::PIN});
    let (status, v) = until_answer(
        base,
        http,
        reqwest::Method::POST,
        "/api/v1/auth/login",
        None,
        Some(&body),
    )
    .await?;
    if status != 200 {
        bail!("login {phone}: {status} {v}");
    }
    Ok(v["token"].as_str().context("no token")?.to_string())
}

/// `GET path` with `token` at the restarting hub in `base`; the body of its 200 answer.
pub async fn get(
    base: &Mutex<String>,
    http: &reqwest::Client,
    path: &str,
    token: &str,
) -> anyhow::Result<Value> {
    let (status, v) =
        until_answer(base, http, reqwest::Method::GET, path, Some(token), None).await?;
    if status != 200 {
        bail!("{path}: {status} {v}");
    }
    Ok(v)
}

/// Payment id → state, from the admin payment list of the hub in `base`.
pub async fn states(
    base: &Mutex<String>,
    http: &reqwest::Client,
    admin: &str,
) -> anyhow::Result<HashMap<String, String>> {
    let list = get(base, http, "/api/v1/admin/payments?limit=500", admin).await?;
    let s = |v: &Value| v.as_str().map(str::to_string).context("not a string");
    list.as_array()
        .context("not a list")?
        .iter()
        .map(|p| Ok::<_, anyhow::Error>((s(&p["payment_id"])?, s(&p["state"])?)))
        .collect()
}

/// The lab's three processes from the configuration `lab --prepare` wrote in `data`, not
/// started: `[switch, bluebank, greenwallet]`, each hub seeded with its demo users.
pub fn lab_nodes(data: &str) -> Vec<Node> {
    let cfg = |name: &str| format!("{data}/{name}");
    let hub = |fsp: &str| {
        Node::new(&[
            "serve",
            "--config",
            &cfg(&format!("{fsp}.toml")),
            "--seed",
            &cfg(&format!("{fsp}-users.toml")),
        ])
    };
    vec![
        Node::new(&["switch", "--config", &cfg("switch.toml")]),
        hub("bluebank"),
        hub("greenwallet"),
    ]
}

/// Logs `phone` in at the restarting hub in `base` and registers the device key made from
/// `seed`: (token, key).
pub async fn session(
    base: &Mutex<String>,
    http: &reqwest::Client,
    phone: &str,
    seed: u8,
) -> anyhow::Result<(String, DeviceKey)> {
    let token = login(base, http, phone).await?;
    let key = DeviceKey::from_secret_bytes(&[seed; 32]);
    let body = serde_json::json!({"public_key": key.public_key().to_base64url(), "label": "crash"});
    let (status, v) = until_answer(
        base,
        http,
        reqwest::Method::POST,
        "/api/v1/devices",
        Some(&token),
        Some(&body),
    )
    .await?;
    if status != 200 {
        bail!("device: {status} {v}");
    }
    Ok((token, key))
}

/// One payment of `amount` to the phone `payee` through the restarting hub in `base`, each step
/// retried until the hub answers: the quote under a new id, then (if quoted) the approval. The
/// payment's id and the quote's status; the outcome is read later from the hubs' records.
pub async fn pay_once(
    base: &Mutex<String>,
    http: &reqwest::Client,
    (token, key): &(String, DeviceKey),
    payee: &str,
    amount: &str,
) -> anyhow::Result<(String, u16)> {
    let id = uuid::Uuid::new_v4().to_string();
    let body = serde_json::json!({"payment_id": id, "target": {"kind": "phone", "phone": payee},
                                  "amount": amount, "currency": null, "note": null});
    let (status, quote) = until_answer(
        base,
        http,
        reqwest::Method::POST,
        "/api/v1/payments",
        Some(token),
        Some(&body),
    )
    .await?;
    if status != 200 {
        return Ok((id, status));
    }
    let approve = serde_json::json!({"pin": crate::lab::PIN, "device_id": key.device_id(),
                                     "signature": crate::wallet::sign(&quote, key)?});
    let path = format!("/api/v1/payments/{id}/approve");
    until_answer(
        base,
        http,
        reqwest::Method::POST,
        &path,
        Some(token),
        Some(&approve),
    )
    .await?;
    Ok((id, status))
}

/// `count` payments of `amount` through the restarting hub in `base` (see [`pay_once`]), the
/// n-th from `sessions[n % len]` to `payees[n % len]`; their ids, in order.
pub async fn pay_many(
    base: &Mutex<String>,
    http: &reqwest::Client,
    sessions: &[(String, DeviceKey)],
    payees: &[&str],
    count: usize,
    amount: &str,
) -> anyhow::Result<Vec<String>> {
    let mut ids = Vec::new();
    for n in 0..count {
        let session = &sessions[n % sessions.len()];
        // A refused quote (e.g. the switch was down during the lookup) is final: nothing held.
        let (id, _status) = pay_once(base, http, session, payees[n % payees.len()], amount).await?;
        ids.push(id);
    }
    Ok(ids)
}

/// An exact TZS decimal ("4995.5", "-10") in minor units, through the core's money type.
pub fn minor(text: &str) -> anyhow::Result<i64> {
    crate::wallet::minor(text, "TZS")
}
