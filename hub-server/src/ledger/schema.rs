//! Numbered SQL migrations, applied in order and tracked with `PRAGMA user_version`.
//!
//! Never edit a released migration: append a new one. Each migration runs in its own transaction
//! together with the `user_version` bump, so a crash leaves the schema at a whole version.

use rusqlite::Connection;

/// The migrations; index `i` brings the schema from version `i` to `i + 1`.
const MIGRATIONS: &[&str] = &[
    // 1: accounts, aliases, transfers, journal.
    r#"
    CREATE TABLE accounts (
        id              TEXT PRIMARY KEY,
        kind            TEXT NOT NULL CHECK (kind IN ('customer_wallet','merchant','agent_float',
                                                      'fees_income','settlement','equity')),
        currency        TEXT NOT NULL CHECK (length(currency) = 3),
        display_name    TEXT NOT NULL,
        max_balance     INTEGER,
        max_per_payment INTEGER,
        max_daily_debit INTEGER,
        -- 1 for the DFSP's own side (settlement, equity, fees), which may go negative.
        allow_negative  INTEGER NOT NULL CHECK (allow_negative IN (0, 1)),
        balance         INTEGER NOT NULL DEFAULT 0,
        held            INTEGER NOT NULL DEFAULT 0 CHECK (held >= 0),
        created_at_ms   INTEGER NOT NULL,
        CHECK (allow_negative = 1 OR balance - held >= 0)
    ) STRICT;
    -- One system account of each kind per currency.
    CREATE UNIQUE INDEX accounts_system ON accounts(kind, currency)
        WHERE kind IN ('fees_income', 'settlement', 'equity');

    CREATE TABLE aliases (
        alias_type TEXT NOT NULL,
        value      TEXT NOT NULL,
        account_id TEXT NOT NULL REFERENCES accounts(id),
        PRIMARY KEY (alias_type, value)
    ) STRICT;
    CREATE INDEX aliases_account ON aliases(account_id);

    CREATE TABLE transfers (
        id            TEXT PRIMARY KEY,
        kind          TEXT NOT NULL CHECK (kind IN ('outgoing','incoming','internal','funding')),
        payer         TEXT REFERENCES accounts(id),
        payee         TEXT REFERENCES accounts(id),
        amount        INTEGER NOT NULL CHECK (amount > 0),
        fee           INTEGER NOT NULL CHECK (fee >= 0),
        currency      TEXT NOT NULL,
        state         TEXT NOT NULL CHECK (state IN ('held','committed','released')),
        created_at_ms INTEGER NOT NULL,
        updated_at_ms INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX transfers_payer_day ON transfers(payer, created_at_ms);

    CREATE TABLE journal_entries (
        id            INTEGER PRIMARY KEY,
        transfer_id   TEXT NOT NULL UNIQUE REFERENCES transfers(id),
        created_at_ms INTEGER NOT NULL
    ) STRICT;

    CREATE TABLE journal_lines (
        id            INTEGER PRIMARY KEY,
        entry_id      INTEGER NOT NULL REFERENCES journal_entries(id),
        account_id    TEXT NOT NULL REFERENCES accounts(id),
        amount        INTEGER NOT NULL CHECK (amount <> 0),
        balance_after INTEGER NOT NULL
    ) STRICT;
    CREATE INDEX journal_lines_account ON journal_lines(account_id, id);
    CREATE INDEX journal_lines_entry ON journal_lines(entry_id);

    -- The journal is append-only.
    CREATE TRIGGER journal_lines_no_update BEFORE UPDATE ON journal_lines
        BEGIN SELECT RAISE(ABORT, 'journal lines are immutable'); END;
    CREATE TRIGGER journal_lines_no_delete BEFORE DELETE ON journal_lines
        BEGIN SELECT RAISE(ABORT, 'journal lines are immutable'); END;
    CREATE TRIGGER journal_entries_no_update BEFORE UPDATE ON journal_entries
        BEGIN SELECT RAISE(ABORT, 'journal entries are immutable'); END;
    CREATE TRIGGER journal_entries_no_delete BEFORE DELETE ON journal_entries
        BEGIN SELECT RAISE(ABORT, 'journal entries are immutable'); END;
    "#,
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Why migrating failed.
#[derive(Debug, thiserror::Error)]
pub enum MigrateError {
    /// The file was written by a newer build.
    #[error("ledger schema version {found} is newer than this build's {supported}")]
    TooNew {
        /// Version in the file.
        found: i64,
        /// Version this build knows.
        supported: i64,
    },
    /// SQLite failed.
    #[error("ledger migration failed: {0}")]
    Sqlite(#[from] rusqlite::Error),
}

/// Brings the database to [`SCHEMA_VERSION`].
pub fn migrate(conn: &mut Connection) -> Result<(), MigrateError> {
    let mut version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if version > SCHEMA_VERSION {
        return Err(MigrateError::TooNew {
            found: version,
            supported: SCHEMA_VERSION,
        });
    }
    for sql in MIGRATIONS
        .iter()
        .skip(usize::try_from(version).unwrap_or(0))
    {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        version += 1;
        tx.pragma_update(None, "user_version", version)?;
        tx.commit()?;
    }
    Ok(())
}
