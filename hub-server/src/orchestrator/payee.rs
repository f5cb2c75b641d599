//! The payee side: the FSPIOP layer's [`InboundHandler`] over the account system and the payment
//! store. Lookups answer from our customers and tills; quotes apply our payee fee schedule and are
//! stored (`quoted`, with the condition) before the answer leaves; a prepared transfer is recorded
//! (`reserved`) before anything is credited.
//!
//! Two answer modes for `POST /transfers` (config `[fspiop] payee_mode`):
//! - `reserve` (default): answer `RESERVED`, credit only when the switch's `PATCH` says
//!   `COMMITTED` (API definition v1.1 §6.7.2.6): no money is created if the switch aborts.
//! - `commit`: credit first, answer `COMMITTED` (the reference SDK's default; what the Testing
//!   Toolkit's payee collections expect). A switch-side abort after that is a reconciliation case.
//!
//! A `reserved` payment whose PATCH never came is settled by recovery with `GET /transfers/{ID}`.

use async_trait::async_trait;
use kipochi_core::api::{Direction, PaymentState};
use uuid::Uuid;

use super::external::{date_time, minor};
use super::payer::blocking_store;
use crate::accounts::{
    AccountError, Alias, AliasType, CreditRequest, Money as Minor, QuoteRequest, QuoteRole,
    TransactionType, TransferId,
};
use crate::error::Error;
use crate::fspiop::error::ErrorCode;
use crate::fspiop::handler::{
    InboundHandler, PreparedTransfer, QuoteTerms, Rejection, TransferDecision, TransferOutcome,
};
use crate::fspiop::primitives::{Amount, CorrelationId, Currency, FspId};
use crate::fspiop::types::{
    AmountType, Money, Party, PartyIdInfo, QuotesIdPutResponse, QuotesPostRequest, Scenario,
    TransferState, TransfersIdPatchResponse,
};
use crate::http::AppState;
use crate::payments::{Changes, Created, PaymentRecord, StoreError};

/// How the payee answers a prepared transfer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PayeeMode {
    /// Answer `RESERVED`; credit on the switch's `PATCH` `COMMITTED`.
    #[default]
    Reserve,
    /// Credit, then answer `COMMITTED`.
    Commit,
}

/// The DFSP's payee role.
pub struct PayeeHandler {
    state: AppState,
    mode: PayeeMode,
}

impl PayeeHandler {
    /// A handler over `state`'s accounts and payment store.
    pub fn new(state: AppState, mode: PayeeMode) -> Self {
        Self { state, mode }
    }
}

fn reject(code: ErrorCode) -> Rejection {
    Rejection::new(code)
}

fn reject_with(code: ErrorCode, description: &str) -> Rejection {
    Rejection {
        code,
        description: description.to_string(),
    }
}

/// Maps an account-system refusal on the payee side to its FSPIOP code.
fn account_rejection(e: &AccountError) -> Rejection {
    match e {
        AccountError::PartyNotFound(_)
        | AccountError::AccountNotFound(_)
        | AccountError::WrongAccountKind(_) => reject(ErrorCode::PartyNotFound),
        AccountError::LimitExceeded(_) => reject(ErrorCode::PayeeLimitError),
        AccountError::CurrencyMismatch { .. } => reject(ErrorCode::PayeeUnsupportedCurrency),
        AccountError::InvalidInput(_) => reject(ErrorCode::GenericValidationError),
        _ => {
            tracing::error!(error = %e, "payee account system failure");
            reject(ErrorCode::InternalServerError)
        }
    }
}

fn internal(e: Error) -> Rejection {
    tracing::error!(code = e.code(), error = %e, "payee processing failed");
    reject(ErrorCode::InternalServerError)
}

impl PayeeHandler {
    async fn party(&self, info: &PartyIdInfo) -> Result<crate::accounts::Party, Rejection> {
        let kind = AliasType::from_code(info.party_id_type.as_str())
            .ok_or_else(|| reject(ErrorCode::PartyNotFound))?;
        let alias = Alias {
            kind,
            value: info.party_identifier.clone(),
        };
        self.state
            .accounts
            .lookup_party(&alias)
            .await
            .map_err(|e| account_rejection(&e))
    }

    fn fsp(&self) -> Result<FspId, Rejection> {
        self.state
            .fsp_id
            .parse()
            .map_err(|_| reject(ErrorCode::InternalServerError))
    }

