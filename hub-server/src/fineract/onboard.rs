//! Onboarding: client → savings account (approve, activate) with the account id as `externalId` →
//! alias registration. Exactly once per account id:
//!
//! - each step carries `Idempotency-Key: kipochi-onboard-{account id}-{step}`; the account id is
//!   derived from the device-generated onboarding id, so a retried sync replays Fineract's stored
//!   result instead of creating a second client (Fineract `idempotency.adoc`);
//! - the client and the savings account also carry `externalId` = the account id, so a Fineract
//!   without the idempotency filter refuses a second one (duplicate externalId) and the adapter
//!   finds the first by `GET .../external-id/{id}`;
//! - progress is recorded after every step, and approve/activate are skipped when the account's
//!   status shows them done.
//!
//! Everything that can refuse the request (kind, name, currency, aliases taken) is checked before
//! the first write.

use serde_json::json;

use super::error::DUPLICATE_IDENTIFIER;
use super::store::AccountRow;
use super::wire::{self, ClientIn, CommandIn, DATE_FORMAT, LOCALE, ProductIn};
use super::{FineractAccounts, FineractError, ext, seg};
use crate::accounts::*;

fn key(id: AccountId, step: &str) -> String {
    format!("kipochi-onboard-{id}-{step}")
}

impl FineractAccounts {
    fn info(req: &OpenAccount) -> AccountInfo {
        AccountInfo {
            id: req.id,
            kind: req.kind,
            display_name: req.display_name.clone(),
            currency: req.currency.clone(),
            aliases: req.aliases.clone(),
            limits: req.limits,
        }
    }

