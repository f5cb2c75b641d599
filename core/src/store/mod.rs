//! The offline store: what the wallet keeps on the device between runs.
//!
//! One trait, [`WalletStore`], with two implementations: [`SqliteStore`] (feature `sqlite`; Android,
//! iOS, desktop) and [`MemoryStore`] (everywhere, including wasm; the web layer persists its
//! snapshot to browser storage). One conformance suite (`conformance.rs`) runs against both.
//!
//! What is kept: session metadata (never the PIN; the bearer token itself belongs in
//! `keys::SecureStorage`), profile and role, the last balances and history with the time they were
//! fetched (shown offline with their age), the outbox, and string settings.
//!
//! The store is sans-clock: callers pass `now_ms` (milliseconds since the Unix epoch).

mod memory;
#[cfg(feature = "sqlite")]
mod sqlite;
mod types;

#[cfg(test)]
pub(crate) mod conformance;

pub use memory::MemoryStore;
#[cfg(feature = "sqlite")]
pub use sqlite::SqliteStore;
pub use types::*;

/// Failures of the offline store. Messages never include stored values.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The backing database failed.
    #[error("store backend failed: {0}")]
    Backend(String),
    /// Stored data could not be decoded (corruption or a newer schema).
    #[error("stored data is corrupt: {0}")]
    Corrupt(&'static str),
    /// The database was written by a newer app version.
    #[error("store schema version {found} is newer than supported {supported}")]
    SchemaTooNew {
        /// Version found in the file.
        found: i64,
        /// Newest version this build knows.
        supported: i64,
    },
    /// An outbox item with this id already exists.
    #[error("outbox item already exists")]
    DuplicateId,
    /// No outbox item with this id.
    #[error("outbox item not found")]
    NotFound,
    /// The outbox item is not in a state that allows this operation.
    #[error("outbox item is {actual}, operation needs {needed}")]
    WrongState {
        /// The item's state.
        actual: &'static str,
        /// The state the operation requires.
        needed: &'static str,
    },
}

/// The device's offline store. Implementations are internally synchronized and every method is
/// atomic: a failed call changes nothing.
pub trait WalletStore: Send + Sync {
    /// Session metadata, if logged in.
    fn session(&self) -> Result<Option<SessionMeta>, StoreError>;
    /// Replaces the session metadata; `None` clears it (logout).
    fn set_session(&self, session: Option<&SessionMeta>) -> Result<(), StoreError>;
    /// The user's profile and role.
    fn profile(&self) -> Result<Option<Profile>, StoreError>;
    /// Replaces the profile; `None` clears it.
    fn set_profile(&self, profile: Option<&Profile>) -> Result<(), StoreError>;
    /// The last balances fetched, with when they were fetched.
    fn balances(&self) -> Result<Option<Cached<Vec<Balance>>>, StoreError>;
    /// Replaces the cached balances.
    fn set_balances(&self, balances: &[Balance], fetched_at_ms: i64) -> Result<(), StoreError>;
    /// The last history fetched (newest first, as the hub returned it), with when it was fetched.
    fn history(&self) -> Result<Option<Cached<Vec<HistoryEntry>>>, StoreError>;
    /// Replaces the cached history.
    fn set_history(&self, entries: &[HistoryEntry], fetched_at_ms: i64) -> Result<(), StoreError>;
    /// Drops session, profile, balances and history (logout). Keeps the outbox and settings.
    fn clear_account_data(&self) -> Result<(), StoreError>;

    /// A setting's value.
    fn setting(&self, key: &str) -> Result<Option<String>, StoreError>;
    /// Sets a setting.
    fn set_setting(&self, key: &str, value: &str) -> Result<(), StoreError>;
    /// Removes a setting (no error if absent).
    fn delete_setting(&self, key: &str) -> Result<(), StoreError>;

