//! Reads: balance and history from the savings account, party lookup, account data.
//!
//! History comes from `GET /savingsaccounts/external-id/{id}?associations=transactions` (newest
//! first). Holds and releases are not movements and are skipped, as are reversed transactions. An
//! interop transaction's transfer id is its `receiptNumber` (the transfer code); other transactions
//! (teller deposits, charges) get a stable id derived from their Fineract id (see [`derived_id`]).
//! Dates are `[y, m, d]` arrays (Fineract's `LocalDate` JSON): `at_ms` is midnight UTC of that day.

use super::error::{ACCOUNT_NOT_FOUND, SAVINGS_NOT_FOUND};
use super::wire::{self, ClientIn, PartyIn, SavingsIn};
use super::{FineractAccounts, FineractError, ext, seg};
use crate::accounts::*;

/// The id given to a Fineract transaction that is not an interop transfer: the bytes of
/// `"KIPOCHI-FINERACT"` ⊕ the transaction id, so it is stable and cannot collide with a v4 UUID.
pub fn derived_id(txn_id: i64) -> TransferId {
    let prefix = u128::from_be_bytes(*b"KIPOCHI-FINERACT") & !u128::from(u64::MAX);
    TransferId(uuid::Uuid::from_u128(prefix | u128::from(txn_id as u64)))
}

impl FineractAccounts {
    /// The savings account `id` (404 → `AccountNotFound`; wrong currency → `CurrencyMismatch`).
    pub(super) async fn savings_with(
        &self,
        id: AccountId,
        transactions: bool,
    ) -> AccountResult<SavingsIn> {
        let query = if transactions {
            "?associations=transactions"
        } else {
            ""
        };
        let savings: SavingsIn = self
            .client
            .get(&format!("/savingsaccounts/external-id/{}{query}", ext(id)))
            .await
            .map_err(|e| {
                if e.status() == Some(404) && e.has_code(SAVINGS_NOT_FOUND) {
                    AccountError::AccountNotFound(id)
                } else {
                    e.into()
                }
            })?;
        if savings.currency.code != self.currency.as_str() {
            let got = savings.currency.code.parse().map_err(|_| {
                AccountError::Unavailable("fineract account has an invalid currency".into())
            })?;
            return Err(AccountError::CurrencyMismatch {
                expected: self.currency.clone(),
                got,
            });
        }
        Ok(savings)
    }

    /// The savings account `id`, without transactions.
    pub(super) async fn savings(&self, id: AccountId) -> AccountResult<SavingsIn> {
        self.savings_with(id, false).await
    }

    pub(super) async fn do_balance(&self, account: AccountId) -> AccountResult<Balance> {
        let s = self.savings(account).await?;
        let ledger = s.summary.account_balance.minor(self.exponent)?;
        let available = match (&s.summary.available_balance, &s.savings_amount_on_hold) {
            (Some(a), _) => a.minor(self.exponent)?,
            (None, Some(hold)) => ledger - hold.minor(self.exponent)?,
            (None, None) => ledger,
        };
        Ok(Balance {
            account,
            ledger: self.money(ledger),
            available: self.money(available),
        })
    }

    pub(super) async fn do_history(
        &self,
        account: AccountId,
        page: PageRequest,
    ) -> AccountResult<HistoryPage> {
        if page.limit == 0 || page.limit > 200 {
            return Err(AccountError::InvalidInput("limit must be 1..=200".into()));
        }
        let s = self.savings_with(account, true).await?;
        let mut entries = Vec::new();
        let mut txns: Vec<&wire::SavingsTransactionIn> = s
            .transactions
            .iter()
            .filter(|t| !t.reversed && t.direction() != 0)
            .filter(|t| page.before.is_none_or(|b| t.id < b))
            .collect();
        txns.sort_by_key(|t| std::cmp::Reverse(t.id));
        let more = txns.len() > page.limit as usize;
        for t in txns.into_iter().take(page.limit as usize) {
            let amount = t.amount.minor(self.exponent)? * t.direction();
            let (transfer_id, kind) = match t
                .transfer_code()
                .and_then(|c| uuid::Uuid::parse_str(c).ok())
            {
                Some(code) => (
                    TransferId(code),
                    match self.store.transfer(TransferId(code)).await? {
                        Some(row) => row.kind,
                        None if amount > 0 => TransferKind::Incoming,
                        None => TransferKind::Outgoing,
                    },
                ),
                None => (derived_id(t.id), TransferKind::Funding),
            };
            let balance_after = match &t.running_balance {
                Some(b) => b.minor(self.exponent)?,
                None => {
                    return Err(
                        FineractError::Decode("transaction without runningBalance".into()).into(),
                    );
                }
            };
            entries.push(HistoryEntry {
                seq: t.id,
                transfer_id,
                kind,
                amount: self.money(amount),
                balance_after,
                at_ms: t.at_ms()?,
            });
        }
        let next = if more {
            entries.last().map(|e| e.seq)
        } else {
            None
        };
        Ok(HistoryPage { entries, next })
    }

    /// The account id registered under `alias` in Fineract, if any.
    pub(super) async fn party_account(&self, alias: &Alias) -> AccountResult<Option<String>> {
        let path = format!(
            "/interoperation/parties/{}/{}",
            alias.kind.code(),
            seg(&alias.value)
        );
        match self.client.get::<PartyIn>(&path).await {
            Ok(p) => Ok(Some(p.account_id)),
            Err(e) if e.status() == Some(404) && e.has_code(ACCOUNT_NOT_FOUND) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    pub(super) async fn do_lookup(&self, alias: &Alias) -> AccountResult<Party> {
        let not_found = AccountError::PartyNotFound(alias.kind);
        let Some(account) = self.party_account(alias).await? else {
            return Err(not_found);
        };
        // Accounts the hub can address have a UUID externalId.
        let Ok(uuid) = uuid::Uuid::parse_str(&account) else {
            return Err(not_found);
        };
        let id = AccountId(uuid);
        let s = match self.savings(id).await {
            Err(AccountError::AccountNotFound(_)) => return Err(not_found),
            other => other?,
        };
        if s.status.id != wire::STATUS_ACTIVE {
            return Err(not_found);
        }
        let client: ClientIn = self
            .client
            .get(&format!("/clients/{}", s.client_id))
            .await?;
        Ok(Party {
            account: id,
            display_name: client.display_name,
            kind: self.kind_of(s.savings_product_id),
            currency: self.currency.clone(),
        })
    }

    pub(super) async fn do_account(&self, id: AccountId) -> AccountResult<AccountInfo> {
        if let Some(row) = self.store.account(id).await? {
            if !row.done {
                return Err(AccountError::AccountNotFound(id));
            }
            let r = row.request;
            return Ok(AccountInfo {
                id,
                kind: r.kind,
                display_name: r.display_name,
                currency: r.currency,
                aliases: r.aliases,
                limits: r.limits,
            });
        }
        // An account opened in Fineract directly: its data from Fineract, no limits, no aliases.
        let s = self.savings(id).await?;
        let client: ClientIn = self
            .client
            .get(&format!("/clients/{}", s.client_id))
            .await?;
        Ok(AccountInfo {
            id,
            kind: self.kind_of(s.savings_product_id),
            display_name: client.display_name,
            currency: self.currency.clone(),
            aliases: Vec::new(),
            limits: Limits::default(),
        })
    }
}
