//! The payer side for same-DFSP payments: create (resolve + quote), approve (PIN + device
//! signature + nonce + expiry, then one journal entry), decline. Every state change is persisted
//! before the next side effect; the account system is idempotent by the payment id.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use kipochi_core::api::{
    ApproveRequest, CreatePaymentRequest, Direction, Payment, PaymentState, Quote,
};
use rand::RngCore;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::errors::{account_error_code, refused};
use super::resolve::{Target, target};
use super::terms;
use crate::accounts::{
    AccountError, AccountId, InternalTransferRequest, Money, QuoteRequest, QuoteRole, TransferId,
};
use crate::api::blocking;
use crate::auth::User;
use crate::error::{Error, Result};
use crate::http::AppState;
use crate::payments::{Changes, Created, Party, PaymentRecord};

/// How long a quote can be approved.
pub const QUOTE_TTL_MS: i64 = 5 * 60 * 1000;

/// `POST /payments`: resolves the payee, quotes our fee and returns the terms to approve.
/// Idempotent: the same `payment_id` and body return the stored quote.
pub async fn create(state: &AppState, user: &User, req: CreatePaymentRequest) -> Result<Quote> {
    payment_uuid(&req.payment_id)?;
    let payer = payer_account(user)?;
    let hash = request_hash(user, &req)?;
    if let Some(existing) = stored(state, &req.payment_id).await? {
        return resume_create(state, user, existing, &hash).await;
    }
    let currency = state.currency.as_str().to_string();
    let t = target(&req, &currency)?;
    let party = state.accounts.lookup_party(&t.alias).await;
    let party = match party {
        Ok(p) => p,
        Err(AccountError::PartyNotFound(_)) => {
            // Not ours: the switch knows who holds it (or answers "not found").
            let found = super::external::lookup(state, &t).await?;
            let payee = Payee {
                name: super::external::display_name(&found.party),
                fsp_id: found.fsp_id.as_str().to_string(),
                internal: false,
            };
            let now = state.now();
            let record = new_record(state, user, &req, payer, &t, payee, &hash, now);
            let record = match blocking_store(state, move |s| s.create(&record)).await? {
                Created::New(p) | Created::Existing(p) => p,
            };
            return resume_create(state, user, record, &hash).await;
        }
        Err(e) => return Err(e.into()),
    };
    if party.account == payer {
        return Err(Error::InvalidRequest("cannot pay your own account".into()));
    }
    if party.currency.as_str() != currency {
        return Err(refused(
            "currency_mismatch",
            "the payee holds another currency",
        ));
    }
    super::merchant::check_merchant_request(
        state,
        &party.account.to_string(),
        t.reference.as_deref(),
        t.amount_minor,
    )
    .await?;
    let now = state.now();
    let payee = Payee {
        name: party.display_name,
        fsp_id: state.fsp_id.clone(),
        internal: true,
    };
    let record = new_record(state, user, &req, payer, &t, payee, &hash, now);
    let record = match blocking_store(state, move |s| s.create(&record)).await? {
        Created::New(p) | Created::Existing(p) => p,
    };
    resume_create(state, user, record, &hash).await
}

/// Who a new payment pays, as resolved.
struct Payee {
    name: String,
    fsp_id: String,
    /// Held by this DFSP (no switch involved).
    internal: bool,
}

#[allow(clippy::too_many_arguments)]
fn new_record(
    state: &AppState,
    user: &User,
    req: &CreatePaymentRequest,
    payer: AccountId,
    t: &Target,
    payee: Payee,
    hash: &str,
    now: i64,
) -> PaymentRecord {
    PaymentRecord {
        id: req.payment_id.clone(),
        direction: Direction::Outgoing,
        state: PaymentState::Created,
        user_id: Some(user.id.to_string()),
        account_id: payer.to_string(),
        counterparty: Party {
            id_type: t.alias.kind.code().to_string(),
            id: t.alias.value.clone(),
            name: payee.name,
            fsp_id: payee.fsp_id,
        },
        amount_minor: t.amount_minor,
        fee_minor: 0,
        currency: state.currency.as_str().to_string(),
        reference: t.reference.clone(),
        note: req.note.clone(),
        internal: payee.internal,
        quote_id: None,
        quote_expiry: None,
        nonce: None,
        ilp_packet: None,
        condition: None,
        fulfilment: None,
        transfer_expiry: None,
        transfer_minor: None,
        transfer_id: None,
        request_hash: hash.to_string(),
        error_code: None,
        error_message: None,
        created_at: now,
        updated_at: now,
    }
}

