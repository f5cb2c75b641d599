//! A contract double of Apache Fineract on 127.0.0.1 for the adapter's tests (Fineract itself needs
//! Maven Central and Docker, which this machine has not). It serves exactly the endpoints the
//! adapter uses, with Fineract's request/response shapes, validation and quirks, keeps state in
//! memory and records every call; anything else is recorded as unexpected (tests assert none).
//!
//! Copied behaviour and its sources (`../shared/reference/fineract-and-payment-hub.md`, apache/fineract):
//! - transport (§2.1, `TenantAwareBasicAuthenticationFilter`): every request needs
//!   `Fineract-Platform-TenantId` naming a known tenant (else 400
//!   `error.msg.invalid.tenant.identifier`) and `Authorization: Basic` (or a bearer token when configured; else 401
//!   `error.msg.not.authenticated`); POST bodies must be `application/json` (415 otherwise);
//! - errors (§2.2 `ApiGlobalErrorResponse`): `{developerMessage, httpStatusCode (a string),
//!   defaultUserMessage, userMessageGlobalisationCode, errors[]}`; 400 validation, 403 domain rule,
//!   404 not found;
//! - `Idempotency-Key` (§1.8, `fineract-doc/.../architecture/idempotency.adoc`): a repeated POST
//!   with the same key replays the stored answer with `x-served-from-cache: true`; only successful
//!   commands are stored (a failed one is processed again);
//! - dates: writes carry `locale` + `dateFormat` (`dd MMMM yyyy`); reads render `LocalDate` as
//!   `[y, m, d]` (§2.3); amounts are rendered with six decimals like Fineract's BigDecimal columns;
//! - unknown JSON keys in client/savings writes are refused (`checkForUnsupportedParameters`).
//!
//! Endpoint-specific behaviour is documented in `portfolio.rs` and `interop.rs`.

#![allow(dead_code)]

mod interop;
pub mod model;
mod portfolio;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use serde_json::value::RawValue;
use serde_json::{Value, json};

pub use model::{Call, Model, Product};

/// The tenant the double serves.
pub const TENANT: &str = "kipochi";
/// The Basic-auth user.
pub const USER: &str = "hub";
/// Its password.
pub const PASSWORD: &str = "password";
/// A bearer token the double also accepts.
pub const TOKEN: &str = "oauth-token-for-tests";
/// Path prefix of Fineract's API.
pub const PREFIX: &str = "/fineract-provider/api/v1";
/// The wallet product (TZS, no fee) and a product with a flat withdrawal fee.
pub const WALLET_PRODUCT: u64 = 1;
pub const FEE_PRODUCT: u64 = 2;
pub const USD_PRODUCT: u64 = 3;

/// A reply: status and JSON text.
pub type Reply = (u16, String);

