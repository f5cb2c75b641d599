//! `cargo xtask bindings`: the Kotlin, Swift and Python bindings of `kipochi-ffi`, generated from
//! the built (unstripped) library in uniffi's `--library` mode into `bindings/` (git-ignored, so
//! never stale in the repo: CI regenerates them on every run). `test` then compiles the Kotlin
//! test program (and the Android app's non-UI models) against them with the npm Kotlin compiler and runs it on the JVM (JNA from Debian),
//! and runs the Python smoke test. The lab test (`LabTest.kt`) drives a real `kipochi-hub lab`
//! (switch and two DFSPs on loopback) through the bindings' hub client.

use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::lab_proc::Lab;
use crate::provision::Tools;
use crate::sh;

/// Where the generated bindings and the built library are.
pub struct Generated {
    /// `bindings/kotlin`: `uniffi/kipochi/kipochi.kt`.
    pub kotlin: PathBuf,
    /// `bindings/python`: `kipochi.py` next to a copy of the library.
    pub python: PathBuf,
    /// The folder holding the cdylib (for `jna.library.path`).
    pub lib_dir: PathBuf,
}

const LIB_FILE: &str = if cfg!(target_os = "macos") {
    "libkipochi_ffi.dylib"
} else {
    "libkipochi_ffi.so"
};

/// cargo's target folder: `CARGO_TARGET_DIR` when set, else `target/` in the workspace.
pub(crate) fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map(|p| if p.is_absolute() { p } else { root.join(p) })
        .unwrap_or_else(|| root.join("target"))
}

fn utf8(p: &Path) -> anyhow::Result<&str> {
    p.to_str().context("non-UTF-8 path")
}

/// Builds the library (debug) and `uniffi-bindgen`, then regenerates `bindings/`.
pub fn generate(root: &Path) -> anyhow::Result<Generated> {
    let debug = target_dir(root).join("debug");
    sh::step("bindings: cargo build -p kipochi-ffi", || {
        sh::run("cargo", &["build", "-p", "kipochi-ffi"])
    })?;
    sh::step("bindings: cargo build -p uniffi-bindgen", || {
        sh::run("cargo", &["build", "-p", "uniffi-bindgen"])
    })?;
    let out = root.join("bindings");
    let lib = debug.join(LIB_FILE);
    let bindgen = debug.join("uniffi-bindgen");
    sh::step(
        "bindings: generate Kotlin, Swift, Python (--library)",
        || {
            if out.exists() {
                std::fs::remove_dir_all(&out)?;
            }
            for lang in ["kotlin", "swift", "python"] {
                let dir = out.join(lang);
                sh::run(
                    &bindgen,
                    &[
                        "generate",
                        "--library",
                        utf8(&lib)?,
                        "--language",
                        lang,
                        "--out-dir",
                        utf8(&dir)?,
                        "--no-format",
                    ],
                )?;
            }
            std::fs::copy(&lib, out.join("python").join(LIB_FILE))?;
            Ok(())
        },
    )?;
    Ok(Generated {
        kotlin: out.join("kotlin"),
        python: out.join("python"),
        lib_dir: debug,
    })
}

/// Every `.kt` file under `dir`, sorted.
fn kotlin_sources(dir: &Path, out: &mut Vec<PathBuf>) -> anyhow::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.path());
    for entry in entries {
        let path = entry.path();
        if path.is_dir() {
            kotlin_sources(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "kt") {
            out.push(path);
        }
    }
    Ok(())
}

/// The hub binary the lab test starts: `KIPOCHI_HUB_BIN`, else the debug build (made by the
/// `cargo xtask test` build step), else built now.
fn hub_binary(root: &Path) -> anyhow::Result<PathBuf> {
    if let Some(bin) = std::env::var_os("KIPOCHI_HUB_BIN") {
        return Ok(PathBuf::from(bin));
    }
    let bin = target_dir(root).join("debug/kipochi-hub");
    if !bin.exists() {
        sh::step("bindings: cargo build -p kipochi-hub", || {
            sh::run(
                "cargo",
                &["build", "-p", "kipochi-hub", "--bin", "kipochi-hub"],
            )
        })?;
    }
    Ok(bin)
}

