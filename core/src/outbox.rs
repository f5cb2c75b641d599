//! The outbox: every mutating action is given its id on the device and persisted before it is sent.
//!
//! **Flow.** [`Outbox::enqueue`] makes a UUID (the payment id, or the onboarding id), stores the
//! item as `Queued`, and only then may anything be sent. [`Outbox::sync`] sends pending items one at
//! a time in capture order through a [`Transport`], which must send `item.id` as the
//! `Idempotency-Key` (and, for a payment, as the body's `payment_id`). A final answer (accepted or
//! rejected) is recorded; a retryable one (offline, timeout, 5xx) puts the item back to `Queued` and
//! ends the pass, so later items never overtake an earlier one. Call `sync` again on reconnect.
//!
//! **Exactly once.** Each send happens under a lease claimed atomically in the store: a second
//! `sync` running at the same time sees [`Claim::Busy`] and stops. If the app dies between sending
//! and recording the answer, the item stays `Sending`; once its lease ends, the next `sync` sends it
//! again *with the same id*, and the hub's idempotency returns the answer it gave the first time
//! (same key + same body → same result). A send slower than the lease can overlap a takeover; the
//! same rule makes that harmless, and the late answer of the stale owner is ignored.
//!
//! **Fix and resubmit (onboarding).** A `Failed` onboarding item can be edited and resubmitted by
//! the agent: it goes back to `Queued` with the corrected form, **keeping its id and its place**.
//! Rationale: a final rejection means the hub created nothing, and the hub contract is that a
//! rejected request leaves no idempotency record, so the same key with a corrected body is processed
//! as new, while any retry of an *accepted* request still finds its record. Keeping the id means a
//! customer can never be created twice from one form. The one exception is the hub's
//! [`HUB_CODE_IDEMPOTENCY_CONFLICT`] (the key is already bound to a different body, i.e. the hub did
//! accept an earlier version): such an item cannot be resubmitted; the agent must look the customer
//! up instead. Payments are never resubmitted: a rejected payment is a new payment with a new id.
//!
//! The PIN is never queued: payloads with a `pin` field are refused (approval happens online).

use crate::Result;
use crate::state::WalletModel;
use crate::store::{
    Claim, Finish, NewOutboxItem, OutboxItem, OutboxKind, OutboxStatus, WalletStore,
};
use std::future::Future;
use std::sync::Arc;

/// The hub's error code for "Idempotency-Key already used with a different body".
pub const HUB_CODE_IDEMPOTENCY_CONFLICT: &str = "idempotency_conflict";

/// Default lease for one send, in milliseconds. Transports should time out well before it.
pub const DEFAULT_LEASE_MS: i64 = 120_000;

/// Refusals of the outbox. Never carries payload contents.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum OutboxError {
    /// The payload is not acceptable (reason given).
    #[error("invalid outbox payload: {0}")]
    InvalidPayload(&'static str),
    /// The item cannot be resubmitted (reason given).
    #[error("outbox item cannot be resubmitted: {0}")]
    NotResubmittable(&'static str),
}

/// The hub's answer to one send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Delivery {
    /// Final: the hub accepted the request (also when it replays an earlier acceptance).
    Accepted {
        /// The hub's response body (JSON text).
        result: String,
    },
    /// Final: the hub refused the request with its `{code, message}`.
    Rejected {
        /// The hub's error code.
        code: String,
        /// The hub's error message.
        message: String,
    },
    /// No final answer: offline, timeout, 5xx, 429. The item will be sent again.
    Retryable {
        /// Why, for display (no secrets).
        reason: String,
    },
}

/// Sends one outbox item to the hub. Implemented by the hub client (reqwest, native or wasm) and
/// by tests. Must send `item.id` as the `Idempotency-Key`.
pub trait Transport {
    /// Sends `item` and reports the hub's answer. Must not panic; any transport failure is
    /// [`Delivery::Retryable`].
    fn deliver(&self, item: &OutboxItem) -> impl Future<Output = Delivery>;
}

/// Why a sync pass ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SyncStop {
    /// Nothing left to send.
    Drained,
    /// The hub could not be reached or gave no final answer; sync again on reconnect.
    Retryable {
        /// The transport's reason.
        reason: String,
    },
    /// Another sync is sending the next item.
    Busy,
}

/// What one sync pass did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyncReport {
    /// Ids accepted by the hub in this pass, in order.
    pub accepted: Vec<String>,
    /// Ids rejected by the hub in this pass, in order.
    pub rejected: Vec<String>,
    /// Why the pass ended.
    pub stop: SyncStop,
}

/// The outbox over a [`WalletStore`]; optionally mirrors item status into a [`WalletModel`].
pub struct Outbox {
    store: Arc<dyn WalletStore>,
    model: Option<Arc<WalletModel>>,
    lease_ms: i64,
}

fn check_payload(payload: &serde_json::Value) -> Result<String> {
    let obj = payload
        .as_object()
        .ok_or(OutboxError::InvalidPayload("payload must be a JSON object"))?;
    if obj.keys().any(|k| k.eq_ignore_ascii_case("pin")) {
        return Err(OutboxError::InvalidPayload("a PIN is never stored").into());
    }
    serde_json::to_string(payload)
        .map_err(|_| OutboxError::InvalidPayload("payload cannot be encoded").into())
}

