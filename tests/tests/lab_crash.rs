//! Crash test of the whole lab: cross-DFSP payments while the payer hub, the payee hub and the
//! switch are SIGKILLed and restarted at pseudo-random moments. Afterwards every payment is
//! final, both DFSPs agree on each one, no hold is left behind, and no money was created or lost:
//! the payer's debits, the payee's credits and the switch's positions all match.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use kipochi_core::api::rfc3339_millis;
use kipochi_core::approval::{self, ApprovalTerms};
use kipochi_core::keys::DeviceKey;
use kipochi_e2e::{Proc, binary, temp_dir};
use serde_json::{Value, json};

const PAYMENTS: usize = 200;
const MIN_KILLS: usize = 10;
const PIN: &str = "2580";
/// Each payment: 10.00 TZS.
const AMOUNT: &str = "10";

struct Node {
    args: Vec<String>,
    proc: Option<Proc>,
}

impl Node {
    fn start(&mut self) {
        let args: Vec<&str> = self.args.iter().map(String::as_str).collect();
        // A restarted process may need a moment for its old port to be released.
        for attempt in 0..50 {
            match Proc::start("kipochi-hub", &args) {
                Ok(p) => {
                    self.proc = Some(p);
                    return;
                }
                Err(e) if attempt < 49 => {
                    eprintln!("restart failed ({e}); retrying");
                    std::thread::sleep(Duration::from_millis(100));
                }
                Err(e) => panic!("cannot start {args:?}: {e}"),
            }
        }
    }

    /// SIGKILL (the `Proc` drop) and start again.
    fn crash_and_restart(&mut self) {
        drop(self.proc.take());
        std::thread::sleep(Duration::from_millis(50));
        self.start();
    }

    fn url(&self) -> String {
        self.proc
            .as_ref()
            .map(|p| p.base_url.clone())
            .unwrap_or_default()
    }
}

/// A tiny deterministic generator (the test must be reproducible).
struct Lcg(u64);
impl Lcg {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

fn sign(quote: &Value, key: &DeviceKey) -> String {
    let s = |v: &Value| v.as_str().unwrap_or_default().to_string();
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
        expiry: rfc3339_millis(quote["expiry"].as_i64().unwrap_or_default()),
        nonce: s(&quote["nonce"]),
        device_id: key.device_id(),
    };
    approval::sign(&terms, key).unwrap().signature
}

