//! The Fineract adapter against the contract double over HTTP on 127.0.0.1: the exact calls it
//! makes, Fineract's quirks, lost answers and retries, transport and auth failures.

use kipochi_hub::accounts::*;
use kipochi_hub::fineract::{FineractAccounts, FineractSettings, Secret};

use crate::accounts_contract::fixture::{FEE, adapter, m, tzs, wallet};
use crate::fineract_double::{self, FineractDouble};

struct Setup {
    double: FineractDouble,
    dir: tempfile::TempDir,
    fx: FineractAccounts,
}

async fn setup() -> Setup {
    let double = FineractDouble::start(FEE).await;
    let dir = tempfile::tempdir().unwrap();
    let fx = adapter(&double, &dir, "fineract.db");
    Setup { double, dir, fx }
}

impl Setup {
    async fn funded(&self, msisdn: &str, balance: i64) -> AccountId {
        let id = self
            .fx
            .open_account(wallet("Test Customer", msisdn))
            .await
            .unwrap()
            .id;
        if balance > 0 {
            self.double.deposit(id, balance).await;
        }
        id
    }

    async fn bal(&self, id: AccountId) -> (i64, i64) {
        let b = self.fx.balance(id).await.unwrap();
        (b.ledger.minor, b.available.minor)
    }

    fn done(&self) {
        assert_eq!(self.double.unexpected(), Vec::<String>::new());
    }
}

fn reserve(id: TransferId, payer: AccountId, amount: i64) -> ReserveRequest {
    ReserveRequest {
        transfer_id: id,
        payer,
        amount: m(amount),
        fee: m(FEE),
    }
}

#[tokio::test]
async fn onboarding_makes_the_documented_calls_with_idempotency_keys() {
    let s = setup().await;
    let req = wallet("Asha Juma", "+255 700 000 001");
    s.fx.open_account(req.clone()).await.unwrap();
    let calls: Vec<_> = s
        .double
        .calls()
        .iter()
        .map(|c| {
            format!(
                "{} {}{}",
                c.method,
                c.path,
                if c.query.is_empty() {
                    String::new()
                } else {
                    format!("?{}", c.query)
                }
            )
        })
        .collect();
    let ext = req.id.to_string();
    assert_eq!(
        calls,
        vec![
            "GET /savingsproducts/2".to_string(),
            "GET /interoperation/parties/MSISDN/%2B255%20700%20000%20001".into(),
            "POST /clients".into(),
            "POST /savingsaccounts".into(),
            format!("GET /savingsaccounts/external-id/{ext}"),
            "POST /savingsaccounts/2?command=approve".into(),
            "POST /savingsaccounts/2?command=activate".into(),
            "POST /interoperation/parties/MSISDN/%2B255%20700%20000%20001".into(),
        ]
    );
    for call in s.double.calls().iter().filter(|c| c.method == "POST") {
        let key = call.idempotency_key.as_deref().unwrap();
        assert!(key.starts_with(&format!("kipochi-onboard-{ext}-")), "{key}");
        assert!(call.status < 300, "{call:?}");
    }
    let m = s.double.model.lock().unwrap();
    let client = m.clients.values().next().unwrap();
    assert_eq!(client.display_name, "Asha Juma");
    assert_eq!(client.external_id.as_deref(), Some(ext.as_str()));
    assert_eq!(client.mobile_no.as_deref(), Some("+255 700 000 001"));
    let savings = m.savings.values().next().unwrap();
    assert_eq!(
        (savings.status, savings.external_id.as_deref()),
        (300, Some(ext.as_str()))
    );
    drop(m);
    s.done();
}

