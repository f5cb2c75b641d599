//! Any text through every payload parser: must return Ok or a typed error, never panic.
//! The text is also tried with a correct CRC appended, so the fuzzer gets past the checksum
//! into the field rules. A decoded EMV payload must re-encode to a payload that decodes to the
//! same value, unless its name/city exceed the limits only the encoder enforces.
#![no_main]

use kipochi_core::qr::{DecodeError, EncodeError, MerchantQr, crc16, parse_payment_qr};
use libfuzzer_sys::fuzz_target;

fn check(text: &str) {
    let _ = parse_payment_qr(text);
    if let Ok(qr) = MerchantQr::decode(text) {
        let _ = qr.payment_intent();
        match qr.encode() {
            Ok(again) => {
                let back = MerchantQr::decode(&again).expect("re-encoded payload decodes");
                assert_eq!(back, qr);
                assert_eq!(back.encode().as_deref(), Ok(again.as_str()));
            }
            Err(EncodeError::Invalid(DecodeError::TooLong { tag: 59 | 60, .. })) => {}
            Err(e) => panic!("decoded QR failed to re-encode: {e}"),
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    check(text);
    let sealed = format!("{text}6304");
    let crc = crc16(&sealed);
    check(&format!("{sealed}{crc:04X}"));
});
