//! The outbox: agent onboarding forms (and payments) captured offline, sent later in order.

use std::sync::Arc;

use kipochi_core::outbox::{self as core_outbox, Delivery};
use kipochi_core::store::{OutboxItem, OutboxKind};

use kipochi_core::client::OutboxTransport as CoreTransport;

use crate::hub::HubClient;
use crate::model::WalletModel;
use crate::store::WalletStore;
use crate::{FfiError, now_ms};

/// The hub's answer to one send (see the core's `outbox::Delivery`).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum SendOutcome {
    /// Final: the hub accepted it (also when replaying an earlier acceptance).
    Accepted {
        /// The hub's response body (JSON text).
        result: String,
    },
    /// Final: the hub refused it with its `{code, message}`.
    Rejected {
        /// The hub's stable error code.
        code: String,
        /// The hub's message.
        message: String,
    },
    /// No final answer (offline, timeout, 5xx, 429): the item stays queued.
    Retryable {
        /// Why, for display (no secrets).
        reason: String,
    },
}

/// Sends one outbox item to the hub, for apps with their own transport (the hub client's is
/// [`Outbox::sync_with_hub`]). Must send `item.id` as the `Idempotency-Key`. Called on the thread that called
/// [`Outbox::sync`]; a thrown exception counts as [`SendOutcome::Retryable`].
#[uniffi::export(with_foreign)]
pub trait OutboxTransport: Send + Sync {
    /// Sends `item` and reports the hub's answer.
    fn deliver(&self, item: OutboxItem) -> Result<SendOutcome, FfiError>;
}

struct TransportBridge(Arc<dyn OutboxTransport>);

impl core_outbox::Transport for TransportBridge {
    async fn deliver(&self, item: &OutboxItem) -> Delivery {
        match self.0.deliver(item.clone()) {
            Ok(SendOutcome::Accepted { result }) => Delivery::Accepted { result },
            Ok(SendOutcome::Rejected { code, message }) => Delivery::Rejected { code, message },
            Ok(SendOutcome::Retryable { reason }) => Delivery::Retryable { reason },
            Err(e) => Delivery::Retryable {
                reason: format!("transport failed: {}", e.code()),
            },
        }
    }
}

/// Why a sync pass ended.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum SyncStop {
    /// Nothing left to send.
    Drained,
    /// No final answer from the hub; sync again on reconnect.
    Retryable {
        /// The transport's reason.
        reason: String,
    },
    /// Another sync is sending the next item.
    Busy,
}

/// What one sync pass did.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SyncReport {
    /// Ids accepted in this pass, in order.
    pub accepted: Vec<String>,
    /// Ids rejected in this pass, in order.
    pub rejected: Vec<String>,
    /// Why the pass ended.
    pub stop: SyncStop,
}

impl From<core_outbox::SyncReport> for SyncReport {
    fn from(r: core_outbox::SyncReport) -> Self {
        let stop = match r.stop {
            core_outbox::SyncStop::Drained => SyncStop::Drained,
            core_outbox::SyncStop::Retryable { reason } => SyncStop::Retryable { reason },
            core_outbox::SyncStop::Busy => SyncStop::Busy,
        };
        Self {
            accepted: r.accepted,
            rejected: r.rejected,
            stop,
        }
    }
}

fn parse_json(text: &str) -> Result<serde_json::Value, FfiError> {
    serde_json::from_str(text).map_err(|_| FfiError::invalid("invalid_json", "payload is not JSON"))
}

/// The outbox over a store; mirrors every change into the model when given one. Uses the system
/// clock for its timestamps.
#[derive(uniffi::Object)]
pub struct Outbox(Arc<core_outbox::Outbox>);

#[uniffi::export]
impl Outbox {
    /// An outbox over `store`, publishing item status into `model` if given.
    #[uniffi::constructor]
    pub fn new(store: Arc<WalletStore>, model: Option<Arc<WalletModel>>) -> Arc<Self> {
        let mut outbox = core_outbox::Outbox::new(Arc::clone(&store.0));
        if let Some(model) = model {
            outbox = outbox.with_model(Arc::clone(&model.0));
        }
        Arc::new(Self(Arc::new(outbox)))
    }

    /// Persists an action under a new id (UUID) as `Queued` and returns it. `payload_json` must
    /// be a JSON object without a PIN (a PIN is never stored).
    pub fn enqueue(&self, kind: OutboxKind, payload_json: String) -> Result<OutboxItem, FfiError> {
        Ok(self
            .0
            .enqueue(kind, &parse_json(&payload_json)?, now_ms())?)
    }

    /// Queues a `Failed` onboarding form again, corrected, under the same id and place.
    pub fn resubmit(&self, id: String, corrected_json: String) -> Result<OutboxItem, FfiError> {
        Ok(self
            .0
            .resubmit(&id, &parse_json(&corrected_json)?, now_ms())?)
    }

    /// All items in capture order, with their status and payload.
    pub fn items(&self) -> Result<Vec<OutboxItem>, FfiError> {
        Ok(self.0.items()?)
    }

    /// Forgets `Done` items last changed before `before_ms`; returns how many.
    pub fn remove_done(&self, before_ms: i64) -> Result<u64, FfiError> {
        let n = self.0.remove_done(before_ms)?;
        Ok(u64::try_from(n).unwrap_or(u64::MAX))
    }

    /// Sends pending items in capture order through `transport` until drained, a retryable
    /// answer, or another sync holding the next item. Blocks for the whole pass.
    pub fn sync(&self, transport: Arc<dyn OutboxTransport>) -> Result<SyncReport, FfiError> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .map_err(|_| FfiError::Platform {
                code: "runtime_unavailable".into(),
                detail: "cannot start the sync executor".into(),
            })?;
        let bridge = TransportBridge(transport);
        let report = runtime.block_on(self.0.sync(&bridge, now_ms))?;
        Ok(report.into())
    }

    /// Sends pending items in capture order to `hub` (with its session), each with its id as
    /// the `Idempotency-Key`: the core's real transport (a hub refusal is final, no answer or an
    /// expired session leaves the item queued). Suspends for the whole pass.
    pub async fn sync_with_hub(&self, hub: Arc<HubClient>) -> Result<SyncReport, FfiError> {
        let outbox = Arc::clone(&self.0);
        let transport = CoreTransport::new(hub.0.clone());
        crate::runtime::run(async move {
            let report = outbox.sync(&transport, now_ms).await?;
            Ok::<_, kipochi_core::Error>(SyncReport::from(report))
        })
        .await
    }
}