#[tokio::test]
async fn onboarding_retried_after_a_lost_answer_creates_one_client() {
    let s = setup().await;
    let req = wallet("Baraka Mrema", "255700000002");
    s.double.lose_answer_of("/clients");
    assert!(matches!(
        s.fx.open_account(req.clone()).await,
        Err(AccountError::Unavailable(_))
    ));
    s.double.lose_answer_of("command=activate");
    assert!(s.fx.open_account(req.clone()).await.is_err());
    let info = s.fx.open_account(req.clone()).await.unwrap();
    assert_eq!(info.id, req.id);
    assert_eq!(s.double.counts(), (1, 1), "one client, one savings account");
    let replays: Vec<_> = s
        .double
        .calls_to("/clients")
        .into_iter()
        .map(|c| (c.status, c.from_cache))
        .collect();
    assert_eq!(
        replays,
        vec![(504, false), (200, true)],
        "the retry was served from Fineract's cache"
    );
    assert_eq!(
        s.fx.lookup_party(&req.aliases[0]).await.unwrap().account,
        req.id
    );
    s.done();
}

#[tokio::test]
async fn onboarding_sync_retried_on_a_fresh_hub_record_still_creates_one_client() {
    let s = setup().await;
    let req = wallet("Chausiku Said", "255700000003");
    s.fx.open_account(req.clone()).await.unwrap();
    // Same onboarding id, but the adapter's own record is gone (another hub node, restored data).
    let other = adapter(&s.double, &s.dir, "other.db");
    assert_eq!(other.open_account(req.clone()).await.unwrap().id, req.id);
    assert_eq!(s.double.counts(), (1, 1));
    s.done();
}

#[tokio::test]
async fn onboarding_without_fineract_idempotency_falls_back_to_external_ids() {
    let s = setup().await;
    let req = wallet("Daudi Kimaro", "255700000004");
    s.double.lose_answer_of("/clients");
    assert!(s.fx.open_account(req.clone()).await.is_err());
    // A Fineract without the idempotency filter: the stored answer is gone.
    s.double.model.lock().unwrap().idempotency.clear();
    s.fx.open_account(req.clone()).await.unwrap();
    assert_eq!(s.double.counts(), (1, 1));
    assert!(s.double.calls_to("/clients/external-id/").len() == 1);
    s.done();
}

#[tokio::test]
async fn alias_taken_in_fineract_is_refused_before_any_write() {
    let s = setup().await;
    s.funded("255700000005", 0).await;
    let before = s.double.counts();
    let other = wallet("Someone", "255700000005");
    assert_eq!(
        s.fx.open_account(other).await,
        Err(AccountError::AliasInUse(AliasType::Msisdn))
    );
    assert_eq!(s.double.counts(), before);
    s.done();
}

#[tokio::test]
async fn repeated_prepare_after_a_lost_answer_is_recognised_despite_swapped_codes() {
    let s = setup().await;
    let payer = s.funded("255700000006", 10_000).await;
    let id = TransferId::new_v4();
    s.double.lose_answer_of("action=PREPARE");
    assert!(matches!(
        s.fx.reserve(reserve(id, payer, 1_000)).await,
        Err(AccountError::Unavailable(_))
    ));
    let held = s.fx.reserve(reserve(id, payer, 1_000)).await.unwrap();
    assert_eq!(held.state, TransferState::Held);
    let prepares: Vec<_> = s
        .double
        .calls_to("action=PREPARE")
        .iter()
        .map(|c| c.status)
        .collect();
    assert_eq!(
        prepares,
        vec![504, 403],
        "the repeat was refused as already done"
    );
    assert_eq!(s.bal(payer).await, (10_000, 8_900), "one hold");
    s.fx.commit(id).await.unwrap();
    assert_eq!(s.bal(payer).await, (8_900, 8_900));
    s.done();
}

#[tokio::test]
async fn repeated_prepare_that_fails_the_balance_check_finds_its_hold() {
    let s = setup().await;
    // Fineract checks the balance before looking for a duplicate hold: with the first hold in
    // place, the repeat fails as "insufficient balance".
    let payer = s.funded("255700000007", 1_500).await;
    let id = TransferId::new_v4();
    s.double.lose_answer_of("action=PREPARE");
    assert!(s.fx.reserve(reserve(id, payer, 1_000)).await.is_err());
    assert_eq!(
        s.fx.reserve(reserve(id, payer, 1_000)).await.unwrap().state,
        TransferState::Held
    );
    let last = s.double.calls_to("action=PREPARE").pop().unwrap();
    assert_eq!(last.status, 403);
    assert_eq!(s.bal(payer).await, (1_500, 400));
    s.done();
}

