//! The embedded double-entry ledger: one SQLite file in WAL mode.
//!
//! - One writer connection, owned by one thread (`crate::db::Writer`) that group-commits: each write runs in
//!   its own savepoint of a shared `BEGIN IMMEDIATE` transaction and is answered only after that
//!   transaction is committed (fsync'd with the default `synchronous=FULL`).
//! - A small pool of read-only connections for balances, history, lookups and quotes.
//! - Invariants: every journal entry's lines sum to zero (checked in code before insert and by a SQL
//!   query before commit); account balances change only together with their lines; customer-facing
//!   accounts never go below zero available (code check + table `CHECK`); the journal is append-only
//!   (triggers); `held` equals the sum of held transfers. [`Ledger::audit`] recomputes all of them.
//! - [`Ledger::open`] creates or migrates the schema (`PRAGMA user_version`) and lets SQLite replay
//!   the WAL, so reopening after a crash needs no extra step.

mod fees;
mod ops;
mod read;
mod schema;
mod store;
mod system;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use rusqlite::{Connection, OpenFlags};

use crate::accounts::{AccountError, AccountId, AccountKind, AccountResult, Currency, Money};
use crate::accounts::{TransferId, TransferRecord};

pub use fees::{FeeRule, FeeSchedule};
pub use read::{AuditReport, MAX_PAGE};
pub use schema::{MigrateError, SCHEMA_VERSION};

/// SQLite's `synchronous` setting for the WAL.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Synchronous {
    /// fsync the WAL on every commit: a commit survives power loss. The default (durability first).
    #[default]
    Full,
    /// fsync only at checkpoints: a commit survives a process crash but the last ones may be lost
    /// on power loss. Faster; only for deployments that accept that.
    Normal,
}

/// How to open the ledger.
#[derive(Debug, Clone, Default)]
pub struct LedgerOptions {
    /// WAL sync mode.
    pub synchronous: Synchronous,
    /// Number of pooled reader connections (0 → 4).
    pub readers: usize,
    /// The DFSP's fee schedule used by quotes.
    pub fees: FeeSchedule,
}

/// Why the ledger could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    /// SQLite could not open or configure the file.
    #[error("cannot open ledger {path}: {source}")]
    Open {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: rusqlite::Error,
    },
    /// The schema could not be migrated.
    #[error(transparent)]
    Migrate(#[from] MigrateError),
    /// The writer thread could not be started.
    #[error("cannot start the ledger writer: {0}")]
    Thread(std::io::Error),
    /// The fee schedule is invalid.
    #[error("invalid fee schedule: {0}")]
    Fees(AccountError),
}

struct Inner {
    path: PathBuf,
    /// Group commit (`db::Writer`): every write runs there, concurrent ones share one fsync.
    writer: crate::db::Writer,
    readers: Mutex<Vec<Connection>>,
    max_readers: usize,
    fees: FeeSchedule,
}

/// The embedded ledger. Cheap to clone (shared state); implements
/// [`AccountSystem`](crate::accounts::AccountSystem).
#[derive(Clone)]
pub struct Ledger {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Ledger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ledger")
            .field("path", &self.inner.path)
            .finish_non_exhaustive()
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // The pool only holds idle read-only connections; a panic elsewhere cannot corrupt it.
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn configure(conn: &Connection, sync: Synchronous) -> rusqlite::Result<()> {
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    conn.set_prepared_statement_cache_capacity(crate::db::STATEMENT_CACHE);
    conn.pragma_update(None, "foreign_keys", true)?;
    conn.pragma_update(
        None,
        "synchronous",
        match sync {
            Synchronous::Full => "FULL",
            Synchronous::Normal => "NORMAL",
        },
    )?;
    Ok(())
}

impl Ledger {
    /// Opens (creating if needed) the ledger at `path` with default options.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, LedgerError> {
        Self::open_with(path, LedgerOptions::default())
    }

