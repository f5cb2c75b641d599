//! The observable wallet model: snapshot for the screens, live changes through a listener.

use std::sync::{Arc, Mutex, Weak};

use kipochi_core::state::{self as core_state, ListenerId, OutboxEntry, PendingApproval};
use kipochi_core::store::{Balance, Cached, HistoryEntry, Profile, SessionMeta};

use crate::FfiError;
use crate::store::WalletStore;

/// Balances with when they were fetched (shown offline with their age).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct CachedBalances {
    /// The balances.
    pub balances: Vec<Balance>,
    /// When they were fetched (ms since epoch).
    pub fetched_at_ms: i64,
}

impl From<Cached<Vec<Balance>>> for CachedBalances {
    fn from(c: Cached<Vec<Balance>>) -> Self {
        Self {
            balances: c.value,
            fetched_at_ms: c.fetched_at_ms,
        }
    }
}

/// History with when it was fetched.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct CachedHistory {
    /// The entries, newest first.
    pub entries: Vec<HistoryEntry>,
    /// When they were fetched (ms since epoch).
    pub fetched_at_ms: i64,
}

impl From<Cached<Vec<HistoryEntry>>> for CachedHistory {
    fn from(c: Cached<Vec<HistoryEntry>>) -> Self {
        Self {
            entries: c.value,
            fetched_at_ms: c.fetched_at_ms,
        }
    }
}

/// Everything the model holds.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct WalletSnapshot {
    /// The session, if logged in.
    pub session: Option<SessionMeta>,
    /// Profile and role.
    pub profile: Option<Profile>,
    /// Balances with when they were fetched.
    pub balances: Option<CachedBalances>,
    /// History with when it was fetched.
    pub history: Option<CachedHistory>,
    /// Quotes waiting for approval, oldest first.
    pub pending_approvals: Vec<PendingApproval>,
    /// Outbox items in capture order (sync status per item).
    pub outbox: Vec<OutboxEntry>,
}

impl From<core_state::WalletSnapshot> for WalletSnapshot {
    fn from(s: core_state::WalletSnapshot) -> Self {
        Self {
            session: s.session,
            profile: s.profile,
            balances: s.balances.map(Into::into),
            history: s.history.map(Into::into),
            pending_approvals: s.pending_approvals,
            outbox: s.outbox,
        }
    }
}

/// One change to the model, carrying the new value. (Variants end in `Changed` so that, in
/// Kotlin, they do not shadow the record types they carry.)
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
#[expect(
    clippy::enum_variant_names,
    reason = "a Kotlin sealed-class variant named like the record it carries would shadow it"
)]
pub enum WalletChange {
    /// Logged in, refreshed or logged out.
    SessionChanged {
        /// The new session.
        session: Option<SessionMeta>,
    },
    /// Profile or role changed.
    ProfileChanged {
        /// The new profile.
        profile: Option<Profile>,
    },
    /// New balances.
    BalancesChanged {
        /// The new balances.
        balances: Option<CachedBalances>,
    },
    /// New history.
    HistoryChanged {
        /// The new history.
        history: Option<CachedHistory>,
    },
    /// A quote arrived or was approved/declined.
    PendingApprovalsChanged {
        /// The quotes now waiting.
        pending: Vec<PendingApproval>,
    },
    /// An outbox item changed status.
    OutboxChanged {
        /// All outbox items.
        entries: Vec<OutboxEntry>,
    },
}

impl From<core_state::WalletChange> for WalletChange {
    fn from(c: core_state::WalletChange) -> Self {
        use core_state::WalletChange as C;
        match c {
            C::Session(session) => Self::SessionChanged { session },
            C::Profile(profile) => Self::ProfileChanged { profile },
            C::Balances(b) => Self::BalancesChanged {
                balances: b.map(Into::into),
            },
            C::History(h) => Self::HistoryChanged {
                history: h.map(Into::into),
            },
            C::PendingApprovals(pending) => Self::PendingApprovalsChanged { pending },
            C::Outbox(entries) => Self::OutboxChanged { entries },
        }
    }
}

/// Receives model changes. Called on the thread that made the change, after it is applied;
/// it may read [`WalletModel::snapshot`]. Apps post to their UI thread from here.
#[uniffi::export(callback_interface)]
pub trait WalletListener: Send + Sync {
    /// Called once per change.
    fn on_change(&self, change: WalletChange);
}

struct ListenerBridge(Box<dyn WalletListener>);

impl core_state::WalletListener for ListenerBridge {
    fn on_change(&self, change: core_state::WalletChange) {
        self.0.on_change(change.into());
    }
}

/// The observable wallet model (one per app process).
#[derive(Default, uniffi::Object)]
pub struct WalletModel(pub(crate) Arc<core_state::WalletModel>);

#[uniffi::export]
impl WalletModel {
    /// An empty model.
    #[uniffi::constructor]
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// Fills the model from the offline store (app start); listeners hear what changed.
    pub fn load_from_store(&self, store: Arc<WalletStore>) -> Result<(), FfiError> {
        Ok(self.0.load_from_store(store.0.as_ref())?)
    }

    /// A copy of the whole model.
    pub fn snapshot(&self) -> WalletSnapshot {
        self.0.snapshot().into()
    }

    /// Starts delivering changes to `listener` until the returned subscription is cancelled or
    /// destroyed.
    pub fn subscribe(&self, listener: Box<dyn WalletListener>) -> Arc<Subscription> {
        let id = self.0.subscribe(Arc::new(ListenerBridge(listener)));
        Arc::new(Subscription {
            model: Arc::downgrade(&self.0),
            id: Mutex::new(Some(id)),
        })
    }
}

/// A live listener registration. Cancel it when the screen goes away.
#[derive(uniffi::Object)]
pub struct Subscription {
    model: Weak<core_state::WalletModel>,
    id: Mutex<Option<ListenerId>>,
}

#[uniffi::export]
impl Subscription {
    /// Stops the deliveries; `true` if this call stopped them (later calls return `false`). A
    /// change being delivered while this runs may still arrive once.
    pub fn cancel(&self) -> bool {
        let id = self.id.lock().unwrap_or_else(|p| p.into_inner()).take();
        match (id, self.model.upgrade()) {
            (Some(id), Some(model)) => model.unsubscribe(id),
            _ => false,
        }
    }

    /// Whether deliveries are still on.
    pub fn is_active(&self) -> bool {
        self.id.lock().unwrap_or_else(|p| p.into_inner()).is_some() && self.model.strong_count() > 0
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        self.cancel();
    }
}
