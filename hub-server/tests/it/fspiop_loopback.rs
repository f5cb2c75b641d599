//! Two instances of the FSPIOP layer (payer and payee) talking through a tiny forwarding
//! "switch", all on 127.0.0.1, with JWS on (payer RS256, payee ES256): lookup → quote →
//! transfer, and the payer checks the fulfilment.

use crate::fspiop_support;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use fspiop_support::{TestPayee, serve};
use kipochi_hub::fspiop::handler::{Switch, SwitchError, TransferOutcome};
use kipochi_hub::fspiop::ilp::{self, IlpSecret};
use kipochi_hub::fspiop::jws::{SigningKey, VerifyingKey};
use kipochi_hub::fspiop::primitives::{CorrelationId, DateTime};
use kipochi_hub::fspiop::types::{
    AmountType, IlpCondition, Initiator, InitiatorType, Money, Party, PartyIdInfo, PartyIdType,
    QuotesPostRequest, Scenario, TransactionType, TransfersPostRequest,
};
use kipochi_hub::fspiop::{FspiopConfig, MemoryStore, SwitchClient, router};

/// Forwards each request to the FSP named in `FSPIOP-Destination` (GET /parties: to the payee,
/// as an account lookup service would). `drop_transfers` swallows transfer traffic.
fn forwarding_switch(peers: HashMap<String, String>, drop_transfers: bool) -> Router {
    let http = reqwest::Client::new();
    Router::new().fallback(
        move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
            let http = http.clone();
            let peers = peers.clone();
            async move {
                if drop_transfers && uri.path().starts_with("/transfers") {
                    return StatusCode::ACCEPTED;
                }
                let dest = headers
                    .get("fspiop-destination")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("payeefsp")
                    .to_owned();
                let Some(base) = peers.get(&dest) else {
                    return StatusCode::BAD_REQUEST;
                };
                let mut req = http.request(method, format!("{base}{}", uri.path()));
                for (name, value) in &headers {
                    if name != "host" && name != "content-length" {
                        req = req.header(name, value);
                    }
                }
                match req.body(body).send().await {
                    Ok(r) => StatusCode::from_u16(r.status().as_u16()).unwrap(),
                    Err(_) => StatusCode::BAD_GATEWAY,
                }
            }
        },
    )
}

struct Node {
    client: SwitchClient,
    handler: Arc<TestPayee>,
}

async fn node(
    fsp: &str,
    switch: &str,
    key: &str,
    peer: (&str, &str),
    parties: &[(&str, &str)],
    timeout: Duration,
) -> (Node, String) {
    let mut cfg = FspiopConfig::new(
        fsp.parse().unwrap(),
        switch,
        IlpSecret::new(format!("{fsp}-ilp-secret")),
    );
    cfg.jws.signing_key = Some(SigningKey::from_pem(key).unwrap());
    cfg.jws.verify_inbound = true;
    cfg.jws.verify_put_parties = true;
    cfg.jws.peer_keys.insert(
        peer.0.parse().unwrap(),
        VerifyingKey::from_pem(peer.1).unwrap(),
    );
    cfg.callback_timeout = timeout;
    cfg.transfer_recovery_timeout = timeout;
    let client = SwitchClient::new(Arc::new(cfg)).unwrap();
    let handler = Arc::new(TestPayee::new(fsp, parties));
    let store = Arc::new(MemoryStore::new(Duration::from_secs(60)));
    let url = serve(router(handler.clone(), client.clone(), store)).await;
    (Node { client, handler }, url)
}

/// Builds payer and payee behind one switch (whose address is fixed before the nodes start).
async fn network(drop_transfers: bool, timeout: Duration) -> (Node, Node) {
    // Reserve the switch's address first: the nodes need it in their configuration.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let switch_url = format!("http://{}", listener.local_addr().unwrap());
    let rsa_pub = include_str!("../keys/rsa_public.pem");
    let ec_pub = include_str!("../keys/ec_public.pem");
    let (payer, payer_url) = node(
        "payerfsp",
        &switch_url,
        include_str!("../keys/rsa_private.pem"),
        ("payeefsp", ec_pub),
        &[],
        timeout,
    )
    .await;
    let (payee, payee_url) = node(
        "payeefsp",
        &switch_url,
        include_str!("../keys/ec_private.pem"),
        ("payerfsp", rsa_pub),
        &[("27713803912", "Alice")],
        timeout,
    )
    .await;
    let peers = HashMap::from([
        ("payerfsp".to_owned(), payer_url),
        ("payeefsp".to_owned(), payee_url),
    ]);
    let app = forwarding_switch(peers, drop_transfers);
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (payer, payee)
}

