//! Tests of the observable wallet model.

use super::*;
use crate::approval::Payee;
use crate::store::{MemoryStore, NewOutboxItem, Role};

#[derive(Default)]
struct Recorder(Mutex<Vec<WalletChange>>);

impl WalletListener for Recorder {
    fn on_change(&self, change: WalletChange) {
        self.0.lock().unwrap().push(change);
    }
}

impl Recorder {
    fn take(&self) -> Vec<WalletChange> {
        std::mem::take(&mut *self.0.lock().unwrap())
    }
}

fn session() -> SessionMeta {
    SessionMeta {
        user_id: "u-1".into(),
        device_id: Some("dev".into()),
        issued_at_ms: 0,
        expires_at_ms: 10,
    }
}

fn pending(id: &str, nonce: &str) -> PendingApproval {
    PendingApproval {
        terms: ApprovalTerms {
            payment_id: id.into(),
            payee: Payee {
                id_type: "MSISDN".into(),
                id: "255700000001".into(),
                name: "Juma".into(),
            },
            amount: "5".into(),
            currency: "TZS".into(),
            fee: "0".into(),
            total: "5".into(),
            expiry: "2026-12-02T03:00:00Z".into(),
            nonce: nonce.into(),
            device_id: "dev".into(),
        },
        received_at_ms: 1,
    }
}

#[test]
fn listeners_get_each_real_change_once() {
    let model = WalletModel::new();
    let rec = Arc::new(Recorder::default());
    model.subscribe(rec.clone());
    model.set_session(Some(session()));
    model.set_session(Some(session()));
    assert_eq!(rec.take(), vec![WalletChange::Session(Some(session()))]);
    let balances = Some(Cached {
        value: vec![Balance {
            account_id: "a".into(),
            available: "10.00".into(),
            currency: "TZS".into(),
        }],
        fetched_at_ms: 3,
    });
    model.set_balances(balances.clone());
    assert_eq!(rec.take(), vec![WalletChange::Balances(balances.clone())]);
    assert_eq!(model.snapshot().balances, balances);
}

#[test]
fn pending_approvals_add_replace_remove() {
    let model = WalletModel::new();
    let rec = Arc::new(Recorder::default());
    model.subscribe(rec.clone());
    model.add_pending_approval(pending("p1", "n1"));
    model.add_pending_approval(pending("p2", "n2"));
    model.add_pending_approval(pending("p1", "n3"));
    model.add_pending_approval(pending("p1", "n3"));
    let ids: Vec<_> = model
        .snapshot()
        .pending_approvals
        .iter()
        .map(|p| (p.terms.payment_id.clone(), p.terms.nonce.clone()))
        .collect();
    assert_eq!(
        ids,
        [("p2".into(), "n2".into()), ("p1".into(), "n3".into())]
    );
    assert_eq!(rec.take().len(), 3, "the identical re-add is not a change");
    assert!(model.remove_pending_approval("p2"));
    assert!(!model.remove_pending_approval("p2"));
    assert_eq!(rec.take().len(), 1);
    assert_eq!(model.snapshot().pending_approvals.len(), 1);
}

#[test]
fn unsubscribed_listener_hears_nothing() {
    let model = WalletModel::new();
    let rec = Arc::new(Recorder::default());
    let id = model.subscribe(rec.clone());
    assert!(model.unsubscribe(id));
    assert!(!model.unsubscribe(id));
    model.set_session(Some(session()));
    assert!(rec.take().is_empty());
}

#[test]
fn listener_may_read_the_model_during_notification() {
    struct Reader(Arc<WalletModel>, Mutex<Option<WalletSnapshot>>);
    impl WalletListener for Reader {
        fn on_change(&self, _: WalletChange) {
            *self.1.lock().unwrap() = Some(self.0.snapshot());
        }
    }
    let model = Arc::new(WalletModel::new());
    let reader = Arc::new(Reader(Arc::clone(&model), Mutex::new(None)));
    model.subscribe(reader.clone());
    model.set_session(Some(session()));
    let seen = reader.1.lock().unwrap().clone().unwrap();
    assert_eq!(seen.session, Some(session()));
}

#[test]
fn load_from_store_then_logout_keeps_outbox() {
    let store = MemoryStore::new();
    store.set_session(Some(&session())).unwrap();
    store
        .set_profile(Some(&Profile {
            user_id: "u-1".into(),
            display_name: "Asha".into(),
            phone: "255700000001".into(),
            role: Role::Merchant,
        }))
        .unwrap();
    store.set_history(&[], 7).unwrap();
    store
        .outbox_insert(
            &NewOutboxItem {
                id: "o1".into(),
                kind: OutboxKind::Onboarding,
                payload: "{}".into(),
            },
            1,
        )
        .unwrap();
    let model = WalletModel::new();
    let rec = Arc::new(Recorder::default());
    model.subscribe(rec.clone());
    model.load_from_store(&store).unwrap();
    let snap = model.snapshot();
    assert_eq!(snap.profile.unwrap().role, Role::Merchant);
    assert_eq!(snap.history.unwrap().fetched_at_ms, 7);
    assert_eq!(snap.outbox[0].id, "o1");
    // session, profile, history, outbox changed; balances stayed None.
    assert_eq!(rec.take().len(), 4);
    model.add_pending_approval(pending("p", "n"));
    model.clear_account();
    let snap = model.snapshot();
    assert!(snap.session.is_none() && snap.profile.is_none() && snap.history.is_none());
    assert!(snap.pending_approvals.is_empty());
    assert_eq!(snap.outbox.len(), 1);
}
