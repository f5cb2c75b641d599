//! Recovery: drives every unfinished payment towards a terminal state (at start and on a timer).
//!
//! Outgoing internal payments: `created` / `quoted` past the quote's expiry → `expired`;
//! `approved` → book it again (the account system is idempotent by the payment id, so a booking
//! that happened before a crash is not repeated) → `committed` or `failed`. Payments that wait on
//! the switch (`reserved`, `sent`) and incoming ones are left to their own flow.

use std::time::Duration;

use kipochi_core::api::{Direction, PaymentState};

use super::payer::{QUOTE_TTL_MS, blocking_store, execute_internal};
use crate::error::Result;
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
    if p.direction != Direction::Outgoing || !p.internal {
        return Ok(Outcome::Waiting);
    }
    let now = state.now();
    let expires = match p.state {
        PaymentState::Created => Some(p.created_at.saturating_add(QUOTE_TTL_MS)),
        PaymentState::Quoted => Some(p.quote_expiry.unwrap_or(p.created_at)),
        _ => None,
    };
    match (p.state, expires) {
        (from @ (PaymentState::Created | PaymentState::Quoted), Some(at)) if now > at => {
            let id = p.id.clone();
            let changes = Changes {
                error_code: Some("quote_expired".into()),
                detail: Some("expired by recovery".into()),
                ..Changes::default()
            };
            blocking_store(state, move |s| {
                s.transition(&id, from, PaymentState::Expired, changes, now)
            })
            .await?;
            Ok(Outcome::Expired)
        }
        (PaymentState::Approved, _) => {
            execute_internal(state, p, None).await?;
            Ok(Outcome::Completed)
        }
        _ => Ok(Outcome::Waiting),
    }
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
