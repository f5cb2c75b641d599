//! The OpenAPI 3.1 document of the hub's HTTP surface, generated from the code and served at
//! `GET /api/v1/openapi.json`.
//!
//! Each handler carries its `#[utoipa::path]` (method, path, parameters, body, every response
//! status, security, tags) and the wire types derive `ToSchema` in `kipochi-core` (feature
//! `openapi`). The router and this document are folded from ONE route table
//! ([`super::endpoints`]), so a route cannot be served without being documented, nor documented
//! without being served.

use std::sync::OnceLock;

use axum::http::header;
use axum::response::{IntoResponse, Response};
use kipochi_core::api::ApiError;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToResponse};

use crate::error::{Error, Result};

/// Name of the bearer-token security scheme (`Authorization: Bearer <token>`).
pub const BEARER: &str = "bearer";
/// Name of the `?token=` security scheme, accepted by `GET /api/v1/events` only.
pub const QUERY_TOKEN: &str = "query_token";

const DESCRIPTION: &str = "The wallet-facing API of one Kipochi hub (a DFSP), and its operations \
endpoints.\n\n\
Conventions:\n\
- Amounts are JSON **strings holding exact decimals** in Mojaloop's format (`\"1500\"`, \
`\"12.5\"`: no exponent, no trailing zeros), always with an ISO 4217 `currency`; never floats. \
Requests may write them with up to the currency's minor-unit decimals (`\"12.50\"`).\n\
- Timestamps are Unix milliseconds (integers).\n\
- Every error is `{\"code\", \"message\"}` (`ApiError`) with a stable `code`; a 4xx answer \
changed nothing.\n\
- Authentication: `POST /api/v1/auth/login` returns a short-lived bearer token; send it as \
`Authorization: Bearer <token>`. Roles: customer, merchant, agent, admin; a call outside the \
caller's role is 403 `forbidden`.\n\
- Retries: a payment is identified by its client-generated `payment_id`; agent onboarding takes \
an `Idempotency-Key` header. A retry returns the original result; the same id or key with a \
different body is 409 `idempotency_conflict`.";

/// The document's fixed parts: information, tags, security schemes and shared responses. The
/// paths are added by the route table.
#[derive(OpenApi)]
#[openapi(
    info(title = "Kipochi hub API", description = DESCRIPTION),
    tags(
        (name = "session", description = "Login, PIN activation, logout and the caller's profile (every role)."),
        (name = "customer", description = "A customer's wallet: devices, balance, history, payments, live events."),
        (name = "merchant", description = "Merchant role: dynamic payment requests, the till QR, payments received."),
        (name = "agent", description = "Agent role: customer onboarding, exactly once per Idempotency-Key."),
        (name = "admin", description = "Admin role: payment search, one payment's timeline, system balances."),
        (name = "ops", description = "Probes, metrics and this document; no authentication."),
    ),
    components(
        schemas(ApiError),
        responses(
            BadRequest,
            Unauthenticated,
            Forbidden,
            NotFound,
            Conflict,
            TooManyAttempts,
            ServerError
        )
    ),
    modifiers(&SecuritySchemes)
)]
pub struct ApiDoc;

/// Adds the two security schemes.
struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            BEARER,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "The opaque token of `POST /api/v1/auth/login`; expires with the session.",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            QUERY_TOKEN,
            SecurityScheme::ApiKey(ApiKey::Query(ApiKeyValue::with_description(
                "token",
                "The bearer token as a query parameter, for browsers' EventSource (events only).",
            ))),
        );
    }
}

// The shared error responses. They are schemas only (the body is always `ApiError`), never
// built: `Error` is what handlers return.

/// `invalid_request`: the body, query string, a header or a field is malformed; nothing was
/// changed.
#[derive(ToResponse)]
#[allow(dead_code)]
pub struct BadRequest(ApiError);

/// `unauthenticated`: the bearer token is missing, unknown, expired or logged out.
#[derive(ToResponse)]
#[allow(dead_code)]
pub struct Unauthenticated(ApiError);

/// `forbidden`: the caller's role may not make this call.
#[derive(ToResponse)]
#[allow(dead_code)]
pub struct Forbidden(ApiError);

/// `not_found`: the object does not exist or is not visible to the caller.
#[derive(ToResponse)]
#[allow(dead_code)]
pub struct NotFound(ApiError);

/// `already_exists` or `idempotency_conflict`: the identity is taken, or the same id or key
/// came with a different request.
#[derive(ToResponse)]
#[allow(dead_code)]
pub struct Conflict(ApiError);

/// `locked`: too many failed PIN attempts; try again later.
#[derive(ToResponse)]
#[allow(dead_code)]
pub struct TooManyAttempts(ApiError);

/// `storage_error` or `internal_error`: the hub failed (details are logged, not returned).
#[derive(ToResponse)]
#[allow(dead_code)]
pub struct ServerError(ApiError);

/// The document, built once from the route table.
pub fn openapi() -> utoipa::openapi::OpenApi {
    super::router().into_openapi()
}

fn document() -> Result<&'static str> {
    static JSON: OnceLock<std::result::Result<String, String>> = OnceLock::new();
    JSON.get_or_init(|| openapi().to_json().map_err(|e| e.to_string()))
        .as_deref()
        .map_err(|e| Error::Internal(format!("cannot render the OpenAPI document: {e}")))
}

/// `GET /api/v1/openapi.json`.
#[utoipa::path(
    get,
    path = "/api/v1/openapi.json",
    operation_id = "openapi_document",
    tag = "ops",
    summary = "This OpenAPI 3.1 document",
    responses(
        (status = 200, description = "The OpenAPI document of this hub's HTTP API.", body = Object, content_type = "application/json"),
        (status = 500, response = ServerError),
    )
)]
pub(super) async fn openapi_json() -> Result<Response> {
    let json = document()?;
    Ok(([(header::CONTENT_TYPE, "application/json")], json).into_response())
}
