//! `FSPIOP-Signature` (JWS with a detached payload) as Mojaloop's `JwsSigner` / `JwsValidator`
//! do it: RS256 or ES256, protected header carrying the FSPIOP routing headers.
//!
//! Header value: `{"protectedHeader":"<b64url(header JSON)>","signature":"<b64url(sig)>"}`;
//! signing input: `protectedHeader + "." + b64url(body)`. Verification tries the raw body bytes
//! first, then the key-sorted re-serialization the reference SDK signs.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use p256::ecdsa::signature::{Signer, Verifier};
use rsa::pkcs1::{DecodeRsaPrivateKey, DecodeRsaPublicKey};
use rsa::pkcs8::{DecodePrivateKey, DecodePublicKey};
use rsa::signature::SignatureEncoding;
use serde_json::Value;
use sha2::Sha256;

use super::canonical;
use super::error::Error;

fn jws(msg: impl Into<String>) -> Error {
    Error::Jws(msg.into())
}

/// A private key for signing outgoing requests.
#[derive(Clone)]
pub enum SigningKey {
    /// RSASSA-PKCS1-v1_5 with SHA-256.
    Rs256(Box<rsa::pkcs1v15::SigningKey<Sha256>>),
    /// ECDSA P-256 with SHA-256.
    Es256(p256::ecdsa::SigningKey),
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.alg())
    }
}

impl SigningKey {
    /// Loads a PEM private key: PKCS#8 (RSA or P-256), PKCS#1 RSA, or SEC1 EC.
    pub fn from_pem(pem: &str) -> Result<Self, Error> {
        if let Ok(k) = rsa::RsaPrivateKey::from_pkcs8_pem(pem)
            .or_else(|_| rsa::RsaPrivateKey::from_pkcs1_pem(pem))
        {
            return Ok(Self::Rs256(Box::new(rsa::pkcs1v15::SigningKey::new(k))));
        }
        if let Ok(k) = p256::ecdsa::SigningKey::from_pkcs8_pem(pem) {
            return Ok(Self::Es256(k));
        }
        if let Ok(k) = p256::SecretKey::from_sec1_pem(pem) {
            return Ok(Self::Es256(k.into()));
        }
        Err(jws("private key is neither an RSA nor a P-256 PEM key"))
    }

    /// The JWS `alg` name.
    pub fn alg(&self) -> &'static str {
        match self {
            Self::Rs256(_) => "RS256",
            Self::Es256(_) => "ES256",
        }
    }

    fn sign_bytes(&self, input: &[u8]) -> Vec<u8> {
        match self {
            Self::Rs256(k) => k.sign(input).to_vec(),
            Self::Es256(k) => {
                let sig: p256::ecdsa::Signature = k.sign(input);
                sig.to_bytes().to_vec()
            }
        }
    }
}

/// A peer's public key for verifying incoming requests.
#[derive(Clone, Debug)]
pub enum VerifyingKey {
    /// RS256 key.
    Rs256(Box<rsa::pkcs1v15::VerifyingKey<Sha256>>),
    /// ES256 key.
    Es256(p256::ecdsa::VerifyingKey),
}

impl VerifyingKey {
    /// Loads a PEM public key (SPKI `PUBLIC KEY` for RSA or P-256, or PKCS#1 `RSA PUBLIC KEY`).
    pub fn from_pem(pem: &str) -> Result<Self, Error> {
        if let Ok(k) = rsa::RsaPublicKey::from_public_key_pem(pem)
            .or_else(|_| rsa::RsaPublicKey::from_pkcs1_pem(pem))
        {
            return Ok(Self::Rs256(Box::new(rsa::pkcs1v15::VerifyingKey::new(k))));
        }
        if let Ok(k) = p256::ecdsa::VerifyingKey::from_public_key_pem(pem) {
            return Ok(Self::Es256(k));
        }
        Err(jws("public key is neither an RSA nor a P-256 PEM key"))
    }

    fn alg(&self) -> &'static str {
        match self {
            Self::Rs256(_) => "RS256",
            Self::Es256(_) => "ES256",
        }
    }

    fn verify_bytes(&self, input: &[u8], sig: &[u8]) -> bool {
        match self {
            Self::Rs256(k) => {
                rsa::pkcs1v15::Signature::try_from(sig).is_ok_and(|s| k.verify(input, &s).is_ok())
            }
            Self::Es256(k) => {
                p256::ecdsa::Signature::from_slice(sig).is_ok_and(|s| k.verify(input, &s).is_ok())
            }
        }
    }
}

