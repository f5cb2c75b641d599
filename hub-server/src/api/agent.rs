//! Agent onboarding: `POST /agent/customers` (exactly once per `Idempotency-Key`) and
//! `GET /agent/customers`.
//!
//! Exactly-once across crashes: after validation, a pending idempotency record keyed by the
//! device's onboarding id (with the request's digest) is written *before* any side effect. The
//! steps then are each idempotent: the wallet account's id is derived from the key (so a resumed
//! attempt reopens the same account), the user is looked up by phone before being created, and
//! registration at the switch may be repeated. The final response is stored and every later
//! retry gets it byte for byte. A request refused by validation, or refused before its first side
//! effect (phone number already taken), leaves no record, so the device may resubmit a fixed form
//! under the same key.
//!
//! Trade-off: the response holds the customer's activation code, which the agent's device must
//! see again if the first answer was lost. It is therefore kept in the idempotency record in
//! clear. It is single-use, expires with the activation TTL and stops working once the customer
//! sets a PIN; the hub database must be protected like the users table. If a crash happened after
//! the user was created but before the response was stored, the resumed attempt issues a fresh
//! code (the first one was never shown to anyone).

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use base64::Engine;
use chrono::{DateTime, NaiveDate};
use kipochi_core::api::{ApiError, OnboardRequest, OnboardResponse};
use kipochi_core::api_extra::OnboardedCustomer;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use utoipa::IntoParams;
use uuid::Uuid;

use super::doc::{Forbidden, ServerError, Unauthenticated};
use super::query::ApiQuery;
use super::{ApiJson, CurrentUser, blocking};
use crate::accounts::{AccountId, AccountKind, Alias, AliasType, Limits, OpenAccount};
use crate::auth::{NewUser, Role, User, validate_phone};
use crate::error::{Error, Result};
use crate::fspiop::types::{PartyIdInfo, PartyIdType};
use crate::http::AppState;
use crate::idempotency::Begin;

/// Idempotency scope of onboardings.
const SCOPE: &str = "onboarding";
/// Youngest age at which a customer may hold a wallet.
pub const MIN_AGE_YEARS: u32 = 18;
/// Largest decoded photo accepted.
pub const MAX_PHOTO_BYTES: usize = 512 * 1024;
/// Largest number of customers `GET /agent/customers` returns.
const MAX_LIST: u32 = 200;

/// KYC-tier limits in *major* units of the hub's currency (balance cap, per payment, per day).
/// Tier 1 is a phone-and-ID minimum, tier 3 full KYC.
pub const TIER_LIMITS: [(i64, i64, i64); 3] = [
    (1_000_000, 500_000, 1_000_000),
    (5_000_000, 2_000_000, 5_000_000),
    (20_000_000, 10_000_000, 20_000_000),
];

/// The wallet account id of the onboarding `key`: the same on every retry.
pub fn account_id_for(key: &Uuid) -> AccountId {
    let digest = Sha256::digest(format!("kipochi/onboarding/account/{key}"));
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    AccountId(uuid::Builder::from_custom_bytes(bytes).into_uuid())
}

/// The limits of `tier` (1..=3) in minor units of a currency with `exponent` decimals.
fn limits(tier: u8, exponent: u32) -> Result<Limits> {
    let (bal, per, day) = *TIER_LIMITS
        .get(usize::from(tier).wrapping_sub(1))
        .ok_or_else(|| Error::InvalidRequest("kyc_tier must be 1, 2 or 3".into()))?;
    let scale = 10i64
        .checked_pow(exponent)
        .ok_or_else(|| Error::Internal("currency exponent too large".into()))?;
    let minor = |major: i64| {
        major
            .checked_mul(scale)
            .ok_or_else(|| Error::Internal("tier limit overflows".into()))
    };
    Ok(Limits {
        max_balance: Some(minor(bal)?),
        max_per_payment: Some(minor(per)?),
        max_daily_debit: Some(minor(day)?),
    })
}

/// The `Idempotency-Key` header: required, a UUID.
fn idempotency_key(headers: &HeaderMap) -> Result<Uuid> {
    let value = headers
        .get("idempotency-key")
        .ok_or_else(|| Error::InvalidRequest("Idempotency-Key header is required".into()))?;
    value
        .to_str()
        .ok()
        .and_then(|v| Uuid::parse_str(v.trim()).ok())
        .ok_or_else(|| Error::InvalidRequest("Idempotency-Key must be a UUID".into()))
}

/// The form's date of birth (`YYYY-MM-DD`).
fn date_of_birth(req: &OnboardRequest) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(&req.date_of_birth, "%Y-%m-%d")
        .map_err(|_| Error::InvalidRequest("date_of_birth must be YYYY-MM-DD".into()))
}

