//! The wallet-facing HTTP surface: `/api/v1`, health probes, the OpenAPI document and the web
//! bundle.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::Router;
use tower_http::services::{ServeDir, ServeFile};

use crate::accounts::{AccountSystem, Currency};
use crate::auth::{Auth, AuthConfig, PinHasher};
use crate::clock::{Clock, SystemClock};
use crate::devices::DeviceStore;
use crate::events::Events;
use crate::fspiop::handler::Switch;
use crate::idempotency::IdempotencyStore;
use crate::ledger::{Ledger, LedgerOptions};
use crate::payments::PaymentStore;

/// Everything a request handler may use. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// This DFSP's FSP id at the switch.
    pub fsp_id: String,
    /// Currency of this hub's accounts.
    pub currency: Currency,
    /// Folder holding the built web bundle (`cargo xtask web`), served at `/` when present.
    pub web_dir: Option<PathBuf>,
    pub auth: Arc<Auth>,
    pub payments: Arc<PaymentStore>,
    /// Registered device keys (payment approval).
    pub devices: Arc<DeviceStore>,
    /// The provider's accounts (embedded ledger or Fineract), only through the trait.
    pub accounts: Arc<dyn AccountSystem>,
    /// The embedded ledger when it is the account system (admin books, demo funding).
    pub ledger: Option<Ledger>,
    /// The Fineract adapter when it is the account system (demo funding by teller deposit).
    pub fineract: Option<crate::fineract::FineractAccounts>,
    pub events: Arc<Events>,
    /// The Mojaloop switch (FSPIOP client); `None` when the hub runs without one.
    pub switch: Option<Arc<dyn Switch>>,
    pub clock: Arc<dyn Clock>,
    /// Idempotency records of keyed wallet calls (agent onboarding).
    pub idempotency: Arc<IdempotencyStore>,
    /// Merchant payment requests (dynamic QRs).
    pub merchant: Arc<crate::merchant::MerchantStore>,
    /// Lifetimes of the quotes and transfers this hub makes.
    pub expiry: crate::orchestrator::Expiry,
}

impl AppState {
    /// Opens (creating if needed) the hub's databases in `data_dir`, with `config`'s settings.
    pub fn open(config: &crate::config::Config, data_dir: &Path) -> crate::Result<Self> {
        std::fs::create_dir_all(data_dir)
            .map_err(|e| crate::Error::Internal(format!("cannot create data folder: {e}")))?;
        let db = data_dir.join("hub.db");
        let options = LedgerOptions {
            fees: config.fees.clone(),
            ..LedgerOptions::default()
        };
        let currency = parse_currency(&config.hub.currency)?;
        type Systems = (
            Arc<dyn AccountSystem>,
            Option<Ledger>,
            Option<crate::fineract::FineractAccounts>,
        );
        let (accounts, ledger, fineract): Systems =
            match (&config.accounts.kind, &config.accounts.fineract) {
                (crate::fineract::AccountsKind::Fineract, Some(settings)) => {
                    let fineract = crate::fineract::FineractAccounts::open(
                        settings.clone(),
                        &data_dir.join("fineract.db"),
                        currency.clone(),
                    )
                    .map_err(|e| crate::Error::Internal(e.to_string()))?;
                    (Arc::new(fineract.clone()), None, Some(fineract))
                }
                _ => {
                    let ledger = Ledger::open_with(data_dir.join("ledger.db"), options)
                        .map_err(|e| crate::Error::Internal(e.to_string()))?;
                    (Arc::new(ledger.clone()), Some(ledger), None)
                }
            };
        Ok(Self {
            fsp_id: config.hub.fsp_id.clone(),
            currency,
            web_dir: config.api.web_dir.clone(),
            auth: Arc::new(Auth::new(
                crate::db::open(&db)?,
                PinHasher::default(),
                config.auth_config(),
            )?),
            payments: Arc::new(PaymentStore::new(crate::db::open(&db)?)?),
            devices: Arc::new(DeviceStore::new(crate::db::open(&db)?)?),
            accounts,
            ledger,
            fineract,
            events: Arc::new(Events::default()),
            switch: None,
            clock: Arc::new(SystemClock),
            idempotency: Arc::new(IdempotencyStore::new(crate::db::open(&db)?)?),
            merchant: Arc::new(crate::merchant::MerchantStore::new(crate::db::open(&db)?)?),
            expiry: config.expiry(),
        })
    }

