//! Back-office views, `admin` role only: payment search, one payment with its state timeline,
//! and the balances of the DFSP's system accounts.

use axum::Json;
use axum::extract::{Path, State};
use kipochi_core::api::{ApiError, Payee, Payment, PaymentState};
use kipochi_core::api_extra::{AdminPayment, SystemBalance, TimelineEvent};
use serde::Deserialize;

use super::account::{account_error, amount};
use super::query::ApiQuery;
use super::{CurrentUser, blocking};
use crate::accounts::AccountKind;
use crate::auth::Role;
use crate::error::{Error, Result};
use crate::http::AppState;
use crate::payments::{PaymentRecord, Search};

/// Largest page of a payment search.
const MAX_SEARCH: u32 = 500;
const DEFAULT_SEARCH: u32 = 100;

/// The wallet view of a stored payment.
pub(crate) fn payment_view(p: &PaymentRecord) -> Result<Payment> {
    Ok(Payment {
        payment_id: p.id.clone(),
        direction: p.direction,
        state: p.state,
        counterparty: Payee {
            id_type: p.counterparty.id_type.clone(),
            id: p.counterparty.id.clone(),
            name: p.counterparty.name.clone(),
            fsp_id: p.counterparty.fsp_id.clone(),
        },
        amount: amount(p.amount_minor, &p.currency)?,
        fee: amount(p.fee_minor, &p.currency)?,
        currency: p.currency.clone(),
        reference: p.reference.clone(),
        created_at: p.created_at,
        updated_at: p.updated_at,
        error: p.error_code.as_ref().map(|code| ApiError {
            code: code.clone(),
            message: p.error_message.clone().unwrap_or_default(),
        }),
    })
}

/// Query of `GET /admin/payments`; `from` (inclusive) and `to` (exclusive) are Unix ms of
/// creation, `party` matches a counterparty id, user id or account id.
#[derive(Debug, Deserialize)]
pub(super) struct SearchQuery {
    state: Option<PaymentState>,
    from: Option<i64>,
    to: Option<i64>,
    party: Option<String>,
    limit: Option<u32>,
}

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
        .map(payment_view)
        .collect::<Result<_>>()
        .map(Json)
}

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
        payment: payment_view(&record)?,
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
            .map_err(account_error)?;
        let balance = state.accounts.balance(id).await.map_err(account_error)?;
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
