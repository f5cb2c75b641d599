//! Load generator for the lab (not a test): starts `kipochi-hub lab` on free ports in a fresh
//! folder, then N concurrent payers make full cross-DFSP payments (quote, PIN + signed approval,
//! transfer through the switch) for a bounded time, in both directions. Prints throughput,
//! latency percentiles, errors and each process's peak memory.
//!
//! `cargo xtask bench-lab [-- --payers 8 --seconds 20]` builds the release binary and runs this.
//! By default each payer logs in once and pays in a loop (a session's later approvals find the
//! PIN in the hub's PIN memory); `--login-each-payment` logs in before every payment, so every
//! payment costs one full Argon2id PIN check (one payment per session).

use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use kipochi_core::keys::DeviceKey;
use kipochi_e2e::wallet::sign;
use kipochi_e2e::{Proc, temp_dir};
use serde_json::{Value, json};

const PIN: &str = "2580";

struct Args {
    payers: usize,
    seconds: u64,
    /// Log in again before every payment (one payment per session: every login runs the full
    /// Argon2id PIN check) instead of one session per payer.
    login_each: bool,
}

fn args() -> anyhow::Result<Args> {
    let mut out = Args {
        payers: 8,
        seconds: 20,
        login_each: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        if a == "--login-each-payment" {
            out.login_each = true;
            continue;
        }
        let v = it.next().context("every option takes a value")?;
        match a.as_str() {
            "--payers" => out.payers = v.parse()?,
            "--seconds" => out.seconds = v.parse()?,
            other => {
                bail!("unknown option {other} (use --payers N --seconds S [--login-each-payment])")
            }
        }
    }
    anyhow::ensure!((1..=64).contains(&out.payers), "--payers must be 1..=64");
    anyhow::ensure!(
        (1..=600).contains(&out.seconds),
        "--seconds must be 1..=600"
    );
    Ok(out)
}

async fn post(
    http: &reqwest::Client,
    url: String,
    token: Option<&str>,
    body: Value,
) -> anyhow::Result<Value> {
    let mut req = http.post(url).json(&body);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let res = req.send().await?;
    let status = res.status();
    let v: Value = res.json().await.unwrap_or(Value::Null);
    anyhow::ensure!(status.is_success(), "{status}: {}", v["code"]);
    Ok(v)
}

/// One payer: (base URL of its hub, phone, payee phone at the other DFSP).
async fn payer(
    base: String,
    phone: &'static str,
    payee: &'static str,
    seed: u8,
    until: Instant,
    login_each: bool,
) -> anyhow::Result<(Vec<Duration>, u64)> {
    let http = reqwest::Client::new();
    let login = |http: reqwest::Client, base: String| async move {
        let v = post(
            &http,
            format!("{base}/api/v1/auth/login"),
            None,
            json!({"phone": phone, "pin": PIN}),
        )
        .await
        .context("payer login")?;
        anyhow::Ok(v["token"].as_str().context("no token")?.to_string())
    };
    let mut token = login(http.clone(), base.clone()).await?;
    let key = DeviceKey::from_secret_bytes(&[seed; 32]);
    post(
        &http,
        format!("{base}/api/v1/devices"),
        Some(&token),
        json!({"public_key": key.public_key().to_base64url(), "label": "bench"}),
    )
    .await
    .context("device registration")?;
    let (mut latencies, mut errors) = (Vec::new(), 0);
    while Instant::now() < until {
        let started = Instant::now();
        if login_each {
            match login(http.clone(), base.clone()).await {
                Ok(t) => token = t,
                Err(_) => {
                    errors += 1;
                    continue;
                }
            }
        }
        let id = uuid::Uuid::new_v4().to_string();
        let body = json!({"payment_id": id, "target": {"kind": "phone", "phone": payee}, "amount": "1", "currency": null, "note": null});
        let done = async {
            let quote = post(&http, format!("{base}/api/v1/payments"), Some(&token), body).await?;
            let approve =
                json!({"pin": PIN, "device_id": key.device_id(), "signature": sign(&quote, &key)?});
            post(
                &http,
                format!("{base}/api/v1/payments/{id}/approve"),
                Some(&token),
                approve,
            )
            .await
        }
        .await;
        match done {
            Ok(p) if p["state"] == "committed" => latencies.push(started.elapsed()),
            _ => errors += 1,
        }
    }
    Ok((latencies, errors))
}

