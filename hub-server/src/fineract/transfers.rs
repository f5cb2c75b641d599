//! Quote, PREPARE / CREATE / RELEASE and the internal transfer, idempotent by transfer code.
//!
//! Fineract's behaviour handled here (`InteropServiceImpl`, reference note §2.2):
//! - a repeated PREPARE or CREATE answers 403 with one of the two "already" codes, which Fineract
//!   swaps (`InteropTransferAlreadyCommittedException` says `...already.on.hold` and vice versa):
//!   the answer is read by the action sent, never by the code;
//! - PREPARE checks the balance *before* the duplicate check, so a repeat may answer "insufficient
//!   balance" although the first one succeeded: the account's transactions are then searched for the
//!   hold with this transfer code before concluding anything;
//! - RELEASE and a payer CREATE answer 404 `error.msg.interop.onhold.transfer.missing` when the hold
//!   is missing or already released: the transactions tell which.
//!
//! Every row is recorded before its call; a refused first call deletes it (nothing happened), an
//! unknown outcome (timeout, 5xx) keeps it so that a retry resumes.

use super::error::{DIFFERENT_CURRENCIES, HOLD_MISSING, NOT_ALLOWED, SAVINGS_NOT_FOUND};
use super::store::{Phase, TransferRow};
use super::wire::{self, QuoteIn, QuoteOut, TransactionTypeOut, TransferIn, TransferOut, txn_type};
use super::{FineractAccounts, FineractError, ext};
use crate::accounts::*;

/// Which interop action.
#[derive(Clone, Copy)]
pub(super) enum Action {
    Prepare,
    Create,
    Release,
}

impl Action {
    fn query(self) -> &'static str {
        match self {
            Self::Prepare => "PREPARE",
            Self::Create => "CREATE",
            Self::Release => "RELEASE",
        }
    }
}

fn scenario(t: TransactionType) -> &'static str {
    match t {
        TransactionType::Transfer => "TRANSFER",
        TransactionType::Payment => "PAYMENT",
        TransactionType::Withdrawal => "WITHDRAWAL",
        TransactionType::Deposit => "DEPOSIT",
    }
}

fn tx_type(t: TransactionType) -> TransactionTypeOut {
    TransactionTypeOut {
        scenario: scenario(t),
        initiator: "PAYER",
        initiator_type: "CONSUMER",
    }
}

fn positive(m: &Money, what: &str) -> AccountResult<()> {
    if m.minor <= 0 {
        return Err(AccountError::InvalidInput(format!(
            "{what} must be positive"
        )));
    }
    Ok(())
}

fn non_negative(m: &Money) -> AccountResult<()> {
    if m.minor < 0 {
        return Err(AccountError::InvalidInput(
            "fee must not be negative".into(),
        ));
    }
    Ok(())
}

/// amount + fee, refused on overflow.
fn total_of(amount: &Money, fee: &Money) -> AccountResult<i64> {
    amount
        .minor
        .checked_add(fee.minor)
        .ok_or_else(|| AccountError::InvalidInput("amount + fee overflows".into()))
}

impl FineractAccounts {
    /// Maps an error of a call about `account`.
    fn map_account_error(
        &self,
        e: FineractError,
        account: AccountId,
        got: &Currency,
    ) -> AccountError {
        if e.status() == Some(404) && e.has_code(SAVINGS_NOT_FOUND) {
            AccountError::AccountNotFound(account)
        } else if e.has_code(DIFFERENT_CURRENCIES) {
            AccountError::CurrencyMismatch {
                expected: self.currency.clone(),
                got: got.clone(),
            }
        } else if e.has_code(NOT_ALLOWED) {
            AccountError::WrongAccountKind(account)
        } else {
            e.into()
        }
    }

