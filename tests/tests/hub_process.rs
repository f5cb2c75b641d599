//! The real `kipochi-hub` binary starts, answers on loopback and serves the web bundle.

use kipochi_e2e::{Proc, temp_dir};

#[tokio::test]
async fn hub_binary_serves_health_on_loopback() {
    let data = temp_dir("hub");
    let hub = Proc::start(
        "kipochi-hub",
        &[
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--data-dir",
            data.path(),
        ],
    )
    .unwrap();
    assert!(
        hub.base_url.starts_with("http://127.0.0.1:"),
        "{}",
        hub.base_url
    );
    let body: serde_json::Value = reqwest::get(format!("{}/healthz", hub.base_url))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["status"], "ok");
}

#[tokio::test]
async fn hub_binary_refuses_a_busy_port_with_a_clear_error() {
    let data = temp_dir("hub");
    let first = Proc::start(
        "kipochi-hub",
        &[
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--data-dir",
            data.path(),
        ],
    )
    .unwrap();
    let addr = first.base_url.trim_start_matches("http://").to_string();
    let out = std::process::Command::new(kipochi_e2e::binary("kipochi-hub").unwrap())
        .args(["serve", "--listen", &addr, "--data-dir", data.path()])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("cannot listen on"), "{stderr}");
}

#[test]
fn check_config_names_the_bad_key() {
    let dir = temp_dir("cfg");
    let file = std::path::Path::new(dir.path()).join("hub.toml");
    std::fs::write(&file, "[hub]\ncurrency = \"shillings\"\n").unwrap();
    let out = std::process::Command::new(kipochi_e2e::binary("kipochi-hub").unwrap())
        .args(["check-config", "--config", file.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("hub.currency"), "{stderr}");

    std::fs::write(&file, "[hub]\nfsp_id = \"bluebank\"\n").unwrap();
    let out = std::process::Command::new(kipochi_e2e::binary("kipochi-hub").unwrap())
        .args(["check-config", "--config", file.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("fsp_id = \"bluebank\""));
}
