//! Property test: random sequences of ledger operations against a simple model. The books always
//! balance (Σ lines = 0, Σ balances = 0), each account's balance equals the sum of its lines, no
//! customer balance goes negative, and each outcome (success or typed refusal) is the model's.

use crate::ledger_support;

use kipochi_hub::accounts::{
    AccountError, AccountId, AccountKind, AccountSystem, CreditRequest, InternalTransferRequest,
    ReserveRequest, TransferId, TransferState,
};
use kipochi_hub::ledger::{Ledger, LedgerOptions, Synchronous};
use ledger_support::{bal, funded_wallet, m, new_ledger, tzs};
use proptest::prelude::*;

const WALLETS: usize = 4;

#[derive(Debug, Clone)]
enum Op {
    Reserve {
        payer: usize,
        amount: i64,
        fee: i64,
    },
    Commit(usize),
    Release(usize),
    Credit {
        payee: usize,
        amount: i64,
        fee: i64,
    },
    Internal {
        payer: usize,
        payee: usize,
        amount: i64,
        fee: i64,
    },
    RetryReserve(usize),
    ConflictingReserve(usize),
}

fn op() -> impl Strategy<Value = Op> {
    let w = 0..WALLETS;
    let amount = 1i64..3_000;
    let fee = 0i64..50;
    prop_oneof![
        3 => (w.clone(), amount.clone(), fee.clone())
            .prop_map(|(payer, amount, fee)| Op::Reserve { payer, amount, fee }),
        2 => any::<usize>().prop_map(Op::Commit),
        2 => any::<usize>().prop_map(Op::Release),
        2 => (w.clone(), amount.clone(), fee.clone())
            .prop_map(|(payee, amount, fee)| Op::Credit { payee, amount, fee }),
        3 => (w.clone(), w, amount, fee).prop_map(|(payer, payee, amount, fee)| Op::Internal {
            payer,
            payee,
            amount,
            fee
        }),
        1 => any::<usize>().prop_map(Op::RetryReserve),
        1 => any::<usize>().prop_map(Op::ConflictingReserve),
    ]
}

/// What the model expects of the ledger.
#[derive(Default)]
struct Model {
    balance: [i64; WALLETS],
    held: [i64; WALLETS],
    settlement: i64,
    fees: i64,
    /// Outgoing transfers: request and state.
    outgoing: Vec<(ReserveRequest, usize, TransferState)>,
}

impl Model {
    fn available(&self, i: usize) -> i64 {
        self.balance[i] - self.held[i]
    }
}

async fn run(start: [i64; WALLETS], ops: Vec<Op>) -> Result<(), TestCaseError> {
    let (_dir, ledger) = new_ledger(LedgerOptions {
        synchronous: Synchronous::Normal,
        ..LedgerOptions::default()
    });
    let mut ids: Vec<AccountId> = Vec::new();
    let mut model = Model::default();
    for (i, s) in start.iter().enumerate() {
        ids.push(funded_wallet(&ledger, &format!("25574000000{i}"), *s).await);
        model.balance[i] = *s;
    }
    for op in ops {
        apply(&ledger, &ids, &mut model, op).await?;
    }
    let report = ledger.audit().await.unwrap();
    prop_assert!(report.is_consistent(), "{:?}", report);
    for (i, id) in ids.iter().enumerate() {
        let (ledger_bal, available) = bal(&ledger, *id).await;
        prop_assert_eq!(ledger_bal, model.balance[i]);
        prop_assert_eq!(available, model.available(i));
        prop_assert!(available >= 0);
    }
    for (kind, want) in [
        (AccountKind::Settlement, model.settlement),
        (AccountKind::FeesIncome, model.fees),
    ] {
        let id = ledger.system_account(kind, tzs()).await.unwrap();
        prop_assert_eq!(bal(&ledger, id).await.0, want);
    }
    Ok(())
}

