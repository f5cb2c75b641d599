//! Wallet users: roles, PIN login with lockout, activation codes, bearer sessions.
//!
//! Storage is SQLite (the hub's own database, not the ledger). Secrets are stored only as hashes:
//! PINs and activation codes as Argon2id PHC strings, session tokens as SHA-256 digests. Every
//! method takes `now` (Unix milliseconds) so expiry and lockout are testable without sleeping.

mod argon_memory;
mod pin;
mod store;
mod verified;

pub use pin::{PinHasher, validate_new_pin};
pub use store::{Role, Session, User, UserStatus, parse_role, role_str};

use std::sync::Mutex;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use rusqlite::Connection;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::error::{Error, Result};

/// Failed PIN or activation attempts allowed before the user is locked.
pub const MAX_FAILED_ATTEMPTS: u32 = 5;

/// Tunables of the authentication service.
#[derive(Clone, Debug)]
pub struct AuthConfig {
    /// Lifetime of a bearer token.
    pub session_ttl_ms: i64,
    /// How long a user stays locked after [`MAX_FAILED_ATTEMPTS`].
    pub lockout_ms: i64,
    /// Lifetime of an activation code handed out at onboarding.
    pub activation_ttl_ms: i64,
    /// How long a PIN that passed the full Argon2id check is remembered (in memory, as a keyed
    /// tag) so the same user's next approvals skip the slow hash; 0 disables it.
    pub pin_memory_ms: i64,
}

impl Default for AuthConfig {
    fn default() -> Self {
        Self {
            session_ttl_ms: 15 * 60 * 1000,
            lockout_ms: 30 * 60 * 1000,
            activation_ttl_ms: 7 * 24 * 60 * 60 * 1000,
            pin_memory_ms: 5 * 60 * 1000,
        }
    }
}

/// A new user's data, as an agent (or the lab seeder) submits it.
#[derive(Clone, Debug)]
pub struct NewUser {
    /// E.164 digits without '+', e.g. "255712345678".
    pub phone: String,
    pub display_name: String,
    pub role: Role,
    pub kyc_tier: u8,
    /// The account in the account system that holds this user's money.
    pub account_id: Option<String>,
}

/// The users service.
pub struct Auth {
    conn: Mutex<Connection>,
    hasher: PinHasher,
    config: AuthConfig,
    verified: verified::VerifiedPins,
    /// Full (Argon2) secret checks made, for tests of the PIN memory.
    #[cfg(test)]
    full_checks: std::sync::atomic::AtomicU32,
}

impl Auth {
    /// Opens the users tables on `conn` (migrating them) with the given hasher and config.
    pub fn new(conn: Connection, hasher: PinHasher, config: AuthConfig) -> Result<Self> {
        store::migrate(&conn)?;
        Ok(Self {
            conn: Mutex::new(conn),
            hasher,
            verified: verified::VerifiedPins::new(config.pin_memory_ms),
            config,
            #[cfg(test)]
            full_checks: Default::default(),
        })
    }

