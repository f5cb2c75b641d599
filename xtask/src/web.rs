//! `cargo xtask web`: the Leptos bundle, without trunk or cargo-leptos.
//!
//! cargo (wasm32, `wasm-release` profile) → wasm-bindgen `--target web` → npm binaryen
//! `wasm-opt -Oz` → `dist/web` with `index.html` and the stylesheet. The hub serves that folder.

use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::provision::Tools;
use crate::sh;

/// Builds the bundle and returns the `dist/web` folder.
pub fn build(root: &Path, tools: &Tools) -> anyhow::Result<PathBuf> {
    let dist = root.join("dist/web");
    let pkg = dist.join("pkg");
    sh::step("web: cargo build (wasm32, wasm-release)", || {
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
            ],
        )
    })?;
    let wasm = crate::bindings::target_dir(root)
        .join("wasm32-unknown-unknown/wasm-release/kipochi-web.wasm");
    sh::step("web: wasm-bindgen --target web", || {
        if dist.exists() {
            std::fs::remove_dir_all(&dist)?;
        }
        std::fs::create_dir_all(&pkg)?;
        sh::run(
            &tools.wasm_bindgen,
            &[
                "--target",
                "web",
                "--no-typescript",
                "--out-name",
                "kipochi_web",
                "--out-dir",
                pkg.to_str().context("non-UTF-8 path")?,
                wasm.to_str().context("non-UTF-8 path")?,
            ],
        )
    })?;
    let bg = pkg.join("kipochi_web_bg.wasm");
    sh::step("web: wasm-opt -Oz (binaryen from npm)", || {
        let path = bg.to_str().context("non-UTF-8 path")?;
        sh::run(&tools.wasm_opt, &["-Oz", path, "-o", path])
    })?;
    for entry in std::fs::read_dir(root.join("web/static"))? {
        let entry = entry?;
        std::fs::copy(entry.path(), dist.join(entry.file_name()))?;
    }
    let js = pkg.join("kipochi_web.js");
    let (wasm_raw, wasm_gz) = (file_size(&bg)?, gzip_size(&bg)?);
    let (js_raw, js_gz) = (file_size(&js)?, gzip_size(&js)?);
    println!(
        "    bundle: wasm {wasm_raw} B ({wasm_gz} B gzip), js {js_raw} B ({js_gz} B gzip), \
         total gzip {} B → {}",
        wasm_gz + js_gz,
        dist.display()
    );
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