/// Checks the form; `now` is Unix ms. Nothing is stored when this fails.
pub fn validate(req: &OnboardRequest, now: i64) -> Result<()> {
    validate_phone(&req.phone)?;
    let name = req.full_name.trim();
    if name.is_empty() || name.chars().count() > 128 {
        return Err(Error::InvalidRequest(
            "full_name must be 1 to 128 characters".into(),
        ));
    }
    let id = req.id_number.trim();
    if id.is_empty()
        || id.len() > 64
        || !id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '/' | ' '))
    {
        return Err(Error::InvalidRequest(
            "id_number must be 1 to 64 letters, digits, '-', '/' or spaces".into(),
        ));
    }
    if !(1..=3).contains(&req.kyc_tier) {
        return Err(Error::InvalidRequest("kyc_tier must be 1, 2 or 3".into()));
    }
    let dob = date_of_birth(req)?;
    let today = DateTime::from_timestamp_millis(now)
        .ok_or_else(|| Error::Internal("clock out of range".into()))?
        .date_naive();
    if dob >= today {
        return Err(Error::InvalidRequest(
            "date_of_birth must be in the past".into(),
        ));
    }
    if today.years_since(dob).unwrap_or(0) < MIN_AGE_YEARS {
        return Err(Error::InvalidRequest(format!(
            "customer must be at least {MIN_AGE_YEARS} years old"
        )));
    }
    if let Some(photo) = &req.photo {
        // Base64 is 4/3 of the decoded size: refuse oversized text before decoding it.
        if photo.len() > MAX_PHOTO_BYTES / 3 * 4 + 4 {
            return Err(Error::InvalidRequest("photo is too large".into()));
        }
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(photo.trim())
            .map_err(|_| Error::InvalidRequest("photo must be base64".into()))?;
        let jpeg = bytes.starts_with(&[0xFF, 0xD8, 0xFF]);
        let png = bytes.starts_with(b"\x89PNG\r\n\x1a\n");
        if !(jpeg || png) {
            return Err(Error::InvalidRequest("photo must be a JPEG or PNG".into()));
        }
    }
    Ok(())
}

/// `POST /api/v1/agent/customers`: onboard a customer, exactly once per `Idempotency-Key`.
#[utoipa::path(
    post,
    path = "/api/v1/agent/customers",
    operation_id = "onboard_customer",
    tag = "agent",
    summary = "Onboard a customer (exactly once per Idempotency-Key)",
    description = "Validates the form, opens the wallet account with the tier's limits, creates \
the user with a one-time activation code and registers the phone number with the switch. A retry \
with the same key and body returns the first answer byte for byte; a refusal before any effect \
leaves no record, so a fixed form may be resubmitted under the same key.",
    security(("bearer" = [])),
    params(("Idempotency-Key" = String, Header, description = "The onboarding's id, generated on the agent's device (a UUID).")),
    request_body = OnboardRequest,
    responses(
        (status = 200, description = "The new customer and the activation code to hand over.", body = OnboardResponse),
        (status = 400, description = "`invalid_request`: missing or malformed `Idempotency-Key`, or an invalid field (phone, name, ID number, tier, date of birth, under 18, photo).", body = ApiError),
        (status = 401, response = Unauthenticated),
        (status = 403, response = Forbidden),
        (status = 409, description = "`already_exists`: the phone number belongs to another customer; `idempotency_conflict`: the key was used with another form.", body = ApiError),
        (status = 500, response = ServerError),
    )
)]
pub(super) async fn onboard(
    State(state): State<AppState>,
    user: CurrentUser,
    headers: HeaderMap,
    ApiJson(req): ApiJson<OnboardRequest>,
) -> Result<Json<OnboardResponse>> {
    let agent = user.require(&[Role::Agent])?.clone();
    let key = idempotency_key(&headers)?;
    let now = state.now();
    validate(&req, now)?;
    let body = serde_json::to_vec(&req).map_err(|e| Error::Internal(e.to_string()))?;
    let digest = Sha256::digest(&body).to_vec();
    let _serial = state.idempotency.serialize().await;
    let store = state.idempotency.clone();
    let (k, owner) = (key.to_string(), agent.id.to_string());
    let begin = blocking(move || store.begin(SCOPE, &k, &owner, &digest, now)).await?;
    let first = match begin {
        Begin::Done(stored) => {
            return serde_json::from_str(&stored)
                .map(Json)
                .map_err(|_| Error::Internal("corrupt idempotency record".into()));
        }
        Begin::Started => true,
        Begin::Resume => false,
    };
    let mut effects = !first;
    match run(&state, key, &req, now, &mut effects).await {
        Ok(resp) => {
            let text = serde_json::to_string(&resp).map_err(|e| Error::Internal(e.to_string()))?;
            let store = state.idempotency.clone();
            let k = key.to_string();
            blocking(move || store.complete(SCOPE, &k, &text, now)).await?;
            tracing::info!(customer = %resp.customer_id, "customer onboarded");
            Ok(Json(resp))
        }
        Err(e) => {
            if !effects {
                let store = state.idempotency.clone();
                let k = key.to_string();
                blocking(move || store.abandon(SCOPE, &k)).await?;
            }
            Err(e)
        }
    }
}

