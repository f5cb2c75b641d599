//! Hub-side idempotency records for mutating wallet calls that carry an `Idempotency-Key`
//! (agent onboarding first).
//!
//! A record is written *before* any side effect, as `pending` with the digest of the request; the
//! handler then performs its (individually idempotent) steps and finally stores the response and
//! marks the record `done`. After a crash the retry finds the pending record with the same digest
//! and resumes the steps; a finished record answers with the stored response; the same key with a
//! different digest is a conflict. Requests rejected before [`IdempotencyStore::begin`] (input
//! validation) leave no record, so a client may fix the form and resubmit under the same key.
//!
//! Stored responses may hold secrets the client must be able to see again on retry (the
//! onboarding activation code); see `api::agent` for that trade-off.

use std::sync::Mutex;

use rusqlite::{Connection, OptionalExtension, params};

use crate::error::{Error, Result};

const MIGRATIONS: &[&str] = &["
CREATE TABLE idempotency (
    scope TEXT NOT NULL,
    key TEXT NOT NULL,
    owner TEXT NOT NULL,
    request_hash BLOB NOT NULL,
    response TEXT,
    created_at INTEGER NOT NULL,
    completed_at INTEGER,
    PRIMARY KEY (scope, key)
);
CREATE INDEX idempotency_by_owner ON idempotency (scope, owner, created_at);
"];

/// What [`IdempotencyStore::begin`] found under a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Begin {
    /// No record existed; a pending one was written. Perform the work.
    Started,
    /// A pending record with the same request exists (an earlier attempt stopped half-way):
    /// resume the work, whose steps are idempotent.
    Resume,
    /// The work was finished; here is the stored response.
    Done(String),
}

/// One finished record of an owner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finished {
    pub key: String,
    pub response: String,
    pub created_at: i64,
}

/// The SQLite store of idempotency records, plus a lock that serialises the handlers using it
/// (so two concurrent retries of one key never run the steps at the same time).
pub struct IdempotencyStore {
    conn: Mutex<Connection>,
    serial: tokio::sync::Mutex<()>,
}

impl IdempotencyStore {
    /// Opens the records on `conn`, migrating the table.
    pub fn new(conn: Connection) -> Result<Self> {
        crate::db::migrate(&conn, "idempotency", MIGRATIONS)?;
        Ok(Self {
            conn: Mutex::new(conn),
            serial: tokio::sync::Mutex::new(()),
        })
    }