#[tokio::test]
async fn repeated_create_is_treated_as_committed_and_books_once() {
    let s = setup().await;
    let payer = s.funded("255700000008", 10_000).await;
    let id = TransferId::new_v4();
    s.fx.reserve(reserve(id, payer, 2_000)).await.unwrap();
    s.double.lose_answer_of("action=CREATE");
    assert!(matches!(
        s.fx.commit(id).await,
        Err(AccountError::Unavailable(_))
    ));
    assert_eq!(s.fx.transfer(id).await.unwrap().state, TransferState::Held);
    assert_eq!(
        s.fx.commit(id).await.unwrap().state,
        TransferState::Committed
    );
    let creates: Vec<_> = s
        .double
        .calls_to("action=CREATE")
        .iter()
        .map(|c| c.status)
        .collect();
    assert_eq!(creates, vec![504, 403]);
    assert_eq!(s.bal(payer).await, (7_900, 7_900));
    s.done();
}

#[tokio::test]
async fn lost_release_and_lost_credit_are_retried_safely() {
    let s = setup().await;
    let payer = s.funded("255700000009", 5_000).await;
    let id = TransferId::new_v4();
    s.fx.reserve(reserve(id, payer, 1_000)).await.unwrap();
    s.double.lose_answer_of("action=RELEASE");
    assert!(s.fx.release(id).await.is_err());
    assert_eq!(
        s.fx.release(id).await.unwrap().state,
        TransferState::Released
    );
    assert_eq!(s.bal(payer).await, (5_000, 5_000));

    let credit = CreditRequest {
        transfer_id: TransferId::new_v4(),
        payee: payer,
        amount: m(700),
        fee: m(0),
    };
    s.double.lose_answer_of("action=CREATE");
    assert!(s.fx.credit(credit.clone()).await.is_err());
    assert_eq!(
        s.fx.credit(credit).await.unwrap().state,
        TransferState::Committed
    );
    assert_eq!(s.bal(payer).await, (5_700, 5_700), "deposited once");
    s.done();
}

#[tokio::test]
async fn release_after_an_unknown_prepare_outcome_settles_both_ways() {
    let s = setup().await;
    let payer = s.funded("255700000010", 5_000).await;
    // The PREPARE was applied but its answer lost; the orchestrator gives up and releases.
    let id = TransferId::new_v4();
    s.double.lose_answer_of("action=PREPARE");
    assert!(s.fx.reserve(reserve(id, payer, 1_000)).await.is_err());
    assert_eq!(
        s.fx.release(id).await.unwrap().state,
        TransferState::Released
    );
    assert_eq!(s.bal(payer).await, (5_000, 5_000));
    s.done();
}

#[tokio::test]
async fn internal_transfer_resumes_after_a_lost_payee_credit() {
    let s = setup().await;
    let payer = s.funded("255700000011", 10_000).await;
    let payee = s.funded("255700000012", 0).await;
    let req = InternalTransferRequest {
        transfer_id: TransferId::new_v4(),
        payer,
        payee,
        amount: m(4_000),
        fee: m(FEE),
    };
    // Lose the second CREATE (the payee's deposit): the payer is debited, the payee not yet told.
    s.double.lose_answer_of("action=CREATE");
    assert!(s.fx.internal_transfer(req.clone()).await.is_err());
    let after_first = s.bal(payer).await;
    assert_eq!(
        s.fx.internal_transfer(req.clone()).await.unwrap().state,
        TransferState::Committed
    );
    assert_eq!(s.bal(payer).await, (5_900, 5_900));
    assert_eq!(s.bal(payee).await, (4_000, 4_000));
    assert!(after_first.0 == 10_000 || after_first.0 == 5_900);
    s.done();
}

