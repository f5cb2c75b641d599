//! Outbound client: sends requests and callbacks to the switch, and implements [`Switch`] by
//! awaiting the matching callback. Callbacks are correlated by (resource, ID) through
//! [`Pending`], which the inbound router feeds.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use axum::http::Method;
use serde_json::Value;
use tokio::sync::oneshot;

use super::canonical;
use super::config::FspiopConfig;
use super::error::{Error, ErrorCode, ErrorInformation, ErrorInformationObject};
use super::handler::{PartyLookup, Switch, SwitchError, TransferOutcome};
use super::headers;
use super::ilp;
use super::jws::{self, SignedHeaders};
use super::primitives::{CorrelationId, Currency, FspId};
use super::types::{
    IlpCondition, ParticipantsTypeIdSubIdPostRequest, PartiesTypeIdPutResponse, PartyIdInfo,
    QuotesIdPutResponse, QuotesPostRequest, TransferState, TransfersIdPutResponse,
    TransfersPostRequest,
};
use super::version::{Resource, Version};

/// A callback delivered to a waiting request.
#[derive(Clone, Debug, PartialEq)]
pub enum Callback {
    /// `PUT /{resource}/{ID}`.
    Success {
        /// `FSPIOP-Source` of the callback.
        source: FspId,
        /// The body.
        body: Value,
    },
    /// `PUT /{resource}/{ID}/error`.
    Error(ErrorInformation),
}

type Waiters = HashMap<(Resource, String), Vec<(u64, oneshot::Sender<Callback>)>>;

/// Requests waiting for their callback, keyed by (resource, ID). Several requests may wait on
/// the same key (two lookups of one party); a callback wakes them all.
#[derive(Default)]
pub struct Pending {
    waiters: Mutex<Waiters>,
    next: std::sync::atomic::AtomicU64,
}

impl Pending {
    fn lock(&self) -> std::sync::MutexGuard<'_, Waiters> {
        // A poisoned map only means another task panicked mid-insert; the map itself is valid.
        self.waiters.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn register(&self, resource: Resource, key: &str) -> (u64, oneshot::Receiver<Callback>) {
        let (tx, rx) = oneshot::channel();
        let id = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.lock()
            .entry((resource, key.to_owned()))
            .or_default()
            .push((id, tx));
        (id, rx)
    }

    fn forget(&self, resource: Resource, key: &str, id: u64) {
        let mut map = self.lock();
        let k = (resource, key.to_owned());
        if let Some(list) = map.get_mut(&k) {
            list.retain(|(i, _)| *i != id);
            if list.is_empty() {
                map.remove(&k);
            }
        }
    }

    /// Hands a callback to every waiter of (resource, key). `false` when nobody waits (late or
    /// unsolicited).
    pub fn deliver(&self, resource: Resource, key: &str, callback: Callback) -> bool {
        let waiters = self
            .lock()
            .remove(&(resource, key.to_owned()))
            .unwrap_or_default();
        let mut delivered = false;
        for (_, tx) in waiters {
            delivered |= tx.send(callback.clone()).is_ok();
        }
        delivered
    }
}

/// The path key of a party: `{Type}/{ID}[/{SubId}]`.
pub fn party_key(p: &PartyIdInfo) -> String {
    let mut key = format!("{}/{}", p.party_id_type.as_str(), p.party_identifier);
    if let Some(sub) = &p.party_sub_id_or_type {
        key.push('/');
        key.push_str(sub);
    }
    key
}

/// HTTP client for the switch.
#[derive(Clone)]
pub struct SwitchClient {
    cfg: Arc<FspiopConfig>,
    http: reqwest::Client,
    pending: Arc<Pending>,
}

impl SwitchClient {
    /// A client using `cfg`, with its own pending map.
    pub fn new(cfg: Arc<FspiopConfig>) -> Result<Self, Error> {
        let http = reqwest::Client::builder()
            .timeout(cfg.callback_timeout)
            .build()
            .map_err(|e| Error::Transport(e.to_string()))?;
        Ok(Self {
            cfg,
            http,
            pending: Arc::new(Pending::default()),
        })
    }

