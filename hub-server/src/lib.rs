//! `kipochi-hub`: one DFSP's payment hub.
//!
//! HTTP is built by [`app`] from a state value so it can be tested without sockets; the binary
//! (`src/main.rs`) only parses the command line, binds listeners and serves. See `ARCHITECTURE.md`.

#![forbid(unsafe_code)]

pub mod accounts;
pub mod api;
pub mod auth;
pub mod clock;
pub mod config;
pub mod db;
pub mod demo;
pub mod devices;
pub mod dfsp;
pub mod error;
pub mod events;
pub mod fineract;
pub mod fineract_double;
pub mod fspiop;
pub mod http;
pub mod idempotency;
pub mod lab;
pub mod ledger;
pub mod merchant;
pub mod orchestrator;
pub mod payments;
pub mod shutdown;
pub mod switch;

pub use error::{Error, Result};
pub use http::{AppState, app};
