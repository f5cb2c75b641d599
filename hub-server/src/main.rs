//! The `kipochi-hub` command line.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};
use kipochi_hub::{AppState, app};

/// Kipochi payment hub: bridges a provider's accounts to a Mojaloop switch.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the hub's HTTP surface (health probes and the web wallet bundle).
    Serve {
        /// Address to listen on for the wallet-facing API.
        #[arg(long, env = "KIPOCHI_LISTEN", default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
        /// Folder with the built web bundle (`cargo xtask web` writes `dist/web`).
        #[arg(long, env = "KIPOCHI_WEB_DIR")]
        web_dir: Option<PathBuf>,
        /// Folder for the hub's databases (created if missing).
        #[arg(long, env = "KIPOCHI_DATA_DIR", default_value = "data")]
        data_dir: PathBuf,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    match Cli::parse().command {
        Command::Serve {
            listen,
            web_dir,
            data_dir,
        } => {
            let state = AppState::open(&data_dir, web_dir)
                .with_context(|| format!("cannot open the hub data in {}", data_dir.display()))?;
            let listener = tokio::net::TcpListener::bind(listen)
                .await
                .with_context(|| format!("cannot listen on {listen}"))?;
            let local = listener.local_addr()?;
            tracing::info!(%local, "kipochi-hub listening");
            // Machine-readable line for supervisors and tests that bind port 0.
            println!("listening on http://{local}");
            axum::serve(listener, app(state))
                .with_graceful_shutdown(async {
                    let _ = tokio::signal::ctrl_c().await;
                })
                .await?;
        }
    }
    Ok(())
}
