//! The `kipochi-hub switch` binary: it prints its address, and reservations and positions
//! survive SIGKILL (checked in the SQLite file and by finishing the transfer after a restart).

use crate::switch_support;

use std::process::Stdio;
use std::time::Duration;

use axum::http::{Method, StatusCode};
use kipochi_hub::switch::Store;
use switch_support::{BLUE, Dfsp, GREEN, fulfilment, ilp_pair, new_id, send, transfer};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// Starts the binary and returns it with its base URL (from the `listening on` line).
async fn spawn(config: &std::path::Path) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_kipochi-hub"))
        .args(["switch", "--config"])
        .arg(config)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let line = tokio::time::timeout(Duration::from_secs(10), lines.next_line())
        .await
        .expect("switch did not start")
        .unwrap()
        .unwrap();
    let url = line
        .strip_prefix("listening on ")
        .expect("listening line")
        .to_owned();
    (child, url)
}

#[tokio::test]
async fn the_binary_keeps_positions_across_sigkill() {
    let mut blue = Dfsp::start().await;
    let mut green = Dfsp::start().await;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let config = dir.path().join("switch.toml");
    std::fs::write(
        &config,
        format!(
            r#"
listen = "127.0.0.1:0"
data_dir = "{}"
[[participants]]
fsp_id = "{BLUE}"
callback_url = "{}"
currency = "TZS"
net_debit_cap = "1000"
[[participants]]
fsp_id = "{GREEN}"
callback_url = "{}"
currency = "TZS"
net_debit_cap = "1000"
"#,
            data.display(),
            blue.url,
            green.url
        ),
    )
    .unwrap();
    let http = reqwest::Client::new();
    let (mut child, url) = spawn(&config).await;
    let (f, c) = ilp_pair();
    let id = new_id();
    let body = transfer(&id, "20", &c, Duration::from_secs(60));
    let (status, _) = send(
        &http,
        &url,
        Method::POST,
        "/transfers",
        BLUE,
        Some(GREEN),
        Some(body),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    green.next().await;
    child.kill().await.unwrap();
    {
        let store = Store::open(&data).unwrap();
        assert_eq!(store.position(BLUE, "TZS").unwrap().reserved, 2000);
    }

    let (mut child, url) = spawn(&config).await;
    let path = format!("/transfers/{id}");
    let (status, _) = send(
        &http,
        &url,
        Method::PUT,
        &path,
        GREEN,
        Some(BLUE),
        Some(fulfilment(&f, "COMMITTED")),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(blue.next().await.path, path);
    child.kill().await.unwrap();
    let store = Store::open(&data).unwrap();
    let payer = store.position(BLUE, "TZS").unwrap();
    assert_eq!((payer.position, payer.reserved), (2000, 0));
    assert_eq!(store.position(GREEN, "TZS").unwrap().position, -2000);
}
