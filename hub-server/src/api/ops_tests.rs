//! `/metrics` exposition: request latency per route and status class, payment end-to-end
//! latency of final payments.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use tower::ServiceExt;

use super::ops::{ms_as_seconds, render_payment_latency};
use super::payments_tests::{P1, Pay, sign};
use crate::http::app;
use crate::payments::FinalLatency;
use kipochi_core::api::PaymentState;

async fn text(router: &axum::Router, path: &str, token: Option<&str>) -> (StatusCode, String) {
    let mut req = Request::get(path);
    if let Some(t) = token {
        req = req.header("authorization", format!("Bearer {t}"));
    }
    let res = router
        .clone()
        .oneshot(req.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = res.status();
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8(bytes.to_vec()).unwrap())
}

/// The value of the exposition line starting with `series` (labels included).
fn value(text: &str, series: &str) -> Option<String> {
    text.lines()
        .find_map(|l| l.strip_prefix(series).map(|v| v.trim().to_string()))
}

#[tokio::test]
async fn request_latency_is_recorded_per_route_template_and_status_class() {
    let pay = Pay::new();
    let router = app(pay.h.state.clone());
    assert_eq!(text(&router, "/healthz", None).await.0, StatusCode::OK);
    assert_eq!(text(&router, "/healthz", None).await.0, StatusCode::OK);
    let (status, _) = text(&router, "/api/v1/payments/abc", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = text(&router, "/api/v1/payments/def", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = text(&router, "/no/such/path", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let (status, body) = text(&router, "/metrics", None).await;
    assert_eq!(status, StatusCode::OK);
    let name = "kipochi_http_request_duration_seconds";
    assert!(body.contains(&format!("# TYPE {name} histogram")), "{body}");
    let count = |route: &str, status: &str| {
        value(
            &body,
            &format!("{name}_count{{method=\"GET\",route=\"{route}\",status=\"{status}\"}}"),
        )
    };
    assert_eq!(count("/healthz", "2xx").as_deref(), Some("2"), "{body}");
    // Both ids fall under one series: the template, not the raw path.
    assert_eq!(
        count("/api/v1/payments/{id}", "4xx").as_deref(),
        Some("2"),
        "{body}"
    );
    assert!(!body.contains("/api/v1/payments/abc"), "{body}");
    assert_eq!(count("unmatched", "4xx").as_deref(), Some("1"), "{body}");
    // Every request lands in the +Inf bucket.
    let inf =
        format!("{name}_bucket{{method=\"GET\",route=\"/healthz\",status=\"2xx\",le=\"+Inf\"}}");
    assert_eq!(value(&body, &inf).as_deref(), Some("2"), "{body}");
}

#[tokio::test]
async fn payment_end_to_end_latency_counts_final_payments() {
    let pay = Pay::new();
    let asha = pay.customer("255712000001", "Asha", 100_000, 1).await;
    pay.customer("255712000002", "Baraka", 0, 2).await;
    let (status, quote) = pay.create(&asha, P1, "255712000002", "10").await;
    assert_eq!(status, StatusCode::OK, "{quote}");

    let router = app(pay.h.state.clone());
    let name = "kipochi_payment_duration_seconds";
    let committed = |s: &str| format!("{name}_{s}{{state=\"committed\"}}");
    let (_, body) = text(&router, "/metrics", None).await;
    assert_eq!(value(&body, &committed("count")).as_deref(), Some("0"));

    pay.h.clock.advance(1_500);
    let sig = sign(&quote, &asha.key);
    let (status, done) = pay
        .approve(&asha, P1, "4821", &asha.key.device_id(), &sig)
        .await;
    assert_eq!(
        (status, done["state"].as_str()),
        (StatusCode::OK, Some("committed"))
    );

    let (_, body) = text(&router, "/metrics", None).await;
    assert!(body.contains(&format!("# TYPE {name} histogram")), "{body}");
    assert_eq!(
        value(&body, &committed("count")).as_deref(),
        Some("1"),
        "{body}"
    );
    assert_eq!(
        value(&body, &committed("sum")).as_deref(),
        Some("1.5"),
        "{body}"
    );
    let bucket = |le: &str| format!("{name}_bucket{{state=\"committed\",le=\"{le}\"}}");
    assert_eq!(value(&body, &bucket("1")).as_deref(), Some("0"), "{body}");
    assert_eq!(value(&body, &bucket("2.5")).as_deref(), Some("1"), "{body}");
    assert_eq!(
        value(&body, &bucket("+Inf")).as_deref(),
        Some("1"),
        "{body}"
    );
    let failed = format!("{name}_count{{state=\"failed\"}}");
    assert_eq!(value(&body, &failed).as_deref(), Some("0"), "{body}");
}

#[test]
fn payment_latency_histogram_text_is_cumulative_and_exact() {
    let rows = [FinalLatency {
        state: PaymentState::Declined,
        count: 3,
        sum_ms: 70_250,
        cumulative: vec![1, 1, 2, 2, 2, 2, 2, 2, 3, 3, 3],
    }];
    let text = render_payment_latency(&rows);
    let name = "kipochi_payment_duration_seconds";
    let line = |s: &str| value(&text, s);
    let b = |le: &str| format!("{name}_bucket{{state=\"declined\",le=\"{le}\"}}");
    assert_eq!(line(&b("0.1")).as_deref(), Some("1"));
    assert_eq!(line(&b("0.5")).as_deref(), Some("2"));
    assert_eq!(line(&b("60")).as_deref(), Some("3"));
    assert_eq!(line(&b("+Inf")).as_deref(), Some("3"));
    let sum = format!("{name}_sum{{state=\"declined\"}}");
    assert_eq!(line(&sum).as_deref(), Some("70.25"));
    for state in ["committed", "expired", "failed"] {
        let count = format!("{name}_count{{state=\"{state}\"}}");
        assert_eq!(line(&count).as_deref(), Some("0"), "{state}");
    }
    assert_eq!(text.matches("# TYPE").count(), 1);
    assert_eq!(ms_as_seconds(0), "0");
    assert_eq!(ms_as_seconds(1_000), "1");
    assert_eq!(ms_as_seconds(250), "0.25");
    assert_eq!(ms_as_seconds(900_001), "900.001");
}