    async fn get(&self, id: &str) -> Result<Option<PaymentRecord>, Rejection> {
        let id = id.to_string();
        blocking_store(&self.state, move |s| match s.get(&id) {
            Ok(p) => Ok(Some(p)),
            Err(StoreError::NotFound) => Ok(None),
            Err(e) => Err(e),
        })
        .await
        .map_err(internal)
    }

    /// Credits a `reserved` incoming payment (idempotent by the transfer id) → `committed`.
    async fn credit(&self, p: PaymentRecord) -> Result<PaymentRecord, Error> {
        credit(&self.state, p).await
    }
}

/// Credits a `reserved` incoming payment (idempotent by the transfer id) and moves it to
/// `committed`; used on `PATCH COMMITTED`, in commit mode, and by recovery.
pub(super) async fn credit(state: &AppState, p: PaymentRecord) -> Result<PaymentRecord, Error> {
    if p.state != PaymentState::Reserved {
        return Ok(p);
    }
    let transfer_id = p
        .transfer_id
        .as_deref()
        .and_then(|t| Uuid::parse_str(t).ok())
        .ok_or_else(|| Error::Internal("reserved incoming payment without transfer id".into()))?;
    state
        .accounts
        .credit(CreditRequest {
            transfer_id: TransferId(transfer_id),
            payee: super::payer::parse_account(&p.account_id)?,
            amount: Minor::new(p.amount_minor, state.currency.clone()),
            fee: Minor::new(p.fee_minor, state.currency.clone()),
        })
        .await?;
    let (id, now) = (p.id.clone(), state.now());
    let changes = Changes {
        detail: Some("credited".into()),
        ..Changes::default()
    };
    let done = blocking_store(state, move |s| {
        s.transition(
            &id,
            PaymentState::Reserved,
            PaymentState::Committed,
            changes,
            now,
        )
    })
    .await?;
    super::notify::finished(state, &done).await;
    Ok(done)
}

/// Ends a `reserved` incoming payment the switch aborted: nothing was credited.
pub(super) async fn aborted(
    state: &AppState,
    p: PaymentRecord,
    code: &str,
) -> Result<PaymentRecord, Error> {
    if p.state != PaymentState::Reserved {
        return Ok(p);
    }
    let (id, now) = (p.id.clone(), state.now());
    let changes = Changes {
        error_code: Some("transfer_aborted".into()),
        error_message: Some(format!("the switch aborted the transfer ({code})")),
        detail: Some(format!("aborted: {code}")),
        ..Changes::default()
    };
    blocking_store(state, move |s| {
        s.transition(
            &id,
            PaymentState::Reserved,
            PaymentState::Failed,
            changes,
            now,
        )
    })
    .await
}

#[async_trait]
impl InboundHandler for PayeeHandler {
    async fn lookup_party(
        &self,
        info: &PartyIdInfo,
        _requester: &FspId,
    ) -> Result<Party, Rejection> {
        let found = self.party(info).await?;
        Ok(Party {
            party_id_info: PartyIdInfo {
                party_id_type: info.party_id_type,
                party_identifier: info.party_identifier.clone(),
                party_sub_id_or_type: info.party_sub_id_or_type.clone(),
                fsp_id: Some(self.fsp()?),
                extension_list: None,
            },
            merchant_classification_code: None,
            name: Some(found.display_name).filter(|n| !n.is_empty()),
            personal_info: None,
            supported_currencies: None,
        })
    }

