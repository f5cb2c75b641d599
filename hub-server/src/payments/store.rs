//! Durable payments: one SQLite row per payment plus an append-only timeline.
//!
//! Every transition is one SQLite transaction that checks the current state, applies the
//! changes and appends the timeline event, so a crash leaves either the old or the new state,
//! never a mix. Creation is idempotent by payment id and request digest. Every call runs on the
//! store's writer thread ([`crate::db::Writer`]): concurrent transitions share one commit (one
//! fsync), and none is answered before it is durable.

use kipochi_core::api::PaymentState;
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, Row, params, params_from_iter};

use super::machine;
use super::record::{
    Changes, Event, Party, PaymentRecord, direction_str, parse_direction, parse_state, state_str,
};
use crate::db::bad_column;

/// End-to-end latencies of the payments that ended in one final state (a histogram).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FinalLatency {
    /// The final state.
    pub state: PaymentState,
    /// Payments in that state.
    pub count: u64,
    /// Sum of their latencies in milliseconds.
    pub sum_ms: i64,
    /// Per bound of the query, how many took at most that long.
    pub cumulative: Vec<u64>,
}

/// Failures of the payments store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("payment not found")]
    NotFound,
    /// The payment id exists with a different creating request.
    #[error("payment id reused with a different request")]
    Conflict,
    /// Another actor moved the payment first.
    #[error("payment is {actual:?}, expected {expected:?}")]
    StateConflict {
        expected: PaymentState,
        actual: PaymentState,
    },
    #[error("illegal transition {from:?} -> {to:?}")]
    IllegalTransition {
        from: PaymentState,
        to: PaymentState,
    },
    #[error("corrupt payment row: {0}")]
    Corrupt(&'static str),
    #[error("payments storage: {0}")]
    Sqlite(#[from] rusqlite::Error),
}

type Result<T> = std::result::Result<T, StoreError>;

/// Outcome of [`PaymentStore::create`].
#[derive(Debug, PartialEq, Eq)]
pub enum Created {
    /// A new payment was stored.
    New(PaymentRecord),
    /// The same request was seen before: here is the payment as it is now.
    Existing(PaymentRecord),
}

const MIGRATIONS: &[&str] = &[
    "
CREATE TABLE payments (
    id TEXT PRIMARY KEY,
    direction TEXT NOT NULL CHECK (direction IN ('outgoing', 'incoming')),
    state TEXT NOT NULL,
    user_id TEXT,
    account_id TEXT NOT NULL,
    cp_type TEXT NOT NULL, cp_id TEXT NOT NULL, cp_name TEXT NOT NULL, cp_fsp TEXT NOT NULL,
    amount_minor INTEGER NOT NULL CHECK (amount_minor > 0),
    fee_minor INTEGER NOT NULL CHECK (fee_minor >= 0),
    currency TEXT NOT NULL,
    reference TEXT, note TEXT,
    internal INTEGER NOT NULL,
    quote_id TEXT, quote_expiry INTEGER, nonce TEXT,
    ilp_packet TEXT, condition TEXT, fulfilment TEXT, transfer_expiry INTEGER,
    request_hash TEXT NOT NULL,
    error_code TEXT, error_message TEXT,
    created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL
);
CREATE INDEX payments_by_state ON payments (state, updated_at);
CREATE INDEX payments_by_user ON payments (user_id, created_at);
CREATE INDEX payments_by_reference ON payments (reference);
CREATE TABLE payment_events (
    payment_id TEXT NOT NULL REFERENCES payments (id),
    seq INTEGER NOT NULL,
    at INTEGER NOT NULL,
    from_state TEXT,
    to_state TEXT NOT NULL,
    detail TEXT,
    PRIMARY KEY (payment_id, seq)
);
",
    "
ALTER TABLE payments ADD COLUMN transfer_minor INTEGER CHECK (transfer_minor > 0);
ALTER TABLE payments ADD COLUMN transfer_id TEXT;
CREATE UNIQUE INDEX payments_by_transfer ON payments (transfer_id) WHERE transfer_id IS NOT NULL;
",
];

/// The payments table, on one connection owned by the store's writer thread (the hub's single
/// writer for payments).
pub struct PaymentStore {
    writer: crate::db::Writer,
}

impl PaymentStore {
    /// Opens the store on `conn`, applying missing migrations.
    pub fn new(conn: Connection) -> Result<Self> {
        migrate(&conn)?;
        let writer = crate::db::Writer::start("payments-writer", conn)
            .map_err(|_| StoreError::Corrupt("cannot start the writer thread"))?;
        Ok(Self { writer })
    }

    /// Runs `f` in the writer's next group transaction (inside its own savepoint).
    fn with_tx<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        self.writer.run(f)
    }

    /// Stores a new payment in its initial state, or returns the existing one when the same
    /// id arrives again with the same request digest.
    pub fn create(&self, p: &PaymentRecord) -> Result<Created> {
        let p = p.clone();
        self.with_tx(move |tx| {
            if let Some(existing) = get(tx, &p.id)? {
                return if existing.request_hash == p.request_hash {
                    Ok(Created::Existing(existing))
                } else {
                    Err(StoreError::Conflict)
                };
            }
            insert(tx, &p)?;
            append_event(tx, &p.id, p.created_at, None, p.state, None)?;
            Ok(Created::New(p))
        })
    }

    /// Reads one payment.
    pub fn get(&self, id: &str) -> Result<PaymentRecord> {
        let id = id.to_string();
        self.with_tx(move |tx| get(tx, &id)?.ok_or(StoreError::NotFound))
    }

    /// Moves a payment from `from` to `to` with `changes`, atomically.
    ///
    /// Idempotent: if the payment is already in `to`, the stored payment is returned unchanged.
    pub fn transition(
        &self,
        id: &str,
        from: PaymentState,
        to: PaymentState,
        changes: Changes,
        now: i64,
    ) -> Result<PaymentRecord> {
        let id = id.to_string();
        self.with_tx(move |tx| {
            let id = id.as_str();
            let current = get(tx, id)?.ok_or(StoreError::NotFound)?;
            if current.state == to {
                return Ok(current);
            }
            if current.state != from {
                return Err(StoreError::StateConflict {
                    expected: from,
                    actual: current.state,
                });
            }
            if !machine::allowed(current.direction, from, to) {
                return Err(StoreError::IllegalTransition { from, to });
            }
            apply(tx, id, to, &changes, now)?;
            append_event(tx, id, now, Some(from), to, changes.detail.as_deref())?;
            get(tx, id)?.ok_or(StoreError::NotFound)
        })
    }

    /// The incoming payment carrying FSPIOP transfer `transfer_id`, if any.
    pub fn by_transfer_id(&self, transfer_id: &str) -> Result<Option<PaymentRecord>> {
        Ok(self
            .query(
                "WHERE transfer_id = ?1",
                vec![transfer_id.to_string().into()],
            )?
            .into_iter()
            .next())
    }

    /// Payments not yet in a terminal state (for recovery after a restart), oldest first.
    pub fn unfinished(&self) -> Result<Vec<PaymentRecord>> {
        self.query(
            "WHERE state NOT IN ('committed', 'declined', 'expired', 'failed')
             ORDER BY created_at, id",
            Vec::new(),
        )
    }

    /// A user's payments, newest first, `limit` at most, older than `before` (ms) when given.
    pub fn for_user(
        &self,
        user_id: &str,
        before: Option<i64>,
        limit: u32,
    ) -> Result<Vec<PaymentRecord>> {
        self.query(
            "WHERE user_id = ?1 AND created_at < ?2 ORDER BY created_at DESC, id DESC LIMIT ?3",
            vec![
                user_id.to_string().into(),
                before.unwrap_or(i64::MAX).into(),
                i64::from(limit).into(),
            ],
        )
    }

    /// Admin search: optional state, created-at window and party (counterparty id or user id).
    pub fn search(&self, filter: &Search) -> Result<Vec<PaymentRecord>> {
        self.query(
            "WHERE (?1 IS NULL OR state = ?1) AND created_at >= ?2 AND created_at < ?3
               AND (?4 IS NULL OR cp_id = ?4 OR user_id = ?4 OR account_id = ?4)
             ORDER BY created_at DESC, id DESC LIMIT ?5",
            vec![
                filter
                    .state
                    .map_or(Value::Null, |st| state_str(st).to_string().into()),
                filter.from.unwrap_or(i64::MIN).into(),
                filter.to.unwrap_or(i64::MAX).into(),
                filter.party.clone().map_or(Value::Null, Value::from),
                i64::from(filter.limit).into(),
            ],
        )
    }

    /// Counts of payments per state (for metrics and the admin chart).
    pub fn counts_by_state(&self) -> Result<Vec<(PaymentState, u64)>> {
        self.with_tx(|tx| {
            let mut stmt =
                tx.prepare_cached("SELECT state, COUNT(*) FROM payments GROUP BY state")?;
            let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, u64>(1)?)))?;
            let mut out = Vec::new();
            for row in rows {
                let (s, n) = row?;
                out.push((parse_state(&s).ok_or(StoreError::Corrupt("state"))?, n));
            }
            Ok(out)
        })
    }

    /// End-to-end latency (created → final state) of every payment in a final state, per final
    /// state: cumulative counts at each bound in `bounds_ms` (ascending), total count and sum.
    pub fn final_latencies(&self, bounds_ms: &[i64]) -> Result<Vec<FinalLatency>> {
        let buckets: String = bounds_ms
            .iter()
            .map(|b| format!(", SUM(CASE WHEN updated_at - created_at <= {b} THEN 1 ELSE 0 END)"))
            .collect();
        let sql = format!(
            "SELECT state, COUNT(*), SUM(updated_at - created_at){buckets} FROM payments \
             WHERE state IN ('committed', 'declined', 'expired', 'failed') GROUP BY state"
        );
        let bounds = bounds_ms.len();
        self.with_tx(move |tx| {
            let mut stmt = tx.prepare_cached(&sql)?;
            let rows = stmt.query_map([], |r| {
                let mut cumulative = Vec::with_capacity(bounds);
                for i in 0..bounds {
                    cumulative.push(r.get::<_, u64>(3 + i)?);
                }
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, u64>(1)?,
                    r.get::<_, i64>(2)?,
                    cumulative,
                ))
            })?;
            let mut out = Vec::new();
            for row in rows {
                let (s, count, sum_ms, cumulative) = row?;
                out.push(FinalLatency {
                    state: parse_state(&s).ok_or(StoreError::Corrupt("state"))?,
                    count,
                    sum_ms,
                    cumulative,
                });
            }
            Ok(out)
        })
    }

    /// The payment's timeline, oldest first.
    pub fn timeline(&self, id: &str) -> Result<Vec<Event>> {
        let id = id.to_string();
        self.with_tx(move |tx| {
            let mut stmt = tx.prepare_cached(
                "SELECT seq, at, from_state, to_state, detail FROM payment_events
                 WHERE payment_id = ?1 ORDER BY seq",
            )?;
            let rows = stmt.query_map([&id], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get::<_, Option<String>>(2)?,
                    r.get::<_, String>(3)?,
                    r.get(4)?,
                ))
            })?;
            let mut out = Vec::new();
            for row in rows {
                let (seq, at, from, to, detail) = row?;
                out.push(Event {
                    seq,
                    at,
                    from: from
                        .as_deref()
                        .map(|s| parse_state(s).ok_or(StoreError::Corrupt("state")))
                        .transpose()?,
                    to: parse_state(&to).ok_or(StoreError::Corrupt("state"))?,
                    detail,
                });
            }
            Ok(out)
        })
    }

    fn query(&self, clause: &'static str, params: Vec<Value>) -> Result<Vec<PaymentRecord>> {
        self.with_tx(move |tx| {
            let mut stmt = tx.prepare_cached(&format!("{SELECT} {clause}"))?;
            let rows = stmt.query_map(params_from_iter(params), row)?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        })
    }
}

