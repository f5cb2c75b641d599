//! Payee-role processing after the synchronous 202: asks the [`InboundHandler`], builds the
//! ILP triple for quotes, checks packets on transfers, and returns the callback to send.

use serde_json::Value;

use super::config::FspiopConfig;
use super::dedup::StoredCallback;
use super::error::{ErrorCode, ErrorInformation, ErrorInformationObject};
use super::handler::{InboundHandler, PreparedTransfer, TransferDecision};
use super::ilp;
use super::primitives::{DateTime, FspId};
use super::types::{
    PartiesTypeIdPutResponse, PartyIdInfo, QuotesIdPutResponse, QuotesPostRequest, Transaction,
    TransferState, TransfersIdPutResponse, TransfersPostRequest,
};

/// The error callback for `base` (`{base}/error`).
pub fn error_callback(base: &str, info: ErrorInformation) -> StoredCallback {
    let body = serde_json::to_value(ErrorInformationObject {
        error_information: info,
    })
    .unwrap_or(Value::Null);
    StoredCallback {
        path: format!("{base}/error"),
        body,
    }
}

fn success(base: &str, body: Result<Value, serde_json::Error>) -> StoredCallback {
    match body {
        Ok(body) => StoredCallback {
            path: base.to_owned(),
            body,
        },
        Err(e) => error_callback(base, ErrorCode::InternalServerError.info(e.to_string())),
    }
}

/// `GET /parties/...` → `PUT /parties/...` or its error.
pub async fn party(
    handler: &dyn InboundHandler,
    info: &PartyIdInfo,
    base: &str,
    requester: &FspId,
) -> StoredCallback {
    match handler.lookup_party(info, requester).await {
        Ok(party) => success(
            base,
            serde_json::to_value(PartiesTypeIdPutResponse { party }),
        ),
        Err(r) => error_callback(base, r.info()),
    }
}

/// `POST /quotes` → `PUT /quotes/{ID}` with packet, condition and expiration, or its error.
pub async fn quote(
    handler: &dyn InboundHandler,
    cfg: &FspiopConfig,
    req: &QuotesPostRequest,
    requester: &FspId,
) -> StoredCallback {
    let base = format!("/quotes/{}", req.quote_id);
    let terms = match handler.quote(req, requester).await {
        Ok(t) => t,
        Err(r) => return error_callback(&base, r.info()),
    };
    let tx = ilp::transaction_object(req, &terms.transfer_amount, &terms.expiration, None);
    let triple = match serde_json::to_value(&tx)
        .map_err(|e| e.to_string())
        .and_then(|v| ilp::build(cfg.ilp_version, &cfg.ilp_secret, &v).map_err(|e| e.to_string()))
    {
        Ok(t) => t,
        Err(e) => return error_callback(&base, ErrorCode::GenericValidationError.info(e)),
    };
    let answer = QuotesIdPutResponse {
        transfer_amount: terms.transfer_amount,
        payee_receive_amount: terms.payee_receive_amount,
        payee_fsp_fee: terms.payee_fsp_fee,
        payee_fsp_commission: terms.payee_fsp_commission,
        expiration: terms.expiration,
        geo_code: None,
        ilp_packet: triple.packet,
        condition: triple.condition,
        extension_list: None,
    };
    if let Err(r) = handler.quote_sent(req, &answer).await {
        return error_callback(&base, r.info());
    }
    success(&base, serde_json::to_value(&answer))
}

/// Checks an inbound transfer against its own ILP packet; returns the fulfilment and the
/// decoded transaction, or the error to send back.
fn check_transfer(
    cfg: &FspiopConfig,
    req: &TransfersPostRequest,
) -> Result<(super::types::IlpFulfilment, Transaction), ErrorInformation> {
    let invalid = |m: &str| ErrorCode::GenericValidationError.info(m);
    let (fulfilment, decoded) = ilp::fulfil(&cfg.ilp_secret, &req.ilp_packet)
        .map_err(|_| invalid("ILP packet could not be decoded"))?;
    if !ilp::check_fulfilment(&fulfilment, &req.condition) {
        return Err(invalid("Condition does not match the ILP packet"));
    }
    let tx: Transaction = serde_json::from_value(decoded.transaction)
        .map_err(|_| invalid("ILP packet transaction is invalid"))?;
    if tx.amount != req.amount {
        return Err(invalid("Amount does not match the ILP packet"));
    }
    if req.payee_fsp != cfg.fsp_id
        || tx
            .payee
            .party_id_info
            .fsp_id
            .as_ref()
            .is_some_and(|f| *f != req.payee_fsp)
    {
        return Err(invalid("payeeFsp does not match"));
    }
    if tx
        .payer
        .party_id_info
        .fsp_id
        .as_ref()
        .is_some_and(|f| *f != req.payer_fsp)
    {
        return Err(invalid("payerFsp does not match the ILP packet"));
    }
    let now = chrono::Utc::now();
    if tx.expiration.as_ref().is_some_and(|e| e.to_utc() < now) {
        return Err(ErrorCode::QuoteExpired.info("Quote expired"));
    }
    if req.expiration.to_utc() < now {
        return Err(ErrorCode::TransferExpired.info("Transfer expired"));
    }
    Ok((fulfilment, tx))
}

/// `POST /transfers` → `PUT /transfers/{ID}` (COMMITTED or RESERVED, with fulfilment) or error.
pub async fn transfer(
    handler: &dyn InboundHandler,
    cfg: &FspiopConfig,
    req: &TransfersPostRequest,
    requester: &FspId,
) -> StoredCallback {
    let base = format!("/transfers/{}", req.transfer_id);
    let (fulfilment, transaction) = match check_transfer(cfg, req) {
        Ok(v) => v,
        Err(e) => return error_callback(&base, e),
    };
    let prepared = PreparedTransfer {
        request: req.clone(),
        transaction,
    };
    let state = match handler.prepare_transfer(&prepared, requester).await {
        Ok(TransferDecision::Commit) => TransferState::Committed,
        Ok(TransferDecision::Reserve) => TransferState::Reserved,
        Err(r) => return error_callback(&base, r.info()),
    };
    let put = TransfersIdPutResponse {
        fulfilment: Some(fulfilment),
        completed_timestamp: Some(DateTime::now()),
        transfer_state: state,
        extension_list: None,
    };
    success(&base, serde_json::to_value(put))
}

/// The "not found" callback of a `GET /quotes/{ID}` or `GET /transfers/{ID}` for an unknown ID.
pub fn not_found(base: &str, code: ErrorCode) -> StoredCallback {
    error_callback(base, code.info(""))
}
