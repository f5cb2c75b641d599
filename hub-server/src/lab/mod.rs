//! `kipochi-hub lab`: the switch and two DFSP hubs (`bluebank`, `greenwallet`) as child processes
//! of this binary, with generated configuration files and demo users, in one data folder.
//!
//! - `plan`: ports, configuration text, demo users, the printed table (pure).
//! - `seed`: the `serve --seed FILE` user file.
//!
//! Start order: the switch (it must answer before the hubs register their customers' aliases),
//! with `--fineract-double` the Fineract double (greenwallet's accounts, books in
//! `fineract-double.json`), then both hubs with `--seed`. Each child writes to `DATA/logs/<name>.log`; a child is ready
//! when its log shows `listening on`. Ctrl-C (or a child dying) stops every child: SIGINT, then
//! SIGKILL after 5 s — both are safe, every store is crash-consistent. Re-running reuses the
//! data folder (seeding is idempotent); `--reset` deletes it first.

pub mod plan;
pub mod seed;

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use tokio::process::{Child, Command};

pub use plan::Plan;

/// `kipochi-hub lab` options.
#[derive(Clone, Debug)]
pub struct LabOptions {
    /// Folder for configuration, databases and logs.
    pub data_dir: PathBuf,
    /// Delete the data folder first.
    pub reset: bool,
    /// First port (see [`Plan::new`]); 0 picks free ports.
    pub base_port: u16,
    /// Built web bundle served by both hubs.
    pub web_dir: Option<PathBuf>,
    /// Write the configuration files and stop (to run the processes separately).
    pub prepare_only: bool,
    /// Run greenwallet's accounts on a Fineract double (`kipochi-hub fineract-double`).
    pub fineract_double: bool,
}

struct Running {
    name: String,
    child: Child,
}

/// Writes the lab's files into `data_dir`; returns the plan.
pub fn prepare(opts: &LabOptions) -> anyhow::Result<Plan> {
    if opts.reset && opts.data_dir.exists() {
        std::fs::remove_dir_all(&opts.data_dir)
            .with_context(|| format!("cannot delete {}", opts.data_dir.display()))?;
    }
    std::fs::create_dir_all(opts.data_dir.join("logs"))
        .with_context(|| format!("cannot create {}", opts.data_dir.display()))?;
    let data = std::path::absolute(&opts.data_dir)?;
    let web = opts
        .web_dir
        .as_deref()
        .map(std::path::absolute)
        .transpose()?;
    let mut plan = Plan::new(opts.base_port)?;
    if opts.fineract_double {
        plan = plan.with_fineract_double(opts.base_port)?;
    }
    std::fs::write(data.join("switch.toml"), plan.switch_config(&data))?;
    for d in &plan.dfsps {
        std::fs::write(
            data.join(format!("{}.toml", d.fsp_id)),
            plan.hub_config(d, &data, web.as_deref()),
        )?;
        std::fs::write(
            data.join(format!("{}-users.toml", d.fsp_id)),
            plan.seed_file(d),
        )?;
    }
    Ok(plan)
}

/// Runs the lab until Ctrl-C or until a child exits.
pub async fn run(opts: LabOptions) -> anyhow::Result<()> {
    let started = Instant::now();
    let plan = prepare(&opts)?;
    let data = std::path::absolute(&opts.data_dir)?;
    if opts.prepare_only {
        println!("lab files written to {}", data.display());
        return Ok(());
    }
    let exe = std::env::current_exe().context("cannot find the kipochi-hub binary")?;
    let mut children = Vec::new();
    let result = start_all(&exe, &data, &plan, &mut children).await;
    if let Err(e) = result {
        stop_all(&mut children).await;
        return Err(e);
    }
    // Machine-readable lines first (tests and scripts), then the table for people.
    println!("service switch http://{}", plan.switch);
    if let Some(addr) = plan.fineract_double {
        println!("service fineract-double http://{addr}");
    }
    for d in &plan.dfsps {
        println!("service {} http://{}", d.fsp_id, d.api);
        println!("service {}-fspiop http://{}", d.fsp_id, d.fspiop);
    }
    println!(
        "\nKipochi lab ready in {} ms. Data and logs: {}\n\n{}\nCtrl-C stops the lab.",
        started.elapsed().as_millis(),
        data.display(),
        plan.table()
    );
    let exited = wait_any(&mut children);
    tokio::select! {
        _ = tokio::signal::ctrl_c() => println!("stopping the lab"),
        name = exited => eprintln!("{name} exited; stopping the lab (see its log)"),
    }
    stop_all(&mut children).await;
    Ok(())
}

