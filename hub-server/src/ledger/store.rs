//! Row access shared by the ledger's operations: loading accounts and transfers, system accounts,
//! and posting balanced journal entries with their balance updates.

use std::time::{SystemTime, UNIX_EPOCH};

use rusqlite::{Connection, OptionalExtension, Row, params};
use uuid::Uuid;

use crate::accounts::{
    AccountError, AccountId, AccountInfo, AccountKind, AccountResult, Alias, AliasType, Currency,
    Limits, Money, TransferId, TransferKind, TransferRecord, TransferState,
};

/// Maps a SQLite failure to the trait's error without leaking row contents.
pub(crate) fn storage(e: rusqlite::Error) -> AccountError {
    AccountError::Unavailable(format!("ledger storage: {e}"))
}

/// Current time in Unix milliseconds.
pub(crate) fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// Start of the UTC day containing `ms`.
pub(crate) fn day_start_ms(ms: i64) -> i64 {
    ms - ms.rem_euclid(86_400_000)
}

fn parse_uuid(s: &str) -> AccountResult<Uuid> {
    Uuid::parse_str(s).map_err(|_| AccountError::Unavailable("ledger storage: bad id".into()))
}

fn parse_currency(s: String) -> AccountResult<Currency> {
    s.parse()
        .map_err(|_| AccountError::Unavailable("ledger storage: bad currency".into()))
}

/// An account row with its balances.
#[derive(Debug, Clone)]
pub(crate) struct AccountRow {
    pub id: AccountId,
    pub kind: AccountKind,
    pub currency: Currency,
    pub display_name: String,
    pub limits: Limits,
    pub balance: i64,
    pub held: i64,
}

impl AccountRow {
    /// Ledger balance minus holds.
    pub fn available(&self) -> i64 {
        self.balance - self.held
    }
}

const ACCOUNT_COLS: &str = "id, kind, currency, display_name, max_balance, max_per_payment, \
                            max_daily_debit, balance, held";

fn account_from_row(r: &Row<'_>) -> rusqlite::Result<(String, String, String, AccountRowRaw)> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        AccountRowRaw {
            display_name: r.get(3)?,
            limits: Limits {
                max_balance: r.get(4)?,
                max_per_payment: r.get(5)?,
                max_daily_debit: r.get(6)?,
            },
            balance: r.get(7)?,
            held: r.get(8)?,
        },
    ))
}

struct AccountRowRaw {
    display_name: String,
    limits: Limits,
    balance: i64,
    held: i64,
}

/// Loads an account or `AccountNotFound`.
pub(crate) fn load_account(conn: &Connection, id: AccountId) -> AccountResult<AccountRow> {
    let raw = conn
        .query_row(
            &format!("SELECT {ACCOUNT_COLS} FROM accounts WHERE id = ?1"),
            [id.to_string()],
            account_from_row,
        )
        .optional()
        .map_err(storage)?
        .ok_or(AccountError::AccountNotFound(id))?;
    let (_, kind, currency, raw) = raw;
    Ok(AccountRow {
        id,
        kind: AccountKind::from_code(&kind)
            .ok_or_else(|| AccountError::Unavailable("ledger storage: bad kind".into()))?,
        currency: parse_currency(currency)?,
        display_name: raw.display_name,
        limits: raw.limits,
        balance: raw.balance,
        held: raw.held,
    })
}

/// The aliases registered on an account, sorted.
pub(crate) fn load_aliases(conn: &Connection, id: AccountId) -> AccountResult<Vec<Alias>> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT alias_type, value FROM aliases WHERE account_id = ?1 ORDER BY alias_type, value",
        )
        .map_err(storage)?;
    let rows = stmt
        .query_map([id.to_string()], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })
        .map_err(storage)?;
    let mut out = Vec::new();
    for row in rows {
        let (ty, value) = row.map_err(storage)?;
        let kind = AliasType::from_code(&ty)
            .ok_or_else(|| AccountError::Unavailable("ledger storage: bad alias type".into()))?;
        out.push(Alias { kind, value });
    }
    Ok(out)
}

/// Descriptive data of an account.
pub(crate) fn load_info(conn: &Connection, id: AccountId) -> AccountResult<AccountInfo> {
    let row = load_account(conn, id)?;
    Ok(AccountInfo {
        id,
        kind: row.kind,
        display_name: row.display_name,
        currency: row.currency,
        aliases: load_aliases(conn, id)?,
        limits: row.limits,
    })
}

