//! The adapter's own durable record (SQLite, WAL, `synchronous=FULL`): which transfers it sent to
//! Fineract and how far each got, and how far each onboarding got. Fineract's interop API has no
//! GET for a transfer, and `commit`/`release` receive only the id, so the terms (account, amount,
//! fee) are kept here; each row is written *before* the call it describes.

use std::path::Path;
use std::sync::{Arc, Mutex};

use rusqlite::{Connection, OptionalExtension, params};

use super::FineractError;
use crate::accounts::{AccountId, OpenAccount, TransferId, TransferKind};

/// How far a transfer got. Stored as text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// PREPARE (or the credit's CREATE) sent, outcome unknown.
    Sent,
    /// Funds on hold.
    Held,
    /// Internal transfer: payer side booked, payee side not yet.
    Debited,
    /// CREATE sent for a held transfer, outcome unknown.
    Committing,
    /// Booked (final).
    Committed,
    /// RELEASE sent, outcome unknown.
    Releasing,
    /// Released (final).
    Released,
}

impl Phase {
    fn code(self) -> &'static str {
        match self {
            Self::Sent => "sent",
            Self::Held => "held",
            Self::Debited => "debited",
            Self::Committing => "committing",
            Self::Committed => "committed",
            Self::Releasing => "releasing",
            Self::Released => "released",
        }
    }

    fn parse(s: &str) -> Result<Self, FineractError> {
        Ok(match s {
            "sent" => Self::Sent,
            "held" => Self::Held,
            "debited" => Self::Debited,
            "committing" => Self::Committing,
            "committed" => Self::Committed,
            "releasing" => Self::Releasing,
            "released" => Self::Released,
            other => return Err(FineractError::Store(format!("unknown phase {other}"))),
        })
    }
}

/// One transfer row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransferRow {
    /// Transfer id = Fineract transferCode and transactionCode.
    pub id: TransferId,
    /// Outgoing, incoming or internal.
    pub kind: TransferKind,
    /// Debited account.
    pub payer: Option<AccountId>,
    /// Credited account.
    pub payee: Option<AccountId>,
    /// Amount, minor units.
    pub amount: i64,
    /// Fee, minor units.
    pub fee: i64,
    /// Progress.
    pub phase: Phase,
    /// Unix ms.
    pub created_ms: i64,
    /// Unix ms.
    pub updated_ms: i64,
}

impl TransferRow {
    /// True when `other` describes the same movement (ids, kind, accounts, amounts).
    pub fn same_terms(&self, other: &TransferRow) -> bool {
        (self.kind, self.payer, self.payee, self.amount, self.fee)
            == (
                other.kind,
                other.payer,
                other.payee,
                other.amount,
                other.fee,
            )
    }
}

/// Onboarding progress of an account opened through the hub.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountRow {
    /// The request (its id is the savings externalId).
    pub request: OpenAccount,
    /// Fineract client id once created.
    pub client_id: Option<u64>,
    /// Fineract savings id once created.
    pub savings_id: Option<u64>,
    /// True when every step (client, savings, approve, activate, aliases) is done.
    pub done: bool,
}

/// The store; cheap to clone. Calls run on the blocking pool.
#[derive(Clone)]
pub struct Store {
    conn: Arc<Mutex<Connection>>,
}

fn kind_code(k: TransferKind) -> &'static str {
    match k {
        TransferKind::Outgoing => "outgoing",
        TransferKind::Incoming => "incoming",
        TransferKind::Internal => "internal",
        TransferKind::Funding => "funding",
    }
}

fn kind_parse(s: &str) -> Result<TransferKind, FineractError> {
    Ok(match s {
        "outgoing" => TransferKind::Outgoing,
        "incoming" => TransferKind::Incoming,
        "internal" => TransferKind::Internal,
        "funding" => TransferKind::Funding,
        other => return Err(FineractError::Store(format!("unknown kind {other}"))),
    })
}

