//! Crash test: a child process books payments as fast as it can and is killed with SIGKILL; the
//! reopened ledger must hold every payment the child saw acknowledged, and still balance.

use crate::ledger_support;

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use kipochi_hub::accounts::{
    AccountSystem, Alias, AliasType, InternalTransferRequest, ReserveRequest, TransferId,
    TransferState,
};
use kipochi_hub::ledger::Ledger;
use ledger_support::{bal, funded_wallet, m};
use uuid::Uuid;

const CHILD_ENV: &str = "KIPOCHI_LEDGER_CRASH_CHILD";
const TEST_NAME: &str = "ledger_crash::killed_writer_loses_nothing_acknowledged";
const ACKS_BEFORE_KILL: usize = 150;
/// The child stops by itself after this many payments if nobody kills it.
const CHILD_MAX_PAYMENTS: usize = 20_000;

fn alias(value: &str) -> Alias {
    Alias {
        kind: AliasType::Msisdn,
        value: value.into(),
    }
}

/// The child: alternates internal payments and reserve + commit, printing each acknowledged id.
fn child(path: &str) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    rt.block_on(async {
        let ledger = Ledger::open(path).unwrap();
        let a = ledger
            .lookup_party(&alias("255750000001"))
            .await
            .unwrap()
            .account;
        let b = ledger
            .lookup_party(&alias("255750000002"))
            .await
            .unwrap()
            .account;
        let mut out = std::io::stdout().lock();
        for i in 0..CHILD_MAX_PAYMENTS {
            let id = TransferId::new_v4();
            let (payer, payee) = if i % 2 == 0 { (a, b) } else { (b, a) };
            if i % 3 == 0 {
                let req = ReserveRequest {
                    transfer_id: id,
                    payer,
                    amount: m(7),
                    fee: m(1),
                };
                ledger.reserve(req).await.unwrap();
                ledger.commit(id).await.unwrap();
            } else {
                let req = InternalTransferRequest {
                    transfer_id: id,
                    payer,
                    payee,
                    amount: m(5),
                    fee: m(1),
                };
                ledger.internal_transfer(req).await.unwrap();
            }
            writeln!(out, "ack {id}").unwrap();
            out.flush().unwrap();
        }
    });
}

#[test]
fn killed_writer_loses_nothing_acknowledged() {
    match std::env::var(CHILD_ENV) {
        Ok(path) => child(&path),
        Err(_) => tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(parent()),
    }
}

async fn parent() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.db");
    let ledger = Ledger::open(&path).unwrap();
    let a = funded_wallet(&ledger, "255750000001", 1_000_000).await;
    let b = funded_wallet(&ledger, "255750000002", 1_000_000).await;
    drop(ledger);

    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([TEST_NAME, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, &path)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut acked = Vec::new();
    let mut lines = BufReader::new(stdout).lines();
    let record = |line: String, acked: &mut Vec<TransferId>| {
        // libtest prints "test NAME ... " without a newline before the test's own output, so the
        // first ack shares its line: look for the marker anywhere in the line.
        if let Some((_, id)) = line.split_once("ack ") {
            acked.push(TransferId(Uuid::parse_str(id.trim()).unwrap()));
        }
    };
    for line in lines.by_ref() {
        record(line.unwrap(), &mut acked);
        if acked.len() >= ACKS_BEFORE_KILL || Instant::now() > deadline {
            break;
        }
    }
    child.kill().unwrap(); // SIGKILL: no destructor, no clean close of SQLite
    child.wait().unwrap();
    assert!(acked.len() >= ACKS_BEFORE_KILL, "child stopped early");
    // The child kept paying while we read: every ack it printed before dying counts too.
    for line in lines.map_while(Result::ok) {
        record(line, &mut acked);
    }

    let ledger = Ledger::open(&path).unwrap();
    for id in &acked {
        assert_eq!(
            ledger.transfer(*id).await.unwrap().state,
            TransferState::Committed
        );
    }
    let report = ledger.audit().await.unwrap();
    assert!(report.is_consistent(), "{report:?}");
    // A hold made just before the kill may remain; it stays releasable and nothing else is held.
    let (ledger_a, available_a) = bal(&ledger, a).await;
    let (ledger_b, available_b) = bal(&ledger, b).await;
    assert!(ledger_a - available_a <= 8 && ledger_b - available_b <= 8);
    // Every acknowledged payment is booked; at most one more (in flight at the kill) may be.
    let spent: i64 = (0..acked.len())
        .map(|i| if i % 3 == 0 { 8 } else { 1 })
        .sum();
    let left = ledger_a + ledger_b;
    assert!(
        left <= 2_000_000 - spent && left >= 2_000_000 - spent - 8,
        "left {left}, spent {spent} over {} acks",
        acked.len()
    );
}
