//! Request latency histograms for `/metrics`: one tower layer over the whole router (no
//! per-handler code), labelled by the matched route template and the status class.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use prometheus::{HistogramOpts, HistogramVec, Registry};

use crate::error::{Error, Result};

/// Upper bounds (seconds) of the request latency buckets.
const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

/// The HTTP request histograms of one router. Cheap to clone.
#[derive(Clone)]
pub struct HttpMetrics {
    registry: Registry,
    requests: HistogramVec,
}

impl HttpMetrics {
    /// A fresh, empty set of histograms.
    pub fn new() -> Result<Self> {
        let registry = Registry::new();
        let requests = HistogramVec::new(
            HistogramOpts::new(
                "kipochi_http_request_duration_seconds",
                "HTTP request latency by route template, method and status class.",
            )
            .buckets(BUCKETS.to_vec()),
            &["route", "method", "status"],
        )
        .map_err(|e| Error::Internal(format!("metrics: {e}")))?;
        registry
            .register(Box::new(requests.clone()))
            .map_err(|e| Error::Internal(format!("metrics: {e}")))?;
        Ok(Self { registry, requests })
    }

    /// The registry holding the histograms, for the exposition.
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    fn observe(&self, route: &str, method: &str, status: u16, seconds: f64) {
        let class = match status {
            100..=199 => "1xx",
            200..=299 => "2xx",
            300..=399 => "3xx",
            400..=499 => "4xx",
            _ => "5xx",
        };
        self.requests
            .with_label_values(&[route, method, class])
            .observe(seconds);
    }
}

/// The middleware: times the inner service and records it under the matched route template
/// (`/api/v1/payments/{id}`, never the raw path, so label cardinality stays bounded).
pub async fn track(State(metrics): State<Arc<HttpMetrics>>, req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "unmatched".to_string());
    let method = match req.method().as_str() {
        "GET" => "GET",
        "POST" => "POST",
        "PUT" => "PUT",
        "PATCH" => "PATCH",
        "DELETE" => "DELETE",
        "HEAD" => "HEAD",
        "OPTIONS" => "OPTIONS",
        _ => "other",
    };
    let start = Instant::now();
    let response = next.run(req).await;
    metrics.observe(
        &route,
        method,
        response.status().as_u16(),
        start.elapsed().as_secs_f64(),
    );
    response
}
