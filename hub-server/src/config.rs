//! Hub configuration: a TOML file, overridden by `KIPOCHI_*` environment variables, validated at
//! start with messages that name the offending key.
//!
//! Environment keys use `__` between section and field: `KIPOCHI_API__LISTEN=127.0.0.1:9000`
//! overrides `[api] listen`. The full reference with defaults is `docs/config.md`.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

/// Everything `kipochi-hub serve` reads.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub hub: HubSection,
    pub api: ApiSection,
    pub auth: AuthSection,
    /// The DFSP's fee schedule (embedded ledger), see docs/config.md.
    #[serde(default)]
    pub fees: crate::ledger::FeeSchedule,
    /// The account system: embedded ledger (default) or Fineract, see docs/config.md.
    #[serde(default)]
    pub accounts: crate::fineract::AccountsSection,
    pub log: LogSection,
    /// The Mojaloop switch connection; absent: the hub runs alone (internal payments only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fspiop: Option<crate::dfsp::FspiopSection>,
}

/// Who this hub is.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HubSection {
    /// This DFSP's FSP id at the switch (e.g. `bluebank`).
    pub fsp_id: String,
    /// ISO 4217 alpha code of the accounts (e.g. `TZS`).
    pub currency: String,
    /// Folder for the hub's databases; relative paths are relative to the config file.
    pub data_dir: PathBuf,
    /// Seconds between recovery passes over unfinished payments (first pass at start).
    #[serde(default = "default_recovery_secs")]
    pub recovery_interval_secs: u64,
    /// Seconds a quote this hub makes (as payer or payee) can be used (default 300).
    #[serde(default = "default_quote_ttl_secs")]
    pub quote_ttl_secs: u64,
    /// Seconds the switch has to complete a transfer this hub sends (default 60).
    #[serde(default = "default_transfer_ttl_secs")]
    pub transfer_ttl_secs: u64,
}

fn default_recovery_secs() -> u64 {
    30
}

fn default_quote_ttl_secs() -> u64 {
    300
}

fn default_transfer_ttl_secs() -> u64 {
    60
}

/// The wallet-facing listener.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiSection {
    pub listen: SocketAddr,
    /// Built web bundle to serve at `/` (optional).
    pub web_dir: Option<PathBuf>,
}

/// Sessions and lockout.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthSection {
    pub session_ttl_secs: u64,
    pub lockout_secs: u64,
    pub activation_ttl_hours: u64,
    /// How long a PIN that passed the full Argon2id check is remembered in memory, so the same
    /// user's next approvals skip the slow hash (0: every check is a full one). At most 3600.
    #[serde(default = "default_pin_memory_secs")]
    pub pin_memory_secs: u64,
}

fn default_pin_memory_secs() -> u64 {
    300
}

/// Log output.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogSection {
    /// `text` or `json`.
    pub format: LogFormat,
    /// A `tracing` filter such as `info` or `kipochi_hub=debug,info`.
    pub filter: String,
}

/// Log line format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            hub: HubSection {
                fsp_id: "kipochi".into(),
                currency: "TZS".into(),
                data_dir: PathBuf::from("data"),
                recovery_interval_secs: default_recovery_secs(),
                quote_ttl_secs: default_quote_ttl_secs(),
                transfer_ttl_secs: default_transfer_ttl_secs(),
            },
            api: ApiSection {
                listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
                web_dir: None,
            },
            auth: AuthSection {
                session_ttl_secs: 900,
                lockout_secs: 1800,
                activation_ttl_hours: 168,
                pin_memory_secs: default_pin_memory_secs(),
            },
            fees: crate::ledger::FeeSchedule::default(),
            accounts: crate::fineract::AccountsSection::default(),
            log: LogSection {
                format: LogFormat::Text,
                filter: "info".into(),
            },
            fspiop: None,
        }
    }
}

/// The environment variables that are settings: `PREFIX<SECTION>__<KEY>`. Other variables that
/// merely start with the prefix (tools' own, such as `KIPOCHI_BIN_DIR`) are not settings and are
/// ignored rather than refused as unknown keys.
fn settings_env(prefix: &str) -> Env {
    Env::prefixed(prefix)
        .filter(|key| key.as_str().contains("__"))
        .split("__")
}

