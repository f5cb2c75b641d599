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
    super::merchant::merchant_paid(
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
            super::merchant::merchant_paid(state, &p.account_id, p.reference.as_deref(), &p.id)
                .await;
            Event::PaymentReceived { payment }
        }
        Direction::Incoming => return,
    };
    state.events.publish(user_id, event);
}
