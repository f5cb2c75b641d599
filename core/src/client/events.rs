//! Live events: `GET /api/v1/events` (Server-Sent Events) with reconnect, backoff and cancel.
//!
//! Events are notifications, never the source of truth: on [`LiveEvent::Connected`] (first
//! connect and every reconnect) and on [`LiveEvent::Lagged`] the app re-reads balance and
//! history, because events sent while disconnected are not replayed.

use std::collections::VecDeque;
use std::pin::{Pin, pin};

use futures_util::future::{Either, select};
use futures_util::{Stream, StreamExt};

use super::sleep::{CancelHandle, Sleeper};
use super::sse::{SseEvent, SseParser};
use super::{ClientError, ClientResult, HubClient};
use crate::api::Event;

/// What the event stream yields.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LiveEvent {
    /// The stream is (re)connected: re-read balance and history now.
    Connected,
    /// A notification for this user.
    Event(Box<Event>),
    /// The hub dropped notifications for this connection: re-read balance and history.
    Lagged,
    /// The connection dropped or could not be made; the stream retries after a delay.
    Disconnected {
        /// Why (a [`ClientError::code`], e.g. `unreachable`, `timeout`, `stream_ended`).
        reason: String,
    },
}

#[cfg(not(target_arch = "wasm32"))]
type ByteStream = Pin<Box<dyn Stream<Item = reqwest::Result<Vec<u8>>> + Send>>;
#[cfg(target_arch = "wasm32")]
type ByteStream = Pin<Box<dyn Stream<Item = reqwest::Result<Vec<u8>>>>>;

/// The user's live events. Pull with [`EventStream::next`]; stop with a [`CancelHandle`] (or by
/// dropping the stream).
pub struct EventStream<S: Sleeper> {
    client: HubClient,
    sleeper: S,
    cancel: CancelHandle,
    conn: Option<ByteStream>,
    parser: SseParser,
    pending: VecDeque<LiveEvent>,
    failures: u32,
    done: bool,
}

impl<S: Sleeper> std::fmt::Debug for EventStream<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventStream")
            .field("connected", &self.conn.is_some())
            .field("failures", &self.failures)
            .field("done", &self.done)
            .finish()
    }
}

impl HubClient {
    /// The user's live events with the platform's timer (tokio natively, `setTimeout` in wasm32).
    #[cfg(any(target_arch = "wasm32", feature = "tokio"))]
    pub fn events(&self) -> EventStream<super::DefaultSleeper> {
        self.events_with(super::DefaultSleeper::default())
    }

    /// The user's live events with `sleeper` as the timer for backoff and idle timeouts.
    pub fn events_with<S: Sleeper>(&self, sleeper: S) -> EventStream<S> {
        EventStream {
            client: self.clone(),
            sleeper,
            cancel: CancelHandle::new(),
            conn: None,
            parser: SseParser::new(),
            pending: VecDeque::new(),
            failures: 0,
            done: false,
        }
    }
}

fn millis(d: std::time::Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

impl<S: Sleeper> EventStream<S> {
    /// A handle that stops this stream from anywhere: `next()` then returns `None`.
    pub fn cancel_handle(&self) -> CancelHandle {
        self.cancel.clone()
    }

    /// The next event. Reconnects by itself after a drop (yielding `Disconnected`, then
    /// `Connected`), waiting [`super::Backoff`] delays (or the hub's `retry:`) in between.
    /// `None` once cancelled or after a final error; `Some(Err)` once for a final error (e.g.
    /// `unauthenticated`: log in again and open a new stream).
    pub async fn next(&mut self) -> Option<ClientResult<LiveEvent>> {
        if self.done {
            return None;
        }
        let cancel = self.cancel.clone();
        match cancel.run(self.next_inner()).await {
            None => {
                self.done = true;
                self.conn = None;
                None
            }
            Some(Err(e)) => {
                self.done = true;
                self.conn = None;
                Some(Err(e))
            }
            Some(Ok(ev)) => Some(Ok(ev)),
        }
    }

    async fn next_inner(&mut self) -> ClientResult<LiveEvent> {
        loop {
            if let Some(ev) = self.pending.pop_front() {
                return Ok(ev);
            }
            let Some(stream) = self.conn.as_mut() else {
                if self.failures > 0 {
                    let backoff = self.client.config.backoff;
                    let delay = match self.parser.retry_ms() {
                        Some(ms) if self.failures == 1 => ms,
                        _ => backoff.delay(self.failures),
                    };
                    self.sleeper.sleep(delay).await;
                }
                match self.connect().await {
                    Ok(stream) => {
                        self.conn = Some(stream);
                        self.parser = SseParser::new();
                        self.failures = 0;
                        return Ok(LiveEvent::Connected);
                    }
                    Err(e) if e.is_retryable() => {
                        self.failures = self.failures.saturating_add(1);
                        return Ok(LiveEvent::Disconnected {
                            reason: e.code().to_string(),
                        });
                    }
                    Err(e) => return Err(e),
                }
            };
            let idle = self
                .sleeper
                .sleep(millis(self.client.config.events_idle_timeout));
            let reason = match select(stream.next(), pin!(idle)).await {
                Either::Left((Some(Ok(chunk)), _)) => {
                    for frame in self.parser.push(&chunk) {
                        if let Some(ev) = live_event(frame) {
                            self.pending.push_back(ev);
                        }
                    }
                    continue;
                }
                Either::Left((Some(Err(e)), _)) => ClientError::from_reqwest(e).code().to_string(),
                Either::Left((None, _)) => "stream_ended".to_string(),
                Either::Right(((), _)) => "timeout".to_string(),
            };
            self.conn = None;
            self.failures = 1;
            return Ok(LiveEvent::Disconnected { reason });
        }
    }

    // `&mut self`: a shared borrow held across an await would make the stream need `Sync`.
    async fn connect(&mut self) -> ClientResult<ByteStream> {
        let token = self.client.bearer()?;
        // No whole-request timeout here (the body is endless); the answer's head must come in
        // time, then the idle timeout watches the body.
        let send = self
            .client
            .http
            .get(self.client.url("/events"))
            .bearer_auth(token)
            .header("accept", "text/event-stream")
            .send();
        let deadline = self.sleeper.sleep(millis(self.client.config.timeout));
        let res = match select(pin!(send), pin!(deadline)).await {
            Either::Left((res, _)) => res.map_err(ClientError::from_reqwest)?,
            Either::Right(((), _)) => return Err(ClientError::Timeout),
        };
        let status = res.status().as_u16();
        if !(200..300).contains(&status) {
            let body = res.bytes().await.map_err(ClientError::from_reqwest)?;
            return Err(ClientError::from_status_body(status, &body));
        }
        Ok(Box::pin(res.bytes_stream().map(|r| r.map(|b| b.to_vec()))))
    }
}

/// Turns one SSE frame into a [`LiveEvent`]; unknown frames and event types a newer hub may
/// send are skipped.
fn live_event(frame: SseEvent) -> Option<LiveEvent> {
    match frame.event.as_str() {
        "message" => match serde_json::from_str::<Event>(&frame.data) {
            Ok(ev) => Some(LiveEvent::Event(Box::new(ev))),
            Err(_) => {
                tracing::debug!("skipping an event this client does not know");
                None
            }
        },
        "lagged" => Some(LiveEvent::Lagged),
        _ => None,
    }
}
