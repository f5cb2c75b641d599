//! PIN policy and hashing: Argon2id (PHC string), never stored or logged in clear.

use std::sync::Arc;

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{Output, ParamsString, PasswordHash, SaltString};
use argon2::{ARGON2ID_IDENT, Algorithm, Argon2, Params, Version};

use super::argon_memory::ArgonMemory;
use crate::error::{Error, Result};

/// Argon2id cost. OWASP's minimum recommendation (19 MiB, 2 passes, 1 lane) by default; tests
/// may lower it through [`PinHasher::fast_for_tests`]. Clones share one bounded pool of
/// scratch memory: at most one computation per CPU runs at once, the others wait.
#[derive(Clone, Debug)]
pub struct PinHasher {
    params: Params,
    memory: Arc<ArgonMemory>,
}

impl Default for PinHasher {
    fn default() -> Self {
        Self::with_params(Params::new(19 * 1024, 2, 1, None).expect("valid argon2 params"))
    }
}

impl PinHasher {
    /// Cheap parameters (8 MiB, 1 pass) so test suites stay fast. Never used by the binary.
    pub fn fast_for_tests() -> Self {
        Self::with_params(Params::new(8 * 1024, 1, 1, None).expect("valid argon2 params"))
    }

    fn with_params(params: Params) -> Self {
        let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
        Self {
            params,
            memory: Arc::new(ArgonMemory::new(cpus)),
        }
    }

    /// Argon2id over `secret` and `salt` with `params`, into `out`, in pooled memory.
    fn compute(&self, params: &Params, secret: &[u8], salt: &[u8], out: &mut [u8]) -> bool {
        let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
        self.memory.with(params.block_count(), |blocks| {
            argon
                .hash_password_into_with_memory(secret, salt, out, blocks)
                .is_ok()
        })
    }

    /// Hashes a secret (PIN or activation code) into a PHC string with a fresh salt.
    pub fn hash(&self, secret: &str) -> Result<String> {
        let failed = || Error::Internal("argon2 hashing failed".into());
        let salt = SaltString::generate(&mut OsRng);
        let mut salt_bytes = [0u8; 64];
        let salt_bytes = salt.decode_b64(&mut salt_bytes).map_err(|_| failed())?;
        let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
        if !self.compute(&self.params, secret.as_bytes(), salt_bytes, &mut out) {
            return Err(failed());
        }
        let phc = PasswordHash {
            algorithm: ARGON2ID_IDENT,
            version: Some(Version::V0x13.into()),
            params: ParamsString::try_from(&self.params).map_err(|_| failed())?,
            salt: Some(salt.as_salt()),
            hash: Some(Output::new(&out).map_err(|_| failed())?),
        };
        Ok(phc.to_string())
    }

    /// Whether `secret` matches the PHC string `hash`, computed with the hash's own parameters
    /// (so hashes made with older costs keep working); the comparison is constant-time.
    pub fn verify(&self, secret: &str, hash: &str) -> bool {
        let Ok(parsed) = PasswordHash::new(hash) else {
            return false;
        };
        let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
            return false;
        };
        if parsed.algorithm != ARGON2ID_IDENT
            || parsed
                .version
                .is_some_and(|v| v != u32::from(Version::V0x13))
        {
            return false;
        }
        let Ok(params) = Params::try_from(&parsed) else {
            return false;
        };
        let mut salt_bytes = [0u8; 64];
        let Ok(salt_bytes) = salt.decode_b64(&mut salt_bytes) else {
            return false;
        };
        let mut out = vec![0u8; expected.len()];
        if !self.compute(&params, secret.as_bytes(), salt_bytes, &mut out) {
            return false;
        }
        // `Output`'s equality is constant-time.
        Output::new(&out).is_ok_and(|computed| computed == expected)
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
    fn verifies_hashes_made_by_the_argon2_crate_with_other_costs() {
        use argon2::password_hash::PasswordHasher;
        let params = Params::new(4 * 1024, 3, 1, None).unwrap();
        let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
        let salt = SaltString::generate(&mut OsRng);
        let hash = argon.hash_password(b"4821", &salt).unwrap().to_string();
        let hasher = PinHasher::fast_for_tests();
        assert!(hasher.verify("4821", &hash));
        assert!(!hasher.verify("4820", &hash));
        // And ours verify with the crate's own verifier.
        use argon2::password_hash::PasswordVerifier;
        let ours = hasher.hash("4821").unwrap();
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(Argon2::default().verify_password(b"4821", &parsed).is_ok());
        // Argon2i / Argon2d strings are refused.
        let argon2i = Argon2::new(
            Algorithm::Argon2i,
            Version::V0x13,
            Params::new(4 * 1024, 1, 1, None).unwrap(),
        );
        let hash = argon2i.hash_password(b"4821", &salt).unwrap().to_string();
        assert!(!hasher.verify("4821", &hash));
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
