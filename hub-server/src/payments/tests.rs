use kipochi_core::api::{Direction, PaymentState};
use rusqlite::Connection;

use super::*;

fn store() -> PaymentStore {
    PaymentStore::new(Connection::open_in_memory().unwrap()).unwrap()
}

fn payment(id: &str, hash: &str) -> PaymentRecord {
    PaymentRecord {
        id: id.into(),
        direction: Direction::Outgoing,
        state: PaymentState::Created,
        user_id: Some("u1".into()),
        account_id: "acc-1".into(),
        counterparty: Party {
            id_type: "BUSINESS".into(),
            id: "T1001".into(),
            name: String::new(),
            fsp_id: String::new(),
        },
        amount_minor: 1500,
        fee_minor: 0,
        currency: "TZS".into(),
        reference: Some("INV-1".into()),
        note: None,
        internal: false,
        quote_id: None,
        quote_expiry: None,
        nonce: None,
        ilp_packet: None,
        condition: None,
        fulfilment: None,
        transfer_expiry: None,
        transfer_minor: None,
        transfer_id: None,
        request_hash: hash.into(),
        error_code: None,
        error_message: None,
        created_at: 1000,
        updated_at: 1000,
    }
}

#[test]
fn create_is_idempotent_by_id_and_request() {
    let s = store();
    let p = payment("p1", "h1");
    assert!(matches!(s.create(&p).unwrap(), Created::New(_)));
    assert!(matches!(s.create(&p).unwrap(), Created::Existing(e) if e == p));
    assert!(matches!(
        s.create(&payment("p1", "other")),
        Err(StoreError::Conflict)
    ));
}

#[test]
fn transitions_apply_changes_and_build_a_timeline() {
    let s = store();
    s.create(&payment("p1", "h")).unwrap();
    let quoted = s
        .transition(
            "p1",
            PaymentState::Created,
            PaymentState::Quoted,
            Changes {
                counterparty: Some(Party {
                    id_type: "BUSINESS".into(),
                    id: "T1001".into(),
                    name: "Mama Ntilie Shop".into(),
                    fsp_id: "greenwallet".into(),
                }),
                fee_minor: Some(50),
                quote_expiry: Some(9000),
                nonce: Some("n1".into()),
                detail: Some("quote q1".into()),
                ..Changes::default()
            },
            2000,
        )
        .unwrap();
    assert_eq!(quoted.state, PaymentState::Quoted);
    assert_eq!(quoted.counterparty.name, "Mama Ntilie Shop");
    assert_eq!(quoted.fee_minor, 50);
    assert_eq!(quoted.amount_minor, 1500, "unchanged fields stay");
    assert_eq!(quoted.updated_at, 2000);
    let events = s.timeline("p1").unwrap();
    assert_eq!(events.len(), 2);
    assert_eq!(events[0].to, PaymentState::Created);
    assert_eq!(events[1].from, Some(PaymentState::Created));
    assert_eq!(events[1].detail.as_deref(), Some("quote q1"));
}

#[test]
fn transition_is_idempotent_and_refuses_races_and_illegal_moves() {
    let s = store();
    s.create(&payment("p1", "h")).unwrap();
    let t = |from, to| s.transition("p1", from, to, Changes::default(), 5);
    t(PaymentState::Created, PaymentState::Quoted).unwrap();
    // Repeating a transition that already happened is a no-op, not an error.
    t(PaymentState::Created, PaymentState::Quoted).unwrap();
    assert_eq!(s.timeline("p1").unwrap().len(), 2);
    // A second actor that thought the payment was still `created` loses.
    assert!(matches!(
        t(PaymentState::Created, PaymentState::Expired),
        Err(StoreError::StateConflict {
            actual: PaymentState::Quoted,
            ..
        })
    ));
    assert!(matches!(
        t(PaymentState::Quoted, PaymentState::Committed),
        Err(StoreError::IllegalTransition { .. })
    ));
    assert!(matches!(
        s.transition(
            "nope",
            PaymentState::Created,
            PaymentState::Quoted,
            Changes::default(),
            1
        ),
        Err(StoreError::NotFound)
    ));
}

#[test]
fn unfinished_lists_only_non_terminal_payments() {
    let s = store();
    for id in ["a", "b", "c"] {
        s.create(&payment(id, "h")).unwrap();
    }
    s.transition(
        "b",
        PaymentState::Created,
        PaymentState::Failed,
        Changes::default(),
        2,
    )
    .unwrap();
    let ids: Vec<_> = s.unfinished().unwrap().into_iter().map(|p| p.id).collect();
    assert_eq!(ids, ["a", "c"]);
    let counts = s.counts_by_state().unwrap();
    assert!(counts.contains(&(PaymentState::Created, 2)));
    assert!(counts.contains(&(PaymentState::Failed, 1)));
}

#[test]
fn user_history_and_admin_search() {
    let s = store();
    for (i, id) in ["a", "b", "c"].iter().enumerate() {
        let mut p = payment(id, "h");
        p.created_at = 100 + i as i64;
        s.create(&p).unwrap();
    }
    let page: Vec<_> = s
        .for_user("u1", None, 2)
        .unwrap()
        .into_iter()
        .map(|p| p.id)
        .collect();
    assert_eq!(page, ["c", "b"]);
    let next: Vec<_> = s
        .for_user("u1", Some(101), 2)
        .unwrap()
        .into_iter()
        .map(|p| p.id)
        .collect();
    assert_eq!(next, ["a"]);
    assert!(s.for_user("u2", None, 10).unwrap().is_empty());
    let found = s
        .search(&Search {
            party: Some("T1001".into()),
            from: Some(101),
            limit: 10,
            ..Search::default()
        })
        .unwrap();
    assert_eq!(found.len(), 2);
}

#[test]
fn state_survives_reopening_the_file() {
    let dir = std::env::temp_dir().join(format!("kipochi-pay-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("hub.db");
    {
        let s = PaymentStore::new(crate::db::open(&path).unwrap()).unwrap();
        s.create(&payment("p1", "h")).unwrap();
        s.transition(
            "p1",
            PaymentState::Created,
            PaymentState::Quoted,
            Changes::default(),
            3,
        )
        .unwrap();
    }
    let s = PaymentStore::new(crate::db::open(&path).unwrap()).unwrap();
    assert_eq!(s.get("p1").unwrap().state, PaymentState::Quoted);
    assert_eq!(s.timeline("p1").unwrap().len(), 2);
    std::fs::remove_dir_all(dir).unwrap();
}
