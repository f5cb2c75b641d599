//! Every `DecodeError` variant, each triggered by a malformed payload. Payloads carry a
//! correct CRC (unless the CRC is the point), so each test hits exactly the rule it names.

use kipochi_core::qr::{DecodeError, EncodeError, MerchantQr, crc16, parse_payment_qr};

/// Appends `6304` and the correct CRC.
fn seal(body: &str) -> String {
    let with = format!("{body}6304");
    format!("{with}{:04X}", crc16(&with))
}

const ACCOUNT: &str = "26320011org.kipochi0106MSISDN0203123";
const TAIL: &str = "5802TZ5904DUKA6003DAR";

/// A valid payload body with `mid` replacing the MCC/currency/amount part.
fn body(mid: &str) -> String {
    format!("000201010211{ACCOUNT}{mid}{TAIL}")
}

fn err(payload: &str) -> DecodeError {
    MerchantQr::decode(payload).unwrap_err()
}

#[test]
fn baseline_is_valid() {
    let p = seal(&body("52045411530383454035.5"));
    let qr = MerchantQr::decode(&p).unwrap();
    assert_eq!(qr.payment_intent().unwrap().payee.identifier, "123");
}

#[test]
fn empty() {
    assert_eq!(err(""), DecodeError::Empty);
}

#[test]
fn not_emv() {
    assert_eq!(err("https://example.org/pay"), DecodeError::NotEmv);
    assert_eq!(err("01020100"), DecodeError::NotEmv);
}

#[test]
fn payload_too_long() {
    let long = seal(&format!("{}99{}", body("520454115303834"), "x".repeat(600)));
    assert!(matches!(
        err(&long),
        DecodeError::PayloadTooLong { max: 512, .. }
    ));
}

#[test]
fn bad_tag() {
    let p = seal(&format!("{}x10", body("520454115303834")));
    assert!(matches!(err(&p), DecodeError::BadTag { .. }));
}

#[test]
fn bad_length() {
    assert_eq!(
        err(&seal("00020101x211")),
        DecodeError::BadLength { tag: 1 }
    );
    assert_eq!(
        err(&seal("000201010011")),
        DecodeError::BadLength { tag: 1 }
    );
}

#[test]
fn truncated() {
    // The CRC object is swallowed by a too-long value.
    assert_eq!(
        err("0002010199ab6304ABCD"),
        DecodeError::Truncated { tag: 1 }
    );
}

#[test]
fn duplicate_tag() {
    let p = seal(&body("52045411530383452045411"));
    assert_eq!(err(&p), DecodeError::DuplicateTag { tag: 52 });
}

#[test]
fn bad_format_indicator() {
    assert_eq!(
        err(&seal(
            &body("520454115303834").replacen("000201", "000202", 1)
        )),
        DecodeError::BadFormatIndicator
    );
}

#[test]
fn crc_not_last() {
    let p = format!("{}63041234", body("520454115303834"));
    let moved = format!("{}6304ABCD0702xx", body("520454115303834"));
    assert!(matches!(err(&p), DecodeError::BadCrc { .. }));
    assert_eq!(err(&moved), DecodeError::CrcNotLast);
    assert_eq!(
        err(&format!("{}630312A", body("520454115303834"))),
        DecodeError::CrcNotLast
    );
}

#[test]
fn bad_crc() {
    let good = seal(&body("520454115303834"));
    let edited = good.replacen("DUKA", "DUKE", 1);
    assert!(matches!(err(&edited), DecodeError::BadCrc { .. }));
    let not_hex = format!("{}6304XYZ1", body("520454115303834"));
    assert!(matches!(err(&not_hex), DecodeError::BadCrc { found, .. } if found == "XYZ1"));
}

#[test]
fn missing_tag() {
    assert_eq!(
        err(&seal(&body("5303834"))),
        DecodeError::MissingTag { tag: 52 }
    );
    assert_eq!(
        err(&seal(&body("52045411"))),
        DecodeError::MissingTag { tag: 53 }
    );
    let no_city = seal(&format!("000201{ACCOUNT}5204541153038345802TZ5904DUKA"));
    assert_eq!(err(&no_city), DecodeError::MissingTag { tag: 60 });
    assert_eq!(
        err(&body("520454115303834")),
        DecodeError::MissingTag { tag: 63 }
    );
}

#[test]
fn missing_account() {
    let p = seal(&format!("000201520454115303834{TAIL}"));
    assert_eq!(err(&p), DecodeError::MissingAccount);
}

#[test]
fn missing_guid() {
    let p = seal(&format!("00020126070103123520454115303834{TAIL}"));
    assert_eq!(err(&p), DecodeError::MissingGuid { tag: 26 });
}

#[test]
fn bad_template() {
    let p = seal(&format!("{}62050109x", body("520454115303834")));
    assert!(
        matches!(err(&p), DecodeError::BadTemplate { tag: 62, inner } if *inner == DecodeError::Truncated { tag: 1 })
    );
    let p = seal(&format!("000201260400x1520454115303834{TAIL}"));
    assert!(matches!(err(&p), DecodeError::BadTemplate { tag: 26, .. }));
}

