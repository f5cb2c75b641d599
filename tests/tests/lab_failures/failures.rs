//! Failure paths across DFSPs: each asserts the code the wallet sees and that nothing moved —
//! both customers' balances (available = ledger: no hold left), the switch's positions and the
//! switch's record of the transfer.

use std::time::{Duration, Instant};

use axum::http::Method;
use serde_json::json;

use super::harness::*;

/// Unknown party (3204), insufficient funds, a payee that rejects (an already paid merchant
/// request), and the net debit cap (4200) on one lab.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_move_no_money() {
    let mut setup = Setup::default();
    setup.caps.insert(GREEN, "1000");
    let lab = Lab::start(setup).await;
    let juma = lab.login(BLUE, JUMA).await;
    let juma_key = lab.device(BLUE, &juma, 11).await;
    let neema = lab.login(GREEN, NEEMA).await;
    let neema_key = lab.device(GREEN, &neema, 12).await;
    let merchant = lab.login(GREEN, MAMA_NTILIE).await;
    let blue_admin = lab.login(BLUE, BLUE_ADMIN).await;
    let at_start = (lab.position(BLUE), lab.position(GREEN));
    assert_eq!(
        lab.balance(BLUE, &juma).await,
        ("500000".into(), "500000".into())
    );

    // Unknown party: the switch's oracle has no owner → 3204 → `payee_not_found`.
    let target = json!({"kind": "phone", "phone": "255733999999"});
    let (id, status, err) = lab.quote(BLUE, &juma, target, Some("1000")).await;
    assert_eq!(status, 422, "{err}");
    assert_eq!(err["code"], "payee_not_found", "{err}");
    assert!(lab.switch_transfer(&id).is_none());
    assert_eq!(
        lab.balance(BLUE, &juma).await,
        ("500000".into(), "500000".into())
    );

    // Insufficient funds: refused by the payer's hub when quoting (its fee quote checks the
    // available balance), before any transfer exists; the switch never sees a 4001.
    let target = json!({"kind": "phone", "phone": NEEMA});
    let (id, status, err) = lab.quote(BLUE, &juma, target, Some("600000")).await;
    assert_eq!(status, 422, "{err}");
    assert_eq!(err["code"], "insufficient_funds", "{err}");
    assert!(lab.switch_transfer(&id).is_none(), "no transfer was sent");
    assert_eq!(
        lab.balance(BLUE, &juma).await,
        ("500000".into(), "500000".into())
    );
    assert_eq!(
        lab.balance(GREEN, &neema).await,
        ("300000".into(), "300000".into())
    );
    assert_eq!((lab.position(BLUE), lab.position(GREEN)), at_start);

    // Payee rejects: a merchant's request is paid once; the second attempt is refused by
    // greenwallet's quote handler (FSPIOP 5xxx) and moves nothing.
    let body = json!({"amount": "2500", "reference": "INV-77", "terminal": null});
    let (status, request) = lab
        .post(GREEN, "/merchant/requests", &merchant, &body)
        .await;
    assert_eq!(status, 200, "{request}");
    let qr = json!({"kind": "qr", "payload": request["payload"]});
    let (_, status, quote) = lab.quote(BLUE, &juma, qr.clone(), None).await;
    assert_eq!(status, 200, "{quote}");
    let (status, done) = lab.approve(BLUE, &juma, &juma_key, &quote).await;
    assert_eq!(
        (status, done["state"].as_str()),
        (200, Some("committed")),
        "{done}"
    );
    let paid = eventually("the merchant credited", || async {
        let b = lab.balance(GREEN, &merchant).await;
        (b.0 == "2500").then_some(b)
    })
    .await;
    let juma_after = lab.balance(BLUE, &juma).await;
    let positions = (lab.position(BLUE), lab.position(GREEN));
    let (id, status, err) = lab.quote(BLUE, &juma, qr, None).await;
    assert_eq!(status, 422, "{err}");
    assert_eq!(err["code"], "payee_rejected", "{err}");
    assert!(
        err["message"].as_str().unwrap().starts_with("FSPIOP 5"),
        "{err}"
    );
    let record = lab.admin_payment(BLUE, &blue_admin, &id).await.unwrap();
    assert_eq!(record["payment"]["state"], "failed", "{record}");
    assert!(lab.switch_transfer(&id).is_none());
    assert_eq!(lab.balance(BLUE, &juma).await, juma_after);
    assert_eq!(lab.balance(GREEN, &merchant).await, paid);
    assert_eq!((lab.position(BLUE), lab.position(GREEN)), positions);

    // Net debit cap: greenwallet may owe the scheme at most 1,000 TZS; it is owed 2,500 TZS
    // (the merchant payment), so Neema's 5,000 TZS transfer would take it to 2,500 TZS owed:
    // refused at the switch with 4200, and greenwallet releases her funds.
    assert_eq!(positions.1.position, -250_000);
    let target = json!({"kind": "phone", "phone": JUMA});
    let (id, status, quote) = lab.quote(GREEN, &neema, target, Some("5000")).await;
    assert_eq!(status, 200, "{quote}");
    let (status, done) = lab.approve(GREEN, &neema, &neema_key, &quote).await;
    assert_eq!(status, 200, "{done}");
    assert_eq!(done["state"], "failed", "{done}");
    assert_eq!(done["error"]["code"], "switch_declined", "{done}");
    assert!(
        done["error"]["message"].as_str().unwrap().contains("4200"),
        "{done}"
    );
    let t = lab
        .switch_transfer(&id)
        .expect("the switch recorded the refusal");
    assert_eq!(t.error.map(|e| e.0).as_deref(), Some("4200"));
    assert_eq!(
        lab.balance(GREEN, &neema).await,
        ("300000".into(), "300000".into())
    );
    assert_eq!(lab.balance(BLUE, &juma).await, juma_after);
    assert_eq!((lab.position(BLUE), lab.position(GREEN)), positions);
}

