//! Merchant endpoints: dynamic payment requests (one sale, one QR), the static till QR and
//! incoming payments. Only the merchant role; a merchant only ever sees its own account.
//!
//! The QR payloads come from the core's EMVCo encoder (`kipochi_core::qr`) with the merchant's
//! till alias (BUSINESS, else ALIAS, else MSISDN of its account), so the payer's hub resolves
//! the till to this account and reads amount and reference from the QR.

use axum::Json;
use axum::extract::{Path, State};
use base64::Engine as _;
use kipochi_core::api::{ApiError, Direction, Page, Payee, Payment, PaymentState};
use kipochi_core::api_merchant::{NewPaymentRequest, PaymentRequest, RequestStatus, TillQr};
use kipochi_core::money::{Amount, Currency};
use kipochi_core::qr::{ErrorCorrection, MerchantQr, PartyId, PartyIdType, render_png};
use serde::Deserialize;
use utoipa::IntoParams;

use super::doc::{Forbidden, NotFound, ServerError, Unauthenticated};
use super::query::ApiQuery;
use super::{ApiJson, CurrentUser, blocking};
use crate::accounts::{AccountId, AccountInfo, AliasType};
use crate::auth::Role;
use crate::error::{Error, Result};
use crate::http::AppState;
use crate::merchant::{NewRequest, RequestRecord, Status};
use crate::orchestrator::errors::account_read_error;
use crate::orchestrator::terms;
use crate::payments::{PaymentRecord, Search};

/// Merchant category code printed in the QRs (5999: miscellaneous retail).
const MCC: &str = "5999";
/// Pixels per QR module of the till PNG.
const PNG_MODULE_PX: u32 = 8;
const DEFAULT_PAGE: u32 = 20;
const MAX_PAGE: u32 = 100;

fn merchant_account(user: &CurrentUser) -> Result<AccountId> {
    user.require(&[Role::Merchant])?;
    user.0
        .account_id
        .as_deref()
        .and_then(|id| id.parse().ok())
        .map(AccountId)
        .ok_or(Error::NotFound("account"))
}

/// The till the QRs carry: the account's BUSINESS alias, else ALIAS, else MSISDN.
fn till(info: &AccountInfo) -> Result<PartyId> {
    let alias = [AliasType::Business, AliasType::Alias, AliasType::Msisdn]
        .into_iter()
        .find_map(|kind| info.aliases.iter().find(|a| a.kind == kind))
        .ok_or_else(|| Error::Unprocessable("this merchant account has no till alias".into()))?;
    let id_type = PartyIdType::from_fspiop(alias.kind.code())
        .ok_or_else(|| Error::Internal("alias type without a QR party type".into()))?;
    Ok(PartyId {
        id_type,
        identifier: alias.value.clone(),
        sub_id: None,
    })
}

fn qr_base(state: &AppState, info: &AccountInfo) -> Result<MerchantQr> {
    let code = state.currency.to_string();
    let currency = Currency::from_alpha(&code)
        .ok_or_else(|| Error::Internal("hub currency unknown to the QR encoder".into()))?;
    // National ISO 4217 codes start with the ISO 3166 country code (TZS → TZ).
    let country: String = code.chars().take(2).collect();
    Ok(MerchantQr::kipochi(
        &till(info)?,
        MCC,
        currency,
        &country,
        &info.display_name,
        "-",
    ))
}

fn encode(qr: &MerchantQr) -> Result<String> {
    qr.encode()
        .map_err(|e| Error::InvalidRequest(format!("cannot encode the QR: {e}")))
}

fn label(text: &str, field: &str, max: usize) -> Result<String> {
    let t = text.trim();
    let ok = !t.is_empty()
        && t.chars().count() <= max
        && t.chars().all(|c| c.is_ascii_graphic() || c == ' ');
    if ok {
        Ok(t.to_string())
    } else {
        Err(Error::InvalidRequest(format!(
            "{field} must be 1 to {max} printable ASCII characters"
        )))
    }
}

fn view(r: &RequestRecord, now: i64) -> Result<PaymentRequest> {
    Ok(PaymentRequest {
        request_id: r.id.clone(),
        amount: terms::amount_text(r.amount_minor, &r.currency)?,
        currency: r.currency.clone(),
        reference: r.reference.clone(),
        terminal: r.terminal.clone(),
        payload: r.payload.clone(),
        created_at: r.created_at,
        expires_at: r.expires_at,
        status: match r.status(now) {
            Status::Open => RequestStatus::Open,
            Status::Paid => RequestStatus::Paid,
            Status::Expired => RequestStatus::Expired,
        },
        payment_id: r.payment_id.clone(),
    })
}