#[test]
fn bad_initiation_method() {
    let p = seal(&body("520454115303834").replacen("010211", "010213", 1));
    assert_eq!(err(&p), DecodeError::BadInitiationMethod);
}

#[test]
fn bad_mcc() {
    assert_eq!(err(&seal(&body("52045A115303834"))), DecodeError::BadMcc);
    assert_eq!(err(&seal(&body("52035415303834"))), DecodeError::BadMcc);
}

#[test]
fn bad_currency() {
    assert_eq!(
        err(&seal(&body("520454115303999"))),
        DecodeError::BadCurrency
    );
    assert_eq!(
        err(&seal(&body("520454115302TZ"))),
        DecodeError::BadCurrency
    );
}

#[test]
fn amount_not_a_number() {
    assert_eq!(
        err(&seal(&body("5204541153038345404 1.5"))),
        DecodeError::AmountNotANumber
    );
    assert_eq!(
        err(&seal(&body("5204541153038345403 1e"))),
        DecodeError::AmountNotANumber
    );
    assert_eq!(
        err(&seal(&body("52045411530383454051,000"))),
        DecodeError::AmountNotANumber
    );
}

#[test]
fn amount_not_positive() {
    assert_eq!(
        err(&seal(&body("52045411530383454040.00"))),
        DecodeError::AmountNotPositive
    );
    assert_eq!(
        err(&seal(&body("5204541153038345402-1"))),
        DecodeError::AmountNotPositive
    );
}

#[test]
fn amount_too_precise() {
    assert_eq!(
        err(&seal(&body("52045411530383454051.005"))),
        DecodeError::AmountTooPrecise
    );
    // UGX has no minor unit.
    assert_eq!(
        err(&seal(&body("52045411530380054031.5"))),
        DecodeError::AmountTooPrecise
    );
}

#[test]
fn bad_country() {
    let p = seal(&body("520454115303834").replacen("5802TZ", "5802tz", 1));
    assert_eq!(err(&p), DecodeError::BadCountry);
}

#[test]
fn too_long() {
    let p = seal(&body("520454115303834541412345678901.12"));
    assert_eq!(
        err(&p),
        DecodeError::TooLong {
            tag: 54,
            len: 14,
            max: 13
        }
    );
    // Name/city limits bind the encoder; decoding tolerates longer display hints (V3).
    let p = seal(&format!(
        "000201{ACCOUNT}5204541153038345802TZ5926{}6003DAR",
        "N".repeat(26)
    ));
    let mut qr = MerchantQr::decode(&p).unwrap();
    assert_eq!(
        qr.encode(),
        Err(EncodeError::Invalid(DecodeError::TooLong {
            tag: 59,
            len: 26,
            max: 25
        }))
    );
    qr.name = "N".repeat(25);
    qr.city = "C".repeat(16);
    assert_eq!(
        qr.encode(),
        Err(EncodeError::Invalid(DecodeError::TooLong {
            tag: 60,
            len: 16,
            max: 15
        }))
    );
    let p = seal(&format!(
        "{}6111{}",
        body("520454115303834"),
        "1".repeat(11)
    ));
    assert_eq!(
        err(&p),
        DecodeError::TooLong {
            tag: 61,
            len: 11,
            max: 10
        }
    );
}

#[test]
fn bad_language_template() {
    let p = seal(&format!("{}64060002ZH", body("520454115303834")));
    assert!(
        matches!(err(&p), DecodeError::BadTemplate { tag: 64, inner } if *inner == DecodeError::BadLanguageTemplate)
    );
}

#[test]
fn bad_payee() {
    let bad_type = "26320011org.kipochi0106PHONE!0203123";
    let p = seal(&format!("000201{bad_type}520454115303834{TAIL}"));
    let qr = MerchantQr::decode(&p).unwrap();
    assert_eq!(qr.payment_intent(), Err(DecodeError::BadPayee { tag: 26 }));
    assert_eq!(parse_payment_qr(&p), Err(DecodeError::BadPayee { tag: 26 }));
}

#[test]
fn no_supported_account() {
    let p = seal(&format!(
        "000201021641111111111111112632001612345678901234560108ANYTHING520454115303834{TAIL}"
    ));
    assert_eq!(parse_payment_qr(&p), Err(DecodeError::NoSupportedAccount));
}

#[test]
fn bad_base64() {
    // Valid Base64 of bytes that are not UTF-8.
    assert_eq!(parse_payment_qr("//79"), Err(DecodeError::BadBase64));
}

#[test]
fn missing_parameter() {
    assert_eq!(
        parse_payment_qr("upi://pay?am=5"),
        Err(DecodeError::MissingParameter { name: "pa" })
    );
}

#[test]
fn bad_parameter() {
    assert_eq!(
        parse_payment_qr("upi://pay?pa=x%ZZ"),
        Err(DecodeError::BadParameter { name: "pa" })
    );
}