/// Approving after the quote's expiry (`[hub] quote_ttl_secs = 1`): `quote_expired`, the
/// payment is `expired`, nothing is held or sent; a retried approval gets the same answer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quote_expired_before_approval() {
    let mut setup = Setup::default();
    setup.hub.insert(BLUE, "quote_ttl_secs = 1\n".into());
    let lab = Lab::start(setup).await;
    let juma = lab.login(BLUE, JUMA).await;
    let key = lab.device(BLUE, &juma, 21).await;
    let neema = lab.login(GREEN, NEEMA).await;
    let admin = lab.login(BLUE, BLUE_ADMIN).await;
    let target = json!({"kind": "phone", "phone": NEEMA});
    let (id, status, quote) = lab.quote(BLUE, &juma, target, Some("1000")).await;
    assert_eq!(status, 200, "{quote}");
    let ttl = quote["expiry"].as_i64().unwrap() - chrono_now_ms();
    assert!(
        ttl <= 1_000,
        "the quote lives {ttl} ms, not the configured second"
    );
    tokio::time::sleep(Duration::from_millis(1_300)).await;
    for _ in 0..2 {
        let (status, err) = lab.approve(BLUE, &juma, &key, &quote).await;
        assert_eq!(status, 422, "{err}");
        assert_eq!(err["code"], "quote_expired", "{err}");
    }
    let record = lab.admin_payment(BLUE, &admin, &id).await.unwrap();
    assert_eq!(record["payment"]["state"], "expired", "{record}");
    assert!(lab.switch_transfer(&id).is_none(), "nothing was sent");
    assert_eq!(
        lab.balance(BLUE, &juma).await,
        ("500000".into(), "500000".into())
    );
    assert_eq!(
        lab.balance(GREEN, &neema).await,
        ("300000".into(), "300000".into())
    );
    assert_eq!(lab.position(BLUE), Default::default());
}

fn chrono_now_ms() -> i64 {
    let d = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    i64::try_from(d.as_millis()).unwrap()
}