/// `POST /merchant/requests`.
#[utoipa::path(
    post,
    path = "/api/v1/merchant/requests",
    operation_id = "create_payment_request",
    tag = "merchant",
    summary = "Create a payment request (a dynamic QR for one sale)",
    description = "Stores the request (15 min expiry) and returns the EMVCo payload carrying the \
till, amount and reference. One open request per reference.",
    security(("bearer" = [])),
    request_body = NewPaymentRequest,
    responses(
        (status = 200, description = "The open request and its QR payload.", body = PaymentRequest),
        (status = 400, description = "`invalid_request`: bad amount, reference (1 to 25 printable ASCII) or terminal (1 to 8).", body = ApiError),
        (status = 401, response = Unauthenticated),
        (status = 403, response = Forbidden),
        (status = 404, description = "`not_found`: the merchant has no account.", body = ApiError),
        (status = 409, description = "`already_exists`: an open request has this reference.", body = ApiError),
        (status = 422, description = "`unprocessable`: the merchant account has no till alias.", body = ApiError),
        (status = 500, response = ServerError),
    )
)]
pub(super) async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(req): ApiJson<NewPaymentRequest>,
) -> Result<Json<PaymentRequest>> {
    let account = merchant_account(&user)?;
    let code = state.currency.to_string();
    let amount_minor = terms::parse_amount(&req.amount, &code)?;
    let reference = label(&req.reference, "reference", 25)?;
    let terminal = req
        .terminal
        .as_deref()
        .map(|t| label(t, "terminal", 8))
        .transpose()?;
    let info = state
        .accounts
        .account(account)
        .await
        .map_err(account_read_error)?;
    let amount: Amount = terms::amount_text(amount_minor, &code)?
        .parse()
        .map_err(|_| Error::InvalidRequest("amount".into()))?;
    let payload = encode(&qr_base(&state, &info)?.for_payment(
        amount,
        Some(&reference),
        terminal.as_deref(),
    ))?;
    let new = NewRequest {
        id: uuid::Uuid::new_v4().to_string(),
        user_id: user.0.id.to_string(),
        account_id: account.to_string(),
        reference,
        terminal,
        amount_minor,
        currency: code,
        payload,
    };
    let (store, now) = (state.merchant.clone(), state.now());
    let rec = blocking(move || Ok(store.create(&new, now)?)).await?;
    Ok(Json(view(&rec, now)?))
}

/// `GET /merchant/requests/{id}`: only the merchant who made it sees it (others get 404).
#[utoipa::path(
    get,
    path = "/api/v1/merchant/requests/{id}",
    operation_id = "get_payment_request",
    tag = "merchant",
    summary = "One payment request and its status",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "The request id of `POST /api/v1/merchant/requests`.")),
    responses(
        (status = 200, description = "The request: `open`, `paid` (with `payment_id`) or `expired`.", body = PaymentRequest),
        (status = 401, response = Unauthenticated),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 500, response = ServerError),
    )
)]
pub(super) async fn get(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<Json<PaymentRequest>> {
    let account = merchant_account(&user)?.to_string();
    let (store, now) = (state.merchant.clone(), state.now());
    let rec = blocking(move || Ok(store.get(&id)?)).await?;
    if rec.account_id != account {
        return Err(Error::NotFound("payment request"));
    }
    Ok(Json(view(&rec, now)?))
}

/// `GET /merchant/till-qr`: the static QR (payer enters the amount) and its PNG.
#[utoipa::path(
    get,
    path = "/api/v1/merchant/till-qr",
    operation_id = "till_qr",
    tag = "merchant",
    summary = "The merchant's static till QR",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The EMVCo static payload and the same QR as a PNG.", body = TillQr),
        (status = 401, response = Unauthenticated),
        (status = 403, response = Forbidden),
        (status = 404, description = "`not_found`: the merchant has no account.", body = ApiError),
        (status = 422, description = "`unprocessable`: the merchant account has no till alias.", body = ApiError),
        (status = 500, response = ServerError),
    )
)]
pub(super) async fn till_qr(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Json<TillQr>> {
    let account = merchant_account(&user)?;
    let info = state
        .accounts
        .account(account)
        .await
        .map_err(account_read_error)?;
    let qr = qr_base(&state, &info)?;
    let payload = encode(&qr)?;
    let png = render_png(&payload, ErrorCorrection::Medium, PNG_MODULE_PX)
        .map_err(|e| Error::Internal(format!("cannot render the QR: {e}")))?;
    let party = till(&info)?;
    Ok(Json(TillQr {
        id_type: party.id_type.as_str().into(),
        till: party.identifier,
        merchant_name: qr.name.clone(),
        currency: state.currency.to_string(),
        payload,
        png_base64: base64::engine::general_purpose::STANDARD.encode(png),
    }))
}

/// Query of `GET /merchant/payments`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct PaymentsQuery {
    /// The `next_cursor` of the previous page; absent for the newest page.
    cursor: Option<String>,
    /// Page size; clamped to 1 to 100 (default 20).
    limit: Option<u32>,
}

