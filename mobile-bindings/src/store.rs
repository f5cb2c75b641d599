//! The offline store: a SQLite file whose path the app chooses (its private files folder), or
//! memory (previews, tests).

use std::sync::Arc;

use kipochi_core::store::{self as core_store, MemoryStore, Profile, SessionMeta, SqliteStore};

use crate::FfiError;
use crate::model::{CachedBalances, CachedHistory};

/// The device's offline store (session metadata, profile, cached balances and history, the
/// outbox, settings). Share one per app process: every method is atomic and thread-safe.
#[derive(uniffi::Object)]
pub struct WalletStore(pub(crate) Arc<dyn core_store::WalletStore>);

#[uniffi::export]
impl WalletStore {
    /// Opens (creating or migrating) the SQLite store at `path`.
    #[uniffi::constructor]
    pub fn open_sqlite(path: String) -> Result<Arc<Self>, FfiError> {
        Ok(Arc::new(Self(Arc::new(SqliteStore::open(path)?))))
    }

    /// A store in memory, lost when the object is destroyed.
    #[uniffi::constructor]
    pub fn in_memory() -> Arc<Self> {
        Arc::new(Self(Arc::new(MemoryStore::new())))
    }

    /// Session metadata, if logged in.
    pub fn session(&self) -> Result<Option<SessionMeta>, FfiError> {
        Ok(self.0.session()?)
    }

    /// The user's profile and role.
    pub fn profile(&self) -> Result<Option<Profile>, FfiError> {
        Ok(self.0.profile()?)
    }

    /// The last balances fetched, with when.
    pub fn balances(&self) -> Result<Option<CachedBalances>, FfiError> {
        Ok(self.0.balances()?.map(Into::into))
    }

    /// The last history fetched, with when.
    pub fn history(&self) -> Result<Option<CachedHistory>, FfiError> {
        Ok(self.0.history()?.map(Into::into))
    }

    /// Drops session, profile, balances and history (logout); keeps the outbox and settings.
    pub fn clear_account_data(&self) -> Result<(), FfiError> {
        Ok(self.0.clear_account_data()?)
    }

    /// A setting's value.
    pub fn setting(&self, key: String) -> Result<Option<String>, FfiError> {
        Ok(self.0.setting(&key)?)
    }

    /// Sets a setting.
    pub fn set_setting(&self, key: String, value: String) -> Result<(), FfiError> {
        Ok(self.0.set_setting(&key, &value)?)
    }

    /// Removes a setting (no error if absent).
    pub fn delete_setting(&self, key: String) -> Result<(), FfiError> {
        Ok(self.0.delete_setting(&key)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_settings_survive_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("wallet.db").to_string_lossy().into_owned();
        let store = WalletStore::open_sqlite(path.clone()).unwrap();
        store.set_setting("lang".into(), "sw".into()).unwrap();
        drop(store);
        let store = WalletStore::open_sqlite(path).unwrap();
        assert_eq!(store.setting("lang".into()).unwrap().as_deref(), Some("sw"));
        assert_eq!(store.session().unwrap(), None);
        let dir_as_file = dir.path().to_string_lossy().into_owned();
        assert_eq!(
            WalletStore::open_sqlite(dir_as_file)
                .err()
                .map(|e| e.code().to_string()),
            Some("backend_failed".to_string())
        );
    }
}
