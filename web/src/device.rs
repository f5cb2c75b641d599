//! The browser's device key: an Ed25519 seed kept in `localStorage` (the web has no keystore, so
//! the UI warns about it), registered with the hub once per user.

use kipochi_core::client::{ClientError, HubClient};
use kipochi_core::keys::{DeviceKey, KeyError, SecureStorage};
use zeroize::Zeroizing;

/// Prefix of the per-user "this device is registered" marker.
const REGISTERED_PREFIX: &str = "kipochi.device_registered.";

/// [`SecureStorage`] over the page's `localStorage` (hex-encoded values).
///
/// Not a secure enclave: anyone with access to this browser profile can read the key. The PIN
/// is still required for every payment, and the key never leaves the browser.
pub struct BrowserStorage;

fn local() -> Result<web_sys::Storage, KeyError> {
    web_sys::window()
        .and_then(|w| w.local_storage().ok().flatten())
        .ok_or_else(|| KeyError::Storage("browser storage is not available".into()))
}

fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn from_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

impl SecureStorage for BrowserStorage {
    fn get(&self, key: &str) -> Result<Option<Zeroizing<Vec<u8>>>, KeyError> {
        let value = local()?
            .get_item(key)
            .map_err(|_| KeyError::Storage("browser storage read failed".into()))?;
        match value {
            None => Ok(None),
            Some(text) => from_hex(&Zeroizing::new(text))
                .map(|v| Some(Zeroizing::new(v)))
                .ok_or_else(|| KeyError::Storage("stored device key is corrupt".into())),
        }
    }

    fn put(&self, key: &str, value: &[u8]) -> Result<(), KeyError> {
        let hex = Zeroizing::new(to_hex(value));
        local()?
            .set_item(key, &hex)
            .map_err(|_| KeyError::Storage("browser storage write failed".into()))
    }

    fn delete(&self, key: &str) -> Result<(), KeyError> {
        local()?
            .remove_item(key)
            .map_err(|_| KeyError::Storage("browser storage delete failed".into()))
    }
}

/// This browser's device key, generated and stored on first use.
pub fn device_key() -> Result<DeviceKey, ClientError> {
    DeviceKey::load_or_create(&BrowserStorage)
        .map_err(|e| ClientError::InvalidInput(format!("device key: {e}")))
}

/// Registers this browser's key for `user_id` unless it already was (the hub's registration is
/// idempotent per user and key, so a lost marker only costs one extra call).
pub async fn ensure_registered(hub: &HubClient, user_id: &str) -> Result<(), ClientError> {
    let key = device_key()?;
    let marker = format!("{REGISTERED_PREFIX}{user_id}");
    let storage = local().map_err(|e| ClientError::InvalidInput(e.to_string()))?;
    if storage.get_item(&marker).ok().flatten().as_deref() == Some(key.device_id().as_str()) {
        return Ok(());
    }
    hub.register_device(&key, "Web browser").await?;
    // A failed marker write only means registering again next time.
    let _ = storage.set_item(&marker, &key.device_id());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{from_hex, to_hex};

    #[wasm_bindgen_test::wasm_bindgen_test]
    fn hex_round_trips_and_rejects_garbage() {
        let bytes = [0u8, 1, 0xab, 0xff];
        assert_eq!(to_hex(&bytes), "0001abff");
        assert_eq!(from_hex("0001abff").as_deref(), Some(&bytes[..]));
        assert_eq!(from_hex("abc"), None);
        assert_eq!(from_hex("zz"), None);
    }
}
