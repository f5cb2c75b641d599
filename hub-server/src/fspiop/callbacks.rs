//! Callbacks addressed to this DFSP as payer (`PUT .../{ID}` and `PUT .../{ID}/error`):
//! checked like any inbound request, body validated, then handed to the waiting request through
//! [`Pending`](super::client::Pending) and answered 200. A transfer result nobody waits for any
//! more goes to [`InboundHandler::late_transfer_result`](super::handler::InboundHandler).

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::client::Callback;
use super::error::{ErrorCode, ErrorInformationObject};
use super::handler::TransferOutcome;
use super::primitives::CorrelationId;
use super::server::{St, error_response, parse, precheck, sync};
use super::types::{
    ParticipantsTypeIdPutResponse, PartiesTypeIdPutResponse, QuotesIdPutResponse, TransferState,
    TransfersIdPutResponse,
};
use super::version::Resource;

/// A callback to this DFSP as payer: check, validate the body, hand it to the waiter.
async fn callback<T: DeserializeOwned + Serialize>(
    st: St,
    headers: HeaderMap,
    uri: Uri,
    body: Bytes,
    resource: Resource,
    key: String,
    error: bool,
) -> Response {
    let inbound = match precheck(&st, &headers, resource, &Method::PUT, &uri, &body) {
        Ok(i) => i,
        Err(r) => return sync(r),
    };
    let cb = if error {
        match parse::<ErrorInformationObject>(&body, inbound.version) {
            Ok(e) => Callback::Error(e.error_information),
            Err(r) => return sync(r),
        }
    } else {
        if let Err(r) = parse::<T>(&body, inbound.version) {
            return sync(r);
        }
        match serde_json::from_slice(&body) {
            Ok(body) => Callback::Success {
                source: inbound.source.clone(),
                body,
            },
            Err(_) => {
                return error_response(
                    StatusCode::BAD_REQUEST,
                    ErrorCode::MalformedSyntax.info("Malformed JSON body"),
                );
            }
        }
    };
    if !st.pending.deliver(resource, &key, cb.clone())
        && resource == Resource::Transfers
        && let Ok(id) = key.parse::<CorrelationId>()
    {
        let outcome = late_outcome(cb);
        tokio::spawn(async move { st.handler.late_transfer_result(&id, outcome).await });
    }
    StatusCode::OK.into_response()
}

/// A transfer result nobody waits for. The fulfilment is not checked here (the condition is
/// known only to the payer's orchestration, which must check it).
fn late_outcome(cb: Callback) -> TransferOutcome {
    match cb {
        Callback::Error(e) => TransferOutcome::Aborted(e),
        Callback::Success { body, .. } => {
            match serde_json::from_value::<TransfersIdPutResponse>(body) {
                Ok(TransfersIdPutResponse {
                    transfer_state: TransferState::Committed,
                    fulfilment: Some(f),
                    completed_timestamp,
                    ..
                }) => TransferOutcome::Committed {
                    fulfilment: f,
                    completed_timestamp,
                },
                Ok(TransfersIdPutResponse {
                    transfer_state: TransferState::Aborted,
                    ..
                }) => TransferOutcome::Aborted(
                    ErrorCode::GenericPayeeRejection.info("Transfer aborted"),
                ),
                _ => TransferOutcome::Unknown {
                    reason: "late transfer callback without a final state".into(),
                },
            }
        }
    }
}

fn key2(kind: &str, id: &str) -> String {
    format!("{kind}/{id}")
}

pub(super) async fn put_party(
    State(st): State<St>,
    Path((k, i)): Path<(String, String)>,
    h: HeaderMap,
    u: Uri,
    b: Bytes,
) -> Response {
    callback::<PartiesTypeIdPutResponse>(st, h, u, b, Resource::Parties, key2(&k, &i), false).await
}
pub(super) async fn put_party_error(
    State(st): State<St>,
    Path((k, i)): Path<(String, String)>,
    h: HeaderMap,
    u: Uri,
    b: Bytes,
) -> Response {
    callback::<ErrorInformationObject>(st, h, u, b, Resource::Parties, key2(&k, &i), true).await
}
pub(super) async fn put_party_sub(
    State(st): State<St>,
    Path((k, i, s)): Path<(String, String, String)>,
    h: HeaderMap,
    u: Uri,
    b: Bytes,
) -> Response {
    callback::<PartiesTypeIdPutResponse>(
        st,
        h,
        u,
        b,
        Resource::Parties,
        format!("{k}/{i}/{s}"),
        false,
    )
    .await
}
pub(super) async fn put_party_sub_error(
    State(st): State<St>,
    Path((k, i, s)): Path<(String, String, String)>,
    h: HeaderMap,
    u: Uri,
    b: Bytes,
) -> Response {
    callback::<ErrorInformationObject>(st, h, u, b, Resource::Parties, format!("{k}/{i}/{s}"), true)
        .await
}
pub(super) async fn put_participant(
    State(st): State<St>,
    Path((k, i)): Path<(String, String)>,
    h: HeaderMap,
    u: Uri,
    b: Bytes,
) -> Response {
    callback::<ParticipantsTypeIdPutResponse>(
        st,
        h,
        u,
        b,
        Resource::Participants,
        key2(&k, &i),
        false,
    )
    .await
}
pub(super) async fn put_participant_error(
    State(st): State<St>,
    Path((k, i)): Path<(String, String)>,
    h: HeaderMap,
    u: Uri,
    b: Bytes,
) -> Response {
    callback::<ErrorInformationObject>(st, h, u, b, Resource::Participants, key2(&k, &i), true)
        .await
}
pub(super) async fn put_quote(
    State(st): State<St>,
    Path(id): Path<String>,
    h: HeaderMap,
    u: Uri,
    b: Bytes,
) -> Response {
    callback::<QuotesIdPutResponse>(st, h, u, b, Resource::Quotes, id, false).await
}
pub(super) async fn put_quote_error(
    State(st): State<St>,
    Path(id): Path<String>,
    h: HeaderMap,
    u: Uri,
    b: Bytes,
) -> Response {
    callback::<ErrorInformationObject>(st, h, u, b, Resource::Quotes, id, true).await
}
pub(super) async fn put_transfer(
    State(st): State<St>,
    Path(id): Path<String>,
    h: HeaderMap,
    u: Uri,
    b: Bytes,
) -> Response {
    callback::<TransfersIdPutResponse>(st, h, u, b, Resource::Transfers, id, false).await
}
pub(super) async fn put_transfer_error(
    State(st): State<St>,
    Path(id): Path<String>,
    h: HeaderMap,
    u: Uri,
    b: Bytes,
) -> Response {
    callback::<ErrorInformationObject>(st, h, u, b, Resource::Transfers, id, true).await
}
