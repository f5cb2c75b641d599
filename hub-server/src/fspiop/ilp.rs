//! ILP packet, fulfilment and condition exactly as Mojaloop's `sdk-standard-components`
//! (`IlpV1.js`, `IlpV4.js`) build them.
//!
//! * data = ASCII of base64url(stable JSON of the transaction object);
//! * v1 packet: `0x01` varlen · amount u64 · varOctets(`g.{fsp}.{type}.{id}`) · varOctets(data) · `0x00`;
//!   fulfilment = HMAC-SHA256(key = base64(secret), msg = the packet's base64url text);
//! * v4 packet (Prepare): `0x0C` varlen · amount u64 · expiresAt (17 ASCII) · condition ·
//!   varOctets(`g.mojaloop`) · varOctets(data); fulfilment = HMAC-SHA256(key = base64(secret),
//!   msg = base64(stable JSON));
//! * condition = SHA-256(fulfilment); all three are base64url without padding.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE, URL_SAFE_NO_PAD};
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::{Digest, Sha256};

use super::canonical;
use super::error::Error;
use super::primitives::DateTime;
use super::types::{IlpCondition, IlpFulfilment, IlpPacket, Money, QuotesPostRequest, Transaction};

/// Which ILP packet format to produce.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum IlpVersion {
    /// ILP v1 payment packet (the reference SDK's default).
    #[default]
    V1,
    /// ILP v4 Prepare packet.
    V4,
}

/// The payee's ILP secret. Never logged.
#[derive(Clone)]
pub struct IlpSecret(Vec<u8>);

impl IlpSecret {
    /// A secret from its text (as configured for the reference SDK's `ILP_SECRET`).
    pub fn new(secret: impl AsRef<[u8]>) -> Self {
        Self(secret.as_ref().to_vec())
    }

    fn hmac(&self, msg: &[u8]) -> Result<[u8; 32], Error> {
        let key = STANDARD.encode(&self.0);
        let mut mac =
            <Hmac<Sha256> as Mac>::new_from_slice(key.as_bytes()).map_err(|_| ilp("HMAC key"))?;
        mac.update(msg);
        Ok(mac.finalize().into_bytes().into())
    }
}

impl std::fmt::Debug for IlpSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("IlpSecret(..)")
    }
}

/// Packet, condition and fulfilment of one quote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IlpTriple {
    /// base64url packet.
    pub packet: IlpPacket,
    /// SHA-256 of the fulfilment.
    pub condition: IlpCondition,
    /// The secret preimage: released only when the payee commits.
    pub fulfilment: IlpFulfilment,
}

/// A decoded packet.
#[derive(Clone, Debug, PartialEq)]
pub struct DecodedPacket {
    /// Format found.
    pub version: IlpVersion,
    /// Amount in minor units.
    pub amount: u64,
    /// ILP address.
    pub destination: String,
    /// The transaction object as JSON.
    pub transaction: Value,
}

fn ilp(msg: impl Into<String>) -> Error {
    Error::Ilp(msg.into())
}

/// The transaction object the reference SDK puts in the packet (`dto.transactionObjectDto`):
/// payer/payee/type from the quote request, amount and expiration from the quote answer.
pub fn transaction_object(
    req: &QuotesPostRequest,
    transfer_amount: &Money,
    expiration: &DateTime,
    note: Option<&str>,
) -> Transaction {
    Transaction {
        transaction_id: req.transaction_id.clone(),
        quote_id: req.quote_id.clone(),
        payee: req.payee.clone(),
        payer: req.payer.clone(),
        amount: transfer_amount.clone(),
        transaction_type: req.transaction_type.clone(),
        expiration: Some(expiration.clone()),
        note: note.map(str::to_owned),
    }
}

