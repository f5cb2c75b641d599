//! Crash test of a hub on Fineract (the double): greenwallet's customers, whose accounts live in
//! the Fineract double, pay bluebank's customers while the greenwallet hub is SIGKILLed and
//! restarted every 300-900 ms (reproducible sequence), so the kills land at different steps of the
//! payments in flight: quote, approval, hold (PREPARE), transfer, booking (CREATE) or release. Now
//! and then the switch is killed too. The double keeps running, as Fineract would. Afterwards
//! every payment is final at both hubs and they agree, no hold is left in Fineract, and debits =
//! credits: what left the payers' savings accounts is what reached the payees and the payee
//! DFSP's settlement position.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use kipochi_core::keys::DeviceKey;
use kipochi_e2e::crash::{Lcg, Node, minor, until_answer};
use kipochi_e2e::lab::{PIN, fineract_savings, minor_units, sign};
use kipochi_e2e::{Proc, binary, temp_dir};
use serde_json::{Value, json};

const PAYMENTS: usize = 60;
const MIN_KILLS: usize = 8;
/// Each payment: 10.00 TZS (the lab's Fineract wallet product has no withdrawal fee).
const AMOUNT: &str = "10";
const AMOUNT_MINOR: i64 = 1000;

type Base = Arc<Mutex<String>>;

async fn login(base: &Base, http: &reqwest::Client, phone: &str) -> String {
    let body = json!({"phone": phone, "pin": PIN});
    let (status, v) = until_answer(
        base,
        http,
        reqwest::Method::POST,
        "/api/v1/auth/login",
        None,
        Some(&body),
    )
    .await
    .unwrap();
    assert_eq!(status, 200, "{v}");
    v["token"].as_str().unwrap().to_string()
}

async fn get(base: &Base, http: &reqwest::Client, path: &str, token: &str) -> Value {
    let (status, v) = until_answer(base, http, reqwest::Method::GET, path, Some(token), None)
        .await
        .unwrap();
    assert_eq!(status, 200, "{path}: {v}");
    v
}

