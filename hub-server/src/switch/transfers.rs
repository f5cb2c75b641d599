//! Transfers at the switch: prepare (duplicate check, net debit cap, reservation), fulfil
//! (condition check, commit, PATCH notification), payee errors, `GET`, and expiry.

use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use base64::Engine;
use sha2::{Digest, Sha256};

use super::store::{Finished, Prepared, State as TState, Transfer};
use super::{St, bad_request, blocking, parse_version, precheck, version_text};
use crate::fspiop::error::{ErrorCode, ErrorInformation, ErrorInformationObject};
use crate::fspiop::ilp;
use crate::fspiop::primitives::{DateTime, FspId};
use crate::fspiop::types::{
    IlpCondition, IlpFulfilment, TransferState, TransfersIdPatchResponse, TransfersIdPutResponse,
    TransfersPostRequest, parse_body,
};
use crate::fspiop::version::{Resource, Version};

const RES: Resource = Resource::Transfers;

pub(super) fn routes() -> Router<St> {
    Router::new()
        .route("/transfers", post(prepare))
        .route("/transfers/{id}", get(get_transfer).put(fulfil))
        .route("/transfers/{id}/error", put(payee_error))
}

fn fsp(s: &str) -> Option<FspId> {
    s.parse().ok()
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

fn transfer_path(id: &str) -> String {
    format!("/transfers/{id}")
}

/// Sends the error callback for `t` to each of `to`.
fn error_to(hub: &St, t: &Transfer, to: &[&str], info: &ErrorInformation) {
    let version = parse_version(&t.version);
    for who in to {
        if let Some(f) = fsp(who) {
            hub.out
                .error(&f, RES, version, &transfer_path(&t.id), info.clone());
        }
    }
}

fn stored_error(t: &Transfer) -> ErrorInformation {
    let (code, text) = t.error.clone().unwrap_or_default();
    let number = code.parse().ok().and_then(ErrorCode::from_code);
    let mut info = number
        .unwrap_or(ErrorCode::GenericServerError)
        .info(text.as_str());
    info.error_code = code;
    info
}

/// The `PUT /transfers/{ID}` body describing a stored transfer.
fn state_body(t: &Transfer) -> serde_json::Value {
    let state = match t.state {
        TState::Reserved => TransferState::Reserved,
        TState::Committed => TransferState::Committed,
        TState::Aborted => TransferState::Aborted,
    };
    serde_json::to_value(TransfersIdPutResponse {
        fulfilment: t
            .fulfilment
            .clone()
            .and_then(|f| IlpFulfilment::try_from(f).ok()),
        completed_timestamp: t.completed.as_deref().and_then(|c| c.parse().ok()),
        transfer_state: state,
        extension_list: None,
    })
    .unwrap_or_default()
}

async fn prepare(State(hub): State<St>, hdrs: HeaderMap, body: Bytes) -> Response {
    let inbound = match precheck(&hub, &hdrs, RES, &Method::POST) {
        Ok(i) => i,
        Err(r) => return r,
    };
    let req: TransfersPostRequest = match parse_body(&body, inbound.version) {
        Ok(b) => b,
        Err(e) => return super::error_response(StatusCode::BAD_REQUEST, e),
    };
    if req.payer_fsp != inbound.source {
        return bad_request(
            ErrorCode::GenericValidationError,
            "payerFsp must be the fspiop-source",
        );
    }
    let version = inbound.version;
    let path = transfer_path(req.transfer_id.as_str());
    let refuse = |info: ErrorInformation| {
        hub.out.error(&inbound.source, RES, version, &path, info);
        StatusCode::ACCEPTED.into_response()
    };
    let (Some(payer), Some(payee)) = (
        hub.registry.get(&req.payer_fsp),
        hub.registry.get(&req.payee_fsp),
    ) else {
        return refuse(ErrorCode::PayeeFspIdNotFound.info("Payee FSP is not a participant"));
    };
    if payer.config.currency != req.amount.currency || payee.config.currency != req.amount.currency
    {
        return refuse(
            ErrorCode::GenericValidationError.info("Currency not supported by a participant"),
        );
    }
    let Some(amount) = req
        .amount
        .amount
        .to_minor_units(req.amount.currency.scale())
        .ok()
        .and_then(|a| i64::try_from(a).ok())
        .filter(|a| *a > 0)
    else {
        return refuse(ErrorCode::GenericValidationError.info("Invalid amount for the currency"));
    };
    let expires_at = req.expiration.to_utc().timestamp_millis();
    let canonical = serde_json::to_vec(&req).unwrap_or_default();
    let hash = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(&canonical));
    let t = Transfer {
        id: req.transfer_id.to_string(),
        hash,
        payer: req.payer_fsp.to_string(),
        payee: req.payee_fsp.to_string(),
        currency: req.amount.currency.to_string(),
        amount,
        condition: req.condition.as_str().to_owned(),
        expires_at,
        state: TState::Reserved,
        fulfilment: None,
        completed: None,
        error: None,
        version: version_text(version),
    };
    if expires_at <= now_ms() {
        return refuse(ErrorCode::TransferExpired.info("Transfer expired before prepare"));
    }
    let cap = payer.cap_minor;
    let record = t.clone();
    let outcome = match blocking(&hub, move |s| s.prepare(&record, cap)).await {
        Ok(o) => o,
        Err(r) => return r,
    };
    match outcome {
        Prepared::Reserved => {
            hub.out.forward(
                &req.payee_fsp,
                Method::POST,
                "/transfers",
                &hdrs,
                false,
                body,
            );
        }
        Prepared::CapExceeded => {
            // As Mojaloop's position handler: over the net debit cap is a payer limit error
            // (4200); 4001 is its liquidity-cover check, which this switch does not model.
            return refuse(ErrorCode::PayerLimitError.info("Net debit cap exceeded"));
        }
        Prepared::Modified => {
            return refuse(
                ErrorCode::ModifiedRequest.info("Transfer ID reused with a different request"),
            );
        }
        // Resend of a transfer in progress: ignored, its result will follow.
        Prepared::Duplicate(old) if old.state == TState::Reserved => {}
        Prepared::Duplicate(old) if old.state == TState::Committed => {
            let from = fsp(&old.payee);
            hub.out.callback(
                &inbound.source,
                from.as_ref(),
                RES,
                version,
                Method::PUT,
                &path,
                &state_body(&old),
            );
        }
        Prepared::Duplicate(old) => return refuse(stored_error(&old)),
    }
    StatusCode::ACCEPTED.into_response()
}