/// Regenerates the bindings, then runs the Kotlin JVM tests (local, then against a live lab)
/// and the Python smoke test.
pub fn test(root: &Path, tools: &Tools) -> anyhow::Result<()> {
    let generated = generate(root)?;
    let jar = root.join("bindings/kotlin-test.jar");
    // The hub exports are `suspend` functions: the generated Kotlin needs kotlinx-coroutines
    // (1.8.0, shipped inside the npm kotlin-compiler; Debian's is too old).
    let coroutines = tools.kotlin_lib.join("kotlinx-coroutines-core-jvm.jar");
    let jna = format!("{}:{}", utf8(&tools.jna_jar)?, utf8(&coroutines)?);
    sh::step(
        "bindings: kotlinc (generated bindings + Kotlin test)",
        || {
            let mut sources = Vec::new();
            kotlin_sources(&generated.kotlin, &mut sources)?;
            kotlin_sources(&root.join("mobile-bindings/tests/kotlin"), &mut sources)?;
            // The Android app's non-UI Kotlin (view models over the bindings) runs here too.
            let app_model = "android/app/src/main/java/org/kipochi/wallet/model";
            kotlin_sources(&root.join(app_model), &mut sources)?;
            let mut args = vec![
                "-cp",
                &jna,
                "-include-runtime",
                "-nowarn",
                "-d",
                utf8(&jar)?,
            ];
            for s in &sources {
                args.push(utf8(s)?);
            }
            sh::run(&tools.kotlinc, &args)
        },
    )?;
    let classpath = format!("{}:{jna}", utf8(&jar)?);
    let lib_path = format!("-Djna.library.path={}", utf8(&generated.lib_dir)?);
    sh::step("test: Kotlin bindings on the JVM", || {
        sh::run(
            "java",
            &[&lib_path, "-cp", &classpath, "kipochi.bindings.test.MainKt"],
        )
    })?;
    let hub = hub_binary(root)?;
    sh::step("test: Kotlin bindings against a live lab", || {
        let lab = Lab::start(&hub)?;
        let payer = lab.user("bluebank", "customer")?;
        let merchant = lab.user("greenwallet", "merchant")?;
        let agent = lab.user("bluebank", "agent")?;
        let env = [
            ("KIPOCHI_LAB_PAYER_HUB", lab.url("bluebank")?),
            ("KIPOCHI_LAB_PAYER_PHONE", payer.phone.as_str()),
            ("KIPOCHI_LAB_PAYER_PIN", payer.pin.as_str()),
            ("KIPOCHI_LAB_MERCHANT_HUB", lab.url("greenwallet")?),
            ("KIPOCHI_LAB_MERCHANT_PHONE", merchant.phone.as_str()),
            ("KIPOCHI_LAB_MERCHANT_PIN", merchant.pin.as_str()),
            ("KIPOCHI_LAB_AGENT_PHONE", agent.phone.as_str()),
            ("KIPOCHI_LAB_AGENT_PIN", agent.pin.as_str()),
        ];
        let args = [
            lib_path.as_str(),
            "-cp",
            &classpath,
            "kipochi.bindings.test.LabTestKt",
        ];
        // `lab` is dropped (stopped) on every path out of this closure.
        sh::run_in(None, "java", &args, &env)
    })?;
    sh::step("test: Python bindings smoke test", || {
        let script = root.join("mobile-bindings/tests/python/smoke.py");
        sh::run_in(
            Some(root),
            "python3",
            &[utf8(&script)?],
            &[("PYTHONPATH", utf8(&generated.python)?)],
        )
    })
}
