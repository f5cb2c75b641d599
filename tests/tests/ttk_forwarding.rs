//! Two real hubs interoperating through real Mojaloop software: the Mojaloop Testing Toolkit
//! (TTK) as the switch in forwarding mode (`HUB_ONLY_MODE`, docs/conformance.md).
//!
//! Two `kipochi-hub serve` processes, `bluebank` and `greenwallet` (TZS, demo users seeded with
//! `serve --seed`, payee fees and payer fees configured), have the TTK as their switch. The TTK
//! validates every request and callback against its FSPIOP OpenAPI definitions and forwards it
//! unchanged to the DFSP its forward rules (`tests/ttk/rules/switch_forward_hubs.json`) name:
//! by `FSPIOP-Destination`, POST /transfers by `payeeFsp`, and party lookups by the identifier's
//! prefix, because the TTK has no account lookup service in this mode (see
//! [`register_then_forward`]). Through the wallet API: P2P by phone both ways, a merchant's
//! dynamic QR paid across DFSPs, and a lookup of an unknown phone (3204 from the payee DFSP).
//!
//! Ignored by default (it needs Node, the provisioned TTK and port 5050); `cargo xtask test` runs
//! it with `--ignored` in the conformance step.

use std::path::Path;
use std::time::Instant;

use kipochi_e2e::ttk::{Ttk, free_port, is_2xx, start_seeded_hub};
use kipochi_e2e::wallet::{Wallet, minor};
use kipochi_e2e::{Proc, temp_dir};
use serde_json::{Value, json};

const PIN: &str = "2580";
const TZS: &str = "TZS";
const JUMA: &str = "255711000001";
const NEEMA: &str = "255722000001";
const MAMA_NTILIE: &str = "255722000003";
const UNKNOWN: &str = "255722999999";

/// One hub: its id, FSPIOP port, fee schedule and demo users.
#[derive(Clone)]
struct HubSpec {
    fsp_id: &'static str,
    fspiop: u16,
    fees: &'static str,
    seed: &'static str,
}

fn hub_specs() -> [HubSpec; 2] {
    [
        HubSpec {
            fsp_id: "bluebank",
            fspiop: free_port().unwrap(),
            // 1.00 TZS per P2P sent, 2.00 per merchant payment; 0.50 taken from P2P received.
            fees: "[fees.payer.TRANSFER]\nfixed = 100\n\n[fees.payer.PAYMENT]\nfixed = 200\n\n\
                   [fees.payee.TRANSFER]\nfixed = 50\n",
            seed: "[[users]]\nphone = \"255711000001\"\nname = \"Juma Bakari\"\n\
                   role = \"customer\"\npin = \"2580\"\nbalance = \"500000\"\n",
        },
        HubSpec {
            fsp_id: "greenwallet",
            fspiop: free_port().unwrap(),
            // 1 % per P2P sent; 0.25 TZS from P2P received; 1 % merchant discount rate.
            fees: "[fees.payer.TRANSFER]\nbasis_points = 100\n\n[fees.payee.TRANSFER]\n\
                   fixed = 25\n\n[fees.payee.PAYMENT]\nbasis_points = 100\n",
            seed: "[[users]]\nphone = \"255722000001\"\nname = \"Neema Mushi\"\n\
                   role = \"customer\"\npin = \"2580\"\nbalance = \"300000\"\n\n\
                   [[users]]\nphone = \"255722000003\"\nname = \"Mama Ntilie\"\n\
                   role = \"merchant\"\npin = \"2580\"\nbalance = \"0\"\ntill = \"600200\"\n",
        },
    ]
}

