//! What the lab runs: ports, the switch's and the two hubs' configuration files, and the demo
//! users with their known credentials. Pure: the files are text built here and written by `mod`.

use std::fmt::Write as _;
use std::net::{SocketAddr, TcpListener};
use std::path::Path;

use crate::auth::Role;

/// The lab's currency.
pub const CURRENCY: &str = "TZS";
/// Every demo user's PIN.
pub const DEMO_PIN: &str = "2580";

/// One DFSP of the lab.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dfsp {
    pub fsp_id: &'static str,
    /// Wallet API and web UI.
    pub api: SocketAddr,
    /// FSPIOP listener (the switch's callback URL for this DFSP).
    pub fspiop: SocketAddr,
    pub users: Vec<DemoLogin>,
}

/// A demo user as the lab prints and seeds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DemoLogin {
    pub phone: &'static str,
    pub name: &'static str,
    pub role: Role,
    /// Opening balance, exact decimal in TZS.
    pub balance: &'static str,
    pub till: Option<&'static str>,
}

/// The whole lab.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    pub switch: SocketAddr,
    pub dfsps: Vec<Dfsp>,
    /// With `--fineract-double`: the double's address; [`FINERACT_DFSP`] keeps its accounts there.
    pub fineract_double: Option<SocketAddr>,
}

/// The DFSP whose accounts live in Fineract (the double) with `--fineract-double`.
pub const FINERACT_DFSP: &str = "greenwallet";

/// Port of the Fineract double, after the base port.
const FINERACT_OFFSET: u16 = 20;

fn user(
    phone: &'static str,
    name: &'static str,
    role: Role,
    balance: &'static str,
    till: Option<&'static str>,
) -> DemoLogin {
    DemoLogin {
        phone,
        name,
        role,
        balance,
        till,
    }
}

impl Plan {
    /// The lab on fixed ports from `base` (switch `base`, bluebank API `base+1` and FSPIOP
    /// `base+11`, greenwallet `base+2` / `base+12`), or on free ports the OS picks when `base` is 0.
    pub fn new(base: u16) -> std::io::Result<Self> {
        let port = |offset: u16| -> std::io::Result<SocketAddr> {
            if base == 0 {
                // Ask the OS for a free port, then release it for the child to bind.
                TcpListener::bind("127.0.0.1:0")?.local_addr()
            } else {
                let p = base.checked_add(offset).ok_or_else(|| {
                    std::io::Error::new(std::io::ErrorKind::InvalidInput, "base port too high")
                })?;
                Ok(SocketAddr::from(([127, 0, 0, 1], p)))
            }
        };
        Ok(Self {
            switch: port(0)?,
            dfsps: vec![
                Dfsp {
                    fsp_id: "bluebank",
                    api: port(1)?,
                    fspiop: port(11)?,
                    users: vec![
                        user(
                            "255711000001",
                            "Juma Bakari",
                            Role::Customer,
                            "500000",
                            None,
                        ),
                        user(
                            "255711000002",
                            "Rehema Ally",
                            Role::Customer,
                            "250000",
                            None,
                        ),
                        user(
                            "255711000003",
                            "Duka la Baraka",
                            Role::Merchant,
                            "0",
                            Some("500100"),
                        ),
                        user("255711000004", "Agent Salim", Role::Agent, "1000000", None),
                        user("255711000009", "Blue Admin", Role::Admin, "0", None),
                    ],
                },
                Dfsp {
                    fsp_id: "greenwallet",
                    api: port(2)?,
                    fspiop: port(12)?,
                    users: vec![
                        user(
                            "255722000001",
                            "Neema Mushi",
                            Role::Customer,
                            "300000",
                            None,
                        ),
                        user(
                            "255722000002",
                            "Baraka John",
                            Role::Customer,
                            "100000",
                            None,
                        ),
                        user(
                            "255722000003",
                            "Mama Ntilie",
                            Role::Merchant,
                            "0",
                            Some("600200"),
                        ),
                        user("255722000004", "Agent Zawadi", Role::Agent, "1000000", None),
                        user("255722000009", "Green Admin", Role::Admin, "0", None),
                    ],
                },
            ],
            fineract_double: None,
        })
    }

