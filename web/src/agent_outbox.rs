//! The agent's outbox in the browser: the core's [`Outbox`] over a [`MemoryStore`] whose snapshot
//! is kept in `localStorage` (one per agent), so forms captured offline survive a reload.
//!
//! The snapshot is written after every change the page makes (enqueue, resubmit, clear) and after
//! each sync pass. A reload in the middle of a pass restores the item as it was before the pass:
//! it is sent again under the same id, and the hub's idempotency answers with the customer it
//! created the first time. The snapshot holds the forms (personal data) in this origin's
//! storage only, like the mobile apps' SQLite file; no PIN is ever in it (the core refuses one).

use std::sync::Arc;

use kipochi_core::api::OnboardRequest;
use kipochi_core::client::{HubClient, OutboxTransport};
use kipochi_core::outbox::{Outbox, SyncReport};
use kipochi_core::store::{MemoryStore, OutboxItem, OutboxKind, WalletStore};

use crate::app::now_ms;

const KEY_PREFIX: &str = "kipochi.agent_outbox.";

/// One agent's persisted outbox.
pub struct AgentOutbox {
    store: Arc<MemoryStore>,
    outbox: Outbox,
    key: String,
}

fn local() -> Option<web_sys::Storage> {
    web_sys::window().and_then(|w| w.local_storage().ok().flatten())
}

fn encode(form: &OnboardRequest) -> Result<serde_json::Value, String> {
    serde_json::to_value(form).map_err(|_| "the form cannot be encoded".to_string())
}

impl AgentOutbox {
    /// The outbox of `user_id`, restored from this browser's storage (empty if none or corrupt).
    pub fn open(user_id: &str) -> Self {
        let key = format!("{KEY_PREFIX}{user_id}");
        let saved = local().and_then(|s| s.get_item(&key).ok().flatten());
        let store = Arc::new(
            saved
                .and_then(|json| MemoryStore::import_json(&json).ok())
                .unwrap_or_default(),
        );
        let dyn_store: Arc<dyn WalletStore> = store.clone();
        Self {
            outbox: Outbox::new(dyn_store),
            store,
            key,
        }
    }

    fn save(&self) -> Result<(), String> {
        let json = self
            .store
            .export_json()
            .map_err(|e| format!("cannot save the outbox: {e}"))?;
        local()
            .ok_or("this browser has no local storage")?
            .set_item(&self.key, &json)
            .map_err(|_| "this browser's storage is full: the form was not saved".to_string())
    }

    /// Queues a new onboarding (a fresh id) and saves it.
    pub fn enqueue(&self, form: &OnboardRequest) -> Result<OutboxItem, String> {
        let item = self
            .outbox
            .enqueue(OutboxKind::Onboarding, &encode(form)?, now_ms())
            .map_err(|e| e.to_string())?;
        self.save()?;
        Ok(item)
    }

    /// Queues a corrected form again under its id and place.
    pub fn resubmit(&self, id: &str, form: &OnboardRequest) -> Result<OutboxItem, String> {
        let item = self
            .outbox
            .resubmit(id, &encode(form)?, now_ms())
            .map_err(|e| e.to_string())?;
        self.save()?;
        Ok(item)
    }

    /// Forgets the sent items (their customers are in the hub's list).
    pub fn clear_sent(&self) -> Result<(), String> {
        self.outbox
            .remove_done(now_ms() + 1)
            .map_err(|e| e.to_string())?;
        self.save()
    }

    /// Every item, in capture order.
    pub fn items(&self) -> Vec<OutboxItem> {
        self.outbox.items().unwrap_or_default()
    }

    /// One sync pass through `hub`, then saves.
    pub async fn sync(&self, hub: HubClient) -> Result<SyncReport, String> {
        let transport = OutboxTransport::new(hub);
        let report = self
            .outbox
            .sync(&transport, now_ms)
            .await
            .map_err(|e| e.to_string());
        let saved = self.save();
        let report = report?;
        saved.map(|_| report)
    }
}
