//! Payment orchestration: drives payments through the durable states of `crate::payments`,
//! talking to the accounts only through `AccountSystem`.
//!
//! - `resolve`: request → payee alias, amount and reference (amount rules, QR decoding).
//! - `payer`: create / approve / decline / get; same-DFSP payments are booked here.
//! - `external`: the payer side through the switch (lookup, quote, hold, transfer, settle).
//! - `payee`: the FSPIOP payee role (`InboundHandler`): lookup, quote, credit on transfer.
//! - `terms`: wire views (quote, payment) and the approval terms rebuilt from the stored quote.
//! - `notify`: server-sent events when a payment finishes.
//! - `merchant`: merchant requests checked at quote time and marked paid on commit.
//! - `recovery`: drives unfinished payments to a terminal state after a restart.
//! - `errors`: the one `AccountError` → API error mapping.

pub mod errors;
pub mod external;
mod merchant;
mod notify;
pub mod payee;
pub mod payer;
pub mod recovery;
pub mod resolve;
pub mod terms;

/// How long the quotes and transfers this hub makes stay valid (`[hub] quote_ttl_secs`,
/// `transfer_ttl_secs`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Expiry {
    /// A quote (ours as payer, or as payee) can be approved / used for this long.
    pub quote_ms: i64,
    /// The switch has this long to complete a transfer we send (its `expiration`).
    pub transfer_ms: i64,
}

impl Default for Expiry {
    fn default() -> Self {
        Self {
            quote_ms: payer::QUOTE_TTL_MS,
            transfer_ms: external::TRANSFER_TTL_MS,
        }
    }
}
