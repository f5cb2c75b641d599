//! Read-only queries: balances, history, party lookup and the consistency audit.

use rusqlite::{Connection, params};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::accounts::{
    AccountError, AccountId, AccountResult, Alias, Balance, HistoryEntry, HistoryPage, Money,
    PageRequest, Party, TransferId,
};

use super::store::{account_by_alias, kind_from_code, load_account, storage};

/// Largest history page.
pub const MAX_PAGE: u32 = 200;

/// Ledger and available balance.
pub(crate) fn balance(conn: &Connection, id: AccountId) -> AccountResult<Balance> {
    let row = load_account(conn, id)?;
    Ok(Balance {
        account: id,
        available: Money::new(row.available(), row.currency.clone()),
        ledger: Money::new(row.balance, row.currency),
    })
}

/// The party behind an alias.
pub(crate) fn lookup_party(conn: &Connection, alias: &Alias) -> AccountResult<Party> {
    let id = account_by_alias(conn, alias)?.ok_or(AccountError::PartyNotFound(alias.kind))?;
    let row = load_account(conn, id)?;
    Ok(Party {
        account: id,
        display_name: row.display_name,
        kind: row.kind,
        currency: row.currency,
    })
}

/// One page of an account's journal lines, newest first.
pub(crate) fn history(
    conn: &Connection,
    id: AccountId,
    page: PageRequest,
) -> AccountResult<HistoryPage> {
    if page.limit == 0 || page.limit > MAX_PAGE {
        return Err(AccountError::InvalidInput(format!(
            "page limit must be 1..={MAX_PAGE}"
        )));
    }
    let account = load_account(conn, id)?;
    let mut stmt = conn
        .prepare_cached(
            "SELECT l.id, e.transfer_id, l.amount, l.balance_after, e.created_at_ms, t.kind
             FROM journal_lines l JOIN journal_entries e ON e.id = l.entry_id
                                  JOIN transfers t ON t.id = e.transfer_id
             WHERE l.account_id = ?1 AND l.id < ?2
             ORDER BY l.id DESC LIMIT ?3",
        )
        .map_err(storage)?;
    let rows = stmt
        .query_map(
            params![id.to_string(), page.before.unwrap_or(i64::MAX), page.limit],
            |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, i64>(3)?,
                    r.get::<_, i64>(4)?,
                    r.get::<_, String>(5)?,
                ))
            },
        )
        .map_err(storage)?;
    let mut entries = Vec::new();
    for row in rows {
        let (seq, transfer, amount, balance_after, at_ms, kind) = row.map_err(storage)?;
        let transfer_id = Uuid::parse_str(&transfer)
            .map(TransferId)
            .map_err(|_| AccountError::Unavailable("ledger storage: bad id".into()))?;
        let kind = kind_from_code(&kind)?;
        entries.push(HistoryEntry {
            seq,
            transfer_id,
            kind,
            amount: Money::new(amount, account.currency.clone()),
            balance_after,
            at_ms,
        });
    }
    let full = entries.len() == page.limit as usize;
    let next = if full {
        entries.last().map(|e| e.seq)
    } else {
        None
    };
    Ok(HistoryPage { entries, next })
}

/// Result of [`crate::ledger::Ledger::audit`]: every count is zero in a consistent ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditReport {
    /// Number of journal entries.
    pub entries: i64,
    /// Sum of every journal line (must be 0).
    pub journal_sum: i64,
    /// Sum of every account balance (must be 0).
    pub balance_sum: i64,
    /// Entries whose lines do not sum to zero.
    pub unbalanced_entries: i64,
    /// Accounts whose balance differs from the sum of their lines.
    pub balance_mismatches: i64,
    /// Accounts whose held amount differs from their held transfers.
    pub hold_mismatches: i64,
    /// Customer-facing accounts with a negative available balance.
    pub negative_customer_accounts: i64,
}

impl AuditReport {
    /// True when the books balance and every derived figure matches.
    pub fn is_consistent(&self) -> bool {
        self.journal_sum == 0
            && self.balance_sum == 0
            && self.unbalanced_entries == 0
            && self.balance_mismatches == 0
            && self.hold_mismatches == 0
            && self.negative_customer_accounts == 0
    }
}

/// Recomputes every invariant from the journal and the transfers.
pub(crate) fn audit(conn: &Connection) -> AccountResult<AuditReport> {
    let one = |sql: &str| -> AccountResult<i64> {
        conn.query_row(sql, [], |r| r.get(0)).map_err(storage)
    };
    Ok(AuditReport {
        entries: one("SELECT COUNT(*) FROM journal_entries")?,
        journal_sum: one("SELECT COALESCE(SUM(amount), 0) FROM journal_lines")?,
        balance_sum: one("SELECT COALESCE(SUM(balance), 0) FROM accounts")?,
        unbalanced_entries: one("SELECT COUNT(*) FROM (SELECT entry_id FROM journal_lines
                                   GROUP BY entry_id HAVING SUM(amount) <> 0)")?,
        balance_mismatches: one("SELECT COUNT(*) FROM accounts a
             WHERE a.balance <> (SELECT COALESCE(SUM(amount), 0) FROM journal_lines l
                                 WHERE l.account_id = a.id)")?,
        hold_mismatches: one("SELECT COUNT(*) FROM accounts a
             WHERE a.held <> (SELECT COALESCE(SUM(amount + fee), 0) FROM transfers t
                              WHERE t.payer = a.id AND t.state = 'held')")?,
        negative_customer_accounts: one("SELECT COUNT(*) FROM accounts
             WHERE kind IN ('customer_wallet', 'merchant', 'agent_float') AND balance - held < 0")?,
    })
}
