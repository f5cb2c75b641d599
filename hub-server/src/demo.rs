//! Demo users for the lab and the end-to-end tests: activated users with known PINs, wallets
//! funded (from the ledger's equity account, or by a deposit on Fineract), merchant tills, and
//! their aliases registered with the switch.
//!
//! Seeding is idempotent: account and funding ids are derived from the DFSP and phone number, the
//! account system answers a repeated open/fund with the stored record (on Fineract: the client,
//! savings account and aliases through the adapter, the balance as a teller deposit once per
//! funding id), and an existing user is kept. So a
//! lab restarted on its data folder (or a seeding interrupted half-way) ends in the same state.

use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::accounts::{
    AccountId, AccountKind, Alias, AliasType, Limits, Money, OpenAccount, TransferId,
};
use crate::auth::{NewUser, Role, User};
use crate::error::{Error, Result};
use crate::fspiop::types::{PartyIdInfo, PartyIdType};
use crate::http::AppState;

/// One demo user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DemoUser {
    /// E.164 digits without '+'.
    pub phone: String,
    pub name: String,
    pub role: Role,
    /// Four to six digits.
    pub pin: String,
    /// Opening balance in minor units (0: none). Admins hold no account.
    pub funds_minor: i64,
    /// A merchant's till number (`BUSINESS` alias), payable by QR.
    pub till: Option<String>,
}

fn derived(fsp_id: &str, what: &str, phone: &str) -> Uuid {
    let digest = Sha256::digest(format!("kipochi-demo\n{fsp_id}\n{what}\n{phone}").as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_random_bytes(bytes).into_uuid()
}

/// Creates `u` (account, funds, user, aliases at the switch) unless it exists; returns the user.
pub async fn seed(state: &AppState, u: &DemoUser) -> Result<User> {
    let account = match u.role {
        Role::Admin => None,
        _ => Some(open_account(state, u).await?),
    };
    let (auth, phone) = (state.auth.clone(), u.phone.clone());
    let existing = crate::api::blocking(move || auth.user_by_phone(&phone)).await?;
    let user = match existing {
        Some(user) => user,
        None => {
            let new = NewUser {
                phone: u.phone.clone(),
                display_name: u.name.clone(),
                role: u.role,
                kyc_tier: 2,
                account_id: account.map(|a| a.to_string()),
            };
            let (auth, pin, now) = (state.auth.clone(), u.pin.clone(), state.now());
            crate::api::blocking(move || {
                let (_, code) = auth.create_user(&new, now)?;
                auth.activate(&new.phone, &code, &pin, now)
            })
            .await?
        }
    };
    if account.is_some() {
        register(state, u).await?;
    }
    Ok(user)
}

async fn open_account(state: &AppState, u: &DemoUser) -> Result<AccountId> {
    let id = AccountId(derived(&state.fsp_id, "account", &u.phone));
    let mut aliases = vec![Alias {
        kind: AliasType::Msisdn,
        value: u.phone.clone(),
    }];
    if let Some(till) = &u.till {
        aliases.push(Alias {
            kind: AliasType::Business,
            value: till.clone(),
        });
    }
    state
        .accounts
        .open_account(OpenAccount {
            id,
            kind: match u.role {
                Role::Merchant => AccountKind::Merchant,
                Role::Agent => AccountKind::AgentFloat,
                _ => AccountKind::CustomerWallet,
            },
            display_name: u.name.clone(),
            currency: state.currency.clone(),
            aliases,
            limits: Limits::default(),
            date_of_birth: None,
        })
        .await?;
    if u.funds_minor > 0 {
        let funding = TransferId(derived(&state.fsp_id, "funding", &u.phone));
        let amount = Money::new(u.funds_minor, state.currency.clone());
        match (&state.ledger, &state.fineract) {
            // E-money issued from the ledger's equity account.
            (Some(ledger), _) => {
                ledger.fund(funding, id, amount).await?;
            }
            // A teller deposit into the Fineract savings account.
            (None, Some(fineract)) => fineract.fund(funding, id, amount).await?,
            (None, None) => {
                return Err(Error::Unprocessable(
                    "demo balances need the embedded ledger or Fineract".into(),
                ));
            }
        }
    }
    Ok(id)
}

/// Registers the user's phone number (and till) with the switch's oracle, when connected.
async fn register(state: &AppState, u: &DemoUser) -> Result<()> {
    let Some(switch) = &state.switch else {
        return Ok(());
    };
    let currency = state.currency.as_str().parse().ok();
    let mut parties = vec![(PartyIdType::Msisdn, u.phone.clone())];
    if let Some(till) = &u.till {
        parties.push((PartyIdType::Business, till.clone()));
    }
    for (kind, id) in parties {
        let info = PartyIdInfo {
            party_id_type: kind,
            party_identifier: id,
            party_sub_id_or_type: None,
            fsp_id: None,
            extension_list: None,
        };
        switch
            .register_participant(&info, currency.as_ref())
            .await
            .map_err(|e| Error::Internal(format!("switch registration failed: {e}")))?;
    }
    Ok(())
}
