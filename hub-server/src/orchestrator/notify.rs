//! Server-sent events for finished payments: the payer learns the outcome, the payee (when they
//! are our user) learns money arrived.

use kipochi_core::api::{Direction, Event, Payee};

use super::terms;
use crate::accounts::AccountId;
use crate::auth::User;
use crate::http::AppState;
use crate::payments::PaymentRecord;

/// Publishes `PaymentCompleted` to the payer of `p` and, for an internal payment to one of our
/// users, `PaymentReceived` to the payee holding `payee_account`. Never fails the payment: a
/// missing subscriber or an unreadable user only means no event. `payer` is the paying user when
/// known (shown to the payee); recovery passes `None`.
pub async fn completed(
    state: &AppState,
    p: &PaymentRecord,
    payee_account: AccountId,
    payer: Option<&User>,
) {
    let Ok(view) = terms::payment(p) else { return };
    if let Some(user_id) = &p.user_id {
        state.events.publish(
            user_id,
            Event::PaymentCompleted {
                payment: view.clone(),
            },
        );
    }
    if !p.internal {
        return;
    }
    merchant_paid(
        state,
        &payee_account.to_string(),
        p.reference.as_deref(),
        &p.id,
    )
    .await;
    // The payee is whoever holds the credited account: a customer (phone) or a merchant (till).
    let (auth, account) = (state.auth.clone(), payee_account.to_string());
    let found = crate::api::blocking(move || auth.user_by_account(&account)).await;
    let Ok(Some(payee)) = found else {
        return;
    };
    let mut incoming = view;
    incoming.direction = Direction::Incoming;
    incoming.fee = "0".into();
    incoming.counterparty = match payer {
        Some(u) => Payee {
            id_type: "MSISDN".into(),
            id: u.phone.clone(),
            name: u.display_name.clone(),
            fsp_id: state.fsp_id.clone(),
        },
        None => Payee {
            id_type: "MSISDN".into(),
            id: String::new(),
            name: String::new(),
            fsp_id: state.fsp_id.clone(),
        },
    };
    state.events.publish(
        &payee.id.to_string(),
        Event::PaymentReceived { payment: incoming },
    );
}

/// Publishes the end of a payment to our user on it: `PaymentCompleted` for the payer of an
/// outgoing payment (committed, failed or expired), `PaymentReceived` for the payee of a
/// committed incoming one. Never fails the payment.
pub async fn finished(state: &AppState, p: &PaymentRecord) {
    let (Some(user_id), Ok(payment)) = (&p.user_id, terms::payment(p)) else {
        return;
    };
    let event = match p.direction {
        Direction::Outgoing => Event::PaymentCompleted { payment },
        Direction::Incoming if p.state == kipochi_core::api::PaymentState::Committed => {
            merchant_paid(state, &p.account_id, p.reference.as_deref(), &p.id).await;
            Event::PaymentReceived { payment }
        }
        Direction::Incoming => return,
    };
    state.events.publish(user_id, event);
}

/// A committed payment to `account` carrying a merchant request's `reference` marks the request
/// paid. Idempotent; a failure is logged (the money moved either way; the request shows open).
async fn merchant_paid(state: &AppState, account: &str, reference: Option<&str>, payment: &str) {
    let Some(reference) = reference else { return };
    let (store, account, reference, payment, now) = (
        state.merchant.clone(),
        account.to_string(),
        reference.to_string(),
        payment.to_string(),
        state.now(),
    );
    let done =
        crate::api::blocking(
            move || Ok(store.settle_payment(&account, &reference, &payment, now)?),
        )
        .await;
    if let Err(e) = done {
        tracing::warn!(code = e.code(), "merchant request not marked paid");
    }
}

/// Checks a payment to merchant `account` carrying `reference` against its open request: an
/// unknown reference is a free-form one (a QR from another till system); a known one must be
/// open and for this amount.
pub async fn check_merchant_request(
    state: &AppState,
    account: &str,
    reference: Option<&str>,
    amount_minor: i64,
) -> crate::Result<()> {
    let Some(reference) = reference else {
        return Ok(());
    };
    let (store, account, reference, now) = (
        state.merchant.clone(),
        account.to_string(),
        reference.to_string(),
        state.now(),
    );
    crate::api::blocking(move || {
        match store.check_payment(&account, Some(&reference), amount_minor, now) {
            Ok(_) | Err(crate::merchant::MerchantError::Unknown) => Ok(()),
            Err(e) => Err(e.into()),
        }
    })
    .await
}
