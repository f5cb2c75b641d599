//! SQLite [`WalletStore`] (feature `sqlite`): one file, numbered migrations via `PRAGMA user_version`.
//!
//! Every outbox transition runs in an `IMMEDIATE` transaction, so two stores (or two processes) on
//! the same file cannot claim the same item. Cached documents (session, profile, balances, history)
//! are kept as JSON rows in `docs`.

use super::{
    Balance, Cached, Claim, Finish, HistoryEntry, NewOutboxItem, OutboxItem, OutboxKind,
    OutboxStatus, Profile, SessionMeta, StoreError, WalletStore, apply_claim, apply_finish,
    apply_resubmit, may_claim,
};
use rusqlite::{Connection, OptionalExtension as _, Row, Transaction, TransactionBehavior, params};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::path::Path;
use std::sync::{Mutex, MutexGuard};

/// Schema migrations; migration `i` moves `user_version` from `i` to `i + 1`. Append only.
const MIGRATIONS: &[&str] = &[
    // 1: initial schema.
    "CREATE TABLE docs (
        name TEXT PRIMARY KEY,
        json TEXT NOT NULL,
        fetched_at_ms INTEGER
    );
    CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE outbox (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL,
        payload TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('queued', 'sending', 'done', 'failed')),
        fail_code TEXT,
        fail_message TEXT,
        attempts INTEGER NOT NULL DEFAULT 0,
        result TEXT,
        last_error TEXT,
        lease_owner TEXT,
        lease_until_ms INTEGER,
        created_at_ms INTEGER NOT NULL,
        updated_at_ms INTEGER NOT NULL
    );
    CREATE INDEX outbox_pending ON outbox (state, seq);",
];

const OUTBOX_COLUMNS: &str = "id, seq, kind, payload, state, fail_code, fail_message, attempts, \
     result, last_error, lease_owner, lease_until_ms, created_at_ms, updated_at_ms";

fn backend(e: rusqlite::Error) -> StoreError {
    StoreError::Backend(e.to_string())
}

/// A [`WalletStore`] in an SQLite file.
pub struct SqliteStore {
    conn: Mutex<Connection>,
}

impl SqliteStore {
    /// Opens (creating if needed) the store at `path` and applies pending migrations.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        let mut conn = Connection::open(path).map_err(backend)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(backend)?;
        let _mode: String = conn
            .pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))
            .map_err(backend)?;
        migrate(&mut conn)?;
        Ok(Self {
            conn: Mutex::new(conn),
        })
    }

    /// The schema version this build writes.
    pub fn schema_version() -> i64 {
        MIGRATIONS.len() as i64
    }

    fn lock(&self) -> Result<MutexGuard<'_, Connection>, StoreError> {
        self.conn
            .lock()
            .map_err(|_| StoreError::Backend("sqlite store lock poisoned".into()))
    }

    fn get_doc<T: DeserializeOwned>(
        &self,
        name: &str,
    ) -> Result<Option<(T, Option<i64>)>, StoreError> {
        let conn = self.lock()?;
        let row: Option<(String, Option<i64>)> = conn
            .query_row(
                "SELECT json, fetched_at_ms FROM docs WHERE name = ?1",
                [name],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(backend)?;
        row.map(|(json, at)| {
            serde_json::from_str(&json)
                .map(|v| (v, at))
                .map_err(|_| StoreError::Corrupt("cached document"))
        })
        .transpose()
    }

    fn put_doc<T: Serialize>(
        &self,
        name: &str,
        value: Option<&T>,
        fetched_at_ms: Option<i64>,
    ) -> Result<(), StoreError> {
        let conn = self.lock()?;
        match value {
            None => conn
                .execute("DELETE FROM docs WHERE name = ?1", [name])
                .map_err(backend)?,
            Some(v) => {
                let json = serde_json::to_string(v).map_err(|_| StoreError::Corrupt("encode"))?;
                conn.execute(
                    "INSERT INTO docs (name, json, fetched_at_ms) VALUES (?1, ?2, ?3)
                     ON CONFLICT (name) DO UPDATE SET json = ?2, fetched_at_ms = ?3",
                    params![name, json, fetched_at_ms],
                )
                .map_err(backend)?
            }
        };
        Ok(())
    }

    fn get_cached<T: DeserializeOwned>(&self, name: &str) -> Result<Option<Cached<T>>, StoreError> {
        match self.get_doc::<T>(name)? {
            None => Ok(None),
            Some((value, Some(fetched_at_ms))) => Ok(Some(Cached {
                value,
                fetched_at_ms,
            })),
            Some((_, None)) => Err(StoreError::Corrupt("cached document without fetch time")),
        }
    }

    /// Runs `f` on the outbox item `id` inside an IMMEDIATE transaction, writing it back if `f`
    /// returns `Ok(true)`.
    fn with_item<R>(
        &self,
        id: &str,
        f: impl FnOnce(&mut OutboxItem) -> Result<(bool, R), StoreError>,
    ) -> Result<R, StoreError> {
        let mut conn = self.lock()?;
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(backend)?;
        let sql = format!("SELECT {OUTBOX_COLUMNS} FROM outbox WHERE id = ?1");
        let mut item = tx
            .query_row(&sql, [id], read_item)
            .optional()
            .map_err(backend)?
            .ok_or(StoreError::NotFound)??;
        let (write, out) = f(&mut item)?;
        if write {
            write_item(&tx, &item)?;
        }
        tx.commit().map_err(backend)?;
        Ok(out)
    }
}

fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let found: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .map_err(backend)?;
    let supported = MIGRATIONS.len() as i64;
    if found > supported {
        return Err(StoreError::SchemaTooNew { found, supported });
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(found.max(0) as usize) {
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(backend)?;
        tx.execute_batch(sql).map_err(backend)?;
        tx.pragma_update(None, "user_version", (i + 1) as i64)
            .map_err(backend)?;
        tx.commit().map_err(backend)?;
    }
    Ok(())
}

type ItemResult = Result<OutboxItem, StoreError>;

fn read_item(r: &Row<'_>) -> rusqlite::Result<ItemResult> {
    let kind: String = r.get(2)?;
    let state: String = r.get(4)?;
    let fail_code: Option<String> = r.get(5)?;
    let fail_message: Option<String> = r.get(6)?;
    let Some(kind) = OutboxKind::parse(&kind) else {
        return Ok(Err(StoreError::Corrupt("outbox kind")));
    };
    let status = match state.as_str() {
        "queued" => OutboxStatus::Queued,
        "sending" => OutboxStatus::Sending,
        "done" => OutboxStatus::Done,
        "failed" => OutboxStatus::Failed {
            code: fail_code.unwrap_or_default(),
            message: fail_message.unwrap_or_default(),
        },
        _ => return Ok(Err(StoreError::Corrupt("outbox state"))),
    };
    let attempts: i64 = r.get(7)?;
    Ok(Ok(OutboxItem {
        id: r.get(0)?,
        seq: r.get(1)?,
        kind,
        payload: r.get(3)?,
        status,
        attempts: u32::try_from(attempts).unwrap_or(u32::MAX),
        result: r.get(8)?,
        last_error: r.get(9)?,
        lease_owner: r.get(10)?,
        lease_until_ms: r.get(11)?,
        created_at_ms: r.get(12)?,
        updated_at_ms: r.get(13)?,
    }))
}

fn write_item(tx: &Transaction<'_>, item: &OutboxItem) -> Result<(), StoreError> {
    let (code, message) = match &item.status {
        OutboxStatus::Failed { code, message } => (Some(code.as_str()), Some(message.as_str())),
        _ => (None, None),
    };
    tx.execute(
        "UPDATE outbox SET payload = ?2, state = ?3, fail_code = ?4, fail_message = ?5,
             attempts = ?6, result = ?7, last_error = ?8, lease_owner = ?9, lease_until_ms = ?10,
             updated_at_ms = ?11
         WHERE id = ?1",
        params![
            item.id,
            item.payload,
            item.status.name(),
            code,
            message,
            i64::from(item.attempts),
            item.result,
            item.last_error,
            item.lease_owner,
            item.lease_until_ms,
            item.updated_at_ms
        ],
    )
    .map_err(backend)?;
    Ok(())
}

const SESSION: &str = "session";
const PROFILE: &str = "profile";
const BALANCES: &str = "balances";
const HISTORY: &str = "history";

impl WalletStore for SqliteStore {
    fn session(&self) -> Result<Option<SessionMeta>, StoreError> {
        Ok(self.get_doc(SESSION)?.map(|(v, _)| v))
    }

    fn set_session(&self, session: Option<&SessionMeta>) -> Result<(), StoreError> {
        self.put_doc(SESSION, session, None)
    }

    fn profile(&self) -> Result<Option<Profile>, StoreError> {
        Ok(self.get_doc(PROFILE)?.map(|(v, _)| v))
    }

    fn set_profile(&self, profile: Option<&Profile>) -> Result<(), StoreError> {
        self.put_doc(PROFILE, profile, None)
    }

    fn balances(&self) -> Result<Option<Cached<Vec<Balance>>>, StoreError> {
        self.get_cached(BALANCES)
    }

    fn set_balances(&self, balances: &[Balance], fetched_at_ms: i64) -> Result<(), StoreError> {
        self.put_doc(BALANCES, Some(&balances), Some(fetched_at_ms))
    }

