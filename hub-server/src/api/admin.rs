//! Back-office views, `admin` role only: payment search, one payment with its state timeline,
//! and the balances of the DFSP's system accounts.

use axum::Json;
use axum::extract::{Path, State};
use kipochi_core::api::{ApiError, Payment, PaymentState};
use kipochi_core::api_extra::{AdminPayment, SystemBalance, TimelineEvent};
use serde::Deserialize;
use utoipa::IntoParams;

use super::account::amount;
use super::doc::{Forbidden, NotFound, ServerError, Unauthenticated};
use super::query::ApiQuery;
use super::{CurrentUser, blocking};
use crate::accounts::AccountKind;
use crate::auth::Role;
use crate::error::{Error, Result};
use crate::http::AppState;
use crate::orchestrator::errors::account_read_error;
use crate::orchestrator::terms;
use crate::payments::Search;

/// Largest page of a payment search.
const MAX_SEARCH: u32 = 500;
const DEFAULT_SEARCH: u32 = 100;

/// Query of `GET /admin/payments`; `from` (inclusive) and `to` (exclusive) are Unix ms of
/// creation, `party` matches a counterparty id, user id or account id.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct SearchQuery {
    /// Only payments in this state.
    state: Option<PaymentState>,
    /// Created at or after this Unix ms.
    from: Option<i64>,
    /// Created before this Unix ms (must be after `from`).
    to: Option<i64>,
    /// A counterparty id, user id or account id.
    party: Option<String>,
    /// Largest number of payments, 1 to 500 (default 100).
    #[param(minimum = 1, maximum = 500)]
    limit: Option<u32>,
}

/// `GET /api/v1/admin/payments`: payment search, newest first.
#[utoipa::path(
    get,
    path = "/api/v1/admin/payments",
    operation_id = "search_payments",
    tag = "admin",
    summary = "Search payments by state, creation time and party",
    security(("bearer" = [])),
    params(SearchQuery),
    responses(
        (status = 200, description = "The matching payments, newest first.", body = Vec<Payment>),
        (status = 400, description = "`invalid_request`: unknown state, `limit` outside 1 to 500, `from` not before `to`.", body = ApiError),
        (status = 401, response = Unauthenticated),
        (status = 403, response = Forbidden),
        (status = 500, response = ServerError),
    )
)]
pub(super) async fn search(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(q): ApiQuery<SearchQuery>,
) -> Result<Json<Vec<Payment>>> {
    user.require(&[Role::Admin])?;
    let limit = q.limit.unwrap_or(DEFAULT_SEARCH);
    if !(1..=MAX_SEARCH).contains(&limit) {
        return Err(Error::InvalidRequest(format!(
            "limit must be 1 to {MAX_SEARCH}"
        )));
    }
    if let (Some(from), Some(to)) = (q.from, q.to)
        && from >= to
    {
        return Err(Error::InvalidRequest("from must be before to".into()));
    }
    let filter = Search {
        state: q.state,
        from: q.from,
        to: q.to,
        party: q.party.filter(|p| !p.is_empty()),
        limit,
    };
    let payments = state.payments.clone();
    let found = blocking(move || Ok(payments.search(&filter)?)).await?;
    found
        .iter()
        .map(terms::payment)
        .collect::<Result<_>>()
        .map(Json)
}

/// `GET /api/v1/admin/payments/{id}`: one payment with its state timeline.
#[utoipa::path(
    get,
    path = "/api/v1/admin/payments/{id}",
    operation_id = "admin_get_payment",
    tag = "admin",
    summary = "One payment with its state timeline",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The payment id.")),
    responses(
        (status = 200, description = "The payment, its parties and every state change.", body = AdminPayment),
        (status = 401, response = Unauthenticated),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 500, response = ServerError),
    )
)]
pub(super) async fn payment(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<Json<AdminPayment>> {
    user.require(&[Role::Admin])?;
    let payments = state.payments.clone();
    let (record, timeline) =
        blocking(move || Ok((payments.get(&id)?, payments.timeline(&id)?))).await?;
    Ok(Json(AdminPayment {
        payment: terms::payment(&record)?,
        user_id: record.user_id.clone(),
        account_id: record.account_id.clone(),
        internal: record.internal,
        timeline: timeline
            .into_iter()
            .map(|e| TimelineEvent {
                seq: e.seq,
                at: e.at,
                from: e.from,
                to: e.to,
                detail: e.detail,
            })
            .collect(),
    }))
}

/// Balances of the system accounts (fee income, settlement position, equity) in the hub's
/// currency. Only with the embedded ledger; the ledger creates a system account on first use.
#[utoipa::path(
    get,
    path = "/api/v1/admin/ledger",
    operation_id = "system_balances",
    tag = "admin",
    summary = "Balances of the DFSP's system accounts",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Fee income, settlement position and equity, signed exact decimal strings.", body = Vec<SystemBalance>),
        (status = 401, response = Unauthenticated),
        (status = 403, response = Forbidden),
        (status = 404, description = "`not_found`: the hub runs on Fineract, not the embedded ledger.", body = ApiError),
        (status = 500, response = ServerError),
    )
)]
pub(super) async fn ledger(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Json<Vec<SystemBalance>>> {
    user.require(&[Role::Admin])?;
    let ledger = state
        .ledger
        .as_ref()
        .ok_or(Error::NotFound("embedded ledger"))?;
    let mut out = Vec::new();
    for kind in [
        AccountKind::FeesIncome,
        AccountKind::Settlement,
        AccountKind::Equity,
    ] {
        let id = ledger
            .system_account(kind, state.currency.clone())
            .await
            .map_err(account_read_error)?;
        let balance = state
            .accounts
            .balance(id)
            .await
            .map_err(account_read_error)?;
        let currency = balance.ledger.currency.as_str();
        out.push(SystemBalance {
            kind: kind.code().into(),
            account_id: id.to_string(),
            ledger: amount(balance.ledger.minor, currency)?,
            currency: currency.into(),
        });
    }
    Ok(Json(out))
}
