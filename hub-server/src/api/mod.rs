//! `/api/v1`: the wallet-facing JSON API. Request and response types are `kipochi_core::api`,
//! shared with the core's hub client. Every error is `{code, message}` (see `crate::error`).

mod account;
mod admin;
mod agent;
mod devices;
mod events;
mod extract;
pub mod latency;
mod merchant;
pub mod ops;
mod payments;
mod query;
mod session;

pub use extract::{ApiJson, CurrentUser};

use axum::Router;
use axum::routing::{get, post};

use crate::http::AppState;

/// The `/api/v1` routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/auth/login", post(session::login))
        .route("/auth/activate", post(session::activate))
        .route("/auth/logout", post(session::logout))
        .route("/me", get(session::me))
        .route("/devices", post(devices::register).get(devices::list))
        .route("/payments", post(payments::create))
        .route("/payments/{id}", get(payments::get))
        .route("/payments/{id}/approve", post(payments::approve))
        .route("/payments/{id}/decline", post(payments::decline))
        .route("/balance", get(account::balance))
        .route("/history", get(account::history))
        .route("/events", get(events::events))
        .route("/admin/payments", get(admin::search))
        .route("/admin/payments/{id}", get(admin::payment))
        .route("/admin/ledger", get(admin::ledger))
        .route(
            "/agent/customers",
            post(agent::onboard).get(agent::customers),
        )
        .route("/merchant/requests", post(merchant::create))
        .route("/merchant/requests/{id}", get(merchant::get))
        .route("/merchant/till-qr", get(merchant::till_qr))
        .route("/merchant/payments", get(merchant::payments))
        .fallback(|| async { crate::Error::NotFound("endpoint") })
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
mod ops_tests;
#[cfg(test)]
mod tests;

#[cfg(test)]
mod payments_recovery_tests;
#[cfg(test)]
mod payments_tests;
