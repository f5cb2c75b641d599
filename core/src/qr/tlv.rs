//! EMVCo TLV: 2-digit ID, 2-digit length counted in characters, value; and the payload CRC.

use super::DecodeError;
use super::EncodeError;

/// CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF), called CRC-16/IBM-3740 by the `crc` crate.
const CRC16: crc::Crc<u16> = crc::Crc::<u16>::new(&crc::CRC_16_IBM_3740);

/// One data object: a 2-digit ID and its value (for templates, the nested TLV text).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DataObject {
    /// The ID, `0..=99`.
    pub tag: u8,
    /// The value, 1 to 99 characters.
    pub value: String,
}

impl DataObject {
    /// A data object from an ID and a value.
    pub fn new(tag: u8, value: impl Into<String>) -> Self {
        DataObject {
            tag,
            value: value.into(),
        }
    }
}

/// The CRC-16/CCITT-FALSE of the UTF-8 bytes of `text`.
pub fn crc16(text: &str) -> u16 {
    CRC16.checksum(text.as_bytes())
}

fn two_digits(s: &str, at: usize) -> Option<u8> {
    let b = s.as_bytes().get(at..at + 2)?;
    if b[0].is_ascii_digit() && b[1].is_ascii_digit() {
        Some((b[0] - b'0') * 10 + (b[1] - b'0'))
    } else {
        None
    }
}

/// Splits `text` into data objects, in the order they appear. Lengths count characters, so
/// multi-byte UTF-8 values are measured correctly. IDs must be unique.
pub fn parse(text: &str) -> Result<Vec<DataObject>, DecodeError> {
    let mut out: Vec<DataObject> = Vec::new();
    let mut pos = 0; // byte offset, always on a char boundary
    let mut char_pos = 0; // the same position in characters, for error reports
    while pos < text.len() {
        let tag = two_digits(text, pos).ok_or(DecodeError::BadTag { offset: char_pos })?;
        let len = two_digits(text, pos + 2).ok_or(DecodeError::BadLength { tag })?;
        if len == 0 {
            return Err(DecodeError::BadLength { tag });
        }
        let start = pos + 4;
        let rest = &text[start..];
        let end = match rest.char_indices().nth(usize::from(len)) {
            Some((i, _)) => start + i,
            None if rest.chars().count() == usize::from(len) => text.len(),
            None => return Err(DecodeError::Truncated { tag }),
        };
        if out.iter().any(|o| o.tag == tag) {
            return Err(DecodeError::DuplicateTag { tag });
        }
        out.push(DataObject::new(tag, &text[start..end]));
        pos = end;
        char_pos += 4 + usize::from(len);
    }
    Ok(out)
}

/// Appends one data object to `out`.
pub fn push(out: &mut String, tag: u8, value: &str) -> Result<(), EncodeError> {
    if tag > 99 {
        return Err(EncodeError::BadTag { tag });
    }
    let len = value.chars().count();
    if !(1..=99).contains(&len) {
        return Err(EncodeError::ValueLength { tag, len });
    }
    out.push_str(&format!("{tag:02}{len:02}"));
    out.push_str(value);
    Ok(())
}

/// Encodes data objects in the given order.
pub fn encode(objects: &[DataObject]) -> Result<String, EncodeError> {
    let mut out = String::new();
    for o in objects {
        push(&mut out, o.tag, &o.value)?;
    }
    Ok(out)
}

/// Appends `6304` and the CRC (4 upper-case hex digits) to a payload body.
pub fn seal(mut body: String) -> String {
    body.push_str("6304");
    let crc = crc16(&body);
    body.push_str(&format!("{crc:04X}"));
    body
}

/// Checks the trailing CRC object of a full payload: `63`, length `04`, 4 hex digits (either
/// case) matching the CRC of everything before them.
pub fn verify_crc(payload: &str) -> Result<(), DecodeError> {
    let bytes = payload.as_bytes();
    let n = bytes.len();
    if n < 8 || &bytes[n - 8..n - 4] != b"6304" {
        return Err(DecodeError::CrcNotLast);
    }
    let tail = &bytes[n - 4..];
    let found = String::from_utf8_lossy(tail).into_owned();
    let expected = CRC16.checksum(&bytes[..n - 4]);
    let ok = tail.iter().all(u8::is_ascii_hexdigit)
        && u16::from_str_radix(&found, 16).is_ok_and(|v| v == expected);
    if ok {
        Ok(())
    } else {
        Err(DecodeError::BadCrc { expected, found })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc_check_value() {
        assert_eq!(crc16("123456789"), 0x29B1);
    }

    #[test]
    fn lengths_count_characters() {
        let objs = parse("0104最佳运输0202北京").unwrap();
        assert_eq!(objs[0].value, "最佳运输");
        assert_eq!(objs[1].value, "北京");
        assert_eq!(encode(&objs).unwrap(), "0104最佳运输0202北京");
    }

    #[test]
    fn structural_errors() {
        assert_eq!(parse("0a02xx"), Err(DecodeError::BadTag { offset: 0 }));
        assert_eq!(parse("0102ab9"), Err(DecodeError::BadTag { offset: 6 }));
        assert_eq!(parse("01x2ab"), Err(DecodeError::BadLength { tag: 1 }));
        assert_eq!(parse("0100"), Err(DecodeError::BadLength { tag: 1 }));
        assert_eq!(parse("0105ab"), Err(DecodeError::Truncated { tag: 1 }));
        assert_eq!(
            parse("0101a0101b"),
            Err(DecodeError::DuplicateTag { tag: 1 })
        );
        assert_eq!(
            push(&mut String::new(), 5, &"x".repeat(100)),
            Err(EncodeError::ValueLength { tag: 5, len: 100 })
        );
        assert_eq!(
            push(&mut String::new(), 100, "x"),
            Err(EncodeError::BadTag { tag: 100 })
        );
    }
}
