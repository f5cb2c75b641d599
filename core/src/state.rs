//! The observable wallet model: one place holding what the screens show.
//!
//! The FFI layer adapts [`WalletListener`] to a uniffi callback interface and the web layer to a
//! Leptos signal. Each setter notifies listeners only when the value actually changed, with the new
//! value in the [`WalletChange`]. Listeners are called on the thread that made the change, after the
//! model's lock is released, so a listener may read [`WalletModel::snapshot`].

use crate::approval::ApprovalTerms;
use crate::store::{
    Balance, Cached, HistoryEntry, OutboxItem, OutboxKind, OutboxStatus, Profile, SessionMeta,
    StoreError, WalletStore,
};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

/// A quote waiting for the user's approval.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingApproval {
    /// The terms to show and sign.
    pub terms: ApprovalTerms,
    /// When the quote arrived (ms since epoch).
    pub received_at_ms: i64,
}

/// An outbox item as the screens show it (no payload: it may hold personal data).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutboxEntry {
    /// Payment id / onboarding id.
    pub id: String,
    /// What it is.
    pub kind: OutboxKind,
    /// Where it is.
    pub status: OutboxStatus,
    /// Send attempts so far.
    pub attempts: u32,
    /// Why the last attempt did not get through, if it was retryable.
    pub last_error: Option<String>,
}

impl From<&OutboxItem> for OutboxEntry {
    fn from(i: &OutboxItem) -> Self {
        Self {
            id: i.id.clone(),
            kind: i.kind,
            status: i.status.clone(),
            attempts: i.attempts,
            last_error: i.last_error.clone(),
        }
    }
}

/// Everything the model holds.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WalletSnapshot {
    /// The session, if logged in.
    pub session: Option<SessionMeta>,
    /// Profile and role.
    pub profile: Option<Profile>,
    /// Balances with when they were fetched.
    pub balances: Option<Cached<Vec<Balance>>>,
    /// History with when it was fetched.
    pub history: Option<Cached<Vec<HistoryEntry>>>,
    /// Quotes waiting for approval, oldest first.
    pub pending_approvals: Vec<PendingApproval>,
    /// Outbox items in capture order.
    pub outbox: Vec<OutboxEntry>,
}

/// One change to the model, carrying the new value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WalletChange {
    /// Logged in, refreshed or logged out.
    Session(Option<SessionMeta>),
    /// Profile or role changed.
    Profile(Option<Profile>),
    /// New balances.
    Balances(Option<Cached<Vec<Balance>>>),
    /// New history.
    History(Option<Cached<Vec<HistoryEntry>>>),
    /// A quote arrived or was approved/declined.
    PendingApprovals(Vec<PendingApproval>),
    /// An outbox item changed status.
    Outbox(Vec<OutboxEntry>),
}

/// Receives model changes. Implemented by the FFI and web layers.
pub trait WalletListener: Send + Sync {
    /// Called once per change, after it is applied.
    fn on_change(&self, change: WalletChange);
}

/// Handle returned by [`WalletModel::subscribe`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ListenerId(u64);

/// The observable wallet model.
#[derive(Default)]
pub struct WalletModel {
    state: Mutex<WalletSnapshot>,
    listeners: Mutex<Vec<(ListenerId, Arc<dyn WalletListener>)>>,
    next_id: AtomicU64,
}

