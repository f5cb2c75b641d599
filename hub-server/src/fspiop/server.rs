//! The inbound FSPIOP server (its own listener, separate from the wallet API).
//!
//! Every request is checked synchronously (headers, version, signature, body schema): a bad one
//! gets 400/406 with an `errorInformation` body and changes nothing. A good client request is
//! answered 202 at once and processed in a task that sends `PUT .../{ID}` or `.../error`.
//! Callbacks (`PUT`) addressed to this DFSP as payer are handed to [`Pending`] and answered 200.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::callbacks::{
    put_participant, put_participant_error, put_party, put_party_error, put_party_sub,
    put_party_sub_error, put_quote, put_quote_error, put_transfer, put_transfer_error,
};
use super::canonical;
use super::client::{Pending, SwitchClient};
use super::dedup::{Begin, DuplicateStore, StoredCallback};
use super::error::{ErrorCode, ErrorInformation, ErrorInformationObject};
use super::handler::InboundHandler;
use super::headers::{self, Inbound, SyncError};
use super::jws::{self, SignedHeaders};
use super::payee;
use super::primitives::{CorrelationId, FspId};
use super::types::{
    self, PartyIdInfo, PartyIdType, QuotesPostRequest, TransferState, TransfersIdPatchResponse,
    TransfersPostRequest,
};
use super::version::{Resource, Version};

/// Largest accepted body (API-Def v1.1 §3.2.1).
const MAX_BODY: usize = 5 * 1024 * 1024;

#[derive(Clone)]
pub(super) struct St {
    pub(super) handler: Arc<dyn InboundHandler>,
    pub(super) client: SwitchClient,
    pub(super) pending: Arc<Pending>,
    pub(super) store: Arc<dyn DuplicateStore>,
}

/// Builds the inbound router. `client` sends the callbacks (and its [`Pending`] map receives the
/// callbacks this DFSP awaits as payer); `store` remembers inbound POSTs for duplicate handling.
pub fn router(
    handler: Arc<dyn InboundHandler>,
    client: SwitchClient,
    store: Arc<dyn DuplicateStore>,
) -> Router {
    let st = St {
        handler,
        pending: client.pending(),
        client,
        store,
    };
    Router::new()
        .route("/parties/{kind}/{id}", get(get_party).put(put_party))
        .route("/parties/{kind}/{id}/error", put(put_party_error))
        .route(
            "/parties/{kind}/{id}/{sub}",
            get(get_party_sub).put(put_party_sub),
        )
        .route("/parties/{kind}/{id}/{sub}/error", put(put_party_sub_error))
        .route("/participants/{kind}/{id}", put(put_participant))
        .route(
            "/participants/{kind}/{id}/error",
            put(put_participant_error),
        )
        .route("/quotes", post(post_quote))
        .route("/quotes/{id}", get(get_quote).put(put_quote))
        .route("/quotes/{id}/error", put(put_quote_error))
        .route("/transfers", post(post_transfer))
        .route(
            "/transfers/{id}",
            get(get_transfer).put(put_transfer).patch(patch_transfer),
        )
        .route("/transfers/{id}/error", put(put_transfer_error))
        .route("/transactionRequests", post(not_implemented))
        .route("/bulkQuotes", post(not_implemented))
        .route("/bulkTransfers", post(not_implemented))
        .route("/authorizations/{id}", get(not_implemented))
        .fallback(unknown_uri)
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(st)
}

pub(super) fn error_response(status: StatusCode, info: ErrorInformation) -> Response {
    (
        status,
        axum::Json(ErrorInformationObject {
            error_information: info,
        }),
    )
        .into_response()
}

pub(super) fn sync(e: SyncError) -> Response {
    error_response(e.0, e.1)
}

async fn unknown_uri() -> Response {
    error_response(
        StatusCode::NOT_FOUND,
        ErrorCode::UnknownUri.info("Unknown URI"),
    )
}

async fn not_implemented() -> Response {
    error_response(
        StatusCode::NOT_IMPLEMENTED,
        ErrorCode::NotImplemented.info("Not implemented by this DFSP"),
    )
}