/// `(created_at, id)` of the last item of the previous page, as `"<ms>:<id>"`.
fn parse_cursor(c: &str) -> Result<(i64, String)> {
    c.split_once(':')
        .and_then(|(at, id)| Some((at.parse().ok()?, id.to_string())))
        .ok_or_else(|| Error::InvalidRequest("malformed cursor".into()))
}

/// Whether `p` is money received by the merchant holding `account` with `tills`: an incoming
/// payment credited to the account, or an internal payment to one of its aliases.
fn is_incoming(p: &PaymentRecord, account: &str, tills: &[(String, String)]) -> bool {
    p.state == PaymentState::Committed
        && match p.direction {
            Direction::Incoming => p.account_id == account,
            Direction::Outgoing => {
                p.internal
                    && tills
                        .iter()
                        .any(|(t, v)| *t == p.counterparty.id_type && *v == p.counterparty.id)
            }
        }
}

/// The merchant's view of a received payment.
fn incoming_view(state: &AppState, p: &PaymentRecord) -> Result<Payment> {
    let mut v = terms::payment(p)?;
    if p.direction == Direction::Outgoing {
        // An internal payment stored on the payer's side: the merchant pays no fee and sees
        // the payer as the counterparty (our own FSP).
        v.direction = Direction::Incoming;
        v.fee = "0".into();
        v.counterparty = Payee {
            id_type: "MSISDN".into(),
            id: String::new(),
            name: String::new(),
            fsp_id: state.fsp_id.clone(),
        };
    }
    Ok(v)
}

/// `GET /merchant/payments`: committed payments received, newest first, paged.
#[utoipa::path(
    get,
    path = "/api/v1/merchant/payments",
    operation_id = "merchant_payments",
    tag = "merchant",
    summary = "Payments received, newest first",
    security(("bearer" = [])),
    params(PaymentsQuery),
    responses(
        (status = 200, description = "One page of committed incoming payments and the next cursor.", body = Page<Payment>),
        (status = 400, description = "`invalid_request`: malformed `cursor` or `limit`.", body = ApiError),
        (status = 401, response = Unauthenticated),
        (status = 403, response = Forbidden),
        (status = 404, description = "`not_found`: the merchant has no account.", body = ApiError),
        (status = 500, response = ServerError),
    )
)]
pub(super) async fn payments(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(q): ApiQuery<PaymentsQuery>,
) -> Result<Json<Page<Payment>>> {
    let account = merchant_account(&user)?;
    let limit = q.limit.unwrap_or(DEFAULT_PAGE).clamp(1, MAX_PAGE) as usize;
    let after = q.cursor.as_deref().map(parse_cursor).transpose()?;
    let info = state
        .accounts
        .account(account)
        .await
        .map_err(account_read_error)?;
    let tills: Vec<(String, String)> = info
        .aliases
        .iter()
        .map(|a| (a.kind.code().to_string(), a.value.clone()))
        .collect();
    let account = account.to_string();
    let store = state.payments.clone();
    let found = blocking(move || {
        // One search per party the payments table can name the merchant by; each grows its
        // window until it has `limit + 1` matches or runs out, so no match is skipped.
        let mut parties = vec![account.clone()];
        parties.extend(tills.iter().map(|(_, v)| v.clone()));
        let mut all: Vec<PaymentRecord> = Vec::new();
        for party in parties {
            let mut window = (limit as u32 + 1) * 2;
            loop {
                let rows = store
                    .search(&Search {
                        state: Some(PaymentState::Committed),
                        from: None,
                        to: after.as_ref().map(|(at, _)| at.saturating_add(1)),
                        party: Some(party.clone()),
                        limit: window,
                    })
                    .map_err(|e| Error::Internal(e.to_string()))?;
                let exhausted = rows.len() < window as usize;
                let matching: Vec<PaymentRecord> = rows
                    .into_iter()
                    .filter(|p| is_incoming(p, &account, &tills))
                    .filter(|p| match &after {
                        Some((at, id)) => (p.created_at, &p.id) < (*at, id),
                        None => true,
                    })
                    .collect();
                if exhausted || matching.len() > limit || window >= 100_000 {
                    all.extend(matching);
                    break;
                }
                window = window.saturating_mul(4);
            }
        }
        all.sort_by(|a, b| (b.created_at, &b.id).cmp(&(a.created_at, &a.id)));
        all.dedup_by(|a, b| a.id == b.id);
        Ok(all)
    })
    .await?;
    let next_cursor = (found.len() > limit).then(|| {
        let last = &found[limit - 1];
        format!("{}:{}", last.created_at, last.id)
    });
    let items = found
        .iter()
        .take(limit)
        .map(|p| incoming_view(&state, p))
        .collect::<Result<Vec<_>>>()?;
    Ok(Json(Page { items, next_cursor }))
}
