//! Signed payment approval: the device signs the exact terms the hub returned with the quote.
//!
//! The message is `b"kipochi-approval-v1\n" || JCS(terms)`, where JCS is RFC 8785 JSON
//! canonicalization of [`ApprovalTerms`] (keys sorted by UTF-16 code units, no whitespace, strings
//! escaped as ECMAScript does). The domain prefix keeps an approval signature from ever being valid
//! for any other message the device key signs. Every field is a JSON **string**: amounts travel as the
//! exact decimal text the hub returned (`"10.50"` stays `"10.50"`), so no number formatting rule can
//! make the device and the hub disagree. The signature is Ed25519, sent as unpadded base64url.
//!
//! The hub calls [`verify`] with the terms rebuilt from its *stored* quote, the public key registered
//! for the device, and the signature from the approve call. It must separately check, against its own
//! state: PIN, quote unexpired (`expiry`), nonce unused and bound to this quote. This module is pure
//! (no I/O, no clock) and builds without the `sqlite`/`tokio` features.

use crate::keys::{DeviceKey, PublicKey, device_id_for};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::{Signature, VerifyingKey};
use serde::{Deserialize, Serialize};

/// Prefix of every signed approval message (domain separation).
pub const APPROVAL_DOMAIN: &[u8] = b"kipochi-approval-v1\n";

/// Failures of approval signing and verification. Never carries terms, keys or signatures.
#[derive(Clone, Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum ApprovalError {
    /// A field of the terms is empty or malformed (the field name is given).
    #[error("invalid approval terms: {0}")]
    InvalidTerms(&'static str),
    /// The terms name a different device than the key (sign) or the public key (verify).
    #[error("approval terms name another device")]
    DeviceMismatch,
    /// The signature is not 64 bytes of unpadded base64url.
    #[error("malformed signature")]
    MalformedSignature,
    /// The public key is not a valid Ed25519 key.
    #[error("invalid public key")]
    InvalidPublicKey,
    /// The signature does not verify for these terms and this key.
    #[error("signature does not match the terms")]
    BadSignature,
    /// Canonical JSON encoding failed.
    #[error("canonical encoding failed")]
    Encoding,
}

/// The party being paid, as resolved by the hub's lookup (never as read from a QR).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payee {
    /// FSPIOP party id type, e.g. `MSISDN`, `BUSINESS`, `ALIAS`.
    pub id_type: String,
    /// The party identifier (phone number, till number).
    pub id: String,
    /// The payee's name from the lookup, as shown to the payer.
    pub name: String,
}

/// The terms a payer approves, exactly as the hub returned them with the quote.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApprovalTerms {
    /// The payment id made on the device (UUID).
    pub payment_id: String,
    /// Who is paid.
    pub payee: Payee,
    /// Amount the payee receives: exact decimal text as the hub returned it (e.g. `"10.5"`).
    pub amount: String,
    /// ISO 4217 currency code, three uppercase letters.
    pub currency: String,
    /// Total fee charged to the payer, exact decimal text.
    pub fee: String,
    /// Total debited from the payer, exact decimal text.
    pub total: String,
    /// Quote expiry as the hub returned it (RFC 3339 text).
    pub expiry: String,
    /// Single-use nonce the hub bound to this quote.
    pub nonce: String,
    /// The approving device's id (see `keys::device_id_for`).
    pub device_id: String,
}

/// A signature over [`ApprovalTerms`], ready to send with the approve call.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedApproval {
    /// The payment approved.
    pub payment_id: String,
    /// The signing device.
    pub device_id: String,
    /// Ed25519 signature, unpadded base64url (86 characters).
    pub signature: String,
}

fn is_decimal(s: &str) -> bool {
    let (int, frac) = match s.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (s, None),
    };
    let digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    digits(int) && frac.is_none_or(digits)
}

impl ApprovalTerms {
    /// Checks every field is present and well-formed; amounts must be plain non-negative decimals.
    pub fn validate(&self) -> Result<(), ApprovalError> {
        let required = [
            ("payment_id", &self.payment_id),
            ("payee.id_type", &self.payee.id_type),
            ("payee.id", &self.payee.id),
            ("payee.name", &self.payee.name),
            ("expiry", &self.expiry),
            ("nonce", &self.nonce),
            ("device_id", &self.device_id),
        ];
        for (name, value) in required {
            if value.trim().is_empty() {
                return Err(ApprovalError::InvalidTerms(name));
            }
        }
        for (name, value) in [
            ("amount", &self.amount),
            ("fee", &self.fee),
            ("total", &self.total),
        ] {
            if !is_decimal(value) {
                return Err(ApprovalError::InvalidTerms(name));
            }
        }
        if self.currency.len() != 3 || !self.currency.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(ApprovalError::InvalidTerms("currency"));
        }
        Ok(())
    }

    /// The RFC 8785 canonical JSON of these terms (validated first).
    pub fn canonical_bytes(&self) -> Result<Vec<u8>, ApprovalError> {
        self.validate()?;
        serde_json_canonicalizer::to_vec(self).map_err(|_| ApprovalError::Encoding)
    }

    /// The exact bytes signed: [`APPROVAL_DOMAIN`] followed by [`Self::canonical_bytes`].
    pub fn signing_message(&self) -> Result<Vec<u8>, ApprovalError> {
        let canonical = self.canonical_bytes()?;
        let mut msg = Vec::with_capacity(APPROVAL_DOMAIN.len() + canonical.len());
        msg.extend_from_slice(APPROVAL_DOMAIN);
        msg.extend_from_slice(&canonical);
        Ok(msg)
    }
}

/// Signs `terms` with the device key. The terms must name this device.
pub fn sign(terms: &ApprovalTerms, key: &DeviceKey) -> Result<SignedApproval, ApprovalError> {
    if terms.device_id != key.device_id() {
        return Err(ApprovalError::DeviceMismatch);
    }
    let msg = terms.signing_message()?;
    Ok(SignedApproval {
        payment_id: terms.payment_id.clone(),
        device_id: terms.device_id.clone(),
        signature: URL_SAFE_NO_PAD.encode(key.sign(&msg)),
    })
}

/// Verifies `signature` (unpadded base64url) over `terms` under `public_key`.
///
/// Fails if the terms are malformed, if `terms.device_id` is not the id of `public_key`, or if the
/// signature does not verify (strict Ed25519 verification: no malleable or small-order forms).
pub fn verify(
    terms: &ApprovalTerms,
    public_key: &PublicKey,
    signature: &str,
) -> Result<(), ApprovalError> {
    let msg = terms.signing_message()?;
    if terms.device_id != device_id_for(public_key) {
        return Err(ApprovalError::DeviceMismatch);
    }
    let sig_bytes = URL_SAFE_NO_PAD
        .decode(signature)
        .map_err(|_| ApprovalError::MalformedSignature)?;
    let sig_arr: [u8; 64] = sig_bytes
        .try_into()
        .map_err(|_| ApprovalError::MalformedSignature)?;
    let vk =
        VerifyingKey::from_bytes(&public_key.0).map_err(|_| ApprovalError::InvalidPublicKey)?;
    vk.verify_strict(&msg, &Signature::from_bytes(&sig_arr))
        .map_err(|_| ApprovalError::BadSignature)
}

#[cfg(test)]
#[path = "approval_tests.rs"]
mod tests;
