//! Outgoing signatures with JWS on: the hub, configured through its `[fspiop]` TOML section
//! with a signing key, signs every request it sends with a body — the `PUT /parties` callback
//! and its `/error` form included — and each signature verifies with the configured key's
//! public half; GETs are never signed. Callbacks are captured by a recording switch on 127.0.0.1.

use crate::fspiop_support;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use fspiop_support::{Seen, TestPayee, next, recording_switch};
use kipochi_hub::dfsp::FspiopSection;
use kipochi_hub::fspiop::jws::{self, SignedHeaders, VerifyingKey};
use kipochi_hub::fspiop::version::{Resource, Version};
use kipochi_hub::fspiop::{MemoryStore, SwitchClient, router};
use serde_json::{Value, json};
use tower::ServiceExt;

const DATE: &str = "Thu, 01 Jan 2026 00:00:00 GMT";

fn key_path(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/keys")
        .join(name)
        .to_str()
        .unwrap()
        .to_owned()
}

fn public_key(name: &str) -> VerifyingKey {
    VerifyingKey::from_pem(&std::fs::read_to_string(key_path(name)).unwrap()).unwrap()
}

/// A payee DFSP `payeefsp` whose FSPIOP layer comes from its `[fspiop]` TOML section, signing
/// with `private_key`; its callbacks go to a recording switch.
async fn signing_hub(
    private_key: &str,
) -> (
    Router,
    SwitchClient,
    tokio::sync::mpsc::UnboundedReceiver<Seen>,
) {
    let (url, switch) = recording_switch().await;
    let text = format!(
        "switch_url = {url:?}\nlisten = \"127.0.0.1:0\"\n\
         ilp_secret = \"a-test-ilp-secret-of-32-chars!!!\"\n\
         jws_signing_key = {:?}\n",
        key_path(private_key)
    );
    let section: FspiopSection = toml::from_str(&text).unwrap();
    section.validate().unwrap();
    let mut cfg = section.layer_config("payeefsp").unwrap();
    cfg.callback_attempts = 1;
    let client = SwitchClient::new(Arc::new(cfg)).unwrap();
    let payee = Arc::new(TestPayee::new("payeefsp", &[("27713803912", "Alice")]));
    let store = Arc::new(MemoryStore::new(Duration::from_secs(60)));
    (router(payee, client.clone(), store), client, switch)
}

fn get_party(msisdn: &str) -> Request<Body> {
    Request::get(format!("/parties/MSISDN/{msisdn}"))
        .header(
            "content-type",
            "application/vnd.interoperability.parties+json;version=1.0",
        )
        .header(
            "accept",
            "application/vnd.interoperability.parties+json;version=1",
        )
        .header("date", DATE)
        .header("fspiop-source", "payerfsp")
        .body(Body::empty())
        .unwrap()
}

fn header(h: &HeaderMap, name: &str) -> Option<String> {
    h.get(name).map(|v| v.to_str().unwrap().to_owned())
}

/// The signed headers as a receiver reads them from the HTTP request.
fn signed_headers(seen: &Seen) -> SignedHeaders {
    SignedHeaders {
        uri: header(&seen.headers, "fspiop-uri").expect("fspiop-uri"),
        method: header(&seen.headers, "fspiop-http-method").expect("fspiop-http-method"),
        source: header(&seen.headers, "fspiop-source").expect("fspiop-source"),
        destination: header(&seen.headers, "fspiop-destination"),
        date: header(&seen.headers, "date"),
    }
}