/// Peak resident memory (VmHWM) of `pid` in MiB, from /proc.
fn peak_rss_mib(pid: u32) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

fn children(pid: u32) -> Vec<u32> {
    std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children"))
        .unwrap_or_default()
        .split_whitespace()
        .filter_map(|p| p.parse().ok())
        .collect()
}

/// The WARN and ERROR lines of the lab's logs (the data folder is removed on exit).
fn print_log_problems(data: &str) {
    let Ok(dir) = std::fs::read_dir(std::path::Path::new(data).join("logs")) else {
        return;
    };
    for entry in dir.flatten() {
        let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
        for line in text
            .lines()
            .filter(|l| l.contains("WARN") || l.contains("ERROR"))
        {
            eprintln!("{}: {line}", entry.file_name().to_string_lossy());
        }
    }
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i].as_secs_f64() * 1000.0
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = args()?;
    let data = temp_dir("bench-lab");
    let (lab, lines) = Proc::start_until(
        "kipochi-hub",
        &["lab", "--base-port", "0", "--data-dir", data.path()],
        "Kipochi lab ready",
    )?;
    let url = |name: &str| -> anyhow::Result<String> {
        lines
            .iter()
            .find_map(|l| l.strip_prefix(&format!("service {name} ")))
            .map(str::to_string)
            .with_context(|| format!("the lab printed no {name} URL"))
    };
    let (blue, green) = (url("bluebank")?, url("greenwallet")?);
    // Both directions, the lab's demo customers (opening balances far above the load).
    let pairs: [(&String, &'static str, &'static str); 4] = [
        (&blue, "255711000001", "255722000001"),
        (&blue, "255711000002", "255722000002"),
        (&green, "255722000001", "255711000001"),
        (&green, "255722000002", "255711000002"),
    ];
    let until = Instant::now() + Duration::from_secs(args.seconds);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for i in 0..args.payers {
        let (base, phone, payee) = pairs[i % pairs.len()];
        tasks.push(tokio::spawn(payer(
            base.clone(),
            phone,
            payee,
            100 + i as u8,
            until,
            args.login_each,
        )));
    }
    let (mut latencies, mut errors) = (Vec::new(), 0);
    for t in tasks {
        match t.await? {
            Ok((l, e)) => {
                latencies.extend(l);
                errors += e;
            }
            Err(e) => {
                print_log_problems(data.path());
                return Err(e);
            }
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    latencies.sort();
    println!(
        "bench-lab: {} payers for {:.1} s (cross-DFSP P2P, both directions, debug or release as built{})",
        args.payers,
        elapsed,
        if args.login_each {
            ", a login before every payment"
        } else {
            ", one session per payer"
        }
    );
    println!(
        "  committed payments: {} ({:.1}/s), errors: {errors}",
        latencies.len(),
        latencies.len() as f64 / elapsed
    );
    let measured = if args.login_each {
        "login+create+approve"
    } else {
        "create+approve"
    };
    println!(
        "  latency {measured} ms: p50 {:.1}  p95 {:.1}  p99 {:.1}  max {:.1}",
        percentile(&latencies, 0.50),
        percentile(&latencies, 0.95),
        percentile(&latencies, 0.99),
        percentile(&latencies, 1.0)
    );
    for pid in children(lab.pid()) {
        let cmd = std::fs::read_to_string(format!("/proc/{pid}/cmdline")).unwrap_or_default();
        let name = cmd
            .split('\0')
            .find(|a| a.ends_with(".toml"))
            .unwrap_or("?")
            .rsplit('/')
            .next()
            .unwrap_or("?")
            .to_string();
        println!(
            "  peak RSS {name}: {:.1} MiB",
            peak_rss_mib(pid).unwrap_or(0.0)
        );
    }
    Ok(())
}