fn parse_id(s: Option<String>) -> Result<Option<uuid::Uuid>, FineractError> {
    s.map(|s| uuid::Uuid::parse_str(&s).map_err(|e| FineractError::Store(e.to_string())))
        .transpose()
}

impl Store {
    /// Opens (creating) the store at `path`.
    pub fn open(path: &Path) -> Result<Self, FineractError> {
        let conn = Connection::open(path)?;
        conn.set_prepared_statement_cache_capacity(crate::db::STATEMENT_CACHE);
        conn.execute_batch(
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA busy_timeout=5000;
             CREATE TABLE IF NOT EXISTS fineract_transfers (
                id TEXT PRIMARY KEY, kind TEXT NOT NULL, payer TEXT, payee TEXT,
                amount INTEGER NOT NULL, fee INTEGER NOT NULL, phase TEXT NOT NULL,
                created_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL);
             CREATE TABLE IF NOT EXISTS fineract_accounts (
                id TEXT PRIMARY KEY, request TEXT NOT NULL, client_id INTEGER,
                savings_id INTEGER, done INTEGER NOT NULL DEFAULT 0);",
        )?;
        Ok(Self {
            conn: Arc::new(Mutex::new(conn)),
        })
    }

    async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, FineractError> + Send + 'static,
    ) -> Result<T, FineractError> {
        let conn = self.conn.clone();
        tokio::task::spawn_blocking(move || {
            let guard = conn
                .lock()
                .map_err(|_| FineractError::Store("store lock poisoned".into()))?;
            f(&guard)
        })
        .await
        .map_err(|e| FineractError::Store(e.to_string()))?
    }

    /// The transfer `id`, if recorded.
    pub async fn transfer(&self, id: TransferId) -> Result<Option<TransferRow>, FineractError> {
        self.run(move |c| {
            let row = c
                .prepare_cached(
                    "SELECT kind, payer, payee, amount, fee, phase, created_ms, updated_ms
                     FROM fineract_transfers WHERE id = ?1",
                )?
                .query_row(params![id.0.to_string()], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, Option<String>>(1)?,
                        r.get::<_, Option<String>>(2)?,
                        r.get::<_, i64>(3)?,
                        r.get::<_, i64>(4)?,
                        r.get::<_, String>(5)?,
                        r.get::<_, i64>(6)?,
                        r.get::<_, i64>(7)?,
                    ))
                })
                .optional()?;
            let Some((kind, payer, payee, amount, fee, phase, created_ms, updated_ms)) = row else {
                return Ok(None);
            };
            Ok(Some(TransferRow {
                id,
                kind: kind_parse(&kind)?,
                payer: parse_id(payer)?.map(AccountId),
                payee: parse_id(payee)?.map(AccountId),
                amount,
                fee,
                phase: Phase::parse(&phase)?,
                created_ms,
                updated_ms,
            }))
        })
        .await
    }

    /// Records `row` unless its id exists; returns the stored row either way.
    pub async fn insert_transfer(&self, row: TransferRow) -> Result<TransferRow, FineractError> {
        let id = row.id;
        let inserted = row.clone();
        let changed = self
            .run(move |c| {
                Ok(c.prepare_cached(
                    "INSERT OR IGNORE INTO fineract_transfers
                     (id, kind, payer, payee, amount, fee, phase, created_ms, updated_ms)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)",
                )?
                .execute(params![
                    row.id.0.to_string(),
                    kind_code(row.kind),
                    row.payer.map(|a| a.0.to_string()),
                    row.payee.map(|a| a.0.to_string()),
                    row.amount,
                    row.fee,
                    row.phase.code(),
                    row.created_ms,
                ])?)
            })
            .await?;
        if changed == 1 {
            return Ok(inserted);
        }
        self.transfer(id)
            .await?
            .ok_or_else(|| FineractError::Store("transfer vanished".into()))
    }

    /// Moves `id` to `phase`.
    pub async fn set_phase(
        &self,
        id: TransferId,
        phase: Phase,
        now_ms: i64,
    ) -> Result<(), FineractError> {
        self.run(move |c| {
            c.prepare_cached(
                "UPDATE fineract_transfers SET phase = ?2, updated_ms = ?3 WHERE id = ?1",
            )?
            .execute(params![id.0.to_string(), phase.code(), now_ms])?;
            Ok(())
        })
        .await
    }

    /// Forgets `id` (its first call was refused: nothing happened in Fineract).
    pub async fn delete_transfer(&self, id: TransferId) -> Result<(), FineractError> {
        self.run(move |c| {
            c.prepare_cached("DELETE FROM fineract_transfers WHERE id = ?1 AND phase = 'sent'")?
                .execute(params![id.0.to_string()])?;
            Ok(())
        })
        .await
    }

    /// Amount + fee of the debits of `payer` recorded since `since_ms` that are not released
    /// (held, booked, or with an outcome still unknown), except transfer `except`.
    pub async fn debited_since(
        &self,
        payer: AccountId,
        since_ms: i64,
        except: TransferId,
    ) -> Result<i64, FineractError> {
        self.run(move |c| {
            Ok(c.prepare_cached(
                "SELECT COALESCE(SUM(amount + fee), 0) FROM fineract_transfers
                 WHERE payer = ?1 AND created_ms >= ?2 AND id != ?3 AND phase != 'released'",
            )?
            .query_row(
                params![payer.0.to_string(), since_ms, except.0.to_string()],
                |r| r.get(0),
            )?)
        })
        .await
    }

    /// The onboarding record of `id`.
    pub async fn account(&self, id: AccountId) -> Result<Option<AccountRow>, FineractError> {
        self.run(move |c| {
            let row = c
                .prepare_cached("SELECT request, client_id, savings_id, done FROM fineract_accounts WHERE id = ?1")?.query_row(params![id.0.to_string()],
                    |r| {
                        Ok((
                            r.get::<_, String>(0)?,
                            r.get::<_, Option<i64>>(1)?,
                            r.get::<_, Option<i64>>(2)?,
                            r.get::<_, bool>(3)?,
                        ))
                    },
                )
                .optional()?;
            let Some((request, client_id, savings_id, done)) = row else {
                return Ok(None);
            };
            let request: OpenAccount = serde_json::from_str(&request)
                .map_err(|e| FineractError::Store(e.to_string()))?;
            let to_u64 = |v: Option<i64>| v.and_then(|v| u64::try_from(v).ok());
            Ok(Some(AccountRow {
                request,
                client_id: to_u64(client_id),
                savings_id: to_u64(savings_id),
                done,
            }))
        })
        .await
    }

    /// Records the onboarding of `request` unless its id exists; returns the stored row.
    pub async fn insert_account(&self, request: OpenAccount) -> Result<AccountRow, FineractError> {
        let id = request.id;
        let text =
            serde_json::to_string(&request).map_err(|e| FineractError::Store(e.to_string()))?;
        self.run(move |c| {
            c.prepare_cached(
                "INSERT OR IGNORE INTO fineract_accounts (id, request) VALUES (?1, ?2)",
            )?
            .execute(params![id.0.to_string(), text])?;
            Ok(())
        })
        .await?;
        self.account(id)
            .await?
            .ok_or_else(|| FineractError::Store("account vanished".into()))
    }

    /// Saves onboarding progress.
    pub async fn update_account(&self, row: &AccountRow) -> Result<(), FineractError> {
        let id = row.request.id.0.to_string();
        let client = row.client_id.and_then(|v| i64::try_from(v).ok());
        let savings = row.savings_id.and_then(|v| i64::try_from(v).ok());
        let done = row.done;
        self.run(move |c| {
            c.prepare_cached("UPDATE fineract_accounts SET client_id = ?2, savings_id = ?3, done = ?4 WHERE id = ?1")?.execute(params![id, client, savings, done],
            )?;
            Ok(())
        })
        .await
    }
}
