//! The ledger's operations, each run inside one write transaction (see [`super::Ledger`]). They
//! validate first, return the stored record for an idempotent retry, and refuse a reused id with
//! different terms with [`AccountError::Conflict`].

use rusqlite::{Connection, params};

use crate::accounts::{
    AccountError, AccountId, AccountInfo, AccountKind, AccountResult, CreditRequest, FeeQuote,
    InternalTransferRequest, LimitKind, Money, OpenAccount, QuoteRequest, QuoteRole,
    ReserveRequest, TransferId, TransferKind, TransferRecord, TransferState,
};

use super::fees::FeeSchedule;
use super::store::{
    AccountRow, account_by_alias, add_held, debited_today, insert_transfer, load_account,
    load_info, load_transfer, post, set_transfer_state, storage, system_account,
};

const MAX_NAME: usize = 200;
const MAX_ALIAS: usize = 64;

/// Checks amount > 0, fee ≥ 0, same currency, and returns amount + fee.
fn amount_and_fee(amount: &Money, fee: &Money) -> AccountResult<i64> {
    if amount.minor <= 0 {
        return Err(AccountError::InvalidInput("amount must be positive".into()));
    }
    if fee.minor < 0 {
        return Err(AccountError::InvalidInput(
            "fee must not be negative".into(),
        ));
    }
    if amount.currency != fee.currency {
        return Err(AccountError::CurrencyMismatch {
            expected: amount.currency.clone(),
            got: fee.currency.clone(),
        });
    }
    amount
        .minor
        .checked_add(fee.minor)
        .ok_or_else(|| AccountError::InvalidInput("amount + fee overflows".into()))
}

/// A customer-facing account in the request's currency.
fn customer_account(conn: &Connection, id: AccountId, money: &Money) -> AccountResult<AccountRow> {
    let row = load_account(conn, id)?;
    if !row.kind.is_customer_facing() {
        return Err(AccountError::WrongAccountKind(id));
    }
    if row.currency != money.currency {
        return Err(AccountError::CurrencyMismatch {
            expected: row.currency,
            got: money.currency.clone(),
        });
    }
    Ok(row)
}

/// Refuses a debit of `total` the account cannot afford or its limits forbid.
fn check_debit(conn: &Connection, payer: &AccountRow, total: i64, now: i64) -> AccountResult<()> {
    if payer.limits.max_per_payment.is_some_and(|max| total > max) {
        return Err(AccountError::LimitExceeded(LimitKind::PerPayment));
    }
    if let Some(max) = payer.limits.max_daily_debit {
        let today = debited_today(conn, payer.id, now)?;
        if today.checked_add(total).is_none_or(|t| t > max) {
            return Err(AccountError::LimitExceeded(LimitKind::Daily));
        }
    }
    if payer.available() < total {
        return Err(AccountError::InsufficientFunds);
    }
    Ok(())
}

/// Refuses a credit of `amount` that would take the account over its maximum balance.
fn check_credit(payee: &AccountRow, amount: i64) -> AccountResult<()> {
    let after = payee
        .balance
        .checked_add(amount)
        .ok_or_else(|| AccountError::InvalidInput("balance would overflow".into()))?;
    if payee.limits.max_balance.is_some_and(|max| after > max) {
        return Err(AccountError::LimitExceeded(LimitKind::MaxBalance));
    }
    Ok(())
}

/// Returns the stored record if `id` exists with the same terms, `Conflict` if with others.
fn existing(conn: &Connection, new: &TransferRecord) -> AccountResult<Option<TransferRecord>> {
    match load_transfer(conn, new.id)? {
        None => Ok(None),
        Some(old) => {
            let same = old.kind == new.kind
                && old.payer == new.payer
                && old.payee == new.payee
                && old.amount == new.amount
                && old.fee == new.fee;
            if same {
                Ok(Some(old))
            } else {
                Err(AccountError::Conflict(format!("transfer {}", new.id)))
            }
        }
    }
}

/// A new record; only outgoing transfers start held, the others are booked at once.
fn record(
    id: TransferId,
    kind: TransferKind,
    payer: Option<AccountId>,
    payee: Option<AccountId>,
    amount: &Money,
    fee: &Money,
    now: i64,
) -> TransferRecord {
    let state = if kind == TransferKind::Outgoing {
        TransferState::Held
    } else {
        TransferState::Committed
    };
    TransferRecord {
        id,
        kind,
        payer,
        payee,
        amount: amount.clone(),
        fee: fee.clone(),
        state,
        created_at_ms: now,
        updated_at_ms: now,
    }
}