/// Builds the packet, fulfilment and condition for `tx` (as JSON) in `version`.
pub fn build(version: IlpVersion, secret: &IlpSecret, tx: &Value) -> Result<IlpTriple, Error> {
    let json = canonical::to_string(tx);
    let data = URL_SAFE_NO_PAD.encode(json.as_bytes());
    let amount = packet_amount(tx)?;
    let (packet_bytes, fulfilment) = match version {
        IlpVersion::V1 => {
            let address = v1_address(tx)?;
            let mut env = Vec::with_capacity(data.len() + address.len() + 16);
            env.extend_from_slice(&amount.to_be_bytes());
            var_octets(&mut env, address.as_bytes());
            var_octets(&mut env, data.as_bytes());
            env.push(0);
            let packet = framed(1, &env);
            let text = URL_SAFE_NO_PAD.encode(&packet);
            let fulfilment = secret.hmac(text.as_bytes())?;
            (packet, fulfilment)
        }
        IlpVersion::V4 => {
            let fulfilment = secret.hmac(STANDARD.encode(json.as_bytes()).as_bytes())?;
            let condition: [u8; 32] = Sha256::digest(fulfilment).into();
            let expiration = tx
                .get("expiration")
                .and_then(Value::as_str)
                .ok_or_else(|| ilp("v4 packets need the transaction expiration"))?;
            let expires: DateTime = expiration.parse().map_err(|_| ilp("bad expiration"))?;
            let expires_at = expires.to_utc().format("%Y%m%d%H%M%S%3f").to_string();
            let mut env = Vec::with_capacity(data.len() + 80);
            env.extend_from_slice(&amount.to_be_bytes());
            env.extend_from_slice(expires_at.as_bytes());
            env.extend_from_slice(&condition);
            var_octets(&mut env, b"g.mojaloop");
            var_octets(&mut env, data.as_bytes());
            (framed(12, &env), fulfilment)
        }
    };
    triple(URL_SAFE_NO_PAD.encode(&packet_bytes), &fulfilment)
}

fn triple(packet: String, fulfilment: &[u8; 32]) -> Result<IlpTriple, Error> {
    let condition: [u8; 32] = Sha256::digest(fulfilment).into();
    Ok(IlpTriple {
        packet: IlpPacket::try_from(packet)?,
        condition: IlpCondition::try_from(URL_SAFE_NO_PAD.encode(condition))?,
        fulfilment: IlpFulfilment::try_from(URL_SAFE_NO_PAD.encode(fulfilment))?,
    })
}

/// Regenerates the fulfilment of a packet this payee built (v1 or v4), returning it with the
/// decoded packet. The caller compares the resulting condition with the transfer's condition.
pub fn fulfil(
    secret: &IlpSecret,
    packet: &IlpPacket,
) -> Result<(IlpFulfilment, DecodedPacket), Error> {
    let decoded = decode(packet)?;
    let fulfilment = match decoded.version {
        IlpVersion::V1 => secret.hmac(packet.as_str().as_bytes())?,
        IlpVersion::V4 => secret.hmac(
            STANDARD
                .encode(canonical::to_string(&decoded.transaction))
                .as_bytes(),
        )?,
    };
    let f = IlpFulfilment::try_from(URL_SAFE_NO_PAD.encode(fulfilment))?;
    Ok((f, decoded))
}

/// `base64url(SHA-256(fulfilment))`; fails unless the fulfilment is a 32-byte preimage.
pub fn condition_of(fulfilment: &IlpFulfilment) -> Result<IlpCondition, Error> {
    let bytes = URL_SAFE_NO_PAD
        .decode(fulfilment.as_str())
        .map_err(|_| ilp("fulfilment is not base64url"))?;
    if bytes.len() != 32 {
        return Err(ilp("fulfilment must be 32 bytes"));
    }
    IlpCondition::try_from(URL_SAFE_NO_PAD.encode(Sha256::digest(&bytes)))
}

/// Whether `fulfilment` is the preimage of `condition`.
pub fn check_fulfilment(fulfilment: &IlpFulfilment, condition: &IlpCondition) -> bool {
    condition_of(fulfilment).is_ok_and(|c| c == *condition)
}

/// Decodes a v1 or v4 packet (base64 or base64url) and its transaction object (base64url JSON
/// in the data field, or raw JSON as legacy packets carry).
pub fn decode(packet: &IlpPacket) -> Result<DecodedPacket, Error> {
    let text = packet.as_str().trim_end_matches('=');
    let bytes = URL_SAFE_NO_PAD
        .decode(text)
        .or_else(|_| URL_SAFE.decode(packet.as_str()))
        .map_err(|_| ilp("packet is not base64url"))?;
    let mut r = Reader {
        buf: &bytes,
        pos: 0,
    };
    let kind = r.byte()?;
    let env_len = r.var_len()?;
    let env = r.take(env_len)?;
    let mut e = Reader { buf: env, pos: 0 };
    let amount = u64::from_be_bytes(e.take(8)?.try_into().map_err(|_| ilp("amount"))?);
    let (version, destination) = match kind {
        1 => (IlpVersion::V1, e.var_octets()?),
        12 => {
            e.take(17)?;
            e.take(32)?;
            (IlpVersion::V4, e.var_octets()?)
        }
        _ => return Err(ilp("unknown packet type")),
    };
    let data = e.var_octets()?;
    let destination =
        String::from_utf8(destination.to_vec()).map_err(|_| ilp("address is not UTF-8"))?;
    let transaction = URL_SAFE_NO_PAD
        .decode(
            data.strip_suffix(b"==")
                .or_else(|| data.strip_suffix(b"="))
                .unwrap_or(data),
        )
        .ok()
        .and_then(|json| serde_json::from_slice(&json).ok())
        .or_else(|| serde_json::from_slice(data).ok())
        .ok_or_else(|| ilp("packet data is not a transaction object"))?;
    Ok(DecodedPacket {
        version,
        amount,
        destination,
        transaction,
    })
}