/// The HTTP headers a signature covers.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SignedHeaders {
    /// `FSPIOP-URI`: the path starting at the resource (`/parties/MSISDN/123`).
    pub uri: String,
    /// `FSPIOP-HTTP-Method`, upper case.
    pub method: String,
    /// `FSPIOP-Source`.
    pub source: String,
    /// `FSPIOP-Destination`, when sent.
    pub destination: Option<String>,
    /// `Date`, when sent.
    pub date: Option<String>,
}

fn json_str(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_default()
}

/// Signs `body` for `headers`; returns the `FSPIOP-Signature` header value.
pub fn sign(key: &SigningKey, headers: &SignedHeaders, body: &[u8]) -> Result<String, Error> {
    if body.is_empty() {
        return Err(jws("cannot sign an empty body"));
    }
    // Insertion order as the reference signer builds it.
    let mut header = format!(
        "{{\"alg\":{},\"FSPIOP-URI\":{},\"FSPIOP-HTTP-Method\":{},\"FSPIOP-Source\":{}",
        json_str(key.alg()),
        json_str(&headers.uri),
        json_str(&headers.method),
        json_str(&headers.source)
    );
    if let Some(d) = &headers.destination {
        header.push_str(&format!(",\"FSPIOP-Destination\":{}", json_str(d)));
    }
    if let Some(d) = &headers.date {
        header.push_str(&format!(",\"Date\":{}", json_str(d)));
    }
    header.push('}');
    let protected = URL_SAFE_NO_PAD.encode(header.as_bytes());
    let input = format!("{protected}.{}", URL_SAFE_NO_PAD.encode(body));
    let signature = URL_SAFE_NO_PAD.encode(key.sign_bytes(input.as_bytes()));
    Ok(format!(
        "{{\"protectedHeader\":\"{protected}\",\"signature\":\"{signature}\"}}"
    ))
}

/// Verifies an incoming `FSPIOP-Signature` value against the request's headers and body.
pub fn verify(
    key: &VerifyingKey,
    headers: &SignedHeaders,
    signature_header: &str,
    body: &[u8],
) -> Result<(), Error> {
    let outer: Value =
        serde_json::from_str(signature_header).map_err(|_| jws("signature header is not JSON"))?;
    let protected = outer
        .get("protectedHeader")
        .and_then(Value::as_str)
        .ok_or_else(|| jws("protectedHeader missing"))?;
    let signature = outer
        .get("signature")
        .and_then(Value::as_str)
        .ok_or_else(|| jws("signature missing"))?;
    let header_bytes = URL_SAFE_NO_PAD
        .decode(protected)
        .map_err(|_| jws("protectedHeader is not base64url"))?;
    let header: Value =
        serde_json::from_slice(&header_bytes).map_err(|_| jws("protectedHeader is not JSON"))?;
    let field = |k: &str| header.get(k).and_then(Value::as_str);
    if field("alg") != Some(key.alg()) {
        return Err(jws("alg does not match the peer's key"));
    }
    let required = [
        ("FSPIOP-URI", &headers.uri),
        ("FSPIOP-HTTP-Method", &headers.method),
        ("FSPIOP-Source", &headers.source),
    ];
    for (name, value) in required {
        if field(name) != Some(value.as_str()) {
            return Err(jws(format!(
                "{name} in the protected header does not match the request"
            )));
        }
    }
    if let Some(d) = field("Date")
        && headers.date.as_deref() != Some(d)
    {
        return Err(jws(
            "Date in the protected header does not match the request",
        ));
    }
    if field("FSPIOP-Destination") != headers.destination.as_deref() {
        return Err(jws(
            "FSPIOP-Destination in the protected header does not match the request",
        ));
    }
    let sig = URL_SAFE_NO_PAD
        .decode(signature)
        .map_err(|_| jws("signature is not base64url"))?;
    let raw_input = format!("{protected}.{}", URL_SAFE_NO_PAD.encode(body));
    if key.verify_bytes(raw_input.as_bytes(), &sig) {
        return Ok(());
    }
    let parsed: Value = serde_json::from_slice(body).map_err(|_| jws("invalid signature"))?;
    let sorted_input = format!(
        "{protected}.{}",
        URL_SAFE_NO_PAD.encode(canonical::to_string(&parsed))
    );
    if key.verify_bytes(sorted_input.as_bytes(), &sig) {
        Ok(())
    } else {
        Err(jws("invalid signature"))
    }
}
