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

use std::path::Path;
use std::time::{Duration, Instant};

use kipochi_e2e::ttk::{ADMIN, Ttk, free_port, is_2xx, ttk_dir};
use kipochi_e2e::wallet::{Wallet, minor};
use kipochi_e2e::{Proc, temp_dir};
use serde_json::{Value, json};

const PIN: &str = "2580";
const PAYER: &str = "255711000001";

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

/// Payer role: Juma pays MSISDN 44123456789, a party the TTK (as switch and payee DFSP) answers.
async fn pay_through_ttk(api: &str) -> Value {
    let mut payer = Wallet::login(api, PAYER, PIN).await.unwrap();
    payer.register_device(7).await.unwrap();
    let usd = |text: &str| minor(text, "USD").unwrap();
    let before = usd(&payer.available().await.unwrap());
    let target = json!({"kind": "phone", "phone": "44123456789"});
    let (status, quote) = payer.quote(target, Some("12.5")).await.unwrap();
    assert_eq!(status, 200, "{quote}");
    assert_eq!(quote["payee"]["name"], "Test Payee", "{quote}");
    assert_eq!(quote["payee"]["fsp_id"], "testingtoolkitdfsp", "{quote}");
    let (status, done) = payer.approve(&quote, PIN).await.unwrap();
    assert_eq!(status, 200, "{done}");
    assert_eq!(done["state"], "committed", "{done}");
    let after = usd(&payer.available().await.unwrap());
    assert_eq!(
        before - after,
        usd(quote["total"].as_str().unwrap()),
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
    let (api_port, fspiop_port) = (free_port().unwrap(), free_port().unwrap());
    let rules = [
        ("callback", "clean_callbacks.json"),
        ("validation", "error_rules.json"),
    ];
    let ttk = Ttk::start(&run, api_port, &rules, |uc| {
        uc["CALLBACK_ENDPOINT"] = json!(format!("http://127.0.0.1:{fspiop_port}"));
        uc["CALLBACK_TIMEOUT"] = json!(15000);
    })
    .await
    .unwrap();
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
    let done = pay_through_ttk(&hub.base_url).await;
    let history = ttk.history(&http).await.unwrap();
    let ours: Vec<(String, String)> = history
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
    let answers = ttk.answers().unwrap();
    assert!(answers.len() >= ours.len(), "{answers:?}");
    let refused: Vec<&String> = answers.iter().filter(|l| !is_2xx(l)).collect();
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
