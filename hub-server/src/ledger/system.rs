//! [`AccountSystem`] for the embedded [`Ledger`]: each call is one write transaction or one read.

use async_trait::async_trait;

use crate::accounts::{
    AccountId, AccountInfo, AccountResult, AccountSystem, Alias, Balance, CreditRequest, FeeQuote,
    HistoryPage, InternalTransferRequest, OpenAccount, PageRequest, Party, QuoteRequest,
    ReserveRequest, TransferId, TransferRecord,
};

use super::{Ledger, ops, read, store};

#[async_trait]
impl AccountSystem for Ledger {
    async fn open_account(&self, req: OpenAccount) -> AccountResult<AccountInfo> {
        self.write(move |c, now| ops::open_account(c, &req, now))
            .await
    }

    async fn account(&self, id: AccountId) -> AccountResult<AccountInfo> {
        self.read(move |c, _| store::load_info(c, id)).await
    }

    async fn lookup_party(&self, alias: &Alias) -> AccountResult<Party> {
        let alias = alias.clone();
        self.read(move |c, _| read::lookup_party(c, &alias)).await
    }

    async fn quote(&self, req: QuoteRequest) -> AccountResult<FeeQuote> {
        self.read(move |c, inner| ops::quote(c, &inner.fees, &req, store::now_ms()))
            .await
    }

    async fn reserve(&self, req: ReserveRequest) -> AccountResult<TransferRecord> {
        self.write(move |c, now| ops::reserve(c, &req, now)).await
    }

    async fn commit(&self, id: TransferId) -> AccountResult<TransferRecord> {
        self.write(move |c, now| ops::commit(c, id, now)).await
    }

    async fn release(&self, id: TransferId) -> AccountResult<TransferRecord> {
        self.write(move |c, now| ops::release(c, id, now)).await
    }

    async fn credit(&self, req: CreditRequest) -> AccountResult<TransferRecord> {
        self.write(move |c, now| ops::credit(c, &req, now)).await
    }

    async fn internal_transfer(
        &self,
        req: InternalTransferRequest,
    ) -> AccountResult<TransferRecord> {
        self.write(move |c, now| ops::internal_transfer(c, &req, now))
            .await
    }

    async fn transfer(&self, id: TransferId) -> AccountResult<TransferRecord> {
        self.read(move |c, _| {
            store::load_transfer(c, id)?.ok_or(crate::accounts::AccountError::TransferNotFound(id))
        })
        .await
    }

    async fn balance(&self, account: AccountId) -> AccountResult<Balance> {
        self.read(move |c, _| read::balance(c, account)).await
    }

    async fn history(&self, account: AccountId, page: PageRequest) -> AccountResult<HistoryPage> {
        self.read(move |c, _| read::history(c, account, page)).await
    }
}
