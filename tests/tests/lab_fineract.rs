//! The lab with greenwallet's accounts on the Fineract double (`kipochi-hub lab
//! --fineract-double`): the double runs as the lab's child process, greenwallet's demo customers
//! are opened on it through the adapter (client, savings account, aliases, a deposit of their
//! demo balance). Payments across DFSPs both ways, balances checked through each hub's wallet API
//! and, for greenwallet, in the double's own savings accounts; a restart keeps the double's books.

use kipochi_e2e::lab::{Lab, Savings, mama_ntilie_qr};
use kipochi_e2e::temp_dir;
use serde_json::json;

/// (accountBalance, savingsAmountOnHold) of a savings account, exactly as the double renders them.
fn fineract_balances(savings: &Savings) -> (String, String) {
    (
        savings.summary.account_balance.get().to_string(),
        savings.savings_amount_on_hold.get().to_string(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lab_on_the_fineract_double_pays_across_dfsps_both_ways() {
    let data = temp_dir("lab-fineract");
    let lab = Lab::start(data.path(), &["--fineract-double"]).unwrap();
    assert!(lab.urls.contains_key("fineract-double"), "{:?}", lab.urls);
    // Greenwallet's demo customers live in the double, with their demo balances.
    let neema_savings = lab.fineract_savings("255722000001").await.unwrap();
    assert_eq!(
        fineract_balances(&neema_savings),
        ("300000.000000".into(), "0.000000".into()),
        "{neema_savings:?}"
    );
    assert_eq!(neema_savings.client_name, "Neema Mushi");

    // Juma at bluebank (ledger) pays Mama Ntilie's dynamic QR at greenwallet (Fineract).
    let juma = lab.login("bluebank", "255711000001").await.unwrap();
    let juma_key = lab.device("bluebank", &juma, 1).await.unwrap();
    let merchant = lab.login("greenwallet", "255722000003").await.unwrap();
    let qr = mama_ntilie_qr("4500").unwrap();
    let target = json!({"kind": "qr", "payload": qr});
    let (quote, done) = lab
        .pay("bluebank", &juma, &juma_key, target, None)
        .await
        .unwrap();
    assert_eq!(quote["payee"]["name"], "Mama Ntilie");
    assert_eq!(quote["payee"]["fsp_id"], "greenwallet");
    assert_eq!(done["state"], "committed", "{done}");
    assert_eq!(
        lab.balance("bluebank", &juma).await.unwrap(),
        ("495500".into(), "495500".into())
    );
    lab.wait_available("greenwallet", &merchant, "4500")
        .await
        .unwrap();
    let till_savings = lab.fineract_savings("255722000003").await.unwrap();
    assert_eq!(
        fineract_balances(&till_savings),
        ("4500.000000".into(), "0.000000".into())
    );

    // P2P the other way: Neema (Fineract) pays Juma (ledger) by phone.
    let neema = lab.login("greenwallet", "255722000001").await.unwrap();
    let neema_key = lab.device("greenwallet", &neema, 2).await.unwrap();
    let target = json!({"kind": "phone", "phone": "255711000001"});
    let (quote, done) = lab
        .pay("greenwallet", &neema, &neema_key, target, Some("1000"))
        .await
        .unwrap();
    assert_eq!(quote["payee"]["name"], "Juma Bakari");
    assert_eq!(done["state"], "committed", "{done}");
    assert_eq!(
        lab.balance("greenwallet", &neema).await.unwrap(),
        ("299000".into(), "299000".into())
    );
    let neema_savings = lab.fineract_savings("255722000001").await.unwrap();
    assert_eq!(
        fineract_balances(&neema_savings),
        ("299000.000000".into(), "0.000000".into()),
        "hold released, withdrawal booked"
    );
    lab.wait_available("bluebank", &juma, "496500")
        .await
        .unwrap();

    // P2P at the same DFSP on Fineract: Neema pays Baraka.
    let target = json!({"kind": "phone", "phone": "255722000002"});
    let (quote, done) = lab
        .pay("greenwallet", &neema, &neema_key, target, Some("500"))
        .await
        .unwrap();
    assert_eq!(quote["payee"]["fsp_id"], "greenwallet");
    assert_eq!(done["state"], "committed", "{done}");
    let baraka = lab.login("greenwallet", "255722000002").await.unwrap();
    assert_eq!(
        lab.balance("greenwallet", &baraka).await.unwrap().1,
        "100500"
    );

    // A lab restart on the same folder: the double reloads its books, nothing is seeded twice.
    let mut lab = lab;
    let status = lab.proc.interrupt_and_wait().unwrap();
    assert!(status.success(), "{status}");
    let lab = Lab::start(data.path(), &["--fineract-double"]).unwrap();
    let neema = lab.login("greenwallet", "255722000001").await.unwrap();
    assert_eq!(
        lab.balance("greenwallet", &neema).await.unwrap(),
        ("298500".into(), "298500".into())
    );
    let merchant = lab.login("greenwallet", "255722000003").await.unwrap();
    assert_eq!(
        lab.balance("greenwallet", &merchant).await.unwrap().1,
        "4500"
    );
    let juma = lab.login("bluebank", "255711000001").await.unwrap();
    assert_eq!(lab.balance("bluebank", &juma).await.unwrap().1, "496500");
}
