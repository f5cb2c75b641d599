//! Merchant payment requests: one sale, one dynamic QR, paid at most once.
//!
//! A merchant asks for an amount with a reference ([`MerchantStore::create`]); the request is
//! stored with an expiry and its EMVCo payload. The payment orchestration asks
//! [`MerchantStore::check_payment`] before quoting a payment to a merchant (the reference must
//! name an open request of that merchant for exactly that amount) and calls
//! [`MerchantStore::mark_paid`] once the payment is booked.
//!
//! Invariants: at most one *open* request per (merchant account, reference), checked in the same
//! transaction as the insert; a request is paid by at most one payment (`payment_id` is set once
//! and `UNIQUE`); `mark_paid` is idempotent for the same payment and never checks expiry (the money
//! already moved: the record must say so). Amounts are integer minor units.

use std::sync::Mutex;

use rusqlite::{Connection, OptionalExtension, Transaction, params};

/// How long a dynamic request can be paid, from its creation.
pub const REQUEST_TTL_MS: i64 = 15 * 60 * 1000;

/// Failures of the merchant store. Messages never carry references, amounts or ids.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MerchantError {
    /// No request of this merchant has this reference (or no request has this id).
    #[error("unknown payment request")]
    Unknown,
    /// The request's expiry has passed.
    #[error("the payment request has expired")]
    Expired,
    /// The request was paid by another payment.
    #[error("the payment request is already paid")]
    AlreadyPaid,
    /// The payment's amount is not the requested amount.
    #[error("the amount differs from the requested amount")]
    AmountMismatch,
    /// An open request with this reference exists already for this merchant.
    #[error("an open payment request with this reference exists")]
    ReferenceInUse,
    /// A field is malformed (the field named).
    #[error("invalid payment request: {0}")]
    Invalid(&'static str),
    /// Storage failed; nothing was changed.
    #[error("merchant storage: {0}")]
    Sqlite(#[from] rusqlite::Error),
}

impl From<MerchantError> for crate::Error {
    fn from(e: MerchantError) -> Self {
        use crate::Error;
        match e {
            MerchantError::Unknown => Error::NotFound("payment request"),
            MerchantError::Expired => Error::Refused {
                code: "request_expired",
                message: e.to_string(),
            },
            MerchantError::AlreadyPaid => Error::Refused {
                code: "request_paid",
                message: e.to_string(),
            },
            MerchantError::AmountMismatch => Error::Refused {
                code: "amount_mismatch",
                message: e.to_string(),
            },
            MerchantError::ReferenceInUse => Error::AlreadyExists("open payment request"),
            MerchantError::Invalid(_) => Error::InvalidRequest(e.to_string()),
            MerchantError::Sqlite(e) => Error::Storage(e),
        }
    }
}

type Result<T> = std::result::Result<T, MerchantError>;

/// A stored payment request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestRecord {
    pub id: String,
    /// The merchant user who created it.
    pub user_id: String,
    /// The merchant's account, which the payment credits.
    pub account_id: String,
    pub reference: String,
    pub terminal: Option<String>,
    pub amount_minor: i64,
    pub currency: String,
    /// The EMVCo payload handed to the merchant.
    pub payload: String,
    pub created_at: i64,
    pub expires_at: i64,
    /// The payment that paid it.
    pub payment_id: Option<String>,
    pub paid_at: Option<i64>,
}

/// Where a request stands at a given time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Open,
    Paid,
    Expired,
}

impl RequestRecord {
    /// The status at `now` (paid wins over expired).
    pub fn status(&self, now: i64) -> Status {
        if self.payment_id.is_some() {
            Status::Paid
        } else if now >= self.expires_at {
            Status::Expired
        } else {
            Status::Open
        }
    }
}

/// A request to store (the id and payload are made by the caller).
#[derive(Clone, Debug)]
pub struct NewRequest {
    pub id: String,
    pub user_id: String,
    pub account_id: String,
    pub reference: String,
    pub terminal: Option<String>,
    pub amount_minor: i64,
    pub currency: String,
    pub payload: String,
}

