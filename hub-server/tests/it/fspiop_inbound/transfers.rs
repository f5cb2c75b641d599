//! Inbound FSPIOP transfers on the payee side.

use super::*;

fn post_transfer(body: &Value) -> Request<Body> {
    Request::post("/transfers")
        .header(
            "content-type",
            "application/vnd.interoperability.transfers+json;version=1.1",
        )
        .header(
            "accept",
            "application/vnd.interoperability.transfers+json;version=1",
        )
        .header("date", "Thu, 01 Jan 2026 00:00:00 GMT")
        .header("fspiop-source", "payerfsp")
        .header("fspiop-destination", "payeefsp")
        .body(Body::from(body.to_string()))
        .unwrap()
}

/// Quotes through the router, then sends transfers built from the quote answer.
#[tokio::test]
async fn expired_transfer_gets_3303_and_a_good_one_is_fulfilled_once() {
    let mut r = rig().await;
    let resp = r
        .app
        .clone()
        .oneshot(post_quote(quote_body().to_string().as_bytes(), "1.1"))
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::ACCEPTED);
    let quote = next(&mut r.switch).await.body;
    let transfer = |id: &str, expiration: &str| {
        json!({
            "transferId": id,
            "payeeFsp": "payeefsp",
            "payerFsp": "payerfsp",
            "amount": quote["transferAmount"],
            "ilpPacket": quote["ilpPacket"],
            "condition": quote["condition"],
            "expiration": expiration
        })
    };
    let expired = transfer(
        "11111111-1111-4111-8111-111111111111",
        "2020-01-01T00:00:00.000Z",
    );
    assert_eq!(
        r.app
            .clone()
            .oneshot(post_transfer(&expired))
            .await
            .unwrap()
            .status(),
        StatusCode::ACCEPTED
    );
    let cb = next(&mut r.switch).await;
    assert_eq!(
        cb.path,
        "/transfers/11111111-1111-4111-8111-111111111111/error"
    );
    assert_eq!(cb.body["errorInformation"]["errorCode"], "3303");

    let mut wrong_amount = transfer(
        "22222222-2222-4222-8222-222222222222",
        "2099-01-01T00:00:00.000Z",
    );
    wrong_amount["amount"]["amount"] = json!("99");
    assert_eq!(
        r.app
            .clone()
            .oneshot(post_transfer(&wrong_amount))
            .await
            .unwrap()
            .status(),
        StatusCode::ACCEPTED
    );
    assert_eq!(
        next(&mut r.switch).await.body["errorInformation"]["errorCode"],
        "3100"
    );

    let good = transfer(
        "7f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
        "2099-01-01T00:00:00.000Z",
    );
    for _ in 0..2 {
        assert_eq!(
            r.app
                .clone()
                .oneshot(post_transfer(&good))
                .await
                .unwrap()
                .status(),
            StatusCode::ACCEPTED
        );
        let cb = next(&mut r.switch).await;
        assert_eq!(cb.path, "/transfers/7f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d");
        assert_eq!(cb.body["transferState"], "COMMITTED");
        let f = cb.body["fulfilment"].as_str().unwrap().to_owned();
        let f = kipochi_hub::fspiop::types::IlpFulfilment::try_from(f).unwrap();
        let c = kipochi_hub::fspiop::types::IlpCondition::try_from(
            quote["condition"].as_str().unwrap().to_owned(),
        )
        .unwrap();
        assert!(kipochi_hub::fspiop::ilp::check_fulfilment(&f, &c));
    }
    // Credited once although the transfer was received twice.
    assert_eq!(r.payee.credited.lock().unwrap().len(), 1);
    assert_eq!(r.payee.calls(), ["quote", "prepare_transfer"]);
}
