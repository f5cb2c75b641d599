//! Balance and history over the router.

use axum::http::StatusCode;

use super::tests::Harness;
use crate::accounts::{
    AccountId, AccountKind, Alias, AliasType, Currency, InternalTransferRequest, Limits, Money,
    OpenAccount, TransferId,
};
use crate::auth::{NewUser, Role};

/// Opens a funded wallet for a new customer and returns (token, account id).
pub(super) async fn funded_customer(h: &Harness, phone: &str, minor: i64) -> (String, AccountId) {
    let id = AccountId::new_v4();
    let tzs: Currency = "TZS".parse().unwrap();
    h.state
        .accounts
        .open_account(OpenAccount {
            id,
            kind: AccountKind::CustomerWallet,
            display_name: format!("Customer {phone}"),
            currency: tzs.clone(),
            aliases: vec![Alias {
                kind: AliasType::Msisdn,
                value: phone.into(),
            }],
            limits: Limits::default(),
            date_of_birth: None,
        })
        .await
        .unwrap();
    if minor > 0 {
        let ledger = h.state.ledger.as_ref().unwrap();
        ledger
            .fund(TransferId::new_v4(), id, Money::new(minor, tzs))
            .await
            .unwrap();
    }
    let new = NewUser {
        phone: phone.into(),
        display_name: format!("Customer {phone}"),
        role: Role::Customer,
        kyc_tier: 2,
        account_id: Some(id.to_string()),
    };
    let now = h.state.now();
    let (_, code) = h.state.auth.create_user(&new, now).unwrap();
    h.state.auth.activate(phone, &code, "4821", now).unwrap();
    let (status, body) = h
        .call(
            "POST",
            "/api/v1/auth/login",
            None,
            Some(serde_json::json!({"phone": phone, "pin": "4821"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    (body["token"].as_str().unwrap().to_string(), id)
}

#[tokio::test]
async fn balance_is_the_callers_own_in_mojaloop_strings() {
    let h = Harness::new();
    let (alice, _) = funded_customer(&h, "255712100001", 1_050_050).await;
    let (bob, _) = funded_customer(&h, "255712100002", 700).await;
    let (status, body) = h.call("GET", "/api/v1/balance", Some(&alice), None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["currency"], "TZS");
    assert_eq!(body["ledger"], "10500.5");
    assert_eq!(body["available"], "10500.5");
    let (_, body) = h.call("GET", "/api/v1/balance", Some(&bob), None).await;
    assert_eq!(body["ledger"], "7");
}

#[tokio::test]
async fn balance_needs_a_token_and_an_account() {
    let h = Harness::new();
    let (status, body) = h.call("GET", "/api/v1/balance", None, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["code"], "unauthenticated");
    // The harness's users carry an account id the account system does not know.
    let token = h.user("255712100003", Role::Customer).await;
    let (status, body) = h.call("GET", "/api/v1/balance", Some(&token), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["code"], "not_found");
}

#[tokio::test]
async fn history_pages_newest_first_with_a_cursor() {
    let h = Harness::new();
    let (alice, a) = funded_customer(&h, "255712100011", 100_000).await;
    let (_, b) = funded_customer(&h, "255712100012", 0).await;
    let tzs: Currency = "TZS".parse().unwrap();
    for i in 1..=3 {
        h.state
            .accounts
            .internal_transfer(InternalTransferRequest {
                transfer_id: TransferId::new_v4(),
                payer: a,
                payee: b,
                amount: Money::new(i * 100, tzs.clone()),
                fee: Money::new(0, tzs.clone()),
            })
            .await
            .unwrap();
    }
    let (status, page) = h
        .call("GET", "/api/v1/history?limit=2", Some(&alice), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["amount"], "3");
    assert_eq!(items[0]["direction"], "outgoing");
    assert_eq!(items[0]["kind"], "internal");
    assert_eq!(items[0]["balance_after"], "994");
    assert_eq!(items[1]["amount"], "2");
    let cursor = page["next_cursor"].as_str().unwrap();
    let (status, page) = h
        .call(
            "GET",
            &format!("/api/v1/history?limit=2&cursor={cursor}"),
            Some(&alice),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["amount"], "1");
    assert_eq!(items[1]["kind"], "funding");
    assert_eq!(items[1]["direction"], "incoming");
    assert_eq!(items[1]["amount"], "1000");
}

#[tokio::test]
async fn history_rejects_bad_limits_and_cursors() {
    let h = Harness::new();
    let (alice, _) = funded_customer(&h, "255712100021", 100).await;
    for q in ["limit=0", "limit=201", "cursor=abc"] {
        let (status, body) = h
            .call("GET", &format!("/api/v1/history?{q}"), Some(&alice), None)
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{q}");
        assert_eq!(body["code"], "invalid_request");
    }
}