    /// Persists a new outbox item in state `Queued`, after every existing item.
    fn outbox_insert(&self, item: &NewOutboxItem, now_ms: i64) -> Result<OutboxItem, StoreError>;
    /// One outbox item.
    fn outbox_get(&self, id: &str) -> Result<Option<OutboxItem>, StoreError>;
    /// All outbox items in capture order.
    fn outbox_list(&self) -> Result<Vec<OutboxItem>, StoreError>;
    /// Atomically claims the first item (by capture order) that is `Queued`, or `Sending` under an
    /// expired lease, for `owner` until `now_ms + lease_ms`. If that first item is `Sending` under a
    /// live lease held by another owner, returns [`Claim::Busy`] (order is kept: nothing later is
    /// claimed). `Done` and `Failed` items are skipped.
    fn outbox_claim_next(
        &self,
        owner: &str,
        now_ms: i64,
        lease_ms: i64,
    ) -> Result<Claim, StoreError>;
    /// Records the outcome of a send by the lease `owner`. Returns `false` (and changes nothing) if
    /// the item is no longer `Sending` under that owner.
    fn outbox_finish(
        &self,
        id: &str,
        owner: &str,
        outcome: &Finish,
        now_ms: i64,
    ) -> Result<bool, StoreError>;
    /// Deletes `Done` items last changed before `before_ms` (their answers were shown and applied);
    /// `Failed` items stay until the user acts. Returns how many were deleted.
    fn outbox_remove_done(&self, before_ms: i64) -> Result<usize, StoreError>;
    /// Puts a `Failed` item back to `Queued` with a corrected payload, keeping its id and place.
    fn outbox_resubmit(
        &self,
        id: &str,
        payload: &str,
        now_ms: i64,
    ) -> Result<OutboxItem, StoreError>;
}

/// Whether `owner` may claim `candidate` (the first `Queued`/`Sending` item) at `now_ms`.
pub(crate) fn may_claim(candidate: &OutboxItem, owner: &str, now_ms: i64) -> bool {
    match candidate.status {
        OutboxStatus::Sending => {
            let live = candidate.lease_until_ms.is_some_and(|until| until > now_ms);
            !live || candidate.lease_owner.as_deref() == Some(owner)
        }
        _ => true,
    }
}

/// Applies a claim to `item` in memory (shared by both implementations).
pub(crate) fn apply_claim(item: &mut OutboxItem, owner: &str, now_ms: i64, lease_ms: i64) {
    item.status = OutboxStatus::Sending;
    item.attempts = item.attempts.saturating_add(1);
    item.lease_owner = Some(owner.to_owned());
    item.lease_until_ms = Some(now_ms.saturating_add(lease_ms));
    item.updated_at_ms = now_ms;
}

/// Applies a finish to `item` in memory; `false` if `owner` does not hold its lease.
pub(crate) fn apply_finish(
    item: &mut OutboxItem,
    owner: &str,
    outcome: &Finish,
    now_ms: i64,
) -> bool {
    if item.status != OutboxStatus::Sending || item.lease_owner.as_deref() != Some(owner) {
        return false;
    }
    match outcome {
        Finish::Done { result } => {
            item.status = OutboxStatus::Done;
            item.result = Some(result.clone());
            item.last_error = None;
        }
        Finish::Failed { code, message } => {
            item.status = OutboxStatus::Failed {
                code: code.clone(),
                message: message.clone(),
            };
            item.last_error = None;
        }
        Finish::Retry { reason } => {
            item.status = OutboxStatus::Queued;
            item.last_error = Some(reason.clone());
        }
    }
    item.lease_owner = None;
    item.lease_until_ms = None;
    item.updated_at_ms = now_ms;
    true
}

/// Applies a resubmission to `item` in memory; the item must be `Failed`.
pub(crate) fn apply_resubmit(
    item: &mut OutboxItem,
    payload: &str,
    now_ms: i64,
) -> Result<(), StoreError> {
    if !matches!(item.status, OutboxStatus::Failed { .. }) {
        return Err(StoreError::WrongState {
            actual: item.status.name(),
            needed: "failed",
        });
    }
    item.status = OutboxStatus::Queued;
    item.payload = payload.to_owned();
    item.result = None;
    item.last_error = None;
    item.updated_at_ms = now_ms;
    Ok(())
}