/// A configuration problem, naming the key.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read configuration: {0}")]
    Parse(String),
    #[error("invalid configuration value for {key}: {reason}")]
    Invalid { key: &'static str, reason: String },
}

impl Config {
    /// Defaults, then the TOML file (when given), then `KIPOCHI_*` variables; then validation.
    pub fn load(file: Option<&Path>) -> Result<Self, ConfigError> {
        Self::load_with_env(file, settings_env("KIPOCHI_"))
    }

    fn load_with_env(file: Option<&Path>, env: Env) -> Result<Self, ConfigError> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        if let Some(path) = file {
            if !path.exists() {
                return Err(ConfigError::Parse(format!(
                    "{} does not exist",
                    path.display()
                )));
            }
            figment = figment.merge(Toml::file_exact(path));
        }
        let mut config: Config = figment
            .merge(env)
            .extract()
            .map_err(|e| ConfigError::Parse(e.to_string()))?;
        if let Some(base) = file.and_then(Path::parent) {
            config.resolve_paths(base);
        }
        config.validate()?;
        Ok(config)
    }

    fn resolve_paths(&mut self, base: &Path) {
        if self.hub.data_dir.is_relative() {
            self.hub.data_dir = base.join(&self.hub.data_dir);
        }
        if let Some(web) = self.api.web_dir.as_mut().filter(|w| w.is_relative()) {
            *web = base.join(&*web);
        }
        if let Some(f) = self.fspiop.as_mut() {
            f.resolve_paths(base);
        }
    }

    /// Checks values that types alone cannot.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let id = &self.hub.fsp_id;
        if id.is_empty()
            || id.len() > 32
            || !id
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Err(ConfigError::Invalid {
                key: "hub.fsp_id",
                reason: "1 to 32 letters, digits, '-' or '_'".into(),
            });
        }
        let cur = &self.hub.currency;
        if cur.len() != 3 || !cur.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(ConfigError::Invalid {
                key: "hub.currency",
                reason: "an ISO 4217 alpha code such as TZS".into(),
            });
        }
        if !(1..=3600).contains(&self.hub.recovery_interval_secs) {
            return Err(ConfigError::Invalid {
                key: "hub.recovery_interval_secs",
                reason: "between 1 and 3600".into(),
            });
        }
        if !(1..=3600).contains(&self.hub.quote_ttl_secs) {
            return Err(ConfigError::Invalid {
                key: "hub.quote_ttl_secs",
                reason: "between 1 and 3600".into(),
            });
        }
        if !(1..=600).contains(&self.hub.transfer_ttl_secs) {
            return Err(ConfigError::Invalid {
                key: "hub.transfer_ttl_secs",
                reason: "between 1 and 600".into(),
            });
        }
        if self.auth.session_ttl_secs == 0 || self.auth.session_ttl_secs > 24 * 3600 {
            return Err(ConfigError::Invalid {
                key: "auth.session_ttl_secs",
                reason: "between 1 and 86400".into(),
            });
        }
        if self.auth.lockout_secs == 0 {
            return Err(ConfigError::Invalid {
                key: "auth.lockout_secs",
                reason: "must be > 0".into(),
            });
        }
        if self.auth.pin_memory_secs > 3600 {
            return Err(ConfigError::Invalid {
                key: "auth.pin_memory_secs",
                reason: "between 0 and 3600".into(),
            });
        }
        if self.auth.activation_ttl_hours == 0 {
            return Err(ConfigError::Invalid {
                key: "auth.activation_ttl_hours",
                reason: "must be > 0".into(),
            });
        }
        if let Err(e) = self.fees.validate() {
            return Err(ConfigError::Invalid {
                key: "fees",
                reason: e.to_string(),
            });
        }
        if let Some(f) = &self.fspiop {
            f.validate()?;
            if f.listen == self.api.listen {
                return Err(ConfigError::Invalid {
                    key: "fspiop.listen",
                    reason: "must differ from api.listen".into(),
                });
            }
        }
        if let Err((key, reason)) = self.accounts.validate() {
            return Err(ConfigError::Invalid { key, reason });
        }
        if let Err(e) = tracing_subscriber::EnvFilter::try_new(&self.log.filter) {
            return Err(ConfigError::Invalid {
                key: "log.filter",
                reason: e.to_string(),
            });
        }
        Ok(())
    }

    /// How long this hub's quotes and transfers stay valid, in milliseconds.
    pub fn expiry(&self) -> crate::orchestrator::Expiry {
        let ms = |s: u64| i64::try_from(s.saturating_mul(1000)).unwrap_or(i64::MAX);
        crate::orchestrator::Expiry {
            quote_ms: ms(self.hub.quote_ttl_secs),
            transfer_ms: ms(self.hub.transfer_ttl_secs),
        }
    }

    /// The authentication settings in the units the auth service uses.
    pub fn auth_config(&self) -> crate::auth::AuthConfig {
        let secs = |s: u64| i64::try_from(s.saturating_mul(1000)).unwrap_or(i64::MAX);
        crate::auth::AuthConfig {
            session_ttl_ms: secs(self.auth.session_ttl_secs),
            lockout_ms: secs(self.auth.lockout_secs),
            activation_ttl_ms: secs(self.auth.activation_ttl_hours.saturating_mul(3600)),
            pin_memory_ms: secs(self.auth.pin_memory_secs),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, text: &str) -> PathBuf {
        std::fs::create_dir_all(dir).unwrap();
        let path = dir.join("hub.toml");
        std::fs::write(&path, text).unwrap();
        path
    }

    fn tmp() -> PathBuf {
        std::env::temp_dir().join(format!("kipochi-cfg-{}", uuid::Uuid::new_v4()))
    }

    fn no_env() -> Env {
        Env::prefixed("KIPOCHI_TEST_UNSET_PREFIX_").split("__")
    }

    #[test]
    fn defaults_are_valid() {
        Config::default().validate().unwrap();
    }

    #[test]
    fn file_values_and_relative_paths() {
        let dir = tmp();
        let path = write(
            &dir,
            "[hub]\nfsp_id = \"bluebank\"\ncurrency = \"TZS\"\ndata_dir = \"blue\"\n\
             [api]\nlisten = \"127.0.0.1:9001\"\nweb_dir = \"../dist/web\"\n",
        );
        let c = Config::load_with_env(Some(&path), no_env()).unwrap();
        assert_eq!(c.hub.fsp_id, "bluebank");
        assert_eq!(c.hub.data_dir, dir.join("blue"));
        assert_eq!(c.api.listen.port(), 9001);
        assert_eq!(c.api.web_dir, Some(dir.join("../dist/web")));
        assert_eq!(
            c.auth.session_ttl_secs, 900,
            "unset keys keep their defaults"
        );
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn errors_name_the_key() {
        let dir = tmp();
        let path = write(&dir, "[hub]\nfsp_id = \"blue bank\"\n");
        let err = Config::load_with_env(Some(&path), no_env())
            .unwrap_err()
            .to_string();
        assert!(err.contains("hub.fsp_id"), "{err}");
        let path = write(&dir, "[hub]\ncurrency = \"tzs\"\n");
        let err = Config::load_with_env(Some(&path), no_env())
            .unwrap_err()
            .to_string();
        assert!(err.contains("hub.currency"), "{err}");
        let path = write(&dir, "[api]\nlisten = \"not an address\"\n");
        let err = Config::load_with_env(Some(&path), no_env())
            .unwrap_err()
            .to_string();
        assert!(err.contains("listen"), "{err}");
        let path = write(&dir, "[api]\nlisen = \"127.0.0.1:1\"\n");
        let err = Config::load_with_env(Some(&path), no_env())
            .unwrap_err()
            .to_string();
        assert!(err.contains("lisen"), "unknown keys are refused: {err}");
        let missing = dir.join("missing.toml");
        assert!(Config::load_with_env(Some(&missing), no_env()).is_err());
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    #[allow(clippy::result_large_err)] // figment's Jail closure type, not ours
    fn environment_overrides_the_file() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("hub.toml", "[api]\nlisten = \"127.0.0.1:9001\"\n")?;
            jail.set_env("KIPOCHI_API__LISTEN", "127.0.0.1:9555");
            jail.set_env("KIPOCHI_HUB__FSP_ID", "greenwallet");
            // Not a setting (no section separator): ignored, not refused.
            jail.set_env("KIPOCHI_HUB_BIN", "/usr/bin/true");
            let c = Config::load(Some(Path::new("hub.toml"))).map_err(|e| e.to_string())?;
            assert_eq!(c.api.listen.port(), 9555);
            assert_eq!(c.hub.fsp_id, "greenwallet");
            Ok(())
        });
    }

    #[test]
    fn accounts_section_selects_fineract_and_hides_secrets() {
        let dir = tmp();
        let path = write(
            &dir,
            "[accounts]\nkind = \"fineract\"\n[accounts.fineract]\n\
             base_url = \"https://fineract.example/fineract-provider/api/v1\"\n\
             tenant = \"default\"\nusername = \"hub\"\npassword = \"s3cret\"\n\
             wallet_product_id = 4\n",
        );
        let c = Config::load_with_env(Some(&path), no_env()).unwrap();
        assert_eq!(c.accounts.kind, crate::fineract::AccountsKind::Fineract);
        let f = c.accounts.fineract.as_ref().unwrap();
        assert_eq!(
            (f.wallet_product_id, f.office_id, f.timeout_secs),
            (4, 1, 30)
        );
        let printed = toml::to_string(&c).unwrap();
        assert!(!printed.contains("s3cret"), "{printed}");
        assert!(!format!("{c:?}").contains("s3cret"));

        let path = write(&dir, "[accounts]\nkind = \"fineract\"\n");
        let err = Config::load_with_env(Some(&path), no_env())
            .unwrap_err()
            .to_string();
        assert!(err.contains("accounts.fineract"), "{err}");
        let path = write(
            &dir,
            "[accounts]\nkind = \"fineract\"\n[accounts.fineract]\nbase_url = \"ftp://x\"\n\
             tenant = \"t\"\nusername = \"u\"\npassword = \"p\"\nwallet_product_id = 1\n",
        );
        let err = Config::load_with_env(Some(&path), no_env())
            .unwrap_err()
            .to_string();
        assert!(err.contains("accounts.fineract.base_url"), "{err}");
        let path = write(&dir, "[accounts]\nkind = \"oracle\"\n");
        assert!(Config::load_with_env(Some(&path), no_env()).is_err());
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn quote_and_transfer_lifetimes() {
        let e = Config::default().expiry();
        assert_eq!((e.quote_ms, e.transfer_ms), (300_000, 60_000));
        assert_eq!(e, crate::orchestrator::Expiry::default());
        let dir = tmp();
        let path = write(&dir, "[hub]\nquote_ttl_secs = 2\ntransfer_ttl_secs = 3\n");
        let e = Config::load_with_env(Some(&path), no_env())
            .unwrap()
            .expiry();
        assert_eq!((e.quote_ms, e.transfer_ms), (2_000, 3_000));
        for (key, bad) in [("quote_ttl_secs", 0), ("transfer_ttl_secs", 601)] {
            let path = write(&dir, &format!("[hub]\n{key} = {bad}\n"));
            let err = Config::load_with_env(Some(&path), no_env())
                .unwrap_err()
                .to_string();
            assert!(err.contains(&format!("hub.{key}")), "{err}");
        }
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn auth_units() {
        let a = Config::default().auth_config();
        assert_eq!(a.session_ttl_ms, 900_000);
        assert_eq!(a.activation_ttl_ms, 168 * 3600 * 1000);
        assert_eq!(a.pin_memory_ms, 300_000);
        let dir = tmp();
        let path = write(&dir, "[auth]\npin_memory_secs = 0\n");
        let c = Config::load_with_env(Some(&path), no_env()).unwrap();
        assert_eq!(c.auth_config().pin_memory_ms, 0);
        let path = write(&dir, "[auth]\npin_memory_secs = 3601\n");
        let err = Config::load_with_env(Some(&path), no_env())
            .unwrap_err()
            .to_string();
        assert!(err.contains("auth.pin_memory_secs"), "{err}");
        std::fs::remove_dir_all(dir).unwrap();
    }
}
