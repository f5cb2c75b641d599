//! Inbound FSPIOP: JWS verification, PATCH notifications and the durable duplicate store.

use super::*;
use kipochi_hub::fspiop::SqliteStore;
use kipochi_hub::fspiop::jws::{self, SignedHeaders, SigningKey, VerifyingKey};
use kipochi_hub::fspiop::version::Resource;

const DATE: &str = "Thu, 01 Jan 2026 00:00:00 GMT";

async fn signed_rig() -> Rig {
    let (url, switch) = recording_switch().await;
    let mut cfg = FspiopConfig::new("payeefsp".parse().unwrap(), url, IlpSecret::new("secret"));
    cfg.callback_attempts = 1;
    cfg.jws.verify_inbound = true;
    cfg.jws.peer_keys.insert(
        "payerfsp".parse().unwrap(),
        VerifyingKey::from_pem(include_str!("../../keys/ec_public.pem")).unwrap(),
    );
    let client = SwitchClient::new(Arc::new(cfg)).unwrap();
    let payee = Arc::new(TestPayee::new("payeefsp", &[]));
    let store = Arc::new(MemoryStore::new(Duration::from_secs(60)));
    let app = router(payee.clone(), client, store.clone());
    Rig {
        app,
        payee,
        store,
        switch,
    }
}

fn signed_quote(signed_body: &[u8], sent_body: &[u8]) -> Request<Body> {
    let key = SigningKey::from_pem(include_str!("../../keys/ec_private.pem")).unwrap();
    let headers = SignedHeaders {
        uri: "/quotes".into(),
        method: "POST".into(),
        source: "payerfsp".into(),
        destination: Some("payeefsp".into()),
        date: Some(DATE.into()),
    };
    let sig = jws::sign(&key, &headers, signed_body).unwrap();
    let mut req = post_quote(sent_body, "1.1");
    let h = req.headers_mut();
    h.insert("fspiop-destination", "payeefsp".parse().unwrap());
    h.insert("fspiop-uri", "/quotes".parse().unwrap());
    h.insert("fspiop-http-method", "POST".parse().unwrap());
    h.insert("fspiop-signature", sig.parse().unwrap());
    req
}

#[tokio::test]
async fn signed_requests_are_accepted_and_tampered_or_unsigned_ones_get_3105() {
    let body = quote_body().to_string();
    let r = signed_rig().await;
    let ok = r
        .app
        .clone()
        .oneshot(signed_quote(body.as_bytes(), body.as_bytes()))
        .await
        .unwrap();
    assert_eq!(ok.status(), StatusCode::ACCEPTED);

    let mut tampered = quote_body();
    tampered["amount"]["amount"] = json!("1000");
    let mut r = signed_rig().await;
    let req = signed_quote(body.as_bytes(), tampered.to_string().as_bytes());
    let (status, info) = error_of(r.app.clone().oneshot(req).await.unwrap()).await;
    assert_eq!(
        (status, info["errorCode"].as_str().unwrap()),
        (StatusCode::BAD_REQUEST, "3105")
    );
    let (status, info) = error_of(
        r.app
            .clone()
            .oneshot(post_quote(body.as_bytes(), "1.1"))
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, info["errorCode"].as_str().unwrap()),
        (StatusCode::BAD_REQUEST, "3105")
    );
    nothing_more(&mut r.switch).await;
    assert!(r.payee.calls().is_empty());
    assert!(!r.store.contains(Resource::Quotes, QUOTE_ID).unwrap());
}

#[tokio::test]
async fn patch_notification_reaches_the_handler_and_bad_state_is_refused() {
    let r = rig().await;
    let patch = |state: &str| {
        Request::patch(format!("/transfers/{QUOTE_ID}"))
            .header(
                "content-type",
                "application/vnd.interoperability.transfers+json;version=1.1",
            )
            .header("date", DATE)
            .header("fspiop-source", "switch")
            .body(Body::from(
                json!({"completedTimestamp": "2026-01-01T00:00:00.000Z", "transferState": state})
                    .to_string(),
            ))
            .unwrap()
    };
    assert_eq!(
        r.app
            .clone()
            .oneshot(patch("COMMITTED"))
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    assert_eq!(r.payee.calls(), ["transfer_notification"]);
    let (status, info) = error_of(r.app.clone().oneshot(patch("RESERVED")).await.unwrap()).await;
    assert_eq!(
        (status, info["errorCode"].as_str().unwrap()),
        (StatusCode::BAD_REQUEST, "3100")
    );
    assert_eq!(r.payee.calls(), ["transfer_notification"]);
}

/// A resend after a restart is recognised through the SQLite store: the stored callback is
/// sent again and the handler is not asked a second time.
#[tokio::test]
async fn sqlite_store_survives_a_restart() {
    let dir = std::env::temp_dir().join(format!("kipochi-fspiop-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("inbound.sqlite");
    let (url, mut switch) = recording_switch().await;
    let body = quote_body().to_string();
    let mut first = None;
    for round in 0..2 {
        let cfg = FspiopConfig::new(
            "payeefsp".parse().unwrap(),
            url.clone(),
            IlpSecret::new("secret"),
        );
        let client = SwitchClient::new(Arc::new(cfg)).unwrap();
        let payee = Arc::new(TestPayee::new("payeefsp", &[]));
        let store: Arc<dyn DuplicateStore> =
            Arc::new(SqliteStore::open(&path, Duration::from_secs(60)).unwrap());
        let app = router(payee.clone(), client, store);
        let resp = app
            .oneshot(post_quote(body.as_bytes(), "1.0"))
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::ACCEPTED);
        let cb = next(&mut switch).await;
        match round {
            0 => {
                assert_eq!(payee.calls(), ["quote"]);
                first = Some(cb.body);
            }
            _ => {
                assert!(payee.calls().is_empty());
                assert_eq!(Some(cb.body), first);
            }
        }
    }
    std::fs::remove_dir_all(dir).unwrap();
}