/// Continues a stored payment's creation: quotes a `created` one, answers the others from the
/// store.
async fn resume_create(
    state: &AppState,
    user: &User,
    p: PaymentRecord,
    hash: &str,
) -> Result<Quote> {
    if p.request_hash != hash {
        return Err(Error::IdempotencyConflict);
    }
    match p.state {
        PaymentState::Created if p.internal => quote_internal(state, p).await,
        PaymentState::Created => super::external::quote(state, user, p).await,
        PaymentState::Failed => Err(stored_error(&p)),
        PaymentState::Expired => Err(refused("quote_expired", "the quote has expired")),
        _ => terms::quote(&p),
    }
}

async fn quote_internal(state: &AppState, p: PaymentRecord) -> Result<Quote> {
    let payer = parse_account(&p.account_id)?;
    let currency = state.currency.clone();
    let t = if p.reference.is_some() || p.counterparty.id_type != "MSISDN" {
        crate::accounts::TransactionType::Payment
    } else {
        crate::accounts::TransactionType::Transfer
    };
    let quoted = state
        .accounts
        .quote(QuoteRequest {
            account: payer,
            amount: Money::new(p.amount_minor, currency),
            transaction_type: t,
            role: QuoteRole::Payer,
        })
        .await;
    let now = state.now();
    match quoted {
        Ok(fee) => {
            let mut nonce = [0u8; 16];
            rand::thread_rng().fill_bytes(&mut nonce);
            let changes = Changes {
                fee_minor: Some(fee.fee.minor),
                quote_id: Some(Uuid::new_v4().to_string()),
                quote_expiry: Some(now + state.expiry.quote_ms),
                nonce: Some(URL_SAFE_NO_PAD.encode(nonce)),
                detail: Some("quoted internal".into()),
                ..Changes::default()
            };
            let id = p.id.clone();
            let q = blocking_store(state, move |s| {
                s.transition(
                    &id,
                    PaymentState::Created,
                    PaymentState::Quoted,
                    changes,
                    now,
                )
            })
            .await?;
            terms::quote(&q)
        }
        Err(e) => {
            fail(state, &p, PaymentState::Created, &e, now).await?;
            Err(e.into())
        }
    }
}