    fn conn(&self) -> Result<std::sync::MutexGuard<'_, Connection>> {
        self.conn
            .lock()
            .map_err(|_| Error::Internal("idempotency store poisoned".into()))
    }

    /// Waits until no other keyed operation runs; hold the guard for the whole operation.
    pub async fn serialize(&self) -> tokio::sync::MutexGuard<'_, ()> {
        self.serial.lock().await
    }

    /// Records the start of `key` in `scope` for `owner` with `request_hash`, or reports what an
    /// earlier attempt left. A different hash or owner under the key is
    /// [`Error::IdempotencyConflict`].
    pub fn begin(
        &self,
        scope: &str,
        key: &str,
        owner: &str,
        request_hash: &[u8],
        now: i64,
    ) -> Result<Begin> {
        let conn = self.conn()?;
        let tx = crate::db::write_tx(&conn)?;
        let found: Option<(String, Vec<u8>, Option<String>)> = tx
            .prepare_cached("SELECT owner, request_hash, response FROM idempotency WHERE scope = ?1 AND key = ?2")?.query_row(params![scope, key],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        let outcome = match found {
            None => {
                tx.prepare_cached(
                    "INSERT INTO idempotency (scope, key, owner, request_hash, created_at)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                )?
                .execute(params![scope, key, owner, request_hash, now])?;
                Begin::Started
            }
            Some((o, h, _)) if o != owner || h != request_hash => {
                return Err(Error::IdempotencyConflict);
            }
            Some((_, _, None)) => Begin::Resume,
            Some((_, _, Some(response))) => Begin::Done(response),
        };
        tx.commit()?;
        Ok(outcome)
    }

    /// Stores the final response of a pending record.
    pub fn complete(&self, scope: &str, key: &str, response: &str, now: i64) -> Result<()> {
        let n = self
            .conn()?
            .prepare_cached(
                "UPDATE idempotency SET response = ?3, completed_at = ?4
             WHERE scope = ?1 AND key = ?2 AND response IS NULL",
            )?
            .execute(params![scope, key, response, now])?;
        if n == 1 {
            Ok(())
        } else {
            Err(Error::Internal("idempotency record not pending".into()))
        }
    }

    /// Removes a pending record whose work was refused before any side effect took place, so the
    /// key can be used again. Finished records are never removed.
    pub fn abandon(&self, scope: &str, key: &str) -> Result<()> {
        self.conn()?
            .prepare_cached(
                "DELETE FROM idempotency WHERE scope = ?1 AND key = ?2 AND response IS NULL",
            )?
            .execute(params![scope, key])?;
        Ok(())
    }

    /// Whether any record (pending or finished) exists under `key`.
    pub fn exists(&self, scope: &str, key: &str) -> Result<bool> {
        let n: i64 = self
            .conn()?
            .prepare_cached("SELECT COUNT(*) FROM idempotency WHERE scope = ?1 AND key = ?2")?
            .query_row(params![scope, key], |r| r.get(0))?;
        Ok(n > 0)
    }

    /// The finished records of `owner` in `scope`, newest first, at most `limit`.
    pub fn finished(&self, scope: &str, owner: &str, limit: u32) -> Result<Vec<Finished>> {
        let conn = self.conn()?;
        let mut stmt = conn.prepare(
            "SELECT key, response, created_at FROM idempotency
             WHERE scope = ?1 AND owner = ?2 AND response IS NOT NULL
             ORDER BY created_at DESC, key DESC LIMIT ?3",
        )?;
        let rows = stmt.query_map(params![scope, owner, limit], |r| {
            Ok(Finished {
                key: r.get(0)?,
                response: r.get(1)?,
                created_at: r.get(2)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// Cheap liveness check of the underlying database (for `/readyz`).
    pub fn check(&self) -> Result<()> {
        self.conn()?
            .prepare_cached("SELECT COUNT(*) FROM idempotency")?
            .query_row([], |r| r.get::<_, i64>(0))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> (IdempotencyStore, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let conn = crate::db::open(&dir.path().join("hub.db")).unwrap();
        (IdempotencyStore::new(conn).unwrap(), dir)
    }

    #[test]
    fn begin_resume_complete_and_conflict() {
        let (s, _d) = store();
        assert_eq!(s.begin("x", "k1", "a", b"h1", 1).unwrap(), Begin::Started);
        assert_eq!(s.begin("x", "k1", "a", b"h1", 2).unwrap(), Begin::Resume);
        assert!(matches!(
            s.begin("x", "k1", "a", b"h2", 2),
            Err(Error::IdempotencyConflict)
        ));
        assert!(matches!(
            s.begin("x", "k1", "other", b"h1", 2),
            Err(Error::IdempotencyConflict)
        ));
        s.complete("x", "k1", "{\"ok\":1}", 3).unwrap();
        assert!(s.complete("x", "k1", "again", 4).is_err());
        assert_eq!(
            s.begin("x", "k1", "a", b"h1", 5).unwrap(),
            Begin::Done("{\"ok\":1}".into())
        );
        // Scopes are independent.
        assert_eq!(s.begin("y", "k1", "a", b"zz", 5).unwrap(), Begin::Started);
        let done = s.finished("x", "a", 10).unwrap();
        assert_eq!(done.len(), 1);
        assert_eq!(done[0].key, "k1");
        assert!(s.finished("x", "other", 10).unwrap().is_empty());
    }

    #[test]
    fn abandon_removes_only_pending_records() {
        let (s, _d) = store();
        s.begin("x", "p", "a", b"h", 1).unwrap();
        s.abandon("x", "p").unwrap();
        assert!(!s.exists("x", "p").unwrap());
        s.begin("x", "d", "a", b"h", 1).unwrap();
        s.complete("x", "d", "r", 2).unwrap();
        s.abandon("x", "d").unwrap();
        assert!(s.exists("x", "d").unwrap());
    }

    #[test]
    fn records_survive_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hub.db");
        {
            let s = IdempotencyStore::new(crate::db::open(&path).unwrap()).unwrap();
            s.begin("x", "k", "a", b"h", 1).unwrap();
            s.complete("x", "k", "r", 2).unwrap();
        }
        let s = IdempotencyStore::new(crate::db::open(&path).unwrap()).unwrap();
        assert_eq!(
            s.begin("x", "k", "a", b"h", 3).unwrap(),
            Begin::Done("r".into())
        );
    }
}
