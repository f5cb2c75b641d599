//! Funding an account outside the interop API: a teller deposit
//! (`POST /savingsaccounts/{id}/transactions?command=deposit`, reference note §2.3), used for the
//! lab's demo balances. Real money reaches a Fineract account through the provider's own
//! channels; the hub never issues e-money on Fineract otherwise.
//!
//! Exactly once per funding id: the deposit carries `receiptNumber` = the id and
//! `Idempotency-Key: kipochi-fund-{id}`, and a deposit with that receipt already on the account
//! is not made again (for a Fineract without the idempotency filter).

use serde::Serialize;
use serde_json::value::RawValue;

use super::wire::{CommandIn, DATE_FORMAT, LOCALE, txn_type};
use super::{FineractAccounts, from_minor};
use crate::accounts::{AccountError, AccountId, AccountResult, Money, TransferId};

impl FineractAccounts {
    /// Deposits `amount` on `account` once per `id` (payment type `payment_type_id`).
    pub async fn fund(
        &self,
        id: TransferId,
        account: AccountId,
        amount: Money,
    ) -> AccountResult<()> {
        if amount.minor <= 0 {
            return Err(AccountError::InvalidInput("amount must be positive".into()));
        }
        self.check_currency(&amount)?;
        let receipt = id.0.to_string();
        let savings = self.savings_with(account, true).await?;
        let done = savings.transactions.iter().any(|t| {
            t.transaction_type.id == txn_type::DEPOSIT
                && !t.reversed
                && t.payment_detail_data
                    .as_ref()
                    .is_some_and(|d| d.receipt_number.as_deref() == Some(receipt.as_str()))
        });
        if done {
            return Ok(());
        }
        self.check_credit_limit(account, amount.minor).await?;
        let body = DepositOut {
            transaction_date: Self::today(),
            transaction_amount: RawValue::from_string(from_minor(amount.minor, self.exponent))
                .map_err(|e| AccountError::Unavailable(format!("amount: {e}")))?,
            payment_type_id: self.settings.payment_type_id,
            receipt_number: receipt,
            locale: LOCALE,
            date_format: DATE_FORMAT,
        };
        let path = format!(
            "/savingsaccounts/{}/transactions?command=deposit",
            savings.id
        );
        let _: CommandIn = self
            .client
            .post(&path, &body, Some(&format!("kipochi-fund-{id}")))
            .await?;
        Ok(())
    }
}

/// The deposit command's body (the amount as an exact decimal literal, never a float).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct DepositOut {
    transaction_date: String,
    transaction_amount: Box<RawValue>,
    payment_type_id: u64,
    receipt_number: String,
    locale: &'static str,
    date_format: &'static str,
}
