//! The two seams between the FSPIOP layer and the payment orchestration.
//!
//! * [`InboundHandler`]: what the DFSP implements for the **payee** role. The layer validates,
//!   deduplicates, builds the ILP packet/condition/fulfilment and sends the callbacks; the
//!   handler only answers business questions.
//! * [`Switch`]: what the **payer** orchestration calls. Implemented by
//!   [`super::client::SwitchClient`].
//!
//! Handler methods must be idempotent per ID: after a crash the same request can be delivered
//! again (see [`super::dedup`]).

use async_trait::async_trait;

use super::error::{ErrorCode, ErrorInformation};
use super::primitives::{CorrelationId, Currency, DateTime, FspId};
use super::types::{
    IlpCondition, IlpFulfilment, Money, Party, PartyIdInfo, QuotesIdPutResponse, QuotesPostRequest,
    Transaction, TransfersIdPatchResponse, TransfersPostRequest,
};

/// A business refusal: becomes a `PUT .../error` callback with this code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rejection {
    /// FSPIOP code (e.g. 3204 party not found, 5101 payee rejected quote, 5001 ...).
    pub code: ErrorCode,
    /// Description sent to the peer (no PII).
    pub description: String,
}

impl Rejection {
    /// A rejection with `code` and its standard description.
    pub fn new(code: ErrorCode) -> Self {
        Self {
            code,
            description: code.description().to_owned(),
        }
    }

    /// The wire form.
    pub fn info(&self) -> ErrorInformation {
        self.code.info(self.description.clone())
    }
}

/// What the payee's handler decides for a quote; the layer adds the ILP triple and expiration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QuoteTerms {
    /// What the payer FSP will transfer (amount + payee fees for SEND, etc.).
    pub transfer_amount: Money,
    /// What the payee receives.
    pub payee_receive_amount: Option<Money>,
    /// Payee FSP fee.
    pub payee_fsp_fee: Option<Money>,
    /// Payee FSP commission.
    pub payee_fsp_commission: Option<Money>,
    /// Quote validity end.
    pub expiration: DateTime,
}

/// The checked content of an inbound `POST /transfers`, handed to the payee handler.
#[derive(Clone, Debug, PartialEq)]
pub struct PreparedTransfer {
    /// The request as received.
    pub request: TransfersPostRequest,
    /// The transaction object decoded from the ILP packet (built by this payee at quote time).
    pub transaction: Transaction,
}

/// The payee handler's answer to a prepared transfer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TransferDecision {
    /// Credit is final: callback `COMMITTED` with the fulfilment.
    Commit,
    /// Credit is reserved: callback `RESERVED`; the switch then sends `PATCH` with the outcome.
    Reserve,
}

/// The payee role: what the DFSP's orchestration/ledger implements.
#[async_trait]
pub trait InboundHandler: Send + Sync + 'static {
    /// `GET /parties/{Type}/{ID}[/{SubId}]`: the party if this DFSP holds it
    /// (reject with [`ErrorCode::PartyNotFound`] otherwise). `requester` is the asking FSP.
    async fn lookup_party(
        &self,
        party: &PartyIdInfo,
        requester: &FspId,
    ) -> Result<Party, Rejection>;

    /// `POST /quotes`: accept (fees, amounts, expiration) or reject the quote. The layer then
    /// builds the ILP packet, condition and fulfilment and sends `PUT /quotes/{ID}`.
    async fn quote(
        &self,
        request: &QuotesPostRequest,
        requester: &FspId,
    ) -> Result<QuoteTerms, Rejection>;

    /// Called once the quote answer (with the condition) is built, before it is sent, so the
    /// handler can persist it. Default: nothing.
    async fn quote_sent(
        &self,
        _request: &QuotesPostRequest,
        _answer: &QuotesIdPutResponse,
    ) -> Result<(), Rejection> {
        Ok(())
    }

    /// `POST /transfers`, after the layer checked the packet is ours (condition regenerated),
    /// amounts/FSPs match the packet and neither quote nor transfer expired. The handler
    /// credits (or reserves) the payee and decides; the fulfilment is released only on `Ok`.
    async fn prepare_transfer(
        &self,
        transfer: &PreparedTransfer,
        requester: &FspId,
    ) -> Result<TransferDecision, Rejection>;

    /// `PATCH /transfers/{ID}`: final state of a transfer this payee answered `RESERVED`.
    async fn transfer_notification(
        &self,
        transfer_id: &CorrelationId,
        patch: &TransfersIdPatchResponse,
    ) -> Result<(), Rejection>;

    /// A transfer callback (payer role) that arrived when nobody was waiting any more (late
    /// success or error after [`TransferOutcome::Unknown`]): feed it to reconciliation.
    async fn late_transfer_result(&self, transfer_id: &CorrelationId, outcome: TransferOutcome) {
        let _ = (transfer_id, outcome);
    }
}

