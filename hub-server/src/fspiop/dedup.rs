//! Duplicate detection for inbound POSTs (API-Def v1.1 §3.2.5): key (resource, ID), the
//! SHA-256 of the canonical body, and the callback sent once processing finished.
//!
//! Same ID + same hash: still processing → ignore; finished → resend the stored callback.
//! Same ID + different hash → 3106. The stored callback also answers `GET /quotes/{ID}` and
//! `GET /transfers/{ID}`. An entry left "in progress" by a crash becomes retryable after
//! `stale_after` so a resend from the switch is processed again (handlers are idempotent per ID).

use std::collections::HashMap;
use std::path::Path;
use std::sync::Mutex;
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

use super::error::Error;
use super::version::Resource;

/// A callback as sent, to be sent again verbatim on a resend or GET.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StoredCallback {
    /// Path of the callback (`/quotes/{ID}` or `/quotes/{ID}/error`).
    pub path: String,
    /// JSON body.
    pub body: serde_json::Value,
}

/// Outcome of registering an inbound request.
#[derive(Clone, Debug, PartialEq)]
pub enum Begin {
    /// First time seen (or a stale in-progress entry): process it.
    New,
    /// Same request, still being processed: ignore.
    InProgress,
    /// Same request, already answered: resend this callback.
    Completed(StoredCallback),
    /// Same ID with a different body: answer 3106.
    Modified,
}

/// A durable or in-memory store of inbound request hashes and their callbacks.
pub trait DuplicateStore: Send + Sync {
    /// Registers `(resource, id)` with the body `hash`.
    fn begin(&self, resource: Resource, id: &str, hash: &str) -> Result<Begin, Error>;
    /// Records the callback sent for `(resource, id)`.
    fn complete(
        &self,
        resource: Resource,
        id: &str,
        callback: &StoredCallback,
    ) -> Result<(), Error>;
    /// The stored callback of `(resource, id)`, or `Ok(None)` if unknown or still in progress.
    fn callback(&self, resource: Resource, id: &str) -> Result<Option<StoredCallback>, Error>;
    /// Whether `(resource, id)` is known at all.
    fn contains(&self, resource: Resource, id: &str) -> Result<bool, Error>;
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

#[derive(Clone)]
struct Entry {
    hash: String,
    started_ms: i64,
    callback: Option<StoredCallback>,
}

fn decide(entry: Option<&Entry>, hash: &str, stale_ms: i64, now: i64) -> Begin {
    match entry {
        None => Begin::New,
        Some(e) if e.hash != hash => Begin::Modified,
        Some(Entry {
            callback: Some(cb), ..
        }) => Begin::Completed(cb.clone()),
        Some(e) if now - e.started_ms >= stale_ms => Begin::New,
        Some(_) => Begin::InProgress,
    }
}

type Entries = HashMap<(Resource, String), Entry>;

/// In-memory store (tests, or a deployment that leaves durability to the handler).
pub struct MemoryStore {
    stale_ms: i64,
    map: Mutex<Entries>,
}

impl MemoryStore {
    /// An empty store; in-progress entries older than `stale_after` are retaken.
    pub fn new(stale_after: Duration) -> Self {
        Self {
            stale_ms: stale_after.as_millis() as i64,
            map: Mutex::new(HashMap::new()),
        }
    }

    fn lock(&self) -> Result<std::sync::MutexGuard<'_, Entries>, Error> {
        self.map
            .lock()
            .map_err(|_| Error::Store("lock poisoned".into()))
    }
}

impl DuplicateStore for MemoryStore {
    fn begin(&self, resource: Resource, id: &str, hash: &str) -> Result<Begin, Error> {
        let mut map = self.lock()?;
        let key = (resource, id.to_owned());
        let now = now_ms();
        let decision = decide(map.get(&key), hash, self.stale_ms, now);
        if decision == Begin::New {
            map.insert(
                key,
                Entry {
                    hash: hash.to_owned(),
                    started_ms: now,
                    callback: None,
                },
            );
        }
        Ok(decision)
    }

    fn complete(
        &self,
        resource: Resource,
        id: &str,
        callback: &StoredCallback,
    ) -> Result<(), Error> {
        let mut map = self.lock()?;
        match map.get_mut(&(resource, id.to_owned())) {
            Some(e) => {
                e.callback = Some(callback.clone());
                Ok(())
            }
            None => Err(Error::Store("complete() for an unknown request".into())),
        }
    }

    fn callback(&self, resource: Resource, id: &str) -> Result<Option<StoredCallback>, Error> {
        Ok(self
            .lock()?
            .get(&(resource, id.to_owned()))
            .and_then(|e| e.callback.clone()))
    }

    fn contains(&self, resource: Resource, id: &str) -> Result<bool, Error> {
        Ok(self.lock()?.contains_key(&(resource, id.to_owned())))
    }
}

/// SQLite store: survives restarts, so a resend after a crash is recognised.
pub struct SqliteStore {
    stale_ms: i64,
    conn: Mutex<Connection>,
}