fn party(fsp: &str, msisdn: &str) -> Party {
    Party {
        party_id_info: PartyIdInfo {
            party_id_type: PartyIdType::Msisdn,
            party_identifier: msisdn.into(),
            party_sub_id_or_type: None,
            fsp_id: Some(fsp.parse().unwrap()),
            extension_list: None,
        },
        merchant_classification_code: None,
        name: None,
        personal_info: None,
        supported_currencies: None,
    }
}

fn quote_request(payee: Party) -> QuotesPostRequest {
    let id = CorrelationId::new_v4();
    QuotesPostRequest {
        quote_id: CorrelationId::new_v4(),
        transaction_id: id,
        transaction_request_id: None,
        payee,
        payer: party("payerfsp", "27713803911"),
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
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lookup_quote_transfer_end_to_end_with_jws() {
    let (payer, payee) = network(false, Duration::from_secs(5)).await;
    let wanted = party("payeefsp", "27713803912").party_id_info;
    let lookup = payer
        .client
        .lookup_party(&PartyIdInfo {
            fsp_id: None,
            ..wanted
        })
        .await
        .unwrap();
    assert_eq!(lookup.fsp_id.as_str(), "payeefsp");
    assert_eq!(lookup.party.name.as_deref(), Some("Alice"));

    let req = quote_request(lookup.party.clone());
    let quote = payer
        .client
        .request_quote(&lookup.fsp_id, &req)
        .await
        .unwrap();
    assert_eq!(quote.transfer_amount, req.amount);

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
    match payer.client.transfer(&transfer).await {
        TransferOutcome::Committed { fulfilment, .. } => {
            assert!(ilp::check_fulfilment(&fulfilment, &quote.condition))
        }
        other => panic!("expected a commit, got {other:?}"),
    }
    assert_eq!(
        payee.handler.calls(),
        ["lookup_party", "quote", "prepare_transfer"]
    );
    assert_eq!(
        *payee.handler.credited.lock().unwrap(),
        [transfer.transfer_id.to_string()]
    );

    // GET /transfers/{ID} replays the committed state.
    match payer
        .client
        .get_transfer(
            &transfer.transfer_id,
            &transfer.payee_fsp,
            &transfer.condition,
        )
        .await
    {
        TransferOutcome::Committed { fulfilment, .. } => {
            assert!(ilp::check_fulfilment(&fulfilment, &quote.condition))
        }
        other => panic!("expected a commit, got {other:?}"),
    }

    // A transfer whose condition is not the quote's is refused by the payee: aborted, no credit.
    let mut forged = transfer.clone();
    forged.transfer_id = CorrelationId::new_v4();
    forged.condition =
        IlpCondition::try_from("GRzLaTP7DJ9t4P-a_BA0WA9wzzlsugf00-Tn6kESAfM".to_owned()).unwrap();
    match payer.client.transfer(&forged).await {
        TransferOutcome::Aborted(e) => assert_eq!(e.error_code, "3100"),
        other => panic!("expected an abort, got {other:?}"),
    }
    assert_eq!(payee.handler.credited.lock().unwrap().len(), 1);

    // Unknown party: the payer gets the payee's 3204.
    let nobody = PartyIdInfo {
        party_identifier: "000".into(),
        fsp_id: None,
        ..party("x", "0").party_id_info
    };
    match payer.client.lookup_party(&nobody).await {
        Err(SwitchError::Rejected(e)) => assert_eq!(e.error_code, "3204"),
        other => panic!("expected 3204, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transfer_without_callback_is_unknown_not_failed() {
    let (payer, payee) = network(true, Duration::from_millis(300)).await;
    let lookup = payer
        .client
        .lookup_party(&party("payeefsp", "27713803912").party_id_info)
        .await
        .unwrap();
    let req = quote_request(lookup.party);
    let quote = payer
        .client
        .request_quote(&lookup.fsp_id, &req)
        .await
        .unwrap();
    let transfer = TransfersPostRequest {
        transfer_id: req.transaction_id.clone(),
        payee_fsp: lookup.fsp_id,
        payer_fsp: "payerfsp".parse().unwrap(),
        amount: quote.transfer_amount,
        ilp_packet: quote.ilp_packet,
        condition: quote.condition,
        expiration: DateTime::from_utc(chrono::Utc::now() + chrono::Duration::seconds(30)),
        extension_list: None,
    };
    assert!(matches!(
        payer.client.transfer(&transfer).await,
        TransferOutcome::Unknown { .. }
    ));
    assert!(payee.handler.credited.lock().unwrap().is_empty());
}

/// `register_participant` against a stand-in account lookup service that answers the
/// registration with `PUT /participants/{Type}/{ID}` (or its error for a refused identifier).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn participant_registration_round_trip() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let als_url = format!("http://{}", listener.local_addr().unwrap());
    let cfg = FspiopConfig::new("payerfsp".parse().unwrap(), als_url, IlpSecret::new("s"));
    let client = SwitchClient::new(Arc::new(cfg)).unwrap();
    let store = Arc::new(MemoryStore::new(Duration::from_secs(60)));
    let payer_url = serve(router(
        Arc::new(TestPayee::new("payerfsp", &[])),
        client.clone(),
        store,
    ))
    .await;
    let http = reqwest::Client::new();
    let als = Router::new().fallback(move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
        let (http, payer_url) = (http.clone(), payer_url.clone());
        async move {
            assert_eq!(method, Method::POST);
            let body: serde_json::Value = serde_json::from_slice(&body).unwrap();
            assert_eq!(body["fspId"], "payerfsp");
            assert_eq!(headers["fspiop-source"], "payerfsp");
            let refused = uri.path().ends_with("/000");
            let (path, reply) = if refused {
                (format!("{}/error", uri.path()), serde_json::json!({"errorInformation": {"errorCode": "3003", "errorDescription": "Add Party information error"}}))
            } else {
                (uri.path().to_owned(), serde_json::json!({"fspId": "payerfsp"}))
            };
            tokio::spawn(async move {
                http.put(format!("{payer_url}{path}"))
                    .header("content-type", "application/vnd.interoperability.participants+json;version=1.1")
                    .header("date", "Thu, 01 Jan 2026 00:00:00 GMT")
                    .header("fspiop-source", "als")
                    .header("fspiop-destination", "payerfsp")
                    .body(reply.to_string())
                    .send()
                    .await
                    .unwrap();
            });
            StatusCode::ACCEPTED
        }
    });
    tokio::spawn(async move { axum::serve(listener, als).await.unwrap() });
    let ok = party("payerfsp", "27713803911").party_id_info;
    client
        .register_participant(&ok, Some(&"USD".parse().unwrap()))
        .await
        .unwrap();
    let refused = party("payerfsp", "000").party_id_info;
    match client.register_participant(&refused, None).await {
        Err(SwitchError::Rejected(e)) => assert_eq!(e.error_code, "3003"),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

/// A `RESERVED` state reaching the waiter of an in-flight `POST /transfers` (the switch's answer
/// to a recovery pass's `GET /transfers` for the same id) is not the transfer's result: the
/// client keeps waiting and returns the final word (here the switch's 3303 expiry).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_in_progress_state_does_not_end_the_wait_for_the_result() {
    use kipochi_hub::fspiop::client::Callback;
    use kipochi_hub::fspiop::version::Resource;
    use kipochi_hub::fspiop::{ErrorCode, types::IlpFulfilment};

    let (url, mut switch) = fspiop_support::recording_switch().await;
    let mut cfg = FspiopConfig::new("payerfsp".parse().unwrap(), url, IlpSecret::new("secret"));
    cfg.callback_timeout = Duration::from_secs(5);
    let client = SwitchClient::new(Arc::new(cfg)).unwrap();
    let fulfilment = IlpFulfilment::try_from("A".repeat(43)).unwrap();
    let id = CorrelationId::new_v4();
    let request: TransfersPostRequest = serde_json::from_value(serde_json::json!({
        "transferId": id.as_str(),
        "payerFsp": "payerfsp",
        "payeeFsp": "payeefsp",
        "amount": {"currency": "TZS", "amount": "10"},
        "ilpPacket": "AYIB",
        "condition": ilp::condition_of(&fulfilment).unwrap().as_str(),
        "expiration": DateTime::from_utc(chrono::Utc::now() + chrono::Duration::seconds(30)).to_string(),
    }))
    .unwrap();
    let task = {
        let client = client.clone();
        tokio::spawn(async move { client.transfer(&request).await })
    };
    let seen = switch.recv().await.unwrap();
    assert_eq!(seen.path, "/transfers");
    let pending = client.pending();
    let reserved = Callback::Success {
        source: "switch".parse().unwrap(),
        body: serde_json::json!({"transferState": "RESERVED"}),
    };
    assert!(pending.deliver(Resource::Transfers, id.as_str(), reserved));
    // The client registers its waiter again; then the final word arrives.
    let expired = ErrorCode::TransferExpired.info("Transfer expired");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(3);
    while !pending.deliver(
        Resource::Transfers,
        id.as_str(),
        Callback::Error(expired.clone()),
    ) {
        assert!(
            tokio::time::Instant::now() < deadline,
            "nobody waits any more"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    match task.await.unwrap() {
        TransferOutcome::Aborted(e) => assert_eq!(e.error_code, "3303"),
        other => panic!("expected the 3303 abort, got {other:?}"),
    }
}