/// The account registered under an alias, if any.
pub(crate) fn account_by_alias(
    conn: &Connection,
    alias: &Alias,
) -> AccountResult<Option<AccountId>> {
    let id: Option<String> = conn
        .prepare_cached("SELECT account_id FROM aliases WHERE alias_type = ?1 AND value = ?2")
        .map_err(storage)?
        .query_row(params![alias.kind.code(), alias.value], |r| r.get(0))
        .optional()
        .map_err(storage)?;
    id.map(|s| parse_uuid(&s).map(AccountId)).transpose()
}

fn kind_code(kind: TransferKind) -> &'static str {
    match kind {
        TransferKind::Outgoing => "outgoing",
        TransferKind::Incoming => "incoming",
        TransferKind::Internal => "internal",
        TransferKind::Funding => "funding",
    }
}

/// Parses a stored transfer kind.
pub(crate) fn kind_from_code(code: &str) -> AccountResult<TransferKind> {
    [
        TransferKind::Outgoing,
        TransferKind::Incoming,
        TransferKind::Internal,
        TransferKind::Funding,
    ]
    .into_iter()
    .find(|k| kind_code(*k) == code)
    .ok_or_else(|| AccountError::Unavailable("ledger storage: bad transfer kind".into()))
}

fn state_code(state: TransferState) -> &'static str {
    match state {
        TransferState::Held => "held",
        TransferState::Committed => "committed",
        TransferState::Released => "released",
    }
}

/// Loads a transfer record, if it exists.
pub(crate) fn load_transfer(
    conn: &Connection,
    id: TransferId,
) -> AccountResult<Option<TransferRecord>> {
    let row = conn
        .prepare_cached(
            "SELECT kind, payer, payee, amount, fee, currency, state, created_at_ms, updated_at_ms
             FROM transfers WHERE id = ?1",
        )
        .map_err(storage)?
        .query_row([id.to_string()], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, Option<String>>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get::<_, i64>(3)?,
                r.get::<_, i64>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, String>(6)?,
                r.get::<_, i64>(7)?,
                r.get::<_, i64>(8)?,
            ))
        })
        .optional()
        .map_err(storage)?;
    let Some((kind, payer, payee, amount, fee, currency, state, created, updated)) = row else {
        return Ok(None);
    };
    let bad = || AccountError::Unavailable("ledger storage: bad transfer row".into());
    let kind = kind_from_code(&kind)?;
    let state = [
        TransferState::Held,
        TransferState::Committed,
        TransferState::Released,
    ]
    .into_iter()
    .find(|s| state_code(*s) == state)
    .ok_or_else(bad)?;
    let currency = parse_currency(currency)?;
    let acct = |s: Option<String>| s.map(|s| parse_uuid(&s).map(AccountId)).transpose();
    Ok(Some(TransferRecord {
        id,
        kind,
        payer: acct(payer)?,
        payee: acct(payee)?,
        amount: Money::new(amount, currency.clone()),
        fee: Money::new(fee, currency),
        state,
        created_at_ms: created,
        updated_at_ms: updated,
    }))
}

/// Inserts a new transfer record.
pub(crate) fn insert_transfer(conn: &Connection, t: &TransferRecord) -> AccountResult<()> {
    conn.prepare_cached(
        "INSERT INTO transfers (id, kind, payer, payee, amount, fee, currency, state,
                                created_at_ms, updated_at_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )
    .and_then(|mut s| {
        s.execute(params![
            t.id.to_string(),
            kind_code(t.kind),
            t.payer.map(|a| a.to_string()),
            t.payee.map(|a| a.to_string()),
            t.amount.minor,
            t.fee.minor,
            t.amount.currency.as_str(),
            state_code(t.state),
            t.created_at_ms,
            t.updated_at_ms,
        ])
    })
    .map_err(storage)?;
    Ok(())
}

/// Moves a transfer to a new state.
pub(crate) fn set_transfer_state(
    conn: &Connection,
    id: TransferId,
    state: TransferState,
    now: i64,
) -> AccountResult<()> {
    conn.prepare_cached("UPDATE transfers SET state = ?2, updated_at_ms = ?3 WHERE id = ?1")
        .and_then(|mut s| s.execute(params![id.to_string(), state_code(state), now]))
        .map_err(storage)?;
    Ok(())
}

