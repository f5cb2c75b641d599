//! In-memory [`WalletStore`]: tests, and the browser.
//!
//! In the browser the web layer persists it: after each change it saves [`MemoryStore::export_json`]
//! to browser storage and on start restores it with [`MemoryStore::import_json`]. Browser storage is
//! not encrypted; it holds no PIN and no token (those never reach the store).

use super::{
    Balance, Cached, Claim, Finish, HistoryEntry, NewOutboxItem, OutboxItem, OutboxStatus, Profile,
    SessionMeta, StoreError, WalletStore, apply_claim, apply_finish, apply_resubmit, may_claim,
};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};
use std::sync::{Mutex, MutexGuard};

/// Version of the [`MemoryStore::export_json`] format.
const EXPORT_VERSION: u32 = 1;

#[derive(Default, Serialize, Deserialize)]
struct Inner {
    session: Option<SessionMeta>,
    profile: Option<Profile>,
    balances: Option<Cached<Vec<Balance>>>,
    history: Option<Cached<Vec<HistoryEntry>>>,
    settings: BTreeMap<String, String>,
    /// Outbox items in capture order.
    outbox: Vec<OutboxItem>,
    next_seq: i64,
}

#[derive(Serialize)]
struct Export<'a> {
    version: u32,
    #[serde(flatten)]
    inner: &'a Inner,
}

#[derive(Deserialize)]
struct Import {
    version: u32,
    #[serde(flatten)]
    inner: Inner,
}

/// A [`WalletStore`] held in memory; all data is lost when dropped.
#[derive(Default)]
pub struct MemoryStore {
    inner: Mutex<Inner>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// The whole store as JSON (for browser storage). Contains personal data: store it only in
    /// the app's own origin storage.
    pub fn export_json(&self) -> Result<String, StoreError> {
        let g = self.lock()?;
        serde_json::to_string(&Export {
            version: EXPORT_VERSION,
            inner: &g,
        })
        .map_err(|_| StoreError::Corrupt("export"))
    }

    /// Restores a store from [`Self::export_json`] output, checking its invariants.
    pub fn import_json(json: &str) -> Result<Self, StoreError> {
        let Import { version, inner } =
            serde_json::from_str(json).map_err(|_| StoreError::Corrupt("import is not valid"))?;
        if version != EXPORT_VERSION {
            return Err(StoreError::Corrupt("import version"));
        }
        let mut ids = HashSet::new();
        let mut last_seq = 0;
        for item in &inner.outbox {
            if item.seq <= last_seq || !ids.insert(item.id.as_str()) {
                return Err(StoreError::Corrupt("import outbox order"));
            }
            last_seq = item.seq;
        }
        if inner.next_seq < last_seq {
            return Err(StoreError::Corrupt("import sequence"));
        }
        Ok(Self {
            inner: Mutex::new(inner),
        })
    }

    fn lock(&self) -> Result<MutexGuard<'_, Inner>, StoreError> {
        self.inner
            .lock()
            .map_err(|_| StoreError::Backend("memory store lock poisoned".into()))
    }
}

impl WalletStore for MemoryStore {
    fn session(&self) -> Result<Option<SessionMeta>, StoreError> {
        Ok(self.lock()?.session.clone())
    }

    fn set_session(&self, session: Option<&SessionMeta>) -> Result<(), StoreError> {
        self.lock()?.session = session.cloned();
        Ok(())
    }

    fn profile(&self) -> Result<Option<Profile>, StoreError> {
        Ok(self.lock()?.profile.clone())
    }

    fn set_profile(&self, profile: Option<&Profile>) -> Result<(), StoreError> {
        self.lock()?.profile = profile.cloned();
        Ok(())
    }

    fn balances(&self) -> Result<Option<Cached<Vec<Balance>>>, StoreError> {
        Ok(self.lock()?.balances.clone())
    }

    fn set_balances(&self, balances: &[Balance], fetched_at_ms: i64) -> Result<(), StoreError> {
        self.lock()?.balances = Some(Cached {
            value: balances.to_vec(),
            fetched_at_ms,
        });
        Ok(())
    }