async fn load(hub: &St, id: &str) -> Result<Option<Transfer>, Response> {
    let id = id.to_owned();
    blocking(hub, move |s| s.transfer(&id)).await
}

async fn abort(hub: &St, id: &str, info: &ErrorInformation) -> Result<Finished, Response> {
    let (id, code, text) = (
        id.to_owned(),
        info.error_code.clone(),
        info.error_description.clone(),
    );
    let completed = DateTime::now().to_string();
    blocking(hub, move |s| s.abort(&id, &code, &text, &completed)).await
}

/// `PUT /transfers/{ID}` from the payee.
async fn fulfil(
    State(hub): State<St>,
    Path(id): Path<String>,
    hdrs: HeaderMap,
    body: Bytes,
) -> Response {
    let inbound = match precheck(&hub, &hdrs, RES, &Method::PUT) {
        Ok(i) => i,
        Err(r) => return r,
    };
    let put: TransfersIdPutResponse = match parse_body(&body, inbound.version) {
        Ok(b) => b,
        Err(e) => return super::error_response(StatusCode::BAD_REQUEST, e),
    };
    let t = match load(&hub, &id).await {
        Ok(Some(t)) if t.payee == inbound.source.as_str() => t,
        Ok(_) => {
            hub.out.error(
                &inbound.source,
                RES,
                inbound.version,
                &transfer_path(&id),
                ErrorCode::TransferIdNotFound.info("Transfer not found for this payee"),
            );
            return StatusCode::OK.into_response();
        }
        Err(r) => return r,
    };
    match t.state {
        TState::Reserved => {}
        // A resent fulfilment of a committed transfer changes nothing; one with another
        // fulfilment or an abort is a modified request (3106) to the payee.
        TState::Committed => {
            let same = put.transfer_state != TransferState::Aborted
                && put.fulfilment.as_ref().map(|f| f.as_str()) == t.fulfilment.as_deref();
            if !same {
                error_to(
                    &hub,
                    &t,
                    &[&t.payee],
                    &ErrorCode::ModifiedRequest.info("Transfer already fulfilled differently"),
                );
            }
            return StatusCode::OK.into_response();
        }
        TState::Aborted => {
            error_to(&hub, &t, &[&t.payee], &stored_error(&t));
            return StatusCode::OK.into_response();
        }
    }
    let refusal = if t.expires_at <= now_ms() {
        Some(ErrorCode::TransferExpired.info("Transfer expired"))
    } else if put.transfer_state == TransferState::Aborted {
        Some(ErrorCode::GenericPayeeRejection.info("Payee aborted the transfer"))
    } else if put.transfer_state == TransferState::Received {
        Some(ErrorCode::GenericValidationError.info("transferState must be COMMITTED"))
    } else {
        let valid = match (&put.fulfilment, IlpCondition::try_from(t.condition.clone())) {
            (Some(f), Ok(c)) => ilp::check_fulfilment(f, &c),
            _ => false,
        };
        (!valid).then(|| {
            ErrorCode::GenericValidationError.info("Fulfilment does not match the condition")
        })
    };
    if let Some(info) = refusal {
        if let Ok(Finished::Done(t)) = abort(&hub, &id, &info).await {
            error_to(&hub, &t, &[&t.payer, &t.payee], &info);
        }
        return StatusCode::OK.into_response();
    }
    let fulfilment = put
        .fulfilment
        .as_ref()
        .map(|f| f.as_str().to_owned())
        .unwrap_or_default();
    let completed = put
        .completed_timestamp
        .clone()
        .unwrap_or_else(DateTime::now);
    let completed_text = completed.to_string();
    let tid = id.clone();
    let done = match blocking(&hub, move |s| s.commit(&tid, &fulfilment, &completed_text)).await {
        Ok(Finished::Done(t)) => t,
        // Lost a race with expiry or a payee error: that path already told both sides.
        Ok(Finished::NotReserved(_)) => return StatusCode::OK.into_response(),
        Err(r) => return r,
    };
    let Some(payer) = fsp(&done.payer) else {
        return StatusCode::OK.into_response();
    };
    let path = transfer_path(&id);
    if put.transfer_state == TransferState::Committed {
        hub.out
            .forward(&payer, Method::PUT, &path, &hdrs, false, body);
    } else {
        // The payee answered RESERVED: the payer gets COMMITTED, the payee a PATCH.
        hub.out.callback(
            &payer,
            Some(&inbound.source),
            RES,
            inbound.version,
            Method::PUT,
            &path,
            &state_body(&done),
        );
        notify_payee(&hub, &inbound.source, inbound.version, &path, completed);
    }
    StatusCode::OK.into_response()
}