    /// The pending map the inbound router must feed.
    pub fn pending(&self) -> Arc<Pending> {
        self.pending.clone()
    }

    /// The configuration.
    pub fn config(&self) -> &Arc<FspiopConfig> {
        &self.cfg
    }

    /// Sends one request or callback. The body is written as key-sorted JSON and signed when
    /// configured. Non-2xx answers with an FSPIOP error body become [`SwitchError::Rejected`].
    pub async fn send(
        &self,
        method: Method,
        resource: Resource,
        version: Version,
        path: &str,
        destination: Option<&FspId>,
        body: Option<&Value>,
    ) -> Result<(), SwitchError> {
        let url = format!("{}{}", self.cfg.switch_url.trim_end_matches('/'), path);
        let mut req = self.http.request(method.clone(), &url);
        let hdrs = headers::outbound(resource, version, &method, &self.cfg.fsp_id, destination);
        let date = hdrs
            .iter()
            .find(|(n, _)| n == "date")
            .and_then(|(_, v)| v.to_str().ok())
            .map(str::to_owned);
        for (name, value) in hdrs {
            req = req.header(name, value);
        }
        if let Some(body) = body {
            let bytes = canonical::to_string(body).into_bytes();
            // Every request with a body (PUT/POST/PATCH, `PUT /parties` callbacks included) is
            // signed when a key is configured; GETs carry no body and are never signed.
            if let Some(key) = &self.cfg.jws.signing_key {
                let signed = SignedHeaders {
                    uri: path.to_owned(),
                    method: method.as_str().to_owned(),
                    source: self.cfg.fsp_id.to_string(),
                    destination: destination.map(ToString::to_string),
                    date,
                };
                let signature = jws::sign(key, &signed, &bytes)?;
                req = req
                    .header(headers::URI, path)
                    .header(headers::HTTP_METHOD, method.as_str())
                    .header(headers::SIGNATURE, signature);
            }
            req = req.body(bytes);
        }
        let resp = req
            .send()
            .await
            .map_err(|e| Error::Transport(format!("{method} {resource}: {}", e.without_url())))?;
        let status = resp.status();
        if status.is_success() {
            return Ok(());
        }
        let text = resp.bytes().await.unwrap_or_default();
        match serde_json::from_slice::<ErrorInformationObject>(&text) {
            Ok(e) if status.is_client_error() => Err(SwitchError::Rejected(e.error_information)),
            _ => Err(Error::Transport(format!("{method} {resource}: HTTP {status}")).into()),
        }
    }