    pub(super) async fn do_quote(&self, req: QuoteRequest) -> AccountResult<FeeQuote> {
        positive(&req.amount, "amount")?;
        self.check_currency(&req.amount)?;
        let role = match req.role {
            QuoteRole::Payer => "PAYER",
            QuoteRole::Payee => "PAYEE",
        };
        let body = QuoteOut {
            transaction_code: uuid::Uuid::new_v4().to_string(),
            quote_code: uuid::Uuid::new_v4().to_string(),
            account_id: ext(req.account),
            amount: self.money_out(req.amount.minor)?,
            amount_type: "SEND",
            transaction_role: role,
            transaction_type: tx_type(req.transaction_type),
        };
        // Limits first, as the ledger checks them before the balance (again with the fee below).
        let no_transfer = TransferId(uuid::Uuid::nil());
        match req.role {
            QuoteRole::Payer => {
                self.check_debit_limits(req.account, no_transfer, req.amount.minor)
                    .await?
            }
            QuoteRole::Payee => {
                self.check_credit_limit(req.account, req.amount.minor)
                    .await?
            }
        }
        let answer: QuoteIn = self
            .client
            .post("/interoperation/quotes", &body, None)
            .await
            .map_err(|e| self.map_account_error(e, req.account, &req.amount.currency))?;
        if answer.state != "ACCEPTED" {
            return Err(AccountError::Unavailable(
                "quote rejected by fineract".into(),
            ));
        }
        let fee = match &answer.fsp_fee {
            Some(f) if f.currency != self.currency.as_str() => {
                return Err(FineractError::Decode("fee in another currency".into()).into());
            }
            Some(f) => f.amount.minor(self.exponent)?,
            None => 0,
        };
        let total = match req.role {
            QuoteRole::Payer => req
                .amount
                .minor
                .checked_add(fee)
                .ok_or_else(|| AccountError::InvalidInput("amount overflows".into()))?,
            QuoteRole::Payee => req.amount.minor,
        };
        if req.role == QuoteRole::Payer {
            self.check_debit_limits(req.account, no_transfer, total)
                .await?;
        }
        Ok(FeeQuote {
            fee: self.money(fee),
            total: self.money(total),
        })
    }

    /// Sends one interop transfer action for `row` on `account` in `role`.
    async fn send(
        &self,
        action: Action,
        row: &TransferRow,
        account: AccountId,
        payer: bool,
    ) -> Result<TransferIn, FineractError> {
        let body = TransferOut {
            transaction_code: row.id.0.to_string(),
            transfer_code: row.id.0.to_string(),
            account_id: ext(account),
            amount: self
                .money_out(row.amount)
                .map_err(|e| FineractError::Decode(e.to_string()))?,
            fsp_fee: if payer {
                Some(
                    self.money_out(row.fee)
                        .map_err(|e| FineractError::Decode(e.to_string()))?,
                )
            } else {
                None
            },
            transaction_role: if payer { "PAYER" } else { "PAYEE" },
            transaction_type: tx_type(TransactionType::Transfer),
            note: None,
        };
        let path = format!("/interoperation/transfers?action={}", action.query());
        let answer: TransferIn = self.client.post(&path, &body, None).await?;
        if answer.state != "ACCEPTED" || answer.transfer_code != body.transfer_code {
            return Err(FineractError::Decode("transfer not accepted".into()));
        }
        Ok(answer)
    }

    /// The interop transaction of `account` with this transfer code and type, if any.
    async fn find_txn(
        &self,
        account: AccountId,
        id: TransferId,
        kind: i64,
    ) -> Result<bool, FineractError> {
        let code = id.0.to_string();
        let savings: wire::SavingsIn = self
            .client
            .get(&format!(
                "/savingsaccounts/external-id/{}?associations=transactions",
                ext(account)
            ))
            .await?;
        Ok(savings.transactions.iter().any(|t| {
            t.transaction_type.id == kind && !t.reversed && t.transfer_code() == Some(&code)
        }))
    }

    fn record(&self, row: &TransferRow) -> AccountResult<TransferRecord> {
        let state = match row.phase {
            Phase::Sent => return Err(AccountError::TransferNotFound(row.id)),
            Phase::Held | Phase::Debited | Phase::Committing | Phase::Releasing => {
                TransferState::Held
            }
            Phase::Committed => TransferState::Committed,
            Phase::Released => TransferState::Released,
        };
        Ok(TransferRecord {
            id: row.id,
            kind: row.kind,
            payer: row.payer,
            payee: row.payee,
            amount: self.money(row.amount),
            fee: self.money(row.fee),
            state,
            created_at_ms: row.created_ms,
            updated_at_ms: row.updated_ms,
        })
    }

    async fn set(&self, row: &mut TransferRow, phase: Phase) -> AccountResult<()> {
        let now = Self::now_ms();
        self.store.set_phase(row.id, phase, now).await?;
        row.phase = phase;
        row.updated_ms = now;
        Ok(())
    }

    /// Records a new transfer, or returns the existing one when the terms match.
    async fn begin(&self, row: TransferRow) -> AccountResult<TransferRow> {
        let stored = self.store.insert_transfer(row.clone()).await?;
        if !stored.same_terms(&row) {
            return Err(AccountError::Conflict(format!("transfer {}", row.id)));
        }
        Ok(stored)
    }

