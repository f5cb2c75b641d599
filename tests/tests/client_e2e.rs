//! The core's `HubClient` against the real `kipochi-hub serve` binary on 127.0.0.1: login,
//! device registration, paying a merchant's dynamic QR internally, live events, and an agent's
//! offline onboardings synced exactly once across hub restarts.
//!
//! Users are seeded into the hub's data folder through the hub's own library (the same code the
//! binary runs) before the process starts: the wallet API has no "create user" call.

use std::sync::Arc;
use std::time::Duration;

use kipochi_core::api::{IdDocumentType, OnboardRequest, PaymentState};
use kipochi_core::api_merchant::{NewPaymentRequest, RequestStatus};
use kipochi_core::client::{ClientConfig, HubClient, LiveEvent, OutboxTransport};
use kipochi_core::keys::DeviceKey;
use kipochi_core::outbox::{Outbox, SyncStop, Transport};
use kipochi_core::store::{Claim, OutboxKind, OutboxStatus, SqliteStore, WalletStore};
use kipochi_e2e::{Proc, TempDir, temp_dir};
use kipochi_hub::accounts::{
    AccountId, AccountKind, AccountSystem, Alias, AliasType, Limits, Money, OpenAccount, TransferId,
};
use kipochi_hub::auth::{NewUser, Role};

const PIN: &str = "4821";
const CUSTOMER: &str = "255712000001";
const MERCHANT: &str = "255712000100";
const AGENT: &str = "255712000200";

