//! [`AccountSystem`] for [`FineractAccounts`]: each method delegates to its module.

use async_trait::async_trait;

use super::FineractAccounts;
use crate::accounts::*;

#[async_trait]
impl AccountSystem for FineractAccounts {
    async fn open_account(&self, req: OpenAccount) -> AccountResult<AccountInfo> {
        self.do_open(req).await
    }

    async fn account(&self, id: AccountId) -> AccountResult<AccountInfo> {
        self.do_account(id).await
    }

    async fn lookup_party(&self, alias: &Alias) -> AccountResult<Party> {
        self.do_lookup(alias).await
    }

    async fn quote(&self, req: QuoteRequest) -> AccountResult<FeeQuote> {
        self.do_quote(req).await
    }

    async fn reserve(&self, req: ReserveRequest) -> AccountResult<TransferRecord> {
        let _guard = self.lock(req.transfer_id).await;
        self.do_reserve(req).await
    }

    async fn commit(&self, id: TransferId) -> AccountResult<TransferRecord> {
        let _guard = self.lock(id).await;
        self.do_commit(id).await
    }

    async fn release(&self, id: TransferId) -> AccountResult<TransferRecord> {
        let _guard = self.lock(id).await;
        self.do_release(id).await
    }

    async fn credit(&self, req: CreditRequest) -> AccountResult<TransferRecord> {
        let _guard = self.lock(req.transfer_id).await;
        self.do_credit(req).await
    }

    async fn internal_transfer(
        &self,
        req: InternalTransferRequest,
    ) -> AccountResult<TransferRecord> {
        let _guard = self.lock(req.transfer_id).await;
        self.do_internal(req).await
    }

    async fn transfer(&self, id: TransferId) -> AccountResult<TransferRecord> {
        self.do_transfer(id).await
    }

    async fn balance(&self, account: AccountId) -> AccountResult<Balance> {
        self.do_balance(account).await
    }

    async fn history(&self, account: AccountId, page: PageRequest) -> AccountResult<HistoryPage> {
        self.do_history(account, page).await
    }
}
