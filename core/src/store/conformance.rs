//! The one [`WalletStore`] conformance suite, run against every implementation.
//!
//! `conformance_suite!(name, || make_store())` expands to one `#[test]` per check.

use super::*;

fn balance(amount: &str) -> Balance {
    Balance {
        account_id: "acc-1".into(),
        available: amount.into(),
        currency: "TZS".into(),
    }
}

fn entry(id: &str) -> HistoryEntry {
    HistoryEntry {
        payment_id: id.into(),
        direction: Direction::Outgoing,
        counterparty: "Mama Ntilie Shop".into(),
        amount: "10.5".into(),
        fee: "0.25".into(),
        currency: "TZS".into(),
        status: "committed".into(),
        at: "2026-12-02T02:00:00Z".into(),
    }
}

fn new_item(id: &str, kind: OutboxKind) -> NewOutboxItem {
    NewOutboxItem {
        id: id.into(),
        kind,
        payload: format!(r#"{{"form":"{id}"}}"#),
    }
}

fn claimed(c: Claim) -> OutboxItem {
    match c {
        Claim::Claimed(item) => *item,
        other => panic!("expected a claim, got {other:?}"),
    }
}

pub(super) fn empty_store_is_empty<S: WalletStore>(s: &S) {
    assert_eq!(s.session().unwrap(), None);
    assert_eq!(s.profile().unwrap(), None);
    assert_eq!(s.balances().unwrap(), None);
    assert_eq!(s.history().unwrap(), None);
    assert_eq!(s.setting("x").unwrap(), None);
    assert!(s.outbox_list().unwrap().is_empty());
    assert_eq!(s.outbox_claim_next("a", 0, 1000).unwrap(), Claim::Empty);
}

pub(super) fn session_and_profile_round_trip<S: WalletStore>(s: &S) {
    let session = SessionMeta {
        user_id: "u-1".into(),
        device_id: Some("dev-1".into()),
        issued_at_ms: 1_000,
        expires_at_ms: 5_000,
    };
    s.set_session(Some(&session)).unwrap();
    assert_eq!(s.session().unwrap(), Some(session.clone()));
    assert!(session.is_valid_at(4_999) && !session.is_valid_at(5_000));
    let profile = Profile {
        user_id: "u-1".into(),
        display_name: "Asha".into(),
        phone: "255700000001".into(),
        role: Role::Agent,
    };
    s.set_profile(Some(&profile)).unwrap();
    assert_eq!(s.profile().unwrap(), Some(profile));
    s.set_session(None).unwrap();
    assert_eq!(s.session().unwrap(), None);
}

pub(super) fn cached_values_come_back_with_their_age<S: WalletStore>(s: &S) {
    s.set_balances(&[balance("1500.00")], 10_000).unwrap();
    let b = s.balances().unwrap().unwrap();
    assert_eq!(b.value, vec![balance("1500.00")]);
    assert_eq!(b.age_ms(70_000), 60_000);
    assert_eq!(b.age_ms(5_000), 0, "clock going backwards gives age 0");
    s.set_balances(&[balance("1489.25")], 80_000).unwrap();
    let b = s.balances().unwrap().unwrap();
    assert_eq!(b.value[0].available, "1489.25");
    assert_eq!(b.fetched_at_ms, 80_000);

    s.set_history(&[entry("p2"), entry("p1")], 20_000).unwrap();
    let h = s.history().unwrap().unwrap();
    let ids: Vec<_> = h.value.iter().map(|e| e.payment_id.as_str()).collect();
    assert_eq!(ids, ["p2", "p1"]);
    assert_eq!(h.age_ms(21_000), 1_000);
    s.set_history(&[], 30_000).unwrap();
    assert!(s.history().unwrap().unwrap().value.is_empty());
}

pub(super) fn logout_clears_account_data_only<S: WalletStore>(s: &S) {
    s.set_session(Some(&SessionMeta {
        user_id: "u".into(),
        device_id: None,
        issued_at_ms: 0,
        expires_at_ms: 1,
    }))
    .unwrap();
    s.set_balances(&[balance("1")], 1).unwrap();
    s.set_history(&[entry("p")], 1).unwrap();
    s.set_setting("lang", "sw").unwrap();
    s.outbox_insert(&new_item("o1", OutboxKind::Onboarding), 1)
        .unwrap();
    s.clear_account_data().unwrap();
    assert_eq!(s.session().unwrap(), None);
    assert_eq!(s.balances().unwrap(), None);
    assert_eq!(s.history().unwrap(), None);
    assert_eq!(s.setting("lang").unwrap().as_deref(), Some("sw"));
    assert_eq!(s.outbox_list().unwrap().len(), 1);
}

pub(super) fn settings_set_overwrite_delete<S: WalletStore>(s: &S) {
    s.set_setting("lang", "en").unwrap();
    s.set_setting("lang", "sw").unwrap();
    s.set_setting("hub", "http://127.0.0.1:8080").unwrap();
    assert_eq!(s.setting("lang").unwrap().as_deref(), Some("sw"));
    s.delete_setting("lang").unwrap();
    s.delete_setting("lang").unwrap();
    assert_eq!(s.setting("lang").unwrap(), None);
    assert!(s.setting("hub").unwrap().is_some());
}

pub(super) fn outbox_keeps_capture_order_and_refuses_duplicates<S: WalletStore>(s: &S) {
    let a = s
        .outbox_insert(&new_item("a", OutboxKind::Onboarding), 10)
        .unwrap();
    let b = s
        .outbox_insert(&new_item("b", OutboxKind::Payment), 11)
        .unwrap();
    assert!(a.seq < b.seq);
    assert_eq!(a.status, OutboxStatus::Queued);
    assert_eq!((a.attempts, a.created_at_ms), (0, 10));
    let dup = NewOutboxItem {
        payload: "{}".into(),
        ..new_item("a", OutboxKind::Payment)
    };
    assert!(matches!(
        s.outbox_insert(&dup, 12),
        Err(StoreError::DuplicateId)
    ));
    let list = s.outbox_list().unwrap();
    assert_eq!(list, vec![a.clone(), b]);
    assert_eq!(s.outbox_get("a").unwrap(), Some(a));
    assert_eq!(s.outbox_get("zzz").unwrap(), None);
}

pub(super) fn claims_are_exclusive_and_leases_expire<S: WalletStore>(s: &S) {
    s.outbox_insert(&new_item("a", OutboxKind::Onboarding), 0)
        .unwrap();
    s.outbox_insert(&new_item("b", OutboxKind::Onboarding), 0)
        .unwrap();
    let a = claimed(s.outbox_claim_next("run1", 100, 1_000).unwrap());
    assert_eq!((a.id.as_str(), a.attempts), ("a", 1));
    assert_eq!(a.status, OutboxStatus::Sending);
    // Another run must not take `a`, nor skip ahead to `b`.
    assert_eq!(
        s.outbox_claim_next("run2", 500, 1_000).unwrap(),
        Claim::Busy
    );
    // After the lease ends (crash of run1), run2 takes `a` over.
    let a2 = claimed(s.outbox_claim_next("run2", 1_100, 1_000).unwrap());
    assert_eq!((a2.id.as_str(), a2.attempts), ("a", 2));
    // run1's late answer is ignored; run2's is recorded.
    let done = Finish::Done {
        result: r#"{"customer_id":"c1"}"#.into(),
    };
    assert!(!s.outbox_finish("a", "run1", &done, 1_200).unwrap());
    assert_eq!(
        s.outbox_get("a").unwrap().unwrap().status,
        OutboxStatus::Sending
    );
    assert!(s.outbox_finish("a", "run2", &done, 1_300).unwrap());
    let a = s.outbox_get("a").unwrap().unwrap();
    assert_eq!(a.status, OutboxStatus::Done);
    assert_eq!(a.result.as_deref(), Some(r#"{"customer_id":"c1"}"#));
    assert_eq!((a.lease_owner, a.lease_until_ms), (None, None));
    // A finished item cannot be finished again.
    assert!(!s.outbox_finish("a", "run2", &done, 1_400).unwrap());
    assert!(matches!(
        s.outbox_finish("nope", "run2", &done, 1_400),
        Err(StoreError::NotFound)
    ));
    let b = claimed(s.outbox_claim_next("run1", 1_500, 1_000).unwrap());
    assert_eq!(b.id, "b");
}

pub(super) fn retry_requeues_and_failed_is_skipped<S: WalletStore>(s: &S) {
    s.outbox_insert(&new_item("a", OutboxKind::Onboarding), 0)
        .unwrap();
    s.outbox_insert(&new_item("b", OutboxKind::Onboarding), 0)
        .unwrap();
    claimed(s.outbox_claim_next("r", 1, 100).unwrap());
    let retry = Finish::Retry {
        reason: "offline".into(),
    };
    assert!(s.outbox_finish("a", "r", &retry, 2).unwrap());
    let a = s.outbox_get("a").unwrap().unwrap();
    assert_eq!(a.status, OutboxStatus::Queued);
    assert_eq!(a.last_error.as_deref(), Some("offline"));
    // Still first in line.
    assert_eq!(claimed(s.outbox_claim_next("r", 3, 100).unwrap()).id, "a");
    let failed = Finish::Failed {
        code: "3101".into(),
        message: "phone number already registered".into(),
    };
    assert!(s.outbox_finish("a", "r", &failed, 4).unwrap());
    // A failed item does not block the next one.
    assert_eq!(claimed(s.outbox_claim_next("r", 5, 100).unwrap()).id, "b");
    let a = s.outbox_get("a").unwrap().unwrap();
    assert_eq!(
        a.status,
        OutboxStatus::Failed {
            code: "3101".into(),
            message: "phone number already registered".into()
        }
    );
}

pub(super) fn only_failed_items_can_be_resubmitted<S: WalletStore>(s: &S) {
    let a = s
        .outbox_insert(&new_item("a", OutboxKind::Onboarding), 0)
        .unwrap();
    assert!(matches!(
        s.outbox_resubmit("a", "{}", 1),
        Err(StoreError::WrongState {
            actual: "queued",
            ..
        })
    ));
    claimed(s.outbox_claim_next("r", 1, 100).unwrap());
    let failed = Finish::Failed {
        code: "validation".into(),
        message: "date of birth missing".into(),
    };
    s.outbox_finish("a", "r", &failed, 2).unwrap();
    let fixed = s
        .outbox_resubmit("a", r#"{"dob":"1990-01-01"}"#, 3)
        .unwrap();
    assert_eq!((fixed.id.as_str(), fixed.seq), ("a", a.seq));
    assert_eq!(fixed.status, OutboxStatus::Queued);
    assert_eq!(fixed.payload, r#"{"dob":"1990-01-01"}"#);
    assert_eq!(s.outbox_get("a").unwrap(), Some(fixed));
    assert!(matches!(
        s.outbox_resubmit("zzz", "{}", 4),
        Err(StoreError::NotFound)
    ));
}

pub(super) fn only_old_done_items_are_removed<S: WalletStore>(s: &S) {
    for id in ["a", "b", "c", "d"] {
        s.outbox_insert(&new_item(id, OutboxKind::Onboarding), 0)
            .unwrap();
    }
    let done = Finish::Done {
        result: "{}".into(),
    };
    let failed = Finish::Failed {
        code: "x".into(),
        message: "y".into(),
    };
    for (id, outcome, at) in [("a", &done, 10), ("b", &failed, 11), ("c", &done, 50)] {
        assert_eq!(claimed(s.outbox_claim_next("r", at, 5).unwrap()).id, id);
        assert!(s.outbox_finish(id, "r", outcome, at).unwrap());
    }
    assert_eq!(s.outbox_remove_done(20).unwrap(), 1);
    let left: Vec<_> = s.outbox_list().unwrap().into_iter().map(|i| i.id).collect();
    assert_eq!(left, ["b", "c", "d"]);
    assert_eq!(s.outbox_remove_done(i64::MAX).unwrap(), 1);
    // A new item still sorts after everything ever inserted.
    let e = s
        .outbox_insert(&new_item("e", OutboxKind::Payment), 60)
        .unwrap();
    assert!(s.outbox_list().unwrap().iter().all(|i| i.seq <= e.seq));
    assert!(matches!(
        s.outbox_insert(&new_item("b", OutboxKind::Payment), 60),
        Err(StoreError::DuplicateId)
    ));
}

macro_rules! conformance_suite {
    ($name:ident, $make:expr) => {
        mod $name {
            use super::*;

            #[test]
            fn empty_store_is_empty() {
                super::empty_store_is_empty(&$make());
            }
            #[test]
            fn session_and_profile_round_trip() {
                super::session_and_profile_round_trip(&$make());
            }
            #[test]
            fn cached_values_come_back_with_their_age() {
                super::cached_values_come_back_with_their_age(&$make());
            }
            #[test]
            fn logout_clears_account_data_only() {
                super::logout_clears_account_data_only(&$make());
            }
            #[test]
            fn settings_set_overwrite_delete() {
                super::settings_set_overwrite_delete(&$make());
            }
            #[test]
            fn outbox_keeps_capture_order_and_refuses_duplicates() {
                super::outbox_keeps_capture_order_and_refuses_duplicates(&$make());
            }
            #[test]
            fn claims_are_exclusive_and_leases_expire() {
                super::claims_are_exclusive_and_leases_expire(&$make());
            }
            #[test]
            fn retry_requeues_and_failed_is_skipped() {
                super::retry_requeues_and_failed_is_skipped(&$make());
            }
            #[test]
            fn only_old_done_items_are_removed() {
                super::only_old_done_items_are_removed(&$make());
            }
            #[test]
            fn only_failed_items_can_be_resubmitted() {
                super::only_failed_items_can_be_resubmitted(&$make());
            }
        }
    };
}

conformance_suite!(memory, MemoryStore::new);

/// A store filled through every part of the trait, for export/import checks.
fn populated_memory_store() -> MemoryStore {
    let s = MemoryStore::new();
    session_and_profile_round_trip(&s);
    cached_values_come_back_with_their_age(&s);
    s.set_setting("lang", "sw").unwrap();
    s.outbox_insert(&new_item("a", OutboxKind::Onboarding), 1)
        .unwrap();
    s.outbox_insert(&new_item("b", OutboxKind::Payment), 2)
        .unwrap();
    claimed(s.outbox_claim_next("r", 3, 100).unwrap());
    s
}

#[test]
fn memory_store_export_import_round_trip() {
    let s = populated_memory_store();
    let back = MemoryStore::import_json(&s.export_json().unwrap()).unwrap();
    assert_eq!(back.session().unwrap(), s.session().unwrap());
    assert_eq!(back.profile().unwrap(), s.profile().unwrap());
    assert_eq!(back.balances().unwrap(), s.balances().unwrap());
    assert_eq!(back.history().unwrap(), s.history().unwrap());
    assert_eq!(back.setting("lang").unwrap().as_deref(), Some("sw"));
    assert_eq!(back.outbox_list().unwrap(), s.outbox_list().unwrap());
    // The imported store keeps its sequence: new items still go last.
    let c = back
        .outbox_insert(&new_item("c", OutboxKind::Payment), 4)
        .unwrap();
    assert!(back.outbox_list().unwrap().iter().all(|i| i.seq <= c.seq));
}

#[test]
fn memory_store_import_refuses_bad_input() {
    assert!(matches!(
        MemoryStore::import_json("{"),
        Err(StoreError::Corrupt(_))
    ));
    let good = populated_memory_store().export_json().unwrap();
    let mut v: serde_json::Value = serde_json::from_str(&good).unwrap();
    v["version"] = serde_json::json!(99);
    assert!(MemoryStore::import_json(&v.to_string()).is_err());
    let mut v: serde_json::Value = serde_json::from_str(&good).unwrap();
    v["outbox"][1]["id"] = serde_json::json!("a");
    assert!(matches!(
        MemoryStore::import_json(&v.to_string()),
        Err(StoreError::Corrupt("import outbox order"))
    ));
    let mut v: serde_json::Value = serde_json::from_str(&good).unwrap();
    v["next_seq"] = serde_json::json!(0);
    assert!(MemoryStore::import_json(&v.to_string()).is_err());
}

#[cfg(feature = "sqlite")]
pub(crate) mod sqlite_support {
    use std::path::PathBuf;
    use std::sync::atomic::{AtomicU32, Ordering};

    static COUNTER: AtomicU32 = AtomicU32::new(0);

    /// A fresh, empty directory under the system temp dir for one test.
    pub(crate) fn temp_dir() -> PathBuf {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!(
            "kipochi-core-test-{}-{n}-{}",
            std::process::id(),
            crate::ids::new_uuid_v4().unwrap()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    /// A new SQLite store in a real file in a fresh temp dir.
    pub(crate) fn new_store() -> super::SqliteStore {
        super::SqliteStore::open(temp_dir().join("wallet.sqlite")).unwrap()
    }
}

#[cfg(feature = "sqlite")]
conformance_suite!(sqlite, sqlite_support::new_store);

#[cfg(feature = "sqlite")]
mod sqlite_only {
    use super::sqlite_support::temp_dir;
    use super::*;

    #[test]
    fn data_survives_reopen() {
        let path = temp_dir().join("w.sqlite");
        {
            let s = SqliteStore::open(&path).unwrap();
            s.set_balances(&[balance("7.00")], 42).unwrap();
            s.outbox_insert(&new_item("a", OutboxKind::Onboarding), 1)
                .unwrap();
            claimed(s.outbox_claim_next("r", 1, 100).unwrap());
        }
        let s = SqliteStore::open(&path).unwrap();
        assert_eq!(s.balances().unwrap().unwrap().fetched_at_ms, 42);
        let a = s.outbox_get("a").unwrap().unwrap();
        assert_eq!(a.status, OutboxStatus::Sending);
        assert_eq!(a.lease_owner.as_deref(), Some("r"));
    }

    #[test]
    fn migrations_set_user_version_and_newer_schema_is_refused() {
        let path = temp_dir().join("w.sqlite");
        drop(SqliteStore::open(&path).unwrap());
        let conn = rusqlite::Connection::open(&path).unwrap();
        let v: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(v, SqliteStore::schema_version());
        conn.pragma_update(None, "user_version", v + 1).unwrap();
        drop(conn);
        assert!(matches!(
            SqliteStore::open(&path),
            Err(StoreError::SchemaTooNew { .. })
        ));
    }

    #[test]
    fn two_handles_on_one_file_cannot_claim_the_same_item() {
        let path = temp_dir().join("w.sqlite");
        let s1 = SqliteStore::open(&path).unwrap();
        let s2 = SqliteStore::open(&path).unwrap();
        s1.outbox_insert(&new_item("a", OutboxKind::Onboarding), 0)
            .unwrap();
        claimed(s1.outbox_claim_next("p1", 10, 1_000).unwrap());
        assert_eq!(s2.outbox_claim_next("p2", 20, 1_000).unwrap(), Claim::Busy);
    }
}