    /// A state for tests: hub tables in memory, the ledger in `dir`, fast PIN hashing, `clock`.
    pub fn for_tests(dir: &Path, clock: Arc<dyn Clock>) -> crate::Result<Self> {
        let mem = rusqlite::Connection::open_in_memory;
        let ledger = Ledger::open(dir.join("ledger.db"))
            .map_err(|e| crate::Error::Internal(e.to_string()))?;
        Ok(Self {
            fsp_id: "testfsp".into(),
            currency: parse_currency("TZS")?,
            web_dir: None,
            auth: Arc::new(Auth::new(
                mem()?,
                PinHasher::fast_for_tests(),
                AuthConfig::default(),
            )?),
            payments: Arc::new(PaymentStore::new(mem()?)?),
            devices: Arc::new(DeviceStore::new(mem()?)?),
            accounts: Arc::new(ledger.clone()),
            ledger: Some(ledger),
            fineract: None,
            events: Arc::new(Events::default()),
            switch: None,
            clock,
            idempotency: Arc::new(IdempotencyStore::new(mem()?)?),
            merchant: Arc::new(crate::merchant::MerchantStore::new(mem()?)?),
            expiry: crate::orchestrator::Expiry::default(),
        })
    }

    /// Current time in Unix milliseconds.
    pub fn now(&self) -> i64 {
        self.clock.now_ms()
    }
}

fn parse_currency(code: &str) -> crate::Result<Currency> {
    code.parse()
        .map_err(|_| crate::Error::InvalidRequest(format!("bad currency {code:?}")))
}

/// Builds the router for `state`. No socket is involved, so tests call it with `tower::ServiceExt`.
pub fn app(state: AppState) -> Router {
    let web_dir = state.web_dir.clone();
    let (router, _) = crate::api::router().split_for_parts();
    let router = router.with_state(state);
    let router = match web_dir {
        Some(dir) => {
            let index = dir.join("index.html");
            router.fallback_service(ServeDir::new(dir).fallback(ServeFile::new(index)))
        }
        None => router,
    };
    match crate::api::latency::HttpMetrics::new() {
        Ok(metrics) => {
            let metrics = Arc::new(metrics);
            router
                .layer(axum::middleware::from_fn_with_state(
                    metrics.clone(),
                    crate::api::latency::track,
                ))
                .layer(axum::Extension(metrics))
        }
        Err(e) => {
            tracing::error!(error = %e, "request latency metrics disabled");
            router
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;
    use axum::body::Body;
    use axum::http::{Request, StatusCode};
    use http_body_util::BodyExt;
    use tower::ServiceExt;

    fn state() -> (AppState, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        (
            AppState::for_tests(dir.path(), Arc::new(ManualClock::new(1_000))).unwrap(),
            dir,
        )
    }

    #[tokio::test]
    async fn healthz_answers_ok_with_version() {
        let (state, _dir) = state();
        let response = app(state)
            .oneshot(Request::get("/healthz").body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let body = response.into_body().collect().await.unwrap().to_bytes();
        let value: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(value["status"], "ok");
        assert_eq!(value["version"], env!("CARGO_PKG_VERSION"));
    }

    #[tokio::test]
    async fn unknown_path_without_web_bundle_is_404() {
        let (state, _dir) = state();
        let response = app(state)
            .oneshot(Request::get("/nope").body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
    }

    #[tokio::test]
    async fn web_bundle_is_served_with_spa_fallback() {
        let dir = std::env::temp_dir().join(format!("kipochi-web-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("index.html"), "<html>kipochi</html>").unwrap();
        let (state, _tmp) = state();
        let state = AppState {
            web_dir: Some(dir.clone()),
            ..state
        };
        for path in ["/", "/pay/confirm"] {
            let response = app(state.clone())
                .oneshot(Request::get(path).body(Body::empty()).unwrap())
                .await
                .unwrap();
            assert_eq!(response.status(), StatusCode::OK, "{path}");
            let body = response.into_body().collect().await.unwrap().to_bytes();
            assert_eq!(&body[..], b"<html>kipochi</html>");
        }
        std::fs::remove_dir_all(dir).unwrap();
    }
}