const MIGRATIONS: &[&str] = &["
CREATE TABLE merchant_requests (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    account_id TEXT NOT NULL,
    reference TEXT NOT NULL,
    terminal TEXT,
    amount_minor INTEGER NOT NULL CHECK (amount_minor > 0),
    currency TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    payment_id TEXT UNIQUE,
    paid_at INTEGER
);
CREATE INDEX merchant_requests_by_ref ON merchant_requests (account_id, reference, created_at);
"];

const SELECT: &str = "SELECT id, user_id, account_id, reference, terminal, amount_minor, currency,
    payload, created_at, expires_at, payment_id, paid_at FROM merchant_requests";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<RequestRecord> {
    Ok(RequestRecord {
        id: r.get(0)?,
        user_id: r.get(1)?,
        account_id: r.get(2)?,
        reference: r.get(3)?,
        terminal: r.get(4)?,
        amount_minor: r.get(5)?,
        currency: r.get(6)?,
        payload: r.get(7)?,
        created_at: r.get(8)?,
        expires_at: r.get(9)?,
        payment_id: r.get(10)?,
        paid_at: r.get(11)?,
    })
}

/// Merchant payment requests on one SQLite connection (the hub's database file).
pub struct MerchantStore {
    conn: Mutex<Connection>,
}

impl MerchantStore {
    /// Wraps `conn`, applying the store's migrations.
    pub fn new(conn: Connection) -> Result<Self> {
        crate::db::migrate(&conn, "merchant", MIGRATIONS)?;
        Ok(Self {
            conn: Mutex::new(conn),
        })
    }

