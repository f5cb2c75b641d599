//! `kipochi-hub fineract-double`: a contract double of Apache Fineract's interoperation and savings
//! API, for tests and the lab's demo (`kipochi-hub lab --fineract-double`). Never for production:
//! it has one tenant with fixed credentials and keeps its books in memory (and, with `--state`,
//! in a JSON file). Kept apart from the DFSP code like the lab switch: nothing in the hub uses it;
//! the hub talks to it only over HTTP through the Fineract adapter (`crate::fineract`).
//!
//! It serves exactly the endpoints the adapter uses, with Fineract's request/response shapes,
//! validation and quirks, and records every call; anything else is recorded as unexpected (the
//! tests assert none). Copied behaviour and its sources
//! (`../shared/reference/fineract-and-payment-hub.md`, apache/fineract):
//! - transport (§2.1, `TenantAwareBasicAuthenticationFilter`): every request needs
//!   `Fineract-Platform-TenantId` naming the tenant (else 400 `error.msg.invalid.tenant.identifier`)
//!   and `Authorization: Basic` (or the bearer token; else 401 `error.msg.not.authenticated`); POST
//!   bodies must be `application/json` (415 otherwise);
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
//! Endpoint-specific behaviour is documented in `portfolio.rs` and `interop.rs`; `model.rs` holds
//! the books, `reply.rs` the shared answers and field readers.

mod interop;
pub mod model;
mod portfolio;
pub mod reply;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use base64::Engine;

pub use model::{Call, Model, Product};
pub use reply::{Body, Reply};

use reply::error;

/// The tenant the double serves.
pub const TENANT: &str = "kipochi";
/// The Basic-auth user.
pub const USER: &str = "hub";
/// Its password (a test double's: never a real credential).
pub const PASSWORD: &str = "password";
/// A bearer token the double also accepts.
pub const TOKEN: &str = "oauth-token-for-tests";
/// Path prefix of Fineract's API.
pub const PREFIX: &str = "/fineract-provider/api/v1";
/// Savings product 1: TZS wallets without a withdrawal fee.
pub const WALLET_PRODUCT: u64 = 1;
/// Savings product 2: TZS with the flat withdrawal fee given to [`standard_model`].
pub const FEE_PRODUCT: u64 = 2;
/// Savings product 3: USD.
pub const USD_PRODUCT: u64 = 3;
/// The cash payment type (teller deposits).
pub const CASH_PAYMENT_TYPE: u64 = 1;
/// The non-cash payment type ("Money Transfer") interop transfers use.
pub const TRANSFER_PAYMENT_TYPE: u64 = 2;

/// The double's errors (start-up and state file only; requests get Fineract's answers).
#[derive(Debug, thiserror::Error)]
pub enum DoubleError {
    /// The state file cannot be read, parsed or written.
    #[error("state file {path}: {reason}")]
    State {
        /// The file.
        path: PathBuf,
        /// What failed.
        reason: String,
    },
    /// The listener.
    #[error("cannot serve on {addr}: {reason}")]
    Listen {
        /// The address.
        addr: SocketAddr,
        /// What failed.
        reason: String,
    },
}

/// Products 1 (TZS, no fee), 2 (TZS, flat withdrawal fee `fee` minor units), 3 (USD), a cash and
/// a non-cash payment type. `today` fixes the business date (`None`: the real UTC date).
pub fn standard_model(fee: i64, today: Option<(i32, u32, u32)>) -> Model {
    let mut model = Model::new(today);
    let product = |currency: &str, withdrawal_fee| Product {
        currency: currency.into(),
        decimal_places: 2,
        withdrawal_fee,
    };
    model.products.insert(WALLET_PRODUCT, product("TZS", 0));
    model.products.insert(FEE_PRODUCT, product("TZS", fee));
    model.products.insert(USD_PRODUCT, product("USD", 0));
    model.payment_types = vec![(CASH_PAYMENT_TYPE, true), (TRANSFER_PAYMENT_TYPE, false)];
    model
}

