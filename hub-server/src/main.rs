//! The `kipochi-hub` command line.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};
use kipochi_hub::config::{Config, LogFormat};
use kipochi_hub::{AppState, app};

/// Kipochi payment hub: bridges a provider's accounts to a Mojaloop switch.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Stop when stdin closes (set by `kipochi-hub lab` for its children).
    #[arg(long, global = true, hide = true)]
    supervised: bool,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run one DFSP's hub: the wallet API (/api/v1), health probes and the web bundle.
    ///
    /// Settings come from the TOML file given with --config, then KIPOCHI_* environment
    /// variables (KIPOCHI_API__LISTEN overrides [api] listen), then the flags below.
    /// See docs/config.md for every key.
    Serve {
        /// TOML configuration file.
        #[arg(long)]
        config: Option<PathBuf>,
        /// Address for the wallet-facing API (overrides [api] listen).
        #[arg(long)]
        listen: Option<SocketAddr>,
        /// Folder with the built web bundle (overrides [api] web_dir).
        #[arg(long)]
        web_dir: Option<PathBuf>,
        /// Folder for the hub's databases (overrides [hub] data_dir).
        #[arg(long)]
        data_dir: Option<PathBuf>,
        /// TOML file of demo users to create at start if missing (`[[users]]` with phone, name,
        /// role, pin, balance, till); their aliases are registered with the switch.
        #[arg(long)]
        seed: Option<PathBuf>,
    },
    /// Run the lab: the switch and two DFSP hubs (bluebank, greenwallet, TZS) with demo users.
    ///
    /// Prints the URLs and demo logins once everything listens; Ctrl-C stops it all. The data
    /// folder is reused on the next run (demo users are created once); --reset starts fresh.
    Lab {
        /// Folder for the lab's configuration, databases and logs.
        #[arg(long, default_value = "lab-data")]
        data_dir: PathBuf,
        /// Delete the data folder first.
        #[arg(long)]
        reset: bool,
        /// Switch on this port, bluebank on +1 (FSPIOP +11), greenwallet on +2 (FSPIOP +12);
        /// 0 lets the OS pick free ports.
        #[arg(long, default_value_t = 4000)]
        base_port: u16,
        /// Built web bundle (cargo xtask web) served by both hubs at /.
        #[arg(long)]
        web_dir: Option<PathBuf>,
        /// Only write the configuration files (to start each process yourself).
        #[arg(long)]
        prepare: bool,
        /// Keep greenwallet's accounts in a Fineract double (`kipochi-hub fineract-double`, on
        /// base port +20) instead of the embedded ledger.
        #[arg(long)]
        fineract_double: bool,
    },
    /// Run the lab's Mojaloop-compatible switch (docs/switch.md).
    Switch {
        /// TOML configuration file of the switch.
        #[arg(long)]
        config: PathBuf,
    },
    /// Run a test/demo double of Fineract's interoperation + savings API (never for production).
    ///
    /// NOT Apache Fineract: one tenant (`kipochi`) with fixed credentials (`hub` / `password`),
    /// for tests and the lab's demo only. Serves the endpoints the hub's Fineract adapter calls, with Fineract's shapes and quirks
    /// (docs/fineract.md), under /fineract-provider/api/v1. Savings products: 1 TZS wallet,
    /// 2 TZS, 3 USD; payment types 1 cash, 2 "Money Transfer". `kipochi-hub lab
    /// --fineract-double` runs one for greenwallet.
    FineractDouble {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8443")]
        listen: SocketAddr,
        /// JSON file the books are kept in (loaded at start, saved after every write); without
        /// it they live in memory only.
        #[arg(long)]
        state: Option<PathBuf>,
    },
    /// Check a configuration file and print the effective settings (secrets redacted).
    CheckConfig {
        /// TOML configuration file.
        #[arg(long)]
        config: Option<PathBuf>,
    },
}