    fn with_tx<T>(&self, f: impl FnOnce(&Transaction<'_>) -> Result<T>) -> Result<T> {
        let mut conn = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let out = f(&tx)?;
        tx.commit()?;
        Ok(out)
    }

    /// Stores a new request expiring [`REQUEST_TTL_MS`] after `now`. Refuses a reference that
    /// names another open request of the same merchant account.
    pub fn create(&self, new: &NewRequest, now: i64) -> Result<RequestRecord> {
        if new.amount_minor <= 0 {
            return Err(MerchantError::Invalid("amount"));
        }
        self.with_tx(|tx| {
            let open: Option<String> = tx
                .prepare_cached(
                    "SELECT id FROM merchant_requests WHERE account_id = ?1 AND reference = ?2
                       AND payment_id IS NULL AND expires_at > ?3 LIMIT 1",
                )?
                .query_row(params![new.account_id, new.reference, now], |r| r.get(0))
                .optional()?;
            if open.is_some() {
                return Err(MerchantError::ReferenceInUse);
            }
            tx.prepare_cached(
                "INSERT INTO merchant_requests (id, user_id, account_id, reference, terminal,
                   amount_minor, currency, payload, created_at, expires_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            )?
            .execute(params![
                new.id,
                new.user_id,
                new.account_id,
                new.reference,
                new.terminal,
                new.amount_minor,
                new.currency,
                new.payload,
                now,
                now.saturating_add(REQUEST_TTL_MS)
            ])?;
            get(tx, &new.id)?.ok_or(MerchantError::Unknown)
        })
    }

    /// One request by id.
    pub fn get(&self, id: &str) -> Result<RequestRecord> {
        self.with_tx(|tx| get(tx, id)?.ok_or(MerchantError::Unknown))
    }

    /// Checks a payment of `amount_minor` to `account_id` carrying `reference` before it is
    /// quoted. `None` reference (a static-QR or P2P payment): `Ok(None)`, nothing to check.
    /// Otherwise the open request it pays, or why it cannot be paid: `Unknown`, `Expired`,
    /// `AlreadyPaid`, `AmountMismatch`. Changes nothing.
    pub fn check_payment(
        &self,
        account_id: &str,
        reference: Option<&str>,
        amount_minor: i64,
        now: i64,
    ) -> Result<Option<String>> {
        let Some(reference) = reference else {
            return Ok(None);
        };
        self.with_tx(|tx| {
            // The open one if any (at most one), otherwise the latest, to say why not.
            let found = tx
                .query_row(
                    &format!(
                        "{SELECT} WHERE account_id = ?1 AND reference = ?2
                         ORDER BY (payment_id IS NULL AND expires_at > ?3) DESC, created_at DESC
                         LIMIT 1"
                    ),
                    params![account_id, reference, now],
                    row,
                )
                .optional()?
                .ok_or(MerchantError::Unknown)?;
            match found.status(now) {
                Status::Paid => Err(MerchantError::AlreadyPaid),
                Status::Expired => Err(MerchantError::Expired),
                Status::Open if found.amount_minor != amount_minor => {
                    Err(MerchantError::AmountMismatch)
                }
                Status::Open => Ok(Some(found.id)),
            }
        })
    }

    /// Records that `payment_id` paid request `id`. Idempotent for the same payment;
    /// `AlreadyPaid` when another payment paid it; `Unknown` for an unknown id.
    pub fn mark_paid(&self, id: &str, payment_id: &str, now: i64) -> Result<RequestRecord> {
        self.with_tx(|tx| {
            let rec = get(tx, id)?.ok_or(MerchantError::Unknown)?;
            match rec.payment_id.as_deref() {
                Some(p) if p == payment_id => return Ok(rec),
                Some(_) => return Err(MerchantError::AlreadyPaid),
                None => {}
            }
            let changed = tx
                .prepare_cached(
                    "UPDATE merchant_requests SET payment_id = ?2, paid_at = ?3
                 WHERE id = ?1 AND payment_id IS NULL",
                )?
                .execute(params![id, payment_id, now]);
            match changed {
                Ok(_) => {}
                // The payment id paid another request already (UNIQUE).
                Err(rusqlite::Error::SqliteFailure(f, _))
                    if f.code == rusqlite::ErrorCode::ConstraintViolation =>
                {
                    return Err(MerchantError::AlreadyPaid);
                }
                Err(e) => return Err(e.into()),
            }
            get(tx, id)?.ok_or(MerchantError::Unknown)
        })
    }

    /// Marks the request a committed payment of `account_id` with `reference` paid: the latest
    /// request with that reference still unpaid (even if it expired meanwhile: the money moved)
    /// or already paid by this payment. `None` when the reference names no request.
    pub fn settle_payment(
        &self,
        account_id: &str,
        reference: &str,
        payment_id: &str,
        now: i64,
    ) -> Result<Option<RequestRecord>> {
        let found = self.with_tx(|tx| {
            Ok(tx
                .query_row(
                    &format!(
                        "{SELECT} WHERE account_id = ?1 AND reference = ?2
                           AND (payment_id IS NULL OR payment_id = ?3)
                         ORDER BY created_at DESC LIMIT 1"
                    ),
                    params![account_id, reference, payment_id],
                    row,
                )
                .optional()?)
        })?;
        match found {
            Some(r) => self.mark_paid(&r.id, payment_id, now).map(Some),
            None => Ok(None),
        }
    }

    /// The request a payment paid, if any.
    pub fn paid_by(&self, payment_id: &str) -> Result<Option<RequestRecord>> {
        self.with_tx(|tx| {
            Ok(tx
                .query_row(
                    &format!("{SELECT} WHERE payment_id = ?1"),
                    [payment_id],
                    row,
                )
                .optional()?)
        })
    }
}

fn get(tx: &Transaction<'_>, id: &str) -> Result<Option<RequestRecord>> {
    Ok(tx
        .query_row(&format!("{SELECT} WHERE id = ?1"), [id], row)
        .optional()?)
}

#[cfg(test)]
mod tests;
