//! Installs the tools the tests need, each only when missing, from the package registries:
//! the wasm32 target (rustup), wasm-bindgen-cli at the Cargo.lock version (cargo install),
//! Chromium, ChromeDriver and JNA (apt), binaryen's wasm-opt, the Kotlin compiler and
//! playwright-core (npm, `tools/`), and the Mojaloop Testing Toolkit (npm, `tests/ttk/`).

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

use crate::sh;

/// Where the provisioned tools are.
#[derive(Debug, Clone)]
pub struct Tools {
    pub wasm_bindgen: PathBuf,
    pub wasm_opt: PathBuf,
    pub kotlinc: PathBuf,
    pub kotlin_lib: PathBuf,
    pub chromium: PathBuf,
    pub chromedriver: PathBuf,
    pub jna_jar: PathBuf,
    pub ttk_dir: PathBuf,
}

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const JNA_JAR: &str = "/usr/share/java/jna.jar";
/// The JWS conformance test makes its RSA keys with the openssl command.
const OPENSSL: &str = "/usr/bin/openssl";

impl Tools {
    /// The tools' paths, without installing anything.
    pub fn locate(root: &Path) -> anyhow::Result<Self> {
        let npm_bin = root.join("tools/node_modules/.bin");
        let kotlin = root.join("tools/node_modules/kotlin-compiler");
        Ok(Self {
            wasm_bindgen: root.join(".tools/cargo/bin/wasm-bindgen"),
            wasm_opt: npm_bin.join("wasm-opt"),
            kotlinc: kotlin.join("bin/kotlinc"),
            kotlin_lib: kotlin.join("lib"),
            chromium: CHROMIUM.into(),
            chromedriver: CHROMEDRIVER.into(),
            jna_jar: JNA_JAR.into(),
            ttk_dir: root.join("tests/ttk"),
        })
    }
}

impl Tools {
    /// Fails with the list of tools that are not where the tests expect them.
    pub fn verify(&self) -> anyhow::Result<()> {
        let expected = [
            ("wasm-bindgen", &self.wasm_bindgen),
            ("wasm-opt", &self.wasm_opt),
            ("kotlinc", &self.kotlinc),
            (
                "kotlinx-coroutines",
                &self.kotlin_lib.join("kotlinx-coroutines-core-jvm.jar"),
            ),
            ("chromium", &self.chromium),
            ("chromedriver", &self.chromedriver),
            ("jna", &self.jna_jar),
            (
                "testing toolkit",
                &self
                    .ttk_dir
                    .join("node_modules/ml-testing-toolkit/package.json"),
            ),
        ];
        let missing: Vec<String> = expected
            .iter()
            .filter(|(_, path)| !path.exists())
            .map(|(name, path)| format!("{name} ({})", path.display()))
            .collect();
        if !missing.is_empty() {
            bail!("tools missing after provisioning: {}", missing.join(", "));
        }
        for (name, path) in expected {
            println!("    {name}: {}", path.display());
        }
        Ok(())
    }
}

/// Provisions everything `cargo xtask test` needs.
pub fn all(root: &Path) -> anyhow::Result<Tools> {
    wasm_target()?;
    wasm_bindgen_cli(root)?;
    apt_packages()?;
    npm_ci(
        root,
        "tools/",
        "npm tools (binaryen wasm-opt, kotlin-compiler, playwright-core)",
    )?;
    npm_ci(root, "tests/ttk/", "Mojaloop Testing Toolkit")?;
    let tools = Tools::locate(root)?;
    sh::step("provision: verify every tool is in place", || {
        tools.verify()
    })?;
    Ok(tools)
}

/// Provisions only what building the web bundle needs.
pub fn for_web(root: &Path) -> anyhow::Result<Tools> {
    wasm_target()?;
    wasm_bindgen_cli(root)?;
    npm_ci(
        root,
        "tools/",
        "npm tools (binaryen wasm-opt, kotlin-compiler, playwright-core)",
    )?;
    Tools::locate(root)
}

