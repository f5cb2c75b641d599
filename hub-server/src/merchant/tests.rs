//! The merchant store on a real SQLite file: expiry, exactly-once payment, typed refusals.

use super::*;

fn store() -> (MerchantStore, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let conn = crate::db::open(&dir.path().join("hub.db")).unwrap();
    (MerchantStore::new(conn).unwrap(), dir)
}

fn new(id: &str, reference: &str, amount_minor: i64) -> NewRequest {
    NewRequest {
        id: id.into(),
        user_id: "m-user".into(),
        account_id: "m-acc".into(),
        reference: reference.into(),
        terminal: Some("T1".into()),
        amount_minor,
        currency: "TZS".into(),
        payload: "000201...".into(),
    }
}

#[test]
fn a_request_is_open_then_paid_once() {
    let (s, _d) = store();
    let r = s.create(&new("r1", "INV-1", 150_000), 1_000).unwrap();
    assert_eq!(r.status(1_000), Status::Open);
    assert_eq!(r.expires_at, 1_000 + REQUEST_TTL_MS);
    let found = s
        .check_payment("m-acc", Some("INV-1"), 150_000, 2_000)
        .unwrap();
    assert_eq!(found.as_deref(), Some("r1"));
    let paid = s.mark_paid("r1", "pay-1", 3_000).unwrap();
    assert_eq!(paid.payment_id.as_deref(), Some("pay-1"));
    assert_eq!(paid.status(3_000), Status::Paid);
    // Idempotent for the same payment, refused for another.
    assert_eq!(
        s.mark_paid("r1", "pay-1", 4_000).unwrap().paid_at,
        Some(3_000)
    );
    assert!(matches!(
        s.mark_paid("r1", "pay-2", 4_000),
        Err(MerchantError::AlreadyPaid)
    ));
    assert!(matches!(
        s.check_payment("m-acc", Some("INV-1"), 150_000, 5_000),
        Err(MerchantError::AlreadyPaid)
    ));
    assert_eq!(s.paid_by("pay-1").unwrap().unwrap().id, "r1");
    assert_eq!(s.paid_by("pay-2").unwrap(), None);
}

#[test]
fn typed_refusals_change_nothing() {
    let (s, _d) = store();
    s.create(&new("r1", "INV-1", 500), 0).unwrap();
    let before = s.get("r1").unwrap();
    assert!(matches!(
        s.check_payment("m-acc", Some("INV-1"), 499, 10),
        Err(MerchantError::AmountMismatch)
    ));
    assert!(matches!(
        s.check_payment("m-acc", Some("INV-9"), 500, 10),
        Err(MerchantError::Unknown)
    ));
    assert!(matches!(
        s.check_payment("other-acc", Some("INV-1"), 500, 10),
        Err(MerchantError::Unknown)
    ));
    assert!(matches!(
        s.check_payment("m-acc", Some("INV-1"), 500, REQUEST_TTL_MS),
        Err(MerchantError::Expired)
    ));
    assert_eq!(s.check_payment("m-acc", None, 500, 10).unwrap(), None);
    assert!(matches!(
        s.mark_paid("nope", "p", 1),
        Err(MerchantError::Unknown)
    ));
    assert!(matches!(
        s.create(&new("r2", "INV-1", 700), 5),
        Err(MerchantError::ReferenceInUse)
    ));
    assert!(matches!(
        s.create(&new("r3", "INV-3", 0), 5),
        Err(MerchantError::Invalid("amount"))
    ));
    assert_eq!(s.get("r1").unwrap(), before);
    assert!(matches!(s.get("r2"), Err(MerchantError::Unknown)));
}

#[test]
fn a_reference_can_be_reused_after_expiry_and_the_open_one_is_checked() {
    let (s, _d) = store();
    s.create(&new("r1", "INV-1", 500), 0).unwrap();
    let later = REQUEST_TTL_MS + 1;
    s.create(&new("r2", "INV-1", 800), later).unwrap();
    assert_eq!(
        s.check_payment("m-acc", Some("INV-1"), 800, later + 1)
            .unwrap()
            .as_deref(),
        Some("r2")
    );
    assert_eq!(s.get("r1").unwrap().status(later), Status::Expired);
    // Money that moved after expiry is still recorded.
    assert_eq!(
        s.mark_paid("r1", "late-pay", later).unwrap().status(later),
        Status::Paid
    );
}

#[test]
fn one_payment_pays_one_request_and_state_survives_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hub.db");
    {
        let s = MerchantStore::new(crate::db::open(&path).unwrap()).unwrap();
        s.create(&new("r1", "A", 100), 0).unwrap();
        s.create(&new("r2", "B", 100), 0).unwrap();
        s.mark_paid("r1", "pay-1", 1).unwrap();
        assert!(matches!(
            s.mark_paid("r2", "pay-1", 2),
            Err(MerchantError::AlreadyPaid)
        ));
    }
    let s = MerchantStore::new(crate::db::open(&path).unwrap()).unwrap();
    assert_eq!(s.get("r1").unwrap().payment_id.as_deref(), Some("pay-1"));
    assert_eq!(s.get("r2").unwrap().payment_id, None);
}