/// Filter of [`PaymentStore::search`].
#[derive(Clone, Debug, Default)]
pub struct Search {
    pub state: Option<PaymentState>,
    pub from: Option<i64>,
    pub to: Option<i64>,
    pub party: Option<String>,
    pub limit: u32,
}

fn migrate(conn: &Connection) -> Result<()> {
    Ok(crate::db::migrate(conn, "payments", MIGRATIONS)?)
}

const SELECT: &str = "SELECT id, direction, state, user_id, account_id, cp_type, cp_id, cp_name,
    cp_fsp, amount_minor, fee_minor, currency, reference, note, internal, quote_id, quote_expiry,
    nonce, ilp_packet, condition, fulfilment, transfer_expiry, request_hash, error_code,
    error_message, created_at, updated_at, transfer_minor, transfer_id FROM payments";

fn row(r: &Row<'_>) -> rusqlite::Result<PaymentRecord> {
    let direction: String = r.get(1)?;
    let state: String = r.get(2)?;
    Ok(PaymentRecord {
        id: r.get(0)?,
        direction: parse_direction(&direction).ok_or_else(|| bad_column(1, "direction"))?,
        state: parse_state(&state).ok_or_else(|| bad_column(2, "state"))?,
        user_id: r.get(3)?,
        account_id: r.get(4)?,
        counterparty: Party {
            id_type: r.get(5)?,
            id: r.get(6)?,
            name: r.get(7)?,
            fsp_id: r.get(8)?,
        },
        amount_minor: r.get(9)?,
        fee_minor: r.get(10)?,
        currency: r.get(11)?,
        reference: r.get(12)?,
        note: r.get(13)?,
        internal: r.get(14)?,
        quote_id: r.get(15)?,
        quote_expiry: r.get(16)?,
        nonce: r.get(17)?,
        ilp_packet: r.get(18)?,
        condition: r.get(19)?,
        fulfilment: r.get(20)?,
        transfer_expiry: r.get(21)?,
        request_hash: r.get(22)?,
        error_code: r.get(23)?,
        error_message: r.get(24)?,
        created_at: r.get(25)?,
        updated_at: r.get(26)?,
        transfer_minor: r.get(27)?,
        transfer_id: r.get(28)?,
    })
}

