//! EMVCo payload vectors from the reference notes, Kipochi payloads, and legacy URIs.

use kipochi_core::money::{Amount, Currency};
use kipochi_core::qr::{
    DecodeError, Initiation, MerchantAccount, MerchantQr, PartyId, PartyIdType, Source, crc16,
    parse_payment_qr,
};

const V1: &str = "00020101021229300012D156000000000510A93FO3230Q31280012D15600000001030812345678520441115802CN5914BEST TRANSPORT6007BEIJING64200002ZH0104最佳运输0202北京540523.7253031565502016233030412340603***0708A60086670902ME91320016A0112233449988770708123456786304A13A";
const V2: &str = "00020126580014br.gov.bcb.pix0136123e4567-e12b-12d1-a456-4266554400005204000053039865802BR5913Fulano de Tal6008BRASILIA62070503***63041D3D";
const V3: &str = "00020101021252044131153137210116372101160123456789ABCDE6016Banteay Meanchey5913Kuntheas Shop5802KH540510.005303840621201081234567863041FF2";
const V4: &str = "000201010211057704736a2f41a3-c54c-fce8-32d2-0324e1c32e22*3440e5bf-81ca-4c5f-a1b2-cf989f09a03952045024530384054031005802US5913Test Merchant6008New York62080304123463046F6D";
const V5: &str = "00020101021226810014br.gov.bcb.pix2559core.mkbank.com.br/api/cob/9cf1f6686ac04974b2382a5823af06e75204000053039865802BR5917MARCOS RENA KUBIS6008CURITIBA62070503***63046AEF";
const V6: &str = "00020101021128570032a1b2c3d4e5f60718293a4b5c6d7e8f900105ALIAS0208100000015204541153038345802TZ5912DUKA LA MAMA6013DAR ES SALAAM63045C19";
const V7: &str = "00020101021228570032a1b2c3d4e5f60718293a4b5c6d7e8f900105ALIAS02081000000152045411530383454072500.005802TZ5912DUKA LA MAMA6013DAR ES SALAAM62270513INV-2024-00010706TILL016304D33F";
const N1: &str = "00020126580014BR.GOV.BCB.PIX0136123e4567-e89b-12d3-a456-42661417400052040000530398654041.005802BR5913RedFlix Teste6008Brasilia62070503***63041D3D";

fn amt(s: &str) -> Amount {
    s.parse().unwrap()
}

fn cur(a: &str) -> Currency {
    Currency::from_alpha(a).unwrap()
}

#[test]
fn crc_vectors() {
    assert_eq!(crc16("123456789"), 0x29B1);
    for (v, crc) in [
        (V1, "A13A"),
        (V2, "1D3D"),
        (V3, "1FF2"),
        (V4, "6F6D"),
        (V5, "6AEF"),
        (V6, "5C19"),
        (V7, "D33F"),
    ] {
        let body = &v[..v.len() - 4];
        assert_eq!(format!("{:04X}", crc16(body)), crc);
    }
}