    /// Opens the ledger at `path`: WAL mode, migrations, writer and reader connections.
    pub fn open_with(path: impl AsRef<Path>, options: LedgerOptions) -> Result<Self, LedgerError> {
        let path = path.as_ref().to_path_buf();
        options.fees.validate().map_err(LedgerError::Fees)?;
        let open_err = |source| LedgerError::Open {
            path: path.clone(),
            source,
        };
        let mut writer = Connection::open(&path).map_err(open_err)?;
        writer
            .pragma_update(None, "journal_mode", "WAL")
            .map_err(open_err)?;
        configure(&writer, options.synchronous).map_err(open_err)?;
        schema::migrate(&mut writer)?;
        let writer =
            crate::db::Writer::start("ledger-writer", writer).map_err(LedgerError::Thread)?;
        let max_readers = if options.readers == 0 {
            4
        } else {
            options.readers
        };
        Ok(Self {
            inner: Arc::new(Inner {
                path,
                writer,
                readers: Mutex::new(Vec::new()),
                max_readers,
                fees: options.fees,
            }),
        })
    }

    /// The file this ledger lives in.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// Runs `f` in the writer's next group transaction; returns once that is committed.
    /// On an error of `f` its savepoint is rolled back and nothing of it changes.
    async fn write<T, F>(&self, f: F) -> AccountResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection, i64) -> AccountResult<T> + Send + 'static,
    {
        self.inner
            .writer
            .run_async(move |c| f(c, store::now_ms()).map_err(WriteFailure::Account))
            .await
            .map_err(|e| match e {
                WriteFailure::Account(e) => e,
                WriteFailure::Sqlite(e) => store::storage(e),
            })
    }

    /// Runs `f` on a pooled read-only connection on a blocking thread.
    async fn read<T, F>(&self, f: F) -> AccountResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection, &Inner) -> AccountResult<T> + Send + 'static,
    {
        let inner = Arc::clone(&self.inner);
        tokio::task::spawn_blocking(move || {
            let pooled = lock(&inner.readers).pop();
            let conn = match pooled {
                Some(c) => c,
                None => {
                    let c = Connection::open_with_flags(
                        &inner.path,
                        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
                    )
                    .map_err(store::storage)?;
                    c.busy_timeout(std::time::Duration::from_secs(5))
                        .map_err(store::storage)?;
                    c.set_prepared_statement_cache_capacity(crate::db::STATEMENT_CACHE);
                    c
                }
            };
            let out = f(&conn, &inner);
            let mut pool = lock(&inner.readers);
            if pool.len() < inner.max_readers {
                pool.push(conn);
            }
            out
        })
        .await
        .map_err(|_| AccountError::Unavailable("ledger reader task failed".into()))?
    }

    /// Issues `amount` of e-money from the DFSP's equity account to a customer-facing account
    /// (demo seeding, float top-up). Idempotent by `transfer_id`.
    pub async fn fund(
        &self,
        transfer_id: TransferId,
        account: AccountId,
        amount: Money,
    ) -> AccountResult<TransferRecord> {
        self.write(move |c, now| ops::fund(c, transfer_id, account, &amount, now))
            .await
    }

    /// The DFSP's system account (fee income, settlement position, equity) in `currency`, created
    /// on first use.
    pub async fn system_account(
        &self,
        kind: AccountKind,
        currency: Currency,
    ) -> AccountResult<AccountId> {
        if kind.is_customer_facing() {
            return Err(AccountError::InvalidInput(
                "not a system account kind".into(),
            ));
        }
        self.write(move |c, now| store::system_account(c, kind, &currency, now))
            .await
    }

    /// Recomputes every ledger invariant from the journal; see [`AuditReport`].
    pub async fn audit(&self) -> AccountResult<AuditReport> {
        self.read(|c, _| read::audit(c)).await
    }
}

/// What a ledger write can fail with through the shared writer: the operation's own error, or
/// SQLite's (savepoint, commit, writer gone), mapped to `AccountError` by [`store::storage`].
enum WriteFailure {
    Account(AccountError),
    Sqlite(rusqlite::Error),
}

impl From<rusqlite::Error> for WriteFailure {
    fn from(e: rusqlite::Error) -> Self {
        WriteFailure::Sqlite(e)
    }
}
