//! Transfers through the switch over real HTTP: clearing against the net debit cap, the
//! fulfilment check, duplicates, payee errors, expiry and durable positions.

use crate::switch_support;

use std::time::Duration;

use axum::http::{Method, StatusCode};
use serde_json::json;
use switch_support::{BLUE, GREEN, Lab, fulfilment, ilp_pair, new_id, transfer};

const MINUTE: Duration = Duration::from_secs(60);

/// Prepares `amount` TZS from bluebank and checks it reached greenwallet.
async fn prepare(lab: &mut Lab, id: &str, amount: &str, condition: &str) {
    let body = transfer(id, amount, condition, MINUTE);
    let (status, _) = lab
        .send(
            Method::POST,
            "/transfers",
            BLUE,
            Some(GREEN),
            Some(body.clone()),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let got = lab.green.next().await;
    assert_eq!(
        (got.method.clone(), got.path.as_str()),
        (Method::POST, "/transfers")
    );
    assert_eq!(got.body, body);
    assert_eq!(got.header("fspiop-source"), Some(BLUE));
}

#[tokio::test]
async fn committed_transfer_moves_positions_and_reaches_the_payer() {
    let mut lab = Lab::start("1000").await;
    let (f, c) = ilp_pair();
    let id = new_id();
    prepare(&mut lab, &id, "250.5", &c).await;
    assert_eq!(lab.position(BLUE), (0, 25_050));

    let path = format!("/transfers/{id}");
    let put = fulfilment(&f, "COMMITTED");
    let (status, answer) = lab
        .send(Method::PUT, &path, GREEN, Some(BLUE), Some(put.clone()))
        .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let got = lab.blue.next().await;
    assert_eq!((got.path.clone(), got.body), (path.clone(), put));
    assert_eq!(lab.position(BLUE), (25_050, 0));
    assert_eq!(lab.position(GREEN), (-25_050, 0));
    lab.green.nothing_more().await;

    // GET answers from the switch's record; a resent fulfilment changes nothing.
    lab.send(Method::GET, &path, BLUE, Some(GREEN), None).await;
    let got = lab.blue.next().await;
    assert_eq!(got.body["transferState"], "COMMITTED");
    assert_eq!(got.body["fulfilment"], f.as_str());
    lab.send(
        Method::PUT,
        &path,
        GREEN,
        Some(BLUE),
        Some(fulfilment(&f, "COMMITTED")),
    )
    .await;
    lab.blue.nothing_more().await;
    assert_eq!(lab.position(BLUE), (25_050, 0));

    // The same transfer id fulfilled differently (another fulfilment, or an abort): 3106 to
    // the payee, nothing to the payer, positions as they were.
    let (other, _) = ilp_pair();
    for put in [fulfilment(&other, "COMMITTED"), fulfilment(&f, "ABORTED")] {
        let (status, _) = lab
            .send(Method::PUT, &path, GREEN, Some(BLUE), Some(put))
            .await;
        assert_eq!(status, StatusCode::OK);
        let err = lab.green.next().await;
        assert_eq!(err.path, format!("{path}/error"));
        assert_eq!(err.error_code(), "3106");
    }
    lab.blue.nothing_more().await;
    assert_eq!(lab.position(BLUE), (25_050, 0));
    assert_eq!(lab.position(GREEN), (-25_050, 0));
}

#[tokio::test]
async fn reserved_answer_gets_a_patch_and_the_payer_sees_committed() {
    let mut lab = Lab::start("1000").await;
    let (f, c) = ilp_pair();
    let id = new_id();
    prepare(&mut lab, &id, "10", &c).await;
    let path = format!("/transfers/{id}");
    lab.send(
        Method::PUT,
        &path,
        GREEN,
        Some(BLUE),
        Some(fulfilment(&f, "RESERVED")),
    )
    .await;
    let got = lab.blue.next().await;
    assert_eq!(got.body["transferState"], "COMMITTED");
    assert_eq!(got.body["fulfilment"], f.as_str());
    let patch = lab.green.next().await;
    assert_eq!(
        (patch.method.clone(), patch.path.as_str()),
        (Method::PATCH, path.as_str())
    );
    assert_eq!(patch.body["transferState"], "COMMITTED");
    assert_eq!(lab.position(GREEN), (-1000, 0));
}

#[tokio::test]
async fn forged_fulfilment_aborts_and_releases() {
    let mut lab = Lab::start("1000").await;
    let (_, c) = ilp_pair();
    let (forged, _) = ilp_pair();
    let id = new_id();
    prepare(&mut lab, &id, "100", &c).await;
    let path = format!("/transfers/{id}");
    lab.send(
        Method::PUT,
        &path,
        GREEN,
        Some(BLUE),
        Some(fulfilment(&forged, "COMMITTED")),
    )
    .await;
    for dfsp in [&mut lab.blue, &mut lab.green] {
        let err = dfsp.next().await;
        assert_eq!(err.path, format!("{path}/error"));
        assert_eq!(err.error_code(), "3100");
    }
    assert_eq!(lab.position(BLUE), (0, 0));
    assert_eq!(lab.position(GREEN), (0, 0));
}

#[tokio::test]
async fn net_debit_cap_exceeded_gets_4200() {
    let mut lab = Lab::start("100").await;
    let (_, c) = ilp_pair();
    prepare(&mut lab, &new_id(), "60", &c).await;
    let id = new_id();
    let (status, _) = lab
        .send(
            Method::POST,
            "/transfers",
            BLUE,
            Some(GREEN),
            Some(transfer(&id, "40.01", &c, MINUTE)),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let err = lab.blue.next().await;
    assert_eq!(err.path, format!("/transfers/{id}/error"));
    assert_eq!(err.error_code(), "4200");
    lab.green.nothing_more().await;
    assert_eq!(lab.position(BLUE), (0, 6000));
    // Exactly up to the cap is allowed.
    prepare(&mut lab, &new_id(), "40", &c).await;
    assert_eq!(lab.position(BLUE), (0, 10_000));
}

#[tokio::test]
async fn duplicates_follow_the_fspiop_rules() {
    let mut lab = Lab::start("1000").await;
    let (f, c) = ilp_pair();
    let id = new_id();
    let body = transfer(&id, "5", &c, MINUTE);
    prepare(&mut lab, &id, "5", &c).await;
    // In progress: ignored, nothing reserved twice.
    lab.send(
        Method::POST,
        "/transfers",
        BLUE,
        Some(GREEN),
        Some(body.clone()),
    )
    .await;
    lab.green.nothing_more().await;
    lab.blue.nothing_more().await;
    assert_eq!(lab.position(BLUE), (0, 500));
    // Same id, different content: 3106.
    let mut changed = body.clone();
    changed["amount"]["amount"] = json!("6");
    lab.send(Method::POST, "/transfers", BLUE, Some(GREEN), Some(changed))
        .await;
    assert_eq!(lab.blue.next().await.error_code(), "3106");
    // Finished: the result is sent again.
    let path = format!("/transfers/{id}");
    lab.send(
        Method::PUT,
        &path,
        GREEN,
        Some(BLUE),
        Some(fulfilment(&f, "COMMITTED")),
    )
    .await;
    lab.blue.next().await;
    lab.send(Method::POST, "/transfers", BLUE, Some(GREEN), Some(body))
        .await;
    let again = lab.blue.next().await;
    assert_eq!(
        (again.path.clone(), again.body["transferState"].clone()),
        (path, json!("COMMITTED"))
    );
    lab.green.nothing_more().await;
    assert_eq!(lab.position(BLUE), (500, 0));
}

#[tokio::test]
async fn payee_error_releases_and_is_forwarded() {
    let mut lab = Lab::start("1000").await;
    let (_, c) = ilp_pair();
    let id = new_id();
    prepare(&mut lab, &id, "7", &c).await;
    let err = json!({"errorInformation": {"errorCode": "5100", "errorDescription": "Generic payee error"}});
    let path = format!("/transfers/{id}/error");
    let (status, _) = lab
        .send(Method::PUT, &path, GREEN, Some(BLUE), Some(err.clone()))
        .await;
    assert_eq!(status, StatusCode::OK);
    let got = lab.blue.next().await;
    assert_eq!((got.path.clone(), got.body), (path, err));
    assert_eq!(lab.position(BLUE), (0, 0));
    // GET now reports the abort.
    lab.send(
        Method::GET,
        &format!("/transfers/{id}"),
        BLUE,
        Some(GREEN),
        None,
    )
    .await;
    assert_eq!(lab.blue.next().await.body["transferState"], "ABORTED");
}

#[tokio::test]
async fn expiry_aborts_with_3303_to_both_and_releases() {
    let mut lab = Lab::start("1000").await;
    let (f, c) = ilp_pair();
    let id = new_id();
    let body = transfer(&id, "9", &c, Duration::from_millis(400));
    lab.send(Method::POST, "/transfers", BLUE, Some(GREEN), Some(body))
        .await;
    lab.green.next().await;
    assert_eq!(lab.position(BLUE), (0, 900));
    let path = format!("/transfers/{id}/error");
    for dfsp in [&mut lab.blue, &mut lab.green] {
        let err = dfsp.next().await;
        assert_eq!(
            (err.path.as_str(), err.error_code()),
            (path.as_str(), "3303")
        );
    }
    assert_eq!(lab.position(BLUE), (0, 0));
    // A late fulfilment cannot commit it; the payee is told it was aborted.
    lab.send(
        Method::PUT,
        &format!("/transfers/{id}"),
        GREEN,
        Some(BLUE),
        Some(fulfilment(&f, "COMMITTED")),
    )
    .await;
    assert_eq!(lab.green.next().await.error_code(), "3303");
    lab.blue.nothing_more().await;
    assert_eq!(lab.position(GREEN), (0, 0));
}

#[tokio::test]
async fn positions_survive_a_restart() {
    let mut lab = Lab::start("1000").await;
    let (f, c) = ilp_pair();
    let committed = new_id();
    prepare(&mut lab, &committed, "30", &c).await;
    lab.send(
        Method::PUT,
        &format!("/transfers/{committed}"),
        GREEN,
        Some(BLUE),
        Some(fulfilment(&f, "COMMITTED")),
    )
    .await;
    lab.blue.next().await;
    let pending = new_id();
    prepare(&mut lab, &pending, "20", &c).await;

    lab.restart().await;
    assert_eq!(lab.position(BLUE), (3000, 2000));
    assert_eq!(lab.position(GREEN), (-3000, 0));
    // The reserved transfer is still live and can be committed after the restart.
    lab.send(
        Method::PUT,
        &format!("/transfers/{pending}"),
        GREEN,
        Some(BLUE),
        Some(fulfilment(&f, "COMMITTED")),
    )
    .await;
    assert_eq!(lab.blue.next().await.body["transferState"], "COMMITTED");
    assert_eq!(lab.position(BLUE), (5000, 0));
    assert_eq!(lab.position(GREEN), (-5000, 0));
}