#[test]
fn all_reference_vectors_decode() {
    let v1 = MerchantQr::decode(V1).unwrap();
    assert_eq!(v1.initiation, Some(Initiation::Dynamic));
    assert_eq!(v1.currency, cur("CNY"));
    assert_eq!(v1.amount, Some(amt("23.72")));
    assert_eq!(
        (v1.name.as_str(), v1.city.as_str()),
        ("BEST TRANSPORT", "BEIJING")
    );
    let lang = v1.language.as_ref().unwrap();
    assert_eq!(
        (lang.language.as_str(), lang.name.as_str()),
        ("ZH", "最佳运输")
    );
    assert_eq!(lang.city.as_deref(), Some("北京"));
    assert_eq!(v1.accounts.len(), 2);
    assert_eq!(v1.accounts[0].tag(), 29);
    let add = v1.additional.as_ref().unwrap();
    assert_eq!(add.store_label.as_deref(), Some("1234"));
    assert_eq!(add.terminal_label.as_deref(), Some("A6008667"));
    assert_eq!(add.other.len(), 2); // 06 ***, 09 ME
    assert_eq!(v1.extra.iter().map(|o| o.tag).collect::<Vec<_>>(), [55, 91]);

    let v2 = MerchantQr::decode(V2).unwrap();
    assert_eq!(v2.initiation, None);
    assert_eq!((v2.currency, v2.amount), (cur("BRL"), None));
    assert!(
        matches!(&v2.accounts[0], MerchantAccount::Template { guid, .. } if guid == "br.gov.bcb.pix")
    );
    // Pix is not payable from Kipochi: the QR decodes, but has no payee for us.
    assert_eq!(v2.payment_intent(), Err(DecodeError::NoSupportedAccount));

    let v3 = MerchantQr::decode(V3).unwrap();
    assert_eq!((v3.currency, v3.amount), (cur("USD"), Some(amt("10"))));
    assert_eq!(v3.amount.unwrap().to_mojaloop().unwrap(), "10");
    assert_eq!(v3.city, "Banteay Meanchey");
    assert_eq!(v3.accounts[0].tag(), 15);

    let v4 = MerchantQr::decode(V4).unwrap();
    assert_eq!(v4.initiation, Some(Initiation::Static));
    assert_eq!(v4.amount, Some(amt("100")));
    assert_eq!(v4.accounts[0].tag(), 5);

    let v5 = MerchantQr::decode(V5).unwrap();
    assert_eq!(
        v5.accounts[0].field(25),
        Some("core.mkbank.com.br/api/cob/9cf1f6686ac04974b2382a5823af06e7")
    );

    for v in [V6, V7] {
        let qr = MerchantQr::decode(v).unwrap();
        let intent = qr.payment_intent().unwrap();
        assert_eq!(intent.payee, PartyId::new(PartyIdType::Alias, "10000001"));
        assert_eq!(intent.currency, Some(cur("TZS")));
        assert_eq!(intent.merchant_name_hint.as_deref(), Some("DUKA LA MAMA"));
    }
    let v7 = parse_payment_qr(V7).unwrap();
    assert!(v7.dynamic);
    assert_eq!(v7.amount.unwrap().to_mojaloop().unwrap(), "2500");
    assert_eq!(v7.reference.as_deref(), Some("INV-2024-0001"));
    assert_eq!(v7.terminal.as_deref(), Some("TILL01"));
}

#[test]
fn ascending_vectors_re_encode_byte_identically() {
    for v in [V6, V7] {
        assert_eq!(MerchantQr::decode(v).unwrap().encode().unwrap(), v);
    }
    // Unsorted sources re-encode canonically (ascending IDs) to an equal MerchantQr.
    // V3's city has 16 characters: readable, but our encoder keeps the 15-character limit.
    assert!(MerchantQr::decode(V3).unwrap().encode().is_err());
    for v in [V1, V2, V4, V5] {
        let qr = MerchantQr::decode(v).unwrap();
        let again = qr.encode().unwrap();
        assert_eq!(MerchantQr::decode(&again).unwrap(), qr);
        assert_eq!(again.chars().count(), v.chars().count());
    }
}

#[test]
fn stale_crc_vector_is_refused() {
    assert_eq!(
        MerchantQr::decode(N1),
        Err(DecodeError::BadCrc {
            expected: 0xB2DD,
            found: "1D3D".into()
        })
    );
    assert!(matches!(
        parse_payment_qr(N1),
        Err(DecodeError::BadCrc { .. })
    ));
    // Lower-case hex is accepted on input.
    let lower = format!("{}{}", &V7[..V7.len() - 4], "d33f");
    assert!(MerchantQr::decode(&lower).is_ok());
}

