//! Payments: create (quote), approve, decline, status. The flow lives in `crate::orchestrator`.

use axum::Json;
use axum::extract::{Path, State};
use kipochi_core::api::{ApproveRequest, CreatePaymentRequest, Payment, Quote};

use super::{ApiJson, CurrentUser};
use crate::error::Result;
use crate::http::AppState;
use crate::orchestrator::payer;

/// `POST /api/v1/payments`.
pub(super) async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(req): ApiJson<CreatePaymentRequest>,
) -> Result<Json<Quote>> {
    Ok(Json(payer::create(&state, &user.0, req).await?))
}

/// `POST /api/v1/payments/{id}/approve`.
pub(super) async fn approve(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<ApproveRequest>,
) -> Result<Json<Payment>> {
    Ok(Json(payer::approve(&state, &user.0, &id, req).await?))
}

/// `POST /api/v1/payments/{id}/decline`.
pub(super) async fn decline(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<Json<Payment>> {
    Ok(Json(payer::decline(&state, &user.0, &id).await?))
}

/// `GET /api/v1/payments/{id}`.
pub(super) async fn get(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<Json<Payment>> {
    Ok(Json(payer::get(&state, &user.0, &id).await?))
}
