//! SSE over the router: events reach their user only; both token forms work.

use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use kipochi_core::api::{Balance, Event};
use tower::ServiceExt;

use super::tests::Harness;
use crate::auth::Role;
use crate::http::app;

fn balance(available: &str) -> Event {
    Event::BalanceChanged {
        balance: Balance {
            currency: "TZS".into(),
            ledger: available.into(),
            available: available.into(),
            as_of: 1,
        },
    }
}

/// Reads body frames until one carries data; returns its text.
async fn next_data(body: &mut Body) -> String {
    loop {
        let frame = tokio::time::timeout(Duration::from_secs(5), body.frame())
            .await
            .expect("an event in time")
            .expect("stream open")
            .unwrap();
        if let Ok(data) = frame.into_data() {
            let text = String::from_utf8(data.to_vec()).unwrap();
            if text.contains("data:") {
                return text;
            }
        }
    }
}

#[tokio::test]
async fn events_reach_only_their_user() {
    let h = Harness::new();
    let token = h.user("255712400001", Role::Customer).await;
    let me = h.state.auth.user_by_phone("255712400001").unwrap().unwrap();
    let req = Request::get("/api/v1/events")
        .header("authorization", format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap();
    let res = app(h.state.clone()).oneshot(req).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "text/event-stream");
    let mut body = res.into_body();
    h.state.events.publish("someone-else", balance("999"));
    h.state.events.publish(&me.id.to_string(), balance("12.5"));
    let text = next_data(&mut body).await;
    assert!(text.contains(r#""type":"balance_changed""#), "{text}");
    assert!(text.contains(r#""available":"12.5""#), "{text}");
    assert!(!text.contains("999"), "another user's event leaked: {text}");
}

#[tokio::test]
async fn event_source_may_pass_the_token_in_the_query() {
    let h = Harness::new();
    let token = h.user("255712400002", Role::Merchant).await;
    let me = h.state.auth.user_by_phone("255712400002").unwrap().unwrap();
    let req = Request::get(format!("/api/v1/events?token={token}"))
        .body(Body::empty())
        .unwrap();
    let res = app(h.state.clone()).oneshot(req).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let mut body = res.into_body();
    h.state.events.publish(&me.id.to_string(), balance("3"));
    assert!(next_data(&mut body).await.contains(r#""available":"3""#));
}

#[tokio::test]
async fn events_need_a_valid_token() {
    let h = Harness::new();
    let (status, body) = h.call("GET", "/api/v1/events", None, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["code"], "unauthenticated");
    let (status, _) = h
        .call("GET", "/api/v1/events?token=forged", None, None)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}