fn get(tx: &Connection, id: &str) -> Result<Option<PaymentRecord>> {
    Ok(tx
        .prepare_cached(&format!("{SELECT} WHERE id = ?1"))?
        .query_row([id], row)
        .optional()?)
}
fn insert(tx: &Connection, p: &PaymentRecord) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO payments (id, direction, state, user_id, account_id, cp_type, cp_id, cp_name,
            cp_fsp, amount_minor, fee_minor, currency, reference, note, internal, quote_id,
            quote_expiry, nonce, ilp_packet, condition, fulfilment, transfer_expiry, request_hash,
            error_code, error_message, created_at, updated_at, transfer_minor, transfer_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18,
            ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29)",
    )?
    .execute(params![
        p.id,
        direction_str(p.direction),
        state_str(p.state),
        p.user_id,
        p.account_id,
        p.counterparty.id_type,
        p.counterparty.id,
        p.counterparty.name,
        p.counterparty.fsp_id,
        p.amount_minor,
        p.fee_minor,
        p.currency,
        p.reference,
        p.note,
        p.internal,
        p.quote_id,
        p.quote_expiry,
        p.nonce,
        p.ilp_packet,
        p.condition,
        p.fulfilment,
        p.transfer_expiry,
        p.request_hash,
        p.error_code,
        p.error_message,
        p.created_at,
        p.updated_at,
        p.transfer_minor,
        p.transfer_id
    ])?;
    Ok(())
}

