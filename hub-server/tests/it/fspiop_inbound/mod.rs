//! Inbound FSPIOP server: synchronous refusals (no sockets for the request, `oneshot`), version
//! negotiation, duplicate handling and callbacks (captured by a recording switch on 127.0.0.1).

use crate::fspiop_support;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use fspiop_support::{TestPayee, next, nothing_more, recording_switch};
use http_body_util::BodyExt;
use kipochi_hub::fspiop::ilp::IlpSecret;
use kipochi_hub::fspiop::{DuplicateStore, FspiopConfig, MemoryStore, SwitchClient, router};
use serde_json::{Value, json};
use tower::ServiceExt;

const QUOTE_ID: &str = "0a3f3e42-5e1b-4d2a-9a55-3f0b9d6b1c01";

struct Rig {
    app: Router,
    payee: Arc<TestPayee>,
    store: Arc<MemoryStore>,
    switch: tokio::sync::mpsc::UnboundedReceiver<fspiop_support::Seen>,
}

async fn rig() -> Rig {
    let (url, switch) = recording_switch().await;
    let mut cfg = FspiopConfig::new("payeefsp".parse().unwrap(), url, IlpSecret::new("secret"));
    cfg.callback_attempts = 1;
    let client = SwitchClient::new(Arc::new(cfg)).unwrap();
    let payee = Arc::new(TestPayee::new("payeefsp", &[("27713803912", "Alice")]));
    let store = Arc::new(MemoryStore::new(Duration::from_secs(60)));
    let app = router(payee.clone(), client, store.clone());
    Rig {
        app,
        payee,
        store,
        switch,
    }
}

fn quote_body() -> Value {
    json!({
        "quoteId": QUOTE_ID,
        "transactionId": "7f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
        "payee": {"partyIdInfo": {"partyIdType": "MSISDN", "partyIdentifier": "27713803912", "fspId": "payeefsp"}},
        "payer": {"partyIdInfo": {"partyIdType": "MSISDN", "partyIdentifier": "27713803911", "fspId": "payerfsp"}},
        "amountType": "SEND",
        "amount": {"amount": "100", "currency": "USD"},
        "transactionType": {"scenario": "TRANSFER", "initiator": "PAYER", "initiatorType": "CONSUMER"}
    })
}

fn post_quote(body: &[u8], version: &str) -> Request<Body> {
    Request::post("/quotes")
        .header(
            "content-type",
            format!("application/vnd.interoperability.quotes+json;version={version}"),
        )
        .header(
            "accept",
            "application/vnd.interoperability.quotes+json;version=1",
        )
        .header("date", "Thu, 01 Jan 2026 00:00:00 GMT")
        .header("fspiop-source", "payerfsp")
        .header("traceparent", "not-a-valid-traceparent")
        .body(Body::from(body.to_vec()))
        .unwrap()
}

async fn error_of(resp: axum::response::Response) -> (StatusCode, Value) {
    let status = resp.status();
    let body = resp.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        serde_json::from_slice::<Value>(&body).unwrap()["errorInformation"].clone(),
    )
}

/// Sends `req`, expects a synchronous error and checks that neither the handler nor the
/// duplicate store saw anything.
async fn refused(req: Request<Body>, status: StatusCode, code: &str) -> Value {
    let mut r = rig().await;
    let (got, info) = error_of(r.app.clone().oneshot(req).await.unwrap()).await;
    assert_eq!(
        (got, info["errorCode"].as_str().unwrap()),
        (status, code),
        "{info}"
    );
    nothing_more(&mut r.switch).await;
    assert!(r.payee.calls().is_empty());
    assert!(
        !r.store
            .contains(kipochi_hub::fspiop::version::Resource::Quotes, QUOTE_ID)
            .unwrap()
    );
    info
}

#[tokio::test]
async fn bad_json_is_3101() {
    refused(
        post_quote(b"{\"quoteId\":", "1.0"),
        StatusCode::BAD_REQUEST,
        "3101",
    )
    .await;
}

#[tokio::test]
async fn missing_headers_are_3102_naming_the_header() {
    for name in ["fspiop-source", "date", "accept", "content-type"] {
        let mut req = post_quote(quote_body().to_string().as_bytes(), "1.0");
        req.headers_mut().remove(name);
        let info = refused(req, StatusCode::BAD_REQUEST, "3102").await;
        assert!(info["errorDescription"].as_str().unwrap().contains(name));
    }
}

#[tokio::test]
async fn missing_body_field_is_3102() {
    let mut body = quote_body();
    body.as_object_mut().unwrap().remove("payer");
    refused(
        post_quote(body.to_string().as_bytes(), "1.0"),
        StatusCode::BAD_REQUEST,
        "3102",
    )
    .await;
}

#[tokio::test]
async fn bad_amount_is_3100() {
    for amount in ["100.50", "fasdas", "1.12345"] {
        let mut body = quote_body();
        body["amount"]["amount"] = json!(amount);
        let info = refused(
            post_quote(body.to_string().as_bytes(), "1.0"),
            StatusCode::BAD_REQUEST,
            "3100",
        )
        .await;
        assert!(
            info["errorDescription"]
                .as_str()
                .unwrap()
                .contains("amount"),
            "{info}"
        );
    }
}

