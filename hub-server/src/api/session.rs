//! Login, activation, logout and the caller's profile.

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::http::StatusCode;
use kipochi_core::api::{ActivateRequest, LoginRequest, LoginResponse, Profile};

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

pub(super) async fn activate(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<ActivateRequest>,
) -> Result<Json<Profile>> {
    let (auth, now) = (state.auth.clone(), state.now());
    let user =
        blocking(move || auth.activate(&req.phone, &req.activation_code, &req.pin, now)).await?;
    Ok(Json(profile(&user)))
}

pub(super) async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<StatusCode> {
    let token = super::extract::bearer(&headers).ok_or(Error::Unauthenticated)?;
    let auth = state.auth.clone();
    blocking(move || auth.logout(&token)).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub(super) async fn me(user: CurrentUser) -> Json<Profile> {
    Json(profile(&user.0))
}