/// One HTTP call; `None` when the hub is down (connection refused, reset, timeout).
async fn call(
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

/// Retries `f` until the hub answers (hubs come back within a second or two).
async fn until_answer(
    base: &std::sync::Mutex<String>,
    http: &reqwest::Client,
    method: reqwest::Method,
    path: &str,
    token: Option<&str>,
    body: Option<&Value>,
) -> (u16, Value) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let url = format!("{}{path}", base.lock().unwrap());
        if let Some(answer) = call(http, method.clone(), &url, token, body).await
            && answer.0 != 401
        {
            return answer;
        }
        assert!(
            Instant::now() < deadline,
            "hub did not answer {path} for 60 s"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn login(base: &std::sync::Mutex<String>, http: &reqwest::Client, phone: &str) -> String {
    let body = json!({"phone": phone, "pin": PIN});
    let (status, v) = until_answer(
        base,
        http,
        reqwest::Method::POST,
        "/api/v1/auth/login",
        None,
        Some(&body),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    v["token"].as_str().unwrap().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn payments_survive_kills_of_every_process() {
    let data = temp_dir("lab-crash");
    let out = std::process::Command::new(binary("kipochi-hub").unwrap())
        .args([
            "lab",
            "--prepare",
            "--base-port",
            "0",
            "--data-dir",
            data.path(),
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Faster recovery and callbacks than production defaults, so the test stays short.
    for fsp in ["bluebank", "greenwallet"] {
        let path = format!("{}/{fsp}.toml", data.path());
        let text = std::fs::read_to_string(&path).unwrap();
        let text = text
            .replace("[hub]\n", "[hub]\nrecovery_interval_secs = 1\n")
            .replace("[fspiop]\n", "[fspiop]\ncallback_timeout_secs = 3\n");
        std::fs::write(&path, text).unwrap();
    }
    let cfg = |name: &str| format!("{}/{name}", data.path());
    let mut nodes = vec![
        Node {
            args: vec!["switch".into(), "--config".into(), cfg("switch.toml")],
            proc: None,
        },
        Node {
            args: vec![
                "serve".into(),
                "--config".into(),
                cfg("bluebank.toml"),
                "--seed".into(),
                cfg("bluebank-users.toml"),
            ],
            proc: None,
        },
        Node {
            args: vec![
                "serve".into(),
                "--config".into(),
                cfg("greenwallet.toml"),
                "--seed".into(),
                cfg("greenwallet-users.toml"),
            ],
            proc: None,
        },
    ];
    for n in nodes.iter_mut() {
        n.start();
    }
    let blue = std::sync::Arc::new(std::sync::Mutex::new(nodes[1].url()));
    let green = std::sync::Arc::new(std::sync::Mutex::new(nodes[2].url()));
    let http = reqwest::Client::new();

    // Two payers at bluebank pay two customers at greenwallet.
    let payers = ["255711000001", "255711000002"];
    let payees = ["255722000001", "255722000002"];
    let mut sessions = Vec::new();
    for (i, phone) in payers.iter().enumerate() {
        let token = login(&blue, &http, phone).await;
        let key = DeviceKey::from_secret_bytes(&[40 + i as u8; 32]);
        let body = json!({"public_key": key.public_key().to_base64url(), "label": "crash"});
        let (status, v) = until_answer(
            &blue,
            &http,
            reqwest::Method::POST,
            "/api/v1/devices",
            Some(&token),
            Some(&body),
        )
        .await;
        assert_eq!(status, 200, "{v}");
        sessions.push((token, key));
    }
    let admin_blue = login(&blue, &http, "255711000009").await;
    let admin_green = login(&green, &http, "255722000009").await;
    let before_blue: Vec<String> = payer_balances(&blue, &http, &sessions).await;

    // The killer: every 300-900 ms one process is SIGKILLed and restarted.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let killer = {
        let (stop, blue, green) = (stop.clone(), blue.clone(), green.clone());
        std::thread::spawn(move || {
            let mut rng = Lcg(0x5eed);
            let mut kills = 0;
            while !stop.load(std::sync::atomic::Ordering::SeqCst) || kills < MIN_KILLS {
                std::thread::sleep(Duration::from_millis(300 + rng.next(600)));
                let which = rng.next(3) as usize;
                nodes[which].crash_and_restart();
                *blue.lock().unwrap() = nodes[1].url();
                *green.lock().unwrap() = nodes[2].url();
                kills += 1;
            }
            (kills, nodes)
        })
    };

    // The payments: each retried with its own id until the hub gives an answer.
    let mut ids = Vec::new();
    for n in 0..PAYMENTS {
        let (token, key) = &sessions[n % payers.len()];
        let id = uuid::Uuid::new_v4().to_string();
        let body = json!({"payment_id": id, "target": {"kind": "phone", "phone": payees[n % payees.len()]},
                          "amount": AMOUNT, "currency": null, "note": null});
        let (status, quote) = until_answer(
            &blue,
            &http,
            reqwest::Method::POST,
            "/api/v1/payments",
            Some(token),
            Some(&body),
        )
        .await;
        ids.push(id.clone());
        if status != 200 {
            continue; // refused (e.g. the switch was down during the lookup): final, nothing held
        }
        let approve =
            json!({"pin": PIN, "device_id": key.device_id(), "signature": sign(&quote, key)});
        let path = format!("/api/v1/payments/{id}/approve");
        until_answer(
            &blue,
            &http,
            reqwest::Method::POST,
            &path,
            Some(token),
            Some(&approve),
        )
        .await;
    }
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    let (kills, _nodes) = killer.join().unwrap();
    assert!(kills >= MIN_KILLS, "{kills} kills");

    // Every payment reaches a final state at the payer (recovery asks the switch).
    let deadline = Instant::now() + Duration::from_secs(150);
    let states: HashMap<String, String> = loop {
        let (status, list) = until_answer(
            &blue,
            &http,
            reqwest::Method::GET,
            "/api/v1/admin/payments?limit=500",
            Some(&admin_blue),
            None,
        )
        .await;
        assert_eq!(status, 200, "{list}");
        let states: HashMap<String, String> = list
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                (
                    p["payment_id"].as_str().unwrap().to_string(),
                    p["state"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        let open = states
            .values()
            .filter(|s| !matches!(s.as_str(), "committed" | "failed" | "expired" | "declined"))
            .count();
        if open == 0 {
            break states;
        }
        assert!(
            Instant::now() < deadline,
            "{open} payments still open after 150 s: {states:?}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    // ... and at the payee, whose incoming records must agree.
    let green_states: HashMap<String, String> = loop {
        let (status, list) = until_answer(
            &green,
            &http,
            reqwest::Method::GET,
            "/api/v1/admin/payments?limit=500",
            Some(&admin_green),
            None,
        )
        .await;
        assert_eq!(status, 200, "{list}");
        let m: HashMap<String, String> = list
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                (
                    p["payment_id"].as_str().unwrap().to_string(),
                    p["state"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        // `quoted`: a quote no transfer used (the payer gave up before sending): no money
        // moved, it expires with the quote. Only a prepared transfer (`reserved`) must settle.
        if m.values()
            .all(|s| matches!(s.as_str(), "committed" | "failed" | "expired" | "quoted"))
        {
            break m;
        }
        assert!(
            Instant::now() < deadline,
            "payee payments still open: {m:?}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    let committed: Vec<&String> = ids
        .iter()
        .filter(|id| states.get(*id).map(String::as_str) == Some("committed"))
        .collect();
    for id in &ids {
        let payer = states.get(id).map(String::as_str).unwrap_or("none");
        let payee = green_states.get(id).map(String::as_str).unwrap_or("none");
        if (payer == "committed") != (payee == "committed") {
            let path = format!("/api/v1/admin/payments/{id}");
            let (_, at_payer) = until_answer(
                &blue,
                &http,
                reqwest::Method::GET,
                &path,
                Some(&admin_blue),
                None,
            )
            .await;
            let (_, at_payee) = until_answer(
                &green,
                &http,
                reqwest::Method::GET,
                &path,
                Some(&admin_green),
                None,
            )
            .await;
            panic!(
                "payment {id}: payer {payer}, payee {payee}\npayer: {at_payer:#}\npayee: {at_payee:#}"
            );
        }
    }
    assert!(
        committed.len() >= PAYMENTS / 4,
        "only {} of {PAYMENTS} committed",
        committed.len()
    );

    // Money: what left the payers = what reached the payees = the switch positions.
    let moved = committed.len() as i64 * 1000;
    let after_blue = payer_balances(&blue, &http, &sessions).await;
    let spent: i64 = before_blue
        .iter()
        .zip(&after_blue)
        .map(|(b, a)| minor(b) - minor(a))
        .sum();
    assert_eq!(spent, moved, "payers' debits");
    let mut received = 0;
    for phone in payees {
        let token = login(&green, &http, phone).await;
        let (_, bal) = until_answer(
            &green,
            &http,
            reqwest::Method::GET,
            "/api/v1/balance",
            Some(&token),
            None,
        )
        .await;
        assert_eq!(bal["available"], bal["ledger"], "no hold left at the payee");
        received += minor(bal["available"].as_str().unwrap());
    }
    // Demo opening balances of the two payees: 300000 and 100000 TZS.
    assert_eq!(received - 40_000_000, moved, "payees' credits");
    let (_, books) = until_answer(
        &blue,
        &http,
        reqwest::Method::GET,
        "/api/v1/admin/ledger",
        Some(&admin_blue),
        None,
    )
    .await;
    let settlement = books
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["kind"] == "settlement")
        .cloned()
        .unwrap_or(Value::Null);
    // The payer DFSP's settlement account holds what it owes the switch.
    assert_eq!(
        minor(settlement["ledger"].as_str().unwrap_or("0")),
        moved,
        "settlement position {settlement}"
    );
    eprintln!(
        "payments {PAYMENTS}, committed {}, kills {kills}; blue settlement {settlement}",
        committed.len()
    );
}

/// Available balances of the payers (also checks no hold is left: available = ledger).
async fn payer_balances(
    base: &std::sync::Mutex<String>,
    http: &reqwest::Client,
    sessions: &[(String, DeviceKey)],
) -> Vec<String> {
    let mut out = Vec::new();
    for (token, _) in sessions {
        let (status, bal) = until_answer(
            base,
            http,
            reqwest::Method::GET,
            "/api/v1/balance",
            Some(token),
            None,
        )
        .await;
        assert_eq!(status, 200, "{bal}");
        assert_eq!(bal["available"], bal["ledger"], "no hold left at the payer");
        out.push(bal["available"].as_str().unwrap().to_string());
    }
    out
}

/// "4995.5" TZS → minor units.
fn minor(text: &str) -> i64 {
    let (whole, frac) = text.split_once('.').unwrap_or((text, ""));
    let frac = format!("{frac:0<2}");
    whole.parse::<i64>().unwrap() * 100 + frac[..2].parse::<i64>().unwrap()
}