/// The onboarding steps, each idempotent. Sets `effects` once something durable happened.
async fn run(
    state: &AppState,
    key: Uuid,
    req: &OnboardRequest,
    now: i64,
    effects: &mut bool,
) -> Result<OnboardResponse> {
    let account_id = account_id_for(&key);
    let ours = Some(account_id.to_string());
    let auth = state.auth.clone();
    let phone = req.phone.clone();
    let existing: Option<User> = blocking(move || auth.user_by_phone(&phone)).await?;
    if let Some(u) = &existing
        && u.account_id != ours
    {
        return Err(Error::AlreadyExists("phone number"));
    }
    let exponent = kipochi_core::money::Currency::from_alpha(state.currency.as_str())
        .map(|c| c.minor_unit_exponent())
        .ok_or_else(|| Error::Internal("hub currency is not ISO 4217".into()))?;
    let name = req.full_name.trim().to_string();
    state
        .accounts
        .open_account(OpenAccount {
            id: account_id,
            kind: AccountKind::CustomerWallet,
            display_name: name.clone(),
            currency: state.currency.clone(),
            aliases: vec![Alias {
                kind: AliasType::Msisdn,
                value: req.phone.clone(),
            }],
            limits: limits(req.kyc_tier, exponent)?,
            date_of_birth: Some(date_of_birth(req)?),
        })
        .await
        .map_err(Error::from)?;
    *effects = true;
    let auth = state.auth.clone();
    let (user, code) = match existing {
        Some(u) => {
            let id = u.id;
            let code = blocking(move || auth.reissue_activation_code(id, now)).await?;
            (u, code)
        }
        None => {
            let new = NewUser {
                phone: req.phone.clone(),
                display_name: name,
                role: Role::Customer,
                kyc_tier: req.kyc_tier,
                account_id: ours,
            };
            blocking(move || auth.create_user(&new, now)).await?
        }
    };
    if let Some(switch) = &state.switch {
        let party = PartyIdInfo {
            party_id_type: PartyIdType::Msisdn,
            party_identifier: req.phone.clone(),
            party_sub_id_or_type: None,
            fsp_id: None,
            extension_list: None,
        };
        let currency = state.currency.as_str().parse().ok();
        switch
            .register_participant(&party, currency.as_ref())
            .await
            .map_err(|e| Error::Internal(format!("switch registration failed: {e}")))?;
    }
    Ok(OnboardResponse {
        customer_id: user.id.to_string(),
        phone: user.phone,
        account_id: account_id.to_string(),
        activation_code: code,
        created_at: now,
    })
}

/// Query of `GET /agent/customers`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(super) struct ListQuery {
    /// Largest number of customers, 1 to 200 (default 200).
    #[param(minimum = 1, maximum = 200)]
    limit: Option<u32>,
}

/// `GET /api/v1/agent/customers`: the customers this agent onboarded, newest first.
#[utoipa::path(
    get,
    path = "/api/v1/agent/customers",
    operation_id = "list_onboarded_customers",
    tag = "agent",
    summary = "Customers this agent onboarded",
    security(("bearer" = [])),
    params(ListQuery),
    responses(
        (status = 200, description = "The customers, without activation codes.", body = Vec<OnboardedCustomer>),
        (status = 400, description = "`invalid_request`: `limit` outside 1 to 200.", body = ApiError),
        (status = 401, response = Unauthenticated),
        (status = 403, response = Forbidden),
        (status = 500, response = ServerError),
    )
)]
pub(super) async fn customers(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<Vec<OnboardedCustomer>>> {
    let agent = user.require(&[Role::Agent])?;
    let limit = q.limit.unwrap_or(MAX_LIST);
    if !(1..=MAX_LIST).contains(&limit) {
        return Err(Error::InvalidRequest(format!(
            "limit must be 1 to {MAX_LIST}"
        )));
    }
    let store = state.idempotency.clone();
    let owner = agent.id.to_string();
    let done = blocking(move || store.finished(SCOPE, &owner, limit)).await?;
    done.iter()
        .map(|f| {
            let r: OnboardResponse = serde_json::from_str(&f.response)
                .map_err(|_| Error::Internal("corrupt idempotency record".into()))?;
            Ok(OnboardedCustomer {
                customer_id: r.customer_id,
                phone: r.phone,
                account_id: r.account_id,
                created_at: r.created_at,
            })
        })
        .collect::<Result<Vec<_>>>()
        .map(Json)
}
