//! FSPIOP conformance with the real Mojaloop Testing Toolkit (TTK, `ml-testing-toolkit` from npm,
//! installed in `tests/ttk/node_modules` by `cargo xtask provision`).
//!
//! One test (the TTK's admin API port 5050 is fixed, so only one TTK can run at a time) starts
//! the TTK from a prepared run folder and a real `kipochi-hub serve` (fsp id `userdfsp`, USD,
//! `payee_mode = "commit"`, `get_status = 200`) whose switch is the TTK, then:
//! - payee role: runs the TTK's DFSP golden-path collection at the hub's FSPIOP listener and
//!   requires every assertion to pass;
//! - payer role: a customer pays a party the TTK simulates through the wallet API; the payment
//!   must commit with the TTK's fulfilment, and the TTK must have accepted (2xx, i.e. validated
//!   against its FSPIOP OpenAPI definitions) every request and callback the hub sent.
//!
//! `KIPOCHI_TTK_NEGATIVE=1` also runs the TTK's negative-case DFSP collections (about 3.5 minutes)
//! and checks their pass counts do not fall below the ones recorded in docs/conformance.md.
//!
//! Ignored by default (it needs Node and the provisioned TTK); `cargo xtask test` runs it with
//! `--ignored` in its own step.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use kipochi_core::api::rfc3339_millis;
use kipochi_core::approval::{self, ApprovalTerms};
use kipochi_core::keys::DeviceKey;
use kipochi_e2e::{Proc, temp_dir};
use serde_json::{Value, json};

const ADMIN: &str = "http://127.0.0.1:5050";
const PIN: &str = "2580";
const PAYER: &str = "255711000001";

/// The TTK child process, killed (by PID) when dropped.
struct Ttk {
    child: Child,
    log: PathBuf,
}

impl Drop for Ttk {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn ttk_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("ttk")
}

fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// Prepares the TTK's working folder (it reads spec_files/, examples/, secrets/ relative to its
/// cwd) with our callback rules and `callback` as CALLBACK_ENDPOINT, starts it and waits until
/// both its ports answer (bounded).
async fn start_ttk(run: &Path, api_port: u16, callback: &str) -> Ttk {
    let pkg = ttk_dir().join("node_modules/ml-testing-toolkit");
    assert!(
        pkg.join("src/index.js").exists(),
        "the Testing Toolkit is not installed in {}: run `cargo xtask provision`",
        pkg.display()
    );
    for d in ["spec_files", "examples", "secrets"] {
        copy_dir(&pkg.join(d), &run.join(d));
    }
    std::fs::create_dir_all(run.join("uploads")).unwrap();
    let ucf = run.join("spec_files/user_config.json");
    let mut uc: Value = serde_json::from_str(&std::fs::read_to_string(&ucf).unwrap()).unwrap();
    uc["CALLBACK_ENDPOINT"] = json!(callback);
    uc["CALLBACK_TIMEOUT"] = json!(15000);
    std::fs::write(&ucf, uc.to_string()).unwrap();
    for (kind, file) in [
        ("callback", "clean_callbacks.json"),
        ("validation", "error_rules.json"),
    ] {
        let dir = run.join("spec_files").join(format!("rules_{kind}"));
        std::fs::copy(ttk_dir().join("rules").join(file), dir.join(file)).unwrap();
        std::fs::write(
            dir.join("config.json"),
            json!({"activeRulesFile": file}).to_string(),
        )
        .unwrap();
    }
    assert!(
        std::net::TcpListener::bind("127.0.0.1:5050").is_ok(),
        "port 5050 (the TTK's admin API) is in use: is another TTK running?"
    );
    let log = run.join("ttk.log");
    let child = Command::new("node")
        .arg(pkg.join("src/index.js"))
        .current_dir(run)
        .env(
            "TTK_SYSTEM_CONFIG",
            json!({"API_PORT": api_port}).to_string(),
        )
        .stdout(std::fs::File::create(&log).unwrap())
        .stderr(Stdio::from(
            std::fs::File::create(run.join("ttk.err")).unwrap(),
        ))
        .spawn()
        .expect("cannot start node");
    let mut ttk = Ttk { child, log };
    let http = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let admin = http.get(format!("{ADMIN}/api/config/user")).send().await;
        let api = tokio::net::TcpStream::connect(("127.0.0.1", api_port)).await;
        if admin.is_ok_and(|r| r.status().is_success()) && api.is_ok() {
            return ttk;
        }
        if let Some(status) = ttk.child.try_wait().unwrap() {
            panic!("the TTK exited with {status}, see {}", ttk.log.display());
        }
        assert!(Instant::now() < deadline, "the TTK did not start in 60 s");
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

/// Writes the hub's configuration and demo users and starts `kipochi-hub serve`.
fn start_hub(dir: &Path, switch_port: u16, fspiop_port: u16) -> Proc {
    let config = format!(
        r#"[hub]
fsp_id = "userdfsp"
currency = "USD"
data_dir = "{data}"

[api]
listen = "127.0.0.1:0"

[fspiop]
switch_url = "http://127.0.0.1:{switch_port}"
listen = "127.0.0.1:{fspiop_port}"
ilp_secret = "ttk-conformance-secret-0123456789"
payee_mode = "commit"
get_status = 200
callback_timeout_secs = 15
"#,
        data = dir.join("data").display()
    );
    // The collection's payee (toIdValue) and a funded payer.
    let seed = r#"[[users]]
phone = "9876543210"
name = "Test Payee"
role = "customer"
pin = "2580"

[[users]]
phone = "255711000001"
name = "Juma Bakari"
role = "customer"
pin = "2580"
balance = "5000"
"#;
    let cfg = dir.join("hub.toml");
    let seed_file = dir.join("seed.toml");
    std::fs::write(&cfg, config).unwrap();
    std::fs::write(&seed_file, seed).unwrap();
    Proc::start(
        "kipochi-hub",
        &[
            "serve",
            "--config",
            cfg.to_str().unwrap(),
            "--seed",
            seed_file.to_str().unwrap(),
        ],
    )
    .unwrap()
}

/// Runs a collection through the admin API (`?sync=true`); returns (passed, total, report).
async fn run_collection(
    http: &reqwest::Client,
    id: &str,
    mut template: Value,
) -> (u64, u64, Value) {
    template["options"] = json!({"generateIDType": "uuid"});
    let report: Value = http
        .post(format!("{ADMIN}/api/outbound/template/{id}?sync=true"))
        .json(&template)
        .timeout(Duration::from_secs(600))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let info = &report["runtimeInformation"];
    let passed = info["totalPassedAssertions"].as_u64().unwrap();
    let total = info["totalAssertions"].as_u64().unwrap();
    (passed, total, report)
}

/// The failed assertions of a report, one line each.
fn failures(report: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for tc in report["test_cases"].as_array().into_iter().flatten() {
        for req in tc["requests"].as_array().into_iter().flatten() {
            let rq = &req["request"];
            for a in rq["tests"]["assertions"].as_array().into_iter().flatten() {
                if a["resultStatus"]["status"] != "SUCCESS" {
                    out.push(format!(
                        "{} / {} {}: {} ({})",
                        tc["name"],
                        rq["method"],
                        rq["operationPath"],
                        a["description"],
                        a["resultStatus"]["message"]
                    ));
                }
            }
        }
    }
    out
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

/// An exact decimal with at most 2 fraction digits (USD) in cents, without floats.
fn cents(s: &str) -> i64 {
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    assert!(frac.len() <= 2, "{s}");
    let frac = format!("{frac:0<2}");
    int.parse::<i64>().unwrap() * 100 + frac.parse::<i64>().unwrap()
}

/// Payer role: Juma pays MSISDN 44123456789, a party the TTK (as switch and payee DFSP) answers.
async fn pay_through_ttk(http: &reqwest::Client, api: &str) -> Value {
    let call = |method: reqwest::Method, path: &str, token: Option<&str>, body: Option<Value>| {
        let mut req = http.request(method, format!("{api}{path}"));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        async move {
            let res = req.send().await.unwrap();
            let status = res.status().as_u16();
            (status, res.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let (status, login) = call(
        reqwest::Method::POST,
        "/api/v1/auth/login",
        None,
        Some(json!({"phone": PAYER, "pin": PIN})),
    )
    .await;
    assert_eq!(status, 200, "{login}");
    let token = login["token"].as_str().unwrap().to_string();
    let key = DeviceKey::from_secret_bytes(&[7; 32]);
    let body = json!({"public_key": key.public_key().to_base64url(), "label": "ttk"});
    let (status, dev) = call(
        reqwest::Method::POST,
        "/api/v1/devices",
        Some(&token),
        Some(body),
    )
    .await;
    assert_eq!(status, 200, "{dev}");
    let (_, bal) = call(reqwest::Method::GET, "/api/v1/balance", Some(&token), None).await;
    let before = cents(bal["available"].as_str().unwrap());

    let id = uuid::Uuid::new_v4().to_string();
    let body = json!({"payment_id": id, "target": {"kind": "phone", "phone": "44123456789"},
        "amount": "12.5", "currency": null, "note": "TTK conformance"});
    let (status, quote) = call(
        reqwest::Method::POST,
        "/api/v1/payments",
        Some(&token),
        Some(body),
    )
    .await;
    assert_eq!(status, 200, "{quote}");
    assert_eq!(quote["payee"]["name"], "Test Payee", "{quote}");
    assert_eq!(quote["payee"]["fsp_id"], "testingtoolkitdfsp", "{quote}");
    let approve =
        json!({"pin": PIN, "device_id": key.device_id(), "signature": sign(&quote, &key)});
    let (status, done) = call(
        reqwest::Method::POST,
        &format!("/api/v1/payments/{id}/approve"),
        Some(&token),
        Some(approve),
    )
    .await;
    assert_eq!(status, 200, "{done}");
    assert_eq!(done["state"], "committed", "{done}");
    let (_, bal) = call(reqwest::Method::GET, "/api/v1/balance", Some(&token), None).await;
    let after = cents(bal["available"].as_str().unwrap());
    assert_eq!(
        before - after,
        cents(quote["total"].as_str().unwrap()),
        "the payer is debited the quoted total, no more, no less"
    );
    done
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Node and the provisioned Testing Toolkit: cargo xtask test runs it"]
async fn ttk_payee_and_payer_roles() {
    let started = Instant::now();
    let dir = temp_dir("ttk");
    let run = Path::new(dir.path()).join("run");
    let (api_port, fspiop_port) = (free_port(), free_port());
    let ttk = start_ttk(&run, api_port, &format!("http://127.0.0.1:{fspiop_port}")).await;
    let hub = start_hub(Path::new(dir.path()), api_port, fspiop_port);
    let http = reqwest::Client::new();

    // Payee role: the golden path (parties, quotes, transfers), every assertion.
    let collection = ttk_dir().join("collections/p2p_happy_path_uuid.json");
    let template: Value =
        serde_json::from_str(&std::fs::read_to_string(collection).unwrap()).unwrap();
    let (passed, total, report) = run_collection(&http, "kipochi-payee", template).await;
    println!("TTK payee golden path: {passed}/{total} assertions passed");
    assert!(total >= 28, "{report}");
    assert_eq!(passed, total, "{:#?}", failures(&report));

    if std::env::var_os("KIPOCHI_TTK_NEGATIVE").is_some() {
        let examples = run.join("examples/collections/dfsp");
        // Floors: the counts recorded in docs/conformance.md.
        for (file, floor) in [
            ("p2p_happy_path_extended.json", 407),
            ("p2p_failed_tests.json", 456),
        ] {
            let template: Value =
                serde_json::from_str(&std::fs::read_to_string(examples.join(file)).unwrap())
                    .unwrap();
            let (passed, total, report) = run_collection(&http, file, template).await;
            println!("TTK {file}: {passed}/{total} assertions passed");
            for f in failures(&report) {
                println!("  FAIL {f}");
            }
            assert!(passed >= floor, "{file}: {passed}/{total} < {floor}");
        }
    }

    // Payer role: the TTK is the switch and the payee DFSP.
    let done = pay_through_ttk(&http, &hub.base_url).await;
    let history: Value = http
        .get(format!("{ADMIN}/api/history/requests"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let ours: Vec<(String, String)> = history
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["headers"]["fspiop-source"] == "userdfsp")
        .map(|r| {
            (
                r["method"].as_str().unwrap_or_default().to_string(),
                r["path"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    for (method, prefix) in [
        ("get", "/parties/MSISDN/44123456789"),
        ("post", "/quotes"),
        ("post", "/transfers"),
    ] {
        assert!(
            ours.iter().any(|(m, p)| m == method && p == prefix),
            "the TTK did not see {method} {prefix} from the hub: {ours:?}"
        );
    }
    // The TTK validates every request against its FSPIOP OpenAPI definitions and answers an
    // invalid one with 400: every answer it gave the hub (requests and callbacks) was 2xx.
    let log = std::fs::read_to_string(&ttk.log).unwrap();
    let answers: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("Response: ") && l.contains(" Status: "))
        .collect();
    assert!(answers.len() >= ours.len(), "{answers:?}");
    let refused: Vec<&&str> = answers
        .iter()
        .filter(|l| {
            !l.trim_end()
                .rsplit(' ')
                .next()
                .unwrap_or("")
                .starts_with('2')
        })
        .collect();
    assert!(refused.is_empty(), "the TTK refused: {refused:?}");
    println!(
        "TTK payer role: payment {} committed; {} hub requests/callbacks, all accepted; {:.1} s in all",
        done["payment_id"],
        answers.len(),
        started.elapsed().as_secs_f64()
    );
    drop(hub);
    drop(ttk);
}