    /// PREPARE for `row` (phase `Sent`), moving it to `Held`.
    async fn prepare(&self, row: &mut TransferRow, payer: AccountId) -> AccountResult<()> {
        let outcome = self.send(Action::Prepare, row, payer, true).await;
        match outcome {
            Ok(_) => {}
            Err(e) if e.is_already_done() => {}
            Err(e) if e.status().is_some_and(|s| s < 500) => {
                // A refusal may answer a repeat whose first attempt did hold the funds (Fineract
                // checks the balance before the duplicate): look for the hold before concluding.
                let account_missing = e.status() == Some(404) && e.has_code(SAVINGS_NOT_FOUND);
                if account_missing || !self.find_txn(payer, row.id, txn_type::AMOUNT_HOLD).await? {
                    self.store.delete_transfer(row.id).await?;
                    return Err(self.map_account_error(e, payer, &self.currency));
                }
            }
            Err(e) => return Err(e.into()),
        }
        self.set(row, Phase::Held).await
    }

    /// CREATE as PAYER for a held `row`, moving it to `next`.
    async fn book_payer(
        &self,
        row: &mut TransferRow,
        payer: AccountId,
        next: Phase,
    ) -> AccountResult<()> {
        if row.kind == TransferKind::Outgoing {
            self.set(row, Phase::Committing).await?;
        }
        match self.send(Action::Create, row, payer, true).await {
            Ok(_) => {}
            Err(e) if e.is_already_done() => {}
            Err(e) if e.status() == Some(404) && e.has_code(HOLD_MISSING) => {
                if !self.find_txn(payer, row.id, txn_type::WITHDRAWAL).await? {
                    return Err(AccountError::Unavailable(format!(
                        "the hold of transfer {} is missing in fineract",
                        row.id
                    )));
                }
            }
            Err(e) => return Err(self.map_account_error(e, payer, &self.currency)),
        }
        self.set(row, next).await
    }

    pub(super) async fn do_reserve(&self, req: ReserveRequest) -> AccountResult<TransferRecord> {
        positive(&req.amount, "amount")?;
        non_negative(&req.fee)?;
        self.check_currency(&req.amount)?;
        self.check_currency(&req.fee)?;
        if self.store.transfer(req.transfer_id).await?.is_none() {
            let total = total_of(&req.amount, &req.fee)?;
            self.check_debit_limits(req.payer, req.transfer_id, total)
                .await?;
        }
        let now = Self::now_ms();
        let mut row = self
            .begin(TransferRow {
                id: req.transfer_id,
                kind: TransferKind::Outgoing,
                payer: Some(req.payer),
                payee: None,
                amount: req.amount.minor,
                fee: req.fee.minor,
                phase: Phase::Sent,
                created_ms: now,
                updated_ms: now,
            })
            .await?;
        if row.phase == Phase::Sent {
            self.prepare(&mut row, req.payer).await?;
        }
        self.record(&row)
    }

    async fn outgoing(&self, id: TransferId) -> AccountResult<(TransferRow, AccountId)> {
        let row = self
            .store
            .transfer(id)
            .await?
            .ok_or(AccountError::TransferNotFound(id))?;
        match (row.kind, row.payer) {
            (TransferKind::Outgoing, Some(payer)) => Ok((row, payer)),
            _ => Err(AccountError::InvalidState {
                id,
                state: self.record(&row)?.state,
                operation: "use as an outgoing transfer",
            }),
        }
    }

    pub(super) async fn do_commit(&self, id: TransferId) -> AccountResult<TransferRecord> {
        let (mut row, payer) = self.outgoing(id).await?;
        match row.phase {
            // The PREPARE's outcome was never learnt: the account's transactions tell.
            Phase::Sent => {
                if !self.find_txn(payer, id, txn_type::AMOUNT_HOLD).await? {
                    return Err(AccountError::TransferNotFound(id));
                }
                self.set(&mut row, Phase::Held).await?;
                self.book_payer(&mut row, payer, Phase::Committed).await?;
            }
            Phase::Committed => {}
            Phase::Released | Phase::Releasing => {
                return Err(AccountError::InvalidState {
                    id,
                    state: TransferState::Released,
                    operation: "commit",
                });
            }
            Phase::Held | Phase::Committing | Phase::Debited => {
                self.book_payer(&mut row, payer, Phase::Committed).await?;
            }
        }
        self.record(&row)
    }

