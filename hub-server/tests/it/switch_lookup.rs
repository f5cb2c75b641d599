//! The switch's oracle, party lookup routing and quote forwarding, over real HTTP.

use crate::switch_support;

use axum::http::{Method, StatusCode};
use serde_json::json;
use switch_support::{BLUE, GREEN, Lab, new_id};

#[tokio::test]
async fn oracle_registers_answers_and_deletes() {
    let mut lab = Lab::start("1000").await;
    let path = "/participants/MSISDN/255700000001";
    let (status, _) = lab
        .send(
            Method::POST,
            path,
            GREEN,
            None,
            Some(json!({"fspId": GREEN, "currency": "TZS"})),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let put = lab.green.next().await;
    assert_eq!((put.method.clone(), put.path.as_str()), (Method::PUT, path));
    assert_eq!(put.body, json!({"fspId": GREEN}));
    assert_eq!(put.header("fspiop-source"), Some("switch"));
    assert_eq!(put.header("fspiop-destination"), Some(GREEN));

    // Anyone may ask who owns it.
    lab.send(Method::GET, path, BLUE, None, None).await;
    let put = lab.blue.next().await;
    assert_eq!(put.body, json!({"fspId": GREEN}));

    // Registering for another FSP is refused synchronously and changes nothing.
    let (status, body) = lab
        .send(
            Method::POST,
            path,
            BLUE,
            None,
            Some(json!({"fspId": GREEN})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["errorInformation"]["errorCode"], "3100");

    // Only the owner can delete.
    lab.send(Method::DELETE, path, BLUE, None, None).await;
    assert_eq!(lab.blue.next().await.error_code(), "3204");
    lab.send(Method::DELETE, path, GREEN, None, None).await;
    assert_eq!(lab.green.next().await.body, json!({"fspId": GREEN}));
    lab.send(Method::GET, path, BLUE, None, None).await;
    let err = lab.blue.next().await;
    assert_eq!(err.path, format!("{path}/error"));
    assert_eq!(err.error_code(), "3204");
    lab.green.nothing_more().await;
}

#[tokio::test]
async fn party_lookup_is_routed_to_the_owner_and_back() {
    let mut lab = Lab::start("1000").await;
    let path = "/parties/MSISDN/255700000002";
    lab.send(
        Method::POST,
        "/participants/MSISDN/255700000002",
        GREEN,
        None,
        Some(json!({"fspId": GREEN})),
    )
    .await;
    lab.green.next().await;

    let (status, _) = lab.send(Method::GET, path, BLUE, None, None).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let get = lab.green.next().await;
    assert_eq!((get.method.clone(), get.path.as_str()), (Method::GET, path));
    assert_eq!(get.header("fspiop-source"), Some(BLUE));
    assert_eq!(get.header("fspiop-destination"), Some(GREEN));
    assert!(get.header("accept").is_some_and(|a| a.contains("parties")));

    let party = json!({"party": {"partyIdInfo": {"partyIdType": "MSISDN",
        "partyIdentifier": "255700000002", "fspId": GREEN}, "name": "Asha"}});
    let (status, _) = lab
        .send(Method::PUT, path, GREEN, Some(BLUE), Some(party.clone()))
        .await;
    assert_eq!(status, StatusCode::OK);
    let put = lab.blue.next().await;
    assert_eq!(put.path, path);
    assert_eq!(put.body, party);
    assert_eq!(put.header("fspiop-source"), Some(GREEN));

    // The owner's error callback is routed back too.
    let err =
        json!({"errorInformation": {"errorCode": "3204", "errorDescription": "Party not found"}});
    lab.send(
        Method::PUT,
        &format!("{path}/error"),
        GREEN,
        Some(BLUE),
        Some(err.clone()),
    )
    .await;
    let put = lab.blue.next().await;
    assert_eq!((put.path.clone(), put.body), (format!("{path}/error"), err));
}

#[tokio::test]
async fn unknown_party_gets_3204_from_the_switch() {
    let mut lab = Lab::start("1000").await;
    let (status, _) = lab
        .send(
            Method::GET,
            "/parties/MSISDN/255799999999",
            BLUE,
            None,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let err = lab.blue.next().await;
    assert_eq!(err.path, "/parties/MSISDN/255799999999/error");
    assert_eq!(err.error_code(), "3204");
    assert_eq!(err.header("fspiop-source"), Some("switch"));
    lab.green.nothing_more().await;
}

#[tokio::test]
async fn quotes_are_forwarded_both_ways() {
    let mut lab = Lab::start("1000").await;
    let id = new_id();
    let party = |msisdn: &str, fsp: &str| json!({"partyIdInfo": {"partyIdType": "MSISDN", "partyIdentifier": msisdn, "fspId": fsp}});
    let quote = json!({
        "quoteId": id, "transactionId": new_id(),
        "payee": party("255700000002", GREEN), "payer": party("255700000001", BLUE),
        "amountType": "SEND", "amount": {"currency": "TZS", "amount": "1500"},
        "transactionType": {"scenario": "TRANSFER", "initiator": "PAYER", "initiatorType": "CONSUMER"}
    });
    let (status, _) = lab
        .send(
            Method::POST,
            "/quotes",
            BLUE,
            Some(GREEN),
            Some(quote.clone()),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let got = lab.green.next().await;
    assert_eq!(
        (got.method.clone(), got.path.as_str()),
        (Method::POST, "/quotes")
    );
    assert_eq!(got.body, quote);

    let (_, condition) = switch_support::ilp_pair();
    let answer = json!({"transferAmount": {"currency": "TZS", "amount": "1500"},
        "expiration": "2030-01-01T00:00:00.000Z", "ilpPacket": "AYIB", "condition": condition});
    let path = format!("/quotes/{id}");
    lab.send(Method::PUT, &path, GREEN, Some(BLUE), Some(answer.clone()))
        .await;
    let got = lab.blue.next().await;
    assert_eq!((got.path.clone(), got.body), (path, answer));

    // An invalid quote is refused synchronously and not forwarded.
    let mut bad = quote.clone();
    bad["amount"]["amount"] = json!("1.500");
    let (status, body) = lab
        .send(Method::POST, "/quotes", BLUE, Some(GREEN), Some(bad))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["errorInformation"]["errorCode"], "3100");
    // So is a quote to an FSP the switch does not know.
    let (status, body) = lab
        .send(Method::POST, "/quotes", BLUE, Some("nobank"), Some(quote))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["errorInformation"]["errorCode"], "3201");
    lab.green.nothing_more().await;
}

#[tokio::test]
async fn requests_from_strangers_or_without_headers_are_refused() {
    let lab = Lab::start("1000").await;
    let (status, body) = lab
        .send(Method::GET, "/parties/MSISDN/1", "nobank", None, None)
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["errorInformation"]["errorCode"], "3100");
    let resp = lab
        .http
        .get(format!("{}/parties/MSISDN/1", lab.url))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["errorInformation"]["errorCode"], "3102");
}
