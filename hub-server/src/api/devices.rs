//! Device registration: the ed25519 keys that sign payment approvals.

use axum::Json;
use axum::extract::State;
use kipochi_core::api::{ApiError, Device, RegisterDeviceRequest};

use super::doc::{ServerError, Unauthenticated};
use super::{ApiJson, CurrentUser, blocking};
use crate::devices::DeviceRecord;
use crate::error::Result;
use crate::http::AppState;

fn device(d: DeviceRecord) -> Device {
    Device {
        device_id: d.device_id,
        label: d.label,
        created_at: d.created_at,
    }
}

/// `POST /api/v1/devices`: idempotent for the same key and user; another user's key is 409.
#[utoipa::path(
    post,
    path = "/api/v1/devices",
    operation_id = "register_device",
    tag = "customer",
    summary = "Register the device's approval key",
    description = "Registers the ed25519 public key that signs this user's payment approvals. \
Registering the same key again returns the same device.",
    security(("bearer" = [])),
    request_body = RegisterDeviceRequest,
    responses(
        (status = 200, description = "The registered device (`device_id` is derived from the key).", body = Device),
        (status = 400, description = "`invalid_request`: malformed body, or `public_key` is not a base64url ed25519 key.", body = ApiError),
        (status = 401, response = Unauthenticated),
        (status = 409, description = "`already_exists`: the key is registered to another user.", body = ApiError),
        (status = 500, response = ServerError),
    )
)]
pub(super) async fn register(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(req): ApiJson<RegisterDeviceRequest>,
) -> Result<Json<Device>> {
    let (devices, now, user_id) = (state.devices.clone(), state.now(), user.0.id.to_string());
    let d = blocking(move || devices.register(&user_id, &req.public_key, &req.label, now)).await?;
    Ok(Json(device(d)))
}

/// `GET /api/v1/devices`: the caller's devices, oldest first.
#[utoipa::path(
    get,
    path = "/api/v1/devices",
    operation_id = "list_devices",
    tag = "customer",
    summary = "The caller's devices, oldest first",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The caller's registered devices.", body = Vec<Device>),
        (status = 401, response = Unauthenticated),
        (status = 500, response = ServerError),
    )
)]
pub(super) async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Json<Vec<Device>>> {
    let (devices, user_id) = (state.devices.clone(), user.0.id.to_string());
    let list = blocking(move || devices.for_user(&user_id)).await?;
    Ok(Json(list.into_iter().map(device).collect()))
}
