//! The lab as a user runs it: `kipochi-hub lab` (switch + bluebank + greenwallet as child
//! processes on loopback, demo users seeded), driven over the wallet API like an app would.

use std::time::Duration;

use kipochi_e2e::lab::{Lab, mama_ntilie_qr};
use kipochi_e2e::temp_dir;
use serde_json::json;

/// Collects server-sent events of `token` at `base` into a channel of raw `data:` payloads.
fn events(base: &str, token: &str) -> tokio::sync::mpsc::UnboundedReceiver<String> {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let url = format!("{base}/api/v1/events?token={token}");
    tokio::spawn(async move {
        let mut res = reqwest::get(url).await.unwrap();
        let mut buf = String::new();
        while let Ok(Some(chunk)) = res.chunk().await {
            buf.push_str(&String::from_utf8_lossy(&chunk));
            while let Some(end) = buf.find("\n\n") {
                let event: String = buf.drain(..end + 2).collect();
                for line in event.lines() {
                    if let Some(data) = line.strip_prefix("data:") {
                        let _ = tx.send(data.trim().to_string());
                    }
                }
            }
        }
    });
    rx
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lab_payments_across_and_within_dfsps() {
    let data = temp_dir("lab");
    let lab = Lab::start(data.path(), &[]).unwrap();
    for s in [
        "switch",
        "bluebank",
        "greenwallet",
        "bluebank-fspiop",
        "greenwallet-fspiop",
    ] {
        assert!(lab.urls.contains_key(s), "{:?}", lab.urls);
    }

    let juma = lab.login("bluebank", "255711000001").await.unwrap();
    let juma_key = lab.device("bluebank", &juma, 1).await.unwrap();
    let merchant = lab.login("greenwallet", "255722000003").await.unwrap();
    let mut merchant_events = events(lab.url("greenwallet").unwrap(), &merchant);
    tokio::time::sleep(Duration::from_millis(200)).await;

    // Dynamic QR of Mama Ntilie's till at greenwallet, paid by Juma at bluebank.
    let qr = mama_ntilie_qr("4500").unwrap();
    let (quote, done) = lab
        .pay(
            "bluebank",
            &juma,
            &juma_key,
            json!({"kind": "qr", "payload": qr}),
            None,
        )
        .await
        .unwrap();
    assert_eq!(quote["payee"]["name"], "Mama Ntilie");
    assert_eq!(quote["payee"]["fsp_id"], "greenwallet");
    assert_eq!(done["state"], "committed", "{done}");
    assert_eq!(lab.balance("bluebank", &juma).await.unwrap().1, "495500");
    let event = tokio::time::timeout(Duration::from_secs(10), merchant_events.recv())
        .await
        .expect("the merchant gets a live event")
        .unwrap();
    assert!(
        event.contains("payment_received") && event.contains("4500"),
        "{event}"
    );
    assert_eq!(
        lab.balance("greenwallet", &merchant).await.unwrap().1,
        "4500"
    );

    // P2P the other way: Neema at greenwallet pays Juma at bluebank by phone.
    let neema = lab.login("greenwallet", "255722000001").await.unwrap();
    let neema_key = lab.device("greenwallet", &neema, 2).await.unwrap();
    let (quote, done) = lab
        .pay(
            "greenwallet",
            &neema,
            &neema_key,
            json!({"kind": "phone", "phone": "255711000001"}),
            Some("1000"),
        )
        .await
        .unwrap();
    assert_eq!(quote["payee"]["name"], "Juma Bakari");
    assert_eq!(done["state"], "committed", "{done}");
    assert_eq!(
        lab.balance("greenwallet", &neema).await.unwrap().1,
        "299000"
    );
    lab.wait_available("bluebank", &juma, "496500")
        .await
        .expect("credited on the switch's PATCH");

    // Internal: Juma pays Rehema at the same DFSP, no switch involved.
    let (quote, done) = lab
        .pay(
            "bluebank",
            &juma,
            &juma_key,
            json!({"kind": "phone", "phone": "255711000002"}),
            Some("500"),
        )
        .await
        .unwrap();
    assert_eq!(quote["payee"]["fsp_id"], "bluebank");
    assert_eq!(done["state"], "committed");
    let rehema = lab.login("bluebank", "255711000002").await.unwrap();
    assert_eq!(lab.balance("bluebank", &rehema).await.unwrap().1, "250500");
    drop(lab.proc);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lab_restarts_on_its_data_and_stops_its_children() {
    let data = temp_dir("lab-restart");
    let mut lab = Lab::start(data.path(), &[]).unwrap();
    let juma = lab.login("bluebank", "255711000001").await.unwrap();
    let key = lab.device("bluebank", &juma, 3).await.unwrap();
    let (_, done) = lab
        .pay(
            "bluebank",
            &juma,
            &key,
            json!({"kind": "phone", "phone": "255722000002"}),
            Some("200"),
        )
        .await
        .unwrap();
    assert_eq!(done["state"], "committed");
    let status = lab.proc.interrupt_and_wait().unwrap();
    assert!(status.success(), "{status}");
    // The children went down with the lab: their ports are free again.
    for url in lab.urls.values() {
        let addr = url.trim_start_matches("http://");
        assert!(
            std::net::TcpListener::bind(addr).is_ok(),
            "{addr} still bound"
        );
    }

    // Same data folder: users and balances are kept, not seeded twice.
    let lab = Lab::start(data.path(), &[]).unwrap();
    let juma = lab.login("bluebank", "255711000001").await.unwrap();
    assert_eq!(lab.balance("bluebank", &juma).await.unwrap().1, "499800");
    let baraka = lab.login("greenwallet", "255722000002").await.unwrap();
    lab.wait_available("greenwallet", &baraka, "100200")
        .await
        .unwrap();
}