/// Opens a customer-facing account with its aliases.
pub(crate) fn open_account(
    conn: &Connection,
    req: &OpenAccount,
    now: i64,
) -> AccountResult<AccountInfo> {
    if !req.kind.is_customer_facing() {
        return Err(AccountError::InvalidInput(
            "only customer wallets, merchant accounts and agent floats can be opened".into(),
        ));
    }
    let name = req.display_name.trim();
    if name.is_empty() || name.len() > MAX_NAME {
        return Err(AccountError::InvalidInput(
            "display name must be 1..=200 bytes".into(),
        ));
    }
    if req
        .aliases
        .iter()
        .any(|a| a.value.is_empty() || a.value.len() > MAX_ALIAS)
    {
        return Err(AccountError::InvalidInput(
            "alias must be 1..=64 bytes".into(),
        ));
    }
    let l = req.limits;
    if [l.max_balance, l.max_per_payment, l.max_daily_debit]
        .into_iter()
        .flatten()
        .any(|v| v < 0)
    {
        return Err(AccountError::InvalidInput(
            "limits must not be negative".into(),
        ));
    }
    let mut aliases = req.aliases.clone();
    aliases.sort_by(|a, b| (a.kind.code(), &a.value).cmp(&(b.kind.code(), &b.value)));
    aliases.dedup();
    let wanted = AccountInfo {
        id: req.id,
        kind: req.kind,
        display_name: name.to_owned(),
        currency: req.currency.clone(),
        aliases,
        limits: req.limits,
    };
    match load_info(conn, req.id) {
        Ok(have) if have == wanted => return Ok(have),
        Ok(_) => return Err(AccountError::Conflict(format!("account {}", req.id))),
        Err(AccountError::AccountNotFound(_)) => {}
        Err(e) => return Err(e),
    }
    for alias in &wanted.aliases {
        if account_by_alias(conn, alias)?.is_some() {
            return Err(AccountError::AliasInUse(alias.kind));
        }
    }
    conn.prepare_cached(
        "INSERT INTO accounts (id, kind, currency, display_name, max_balance, max_per_payment,
                               max_daily_debit, allow_negative, created_at_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 0, ?8)",
    )
    .map_err(storage)?
    .execute(params![
        req.id.to_string(),
        req.kind.code(),
        req.currency.as_str(),
        wanted.display_name,
        l.max_balance,
        l.max_per_payment,
        l.max_daily_debit,
        now
    ])
    .map_err(storage)?;
    for alias in &wanted.aliases {
        conn.prepare_cached(
            "INSERT INTO aliases (alias_type, value, account_id) VALUES (?1, ?2, ?3)",
        )
        .map_err(storage)?
        .execute(params![alias.kind.code(), alias.value, req.id.to_string()])
        .map_err(storage)?;
    }
    Ok(wanted)
}

/// Computes a fee quote and checks the account could do the transfer now.
pub(crate) fn quote(
    conn: &Connection,
    fees: &FeeSchedule,
    req: &QuoteRequest,
    now: i64,
) -> AccountResult<FeeQuote> {
    let account = customer_account(conn, req.account, &req.amount)?;
    let fee = fees.fee(req.role, req.transaction_type, req.amount.minor)?;
    let fee = Money::new(fee, req.amount.currency.clone());
    let total = amount_and_fee(&req.amount, &fee)?;
    match req.role {
        QuoteRole::Payer => {
            check_debit(conn, &account, total, now)?;
            Ok(FeeQuote {
                total: Money::new(total, fee.currency.clone()),
                fee,
            })
        }
        QuoteRole::Payee => {
            check_credit(&account, req.amount.minor)?;
            Ok(FeeQuote {
                total: req.amount.clone(),
                fee,
            })
        }
    }
}

/// Holds amount + fee on the payer's account.
pub(crate) fn reserve(
    conn: &Connection,
    req: &ReserveRequest,
    now: i64,
) -> AccountResult<TransferRecord> {
    let total = amount_and_fee(&req.amount, &req.fee)?;
    let new = record(
        req.transfer_id,
        TransferKind::Outgoing,
        Some(req.payer),
        None,
        &req.amount,
        &req.fee,
        now,
    );
    if let Some(old) = existing(conn, &new)? {
        return Ok(old);
    }
    let payer = customer_account(conn, req.payer, &req.amount)?;
    check_debit(conn, &payer, total, now)?;
    insert_transfer(conn, &new)?;
    add_held(conn, payer.id, total)?;
    Ok(new)
}

/// Books a held outgoing transfer.
pub(crate) fn commit(conn: &Connection, id: TransferId, now: i64) -> AccountResult<TransferRecord> {
    let mut t = load_transfer(conn, id)?.ok_or(AccountError::TransferNotFound(id))?;
    match t.state {
        TransferState::Committed => return Ok(t),
        TransferState::Released => {
            return Err(AccountError::InvalidState {
                id,
                state: t.state,
                operation: "commit",
            });
        }
        TransferState::Held => {}
    }
    let payer = t.payer.ok_or(AccountError::TransferNotFound(id))?;
    let total = amount_and_fee(&t.amount, &t.fee)?;
    let currency = &t.amount.currency;
    let settlement = system_account(conn, AccountKind::Settlement, currency, now)?;
    add_held(conn, payer, -total)?;
    let mut lines = vec![(payer, -total), (settlement, t.amount.minor)];
    if t.fee.minor > 0 {
        lines.push((
            system_account(conn, AccountKind::FeesIncome, currency, now)?,
            t.fee.minor,
        ));
    }
    post(conn, id, &lines, now)?;
    set_transfer_state(conn, id, TransferState::Committed, now)?;
    t.state = TransferState::Committed;
    t.updated_at_ms = now;
    Ok(t)
}