#[tokio::test]
async fn amounts_are_sent_as_exact_decimals_and_history_reads_fineract_dates() {
    let s = setup().await;
    let payee = s.funded("255700000013", 12_345).await;
    let page =
        s.fx.history(
            payee,
            PageRequest {
                before: None,
                limit: 10,
            },
        )
        .await
        .unwrap();
    assert_eq!(page.entries.len(), 1);
    let e = &page.entries[0];
    assert_eq!(
        (e.amount.minor, e.balance_after, e.kind),
        (12_345, 12_345, TransferKind::Funding)
    );
    // [2026, 12, 2] → midnight UTC.
    assert_eq!(e.at_ms, 1_796_169_600_000);
    assert_eq!(s.bal(payee).await, (12_345, 12_345));
    s.done();
}

#[tokio::test]
async fn wrong_credentials_tenant_or_unreachable_fineract_are_unavailable_without_secrets() {
    let s = setup().await;
    let base = |password: &str, tenant: &str| {
        FineractSettings::basic(&s.double.base_url, tenant, fineract_double::USER, password)
    };
    let id = s.funded("255700000014", 100).await;
    for (i, settings) in [
        base("wrong-secret", fineract_double::TENANT),
        base(fineract_double::PASSWORD, "other"),
    ]
    .into_iter()
    .enumerate()
    {
        let fx = FineractAccounts::open(settings, &s.dir.path().join(format!("x{i}.db")), tzs())
            .unwrap();
        let err = fx.balance(id).await.unwrap_err();
        assert!(matches!(err, AccountError::Unavailable(_)), "{err:?}");
        assert!(!err.to_string().contains("wrong-secret"));
    }
    let mut bearer = base("", fineract_double::TENANT);
    bearer.password = None;
    bearer.bearer_token = Some(Secret(fineract_double::TOKEN.into()));
    let fx = FineractAccounts::open(bearer, &s.dir.path().join("b.db"), tzs()).unwrap();
    assert_eq!(fx.balance(id).await.unwrap().ledger, m(100));

    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = closed.local_addr().unwrap();
    drop(closed);
    let down = FineractSettings::basic(
        &format!("http://{addr}/fineract-provider/api/v1"),
        "t",
        "u",
        "p",
    );
    let fx = FineractAccounts::open(down, &s.dir.path().join("d.db"), tzs()).unwrap();
    assert!(matches!(
        fx.balance(id).await,
        Err(AccountError::Unavailable(_))
    ));
    assert!(matches!(
        fx.reserve(reserve(TransferId::new_v4(), id, 10)).await,
        Err(AccountError::Unavailable(_))
    ));
    s.done();
}

#[tokio::test]
async fn missing_non_cash_payment_type_fails_without_booking() {
    let s = setup().await;
    let payer = s.funded("255700000015", 5_000).await;
    s.double
        .model
        .lock()
        .unwrap()
        .payment_types
        .retain(|(_, cash)| *cash);
    let id = TransferId::new_v4();
    assert!(matches!(
        s.fx.reserve(reserve(id, payer, 1_000)).await,
        Err(AccountError::Unavailable(_))
    ));
    assert_eq!(s.bal(payer).await, (5_000, 5_000));
    s.done();
}

#[tokio::test]
async fn merchant_accounts_use_their_product_and_legal_form() {
    let s = setup().await;
    let req = OpenAccount {
        kind: AccountKind::Merchant,
        ..wallet("Duka la Mama Shop", "255700000016")
    };
    s.fx.open_account(req.clone()).await.unwrap();
    let party = s.fx.lookup_party(&req.aliases[0]).await.unwrap();
    assert_eq!(
        (party.kind, party.display_name.as_str()),
        (AccountKind::Merchant, "Duka la Mama Shop")
    );
    let m = s.double.model.lock().unwrap();
    assert_eq!(m.clients.values().next().unwrap().legal_form_id, 2);
    assert_eq!(
        m.savings.values().next().unwrap().product_id,
        fineract_double::WALLET_PRODUCT
    );
    drop(m);
    s.done();
}