    fn history(&self) -> Result<Option<Cached<Vec<HistoryEntry>>>, StoreError> {
        Ok(self.lock()?.history.clone())
    }

    fn set_history(&self, entries: &[HistoryEntry], fetched_at_ms: i64) -> Result<(), StoreError> {
        self.lock()?.history = Some(Cached {
            value: entries.to_vec(),
            fetched_at_ms,
        });
        Ok(())
    }

    fn clear_account_data(&self) -> Result<(), StoreError> {
        let mut g = self.lock()?;
        g.session = None;
        g.profile = None;
        g.balances = None;
        g.history = None;
        Ok(())
    }

    fn setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(self.lock()?.settings.get(key).cloned())
    }

    fn set_setting(&self, key: &str, value: &str) -> Result<(), StoreError> {
        self.lock()?
            .settings
            .insert(key.to_owned(), value.to_owned());
        Ok(())
    }

    fn delete_setting(&self, key: &str) -> Result<(), StoreError> {
        self.lock()?.settings.remove(key);
        Ok(())
    }

    fn outbox_insert(&self, item: &NewOutboxItem, now_ms: i64) -> Result<OutboxItem, StoreError> {
        let mut g = self.lock()?;
        if g.outbox.iter().any(|i| i.id == item.id) {
            return Err(StoreError::DuplicateId);
        }
        g.next_seq += 1;
        let stored = OutboxItem {
            id: item.id.clone(),
            seq: g.next_seq,
            kind: item.kind,
            payload: item.payload.clone(),
            status: OutboxStatus::Queued,
            attempts: 0,
            result: None,
            last_error: None,
            lease_owner: None,
            lease_until_ms: None,
            created_at_ms: now_ms,
            updated_at_ms: now_ms,
        };
        g.outbox.push(stored.clone());
        Ok(stored)
    }

    fn outbox_get(&self, id: &str) -> Result<Option<OutboxItem>, StoreError> {
        Ok(self.lock()?.outbox.iter().find(|i| i.id == id).cloned())
    }

    fn outbox_list(&self) -> Result<Vec<OutboxItem>, StoreError> {
        Ok(self.lock()?.outbox.clone())
    }

    fn outbox_claim_next(
        &self,
        owner: &str,
        now_ms: i64,
        lease_ms: i64,
    ) -> Result<Claim, StoreError> {
        let mut g = self.lock()?;
        let Some(item) = g
            .outbox
            .iter_mut()
            .find(|i| matches!(i.status, OutboxStatus::Queued | OutboxStatus::Sending))
        else {
            return Ok(Claim::Empty);
        };
        if !may_claim(item, owner, now_ms) {
            return Ok(Claim::Busy);
        }
        apply_claim(item, owner, now_ms, lease_ms);
        Ok(Claim::Claimed(Box::new(item.clone())))
    }

    fn outbox_finish(
        &self,
        id: &str,
        owner: &str,
        outcome: &Finish,
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        let mut g = self.lock()?;
        let item = g
            .outbox
            .iter_mut()
            .find(|i| i.id == id)
            .ok_or(StoreError::NotFound)?;
        Ok(apply_finish(item, owner, outcome, now_ms))
    }

    fn outbox_remove_done(&self, before_ms: i64) -> Result<usize, StoreError> {
        let mut g = self.lock()?;
        let before = g.outbox.len();
        g.outbox
            .retain(|i| !(i.status == OutboxStatus::Done && i.updated_at_ms < before_ms));
        Ok(before - g.outbox.len())
    }

    fn outbox_resubmit(
        &self,
        id: &str,
        payload: &str,
        now_ms: i64,
    ) -> Result<OutboxItem, StoreError> {
        let mut g = self.lock()?;
        let item = g
            .outbox
            .iter_mut()
            .find(|i| i.id == id)
            .ok_or(StoreError::NotFound)?;
        apply_resubmit(item, payload, now_ms)?;
        Ok(item.clone())
    }
}
