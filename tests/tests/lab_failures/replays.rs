//! Replays: every FSPIOP message of a finished payment sent again (recorded by proxies on the
//! real paths, re-sent byte for byte) and every mutating wallet call retried give the original
//! outcome and move no money.

use std::time::Duration;

use axum::body::Bytes;
use axum::http::Method;
use serde_json::{Value, json};

use super::harness::*;

fn modified(seen: &Seen, edit: impl FnOnce(&mut Value)) -> Bytes {
    let mut v = seen.json();
    edit(&mut v);
    Bytes::from(serde_json::to_vec(&v).unwrap())
}

fn error_code(seen: &Seen) -> String {
    seen.json()["errorInformation"]["errorCode"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fspiop_replays_change_nothing() {
    let lab = Lab::start(Setup {
        record: true,
        ..Setup::default()
    })
    .await;
    let juma = lab.login(BLUE, JUMA).await;
    let key = lab.device(BLUE, &juma, 41).await;
    let neema = lab.login(GREEN, NEEMA).await;
    let (blue_admin, green_admin) = (
        lab.login(BLUE, BLUE_ADMIN).await,
        lab.login(GREEN, GREEN_ADMIN).await,
    );
    let target = json!({"kind": "phone", "phone": NEEMA});
    let (id, status, quote) = lab.quote(BLUE, &juma, target, Some("1000")).await;
    assert_eq!(status, 200, "{quote}");
    let (status, done) = lab.approve(BLUE, &juma, &key, &quote).await;
    assert_eq!(
        (status, done["state"].as_str()),
        (200, Some("committed")),
        "{done}"
    );
    let tpath = format!("/transfers/{id}");
    // The switch's PATCH reached greenwallet, which credits on it.
    lab.wait_seen(GREEN, &Method::PATCH, &tpath, 1).await;
    let credited = eventually("Neema credited", || async {
        let b = lab.balance(GREEN, &neema).await;
        (b.0 == "301000").then_some(b)
    })
    .await;
    let debited = lab.balance(BLUE, &juma).await;
    let positions = (lab.position(BLUE), lab.position(GREEN));
    assert_eq!(positions.0.position, 100_000);
    let states = || async {
        let b = lab.admin_payment(BLUE, &blue_admin, &id).await.unwrap();
        let g = lab.admin_payment(GREEN, &green_admin, &id).await.unwrap();
        (b["payment"]["state"].clone(), g["payment"]["state"].clone())
    };
    assert_eq!(states().await, (json!("committed"), json!("committed")));

    // What travelled, per path.
    let post_quote = lab.seen("switch", &Method::POST, "/quotes").remove(0);
    let qid = post_quote.json()["quoteId"].as_str().unwrap().to_string();
    let qpath = format!("/quotes/{qid}");
    let put_quote = lab.seen(BLUE, &Method::PUT, &qpath).remove(0);
    let prepare = lab.seen("switch", &Method::POST, "/transfers").remove(0);
    let fulfil = lab.seen("switch", &Method::PUT, &tpath).remove(0);
    let to_payer = lab.seen(BLUE, &Method::PUT, &tpath).remove(0);
    let patch = lab.seen(GREEN, &Method::PATCH, &tpath).remove(0);
    let forwarded_prepare = lab.seen(GREEN, &Method::POST, "/transfers").remove(0);
    assert_eq!(to_payer.json()["transferState"], "COMMITTED");

    // POST /transfers again at the switch: the transfer is final, its result is sent again.
    assert_eq!(lab.resend("switch", &prepare, None).await, 202);
    let again = lab.wait_seen(BLUE, &Method::PUT, &tpath, 2).await;
    assert_eq!(again[1].json()["transferState"], "COMMITTED");
    assert_eq!(again[1].json()["fulfilment"], to_payer.json()["fulfilment"]);
    // Same id, different body: 3106 to the payer, and the payer's payment stays committed.
    let changed = modified(&prepare, |v| v["amount"]["amount"] = json!("1"));
    assert_eq!(lab.resend("switch", &prepare, Some(changed)).await, 202);
    let err = lab
        .wait_seen(BLUE, &Method::PUT, &format!("{tpath}/error"), 1)
        .await;
    assert_eq!(error_code(&err[0]), "3106");

    // The payee's fulfilment again: the switch changes nothing and tells nobody.
    assert_eq!(lab.resend("switch", &fulfil, None).await, 200);
    // ... fulfilled differently (an abort after the commit): 3106 back to the payee.
    let changed = modified(&fulfil, |v| v["transferState"] = json!("ABORTED"));
    assert_eq!(lab.resend("switch", &fulfil, Some(changed)).await, 200);
    let err = lab
        .wait_seen(GREEN, &Method::PUT, &format!("{tpath}/error"), 1)
        .await;
    assert_eq!(error_code(&err[0]), "3106");
    // The switch's PATCH and prepare again, straight to greenwallet.
    assert_eq!(lab.resend(GREEN, &patch, None).await, 200);
    assert_eq!(lab.resend(GREEN, &forwarded_prepare, None).await, 202);
    // greenwallet answers the resent prepare with its stored result (to the switch).
    let fulfils = lab.wait_seen("switch", &Method::PUT, &tpath, 2).await;
    assert_eq!(
        fulfils[1].body, fulfils[0].body,
        "the stored callback, byte for byte"
    );
    let changed = modified(&forwarded_prepare, |v| v["amount"]["amount"] = json!("999"));
    assert_eq!(
        lab.resend(GREEN, &forwarded_prepare, Some(changed)).await,
        202
    );
    let err = lab
        .wait_seen("switch", &Method::PUT, &format!("{tpath}/error"), 1)
        .await;
    assert_eq!(error_code(&err[0]), "3106");

    // The quote again: greenwallet's stored answer (same ILP packet and condition) comes back.
    assert_eq!(lab.resend("switch", &post_quote, None).await, 202);
    let answers = lab.wait_seen(BLUE, &Method::PUT, &qpath, 2).await;
    for k in ["ilpPacket", "condition", "expiration", "transferAmount"] {
        assert_eq!(answers[1].json()[k], put_quote.json()[k], "{k}");
    }
    let changed = modified(&post_quote, |v| v["amount"]["amount"] = json!("5"));
    assert_eq!(lab.resend("switch", &post_quote, Some(changed)).await, 202);
    let err = lab
        .wait_seen(BLUE, &Method::PUT, &format!("{qpath}/error"), 1)
        .await;
    assert_eq!(error_code(&err[0]), "3106");

    // The PATCH sent to the switch (which only ever sends it): refused, nothing changes.
    let status = lab.resend("switch", &patch, None).await;
    assert!(
        (400..500).contains(&status),
        "PATCH at the switch: {status}"
    );

    // Callbacks again, straight to bluebank: acknowledged, nothing changes.
    assert_eq!(lab.resend(BLUE, &put_quote, None).await, 200);
    assert_eq!(lab.resend(BLUE, &to_payer, None).await, 200);

    // Let every stray callback land, then: no second movement anywhere.
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    assert_eq!(
        lab.seen(GREEN, &Method::PATCH, &tpath).len(),
        1,
        "one PATCH only"
    );
    assert_eq!(lab.balance(BLUE, &juma).await, debited);
    assert_eq!(lab.balance(GREEN, &neema).await, credited);
    assert_eq!((lab.position(BLUE), lab.position(GREEN)), positions);
    assert_eq!(states().await, (json!("committed"), json!("committed")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wallet_retries_return_the_original_result() {
    let lab = Lab::start(Setup::default()).await;
    let juma = lab.login(BLUE, JUMA).await;
    let key = lab.device(BLUE, &juma, 51).await;
    // Registering the same device key again is the same registration.
    let again = lab.device(BLUE, &juma, 51).await;
    assert_eq!(again.device_id(), key.device_id());
    let neema = lab.login(GREEN, NEEMA).await;

    // POST /payments retried with the same id and body: the same quote (fee, expiry, nonce).
    let id = uuid::Uuid::new_v4().to_string();
    let body = json!({"payment_id": id, "target": {"kind": "phone", "phone": NEEMA},
                      "amount": "1000", "currency": null, "note": null});
    let (status, quote) = lab.post(BLUE, "/payments", &juma, &body).await;
    assert_eq!(status, 200, "{quote}");
    let (status, retried) = lab.post(BLUE, "/payments", &juma, &body).await;
    assert_eq!((status, &retried), (200, &quote));
    // The same id with other terms is refused, and the first quote still stands.
    let mut other = body.clone();
    other["amount"] = json!("2000");
    let (status, err) = lab.post(BLUE, "/payments", &juma, &other).await;
    assert_eq!(status, 409, "{err}");

    // Approval retried: the original final result, one debit, one credit.
    let (status, done) = lab.approve(BLUE, &juma, &key, &quote).await;
    assert_eq!(
        (status, done["state"].as_str()),
        (200, Some("committed")),
        "{done}"
    );
    let (status, retried) = lab.approve(BLUE, &juma, &key, &quote).await;
    assert_eq!((status, &retried), (200, &done));
    assert_eq!(lab.balance(BLUE, &juma).await.1, "499000");
    eventually("Neema credited once", || async {
        let b = lab.balance(GREEN, &neema).await;
        (b.1 == "301000").then_some(())
    })
    .await;

    // Decline retried: still declined, and a later approval is refused.
    let target = json!({"kind": "phone", "phone": NEEMA});
    let (did, status, q2) = lab.quote(BLUE, &juma, target, Some("700")).await;
    assert_eq!(status, 200, "{q2}");
    let path = format!("/payments/{did}/decline");
    let (status, first) = lab.post(BLUE, &path, &juma, &json!({})).await;
    assert_eq!(
        (status, first["state"].as_str()),
        (200, Some("declined")),
        "{first}"
    );
    let (status, second) = lab.post(BLUE, &path, &juma, &json!({})).await;
    assert_eq!((status, &second), (200, &first));
    let (status, err) = lab.approve(BLUE, &juma, &key, &q2).await;
    assert_eq!(
        (status, err["code"].as_str()),
        (422, Some("payment_declined"))
    );

    // Agent onboarding retried with the same Idempotency-Key: the same customer and code.
    let agent = lab.login(BLUE, BLUE_AGENT).await;
    let form = json!({"full_name": "Asha Said", "phone": "255711000077", "id_type": "national_id",
                      "id_number": "19900101-12345-00001-11", "date_of_birth": "1990-01-01",
                      "kyc_tier": 1, "photo": null});
    let key_header = uuid::Uuid::new_v4().to_string();
    let onboard = |body: Value, k: String| {
        let (lab, agent) = (&lab, agent.clone());
        async move {
            lab.call(
                reqwest::Method::POST,
                BLUE,
                "/agent/customers",
                Some(&agent),
                Some(&body),
                Some(&k),
            )
            .await
        }
    };
    let (status, first) = onboard(form.clone(), key_header.clone()).await;
    assert_eq!(status, 200, "{first}");
    let (status, second) = onboard(form.clone(), key_header.clone()).await;
    assert_eq!((status, &second), (200, &first));
    let mut other = form.clone();
    other["full_name"] = json!("Someone Else");
    let (status, err) = onboard(other, key_header).await;
    assert_eq!(status, 409, "{err}");

    // Nothing moved beyond the one committed payment.
    assert_eq!(
        lab.balance(BLUE, &juma).await,
        ("499000".into(), "499000".into())
    );
    assert_eq!(
        lab.balance(GREEN, &neema).await,
        ("301000".into(), "301000".into())
    );
    assert_eq!(lab.position(BLUE).position, 100_000);
    assert_eq!(lab.position(BLUE).reserved, 0);
}