/// A double: its books and, optionally, the file they are saved to after every write.
#[derive(Clone)]
pub struct Double {
    /// The books (tests read and adjust them directly).
    pub model: Arc<Mutex<Model>>,
    file: Option<PathBuf>,
}

impl Double {
    /// A double over `model`, in memory only.
    pub fn new(model: Model) -> Self {
        Self {
            model: Arc::new(Mutex::new(model)),
            file: None,
        }
    }

    /// A double saved to `path`: loaded from it when it exists, else `fresh` (written at once).
    pub fn with_state_file(path: &Path, fresh: Model) -> Result<Self, DoubleError> {
        let failed = |reason: String| DoubleError::State {
            path: path.to_path_buf(),
            reason,
        };
        let model = match std::fs::read(path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| failed(e.to_string()))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => fresh,
            Err(e) => return Err(failed(e.to_string())),
        };
        let double = Self {
            model: Arc::new(Mutex::new(model)),
            file: Some(path.to_path_buf()),
        };
        double.save(&double.lock()).map_err(failed)?;
        Ok(double)
    }

    /// The books (a poisoned lock still holds consistent data: every change is one call).
    pub fn lock(&self) -> MutexGuard<'_, Model> {
        self.model.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Writes `model` to the state file (temporary file, fsync, rename), if there is one.
    fn save(&self, model: &Model) -> Result<(), String> {
        let Some(path) = &self.file else {
            return Ok(());
        };
        let bytes = serde_json::to_vec(model).map_err(|e| e.to_string())?;
        let tmp = path.with_extension("tmp");
        let write = || -> std::io::Result<()> {
            use std::io::Write as _;
            let mut f = std::fs::File::create(&tmp)?;
            f.write_all(&bytes)?;
            f.sync_all()?;
            std::fs::rename(&tmp, path)
        };
        write().map_err(|e| e.to_string())
    }

    /// The HTTP service: every path goes to the one handler (unknown ones are recorded).
    pub fn router(&self) -> Router {
        let double = self.clone();
        Router::new().fallback(
            move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
                let double = double.clone();
                async move { double.handle(method, uri, headers, body) }
            },
        )
    }

    fn handle(&self, method: Method, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
        let mut model = self.lock();
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
        } else if method == Method::POST
            && header(&headers, "content-type") != Some("application/json")
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
            if method == Method::POST
                && let Err(e) = self.save(&model)
            {
                tracing::error!(error = %e, "the fineract double cannot save its state");
            }
            reply
        };
        let lost = model
            .lose_answer_of
            .as_ref()
            .is_some_and(|n| path.contains(n.as_str()) || query.contains(n.as_str()));
        let status = if lost {
            model.lose_answer_of = None;
            504
        } else {
            status
        };
        if model.record_calls {
            model.calls.push(Call {
                method: method.to_string(),
                path: path.strip_prefix(PREFIX).unwrap_or(&path).to_owned(),
                query,
                idempotency_key: key,
                status,
                from_cache,
            });
        }
        drop(model);
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = (
            status,
            [("content-type", "application/json")],
            if lost { String::new() } else { text },
        )
            .into_response();
        if from_cache {
            response
                .headers_mut()
                .insert("x-served-from-cache", HeaderValue::from_static("true"));
        }
        response
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

fn route(model: &mut Model, method: &Method, path: &str, query: &str, body: &[u8]) -> Reply {
    let Some(rest) = path.strip_prefix(PREFIX) else {
        unexpected(model, method, path, "");
        return error(404, "error.msg.resource.not.found", "Not found", None);
    };
    let segments: Vec<&str> = rest.trim_start_matches('/').split('/').collect();
    let parsed: Result<Body, _> = if method == Method::POST {
        serde_json::from_slice(body)
    } else {
        Ok(Body::new())
    };
    let Ok(body) = parsed else {
        unexpected(model, method, rest, ": body is not a JSON object");
        return error(400, "error.msg.invalid.json", "Invalid JSON", None);
    };
    let reply = match segments.first() {
        Some(&"interoperation") => interop::route(model, method, &segments[1..], query, &body),
        _ => portfolio::route(model, method, &segments, query, &body),
    };
    match reply {
        Some(reply) => reply,
        None => {
            unexpected(model, method, rest, &format!("?{query}"));
            error(404, "error.msg.resource.not.found", "Not found", None)
        }
    }
}

