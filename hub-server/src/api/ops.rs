//! Operations endpoints outside `/api/v1`: `/healthz` (the process answers), `/readyz` (every
//! store answers) and `/metrics` (Prometheus text format). No authentication.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use kipochi_core::api::PaymentState;
use prometheus::{Encoder, IntGaugeVec, Opts, Registry, TextEncoder};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::blocking;
use super::latency::HttpMetrics;
use crate::accounts::{AccountError, AccountId};
use crate::error::{Error, Result};
use crate::http::AppState;
use crate::payments::FinalLatency;

/// Every payment state, so `/metrics` reports zeros too (stable series for dashboards).
const STATES: [PaymentState; 9] = PaymentState::ALL;

/// Body of `GET /healthz`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// Always `ok`.
    #[schema(example = "ok")]
    pub status: String,
    /// The hub's version.
    pub version: String,
}

/// `GET /healthz`: the process is up (no store is touched).
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "ops",
    summary = "Liveness",
    responses((status = 200, description = "The process answers.", body = Health))
)]
pub(super) async fn healthz() -> Json<Health> {
    Json(Health {
        status: "ok".into(),
        version: env!("CARGO_PKG_VERSION").into(),
    })
}

/// Which stores answered `GET /readyz`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReadyChecks {
    pub users: bool,
    pub payments: bool,
    pub idempotency: bool,
    /// The account system (embedded ledger or Fineract) is reachable.
    pub accounts: bool,
}

/// Body of `GET /readyz`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Readiness {
    /// `ready` or `not_ready`.
    #[schema(pattern = "^(ready|not_ready)$")]
    pub status: String,
    pub checks: ReadyChecks,
}

/// 200 when the users, payments and idempotency stores and the account system answer; 503 with
/// the failing checks otherwise (names only, no error details).
#[utoipa::path(
    get,
    path = "/readyz",
    tag = "ops",
    summary = "Readiness: every store answers",
    responses(
        (status = 200, description = "Every store answers.", body = Readiness),
        (status = 503, description = "At least one store does not answer; `checks` names it.", body = Readiness),
    )
)]
pub(super) async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Readiness>) {
    let auth = state.auth.clone();
    let users = blocking(move || auth.user_by_phone("00000000").map(|_| ()))
        .await
        .is_ok();
    let payments = state.payments.clone();
    let payments = blocking(move || Ok(payments.counts_by_state().map(|_| ())?))
        .await
        .is_ok();
    let idem = state.idempotency.clone();
    let idempotency = blocking(move || idem.check()).await.is_ok();
    // An unknown account is a normal answer; only an unreachable account system is not ready.
    let accounts = !matches!(
        state.accounts.account(AccountId(Uuid::nil())).await,
        Err(AccountError::Unavailable(_))
    );
    let ready = users && payments && idempotency && accounts;
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let word = if ready { "ready" } else { "not_ready" };
    let checks = ReadyChecks {
        users,
        payments,
        idempotency,
        accounts,
    };
    (
        status,
        Json(Readiness {
            status: word.into(),
            checks,
        }),
    )
}