fn relock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A listener that panicked cannot leave the model half-updated (values are replaced whole),
    // so a poisoned lock is still safe to use.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl WalletModel {
    /// An empty model.
    pub fn new() -> Self {
        Self::default()
    }

    /// Fills the model from the offline store (app start), notifying listeners of what changed.
    pub fn load_from_store(&self, store: &dyn WalletStore) -> Result<(), StoreError> {
        let session = store.session()?;
        let profile = store.profile()?;
        let balances = store.balances()?;
        let history = store.history()?;
        let outbox = store.outbox_list()?;
        self.set_session(session);
        self.set_profile(profile);
        self.set_balances(balances);
        self.set_history(history);
        self.set_outbox(&outbox);
        Ok(())
    }

    /// Registers a listener.
    pub fn subscribe(&self, listener: Arc<dyn WalletListener>) -> ListenerId {
        let id = ListenerId(self.next_id.fetch_add(1, Ordering::Relaxed));
        relock(&self.listeners).push((id, listener));
        id
    }

    /// Removes a listener; `false` if it was not registered.
    pub fn unsubscribe(&self, id: ListenerId) -> bool {
        let mut ls = relock(&self.listeners);
        let before = ls.len();
        ls.retain(|(i, _)| *i != id);
        ls.len() != before
    }

    /// A copy of the whole model.
    pub fn snapshot(&self) -> WalletSnapshot {
        relock(&self.state).clone()
    }

    /// Runs `f` under the lock; notifies listeners of the change it returns, if any.
    fn modify(&self, f: impl FnOnce(&mut WalletSnapshot) -> Option<WalletChange>) {
        let Some(change) = f(&mut relock(&self.state)) else {
            return;
        };
        let listeners: Vec<_> = relock(&self.listeners)
            .iter()
            .map(|(_, l)| Arc::clone(l))
            .collect();
        for l in listeners {
            l.on_change(change.clone());
        }
    }

    /// Replaces one field; notifies with `wrap(new value)` if it changed.
    fn update<T: Clone + PartialEq>(
        &self,
        field: impl FnOnce(&mut WalletSnapshot) -> &mut T,
        value: T,
        wrap: impl FnOnce(T) -> WalletChange,
    ) {
        self.modify(|state| {
            let slot = field(state);
            if *slot == value {
                return None;
            }
            *slot = value.clone();
            Some(wrap(value))
        });
    }

    /// Sets or clears the session.
    pub fn set_session(&self, session: Option<SessionMeta>) {
        self.update(|s| &mut s.session, session, WalletChange::Session);
    }

    /// Sets or clears the profile.
    pub fn set_profile(&self, profile: Option<Profile>) {
        self.update(|s| &mut s.profile, profile, WalletChange::Profile);
    }

    /// Sets the balances.
    pub fn set_balances(&self, balances: Option<Cached<Vec<Balance>>>) {
        self.update(|s| &mut s.balances, balances, WalletChange::Balances);
    }

    /// Sets the history.
    pub fn set_history(&self, history: Option<Cached<Vec<HistoryEntry>>>) {
        self.update(|s| &mut s.history, history, WalletChange::History);
    }

    /// Adds a quote awaiting approval, replacing one with the same payment id.
    pub fn add_pending_approval(&self, pending: PendingApproval) {
        self.modify(|state| {
            let list = &mut state.pending_approvals;
            if list.contains(&pending) {
                return None;
            }
            list.retain(|p| p.terms.payment_id != pending.terms.payment_id);
            list.push(pending);
            Some(WalletChange::PendingApprovals(list.clone()))
        });
    }

    /// Removes the quote for `payment_id` (approved, declined or expired); `false` if absent.
    pub fn remove_pending_approval(&self, payment_id: &str) -> bool {
        let mut removed = false;
        self.modify(|state| {
            let list = &mut state.pending_approvals;
            let before = list.len();
            list.retain(|p| p.terms.payment_id != payment_id);
            removed = list.len() != before;
            removed.then(|| WalletChange::PendingApprovals(list.clone()))
        });
        removed
    }

    /// Mirrors the outbox (called by [`crate::outbox::Outbox`]).
    pub fn set_outbox(&self, items: &[OutboxItem]) {
        let entries: Vec<OutboxEntry> = items.iter().map(OutboxEntry::from).collect();
        self.update(|s| &mut s.outbox, entries, WalletChange::Outbox);
    }

    /// Logout: clears session, profile, balances, history and pending approvals; keeps the outbox
    /// (queued agent work must still be sent).
    pub fn clear_account(&self) {
        self.set_session(None);
        self.set_profile(None);
        self.set_balances(None);
        self.set_history(None);
        self.update(
            |s| &mut s.pending_approvals,
            Vec::new(),
            WalletChange::PendingApprovals,
        );
    }
}

#[cfg(test)]
#[path = "state_tests.rs"]
mod tests;