fn wasm_target() -> anyhow::Result<()> {
    sh::step("provision: rustup target wasm32-unknown-unknown", || {
        let installed =
            sh::output("rustup", &["target", "list", "--installed"]).unwrap_or_default();
        if installed
            .lines()
            .any(|l| l.trim() == "wasm32-unknown-unknown")
        {
            println!("    already installed");
            return Ok(());
        }
        sh::run("rustup", &["target", "add", "wasm32-unknown-unknown"])
    })
}

/// The version of the `wasm-bindgen` crate pinned in Cargo.lock: the CLI must match it exactly.
pub fn locked_wasm_bindgen_version(root: &Path) -> anyhow::Result<String> {
    let lock = std::fs::read_to_string(root.join("Cargo.lock")).context("Cargo.lock is missing")?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == "name = \"wasm-bindgen\"" {
            let version = lines.next().context("truncated Cargo.lock")?;
            if let Some(v) = version.trim().strip_prefix("version = \"") {
                return Ok(v.trim_end_matches('"').to_string());
            }
        }
    }
    bail!("wasm-bindgen is not in Cargo.lock")
}

fn wasm_bindgen_cli(root: &Path) -> anyhow::Result<()> {
    let version = locked_wasm_bindgen_version(root)?;
    sh::step(&format!("provision: wasm-bindgen-cli {version}"), || {
        let bin = root.join(".tools/cargo/bin/wasm-bindgen");
        let have = sh::output(&bin, &["--version"]).unwrap_or_default();
        if have.split_whitespace().nth(1) == Some(version.as_str()) {
            println!("    already installed: {}", have.trim());
            return Ok(());
        }
        // Not `--locked`: the CLI's published lock names a crate version the registry lacks.
        let root_dir = root.join(".tools/cargo");
        sh::run(
            "cargo",
            &[
                "install",
                "wasm-bindgen-cli",
                "--version",
                &version,
                "--root",
                root_dir.to_str().context("non-UTF-8 path")?,
            ],
        )
    })
}

fn apt_packages() -> anyhow::Result<()> {
    sh::step(
        "provision: apt chromium chromium-driver libjna-java openssl",
        || {
            let missing: Vec<&str> = [
                (CHROMIUM, "chromium"),
                (CHROMEDRIVER, "chromium-driver"),
                (JNA_JAR, "libjna-java"),
                (OPENSSL, "openssl"),
            ]
            .iter()
            .filter(|(path, _)| !Path::new(path).exists())
            .map(|(_, pkg)| *pkg)
            .collect();
            if missing.is_empty() {
                println!("    already installed");
                return Ok(());
            }
            let is_root = sh::output("id", &["-u"]).is_some_and(|u| u.trim() == "0");
            if !is_root {
                bail!(
                    "missing Debian packages {missing:?}; run as root: \
                 apt-get update && apt-get install -y {}",
                    missing.join(" ")
                );
            }
            let env = [("DEBIAN_FRONTEND", "noninteractive")];
            sh::run_in(None, "apt-get", &["update", "-q"], &env)?;
            let mut args = vec!["install", "-y", "-q"];
            args.extend(missing.iter().copied());
            sh::run_in(None, "apt-get", &args, &env)
        },
    )
}

/// `npm ci` in `dir` unless its node_modules was installed from the same lock file.
fn npm_ci(root: &Path, dir: &str, what: &str) -> anyhow::Result<()> {
    sh::step(&format!("provision: {what}"), || {
        let dir = root.join(dir);
        let lock = std::fs::read(dir.join("package-lock.json"))
            .with_context(|| format!("{} has no package-lock.json", dir.display()))?;
        let stamp = dir.join("node_modules/.kipochi-installed-lock.json");
        if std::fs::read(&stamp).is_ok_and(|s| s == lock) {
            println!("    already installed from this package-lock.json");
            return Ok(());
        }
        sh::run_in(Some(&dir), "npm", &["ci", "--no-audit", "--no-fund"], &[])?;
        std::fs::write(&stamp, &lock)?;
        Ok(())
    })
}
