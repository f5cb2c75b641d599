//! The caller's own money: `GET /balance` and `GET /history` (paged, newest first).
//!
//! Both read the account system for the logged-in user's `account_id` only; there is no way to
//! name another account, so a user can never see someone else's balance.

use axum::Json;
use axum::extract::State;
use kipochi_core::api::{ApiError, Balance, Direction, Page};
use kipochi_core::api_extra::HistoryItem;
use kipochi_core::money::{Currency, Money};
use serde::Deserialize;
use utoipa::IntoParams;

use super::CurrentUser;
use super::doc::{ServerError, Unauthenticated};
use super::query::ApiQuery;
use crate::accounts::{AccountId, PageRequest, TransferKind};
use crate::error::{Error, Result};
use crate::http::AppState;
use crate::orchestrator::errors::account_read_error;

/// Largest history page a client may ask for.
pub(crate) const MAX_PAGE: u32 = 200;
const DEFAULT_PAGE: u32 = 50;

/// Renders `minor` units of `currency` as a Mojaloop amount string (`"10.5"`); negative amounts
/// get a leading `-` (only system accounts can be negative).
pub(crate) fn amount(minor: i64, currency: &str) -> Result<String> {
    let cur = Currency::from_alpha(currency)
        .ok_or_else(|| Error::Internal(format!("unknown currency {currency:?}")))?;
    let abs = minor
        .checked_abs()
        .ok_or_else(|| Error::Internal("amount out of range".into()))?;
    let text = Money::from_minor_units(abs, cur)
        .to_mojaloop()
        .map_err(|e| Error::Internal(format!("cannot render amount: {e}")))?
        .0;
    Ok(if minor < 0 { format!("-{text}") } else { text })
}

/// The caller's account id, or 404 when the user has no account (e.g. an admin).
fn account_of(user: &CurrentUser) -> Result<AccountId> {
    let id = user
        .0
        .account_id
        .as_deref()
        .ok_or(Error::NotFound("account"))?;
    id.parse()
        .map(AccountId)
        .map_err(|_| Error::NotFound("account"))
}

/// `GET /api/v1/balance`: the caller's own balance.
#[utoipa::path(
    get,
    path = "/api/v1/balance",
    tag = "customer",
    summary = "The caller's balance",
    description = "The balance of the caller's own account (customer wallet, merchant account or \
agent float); there is no way to name another account.",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Booked and available balance, exact decimal strings.", body = Balance),
        (status = 401, response = Unauthenticated),
        (status = 404, description = "`not_found`: the caller has no account (e.g. an admin).", body = ApiError),
        (status = 500, response = ServerError),
    )
)]
pub(super) async fn balance(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Json<Balance>> {
    let account = account_of(&user)?;
    let b = state
        .accounts
        .balance(account)
        .await
        .map_err(account_read_error)?;
    let currency = b.ledger.currency.as_str();
    Ok(Json(Balance {
        currency: currency.to_string(),
        ledger: amount(b.ledger.minor, currency)?,
        available: amount(b.available.minor, currency)?,
        as_of: state.now(),
    }))
}

/// Query of `GET /history`: `cursor` is the `next_cursor` of the previous page.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct HistoryQuery {
    /// The `next_cursor` of the previous page; absent for the newest page.
    cursor: Option<String>,
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    limit: Option<u32>,
}

/// `GET /api/v1/history`: the caller's booked movements, newest first, paged.
#[utoipa::path(
    get,
    path = "/api/v1/history",
    tag = "customer",
    summary = "The caller's history, newest first",
    security(("bearer" = [])),
    params(HistoryQuery),
    responses(
        (status = 200, description = "One page of movements and the cursor of the next page.", body = Page<HistoryItem>),
        (status = 400, description = "`invalid_request`: `limit` outside 1 to 200 or a malformed `cursor`.", body = ApiError),
        (status = 401, response = Unauthenticated),
        (status = 404, description = "`not_found`: the caller has no account.", body = ApiError),
        (status = 500, response = ServerError),
    )
)]
pub(super) async fn history(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(q): ApiQuery<HistoryQuery>,
) -> Result<Json<Page<HistoryItem>>> {
    let account = account_of(&user)?;
    let limit = q.limit.unwrap_or(DEFAULT_PAGE);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(Error::InvalidRequest(format!(
            "limit must be 1 to {MAX_PAGE}"
        )));
    }
    let before = match q.cursor.as_deref() {
        None => None,
        Some(c) => Some(
            c.parse::<i64>()
                .map_err(|_| Error::InvalidRequest("bad cursor".into()))?,
        ),
    };
    let page = state
        .accounts
        .history(account, PageRequest { before, limit })
        .await
        .map_err(account_read_error)?;
    let items = page
        .entries
        .iter()
        .map(|e| {
            let currency = e.amount.currency.as_str();
            Ok(HistoryItem {
                transfer_id: e.transfer_id.to_string(),
                kind: kind_str(e.kind).into(),
                direction: if e.amount.minor < 0 {
                    Direction::Outgoing
                } else {
                    Direction::Incoming
                },
                amount: amount(e.amount.minor, currency)?
                    .trim_start_matches('-')
                    .into(),
                currency: currency.into(),
                balance_after: amount(e.balance_after, currency)?,
                at: e.at_ms,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Json(Page {
        items,
        next_cursor: page.next.map(|n| n.to_string()),
    }))
}

fn kind_str(kind: TransferKind) -> &'static str {
    match kind {
        TransferKind::Outgoing => "outgoing",
        TransferKind::Incoming => "incoming",
        TransferKind::Internal => "internal",
        TransferKind::Funding => "funding",
    }
}