fn state_label(s: PaymentState) -> String {
    serde_json::to_value(s)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// Renders the hub's gauges in the Prometheus text format.
pub fn render_metrics(counts: &[(PaymentState, u64)]) -> Result<String> {
    let registry = Registry::new();
    let payments = IntGaugeVec::new(
        Opts::new("kipochi_payments", "Payments by current state."),
        &["state"],
    )
    .map_err(|e| Error::Internal(format!("metrics: {e}")))?;
    registry
        .register(Box::new(payments.clone()))
        .map_err(|e| Error::Internal(format!("metrics: {e}")))?;
    for s in STATES {
        let n = counts
            .iter()
            .filter(|(c, _)| *c == s)
            .map(|(_, n)| *n)
            .sum::<u64>();
        payments
            .with_label_values(&[state_label(s).as_str()])
            .set(i64::try_from(n).unwrap_or(i64::MAX));
    }
    encode(&registry)
}

/// Upper bounds (milliseconds) of the payment end-to-end latency buckets.
const PAYMENT_BUCKETS_MS: [i64; 11] = [
    100, 250, 500, 1_000, 2_500, 5_000, 10_000, 30_000, 60_000, 300_000, 900_000,
];

/// The final states, each with its own end-to-end latency series.
const FINAL_STATES: [PaymentState; 4] = [
    PaymentState::Committed,
    PaymentState::Declined,
    PaymentState::Expired,
    PaymentState::Failed,
];

/// Milliseconds as exact decimal seconds (`1500` → `1.5`), without going through floats.
pub(crate) fn ms_as_seconds(ms: i64) -> String {
    let sign = if ms < 0 { "-" } else { "" };
    let ms = ms.unsigned_abs();
    let frac = format!("{:03}", ms % 1000);
    let frac = frac.trim_end_matches('0');
    if frac.is_empty() {
        format!("{sign}{}", ms / 1000)
    } else {
        format!("{sign}{}.{frac}", ms / 1000)
    }
}

/// Renders the end-to-end latency (created → final state) of the payments in a final state as
/// a Prometheus histogram, one series per final state (zeros included).
pub fn render_payment_latency(latencies: &[FinalLatency]) -> String {
    let name = "kipochi_payment_duration_seconds";
    let mut out = format!(
        "# HELP {name} End-to-end payment latency, created to final state.\n# TYPE {name} histogram\n"
    );
    for s in FINAL_STATES {
        let label = state_label(s);
        let row = latencies.iter().find(|l| l.state == s);
        for (i, bound) in PAYMENT_BUCKETS_MS.iter().enumerate() {
            let n = row.and_then(|r| r.cumulative.get(i).copied()).unwrap_or(0);
            let le = ms_as_seconds(*bound);
            out.push_str(&format!(
                "{name}_bucket{{state=\"{label}\",le=\"{le}\"}} {n}\n"
            ));
        }
        let count = row.map_or(0, |r| r.count);
        let sum = ms_as_seconds(row.map_or(0, |r| r.sum_ms));
        out.push_str(&format!(
            "{name}_bucket{{state=\"{label}\",le=\"+Inf\"}} {count}\n"
        ));
        out.push_str(&format!("{name}_sum{{state=\"{label}\"}} {sum}\n"));
        out.push_str(&format!("{name}_count{{state=\"{label}\"}} {count}\n"));
    }
    out
}

/// Renders every family of `registry` in the Prometheus text format.
fn encode(registry: &Registry) -> Result<String> {
    let mut out = Vec::new();
    TextEncoder::new()
        .encode(&registry.gather(), &mut out)
        .map_err(|e| Error::Internal(format!("metrics: {e}")))?;
    String::from_utf8(out).map_err(|e| Error::Internal(format!("metrics: {e}")))
}

/// `GET /metrics`: payments by state, payment end-to-end latency and request latency per route.
#[utoipa::path(
    get,
    path = "/metrics",
    tag = "ops",
    summary = "Prometheus metrics",
    responses(
        (status = 200, description = "Prometheus text exposition format 0.0.4.", body = String, content_type = "text/plain; version=0.0.4; charset=utf-8"),
        (status = 500, response = super::doc::ServerError),
    )
)]
pub(super) async fn metrics(
    State(state): State<AppState>,
    http: Option<Extension<Arc<HttpMetrics>>>,
) -> Result<Response> {
    let payments = state.payments.clone();
    let (counts, latencies) = blocking(move || {
        Ok((
            payments.counts_by_state()?,
            payments.final_latencies(&PAYMENT_BUCKETS_MS)?,
        ))
    })
    .await?;
    let mut text = render_metrics(&counts)?;
    text.push_str(&render_payment_latency(&latencies));
    if let Some(Extension(http)) = http {
        text.push_str(&encode(http.registry())?);
    }
    Ok((
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        text,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use axum::body::Body;
    use axum::http::Request;
    use http_body_util::BodyExt;
    use tower::ServiceExt;

    use super::*;
    use crate::api::tests::Harness;
    use crate::http::app;

    async fn get(h: &Harness, path: &str) -> (StatusCode, String) {
        let res = app(h.state.clone())
            .oneshot(Request::get(path).body(Body::empty()).unwrap())
            .await
            .unwrap();
        let status = res.status();
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        (status, String::from_utf8(bytes.to_vec()).unwrap())
    }

    #[tokio::test]
    async fn readyz_checks_every_store() {
        let h = Harness::new();
        let (status, body) = get(&h, "/readyz").await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["status"], "ready");
        assert_eq!(v["checks"]["accounts"], true);
        assert_eq!(v["checks"]["payments"], true);
    }

    #[tokio::test]
    async fn metrics_count_payments_by_state() {
        let h = Harness::new();
        let (status, text) = get(&h, "/metrics").await;
        assert_eq!(status, StatusCode::OK);
        assert!(text.contains("# TYPE kipochi_payments gauge"), "{text}");
        assert!(
            text.contains("kipochi_payments{state=\"committed\"} 0"),
            "{text}"
        );
        let counts = [(PaymentState::Committed, 7), (PaymentState::Failed, 2)];
        let text = render_metrics(&counts).unwrap();
        assert!(
            text.contains("kipochi_payments{state=\"committed\"} 7"),
            "{text}"
        );
        assert!(
            text.contains("kipochi_payments{state=\"failed\"} 2"),
            "{text}"
        );
        assert!(
            text.contains("kipochi_payments{state=\"sent\"} 0"),
            "{text}"
        );
    }
}
