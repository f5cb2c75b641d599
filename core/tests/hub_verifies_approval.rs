//! The hub's side of approval, through the public API only: the device registers its public key
//! (base64url) and device id; later the hub rebuilds the terms from its stored quote and verifies
//! the signature sent with the approve call.

use kipochi_core::approval::{self, ApprovalError, ApprovalTerms, Payee};
use kipochi_core::keys::{DeviceKey, MemorySecureStorage, PublicKey, device_id_for};

fn quote_terms(device_id: &str, nonce: &str) -> ApprovalTerms {
    ApprovalTerms {
        payment_id: "0b6b8a3e-0f1e-4c55-9d0e-2a3b4c5d6e7f".into(),
        payee: Payee {
            id_type: "MSISDN".into(),
            id: "255700000077".into(),
            name: "Baraka Mushi".into(),
        },
        amount: "2500".into(),
        currency: "TZS".into(),
        fee: "50".into(),
        total: "2550".into(),
        expiry: "2026-12-02T03:10:00Z".into(),
        nonce: nonce.into(),
        device_id: device_id.into(),
    }
}

#[test]
fn hub_verifies_what_the_device_signed() {
    // Device: first run, then registration payload.
    let storage = MemorySecureStorage::new();
    let key = DeviceKey::load_or_create(&storage).unwrap();
    let registered_pk = key.public_key().to_base64url();
    let registered_id = key.device_id();

    // Hub: stores the registration after checking the id matches the key.
    let pk = PublicKey::from_base64url(&registered_pk).unwrap();
    assert_eq!(device_id_for(&pk), registered_id);

    // Device approves the terms it was shown (sent as JSON by the hub, parsed back here).
    let shown = quote_terms(&registered_id, "nonce-1");
    let wire = serde_json::to_string(&shown).unwrap();
    let received: ApprovalTerms = serde_json::from_str(&wire).unwrap();
    let signed = approval::sign(&received, &key).unwrap();

    // Hub: rebuilds the terms from its stored quote and verifies.
    let stored = quote_terms(&registered_id, "nonce-1");
    assert_eq!(approval::verify(&stored, &pk, &signed.signature), Ok(()));

    // A replay against a new quote (new nonce) fails.
    let next_quote = quote_terms(&registered_id, "nonce-2");
    assert_eq!(
        approval::verify(&next_quote, &pk, &signed.signature),
        Err(ApprovalError::BadSignature)
    );
}

#[test]
fn key_survives_app_restart_through_secure_storage() {
    let storage = MemorySecureStorage::new();
    let first = DeviceKey::load_or_create(&storage).unwrap();
    let terms = quote_terms(&first.device_id(), "n");
    let sig = approval::sign(&terms, &first).unwrap().signature;
    drop(first);
    let again = DeviceKey::load(&storage).unwrap().unwrap();
    assert_eq!(approval::verify(&terms, &again.public_key(), &sig), Ok(()));
}