    fn validate_open(&self, req: &OpenAccount) -> AccountResult<()> {
        if !req.kind.is_customer_facing() {
            return Err(AccountError::InvalidInput(
                "only customer-facing accounts can be opened".into(),
            ));
        }
        let name = req.display_name.trim();
        if name.is_empty() || name.len() > 100 {
            return Err(AccountError::InvalidInput(
                "display name must be 1 to 100 characters".into(),
            ));
        }
        if req.currency != self.currency {
            return Err(AccountError::CurrencyMismatch {
                expected: self.currency.clone(),
                got: req.currency.clone(),
            });
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
        if req
            .aliases
            .iter()
            .any(|a| a.value.trim().is_empty() || a.value.len() > 128)
        {
            return Err(AccountError::InvalidInput(
                "alias values must be 1 to 128 characters".into(),
            ));
        }
        Ok(())
    }

    pub(super) async fn do_open(&self, req: OpenAccount) -> AccountResult<AccountInfo> {
        self.validate_open(&req)?;
        let mut row = match self.store.account(req.id).await? {
            Some(row) if row.request != req => {
                return Err(AccountError::Conflict(format!("account {}", req.id)));
            }
            Some(row) if row.done => return Ok(Self::info(&req)),
            Some(row) => row,
            None => {
                self.precheck(&req).await?;
                let row = self.store.insert_account(req.clone()).await?;
                if row.request != req {
                    return Err(AccountError::Conflict(format!("account {}", req.id)));
                }
                row
            }
        };
        self.onboard(&mut row).await?;
        Ok(Self::info(&req))
    }

    /// Checks that cannot wait: the product's currency and that no alias belongs to someone else.
    async fn precheck(&self, req: &OpenAccount) -> AccountResult<()> {
        let product: ProductIn = self
            .client
            .get(&format!("/savingsproducts/{}", self.product_of(req.kind)))
            .await?;
        if product.currency.code != self.currency.as_str() {
            return Err(AccountError::Unavailable(
                "the configured fineract savings product is in another currency".into(),
            ));
        }
        for alias in &req.aliases {
            if let Some(owner) = self.party_account(alias).await?
                && owner != ext(req.id)
            {
                return Err(AccountError::AliasInUse(alias.kind));
            }
        }
        Ok(())
    }

    async fn onboard(&self, row: &mut AccountRow) -> AccountResult<()> {
        let req = row.request.clone();
        let today = Self::today();
        if row.client_id.is_none() {
            row.client_id = Some(self.create_client(&req, &today).await?);
            self.store.update_account(row).await?;
        }
        let client_id = row.client_id.unwrap_or_default();
        if row.savings_id.is_none() {
            row.savings_id = Some(self.create_savings(&req, client_id, &today).await?);
            self.store.update_account(row).await?;
        }
        let savings_id = row.savings_id.unwrap_or_default();
        let status = self.savings(req.id).await?.status.id;
        if status < wire::STATUS_APPROVED {
            self.command(
                req.id,
                savings_id,
                "approve",
                json!({
                    "approvedOnDate": today, "locale": LOCALE, "dateFormat": DATE_FORMAT,
                }),
            )
            .await?;
        }
        if status < wire::STATUS_ACTIVE {
            self.command(
                req.id,
                savings_id,
                "activate",
                json!({
                    "activatedOnDate": today, "locale": LOCALE, "dateFormat": DATE_FORMAT,
                }),
            )
            .await?;
        }
        for alias in &req.aliases {
            self.register_alias(req.id, alias).await?;
        }
        row.done = true;
        self.store.update_account(row).await?;
        Ok(())
    }

    async fn create_client(&self, req: &OpenAccount, today: &str) -> AccountResult<u64> {
        let name = req.display_name.trim();
        let mut body = json!({
            "officeId": self.settings.office_id,
            "externalId": ext(req.id),
            "active": true,
            "activationDate": today,
            "submittedOnDate": today,
            "locale": LOCALE,
            "dateFormat": DATE_FORMAT,
        });
        let person = req.kind != AccountKind::Merchant;
        body["legalFormId"] = json!(if person { 1 } else { 2 });
        match name.split_once(' ') {
            Some((first, last)) if person => {
                body["firstname"] = json!(first);
                body["lastname"] = json!(last.trim());
            }
            _ => body["fullname"] = json!(name),
        }
        // Fineract parses it with the request's `dateFormat` and `locale`, like the other dates.
        if let Some(dob) = req.date_of_birth {
            body["dateOfBirth"] = json!(wire::fineract_date(dob));
        }
        if let Some(msisdn) = req.aliases.iter().find(|a| a.kind == AliasType::Msisdn) {
            body["mobileNo"] = json!(msisdn.value);
        }
        let answer: Result<CommandIn, _> = self
            .client
            .post("/clients", &body, Some(&key(req.id, "client")))
            .await;
        match answer {
            Ok(c) => c
                .client_id
                .or(c.resource_id)
                .ok_or_else(|| FineractError::Decode("client created without an id".into()).into()),
            Err(e)
                if e.status() == Some(403)
                    && e.has_code("error.msg.client.duplicate.externalId") =>
            {
                let c: ClientIn = self
                    .client
                    .get(&format!("/clients/external-id/{}", ext(req.id)))
                    .await?;
                Ok(c.id)
            }
            // Another Fineract client already has this phone number.
            Err(e)
                if e.status() == Some(403) && e.has_code("error.msg.client.duplicate.mobileNo") =>
            {
                Err(AccountError::AliasInUse(AliasType::Msisdn))
            }
            Err(e) => Err(e.into()),
        }
    }

    async fn create_savings(
        &self,
        req: &OpenAccount,
        client_id: u64,
        today: &str,
    ) -> AccountResult<u64> {
        let body = json!({
            "clientId": client_id,
            "productId": self.product_of(req.kind),
            "externalId": ext(req.id),
            "submittedOnDate": today,
            "locale": LOCALE,
            "dateFormat": DATE_FORMAT,
        });
        let answer: Result<CommandIn, _> = self
            .client
            .post("/savingsaccounts", &body, Some(&key(req.id, "savings")))
            .await;
        match answer {
            Ok(c) => c.savings_id.or(c.resource_id).ok_or_else(|| {
                FineractError::Decode("savings account created without an id".into()).into()
            }),
            Err(e)
                if e.status() == Some(403)
                    && e.has_code("error.msg.savingsaccount.duplicate.externalId") =>
            {
                Ok(self.savings(req.id).await?.id)
            }
            Err(e) => Err(e.into()),
        }
    }

    async fn command(
        &self,
        id: AccountId,
        savings_id: u64,
        command: &str,
        body: serde_json::Value,
    ) -> AccountResult<()> {
        let path = format!("/savingsaccounts/{savings_id}?command={command}");
        let _: CommandIn = self
            .client
            .post(&path, &body, Some(&key(id, command)))
            .await?;
        Ok(())
    }

    async fn register_alias(&self, id: AccountId, alias: &Alias) -> AccountResult<()> {
        let path = format!(
            "/interoperation/parties/{}/{}",
            alias.kind.code(),
            seg(&alias.value)
        );
        let body = json!({ "accountId": ext(id) });
        let answer: Result<serde_json::Value, _> = self
            .client
            .post(
                &path,
                &body,
                Some(&key(id, &format!("alias-{}", alias.kind))),
            )
            .await;
        match answer {
            Ok(_) => Ok(()),
            Err(e) if e.has_code(DUPLICATE_IDENTIFIER) => match self.party_account(alias).await? {
                Some(owner) if owner == ext(id) => Ok(()),
                _ => Err(AccountError::AliasInUse(alias.kind)),
            },
            Err(e) => Err(e.into()),
        }
    }
}
