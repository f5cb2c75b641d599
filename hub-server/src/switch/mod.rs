//! `kipochi-hub switch`: a small Mojaloop-compatible switch for the lab and tests.
//!
//! It plays the hub side of FSPIOP for the DFSPs listed in its configuration: an ALS oracle
//! (`/participants`), `GET /parties` routed to the owning DFSP, quotes forwarded, and
//! transfers cleared against each payer's net debit cap with durable positions. Wire types,
//! header checks, version negotiation, body validation and the ILP condition check are those
//! of [`crate::fspiop`]; this module only adds the switch's routing and bookkeeping.
//!
//! Module map: [`config`] (TOML, participant registry), [`store`] (SQLite: oracle, positions,
//! transfers), [`outbound`] (forwarding and switch-originated callbacks), `routes` (oracle,
//! parties, quotes), `transfers` (prepare, fulfil, errors, expiry), [`error`].
//!
//! Invariants:
//! * A position only changes together with a transfer state change, in one SQLite transaction.
//! * A transfer leaves `RESERVED` exactly once (commit, payee error, or expiry) — whichever
//!   arrives first wins; later ones see a final state and change nothing.
//! * The sum of all positions in a currency is zero (commits move +amount/−amount).

// Handlers short-circuit with a ready `Response` (built once, on the error path only).
#![allow(clippy::result_large_err)]

pub mod config;
pub mod error;
pub mod outbound;
mod routes;
pub mod store;
mod transfers;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};

pub use config::SwitchConfig;
pub use error::{Error, Result};
pub use store::Store;

use crate::fspiop::error::{ErrorCode, ErrorInformation, ErrorInformationObject};
use crate::fspiop::headers::{self, Inbound};
use crate::fspiop::primitives::FspId;
use crate::fspiop::version::{Resource, Version};
use config::Participant;
use outbound::Outbound;

/// Shared state of the running switch.
pub struct Hub {
    store: Arc<Store>,
    out: Outbound,
    registry: Arc<HashMap<FspId, Participant>>,
}

type St = Arc<Hub>;

impl Hub {
    /// Opens the store and builds the registry from `config`.
    pub fn open(config: &SwitchConfig) -> Result<Self> {
        let registry = Arc::new(config.registry()?);
        Ok(Self {
            store: Arc::new(Store::open(&config.data_dir)?),
            out: Outbound::new(registry.clone(), config.fsp_id.clone())?,
            registry,
        })
    }

    /// The durable store (positions, transfers, oracle).
    pub fn store(&self) -> &Arc<Store> {
        &self.store
    }
}

/// The switch's HTTP router.
pub fn router(hub: Arc<Hub>) -> Router {
    routes::routes().merge(transfers::routes()).with_state(hub)
}

/// A started switch.
pub struct Running {
    /// The bound address.
    pub addr: SocketAddr,
    /// The shared state (store access for inspection).
    pub hub: Arc<Hub>,
    stop: tokio::sync::watch::Sender<bool>,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
    expiry: tokio::task::JoinHandle<()>,
}

impl Running {
    /// Stops the server and the expiry timer and waits for them.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        self.expiry.abort();
        let _ = self.server.await;
        let _ = self.expiry.await;
    }
}

/// Opens the store, binds `config.listen` and serves with the expiry timer running.
pub async fn start(config: &SwitchConfig) -> Result<Running> {
    let listener = tokio::net::TcpListener::bind(config.listen).await?;
    start_on(listener, config).await
}

/// Like [`start`] on an already bound listener (`config.listen` is ignored), for callers that
/// must know the switch's address before starting it.
pub async fn start_on(listener: tokio::net::TcpListener, config: &SwitchConfig) -> Result<Running> {
    let hub = Arc::new(Hub::open(config)?);
    let addr = listener.local_addr()?;
    let (stop, mut stopped) = tokio::sync::watch::channel(false);
    let app = router(hub.clone());
    let server = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = stopped.wait_for(|s| *s).await;
            })
            .await
    });
    let expiry = tokio::spawn(transfers::expiry_loop(
        hub.clone(),
        Duration::from_millis(config.expiry_check_ms.max(10)),
    ));
    Ok(Running {
        addr,
        hub,
        stop,
        server,
        expiry,
    })
}