/// Adds `delta` (may be negative) to an account's held amount.
pub(crate) fn add_held(conn: &Connection, id: AccountId, delta: i64) -> AccountResult<()> {
    conn.prepare_cached("UPDATE accounts SET held = held + ?2 WHERE id = ?1")
        .and_then(|mut s| s.execute(params![id.to_string(), delta]))
        .map_err(storage)?;
    Ok(())
}

/// Total amount + fee debited from `payer` (held or committed) since the start of `now`'s UTC day.
pub(crate) fn debited_today(conn: &Connection, payer: AccountId, now: i64) -> AccountResult<i64> {
    conn.prepare_cached(
        "SELECT COALESCE(SUM(amount + fee), 0) FROM transfers
         WHERE payer = ?1 AND created_at_ms >= ?2 AND state IN ('held', 'committed')",
    )
    .map_err(storage)?
    .query_row(params![payer.to_string(), day_start_ms(now)], |r| r.get(0))
    .map_err(storage)
}

/// The DFSP's system account of `kind` in `currency`, created on first use.
pub(crate) fn system_account(
    conn: &Connection,
    kind: AccountKind,
    currency: &Currency,
    now: i64,
) -> AccountResult<AccountId> {
    let existing: Option<String> = conn
        .prepare_cached("SELECT id FROM accounts WHERE kind = ?1 AND currency = ?2")
        .and_then(|mut s| {
            s.query_row(params![kind.code(), currency.as_str()], |r| r.get(0))
                .optional()
        })
        .map_err(storage)?;
    if let Some(id) = existing {
        return parse_uuid(&id).map(AccountId);
    }
    let id = AccountId::new_v4();
    conn.prepare_cached(
        "INSERT INTO accounts (id, kind, currency, display_name, allow_negative, created_at_ms)
         VALUES (?1, ?2, ?3, ?4, 1, ?5)",
    )
    .map_err(storage)?
    .execute(params![
        id.to_string(),
        kind.code(),
        currency.as_str(),
        kind.code(),
        now
    ])
    .map_err(storage)?;
    Ok(id)
}

/// Posts one journal entry for `transfer_id`: the lines must be non-zero and sum to zero. Each
/// account's balance is updated in the same transaction and the zero sum is re-checked in SQL.
pub(crate) fn post(
    conn: &Connection,
    transfer_id: TransferId,
    lines: &[(AccountId, i64)],
    now: i64,
) -> AccountResult<()> {
    let sum: i128 = lines.iter().map(|(_, a)| i128::from(*a)).sum();
    if sum != 0 || lines.len() < 2 || lines.iter().any(|(_, a)| *a == 0) {
        return Err(AccountError::InvalidInput(
            "journal entry must have non-zero lines summing to zero".into(),
        ));
    }
    conn.prepare_cached("INSERT INTO journal_entries (transfer_id, created_at_ms) VALUES (?1, ?2)")
        .and_then(|mut s| s.execute(params![transfer_id.to_string(), now]))
        .map_err(storage)?;
    let entry = conn.last_insert_rowid();
    for (account, amount) in lines {
        let balance: i64 = conn
            .prepare_cached("SELECT balance FROM accounts WHERE id = ?1")
            .and_then(|mut s| s.query_row([account.to_string()], |r| r.get(0)))
            .optional()
            .map_err(storage)?
            .ok_or(AccountError::AccountNotFound(*account))?;
        let after = balance
            .checked_add(*amount)
            .ok_or_else(|| AccountError::InvalidInput("balance would overflow".into()))?;
        conn.prepare_cached("UPDATE accounts SET balance = ?2 WHERE id = ?1")
            .and_then(|mut s| s.execute(params![account.to_string(), after]))
            .map_err(storage)?;
        conn.prepare_cached(
            "INSERT INTO journal_lines (entry_id, account_id, amount, balance_after)
             VALUES (?1, ?2, ?3, ?4)",
        )
        .and_then(|mut s| s.execute(params![entry, account.to_string(), amount, after]))
        .map_err(storage)?;
    }
    let check: i64 = conn
        .prepare_cached("SELECT COALESCE(SUM(amount), 0) FROM journal_lines WHERE entry_id = ?1")
        .and_then(|mut s| s.query_row([entry], |r| r.get(0)))
        .map_err(storage)?;
    if check != 0 {
        return Err(AccountError::Unavailable(
            "ledger storage: unbalanced journal entry".into(),
        ));
    }
    Ok(())
}
