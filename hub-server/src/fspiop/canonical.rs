//! Recursively key-sorted compact JSON, as `safe-stable-stringify` produces it (used for ILP
//! transaction objects, JWS payloads and duplicate-detection hashes).

use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

/// Writes `value` as compact JSON with object keys sorted by UTF-16 code units (JavaScript's
/// default `Array.prototype.sort` order), independent of serde_json's map ordering features.
pub fn to_string(value: &Value) -> String {
    let mut out = String::new();
    write(value, &mut out);
    out
}

/// Serializes `value` and writes it as canonical JSON.
pub fn to_canonical<T: Serialize>(value: &T) -> Result<String, serde_json::Error> {
    Ok(to_string(&serde_json::to_value(value)?))
}

/// SHA-256 (hex) of the canonical form of `value`: equal for semantically equal JSON bodies.
pub fn hash(value: &Value) -> String {
    let digest = Sha256::digest(to_string(value).as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

fn write(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|a, b| a.0.encode_utf16().cmp(b.0.encode_utf16()));
            out.push('{');
            for (i, (k, v)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                // Serializing a string to JSON cannot fail.
                out.push_str(&serde_json::to_string(k).unwrap_or_default());
                out.push(':');
                write(v, out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write(v, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorts_recursively_and_is_compact() {
        let v: Value =
            serde_json::from_str(r#"{"b":{"z":1,"a":[{"y":"x","c":null}]},"a":"é\n"}"#).unwrap();
        assert_eq!(
            to_string(&v),
            r#"{"a":"é\n","b":{"a":[{"c":null,"y":"x"}],"z":1}}"#
        );
        let w: Value =
            serde_json::from_str(r#"{"a":"é\n","b":{"z":1,"a":[{"c":null,"y":"x"}]}}"#).unwrap();
        assert_eq!(hash(&v), hash(&w));
    }
}