/// Runs the switch until Ctrl-C, printing `listening on http://ADDR` once bound.
pub async fn run(
    config: &SwitchConfig,
    shutdown: impl std::future::Future<Output = ()>,
) -> Result<()> {
    let running = start(config).await?;
    tracing::info!(local = %running.addr, participants = running.hub.registry.len(),
        "kipochi-hub switch listening");
    // Machine-readable line for supervisors and tests that bind port 0.
    println!("listening on http://{}", running.addr);
    shutdown.await;
    running.stop().await;
    Ok(())
}

/// Loads the configuration file, logs to stderr (`RUST_LOG`, default `info`) and [`run`]s.
pub async fn run_from_file(
    path: &std::path::Path,
    shutdown: impl std::future::Future<Output = ()>,
) -> Result<()> {
    let config = SwitchConfig::load(path)?;
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr)
        .try_init();
    run(&config, shutdown).await
}

fn error_response(status: StatusCode, info: ErrorInformation) -> Response {
    (
        status,
        axum::Json(ErrorInformationObject {
            error_information: info,
        }),
    )
        .into_response()
}

fn bad_request(code: ErrorCode, msg: &str) -> Response {
    error_response(StatusCode::BAD_REQUEST, code.info(msg))
}

/// Header checks of [`headers::check_inbound`], then the source must be a participant.
fn precheck(
    hub: &Hub,
    hdrs: &HeaderMap,
    resource: Resource,
    method: &Method,
) -> std::result::Result<Inbound, Response> {
    let inbound = headers::check_inbound(hdrs, resource, method)
        .map_err(|(status, info)| error_response(status, info))?;
    if !hub.registry.contains_key(&inbound.source) {
        return Err(bad_request(
            ErrorCode::GenericValidationError,
            "fspiop-source is not a participant of this switch",
        ));
    }
    Ok(inbound)
}

/// The participant named by a callback's `FSPIOP-Destination` (required on callbacks).
fn destination(hub: &Hub, inbound: &Inbound) -> std::result::Result<FspId, Response> {
    match &inbound.destination {
        Some(d) if hub.registry.contains_key(d) => Ok(d.clone()),
        Some(_) => Err(bad_request(
            ErrorCode::DestinationFspError,
            "fspiop-destination is not a participant of this switch",
        )),
        None => Err(bad_request(
            ErrorCode::MissingElement,
            "Missing mandatory header: fspiop-destination",
        )),
    }
}

/// Runs a store operation off the async threads; a store failure becomes a 500.
async fn blocking<T: Send + 'static>(
    hub: &Hub,
    f: impl FnOnce(&Store) -> Result<T> + Send + 'static,
) -> std::result::Result<T, Response> {
    let store = hub.store.clone();
    match tokio::task::spawn_blocking(move || f(&store)).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => {
            tracing::error!(error = %e, "switch store failure");
            Err(error_response(
                StatusCode::INTERNAL_SERVER_ERROR,
                ErrorCode::InternalServerError.info("Switch store failure"),
            ))
        }
        Err(_) => Err(error_response(
            StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::InternalServerError.info("Switch task failure"),
        )),
    }
}

fn version_text(v: Version) -> String {
    format!("{}.{}", v.major, v.minor)
}

fn parse_version(s: &str) -> Version {
    s.split_once('.')
        .and_then(|(a, b)| {
            Some(Version {
                major: a.parse().ok()?,
                minor: b.parse().ok()?,
            })
        })
        .unwrap_or(Version::V1_1)
}
