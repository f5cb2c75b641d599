//! Client tests against a small HTTP/1.1 server on 127.0.0.1 that records every request and
//! answers as scripted (status codes, error bodies, SSE chunks, silence). The end-to-end tests
//! against the real `kipochi-hub` binary are in `tests/tests/client_e2e.rs`.

use super::*;
use crate::api::{Event, Payee, PaymentState, Quote};
use crate::keys::DeviceKey;
use crate::outbox::{Outbox, SyncStop};
use crate::store::{MemoryStore, OutboxKind, OutboxStatus};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

#[derive(Clone, Debug)]
struct Req {
    method: String,
    path: String,
    headers: HashMap<String, String>,
    body: Vec<u8>,
}

enum Reply {
    Json(u16, String),
    /// SSE chunks written with a pause, then the connection is closed.
    Sse(Vec<&'static str>),
    /// Never answers.
    Silence,
}

type Handler = Arc<dyn Fn(&Req, usize) -> Reply + Send + Sync>;

struct FakeHub {
    url: String,
    seen: Arc<Mutex<Vec<Req>>>,
}

impl FakeHub {
    async fn start(handler: impl Fn(&Req, usize) -> Reply + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let handler: Handler = Arc::new(handler);
        let count = Arc::new(AtomicUsize::new(0));
        let s = seen.clone();
        tokio::spawn(async move {
            loop {
                let Ok((sock, _)) = listener.accept().await else {
                    return;
                };
                let (handler, seen, count) = (handler.clone(), s.clone(), count.clone());
                tokio::spawn(serve(sock, handler, seen, count));
            }
        });
        Self { url, seen }
    }

    fn client(&self) -> HubClient {
        let mut config = ClientConfig::new(&self.url);
        config.timeout = Duration::from_millis(1_500);
        config.events_idle_timeout = Duration::from_millis(800);
        config.backoff = Backoff {
            initial_ms: 20,
            max_ms: 100,
        };
        HubClient::new(config).unwrap()
    }