    /// Sends a `PUT` callback, retrying on transport failures.
    pub async fn send_callback(
        &self,
        resource: Resource,
        version: Version,
        path: &str,
        destination: &FspId,
        body: &Value,
    ) -> Result<(), SwitchError> {
        let mut last = None;
        for attempt in 0..self.cfg.callback_attempts.max(1) {
            if attempt > 0 {
                tokio::time::sleep(std::time::Duration::from_millis(200 << attempt.min(5))).await;
            }
            match self
                .send(
                    Method::PUT,
                    resource,
                    version,
                    path,
                    Some(destination),
                    Some(body),
                )
                .await
            {
                Ok(()) => return Ok(()),
                Err(e @ SwitchError::Rejected(_)) => return Err(e),
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or(SwitchError::Timeout))
    }

    /// Sends a request and waits for its callback (registered before sending).
    async fn call(
        &self,
        method: Method,
        (resource, key): (Resource, &str),
        path: &str,
        destination: Option<&FspId>,
        body: Option<&Value>,
        timeout: std::time::Duration,
    ) -> Result<Callback, SwitchError> {
        let (waiter, rx) = self.pending.register(resource, key);
        if let Err(e) = self
            .send(
                method,
                resource,
                self.cfg.request_version,
                path,
                destination,
                body,
            )
            .await
        {
            self.pending.forget(resource, key, waiter);
            return Err(e);
        }
        match tokio::time::timeout(timeout, rx).await {
            Ok(Ok(cb)) => Ok(cb),
            _ => {
                self.pending.forget(resource, key, waiter);
                Err(SwitchError::Timeout)
            }
        }
    }

    /// Waits up to `timeout` for the next callback of (resource, key), without sending.
    async fn wait(
        &self,
        (resource, key): (Resource, &str),
        timeout: std::time::Duration,
    ) -> Result<Callback, SwitchError> {
        let (waiter, rx) = self.pending.register(resource, key);
        match tokio::time::timeout(timeout, rx).await {
            Ok(Ok(cb)) => Ok(cb),
            _ => {
                self.pending.forget(resource, key, waiter);
                Err(SwitchError::Timeout)
            }
        }
    }

    fn outcome(callback: Callback, condition: &IlpCondition) -> TransferOutcome {
        match callback {
            Callback::Error(e) => TransferOutcome::Aborted(e),
            Callback::Success { body, .. } => {
                match serde_json::from_value::<TransfersIdPutResponse>(body) {
                    Err(_) => TransferOutcome::Unknown {
                        reason: "unparseable transfer callback".into(),
                    },
                    Ok(put) => match (put.transfer_state, put.fulfilment) {
                        (TransferState::Committed, Some(f))
                            if ilp::check_fulfilment(&f, condition) =>
                        {
                            TransferOutcome::Committed {
                                fulfilment: f,
                                completed_timestamp: put.completed_timestamp,
                            }
                        }
                        (TransferState::Committed, _) => TransferOutcome::Unknown {
                            reason: "committed without a fulfilment matching the condition".into(),
                        },
                        (TransferState::Aborted, _) => TransferOutcome::Aborted(
                            ErrorCode::GenericPayeeRejection.info("Transfer aborted"),
                        ),
                        (state, _) => TransferOutcome::Unknown {
                            reason: format!("transfer is {state:?}"),
                        },
                    },
                }
            }
        }
    }
}

/// A transfer callback reporting a state on the way (`RECEIVED`, `RESERVED`), not a result.
fn in_progress(cb: &Callback) -> bool {
    matches!(cb, Callback::Success { body, .. }
        if matches!(body.get("transferState").and_then(Value::as_str), Some("RECEIVED" | "RESERVED")))
}

fn json<T: serde::Serialize>(v: &T) -> Result<Value, SwitchError> {
    serde_json::to_value(v).map_err(|e| Error::Transport(e.to_string()).into())
}

#[async_trait]
impl Switch for SwitchClient {
    async fn lookup_party(&self, party: &PartyIdInfo) -> Result<PartyLookup, SwitchError> {
        let key = party_key(party);
        let path = format!("/parties/{key}");
        let cb = self
            .call(
                Method::GET,
                (Resource::Parties, &key),
                &path,
                None,
                None,
                self.cfg.callback_timeout,
            )
            .await?;
        match cb {
            Callback::Error(e) => Err(SwitchError::Rejected(e)),
            Callback::Success { source, body } => {
                let put: PartiesTypeIdPutResponse = serde_json::from_value(body)
                    .map_err(|_| Error::Transport("unparseable party callback".into()))?;
                let fsp_id = put.party.party_id_info.fsp_id.clone().unwrap_or(source);
                Ok(PartyLookup {
                    party: put.party,
                    fsp_id,
                })
            }
        }
    }

    async fn request_quote(
        &self,
        payee_fsp: &FspId,
        request: &QuotesPostRequest,
    ) -> Result<QuotesIdPutResponse, SwitchError> {
        let key = request.quote_id.to_string();
        let body = json(request)?;
        let cb = self
            .call(
                Method::POST,
                (Resource::Quotes, &key),
                "/quotes",
                Some(payee_fsp),
                Some(&body),
                self.cfg.callback_timeout,
            )
            .await?;
        match cb {
            Callback::Error(e) => Err(SwitchError::Rejected(e)),
            Callback::Success { body, .. } => serde_json::from_value(body)
                .map_err(|_| Error::Transport("unparseable quote callback".into()).into()),
        }
    }

