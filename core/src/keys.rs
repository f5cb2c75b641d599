//! The device key: an Ed25519 keypair made on first run, kept through [`SecureStorage`].
//!
//! The private key never leaves the core except into the app's [`SecureStorage`] implementation
//! (Android: bytes encrypted under a Keystore key that requires user authentication; iOS: a Keychain
//! item `WhenPasscodeSetThisDeviceOnly`; web: browser storage, which is **not** hardware-backed and
//! must be shown to the user as such). [`MemorySecureStorage`] is the software fallback for tests.
//!
//! **Device id.** `device_id = base64url_nopad(SHA-256("kipochi-device-id-v1" || public_key)[..16])`,
//! a 22-character string. The hub recomputes it from the public key registered for the device
//! ([`device_id_for`]), so an approval naming a device id can only verify under that device's key.
//!
//! Secret bytes are held in [`Zeroizing`] buffers and `SigningKey` zeroizes itself on drop.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::{Signer as _, SigningKey, VerifyingKey};
use sha2::{Digest as _, Sha256};
use std::collections::HashMap;
use std::sync::Mutex;
use zeroize::Zeroizing;

/// The [`SecureStorage`] key under which the device's private key is kept.
pub const DEVICE_KEY_SLOT: &str = "kipochi.device_key.ed25519.v1";

const DEVICE_ID_DOMAIN: &[u8] = b"kipochi-device-id-v1";

/// Failures of the device key and its storage. Never carries key material.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// The platform's secure storage failed (its own message, which must hold no secret).
    #[error("secure storage failed: {0}")]
    Storage(String),
    /// The stored key bytes are not a valid Ed25519 private key.
    #[error("stored device key is corrupt")]
    CorruptKey,
    /// The operating system's random source failed.
    #[error("secure random source unavailable")]
    Randomness,
    /// A public key is not 32 bytes of valid base64url, or not a valid Ed25519 point.
    #[error("invalid public key")]
    InvalidPublicKey,
}

/// Secret byte storage the app provides (Android Keystore / iOS Keychain wrap).
///
/// Implementations must be durable (a `put` that returned `Ok` survives a restart) and must not log
/// values.
pub trait SecureStorage: Send + Sync {
    /// The bytes stored under `key`, if any.
    fn get(&self, key: &str) -> Result<Option<Zeroizing<Vec<u8>>>, KeyError>;
    /// Stores `value` under `key`, replacing any previous value.
    fn put(&self, key: &str, value: &[u8]) -> Result<(), KeyError>;
    /// Removes `key`; removing a missing key is not an error.
    fn delete(&self, key: &str) -> Result<(), KeyError>;
}

/// Software, in-memory [`SecureStorage`] for tests and for hosts without a keystore.
/// Values are zeroized when replaced, deleted or dropped.
#[derive(Default)]
pub struct MemorySecureStorage {
    slots: Mutex<Slots>,
}

type Slots = HashMap<String, Zeroizing<Vec<u8>>>;

impl MemorySecureStorage {
    /// An empty storage.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> Result<std::sync::MutexGuard<'_, Slots>, KeyError> {
        self.slots
            .lock()
            .map_err(|_| KeyError::Storage("memory storage lock poisoned".into()))
    }
}

impl SecureStorage for MemorySecureStorage {
    fn get(&self, key: &str) -> Result<Option<Zeroizing<Vec<u8>>>, KeyError> {
        Ok(self.lock()?.get(key).cloned())
    }

    fn put(&self, key: &str, value: &[u8]) -> Result<(), KeyError> {
        self.lock()?
            .insert(key.to_owned(), Zeroizing::new(value.to_vec()));
        Ok(())
    }

    fn delete(&self, key: &str) -> Result<(), KeyError> {
        self.lock()?.remove(key);
        Ok(())
    }
}

/// A device's Ed25519 public key (32 bytes), as registered with the hub.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PublicKey(pub [u8; 32]);

impl PublicKey {
    /// The key as unpadded base64url (43 characters), the form sent at device registration.
    pub fn to_base64url(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.0)
    }

    /// Parses unpadded base64url and checks the bytes are a valid Ed25519 point.
    pub fn from_base64url(s: &str) -> Result<Self, KeyError> {
        let bytes = URL_SAFE_NO_PAD
            .decode(s)
            .map_err(|_| KeyError::InvalidPublicKey)?;
        let arr: [u8; 32] = bytes.try_into().map_err(|_| KeyError::InvalidPublicKey)?;
        VerifyingKey::from_bytes(&arr).map_err(|_| KeyError::InvalidPublicKey)?;
        Ok(Self(arr))
    }

    /// This key's device id (see the module docs).
    pub fn device_id(&self) -> String {
        device_id_for(self)
    }
}

/// The device id the hub expects for `public_key`: the first 16 bytes of
/// `SHA-256("kipochi-device-id-v1" || public_key)`, base64url without padding.
pub fn device_id_for(public_key: &PublicKey) -> String {
    let mut h = Sha256::new();
    h.update(DEVICE_ID_DOMAIN);
    h.update(public_key.0);
    let digest = h.finalize();
    URL_SAFE_NO_PAD.encode(&digest[..16])
}

