//! `cargo xtask …`: the project's developer commands (see README.md).
//!
//! - `test`: provision every tool the tests need (only when missing), then fmt, clippy and every test.
//! - `lab`: build the release hub and the web bundle, then start the lab.
//! - `bench-lab`: build the release binaries and run the lab load generator.
//! - `web`: build the Leptos bundle into `dist/web`.
//! - `bindings [--test]`: generate the Kotlin, Swift and Python bindings of `kipochi-ffi` into
//!   `bindings/`; with `--test`, also run the Kotlin (JVM) and Python tests of them.

mod bindings;
mod lab_proc;
mod provision;
mod sh;
mod test;
mod web;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(about = "Kipochi developer commands")]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Debug, Subcommand)]
enum Cmd {
    /// Provision the test tools (idempotent), then run fmt, clippy and every test suite.
    Test {
        /// Skip provisioning (use the tools already installed).
        #[arg(long)]
        no_provision: bool,
    },
    /// Build the release hub and web bundle, then start the lab (switch + two DFSPs + web UI).
    Lab {
        /// Arguments passed on to `kipochi-hub lab`.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// Build the release binaries and run the lab load generator (throughput, latency, memory).
    BenchLab {
        /// Arguments passed on to `bench-lab` (e.g. `--payers 8 --seconds 20`).
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// Build the web wallet bundle into dist/web (wasm-bindgen + wasm-opt).
    Web,
    /// Install the tools the tests need, and nothing else.
    Provision,
    /// Generate the Kotlin, Swift and Python bindings of kipochi-ffi into bindings/.
    Bindings {
        /// Then run the Kotlin (JVM) and Python tests of the bindings (tools as provisioned).
        #[arg(long)]
        test: bool,
    },
}

fn main() -> anyhow::Result<()> {
    let root = sh::workspace_root()?;
    std::env::set_current_dir(&root)?;
    match Cli::parse().command {
        Cmd::Test { no_provision } => test::run(&root, !no_provision),
        Cmd::Lab { args } => lab(&root, &args),
        Cmd::BenchLab { args } => bench_lab(&args),
        Cmd::Web => web::build(&root, &provision::Tools::locate(&root)?).map(|_| ()),
        Cmd::Provision => provision::all(&root).map(|_| ()),
        Cmd::Bindings { test: false } => bindings::generate(&root).map(|_| ()),
        Cmd::Bindings { test: true } => bindings::test(&root, &provision::Tools::locate(&root)?),
    }
}

fn bench_lab(args: &[String]) -> anyhow::Result<()> {
    sh::step("build kipochi-hub and bench-lab (release)", || {
        sh::run(
            "cargo",
            &[
                "build",
                "--release",
                "-p",
                "kipochi-hub",
                "-p",
                "kipochi-e2e",
                "--bin",
                "kipochi-hub",
                "--bin",
                "bench-lab",
            ],
        )
    })?;
    let status = std::process::Command::new("target/release/bench-lab")
        .args(args)
        .status()?;
    anyhow::ensure!(status.success(), "bench-lab exited with {status}");
    Ok(())
}

fn lab(root: &std::path::Path, args: &[String]) -> anyhow::Result<()> {
    let tools = provision::for_web(root)?;
    sh::step("build kipochi-hub (release)", || {
        sh::run("cargo", &["build", "--release", "-p", "kipochi-hub"])
    })?;
    web::build(root, &tools)?;
    let hub = root.join("target/release/kipochi-hub");
    let mut cmd_args = vec!["lab".to_string(), "--web-dir".into(), "dist/web".into()];
    cmd_args.extend(args.iter().cloned());
    // Ctrl-C reaches the lab and its children (same process group); the lab stops them all.
    let status = std::process::Command::new(&hub).args(&cmd_args).status()?;
    anyhow::ensure!(status.success(), "kipochi-hub lab exited with {status}");
    Ok(())
}
