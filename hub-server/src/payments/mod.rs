//! Payments: the durable state machine every payment goes through, and its store.
//!
//! - `machine`: the legal transitions (pure).
//! - `record`: the stored payment and the changes a transition carries.
//! - `store`: SQLite persistence; each transition is one transaction with its timeline event.
//!
//! The orchestration that drives payments through these states sits on top and talks to the
//! account system and the switch only through their traits.

pub mod machine;
mod record;
mod store;

pub use record::{Changes, Event, Party, PaymentRecord};
pub use store::{Created, FinalLatency, PaymentStore, Search, StoreError};

impl From<StoreError> for crate::Error {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => crate::Error::NotFound("payment"),
            StoreError::Conflict => crate::Error::IdempotencyConflict,
            StoreError::StateConflict { actual, .. } => {
                crate::Error::Unprocessable(format!("payment is already {actual:?}").to_lowercase())
            }
            StoreError::IllegalTransition { from, to } => {
                crate::Error::Internal(format!("illegal transition {from:?} -> {to:?}"))
            }
            StoreError::Corrupt(what) => crate::Error::Internal(format!("corrupt payment {what}")),
            StoreError::Sqlite(e) => crate::Error::Storage(e),
        }
    }
}

#[cfg(test)]
mod tests;
