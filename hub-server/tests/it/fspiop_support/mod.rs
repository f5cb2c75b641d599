//! Shared pieces of the FSPIOP tests: an in-memory payee handler and a recording "switch".

#![allow(dead_code)]

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Mutex;

use async_trait::async_trait;
use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use kipochi_hub::fspiop::ErrorCode;
use kipochi_hub::fspiop::handler::{
    InboundHandler, PreparedTransfer, QuoteTerms, Rejection, TransferDecision, TransferOutcome,
};
use kipochi_hub::fspiop::primitives::{CorrelationId, DateTime, FspId};
use kipochi_hub::fspiop::types::{Party, PartyIdInfo, QuotesPostRequest, TransfersIdPatchResponse};
use tokio::sync::mpsc;

/// A payee that keeps its customers in memory and records every call.
#[derive(Default)]
pub struct TestPayee {
    /// MSISDN → display name.
    pub parties: HashMap<String, String>,
    /// Own FSP id (put in returned parties).
    pub fsp_id: String,
    /// Names of calls made, in order.
    pub calls: Mutex<Vec<String>>,
    /// Transfer ids credited.
    pub credited: Mutex<Vec<String>>,
    /// Late results seen.
    pub late: Mutex<Vec<(String, TransferOutcome)>>,
}

impl TestPayee {
    pub fn new(fsp_id: &str, parties: &[(&str, &str)]) -> Self {
        Self {
            parties: parties
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            fsp_id: fsp_id.to_owned(),
            ..Default::default()
        }
    }

    pub fn calls(&self) -> Vec<String> {
        self.calls.lock().unwrap().clone()
    }

    fn record(&self, what: &str) {
        self.calls.lock().unwrap().push(what.to_owned());
    }
}

#[async_trait]
impl InboundHandler for TestPayee {
    async fn lookup_party(
        &self,
        party: &PartyIdInfo,
        _requester: &FspId,
    ) -> Result<Party, Rejection> {
        self.record("lookup_party");
        let name = self
            .parties
            .get(&party.party_identifier)
            .ok_or(Rejection::new(ErrorCode::PartyNotFound))?;
        let mut info = party.clone();
        info.fsp_id = Some(self.fsp_id.parse().unwrap());
        Ok(Party {
            party_id_info: info,
            merchant_classification_code: None,
            name: Some(name.clone()),
            personal_info: None,
            supported_currencies: None,
        })
    }

    async fn quote(
        &self,
        request: &QuotesPostRequest,
        _requester: &FspId,
    ) -> Result<QuoteTerms, Rejection> {
        self.record("quote");
        if request.amount.currency.as_str() != "USD" {
            return Err(Rejection::new(ErrorCode::PayeeUnsupportedCurrency));
        }
        Ok(QuoteTerms {
            transfer_amount: request.amount.clone(),
            payee_receive_amount: Some(request.amount.clone()),
            payee_fsp_fee: None,
            payee_fsp_commission: None,
            expiration: DateTime::from_utc(chrono::Utc::now() + chrono::Duration::seconds(60)),
        })
    }

    async fn prepare_transfer(
        &self,
        transfer: &PreparedTransfer,
        _requester: &FspId,
    ) -> Result<TransferDecision, Rejection> {
        self.record("prepare_transfer");
        self.credited
            .lock()
            .unwrap()
            .push(transfer.request.transfer_id.to_string());
        Ok(TransferDecision::Commit)
    }

    async fn transfer_notification(
        &self,
        _id: &CorrelationId,
        _patch: &TransfersIdPatchResponse,
    ) -> Result<(), Rejection> {
        self.record("transfer_notification");
        Ok(())
    }

    async fn late_transfer_result(&self, id: &CorrelationId, outcome: TransferOutcome) {
        self.late.lock().unwrap().push((id.to_string(), outcome));
    }
}

/// One request seen by the recording switch.
#[derive(Clone, Debug)]
pub struct Seen {
    pub method: Method,
    pub path: String,
    pub headers: HeaderMap,
    pub body: serde_json::Value,
}

/// A switch stand-in on 127.0.0.1 that records everything and answers 200/202.
pub async fn recording_switch() -> (String, mpsc::UnboundedReceiver<Seen>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let app = Router::new().fallback(
        move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
            let tx = tx.clone();
            async move {
                let body = serde_json::from_slice(&body).unwrap_or(serde_json::Value::Null);
                let status = if method == Method::PUT {
                    StatusCode::OK
                } else {
                    StatusCode::ACCEPTED
                };
                let _ = tx.send(Seen {
                    method,
                    path: uri.path().to_owned(),
                    headers,
                    body,
                });
                status
            }
        },
    );
    (serve(app).await, rx)
}

/// Serves `app` on an ephemeral 127.0.0.1 port; returns its base URL.
pub async fn serve(app: Router) -> String {
    let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}")
}

/// Waits for the next recorded request (2 s at most).
pub async fn next(rx: &mut mpsc::UnboundedReceiver<Seen>) -> Seen {
    tokio::time::timeout(std::time::Duration::from_secs(2), rx.recv())
        .await
        .expect("no callback in time")
        .unwrap()
}

/// Asserts nothing more arrives within 300 ms.
pub async fn nothing_more(rx: &mut mpsc::UnboundedReceiver<Seen>) {
    assert!(
        tokio::time::timeout(std::time::Duration::from_millis(300), rx.recv())
            .await
            .is_err(),
        "unexpected callback"
    );
}
