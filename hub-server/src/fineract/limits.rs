//! KYC-tier limits on Fineract accounts, enforced by the adapter exactly as the embedded ledger
//! enforces them (`ledger::ops::check_debit` / `check_credit`), because Fineract has no notion of
//! them: a debit's amount + fee may not exceed the per-payment limit nor, with this UTC day's
//! other debits, the daily limit; a credit may not take the balance over the maximum balance.
//!
//! The limits are those recorded with the account when the hub opened it (`fineract.db`); an
//! account opened in Fineract directly has none (its product's own rules apply). The day's debits
//! are the hub's own transfers from the account (held, booked or of unknown outcome).

use super::FineractAccounts;
use crate::accounts::{AccountError, AccountId, AccountResult, LimitKind, Limits, TransferId};

/// Start of the UTC day of `ms`.
fn day_start_ms(ms: i64) -> i64 {
    ms - ms.rem_euclid(86_400_000)
}

impl FineractAccounts {
    /// The KYC limits of `account`.
    pub(super) async fn limits_of(&self, account: AccountId) -> AccountResult<Limits> {
        Ok(self
            .store
            .account(account)
            .await?
            .map(|row| row.request.limits)
            .unwrap_or_default())
    }

    /// Refuses a debit of `total` (amount + fee) of transfer `id` that a limit forbids.
    pub(super) async fn check_debit_limits(
        &self,
        account: AccountId,
        id: TransferId,
        total: i64,
    ) -> AccountResult<()> {
        let limits = self.limits_of(account).await?;
        if limits.max_per_payment.is_some_and(|max| total > max) {
            return Err(AccountError::LimitExceeded(LimitKind::PerPayment));
        }
        if let Some(max) = limits.max_daily_debit {
            let since = day_start_ms(Self::now_ms());
            let today = self.store.debited_since(account, since, id).await?;
            if today.checked_add(total).is_none_or(|t| t > max) {
                return Err(AccountError::LimitExceeded(LimitKind::Daily));
            }
        }
        Ok(())
    }

    /// Refuses a credit of `amount` that would take `account` over its maximum balance.
    pub(super) async fn check_credit_limit(
        &self,
        account: AccountId,
        amount: i64,
    ) -> AccountResult<()> {
        let Some(max) = self.limits_of(account).await?.max_balance else {
            return Ok(());
        };
        let balance = self.do_balance(account).await?.ledger.minor;
        let after = balance
            .checked_add(amount)
            .ok_or_else(|| AccountError::InvalidInput("balance would overflow".into()))?;
        if after > max {
            return Err(AccountError::LimitExceeded(LimitKind::MaxBalance));
        }
        Ok(())
    }
}