fn packet_amount(tx: &Value) -> Result<u64, Error> {
    let money: Money = serde_json::from_value(tx.get("amount").cloned().unwrap_or(Value::Null))
        .map_err(|_| ilp("transaction amount missing or invalid"))?;
    money
        .amount
        .to_minor_units(money.currency.scale())
        .map_err(|_| ilp("amount not representable in the currency"))
}

fn v1_address(tx: &Value) -> Result<String, Error> {
    let info = tx
        .pointer("/payee/partyIdInfo")
        .ok_or_else(|| ilp("payee missing"))?;
    let field = |k: &str| info.get(k).and_then(Value::as_str);
    let fsp = field("fspId").ok_or_else(|| ilp("payee fspId missing"))?;
    let kind = field("partyIdType").ok_or_else(|| ilp("payee partyIdType missing"))?;
    let id = field("partyIdentifier").ok_or_else(|| ilp("payee partyIdentifier missing"))?;
    let mut address = format!("g.{fsp}.{}.{}", kind.to_lowercase(), id.to_lowercase());
    if let Some(sub) = field("partySubIdOrType") {
        address.push('.');
        address.push_str(&sub.to_lowercase());
    }
    Ok(address)
}

fn var_len(out: &mut Vec<u8>, len: usize) {
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = (len as u64).to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        out.push(0x80 | (8 - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
}

fn var_octets(out: &mut Vec<u8>, data: &[u8]) {
    var_len(out, data.len());
    out.extend_from_slice(data);
}

fn framed(kind: u8, envelope: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(envelope.len() + 6);
    out.push(kind);
    var_octets(&mut out, envelope);
    out
}

struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], Error> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|e| *e <= self.buf.len())
            .ok_or_else(|| ilp("packet truncated"))?;
        let s = &self.buf[self.pos..end];
        self.pos = end;
        Ok(s)
    }
    fn byte(&mut self) -> Result<u8, Error> {
        Ok(self.take(1)?[0])
    }
    fn var_len(&mut self) -> Result<usize, Error> {
        let first = self.byte()?;
        if first < 0x80 {
            return Ok(first as usize);
        }
        let n = (first & 0x7f) as usize;
        if n == 0 || n > 4 {
            return Err(ilp("bad length prefix"));
        }
        Ok(self
            .take(n)?
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | *b as usize))
    }
    fn var_octets(&mut self) -> Result<&'a [u8], Error> {
        let n = self.var_len()?;
        self.take(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_fulfilment_condition_pairs() {
        for (f, c) in [
            (
                "mhPUT9ZAwd-BXLfeSd7-YPh46rBWRNBiTCSWjpku90s",
                "fH9pAYDQbmoZLPbvv3CSW2RfjU4jvM4ApG_fqGnR7Xs",
            ),
            (
                "UNlJ98hZTY_dsw0cAqw4i_UN3v4utt7CZFB4yfLbVFA",
                "GRzLaTP7DJ9t4P-a_BA0WA9wzzlsugf00-Tn6kESAfM",
            ),
        ] {
            let f = IlpFulfilment::try_from(f.to_owned()).unwrap();
            let c = IlpCondition::try_from(c.to_owned()).unwrap();
            assert!(check_fulfilment(&f, &c));
        }
        let f = IlpFulfilment::try_from("UNlJ98hZTY_dsw0cAqw4i_UN3v4utt7CZFB4yfLbVFA".to_owned())
            .unwrap();
        let c = IlpCondition::try_from("fH9pAYDQbmoZLPbvv3CSW2RfjU4jvM4ApG_fqGnR7Xs".to_owned())
            .unwrap();
        assert!(!check_fulfilment(&f, &c));
    }

    #[test]
    fn truncated_packets_are_refused() {
        let p = IlpPacket::try_from("AYIDLgAAAAAA".to_owned()).unwrap();
        assert!(decode(&p).is_err());
    }
}