async fn start_all(
    exe: &Path,
    data: &Path,
    plan: &Plan,
    children: &mut Vec<Running>,
) -> anyhow::Result<()> {
    let switch_cfg = data.join("switch.toml");
    children.push(spawn(exe, data, "switch", &["switch", "--config"], &[&switch_cfg]).await?);
    if let Some(addr) = plan.fineract_double {
        // Its books in a file of the data folder: they survive a restart of the lab.
        let state = data.join("fineract-double.json");
        let args = ["fineract-double", "--listen", &addr.to_string(), "--state"];
        children.push(spawn(exe, data, "fineract-double", &args, &[&state]).await?);
    }
    let mut hubs = Vec::new();
    for d in &plan.dfsps {
        let cfg = data.join(format!("{}.toml", d.fsp_id));
        let users = data.join(format!("{}-users.toml", d.fsp_id));
        let args = ["serve", "--config"];
        hubs.push(spawn_no_wait(exe, data, d.fsp_id, &args, &[&cfg], &users)?);
    }
    for hub in hubs {
        let name = hub.name.clone();
        children.push(hub);
        wait_ready(data, &name, children).await?;
    }
    Ok(())
}

fn log_path(data: &Path, name: &str) -> PathBuf {
    data.join("logs").join(format!("{name}.log"))
}

fn command(
    exe: &Path,
    data: &Path,
    name: &str,
    args: &[&str],
    paths: &[&Path],
) -> anyhow::Result<Command> {
    let log = std::fs::File::create(log_path(data, name))?;
    let mut cmd = Command::new(exe);
    // `--supervised`: the child stops when its stdin (a pipe held by this process) closes, so
    // the children go down with the lab however it ends.
    cmd.arg("--supervised")
        .args(args)
        .args(paths)
        .stdin(Stdio::piped())
        .stdout(log.try_clone()?)
        .stderr(log)
        .kill_on_drop(true);
    Ok(cmd)
}

async fn spawn(
    exe: &Path,
    data: &Path,
    name: &str,
    args: &[&str],
    paths: &[&Path],
) -> anyhow::Result<Running> {
    let child = command(exe, data, name, args, paths)?
        .spawn()
        .with_context(|| format!("cannot start {name}"))?;
    let mut list = vec![Running {
        name: name.to_string(),
        child,
    }];
    wait_ready(data, name, &mut list).await?;
    list.pop().context("child vanished")
}

fn spawn_no_wait(
    exe: &Path,
    data: &Path,
    name: &str,
    args: &[&str],
    paths: &[&Path],
    seed: &Path,
) -> anyhow::Result<Running> {
    let mut cmd = command(exe, data, name, args, paths)?;
    cmd.arg("--seed").arg(seed);
    let child = cmd
        .spawn()
        .with_context(|| format!("cannot start {name}"))?;
    Ok(Running {
        name: name.to_string(),
        child,
    })
}

/// Waits until `name`'s log says `listening on` (the wallet API for hubs), 20 s at most.
async fn wait_ready(data: &Path, name: &str, children: &mut [Running]) -> anyhow::Result<()> {
    let path = log_path(data, name);
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        if text.lines().any(|l| l.starts_with("listening on ")) {
            return Ok(());
        }
        if let Some(c) = children.iter_mut().find(|c| c.name == name)
            && let Some(status) = c.child.try_wait()?
        {
            bail!(
                "{name} exited ({status}) while starting; its log {}:\n{}",
                path.display(),
                tail(&text)
            );
        }
        if Instant::now() > deadline {
            bail!("{name} did not start in 20 s; see {}", path.display());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn tail(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(15)..].join("\n")
}

/// Resolves with the name of the first child that exits.
async fn wait_any(children: &mut [Running]) -> String {
    loop {
        for c in children.iter_mut() {
            if let Ok(Some(_)) = c.child.try_wait() {
                return c.name.clone();
            }
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// SIGINT to every child (hubs first), SIGKILL to those still running after 5 s.
async fn stop_all(children: &mut Vec<Running>) {
    for c in children.iter().rev() {
        if let Some(pid) = c.child.id() {
            interrupt(pid);
        }
    }
    let deadline = Instant::now() + Duration::from_secs(5);
    for c in children.iter_mut().rev() {
        let left = deadline.saturating_duration_since(Instant::now());
        if tokio::time::timeout(left, c.child.wait()).await.is_err() {
            let _ = c.child.kill().await;
        }
    }
    children.clear();
}

#[cfg(unix)]
fn interrupt(pid: u32) {
    use nix::sys::signal::{Signal, kill};
    use nix::unistd::Pid;
    if let Ok(pid) = i32::try_from(pid) {
        let _ = kill(Pid::from_raw(pid), Signal::SIGINT);
    }
}

#[cfg(not(unix))]
fn interrupt(_pid: u32) {}