fn init_logging(config: &Config) {
    let filter = tracing_subscriber::EnvFilter::try_new(&config.log.filter)
        .unwrap_or_else(|_| "info".into());
    // Colours only on a terminal: the lab writes each process's log to a file.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(ansi)
        .with_writer(std::io::stderr);
    match config.log.format {
        LogFormat::Json => builder.json().init(),
        LogFormat::Text => builder.init(),
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let stop = kipochi_hub::shutdown::signal(cli.supervised);
    match cli.command {
        Command::Serve {
            config,
            listen,
            web_dir,
            data_dir,
            seed,
        } => {
            let mut config = Config::load(config.as_deref())?;
            if let Some(listen) = listen {
                config.api.listen = listen;
            }
            if let Some(web_dir) = web_dir {
                config.api.web_dir = Some(web_dir);
            }
            if let Some(data_dir) = data_dir {
                config.hub.data_dir = data_dir;
            }
            init_logging(&config);
            serve(config, seed, stop).await
        }
        Command::Lab {
            data_dir,
            reset,
            base_port,
            web_dir,
            prepare,
            fineract_double,
        } => {
            kipochi_hub::lab::run(kipochi_hub::lab::LabOptions {
                data_dir,
                reset,
                base_port,
                web_dir,
                prepare_only: prepare,
                fineract_double,
            })
            .await
        }
        Command::FineractDouble { listen, state } => {
            init_logging(&Config::default());
            Ok(kipochi_hub::fineract_double::run(listen, state.as_deref(), stop).await?)
        }
        Command::Switch { config } => Ok(kipochi_hub::switch::run_from_file(&config, stop).await?),
        Command::CheckConfig { config } => {
            let config = Config::load(config.as_deref())?;
            println!("{}", toml::to_string_pretty(&config)?);
            Ok(())
        }
    }
}

async fn serve(
    config: Config,
    seed: Option<PathBuf>,
    stop: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let data_dir = &config.hub.data_dir;
    let state = AppState::open(&config, data_dir)
        .with_context(|| format!("cannot open the hub data in {}", data_dir.display()))?;
    // With a switch: the FSPIOP listener (payee role and callbacks) and the switch client.
    let (state, fspiop) = match &config.fspiop {
        Some(section) => {
            let connected =
                kipochi_hub::dfsp::connect(section, &config.hub.fsp_id, state, data_dir)
                    .context("cannot set up the switch connection")?;
            let listener = tokio::net::TcpListener::bind(section.listen)
                .await
                .with_context(|| format!("cannot listen on {} (fspiop)", section.listen))?;
            let local = listener.local_addr()?;
            tracing::info!(%local, switch = %section.switch_url, "FSPIOP listening");
            println!("fspiop listening on http://{local}");
            let server = axum::serve(listener, connected.router);
            (
                connected.state,
                Some(tokio::spawn(async move { server.await })),
            )
        }
        None => (state, None),
    };
    if let Some(file) = seed {
        let n = kipochi_hub::lab::seed::seed_file(&file, &state)
            .await
            .with_context(|| format!("cannot seed the users of {}", file.display()))?;
        tracing::info!(users = n, "demo users ready");
    }
    // Unfinished payments are driven to a terminal state now and then every 30 s.
    let recovery = tokio::spawn(kipochi_hub::orchestrator::recovery::run(
        state.clone(),
        std::time::Duration::from_secs(config.hub.recovery_interval_secs),
    ));

    let listen = config.api.listen;
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen}"))?;
    let local = listener.local_addr()?;
    tracing::info!(%local, fsp_id = %config.hub.fsp_id, "kipochi-hub listening");
    // Machine-readable line for supervisors and tests that bind port 0.
    println!("listening on http://{local}");
    axum::serve(listener, app(state))
        .with_graceful_shutdown(stop)
        .await?;
    recovery.abort();
    if let Some(f) = fspiop {
        f.abort();
    }
    Ok(())
}
