//! Support for end-to-end tests: locating and supervising the real binaries.
//!
//! Tests start `kipochi-hub` as a child process on `127.0.0.1` with port 0, read the address it
//! prints, and kill it on drop, so a failing test never leaves a process behind.

pub mod crash;
pub mod lab;
pub mod ttk;
pub mod wallet;

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

/// Path of a workspace binary, built beforehand by `cargo xtask test` (or `cargo build`).
///
/// `KIPOCHI_BIN_DIR` overrides the folder; otherwise `target/<profile>/` of the running test or
/// binary is used.
pub fn binary(name: &str) -> anyhow::Result<PathBuf> {
    let dir = match std::env::var_os("KIPOCHI_BIN_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => {
            // Test executables live in target/<profile>/deps, binaries in target/<profile>.
            let exe = std::env::current_exe()?;
            let dir = exe.parent().context("executable has no folder")?;
            if dir.file_name().is_some_and(|n| n == "deps") {
                dir.parent()
                    .context("test executable has no target folder")?
            } else {
                dir
            }
            .to_path_buf()
        }
    };
    let path = dir.join(name);
    if !path.exists() {
        bail!(
            "{} not found: run `cargo build -p kipochi-hub` first",
            path.display()
        );
    }
    Ok(path)
}

/// A running child process, killed when dropped.
pub struct Proc {
    child: Child,
    /// The `http://127.0.0.1:PORT` base the process announced.
    pub base_url: String,
}

impl Proc {
    /// Starts `bin args…` and waits (bounded) for its `listening on <url>` line on stdout.
    pub fn start(bin: &str, args: &[&str]) -> anyhow::Result<Self> {
        let mut child = Command::new(binary(bin)?)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .with_context(|| format!("cannot start {bin}"))?;
        let stdout = child.stdout.take().context("no stdout")?;
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(url) = line.strip_prefix("listening on ") {
                    let _ = tx.send(url.trim().to_string());
                }
            }
        });
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(url) = rx.recv_timeout(Duration::from_millis(100)) {
                return Ok(Self {
                    child,
                    base_url: url,
                });
            }
            if let Some(status) = child.try_wait()? {
                bail!("{bin} exited early with {status}");
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                bail!("{bin} did not announce its address within 20 s");
            }
        }
    }

    /// Starts `bin args…` and collects its stdout lines until one starts with `ready` (bounded);
    /// returns the process and the lines before that one (e.g. the lab's `service NAME URL`).
    pub fn start_until(
        bin: &str,
        args: &[&str],
        ready: &str,
    ) -> anyhow::Result<(Self, Vec<String>)> {
        let mut child = Command::new(binary(bin)?)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .with_context(|| format!("cannot start {bin}"))?;
        let stdout = child.stdout.take().context("no stdout")?;
        let (tx, rx) = std::sync::mpsc::channel();
        let marker = ready.to_string();
        std::thread::spawn(move || {
            let mut seen = Vec::new();
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if line.trim_start().starts_with(&marker) {
                    let _ = tx.send(std::mem::take(&mut seen));
                } else {
                    seen.push(line);
                }
            }
        });
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(lines) = rx.recv_timeout(Duration::from_millis(100)) {
                let proc = Self {
                    child,
                    base_url: String::new(),
                };
                return Ok((proc, lines));
            }
            if let Some(status) = child.try_wait()? {
                bail!("{bin} exited early with {status}");
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                bail!("{bin} was not ready within 30 s");
            }
        }
    }

    /// Asks the process to stop (SIGINT) and waits up to 10 s, then kills it.
    pub fn interrupt_and_wait(&mut self) -> anyhow::Result<std::process::ExitStatus> {
        let _ = Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(status) = self.child.try_wait()? {
                return Ok(status);
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                bail!("process did not stop within 10 s of SIGINT");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Process id, for tests that signal it.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A temporary folder removed on drop.
pub struct TempDir(PathBuf);

impl TempDir {
    /// The folder's path as UTF-8 (temp paths here always are).
    pub fn path(&self) -> &str {
        self.0.to_str().unwrap_or_default()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Creates a fresh temporary folder named after `label`.
pub fn temp_dir(label: &str) -> TempDir {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let dir = std::env::temp_dir().join(format!("kipochi-{label}-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).ok();
    TempDir(dir)
}
