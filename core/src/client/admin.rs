//! The back office's calls (`admin` role): payment search and one payment with its timeline.

use super::{ClientError, ClientResult, HubClient, path_id};
use crate::api::{Payment, PaymentState};
use crate::api_extra::AdminPayment;

/// Filters of [`HubClient::admin_payments`]; `None` means "any".
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PaymentSearch {
    /// Only payments in this state.
    pub state: Option<PaymentState>,
    /// Created at or after (Unix ms).
    pub from: Option<i64>,
    /// Created before (Unix ms).
    pub to: Option<i64>,
    /// A counterparty id, user id or account id.
    pub party: Option<String>,
    /// Page size (the hub allows 1 to 500).
    pub limit: Option<u32>,
}

fn encode(text: &str) -> String {
    let mut enc = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            enc.push(char::from(b));
        } else {
            enc.push_str(&format!("%{b:02X}"));
        }
    }
    enc
}

fn state_text(state: PaymentState) -> ClientResult<String> {
    match serde_json::to_value(state) {
        Ok(serde_json::Value::String(s)) => Ok(s),
        _ => Err(ClientError::InvalidInput("payment state".into())),
    }
}

impl PaymentSearch {
    /// The query string of `GET /admin/payments` (empty when no filter is set).
    pub fn query(&self) -> ClientResult<String> {
        let mut parts = Vec::new();
        if let Some(s) = self.state {
            parts.push(format!("state={}", state_text(s)?));
        }
        if let Some(from) = self.from {
            parts.push(format!("from={from}"));
        }
        if let Some(to) = self.to {
            parts.push(format!("to={to}"));
        }
        if let Some(party) = self
            .party
            .as_deref()
            .map(str::trim)
            .filter(|p| !p.is_empty())
        {
            parts.push(format!("party={}", encode(party)));
        }
        if let Some(limit) = self.limit {
            parts.push(format!("limit={limit}"));
        }
        Ok(if parts.is_empty() {
            String::new()
        } else {
            format!("?{}", parts.join("&"))
        })
    }
}

impl HubClient {
    /// Payments matching `search`, newest first (admin role).
    pub async fn admin_payments(&self, search: &PaymentSearch) -> ClientResult<Vec<Payment>> {
        self.get(&format!("/admin/payments{}", search.query()?))
            .await
    }

    /// One payment with its state timeline (admin role).
    pub async fn admin_payment(&self, payment_id: &str) -> ClientResult<AdminPayment> {
        let id = path_id(payment_id)?;
        self.get(&format!("/admin/payments/{id}")).await
    }
}

#[cfg(test)]
mod tests {
    use super::PaymentSearch;
    use crate::api::PaymentState;

    #[test]
    fn the_query_carries_each_set_filter_encoded() {
        assert_eq!(PaymentSearch::default().query().unwrap(), "");
        let q = PaymentSearch {
            state: Some(PaymentState::Committed),
            from: Some(1000),
            to: Some(2000),
            party: Some(" 2557 11&x ".into()),
            limit: Some(50),
        };
        assert_eq!(
            q.query().unwrap(),
            "?state=committed&from=1000&to=2000&party=2557%2011%26x&limit=50"
        );
        let blank = PaymentSearch {
            party: Some("  ".into()),
            ..Default::default()
        };
        assert_eq!(blank.query().unwrap(), "");
    }
}
