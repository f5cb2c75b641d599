//! A customer's side of the hub's wallet API (`/api/v1`) as an app drives it: log in, register a
//! device key, read the balance, quote a payment and approve it with the device signature.

use anyhow::{Context, bail};
use kipochi_core::api::Quote;
use kipochi_core::approval;
use kipochi_core::keys::DeviceKey;
use kipochi_core::money::{Amount, Currency};
use serde_json::{Value, json};

/// One logged-in user at one hub.
pub struct Wallet {
    http: reqwest::Client,
    base: String,
    token: String,
    key: Option<DeviceKey>,
}

/// `(status, JSON body or null)` of one call.
pub type Answer = (u16, Value);

impl Wallet {
    /// Logs `phone` in at the hub whose wallet API is `base`.
    pub async fn login(base: &str, phone: &str, pin: &str) -> anyhow::Result<Wallet> {
        let mut w = Wallet {
            http: reqwest::Client::new(),
            base: base.to_string(),
            token: String::new(),
            key: None,
        };
        let (status, body) = w
            .call(
                reqwest::Method::POST,
                "/api/v1/auth/login",
                Some(json!({"phone": phone, "pin": pin})),
            )
            .await?;
        if status != 200 {
            bail!("login {phone}: {status} {body}");
        }
        w.token = body["token"].as_str().context("no token")?.to_string();
        Ok(w)
    }

    /// One call with the bearer token.
    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> anyhow::Result<Answer> {
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await?;
        let status = res.status().as_u16();
        Ok((status, res.json().await.unwrap_or(Value::Null)))
    }

    /// Registers the device key made from `seed`; approvals are signed with it.
    pub async fn register_device(&mut self, seed: u8) -> anyhow::Result<()> {
        let key = DeviceKey::from_secret_bytes(&[seed; 32]);
        let body = json!({"public_key": key.public_key().to_base64url(), "label": "e2e"});
        let (status, body) = self
            .call(reqwest::Method::POST, "/api/v1/devices", Some(body))
            .await?;
        if status != 200 {
            bail!("device: {status} {body}");
        }
        self.key = Some(key);
        Ok(())
    }

    /// The available balance as the hub writes it (exact decimal text).
    pub async fn available(&self) -> anyhow::Result<String> {
        let (status, body) = self
            .call(reqwest::Method::GET, "/api/v1/balance", None)
            .await?;
        if status != 200 {
            bail!("balance: {status} {body}");
        }
        Ok(body["available"]
            .as_str()
            .context("no available")?
            .to_string())
    }

    /// `POST /api/v1/payments` (quote) for `target`, a new payment id.
    pub async fn quote(&self, target: Value, amount: Option<&str>) -> anyhow::Result<Answer> {
        let id = uuid::Uuid::new_v4().to_string();
        let body = json!({"payment_id": id, "target": target, "amount": amount, "currency": null, "note": null});
        self.call(reqwest::Method::POST, "/api/v1/payments", Some(body))
            .await
    }

    /// Approves `quote` (the JSON of a 200 quote answer) with the PIN and the device signature
    /// over the terms the core builds from it.
    pub async fn approve(&self, quote: &Value, pin: &str) -> anyhow::Result<Answer> {
        let key = self.key.as_ref().context("no device registered")?;
        let id = quote["payment_id"].as_str().context("no payment_id")?;
        let body =
            json!({"pin": pin, "device_id": key.device_id(), "signature": sign(quote, key)?});
        let path = format!("/api/v1/payments/{id}/approve");
        self.call(reqwest::Method::POST, &path, Some(body)).await
    }
}

/// The device signature (base64url) over the approval terms the core builds from a quote's
/// JSON (a 200 answer of `POST /api/v1/payments`), exactly as the app signs them.
pub fn sign(quote: &Value, key: &DeviceKey) -> anyhow::Result<String> {
    let q: Quote = serde_json::from_value(quote.clone())?;
    Ok(approval::sign(&q.approval_terms(&key.device_id()), key)?.signature)
}

/// An exact decimal text in minor units of `currency` (ISO 4217 code), never through a float.
pub fn minor(text: &str, currency: &str) -> anyhow::Result<i64> {
    let c = Currency::from_alpha(currency).with_context(|| format!("currency {currency}"))?;
    let a: Amount = text.parse().map_err(|e| anyhow::anyhow!("{text}: {e:?}"))?;
    a.to_minor_units(c)
        .map_err(|e| anyhow::anyhow!("{text}: {e:?}"))
}
