//! Small process helpers: run a command, time a step, find the workspace root.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, bail};

/// The workspace root (the folder above `xtask/`).
pub fn workspace_root() -> anyhow::Result<PathBuf> {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    Ok(manifest
        .parent()
        .context("xtask has no parent folder")?
        .to_path_buf())
}

/// Runs `f` as a named step, printing its name and how long it took.
pub fn step<T>(name: &str, f: impl FnOnce() -> anyhow::Result<T>) -> anyhow::Result<T> {
    println!("==> {name}");
    let started = Instant::now();
    let out = f().with_context(|| format!("step failed: {name}"));
    let secs = started.elapsed().as_secs_f64();
    match &out {
        Ok(_) => println!("<== {name}: ok in {secs:.1} s"),
        Err(_) => println!("<== {name}: FAILED after {secs:.1} s"),
    }
    out
}

/// Runs a program with inherited stdio; fails unless it exits with 0.
pub fn run(program: impl AsRef<std::ffi::OsStr>, args: &[&str]) -> anyhow::Result<()> {
    run_in(None, program, args, &[])
}

/// Like [`run`], with a working folder and extra environment.
pub fn run_in(
    dir: Option<&Path>,
    program: impl AsRef<std::ffi::OsStr>,
    args: &[&str],
    env: &[(&str, &str)],
) -> anyhow::Result<()> {
    let program = program.as_ref();
    let mut cmd = Command::new(program);
    cmd.args(args).envs(env.iter().copied());
    if let Some(dir) = dir {
        cmd.current_dir(dir);
    }
    let shown = format!("{} {}", program.to_string_lossy(), args.join(" "));
    println!("    $ {shown}");
    let status = cmd
        .status()
        .with_context(|| format!("cannot start `{shown}`"))?;
    if !status.success() {
        bail!("`{shown}` exited with {status}");
    }
    Ok(())
}

/// Captures stdout of a program; `None` when it cannot start or fails.
pub fn output(program: impl AsRef<std::ffi::OsStr>, args: &[&str]) -> Option<String> {
    let out = Command::new(program).args(args).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Whether a program runs and exits with 0 (its output is discarded).
pub fn succeeds(program: impl AsRef<std::ffi::OsStr>, args: &[&str]) -> bool {
    Command::new(program)
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}
