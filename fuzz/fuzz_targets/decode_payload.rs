//! Any text through every payload parser: must return Ok or a typed error, never panic; and
//! a decoded EMV payload must re-encode to a payload that decodes to the same value.
#![no_main]

use kipochi_core::qr::{MerchantQr, parse_payment_qr};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = parse_payment_qr(text);
    if let Ok(qr) = MerchantQr::decode(text) {
        let _ = qr.payment_intent();
        let again = qr.encode().expect("a decoded QR re-encodes");
        assert_eq!(MerchantQr::decode(&again).expect("re-encoded payload decodes"), qr);
    }
});
