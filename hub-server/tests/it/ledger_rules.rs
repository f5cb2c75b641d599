//! Input rules of the account types and the ledger's configuration.

use crate::ledger_support;

use kipochi_hub::accounts::{
    AccountError, AccountId, AccountKind, AccountSystem, Alias, AliasType, CreditRequest, Currency,
    InternalTransferRequest, LimitKind, Limits, OpenAccount, QuoteRequest, QuoteRole,
    TransactionType, TransferId,
};
use kipochi_hub::ledger::{FeeRule, FeeSchedule, Ledger, LedgerError, LedgerOptions};
use ledger_support::{bal, funded_wallet, m, new_ledger, tzs, wallet_request};

#[test]
fn currency_codes_are_three_upper_case_letters() {
    assert_eq!("KES".parse::<Currency>().unwrap().as_str(), "KES");
    for bad in ["", "kes", "KE", "KESH", "K3S", "ÄBC"] {
        assert!(bad.parse::<Currency>().is_err(), "{bad:?}");
    }
    let json: Result<Currency, _> = serde_json::from_str("\"usd\"");
    assert!(json.is_err());
    assert_eq!(serde_json::to_string(&tzs()).unwrap(), "\"TZS\"");
}

#[test]
fn fee_schedule_reads_from_config_and_is_validated_at_open() {
    let json = r#"{"payer": {"TRANSFER": {"fixed": 100, "basis_points": 50, "max": 2000}},
                   "payee": {"PAYMENT": {"fixed": 10}}}"#;
    let fees: FeeSchedule = serde_json::from_str(json).unwrap();
    assert_eq!(
        fees.payer[&TransactionType::Transfer],
        FeeRule {
            fixed: 100,
            basis_points: 50,
            min: 0,
            max: Some(2_000)
        }
    );
    assert!(serde_json::from_str::<FeeSchedule>(r#"{"payer": {}, "extra": 1}"#).is_err());

    let mut bad = FeeSchedule::default();
    bad.payer.insert(
        TransactionType::Payment,
        FeeRule {
            fixed: -1,
            ..FeeRule::default()
        },
    );
    let dir = tempfile::tempdir().unwrap();
    let opened = Ledger::open_with(
        dir.path().join("ledger.db"),
        LedgerOptions {
            fees: bad,
            ..LedgerOptions::default()
        },
    );
    assert!(matches!(opened, Err(LedgerError::Fees(_))));
}

#[tokio::test]
async fn system_accounts_cannot_be_paid_from_or_to_directly() {
    let (_d, ledger) = new_ledger(LedgerOptions::default());
    let a = funded_wallet(&ledger, "255760000001", 1_000).await;
    let fees = ledger
        .system_account(AccountKind::FeesIncome, tzs())
        .await
        .unwrap();
    assert_eq!(
        ledger
            .credit(CreditRequest {
                transfer_id: TransferId::new_v4(),
                payee: fees,
                amount: m(1),
                fee: m(0),
            })
            .await,
        Err(AccountError::WrongAccountKind(fees))
    );
    assert_eq!(
        ledger
            .internal_transfer(InternalTransferRequest {
                transfer_id: TransferId::new_v4(),
                payer: a,
                payee: fees,
                amount: m(1),
                fee: m(0),
            })
            .await,
        Err(AccountError::WrongAccountKind(fees))
    );
    assert_eq!(
        ledger.fund(TransferId::new_v4(), fees, m(1)).await,
        Err(AccountError::WrongAccountKind(fees))
    );
    assert!(matches!(
        ledger
            .system_account(AccountKind::CustomerWallet, tzs())
            .await,
        Err(AccountError::InvalidInput(_))
    ));
    assert_eq!(bal(&ledger, a).await, (1_000, 1_000));
}

#[tokio::test]
async fn payee_quote_checks_max_balance() {
    let (_d, ledger) = new_ledger(LedgerOptions::default());
    let limits = Limits {
        max_balance: Some(5_000),
        ..Limits::default()
    };
    let a = ledger
        .open_account(wallet_request("Tier Zero", "255760000010", limits))
        .await
        .unwrap()
        .id;
    let quote = |amount| QuoteRequest {
        account: a,
        amount: m(amount),
        transaction_type: TransactionType::Transfer,
        role: QuoteRole::Payee,
    };
    assert_eq!(ledger.quote(quote(5_000)).await.unwrap().total, m(5_000));
    assert_eq!(
        ledger.quote(quote(5_001)).await,
        Err(AccountError::LimitExceeded(LimitKind::MaxBalance))
    );
    assert!(matches!(
        ledger.quote(quote(0)).await,
        Err(AccountError::InvalidInput(_))
    ));
}

#[tokio::test]
async fn aliases_are_validated_and_several_can_be_registered() {
    let (_d, ledger) = new_ledger(LedgerOptions::default());
    let agent = OpenAccount {
        id: AccountId::new_v4(),
        kind: AccountKind::AgentFloat,
        display_name: "Duka la Wakala".into(),
        currency: tzs(),
        aliases: vec![
            Alias {
                kind: AliasType::Msisdn,
                value: "255760000020".into(),
            },
            Alias {
                kind: AliasType::Alias,
                value: "AGENT-77".into(),
            },
        ],
        limits: Limits::default(),
        date_of_birth: None,
    };
    let info = ledger.open_account(agent.clone()).await.unwrap();
    assert_eq!(info.aliases.len(), 2);
    for alias in &agent.aliases {
        let party = ledger.lookup_party(alias).await.unwrap();
        assert_eq!(
            (party.account, party.kind),
            (agent.id, AccountKind::AgentFloat)
        );
    }
    // The same aliases in another order are the same terms.
    let mut reordered = agent.clone();
    reordered.aliases.reverse();
    assert_eq!(ledger.open_account(reordered).await.unwrap(), info);

    for value in [String::new(), "9".repeat(65)] {
        let mut req = wallet_request("Bad Alias", "255760000021", Limits::default());
        req.aliases[0].value = value;
        assert!(matches!(
            ledger.open_account(req).await,
            Err(AccountError::InvalidInput(_))
        ));
    }
}