    /// Puts [`FINERACT_DFSP`]'s accounts on a Fineract double at `base + 20` (or a free port when
    /// `base` is 0).
    pub fn with_fineract_double(mut self, base: u16) -> std::io::Result<Self> {
        let addr = if base == 0 {
            TcpListener::bind("127.0.0.1:0")?.local_addr()?
        } else {
            let p = base.checked_add(FINERACT_OFFSET).ok_or_else(|| {
                std::io::Error::new(std::io::ErrorKind::InvalidInput, "base port too high")
            })?;
            SocketAddr::from(([127, 0, 0, 1], p))
        };
        self.fineract_double = Some(addr);
        Ok(self)
    }

    /// The `[accounts]` section of `d`'s hub: Fineract (the double) for [`FINERACT_DFSP`] when the
    /// lab runs one, else nothing (the embedded ledger).
    fn accounts_section(&self, d: &Dfsp) -> String {
        use crate::fineract_double as double;
        match self.fineract_double {
            Some(addr) if d.fsp_id == FINERACT_DFSP => format!(
                "\n# Accounts in the lab's Fineract double (`kipochi-hub fineract-double`).\n\
                 [accounts]\nkind = \"fineract\"\n\n[accounts.fineract]\n\
                 base_url = \"http://{addr}{}\"\ntenant = \"{}\"\nusername = \"{}\"\n\
                 password = \"{}\"\nwallet_product_id = {}\npayment_type_id = {}\n",
                double::PREFIX,
                double::TENANT,
                double::USER,
                double::PASSWORD,
                double::WALLET_PRODUCT,
                double::CASH_PAYMENT_TYPE,
            ),
            _ => String::new(),
        }
    }

    /// `switch.toml`.
    pub fn switch_config(&self, data_dir: &Path) -> String {
        let mut s = format!(
            "# Written by `kipochi-hub lab`; see docs/switch.md.\nfsp_id = \"switch\"\n\
             listen = \"{}\"\ndata_dir = {:?}\n",
            self.switch,
            data_dir.join("switch").display().to_string()
        );
        for d in &self.dfsps {
            let _ = write!(
                s,
                "\n[[participants]]\nfsp_id = \"{}\"\ncallback_url = \"http://{}\"\n\
                 currency = \"{CURRENCY}\"\nnet_debit_cap = \"100000000\"\n",
                d.fsp_id, d.fspiop
            );
        }
        s
    }

    /// `<fsp>.toml` for one hub. The ILP secret is the lab's, derived from the FSP id: a lab is
    /// a demo, never a deployment (docs/config.md says how to set a real one).
    pub fn hub_config(&self, d: &Dfsp, data_dir: &Path, web_dir: Option<&Path>) -> String {
        let mut s = format!(
            "# Written by `kipochi-hub lab`; see docs/config.md.\n[hub]\nfsp_id = \"{}\"\n\
             currency = \"{CURRENCY}\"\ndata_dir = {:?}\n\n[api]\nlisten = \"{}\"\n",
            d.fsp_id,
            data_dir.join(d.fsp_id).display().to_string(),
            d.api
        );
        if let Some(web) = web_dir {
            let _ = writeln!(s, "web_dir = {:?}", web.display().to_string());
        }
        let _ = write!(
            s,
            "\n[fspiop]\nswitch_url = \"http://{}\"\nlisten = \"{}\"\n\
             ilp_secret = \"lab-only-ilp-secret-{}\"\npayee_mode = \"reserve\"\n",
            self.switch, d.fspiop, d.fsp_id
        );
        s.push_str(&self.accounts_section(d));
        s
    }

    /// `<fsp>-users.toml`: the demo users `serve --seed` creates.
    pub fn seed_file(&self, d: &Dfsp) -> String {
        let mut s = String::from("# Demo users written by `kipochi-hub lab`.\n");
        for u in &d.users {
            let _ = write!(
                s,
                "\n[[users]]\nphone = \"{}\"\nname = \"{}\"\nrole = \"{}\"\npin = \"{DEMO_PIN}\"\n\
                 balance = \"{}\"\n",
                u.phone,
                u.name,
                crate::auth::role_str(u.role),
                u.balance
            );
            if let Some(till) = u.till {
                let _ = writeln!(s, "till = \"{till}\"");
            }
        }
        s
    }

