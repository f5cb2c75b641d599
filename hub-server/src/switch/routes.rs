//! Oracle (`/participants/{Type}/{ID}`), party lookup routing and quote forwarding.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};

use super::{St, bad_request, blocking, destination, precheck};
use crate::fspiop::error::ErrorCode;
use crate::fspiop::primitives::FspId;
use crate::fspiop::types::{
    ParticipantsTypeIdPutResponse, ParticipantsTypeIdSubIdPostRequest, PartyIdType,
    QuotesPostRequest, parse_body,
};
use crate::fspiop::version::Resource;

pub(super) fn routes() -> Router<St> {
    Router::new()
        .route(
            "/participants/{kind}/{id}",
            post(post_participant)
                .get(get_participant)
                .delete(delete_participant),
        )
        .route("/parties/{kind}/{id}", get(get_party).put(callback))
        .route("/parties/{kind}/{id}/error", put(callback))
        .route(
            "/parties/{kind}/{id}/{sub}",
            get(get_party_sub).put(callback),
        )
        .route("/parties/{kind}/{id}/{sub}/error", put(callback))
        .route("/quotes", post(post_quote))
        .route("/quotes/{id}", get(get_quote).put(callback))
        .route("/quotes/{id}/error", put(callback))
}

fn resource_of(uri: &Uri) -> Resource {
    if uri.path().starts_with("/quotes") {
        Resource::Quotes
    } else {
        Resource::Parties
    }
}

fn check_id(kind: &str, id: &str) -> Result<(), Response> {
    if PartyIdType::parse(kind).is_none() || id.is_empty() || id.len() > 128 {
        return Err(bad_request(
            ErrorCode::GenericValidationError,
            "Invalid party identifier",
        ));
    }
    Ok(())
}

async fn post_participant(
    State(hub): State<St>,
    Path((kind, id)): Path<(String, String)>,
    uri: Uri,
    hdrs: HeaderMap,
    body: Bytes,
) -> Response {
    let res = Resource::Participants;
    let inbound = match precheck(&hub, &hdrs, res, &Method::POST) {
        Ok(i) => i,
        Err(r) => return r,
    };
    if let Err(r) = check_id(&kind, &id) {
        return r;
    }
    let req: ParticipantsTypeIdSubIdPostRequest = match parse_body(&body, inbound.version) {
        Ok(b) => b,
        Err(e) => return super::error_response(StatusCode::BAD_REQUEST, e),
    };
    if req.fsp_id != inbound.source {
        return bad_request(
            ErrorCode::GenericValidationError,
            "fspId must be the requesting participant",
        );
    }
    let fsp = req.fsp_id.to_string();
    let currency = req.currency.map(|c| c.to_string());
    let (k, i) = (kind.clone(), id.clone());
    if let Err(r) = blocking(&hub, move |s| {
        s.set_owner(&k, &i, &fsp, currency.as_deref())
    })
    .await
    {
        return r;
    }
    answer_owner(
        &hub,
        &inbound.source,
        inbound.version,
        uri.path(),
        Some(req.fsp_id),
    );
    StatusCode::ACCEPTED.into_response()
}

fn answer_owner(
    hub: &St,
    to: &FspId,
    version: crate::fspiop::version::Version,
    path: &str,
    owner: Option<FspId>,
) {
    let res = Resource::Participants;
    match owner {
        Some(fsp_id) => {
            let body = serde_json::to_value(ParticipantsTypeIdPutResponse {
                fsp_id: Some(fsp_id),
            })
            .unwrap_or_default();
            hub.out
                .callback(to, None, res, version, Method::PUT, path, &body);
        }
        None => hub.out.error(
            to,
            res,
            version,
            path,
            ErrorCode::PartyNotFound.info("No FSP registered for this identifier"),
        ),
    }
}

async fn get_participant(
    State(hub): State<St>,
    Path((kind, id)): Path<(String, String)>,
    uri: Uri,
    hdrs: HeaderMap,
) -> Response {
    let inbound = match precheck(&hub, &hdrs, Resource::Participants, &Method::GET) {
        Ok(i) => i,
        Err(r) => return r,
    };
    if let Err(r) = check_id(&kind, &id) {
        return r;
    }
    let owner = match blocking(&hub, move |s| s.owner(&kind, &id)).await {
        Ok(o) => o.and_then(|f| f.parse().ok()),
        Err(r) => return r,
    };
    answer_owner(&hub, &inbound.source, inbound.version, uri.path(), owner);
    StatusCode::ACCEPTED.into_response()
}

