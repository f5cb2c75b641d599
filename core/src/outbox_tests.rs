//! Outbox tests against a simulated hub that goes offline, loses answers and rejects bad forms.

use super::*;
use crate::state::{WalletChange, WalletListener};
use crate::store::MemoryStore;
use serde_json::json;
use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};

/// A hub with the documented idempotency contract: same key + same body → the recorded answer;
/// same key + other body → `idempotency_conflict`; a rejected request is not recorded.
#[derive(Default)]
struct SimHub {
    offline: AtomicBool,
    state: Mutex<HubState>,
}

#[derive(Default)]
struct HubState {
    records: HashMap<String, (String, Delivery)>,
    /// (idempotency key, phone) of every customer created.
    customers: Vec<(String, String)>,
    /// Idempotency keys of every request that reached the hub.
    requests: Vec<String>,
}

impl SimHub {
    fn handle(&self, key: &str, body: &str) -> Delivery {
        if self.offline.load(Ordering::SeqCst) {
            return Delivery::Retryable {
                reason: "hub unreachable".into(),
            };
        }
        let mut st = self.state.lock().unwrap();
        st.requests.push(key.to_owned());
        if let Some((recorded_body, answer)) = st.records.get(key) {
            if recorded_body == body {
                return answer.clone();
            }
            return Delivery::Rejected {
                code: HUB_CODE_IDEMPOTENCY_CONFLICT.into(),
                message: "key used with another body".into(),
            };
        }
        let form: serde_json::Value = serde_json::from_str(body).unwrap();
        if form.get("dob").is_none() {
            return Delivery::Rejected {
                code: "validation_failed".into(),
                message: "date of birth is required".into(),
            };
        }
        let phone = form["phone"].as_str().unwrap().to_owned();
        st.customers.push((key.to_owned(), phone));
        let answer = Delivery::Accepted {
            result: json!({ "customer_id": format!("c{}", st.customers.len()) }).to_string(),
        };
        st.records
            .insert(key.to_owned(), (body.to_owned(), answer.clone()));
        answer
    }

    fn customers(&self) -> Vec<(String, String)> {
        self.state.lock().unwrap().customers.clone()
    }

    fn requests(&self) -> Vec<String> {
        self.state.lock().unwrap().requests.clone()
    }
}

/// Sends to the simulated hub, yielding to the executor before and after so runs interleave.
struct SimTransport<'a> {
    hub: &'a SimHub,
    /// When set, the hub processes the request and the answer never comes back (app killed).
    hang_after_send: bool,
}

impl Transport for SimTransport<'_> {
    async fn deliver(&self, item: &OutboxItem) -> Delivery {
        tokio::task::yield_now().await;
        let answer = self.hub.handle(&item.id, &item.payload);
        if self.hang_after_send {
            std::future::pending::<()>().await;
        }
        tokio::task::yield_now().await;
        answer
    }
}

fn transport(hub: &SimHub) -> SimTransport<'_> {
    SimTransport {
        hub,
        hang_after_send: false,
    }
}

fn form(phone: &str, with_dob: bool) -> serde_json::Value {
    let mut f =
        json!({ "first_name": "Neema", "last_name": "Juma", "phone": phone, "kyc_tier": 1 });
    if with_dob {
        f["dob"] = json!("1990-04-01");
    }
    f
}

#[cfg(feature = "sqlite")]
fn stores() -> Vec<Arc<dyn WalletStore>> {
    vec![
        Arc::new(MemoryStore::new()),
        Arc::new(crate::store::conformance::sqlite_support::new_store()),
    ]
}

#[cfg(not(feature = "sqlite"))]
fn stores() -> Vec<Arc<dyn WalletStore>> {
    vec![Arc::new(MemoryStore::new())]
}

#[tokio::test]
async fn offline_capture_then_sync_exactly_once_in_order() {
    for store in stores() {
        let hub = SimHub::default();
        hub.offline.store(true, Ordering::SeqCst);
        let outbox = Outbox::new(store);
        let phones = ["255700000001", "255700000002", "255700000003"];
        let ids: Vec<String> = phones
            .iter()
            .map(|p| {
                outbox
                    .enqueue(OutboxKind::Onboarding, &form(p, true), 1)
                    .unwrap()
                    .id
            })
            .collect();

        let r = outbox.sync(&transport(&hub), || 10).await.unwrap();
        assert_eq!(
            r.stop,
            SyncStop::Retryable {
                reason: "hub unreachable".into()
            }
        );
        assert!(r.accepted.is_empty());
        let items = outbox.items().unwrap();
        assert!(items.iter().all(|i| i.status == OutboxStatus::Queued));
        assert_eq!(items[0].last_error.as_deref(), Some("hub unreachable"));
        assert_eq!(
            items[1].attempts, 0,
            "later items are not tried while offline"
        );

        hub.offline.store(false, Ordering::SeqCst);
        let r = outbox.sync(&transport(&hub), || 20).await.unwrap();
        assert_eq!(r.accepted, ids);
        assert_eq!(r.stop, SyncStop::Drained);
        let created: Vec<_> = hub.customers().into_iter().map(|(_, p)| p).collect();
        assert_eq!(created, phones);
        assert_eq!(hub.requests(), ids);

        // Syncing again sends nothing.
        let r = outbox.sync(&transport(&hub), || 30).await.unwrap();
        assert!(r.accepted.is_empty());
        assert_eq!(hub.requests().len(), 3);
        for (i, item) in outbox.items().unwrap().iter().enumerate() {
            assert_eq!(item.status, OutboxStatus::Done);
            let expected = json!({ "customer_id": format!("c{}", i + 1) }).to_string();
            assert_eq!(item.result.as_deref(), Some(expected.as_str()));
        }
    }
}

