//! SQLite tables of the users service. Only hashes of secrets are stored.

use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::db::bad_column;
use crate::error::{Error, Result};

pub use kipochi_core::api::Role;

/// The lowercase name of a role, as stored and as sent over the API.
pub fn role_str(role: Role) -> &'static str {
    match role {
        Role::Customer => "customer",
        Role::Merchant => "merchant",
        Role::Agent => "agent",
        Role::Admin => "admin",
    }
}

/// Parses [`role_str`]'s names.
pub fn parse_role(s: &str) -> Result<Role> {
    Ok(match s {
        "customer" => Role::Customer,
        "merchant" => Role::Merchant,
        "agent" => Role::Agent,
        "admin" => Role::Admin,
        _ => return Err(Error::InvalidRequest(format!("unknown role {s:?}"))),
    })
}

/// Whether the user has set a PIN yet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UserStatus {
    PendingActivation,
    Active,
}

/// A wallet user as the rest of the hub sees it (no secrets).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub id: Uuid,
    pub phone: String,
    pub display_name: String,
    pub role: Role,
    pub kyc_tier: u8,
    pub account_id: Option<String>,
    pub status: UserStatus,
    pub created_at: i64,
}

/// An open session. `token` is only known right after login; the store keeps its digest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    pub token: String,
    pub user_id: Uuid,
    pub expires_at: i64,
}

/// A user row with its secret hashes and lockout counters (never leaves the auth module).
pub(super) struct UserRecord {
    pub user: User,
    pub pin_hash: Option<String>,
    pub activation_hash: Option<String>,
    pub activation_expires_at: Option<i64>,
    pub failed_attempts: u32,
    pub locked_until: Option<i64>,
}

const MIGRATIONS: &[&str] = &["
CREATE TABLE users (
    id TEXT PRIMARY KEY,
    phone TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('customer', 'merchant', 'agent', 'admin')),
    kyc_tier INTEGER NOT NULL,
    account_id TEXT,
    pin_hash TEXT,
    activation_hash TEXT,
    activation_expires_at INTEGER,
    failed_attempts INTEGER NOT NULL DEFAULT 0,
    locked_until INTEGER,
    created_at INTEGER NOT NULL
);
CREATE TABLE sessions (
    token_hash BLOB PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id),
    expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_by_user ON sessions (user_id);
"];

/// Applies the users migrations that have not run yet.
pub(super) fn migrate(conn: &Connection) -> Result<()> {
    Ok(crate::db::migrate(conn, "auth", MIGRATIONS)?)
}

pub(super) fn insert_user(
    conn: &Connection,
    user: &User,
    activation_hash: &str,
    activation_expires_at: i64,
) -> Result<()> {
    let inserted = conn
        .prepare_cached(
            "INSERT INTO users (id, phone, display_name, role, kyc_tier, account_id,
                            activation_hash, activation_expires_at, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
         ON CONFLICT (phone) DO NOTHING",
        )?
        .execute(params![
            user.id.to_string(),
            user.phone,
            user.display_name,
            role_str(user.role),
            user.kyc_tier,
            user.account_id,
            activation_hash,
            activation_expires_at,
            user.created_at
        ])?;
    if inserted == 0 {
        return Err(Error::AlreadyExists("phone number"));
    }
    Ok(())
}

const SELECT_USER: &str = "SELECT id, phone, display_name, role, kyc_tier, account_id, pin_hash,
    activation_hash, activation_expires_at, failed_attempts, locked_until, created_at FROM users";

fn record(row: &Row<'_>) -> rusqlite::Result<UserRecord> {
    let id: String = row.get(0)?;
    let role: String = row.get(3)?;
    let pin_hash: Option<String> = row.get(6)?;
    let status = if pin_hash.is_some() {
        UserStatus::Active
    } else {
        UserStatus::PendingActivation
    };
    Ok(UserRecord {
        user: User {
            id: Uuid::parse_str(&id).map_err(|_| bad_column(0, "user id"))?,
            phone: row.get(1)?,
            display_name: row.get(2)?,
            role: parse_role(&role).map_err(|_| bad_column(3, "role"))?,
            kyc_tier: row.get(4)?,
            account_id: row.get(5)?,
            status,
            created_at: row.get(11)?,
        },
        pin_hash,
        activation_hash: row.get(7)?,
        activation_expires_at: row.get(8)?,
        failed_attempts: row.get(9)?,
        locked_until: row.get(10)?,
    })
}

pub(super) fn find_by_phone(conn: &Connection, phone: &str) -> Result<Option<UserRecord>> {
    let sql = format!("{SELECT_USER} WHERE phone = ?1");
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([phone], record)
        .optional()?)
}

pub(super) fn find_by_account(conn: &Connection, account_id: &str) -> Result<Option<UserRecord>> {
    let sql = format!("{SELECT_USER} WHERE account_id = ?1 LIMIT 1");
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([account_id], record)
        .optional()?)
}

pub(super) fn find_by_id(conn: &Connection, id: Uuid) -> Result<Option<UserRecord>> {
    let sql = format!("{SELECT_USER} WHERE id = ?1");
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([id.to_string()], record)
        .optional()?)
}

pub(super) fn set_pin(conn: &Connection, id: Uuid, pin_hash: &str) -> Result<()> {
    conn.prepare_cached(
        "UPDATE users SET pin_hash = ?2, activation_hash = NULL, activation_expires_at = NULL,
                          failed_attempts = 0, locked_until = NULL WHERE id = ?1",
    )?
    .execute(params![id.to_string(), pin_hash])?;
    Ok(())
}

pub(super) fn set_activation(
    conn: &Connection,
    id: Uuid,
    activation_hash: &str,
    expires_at: i64,
) -> Result<()> {
    conn.prepare_cached(
        "UPDATE users SET activation_hash = ?2, activation_expires_at = ?3
         WHERE id = ?1 AND pin_hash IS NULL",
    )?
    .execute(params![id.to_string(), activation_hash, expires_at])?;
    Ok(())
}

pub(super) fn set_failures(
    conn: &Connection,
    id: Uuid,
    failed_attempts: u32,
    locked_until: Option<i64>,
) -> Result<()> {
    conn.prepare_cached("UPDATE users SET failed_attempts = ?2, locked_until = ?3 WHERE id = ?1")?
        .execute(params![id.to_string(), failed_attempts, locked_until])?;
    Ok(())
}

pub(super) fn reset_failures(conn: &Connection, id: Uuid) -> Result<()> {
    set_failures(conn, id, 0, None)
}

pub(super) fn insert_session(conn: &Connection, digest: &[u8], s: &Session) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO sessions (token_hash, user_id, expires_at) VALUES (?1, ?2, ?3)",
    )?
    .execute(params![digest, s.user_id.to_string(), s.expires_at])?;
    Ok(())
}

pub(super) fn find_session(conn: &Connection, digest: &[u8]) -> Result<Option<(Uuid, i64)>> {
    let found: Option<(String, i64)> = conn
        .prepare_cached("SELECT user_id, expires_at FROM sessions WHERE token_hash = ?1")?
        .query_row([digest], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    found
        .map(|(id, exp)| {
            Uuid::parse_str(&id)
                .map(|id| (id, exp))
                .map_err(|_| Error::Internal("bad session user id".into()))
        })
        .transpose()
}

pub(super) fn delete_session(conn: &Connection, digest: &[u8]) -> Result<()> {
    conn.prepare_cached("DELETE FROM sessions WHERE token_hash = ?1")?
        .execute([digest])?;
    Ok(())
}
