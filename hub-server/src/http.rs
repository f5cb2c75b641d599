//! The wallet-facing HTTP surface: health probes and the web bundle.

use std::path::PathBuf;

use axum::{Json, Router, routing::get};
use serde_json::json;
use tower_http::services::{ServeDir, ServeFile};

/// What the HTTP layer needs to answer requests.
#[derive(Clone, Debug, Default)]
pub struct AppState {
    /// Folder holding the built web bundle (`cargo xtask web`), served at `/` when present.
    pub web_dir: Option<PathBuf>,
}

/// Builds the router for `state`. No socket is involved, so tests call it with `tower::ServiceExt`.
pub fn app(state: AppState) -> Router {
    let router = Router::new().route("/healthz", get(healthz));
    match state.web_dir {
        Some(dir) => {
            let index = dir.join("index.html");
            router.fallback_service(ServeDir::new(dir).fallback(ServeFile::new(index)))
        }
        None => router,
    }
}

async fn healthz() -> Json<serde_json::Value> {
    Json(json!({ "status": "ok", "version": env!("CARGO_PKG_VERSION") }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::http::{Request, StatusCode};
    use http_body_util::BodyExt;
    use tower::ServiceExt;

    #[tokio::test]
    async fn healthz_answers_ok_with_version() {
        let response = app(AppState::default())
            .oneshot(Request::get("/healthz").body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let body = response.into_body().collect().await.unwrap().to_bytes();
        let value: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(value["status"], "ok");
        assert_eq!(value["version"], env!("CARGO_PKG_VERSION"));
    }

    #[tokio::test]
    async fn unknown_path_without_web_bundle_is_404() {
        let response = app(AppState::default())
            .oneshot(Request::get("/nope").body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
    }

    #[tokio::test]
    async fn web_bundle_is_served_with_spa_fallback() {
        let dir = std::env::temp_dir().join(format!("kipochi-web-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("index.html"), "<html>kipochi</html>").unwrap();
        let state = AppState {
            web_dir: Some(dir.clone()),
        };
        for path in ["/", "/pay/confirm"] {
            let response = app(state.clone())
                .oneshot(Request::get(path).body(Body::empty()).unwrap())
                .await
                .unwrap();
            assert_eq!(response.status(), StatusCode::OK, "{path}");
            let body = response.into_body().collect().await.unwrap().to_bytes();
            assert_eq!(&body[..], b"<html>kipochi</html>");
        }
        std::fs::remove_dir_all(dir).unwrap();
    }
}
