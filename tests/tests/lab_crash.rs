//! Crash test of the whole lab: cross-DFSP payments while the payer hub, the payee hub and the
//! switch are SIGKILLed and restarted at pseudo-random moments. Afterwards every payment is
//! final, both DFSPs agree on each one, no hold is left behind, and no money was created or lost:
//! the payer's debits, the payee's credits and the switch's positions all match.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use kipochi_core::keys::DeviceKey;
use kipochi_e2e::crash::{
    Killer, Lcg, fast_recovery, get, lab_nodes, login, minor, pay_many, session, states,
    until_answer,
};
use kipochi_e2e::lab::prepare;
use kipochi_e2e::temp_dir;
use serde_json::Value;

const PAYMENTS: usize = 200;
const MIN_KILLS: usize = 10;
/// Each payment: 10.00 TZS.
const AMOUNT: &str = "10";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn payments_survive_kills_of_every_process() {
    let data = temp_dir("lab-crash");
    prepare(data.path(), &[]).unwrap();
    // Faster recovery and callbacks than production defaults, so the test stays short.
    fast_recovery(data.path(), 3).unwrap();
    let mut nodes = lab_nodes(data.path());
    for n in nodes.iter_mut() {
        n.start().unwrap();
    }
    let blue = std::sync::Arc::new(std::sync::Mutex::new(nodes[1].url()));
    let green = std::sync::Arc::new(std::sync::Mutex::new(nodes[2].url()));
    let http = reqwest::Client::new();

    // Two payers at bluebank pay two customers at greenwallet.
    let payers = ["255711000001", "255711000002"];
    let payees = ["255722000001", "255722000002"];
    let mut sessions = Vec::new();
    for (i, phone) in payers.iter().enumerate() {
        sessions.push(session(&blue, &http, phone, 40 + i as u8).await.unwrap());
    }
    let admin_blue = login(&blue, &http, "255711000009").await.unwrap();
    let admin_green = login(&green, &http, "255722000009").await.unwrap();
    let before_blue: Vec<String> = payer_balances(&blue, &http, &sessions).await;

    // The killer: every 300-900 ms one process is SIGKILLed and restarted.
    let killer = Killer::spawn(
        nodes,
        Lcg(0x5eed),
        MIN_KILLS,
        |rng| rng.next(3) as usize,
        blue.clone(),
        green.clone(),
    );

    // The payments: each step retried until the hub gives an answer.
    let ids = pay_many(&blue, &http, &sessions, &payees, PAYMENTS, AMOUNT)
        .await
        .unwrap();
    let (kills, _nodes) = killer.stop().unwrap();
    assert!(kills >= MIN_KILLS, "{kills} kills");

    // Every payment reaches a final state at the payer (recovery asks the switch).
    let deadline = Instant::now() + Duration::from_secs(150);
    let payer_states: HashMap<String, String> = loop {
        let m = states(&blue, &http, &admin_blue).await.unwrap();
        let open = m
            .values()
            .filter(|s| !matches!(s.as_str(), "committed" | "failed" | "expired" | "declined"))
            .count();
        if open == 0 {
            break m;
        }
        assert!(
            Instant::now() < deadline,
            "{open} payments still open after 150 s: {m:?}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    // ... and at the payee, whose incoming records must agree.
    let green_states: HashMap<String, String> = loop {
        let m = states(&green, &http, &admin_green).await.unwrap();
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
        .filter(|id| payer_states.get(*id).map(String::as_str) == Some("committed"))
        .collect();
    for id in &ids {
        let payer = payer_states.get(id).map(String::as_str).unwrap_or("none");
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
            .await
            .unwrap();
            let (_, at_payee) = until_answer(
                &green,
                &http,
                reqwest::Method::GET,
                &path,
                Some(&admin_green),
                None,
            )
            .await
            .unwrap();
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
        .map(|(b, a)| minor(b).unwrap() - minor(a).unwrap())
        .sum();
    assert_eq!(spent, moved, "payers' debits");
    let mut received = 0;
    for phone in payees {
        let token = login(&green, &http, phone).await.unwrap();
        let (_, bal) = until_answer(
            &green,
            &http,
            reqwest::Method::GET,
            "/api/v1/balance",
            Some(&token),
            None,
        )
        .await
        .unwrap();
        assert_eq!(bal["available"], bal["ledger"], "no hold left at the payee");
        received += minor(bal["available"].as_str().unwrap()).unwrap();
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
    .await
    .unwrap();
    let settlement = books
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["kind"] == "settlement")
        .cloned()
        .unwrap_or(Value::Null);
    // The payer DFSP's settlement account holds what it owes the switch.
    assert_eq!(
        minor(settlement["ledger"].as_str().unwrap_or("0")).unwrap(),
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
        let bal = get(base, http, "/api/v1/balance", token).await.unwrap();
        assert_eq!(bal["available"], bal["ledger"], "no hold left at the payer");
        out.push(bal["available"].as_str().unwrap().to_string());
    }
    out
}
