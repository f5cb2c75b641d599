//! Device registration: the ed25519 keys that sign payment approvals.

use axum::Json;
use axum::extract::State;
use kipochi_core::api::{Device, RegisterDeviceRequest};

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
pub(super) async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Json<Vec<Device>>> {
    let (devices, user_id) = (state.devices.clone(), user.0.id.to_string());
    let list = blocking(move || devices.for_user(&user_id)).await?;
    Ok(Json(list.into_iter().map(device).collect()))
}