    fn conn(&self) -> Result<std::sync::MutexGuard<'_, Connection>> {
        self.conn
            .lock()
            .map_err(|_| Error::Internal("users store poisoned".into()))
    }

    /// Creates a user waiting for activation and returns it with its one-time activation code.
    pub fn create_user(&self, new: &NewUser, now: i64) -> Result<(User, String)> {
        validate_phone(&new.phone)?;
        let name = new.display_name.trim();
        if name.is_empty() || name.chars().count() > 128 {
            return Err(Error::InvalidRequest(
                "display name must be 1 to 128 characters".into(),
            ));
        }
        let code = activation_code();
        let code_hash = self.hasher.hash(&code)?;
        let user = User {
            id: Uuid::new_v4(),
            phone: new.phone.clone(),
            display_name: name.to_string(),
            role: new.role,
            kyc_tier: new.kyc_tier,
            account_id: new.account_id.clone(),
            status: UserStatus::PendingActivation,
            created_at: now,
        };
        let expires = now + self.config.activation_ttl_ms;
        store::insert_user(&*self.conn()?, &user, &code_hash, expires)?;
        Ok((user, code))
    }

    /// Sets the first PIN with the activation code; the code then stops working.
    pub fn activate(&self, phone: &str, code: &str, new_pin: &str, now: i64) -> Result<User> {
        validate_new_pin(new_pin)?;
        let rec = self.check_secret(
            |conn| store::find_by_phone(conn, phone),
            |rec| match (&rec.activation_hash, rec.activation_expires_at) {
                (Some(hash), Some(expires)) if now <= expires => Some(hash.clone()),
                _ => None,
            },
            code,
            now,
        )?;
        let pin_hash = self.hasher.hash(new_pin)?;
        let conn = self.conn()?;
        store::set_pin(&conn, rec.user.id, &pin_hash)?;
        store::find_by_phone(&conn, phone)?
            .map(|r| r.user)
            .ok_or(Error::Internal("user vanished".into()))
    }

    /// Verifies phone + PIN and opens a session; returns the bearer token (shown once).
    pub fn login(&self, phone: &str, pin: &str, now: i64) -> Result<(User, Session)> {
        let rec = self.check_secret(
            |conn| store::find_by_phone(conn, phone),
            |rec| rec.pin_hash.clone(),
            pin,
            now,
        )?;
        self.remember_pin(&rec, pin, now);
        let conn = self.conn()?;
        let token = random_token();
        let session = Session {
            token: token.clone(),
            user_id: rec.user.id,
            expires_at: now + self.config.session_ttl_ms,
        };
        store::insert_session(&conn, &token_digest(&token), &session)?;
        Ok((rec.user, session))
    }

    /// Checks a PIN for a logged-in user (payment approval), with the same lockout as login.
    ///
    /// A locked user is refused first. While the user has no failed attempt pending, a PIN that
    /// passed the full check less than `pin_memory_ms` ago (at login or an earlier approval) is
    /// accepted from memory ([`verified`]); anything else takes the full, counted Argon2id check.
    pub fn verify_pin(&self, user_id: Uuid, pin: &str, now: i64) -> Result<()> {
        let rec = self
            .conn()
            .map(|c| store::find_by_id(&c, user_id))??
            .ok_or(Error::NotFound("user"))?;
        if rec.failed_attempts == 0
            && self.refuse_if_locked(&rec, now).is_ok()
            && rec
                .pin_hash
                .as_deref()
                .is_some_and(|h| self.verified.matches(user_id, h, pin, now))
        {
            return Ok(());
        }
        self.verified.forget(user_id);
        let rec = self.check_secret(
            |conn| store::find_by_id(conn, user_id),
            |rec| rec.pin_hash.clone(),
            pin,
            now,
        )?;
        self.remember_pin(&rec, pin, now);
        Ok(())
    }

    fn remember_pin(&self, rec: &store::UserRecord, pin: &str, now: i64) {
        if let Some(hash) = &rec.pin_hash {
            self.verified.remember(rec.user.id, hash, pin, now);
        }
    }

    /// Checks `secret` against the hash `hash_of` takes from the user's record, without holding
    /// the users store during the (deliberately slow) Argon2 computation, so other requests
    /// are not queued behind it. The attempt is counted as a failure BEFORE hashing, so parallel
    /// guesses cannot outrun the lockout; a match clears the count (and a lock the attempt
    /// itself set). A missing user, a locked user, or no hash all answer as bad credentials.
    fn check_secret(
        &self,
        find: impl Fn(&Connection) -> Result<Option<store::UserRecord>>,
        hash_of: impl Fn(&store::UserRecord) -> Option<String>,
        secret: &str,
        now: i64,
    ) -> Result<store::UserRecord> {
        let (rec, hash) = {
            let conn = self.conn()?;
            let rec = find(&conn)?.ok_or(Error::BadCredentials)?;
            self.refuse_if_locked(&rec, now)?;
            self.record_failure(&conn, &rec, now)?;
            let hash = hash_of(&rec);
            (rec, hash)
        };
        #[cfg(test)]
        self.full_checks
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        if !hash.is_some_and(|h| self.hasher.verify(secret, &h)) {
            return Err(Error::BadCredentials);
        }
        store::reset_failures(&*self.conn()?, rec.user.id)?;
        Ok(rec)
    }

    /// Resolves a bearer token to its user; expired or unknown tokens are refused.
    pub fn authenticate(&self, token: &str, now: i64) -> Result<User> {
        let conn = self.conn()?;
        let (user_id, expires) =
            store::find_session(&conn, &token_digest(token))?.ok_or(Error::Unauthenticated)?;
        if now >= expires {
            store::delete_session(&conn, &token_digest(token))?;
            return Err(Error::Unauthenticated);
        }
        let rec = store::find_by_id(&conn, user_id)?.ok_or(Error::Unauthenticated)?;
        Ok(rec.user)
    }

    /// Ends a session.
    pub fn logout(&self, token: &str) -> Result<()> {
        store::delete_session(&*self.conn()?, &token_digest(token))
    }

    /// Replaces the activation code of a user still waiting for activation and returns the new
    /// one (the old one stops working). Used when an onboarding is resumed after a crash that
    /// lost the first code. An activated user is refused: their PIN is already set.
    pub fn reissue_activation_code(&self, user_id: Uuid, now: i64) -> Result<String> {
        let conn = self.conn()?;
        let rec = store::find_by_id(&conn, user_id)?.ok_or(Error::NotFound("user"))?;
        if rec.user.status != UserStatus::PendingActivation {
            return Err(Error::Unprocessable("user is already activated".into()));
        }
        let code = activation_code();
        let hash = self.hasher.hash(&code)?;
        store::set_activation(&conn, user_id, &hash, now + self.config.activation_ttl_ms)?;
        Ok(code)
    }

    /// Looks a user up by phone number.
    pub fn user_by_phone(&self, phone: &str) -> Result<Option<User>> {
        Ok(store::find_by_phone(&*self.conn()?, phone)?.map(|r| r.user))
    }

    /// The user holding wallet account `account_id`, if any.
    pub fn user_by_account(&self, account_id: &str) -> Result<Option<User>> {
        Ok(store::find_by_account(&*self.conn()?, account_id)?.map(|r| r.user))
    }

    fn refuse_if_locked(&self, rec: &store::UserRecord, now: i64) -> Result<()> {
        match rec.locked_until {
            Some(until) if now < until => Err(Error::Locked),
            _ => Ok(()),
        }
    }

    fn record_failure(&self, conn: &Connection, rec: &store::UserRecord, now: i64) -> Result<()> {
        let failures = rec.failed_attempts + 1;
        let locked_until =
            (failures >= MAX_FAILED_ATTEMPTS).then_some(now + self.config.lockout_ms);
        // A lock restarts the count, so the user gets a fresh set of attempts afterwards.
        let stored = if locked_until.is_some() { 0 } else { failures };
        store::set_failures(conn, rec.user.id, stored, locked_until)
    }
}

/// Phone numbers: 8 to 15 digits (E.164 without '+').
pub fn validate_phone(phone: &str) -> Result<()> {
    if (8..=15).contains(&phone.len()) && phone.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(Error::InvalidRequest(
            "phone must be 8 to 15 digits, international format".into(),
        ))
    }
}

fn activation_code() -> String {
    format!("{:08}", rand::thread_rng().next_u32() % 100_000_000)
}

fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

fn token_digest(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

#[cfg(test)]
mod tests;
