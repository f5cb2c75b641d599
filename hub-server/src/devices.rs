//! Registered devices: each user's ed25519 approval keys, stored in the hub's database.
//!
//! A device is identified by `kipochi_core::keys::device_id_for(public_key)`, so the id is bound to
//! the key. Registration is idempotent for the same key and user; a key already registered by
//! another user is refused.

use std::sync::Mutex;

use kipochi_core::keys::{PublicKey, device_id_for};
use rusqlite::{Connection, OptionalExtension, params};

use crate::error::{Error, Result};

const MIGRATIONS: &[&str] = &["
CREATE TABLE devices (
    device_id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    public_key TEXT NOT NULL,
    label TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX devices_by_user ON devices (user_id, created_at);
"];

/// Longest device label accepted.
pub const MAX_LABEL_CHARS: usize = 64;

/// One registered device.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceRecord {
    pub device_id: String,
    pub user_id: String,
    pub public_key: PublicKey,
    pub label: String,
    pub created_at: i64,
}

/// The devices table on one connection.
pub struct DeviceStore {
    conn: Mutex<Connection>,
}

impl DeviceStore {
    /// Opens the store on `conn`, applying missing migrations.
    pub fn new(conn: Connection) -> Result<Self> {
        crate::db::migrate(&conn, "devices", MIGRATIONS)?;
        Ok(Self {
            conn: Mutex::new(conn),
        })
    }

    fn conn(&self) -> Result<std::sync::MutexGuard<'_, Connection>> {
        self.conn
            .lock()
            .map_err(|_| Error::Internal("devices lock poisoned".into()))
    }

    /// Registers `public_key` (unpadded base64url) for `user_id`. Returns the stored device; the
    /// same key registered again by the same user returns the first registration unchanged.
    pub fn register(
        &self,
        user_id: &str,
        public_key: &str,
        label: &str,
        now: i64,
    ) -> Result<DeviceRecord> {
        let key = PublicKey::from_base64url(public_key)
            .map_err(|_| Error::InvalidRequest("public_key is not an ed25519 key".into()))?;
        let label = label.trim();
        if label.is_empty() || label.chars().count() > MAX_LABEL_CHARS {
            return Err(Error::InvalidRequest(format!(
                "label must be 1 to {MAX_LABEL_CHARS} characters"
            )));
        }
        let device_id = device_id_for(&key);
        let conn = self.conn()?;
        let tx = crate::db::write_tx(&conn)?;
        if let Some(existing) = get(&tx, &device_id)? {
            return if existing.user_id == user_id {
                Ok(existing)
            } else {
                Err(Error::AlreadyExists("device"))
            };
        }
        tx.prepare_cached(
            "INSERT INTO devices (device_id, user_id, public_key, label, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )?
        .execute(params![device_id, user_id, key.to_base64url(), label, now])?;
        tx.commit()?;
        Ok(DeviceRecord {
            device_id,
            user_id: user_id.to_string(),
            public_key: key,
            label: label.to_string(),
            created_at: now,
        })
    }

    /// One device by id.
    pub fn get(&self, device_id: &str) -> Result<Option<DeviceRecord>> {
        get(&*self.conn()?, device_id)
    }

    /// A user's devices, oldest first.
    pub fn for_user(&self, user_id: &str) -> Result<Vec<DeviceRecord>> {
        let conn = self.conn()?;
        let mut stmt = conn.prepare(
            "SELECT device_id, user_id, public_key, label, created_at FROM devices
             WHERE user_id = ?1 ORDER BY created_at, device_id",
        )?;
        let rows = stmt.query_map([user_id], row)?;
        rows.map(|r| r.map_err(Error::from)).collect()
    }
}

fn get(conn: &Connection, device_id: &str) -> Result<Option<DeviceRecord>> {
    Ok(conn
        .prepare_cached(
            "SELECT device_id, user_id, public_key, label, created_at FROM devices
             WHERE device_id = ?1",
        )?
        .query_row([device_id], row)
        .optional()?)
}

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<DeviceRecord> {
    let key: String = r.get(2)?;
    let public_key =
        PublicKey::from_base64url(&key).map_err(|_| crate::db::bad_column(2, "public key"))?;
    Ok(DeviceRecord {
        device_id: r.get(0)?,
        user_id: r.get(1)?,
        public_key,
        label: r.get(3)?,
        created_at: r.get(4)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use kipochi_core::keys::DeviceKey;

    fn store() -> DeviceStore {
        DeviceStore::new(Connection::open_in_memory().unwrap()).unwrap()
    }

    fn key(seed: u8) -> String {
        DeviceKey::from_secret_bytes(&[seed; 32])
            .public_key()
            .to_base64url()
    }

    #[test]
    fn register_is_idempotent_per_user_and_bound_to_the_key() {
        let s = store();
        let a = s.register("u1", &key(1), "Asha's phone", 10).unwrap();
        assert_eq!(
            a.device_id,
            DeviceKey::from_secret_bytes(&[1; 32]).device_id()
        );
        let again = s.register("u1", &key(1), "renamed", 20).unwrap();
        assert_eq!(again, a);
        assert!(matches!(
            s.register("u2", &key(1), "thief", 30),
            Err(Error::AlreadyExists("device"))
        ));
        s.register("u1", &key(2), "tablet", 40).unwrap();
        let mine = s.for_user("u1").unwrap();
        assert_eq!(mine.len(), 2);
        assert!(s.for_user("u2").unwrap().is_empty());
        assert_eq!(s.get(&a.device_id).unwrap().unwrap().user_id, "u1");
    }

    #[test]
    fn bad_keys_and_labels_are_refused() {
        let s = store();
        for bad in ["", "not-base64!", "AAAA"] {
            assert!(matches!(
                s.register("u1", bad, "phone", 1),
                Err(Error::InvalidRequest(_))
            ));
        }
        assert!(matches!(
            s.register("u1", &key(3), "  ", 1),
            Err(Error::InvalidRequest(_))
        ));
        assert!(s.for_user("u1").unwrap().is_empty());
    }

    /// The hub opens one connection per store on the same file: a read-then-write transaction
    /// must take the write lock up front, or a concurrent writer makes it fail at once with
    /// "database is locked" instead of waiting (seen as 500s under bench-lab).
    #[test]
    fn concurrent_registrations_through_two_connections_all_succeed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hub.db");
        let stores: Vec<_> = (0..2)
            .map(|_| {
                std::sync::Arc::new(DeviceStore::new(crate::db::open(&path).unwrap()).unwrap())
            })
            .collect();
        let threads: Vec<_> = (0..8u8)
            .map(|t| {
                let s = stores[usize::from(t) % 2].clone();
                std::thread::spawn(move || {
                    for i in 0..20u8 {
                        let seed = t * 20 + i + 1;
                        s.register(&format!("u{t}"), &key(seed), "phone", 1)
                            .unwrap();
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        for t in 0..8 {
            assert_eq!(stores[0].for_user(&format!("u{t}")).unwrap().len(), 20);
        }
    }
}
