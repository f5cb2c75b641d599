//! The payer side across DFSPs: the payee is not ours, so the switch resolves it (`GET /parties`),
//! quotes it (`POST /quotes`) and carries the money (`POST /transfers`).
//!
//! Order of effects, each state committed before the next effect: `created` → (lookup + quote +
//! our fee) → `quoted` → approval → `approved` → hold on the payer's account → `reserved` →
//! `sent` (written BEFORE the transfer leaves) → the switch's answer → commit the hold →
//! `committed`, or release it → `failed`. An unknown outcome leaves the payment `sent` with its
//! hold: only the switch's final word (callback, `GET /transfers`) moves it, so money is never
//! released for a transfer the switch committed, nor booked twice.

use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use kipochi_core::api::{Payment, PaymentState, Quote};
use rand::RngCore;
use uuid::Uuid;

use super::errors::{refused, switch_error};
use super::payer::{blocking_store, parse_account};
use super::resolve::Target;
use super::terms;
use crate::accounts::{
    AccountError, Money as Minor, QuoteRequest, QuoteRole, ReserveRequest, TransactionType,
    TransferId,
};
use crate::auth::User;
use crate::error::{Error, Result};
use crate::fspiop::handler::{PartyLookup, Switch, TransferOutcome};
use crate::fspiop::primitives::{Amount, CorrelationId, Currency, DateTime, FspId};
use crate::fspiop::types::{
    AmountType, IlpCondition, IlpPacket, Initiator, InitiatorType, Money, Party, PartyIdInfo,
    PartyIdType, QuotesPostRequest, Scenario, TransactionType as FspTransactionType,
    TransfersPostRequest,
};
use crate::http::AppState;
use crate::payments::{Changes, PaymentRecord};

/// How long the switch has to complete a transfer we send.
pub const TRANSFER_TTL_MS: i64 = 60 * 1000;

/// The switch, or the refusal a payment to a payee that is not ours gets without one.
pub(super) fn switch(state: &AppState) -> Result<Arc<dyn Switch>> {
    state.switch.clone().ok_or_else(|| {
        refused(
            "payee_not_found",
            "no wallet or till is registered under this identifier",
        )
    })
}

/// `GET /parties` through the switch: who the payee is and which DFSP holds them.
pub(super) async fn lookup(state: &AppState, t: &Target) -> Result<PartyLookup> {
    let info = PartyIdInfo {
        party_id_type: party_type(t.alias.kind.code())?,
        party_identifier: t.alias.value.clone(),
        party_sub_id_or_type: None,
        fsp_id: None,
        extension_list: None,
    };
    let found = switch(state)?
        .lookup_party(&info)
        .await
        .map_err(|e| switch_error(&e))?;
    if found.fsp_id.as_str() == state.fsp_id {
        // Our own FSP id for a party our account system does not know: refuse rather than loop.
        return Err(refused(
            "payee_not_found",
            "no wallet or till is registered under this identifier",
        ));
    }
    Ok(found)
}