/// Seeds a customer with 1,000.00 TZS, a merchant with till 123456 and an agent.
async fn seed(data: &TempDir) {
    let config = kipochi_hub::config::Config::default();
    let state = kipochi_hub::AppState::open(&config, std::path::Path::new(data.path())).unwrap();
    let ledger = state.ledger.clone().unwrap();
    let tzs: kipochi_hub::accounts::Currency = "TZS".parse().unwrap();
    let users = [
        (
            CUSTOMER,
            "Asha",
            Role::Customer,
            AccountKind::CustomerWallet,
            AliasType::Msisdn,
            CUSTOMER,
        ),
        (
            MERCHANT,
            "Mama Ntilie Shop",
            Role::Merchant,
            AccountKind::Merchant,
            AliasType::Business,
            "123456",
        ),
        (
            AGENT,
            "Juma Agent",
            Role::Agent,
            AccountKind::AgentFloat,
            AliasType::Msisdn,
            AGENT,
        ),
    ];
    for (phone, name, role, kind, alias_kind, alias) in users {
        let account = AccountId::new_v4();
        ledger
            .open_account(OpenAccount {
                id: account,
                kind,
                display_name: name.into(),
                currency: tzs.clone(),
                aliases: vec![Alias {
                    kind: alias_kind,
                    value: alias.into(),
                }],
                limits: Limits::default(),
                date_of_birth: None,
            })
            .await
            .unwrap();
        if role == Role::Customer {
            ledger
                .fund(
                    TransferId::new_v4(),
                    account,
                    Money::new(100_000, tzs.clone()),
                )
                .await
                .unwrap();
        }
        let new = NewUser {
            phone: phone.into(),
            display_name: name.into(),
            role,
            kyc_tier: 2,
            account_id: Some(account.to_string()),
        };
        let (_, code) = state.auth.create_user(&new, now_ms()).unwrap();
        state.auth.activate(phone, &code, PIN, now_ms()).unwrap();
    }
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

fn hub(data: &TempDir) -> Proc {
    Proc::start(
        "kipochi-hub",
        &[
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--data-dir",
            data.path(),
        ],
    )
    .unwrap()
}

fn client(base_url: &str) -> HubClient {
    let mut config = ClientConfig::new(base_url);
    config.timeout = Duration::from_secs(10);
    HubClient::new(config).unwrap()
}

#[tokio::test]
async fn customer_pays_a_merchant_dynamic_qr_and_sees_it_live() {
    let data = temp_dir("client-pay");
    seed(&data).await;
    let hub = hub(&data);

    let merchant = client(&hub.base_url);
    merchant.login(MERCHANT, PIN).await.unwrap();
    let request = merchant
        .create_payment_request(&NewPaymentRequest {
            amount: "250.5".into(),
            reference: "INV-7".into(),
            terminal: Some("T1".into()),
        })
        .await
        .unwrap();
    assert_eq!(request.status, RequestStatus::Open);

    let wallet = client(&hub.base_url);
    let login = wallet.login(CUSTOMER, PIN).await.unwrap();
    assert_eq!(login.profile.display_name, "Asha");
    let key = DeviceKey::from_secret_bytes(&[3u8; 32]);
    let device = wallet.register_device(&key, "Asha's phone").await.unwrap();
    assert_eq!(device.device_id, key.device_id());
    let before = wallet.balance().await.unwrap();
    assert_eq!(before.available, "1000");

    let mut events = wallet.events();
    assert_eq!(events.next().await.unwrap().unwrap(), LiveEvent::Connected);

    let payment_id = kipochi_core::ids::new_uuid_v4().unwrap();
    let quote = wallet
        .pay_qr(&payment_id, &request.payload, None)
        .await
        .unwrap();
    // The payee name comes from the hub's lookup, the amount from the QR.
    assert_eq!(quote.payee.name, "Mama Ntilie Shop");
    assert_eq!(
        (quote.amount.as_str(), quote.currency.as_str()),
        ("250.5", "TZS")
    );
    // A wrong PIN is refused with the hub's code and moves nothing.
    let err = wallet.approve(&quote, "0000", &key).await.unwrap_err();
    assert_eq!(err.code(), "bad_credentials");
    let paid = wallet.approve(&quote, PIN, &key).await.unwrap();
    assert_eq!(paid.state, PaymentState::Committed);
    assert_eq!(paid.reference.as_deref(), Some("INV-7"));
    assert_eq!(
        wallet.payment(&payment_id).await.unwrap().state,
        PaymentState::Committed
    );

    let after = wallet.balance().await.unwrap();
    let total: kipochi_core::money::Amount = quote.total.parse().unwrap();
    let spent = "1000"
        .parse::<kipochi_core::money::Amount>()
        .unwrap()
        .to_minor_units(tzs())
        .unwrap()
        - after
            .available
            .parse::<kipochi_core::money::Amount>()
            .unwrap()
            .to_minor_units(tzs())
            .unwrap();
    assert_eq!(spent, total.to_minor_units(tzs()).unwrap());

    // The live event of the completed payment.
    let event = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            match events.next().await.unwrap().unwrap() {
                LiveEvent::Event(e) => return *e,
                _ => continue,
            }
        }
    })
    .await
    .unwrap();
    assert!(matches!(
        event,
        kipochi_core::api::Event::PaymentCompleted { ref payment } if payment.payment_id == payment_id
    ));
    events.cancel_handle().cancel();
    assert!(events.next().await.is_none());

    // The merchant sees the money arrive.
    let incoming = merchant.merchant_payments(None, Some(10)).await.unwrap();
    assert_eq!(incoming.items.len(), 1);
    assert_eq!(incoming.items[0].payment_id, payment_id);
    assert_eq!(incoming.items[0].amount, "250.5");
    // The orchestration marked the request paid by this payment when it committed.
    let status = merchant.payment_request(&request.request_id).await.unwrap();
    assert_eq!(status.status, RequestStatus::Paid);
    assert_eq!(status.payment_id.as_deref(), Some(payment_id.as_str()));
    let till = merchant.till_qr().await.unwrap();
    assert_eq!(till.till, "123456");

    wallet.logout().await.unwrap();
    assert!(wallet.balance().await.unwrap_err().is_unauthenticated());
}

fn tzs() -> kipochi_core::money::Currency {
    kipochi_core::money::Currency::from_alpha("TZS").unwrap()
}

fn form(name: &str, phone: &str) -> serde_json::Value {
    serde_json::to_value(OnboardRequest {
        full_name: name.into(),
        phone: phone.into(),
        id_type: IdDocumentType::NationalId,
        id_number: format!("ID-{phone}"),
        date_of_birth: "1990-04-01".into(),
        kyc_tier: 1,
        photo: None,
    })
    .unwrap()
}

