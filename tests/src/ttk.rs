//! The Mojaloop Testing Toolkit (TTK, npm `ml-testing-toolkit`, installed in `tests/ttk` by
//! `cargo xtask provision`) as a child process, and its admin API.
//!
//! The TTK reads `spec_files/`, `examples/` and `secrets/` relative to its working folder, so
//! [`Ttk::start`] copies them from the package into a run folder, writes the user configuration
//! and activates our rule files (`tests/ttk/rules/`) there, then starts `node` and waits for both
//! its FSPIOP port and its admin API (fixed port 5050, so one TTK at a time). The process is
//! killed by PID when the [`Ttk`] is dropped.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use serde_json::{Value, json};

/// The TTK's admin API (its port is fixed in the TTK's code).
pub const ADMIN: &str = "http://127.0.0.1:5050";

/// `tests/ttk`: package.json + lock, our rules and collections.
pub fn ttk_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("ttk")
}

/// Writes a hub's configuration to `cfg` and its demo users to `seed_file`, then starts
/// `kipochi-hub serve --config CFG --seed SEED` (the hub whose switch is the TTK).
pub fn start_seeded_hub(
    cfg: &Path,
    config: &str,
    seed_file: &Path,
    seed: &str,
) -> anyhow::Result<crate::Proc> {
    std::fs::write(cfg, config)?;
    std::fs::write(seed_file, seed)?;
    let path = |p: &Path| p.to_str().map(str::to_string).context("non-UTF-8 path");
    crate::Proc::start(
        "kipochi-hub",
        &[
            "serve",
            "--config",
            &path(cfg)?,
            "--seed",
            &path(seed_file)?,
        ],
    )
}

/// A free loopback port (released for the child to bind).
pub fn free_port() -> anyhow::Result<u16> {
    let l = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(l.local_addr()?.port())
}

fn copy_dir(from: &Path, to: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target)?;
        }
    }
    Ok(())
}

/// The running TTK.
pub struct Ttk {
    child: Child,
    /// Its stdout: one line per request, answer and callback.
    pub log: PathBuf,
}

impl Drop for Ttk {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Ttk {
    /// Prepares `run` and starts the TTK with its FSPIOP API on `api_port`. `rules` are
    /// `(kind, file)` pairs (`callback`, `validation`, `forward`) of files in `tests/ttk/rules`,
    /// each made the active file of its kind; `configure` edits `user_config.json` before start.
    pub async fn start(
        run: &Path,
        api_port: u16,
        rules: &[(&str, &str)],
        configure: impl FnOnce(&mut Value),
    ) -> anyhow::Result<Ttk> {
        let pkg = ttk_dir().join("node_modules/ml-testing-toolkit");
        if !pkg.join("src/index.js").exists() {
            bail!(
                "the Testing Toolkit is not installed in {}: run `cargo xtask provision`",
                pkg.display()
            );
        }
        for d in ["spec_files", "examples", "secrets"] {
            copy_dir(&pkg.join(d), &run.join(d))?;
        }
        std::fs::create_dir_all(run.join("uploads"))?;
        let ucf = run.join("spec_files/user_config.json");
        let mut uc: Value = serde_json::from_str(&std::fs::read_to_string(&ucf)?)?;
        configure(&mut uc);
        std::fs::write(&ucf, uc.to_string())?;
        for (kind, file) in rules {
            let dir = run.join("spec_files").join(format!("rules_{kind}"));
            std::fs::copy(ttk_dir().join("rules").join(file), dir.join(file))
                .with_context(|| format!("rule file {file}"))?;
            std::fs::write(
                dir.join("config.json"),
                json!({"activeRulesFile": file}).to_string(),
            )?;
        }
        if std::net::TcpListener::bind("127.0.0.1:5050").is_err() {
            bail!("port 5050 (the TTK's admin API) is in use: is another TTK running?");
        }
        let log = run.join("ttk.log");
        let child = Command::new("node")
            .arg(pkg.join("src/index.js"))
            .current_dir(run)
            .env(
                "TTK_SYSTEM_CONFIG",
                json!({"API_PORT": api_port}).to_string(),
            )
            .stdout(std::fs::File::create(&log)?)
            .stderr(Stdio::from(std::fs::File::create(run.join("ttk.err"))?))
            .spawn()
            .context("cannot start node")?;
        let mut ttk = Ttk { child, log };
        let http = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let admin = http.get(format!("{ADMIN}/api/config/user")).send().await;
            let api = tokio::net::TcpStream::connect(("127.0.0.1", api_port)).await;
            if admin.is_ok_and(|r| r.status().is_success()) && api.is_ok() {
                return Ok(ttk);
            }
            if let Some(status) = ttk.child.try_wait()? {
                bail!("the TTK exited with {status}, see {}", ttk.log.display());
            }
            if Instant::now() > deadline {
                bail!("the TTK did not start in 60 s");
            }
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
    }

    /// Changes the running TTK's user configuration. `PUT /api/config/user` replaces the whole
    /// object, so this reads it, applies `change` and writes all of it back.
    pub async fn update_user_config(
        &self,
        http: &reqwest::Client,
        change: impl FnOnce(&mut Value),
    ) -> anyhow::Result<()> {
        let current: Value = http
            .get(format!("{ADMIN}/api/config/user"))
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        let mut runtime = current["runtime"].clone();
        change(&mut runtime);
        http.put(format!("{ADMIN}/api/config/user"))
            .json(&runtime)
            .send()
            .await?
            .error_for_status()?;
        Ok(())
    }

    /// Every FSPIOP request the TTK accepted: it records a request only after it passed the
    /// validation against the FSPIOP OpenAPI definition (an invalid one gets a 400 instead).
    pub async fn history(&self, http: &reqwest::Client) -> anyhow::Result<Vec<Value>> {
        let v: Value = http
            .get(format!("{ADMIN}/api/history/requests"))
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        Ok(v.as_array().cloned().unwrap_or_default())
    }

    /// The lines of the TTK's log that contain `text`.
    pub fn log_lines(&self, text: &str) -> anyhow::Result<Vec<String>> {
        let log = std::fs::read_to_string(&self.log)?;
        Ok(log
            .lines()
            .filter(|l| l.contains(text))
            .map(str::to_string)
            .collect())
    }

    /// The statuses of the answers the TTK's log records for the requests and callbacks it sent
    /// (`… Response: <method> <path> … Status: <code>`), one line each.
    pub fn answers(&self) -> anyhow::Result<Vec<String>> {
        let mut lines = self.log_lines("Response: ")?;
        lines.retain(|l| l.contains(" Status: "));
        Ok(lines)
    }
}

/// Whether a TTK log answer line ends in a 2xx status.
pub fn is_2xx(answer_line: &str) -> bool {
    answer_line
        .trim_end()
        .rsplit(' ')
        .next()
        .is_some_and(|s| s.starts_with('2'))
}