async fn apply(
    ledger: &Ledger,
    ids: &[AccountId],
    model: &mut Model,
    op: Op,
) -> Result<(), TestCaseError> {
    match op {
        Op::Reserve { payer, amount, fee } => {
            let req = ReserveRequest {
                transfer_id: TransferId::new_v4(),
                payer: ids[payer],
                amount: m(amount),
                fee: m(fee),
            };
            let got = ledger.reserve(req.clone()).await;
            if model.available(payer) >= amount + fee {
                prop_assert_eq!(got.unwrap().state, TransferState::Held);
                model.held[payer] += amount + fee;
                model.outgoing.push((req, payer, TransferState::Held));
            } else {
                prop_assert_eq!(got, Err(AccountError::InsufficientFunds));
            }
        }
        Op::Commit(k) | Op::Release(k) if model.outgoing.is_empty() => {
            let _ = k;
        }
        Op::Commit(k) => {
            let n = model.outgoing.len();
            let (req, payer, state) = &mut model.outgoing[k % n];
            let total = req.amount.minor + req.fee.minor;
            let got = ledger.commit(req.transfer_id).await;
            match state {
                TransferState::Held => {
                    prop_assert_eq!(got.unwrap().state, TransferState::Committed);
                    model.balance[*payer] -= total;
                    model.held[*payer] -= total;
                    model.settlement += req.amount.minor;
                    model.fees += req.fee.minor;
                    *state = TransferState::Committed;
                }
                TransferState::Committed => {
                    prop_assert_eq!(got.unwrap().state, TransferState::Committed)
                }
                TransferState::Released => {
                    let is_invalid = matches!(got, Err(AccountError::InvalidState { .. }));
                    prop_assert!(is_invalid);
                }
            }
        }
        Op::Release(k) => {
            let n = model.outgoing.len();
            let (req, payer, state) = &mut model.outgoing[k % n];
            let got = ledger.release(req.transfer_id).await;
            match state {
                TransferState::Held => {
                    prop_assert_eq!(got.unwrap().state, TransferState::Released);
                    model.held[*payer] -= req.amount.minor + req.fee.minor;
                    *state = TransferState::Released;
                }
                TransferState::Released => {
                    prop_assert_eq!(got.unwrap().state, TransferState::Released)
                }
                TransferState::Committed => {
                    let is_invalid = matches!(got, Err(AccountError::InvalidState { .. }));
                    prop_assert!(is_invalid);
                }
            }
        }
        Op::Credit { payee, amount, fee } => {
            let req = CreditRequest {
                transfer_id: TransferId::new_v4(),
                payee: ids[payee],
                amount: m(amount),
                fee: m(fee),
            };
            prop_assert_eq!(
                ledger.credit(req).await.unwrap().state,
                TransferState::Committed
            );
            model.balance[payee] += amount;
            model.settlement -= amount + fee;
            model.fees += fee;
        }
        Op::Internal {
            payer,
            payee,
            amount,
            fee,
        } => {
            let req = InternalTransferRequest {
                transfer_id: TransferId::new_v4(),
                payer: ids[payer],
                payee: ids[payee],
                amount: m(amount),
                fee: m(fee),
            };
            let got = ledger.internal_transfer(req).await;
            if payer == payee {
                let is_invalid = matches!(got, Err(AccountError::InvalidInput(_)));
                prop_assert!(is_invalid);
            } else if model.available(payer) >= amount + fee {
                prop_assert_eq!(got.unwrap().state, TransferState::Committed);
                model.balance[payer] -= amount + fee;
                model.balance[payee] += amount;
                model.fees += fee;
            } else {
                prop_assert_eq!(got, Err(AccountError::InsufficientFunds));
            }
        }
        Op::RetryReserve(k) | Op::ConflictingReserve(k) if model.outgoing.is_empty() => {
            let _ = k;
        }
        Op::RetryReserve(k) => {
            let n = model.outgoing.len();
            let (req, _, state) = &model.outgoing[k % n];
            prop_assert_eq!(ledger.reserve(req.clone()).await.unwrap().state, *state);
        }
        Op::ConflictingReserve(k) => {
            let n = model.outgoing.len();
            let mut req = model.outgoing[k % n].0.clone();
            req.amount.minor += 1;
            let is_conflict = matches!(ledger.reserve(req).await, Err(AccountError::Conflict(_)));
            prop_assert!(is_conflict);
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn random_operations_keep_the_books_balanced(
        start in proptest::array::uniform4(0i64..6_000),
        ops in proptest::collection::vec(op(), 1..40),
    ) {
        let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
        rt.block_on(run(start, ops))?;
    }
}
