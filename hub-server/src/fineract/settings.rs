//! `[accounts.fineract]` settings (reference: `docs/config.md`, `docs/fineract.md`).

use std::fmt;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

/// A secret setting: read normally, but printed (e.g. by `check-config`) as `<redacted>`.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct Secret(pub String);

impl Serialize for Secret {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str("<redacted>")
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// How to reach one Fineract tenant and which of its products the hub uses.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FineractSettings {
    /// API base, e.g. `https://fineract.example.org/fineract-provider/api/v1`.
    pub base_url: String,
    /// The tenant (`Fineract-Platform-TenantId`).
    pub tenant: String,
    /// Basic-auth user (a Fineract app user with the permissions in `docs/fineract.md`).
    #[serde(default)]
    pub username: String,
    /// Basic-auth password.
    #[serde(default)]
    pub password: Option<Secret>,
    /// An OAuth bearer token used instead of Basic auth.
    #[serde(default)]
    pub bearer_token: Option<Secret>,
    /// An extra CA certificate (PEM) to trust, for a private PKI.
    #[serde(default)]
    pub ca_cert: Option<PathBuf>,
    /// Request timeout, seconds.
    #[serde(default = "default_timeout")]
    pub timeout_secs: u64,
    /// Office new clients are created in.
    #[serde(default = "one")]
    pub office_id: u64,
    /// Savings product of customer wallets (its currency must be the hub's).
    pub wallet_product_id: u64,
    /// Savings product of merchant accounts (defaults to the wallet product).
    #[serde(default)]
    pub merchant_product_id: Option<u64>,
    /// Savings product of agent floats (defaults to the wallet product).
    #[serde(default)]
    pub agent_product_id: Option<u64>,
    /// Payment type id used for deposits made outside the interop API (the first non-cash one).
    #[serde(default = "one")]
    pub payment_type_id: u64,
}

fn default_timeout() -> u64 {
    30
}

fn one() -> u64 {
    1
}

/// The authentication the client sends.
pub enum Auth<'a> {
    /// `Authorization: Basic base64(user:password)`.
    Basic {
        /// The user.
        username: &'a str,
        /// The password.
        password: &'a str,
    },
    /// `Authorization: Bearer <token>`.
    Bearer(&'a str),
}

impl FineractSettings {
    /// Settings for a Fineract at `base_url` with Basic auth and the given wallet product.
    pub fn basic(base_url: &str, tenant: &str, username: &str, password: &str) -> Self {
        Self {
            base_url: base_url.into(),
            tenant: tenant.into(),
            username: username.into(),
            password: Some(Secret(password.into())),
            bearer_token: None,
            ca_cert: None,
            timeout_secs: default_timeout(),
            office_id: 1,
            wallet_product_id: 1,
            merchant_product_id: None,
            agent_product_id: None,
            payment_type_id: 1,
        }
    }

    /// The bearer token when set, else Basic auth.
    pub fn auth(&self) -> Auth<'_> {
        match &self.bearer_token {
            Some(token) => Auth::Bearer(&token.0),
            None => Auth::Basic {
                username: &self.username,
                password: self.password.as_ref().map(|p| p.0.as_str()).unwrap_or(""),
            },
        }
    }

    /// Checks values that types alone cannot; the error names the key.
    pub fn validate(&self) -> Result<(), (&'static str, String)> {
        if !(self.base_url.starts_with("https://") || self.base_url.starts_with("http://")) {
            return Err(("accounts.fineract.base_url", "an http(s) URL".into()));
        }
        if self.tenant.is_empty() || !self.tenant.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(("accounts.fineract.tenant", "a non-empty tenant id".into()));
        }
        if self.bearer_token.is_none() && (self.username.is_empty() || self.password.is_none()) {
            return Err((
                "accounts.fineract.username",
                "username and password (or bearer_token) are required".into(),
            ));
        }
        if self.timeout_secs == 0 || self.timeout_secs > 300 {
            return Err(("accounts.fineract.timeout_secs", "between 1 and 300".into()));
        }
        if self.wallet_product_id == 0 {
            return Err(("accounts.fineract.wallet_product_id", "a product id".into()));
        }
        Ok(())
    }
}

/// Which account system the hub runs on.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AccountsKind {
    /// The embedded double-entry ledger (`ledger.db` in the data folder).
    #[default]
    Ledger,
    /// Apache Fineract through its interoperation API.
    Fineract,
}

/// The `[accounts]` section.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountsSection {
    /// `ledger` (default) or `fineract`.
    #[serde(default)]
    pub kind: AccountsKind,
    /// Required when `kind = "fineract"`.
    #[serde(default)]
    pub fineract: Option<FineractSettings>,
}

impl AccountsSection {
    /// Checks the section; the error names the key.
    pub fn validate(&self) -> Result<(), (&'static str, String)> {
        match (self.kind, &self.fineract) {
            (AccountsKind::Fineract, None) => Err((
                "accounts.fineract",
                "required when accounts.kind = \"fineract\"".into(),
            )),
            (AccountsKind::Fineract, Some(f)) => f.validate(),
            (AccountsKind::Ledger, _) => Ok(()),
        }
    }
}
