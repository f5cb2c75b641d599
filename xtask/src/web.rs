//! `cargo xtask web`: the web bundles, without trunk or cargo-leptos.
//!
//! For each bundle: cargo (wasm32, `wasm-release` profile, the bundle's feature) → wasm-bindgen
//! `--target web` → npm binaryen `wasm-opt -Oz` → `dist/web/pkg`. Two bundles from the one
//! crate, so each person downloads only their screens: the wallet (`index.html`: customers and
//! merchants), the staff app (`staff.html`: agents and admins), and the QR reader the wallet
//! fetches on first scan (`pkg/kipochi_scan.js`). The hub serves `dist/web`.

use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::provision::Tools;
use crate::sh;

/// The bundles: (cargo feature, output name). The wallet loads the scanner on first scan.
const BUNDLES: [(&str, &str); 3] = [
    ("wallet", "kipochi_web"),
    ("staff", "kipochi_staff"),
    ("scanner", "kipochi_scan"),
];

/// Each bundle's budget, gzip -9 of wasm + JS.
const BUDGET_GZIP: usize = 400 * 1024;

/// Builds the bundles and returns the `dist/web` folder.
pub fn build(root: &Path, tools: &Tools) -> anyhow::Result<PathBuf> {
    let dist = root.join("dist/web");
    let pkg = dist.join("pkg");
    if dist.exists() {
        std::fs::remove_dir_all(&dist)?;
    }
    std::fs::create_dir_all(&pkg)?;
    let wasm = crate::bindings::target_dir(root)
        .join("wasm32-unknown-unknown/wasm-release/kipochi-web.wasm");
    let mut over = Vec::new();
    for (feature, name) in BUNDLES {
        sh::step(
            &format!("web: cargo build {feature} (wasm32, wasm-release)"),
            || {
                sh::run(
                    "cargo",
                    &[
                        "build",
                        "-p",
                        "kipochi-web",
                        "--target",
                        "wasm32-unknown-unknown",
                        "--profile",
                        "wasm-release",
                        "--no-default-features",
                        "--features",
                        feature,
                    ],
                )
            },
        )?;
        sh::step(&format!("web: wasm-bindgen {name}"), || {
            sh::run(
                &tools.wasm_bindgen,
                &[
                    "--target",
                    "web",
                    "--no-typescript",
                    "--out-name",
                    name,
                    "--out-dir",
                    pkg.to_str().context("non-UTF-8 path")?,
                    wasm.to_str().context("non-UTF-8 path")?,
                ],
            )
        })?;
        let bg = pkg.join(format!("{name}_bg.wasm"));
        sh::step(
            &format!("web: wasm-opt -Oz {name} (binaryen from npm)"),
            || {
                let path = bg.to_str().context("non-UTF-8 path")?;
                sh::run(&tools.wasm_opt, &["-Oz", path, "-o", path])
            },
        )?;
        let js = pkg.join(format!("{name}.js"));
        let (wasm_raw, wasm_gz) = (file_size(&bg)?, gzip_size(&bg)?);
        let (js_raw, js_gz) = (file_size(&js)?, gzip_size(&js)?);
        let total = wasm_gz + js_gz;
        println!(
            "    bundle {feature}: wasm {wasm_raw} B ({wasm_gz} B gzip), js {js_raw} B \
             ({js_gz} B gzip), total gzip {total} B (budget {BUDGET_GZIP} B)"
        );
        if total > BUDGET_GZIP {
            over.push(format!("{feature}: {total} B"));
        }
    }
    for entry in std::fs::read_dir(root.join("web/static"))? {
        let entry = entry?;
        std::fs::copy(entry.path(), dist.join(entry.file_name()))?;
    }
    println!("    → {}", dist.display());
    if !over.is_empty() {
        anyhow::bail!(
            "web bundle over its {BUDGET_GZIP} B gzip budget: {}",
            over.join(", ")
        );
    }
    Ok(dist)
}

fn file_size(path: &Path) -> anyhow::Result<u64> {
    Ok(std::fs::metadata(path)?.len())
}

fn gzip_size(path: &Path) -> anyhow::Result<usize> {
    let out = std::process::Command::new("gzip")
        .args(["-9", "-c"])
        .arg(path)
        .output()
        .context("gzip is needed to report the bundle size")?;
    Ok(out.stdout.len())
}