/// Result of a party lookup through the switch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartyLookup {
    /// The party as returned.
    pub party: Party,
    /// The FSP to address quotes/transfers to (party `fspId`, else the callback's source).
    pub fsp_id: FspId,
}

/// Outcome of a transfer as seen by the payer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TransferOutcome {
    /// Committed; the fulfilment matched the condition.
    Committed {
        /// The preimage (proof of payment).
        fulfilment: IlpFulfilment,
        /// When the switch/payee completed it.
        completed_timestamp: Option<DateTime>,
    },
    /// Definitely not done (error callback or `ABORTED`): release the reservation.
    Aborted(ErrorInformation),
    /// No final answer in time (or an inconsistent one): keep the reservation and reconcile.
    Unknown {
        /// Why the outcome is unknown (no PII).
        reason: String,
    },
}

/// Why a switch call failed (only for non-money steps; transfers report [`TransferOutcome`]).
#[derive(Debug, thiserror::Error)]
pub enum SwitchError {
    /// The peer/switch answered with an FSPIOP error (synchronously or by error callback).
    #[error("rejected: {} {}", .0.error_code, .0.error_description)]
    Rejected(ErrorInformation),
    /// No callback arrived in time.
    #[error("timed out waiting for the callback")]
    Timeout,
    /// The switch could not be reached or answered something unusable.
    #[error(transparent)]
    Layer(#[from] super::error::Error),
}

/// The payer role: the calls the payer orchestration makes. HTTP never leaks through.
#[async_trait]
pub trait Switch: Send + Sync {
    /// `GET /parties/{Type}/{ID}[/{SubId}]` and its callback.
    async fn lookup_party(&self, party: &PartyIdInfo) -> Result<PartyLookup, SwitchError>;

    /// `POST /quotes` to `payee_fsp` and its callback. The answer's packet and condition are to
    /// be used verbatim for the transfer.
    async fn request_quote(
        &self,
        payee_fsp: &FspId,
        request: &QuotesPostRequest,
    ) -> Result<QuotesIdPutResponse, SwitchError>;

    /// `POST /transfers` and its callback; on timeout it asks `GET /transfers/{ID}` before
    /// answering [`TransferOutcome::Unknown`]. A fulfilment is checked against `condition`.
    async fn transfer(&self, request: &TransfersPostRequest) -> TransferOutcome;

    /// `GET /transfers/{ID}` (recovery): the transfer's state at the switch.
    async fn get_transfer(
        &self,
        transfer_id: &CorrelationId,
        payee_fsp: &FspId,
        condition: &IlpCondition,
    ) -> TransferOutcome;

    /// `POST /participants/{Type}/{ID}[/{SubId}]`: registers one of this DFSP's customers.
    async fn register_participant(
        &self,
        party: &PartyIdInfo,
        currency: Option<&Currency>,
    ) -> Result<(), SwitchError>;
}
