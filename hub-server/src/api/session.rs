//! Login, activation, logout and the caller's profile.

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::http::StatusCode;
use kipochi_core::api::{ActivateRequest, ApiError, LoginRequest, LoginResponse, Profile};

use super::doc::{BadRequest, ServerError, TooManyAttempts, Unauthenticated};
use super::{ApiJson, CurrentUser, blocking};
use crate::auth::User;
use crate::error::{Error, Result};
use crate::http::AppState;

/// The API view of a user.
pub(crate) fn profile(user: &User) -> Profile {
    Profile {
        user_id: user.id.to_string(),
        phone: user.phone.clone(),
        display_name: user.display_name.clone(),
        role: user.role,
        kyc_tier: user.kyc_tier,
    }
}

/// `POST /api/v1/auth/login`: phone number + PIN → a short-lived bearer token.
#[utoipa::path(
    post,
    path = "/api/v1/auth/login",
    tag = "session",
    summary = "Log in with phone number and PIN",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Logged in: the bearer token and the profile.", body = LoginResponse),
        (status = 400, response = BadRequest),
        (status = 401, description = "`bad_credentials`: wrong phone number or PIN (counts toward the lockout).", body = ApiError),
        (status = 429, response = TooManyAttempts),
        (status = 500, response = ServerError),
    )
)]
pub(super) async fn login(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<LoginRequest>,
) -> Result<Json<LoginResponse>> {
    let (auth, now) = (state.auth.clone(), state.now());
    let (user, session) = blocking(move || auth.login(&req.phone, &req.pin, now)).await?;
    Ok(Json(LoginResponse {
        token: session.token,
        expires_at: session.expires_at,
        profile: profile(&user),
    }))
}

/// `POST /api/v1/auth/activate`: set the first PIN with the activation code the agent handed out.
#[utoipa::path(
    post,
    path = "/api/v1/auth/activate",
    tag = "session",
    summary = "Set the first PIN with an activation code",
    request_body = ActivateRequest,
    responses(
        (status = 200, description = "Activated: the user's profile; log in next.", body = Profile),
        (status = 400, description = "`invalid_request`: malformed body or a PIN too weak.", body = ApiError),
        (status = 401, description = "`bad_credentials`: unknown phone number, wrong or expired code.", body = ApiError),
        (status = 429, response = TooManyAttempts),
        (status = 500, response = ServerError),
    )
)]
pub(super) async fn activate(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<ActivateRequest>,
) -> Result<Json<Profile>> {
    let (auth, now) = (state.auth.clone(), state.now());
    let user =
        blocking(move || auth.activate(&req.phone, &req.activation_code, &req.pin, now)).await?;
    Ok(Json(profile(&user)))
}

/// `POST /api/v1/auth/logout`: ends the session of the bearer token.
#[utoipa::path(
    post,
    path = "/api/v1/auth/logout",
    tag = "session",
    summary = "End the session",
    security(("bearer" = [])),
    responses(
        (status = 204, description = "The token no longer works."),
        (status = 401, response = Unauthenticated),
        (status = 500, response = ServerError),
    )
)]
pub(super) async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<StatusCode> {
    let token = super::extract::bearer(&headers).ok_or(Error::Unauthenticated)?;
    let auth = state.auth.clone();
    blocking(move || auth.logout(&token)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/v1/me`: the caller's profile.
#[utoipa::path(
    get,
    path = "/api/v1/me",
    tag = "session",
    summary = "The caller's profile",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The caller's profile.", body = Profile),
        (status = 401, response = Unauthenticated),
        (status = 500, response = ServerError),
    )
)]
pub(super) async fn me(user: CurrentUser) -> Json<Profile> {
    Json(profile(&user.0))
}