fn apply(tx: &Connection, id: &str, to: PaymentState, c: &Changes, now: i64) -> Result<()> {
    let cp = c.counterparty.as_ref();
    tx.prepare_cached(
        "UPDATE payments SET state = ?2, updated_at = ?3,
            cp_type = COALESCE(?4, cp_type), cp_id = COALESCE(?5, cp_id),
            cp_name = COALESCE(?6, cp_name), cp_fsp = COALESCE(?7, cp_fsp),
            amount_minor = COALESCE(?8, amount_minor), fee_minor = COALESCE(?9, fee_minor),
            quote_id = COALESCE(?10, quote_id), quote_expiry = COALESCE(?11, quote_expiry),
            nonce = COALESCE(?12, nonce), ilp_packet = COALESCE(?13, ilp_packet),
            condition = COALESCE(?14, condition), fulfilment = COALESCE(?15, fulfilment),
            transfer_expiry = COALESCE(?16, transfer_expiry),
            error_code = COALESCE(?17, error_code), error_message = COALESCE(?18, error_message),
            transfer_minor = COALESCE(?19, transfer_minor), transfer_id = COALESCE(?20, transfer_id)
         WHERE id = ?1",
    )?
    .execute(params![
        id,
        state_str(to),
        now,
        cp.map(|p| &p.id_type),
        cp.map(|p| &p.id),
        cp.map(|p| &p.name),
        cp.map(|p| &p.fsp_id),
        c.amount_minor,
        c.fee_minor,
        c.quote_id,
        c.quote_expiry,
        c.nonce,
        c.ilp_packet,
        c.condition,
        c.fulfilment,
        c.transfer_expiry,
        c.error_code,
        c.error_message,
        c.transfer_minor,
        c.transfer_id
    ])?;
    Ok(())
}

fn append_event(
    tx: &Connection,
    id: &str,
    at: i64,
    from: Option<PaymentState>,
    to: PaymentState,
    detail: Option<&str>,
) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO payment_events (payment_id, seq, at, from_state, to_state, detail)
         VALUES (?1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM payment_events WHERE payment_id = ?1),
                 ?2, ?3, ?4, ?5)",
    )?
    .execute(params![id, at, from.map(state_str), state_str(to), detail])?;
    Ok(())
}
