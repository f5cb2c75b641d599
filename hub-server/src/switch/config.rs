//! The switch's TOML configuration: its own FSP id, listen address, data folder and the
//! participant registry (FSP id → callback base URL, currency, net debit cap).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::error::{Error, Result};
use crate::fspiop::primitives::{Amount, Currency, FspId};

/// One DFSP connected to the switch.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParticipantConfig {
    /// The DFSP's FSP id (`FSPIOP-Source` of its requests).
    pub fsp_id: FspId,
    /// Base URL of the DFSP's FSPIOP endpoint (`{callback_url}/parties/...`).
    pub callback_url: String,
    /// The one currency the DFSP settles in.
    pub currency: Currency,
    /// Net debit cap, an exact decimal in `currency` (e.g. `"1000000"` or `"2500.50"`).
    pub net_debit_cap: Amount,
}

/// The whole `kipochi-hub switch` configuration file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SwitchConfig {
    /// FSP id the switch uses as `FSPIOP-Source` of the callbacks it originates.
    #[serde(default = "default_fsp_id")]
    pub fsp_id: FspId,
    /// Address to listen on (port 0 picks a free port; the bound address is printed).
    pub listen: SocketAddr,
    /// Folder for the switch database (`switch.sqlite3`).
    pub data_dir: PathBuf,
    /// How often reserved transfers are checked for expiry, in milliseconds.
    #[serde(default = "default_expiry_check_ms")]
    pub expiry_check_ms: u64,
    /// The connected DFSPs.
    #[serde(default)]
    pub participants: Vec<ParticipantConfig>,
}

fn default_fsp_id() -> FspId {
    FspId::try_from("switch".to_owned()).unwrap_or_else(|_| unreachable!("valid literal"))
}

fn default_expiry_check_ms() -> u64 {
    1000
}

/// A participant with its cap converted to minor units.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Participant {
    /// Configured values.
    pub config: ParticipantConfig,
    /// Net debit cap in minor units of `config.currency`.
    pub cap_minor: i64,
}

impl SwitchConfig {
    /// Reads and checks a TOML file.
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::Config(format!("cannot read {}: {e}", path.display())))?;
        Self::parse(&text)
    }

    /// Parses and checks TOML text.
    pub fn parse(text: &str) -> Result<Self> {
        let config: Self = toml::from_str(text).map_err(|e| Error::Config(e.to_string()))?;
        config.registry()?;
        Ok(config)
    }

    /// The participant registry keyed by FSP id; refuses duplicates, bad URLs and caps.
    pub fn registry(&self) -> Result<HashMap<FspId, Participant>> {
        let mut out = HashMap::new();
        for p in &self.participants {
            if !(p.callback_url.starts_with("http://") || p.callback_url.starts_with("https://")) {
                return Err(Error::Config(format!(
                    "participant {}: callback_url must be an http(s) URL",
                    p.fsp_id
                )));
            }
            let cap_minor = p
                .net_debit_cap
                .to_minor_units(p.currency.scale())
                .ok()
                .and_then(|v| i64::try_from(v).ok())
                .ok_or_else(|| {
                    Error::Config(format!(
                        "participant {}: net_debit_cap does not fit {}",
                        p.fsp_id, p.currency
                    ))
                })?;
            let mut config = p.clone();
            config.callback_url = config.callback_url.trim_end_matches('/').to_owned();
            if out
                .insert(p.fsp_id.clone(), Participant { config, cap_minor })
                .is_some()
            {
                return Err(Error::Config(format!(
                    "participant {} listed twice",
                    p.fsp_id
                )));
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = r#"
listen = "127.0.0.1:0"
data_dir = "/tmp/x"
[[participants]]
fsp_id = "bluebank"
callback_url = "http://127.0.0.1:1/"
currency = "TZS"
net_debit_cap = "1000.5"
"#;

    #[test]
    fn parses_and_converts_the_cap() {
        let c = SwitchConfig::parse(BASE).unwrap();
        assert_eq!(c.fsp_id.as_str(), "switch");
        let reg = c.registry().unwrap();
        let p = &reg[&"bluebank".parse::<FspId>().unwrap()];
        assert_eq!(p.cap_minor, 100_050);
        assert_eq!(p.config.callback_url, "http://127.0.0.1:1");
    }

    #[test]
    fn refuses_bad_registries() {
        let dup = format!("{BASE}{}", &BASE[BASE.find("[[").unwrap()..]);
        assert!(matches!(SwitchConfig::parse(&dup), Err(Error::Config(_))));
        let bad_cap = BASE.replace("1000.5", "1.001");
        assert!(matches!(
            SwitchConfig::parse(&bad_cap),
            Err(Error::Config(_))
        ));
        let bad_url = BASE.replace("http://127.0.0.1:1/", "ftp://x");
        assert!(matches!(
            SwitchConfig::parse(&bad_url),
            Err(Error::Config(_))
        ));
        assert!(SwitchConfig::parse("listen = 1").is_err());
    }
}
