//! The device key over the app's secure storage, and approval signing.
//!
//! The app implements [`SecureStorage`] (Android: bytes sealed by a Keystore key; iOS: a Keychain
//! item); the core creates, stores and reloads the Ed25519 key through it. The private key never
//! crosses the FFI except into that storage.

use std::sync::Arc;

use kipochi_core::approval::{self, ApprovalTerms, SignedApproval};
use kipochi_core::keys::{self as core_keys, KeyError, PublicKey};
use zeroize::Zeroizing;

use crate::FfiError;

/// Secret byte storage the app provides. Must be durable (a `put` that returned survives a
/// restart) and must never log values. Throwing an `FfiException` (or any exception) fails the
/// operation that needed the storage; nothing is half-written by the core.
#[uniffi::export(with_foreign)]
pub trait SecureStorage: Send + Sync {
    /// The bytes stored under `key`, if any.
    fn get(&self, key: String) -> Result<Option<Vec<u8>>, FfiError>;
    /// Stores `value` under `key`, replacing any previous value.
    fn put(&self, key: String, value: Vec<u8>) -> Result<(), FfiError>;
    /// Removes `key`; removing a missing key is not an error.
    fn delete(&self, key: String) -> Result<(), FfiError>;
}

/// Adapts the foreign storage to the core's trait. Foreign errors keep only their code: their
/// text comes from app code and is not trusted to be free of secrets.
struct StorageBridge(Arc<dyn SecureStorage>);

fn storage_error(e: FfiError) -> KeyError {
    KeyError::Storage(format!("platform storage error {}", e.code()))
}

impl core_keys::SecureStorage for StorageBridge {
    fn get(&self, key: &str) -> Result<Option<Zeroizing<Vec<u8>>>, KeyError> {
        Ok(self
            .0
            .get(key.to_string())
            .map_err(storage_error)?
            .map(Zeroizing::new))
    }

    fn put(&self, key: &str, value: &[u8]) -> Result<(), KeyError> {
        self.0
            .put(key.to_string(), value.to_vec())
            .map_err(storage_error)
    }

    fn delete(&self, key: &str) -> Result<(), KeyError> {
        self.0.delete(key.to_string()).map_err(storage_error)
    }
}

/// This device's signing key (Ed25519), kept in the app's [`SecureStorage`].
#[derive(Debug, uniffi::Object)]
pub struct DeviceKey(pub(crate) core_keys::DeviceKey);

#[uniffi::export]
impl DeviceKey {
    /// Loads the device key, or makes one on first run and stores it (read back before use).
    #[uniffi::constructor]
    pub fn load_or_create(storage: Arc<dyn SecureStorage>) -> Result<Arc<Self>, FfiError> {
        let key = core_keys::DeviceKey::load_or_create(&StorageBridge(storage))?;
        Ok(Arc::new(Self(key)))
    }

    /// The public key to register with the hub (unpadded base64url, 43 characters).
    pub fn public_key(&self) -> String {
        self.0.public_key().to_base64url()
    }

    /// This device's id (derived from the public key; 22 characters).
    pub fn device_id(&self) -> String {
        self.0.device_id()
    }

    /// Signs the approval `terms` the hub returned with a quote. The terms must name this device.
    pub fn sign_approval(&self, terms: ApprovalTerms) -> Result<SignedApproval, FfiError> {
        Ok(approval::sign(&terms, &self.0)?)
    }
}

/// The stored device key, or `None` if this device has none yet.
#[uniffi::export]
pub fn load_device_key(
    storage: Arc<dyn SecureStorage>,
) -> Result<Option<Arc<DeviceKey>>, FfiError> {
    let key = core_keys::DeviceKey::load(&StorageBridge(storage))?;
    Ok(key.map(|k| Arc::new(DeviceKey(k))))
}

/// Deletes the stored device key (device reset, or logout from this device).
#[uniffi::export]
pub fn delete_device_key(storage: Arc<dyn SecureStorage>) -> Result<(), FfiError> {
    Ok(core_keys::DeviceKey::delete(&StorageBridge(storage))?)
}

/// Checks `signature` over `terms` under `public_key` (base64url), as the hub does.
#[uniffi::export]
pub fn verify_approval(
    terms: ApprovalTerms,
    public_key: String,
    signature: String,
) -> Result<(), FfiError> {
    let key = PublicKey::from_base64url(&public_key)?;
    Ok(approval::verify(&terms, &key, &signature)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;
    use std::sync::Mutex;

    #[derive(Default)]
    struct MapStorage(Mutex<HashMap<String, Vec<u8>>>);

    impl SecureStorage for MapStorage {
        fn get(&self, key: String) -> Result<Option<Vec<u8>>, FfiError> {
            Ok(self.0.lock().unwrap().get(&key).cloned())
        }
        fn put(&self, key: String, value: Vec<u8>) -> Result<(), FfiError> {
            self.0.lock().unwrap().insert(key, value);
            Ok(())
        }
        fn delete(&self, key: String) -> Result<(), FfiError> {
            self.0.lock().unwrap().remove(&key);
            Ok(())
        }
    }

    struct BrokenStorage;

    impl SecureStorage for BrokenStorage {
        fn get(&self, _: String) -> Result<Option<Vec<u8>>, FfiError> {
            Err(FfiError::Platform {
                code: "keystore_locked".into(),
                detail: "secret 1234".into(),
            })
        }
        fn put(&self, _: String, _: Vec<u8>) -> Result<(), FfiError> {
            Ok(())
        }
        fn delete(&self, _: String) -> Result<(), FfiError> {
            Ok(())
        }
    }

    fn terms(device_id: String) -> ApprovalTerms {
        ApprovalTerms {
            payment_id: "0b6f6c1e-5d0e-4c43-9a39-3f7d2f0d6a11".into(),
            payee: approval::Payee {
                id_type: "BUSINESS".into(),
                id: "till-1234".into(),
                name: "Mama Lishe".into(),
            },
            amount: "2500".into(),
            currency: "TZS".into(),
            fee: "25".into(),
            total: "2525".into(),
            expiry: "2026-12-02T06:00:00Z".into(),
            nonce: "n-1".into(),
            device_id,
        }
    }

    #[test]
    fn key_persists_through_foreign_storage_and_signs() {
        let storage: Arc<dyn SecureStorage> = Arc::new(MapStorage::default());
        assert!(load_device_key(storage.clone()).unwrap().is_none());
        let key = DeviceKey::load_or_create(storage.clone()).unwrap();
        let again = load_device_key(storage.clone()).unwrap().unwrap();
        assert_eq!(key.public_key(), again.public_key());
        let t = terms(key.device_id());
        let signed = again.sign_approval(t.clone()).unwrap();
        verify_approval(t.clone(), key.public_key(), signed.signature.clone()).unwrap();
        let mut tampered = t;
        tampered.amount = "25000".into();
        let err = verify_approval(tampered, key.public_key(), signed.signature).unwrap_err();
        assert_eq!(err.code(), "bad_signature");
        delete_device_key(storage.clone()).unwrap();
        assert!(load_device_key(storage).unwrap().is_none());
    }

    #[test]
    fn storage_failure_keeps_only_the_code() {
        let err = DeviceKey::load_or_create(Arc::new(BrokenStorage)).unwrap_err();
        assert_eq!(err.code(), "secure_storage_failed");
        assert!(err.to_string().contains("keystore_locked"));
        assert!(!err.to_string().contains("1234"));
    }
}
