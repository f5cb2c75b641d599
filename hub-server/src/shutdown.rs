//! When a server process stops: Ctrl-C (SIGINT), SIGTERM, or — when supervised by the lab — its
//! stdin reaching end of file, which happens however the supervisor dies (even SIGKILL), so a
//! killed lab never leaves a switch or hub behind.

use tokio::io::AsyncReadExt;

/// Resolves when the process should shut down gracefully.
pub async fn signal(supervised: bool) {
    let parent_gone = async {
        if supervised {
            let mut stdin = tokio::io::stdin();
            let mut buf = [0u8; 64];
            while let Ok(n) = stdin.read(&mut buf).await {
                if n == 0 {
                    break;
                }
            }
        } else {
            std::future::pending::<()>().await;
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = terminate() => {}
        _ = parent_gone => tracing::info!("supervisor gone; stopping"),
    }
}

#[cfg(unix)]
async fn terminate() {
    match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(mut s) => {
            s.recv().await;
        }
        Err(_) => std::future::pending::<()>().await,
    }
}

#[cfg(not(unix))]
async fn terminate() {
    std::future::pending::<()>().await;
}