/// Header checks, then the signature when required.
pub(super) fn precheck(
    st: &St,
    headers: &HeaderMap,
    resource: Resource,
    method: &Method,
    uri: &Uri,
    body: &[u8],
) -> Result<Inbound, SyncError> {
    let inbound = headers::check_inbound(headers, resource, method)?;
    let jws_cfg = &st.client.config().jws;
    let parties_put = resource == Resource::Parties && *method == Method::PUT;
    if jws_cfg.verify_inbound && !body.is_empty() && (!parties_put || jws_cfg.verify_put_parties) {
        let refuse = |m: &str| (StatusCode::BAD_REQUEST, ErrorCode::InvalidSignature.info(m));
        let signature = inbound
            .signature
            .as_deref()
            .ok_or_else(|| refuse("Missing fspiop-signature header"))?;
        let key = jws_cfg
            .peer_keys
            .get(&inbound.source)
            .ok_or_else(|| refuse("No public key for fspiop-source"))?;
        let signed = SignedHeaders {
            uri: inbound.uri.clone().unwrap_or_else(|| uri.path().to_owned()),
            method: inbound
                .http_method
                .clone()
                .unwrap_or_else(|| method.as_str().to_owned()),
            source: inbound.source.to_string(),
            destination: inbound.destination.as_ref().map(ToString::to_string),
            date: Some(inbound.date.clone()),
        };
        let uri_ok = signed.uri == uri.path() && signed.method == method.as_str();
        if !uri_ok || jws::verify(key, &signed, signature, body).is_err() {
            return Err(refuse("Invalid signature"));
        }
    }
    Ok(inbound)
}

pub(super) fn parse<T: DeserializeOwned + Serialize>(
    body: &[u8],
    version: Version,
) -> Result<T, SyncError> {
    types::parse_body(body, version).map_err(|e| (StatusCode::BAD_REQUEST, e))
}

fn bad_id(what: &str) -> SyncError {
    (
        StatusCode::BAD_REQUEST,
        ErrorCode::GenericValidationError.info(format!("Invalid {what}")),
    )
}

/// Sends a callback to `to`, logging (without PII) when every attempt failed.
async fn send(
    client: &SwitchClient,
    resource: Resource,
    version: Version,
    to: &FspId,
    cb: &StoredCallback,
) {
    if let Err(e) = client
        .send_callback(resource, version, &cb.path, to, &cb.body)
        .await
    {
        tracing::warn!(%resource, error = %e, "FSPIOP callback not delivered");
    }
}

fn party_info(kind: &str, id: &str, sub: Option<String>) -> Result<PartyIdInfo, SyncError> {
    let party_id_type = PartyIdType::parse(kind).ok_or_else(|| bad_id("party identifier type"))?;
    if id.is_empty() || id.len() > 128 {
        return Err(bad_id("party identifier"));
    }
    Ok(PartyIdInfo {
        party_id_type,
        party_identifier: id.to_owned(),
        party_sub_id_or_type: sub,
        fsp_id: None,
        extension_list: None,
    })
}

async fn lookup(
    st: St,
    headers: HeaderMap,
    uri: Uri,
    kind: String,
    id: String,
    sub: Option<String>,
) -> Response {
    let inbound = match precheck(&st, &headers, Resource::Parties, &Method::GET, &uri, &[]) {
        Ok(i) => i,
        Err(r) => return sync(r),
    };
    let info = match party_info(&kind, &id, sub) {
        Ok(i) => i,
        Err(r) => return sync(r),
    };
    let base = uri.path().to_owned();
    tokio::spawn(async move {
        let cb = payee::party(st.handler.as_ref(), &info, &base, &inbound.source).await;
        send(
            &st.client,
            Resource::Parties,
            inbound.version,
            &inbound.source,
            &cb,
        )
        .await;
    });
    StatusCode::ACCEPTED.into_response()
}

async fn get_party(
    State(st): State<St>,
    Path((kind, id)): Path<(String, String)>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    lookup(st, headers, uri, kind, id, None).await
}

async fn get_party_sub(
    State(st): State<St>,
    Path((kind, id, sub)): Path<(String, String, String)>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    lookup(st, headers, uri, kind, id, Some(sub)).await
}

/// Runs a deduplicated POST: 202 now, then process / ignore / resend / 3106.
fn dedup_post<F, Fut>(
    st: St,
    inbound: Inbound,
    resource: Resource,
    id: String,
    body: &[u8],
    process: F,
) -> Response
where
    F: FnOnce(St, Inbound) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = StoredCallback> + Send,
{
    let hash = match serde_json::from_slice(body) {
        Ok(v) => canonical::hash(&v),
        Err(_) => {
            return error_response(
                StatusCode::BAD_REQUEST,
                ErrorCode::MalformedSyntax.info("Malformed JSON body"),
            );
        }
    };
    let decision = match st.store.begin(resource, &id, &hash) {
        Ok(d) => d,
        Err(e) => {
            tracing::error!(%resource, error = %e, "duplicate store unavailable");
            return error_response(
                StatusCode::SERVICE_UNAVAILABLE,
                ErrorCode::ServiceUnavailable.info("Try again later"),
            );
        }
    };
    tokio::spawn(async move {
        let base = format!("/{resource}/{id}");
        let cb = match decision {
            Begin::InProgress => return,
            Begin::Completed(cb) => cb,
            Begin::Modified => {
                payee::error_callback(&base, ErrorCode::ModifiedRequest.info("Modified request"))
            }
            Begin::New => {
                let cb = process(st.clone(), inbound.clone()).await;
                if let Err(e) = st.store.complete(resource, &id, &cb) {
                    tracing::error!(%resource, error = %e, "could not record the callback");
                }
                cb
            }
        };
        send(&st.client, resource, inbound.version, &inbound.source, &cb).await;
    });
    StatusCode::ACCEPTED.into_response()
}