async fn delete_participant(
    State(hub): State<St>,
    Path((kind, id)): Path<(String, String)>,
    uri: Uri,
    hdrs: HeaderMap,
) -> Response {
    let inbound = match precheck(&hub, &hdrs, Resource::Participants, &Method::DELETE) {
        Ok(i) => i,
        Err(r) => return r,
    };
    if let Err(r) = check_id(&kind, &id) {
        return r;
    }
    let fsp = inbound.source.to_string();
    let removed = match blocking(&hub, move |s| s.delete_owner(&kind, &id, &fsp)).await {
        Ok(r) => r,
        Err(r) => return r,
    };
    let owner = removed.then(|| inbound.source.clone());
    answer_owner(&hub, &inbound.source, inbound.version, uri.path(), owner);
    StatusCode::ACCEPTED.into_response()
}

async fn get_party(
    State(hub): State<St>,
    Path((kind, id)): Path<(String, String)>,
    uri: Uri,
    hdrs: HeaderMap,
) -> Response {
    route_party(hub, kind, id, uri, hdrs).await
}

async fn get_party_sub(
    State(hub): State<St>,
    Path((kind, id, _sub)): Path<(String, String, String)>,
    uri: Uri,
    hdrs: HeaderMap,
) -> Response {
    route_party(hub, kind, id, uri, hdrs).await
}

/// `GET /parties`: ask the oracle for the owner, forward the request there with
/// `FSPIOP-Destination` set, or answer 3204 to the requester.
async fn route_party(hub: St, kind: String, id: String, uri: Uri, hdrs: HeaderMap) -> Response {
    let inbound = match precheck(&hub, &hdrs, Resource::Parties, &Method::GET) {
        Ok(i) => i,
        Err(r) => return r,
    };
    if let Err(r) = check_id(&kind, &id) {
        return r;
    }
    let owner = match blocking(&hub, move |s| s.owner(&kind, &id)).await {
        Ok(o) => o.and_then(|f| f.parse::<FspId>().ok()),
        Err(r) => return r,
    };
    match owner.filter(|o| hub.registry.contains_key(o)) {
        Some(owner) => {
            let path = uri.path().to_owned();
            hub.out
                .forward(&owner, Method::GET, &path, &hdrs, true, Bytes::new());
        }
        None => hub.out.error(
            &inbound.source,
            Resource::Parties,
            inbound.version,
            uri.path(),
            ErrorCode::PartyNotFound.info("Party not found"),
        ),
    }
    StatusCode::ACCEPTED.into_response()
}

/// `POST /quotes`: validated, then forwarded to `FSPIOP-Destination`.
async fn post_quote(State(hub): State<St>, hdrs: HeaderMap, body: Bytes) -> Response {
    let inbound = match precheck(&hub, &hdrs, Resource::Quotes, &Method::POST) {
        Ok(i) => i,
        Err(r) => return r,
    };
    if let Err(e) = parse_body::<QuotesPostRequest>(&body, inbound.version) {
        return super::error_response(StatusCode::BAD_REQUEST, e);
    }
    let to = match destination(&hub, &inbound) {
        Ok(d) => d,
        Err(r) => return r,
    };
    hub.out
        .forward(&to, Method::POST, "/quotes", &hdrs, false, body);
    StatusCode::ACCEPTED.into_response()
}

/// `GET /quotes/{ID}`: forwarded to `FSPIOP-Destination` (the payee keeps the quote).
async fn get_quote(State(hub): State<St>, uri: Uri, hdrs: HeaderMap) -> Response {
    let inbound = match precheck(&hub, &hdrs, Resource::Quotes, &Method::GET) {
        Ok(i) => i,
        Err(r) => return r,
    };
    let to = match destination(&hub, &inbound) {
        Ok(d) => d,
        Err(r) => return r,
    };
    hub.out
        .forward(&to, Method::GET, uri.path(), &hdrs, false, Bytes::new());
    StatusCode::ACCEPTED.into_response()
}

/// A callback (`PUT /parties/...`, `PUT /quotes/...`, with or without `/error`): forwarded to
/// its `FSPIOP-Destination` unchanged.
async fn callback(State(hub): State<St>, uri: Uri, hdrs: HeaderMap, body: Bytes) -> Response {
    let res = resource_of(&uri);
    let inbound = match precheck(&hub, &hdrs, res, &Method::PUT) {
        Ok(i) => i,
        Err(r) => return r,
    };
    if serde_json::from_slice::<serde_json::Value>(&body).is_err() {
        return bad_request(ErrorCode::MalformedSyntax, "Malformed JSON body");
    }
    let to = match destination(&hub, &inbound) {
        Ok(d) => d,
        Err(r) => return r,
    };
    hub.out
        .forward(&to, Method::PUT, uri.path(), &hdrs, false, body);
    StatusCode::OK.into_response()
}
