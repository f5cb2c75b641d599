//! The outbox's real transport: queued actions go to the hub with their device-made id.
//!
//! - `Onboarding`: `POST /agent/customers`, body = the stored form verbatim, `Idempotency-Key` =
//!   the item id, so a resend after a lost answer returns the customer created the first time.
//! - `Payment`: `POST /payments`, body = the stored request, whose `payment_id` must be the item
//!   id (the hub's idempotency key for payments).
//!
//! A hub refusal (4xx with `{code, message}`) is final and goes to the agent to fix; no answer
//! (offline, timeout, 5xx, 429), a missing or expired session are retryable: the item stays
//! queued and the app syncs again after reconnecting or logging in.

use reqwest::Method;

use super::{ClientError, HubClient};
use crate::outbox::{Delivery, Transport};
use crate::store::{OutboxItem, OutboxKind};

/// [`Transport`] over a [`HubClient`] (uses its session).
#[derive(Clone, Debug)]
pub struct OutboxTransport {
    client: HubClient,
}

impl OutboxTransport {
    /// A transport sending through `client`.
    pub fn new(client: HubClient) -> Self {
        Self { client }
    }
}

/// The [`Delivery`] for one hub answer.
pub(crate) fn delivery(answer: Result<Vec<u8>, ClientError>) -> Delivery {
    match answer {
        Ok(body) => Delivery::Accepted {
            result: String::from_utf8_lossy(&body).into_owned(),
        },
        Err(e) if e.is_retryable() || e.is_unauthenticated() => Delivery::Retryable {
            reason: e.to_string(),
        },
        Err(ClientError::Hub { code, message, .. }) => Delivery::Rejected { code, message },
        Err(e) => Delivery::Rejected {
            code: e.code().to_string(),
            message: e.to_string(),
        },
    }
}

fn payment_id_matches(item: &OutboxItem) -> bool {
    serde_json::from_str::<serde_json::Value>(&item.payload)
        .ok()
        .and_then(|v| v.get("payment_id")?.as_str().map(|s| s == item.id))
        .unwrap_or(false)
}

impl Transport for OutboxTransport {
    async fn deliver(&self, item: &OutboxItem) -> Delivery {
        let path = match item.kind {
            OutboxKind::Onboarding => "/agent/customers",
            OutboxKind::Payment if payment_id_matches(item) => "/payments",
            OutboxKind::Payment => {
                return Delivery::Rejected {
                    code: "invalid_input".into(),
                    message: "the queued payment's payment_id is not its outbox id".into(),
                };
            }
        };
        let req = match self.client.request(Method::POST, path, true) {
            Ok(req) => req,
            Err(e) => return delivery(Err(e)),
        };
        let req = req
            .header("idempotency-key", item.id.as_str())
            .header("content-type", "application/json")
            .body(item.payload.clone());
        delivery(self.client.send_raw(req).await)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_map_to_final_or_retryable_deliveries() {
        assert_eq!(
            delivery(Ok(br#"{"customer_id":"c1"}"#.to_vec())),
            Delivery::Accepted {
                result: r#"{"customer_id":"c1"}"#.into()
            }
        );
        let refused = ClientError::from_status_body(
            400,
            br#"{"code":"invalid_request","message":"date of birth is required"}"#,
        );
        assert_eq!(
            delivery(Err(refused)),
            Delivery::Rejected {
                code: "invalid_request".into(),
                message: "date of birth is required".into()
            }
        );
        for e in [
            ClientError::Timeout,
            ClientError::Unreachable("connection refused".into()),
            ClientError::NoSession,
            ClientError::from_status_body(503, b"busy"),
            ClientError::from_status_body(
                401,
                br#"{"code":"unauthenticated","message":"authentication required"}"#,
            ),
        ] {
            assert!(
                matches!(delivery(Err(e.clone())), Delivery::Retryable { .. }),
                "{e:?}"
            );
        }
    }
}