#[tokio::test]
async fn a_restarted_adapter_resumes_from_its_durable_record() {
    let s = setup().await;
    let payer = s.funded("255700000017", 10_000).await;
    let id = TransferId::new_v4();
    s.fx.reserve(reserve(id, payer, 3_000)).await.unwrap();
    s.double.lose_answer_of("action=CREATE");
    assert!(s.fx.commit(id).await.is_err());
    // The hub process dies; a new one opens the same record file.
    let Setup { double, dir, fx } = s;
    drop(fx);
    let fx = adapter(&double, &dir, "fineract.db");
    let record = fx.transfer(id).await.unwrap();
    assert_eq!(
        (record.state, record.amount.clone(), record.fee.clone()),
        (TransferState::Held, m(3_000), m(FEE))
    );
    assert_eq!(fx.commit(id).await.unwrap().state, TransferState::Committed);
    let b = fx.balance(payer).await.unwrap();
    assert_eq!((b.ledger.minor, b.available.minor), (6_900, 6_900));
    assert_eq!(double.unexpected(), Vec::<String>::new());
}

#[tokio::test]
async fn commit_after_an_unknown_prepare_outcome_looks_for_the_hold() {
    let s = setup().await;
    let payer = s.funded("255700000018", 10_000).await;
    let id = TransferId::new_v4();
    s.double.lose_answer_of("action=PREPARE");
    assert!(s.fx.reserve(reserve(id, payer, 1_000)).await.is_err());
    assert_eq!(
        s.fx.commit(id).await.unwrap().state,
        TransferState::Committed
    );
    assert_eq!(s.bal(payer).await, (8_900, 8_900));
    // A PREPARE that never reached Fineract: nothing to commit.
    let never = TransferId::new_v4();
    s.double
        .model
        .lock()
        .unwrap()
        .payment_types
        .retain(|(_, cash)| *cash);
    assert!(s.fx.reserve(reserve(never, payer, 1_000)).await.is_err());
    assert_eq!(
        s.fx.commit(never).await,
        Err(AccountError::TransferNotFound(never))
    );
    assert_eq!(s.bal(payer).await, (8_900, 8_900));
    s.done();
}

#[tokio::test]
async fn concurrent_commit_and_release_of_one_transfer_settle_one_way() {
    let s = setup().await;
    let payer = s.funded("255700000019", 10_000).await;
    for _ in 0..5 {
        let id = TransferId::new_v4();
        s.fx.reserve(reserve(id, payer, 1_000)).await.unwrap();
        let (commit, release) = tokio::join!(s.fx.commit(id), s.fx.release(id));
        let committed = commit.is_ok();
        assert_ne!(committed, release.is_ok(), "exactly one wins");
        let state = s.fx.transfer(id).await.unwrap().state;
        assert_eq!(
            state,
            if committed {
                TransferState::Committed
            } else {
                TransferState::Released
            }
        );
    }
    let (ledger, available) = s.bal(payer).await;
    assert_eq!(ledger, available, "no hold left behind");
    assert_eq!(
        (10_000 - ledger) % 1_100,
        0,
        "only whole transfers were booked"
    );
    s.done();
}

#[tokio::test]
async fn a_phone_number_held_by_another_fineract_client_is_alias_in_use() {
    let s = setup().await;
    {
        let mut m = s.double.model.lock().unwrap();
        let id = m.next_id();
        m.clients.insert(
            id,
            crate::fineract_double::model::Client {
                id,
                office_id: 1,
                legal_form_id: 1,
                external_id: None,
                display_name: "Branch Customer".into(),
                mobile_no: Some("255700000020".into()),
                date_of_birth: None,
            },
        );
    }
    assert_eq!(
        s.fx.open_account(wallet("New Customer", "255700000020"))
            .await,
        Err(AccountError::AliasInUse(AliasType::Msisdn))
    );
    assert_eq!(s.double.counts(), (1, 0), "nothing created");
    s.done();
}