    pub(super) async fn do_release(&self, id: TransferId) -> AccountResult<TransferRecord> {
        let (mut row, payer) = self.outgoing(id).await?;
        match row.phase {
            Phase::Released => return self.record(&row),
            Phase::Committed | Phase::Committing | Phase::Debited => {
                return Err(AccountError::InvalidState {
                    id,
                    state: if row.phase == Phase::Committed {
                        TransferState::Committed
                    } else {
                        TransferState::Held
                    },
                    operation: "release",
                });
            }
            Phase::Held | Phase::Releasing | Phase::Sent => {}
        }
        self.set(&mut row, Phase::Releasing).await?;
        match self.send(Action::Release, &row, payer, true).await {
            Ok(_) => {}
            Err(e) if e.status() == Some(404) && e.has_code(HOLD_MISSING) => {
                if self.find_txn(payer, id, txn_type::WITHDRAWAL).await? {
                    self.set(&mut row, Phase::Committed).await?;
                    return Err(AccountError::InvalidState {
                        id,
                        state: TransferState::Committed,
                        operation: "release",
                    });
                }
                // Already released, or (when the PREPARE's outcome was unknown) never held.
            }
            Err(e) => return Err(self.map_account_error(e, payer, &self.currency)),
        }
        self.set(&mut row, Phase::Released).await?;
        self.record(&row)
    }

    pub(super) async fn do_credit(&self, req: CreditRequest) -> AccountResult<TransferRecord> {
        positive(&req.amount, "amount")?;
        non_negative(&req.fee)?;
        self.check_currency(&req.amount)?;
        self.check_currency(&req.fee)?;
        if req.fee.minor != 0 {
            return Err(AccountError::InvalidInput(
                "payee-side fees are not supported on fineract (its PAYEE quote fee is 0)".into(),
            ));
        }
        if self.store.transfer(req.transfer_id).await?.is_none() {
            self.check_credit_limit(req.payee, req.amount.minor).await?;
        }
        let now = Self::now_ms();
        let mut row = self
            .begin(TransferRow {
                id: req.transfer_id,
                kind: TransferKind::Incoming,
                payer: None,
                payee: Some(req.payee),
                amount: req.amount.minor,
                fee: 0,
                phase: Phase::Sent,
                created_ms: now,
                updated_ms: now,
            })
            .await?;
        if row.phase != Phase::Committed {
            self.book_payee(&mut row, req.payee).await?;
        }
        self.record(&row)
    }

    /// CREATE as PAYEE (a deposit), moving `row` to `Committed`.
    async fn book_payee(&self, row: &mut TransferRow, payee: AccountId) -> AccountResult<()> {
        match self.send(Action::Create, row, payee, false).await {
            Ok(_) => {}
            Err(e) if e.is_already_done() => {}
            Err(e) if e.status().is_some_and(|s| s < 500) && row.phase == Phase::Sent => {
                self.store.delete_transfer(row.id).await?;
                return Err(self.map_account_error(e, payee, &self.currency));
            }
            Err(e) => return Err(self.map_account_error(e, payee, &self.currency)),
        }
        self.set(row, Phase::Committed).await
    }

    pub(super) async fn do_internal(
        &self,
        req: InternalTransferRequest,
    ) -> AccountResult<TransferRecord> {
        positive(&req.amount, "amount")?;
        non_negative(&req.fee)?;
        self.check_currency(&req.amount)?;
        self.check_currency(&req.fee)?;
        if req.payer == req.payee {
            return Err(AccountError::InvalidInput(
                "payer and payee are the same account".into(),
            ));
        }
        if self.store.transfer(req.transfer_id).await?.is_none() {
            let total = total_of(&req.amount, &req.fee)?;
            self.check_debit_limits(req.payer, req.transfer_id, total)
                .await?;
            self.check_credit_limit(req.payee, req.amount.minor).await?;
        }
        let now = Self::now_ms();
        let mut row = self
            .begin(TransferRow {
                id: req.transfer_id,
                kind: TransferKind::Internal,
                payer: Some(req.payer),
                payee: Some(req.payee),
                amount: req.amount.minor,
                fee: req.fee.minor,
                phase: Phase::Sent,
                created_ms: now,
                updated_ms: now,
            })
            .await?;
        if row.phase == Phase::Sent {
            // The payee must be able to receive before anything is held on the payer.
            self.savings(req.payee).await?;
            self.prepare(&mut row, req.payer).await?;
        }
        if row.phase == Phase::Held {
            self.book_payer(&mut row, req.payer, Phase::Debited).await?;
        }
        if row.phase == Phase::Debited {
            // Money has left the payer: from here only retries, never a refusal that loses it.
            match self.send(Action::Create, &row, req.payee, false).await {
                Ok(_) => {}
                Err(e) if e.is_already_done() => {}
                Err(e) => {
                    return Err(AccountError::Unavailable(format!(
                        "payee side of internal transfer {} not booked yet: {e}",
                        row.id
                    )));
                }
            }
            self.set(&mut row, Phase::Committed).await?;
        }
        self.record(&row)
    }

    pub(super) async fn do_transfer(&self, id: TransferId) -> AccountResult<TransferRecord> {
        let row = self
            .store
            .transfer(id)
            .await?
            .ok_or(AccountError::TransferNotFound(id))?;
        self.record(&row)
    }
}
