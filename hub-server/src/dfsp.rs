//! One DFSP's connection to a Mojaloop switch: the `[fspiop]` settings and the wiring of the
//! FSPIOP layer to the orchestration — the switch client (payer role, `AppState::switch`), the
//! payee handler and the inbound FSPIOP router on its own listener.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};

use crate::config::ConfigError;
use crate::fspiop::dedup::SqliteStore;
use crate::fspiop::ilp::{IlpSecret, IlpVersion};
use crate::fspiop::jws::{SigningKey, VerifyingKey};
use crate::fspiop::{FspiopConfig, SwitchClient, router};
use crate::http::AppState;
use crate::orchestrator::payee::{PayeeHandler, PayeeMode};

/// `[fspiop]`: present when the hub is connected to a switch (docs/config.md).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FspiopSection {
    /// Base URL of the switch, e.g. `http://127.0.0.1:4040`.
    pub switch_url: String,
    /// Where the switch reaches this DFSP (callbacks and the payee role).
    pub listen: SocketAddr,
    /// Secret of the ILP fulfilments. Prefer `KIPOCHI_FSPIOP__ILP_SECRET` to the file.
    #[serde(serialize_with = "redacted")]
    pub ilp_secret: String,
    /// `v1` (default, as the Testing Toolkit) or `v4`.
    #[serde(default)]
    pub ilp_version: IlpVersionSetting,
    /// `reserve` (default: credit on the switch's PATCH) or `commit` (credit, answer COMMITTED).
    #[serde(default)]
    pub payee_mode: PayeeMode,
    /// Seconds to wait for a callback (default 30).
    #[serde(default = "default_callback_timeout")]
    pub callback_timeout_secs: u64,
    /// Status of `GET /quotes/{ID}` and `GET /transfers/{ID}` answers: 202 (the API) or 200
    /// (what the Testing Toolkit's DFSP collection asserts). Default 202.
    #[serde(default = "default_get_status")]
    pub get_status: u16,
    /// PEM private key (RS256 or ES256) signing outgoing requests (`FSPIOP-Signature`).
    #[serde(default)]
    pub jws_signing_key: Option<PathBuf>,
    /// Peers' PEM public keys by FSP id; when set, incoming signatures are verified.
    #[serde(default)]
    pub jws_peer_keys: BTreeMap<String, PathBuf>,
}

/// `ilp_version` values.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum IlpVersionSetting {
    #[default]
    V1,
    V4,
}

fn redacted<S: serde::Serializer>(_: &str, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str("<redacted>")
}

fn default_callback_timeout() -> u64 {
    30
}

fn default_get_status() -> u16 {
    202
}

impl FspiopSection {
    /// Checks values types cannot.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let url = &self.switch_url;
        if !(url.starts_with("http://") || url.starts_with("https://")) || url.len() < 10 {
            return Err(ConfigError::Invalid {
                key: "fspiop.switch_url",
                reason: "an http:// or https:// base URL".into(),
            });
        }
        if self.ilp_secret.len() < 16 || self.ilp_secret == "<redacted>" {
            return Err(ConfigError::Invalid {
                key: "fspiop.ilp_secret",
                reason: "at least 16 characters (set KIPOCHI_FSPIOP__ILP_SECRET)".into(),
            });
        }
        if !(1..=300).contains(&self.callback_timeout_secs) {
            return Err(ConfigError::Invalid {
                key: "fspiop.callback_timeout_secs",
                reason: "between 1 and 300".into(),
            });
        }
        if !matches!(self.get_status, 200 | 202) {
            return Err(ConfigError::Invalid {
                key: "fspiop.get_status",
                reason: "200 or 202".into(),
            });
        }
        Ok(())
    }

    /// Makes relative key paths relative to the configuration file's folder.
    pub fn resolve_paths(&mut self, base: &Path) {
        for path in self
            .jws_signing_key
            .iter_mut()
            .chain(self.jws_peer_keys.values_mut())
        {
            if path.is_relative() {
                *path = base.join(&*path);
            }
        }
    }

    /// The FSPIOP layer's settings for DFSP `fsp_id`.
    pub fn layer_config(&self, fsp_id: &str) -> anyhow::Result<FspiopConfig> {
        let fsp = fsp_id
            .parse()
            .map_err(|_| anyhow::anyhow!("hub.fsp_id is not a valid FSP id"))?;
        let mut cfg = FspiopConfig::new(
            fsp,
            self.switch_url.trim_end_matches('/'),
            IlpSecret::new(&self.ilp_secret),
        );
        cfg.ilp_version = match self.ilp_version {
            IlpVersionSetting::V1 => IlpVersion::V1,
            IlpVersionSetting::V4 => IlpVersion::V4,
        };
        cfg.callback_timeout = Duration::from_secs(self.callback_timeout_secs);
        cfg.get_status = StatusCode::from_u16(self.get_status)?;
        if let Some(path) = &self.jws_signing_key {
            let pem = read(path, "fspiop.jws_signing_key")?;
            cfg.jws.signing_key = Some(SigningKey::from_pem(&pem)?);
        }
        for (peer, path) in &self.jws_peer_keys {
            let pem = read(path, "fspiop.jws_peer_keys")?;
            let fsp = peer
                .parse()
                .map_err(|_| anyhow::anyhow!("fspiop.jws_peer_keys: {peer:?} is not an FSP id"))?;
            cfg.jws.peer_keys.insert(fsp, VerifyingKey::from_pem(&pem)?);
        }
        cfg.jws.verify_inbound = !cfg.jws.peer_keys.is_empty();
        Ok(cfg)
    }
}

fn read(path: &Path, key: &str) -> anyhow::Result<String> {
    std::fs::read_to_string(path)
        .map_err(|e| anyhow::anyhow!("{key}: cannot read {}: {e}", path.display()))
}

/// The FSPIOP side of a running hub.
pub struct Connected {
    /// The state with `switch` set: use it for the wallet API too.
    pub state: AppState,
    /// The inbound FSPIOP router (payee role and callbacks), to serve on `listen`.
    pub router: Router,
}

/// Connects `state` to the switch: the client becomes `state.switch`, the payee handler answers
/// the inbound router, duplicates are remembered in `data_dir/fspiop.db`.
pub fn connect(
    section: &FspiopSection,
    fsp_id: &str,
    state: AppState,
    data_dir: &Path,
) -> anyhow::Result<Connected> {
    let cfg = Arc::new(section.layer_config(fsp_id)?);
    let client = SwitchClient::new(cfg)?;
    let state = AppState {
        switch: Some(Arc::new(client.clone())),
        ..state
    };
    let handler = Arc::new(PayeeHandler::new(state.clone(), section.payee_mode));
    let dedup = SqliteStore::open(&data_dir.join("fspiop.db"), Duration::from_secs(60))?;
    let router = router(handler, client, Arc::new(dedup));
    Ok(Connected { state, router })
}
