//! `serve --seed FILE`: demo users from a TOML file, created at start (idempotently, see
//! `crate::demo`) once the switch connection is up, so their aliases are registered too.

use std::path::Path;

use serde::Deserialize;

use crate::auth::{Role, parse_role};
use crate::demo::{self, DemoUser};
use crate::error::{Error, Result};
use crate::http::AppState;

/// The file: `[[users]]` tables.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedFile {
    pub users: Vec<SeedUser>,
}

/// One `[[users]]` entry.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedUser {
    pub phone: String,
    pub name: String,
    /// `customer`, `merchant`, `agent` or `admin`.
    pub role: String,
    pub pin: String,
    /// Opening balance, exact decimal in the hub's currency (default 0).
    #[serde(default)]
    pub balance: Option<String>,
    /// A merchant's till number.
    #[serde(default)]
    pub till: Option<String>,
}

/// Reads and checks `path` against `state`'s currency; nothing is created on an error.
pub fn read(path: &Path, state: &AppState) -> Result<Vec<DemoUser>> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::InvalidRequest(format!("cannot read {}: {e}", path.display())))?;
    let file: SeedFile = toml::from_str(&text)
        .map_err(|e| Error::InvalidRequest(format!("{}: {e}", path.display())))?;
    let code = state.currency.as_str();
    file.users
        .into_iter()
        .map(|u| {
            crate::auth::validate_phone(&u.phone)?;
            crate::auth::validate_new_pin(&u.pin)?;
            let role: Role = parse_role(&u.role)?;
            let funds_minor = match u.balance.as_deref() {
                None | Some("0") => 0,
                Some(b) => crate::orchestrator::terms::parse_amount(b, code)?,
            };
            Ok(DemoUser {
                phone: u.phone,
                name: u.name,
                role,
                pin: u.pin,
                funds_minor,
                till: u.till,
            })
        })
        .collect()
}

/// Seeds every user of `path`.
pub async fn seed_file(path: &Path, state: &AppState) -> Result<usize> {
    let users = read(path, state)?;
    for u in &users {
        demo::seed(state, u).await?;
    }
    Ok(users.len())
}