impl Outbox {
    /// An outbox over `store` with the default lease.
    pub fn new(store: Arc<dyn WalletStore>) -> Self {
        Self {
            store,
            model: None,
            lease_ms: DEFAULT_LEASE_MS,
        }
    }

    /// Mirrors every outbox change into `model` (which notifies its listeners).
    pub fn with_model(mut self, model: Arc<WalletModel>) -> Self {
        self.model = Some(model);
        self
    }

    /// Sets the lease for one send (milliseconds, at least 1).
    pub fn with_lease_ms(mut self, lease_ms: i64) -> Self {
        self.lease_ms = lease_ms.max(1);
        self
    }

    fn publish(&self) -> Result<()> {
        if let Some(model) = &self.model {
            model.set_outbox(&self.store.outbox_list()?);
        }
        Ok(())
    }

    /// Gives the action a new id (UUID v4) and persists it as `Queued`. Returns the stored item;
    /// its `id` is the payment id / onboarding id.
    pub fn enqueue(
        &self,
        kind: OutboxKind,
        payload: &serde_json::Value,
        now_ms: i64,
    ) -> Result<OutboxItem> {
        let payload = check_payload(payload)?;
        let id = crate::ids::new_uuid_v4()?;
        let item = self
            .store
            .outbox_insert(&NewOutboxItem { id, kind, payload }, now_ms)?;
        self.publish()?;
        Ok(item)
    }

    /// Replaces the form of a `Failed` onboarding item and queues it again under the same id
    /// (see the module docs for why the id is kept).
    pub fn resubmit(
        &self,
        id: &str,
        corrected: &serde_json::Value,
        now_ms: i64,
    ) -> Result<OutboxItem> {
        let payload = check_payload(corrected)?;
        let item = self
            .store
            .outbox_get(id)?
            .ok_or(crate::store::StoreError::NotFound)?;
        if item.kind != OutboxKind::Onboarding {
            return Err(
                OutboxError::NotResubmittable("only onboarding forms are resubmitted").into(),
            );
        }
        if let OutboxStatus::Failed { code, .. } = &item.status
            && code == HUB_CODE_IDEMPOTENCY_CONFLICT
        {
            return Err(OutboxError::NotResubmittable("the hub holds another version").into());
        }
        let item = self.store.outbox_resubmit(id, &payload, now_ms)?;
        self.publish()?;
        Ok(item)
    }

    /// Forgets `Done` items last changed before `before_ms`; returns how many.
    pub fn remove_done(&self, before_ms: i64) -> Result<usize> {
        let removed = self.store.outbox_remove_done(before_ms)?;
        if removed > 0 {
            self.publish()?;
        }
        Ok(removed)
    }

    /// All items in capture order, with their status.
    pub fn items(&self) -> Result<Vec<OutboxItem>> {
        Ok(self.store.outbox_list()?)
    }

    /// Sends pending items in order until drained, a retryable answer, or another sync holds the
    /// next item. `now_ms` is the clock (called before each claim and each record).
    pub async fn sync<T: Transport>(
        &self,
        transport: &T,
        now_ms: impl Fn() -> i64,
    ) -> Result<SyncReport> {
        let owner = crate::ids::new_uuid_v4()?;
        let mut report = SyncReport {
            accepted: Vec::new(),
            rejected: Vec::new(),
            stop: SyncStop::Drained,
        };
        loop {
            let item = match self
                .store
                .outbox_claim_next(&owner, now_ms(), self.lease_ms)?
            {
                Claim::Claimed(item) => *item,
                Claim::Empty => break,
                Claim::Busy => {
                    report.stop = SyncStop::Busy;
                    break;
                }
            };
            self.publish()?;
            let delivery = transport.deliver(&item).await;
            let (finish, retry_reason) = match delivery {
                Delivery::Accepted { result } => (Finish::Done { result }, None),
                Delivery::Rejected { code, message } => (Finish::Failed { code, message }, None),
                Delivery::Retryable { reason } => (
                    Finish::Retry {
                        reason: reason.clone(),
                    },
                    Some(reason),
                ),
            };
            let recorded = self
                .store
                .outbox_finish(&item.id, &owner, &finish, now_ms())?;
            self.publish()?;
            if let Some(reason) = retry_reason {
                report.stop = SyncStop::Retryable { reason };
                break;
            }
            if !recorded {
                // Our lease ran out and another run took the item over; it records the answer.
                tracing::debug!("outbox lease lost during send; leaving the item to its new owner");
                report.stop = SyncStop::Busy;
                break;
            }
            match finish {
                Finish::Done { .. } => report.accepted.push(item.id),
                Finish::Failed { .. } => report.rejected.push(item.id),
                Finish::Retry { .. } => {}
            }
        }
        Ok(report)
    }
}

#[cfg(test)]
#[path = "outbox_tests.rs"]
mod tests;