fn kipochi_dynamic() -> MerchantQr {
    let payee = PartyId {
        id_type: PartyIdType::Msisdn,
        identifier: "255712345678".into(),
        sub_id: Some("till-3".into()),
    };
    MerchantQr::kipochi(
        &payee,
        "5411",
        cur("TZS"),
        "TZ",
        "Duka la Mama na Watoto Wake Wote",
        "Dar es Salaam Kariakoo",
    )
    .for_payment(amt("2500.00"), Some("INV-77"), Some("TILL01"))
}

#[test]
fn kipochi_payloads_round_trip() {
    let qr = kipochi_dynamic();
    assert_eq!(qr.name.chars().count(), 25);
    assert_eq!(qr.city.chars().count(), 15);
    let payload = qr.encode().unwrap();
    assert!(payload.starts_with("00020101021226"));
    assert!(payload.contains("0011org.kipochi0106MSISDN0212255712345678"));
    let back = MerchantQr::decode(&payload).unwrap();
    assert_eq!(back, qr);
    assert_eq!(back.encode().unwrap(), payload);

    let intent = parse_payment_qr(&payload).unwrap();
    assert_eq!(intent.source, Source::Emv);
    assert_eq!(intent.payee.identifier, "255712345678");
    assert_eq!(intent.payee.sub_id.as_deref(), Some("till-3"));
    assert_eq!(intent.amount, Some(amt("2500")));
    assert_eq!(intent.reference.as_deref(), Some("INV-77"));
    assert!(intent.dynamic);

    // Static sticker: no amount, payer enters it.
    let payee = PartyId::new(PartyIdType::Business, "DUKA-001");
    let s = MerchantQr::kipochi(&payee, "5411", cur("KES"), "KE", "Duka", "Nairobi");
    let intent = parse_payment_qr(&s.encode().unwrap()).unwrap();
    assert_eq!((intent.amount, intent.dynamic), (None, false));
    assert_eq!(intent.payee.id_type, PartyIdType::Business);
}

#[test]
fn encode_refuses_invalid_fields() {
    let mut qr = kipochi_dynamic();
    qr.amount = Some(amt("10.005"));
    assert!(qr.encode().is_err());
    let mut qr = kipochi_dynamic();
    qr.mcc = "54".into();
    assert!(qr.encode().is_err());
    let mut qr = kipochi_dynamic();
    qr.name = "x".repeat(26);
    assert!(qr.encode().is_err());
    let mut qr = kipochi_dynamic();
    qr.accounts.clear();
    assert!(qr.encode().is_err());
}

#[test]
fn mifos_pay_uris() {
    use base64::Engine;
    let uri = "mpay://pay?qt=1&fsp=gorilla&ae=ACC-778&cn=Mama Duka&am=150.5&cu=KES";
    let wrapped = base64::engine::general_purpose::STANDARD.encode(uri);
    for text in [uri.to_string(), wrapped] {
        let i = parse_payment_qr(&text).unwrap();
        assert_eq!(i.source, Source::MifosPay);
        assert_eq!(i.payee, PartyId::new(PartyIdType::AccountId, "ACC-778"));
        assert_eq!(i.payee_fsp.as_deref(), Some("gorilla"));
        assert_eq!(i.amount, Some(amt("150.50")));
        assert_eq!(i.currency, Some(cur("KES")));
        assert_eq!(i.merchant_name_hint.as_deref(), Some("Mama Duka"));
    }
    // Intra-bank form: account number only, no amount.
    let i = parse_payment_qr("mpay://pay?qt=0&ci=12&an=000000042&cn=Juma&cu=TZS").unwrap();
    assert_eq!((i.payee.identifier.as_str(), i.amount), ("000000042", None));
    assert_eq!(
        parse_payment_qr("mpay://pay?qt=0&cn=Juma"),
        Err(DecodeError::MissingParameter { name: "ae" })
    );
    assert_eq!(
        parse_payment_qr("mpay://pay?ae=1&cu=XYZ"),
        Err(DecodeError::BadParameter { name: "cu" })
    );
    assert_eq!(
        parse_payment_qr("mpay://pay?ae=1&am=1.0E7&cu=KES"),
        Err(DecodeError::AmountNotANumber)
    );
}

