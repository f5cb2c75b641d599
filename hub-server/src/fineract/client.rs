//! The HTTP client of one Fineract tenant: base URL, `Fineract-Platform-TenantId`, Basic auth or an
//! OAuth bearer token, an optional extra CA, a request timeout.

use std::time::Duration;

use base64::Engine;
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderValue};
use reqwest::{Method, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::FineractError;
use super::settings::{Auth, FineractSettings};

/// The tenant header Fineract reads (`TenantAwareBasicAuthenticationFilter`).
pub const TENANT_HEADER: &str = "Fineract-Platform-TenantId";
/// Fineract's generic idempotency header (`fineract.idempotency-key-header-name`).
pub const IDEMPOTENCY_HEADER: &str = "Idempotency-Key";

/// A configured client; cheap to clone.
#[derive(Clone)]
pub struct FineractClient {
    http: reqwest::Client,
    base: String,
}

impl FineractClient {
    /// Builds the client from the settings (fails on an unreadable CA or a bad header value).
    pub fn new(settings: &FineractSettings) -> Result<Self, FineractError> {
        let mut headers = HeaderMap::new();
        let value = |v: &str| {
            HeaderValue::from_str(v).map_err(|_| FineractError::Config("bad header value".into()))
        };
        headers.insert(TENANT_HEADER, value(&settings.tenant)?);
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        let mut auth = match &settings.auth() {
            Auth::Basic { username, password } => value(&format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(format!("{username}:{password}"))
            ))?,
            Auth::Bearer(token) => value(&format!("Bearer {token}"))?,
        };
        auth.set_sensitive(true);
        headers.insert(AUTHORIZATION, auth);
        let mut builder = reqwest::Client::builder()
            .default_headers(headers)
            .timeout(Duration::from_secs(settings.timeout_secs.max(1)));
        if let Some(path) = &settings.ca_cert {
            let pem = std::fs::read(path)
                .map_err(|e| FineractError::Config(format!("cannot read ca_cert: {e}")))?;
            let cert = reqwest::Certificate::from_pem(&pem)
                .map_err(|_| FineractError::Config("ca_cert is not a PEM certificate".into()))?;
            builder = builder.add_root_certificate(cert);
        }
        let http = builder
            .build()
            .map_err(|e| FineractError::Config(format!("http client: {e}")))?;
        Ok(Self {
            http,
            base: settings.base_url.trim_end_matches('/').to_owned(),
        })
    }

    /// `GET {base}{path}` → JSON.
    pub async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, FineractError> {
        self.send(Method::GET, path, None::<&()>, None).await
    }

    /// `POST {base}{path}` with a JSON body, optionally with an `Idempotency-Key`.
    pub async fn post<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
        idempotency_key: Option<&str>,
    ) -> Result<T, FineractError> {
        self.send(Method::POST, path, Some(body), idempotency_key)
            .await
    }

    async fn send<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
        idempotency_key: Option<&str>,
    ) -> Result<T, FineractError> {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(body) = body {
            let bytes = serde_json::to_vec(body)
                .map_err(|e| FineractError::Decode(format!("request body: {e}")))?;
            request = request.header(CONTENT_TYPE, "application/json").body(bytes);
        }
        if let Some(key) = idempotency_key {
            request = request.header(IDEMPOTENCY_HEADER, key);
        }
        let response = request
            .send()
            .await
            .map_err(|e| FineractError::Transport(without_url(&e)))?;
        let status = response.status();
        let bytes = response
            .bytes()
            .await
            .map_err(|e| FineractError::Transport(without_url(&e)))?;
        if !status.is_success() {
            return Err(FineractError::from_response(status.as_u16(), &bytes));
        }
        if status == StatusCode::NO_CONTENT {
            return serde_json::from_slice(b"null")
                .map_err(|e| FineractError::Decode(e.to_string()));
        }
        serde_json::from_slice(&bytes).map_err(|e| FineractError::Decode(e.to_string()))
    }
}

/// reqwest's messages include the URL, which may carry an alias (phone number): drop it.
fn without_url(e: &reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timeout"
    } else if e.is_connect() {
        "connection failed"
    } else if e.is_body() || e.is_decode() {
        "bad response body"
    } else {
        "request failed"
    };
    kind.to_owned()
}
