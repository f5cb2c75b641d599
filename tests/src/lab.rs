//! A client of a running lab (`kipochi-hub lab`) for end-to-end tests: its service URLs, the
//! wallet API as an app calls it (login, device key, balance, quote + signed approval), and the
//! Fineract double's own API for checks behind the hub's back.

use std::collections::HashMap;
use std::time::Duration;

use anyhow::{Context, bail};
use kipochi_core::keys::DeviceKey;
use kipochi_core::money::{Amount, Currency};
use kipochi_core::qr::{MerchantQr, PartyId, PartyIdType};
use serde_json::value::RawValue;
use serde_json::{Value, json};

use crate::Proc;
use crate::wallet::sign;

/// Every demo user's PIN.
pub const PIN: &str = "2580";

/// A running lab.
pub struct Lab {
    /// The `kipochi-hub lab` process (its children stop with it).
    pub proc: Proc,
    /// Service name → base URL, from the lab's `service NAME URL` lines.
    pub urls: HashMap<String, String>,
    http: reqwest::Client,
}

impl Lab {
    /// Starts `kipochi-hub lab --base-port 0 --data-dir DATA` plus `extra` arguments.
    pub fn start(data: &str, extra: &[&str]) -> anyhow::Result<Self> {
        let mut args = vec!["lab", "--base-port", "0", "--data-dir", data];
        args.extend_from_slice(extra);
        let (proc, lines) = Proc::start_until("kipochi-hub", &args, "Kipochi lab ready")?;
        let urls = lines
            .iter()
            .filter_map(|l| l.strip_prefix("service "))
            .filter_map(|l| l.split_once(' '))
            .map(|(name, url)| (name.to_string(), url.to_string()))
            .collect();
        Ok(Self {
            proc,
            urls,
            http: reqwest::Client::new(),
        })
    }

    /// The base URL of `service`.
    pub fn url(&self, service: &str) -> anyhow::Result<&str> {
        self.urls
            .get(service)
            .map(String::as_str)
            .with_context(|| format!("no service {service}"))
    }

    /// One wallet-API call: (status, JSON body or null).
    pub async fn call(
        &self,
        method: reqwest::Method,
        url: String,
        token: Option<&str>,
        body: Option<Value>,
    ) -> anyhow::Result<(u16, Value)> {
        let mut req = self.http.request(method, url);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await?;
        let status = res.status().as_u16();
        Ok((status, res.json().await.unwrap_or(Value::Null)))
    }

    /// Logs a demo user in; returns the bearer token.
    pub async fn login(&self, dfsp: &str, phone: &str) -> anyhow::Result<String> {
        let url = format!("{}/api/v1/auth/login", self.url(dfsp)?);
        let body = json!({"phone": phone, "pin": PIN});
        let (status, body) = self
            .call(reqwest::Method::POST, url, None, Some(body))
            .await?;
        if status != 200 {
            bail!("login {phone}: {status} {body}");
        }
        body["token"]
            .as_str()
            .map(str::to_string)
            .context("no token")
    }

    /// Registers the device key made from `seed`.
    pub async fn device(&self, dfsp: &str, token: &str, seed: u8) -> anyhow::Result<DeviceKey> {
        let key = DeviceKey::from_secret_bytes(&[seed; 32]);
        let url = format!("{}/api/v1/devices", self.url(dfsp)?);
        let body = json!({"public_key": key.public_key().to_base64url(), "label": "e2e"});
        let (status, body) = self
            .call(reqwest::Method::POST, url, Some(token), Some(body))
            .await?;
        if status != 200 {
            bail!("device: {status} {body}");
        }
        Ok(key)
    }

    /// `GET /balance`: (ledger, available) as the hub's decimal strings.
    pub async fn balance(&self, dfsp: &str, token: &str) -> anyhow::Result<(String, String)> {
        let url = format!("{}/api/v1/balance", self.url(dfsp)?);
        let (status, body) = self
            .call(reqwest::Method::GET, url, Some(token), None)
            .await?;
        if status != 200 {
            bail!("balance: {status} {body}");
        }
        let s = |k: &str| body[k].as_str().unwrap_or_default().to_string();
        Ok((s("ledger"), s("available")))
    }

