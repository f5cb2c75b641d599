//! The hub client: every `/api/v1` call the wallet makes, over reqwest (hyper + rustls natively,
//! the browser's `fetch` in wasm32). Feature `client` (on with `native` and `web`).
//!
//! Thin on purpose: it turns calls into HTTP and answers into [`crate::api`] types or a
//! [`ClientError`] carrying the hub's stable code. State (session, balances, cached history with
//! age) lives in [`crate::state::WalletModel`] and [`crate::store::WalletStore`]; the app feeds
//! them with what this client returns.
//!
//! - **Session**: [`HubClient::login`] keeps the bearer token in memory only (the store never
//!   holds it); [`HubClient::set_token`] restores one the app kept in its secure storage.
//! - **Timeouts**: every call has [`ClientConfig::timeout`]; the event stream instead has an
//!   idle timeout (the hub sends a keep-alive every 15 s).
//! - **Approval**: [`HubClient::approve`] signs `Quote::approval_terms` with the device key via
//!   [`crate::approval::sign`], the exact bytes the hub verifies.
//! - **Live events**: [`HubClient::events`] is an [`EventStream`] (SSE, reconnect with backoff,
//!   cancellable).
//! - **Outbox**: [`OutboxTransport`] delivers queued onboardings with their id as
//!   `Idempotency-Key`.

mod admin;
mod calls;
mod error;
mod events;
mod sleep;
pub mod sse;
mod transport;

pub use admin::PaymentSearch;
pub use error::ClientError;
pub use events::{EventStream, LiveEvent};
#[cfg(target_arch = "wasm32")]
pub use sleep::BrowserSleeper;
#[cfg(any(target_arch = "wasm32", feature = "tokio"))]
pub use sleep::DefaultSleeper;
#[cfg(all(feature = "tokio", not(target_arch = "wasm32")))]
pub use sleep::TokioSleeper;
pub use sleep::{Backoff, CancelHandle, Sleeper};
pub use transport::OutboxTransport;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::{Method, RequestBuilder};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// Result of a hub call.
pub type ClientResult<T> = std::result::Result<T, ClientError>;

/// How to reach the hub.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientConfig {
    /// The hub's origin, e.g. `https://wallet.example.org` (no `/api/v1`).
    pub base_url: String,
    /// Deadline of one call (connect + request + answer).
    pub timeout: Duration,
    /// The event stream reconnects when nothing (not even a keep-alive) came for this long.
    pub events_idle_timeout: Duration,
    /// Reconnect delays of the event stream.
    pub backoff: Backoff,
}

impl ClientConfig {
    /// Defaults for `base_url`: 20 s per call, 45 s events idle timeout (3 missed keep-alives).
    pub fn new(base_url: impl Into<String>) -> Self {
        Self {
            base_url: base_url.into(),
            timeout: Duration::from_secs(20),
            events_idle_timeout: Duration::from_secs(45),
            backoff: Backoff::default(),
        }
    }
}

/// A client of one hub. Cheap to clone; clones share the session.
#[derive(Clone)]
pub struct HubClient {
    http: reqwest::Client,
    api: Arc<str>,
    config: ClientConfig,
    token: Arc<Mutex<Option<String>>>,
}

/// Never prints the token.
impl std::fmt::Debug for HubClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HubClient")
            .field("api", &self.api)
            .field("logged_in", &self.token().is_some())
            .finish()
    }
}

impl HubClient {
    /// A client for `config.base_url`. Refuses a URL that is not `http(s)://host...`.
    pub fn new(config: ClientConfig) -> ClientResult<Self> {
        let base = config.base_url.trim_end_matches('/');
        let ok_scheme = base.starts_with("https://") || base.starts_with("http://");
        if !ok_scheme || base.len() <= "https://".len() {
            return Err(ClientError::InvalidInput(
                "the hub URL must start with http:// or https://".into(),
            ));
        }
        let api: Arc<str> = format!("{base}/api/v1").into();
        reqwest::Url::parse(&api)
            .map_err(|_| ClientError::InvalidInput("the hub URL is not a valid URL".into()))?;
        Ok(Self {
            http: build_http(&config)?,
            api,
            config,
            token: Arc::new(Mutex::new(None)),
        })
    }