    async fn quote(
        &self,
        request: &QuotesPostRequest,
        _requester: &FspId,
    ) -> Result<QuoteTerms, Rejection> {
        let ours = self.fsp()?;
        if request
            .payee
            .party_id_info
            .fsp_id
            .as_ref()
            .is_some_and(|f| *f != ours)
        {
            return Err(reject(ErrorCode::DestinationFspError));
        }
        let code = self.state.currency.as_str().to_string();
        if request.amount.currency.as_str() != code {
            return Err(reject(ErrorCode::PayeeUnsupportedCurrency));
        }
        let party = self.party(&request.payee.party_id_info).await?;
        let amount = minor(&request.amount, &code).map_err(|_| {
            reject_with(
                ErrorCode::GenericValidationError,
                "amount has too many decimals",
            )
        })?;
        if amount <= 0 {
            return Err(reject_with(
                ErrorCode::GenericValidationError,
                "amount must be positive",
            ));
        }
        let fee = self
            .state
            .accounts
            .quote(QuoteRequest {
                account: party.account,
                amount: Minor::new(amount, self.state.currency.clone()),
                transaction_type: match request.transaction_type.scenario {
                    Scenario::Payment => TransactionType::Payment,
                    _ => TransactionType::Transfer,
                },
                role: QuoteRole::Payee,
            })
            .await
            .map_err(|e| account_rejection(&e))?
            .fee
            .minor;
        super::merchant::check_merchant_request(
            &self.state,
            &party.account.to_string(),
            request.note.as_deref(),
            amount,
        )
        .await
        .map_err(|e| reject_with(ErrorCode::PayeeRejectedQuote, &e.to_string()))?;
        let (transfer, receive) = match request.amount_type {
            AmountType::Send => (amount, amount - fee),
            AmountType::Receive => (amount + fee, amount),
        };
        if receive <= 0 {
            return Err(reject_with(
                ErrorCode::PayeeRejectedQuote,
                "the amount does not cover the payee fee",
            ));
        }
        let now = self.state.now();
        let ours_until = now + self.state.expiry.quote_ms;
        let until = request
            .expiration
            .as_ref()
            .map(|e| e.to_utc().timestamp_millis().min(ours_until))
            .unwrap_or(ours_until);
        if until <= now {
            return Err(reject(ErrorCode::QuoteExpired));
        }
        let currency: Currency = code
            .parse()
            .map_err(|_| reject(ErrorCode::InternalServerError))?;
        let money = |m: i64| -> Result<Money, Rejection> {
            let units = u64::try_from(m).map_err(|_| reject(ErrorCode::InternalServerError))?;
            Ok(Money {
                currency: currency.clone(),
                amount: Amount::from_minor_units(units, currency.scale())
                    .map_err(|_| reject(ErrorCode::InternalServerError))?,
            })
        };
        Ok(QuoteTerms {
            transfer_amount: money(transfer)?,
            payee_receive_amount: Some(money(receive)?),
            payee_fsp_fee: Some(money(fee)?),
            payee_fsp_commission: None,
            expiration: date_time(until).map_err(internal)?,
        })
    }

    async fn quote_sent(
        &self,
        request: &QuotesPostRequest,
        answer: &QuotesIdPutResponse,
    ) -> Result<(), Rejection> {
        let code = self.state.currency.as_str().to_string();
        let party = self.party(&request.payee.party_id_info).await?;
        let m = |v: &Money| minor(v, &code).map_err(|_| reject(ErrorCode::InternalServerError));
        let transfer = m(&answer.transfer_amount)?;
        let receive = answer.payee_receive_amount.as_ref().map(m).transpose()?;
        let fee = answer.payee_fsp_fee.as_ref().map(m).transpose()?;
        let payer = &request.payer;
        let user = self.user_of(&party.account.to_string()).await;
        let now = self.state.now();
        let record = PaymentRecord {
            id: request.transaction_id.to_string(),
            direction: Direction::Incoming,
            state: PaymentState::Quoted,
            user_id: user,
            account_id: party.account.to_string(),
            counterparty: crate::payments::Party {
                id_type: payer.party_id_info.party_id_type.as_str().to_string(),
                id: payer.party_id_info.party_identifier.clone(),
                name: super::external::display_name(payer),
                fsp_id: payer
                    .party_id_info
                    .fsp_id
                    .as_ref()
                    .map(|f| f.as_str().to_string())
                    .unwrap_or_default(),
            },
            amount_minor: receive.unwrap_or(transfer),
            fee_minor: fee.unwrap_or(0),
            currency: code,
            reference: request.note.clone(),
            note: None,
            internal: false,
            quote_id: Some(request.quote_id.to_string()),
            quote_expiry: Some(answer.expiration.to_utc().timestamp_millis()),
            nonce: None,
            ilp_packet: Some(answer.ilp_packet.as_str().to_string()),
            condition: Some(answer.condition.as_str().to_string()),
            fulfilment: None,
            transfer_expiry: None,
            transfer_minor: Some(transfer),
            transfer_id: None,
            request_hash: request.quote_id.to_string(),
            error_code: None,
            error_message: None,
            created_at: now,
            updated_at: now,
        };
        let stored = blocking_store(&self.state, move |s| s.create(&record))
            .await
            .map_err(internal)?;
        match stored {
            Created::New(_) => Ok(()),
            Created::Existing(p)
                if p.direction == Direction::Incoming
                    && p.quote_id.as_deref() == Some(request.quote_id.as_str()) =>
            {
                Ok(())
            }
            Created::Existing(_) => Err(reject_with(
                ErrorCode::ModifiedRequest,
                "transactionId already used by another quote",
            )),
        }
    }