    fn requests(&self) -> Vec<Req> {
        self.seen.lock().unwrap().clone()
    }
}

async fn serve(
    mut sock: TcpStream,
    handler: Handler,
    seen: Arc<Mutex<Vec<Req>>>,
    n: Arc<AtomicUsize>,
) {
    loop {
        let mut buf = Vec::new();
        let head_end = loop {
            if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
            let mut chunk = [0u8; 4096];
            match sock.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(k) => buf.extend_from_slice(&chunk[..k]),
            }
        };
        let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
        let mut lines = head.split("\r\n");
        let mut first = lines.next().unwrap().split(' ');
        let (method, path) = (
            first.next().unwrap().to_string(),
            first.next().unwrap().to_string(),
        );
        let headers: HashMap<String, String> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
            .collect();
        let len: usize = headers
            .get("content-length")
            .map_or(0, |v| v.parse().unwrap());
        let mut body = buf[head_end..].to_vec();
        while body.len() < len {
            let mut chunk = [0u8; 4096];
            let k = sock.read(&mut chunk).await.unwrap();
            body.extend_from_slice(&chunk[..k]);
        }
        let req = Req {
            method,
            path,
            headers,
            body,
        };
        seen.lock().unwrap().push(req.clone());
        let i = n.fetch_add(1, Ordering::SeqCst);
        match handler(&req, i) {
            Reply::Json(status, body) => {
                let out = format!(
                    "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
                    body.len()
                );
                if sock.write_all(out.as_bytes()).await.is_err() {
                    return;
                }
            }
            Reply::Sse(chunks) => {
                let head = "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\nconnection: close\r\n\r\n";
                let _ = sock.write_all(head.as_bytes()).await;
                for c in chunks {
                    let _ = sock.write_all(c.as_bytes()).await;
                    let _ = sock.flush().await;
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
                return;
            }
            Reply::Silence => {
                tokio::time::sleep(Duration::from_secs(30)).await;
                return;
            }
        }
    }
}

fn login_ok() -> Reply {
    Reply::Json(
        200,
        r#"{"token":"tok-1","expires_at":99,"profile":{"user_id":"u1","phone":"255712000001","display_name":"Asha","role":"customer","kyc_tier":2}}"#.into(),
    )
}

#[tokio::test]
async fn login_keeps_the_token_and_later_calls_send_it() {
    let hub = FakeHub::start(|req, _| match req.path.as_str() {
        "/api/v1/auth/login" => login_ok(),
        "/api/v1/balance" => Reply::Json(
            200,
            r#"{"currency":"TZS","ledger":"10.5","available":"7","as_of":5}"#.into(),
        ),
        _ => Reply::Json(
            404,
            r#"{"code":"not_found","message":"endpoint not found"}"#.into(),
        ),
    })
    .await;
    let client = hub.client();
    assert_eq!(client.balance().await.unwrap_err(), ClientError::NoSession);
    let res = client.login("255712000001", "4821").await.unwrap();
    assert_eq!(res.profile.display_name, "Asha");
    assert_eq!(client.token().as_deref(), Some("tok-1"));
    assert!(
        !format!("{client:?}").contains("tok-1"),
        "Debug never shows the token"
    );
    let balance = client.balance().await.unwrap();
    assert_eq!(balance.available, "7");
    let reqs = hub.requests();
    assert_eq!(reqs.len(), 2, "NoSession sends nothing");
    assert_eq!(
        (reqs[0].method.as_str(), reqs[1].method.as_str()),
        ("POST", "GET")
    );
    let login: serde_json::Value = serde_json::from_slice(&reqs[0].body).unwrap();
    assert_eq!(login["pin"], "4821");
    assert!(!reqs[0].headers.contains_key("authorization"));
    assert_eq!(reqs[1].headers["authorization"], "Bearer tok-1");
    let err = client.me().await.unwrap_err();
    assert_eq!(err.code(), "not_found");
}

#[tokio::test]
async fn hub_errors_keep_their_code_and_status() {
    let hub = FakeHub::start(|_, _| {
        Reply::Json(
            422,
            r#"{"code":"insufficient_funds","message":"not enough money"}"#.into(),
        )
    })
    .await;
    let client = hub.client();
    client.set_token(Some("t".into()));
    let err = client
        .pay_phone(
            "6f1c7d4e-9a2b-4c3d-8e5f-0a1b2c3d4e5f",
            "255712000002",
            "10",
            None,
        )
        .await
        .unwrap_err();
    assert_eq!(
        err,
        ClientError::Hub {
            status: 422,
            code: "insufficient_funds".into(),
            message: "not enough money".into()
        }
    );
    let sent: serde_json::Value = serde_json::from_slice(&hub.requests()[0].body).unwrap();
    assert_eq!(sent["target"]["kind"], "phone");
    assert_eq!(sent["amount"], "10");
    // A malformed id is refused before anything is sent.
    assert!(matches!(
        client.payment("../admin").await,
        Err(ClientError::InvalidInput(_))
    ));
    assert_eq!(hub.requests().len(), 1);
}

#[tokio::test]
async fn approve_sends_a_signature_the_hub_verifies_over_the_quote_terms() {
    let hub = FakeHub::start(|req, _| {
        let body: serde_json::Value = serde_json::from_slice(&req.body).unwrap();
        assert!(body.get("signature").is_some());
        Reply::Json(
            200,
            r#"{"payment_id":"p-1","direction":"outgoing","state":"committed","counterparty":{"id_type":"BUSINESS","id":"T1","name":"Shop","fsp_id":"f"},"amount":"10","fee":"1","currency":"TZS","reference":null,"created_at":1,"updated_at":2,"error":null}"#.into(),
        )
    })
    .await;
    let client = hub.client();
    client.set_token(Some("t".into()));
    let key = DeviceKey::from_secret_bytes(&[7u8; 32]);
    let quote = Quote {
        payment_id: "p-1".into(),
        payee: Payee {
            id_type: "BUSINESS".into(),
            id: "T1".into(),
            name: "Shop".into(),
            fsp_id: "f".into(),
        },
        amount: "10".into(),
        currency: "TZS".into(),
        fee: "1".into(),
        total: "11".into(),
        expiry: 1_764_644_645_678,
        nonce: "n-1".into(),
    };
    let payment = client.approve(&quote, "4821", &key).await.unwrap();
    assert_eq!(payment.state, PaymentState::Committed);
    let req = &hub.requests()[0];
    assert_eq!(req.path, "/api/v1/payments/p-1/approve");
    let body: crate::api::ApproveRequest = serde_json::from_slice(&req.body).unwrap();
    assert_eq!(body.device_id, key.device_id());
    // What the hub does: rebuild the terms from its stored quote and verify.
    let terms = quote.approval_terms(&body.device_id);
    crate::approval::verify(&terms, &key.public_key(), &body.signature).unwrap();
    let mut altered = quote.clone();
    altered.fee = "0".into();
    assert!(
        crate::approval::verify(
            &altered.approval_terms(&body.device_id),
            &key.public_key(),
            &body.signature
        )
        .is_err()
    );
}

#[tokio::test]
async fn timeouts_and_unreachable_hubs_are_retryable_errors() {
    let hub = FakeHub::start(|_, _| Reply::Silence).await;
    let client = hub.client();
    client.set_token(Some("t".into()));
    let err = client.balance().await.unwrap_err();
    assert_eq!(err, ClientError::Timeout);
    assert!(err.is_retryable());

    // A port nobody listens on.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let client = HubClient::new(ClientConfig::new(format!("http://127.0.0.1:{port}"))).unwrap();
    client.set_token(Some("secret-token".into()));
    let err = client.balance().await.unwrap_err();
    assert!(matches!(err, ClientError::Unreachable(_)), "{err:?}");
    assert!(!err.to_string().contains("secret-token"));
    assert!(err.is_retryable());
}

#[test]
fn bad_base_urls_are_refused() {
    for url in ["", "ftp://hub", "http://", "127.0.0.1:8080"] {
        assert!(HubClient::new(ClientConfig::new(url)).is_err(), "{url}");
    }
    assert!(HubClient::new(ClientConfig::new("http://127.0.0.1:1/")).is_ok());
    assert_eq!(page_query(None, None), "");
    assert_eq!(
        page_query(Some("a b/+"), Some(5)),
        "?cursor=a%20b%2F%2B&limit=5"
    );
}

#[tokio::test]
async fn onboarding_sends_the_idempotency_key_and_logout_forgets_the_token() {
    let hub = FakeHub::start(|req, _| match req.path.as_str() {
        "/api/v1/agent/customers" => Reply::Json(
            200,
            r#"{"customer_id":"c1","phone":"255712000009","account_id":"a1","activation_code":"123456","created_at":1}"#.into(),
        ),
        _ => Reply::Json(401, r#"{"code":"unauthenticated","message":"authentication required"}"#.into()),
    })
    .await;
    let client = hub.client();
    client.set_token(Some("t".into()));
    let form = crate::api::OnboardRequest {
        full_name: "Neema".into(),
        phone: "255712000009".into(),
        id_type: crate::api::IdDocumentType::NationalId,
        id_number: "1999".into(),
        date_of_birth: "1990-01-01".into(),
        kyc_tier: 1,
        photo: None,
    };
    let res = client.onboard("onb-1", &form).await.unwrap();
    assert_eq!(res.customer_id, "c1");
    assert_eq!(hub.requests()[0].headers["idempotency-key"], "onb-1");
    // The hub no longer knows the session: logout still forgets it.
    client.logout().await.unwrap();
    assert_eq!(client.token(), None);
}

#[tokio::test]
async fn events_reconnect_after_a_drop_and_stop_when_cancelled() {
    let hub = FakeHub::start(|req, i| {
        assert_eq!(req.path, "/api/v1/events");
        match i {
            // First connection: a keep-alive, an event split mid-JSON, a lagged notice, then EOF.
            0 => Reply::Sse(vec![
                ":\n\n",
                "data: {\"type\":\"balance_changed\",\"balance\":{\"currency\":\"TZS\",",
                "\"ledger\":\"10\",\"available\":\"10\",\"as_of\":1}}\n\n",
                "data: {\"type\":\"from_the_future\"}\n\nevent: lagged\ndata: refetch\n\n",
            ]),
            // Second attempt: the hub is restarting.
            1 => Reply::Json(503, "busy".into()),
            // Third: connected, then silence (idle timeout).
            _ => Reply::Sse(vec![":\n\n"]),
        }
    })
    .await;
    let client = hub.client();
    client.set_token(Some("t".into()));
    let mut events = client.events();
    let mut got = Vec::new();
    for _ in 0..7 {
        got.push(events.next().await.unwrap().unwrap());
    }
    assert_eq!(got[0], LiveEvent::Connected);
    assert!(matches!(&got[1], LiveEvent::Event(e) if matches!(**e, Event::BalanceChanged { .. })));
    assert_eq!(got[2], LiveEvent::Lagged, "unknown event types are skipped");
    assert_eq!(
        got[3],
        LiveEvent::Disconnected {
            reason: "stream_ended".into()
        }
    );
    assert_eq!(
        got[4],
        LiveEvent::Disconnected {
            reason: "http_503".into()
        }
    );
    assert_eq!(got[5], LiveEvent::Connected);
    assert!(matches!(got[6], LiveEvent::Disconnected { .. }));
    assert_eq!(
        hub.requests()[0].headers["authorization"],
        "Bearer t",
        "the token goes in a header, never in the URL"
    );
    let cancel = events.cancel_handle();
    let task = tokio::spawn(async move {
        let mut n = 0;
        while let Some(ev) = events.next().await {
            ev.unwrap();
            n += 1;
        }
        n
    });
    tokio::time::sleep(Duration::from_millis(50)).await;
    cancel.cancel();
    let n = tokio::time::timeout(Duration::from_secs(5), task)
        .await
        .unwrap()
        .unwrap();
    assert!(n < 100, "cancel stops the reconnect loop");
}

#[tokio::test]
async fn events_end_with_an_error_when_the_session_is_refused() {
    let hub = FakeHub::start(|_, _| {
        Reply::Json(
            401,
            r#"{"code":"unauthenticated","message":"authentication required"}"#.into(),
        )
    })
    .await;
    let client = hub.client();
    client.set_token(Some("t".into()));
    let mut events = client.events();
    let err = events.next().await.unwrap().unwrap_err();
    assert!(err.is_unauthenticated());
    assert!(events.next().await.is_none());
}

#[tokio::test]
async fn outbox_syncs_onboardings_in_order_with_per_item_errors() {
    let hub = FakeHub::start(|req, _| {
        let form: serde_json::Value = serde_json::from_slice(&req.body).unwrap();
        if form["date_of_birth"].as_str().unwrap_or("").is_empty() {
            return Reply::Json(
                400,
                r#"{"code":"invalid_request","message":"date of birth is required"}"#.into(),
            );
        }
        Reply::Json(
            200,
            format!(
                r#"{{"customer_id":"c-{}"}}"#,
                form["phone"].as_str().unwrap()
            ),
        )
    })
    .await;
    let store: Arc<dyn crate::store::WalletStore> = Arc::new(MemoryStore::new());
    let outbox = Outbox::new(store);
    let good = serde_json::json!({"full_name":"A","phone":"1","date_of_birth":"1990-01-01"});
    let bad = serde_json::json!({"full_name":"B","phone":"2","date_of_birth":""});
    let a = outbox.enqueue(OutboxKind::Onboarding, &good, 1).unwrap();
    let b = outbox.enqueue(OutboxKind::Onboarding, &bad, 2).unwrap();
    let client = hub.client();
    let transport = OutboxTransport::new(client.clone());
    // Not logged in: nothing is sent and nothing is lost.
    let report = outbox.sync(&transport, || 10).await.unwrap();
    assert!(matches!(report.stop, SyncStop::Retryable { .. }));
    assert!(hub.requests().is_empty());
    client.set_token(Some("t".into()));
    let report = outbox.sync(&transport, || 20).await.unwrap();
    assert_eq!(report.accepted, vec![a.id.clone()]);
    assert_eq!(report.rejected, vec![b.id.clone()]);
    let reqs = hub.requests();
    assert_eq!(reqs[0].headers["idempotency-key"], a.id);
    assert_eq!(reqs[1].headers["idempotency-key"], b.id);
    let items = outbox.items().unwrap();
    assert!(
        matches!(&items[1].status, OutboxStatus::Failed { code, .. } if code == "invalid_request")
    );
    assert_eq!(items[0].result.as_deref(), Some(r#"{"customer_id":"c-1"}"#));
}