#[tokio::test]
async fn bad_date_header_is_3102() {
    let mut req = post_quote(quote_body().to_string().as_bytes(), "1.0");
    req.headers_mut()
        .insert("date", "yesterday".parse().unwrap());
    let info = refused(req, StatusCode::BAD_REQUEST, "3102").await;
    assert!(info["errorDescription"].as_str().unwrap().contains("date"));
}

#[tokio::test]
async fn unknown_currency_is_refused_synchronously() {
    let mut body = quote_body();
    body["amount"]["currency"] = json!("POC");
    let info = refused(
        post_quote(body.to_string().as_bytes(), "1.0"),
        StatusCode::BAD_REQUEST,
        "3100",
    )
    .await;
    let msg = info["errorDescription"].as_str().unwrap();
    assert!(msg.contains("amount.currency"), "{info}");
}

#[tokio::test]
async fn unknown_version_is_406_3001_listing_supported_versions() {
    let info = refused(
        post_quote(quote_body().to_string().as_bytes(), "3.0"),
        StatusCode::NOT_ACCEPTABLE,
        "3001",
    )
    .await;
    let ext = info["extensionList"]["extension"].as_array().unwrap();
    let pairs: Vec<(String, String)> = ext
        .iter()
        .map(|e| {
            (
                e["key"].as_str().unwrap().into(),
                e["value"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        pairs,
        [
            ("1".into(), "0".into()),
            ("1".into(), "1".into()),
            ("2".into(), "0".into())
        ]
    );
    let mut req = post_quote(quote_body().to_string().as_bytes(), "1.0");
    req.headers_mut().insert(
        "accept",
        "application/vnd.interoperability.quotes+json;version=7"
            .parse()
            .unwrap(),
    );
    refused(req, StatusCode::NOT_ACCEPTABLE, "3001").await;
}

#[tokio::test]
async fn unknown_field_accepted_on_1_1_refused_on_2_0() {
    let mut body = quote_body();
    body["unexpected"] = json!("x");
    refused(
        post_quote(body.to_string().as_bytes(), "2.0"),
        StatusCode::BAD_REQUEST,
        "3100",
    )
    .await;
    let r = rig().await;
    let resp = r
        .app
        .clone()
        .oneshot(post_quote(body.to_string().as_bytes(), "1.1"))
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::ACCEPTED);
}

#[tokio::test]
async fn quote_callback_uses_request_version_and_inverted_routing() {
    let mut r = rig().await;
    for version in ["1.0", "1.1", "2.0"] {
        let mut body = quote_body();
        let id = uuid::Uuid::new_v4().to_string();
        body["quoteId"] = json!(id);
        let resp = r
            .app
            .clone()
            .oneshot(post_quote(body.to_string().as_bytes(), version))
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::ACCEPTED);
        let cb = next(&mut r.switch).await;
        assert_eq!(
            (cb.method.as_str(), cb.path.as_str()),
            ("PUT", format!("/quotes/{id}").as_str())
        );
        let h = |n: &str| cb.headers.get(n).map(|v| v.to_str().unwrap().to_owned());
        assert_eq!(
            h("content-type").unwrap(),
            format!("application/vnd.interoperability.quotes+json;version={version}")
        );
        assert_eq!(h("fspiop-source").as_deref(), Some("payeefsp"));
        assert_eq!(h("fspiop-destination").as_deref(), Some("payerfsp"));
        // No FSPIOP Accept on callbacks (the HTTP client's generic `*/*` is not one).
        assert!(h("accept").is_none_or(|a| a == "*/*"));
        assert_eq!(
            cb.body["transferAmount"],
            json!({"amount": "100", "currency": "USD"})
        );
        assert_eq!(cb.body["condition"].as_str().unwrap().len(), 43);
    }
}

#[tokio::test]
async fn duplicates_resend_the_same_callback_and_modified_requests_get_3106() {
    let mut r = rig().await;
    let body = quote_body().to_string();
    assert_eq!(
        r.app
            .clone()
            .oneshot(post_quote(body.as_bytes(), "1.0"))
            .await
            .unwrap()
            .status(),
        StatusCode::ACCEPTED
    );
    let first = next(&mut r.switch).await;
    // Same ID, same content (keys reordered): the stored callback again, no second quote.
    let reordered: Value = serde_json::from_str(&body).unwrap();
    let reordered = kipochi_hub::fspiop::canonical::to_string(&reordered);
    assert_eq!(
        r.app
            .clone()
            .oneshot(post_quote(reordered.as_bytes(), "1.0"))
            .await
            .unwrap()
            .status(),
        StatusCode::ACCEPTED
    );
    let again = next(&mut r.switch).await;
    assert_eq!(
        (again.path.clone(), again.body.clone()),
        (first.path.clone(), first.body.clone())
    );
    // GET /quotes/{ID} replays it too.
    let get = Request::get(format!("/quotes/{QUOTE_ID}"))
        .header(
            "content-type",
            "application/vnd.interoperability.quotes+json;version=1.0",
        )
        .header(
            "accept",
            "application/vnd.interoperability.quotes+json;version=1.0",
        )
        .header("date", "Thu, 01 Jan 2026 00:00:00 GMT")
        .header("fspiop-source", "otherfsp")
        .body(Body::empty())
        .unwrap();
    assert_eq!(
        r.app.clone().oneshot(get).await.unwrap().status(),
        StatusCode::ACCEPTED
    );
    let replay = next(&mut r.switch).await;
    assert_eq!(replay.body, first.body);
    assert_eq!(replay.headers["fspiop-destination"], "otherfsp");
    // Same ID, different amount: 3106 error callback, handler not asked again.
    let mut modified = quote_body();
    modified["amount"]["amount"] = json!("101");
    let resp = r
        .app
        .clone()
        .oneshot(post_quote(modified.to_string().as_bytes(), "1.0"))
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::ACCEPTED);
    let err = next(&mut r.switch).await;
    assert_eq!(err.path, format!("/quotes/{QUOTE_ID}/error"));
    assert_eq!(err.body["errorInformation"]["errorCode"], "3106");
    assert_eq!(r.payee.calls(), ["quote"]);
}

