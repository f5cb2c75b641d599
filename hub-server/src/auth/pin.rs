//! PIN policy and hashing: Argon2id (PHC string), never stored or logged in clear.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

use crate::error::{Error, Result};

/// Argon2id cost. OWASP's minimum recommendation (19 MiB, 2 passes, 1 lane) by default; tests
/// may lower it through [`PinHasher::fast_for_tests`].
#[derive(Clone, Debug)]
pub struct PinHasher {
    params: Params,
}

impl Default for PinHasher {
    fn default() -> Self {
        Self {
            params: Params::new(19 * 1024, 2, 1, None).expect("valid argon2 params"),
        }
    }
}

impl PinHasher {
    /// Cheap parameters (8 MiB, 1 pass) so test suites stay fast. Never used by the binary.
    pub fn fast_for_tests() -> Self {
        Self {
            params: Params::new(8 * 1024, 1, 1, None).expect("valid argon2 params"),
        }
    }

    fn argon(&self) -> Argon2<'static> {
        Argon2::new(Algorithm::Argon2id, Version::V0x13, self.params.clone())
    }

    /// Hashes a secret (PIN or activation code) into a PHC string with a fresh salt.
    pub fn hash(&self, secret: &str) -> Result<String> {
        let salt = SaltString::generate(&mut OsRng);
        self.argon()
            .hash_password(secret.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|_| Error::Internal("argon2 hashing failed".into()))
    }

    /// Whether `secret` matches the PHC string `hash` (constant-time inside argon2).
    pub fn verify(&self, secret: &str, hash: &str) -> bool {
        PasswordHash::new(hash)
            .map(|parsed| {
                self.argon()
                    .verify_password(secret.as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false)
    }
}

/// Checks a new PIN: 4 to 8 digits, not all the same digit, not an ascending/descending run.
pub fn validate_new_pin(pin: &str) -> Result<()> {
    let digits: Vec<u8> = pin.bytes().collect();
    if !(4..=8).contains(&digits.len()) || !digits.iter().all(u8::is_ascii_digit) {
        return Err(Error::InvalidRequest("PIN must be 4 to 8 digits".into()));
    }
    let same = digits.windows(2).all(|w| w[0] == w[1]);
    let up = digits.windows(2).all(|w| w[1] == w[0] + 1);
    let down = digits.windows(2).all(|w| w[0] == w[1] + 1);
    if same || up || down {
        return Err(Error::InvalidRequest("PIN is too easy to guess".into()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_verifies_only_the_same_pin() {
        let hasher = PinHasher::fast_for_tests();
        let hash = hasher.hash("4821").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(!hash.contains("4821"));
        assert!(hasher.verify("4821", &hash));
        assert!(!hasher.verify("4822", &hash));
        assert!(!hasher.verify("4821", "not a phc string"));
    }

    #[test]
    fn same_pin_hashes_differently_each_time() {
        let hasher = PinHasher::fast_for_tests();
        assert_ne!(hasher.hash("4821").unwrap(), hasher.hash("4821").unwrap());
    }

    #[test]
    fn pin_policy() {
        for ok in ["4821", "90317", "48213579"] {
            assert!(validate_new_pin(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "123",
            "123456789",
            "12a4",
            "0000",
            "1234",
            "9876",
            " 4821",
        ] {
            assert!(validate_new_pin(bad).is_err(), "{bad}");
        }
    }
}