#[tokio::test]
async fn concurrent_syncs_send_each_item_once() {
    for store in stores() {
        let hub = SimHub::default();
        let a = Outbox::new(Arc::clone(&store));
        let b = Outbox::new(store);
        for n in 0..5 {
            a.enqueue(
                OutboxKind::Onboarding,
                &form(&format!("2557000001{n:02}"), true),
                1,
            )
            .unwrap();
        }
        let (ta, tb) = (transport(&hub), transport(&hub));
        let (ra, rb) = tokio::join!(a.sync(&ta, || 10), b.sync(&tb, || 10));
        let (ra, rb) = (ra.unwrap(), rb.unwrap());
        assert_eq!(ra.accepted.len() + rb.accepted.len(), 5);
        let mut requests = hub.requests();
        assert_eq!(requests.len(), 5, "no item reached the hub twice");
        requests.dedup();
        assert_eq!(requests.len(), 5);
        assert_eq!(hub.customers().len(), 5);
        // Whatever remains (if one run stopped on Busy) is drained by a later sync.
        a.sync(&transport(&hub), || 20).await.unwrap();
        assert!(
            a.items()
                .unwrap()
                .iter()
                .all(|i| i.status == OutboxStatus::Done)
        );
        assert_eq!(hub.customers().len(), 5);
    }
}