#[tokio::test]
async fn unknown_party_and_unknown_transfer_get_error_callbacks() {
    let mut r = rig().await;
    let get = |path: &str, resource: &str| {
        Request::get(path)
            .header(
                "content-type",
                format!("application/vnd.interoperability.{resource}+json;version=1.0"),
            )
            .header(
                "accept",
                format!("application/vnd.interoperability.{resource}+json;version=1"),
            )
            .header("date", "Thu, 01 Jan 2026 00:00:00 GMT")
            .header("fspiop-source", "payerfsp")
            .body(Body::empty())
            .unwrap()
    };
    assert_eq!(
        r.app
            .clone()
            .oneshot(get("/parties/MSISDN/999", "parties"))
            .await
            .unwrap()
            .status(),
        StatusCode::ACCEPTED
    );
    let cb = next(&mut r.switch).await;
    assert_eq!(cb.path, "/parties/MSISDN/999/error");
    assert_eq!(cb.body["errorInformation"]["errorCode"], "3204");
    assert_eq!(
        cb.headers["content-type"],
        "application/vnd.interoperability.parties+json;version=1.1"
    );
    assert_eq!(
        r.app
            .clone()
            .oneshot(get("/parties/MSISDN/27713803912", "parties"))
            .await
            .unwrap()
            .status(),
        StatusCode::ACCEPTED
    );
    let cb = next(&mut r.switch).await;
    assert_eq!(cb.path, "/parties/MSISDN/27713803912");
    assert_eq!(cb.body["party"]["partyIdInfo"]["fspId"], "payeefsp");
    let path = format!("/transfers/{QUOTE_ID}");
    assert_eq!(
        r.app
            .clone()
            .oneshot(get(&path, "transfers"))
            .await
            .unwrap()
            .status(),
        StatusCode::ACCEPTED
    );
    let cb = next(&mut r.switch).await;
    assert_eq!(cb.body["errorInformation"]["errorCode"], "3208");
    let (status, info) = error_of(
        r.app
            .clone()
            .oneshot(get("/parties/NOPE/1", "parties"))
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, info["errorCode"].as_str().unwrap()),
        (StatusCode::BAD_REQUEST, "3100")
    );
    let (status, info) = error_of(
        r.app
            .clone()
            .oneshot(get("/nowhere", "parties"))
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, info["errorCode"].as_str().unwrap()),
        (StatusCode::NOT_FOUND, "3002")
    );
}

#[tokio::test]
async fn put_callback_without_waiter_is_acknowledged() {
    let r = rig().await;
    let req = Request::put(format!("/quotes/{QUOTE_ID}/error"))
        .header(
            "content-type",
            "application/vnd.interoperability.quotes+json;version=1.1",
        )
        .header("date", "Thu, 01 Jan 2026 00:00:00 GMT")
        .header("fspiop-source", "payeefsp")
        .body(Body::from(
            r#"{"errorInformation":{"errorCode":"5101","errorDescription":"no"}}"#,
        ))
        .unwrap();
    assert_eq!(
        r.app.clone().oneshot(req).await.unwrap().status(),
        StatusCode::OK
    );
    let bad = Request::put(format!("/quotes/{QUOTE_ID}/error"))
        .header(
            "content-type",
            "application/vnd.interoperability.quotes+json;version=1.1",
        )
        .header("date", "Thu, 01 Jan 2026 00:00:00 GMT")
        .header("fspiop-source", "payeefsp")
        .body(Body::from(r#"{"errorInformation":{}}"#))
        .unwrap();
    let (status, info) = error_of(r.app.clone().oneshot(bad).await.unwrap()).await;
    assert_eq!(
        (status, info["errorCode"].as_str().unwrap()),
        (StatusCode::BAD_REQUEST, "3102")
    );
}

mod signatures_patch_durability;
mod transfers;
