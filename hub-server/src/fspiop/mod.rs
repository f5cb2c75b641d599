//! FSPIOP (Mojaloop) protocol layer: the hub as a DFSP on a Mojaloop switch.
//!
//! The payment orchestration never sees HTTP: as payee it implements [`InboundHandler`] and the
//! layer's [`router`] serves the switch; as payer it calls the [`Switch`] trait, implemented by
//! [`client::SwitchClient`], which sends requests and awaits the matching callbacks.
//!
//! Module map: [`types`]/[`primitives`] wire types, [`error`] codes, [`version`] media-type
//! negotiation, [`headers`], [`canonical`] JSON, [`ilp`] packets, [`jws`] signatures,
//! [`dedup`] duplicate store, [`handler`] the traits, [`server`] the inbound router,
//! [`client`] the outbound client, [`config`].
//!
//! Decisions:
//! * Durability of duplicate detection lives in this layer ([`DuplicateStore`], with
//!   [`MemoryStore`] and [`SqliteStore`]): the hash of each inbound POST and the callback sent
//!   are stored, so resends and `GET /quotes|transfers/{ID}` are answered identically even after
//!   a restart. Handlers must still be idempotent per ID (a crash between the handler's work and
//!   the recorded callback makes the request retryable after the store's stale window).
//! * The payee's fulfilment is never stored: it is regenerated from the packet with the ILP
//!   secret on `POST /transfers` and released only when the handler commits.
//! * The payer never concludes "failed" from silence: a late transfer callback leads to
//!   `GET /transfers/{ID}`, then to [`handler::TransferOutcome::Unknown`].

#[cfg(test)]
mod body_tests;
mod callbacks;
pub mod canonical;
pub mod client;
pub mod config;
pub mod dedup;
pub mod error;
pub mod handler;
pub mod headers;
pub mod ilp;
pub mod jws;
mod payee;
pub mod primitives;
mod resources;
pub mod server;
pub mod types;
pub mod version;

pub use client::SwitchClient;
pub use config::{FspiopConfig, JwsConfig};
pub use dedup::{DuplicateStore, MemoryStore, SqliteStore};
pub use error::{Error, ErrorCode, ErrorInformation, ErrorInformationObject};
pub use handler::{InboundHandler, Switch};
pub use server::router;