    /// Polls the available balance until it is `want` (credits may follow the switch's PATCH).
    pub async fn wait_available(&self, dfsp: &str, token: &str, want: &str) -> anyhow::Result<()> {
        let mut got = String::new();
        for _ in 0..200 {
            got = self.balance(dfsp, token).await?.1;
            if got == want {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        bail!("{dfsp} balance is {got}, expected {want}")
    }

    /// Quote then approve with the device key: (quote, final payment).
    pub async fn pay(
        &self,
        dfsp: &str,
        token: &str,
        key: &DeviceKey,
        target: Value,
        amount: Option<&str>,
    ) -> anyhow::Result<(Value, Value)> {
        let base = self.url(dfsp)?;
        let id = uuid::Uuid::new_v4().to_string();
        let body = json!({"payment_id": id, "target": target, "amount": amount, "currency": null, "note": null});
        let (status, quote) = self
            .call(
                reqwest::Method::POST,
                format!("{base}/api/v1/payments"),
                Some(token),
                Some(body),
            )
            .await?;
        if status != 200 {
            bail!("quote: {status} {quote}");
        }
        let body =
            json!({"pin": PIN, "device_id": key.device_id(), "signature": sign(&quote, key)?});
        let url = format!("{base}/api/v1/payments/{id}/approve");
        let (status, done) = self
            .call(reqwest::Method::POST, url, Some(token), Some(body))
            .await?;
        if status != 200 {
            bail!("approve: {status} {done}");
        }
        Ok((quote, done))
    }

    /// The savings account behind `phone` in the lab's Fineract double (see [`fineract_savings`]).
    pub async fn fineract_savings(&self, phone: &str) -> anyhow::Result<Savings> {
        fineract_savings(&self.http, self.url("fineract-double")?, phone).await
    }
}

/// `kipochi-hub lab --prepare --base-port 0 --data-dir DATA` plus `extra`: writes the lab's
/// configuration (free ports, seed files) without starting anything, for tests that adjust it
/// and run the processes themselves.
pub fn prepare(data: &str, extra: &[&str]) -> anyhow::Result<()> {
    let mut args = vec!["lab", "--prepare", "--base-port", "0", "--data-dir", data];
    args.extend_from_slice(extra);
    let out = std::process::Command::new(crate::binary("kipochi-hub")?)
        .args(&args)
        .output()?;
    if !out.status.success() {
        bail!("lab --prepare: {}", String::from_utf8_lossy(&out.stderr));
    }
    Ok(())
}

/// The dynamic QR of Mama Ntilie's till (`BUSINESS` 600200 at greenwallet, a demo merchant) for
/// `amount` TZS with reference `TABLE-4`, as the till shows it.
pub fn mama_ntilie_qr(amount: &str) -> anyhow::Result<String> {
    let till = PartyId {
        id_type: PartyIdType::Business,
        identifier: "600200".into(),
        sub_id: None,
    };
    let tzs = Currency::from_alpha("TZS").context("TZS")?;
    let amount: Amount = amount
        .parse()
        .map_err(|e| anyhow::anyhow!("{amount}: {e:?}"))?;
    MerchantQr::kipochi(&till, "5812", tzs, "TZ", "Mama Ntilie", "Dar")
        .for_payment(amount, Some("TABLE-4"), None)
        .encode()
        .map_err(|e| anyhow::anyhow!("QR: {e:?}"))
}

/// A savings account as the Fineract double renders it; amounts kept as their exact decimal text.
#[derive(Debug, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Savings {
    /// The holder's display name.
    pub client_name: String,
    /// Balances.
    pub summary: Summary,
    /// Total on hold.
    pub savings_amount_on_hold: Box<RawValue>,
    /// Transactions, newest first.
    #[serde(default)]
    pub transactions: Vec<Transaction>,
}

/// `summary` of a savings account.
#[derive(Debug, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    /// Booked balance.
    pub account_balance: Box<RawValue>,
}

/// One savings transaction.
#[derive(Debug, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Transaction {
    /// `{id}`: 1 deposit, 2 withdrawal, 4 withdrawal fee, 20 hold, 21 release.
    pub transaction_type: TypeId,
    /// Amount.
    pub amount: Box<RawValue>,
}

/// An enum option's id.
#[derive(Debug, serde::Deserialize)]
pub struct TypeId {
    /// The id.
    pub id: i64,
}

/// A Fineract decimal (`4500.000000`) in minor units of a 2-decimal currency, exactly.
pub fn minor_units(raw: &RawValue) -> anyhow::Result<i64> {
    crate::crash::minor(raw.get().trim_matches('"'))
}

/// The savings account (with its transactions) behind an MSISDN in the Fineract double at `base`
/// (`http://ADDR`), read through the double's Fineract API with the lab's credentials:
/// `GET /interoperation/parties/MSISDN/{phone}`, then `GET /savingsaccounts/external-id/{id}`.
pub async fn fineract_savings(
    http: &reqwest::Client,
    base: &str,
    phone: &str,
) -> anyhow::Result<Savings> {
    let base = format!("{base}/fineract-provider/api/v1");
    let get = |path: String| {
        http.get(format!("{base}{path}"))
            .header("Fineract-Platform-TenantId", "kipochi")
            .basic_auth("hub", Some("password"))
            .send()
    };
    let party: Value = get(format!("/interoperation/parties/MSISDN/{phone}"))
        .await?
        .json()
        .await?;
    let account = party["accountId"].as_str().context("no accountId")?;
    let text = get(format!(
        "/savingsaccounts/external-id/{account}?associations=transactions"
    ))
    .await?
    .text()
    .await?;
    Ok(serde_json::from_str(&text)?)
}