/// Writes one hub's configuration (as the lab's generated ones, with the TTK as the switch and
/// `payee_mode = "commit"`: the TTK forwards, it never sends the PATCH a reserve mode needs).
fn start_hub(dir: &Path, spec: &HubSpec, switch_port: u16) -> Proc {
    let data = dir.join(spec.fsp_id);
    std::fs::create_dir_all(&data).unwrap();
    let config = format!(
        "[hub]\nfsp_id = \"{id}\"\ncurrency = \"{TZS}\"\ndata_dir = {data:?}\n\n\
         [api]\nlisten = \"127.0.0.1:0\"\n\n\
         [fspiop]\nswitch_url = \"http://127.0.0.1:{switch_port}\"\n\
         listen = \"127.0.0.1:{fspiop}\"\nilp_secret = \"ttk-forwarding-secret-{id}-0123456789\"\n\
         payee_mode = \"commit\"\ncallback_timeout_secs = 15\n\n{fees}",
        id = spec.fsp_id,
        data = data.display().to_string(),
        fspiop = spec.fspiop,
        fees = spec.fees,
    );
    let cfg = dir.join(format!("{}.toml", spec.fsp_id));
    let seed = dir.join(format!("{}-users.toml", spec.fsp_id));
    start_seeded_hub(&cfg, &config, &seed, spec.seed).unwrap()
}

/// The TTK's configuration, in two phases. The TTK has no account lookup service (ALS/oracle) in
/// forwarding mode: a `POST /participants/{Type}/{ID}` (how a hub registers its customers'
/// numbers) matches no forward rule and is never answered, and a hub that cannot register does
/// not start. So the TTK starts in its ordinary mode, where our callback rule answers each
/// registration with `PUT /participants/{Type}/{ID}` (it stores nothing), routed to the
/// registering hub by number prefix (`CALLBACK_RESOURCE_ENDPOINTS`); once both hubs are up it is
/// switched to `HUB_ONLY_MODE`, where lookups are routed by the forward rules' prefixes.
fn register_then_forward(uc: &mut Value, hubs: &[HubSpec; 2]) {
    let url = |h: &HubSpec| format!("http://127.0.0.1:{}", h.fspiop);
    let [blue, green] = hubs;
    uc["CALLBACK_ENDPOINT"] = json!(url(blue));
    uc["CALLBACK_TIMEOUT"] = json!(15000);
    uc["HUB_ONLY_MODE"] = json!(false);
    uc["CALLBACK_RESOURCE_ENDPOINTS"] = json!({"enabled": true, "endpoints": [
        {"method": "put", "path": "/participants/MSISDN/25571", "endpoint": url(blue)},
        {"method": "put", "path": "/participants/BUSINESS/5001", "endpoint": url(blue)},
        {"method": "put", "path": "/participants/MSISDN/25572", "endpoint": url(green)},
        {"method": "put", "path": "/participants/BUSINESS/6002", "endpoint": url(green)},
    ]});
    uc["ENDPOINTS_DFSP_WISE"] = json!({"dfsps": {
        "bluebank": {"defaultEndpoint": url(blue), "endpoints": []},
        "greenwallet": {"defaultEndpoint": url(green), "endpoints": []},
    }});
}

/// Quotes and approves; the payment must commit. Returns (quote, final payment).
async fn pay(from: &Wallet, target: Value, amount: Option<&str>) -> (Value, Value) {
    let (status, quote) = from.quote(target, amount).await.unwrap();
    assert_eq!(status, 200, "{quote}");
    let (status, done) = from.approve(&quote, PIN).await.unwrap();
    assert_eq!(status, 200, "{done}");
    assert_eq!(done["state"], "committed", "{done}");
    (quote, done)
}

fn tzs(text: &str) -> i64 {
    minor(text, TZS).unwrap()
}

/// The TTK accepted (validated and recorded) `method path` from `source`, and forwarded it.
fn seen<'a>(history: &'a [Value], source: &str, method: &str, path: &str) -> Option<&'a Value> {
    history.iter().find(|r| {
        r["headers"]["fspiop-source"] == source && r["method"] == method && r["path"] == path
    })
}

