//! The switch between two real FSPIOP layers (`fspiop::router` + `SwitchClient`, in-test payee
//! handlers) on 127.0.0.1: registration through the oracle, lookup, quote and a committed
//! transfer whose positions the switch moved.

use crate::fspiop_support;

use std::sync::Arc;
use std::time::Duration;

use fspiop_support::{TestPayee, serve};
use kipochi_hub::fspiop::handler::{Switch, SwitchError, TransferOutcome};
use kipochi_hub::fspiop::ilp::{self, IlpSecret};
use kipochi_hub::fspiop::primitives::{CorrelationId, DateTime};
use kipochi_hub::fspiop::types::{
    AmountType, Initiator, InitiatorType, Money, PartyIdInfo, PartyIdType, QuotesPostRequest,
    Scenario, TransactionType, TransfersPostRequest,
};
use kipochi_hub::fspiop::{FspiopConfig, MemoryStore, SwitchClient, router};
use kipochi_hub::switch::{self, SwitchConfig};

async fn node(fsp: &str, switch_url: &str, parties: &[(&str, &str)]) -> (SwitchClient, String) {
    let mut cfg = FspiopConfig::new(
        fsp.parse().unwrap(),
        switch_url,
        IlpSecret::new(format!("{fsp}-ilp-secret")),
    );
    cfg.callback_timeout = Duration::from_secs(5);
    let client = SwitchClient::new(Arc::new(cfg)).unwrap();
    let handler = Arc::new(TestPayee::new(fsp, parties));
    let store = Arc::new(MemoryStore::new(Duration::from_secs(60)));
    let url = serve(router(handler, client.clone(), store)).await;
    (client, url)
}

fn msisdn(number: &str) -> PartyIdInfo {
    PartyIdInfo {
        party_id_type: PartyIdType::Msisdn,
        party_identifier: number.into(),
        party_sub_id_or_type: None,
        fsp_id: None,
        extension_list: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_fspiop_layers_pay_each_other_through_the_switch() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let switch_url = format!("http://{}", listener.local_addr().unwrap());
    let (payer, payer_url) = node("payerfsp", &switch_url, &[]).await;
    let (payee, payee_url) = node("payeefsp", &switch_url, &[("255700000009", "Alice")]).await;
    let dir = tempfile::tempdir().unwrap();
    let config = SwitchConfig::parse(&format!(
        r#"
listen = "127.0.0.1:0"
data_dir = "{}"
[[participants]]
fsp_id = "payerfsp"
callback_url = "{payer_url}"
currency = "USD"
net_debit_cap = "100"
[[participants]]
fsp_id = "payeefsp"
callback_url = "{payee_url}"
currency = "USD"
net_debit_cap = "100"
"#,
        dir.path().display()
    ))
    .unwrap();
    let running = switch::start_on(listener, &config).await.unwrap();

    // Unknown before registration, found after.
    match payer.lookup_party(&msisdn("255700000009")).await {
        Err(SwitchError::Rejected(e)) => assert_eq!(e.error_code, "3204"),
        other => panic!("expected 3204, got {other:?}"),
    }
    payee
        .register_participant(&msisdn("255700000009"), Some(&"USD".parse().unwrap()))
        .await
        .unwrap();
    let lookup = payer.lookup_party(&msisdn("255700000009")).await.unwrap();
    assert_eq!(lookup.fsp_id.as_str(), "payeefsp");
    assert_eq!(lookup.party.name.as_deref(), Some("Alice"));

    let mut payer_party = lookup.party.clone();
    payer_party.party_id_info = msisdn("255700000001");
    let req = QuotesPostRequest {
        quote_id: CorrelationId::new_v4(),
        transaction_id: CorrelationId::new_v4(),
        transaction_request_id: None,
        payee: lookup.party.clone(),
        payer: payer_party,
        amount_type: AmountType::Send,
        amount: Money {
            currency: "USD".parse().unwrap(),
            amount: "12.5".parse().unwrap(),
        },
        fees: None,
        transaction_type: TransactionType {
            scenario: Scenario::Transfer,
            sub_scenario: None,
            initiator: Initiator::Payer,
            initiator_type: InitiatorType::Consumer,
            refund_info: None,
            balance_of_payments: None,
        },
        geo_code: None,
        note: None,
        expiration: None,
        extension_list: None,
    };
    let quote = payer.request_quote(&lookup.fsp_id, &req).await.unwrap();
    let transfer = TransfersPostRequest {
        transfer_id: req.transaction_id.clone(),
        payee_fsp: lookup.fsp_id.clone(),
        payer_fsp: "payerfsp".parse().unwrap(),
        amount: quote.transfer_amount.clone(),
        ilp_packet: quote.ilp_packet.clone(),
        condition: quote.condition.clone(),
        expiration: DateTime::from_utc(chrono::Utc::now() + chrono::Duration::seconds(30)),
        extension_list: None,
    };
    match payer.transfer(&transfer).await {
        TransferOutcome::Committed { fulfilment, .. } => {
            assert!(ilp::check_fulfilment(&fulfilment, &quote.condition))
        }
        other => panic!("expected a commit, got {other:?}"),
    }
    let store = running.hub.store();
    assert_eq!(store.position("payerfsp", "USD").unwrap().position, 1250);
    assert_eq!(store.position("payerfsp", "USD").unwrap().reserved, 0);
    assert_eq!(store.position("payeefsp", "USD").unwrap().position, -1250);

    // Over the payer's cap (100 USD, 12.50 used): refused by the switch with 4200.
    let mut big = transfer.clone();
    big.transfer_id = CorrelationId::new_v4();
    big.amount.amount = "90".parse().unwrap();
    match payer.transfer(&big).await {
        TransferOutcome::Aborted(e) => assert_eq!(e.error_code, "4200"),
        other => panic!("expected 4200, got {other:?}"),
    }
    assert_eq!(store.position("payerfsp", "USD").unwrap().position, 1250);
    running.stop().await;
}