/// The payee hub freezes (SIGSTOP) after quoting: the switch times the transfer out (3303,
/// `[hub] transfer_ttl_secs = 2` at the payer), the payer releases the hold on the switch's
/// word; once the payee thaws (SIGCONT) and sees the stale prepare, it keeps no money.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transfer_expired_at_the_switch() {
    let mut setup = Setup {
        record: true,
        ..Setup::default()
    };
    setup.hub.insert(BLUE, "transfer_ttl_secs = 2\n".into());
    let lab = Lab::start(setup).await;
    let juma = lab.login(BLUE, JUMA).await;
    let key = lab.device(BLUE, &juma, 31).await;
    let neema = lab.login(GREEN, NEEMA).await;
    let green_admin = lab.login(GREEN, GREEN_ADMIN).await;
    let target = json!({"kind": "phone", "phone": NEEMA});
    let (id, status, quote) = lab.quote(BLUE, &juma, target, Some("1000")).await;
    assert_eq!(status, 200, "{quote}");

    Lab::signal(lab.green.pid(), "STOP");
    let started = Instant::now();
    // While the switch waits for the frozen payee, the payer holds the funds (seen by polling
    // while the approval is pending: the hold lasts the transfer's 2 s).
    let approval = lab.approve(BLUE, &juma, &key, &quote);
    tokio::pin!(approval);
    let mut held = false;
    let (status, done) = loop {
        tokio::select! {
            answer = &mut approval => break answer,
            () = tokio::time::sleep(Duration::from_millis(50)) => {
                held |= lab.balance(BLUE, &juma).await == ("499000".into(), "500000".into());
            }
        }
    };
    assert!(held, "the payer held the funds until the switch's word");
    let took = started.elapsed();
    assert_eq!(status, 200, "{done}");
    assert_eq!(done["state"], "failed", "{done}");
    assert_eq!(done["error"]["code"], "transfer_expired", "{done}");
    assert!(
        done["error"]["message"].as_str().unwrap().contains("3303"),
        "{done}"
    );
    assert!(took < Duration::from_secs(8), "answered after {took:?}");
    let t = lab.switch_transfer(&id).unwrap();
    assert_eq!(t.error.map(|e| e.0).as_deref(), Some("3303"));
    assert_eq!(
        lab.position(BLUE),
        Default::default(),
        "reservation released"
    );
    assert_eq!(lab.position(GREEN), Default::default());
    assert_eq!(
        lab.balance(BLUE, &juma).await,
        ("500000".into(), "500000".into())
    );

    // The payee thaws, reads the stale prepare and the 3303: it must not keep the money.
    Lab::signal(lab.green.pid(), "CONT");
    // It refuses the stale prepare itself (expired: 3303) rather than reserving anything.
    let path = format!("/transfers/{id}/error");
    let refusal = lab.wait_seen("switch", &Method::PUT, &path, 1).await;
    assert_eq!(
        refusal[0].json()["errorInformation"]["errorCode"],
        "3303",
        "{:?}",
        refusal[0].json()
    );
    let state = eventually("the payee to settle its record", || async {
        let p = lab.admin_payment(GREEN, &green_admin, &id).await?;
        let s = p["payment"]["state"].as_str()?.to_string();
        (s != "reserved").then_some(s)
    })
    .await;
    assert_ne!(state, "committed");
    // Give a late PATCH or recovery pass (every second) the chance to do harm.
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    let p = lab.admin_payment(GREEN, &green_admin, &id).await.unwrap();
    assert_ne!(p["payment"]["state"], "committed", "{p}");
    assert_eq!(
        lab.balance(GREEN, &neema).await,
        ("300000".into(), "300000".into())
    );
    assert_eq!(lab.position(GREEN), Default::default());
    assert_eq!(lab.position(BLUE), Default::default());
    assert_eq!(
        lab.balance(BLUE, &juma).await,
        ("500000".into(), "500000".into())
    );
}

/// A payee account that cannot receive: a tier-1 customer (maximum balance 1,000,000 TZS)
/// quoted for 400,000 TZS, then credited 700,000 TZS inside greenwallet before the payer
/// approves. The payee hub must refuse the transfer (5200, payee limit) instead of taking it
/// and failing to credit it later: the payer is released, nobody's money moves.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn payee_that_cannot_receive_refuses_the_transfer() {
    let lab = Lab::start(Setup::default()).await;
    let zawadi = lab.login(GREEN, GREEN_AGENT).await;
    let zawadi_key = lab.device(GREEN, &zawadi, 61).await;
    let form = json!({"full_name": "Asha Said", "phone": ASHA, "id_type": "national_id",
                      "id_number": "19900101-12345-00001-12", "date_of_birth": "1990-01-01",
                      "kyc_tier": 1, "photo": null});
    let key = uuid::Uuid::new_v4().to_string();
    let (status, asha) = lab
        .call(
            reqwest::Method::POST,
            GREEN,
            "/agent/customers",
            Some(&zawadi),
            Some(&form),
            Some(&key),
        )
        .await;
    assert_eq!(status, 200, "{asha}");
    let juma = lab.login(BLUE, JUMA).await;
    let juma_key = lab.device(BLUE, &juma, 62).await;
    let green_admin = lab.login(GREEN, GREEN_ADMIN).await;

    let target = json!({"kind": "phone", "phone": ASHA});
    let (id, status, quote) = lab.quote(BLUE, &juma, target.clone(), Some("400000")).await;
    assert_eq!(status, 200, "{quote}");
    // Meanwhile the agent pays Asha 700,000 TZS inside greenwallet.
    let (_, status, internal) = lab.quote(GREEN, &zawadi, target, Some("700000")).await;
    assert_eq!(status, 200, "{internal}");
    let (status, done) = lab.approve(GREEN, &zawadi, &zawadi_key, &internal).await;
    assert_eq!(
        (status, done["state"].as_str()),
        (200, Some("committed")),
        "{done}"
    );
    let positions = (lab.position(BLUE), lab.position(GREEN));

    let (status, done) = lab.approve(BLUE, &juma, &juma_key, &quote).await;
    assert_eq!(status, 200, "{done}");
    assert_eq!(done["state"], "failed", "{done}");
    assert_eq!(done["error"]["code"], "payee_rejected", "{done}");
    assert!(
        done["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("FSPIOP 5200"),
        "{done}"
    );
    assert_eq!(
        lab.balance(BLUE, &juma).await,
        ("500000".into(), "500000".into())
    );
    assert_eq!((lab.position(BLUE), lab.position(GREEN)), positions);
    let record = lab.admin_payment(GREEN, &green_admin, &id).await;
    let state = record.as_ref().map(|r| r["payment"]["state"].clone());
    assert_ne!(state, Some(json!("committed")), "{record:?}");
    assert_ne!(state, Some(json!("reserved")), "{record:?}");
}