#[test]
fn upi_uris() {
    let i = parse_payment_qr("upi://pay?pa=mama%40okbank&pn=Mama+Duka&am=99.50&tr=ORD%2D1&tid=T9")
        .unwrap();
    assert_eq!(i.source, Source::Upi);
    assert_eq!(i.payee, PartyId::new(PartyIdType::Alias, "mama@okbank"));
    assert_eq!(i.merchant_name_hint.as_deref(), Some("Mama Duka"));
    assert_eq!(i.amount, Some(amt("99.5")));
    assert_eq!(i.currency, Some(cur("INR")));
    assert_eq!(i.reference.as_deref(), Some("ORD-1"));
    assert_eq!(i.terminal.as_deref(), Some("T9"));
    assert!(i.dynamic);
    // Mifos Pay's Base64-wrapped UPI with its fake `sign`.
    use base64::Engine;
    let inner = "upi://pay?pa=juma@mifos&am=10&pn=Juma&cu=USD&mode=02&s=000000";
    let text = base64::engine::general_purpose::STANDARD.encode(inner);
    let i = parse_payment_qr(&text).unwrap();
    assert_eq!((i.currency, i.amount), (Some(cur("USD")), Some(amt("10"))));
    assert_eq!(
        parse_payment_qr("UPI://PAY?pa=a@b")
            .unwrap()
            .payee
            .identifier,
        "a@b"
    );
    assert_eq!(
        parse_payment_qr("upi://pay?pn=x"),
        Err(DecodeError::MissingParameter { name: "pa" })
    );
    assert_eq!(
        parse_payment_qr("upi://pay?pa=a%4"),
        Err(DecodeError::BadParameter { name: "pa" })
    );
    assert_eq!(
        parse_payment_qr("upi://pay?pa=a@b&am=-5"),
        Err(DecodeError::BadParameter { name: "am" })
    );
    assert_eq!(
        parse_payment_qr("upi://pay?pa=a@b&am=1.001"),
        Err(DecodeError::AmountTooPrecise)
    );
    assert_eq!(parse_payment_qr("hello world"), Err(DecodeError::NotEmv));
    assert_eq!(parse_payment_qr("aGVsbG8="), Err(DecodeError::NotEmv));
    assert_eq!(parse_payment_qr("/w=="), Err(DecodeError::BadBase64));
    assert_eq!(parse_payment_qr("  "), Err(DecodeError::Empty));
}

/// Found by the `decode_payload` fuzz target: unsorted sub-tags in template 62 and unsorted
/// root tags must decode to the same value as their canonical (sorted) re-encoding.
#[test]
fn unsorted_extra_tags_round_trip() {
    let seal = |body: &str| {
        let sealed = format!("{body}6304");
        format!("{sealed}{:04X}", crc16(&sealed))
    };
    let fuzz_case = "00020101021229300012D156000000000510A93FO3230Q31280012D15600000001030812345678520441115802CN5914BEST TRANSPORT6007BEIJING44200002ZH0104最佳运输0202北京540523.7253031565502016233030412340603***8708A60086670902ME91320016A011223344998877070812345678";
    let v6_body = &V6[..V6.len() - 8];
    let root_unsorted = format!("{v6_body}9103abc550201");
    for payload in [seal(fuzz_case), seal(&root_unsorted)] {
        let qr = MerchantQr::decode(&payload).unwrap();
        let again = qr.encode().unwrap();
        assert_eq!(MerchantQr::decode(&again).unwrap(), qr);
        assert_eq!(qr.encode().unwrap(), again);
    }
    let qr = MerchantQr::decode(&seal(&root_unsorted)).unwrap();
    assert_eq!(qr.extra.iter().map(|o| o.tag).collect::<Vec<_>>(), [55, 91]);
}