#[cfg(feature = "sqlite")]
#[tokio::test]
async fn crash_between_send_and_ack_gets_the_hubs_idempotent_answer() {
    use crate::store::SqliteStore;
    let path = crate::store::conformance::sqlite_support::temp_dir().join("w.sqlite");
    let hub = SimHub::default();
    let id = {
        let outbox = Outbox::new(Arc::new(SqliteStore::open(&path).unwrap())).with_lease_ms(1_000);
        let id = outbox
            .enqueue(OutboxKind::Onboarding, &form("255700000009", true), 1)
            .unwrap()
            .id;
        let hanging = SimTransport {
            hub: &hub,
            hang_after_send: true,
        };
        // The app is killed while waiting for the answer: the sync future is dropped.
        let killed = tokio::time::timeout(
            std::time::Duration::from_millis(50),
            outbox.sync(&hanging, || 100),
        )
        .await;
        assert!(killed.is_err());
        id
    };
    assert_eq!(hub.customers().len(), 1, "the hub did create the customer");

    // Restart: a new store handle on the same file.
    let outbox = Outbox::new(Arc::new(SqliteStore::open(&path).unwrap())).with_lease_ms(1_000);
    let item = outbox.items().unwrap().remove(0);
    assert_eq!(item.status, OutboxStatus::Sending);
    // While the dead run's lease lasts, nobody may send it.
    let r = outbox.sync(&transport(&hub), || 500).await.unwrap();
    assert_eq!(r.stop, SyncStop::Busy);
    assert_eq!(hub.requests().len(), 1);
    // After it ends, it is sent again with the same key and gets the recorded answer.
    let r = outbox.sync(&transport(&hub), || 1_200).await.unwrap();
    assert_eq!(r.accepted, vec![id.clone()]);
    assert_eq!(hub.requests(), vec![id.clone(), id.clone()]);
    assert_eq!(hub.customers(), vec![(id.clone(), "255700000009".into())]);
    let item = outbox.items().unwrap().remove(0);
    assert_eq!(item.status, OutboxStatus::Done);
    assert_eq!(item.attempts, 2);
    assert_eq!(item.result.as_deref(), Some(r#"{"customer_id":"c1"}"#));
}

#[tokio::test]
async fn failed_form_is_fixed_and_resubmitted_under_the_same_id() {
    for store in stores() {
        let hub = SimHub::default();
        let outbox = Outbox::new(store);
        let bad = outbox
            .enqueue(OutboxKind::Onboarding, &form("255700000021", false), 1)
            .unwrap();
        let good = outbox
            .enqueue(OutboxKind::Onboarding, &form("255700000022", true), 2)
            .unwrap();
        let r = outbox.sync(&transport(&hub), || 10).await.unwrap();
        assert_eq!(r.rejected, vec![bad.id.clone()]);
        assert_eq!(r.accepted, vec![good.id.clone()]);
        let failed = outbox.items().unwrap().remove(0);
        assert_eq!(
            failed.status,
            OutboxStatus::Failed {
                code: "validation_failed".into(),
                message: "date of birth is required".into()
            }
        );

        let fixed = outbox
            .resubmit(&bad.id, &form("255700000021", true), 20)
            .unwrap();
        assert_eq!(
            (fixed.id.as_str(), fixed.status),
            (bad.id.as_str(), OutboxStatus::Queued)
        );
        let r = outbox.sync(&transport(&hub), || 30).await.unwrap();
        assert_eq!(r.accepted, vec![bad.id.clone()]);
        let keys: Vec<_> = hub.customers().into_iter().map(|(k, _)| k).collect();
        assert_eq!(keys, vec![good.id.clone(), bad.id.clone()]);
        // Done items cannot be resubmitted.
        let again = outbox.resubmit(&bad.id, &form("255700000021", true), 40);
        assert!(matches!(
            again,
            Err(crate::Error::Store(
                crate::store::StoreError::WrongState { .. }
            ))
        ));
    }
}

#[tokio::test]
async fn conflicting_key_and_payments_are_not_resubmittable() {
    let store: Arc<dyn WalletStore> = Arc::new(MemoryStore::new());
    let outbox = Outbox::new(Arc::clone(&store));
    let item = outbox
        .enqueue(OutboxKind::Onboarding, &form("255700000031", true), 1)
        .unwrap();
    // The hub already holds another body under this key.
    let hub = SimHub::default();
    hub.handle(&item.id, &form("255700000099", true).to_string());
    let r = outbox.sync(&transport(&hub), || 10).await.unwrap();
    assert_eq!(r.rejected, vec![item.id.clone()]);
    assert_eq!(
        outbox
            .resubmit(&item.id, &form("255700000031", true), 20)
            .unwrap_err()
            .to_string(),
        OutboxError::NotResubmittable("the hub holds another version").to_string()
    );
    let pay = outbox
        .enqueue(
            OutboxKind::Payment,
            &json!({ "till": "123456", "amount": "10.5" }),
            1,
        )
        .unwrap();
    assert!(matches!(
        outbox.resubmit(&pay.id, &json!({}), 30),
        Err(crate::Error::Outbox(OutboxError::NotResubmittable(_)))
    ));
}

#[test]
fn pin_and_non_object_payloads_are_refused_and_nothing_is_stored() {
    let outbox = Outbox::new(Arc::new(MemoryStore::new()));
    for bad in [
        json!({ "PIN": "1234" }),
        json!({ "pin": "1234" }),
        json!([1, 2]),
        json!("x"),
    ] {
        assert!(matches!(
            outbox.enqueue(OutboxKind::Payment, &bad, 1),
            Err(crate::Error::Outbox(OutboxError::InvalidPayload(_)))
        ));
    }
    assert!(outbox.items().unwrap().is_empty());
}

#[derive(Default)]
struct Recorder(Mutex<Vec<WalletChange>>);

impl WalletListener for Recorder {
    fn on_change(&self, change: WalletChange) {
        self.0.lock().unwrap().push(change);
    }
}

#[tokio::test]
async fn outbox_status_is_mirrored_into_the_model() {
    let model = Arc::new(WalletModel::new());
    let rec = Arc::new(Recorder::default());
    model.subscribe(rec.clone());
    let outbox = Outbox::new(Arc::new(MemoryStore::new())).with_model(Arc::clone(&model));
    let item = outbox
        .enqueue(OutboxKind::Onboarding, &form("255700000041", true), 1)
        .unwrap();
    assert_eq!(model.snapshot().outbox[0].status, OutboxStatus::Queued);
    let hub = SimHub::default();
    let clock = AtomicI64::new(5);
    outbox
        .sync(&transport(&hub), || clock.fetch_add(1, Ordering::SeqCst))
        .await
        .unwrap();
    let statuses: Vec<_> = rec
        .0
        .lock()
        .unwrap()
        .iter()
        .filter_map(|c| match c {
            WalletChange::Outbox(entries) => Some(entries[0].status.name()),
            _ => None,
        })
        .collect();
    assert_eq!(statuses, ["queued", "sending", "done"]);
    assert_eq!(model.snapshot().outbox[0].id, item.id);
    assert_eq!(outbox.remove_done(i64::MAX).unwrap(), 1);
    assert!(model.snapshot().outbox.is_empty());
}