/// A running double.
pub struct FineractDouble {
    pub base_url: String,
    pub model: Arc<Mutex<Model>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FineractDouble {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl FineractDouble {
    /// Starts a double with products 1 (TZS, no fee), 2 (TZS, withdrawal fee `fee`), 3 (USD), and a
    /// cash and a non-cash payment type.
    pub async fn start(fee: i64) -> Self {
        let mut model = Model::new((2026, 12, 2));
        let tzs = |withdrawal_fee| Product {
            currency: "TZS".into(),
            decimal_places: 2,
            withdrawal_fee,
        };
        model.products.insert(WALLET_PRODUCT, tzs(0));
        model.products.insert(FEE_PRODUCT, tzs(fee));
        model.products.insert(
            USD_PRODUCT,
            Product {
                currency: "USD".into(),
                decimal_places: 2,
                withdrawal_fee: 0,
            },
        );
        model.payment_types = vec![(1, true), (2, false)];
        let model = Arc::new(Mutex::new(model));
        let state = model.clone();
        let app = Router::new().fallback(
            move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
                let state = state.clone();
                async move { handle(&state, method, uri, headers, body) }
            },
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let task = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Self {
            base_url: format!("http://{addr}{PREFIX}"),
            model,
            task,
        }
    }

    pub fn calls(&self) -> Vec<Call> {
        self.model.lock().unwrap().calls.clone()
    }

    pub fn unexpected(&self) -> Vec<String> {
        self.model.lock().unwrap().unexpected.clone()
    }

    /// Number of clients and savings accounts.
    pub fn counts(&self) -> (usize, usize) {
        let m = self.model.lock().unwrap();
        (m.clients.len(), m.savings.len())
    }

    /// The next request whose path contains `needle` is processed, but its answer is lost (504).
    pub fn lose_answer_of(&self, needle: &str) {
        self.model.lock().unwrap().lose_answer_of = Some(needle.into());
    }

    /// Calls whose path contains `needle`.
    pub fn calls_to(&self, needle: &str) -> Vec<Call> {
        self.calls()
            .into_iter()
            .filter(|c| format!("{}?{}", c.path, c.query).contains(needle))
            .collect()
    }
}

/// Fineract's `ApiGlobalErrorResponse`.
pub fn error(status: u16, code: &str, message: &str, parameter: Option<&str>) -> Reply {
    let body = json!({
        "developerMessage": message,
        "httpStatusCode": status.to_string(),
        "defaultUserMessage": message,
        "userMessageGlobalisationCode": code,
        "errors": [{
            "developerMessage": message,
            "defaultUserMessage": message,
            "userMessageGlobalisationCode": code,
            "parameterName": parameter.unwrap_or("id"),
            "value": null,
            "args": [],
        }],
    });
    (status, body.to_string())
}

/// A 400 validation error on one parameter.
pub fn invalid(resource: &str, parameter: &str, what: &str) -> Reply {
    let code = format!("validation.msg.{resource}.{parameter}.{what}");
    let body = json!({
        "developerMessage": "Invalid parameter details were passed in the request body.",
        "httpStatusCode": "400",
        "defaultUserMessage": "Validation errors exist.",
        "userMessageGlobalisationCode": "validation.msg.validation.errors.exist",
        "errors": [{
            "developerMessage": format!("The parameter `{parameter}` {what}."),
            "defaultUserMessage": format!("The parameter `{parameter}` {what}."),
            "userMessageGlobalisationCode": code,
            "parameterName": parameter,
            "value": null,
            "args": [],
        }],
    });
    (400, body.to_string())
}

/// A request body: top-level keys with their raw JSON.
pub type Body = BTreeMap<String, Box<RawValue>>;

/// Reads a string field.
pub fn text(body: &Body, key: &str) -> Option<String> {
    serde_json::from_str::<String>(body.get(key)?.get()).ok()
}

/// Reads an integer field.
pub fn int(body: &Body, key: &str) -> Option<u64> {
    serde_json::from_str::<u64>(body.get(key)?.get()).ok()
}

/// Reads a `MoneyData` `{amount, currency}` with an exact decimal amount (minor units, 2 decimals).
pub fn money(body: &Body, key: &str) -> Result<Option<(i64, String)>, Reply> {
    let Some(raw) = body.get(key) else {
        return Ok(None);
    };
    let inner: Body = serde_json::from_str(raw.get())
        .map_err(|_| invalid("interoperation", key, "is invalid"))?;
    let currency = text(&inner, "currency")
        .filter(|c| c.len() == 3)
        .ok_or_else(|| invalid("interoperation", "currency", "cannot.be.blank"))?;
    let amount = inner
        .get("amount")
        .ok_or_else(|| invalid("interoperation", "amount", "cannot.be.blank"))?;
    let text = amount.get().trim_matches('"');
    let minor = kipochi_hub::fineract::to_minor(text, 2)
        .map_err(|_| invalid("interoperation", "amount", "is.invalid"))?;
    Ok(Some((minor, currency)))
}

/// A decimal as Fineract renders savings amounts (six decimals).
pub fn dec(minor: i64) -> Box<RawValue> {
    RawValue::from_string(format!(
        "{}0000",
        kipochi_hub::fineract::from_minor(minor, 2)
    ))
    .unwrap()
}

/// Checks `locale` + `dateFormat` and parses date `key` in `dd MMMM yyyy`.
pub fn date(body: &Body, resource: &str, key: &str) -> Result<Option<chrono::NaiveDate>, Reply> {
    let Some(value) = text(body, key) else {
        return Ok(None);
    };
    if text(body, "locale").as_deref() != Some("en") {
        return Err(invalid(resource, "locale", "cannot.be.blank"));
    }
    if text(body, "dateFormat").as_deref() != Some("dd MMMM yyyy") {
        return Err(invalid(resource, "dateFormat", "is.invalid"));
    }
    chrono::NaiveDate::parse_from_str(&value, "%d %B %Y")
        .map(Some)
        .map_err(|_| invalid(resource, key, "is.invalid.date"))
}

/// Refuses keys outside `allowed` (`checkForUnsupportedParameters`).
pub fn only(body: &Body, allowed: &[&str]) -> Result<(), Reply> {
    match body.keys().find(|k| !allowed.contains(&k.as_str())) {
        Some(k) => Err(error(
            400,
            "validation.msg.validation.errors.exist",
            "The request contains unsupported parameters",
            Some(k),
        )),
        None => Ok(()),
    }
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

fn authorised(headers: &HeaderMap) -> bool {
    let basic = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{USER}:{PASSWORD}"))
    );
    let bearer = format!("Bearer {TOKEN}");
    matches!(header(headers, "authorization"), Some(a) if a == basic || a == bearer)
}

fn handle(
    state: &Mutex<Model>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut model = state.lock().unwrap();
    let path = uri.path().to_owned();
    let query = uri.query().unwrap_or("").to_owned();
    let key = header(&headers, "idempotency-key").map(str::to_owned);
    let mut from_cache = false;
    let (status, text) = if header(&headers, "fineract-platform-tenantid") != Some(TENANT) {
        error(
            400,
            "error.msg.invalid.tenant.identifier",
            "Invalid tenant identifier",
            None,
        )
    } else if !authorised(&headers) {
        error(
            401,
            "error.msg.not.authenticated",
            "Unauthenticated. Please login.",
            None,
        )
    } else if method == Method::POST && header(&headers, "content-type") != Some("application/json")
    {
        error(
            415,
            "error.msg.unsupported.media.type",
            "Unsupported media type",
            None,
        )
    } else if let Some(cached) = key
        .as_ref()
        .filter(|_| method == Method::POST)
        .and_then(|k| {
            model
                .idempotency
                .get(&(format!("{path}?{query}"), k.clone()))
        })
    {
        from_cache = true;
        cached.clone()
    } else {
        let reply = route(&mut model, &method, &path, &query, &body);
        if let (Some(k), true) = (&key, method == Method::POST && reply.0 < 300) {
            model
                .idempotency
                .insert((format!("{path}?{query}"), k.clone()), reply.clone());
        }
        reply
    };
    let lost = model
        .lose_answer_of
        .as_ref()
        .is_some_and(|needle| path.contains(needle.as_str()) || query.contains(needle.as_str()));
    let status = if lost {
        model.lose_answer_of = None;
        504
    } else {
        status
    };
    model.calls.push(Call {
        method: method.to_string(),
        path: path.strip_prefix(PREFIX).unwrap_or(&path).to_owned(),
        query,
        idempotency_key: key,
        status,
        from_cache,
    });
    let mut response = (
        StatusCode::from_u16(status).unwrap(),
        [("content-type", "application/json")],
        if lost { String::new() } else { text },
    )
        .into_response();
    if from_cache {
        response
            .headers_mut()
            .insert("x-served-from-cache", "true".parse().unwrap());
    }
    response
}

fn route(model: &mut Model, method: &Method, path: &str, query: &str, body: &[u8]) -> Reply {
    let Some(rest) = path.strip_prefix(PREFIX) else {
        model.unexpected.push(format!("{method} {path}"));
        return error(404, "error.msg.resource.not.found", "Not found", None);
    };
    let segments: Vec<&str> = rest.trim_start_matches('/').split('/').collect();
    let parsed: Result<Body, _> = if method == Method::POST {
        serde_json::from_slice(body)
    } else {
        Ok(Body::new())
    };
    let Ok(body) = parsed else {
        model
            .unexpected
            .push(format!("{method} {rest}: body is not a JSON object"));
        return error(400, "error.msg.invalid.json", "Invalid JSON", None);
    };
    let reply = match segments[0] {
        "interoperation" => interop::route(model, method, &segments[1..], query, &body),
        _ => portfolio::route(model, method, &segments, query, &body),
    };
    match reply {
        Some(reply) => reply,
        None => {
            model.unexpected.push(format!("{method} {rest}?{query}"));
            error(404, "error.msg.resource.not.found", "Not found", None)
        }
    }
}

/// JSON text of `value`.
pub fn ok(value: Value) -> Reply {
    (200, value.to_string())
}

/// JSON text of a serialisable value (keeps raw decimals exact).
pub fn ok_typed<T: serde::Serialize>(value: &T) -> Reply {
    (200, serde_json::to_string(value).unwrap())
}

impl FineractDouble {
    /// A teller deposit on the savings account with externalId `account`, through the real
    /// endpoint (`POST /savingsaccounts/{id}/transactions?command=deposit`).
    pub async fn deposit(&self, account: kipochi_hub::accounts::AccountId, minor: i64) {
        let savings = self
            .model
            .lock()
            .unwrap()
            .savings_by_ext(&account.to_string())
            .expect("no such savings account");
        let body = format!(
            r#"{{"transactionDate":"02 December 2026","transactionAmount":{},"paymentTypeId":1,"locale":"en","dateFormat":"dd MMMM yyyy"}}"#,
            kipochi_hub::fineract::from_minor(minor, 2)
        );
        let response = reqwest::Client::new()
            .post(format!(
                "{}/savingsaccounts/{savings}/transactions?command=deposit",
                self.base_url
            ))
            .header("Fineract-Platform-TenantId", TENANT)
            .basic_auth(USER, Some(PASSWORD))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
    }
}
