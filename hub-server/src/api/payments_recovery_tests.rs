//! Router tests of payment recovery and account limits (see `payments_tests` for the harness).

use axum::http::StatusCode;
use serde_json::json;

use super::payments_tests::{P1, P2, Pay};
use crate::accounts::{AccountSystem, Limits, Money, TransferId};
use crate::orchestrator::payer::QUOTE_TTL_MS;
use crate::orchestrator::recovery;

#[tokio::test]
async fn per_payment_limit_is_refused_with_its_code() {
    let pay = Pay::new();
    let limits = Limits {
        max_per_payment: Some(5_000),
        ..Limits::default()
    };
    let asha = pay
        .customer_with("255712000001", "Asha", 100_000, 1, limits)
        .await;
    pay.customer("255712000002", "Baraka", 0, 2).await;
    let (status, body) = pay.create(&asha, P1, "255712000002", "50").await;
    assert_eq!(
        (status, &body["code"]),
        (StatusCode::UNPROCESSABLE_ENTITY, &json!("limit_exceeded"))
    );
    let (status, _) = pay.create(&asha, P2, "255712000002", "48").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(pay.available(asha.account).await, 100_000);
}

#[tokio::test]
async fn recovery_expires_stale_quotes() {
    let pay = Pay::new();
    let asha = pay.customer("255712000001", "Asha", 5_000, 1).await;
    pay.customer("255712000002", "Baraka", 0, 2).await;
    pay.create(&asha, P1, "255712000002", "10").await;
    let report = recovery::recover_once(&pay.h.state).await.unwrap();
    assert_eq!((report.expired, report.waiting), (0, 1));
    pay.h.clock.advance(QUOTE_TTL_MS + 1);
    let report = recovery::recover_once(&pay.h.state).await.unwrap();
    assert_eq!(report.expired, 1);
    assert!(pay.h.state.payments.unfinished().unwrap().is_empty());
}

#[tokio::test]
async fn recovery_books_an_approved_payment_exactly_once() {
    use crate::accounts::InternalTransferRequest;
    use crate::payments::Changes;
    use kipochi_core::api::PaymentState;

    let pay = Pay::new();
    let asha = pay.customer("255712000001", "Asha", 10_000, 1).await;
    let baraka = pay.customer("255712000002", "Baraka", 0, 2).await;
    let p3 = "6f1c1a52-3b7e-4d61-9a57-0c3f8a1b2c03";
    for id in [P1, P2, p3] {
        let (status, _) = pay.create(&asha, id, "255712000002", "10").await;
        assert_eq!(status, StatusCode::OK);
    }
    let now = pay.h.state.now();
    // P1: the hub crashed right after persisting the approval. P2: it also booked the payment
    // but crashed before persisting `committed`.
    for id in [P1, P2] {
        pay.h
            .state
            .payments
            .transition(
                id,
                PaymentState::Quoted,
                PaymentState::Approved,
                Changes::default(),
                now,
            )
            .unwrap();
    }
    pay.ledger
        .internal_transfer(InternalTransferRequest {
            transfer_id: TransferId(P2.parse().unwrap()),
            payer: asha.account,
            payee: baraka.account,
            amount: Money::new(1_000, Pay::tzs()),
            fee: Money::new(100, Pay::tzs()),
        })
        .await
        .unwrap();

    let report = recovery::recover_once(&pay.h.state).await.unwrap();
    assert_eq!((report.completed, report.waiting, report.failed), (2, 1, 0));
    for id in [P1, P2] {
        assert_eq!(
            pay.h.state.payments.get(id).unwrap().state,
            PaymentState::Committed
        );
    }
    assert_eq!(pay.available(asha.account).await, 10_000 - 2 * 1_100);
    assert_eq!(pay.available(baraka.account).await, 2_000);
    // A second pass changes nothing.
    let report = recovery::recover_once(&pay.h.state).await.unwrap();
    assert_eq!((report.completed, report.waiting), (0, 1));
    assert_eq!(pay.available(asha.account).await, 7_800);
}
