//! Live events of the logged-in user (`GET /api/v1/events`, the core's `EventStream`) delivered
//! to a foreign listener, with a cancellable subscription.
//!
//! A task on the library's runtime pulls the stream and calls the listener on a runtime thread
//! (apps hop to their UI thread). The stream reconnects by itself after a drop with backoff; on
//! `Connected` and `Lagged` the app re-reads balance and history (events missed while
//! disconnected are not replayed). It ends only when cancelled (`on_closed(None)`) or on a final
//! error such as an expired session (`on_closed("unauthenticated")`).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use kipochi_core::api::Event;
use kipochi_core::client::{CancelHandle, LiveEvent};
use tokio::task::AbortHandle;

use crate::FfiError;
use crate::hub::HubClient;
use crate::hub_records::{HubBalance, HubPayment};
use crate::runtime;

/// One live notification.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum HubEvent {
    /// (Re)connected: re-read balance and history now.
    Connected,
    /// Money arrived (merchant counter, P2P receiver).
    PaymentReceived {
        /// The payment.
        payment: HubPayment,
    },
    /// A payment this user made reached a final state.
    PaymentCompleted {
        /// The payment.
        payment: HubPayment,
    },
    /// The balance changed.
    BalanceChanged {
        /// The new balance.
        balance: HubBalance,
    },
    /// The hub dropped notifications for this connection: re-read balance and history.
    Lagged,
    /// The connection dropped; the stream reconnects after a delay.
    Disconnected {
        /// Why (`unreachable`, `timeout`, `stream_ended` ...).
        reason: String,
    },
}

impl From<LiveEvent> for HubEvent {
    fn from(e: LiveEvent) -> Self {
        match e {
            LiveEvent::Connected => Self::Connected,
            LiveEvent::Lagged => Self::Lagged,
            LiveEvent::Disconnected { reason } => Self::Disconnected { reason },
            LiveEvent::Event(ev) => match *ev {
                Event::PaymentReceived { payment } => Self::PaymentReceived {
                    payment: payment.into(),
                },
                Event::PaymentCompleted { payment } => Self::PaymentCompleted {
                    payment: payment.into(),
                },
                Event::BalanceChanged { balance } => Self::BalanceChanged {
                    balance: balance.into(),
                },
            },
        }
    }
}

/// Receives live events, on a library thread. Must return quickly (post to the UI thread).
#[uniffi::export(callback_interface)]
pub trait HubEventListener: Send + Sync {
    /// One event, in the order the hub sent them.
    fn on_event(&self, event: HubEvent);
    /// The stream ended: `None` when cancelled, else the final error's code (e.g.
    /// `unauthenticated`: log in again and subscribe again). Called once, last.
    fn on_closed(&self, error_code: Option<String>);
}

/// A running event subscription. Keep a reference while the screen needs events: cancelling it,
/// or letting it be destroyed, stops the stream.
#[derive(uniffi::Object)]
pub struct EventSubscription {
    cancel: CancelHandle,
    task: Mutex<Option<AbortHandle>>,
    /// Set once the stream is over: by `cancel`, or by the task BEFORE it tells the listener,
    /// so a `cancel` after `on_closed` reliably answers `false`.
    ended: Arc<AtomicBool>,
}

#[uniffi::export]
impl HubClient {
    /// Starts the live events of the logged-in user, delivered to `listener` until the returned
    /// subscription is cancelled or the session ends.
    pub fn subscribe_events(
        &self,
        listener: Box<dyn HubEventListener>,
    ) -> Result<Arc<EventSubscription>, FfiError> {
        let mut stream = self.0.events();
        let cancel = stream.cancel_handle();
        let ended = Arc::new(AtomicBool::new(false));
        let ended_in_task = ended.clone();
        let task = runtime::handle()?.spawn(async move {
            loop {
                match stream.next().await {
                    Some(Ok(event)) => listener.on_event(event.into()),
                    Some(Err(e)) => {
                        ended_in_task.store(true, Ordering::SeqCst);
                        listener.on_closed(Some(e.code().to_string()));
                        break;
                    }
                    None => {
                        ended_in_task.store(true, Ordering::SeqCst);
                        listener.on_closed(None);
                        break;
                    }
                }
            }
        });
        Ok(Arc::new(EventSubscription {
            cancel,
            task: Mutex::new(Some(task.abort_handle())),
            ended,
        }))
    }
}

#[uniffi::export]
impl EventSubscription {
    /// Stops the stream; `true` if this call stopped it. The listener then hears
    /// `on_closed(None)` (unless the stream had already ended). An event being delivered while
    /// this runs may still arrive once.
    pub fn cancel(&self) -> bool {
        let task = self.task.lock().unwrap_or_else(|p| p.into_inner()).take();
        match task {
            Some(task) if !task.is_finished() && !self.ended.swap(true, Ordering::SeqCst) => {
                self.cancel.cancel();
                true
            }
            _ => false,
        }
    }

    /// Whether the stream is still running.
    pub fn is_active(&self) -> bool {
        self.task
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
            .is_some_and(|t| !t.is_finished() && !self.ended.load(Ordering::SeqCst))
    }
}

impl Drop for EventSubscription {
    fn drop(&mut self) {
        // Cancelling lets the task tell the listener; no abort needed.
        self.cancel.cancel();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;
    use std::time::Duration;

    struct Collect(Mutex<mpsc::Sender<String>>);

    impl HubEventListener for Collect {
        fn on_event(&self, event: HubEvent) {
            let _ = self.0.lock().unwrap().send(format!("{event:?}"));
        }
        fn on_closed(&self, error_code: Option<String>) {
            let _ = self
                .0
                .lock()
                .unwrap()
                .send(format!("closed {error_code:?}"));
        }
    }

    #[test]
    fn a_subscription_without_a_session_ends_with_its_code() {
        let hub = HubClient::new("http://127.0.0.1:1".into()).unwrap();
        let (tx, rx) = mpsc::channel();
        let sub = hub
            .subscribe_events(Box::new(Collect(Mutex::new(tx))))
            .unwrap();
        let got = rx.recv_timeout(Duration::from_secs(10)).unwrap();
        assert_eq!(got, r#"closed Some("no_session")"#);
        assert!(!sub.cancel(), "already ended");
    }

    #[test]
    fn cancelling_stops_a_reconnecting_stream() {
        // Nothing listens on port 1: the stream keeps reporting Disconnected and retrying.
        let hub = HubClient::with_timeouts("http://127.0.0.1:1".into(), 1_000, 1_000).unwrap();
        hub.set_token(Some("t".into()));
        let (tx, rx) = mpsc::channel();
        let sub = hub
            .subscribe_events(Box::new(Collect(Mutex::new(tx))))
            .unwrap();
        let first = rx.recv_timeout(Duration::from_secs(10)).unwrap();
        assert!(first.starts_with("Disconnected"), "{first}");
        assert!(sub.is_active());
        assert!(sub.cancel());
        assert!(!sub.cancel());
        let last = loop {
            let got = rx.recv_timeout(Duration::from_secs(10)).unwrap();
            if got.starts_with("closed") {
                break got;
            }
        };
        assert_eq!(last, "closed None");
    }
}