    async fn transfer(&self, request: &TransfersPostRequest) -> TransferOutcome {
        let key = request.transfer_id.to_string();
        let body = match json(request) {
            Ok(b) => b,
            Err(e) => {
                return TransferOutcome::Aborted(
                    ErrorCode::InternalServerError.info(e.to_string()),
                );
            }
        };
        let dest = Some(&request.payee_fsp);
        let timeout = self.cfg.callback_timeout;
        let deadline = tokio::time::Instant::now() + timeout;
        let mut answer = self
            .call(
                Method::POST,
                (Resource::Transfers, &key),
                "/transfers",
                dest,
                Some(&body),
                timeout,
            )
            .await;
        // A `RECEIVED`/`RESERVED` state is someone's `GET /transfers` answer (a recovery pass
        // asking about this very transfer), not our result: keep waiting for the final one.
        while let Ok(cb) = &answer
            && in_progress(cb)
        {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            answer = self.wait((Resource::Transfers, &key), left).await;
        }
        match answer {
            Ok(cb) => Self::outcome(cb, &request.condition),
            // Refused synchronously: the switch did not take the transfer.
            Err(SwitchError::Rejected(e)) => TransferOutcome::Aborted(e),
            // Late callback or a transport failure after which the switch may hold the transfer:
            // ask before deciding anything.
            Err(_) => {
                self.get_transfer(&request.transfer_id, &request.payee_fsp, &request.condition)
                    .await
            }
        }
    }

    async fn get_transfer(
        &self,
        transfer_id: &CorrelationId,
        payee_fsp: &FspId,
        condition: &IlpCondition,
    ) -> TransferOutcome {
        let key = transfer_id.to_string();
        let path = format!("/transfers/{key}");
        let timeout = self.cfg.transfer_recovery_timeout;
        match self
            .call(
                Method::GET,
                (Resource::Transfers, &key),
                &path,
                Some(payee_fsp),
                None,
                timeout,
            )
            .await
        {
            // An error answer to a GET is not the transfer's outcome: the switch may not have
            // processed a prepare still in flight, or failed to look it up. Only "not found"
            // (3208) is passed on, for the caller to judge against the transfer's expiry.
            Ok(Callback::Error(e)) if e.error_code != "3208" => TransferOutcome::Unknown {
                reason: format!("GET /transfers answered error {}", e.error_code),
            },
            Ok(cb) => Self::outcome(cb, condition),
            Err(e) => TransferOutcome::Unknown {
                reason: format!("no final answer: {e}"),
            },
        }
    }

    async fn register_participant(
        &self,
        party: &PartyIdInfo,
        currency: Option<&Currency>,
    ) -> Result<(), SwitchError> {
        let key = party_key(party);
        let path = format!("/participants/{key}");
        let body = json(&ParticipantsTypeIdSubIdPostRequest {
            fsp_id: self.cfg.fsp_id.clone(),
            currency: currency.cloned(),
            extension_list: None,
        })?;
        match self
            .call(
                Method::POST,
                (Resource::Participants, &key),
                &path,
                None,
                Some(&body),
                self.cfg.callback_timeout,
            )
            .await?
        {
            Callback::Error(e) => Err(SwitchError::Rejected(e)),
            Callback::Success { .. } => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn one_callback_wakes_every_waiter_and_forgotten_ones_are_skipped() {
        let p = Pending::default();
        let (_, a) = p.register(Resource::Parties, "MSISDN/1");
        let (_, b) = p.register(Resource::Parties, "MSISDN/1");
        let (gone, _c) = p.register(Resource::Parties, "MSISDN/1");
        p.forget(Resource::Parties, "MSISDN/1", gone);
        let info = ErrorCode::PartyNotFound.info("");
        assert!(p.deliver(Resource::Parties, "MSISDN/1", Callback::Error(info.clone())));
        assert_eq!(a.await.unwrap(), Callback::Error(info.clone()));
        assert_eq!(b.await.unwrap(), Callback::Error(info.clone()));
        assert!(!p.deliver(Resource::Parties, "MSISDN/1", Callback::Error(info)));
    }
}