#[tokio::test]
async fn offline_onboardings_sync_exactly_once_across_hub_restarts() {
    let data = temp_dir("client-onboard");
    let wallet_dir = temp_dir("client-wallet");
    seed(&data).await;
    // The agent logs in while online; then the hub goes away.
    let token = {
        let hub = hub(&data);
        let agent = client(&hub.base_url);
        agent.login(AGENT, PIN).await.unwrap();
        agent.token().unwrap()
    };
    let store: Arc<dyn WalletStore> = Arc::new(
        SqliteStore::open(std::path::Path::new(wallet_dir.path()).join("wallet.db")).unwrap(),
    );
    let outbox = Outbox::new(store.clone()).with_lease_ms(5_000);
    let a = outbox
        .enqueue(
            OutboxKind::Onboarding,
            &form("Neema", "255713000001"),
            now_ms(),
        )
        .unwrap();
    let b = outbox
        .enqueue(
            OutboxKind::Onboarding,
            &form("Rehema", "255713000002"),
            now_ms(),
        )
        .unwrap();

    // Hub down: nothing gets through, nothing is lost.
    let dead = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", l.local_addr().unwrap())
    };
    let offline = client(&dead);
    offline.set_token(Some(token.clone()));
    let report = outbox
        .sync(&OutboxTransport::new(offline), now_ms)
        .await
        .unwrap();
    assert!(
        matches!(report.stop, SyncStop::Retryable { .. }),
        "{report:?}"
    );
    assert!(report.accepted.is_empty());

    // The hub is back. The app sends form A, then dies before recording the answer: A stays
    // `sending` under a lease nobody will finish.
    let hub1 = hub(&data);
    let online = client(&hub1.base_url);
    online.set_token(Some(token.clone()));
    let transport = OutboxTransport::new(online.clone());
    let t0 = now_ms();
    let Claim::Claimed(claimed) = store.outbox_claim_next("dead-app", t0, 5_000).unwrap() else {
        panic!("item A should be claimable");
    };
    assert_eq!(claimed.id, a.id);
    assert!(matches!(
        transport.deliver(&claimed).await,
        kipochi_core::outbox::Delivery::Accepted { .. }
    ));
    // While its lease runs, another sync stops at A rather than overtaking it.
    let report = outbox.sync(&transport, || t0 + 1).await.unwrap();
    assert_eq!(report.stop, SyncStop::Busy);

    // Sync with the clock past the lease while the hub is killed and restarted mid-way.
    let sync = {
        let outbox = Outbox::new(store.clone()).with_lease_ms(5_000);
        let transport = transport.clone();
        tokio::spawn(async move { outbox.sync(&transport, move || now_ms() + 10_000).await })
    };
    tokio::time::sleep(Duration::from_millis(5)).await;
    drop(hub1);
    let _first = sync.await.unwrap().unwrap();

    let hub2 = hub(&data);
    let online = client(&hub2.base_url);
    online.set_token(Some(token));
    let transport = OutboxTransport::new(online.clone());
    // Sync until drained, then once more: the second pass finds nothing to send.
    for _ in 0..5 {
        let report = outbox.sync(&transport, || now_ms() + 20_000).await.unwrap();
        if report.stop == SyncStop::Drained {
            break;
        }
    }
    let report = outbox.sync(&transport, || now_ms() + 20_000).await.unwrap();
    assert_eq!(report.stop, SyncStop::Drained);
    assert!(report.accepted.is_empty());

    let items = outbox.items().unwrap();
    assert!(
        items.iter().all(|i| i.status == OutboxStatus::Done),
        "{items:?}"
    );
    let customers = online.onboarded_customers(None).await.unwrap();
    let mut phones: Vec<_> = customers.iter().map(|c| c.phone.as_str()).collect();
    phones.sort();
    assert_eq!(
        phones,
        vec!["255713000001", "255713000002"],
        "exactly one customer per form"
    );
    // Both answers recorded are the hub's (same customer id on every replay).
    let result_a: serde_json::Value =
        serde_json::from_str(items[0].result.as_deref().unwrap()).unwrap();
    assert!(
        customers
            .iter()
            .any(|c| c.customer_id == result_a["customer_id"])
    );
    assert_eq!(items[1].id, b.id);
}
