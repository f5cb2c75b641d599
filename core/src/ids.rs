//! Identifiers made on the device: random UUIDs (v4) for payment ids and onboarding ids.
//!
//! Randomness comes from the operating system through `getrandom` (the browser's
//! `crypto.getRandomValues` under the `web` feature). An id is made *before* anything is sent, so the
//! hub can use it as an idempotency key (see `outbox`).

use crate::keys::KeyError;

/// Fills `buf` with bytes from the operating system's secure random source.
pub fn fill_random(buf: &mut [u8]) -> Result<(), KeyError> {
    getrandom::getrandom(buf).map_err(|_| KeyError::Randomness)
}

/// A new random UUID (version 4, RFC 9562 variant) in lowercase hyphenated form.
pub fn new_uuid_v4() -> Result<String, KeyError> {
    let mut b = [0u8; 16];
    fill_random(&mut b)?;
    Ok(format_uuid_v4(b))
}

/// Formats 16 random bytes as a version-4 UUID, setting the version and variant bits.
pub fn format_uuid_v4(mut b: [u8; 16]) -> String {
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let mut s = String::with_capacity(36);
    for (i, byte) in b.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            s.push('-');
        }
        s.push_str(&format!("{byte:02x}"));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuid_has_version_and_variant_bits() {
        assert_eq!(
            format_uuid_v4([0xff; 16]),
            "ffffffff-ffff-4fff-bfff-ffffffffffff"
        );
        assert_eq!(
            format_uuid_v4([0; 16]),
            "00000000-0000-4000-8000-000000000000"
        );
    }

    #[test]
    fn new_uuids_differ_and_are_well_formed() {
        let a = new_uuid_v4().unwrap();
        let b = new_uuid_v4().unwrap();
        assert_ne!(a, b);
        assert_eq!(a.len(), 36);
        assert_eq!(&a[14..15], "4");
        assert!(matches!(&a[19..20], "8" | "9" | "a" | "b"));
    }
}