    async fn prepare_transfer(
        &self,
        transfer: &PreparedTransfer,
        _requester: &FspId,
    ) -> Result<TransferDecision, Rejection> {
        let id = transfer.transaction.transaction_id.to_string();
        let transfer_id = transfer.request.transfer_id.to_string();
        let Some(p) = self.get(&id).await? else {
            return Err(reject(ErrorCode::QuoteIdNotFound));
        };
        if p.direction != Direction::Incoming
            || p.quote_id.as_deref() != Some(transfer.transaction.quote_id.as_str())
        {
            return Err(reject(ErrorCode::QuoteIdNotFound));
        }
        let amount = minor(&transfer.request.amount, &p.currency)
            .map_err(|_| reject(ErrorCode::GenericValidationError))?;
        if Some(amount) != p.transfer_minor {
            return Err(reject_with(
                ErrorCode::GenericValidationError,
                "amount differs from the quote",
            ));
        }
        if p.transfer_id.as_deref().is_some_and(|t| t != transfer_id) {
            return Err(reject_with(
                ErrorCode::ModifiedRequest,
                "this quote was already used by another transfer",
            ));
        }
        let p = match p.state {
            PaymentState::Quoted => {
                // The account may have changed since the quote (another credit took it near
                // its maximum balance, it was blocked): refuse now rather than take a transfer
                // whose credit would fail after the switch committed it.
                self.can_receive(&p).await?;
                let (pid, now) = (p.id.clone(), self.state.now());
                let expiry = transfer.request.expiration.to_utc().timestamp_millis();
                let changes = Changes {
                    transfer_id: Some(transfer_id.clone()),
                    transfer_expiry: Some(expiry),
                    detail: Some("transfer prepared".into()),
                    ..Changes::default()
                };
                blocking_store(&self.state, move |s| {
                    s.transition(
                        &pid,
                        PaymentState::Quoted,
                        PaymentState::Reserved,
                        changes,
                        now,
                    )
                })
                .await
                .map_err(internal)?
            }
            PaymentState::Reserved | PaymentState::Committed => p,
            PaymentState::Expired => return Err(reject(ErrorCode::QuoteExpired)),
            _ => return Err(reject(ErrorCode::PayeeRejectedTransaction)),
        };
        match (self.mode, p.state) {
            (_, PaymentState::Committed) => Ok(TransferDecision::Commit),
            (PayeeMode::Reserve, _) => Ok(TransferDecision::Reserve),
            (PayeeMode::Commit, _) => {
                self.credit(p).await.map_err(internal)?;
                Ok(TransferDecision::Commit)
            }
        }
    }

    async fn transfer_notification(
        &self,
        transfer_id: &CorrelationId,
        patch: &TransfersIdPatchResponse,
    ) -> Result<(), Rejection> {
        let tid = transfer_id.to_string();
        let found = blocking_store(&self.state, move |s| s.by_transfer_id(&tid))
            .await
            .map_err(internal)?;
        let Some(p) = found else {
            return Err(reject(ErrorCode::TransferIdNotFound));
        };
        match patch.transfer_state {
            TransferState::Committed => self.credit(p).await.map(drop).map_err(internal),
            TransferState::Aborted => aborted(&self.state, p, "PATCH ABORTED")
                .await
                .map(drop)
                .map_err(internal),
            _ => Ok(()),
        }
    }

    async fn late_transfer_result(&self, transfer_id: &CorrelationId, outcome: TransferOutcome) {
        let Ok(Some(p)) = self.get(transfer_id.as_str()).await else {
            return;
        };
        if p.direction == Direction::Outgoing
            && let Err(e) = super::external::settle(&self.state, p, outcome).await
        {
            tracing::warn!(
                code = e.code(),
                "late transfer result not applied; recovery retries"
            );
        }
    }
}

impl PayeeHandler {
    /// Checks with the account system that `p`'s account can take its credit now.
    async fn can_receive(&self, p: &PaymentRecord) -> Result<(), Rejection> {
        let account = super::payer::parse_account(&p.account_id).map_err(internal)?;
        self.state
            .accounts
            .quote(QuoteRequest {
                account,
                amount: Minor::new(p.amount_minor, self.state.currency.clone()),
                transaction_type: TransactionType::Transfer,
                role: QuoteRole::Payee,
            })
            .await
            .map(drop)
            .map_err(|e| account_rejection(&e))
    }

    async fn user_of(&self, account: &str) -> Option<String> {
        let (auth, account) = (self.state.auth.clone(), account.to_string());
        crate::api::blocking(move || auth.user_by_account(&account))
            .await
            .ok()
            .flatten()
            .map(|u| u.id.to_string())
    }
}