/// Records a call outside the contract. The log names only the method and the first path
/// segment (paths may hold phone numbers).
fn unexpected(model: &mut Model, method: &Method, path: &str, detail: &str) {
    let first = path.trim_start_matches('/').split('/').next().unwrap_or("");
    tracing::warn!(%method, resource = first, "call outside the Fineract contract");
    model.unexpected.push(format!("{method} {path}{detail}"));
}

/// Runs the double on `listen` until `stop`, its books in `state` (JSON) when given. Prints
/// `listening on http://ADDR` once bound (the API is under [`PREFIX`]).
pub async fn run(
    listen: SocketAddr,
    state: Option<&Path>,
    stop: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), DoubleError> {
    let fresh = standard_model(0, None);
    let double = match state {
        Some(path) => Double::with_state_file(path, fresh)?,
        None => Double::new(fresh),
    };
    let failed = |e: std::io::Error| DoubleError::Listen {
        addr: listen,
        reason: e.to_string(),
    };
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(failed)?;
    let local = listener.local_addr().map_err(failed)?;
    tracing::info!(%local, tenant = TENANT, "fineract double listening (test double, not Fineract)");
    println!("listening on http://{local}");
    axum::serve(listener, double.router())
        .with_graceful_shutdown(stop)
        .await
        .map_err(failed)
}

#[cfg(test)]
mod tests {
    use axum::body::Body as HttpBody;
    use axum::http::Request;
    use tower::ServiceExt;

    use super::*;

    fn create_client(key: &str) -> Request<HttpBody> {
        let auth = base64::engine::general_purpose::STANDARD.encode(format!("{USER}:{PASSWORD}"));
        Request::post(format!("{PREFIX}/clients"))
            .header("Fineract-Platform-TenantId", TENANT)
            .header("authorization", format!("Basic {auth}"))
            .header("content-type", "application/json")
            .header("idempotency-key", key)
            .body(HttpBody::from(
                r#"{"officeId":1,"legalFormId":1,"firstname":"Asha","lastname":"Juma",
                    "dateOfBirth":"31 January 1990","locale":"en","dateFormat":"dd MMMM yyyy"}"#,
            ))
            .unwrap()
    }

    #[tokio::test]
    async fn books_and_idempotency_records_survive_a_restart_through_the_state_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("double.json");
        let double = Double::with_state_file(&path, standard_model(0, None)).unwrap();
        let res = double.router().oneshot(create_client("k1")).await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        drop(double);

        let again = Double::with_state_file(&path, standard_model(0, None)).unwrap();
        assert_eq!(again.lock().clients.len(), 1);
        let client = again.lock().clients.values().next().cloned().unwrap();
        assert_eq!(
            client.date_of_birth,
            chrono::NaiveDate::from_ymd_opt(1990, 1, 31)
        );
        assert_eq!(again.lock().products.len(), 3);
        // The same Idempotency-Key after the restart replays the stored answer.
        let res = again.router().oneshot(create_client("k1")).await.unwrap();
        assert_eq!(res.headers()["x-served-from-cache"], "true");
        assert_eq!(again.lock().clients.len(), 1);
        let res = again.router().oneshot(create_client("k2")).await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(again.lock().clients.len(), 2);
    }

    #[test]
    fn a_corrupt_state_file_is_refused_not_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("double.json");
        std::fs::write(&path, b"{not json").unwrap();
        assert!(matches!(
            Double::with_state_file(&path, standard_model(0, None)),
            Err(DoubleError::State { .. })
        ));
        assert_eq!(std::fs::read(&path).unwrap(), b"{not json");
    }
}