    fn history(&self) -> Result<Option<Cached<Vec<HistoryEntry>>>, StoreError> {
        self.get_cached(HISTORY)
    }

    fn set_history(&self, entries: &[HistoryEntry], fetched_at_ms: i64) -> Result<(), StoreError> {
        self.put_doc(HISTORY, Some(&entries), Some(fetched_at_ms))
    }

    fn clear_account_data(&self) -> Result<(), StoreError> {
        let conn = self.lock()?;
        conn.execute(
            "DELETE FROM docs WHERE name IN (?1, ?2, ?3, ?4)",
            params![SESSION, PROFILE, BALANCES, HISTORY],
        )
        .map_err(backend)?;
        Ok(())
    }

    fn setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.lock()?
            .query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| {
                r.get(0)
            })
            .optional()
            .map_err(backend)
    }

    fn set_setting(&self, key: &str, value: &str) -> Result<(), StoreError> {
        self.lock()?
            .execute(
                "INSERT INTO settings (key, value) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET value = ?2",
                params![key, value],
            )
            .map_err(backend)?;
        Ok(())
    }

    fn delete_setting(&self, key: &str) -> Result<(), StoreError> {
        self.lock()?
            .execute("DELETE FROM settings WHERE key = ?1", [key])
            .map_err(backend)?;
        Ok(())
    }

    fn outbox_insert(&self, item: &NewOutboxItem, now_ms: i64) -> Result<OutboxItem, StoreError> {
        let conn = self.lock()?;
        let inserted = conn.execute(
            "INSERT INTO outbox (id, kind, payload, state, attempts, created_at_ms, updated_at_ms)
             VALUES (?1, ?2, ?3, 'queued', 0, ?4, ?4)",
            params![item.id, item.kind.as_str(), item.payload, now_ms],
        );
        match inserted {
            Ok(_) => {}
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.code == rusqlite::ErrorCode::ConstraintViolation =>
            {
                return Err(StoreError::DuplicateId);
            }
            Err(e) => return Err(backend(e)),
        }
        let sql = format!("SELECT {OUTBOX_COLUMNS} FROM outbox WHERE id = ?1");
        conn.query_row(&sql, [&item.id], read_item)
            .map_err(backend)?
    }

    fn outbox_get(&self, id: &str) -> Result<Option<OutboxItem>, StoreError> {
        let sql = format!("SELECT {OUTBOX_COLUMNS} FROM outbox WHERE id = ?1");
        self.lock()?
            .query_row(&sql, [id], read_item)
            .optional()
            .map_err(backend)?
            .transpose()
    }

    fn outbox_list(&self) -> Result<Vec<OutboxItem>, StoreError> {
        let conn = self.lock()?;
        let sql = format!("SELECT {OUTBOX_COLUMNS} FROM outbox ORDER BY seq");
        let mut stmt = conn.prepare(&sql).map_err(backend)?;
        let rows = stmt.query_map([], read_item).map_err(backend)?;
        rows.map(|r| r.map_err(backend)?).collect()
    }

    fn outbox_claim_next(
        &self,
        owner: &str,
        now_ms: i64,
        lease_ms: i64,
    ) -> Result<Claim, StoreError> {
        let mut conn = self.lock()?;
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(backend)?;
        let sql = format!(
            "SELECT {OUTBOX_COLUMNS} FROM outbox WHERE state IN ('queued', 'sending') \
             ORDER BY seq LIMIT 1"
        );
        let Some(item) = tx
            .query_row(&sql, [], read_item)
            .optional()
            .map_err(backend)?
        else {
            return Ok(Claim::Empty);
        };
        let mut item = item?;
        if !may_claim(&item, owner, now_ms) {
            return Ok(Claim::Busy);
        }
        apply_claim(&mut item, owner, now_ms, lease_ms);
        write_item(&tx, &item)?;
        tx.commit().map_err(backend)?;
        Ok(Claim::Claimed(Box::new(item)))
    }

    fn outbox_finish(
        &self,
        id: &str,
        owner: &str,
        outcome: &Finish,
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        self.with_item(id, |item| {
            let applied = apply_finish(item, owner, outcome, now_ms);
            Ok((applied, applied))
        })
    }

    fn outbox_remove_done(&self, before_ms: i64) -> Result<usize, StoreError> {
        self.lock()?
            .execute(
                "DELETE FROM outbox WHERE state = 'done' AND updated_at_ms < ?1",
                [before_ms],
            )
            .map_err(backend)
    }

    fn outbox_resubmit(
        &self,
        id: &str,
        payload: &str,
        now_ms: i64,
    ) -> Result<OutboxItem, StoreError> {
        self.with_item(id, |item| {
            apply_resubmit(item, payload, now_ms)?;
            Ok((true, item.clone()))
        })
    }
}