    /// The table printed when the lab is up.
    pub fn table(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "  {:<12} {:<28} what", "service", "URL");
        for d in &self.dfsps {
            let _ = writeln!(
                s,
                "  {:<12} {:<28} wallet web UI and /api/v1 (FSPIOP on http://{})",
                d.fsp_id,
                format!("http://{}", d.api),
                d.fspiop
            );
        }
        if let Some(addr) = self.fineract_double {
            let _ = writeln!(
                s,
                "  {:<12} {:<28} Fineract double (test/demo only) with {FINERACT_DFSP}'s accounts",
                "fineract",
                format!("http://{addr}")
            );
        }
        let _ = writeln!(
            s,
            "  {:<12} {:<28} FSPIOP switch (lab)\n",
            "switch",
            format!("http://{}", self.switch)
        );
        let _ = writeln!(
            s,
            "  {:<12} {:<9} {:<16} {:<13} {:<5} {:<7} balance",
            "DFSP", "role", "name", "phone", "PIN", "till"
        );
        for d in &self.dfsps {
            for u in &d.users {
                let _ = writeln!(
                    s,
                    "  {:<12} {:<9} {:<16} {:<13} {:<5} {:<7} {} {CURRENCY}",
                    d.fsp_id,
                    crate::auth::role_str(u.role),
                    u.name,
                    u.phone,
                    DEMO_PIN,
                    u.till.unwrap_or("-"),
                    u.balance
                );
            }
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::switch::SwitchConfig;

    #[test]
    fn generated_configs_load_and_validate() {
        let plan = Plan::new(4000).unwrap();
        let dir = tempfile::tempdir().unwrap();
        SwitchConfig::parse(&plan.switch_config(dir.path())).unwrap();
        for d in &plan.dfsps {
            let path = dir.path().join(format!("{}.toml", d.fsp_id));
            std::fs::write(&path, plan.hub_config(d, dir.path(), None)).unwrap();
            let c = Config::load(Some(&path)).unwrap();
            assert_eq!(c.hub.fsp_id, d.fsp_id);
            assert_eq!(c.fspiop.unwrap().listen, d.fspiop);
            let seed: crate::lab::seed::SeedFile = toml::from_str(&plan.seed_file(d)).unwrap();
            assert_eq!(seed.users.len(), d.users.len());
        }
    }

    #[test]
    fn fineract_double_config_puts_one_dfsp_on_fineract() {
        let plan = Plan::new(4000).unwrap().with_fineract_double(4000).unwrap();
        assert_eq!(
            plan.fineract_double,
            Some("127.0.0.1:4020".parse().unwrap())
        );
        let dir = tempfile::tempdir().unwrap();
        for d in &plan.dfsps {
            let path = dir.path().join(format!("{}.toml", d.fsp_id));
            std::fs::write(&path, plan.hub_config(d, dir.path(), None)).unwrap();
            let c = Config::load(Some(&path)).unwrap();
            let on_fineract = c.accounts.kind == crate::fineract::AccountsKind::Fineract;
            assert_eq!(on_fineract, d.fsp_id == FINERACT_DFSP, "{}", d.fsp_id);
            if on_fineract {
                let f = c.accounts.fineract.unwrap();
                assert_eq!(f.base_url, "http://127.0.0.1:4020/fineract-provider/api/v1");
            }
        }
        assert!(plan.table().contains("Fineract double"));
    }

    #[test]
    fn fixed_ports_are_distinct_and_os_ports_are_free() {
        for base in [4000, 0] {
            let plan = Plan::new(base).unwrap();
            let mut all = vec![plan.switch];
            for d in &plan.dfsps {
                all.extend([d.api, d.fspiop]);
            }
            let n = all.len();
            all.sort();
            all.dedup();
            assert_eq!(all.len(), n, "{base}");
        }
        assert!(Plan::new(65_530).is_err());
    }

    #[test]
    fn table_lists_every_login() {
        let plan = Plan::new(4000).unwrap();
        let t = plan.table();
        for d in &plan.dfsps {
            for u in &d.users {
                assert!(t.contains(u.phone), "{t}");
            }
        }
        assert!(t.contains("http://127.0.0.1:4001"));
    }
}
