//! Payments: create (quote), approve, decline, status. The flow lives in `crate::orchestrator`.

use axum::Json;
use axum::extract::{Path, State};
use kipochi_core::api::{ApiError, ApproveRequest, CreatePaymentRequest, Payment, Quote};

use super::doc::{BadRequest, NotFound, ServerError, TooManyAttempts, Unauthenticated};
use super::{ApiJson, CurrentUser};
use crate::error::Result;
use crate::http::AppState;
use crate::orchestrator::payer;

/// `POST /api/v1/payments`.
#[utoipa::path(
    post,
    path = "/api/v1/payments",
    operation_id = "create_payment",
    tag = "customer",
    summary = "Start a payment and get its quote",
    description = "Resolves the payee (a scanned QR payload or a phone number; the name comes \
from the party lookup, never from the QR), quotes the fee and returns the exact terms the device \
signs to approve. Idempotent on `payment_id`: the same id and body return the same quote.",
    security(("bearer" = [])),
    request_body = CreatePaymentRequest,
    responses(
        (status = 200, description = "The quote to approve before `expiry`.", body = Quote),
        (status = 400, description = "`invalid_request`: malformed body, `payment_id` not a UUID, bad amount or currency, unreadable QR, paying oneself.", body = ApiError),
        (status = 401, response = Unauthenticated),
        (status = 404, response = NotFound),
        (status = 409, description = "`idempotency_conflict`: this `payment_id` was used with another request.", body = ApiError),
        (status = 422, description = "Refused with a stable code: `payee_not_found`, `currency_mismatch`, `account_unavailable`, `limit_exceeded`, `quote_expired`, `payee_rejected`, `switch_declined`, `switch_timeout`, `switch_unavailable`, `request_expired`, `request_paid`, `amount_mismatch` (a merchant request), ...", body = ApiError),
        (status = 500, response = ServerError),
    )
)]
pub(super) async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(req): ApiJson<CreatePaymentRequest>,
) -> Result<Json<Quote>> {
    Ok(Json(payer::create(&state, &user.0, req).await?))
}

/// `POST /api/v1/payments/{id}/approve`.
#[utoipa::path(
    post,
    path = "/api/v1/payments/{id}/approve",
    operation_id = "approve_payment",
    tag = "customer",
    summary = "Approve a quote with PIN and device signature",
    description = "Checks the PIN, the device (registered to the caller), the quote's expiry and \
the ed25519 signature over the terms rebuilt from the stored quote, then moves the money. A retry \
of an approved payment returns its current state.",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The payment id (a UUID chosen by the payer's device).")),
    request_body = ApproveRequest,
    responses(
        (status = 200, description = "The payment after approval: `committed`, `sent` (outcome pending at the switch) or `failed` with its `error`.", body = Payment),
        (status = 400, response = BadRequest),
        (status = 401, description = "`unauthenticated`, or `bad_credentials` for a wrong PIN (counts toward the lockout).", body = ApiError),
        (status = 404, response = NotFound),
        (status = 422, description = "Refused with a stable code: `invalid_approval`, `unknown_device`, `quote_expired`, `payment_declined`, `insufficient_funds`, `limit_exceeded`, `payee_changed`, `unprocessable` (not quoted), ...", body = ApiError),
        (status = 429, response = TooManyAttempts),
        (status = 500, response = ServerError),
    )
)]
pub(super) async fn approve(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<ApproveRequest>,
) -> Result<Json<Payment>> {
    Ok(Json(payer::approve(&state, &user.0, &id, req).await?))
}

/// `POST /api/v1/payments/{id}/decline`.
#[utoipa::path(
    post,
    path = "/api/v1/payments/{id}/decline",
    operation_id = "decline_payment",
    tag = "customer",
    summary = "Decline a quote",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The payment id (a UUID chosen by the payer's device).")),
    responses(
        (status = 200, description = "The payment, now `declined`.", body = Payment),
        (status = 401, response = Unauthenticated),
        (status = 404, response = NotFound),
        (status = 422, description = "`unprocessable`: the payment is no longer quoted.", body = ApiError),
        (status = 500, response = ServerError),
    )
)]
pub(super) async fn decline(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<Json<Payment>> {
    Ok(Json(payer::decline(&state, &user.0, &id).await?))
}

/// `GET /api/v1/payments/{id}`.
#[utoipa::path(
    get,
    path = "/api/v1/payments/{id}",
    operation_id = "get_payment",
    tag = "customer",
    summary = "A payment's status",
    description = "Only the payment's owner sees it; anyone else gets 404.",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The payment id (a UUID chosen by the payer's device).")),
    responses(
        (status = 200, description = "The payment.", body = Payment),
        (status = 401, response = Unauthenticated),
        (status = 404, response = NotFound),
        (status = 500, response = ServerError),
    )
)]
pub(super) async fn get(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<Json<Payment>> {
    Ok(Json(payer::get(&state, &user.0, &id).await?))
}
