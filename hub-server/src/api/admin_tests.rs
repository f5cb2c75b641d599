//! Admin endpoints over the router: only admins, search filters, timeline, system balances.

use axum::http::StatusCode;
use kipochi_core::api::{Direction, PaymentState};

use super::account_tests::funded_customer;
use super::tests::Harness;
use crate::auth::Role;
use crate::payments::{Changes, Party, PaymentRecord};

fn record(id: &str, user: &str, created_at: i64) -> PaymentRecord {
    PaymentRecord {
        id: id.into(),
        direction: Direction::Outgoing,
        state: PaymentState::Created,
        user_id: Some(user.into()),
        account_id: format!("acc-{user}"),
        counterparty: Party {
            id_type: "BUSINESS".into(),
            id: "T1001".into(),
            name: "Duka".into(),
            fsp_id: "otherfsp".into(),
        },
        amount_minor: 150_050,
        fee_minor: 500,
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
        request_hash: format!("h-{id}"),
        error_code: None,
        error_message: None,
        created_at,
        updated_at: created_at,
    }
}

fn seed(h: &Harness) {
    h.state.payments.create(&record("p1", "u1", 1_000)).unwrap();
    h.state.payments.create(&record("p2", "u2", 2_000)).unwrap();
    h.state.payments.create(&record("p3", "u1", 3_000)).unwrap();
    h.state
        .payments
        .transition(
            "p3",
            PaymentState::Created,
            PaymentState::Failed,
            Changes {
                error_code: Some("payee_not_found".into()),
                error_message: Some("payee not found".into()),
                detail: Some("lookup failed".into()),
                ..Changes::default()
            },
            3_500,
        )
        .unwrap();
}

#[tokio::test]
async fn only_admins_use_admin_endpoints() {
    let h = Harness::new();
    seed(&h);
    for (phone, role) in [
        ("255712300001", Role::Customer),
        ("255712300002", Role::Agent),
        ("255712300003", Role::Merchant),
    ] {
        let token = h.user(phone, role).await;
        for path in [
            "/api/v1/admin/payments",
            "/api/v1/admin/payments/p1",
            "/api/v1/admin/ledger",
        ] {
            let (status, body) = h.call("GET", path, Some(&token), None).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{role:?} {path}");
            assert_eq!(body["code"], "forbidden");
        }
    }
    let (status, _) = h.call("GET", "/api/v1/admin/payments", None, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn search_filters_by_state_window_and_party() {
    let h = Harness::new();
    seed(&h);
    let admin = h.user("255712300010", Role::Admin).await;
    let ids = |v: &serde_json::Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|p| p["payment_id"].as_str().unwrap().to_string())
            .collect()
    };
    let (status, all) = h
        .call("GET", "/api/v1/admin/payments", Some(&admin), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{all}");
    assert_eq!(ids(&all), ["p3", "p2", "p1"]);
    assert_eq!(all[2]["amount"], "1500.5");
    assert_eq!(all[2]["fee"], "5");
    assert_eq!(all[0]["error"]["code"], "payee_not_found");
    for (q, want) in [
        ("state=failed", vec!["p3"]),
        ("state=created", vec!["p2", "p1"]),
        ("party=u1", vec!["p3", "p1"]),
        ("from=1500&to=3000", vec!["p2"]),
        ("limit=1", vec!["p3"]),
    ] {
        let (status, found) = h
            .call(
                "GET",
                &format!("/api/v1/admin/payments?{q}"),
                Some(&admin),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{q}");
        assert_eq!(ids(&found), want, "{q}");
    }
    for q in [
        "state=bogus",
        "limit=0",
        "limit=501",
        "from=5&to=5",
        "from=x",
    ] {
        let (status, body) = h
            .call(
                "GET",
                &format!("/api/v1/admin/payments?{q}"),
                Some(&admin),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{q}");
        assert_eq!(body["code"], "invalid_request", "{q}");
    }
}

#[tokio::test]
async fn one_payment_with_its_timeline() {
    let h = Harness::new();
    seed(&h);
    let admin = h.user("255712300020", Role::Admin).await;
    let (status, p) = h
        .call("GET", "/api/v1/admin/payments/p3", Some(&admin), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{p}");
    assert_eq!(p["payment"]["state"], "failed");
    assert_eq!(p["user_id"], "u1");
    let timeline = p["timeline"].as_array().unwrap();
    assert_eq!(timeline.len(), 2);
    assert_eq!(timeline[0]["to"], "created");
    assert_eq!(timeline[1]["from"], "created");
    assert_eq!(timeline[1]["to"], "failed");
    assert_eq!(timeline[1]["detail"], "lookup failed");
    let (status, body) = h
        .call("GET", "/api/v1/admin/payments/nope", Some(&admin), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["code"], "not_found");
}

#[tokio::test]
async fn ledger_shows_system_balances() {
    let h = Harness::new();
    funded_customer(&h, "255712300030", 250_000).await;
    let admin = h.user("255712300031", Role::Admin).await;
    let (status, books) = h
        .call("GET", "/api/v1/admin/ledger", Some(&admin), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{books}");
    let books = books.as_array().unwrap();
    let kinds: Vec<_> = books.iter().map(|b| b["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["fees_income", "settlement", "equity"]);
    // Issuing 2500 TZS of e-money is booked against equity.
    assert_eq!(books[2]["ledger"], "-2500");
    assert_eq!(books[0]["ledger"], "0");
    assert_eq!(books[0]["currency"], "TZS");
}