fn notify_payee(hub: &St, payee: &FspId, version: Version, path: &str, completed: DateTime) {
    let patch = TransfersIdPatchResponse {
        completed_timestamp: completed,
        transfer_state: TransferState::Committed,
        extension_list: None,
    };
    let body = serde_json::to_value(patch).unwrap_or_default();
    hub.out
        .callback(payee, None, RES, version, Method::PATCH, path, &body);
}

/// `PUT /transfers/{ID}/error` from the payee: release and forward to the payer.
async fn payee_error(
    State(hub): State<St>,
    Path(id): Path<String>,
    hdrs: HeaderMap,
    body: Bytes,
) -> Response {
    let inbound = match precheck(&hub, &hdrs, RES, &Method::PUT) {
        Ok(i) => i,
        Err(r) => return r,
    };
    let err: ErrorInformationObject = match parse_body(&body, inbound.version) {
        Ok(b) => b,
        Err(e) => return super::error_response(StatusCode::BAD_REQUEST, e),
    };
    match load(&hub, &id).await {
        Ok(Some(t)) if t.payee == inbound.source.as_str() => {}
        Ok(_) => return StatusCode::OK.into_response(),
        Err(r) => return r,
    }
    if let Ok(Finished::Done(t)) = abort(&hub, &id, &err.error_information).await
        && let Some(payer) = fsp(&t.payer)
    {
        hub.out.forward(
            &payer,
            Method::PUT,
            &format!("/transfers/{id}/error"),
            &hdrs,
            false,
            body,
        );
    }
    StatusCode::OK.into_response()
}

/// `GET /transfers/{ID}`: answered from the switch's own record, to the payer or payee only.
async fn get_transfer(State(hub): State<St>, Path(id): Path<String>, hdrs: HeaderMap) -> Response {
    let inbound = match precheck(&hub, &hdrs, RES, &Method::GET) {
        Ok(i) => i,
        Err(r) => return r,
    };
    let path = transfer_path(&id);
    let src = inbound.source.as_str();
    match load(&hub, &id).await {
        Ok(Some(t)) if t.payer == src || t.payee == src => {
            hub.out.callback(
                &inbound.source,
                None,
                RES,
                inbound.version,
                Method::PUT,
                &path,
                &state_body(&t),
            );
        }
        Ok(_) => hub.out.error(
            &inbound.source,
            RES,
            inbound.version,
            &path,
            ErrorCode::TransferIdNotFound.info("Transfer not found"),
        ),
        Err(r) => return r,
    }
    StatusCode::ACCEPTED.into_response()
}

/// Aborts reserved transfers past their expiry, every `every`, with 3303 to both sides.
pub(super) async fn expiry_loop(hub: St, every: Duration) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let due = match blocking(&hub, |s| s.expired(now_ms())).await {
            Ok(ids) => ids,
            Err(_) => continue,
        };
        for id in due {
            let info = ErrorCode::TransferExpired.info("Transfer expired");
            if let Ok(Finished::Done(t)) = abort(&hub, &id, &info).await {
                error_to(&hub, &t, &[&t.payer, &t.payee], &info);
            }
        }
    }
}