/// The decoded protected header of an `FSPIOP-Signature` value.
fn protected_header(signature: &str) -> Value {
    let outer: Value = serde_json::from_str(signature).unwrap();
    let bytes = URL_SAFE_NO_PAD
        .decode(outer["protectedHeader"].as_str().unwrap())
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

/// Checks `seen` is a signed `PUT` to `path` from payeefsp to payerfsp, verifying with `key`
/// (and not with `wrong_key`, nor over a modified body or another URI).
fn assert_signed_put(seen: &Seen, path: &str, key: &VerifyingKey, wrong_key: &VerifyingKey) {
    assert_eq!((&seen.method, seen.path.as_str()), (&Method::PUT, path));
    let signature = header(&seen.headers, "fspiop-signature").expect("PUT is signed");
    let signed = signed_headers(seen);
    assert_eq!(signed.uri, path);
    assert_eq!(signed.method, "PUT");
    assert_eq!(signed.source, "payeefsp");
    assert_eq!(signed.destination.as_deref(), Some("payerfsp"));
    // The recording switch parsed the body: verification falls back to the key-sorted form,
    // which is also exactly what the hub sent.
    let body = serde_json::to_vec(&seen.body).unwrap();
    jws::verify(key, &signed, &signature, &body).expect("signature verifies");
    assert!(jws::verify(wrong_key, &signed, &signature, &body).is_err());
    let mut tampered = seen.body.clone();
    tampered["tampered"] = json!(true);
    let tampered = serde_json::to_vec(&tampered).unwrap();
    assert!(jws::verify(key, &signed, &signature, &tampered).is_err());
    let mut other_uri = signed.clone();
    other_uri.uri = "/parties/MSISDN/1".into();
    assert!(jws::verify(key, &other_uri, &signature, &body).is_err());

    let protected = protected_header(&signature);
    assert_eq!(protected["FSPIOP-URI"], path);
    assert_eq!(protected["FSPIOP-HTTP-Method"], "PUT");
    assert_eq!(protected["FSPIOP-Source"], "payeefsp");
    assert_eq!(protected["FSPIOP-Destination"], "payerfsp");
    assert_eq!(protected["Date"], json!(signed.date.unwrap()));
}

#[tokio::test]
async fn put_parties_callback_is_signed_rs256_and_verifies_with_the_public_key() {
    let (app, _client, mut switch) = signing_hub("rsa_private.pem").await;
    let resp = app.oneshot(get_party("27713803912")).await.unwrap();
    assert_eq!(resp.status(), StatusCode::ACCEPTED);
    let cb = next(&mut switch).await;
    assert_eq!(cb.body["party"]["name"], "Alice");
    assert_signed_put(
        &cb,
        "/parties/MSISDN/27713803912",
        &public_key("rsa_public.pem"),
        &public_key("ec_public.pem"),
    );
    let signature = header(&cb.headers, "fspiop-signature").unwrap();
    assert_eq!(protected_header(&signature)["alg"], "RS256");
}

#[tokio::test]
async fn put_parties_error_callback_is_signed_es256() {
    let (app, _client, mut switch) = signing_hub("ec_private.pem").await;
    let resp = app.oneshot(get_party("999")).await.unwrap();
    assert_eq!(resp.status(), StatusCode::ACCEPTED);
    let cb = next(&mut switch).await;
    assert_eq!(cb.body["errorInformation"]["errorCode"], "3204");
    assert_signed_put(
        &cb,
        "/parties/MSISDN/999/error",
        &public_key("ec_public.pem"),
        &public_key("rsa_public.pem"),
    );
    let signature = header(&cb.headers, "fspiop-signature").unwrap();
    assert_eq!(protected_header(&signature)["alg"], "ES256");
}

#[tokio::test]
async fn requests_with_a_body_are_signed_and_gets_are_not() {
    let (_app, client, mut switch) = signing_hub("rsa_private.pem").await;
    let key = public_key("rsa_public.pem");
    let payee = "payeefsp".parse().unwrap();
    let body =
        json!({"transferState": "COMMITTED", "completedTimestamp": "2026-01-01T00:00:00.000Z"});
    let path = "/transfers/0a3f3e42-5e1b-4d2a-9a55-3f0b9d6b1c01";
    for method in [Method::POST, Method::PUT, Method::PATCH] {
        client
            .send(
                method.clone(),
                Resource::Transfers,
                Version::V1_1,
                path,
                Some(&payee),
                Some(&body),
            )
            .await
            .unwrap();
        let seen = next(&mut switch).await;
        assert_eq!(seen.method, method);
        let signature = header(&seen.headers, "fspiop-signature").expect("signed");
        let signed = signed_headers(&seen);
        assert_eq!(signed.method, method.as_str());
        let sent = serde_json::to_vec(&seen.body).unwrap();
        jws::verify(&key, &signed, &signature, &sent).expect("signature verifies");
    }
    client
        .send(
            Method::GET,
            Resource::Parties,
            Version::V1_1,
            "/parties/MSISDN/27713803912",
            None,
            None,
        )
        .await
        .unwrap();
    let seen = next(&mut switch).await;
    assert_eq!(seen.method, Method::GET);
    for name in ["fspiop-signature", "fspiop-uri", "fspiop-http-method"] {
        assert!(seen.headers.get(name).is_none(), "GET carries {name}");
    }
}