/// The device's signing key, loaded from or created in [`SecureStorage`].
pub struct DeviceKey {
    signing: SigningKey,
}

impl std::fmt::Debug for DeviceKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeviceKey")
            .field("device_id", &self.device_id())
            .finish_non_exhaustive()
    }
}

impl DeviceKey {
    /// Loads the device key, or generates one from the OS random source and stores it (first run).
    pub fn load_or_create(storage: &dyn SecureStorage) -> Result<Self, KeyError> {
        if let Some(key) = Self::load(storage)? {
            return Ok(key);
        }
        let mut seed = Zeroizing::new([0u8; 32]);
        crate::ids::fill_random(seed.as_mut())?;
        let key = Self {
            signing: SigningKey::from_bytes(&seed),
        };
        storage.put(DEVICE_KEY_SLOT, seed.as_ref())?;
        // Read back: a key is only used once storage is known to return it.
        match Self::load(storage)? {
            Some(stored) if stored.public_key() == key.public_key() => Ok(key),
            _ => Err(KeyError::Storage("device key did not persist".into())),
        }
    }

    /// Loads the stored device key; `None` if this device has none yet.
    pub fn load(storage: &dyn SecureStorage) -> Result<Option<Self>, KeyError> {
        let Some(bytes) = storage.get(DEVICE_KEY_SLOT)? else {
            return Ok(None);
        };
        if bytes.len() != 32 {
            return Err(KeyError::CorruptKey);
        }
        let mut seed = Zeroizing::new([0u8; 32]);
        seed.copy_from_slice(&bytes);
        Ok(Some(Self {
            signing: SigningKey::from_bytes(&seed),
        }))
    }

    /// Deletes the stored device key (logout from this device, or device reset).
    pub fn delete(storage: &dyn SecureStorage) -> Result<(), KeyError> {
        storage.delete(DEVICE_KEY_SLOT)
    }

    /// Builds a key from a fixed 32-byte secret (test vectors and key import only).
    pub fn from_secret_bytes(secret: &[u8; 32]) -> Self {
        Self {
            signing: SigningKey::from_bytes(secret),
        }
    }

    /// The public key to register with the hub.
    pub fn public_key(&self) -> PublicKey {
        PublicKey(self.signing.verifying_key().to_bytes())
    }

    /// This device's id (see the module docs).
    pub fn device_id(&self) -> String {
        device_id_for(&self.public_key())
    }

    /// Signs `message`, returning the 64-byte Ed25519 signature.
    pub fn sign(&self, message: &[u8]) -> [u8; 64] {
        self.signing.sign(message).to_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    #[test]
    fn rfc8032_test_vector_1() {
        let sk: [u8; 32] = hex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
            .try_into()
            .unwrap();
        let key = DeviceKey::from_secret_bytes(&sk);
        assert_eq!(
            key.public_key().0.to_vec(),
            hex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
        );
        assert_eq!(
            key.sign(b"").to_vec(),
            hex(
                "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
            )
        );
    }

    #[test]
    fn first_run_creates_then_reloads_same_key() {
        let storage = MemorySecureStorage::new();
        assert!(DeviceKey::load(&storage).unwrap().is_none());
        let a = DeviceKey::load_or_create(&storage).unwrap();
        let b = DeviceKey::load_or_create(&storage).unwrap();
        assert_eq!(a.public_key(), b.public_key());
        assert_eq!(a.device_id(), b.device_id());
        DeviceKey::delete(&storage).unwrap();
        let c = DeviceKey::load_or_create(&storage).unwrap();
        assert_ne!(a.public_key(), c.public_key());
    }

    #[test]
    fn corrupt_stored_key_is_a_typed_error() {
        let storage = MemorySecureStorage::new();
        storage.put(DEVICE_KEY_SLOT, &[1, 2, 3]).unwrap();
        assert!(matches!(
            DeviceKey::load(&storage),
            Err(KeyError::CorruptKey)
        ));
        assert!(matches!(
            DeviceKey::load_or_create(&storage),
            Err(KeyError::CorruptKey)
        ));
    }

    #[test]
    fn device_id_is_derived_from_public_key() {
        let key = DeviceKey::from_secret_bytes(&[7u8; 32]);
        let pk = key.public_key();
        assert_eq!(key.device_id(), device_id_for(&pk));
        assert_eq!(key.device_id().len(), 22);
        let other = DeviceKey::from_secret_bytes(&[8u8; 32]);
        assert_ne!(key.device_id(), other.device_id());
    }

    #[test]
    fn public_key_base64url_round_trip_and_rejects_garbage() {
        let pk = DeviceKey::from_secret_bytes(&[9u8; 32]).public_key();
        let s = pk.to_base64url();
        assert_eq!(s.len(), 43);
        assert_eq!(PublicKey::from_base64url(&s).unwrap(), pk);
        assert!(PublicKey::from_base64url("not base64!").is_err());
        assert!(PublicKey::from_base64url("AAAA").is_err());
    }

    #[test]
    fn debug_does_not_print_secret() {
        let key = DeviceKey::from_secret_bytes(&[0x42u8; 32]);
        let dbg = format!("{key:?}");
        assert!(dbg.contains("device_id"));
        assert!(!dbg.contains("66, 66"));
    }
}
