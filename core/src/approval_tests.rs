//! Tests of approval signing (kept apart so `approval.rs` stays small).

use super::*;
use crate::keys::DeviceKey;

/// A named change to a copy of the terms.
type Alteration = (&'static str, Box<dyn Fn(&mut ApprovalTerms)>);

fn key() -> DeviceKey {
    DeviceKey::from_secret_bytes(&[0x11; 32])
}

fn terms_for(key: &DeviceKey) -> ApprovalTerms {
    ApprovalTerms {
        payment_id: "6f1c2a9e-3b4d-4e5f-8a7b-1c2d3e4f5a6b".into(),
        payee: Payee {
            id_type: "BUSINESS".into(),
            id: "123456".into(),
            name: "Mama Ntilie Shop".into(),
        },
        amount: "10.5".into(),
        currency: "TZS".into(),
        fee: "0.25".into(),
        total: "10.75".into(),
        expiry: "2026-12-02T03:00:00Z".into(),
        nonce: "n-9f8e7d".into(),
        device_id: key.device_id(),
    }
}

#[test]
fn sign_then_verify_round_trip() {
    let k = key();
    let t = terms_for(&k);
    let signed = sign(&t, &k).unwrap();
    assert_eq!(signed.payment_id, t.payment_id);
    assert_eq!(signed.signature.len(), 86);
    assert_eq!(verify(&t, &k.public_key(), &signed.signature), Ok(()));
}

#[test]
fn any_altered_term_is_refused() {
    let k = key();
    let t = terms_for(&k);
    let sig = sign(&t, &k).unwrap().signature;
    let alterations: Vec<Alteration> = vec![
        ("amount", Box::new(|t| t.amount = "10.50".into())),
        ("amount", Box::new(|t| t.amount = "100.5".into())),
        (
            "payee.name",
            Box::new(|t| t.payee.name = "Mama Ntilie Shop ".into()),
        ),
        ("payee.id", Box::new(|t| t.payee.id = "123457".into())),
        (
            "payee.id_type",
            Box::new(|t| t.payee.id_type = "ALIAS".into()),
        ),
        ("fee", Box::new(|t| t.fee = "0.26".into())),
        ("total", Box::new(|t| t.total = "10.76".into())),
        ("currency", Box::new(|t| t.currency = "KES".into())),
        ("nonce", Box::new(|t| t.nonce = "n-9f8e7e".into())),
        (
            "expiry",
            Box::new(|t| t.expiry = "2026-12-02T03:05:00Z".into()),
        ),
        ("payment_id", Box::new(|t| t.payment_id.push('0'))),
    ];
    for (what, alter) in alterations {
        let mut changed = t.clone();
        alter(&mut changed);
        assert_eq!(
            verify(&changed, &k.public_key(), &sig),
            Err(ApprovalError::BadSignature),
            "altered {what} must be refused"
        );
    }
}

#[test]
fn wrong_key_is_refused() {
    let k = key();
    let other = DeviceKey::from_secret_bytes(&[0x22; 32]);
    let t = terms_for(&k);
    let sig = sign(&t, &k).unwrap().signature;
    // The other key's id does not match the terms' device id.
    assert_eq!(
        verify(&t, &other.public_key(), &sig),
        Err(ApprovalError::DeviceMismatch)
    );
    // Even with the device id rewritten to the other key, the signature does not verify.
    let mut t2 = t.clone();
    t2.device_id = other.device_id();
    assert_eq!(
        verify(&t2, &other.public_key(), &sig),
        Err(ApprovalError::BadSignature)
    );
}

#[test]
fn signing_for_another_device_is_refused() {
    let k = key();
    let mut t = terms_for(&k);
    t.device_id = "someone-else".into();
    assert_eq!(sign(&t, &k), Err(ApprovalError::DeviceMismatch));
}

#[test]
fn malformed_signatures_are_typed_errors() {
    let k = key();
    let t = terms_for(&k);
    let pk = k.public_key();
    assert_eq!(
        verify(&t, &pk, "***"),
        Err(ApprovalError::MalformedSignature)
    );
    assert_eq!(
        verify(&t, &pk, "AAAA"),
        Err(ApprovalError::MalformedSignature)
    );
    let zeros = URL_SAFE_NO_PAD.encode([0u8; 64]);
    assert_eq!(verify(&t, &pk, &zeros), Err(ApprovalError::BadSignature));
    let padded = format!("{}==", sign(&t, &k).unwrap().signature);
    assert_eq!(
        verify(&t, &pk, &padded),
        Err(ApprovalError::MalformedSignature)
    );
}

#[test]
fn malformed_terms_are_refused_before_signing() {
    let k = key();
    let cases: Vec<Alteration> = vec![
        ("amount", Box::new(|t| t.amount = "10,5".into())),
        ("amount", Box::new(|t| t.amount = "-1".into())),
        ("amount", Box::new(|t| t.amount = "1e3".into())),
        ("fee", Box::new(|t| t.fee = ".5".into())),
        ("total", Box::new(|t| t.total = "10.".into())),
        ("currency", Box::new(|t| t.currency = "tzs".into())),
        ("nonce", Box::new(|t| t.nonce = " ".into())),
        ("payee.name", Box::new(|t| t.payee.name = String::new())),
    ];
    for (field, alter) in cases {
        let mut t = terms_for(&k);
        alter(&mut t);
        assert_eq!(sign(&t, &k), Err(ApprovalError::InvalidTerms(field)));
    }
}

#[test]
fn canonical_bytes_golden() {
    let t = ApprovalTerms {
        payment_id: "6f1c2a9e-3b4d-4e5f-8a7b-1c2d3e4f5a6b".into(),
        payee: Payee {
            id_type: "BUSINESS".into(),
            id: "123456".into(),
            name: "Mama \"Ntilie\"\n Duka \u{2713} \u{1}".into(),
        },
        amount: "10.50".into(),
        currency: "TZS".into(),
        fee: "0".into(),
        total: "10.50".into(),
        expiry: "2026-12-02T03:00:00Z".into(),
        nonce: "n-9f8e7d".into(),
        device_id: "dev-1".into(),
    };
    let expected = concat!(
        r#"{"amount":"10.50","currency":"TZS","device_id":"dev-1","#,
        r#""expiry":"2026-12-02T03:00:00Z","fee":"0","nonce":"n-9f8e7d","#,
        r#""payee":{"id":"123456","id_type":"BUSINESS","name":"Mama \"Ntilie\"\n Duka ✓ \u0001"},"#,
        r#""payment_id":"6f1c2a9e-3b4d-4e5f-8a7b-1c2d3e4f5a6b","total":"10.50"}"#
    );
    assert_eq!(
        String::from_utf8(t.canonical_bytes().unwrap()).unwrap(),
        expected
    );
    let msg = t.signing_message().unwrap();
    assert!(msg.starts_with(b"kipochi-approval-v1\n{\"amount\""));
}

/// Cross-implementation vector: recomputed independently with Python `cryptography`, `hashlib`
/// and `json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=False)`. The hub's tests
/// can reuse it.
#[test]
fn signature_golden_for_fixed_key() {
    let k = key();
    assert_eq!(
        k.public_key().to_base64url(),
        "0EqyMnQrtKs6E2i9RhXk5tAiSrcaAWuvhSCjMsl3hzc"
    );
    assert_eq!(k.device_id(), "1WcM9ULdtPMe_cllPncK0w");
    let t = terms_for(&k);
    let sig = sign(&t, &k).unwrap().signature;
    assert_eq!(
        sig,
        "oXggt3BYEuAMrKJmuYEGKY4X_PxHU5Y39dUpQ5rayfmOsvdAOaxnVa-pe1snOPJjuCc7JTuqT9PMFIK-24p0AA"
    );
    assert_eq!(verify(&t, &k.public_key(), &sig), Ok(()));
}

#[test]
fn terms_round_trip_through_json() {
    let k = key();
    let t = terms_for(&k);
    let json = serde_json::to_string(&t).unwrap();
    let back: ApprovalTerms = serde_json::from_str(&json).unwrap();
    assert_eq!(back, t);
    assert_eq!(
        back.canonical_bytes().unwrap(),
        t.canonical_bytes().unwrap()
    );
}
