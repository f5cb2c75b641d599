//! `/api/v1`: the wallet-facing JSON API. Request and response types are `kipochi_core::api`,
//! shared with the core's hub client. Every error is `{code, message}` (see `crate::error`).

mod account;
mod admin;
mod agent;
mod devices;
pub mod doc;
mod events;
mod extract;
pub mod latency;
mod merchant;
pub mod ops;
mod payments;
mod query;
mod session;

pub use extract::{ApiJson, CurrentUser};

use axum::routing::any;
use utoipa::OpenApi as _;
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouter};
use utoipa_axum::routes;

use crate::http::AppState;

/// Every route the hub serves (besides the web bundle), each with its OpenAPI operation: the ONE
/// table both the router and the document are folded from ([`router`]).
pub fn endpoints() -> Vec<UtoipaMethodRouter<AppState>> {
    vec![
        routes!(ops::healthz),
        routes!(ops::readyz),
        routes!(ops::metrics),
        routes!(doc::openapi_json),
        routes!(session::login),
        routes!(session::activate),
        routes!(session::logout),
        routes!(session::me),
        routes!(devices::register, devices::list),
        routes!(payments::create),
        routes!(payments::get),
        routes!(payments::approve),
        routes!(payments::decline),
        routes!(account::balance),
        routes!(account::history),
        routes!(events::events),
        routes!(admin::search),
        routes!(admin::payment),
        routes!(admin::ledger),
        routes!(agent::onboard, agent::customers),
        routes!(merchant::create),
        routes!(merchant::get),
        routes!(merchant::till_qr),
        routes!(merchant::payments),
    ]
}

/// The router and its OpenAPI document, both from [`endpoints`]. Any other `/api/v1` path
/// answers 404 in the API's error shape.
pub fn router() -> OpenApiRouter<AppState> {
    endpoints()
        .into_iter()
        .fold(
            OpenApiRouter::with_openapi(doc::ApiDoc::openapi()),
            OpenApiRouter::routes,
        )
        .route("/api/v1", any(not_found))
        .route("/api/v1/{*rest}", any(not_found))
}

async fn not_found() -> crate::Error {
    crate::Error::NotFound("endpoint")
}

/// Runs blocking work (SQLite, Argon2) off the async workers.
pub(crate) async fn blocking<T, F>(f: F) -> crate::Result<T>
where
    F: FnOnce() -> crate::Result<T> + Send + 'static,
    T: Send + 'static,
{
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|_| crate::Error::Internal("blocking task failed".into()))?
}

#[cfg(test)]
mod account_tests;
#[cfg(test)]
mod admin_tests;
#[cfg(test)]
mod agent_tests;
#[cfg(test)]
mod events_tests;
#[cfg(test)]
mod merchant_tests;
#[cfg(test)]
mod openapi_tests;
#[cfg(test)]
mod ops_tests;
#[cfg(test)]
mod tests;

#[cfg(test)]
mod payments_recovery_tests;
#[cfg(test)]
mod payments_tests;
