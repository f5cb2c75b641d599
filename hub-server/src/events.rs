//! Live events for wallet users (Server-Sent Events at `/api/v1/events`).
//!
//! One broadcast channel for the hub; each SSE connection filters the events of its user. Events
//! are notifications only: a client that missed some (lagged, offline) re-reads balance and
//! history, which are the source of truth.

use kipochi_core::api::Event;
use tokio::sync::broadcast;

/// Capacity of the broadcast buffer; slower subscribers skip ahead and are told they lagged.
const CAPACITY: usize = 1024;

/// The hub's event bus.
#[derive(Debug)]
pub struct Events {
    tx: broadcast::Sender<(String, Event)>,
}

impl Default for Events {
    fn default() -> Self {
        Self {
            tx: broadcast::channel(CAPACITY).0,
        }
    }
}

impl Events {
    /// Sends `event` to every live connection of `user_id` (a no-op when none is open).
    pub fn publish(&self, user_id: &str, event: Event) {
        let _ = self.tx.send((user_id.to_string(), event));
    }

    /// A receiver of every event; callers keep those of their user.
    pub fn subscribe(&self) -> broadcast::Receiver<(String, Event)> {
        self.tx.subscribe()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kipochi_core::api::Balance;

    #[tokio::test]
    async fn subscribers_receive_events_with_their_user() {
        let events = Events::default();
        let mut rx = events.subscribe();
        let balance = Balance {
            currency: "TZS".into(),
            ledger: "1".into(),
            available: "1".into(),
            as_of: 1,
        };
        events.publish("u1", Event::BalanceChanged { balance });
        let (user, event) = rx.recv().await.unwrap();
        assert_eq!(user, "u1");
        assert!(matches!(event, Event::BalanceChanged { .. }));
    }
}
