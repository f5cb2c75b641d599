//! Configuration of the FSPIOP layer.

use std::collections::HashMap;
use std::time::Duration;

use axum::http::StatusCode;

use super::ilp::{IlpSecret, IlpVersion};
use super::jws::{SigningKey, VerifyingKey};
use super::primitives::FspId;
use super::version::Version;

/// JWS (`FSPIOP-Signature`) settings.
#[derive(Clone, Debug, Default)]
pub struct JwsConfig {
    /// Key used to sign every outgoing request with a body (PUT/POST/PATCH, `PUT /parties`
    /// callbacks included); `None` disables signing. GETs are never signed.
    pub signing_key: Option<SigningKey>,
    /// Verify signatures of incoming requests with a body.
    pub verify_inbound: bool,
    /// Also verify incoming `PUT /parties` callbacks.
    pub verify_put_parties: bool,
    /// Public keys of the peers, by FSP id (`FSPIOP-Source`).
    pub peer_keys: HashMap<FspId, VerifyingKey>,
}

/// Settings of one DFSP's FSPIOP layer.
#[derive(Clone, Debug)]
pub struct FspiopConfig {
    /// This DFSP's FSP id (`FSPIOP-Source` of everything it sends).
    pub fsp_id: FspId,
    /// Base URL of the switch (or of the peer when wired peer-to-peer), e.g. `http://127.0.0.1:4040`.
    pub switch_url: String,
    /// ILP packet format generated for quotes (both are accepted on transfers).
    pub ilp_version: IlpVersion,
    /// Secret of the ILP fulfilments.
    pub ilp_secret: IlpSecret,
    /// Signatures.
    pub jws: JwsConfig,
    /// Version of the requests this DFSP originates (`Content-Type`).
    pub request_version: Version,
    /// How long to wait for a callback.
    pub callback_timeout: Duration,
    /// How long to wait for the answer to the `GET /transfers/{ID}` sent when a transfer callback
    /// is late, before reporting an unknown outcome.
    pub transfer_recovery_timeout: Duration,
    /// Status answered to `GET /quotes/{ID}` and `GET /transfers/{ID}` (202 per the spec; the TTK
    /// DFSP collection asserts 200).
    pub get_status: StatusCode,
    /// Attempts for each callback the layer sends (at least 1).
    pub callback_attempts: u32,
}

impl FspiopConfig {
    /// Defaults from the reference SDK: ILP v1, version 1.1, 30 s callbacks, no JWS.
    pub fn new(fsp_id: FspId, switch_url: impl Into<String>, ilp_secret: IlpSecret) -> Self {
        Self {
            fsp_id,
            switch_url: switch_url.into(),
            ilp_version: IlpVersion::V1,
            ilp_secret,
            jws: JwsConfig::default(),
            request_version: Version::V1_1,
            callback_timeout: Duration::from_secs(30),
            transfer_recovery_timeout: Duration::from_secs(10),
            get_status: StatusCode::ACCEPTED,
            callback_attempts: 3,
        }
    }
}
