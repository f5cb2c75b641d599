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

use kipochi_e2e::crash::{
    Killer, Lcg, fast_recovery, get, lab_nodes, login, minor, pay_many, session, states,
};
use kipochi_e2e::lab::{fineract_savings, minor_units, prepare};
use kipochi_e2e::{Proc, temp_dir};

const PAYMENTS: usize = 60;
const MIN_KILLS: usize = 8;
/// Each payment: 10.00 TZS (the lab's Fineract wallet product has no withdrawal fee).
const AMOUNT: &str = "10";
const AMOUNT_MINOR: i64 = 1000;

type Base = Arc<Mutex<String>>;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn payments_from_fineract_survive_kills_of_their_hub() {
    let data = temp_dir("lab-crash-fineract");
    let dir = data.path();
    prepare(dir, &["--fineract-double"]).unwrap();
    fast_recovery(dir, 3).unwrap();
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
    let mut nodes = lab_nodes(dir);
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
        sessions.push(session(&green, &http, phone, 60 + i as u8).await.unwrap());
    }
    let admin_green = login(&green, &http, "255722000009").await.unwrap();
    let admin_blue = login(&blue, &http, "255711000009").await.unwrap();
    let mut before = Vec::new();
    for (token, _) in &sessions {
        let bal = get(&green, &http, "/api/v1/balance", token).await.unwrap();
        before.push(minor(bal["ledger"].as_str().unwrap()).unwrap());
    }

    // The killer: every 300-900 ms the greenwallet hub is SIGKILLed and restarted; now and then
    // the switch too.
    let killer = Killer::spawn(
        nodes,
        Lcg(0xf1e5),
        MIN_KILLS,
        |rng| if rng.next(5) == 0 { 0 } else { 2 },
        blue.clone(),
        green.clone(),
    );

    // The payments: each step retried until the hub gives an answer.
    let ids = pay_many(&green, &http, &sessions, &payees, PAYMENTS, AMOUNT)
        .await
        .unwrap();
    let (kills, _nodes) = killer.stop().unwrap();
    assert!(kills >= MIN_KILLS, "{kills} kills");

    // Every payment reaches a final state at the payer, and the payee agrees.
    let deadline = Instant::now() + Duration::from_secs(150);
    let final_state = |s: &str| matches!(s, "committed" | "failed" | "expired" | "declined");
    let at_payer = loop {
        let m = states(&green, &http, &admin_green).await.unwrap();
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
        let m = states(&blue, &http, &admin_blue).await.unwrap();
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
        let bal = get(&green, &http, "/api/v1/balance", token).await.unwrap();
        assert_eq!(bal["available"], bal["ledger"], "the hub sees no hold");
        assert_eq!(minor(bal["ledger"].as_str().unwrap()).unwrap(), balance);
    }
    assert_eq!(spent, moved, "payers' debits");
    assert_eq!(withdrawn, moved, "Fineract withdrawals");
    // Credits at bluebank (opening balances 500000 and 250000 TZS) and its settlement position.
    let mut received = 0;
    for phone in payees {
        let token = login(&blue, &http, phone).await.unwrap();
        let bal = get(&blue, &http, "/api/v1/balance", &token).await.unwrap();
        assert_eq!(bal["available"], bal["ledger"]);
        received += minor(bal["ledger"].as_str().unwrap()).unwrap();
    }
    assert_eq!(received - 75_000_000, moved, "payees' credits");
    let books = get(&blue, &http, "/api/v1/admin/ledger", &admin_blue)
        .await
        .unwrap();
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