impl SqliteStore {
    /// Opens (creating if needed) the store at `path`.
    pub fn open(path: &Path, stale_after: Duration) -> Result<Self, Error> {
        let conn = Connection::open(path)?;
        conn.execute_batch(
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;
             CREATE TABLE IF NOT EXISTS fspiop_inbound (
                 resource TEXT NOT NULL, id TEXT NOT NULL, hash TEXT NOT NULL,
                 started_ms INTEGER NOT NULL, callback TEXT,
                 PRIMARY KEY (resource, id));",
        )?;
        Ok(Self {
            stale_ms: stale_after.as_millis() as i64,
            conn: Mutex::new(conn),
        })
    }

    fn lock(&self) -> Result<std::sync::MutexGuard<'_, Connection>, Error> {
        self.conn
            .lock()
            .map_err(|_| Error::Store("lock poisoned".into()))
    }
}

fn load(conn: &Connection, resource: Resource, id: &str) -> Result<Option<Entry>, Error> {
    let row = conn
        .prepare_cached(
            "SELECT hash, started_ms, callback FROM fspiop_inbound WHERE resource = ?1 AND id = ?2",
        )?
        .query_row(params![resource.as_str(), id], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, Option<String>>(2)?,
            ))
        })
        .optional()?;
    row.map(|(hash, started_ms, cb)| {
        let callback = cb
            .map(|t| serde_json::from_str(&t))
            .transpose()
            .map_err(|e| Error::Store(e.to_string()))?;
        Ok(Entry {
            hash,
            started_ms,
            callback,
        })
    })
    .transpose()
}

impl DuplicateStore for SqliteStore {
    fn begin(&self, resource: Resource, id: &str, hash: &str) -> Result<Begin, Error> {
        let conn = self.lock()?;
        let tx = crate::db::write_tx(&conn)?;
        let now = now_ms();
        let decision = decide(load(&tx, resource, id)?.as_ref(), hash, self.stale_ms, now);
        if decision == Begin::New {
            tx.prepare_cached("INSERT INTO fspiop_inbound (resource, id, hash, started_ms, callback) VALUES (?1, ?2, ?3, ?4, NULL)
                 ON CONFLICT (resource, id) DO UPDATE SET started_ms = excluded.started_ms")?.execute(params![resource.as_str(), id, hash, now],
            )?;
        }
        tx.commit()?;
        Ok(decision)
    }

    fn complete(
        &self,
        resource: Resource,
        id: &str,
        callback: &StoredCallback,
    ) -> Result<(), Error> {
        let text = serde_json::to_string(callback).map_err(|e| Error::Store(e.to_string()))?;
        let n = self
            .lock()?
            .prepare_cached(
                "UPDATE fspiop_inbound SET callback = ?3 WHERE resource = ?1 AND id = ?2",
            )?
            .execute(params![resource.as_str(), id, text])?;
        if n == 1 {
            Ok(())
        } else {
            Err(Error::Store("complete() for an unknown request".into()))
        }
    }

    fn callback(&self, resource: Resource, id: &str) -> Result<Option<StoredCallback>, Error> {
        let conn = self.lock()?;
        Ok(load(&conn, resource, id)?.and_then(|e| e.callback))
    }

    fn contains(&self, resource: Resource, id: &str) -> Result<bool, Error> {
        let conn = self.lock()?;
        Ok(load(&conn, resource, id)?.is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exercise(store: &dyn DuplicateStore) {
        let q = Resource::Quotes;
        assert_eq!(store.begin(q, "a", "h1").unwrap(), Begin::New);
        assert_eq!(store.begin(q, "a", "h1").unwrap(), Begin::InProgress);
        assert_eq!(store.begin(q, "a", "h2").unwrap(), Begin::Modified);
        assert_eq!(store.callback(q, "a").unwrap(), None);
        let cb = StoredCallback {
            path: "/quotes/a".into(),
            body: serde_json::json!({"x": 1}),
        };
        store.complete(q, "a", &cb).unwrap();
        assert_eq!(
            store.begin(q, "a", "h1").unwrap(),
            Begin::Completed(cb.clone())
        );
        assert_eq!(store.callback(q, "a").unwrap(), Some(cb));
        assert_eq!(
            store.begin(Resource::Transfers, "a", "h2").unwrap(),
            Begin::New
        );
        assert!(
            store
                .complete(
                    q,
                    "zz",
                    &StoredCallback {
                        path: String::new(),
                        body: serde_json::Value::Null
                    }
                )
                .is_err()
        );
    }

    #[test]
    fn memory_store_semantics() {
        exercise(&MemoryStore::new(Duration::from_secs(60)));
    }

    #[test]
    fn sqlite_store_semantics_and_durability() {
        let dir =
            std::env::temp_dir().join(format!("kipochi-dedup-{}-{}", std::process::id(), now_ms()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("dedup.sqlite");
        exercise(&SqliteStore::open(&path, Duration::from_secs(60)).unwrap());
        let reopened = SqliteStore::open(&path, Duration::from_secs(60)).unwrap();
        assert!(matches!(
            reopened.begin(Resource::Quotes, "a", "h1").unwrap(),
            Begin::Completed(_)
        ));
        // A crash left transfers/a in progress; with a zero stale window it is retaken.
        let eager = SqliteStore::open(&path, Duration::ZERO).unwrap();
        assert_eq!(
            eager.begin(Resource::Transfers, "a", "h2").unwrap(),
            Begin::New
        );
        std::fs::remove_dir_all(dir).unwrap();
    }
}