/// Releases a held outgoing transfer.
pub(crate) fn release(
    conn: &Connection,
    id: TransferId,
    now: i64,
) -> AccountResult<TransferRecord> {
    let mut t = load_transfer(conn, id)?.ok_or(AccountError::TransferNotFound(id))?;
    match t.state {
        TransferState::Released => return Ok(t),
        TransferState::Committed => {
            return Err(AccountError::InvalidState {
                id,
                state: t.state,
                operation: "release",
            });
        }
        TransferState::Held => {}
    }
    let payer = t.payer.ok_or(AccountError::TransferNotFound(id))?;
    add_held(conn, payer, -amount_and_fee(&t.amount, &t.fee)?)?;
    set_transfer_state(conn, id, TransferState::Released, now)?;
    t.state = TransferState::Released;
    t.updated_at_ms = now;
    Ok(t)
}

/// Books an incoming transfer from the settlement position to the payee.
pub(crate) fn credit(
    conn: &Connection,
    req: &CreditRequest,
    now: i64,
) -> AccountResult<TransferRecord> {
    let total = amount_and_fee(&req.amount, &req.fee)?;
    let new = record(
        req.transfer_id,
        TransferKind::Incoming,
        None,
        Some(req.payee),
        &req.amount,
        &req.fee,
        now,
    );
    if let Some(old) = existing(conn, &new)? {
        return Ok(old);
    }
    let payee = customer_account(conn, req.payee, &req.amount)?;
    check_credit(&payee, req.amount.minor)?;
    let currency = &req.amount.currency;
    let settlement = system_account(conn, AccountKind::Settlement, currency, now)?;
    insert_transfer(conn, &new)?;
    let mut lines = vec![(settlement, -total), (payee.id, req.amount.minor)];
    if req.fee.minor > 0 {
        lines.push((
            system_account(conn, AccountKind::FeesIncome, currency, now)?,
            req.fee.minor,
        ));
    }
    post(conn, req.transfer_id, &lines, now)?;
    Ok(new)
}

/// Books a same-DFSP payment.
pub(crate) fn internal_transfer(
    conn: &Connection,
    req: &InternalTransferRequest,
    now: i64,
) -> AccountResult<TransferRecord> {
    let total = amount_and_fee(&req.amount, &req.fee)?;
    if req.payer == req.payee {
        return Err(AccountError::InvalidInput(
            "payer and payee are the same account".into(),
        ));
    }
    let new = record(
        req.transfer_id,
        TransferKind::Internal,
        Some(req.payer),
        Some(req.payee),
        &req.amount,
        &req.fee,
        now,
    );
    if let Some(old) = existing(conn, &new)? {
        return Ok(old);
    }
    let payer = customer_account(conn, req.payer, &req.amount)?;
    let payee = customer_account(conn, req.payee, &req.amount)?;
    check_debit(conn, &payer, total, now)?;
    check_credit(&payee, req.amount.minor)?;
    insert_transfer(conn, &new)?;
    let mut lines = vec![(payer.id, -total), (payee.id, req.amount.minor)];
    if req.fee.minor > 0 {
        let fees = system_account(conn, AccountKind::FeesIncome, &req.amount.currency, now)?;
        lines.push((fees, req.fee.minor));
    }
    post(conn, req.transfer_id, &lines, now)?;
    Ok(new)
}

/// Issues e-money from the equity account to a customer-facing account.
pub(crate) fn fund(
    conn: &Connection,
    id: TransferId,
    account: AccountId,
    amount: &Money,
    now: i64,
) -> AccountResult<TransferRecord> {
    let zero = Money::new(0, amount.currency.clone());
    amount_and_fee(amount, &zero)?;
    let new = record(
        id,
        TransferKind::Funding,
        None,
        Some(account),
        amount,
        &zero,
        now,
    );
    if let Some(old) = existing(conn, &new)? {
        return Ok(old);
    }
    let payee = customer_account(conn, account, amount)?;
    check_credit(&payee, amount.minor)?;
    let equity = system_account(conn, AccountKind::Equity, &amount.currency, now)?;
    insert_transfer(conn, &new)?;
    post(
        conn,
        id,
        &[(equity, -amount.minor), (account, amount.minor)],
        now,
    )?;
    Ok(new)
}
