//! Support for crash tests: processes that are SIGKILLed and restarted, a reproducible
//! pseudo-random generator, and HTTP calls retried until the (restarting) hub answers.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::bail;
use serde_json::Value;

use crate::Proc;

/// One `kipochi-hub` process that can be crashed and started again with the same arguments.
pub struct Node {
    /// Its command line after the binary.
    pub args: Vec<String>,
    /// The running process, if any.
    pub proc: Option<Proc>,
}

impl Node {
    /// A node (not started) running `kipochi-hub args…`.
    pub fn new(args: &[&str]) -> Self {
        Self {
            args: args.iter().map(|a| a.to_string()).collect(),
            proc: None,
        }
    }

    /// Starts the process, retrying while its old port is still held (up to 5 s).
    pub fn start(&mut self) -> anyhow::Result<()> {
        let args: Vec<&str> = self.args.iter().map(String::as_str).collect();
        let mut last = None;
        for _ in 0..50 {
            match Proc::start("kipochi-hub", &args) {
                Ok(p) => {
                    self.proc = Some(p);
                    return Ok(());
                }
                Err(e) => last = Some(e),
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        bail!("cannot start {args:?}: {last:?}")
    }

    /// SIGKILL (the `Proc` drop) and start again.
    pub fn crash_and_restart(&mut self) -> anyhow::Result<()> {
        drop(self.proc.take());
        std::thread::sleep(Duration::from_millis(50));
        self.start()
    }

    /// The base URL it announced.
    pub fn url(&self) -> String {
        self.proc
            .as_ref()
            .map(|p| p.base_url.clone())
            .unwrap_or_default()
    }
}

/// A tiny deterministic generator (crash tests must be reproducible).
pub struct Lcg(pub u64);

impl Lcg {
    /// The next value in `0..n`.
    pub fn next(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n.max(1)
    }
}

/// One HTTP call; `None` when the hub is down (connection refused, reset, timeout).
pub async fn call(
    http: &reqwest::Client,
    method: reqwest::Method,
    url: &str,
    token: Option<&str>,
    body: Option<&Value>,
) -> Option<(u16, Value)> {
    let mut req = http.request(method, url).timeout(Duration::from_secs(10));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    if let Some(b) = body {
        req = req.json(b);
    }
    let res = req.send().await.ok()?;
    let status = res.status().as_u16();
    Some((status, res.json().await.unwrap_or(Value::Null)))
}

/// Calls `path` on the hub whose current base URL is in `base` until it answers (60 s at most).
pub async fn until_answer(
    base: &Mutex<String>,
    http: &reqwest::Client,
    method: reqwest::Method,
    path: &str,
    token: Option<&str>,
    body: Option<&Value>,
) -> anyhow::Result<(u16, Value)> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let url = format!(
            "{}{path}",
            base.lock().map(|b| b.clone()).unwrap_or_default()
        );
        if let Some(answer) = call(http, method.clone(), &url, token, body).await
            && answer.0 != 401
        {
            return Ok(answer);
        }
        if Instant::now() > deadline {
            bail!("hub did not answer {path} for 60 s");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// "4995.5" (or "-10") TZS → minor units (2 decimals).
pub fn minor(text: &str) -> anyhow::Result<i64> {
    let (sign, digits) = match text.strip_prefix('-') {
        Some(rest) => (-1, rest),
        None => (1, text),
    };
    let (whole, frac) = digits.split_once('.').unwrap_or((digits, ""));
    if frac.len() > 2 {
        bail!("{text} has more than 2 decimals");
    }
    let frac = format!("{frac:0<2}");
    Ok(sign * (whole.parse::<i64>()? * 100 + frac.parse::<i64>()?))
}