    /// The configuration this client was made with.
    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// Sets (or clears) the bearer token, e.g. one restored from the app's secure storage.
    pub fn set_token(&self, token: Option<String>) {
        *self.token.lock().unwrap_or_else(|p| p.into_inner()) = token;
    }

    /// The current bearer token, for the app to keep in its secure storage.
    pub fn token(&self) -> Option<String> {
        self.token.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    fn bearer(&self) -> ClientResult<String> {
        self.token().ok_or(ClientError::NoSession)
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.api)
    }

    /// A request to `/api/v1{path}`, with the bearer token when `auth`.
    fn request(&self, method: Method, path: &str, auth: bool) -> ClientResult<RequestBuilder> {
        let req = self
            .http
            .request(method, self.url(path))
            .timeout(self.config.timeout)
            .header("accept", "application/json");
        Ok(if auth {
            req.bearer_auth(self.bearer()?)
        } else {
            req
        })
    }

    /// Sends `req` and decodes a 2xx JSON answer; maps anything else to [`ClientError`].
    async fn send<T: DeserializeOwned>(&self, req: RequestBuilder) -> ClientResult<T> {
        let body = self.send_raw(req).await?;
        serde_json::from_slice(&body)
            .map_err(|_| ClientError::Protocol("the answer is not the expected JSON".into()))
    }

    /// Sends `req`; returns the body of a 2xx answer.
    async fn send_raw(&self, req: RequestBuilder) -> ClientResult<Vec<u8>> {
        let res = req.send().await.map_err(ClientError::from_reqwest)?;
        let status = res.status().as_u16();
        let body = res.bytes().await.map_err(ClientError::from_reqwest)?;
        if (200..300).contains(&status) {
            Ok(body.to_vec())
        } else {
            Err(ClientError::from_status_body(status, &body))
        }
    }

    async fn get<T: DeserializeOwned>(&self, path: &str) -> ClientResult<T> {
        self.send(self.request(Method::GET, path, true)?).await
    }

    async fn post<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
        auth: bool,
    ) -> ClientResult<T> {
        self.send(self.request(Method::POST, path, auth)?.json(body))
            .await
    }
}

#[cfg(not(target_arch = "wasm32"))]
fn build_http(config: &ClientConfig) -> ClientResult<reqwest::Client> {
    reqwest::Client::builder()
        .connect_timeout(config.timeout)
        .build()
        .map_err(|_| ClientError::InvalidInput("the HTTP client could not be set up".into()))
}

#[cfg(target_arch = "wasm32")]
fn build_http(_config: &ClientConfig) -> ClientResult<reqwest::Client> {
    Ok(reqwest::Client::new())
}

/// Checks an id that goes into a URL path (payment ids are UUIDs made on the device).
fn path_id(id: &str) -> ClientResult<&str> {
    let ok = !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        Ok(id)
    } else {
        Err(ClientError::InvalidInput("malformed id".into()))
    }
}

/// `?cursor=..&limit=..` with the cursor percent-encoded (it is opaque).
fn page_query(cursor: Option<&str>, limit: Option<u32>) -> String {
    let mut parts = Vec::new();
    if let Some(c) = cursor {
        let mut enc = String::with_capacity(c.len());
        for b in c.bytes() {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
                enc.push(char::from(b));
            } else {
                enc.push_str(&format!("%{b:02X}"));
            }
        }
        parts.push(format!("cursor={enc}"));
    }
    if let Some(l) = limit {
        parts.push(format!("limit={l}"));
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!("?{}", parts.join("&"))
    }
}

#[cfg(test)]
mod tests;
