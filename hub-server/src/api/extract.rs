//! Extractors: the authenticated user, and JSON bodies whose rejections use our error shape.

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::auth::{Role, User};
use crate::error::Error;
use crate::http::AppState;

/// The user behind the request's `Authorization: Bearer <token>`.
pub struct CurrentUser(pub User);

impl CurrentUser {
    /// Refuses with 403 unless the user has one of `roles`.
    pub fn require(&self, roles: &[Role]) -> Result<&User, Error> {
        if roles.contains(&self.0.role) {
            Ok(&self.0)
        } else {
            Err(Error::Forbidden)
        }
    }
}

/// The bearer token of the request, if it carries one.
pub(crate) fn bearer(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let token = value.strip_prefix("Bearer ")?.trim();
    (!token.is_empty()).then(|| token.to_string())
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Error> {
        let token = bearer(&parts.headers).ok_or(Error::Unauthenticated)?;
        let (auth, now) = (state.auth.clone(), state.now());
        let user = super::blocking(move || auth.authenticate(&token, now)).await?;
        Ok(CurrentUser(user))
    }
}

/// `Json<T>` whose rejections (bad JSON, wrong content type, missing fields) answer with
/// 400 `invalid_request` in the API's error shape.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = Error;

    async fn from_request(req: Request, state: &S) -> Result<Self, Error> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(ApiJson(value)),
            Err(rejection) => Err(Error::InvalidRequest(describe(&rejection))),
        }
    }
}

fn describe(rejection: &JsonRejection) -> String {
    match rejection {
        JsonRejection::MissingJsonContentType(_) => {
            "expected Content-Type: application/json".into()
        }
        JsonRejection::JsonSyntaxError(_) => "body is not valid JSON".into(),
        // serde's message names the field and the expected type; it never echoes values.
        JsonRejection::JsonDataError(e) => {
            format!("body does not match the schema: {}", e.body_text())
        }
        _ => "unreadable request body".into(),
    }
}