/// The six FSPIOP messages of one payment went through the TTK: lookup, quote and transfer
/// from the payer, each answered by the payee's callback, the transfer COMMITTED.
fn assert_forwarded(history: &[Value], payer: &str, payee: &str, party: &str) {
    let parties = format!("/parties/{party}");
    assert!(
        seen(history, payer, "get", &parties).is_some(),
        "{payer} GET {parties}"
    );
    assert!(
        seen(history, payee, "put", &parties).is_some(),
        "{payee} PUT {parties}"
    );
    let transfer = history
        .iter()
        .rev()
        .find(|r| {
            r["headers"]["fspiop-source"] == payer
                && r["method"] == "post"
                && r["path"] == "/transfers"
                && r["body"]["payeeFsp"] == payee
        })
        .unwrap_or_else(|| panic!("no POST /transfers {payer} -> {payee}"));
    let id = transfer["body"]["transferId"].as_str().unwrap();
    let fulfil = seen(history, payee, "put", &format!("/transfers/{id}")).expect("PUT /transfers");
    assert_eq!(fulfil["body"]["transferState"], "COMMITTED", "{fulfil}");
    assert_eq!(fulfil["headers"]["fspiop-destination"], payer);
    let quotes = history.iter().filter(|r| {
        r["path"] == "/quotes" && r["method"] == "post" && r["headers"]["fspiop-source"] == payer
    });
    let answered = quotes.filter(|q| {
        let id = q["body"]["quoteId"].as_str().unwrap_or_default();
        seen(history, payee, "put", &format!("/quotes/{id}")).is_some()
    });
    assert!(
        answered.count() >= 1,
        "no quote {payer} -> {payee} answered"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs Node and the provisioned Testing Toolkit: cargo xtask test runs it"]
async fn hubs_interoperate_through_the_ttk_as_forwarding_switch() {
    let started = Instant::now();
    let tmp = temp_dir("ttk-fwd");
    let dir = Path::new(tmp.path()).to_path_buf();
    let specs = hub_specs();
    let switch_port = free_port().unwrap();
    let rules = [
        ("callback", "clean_callbacks.json"),
        ("validation", "error_rules.json"),
        ("forward", "switch_forward_hubs.json"),
    ];
    let ttk = Ttk::start(&dir.join("run"), switch_port, &rules, |uc| {
        register_then_forward(uc, &specs)
    })
    .await
    .unwrap();
    let (blue, green) = {
        let (d1, d2) = (dir.clone(), dir.clone());
        let [b, g] = specs.clone();
        let b = tokio::task::spawn_blocking(move || start_hub(&d1, &b, switch_port));
        let g = tokio::task::spawn_blocking(move || start_hub(&d2, &g, switch_port));
        (b.await.unwrap(), g.await.unwrap())
    };
    let http = reqwest::Client::new();
    ttk.update_user_config(&http, |uc| uc["HUB_ONLY_MODE"] = json!(true))
        .await
        .unwrap();
    let ready = started.elapsed();

    let mut juma = Wallet::login(&blue.base_url, JUMA, PIN).await.unwrap();
    juma.register_device(1).await.unwrap();
    let mut neema = Wallet::login(&green.base_url, NEEMA, PIN).await.unwrap();
    neema.register_device(2).await.unwrap();
    let mama = Wallet::login(&green.base_url, MAMA_NTILIE, PIN)
        .await
        .unwrap();
    let balances = async || {
        (
            tzs(&juma.available().await.unwrap()),
            tzs(&neema.available().await.unwrap()),
            tzs(&mama.available().await.unwrap()),
        )
    };
    assert_eq!(balances().await, (50_000_000, 30_000_000, 0));

    // 1. P2P bluebank -> greenwallet: 1000 TZS, bluebank's payer fee 1.00, greenwallet keeps
    //    0.25 of what arrives (amountType SEND).
    let (quote, _) = pay(
        &juma,
        json!({"kind": "phone", "phone": NEEMA}),
        Some("1000"),
    )
    .await;
    assert_eq!(quote["payee"]["name"], "Neema Mushi", "{quote}");
    assert_eq!(quote["payee"]["fsp_id"], "greenwallet", "{quote}");
    assert_eq!(tzs(quote["fee"].as_str().unwrap()), 100, "{quote}");
    assert_eq!(tzs(quote["total"].as_str().unwrap()), 100_100, "{quote}");
    assert_eq!(
        balances().await,
        (50_000_000 - 100_100, 30_000_000 + 100_000 - 25, 0)
    );

    // 2. P2P greenwallet -> bluebank: 500 TZS, greenwallet's payer fee 1 % = 5.00, bluebank
    //    keeps 0.50.
    let (quote, _) = pay(&neema, json!({"kind": "phone", "phone": JUMA}), Some("500")).await;
    assert_eq!(quote["payee"]["name"], "Juma Bakari", "{quote}");
    assert_eq!(quote["payee"]["fsp_id"], "bluebank", "{quote}");
    assert_eq!(tzs(quote["fee"].as_str().unwrap()), 500, "{quote}");
    assert_eq!(
        balances().await,
        (
            50_000_000 - 100_100 + 50_000 - 50,
            30_000_000 + 100_000 - 25 - 50_500,
            0
        )
    );

    // 3. Mama Ntilie's dynamic QR (4500 TZS, reference TABLE-4) paid by Juma across DFSPs:
    //    amountType RECEIVE, so greenwallet's 1 % (45.00) is added to the transfer, and
    //    bluebank's merchant-payment fee (2.00) on top; the merchant gets exactly 4500.
    let (status, request) = mama
        .call(
            reqwest::Method::POST,
            "/api/v1/merchant/requests",
            Some(json!({"amount": "4500", "reference": "TABLE-4", "terminal": null})),
        )
        .await
        .unwrap();
    assert_eq!(status, 200, "{request}");
    let payload = request["payload"].as_str().unwrap();
    let before = balances().await;
    let (quote, done) = pay(&juma, json!({"kind": "qr", "payload": payload}), None).await;
    assert_eq!(quote["payee"]["name"], "Mama Ntilie", "{quote}");
    assert_eq!(quote["payee"]["fsp_id"], "greenwallet", "{quote}");
    assert_eq!(quote["payee"]["id"], "600200", "{quote}");
    assert_eq!(tzs(quote["amount"].as_str().unwrap()), 450_000, "{quote}");
    assert_eq!(tzs(quote["fee"].as_str().unwrap()), 4_500 + 200, "{quote}");
    assert_eq!(
        balances().await,
        (before.0 - 454_700, before.1, 450_000),
        "{done}"
    );
    let path = format!(
        "/api/v1/merchant/requests/{}",
        request["request_id"].as_str().unwrap()
    );
    let (_, paid) = mama.call(reqwest::Method::GET, &path, None).await.unwrap();
    assert_eq!(paid["status"], "paid", "{paid}");

    // 4. An unknown number at greenwallet: the TTK forwards the lookup there and greenwallet's
    //    PUT /parties/.../error 3204 back; the payer's quote is refused, nothing moves.
    let before = balances().await;
    let (status, refused) = juma
        .quote(json!({"kind": "phone", "phone": UNKNOWN}), Some("100"))
        .await
        .unwrap();
    assert_eq!(status, 422, "{refused}");
    assert_eq!(refused["code"], "payee_not_found", "{refused}");
    assert_eq!(balances().await, before);

    // The TTK validated (its request history holds only requests that passed its FSPIOP
    // OpenAPI validation) and forwarded every message of the three payments, both ways.
    let history = ttk.history(&http).await.unwrap();
    assert_forwarded(
        &history,
        "bluebank",
        "greenwallet",
        &format!("MSISDN/{NEEMA}"),
    );
    assert_forwarded(
        &history,
        "greenwallet",
        "bluebank",
        &format!("MSISDN/{JUMA}"),
    );
    assert_forwarded(&history, "bluebank", "greenwallet", "BUSINESS/600200");
    let error = format!("/parties/MSISDN/{UNKNOWN}/error");
    let error = seen(&history, "greenwallet", "put", &error).expect("3204 from greenwallet");
    assert_eq!(error["body"]["errorInformation"]["errorCode"], "3204");
    // Every answer the TTK gave either hub was 2xx: it answers an invalid message with 400.
    let answers = ttk.answers().unwrap();
    let refused: Vec<&String> = answers.iter().filter(|a| !is_2xx(a)).collect();
    assert!(refused.is_empty(), "the TTK refused: {refused:?}");
    assert!(answers.len() >= 20, "{answers:?}");
    // And it delivered every one: no forwarding failure, no message without a route.
    for trouble in [
        "Failed to send callback",
        "No forward rules are matched",
        "uncaughtException",
    ] {
        let lines = ttk.log_lines(trouble).unwrap();
        assert!(lines.is_empty(), "{lines:?}");
    }
    println!(
        "TTK forwarding: hubs and TTK ready in {:.1} s; 3 payments across DFSPs and one 3204; \
         {} messages validated and forwarded; {:.1} s in all",
        ready.as_secs_f64(),
        history.len(),
        started.elapsed().as_secs_f64()
    );
    drop((blue, green));
    drop(ttk);
}
