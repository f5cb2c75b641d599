//! Recovery: drives every unfinished payment towards a terminal state (at start and on a timer).
//!
//! Outgoing: `created` / `quoted` past the quote's expiry → `expired`. Internal `approved` → book
//! it again (the account system is idempotent by the payment id, so a booking that happened before
//! a crash is not repeated). External `approved` / `reserved` (never sent) → send while the quote
//! holds, else release the hold → `expired`. External `sent` → `GET /transfers/{ID}`: committed →
//! commit the hold, aborted → release it, no answer → ask again next pass (never guess).
//! Incoming: `quoted` past expiry → `expired`; `reserved` (prepared, no PATCH yet) →
//! `GET /transfers/{ID}`: committed → credit, aborted → `failed`.

use std::time::Duration;

use kipochi_core::api::{Direction, PaymentState};

use super::payer::{blocking_store, execute_internal};
use super::{external, payee};
use crate::error::Result;
use crate::fspiop::handler::TransferOutcome;
use crate::fspiop::types::IlpCondition;
use crate::http::AppState;
use crate::payments::{Changes, PaymentRecord};

/// What one recovery pass did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Report {
    pub expired: u32,
    pub completed: u32,
    pub failed: u32,
    /// Unfinished payments this pass cannot move (waiting on the switch, or not yet due).
    pub waiting: u32,
}

/// One pass over `PaymentStore::unfinished()`.
pub async fn recover_once(state: &AppState) -> Result<Report> {
    let unfinished = blocking_store(state, |s| s.unfinished()).await?;
    let mut report = Report::default();
    for p in unfinished {
        match step(state, p).await {
            Ok(Outcome::Expired) => report.expired += 1,
            Ok(Outcome::Completed) => report.completed += 1,
            Ok(Outcome::Waiting) => report.waiting += 1,
            Err(e) => {
                tracing::warn!(code = e.code(), "payment recovery step failed");
                report.failed += 1;
            }
        }
    }
    Ok(report)
}

enum Outcome {
    Expired,
    Completed,
    Waiting,
}

async fn step(state: &AppState, p: PaymentRecord) -> Result<Outcome> {
    let now = state.now();
    if p.direction == Direction::Incoming {
        return incoming(state, p, now).await;
    }
    let expires = match p.state {
        PaymentState::Created => Some(p.created_at.saturating_add(state.expiry.quote_ms)),
        PaymentState::Quoted => Some(p.quote_expiry.unwrap_or(p.created_at)),
        _ => None,
    };
    match (p.state, expires) {
        (from @ (PaymentState::Created | PaymentState::Quoted), Some(at)) if now > at => {
            expire(state, &p.id, from, now).await?;
            Ok(Outcome::Expired)
        }
        (PaymentState::Approved, _) if p.internal => {
            execute_internal(state, p, None).await?;
            Ok(Outcome::Completed)
        }
        // Approved or held but never sent: send while the quote holds, else release.
        (PaymentState::Approved | PaymentState::Reserved, _) => {
            let done = external::execute(state, p).await?;
            Ok(if done.state.is_terminal() {
                Outcome::Completed
            } else {
                Outcome::Waiting
            })
        }
        // Sent: only the switch's word settles it.
        (PaymentState::Sent, _) => {
            let (Some(sw), Some(condition)) = (state.switch.clone(), p.condition.clone()) else {
                return Ok(Outcome::Waiting);
            };
            let condition = IlpCondition::try_from(condition)
                .map_err(|_| crate::Error::Internal("stored condition".into()))?;
            let (Ok(id), Ok(fsp)) = (p.id.parse(), p.counterparty.fsp_id.parse()) else {
                return Err(crate::Error::Internal("stored transfer identifiers".into()));
            };
            let outcome = sw.get_transfer(&id, &fsp, &condition).await;
            let done = external::settle(state, p, outcome).await?;
            Ok(if done.state.is_terminal() {
                Outcome::Completed
            } else {
                Outcome::Waiting
            })
        }
        _ => Ok(Outcome::Waiting),
    }
}

/// Incoming: a quote nobody used expires; a prepared transfer without its PATCH asks the switch.
async fn incoming(state: &AppState, p: PaymentRecord, now: i64) -> Result<Outcome> {
    match p.state {
        PaymentState::Quoted if p.quote_expiry.is_none_or(|e| now > e) => {
            expire(state, &p.id, PaymentState::Quoted, now).await?;
            Ok(Outcome::Expired)
        }
        PaymentState::Reserved => {
            let (Some(sw), Some(condition), Some(tid)) = (
                state.switch.clone(),
                p.condition.clone(),
                p.transfer_id.clone(),
            ) else {
                return Ok(Outcome::Waiting);
            };
            let condition = IlpCondition::try_from(condition)
                .map_err(|_| crate::Error::Internal("stored condition".into()))?;
            let (Ok(id), Ok(fsp)) = (tid.parse(), p.counterparty.fsp_id.parse()) else {
                return Err(crate::Error::Internal("stored transfer identifiers".into()));
            };
            let outcome = sw.get_transfer(&id, &fsp, &condition).await;
            match external::switch_final_word(outcome, p.transfer_expiry, now) {
                TransferOutcome::Committed { .. } => {
                    payee::credit(state, p).await?;
                    Ok(Outcome::Completed)
                }
                TransferOutcome::Aborted(info) => {
                    payee::aborted(state, p, &info.error_code).await?;
                    Ok(Outcome::Completed)
                }
                TransferOutcome::Unknown { .. } => Ok(Outcome::Waiting),
            }
        }
        _ => Ok(Outcome::Waiting),
    }
}

async fn expire(state: &AppState, id: &str, from: PaymentState, now: i64) -> Result<()> {
    let id = id.to_string();
    let changes = Changes {
        error_code: Some("quote_expired".into()),
        detail: Some("expired by recovery".into()),
        ..Changes::default()
    };
    blocking_store(state, move |s| {
        s.transition(&id, from, PaymentState::Expired, changes, now)
    })
    .await?;
    Ok(())
}

/// Runs [`recover_once`] now and then every `every` until the task is dropped.
pub async fn run(state: AppState, every: Duration) {
    let mut tick = tokio::time::interval(every);
    loop {
        tick.tick().await;
        match recover_once(&state).await {
            Ok(r) if r != Report::default() => tracing::info!(
                expired = r.expired,
                completed = r.completed,
                failed = r.failed,
                waiting = r.waiting,
                "payment recovery pass"
            ),
            Ok(_) => {}
            Err(e) => tracing::error!(code = e.code(), "payment recovery pass failed"),
        }
    }
}
