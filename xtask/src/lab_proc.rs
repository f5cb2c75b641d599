//! A `kipochi-hub lab` as a child process for the bindings' lab test: started on free ports in
//! a fresh temporary data folder, its `service NAME URL` lines and demo-login table parsed, and
//! always stopped (SIGINT, then kill) when dropped, so a failing test never leaves it running.
//! The lab's own children stop with it (their stdin pipe closes).

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

/// How long the lab may take to print its table (it builds nothing; seconds normally).
const READY_TIMEOUT: Duration = Duration::from_secs(120);

/// One demo login from the lab's table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DemoUser {
    /// The DFSP (`bluebank`, `greenwallet`).
    pub fsp: String,
    /// `customer`, `merchant`, `agent` or `admin`.
    pub role: String,
    /// Phone number (the login).
    pub phone: String,
    /// The PIN.
    pub pin: String,
}

/// A running lab; stopped on drop.
pub struct Lab {
    child: Child,
    data: PathBuf,
    /// Service name → URL (`bluebank` → `http://127.0.0.1:PORT`).
    pub services: HashMap<String, String>,
    /// Every demo login.
    pub users: Vec<DemoUser>,
}

impl Lab {
    /// Starts `hub lab --base-port 0 --data-dir <tmp> --reset` and waits for its table.
    pub fn start(hub: &Path) -> anyhow::Result<Self> {
        let data =
            std::env::temp_dir().join(format!("kipochi-bindings-lab-{}", std::process::id()));
        let data_arg = data.to_str().context("non-UTF-8 temp folder")?;
        let mut child = Command::new(hub)
            .args(["lab", "--base-port", "0", "--data-dir", data_arg, "--reset"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .with_context(|| format!("cannot start {}", hub.display()))?;
        let stdout = child.stdout.take().context("no stdout pipe")?;
        let (tx, rx) = mpsc::channel();
        // Reads (and after the table, drains) the lab's output so it never blocks on a full pipe.
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                let _ = tx.send(line);
            }
        });
        let mut lab = Self {
            child,
            data,
            services: HashMap::new(),
            users: Vec::new(),
        };
        let deadline = Instant::now() + READY_TIMEOUT;
        let mut ready = false;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = match rx.recv_timeout(left) {
                Ok(line) => line,
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    bail!("the lab did not print its table within {READY_TIMEOUT:?}")
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    bail!("the lab exited before it was ready (see its output above)")
                }
            };
            if let Some((name, url)) = line
                .strip_prefix("service ")
                .and_then(|l| l.split_once(' '))
            {
                lab.services.insert(name.to_string(), url.to_string());
            } else if line.contains("Kipochi lab ready") {
                ready = true;
            } else if ready && line.contains("Ctrl-C stops the lab") {
                break;
            } else if ready && let Some(user) = demo_user(&line, &lab.services) {
                lab.users.push(user);
            }
        }
        anyhow::ensure!(!lab.users.is_empty(), "no demo logins in the lab's table");
        Ok(lab)
    }

    /// The URL of `service`.
    pub fn url(&self, service: &str) -> anyhow::Result<&str> {
        self.services
            .get(service)
            .map(String::as_str)
            .with_context(|| format!("the lab has no service {service}"))
    }

    /// The first demo user with `role` at `fsp`.
    pub fn user(&self, fsp: &str, role: &str) -> anyhow::Result<&DemoUser> {
        self.users
            .iter()
            .find(|u| u.fsp == fsp && u.role == role)
            .with_context(|| format!("no demo {role} at {fsp}"))
    }

    fn stop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let pid = self.child.id().to_string();
            // SIGINT: the lab stops its children and exits; kill only if it does not.
            let _ = Command::new("kill").args(["-INT", &pid]).status();
            let deadline = Instant::now() + Duration::from_secs(15);
            while Instant::now() < deadline {
                if let Ok(Some(_)) = self.child.try_wait() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
        let _ = std::fs::remove_dir_all(&self.data);
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A table row `  DFSP role name… phone PIN till balance CUR` (the name may have spaces, so the
/// fixed fields are read from the end).
fn demo_user(line: &str, services: &HashMap<String, String>) -> Option<DemoUser> {
    let words: Vec<&str> = line.split_whitespace().collect();
    if words.len() < 8 || !services.contains_key(words[0]) {
        return None;
    }
    let n = words.len();
    let (phone, pin) = (words[n - 5], words[n - 4]);
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    (digits(phone) && digits(pin)).then(|| DemoUser {
        fsp: words[0].to_string(),
        role: words[1].to_string(),
        phone: phone.to_string(),
        pin: pin.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_rows_are_read_from_the_end() {
        let services = HashMap::from([("bluebank".to_string(), "http://x".to_string())]);
        let row = "  bluebank     merchant  Mama Ntilie Shop 255711000003  2580  600100  0 TZS";
        let user = demo_user(row, &services).unwrap();
        assert_eq!(user.role, "merchant");
        assert_eq!(user.phone, "255711000003");
        assert_eq!(user.pin, "2580");
        assert!(demo_user("  DFSP         role      name", &services).is_none());
        assert!(demo_user("  greenwallet  customer  A B 2557 2580 - 1 TZS", &services).is_none());
    }
}
