//! `cargo xtask test`: THE test command (README). Provisions, then checks and tests everything.

use std::path::Path;
use std::time::Instant;

use anyhow::Context;

use crate::{bindings, provision, sh, web};

/// Runs every check and test suite; the first failure stops the run with a non-zero exit.
pub fn run(root: &Path, provision_tools: bool) -> anyhow::Result<()> {
    let started = Instant::now();
    let tools = if provision_tools {
        provision::all(root)?
    } else {
        provision::Tools::locate(root)?
    };
    // uniffi-bindgen is built by the bindings step alone: in a workspace build its `cli` feature
    // would be unified into kipochi-ffi's uniffi (minutes more, a ten times larger library).
    let native = [
        "--workspace",
        "--exclude",
        "kipochi-web",
        "--exclude",
        "uniffi-bindgen",
    ];

    sh::step("fmt: cargo fmt --check", || {
        sh::run("cargo", &["fmt", "--all", "--", "--check"])
    })?;
    sh::step("clippy: native workspace, all targets", || {
        let mut args = vec!["clippy"];
        args.extend(native);
        args.extend(["--all-targets", "--", "-D", "warnings"]);
        sh::run("cargo", &args)
    })?;
    sh::step("clippy: web crate and core (wasm32, web feature)", || {
        let wasm = ["--target", "wasm32-unknown-unknown"];
        let mut web = vec!["clippy", "-p", "kipochi-web"];
        web.extend(wasm);
        web.extend(["--all-targets", "--", "-D", "warnings"]);
        sh::run("cargo", &web)?;
        let mut core = vec!["clippy", "-p", "kipochi-core", "--no-default-features"];
        core.extend(["--features", "web"]);
        core.extend(wasm);
        core.extend(["--", "-D", "warnings"]);
        sh::run("cargo", &core)
    })?;
    sh::step("build: kipochi-core for wasm32 (web feature)", || {
        sh::run(
            "cargo",
            &[
                "build",
                "-p",
                "kipochi-core",
                "--target",
                "wasm32-unknown-unknown",
                "--no-default-features",
                "--features",
                "web",
            ],
        )
    })?;
    // The web crate's own unit tests, compiled to wasm32 and run on Node by the
    // wasm-bindgen-test-runner that comes with the provisioned wasm-bindgen-cli.
    sh::step(
        "test: web crate unit tests (wasm32, wasm-bindgen-test-runner)",
        || {
            let runner = tools
                .wasm_bindgen
                .with_file_name("wasm-bindgen-test-runner");
            anyhow::ensure!(runner.exists(), "{} is missing", runner.display());
            let runner = runner.to_str().context("non-UTF-8 path")?;
            sh::run_in(
                None,
                "cargo",
                &[
                    "test",
                    "-p",
                    "kipochi-web",
                    "--target",
                    "wasm32-unknown-unknown",
                ],
                &[("CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER", runner)],
            )
        },
    )?;
    // The same build nextest does (`cargo test --no-run`): it also builds every package's
    // binaries, which the end-to-end tests start, with the features tests use, so nothing is
    // compiled twice (a separate `cargo build --bins` resolves dev-dependency features apart).
    sh::step("build: tests and the binaries they start", || {
        let mut args = vec!["test", "--no-run"];
        args.extend(native);
        sh::run("cargo", &args)
    })?;
    sh::step(
        "test: unit, integration and end-to-end (cargo nextest)",
        || {
            let mut args = vec!["nextest", "run", "--no-fail-fast"];
            args.extend(native);
            if sh::succeeds("cargo", &["nextest", "--version"]) {
                sh::run("cargo", &args)
            } else {
                let mut args = vec!["test", "--no-fail-fast"];
                args.extend(native);
                sh::run("cargo", &args)
            }
        },
    )?;
    // The Mojaloop Testing Toolkit (tests/ttk, provisioned by npm ci) against a real hub:
    // payee golden path (every assertion) and a payer payment through it; then two hubs paying
    // each other through it as a forwarding switch (docs/conformance.md). Ignored in the run
    // above (they need Node and fixed port 5050; the two binaries run one after the other).
    sh::step(
        "test: FSPIOP conformance (Mojaloop Testing Toolkit)",
        || {
            let mut args = vec!["test"];
            args.extend(native);
            args.extend([
                "--test",
                "ttk_conformance",
                "--test",
                "ttk_forwarding",
                "--",
                "--ignored",
                "--nocapture",
            ]);
            sh::run("cargo", &args)
        },
    )?;
    sh::step("test: doctests", || {
        let mut args = vec!["test", "--doc"];
        args.extend(native);
        sh::run("cargo", &args)
    })?;
    bindings::test(root, &tools)?;
    let dist = web::build(root, &tools)?;
    sh::step("test: browser (headless Chromium, playwright-core)", || {
        let hub = root.join("target/debug/kipochi-hub");
        let env = [
            ("KIPOCHI_HUB_BIN", hub.to_str().unwrap_or_default()),
            ("KIPOCHI_WEB_DIR", dist.to_str().unwrap_or_default()),
            ("KIPOCHI_TOOLS", "tools"),
            ("CHROMIUM", tools.chromium.to_str().unwrap_or_default()),
        ];
        sh::run_in(Some(root), "node", &["tests/browser/smoke.mjs"], &env)?;
        // The wallet end to end: the lab's two hubs serve the bundle; customer and merchant flows.
        sh::run_in(Some(root), "node", &["tests/browser/wallet.mjs"], &env)?;
        // Scan & pay through Chromium's fake camera and a photo, agent offline onboarding,
        // activation, admin search and charts, till poster, error paths.
        sh::run_in(Some(root), "node", &["tests/browser/flows.mjs"], &env)
    })?;
    println!(
        "cargo xtask test: all suites passed in {:.0} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
