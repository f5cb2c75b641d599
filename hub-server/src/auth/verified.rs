//! Recently verified PINs, in memory only, so a user who just passed the slow Argon2id check is
//! not made to pay for it again on every approval of a session.
//!
//! What is kept is not the PIN: an HMAC-SHA256 tag over (user id, the stored PIN hash, the PIN)
//! under a random key made when the hub starts and never written anywhere. A restart forgets
//! everything; a changed PIN (new stored hash, new salt) never matches an old tag. The rules that
//! keep the security model unchanged live in [`super::Auth::verify_pin`]: a locked user is
//! refused before this is consulted, the fast path is taken only while the user has no failed
//! attempt pending, and anything that does not match here goes through the full, counted Argon2
//! check — so online guessing meets exactly the same lockout, and a database leak still meets
//! Argon2id.

use std::collections::HashMap;
use std::sync::Mutex;

use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;
use uuid::Uuid;

/// At most this many users are remembered; past it, expired entries are dropped and, if the
/// map is still full, new ones are simply not kept (the next check is a full one).
const MAX_ENTRIES: usize = 100_000;

struct Entry {
    tag: [u8; 32],
    expires_at: i64,
}

/// Tags of PINs verified in the last `ttl_ms`, one per user.
pub struct VerifiedPins {
    key: [u8; 32],
    ttl_ms: i64,
    entries: Mutex<HashMap<Uuid, Entry>>,
}

impl VerifiedPins {
    /// An empty memory keeping each verification for `ttl_ms` (0: keep nothing).
    pub fn new(ttl_ms: i64) -> Self {
        let mut key = [0u8; 32];
        rand::thread_rng().fill_bytes(&mut key);
        Self {
            key,
            ttl_ms,
            entries: Mutex::new(HashMap::new()),
        }
    }

    fn mac(&self, user_id: Uuid, pin_hash: &str, pin: &str) -> Hmac<Sha256> {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.key)
            .expect("HMAC takes a key of any length");
        mac.update(user_id.as_bytes());
        mac.update(&(pin_hash.len() as u64).to_be_bytes());
        mac.update(pin_hash.as_bytes());
        mac.update(pin.as_bytes());
        mac
    }

    /// Remembers that `pin` matched `pin_hash` (the user's stored hash) at `now`.
    pub fn remember(&self, user_id: Uuid, pin_hash: &str, pin: &str, now: i64) {
        if self.ttl_ms <= 0 {
            return;
        }
        let tag: [u8; 32] = self
            .mac(user_id, pin_hash, pin)
            .finalize()
            .into_bytes()
            .into();
        let Ok(mut entries) = self.entries.lock() else {
            return;
        };
        if entries.len() >= MAX_ENTRIES {
            entries.retain(|_, e| e.expires_at > now);
            if entries.len() >= MAX_ENTRIES {
                return;
            }
        }
        entries.insert(
            user_id,
            Entry {
                tag,
                expires_at: now.saturating_add(self.ttl_ms),
            },
        );
    }

    /// True when `pin` is the PIN verified for `user_id` against the same `pin_hash` less than
    /// the TTL ago (constant-time comparison of the tags).
    pub fn matches(&self, user_id: Uuid, pin_hash: &str, pin: &str, now: i64) -> bool {
        let tag = match self.entries.lock() {
            Ok(entries) => match entries.get(&user_id) {
                Some(e) if now < e.expires_at => e.tag,
                _ => return false,
            },
            Err(_) => return false,
        };
        self.mac(user_id, pin_hash, pin).verify_slice(&tag).is_ok()
    }

    /// Forgets `user_id` (a failed attempt, a lock).
    pub fn forget(&self, user_id: Uuid) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.remove(&user_id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2g";

    #[test]
    fn a_remembered_pin_matches_until_it_expires() {
        let v = VerifiedPins::new(1_000);
        let u = Uuid::new_v4();
        assert!(!v.matches(u, HASH, "2580", 0));
        v.remember(u, HASH, "2580", 0);
        assert!(v.matches(u, HASH, "2580", 999));
        assert!(!v.matches(u, HASH, "2580", 1_000));
    }

    #[test]
    fn another_pin_user_or_stored_hash_does_not_match() {
        let v = VerifiedPins::new(1_000);
        let (u, other) = (Uuid::new_v4(), Uuid::new_v4());
        v.remember(u, HASH, "2580", 0);
        assert!(!v.matches(u, HASH, "2581", 1));
        assert!(!v.matches(u, HASH, "25800", 1));
        assert!(!v.matches(other, HASH, "2580", 1));
        // A new PIN was set: the stored hash changed, the old verification is worthless.
        assert!(!v.matches(
            u,
            "$argon2id$v=19$m=19456,t=2,p=1$b3RoZXI$aGFzaA",
            "2580",
            1
        ));
        v.forget(u);
        assert!(!v.matches(u, HASH, "2580", 1));
    }

    #[test]
    fn a_zero_ttl_keeps_nothing_and_two_hubs_do_not_share_tags() {
        let off = VerifiedPins::new(0);
        let u = Uuid::new_v4();
        off.remember(u, HASH, "2580", 0);
        assert!(!off.matches(u, HASH, "2580", 0));
        let (a, b) = (VerifiedPins::new(1_000), VerifiedPins::new(1_000));
        a.remember(u, HASH, "2580", 0);
        let tag = a.entries.lock().unwrap()[&u].tag;
        b.entries.lock().unwrap().insert(
            u,
            Entry {
                tag,
                expires_at: 1_000,
            },
        );
        assert!(!b.matches(u, HASH, "2580", 1), "keys are per process");
    }
}