/// The payee's display name from a lookup answer: `name`, else the personal complex name.
pub(super) fn display_name(party: &Party) -> String {
    if let Some(name) = party.name.as_deref().filter(|n| !n.trim().is_empty()) {
        return name.trim().to_string();
    }
    let complex = party
        .personal_info
        .as_ref()
        .and_then(|p| p.complex_name.as_ref());
    let parts = complex
        .map(|c| {
            [&c.first_name, &c.middle_name, &c.last_name]
                .into_iter()
                .flatten()
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    parts.join(" ")
}

/// Quotes a `created` external payment: the payee's quote through the switch, then our fee on
/// what will leave the account; stores the ILP packet and condition and moves it to `quoted`.
pub(super) async fn quote(state: &AppState, user: &User, p: PaymentRecord) -> Result<Quote> {
    let sw = switch(state)?;
    let payer = parse_account(&p.account_id)?;
    let now = state.now();
    let request = quote_request(state, user, &p, now)?;
    let payee_fsp = fsp(&p.counterparty.fsp_id)?;
    let answer = match sw.request_quote(&payee_fsp, &request).await {
        Ok(a) => a,
        Err(e) => {
            let err = switch_error(&e);
            fail(state, &p, PaymentState::Created, &err, now).await?;
            return Err(err);
        }
    };
    let transfer_minor = minor(&answer.transfer_amount, &p.currency)?;
    if answer.transfer_amount.currency.as_str() != p.currency || transfer_minor < p.amount_minor {
        let err = refused(
            "payee_rejected",
            "the payee's quote does not match the payment",
        );
        fail(state, &p, PaymentState::Created, &err, now).await?;
        return Err(err);
    }
    let our_fee = state
        .accounts
        .quote(QuoteRequest {
            account: payer,
            amount: Minor::new(transfer_minor, state.currency.clone()),
            transaction_type: transaction_type(&p),
            role: QuoteRole::Payer,
        })
        .await;
    let our_fee = match our_fee {
        Ok(q) => q.fee.minor,
        Err(e) => {
            super::payer::fail(state, &p, PaymentState::Created, &e, now).await?;
            return Err(e.into());
        }
    };
    let payee_fees = transfer_minor - p.amount_minor;
    let their_expiry = answer.expiration.to_utc().timestamp_millis();
    let mut nonce = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut nonce);
    let changes = Changes {
        fee_minor: Some(our_fee + payee_fees),
        transfer_minor: Some(transfer_minor),
        quote_id: Some(request.quote_id.to_string()),
        quote_expiry: Some(their_expiry.min(now + state.expiry.quote_ms)),
        nonce: Some(URL_SAFE_NO_PAD.encode(nonce)),
        ilp_packet: Some(answer.ilp_packet.as_str().to_string()),
        condition: Some(answer.condition.as_str().to_string()),
        detail: Some(format!("quoted by {}", p.counterparty.fsp_id)),
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

fn quote_request(
    state: &AppState,
    user: &User,
    p: &PaymentRecord,
    now: i64,
) -> Result<QuotesPostRequest> {
    let currency: Currency = p
        .currency
        .parse()
        .map_err(|_| Error::Internal("stored currency".into()))?;
    let dynamic = p.reference.is_some();
    Ok(QuotesPostRequest {
        quote_id: CorrelationId::new_v4(),
        transaction_id: correlation(&p.id)?,
        transaction_request_id: None,
        payee: Party {
            party_id_info: PartyIdInfo {
                party_id_type: party_type(&p.counterparty.id_type)?,
                party_identifier: p.counterparty.id.clone(),
                party_sub_id_or_type: None,
                fsp_id: Some(fsp(&p.counterparty.fsp_id)?),
                extension_list: None,
            },
            merchant_classification_code: None,
            name: None,
            personal_info: None,
            supported_currencies: None,
        },
        payer: Party {
            party_id_info: PartyIdInfo {
                party_id_type: PartyIdType::Msisdn,
                party_identifier: user.phone.clone(),
                party_sub_id_or_type: None,
                fsp_id: Some(fsp(&state.fsp_id)?),
                extension_list: None,
            },
            merchant_classification_code: None,
            name: Some(user.display_name.clone()).filter(|n| !n.is_empty()),
            personal_info: None,
            supported_currencies: None,
        },
        // A merchant's dynamic QR fixes what the merchant receives; P2P sends an amount.
        amount_type: if dynamic {
            AmountType::Receive
        } else {
            AmountType::Send
        },
        amount: money(p.amount_minor, &currency)?,
        fees: None,
        transaction_type: FspTransactionType {
            scenario: match transaction_type(p) {
                TransactionType::Payment => Scenario::Payment,
                _ => Scenario::Transfer,
            },
            sub_scenario: None,
            initiator: Initiator::Payer,
            initiator_type: InitiatorType::Consumer,
            refund_info: None,
            balance_of_payments: None,
        },
        geo_code: None,
        note: p.reference.clone().or_else(|| p.note.clone()),
        expiration: Some(date_time(now + state.expiry.quote_ms)?),
        extension_list: None,
    })
}

/// Runs an `approved` (or crashed `reserved`) external payment to a final state, or to `sent`
/// when the switch's answer is not known yet.
pub(super) async fn execute(state: &AppState, p: PaymentRecord) -> Result<Payment> {
    let p = match p.state {
        PaymentState::Approved => reserve(state, p).await?,
        _ => p,
    };
    if p.state != PaymentState::Reserved {
        return terms::payment(&p);
    }
    let p = send(state, p).await?;
    terms::payment(&p)
}

/// Holds transfer amount + our fee on the payer's account and moves the payment to `reserved`;
/// a refusal (funds, limits) is stored as `failed` and returned.
async fn reserve(state: &AppState, p: PaymentRecord) -> Result<PaymentRecord> {
    let now = state.now();
    let transfer = p
        .transfer_minor
        .ok_or_else(|| Error::Internal("external payment without transfer amount".into()))?;
    let our_fee = p.fee_minor - (transfer - p.amount_minor);
    let held = state
        .accounts
        .reserve(ReserveRequest {
            transfer_id: TransferId(uuid(&p.id)?),
            payer: parse_account(&p.account_id)?,
            amount: Minor::new(transfer, state.currency.clone()),
            fee: Minor::new(our_fee, state.currency.clone()),
        })
        .await;
    if let Err(e) = held {
        super::payer::fail(state, &p, PaymentState::Approved, &e, now).await?;
        return Err(e.into());
    }
    let id = p.id.clone();
    let changes = Changes {
        detail: Some("funds held".into()),
        ..Changes::default()
    };
    blocking_store(state, move |s| {
        s.transition(
            &id,
            PaymentState::Approved,
            PaymentState::Reserved,
            changes,
            now,
        )
    })
    .await
}

/// `reserved` → `sent` (durable first) → `POST /transfers` → settle the outcome.
pub(super) async fn send(state: &AppState, p: PaymentRecord) -> Result<PaymentRecord> {
    let sw = switch(state)?;
    let now = state.now();
    if p.quote_expiry.is_none_or(|e| now > e) {
        return give_up(
            state,
            p,
            "quote_expired",
            "the quote expired before sending",
        )
        .await;
    }
    let id = p.id.clone();
    let changes = Changes {
        transfer_expiry: Some(now + state.expiry.transfer_ms),
        detail: Some(format!("transfer sent to {}", p.counterparty.fsp_id)),
        ..Changes::default()
    };
    let p = blocking_store(state, move |s| {
        s.transition(
            &id,
            PaymentState::Reserved,
            PaymentState::Sent,
            changes,
            now,
        )
    })
    .await?;
    // Built from the STORED payment: if two tasks (a retried approval and a recovery pass) both
    // get here, they send byte-identical requests, which the switch treats as one transfer.
    let expiry = p
        .transfer_expiry
        .ok_or_else(|| Error::Internal("sent payment without transfer expiry".into()))?;
    let request = transfer_request(state, &p, expiry)?;
    let outcome = sw.transfer(&request).await;
    settle(state, p, outcome).await
}

fn transfer_request(
    state: &AppState,
    p: &PaymentRecord,
    expiry: i64,
) -> Result<TransfersPostRequest> {
    let currency: Currency = p
        .currency
        .parse()
        .map_err(|_| Error::Internal("stored currency".into()))?;
    let transfer = p
        .transfer_minor
        .ok_or_else(|| Error::Internal("external payment without transfer amount".into()))?;
    let stored = |v: &Option<String>, what: &str| {
        v.clone()
            .ok_or_else(|| Error::Internal(format!("external payment without {what}")))
    };
    Ok(TransfersPostRequest {
        transfer_id: correlation(&p.id)?,
        payee_fsp: fsp(&p.counterparty.fsp_id)?,
        payer_fsp: fsp(&state.fsp_id)?,
        amount: money(transfer, &currency)?,
        ilp_packet: IlpPacket::try_from(stored(&p.ilp_packet, "ILP packet")?)
            .map_err(|_| Error::Internal("stored ILP packet".into()))?,
        condition: IlpCondition::try_from(stored(&p.condition, "condition")?)
            .map_err(|_| Error::Internal("stored condition".into()))?,
        expiration: date_time(expiry)?,
        extension_list: None,
    })
}

/// Applies the switch's word on a `sent` payment: commit the hold (`committed`), release it
/// (`failed`), or leave it `sent` when the outcome is unknown. Idempotent: a payment that is
/// already final is returned as it is.
pub async fn settle(
    state: &AppState,
    p: PaymentRecord,
    outcome: TransferOutcome,
) -> Result<PaymentRecord> {
    if p.state != PaymentState::Sent {
        return Ok(p);
    }
    let transfer_id = TransferId(uuid(&p.id)?);
    let now = state.now();
    let outcome = switch_final_word(outcome, p.transfer_expiry, now);
    let (to, changes) = match outcome {
        TransferOutcome::Unknown { reason } => {
            tracing::warn!(payment = %p.id, %reason, "transfer outcome unknown; kept for recovery");
            return Ok(p);
        }
        TransferOutcome::Committed { fulfilment, .. } => {
            state.accounts.commit(transfer_id).await?;
            let changes = Changes {
                fulfilment: Some(fulfilment.as_str().to_string()),
                detail: Some("committed by the switch".into()),
                ..Changes::default()
            };
            (PaymentState::Committed, changes)
        }
        TransferOutcome::Aborted(info) => {
            release(state, transfer_id).await?;
            let (code, message) = super::errors::fspiop_refusal(&info);
            let changes = Changes {
                error_code: Some(code.into()),
                error_message: Some(message),
                detail: Some(format!("aborted: FSPIOP {}", info.error_code)),
                ..Changes::default()
            };
            (PaymentState::Failed, changes)
        }
    };
    let id = p.id.clone();
    let done = blocking_store(state, move |s| {
        s.transition(&id, PaymentState::Sent, to, changes, now)
    })
    .await?;
    super::notify::finished(state, &done).await;
    Ok(done)
}

/// How long after a transfer's expiry a switch's "not found" (3208) is believed: before that, a
/// prepare may still be on its way (or be processed after a restart), and the switch refuses
/// expired prepares.
pub const NOT_FOUND_GRACE_MS: i64 = 10_000;

/// A 3208 "transfer not found" answer is final only once the transfer could no longer be
/// accepted by the switch; before that it is an unknown outcome. A 3106 "modified request" on our
/// own transfer id means the switch holds a transfer under it (ours, sent by a concurrent task):
/// its outcome is what `GET /transfers` will say, never an abort.
pub fn switch_final_word(
    outcome: TransferOutcome,
    expiry: Option<i64>,
    now: i64,
) -> TransferOutcome {
    match outcome {
        TransferOutcome::Aborted(info) if info.error_code == "3106" => TransferOutcome::Unknown {
            reason: "the switch holds this transfer id already".into(),
        },
        TransferOutcome::Aborted(info)
            if info.error_code == "3208"
                && expiry.is_none_or(|e| now <= e.saturating_add(NOT_FOUND_GRACE_MS)) =>
        {
            TransferOutcome::Unknown {
                reason: "the switch does not know the transfer yet".into(),
            }
        }
        other => other,
    }
}

/// Releases a hold; a hold that never existed (crash before the reserve) is nothing to release.
async fn release(state: &AppState, id: TransferId) -> Result<()> {
    match state.accounts.release(id).await {
        Ok(_) | Err(AccountError::TransferNotFound(_)) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// Ends a payment that was never sent: releases any hold and stores it as `expired` (quote ran
/// out) or `failed`.
pub(super) async fn give_up(
    state: &AppState,
    p: PaymentRecord,
    code: &'static str,
    message: &str,
) -> Result<PaymentRecord> {
    let from = p.state;
    if !matches!(from, PaymentState::Approved | PaymentState::Reserved) {
        return Ok(p);
    }
    release(state, TransferId(uuid(&p.id)?)).await?;
    let to = if code == "quote_expired" {
        PaymentState::Expired
    } else {
        PaymentState::Failed
    };
    let (id, now) = (p.id.clone(), state.now());
    let changes = Changes {
        error_code: Some(code.into()),
        error_message: Some(message.into()),
        detail: Some(format!("not sent: {code}")),
        ..Changes::default()
    };
    let done = blocking_store(state, move |s| s.transition(&id, from, to, changes, now)).await?;
    super::notify::finished(state, &done).await;
    Ok(done)
}

async fn fail(
    state: &AppState,
    p: &PaymentRecord,
    from: PaymentState,
    err: &Error,
    now: i64,
) -> Result<()> {
    let (id, code, message) = (p.id.clone(), err.code().to_string(), err.to_string());
    let changes = Changes {
        detail: Some(format!("failed: {code}")),
        error_code: Some(code),
        error_message: Some(message),
        ..Changes::default()
    };
    blocking_store(state, move |s| {
        s.transition(&id, from, PaymentState::Failed, changes, now)
    })
    .await?;
    Ok(())
}

fn transaction_type(p: &PaymentRecord) -> TransactionType {
    if p.reference.is_some() || p.counterparty.id_type != "MSISDN" {
        TransactionType::Payment
    } else {
        TransactionType::Transfer
    }
}

fn party_type(code: &str) -> Result<PartyIdType> {
    PartyIdType::parse(code)
        .ok_or_else(|| Error::InvalidRequest(format!("payee type {code} cannot be paid")))
}

fn fsp(id: &str) -> Result<FspId> {
    id.parse()
        .map_err(|_| Error::Internal("stored FSP id is invalid".into()))
}

fn correlation(id: &str) -> Result<CorrelationId> {
    id.parse()
        .map_err(|_| Error::InvalidRequest("payment_id must be a UUID".into()))
}

fn uuid(id: &str) -> Result<Uuid> {
    Uuid::parse_str(id).map_err(|_| Error::InvalidRequest("payment_id must be a UUID".into()))
}

fn money(minor: i64, currency: &Currency) -> Result<Money> {
    let minor = u64::try_from(minor).map_err(|_| Error::Internal("negative amount".into()))?;
    Ok(Money {
        currency: currency.clone(),
        amount: Amount::from_minor_units(minor, currency.scale())
            .map_err(|_| Error::Internal("amount not representable".into()))?,
    })
}

/// An FSPIOP amount in minor units of `code` (refusing extra precision).
pub(super) fn minor(m: &Money, code: &str) -> Result<i64> {
    let currency: Currency = code
        .parse()
        .map_err(|_| Error::Internal("stored currency".into()))?;
    m.amount
        .to_minor_units(currency.scale())
        .ok()
        .and_then(|v| i64::try_from(v).ok())
        .ok_or_else(|| refused("payee_rejected", "the payee's amount is not valid"))
}

/// Unix milliseconds as an FSPIOP date-time.
pub(super) fn date_time(ms: i64) -> Result<DateTime> {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(DateTime::from_utc)
        .ok_or_else(|| Error::Internal("time out of range".into()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fspiop::ErrorCode;

    #[test]
    fn not_found_is_unknown_until_expiry_and_a_modified_request_never_aborts() {
        let not_found = || TransferOutcome::Aborted(ErrorCode::TransferIdNotFound.info(""));
        let expiry = Some(100_000);
        for now in [0, 100_000, 100_000 + NOT_FOUND_GRACE_MS] {
            assert!(matches!(
                switch_final_word(not_found(), expiry, now),
                TransferOutcome::Unknown { .. }
            ));
        }
        let late = 100_001 + NOT_FOUND_GRACE_MS;
        assert!(matches!(
            switch_final_word(not_found(), expiry, late),
            TransferOutcome::Aborted(_)
        ));
        // Without a known expiry a "not found" is never believed.
        assert!(matches!(
            switch_final_word(not_found(), None, i64::MAX),
            TransferOutcome::Unknown { .. }
        ));
        let modified = TransferOutcome::Aborted(ErrorCode::ModifiedRequest.info(""));
        assert!(matches!(
            switch_final_word(modified, expiry, late),
            TransferOutcome::Unknown { .. }
        ));
        // A real refusal (here: payer limit) stays final.
        let refused = TransferOutcome::Aborted(ErrorCode::PayerFspInsufficientLiquidity.info(""));
        assert!(matches!(
            switch_final_word(refused, expiry, 0),
            TransferOutcome::Aborted(_)
        ));
    }
}
