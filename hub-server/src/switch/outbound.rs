//! Outbound HTTP from the switch: forwarding a DFSP's request or callback to another DFSP
//! (headers and body unchanged, as Mojaloop's ML-API-Adapter does) and sending the callbacks
//! the switch itself originates (oracle answers, error callbacks, PATCH notifications).
//!
//! Delivery runs in a spawned task with a few retries; a failed delivery is logged (no bodies,
//! no party data) and never changes the switch's state: DFSPs recover with `GET` on the resource.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method};

use super::config::Participant;
use super::error::{Error, Result};
use crate::fspiop::error::{ErrorInformation, ErrorInformationObject};
use crate::fspiop::headers;
use crate::fspiop::primitives::FspId;
use crate::fspiop::version::{Resource, Version};

/// Headers copied from the inbound request when forwarding it.
const FORWARDED: &[&str] = &[
    "content-type",
    "accept",
    "date",
    headers::SOURCE,
    headers::DESTINATION,
    headers::SIGNATURE,
    headers::URI,
    headers::HTTP_METHOD,
    "fspiop-encryption",
    "traceparent",
    "tracestate",
];

const ATTEMPTS: u32 = 3;

/// Sends requests to participants.
#[derive(Clone)]
pub struct Outbound {
    http: reqwest::Client,
    registry: Arc<HashMap<FspId, Participant>>,
    me: FspId,
}

impl Outbound {
    /// A sender for the participants of `registry`, originating callbacks as `me`.
    pub fn new(registry: Arc<HashMap<FspId, Participant>>, me: FspId) -> Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| Error::Http(e.to_string()))?;
        Ok(Self { http, registry, me })
    }

    /// Forwards a request or callback to `to` with the inbound headers (plus
    /// `FSPIOP-Destination` when `set_destination`) and the body unchanged.
    pub fn forward(
        &self,
        to: &FspId,
        method: Method,
        path: &str,
        inbound: &HeaderMap,
        set_destination: bool,
        body: Bytes,
    ) {
        let mut out = Vec::with_capacity(FORWARDED.len());
        for name in FORWARDED {
            if set_destination && *name == headers::DESTINATION {
                continue;
            }
            if let Some(v) = inbound.get(*name) {
                out.push((HeaderName::from_static(name), v.clone()));
            }
        }
        if set_destination && let Ok(v) = HeaderValue::from_str(to.as_str()) {
            out.push((HeaderName::from_static(headers::DESTINATION), v));
        }
        self.spawn(to, method, path, out, body);
    }

    /// Sends a callback (`PUT` or `PATCH`) originated by `source` (the switch unless given)
    /// to `to`, in FSPIOP `version`.
    #[allow(clippy::too_many_arguments)]
    pub fn callback(
        &self,
        to: &FspId,
        source: Option<&FspId>,
        resource: Resource,
        version: Version,
        method: Method,
        path: &str,
        body: &serde_json::Value,
    ) {
        let source = source.unwrap_or(&self.me);
        let hdrs = headers::outbound(resource, version, &method, source, Some(to));
        let body = Bytes::from(serde_json::to_vec(body).unwrap_or_default());
        self.spawn(to, method, path, hdrs, body);
    }

    /// Sends `PUT {path}/error` with `info` from the switch to `to`.
    pub fn error(
        &self,
        to: &FspId,
        resource: Resource,
        version: Version,
        path: &str,
        info: ErrorInformation,
    ) {
        let body = serde_json::to_value(ErrorInformationObject {
            error_information: info,
        })
        .unwrap_or_default();
        let path = format!("{path}/error");
        self.callback(to, None, resource, version, Method::PUT, &path, &body);
    }

    fn spawn(
        &self,
        to: &FspId,
        method: Method,
        path: &str,
        hdrs: Vec<(HeaderName, HeaderValue)>,
        body: Bytes,
    ) {
        let Some(p) = self.registry.get(to) else {
            tracing::warn!(to = %to, "no callback URL for participant");
            return;
        };
        let url = format!("{}{}", p.config.callback_url, path);
        let http = self.http.clone();
        let to = to.clone();
        tokio::spawn(async move {
            for attempt in 1..=ATTEMPTS {
                let mut req = http.request(method.clone(), &url).body(body.clone());
                for (k, v) in &hdrs {
                    req = req.header(k, v);
                }
                match req.send().await {
                    Ok(resp) if !resp.status().is_server_error() => {
                        if !resp.status().is_success() {
                            tracing::warn!(to = %to, %method, status = %resp.status(),
                                "participant refused a switch message");
                        }
                        return;
                    }
                    Ok(resp) => {
                        tracing::debug!(to = %to, status = %resp.status(), attempt, "retrying");
                    }
                    Err(e) => {
                        tracing::debug!(to = %to, error = %e, attempt, "retrying");
                    }
                }
                tokio::time::sleep(Duration::from_millis(200 * u64::from(attempt))).await;
            }
            tracing::warn!(to = %to, %method, "switch message not delivered");
        });
    }
}