/// `POST /payments/{id}/approve`.
pub async fn approve(
    state: &AppState,
    user: &User,
    id: &str,
    req: ApproveRequest,
) -> Result<Payment> {
    let p = owned(state, user, id).await?;
    match p.state {
        PaymentState::Quoted => {}
        PaymentState::Approved => return execute(state, p, Some(user)).await,
        PaymentState::Declined => return Err(refused("payment_declined", "payment was declined")),
        PaymentState::Expired => return Err(refused("quote_expired", "the quote has expired")),
        PaymentState::Created => return Err(Error::Unprocessable("payment is not quoted".into())),
        _ => return terms::payment(&p),
    }
    let (auth, uid, pin, now) = (state.auth.clone(), user.id, req.pin.clone(), state.now());
    blocking(move || auth.verify_pin(uid, &pin, now)).await?;
    let (devices, device_id) = (state.devices.clone(), req.device_id.clone());
    let device = blocking(move || devices.get(&device_id)).await?;
    let device = device
        .filter(|d| d.user_id == user.id.to_string())
        .ok_or_else(|| refused("unknown_device", "this device is not registered to you"))?;
    let now = state.now();
    if p.quote_expiry.is_none_or(|e| now > e) {
        let id = p.id.clone();
        let changes = Changes {
            detail: Some("quote expired before approval".into()),
            error_code: Some("quote_expired".into()),
            ..Changes::default()
        };
        blocking_store(state, move |s| {
            s.transition(
                &id,
                PaymentState::Quoted,
                PaymentState::Expired,
                changes,
                now,
            )
        })
        .await?;
        return Err(refused("quote_expired", "the quote has expired"));
    }
    let terms = terms::approval_terms(&p, &device.device_id)?;
    kipochi_core::approval::verify(&terms, &device.public_key, &req.signature).map_err(|_| {
        refused(
            "invalid_approval",
            "the approval signature does not match this quote",
        )
    })?;
    let id = p.id.clone();
    let changes = Changes {
        detail: Some(format!("approved on device {}", device.device_id)),
        ..Changes::default()
    };
    let p = blocking_store(state, move |s| {
        s.transition(
            &id,
            PaymentState::Quoted,
            PaymentState::Approved,
            changes,
            now,
        )
    })
    .await?;
    execute(state, p, Some(user)).await
}

/// Runs an approved payment: one journal entry when internal, the switch otherwise.
async fn execute(state: &AppState, p: PaymentRecord, user: Option<&User>) -> Result<Payment> {
    if p.internal {
        execute_internal(state, p, user).await
    } else {
        super::external::execute(state, p).await
    }
}

/// Books an approved internal payment (one journal entry, idempotent by the payment id) and
/// moves it to `committed`, or to `failed` with the account system's code.
pub(super) async fn execute_internal(
    state: &AppState,
    p: PaymentRecord,
    payer_user: Option<&User>,
) -> Result<Payment> {
    let payer = parse_account(&p.account_id)?;
    let now = state.now();
    let alias = crate::accounts::Alias {
        kind: crate::accounts::AliasType::from_code(&p.counterparty.id_type)
            .ok_or_else(|| Error::Internal("stored payee type".into()))?,
        value: p.counterparty.id.clone(),
    };
    let payee = match state.accounts.lookup_party(&alias).await {
        Ok(party) if party.display_name == p.counterparty.name => party,
        Ok(_) => {
            let message = "the payee changed since the quote";
            fail_with(
                state,
                &p,
                PaymentState::Approved,
                "payee_changed",
                message,
                now,
            )
            .await?;
            return Err(refused("payee_changed", message));
        }
        Err(e) => {
            fail(state, &p, PaymentState::Approved, &e, now).await?;
            return Err(e.into());
        }
    };
    let currency = state.currency.clone();
    let booked = state
        .accounts
        .internal_transfer(InternalTransferRequest {
            transfer_id: TransferId(payment_uuid(&p.id)?),
            payer,
            payee: payee.account,
            amount: Money::new(p.amount_minor, currency.clone()),
            fee: Money::new(p.fee_minor, currency),
        })
        .await;
    if let Err(e) = booked {
        fail(state, &p, PaymentState::Approved, &e, now).await?;
        return Err(e.into());
    }
    let id = p.id.clone();
    let changes = Changes {
        detail: Some("booked internally".into()),
        ..Changes::default()
    };
    let done = blocking_store(state, move |s| {
        s.transition(
            &id,
            PaymentState::Approved,
            PaymentState::Committed,
            changes,
            now,
        )
    })
    .await?;
    super::notify::completed(state, &done, payee.account, payer_user).await;
    terms::payment(&done)
}

/// `POST /payments/{id}/decline`: the customer refuses the quote.
pub async fn decline(state: &AppState, user: &User, id: &str) -> Result<Payment> {
    let p = owned(state, user, id).await?;
    let (id, now) = (p.id.clone(), state.now());
    let changes = Changes {
        detail: Some("declined by the customer".into()),
        ..Changes::default()
    };
    let p = blocking_store(state, move |s| {
        s.transition(
            &id,
            PaymentState::Quoted,
            PaymentState::Declined,
            changes,
            now,
        )
    })
    .await?;
    terms::payment(&p)
}

