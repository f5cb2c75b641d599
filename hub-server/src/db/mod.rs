//! SQLite plumbing shared by the hub's stores: opening with the durability settings,
//! read-then-write transactions ([`write_tx`]), the group-commit [`Writer`] (payments, switch and
//! ledger), and per-component numbered migrations recorded in `kipochi_meta`.
//!
//! The ledger keeps its own database file and migration scheme (`ledger/`).

mod writer;

pub use writer::Writer;

use std::path::Path;

use rusqlite::{Connection, OptionalExtension};

/// Opens (creating if needed) a database file in WAL mode with full fsync on commit, foreign
/// keys on and a busy timeout, so every acknowledged change survives a crash or power loss.
pub fn open(path: &Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open(path)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    Ok(conn)
}

/// Prepared statements kept per connection: the stores run their SQL through
/// `prepare_cached`, so the hot paths parse each statement once per connection, not per call.
pub const STATEMENT_CACHE: usize = 64;

/// Applies the migrations of `component` that have not run yet, each in its own transaction
/// together with the version bump, so a crash mid-way reruns only the unfinished one.
pub fn migrate(conn: &Connection, component: &str, migrations: &[&str]) -> rusqlite::Result<()> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS kipochi_meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);",
    )?;
    let key = format!("{component}_version");
    let done: usize = conn
        .query_row(
            "SELECT value FROM kipochi_meta WHERE key = ?1",
            [&key],
            |r| r.get(0),
        )
        .optional()?
        .unwrap_or(0);
    for (i, sql) in migrations.iter().enumerate().skip(done) {
        let tx = write_tx(conn)?;
        tx.execute_batch(sql)?;
        tx.execute(
            "INSERT INTO kipochi_meta (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            rusqlite::params![key, i + 1],
        )?;
        tx.commit()?;
    }
    Ok(())
}

/// A transaction that will write, holding SQLite's write lock from its first statement
/// (`BEGIN IMMEDIATE`). The hub opens one connection per store on the same file: a deferred
/// transaction that reads and then writes cannot wait for a concurrent writer (SQLite answers
/// "database is locked" at once instead of using the busy timeout), so every read-then-write
/// transaction starts here.
pub fn write_tx(conn: &Connection) -> rusqlite::Result<rusqlite::Transaction<'_>> {
    rusqlite::Transaction::new_unchecked(conn, rusqlite::TransactionBehavior::Immediate)
}

/// A column held a value the code cannot interpret (a corrupt or foreign row).
pub fn bad_column(col: usize, what: &'static str) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(
        col,
        rusqlite::types::Type::Text,
        format!("unexpected {what}").into(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_run_once_per_component() {
        let conn = Connection::open_in_memory().unwrap();
        let a = ["CREATE TABLE a1 (x);", "CREATE TABLE a2 (x);"];
        migrate(&conn, "a", &a[..1]).unwrap();
        migrate(&conn, "a", &a).unwrap();
        migrate(&conn, "a", &a).unwrap();
        migrate(&conn, "b", &["CREATE TABLE b1 (x);"]).unwrap();
        let version: i64 = conn
            .query_row(
                "SELECT value FROM kipochi_meta WHERE key = 'a_version'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(version, 2);
    }

    #[test]
    fn open_sets_wal_and_full_sync() {
        let dir = std::env::temp_dir().join(format!("kipochi-db-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let conn = open(&dir.join("x.db")).unwrap();
        let mode: String = conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        let sync: i64 = conn
            .query_row("PRAGMA synchronous", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
        assert_eq!(sync, 2);
        drop(conn);
        std::fs::remove_dir_all(dir).unwrap();
    }
}