/// Payment id → state, from the admin list.
async fn states(base: &Base, http: &reqwest::Client, admin: &str) -> HashMap<String, String> {
    let list = get(base, http, "/api/v1/admin/payments?limit=500", admin).await;
    list.as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["payment_id"].as_str().unwrap().to_string(),
                p["state"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn payments_from_fineract_survive_kills_of_their_hub() {
    let data = temp_dir("lab-crash-fineract");
    let dir = data.path();
    let out = std::process::Command::new(binary("kipochi-hub").unwrap())
        .args([
            "lab",
            "--prepare",
            "--fineract-double",
            "--base-port",
            "0",
            "--data-dir",
            dir,
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for fsp in ["bluebank", "greenwallet"] {
        let path = format!("{dir}/{fsp}.toml");
        let text = std::fs::read_to_string(&path).unwrap();
        let text = text
            .replace("[hub]\n", "[hub]\nrecovery_interval_secs = 1\n")
            .replace("[fspiop]\n", "[fspiop]\ncallback_timeout_secs = 3\n");
        std::fs::write(&path, text).unwrap();
    }
    // The double's address, from greenwallet's configuration.
    let green_cfg = std::fs::read_to_string(format!("{dir}/greenwallet.toml")).unwrap();
    let addr = green_cfg
        .split("base_url = \"http://")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .unwrap()
        .to_string();
    let state = format!("{dir}/fineract-double.json");
    let double = Proc::start(
        "kipochi-hub",
        &["fineract-double", "--listen", &addr, "--state", &state],
    )
    .unwrap();
    let cfg = |name: &str| format!("{dir}/{name}");
    let mut nodes = vec![
        Node::new(&["switch", "--config", &cfg("switch.toml")]),
        Node::new(&[
            "serve",
            "--config",
            &cfg("bluebank.toml"),
            "--seed",
            &cfg("bluebank-users.toml"),
        ]),
        Node::new(&[
            "serve",
            "--config",
            &cfg("greenwallet.toml"),
            "--seed",
            &cfg("greenwallet-users.toml"),
        ]),
    ];
    for n in nodes.iter_mut() {
        n.start().unwrap();
    }
    let blue: Base = Arc::new(Mutex::new(nodes[1].url()));
    let green: Base = Arc::new(Mutex::new(nodes[2].url()));
    let http = reqwest::Client::new();

    // Two payers at greenwallet (Fineract) pay two customers at bluebank (ledger).
    let payers = ["255722000001", "255722000002"];
    let payees = ["255711000001", "255711000002"];
    let mut sessions = Vec::new();
    for (i, phone) in payers.iter().enumerate() {
        let token = login(&green, &http, phone).await;
        let key = DeviceKey::from_secret_bytes(&[60 + i as u8; 32]);
        let body = json!({"public_key": key.public_key().to_base64url(), "label": "crash"});
        let (status, v) = until_answer(
            &green,
            &http,
            reqwest::Method::POST,
            "/api/v1/devices",
            Some(&token),
            Some(&body),
        )
        .await
        .unwrap();
        assert_eq!(status, 200, "{v}");
        sessions.push((token, key));
    }
    let admin_green = login(&green, &http, "255722000009").await;
    let admin_blue = login(&blue, &http, "255711000009").await;
    let mut before = Vec::new();
    for (token, _) in &sessions {
        let bal = get(&green, &http, "/api/v1/balance", token).await;
        before.push(minor(bal["ledger"].as_str().unwrap()).unwrap());
    }

    // The killer: every 300-900 ms the greenwallet hub is SIGKILLed and restarted; now and then
    // the switch too.
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let killer = {
        let (stop, green) = (stop.clone(), green.clone());
        std::thread::spawn(move || {
            let mut rng = Lcg(0xf1e5);
            let mut kills = 0;
            while !stop.load(std::sync::atomic::Ordering::SeqCst) || kills < MIN_KILLS {
                std::thread::sleep(Duration::from_millis(300 + rng.next(600)));
                let which = if rng.next(5) == 0 { 0 } else { 2 };
                nodes[which].crash_and_restart().unwrap();
                *green.lock().unwrap() = nodes[2].url();
                kills += 1;
            }
            (kills, nodes)
        })
    };

    let mut ids = Vec::new();
    for n in 0..PAYMENTS {
        let (token, key) = &sessions[n % payers.len()];
        let id = uuid::Uuid::new_v4().to_string();
        let body = json!({"payment_id": id, "target": {"kind": "phone", "phone": payees[n % payees.len()]},
                          "amount": AMOUNT, "currency": null, "note": null});
        let (status, quote) = until_answer(
            &green,
            &http,
            reqwest::Method::POST,
            "/api/v1/payments",
            Some(token),
            Some(&body),
        )
        .await
        .unwrap();
        ids.push(id.clone());
        if status != 200 {
            continue; // refused (e.g. the switch was down during the lookup): nothing held
        }
        let approve = json!({"pin": PIN, "device_id": key.device_id(),
                             "signature": sign(&quote, key).unwrap()});
        let path = format!("/api/v1/payments/{id}/approve");
        until_answer(
            &green,
            &http,
            reqwest::Method::POST,
            &path,
            Some(token),
            Some(&approve),
        )
        .await
        .unwrap();
    }
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    let (kills, _nodes) = killer.join().unwrap();
    assert!(kills >= MIN_KILLS, "{kills} kills");

    // Every payment reaches a final state at the payer, and the payee agrees.
    let deadline = Instant::now() + Duration::from_secs(150);
    let final_state = |s: &str| matches!(s, "committed" | "failed" | "expired" | "declined");
    let at_payer = loop {
        let m = states(&green, &http, &admin_green).await;
        let open: Vec<_> = m.iter().filter(|(_, s)| !final_state(s)).collect();
        if open.is_empty() {
            break m;
        }
        assert!(
            Instant::now() < deadline,
            "still open after 150 s: {open:?}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    let at_payee = loop {
        let m = states(&blue, &http, &admin_blue).await;
        if m.values().all(|s| final_state(s) || s == "quoted") {
            break m;
        }
        assert!(
            Instant::now() < deadline,
            "payee payments still open: {m:?}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    let mut committed = 0;
    for id in &ids {
        let payer = at_payer.get(id).map(String::as_str).unwrap_or("none");
        let payee = at_payee.get(id).map(String::as_str).unwrap_or("none");
        assert_eq!(
            payer == "committed",
            payee == "committed",
            "payment {id}: payer {payer}, payee {payee}"
        );
        committed += i64::from(payer == "committed");
    }
    assert!(
        committed >= PAYMENTS as i64 / 4,
        "only {committed} committed"
    );
    let moved = committed * AMOUNT_MINOR;

    // Fineract: no hold left, and the payers' withdrawals are exactly the committed payments.
    let double_url = double.base_url.clone();
    let mut spent = 0;
    let mut withdrawn = 0;
    for ((token, _), (phone, opening)) in sessions.iter().zip(payers.iter().zip(&before)) {
        let s = fineract_savings(&http, &double_url, phone).await.unwrap();
        let hold = minor_units(&s.savings_amount_on_hold).unwrap();
        assert_eq!(hold, 0, "hold left: {s:?}");
        let balance = minor_units(&s.summary.account_balance).unwrap();
        spent += opening - balance;
        for t in &s.transactions {
            match t.transaction_type.id {
                2 => withdrawn += minor_units(&t.amount).unwrap(),
                4 => panic!("no withdrawal fee on the lab's wallet product: {t:?}"),
                _ => {}
            }
        }
        let bal = get(&green, &http, "/api/v1/balance", token).await;
        assert_eq!(bal["available"], bal["ledger"], "the hub sees no hold");
        assert_eq!(minor(bal["ledger"].as_str().unwrap()).unwrap(), balance);
    }
    assert_eq!(spent, moved, "payers' debits");
    assert_eq!(withdrawn, moved, "Fineract withdrawals");
    // Credits at bluebank (opening balances 500000 and 250000 TZS) and its settlement position.
    let mut received = 0;
    for phone in payees {
        let token = login(&blue, &http, phone).await;
        let bal = get(&blue, &http, "/api/v1/balance", &token).await;
        assert_eq!(bal["available"], bal["ledger"]);
        received += minor(bal["ledger"].as_str().unwrap()).unwrap();
    }
    assert_eq!(received - 75_000_000, moved, "payees' credits");
    let books = get(&blue, &http, "/api/v1/admin/ledger", &admin_blue).await;
    let settlement = books
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["kind"] == "settlement")
        .map(|b| minor(b["ledger"].as_str().unwrap()).unwrap())
        .unwrap_or(0);
    assert_eq!(settlement, -moved, "payee settlement position");
    let mut outcomes: HashMap<&str, usize> = HashMap::new();
    for id in &ids {
        *outcomes
            .entry(at_payer.get(id).map(String::as_str).unwrap_or("refused"))
            .or_default() += 1;
    }
    eprintln!("payments {PAYMENTS}, kills {kills}, outcomes at the payer {outcomes:?}");
}