async fn post_quote(State(st): State<St>, headers: HeaderMap, uri: Uri, body: Bytes) -> Response {
    let inbound = match precheck(&st, &headers, Resource::Quotes, &Method::POST, &uri, &body) {
        Ok(i) => i,
        Err(r) => return sync(r),
    };
    let req: QuotesPostRequest = match parse(&body, inbound.version) {
        Ok(r) => r,
        Err(r) => return sync(r),
    };
    let id = req.quote_id.to_string();
    dedup_post(
        st,
        inbound,
        Resource::Quotes,
        id,
        &body,
        move |st, inbound| async move {
            payee::quote(
                st.handler.as_ref(),
                st.client.config(),
                &req,
                &inbound.source,
            )
            .await
        },
    )
}

async fn post_transfer(
    State(st): State<St>,
    headers: HeaderMap,
    uri: Uri,
    body: Bytes,
) -> Response {
    let inbound = match precheck(
        &st,
        &headers,
        Resource::Transfers,
        &Method::POST,
        &uri,
        &body,
    ) {
        Ok(i) => i,
        Err(r) => return sync(r),
    };
    let req: TransfersPostRequest = match parse(&body, inbound.version) {
        Ok(r) => r,
        Err(r) => return sync(r),
    };
    let id = req.transfer_id.to_string();
    dedup_post(
        st,
        inbound,
        Resource::Transfers,
        id,
        &body,
        move |st, inbound| async move {
            payee::transfer(
                st.handler.as_ref(),
                st.client.config(),
                &req,
                &inbound.source,
            )
            .await
        },
    )
}

/// `GET /quotes/{ID}` and `GET /transfers/{ID}`: resend the stored callback.
async fn replay(st: St, headers: HeaderMap, uri: Uri, resource: Resource, id: String) -> Response {
    let inbound = match precheck(&st, &headers, resource, &Method::GET, &uri, &[]) {
        Ok(i) => i,
        Err(r) => return sync(r),
    };
    if id.parse::<CorrelationId>().is_err() {
        return sync(bad_id("ID"));
    }
    let status = st.client.config().get_status;
    tokio::spawn(async move {
        let base = format!("/{resource}/{id}");
        let cb = match (
            st.store.callback(resource, &id),
            st.store.contains(resource, &id),
        ) {
            (Ok(Some(cb)), _) => cb,
            (Ok(None), Ok(true)) => return, // still processing: its callback will come
            (Ok(None), Ok(false)) => {
                let code = if resource == Resource::Quotes {
                    ErrorCode::QuoteIdNotFound
                } else {
                    ErrorCode::TransferIdNotFound
                };
                payee::not_found(&base, code)
            }
            _ => payee::error_callback(&base, ErrorCode::ServiceUnavailable.info("")),
        };
        send(&st.client, resource, inbound.version, &inbound.source, &cb).await;
    });
    status.into_response()
}

async fn get_quote(
    State(st): State<St>,
    Path(id): Path<String>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    replay(st, headers, uri, Resource::Quotes, id).await
}

async fn get_transfer(
    State(st): State<St>,
    Path(id): Path<String>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    replay(st, headers, uri, Resource::Transfers, id).await
}

async fn patch_transfer(
    State(st): State<St>,
    Path(id): Path<String>,
    headers: HeaderMap,
    uri: Uri,
    body: Bytes,
) -> Response {
    let inbound = match precheck(
        &st,
        &headers,
        Resource::Transfers,
        &Method::PATCH,
        &uri,
        &body,
    ) {
        Ok(i) => i,
        Err(r) => return sync(r),
    };
    let Ok(id) = id.parse::<CorrelationId>() else {
        return sync(bad_id("transfer ID"));
    };
    let patch: TransfersIdPatchResponse = match parse(&body, inbound.version) {
        Ok(p) => p,
        Err(r) => return sync(r),
    };
    if !matches!(
        patch.transfer_state,
        TransferState::Committed | TransferState::Aborted
    ) {
        return error_response(
            StatusCode::BAD_REQUEST,
            ErrorCode::GenericValidationError.info("transferState must be COMMITTED or ABORTED"),
        );
    }
    match st.handler.transfer_notification(&id, &patch).await {
        Ok(()) => StatusCode::OK.into_response(),
        Err(r) if r.code.code() < 3000 => {
            error_response(StatusCode::INTERNAL_SERVER_ERROR, r.info())
        }
        Err(r) => error_response(StatusCode::BAD_REQUEST, r.info()),
    }
}