/// `GET /payments/{id}`: only the payment's owner sees it.
pub async fn get(state: &AppState, user: &User, id: &str) -> Result<Payment> {
    terms::payment(&owned(state, user, id).await?)
}

async fn owned(state: &AppState, user: &User, id: &str) -> Result<PaymentRecord> {
    let p = stored(state, id).await?.ok_or(Error::NotFound("payment"))?;
    if p.user_id.as_deref() != Some(user.id.to_string().as_str()) {
        return Err(Error::NotFound("payment"));
    }
    Ok(p)
}

async fn stored(state: &AppState, id: &str) -> Result<Option<PaymentRecord>> {
    let (store, id) = (state.payments.clone(), id.to_string());
    blocking(move || match store.get(&id) {
        Ok(p) => Ok(Some(p)),
        Err(crate::payments::StoreError::NotFound) => Ok(None),
        Err(e) => Err(e.into()),
    })
    .await
}

pub(super) async fn fail(
    state: &AppState,
    p: &PaymentRecord,
    from: PaymentState,
    e: &AccountError,
    now: i64,
) -> Result<()> {
    fail_with(state, p, from, account_error_code(e), &e.to_string(), now).await
}

/// Moves `p` from `from` to `failed`, storing the stable `code` and a message without PII.
async fn fail_with(
    state: &AppState,
    p: &PaymentRecord,
    from: PaymentState,
    code: &'static str,
    message: &str,
    now: i64,
) -> Result<()> {
    let id = p.id.clone();
    let changes = Changes {
        error_code: Some(code.to_string()),
        error_message: Some(message.to_string()),
        detail: Some(format!("failed: {code}")),
        ..Changes::default()
    };
    blocking_store(state, move |s| {
        s.transition(&id, from, PaymentState::Failed, changes, now)
    })
    .await?;
    Ok(())
}

pub(super) async fn blocking_store<T, F>(state: &AppState, f: F) -> Result<T>
where
    F: FnOnce(
            &crate::payments::PaymentStore,
        ) -> std::result::Result<T, crate::payments::StoreError>
        + Send
        + 'static,
    T: Send + 'static,
{
    let store = state.payments.clone();
    blocking(move || f(&store).map_err(Error::from)).await
}

/// The error a failed payment answers with on a retry (its stored stable code).
fn stored_error(p: &PaymentRecord) -> Error {
    let code = p
        .error_code
        .as_deref()
        .and_then(|c| {
            super::errors::PAYMENT_FAILURE_CODES
                .iter()
                .find(|k| **k == c)
        })
        .copied()
        .unwrap_or("payment_failed");
    refused(
        code,
        p.error_message
            .clone()
            .unwrap_or_else(|| "payment failed".into()),
    )
}

fn payment_uuid(id: &str) -> Result<Uuid> {
    Uuid::parse_str(id).map_err(|_| Error::InvalidRequest("payment_id must be a UUID".into()))
}

pub(super) fn parse_account(id: &str) -> Result<AccountId> {
    Uuid::parse_str(id)
        .map(AccountId)
        .map_err(|_| Error::Internal("stored account id is not a UUID".into()))
}

fn payer_account(user: &User) -> Result<AccountId> {
    user.account_id
        .as_deref()
        .and_then(|a| Uuid::parse_str(a).ok())
        .map(AccountId)
        .ok_or_else(|| refused("account_unavailable", "this user has no wallet account"))
}

/// Digest binding a payment id to its creating user and request body.
fn request_hash(user: &User, req: &CreatePaymentRequest) -> Result<String> {
    let body = serde_json::to_vec(req).map_err(|e| Error::Internal(e.to_string()))?;
    let mut h = Sha256::new();
    h.update(user.id.as_bytes());
    h.update(&body);
    Ok(URL_SAFE_NO_PAD.encode(h.finalize()))
}
