//! Timers for reconnect backoff and idle timeouts, per platform, and a cancel handle.
//!
//! [`Sleeper`] is a trait so the same reconnect logic runs on tokio (native) and on the browser's
//! `setTimeout` (wasm32); tests may pass their own.

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::Poll;

use futures_util::future::{Either, select};
use futures_util::task::AtomicWaker;

/// Waits for a number of milliseconds.
pub trait Sleeper {
    /// Completes after `ms` milliseconds.
    fn sleep(&self, ms: u64) -> impl Future<Output = ()>;
}

/// tokio's timer (native).
#[cfg(all(feature = "tokio", not(target_arch = "wasm32")))]
#[derive(Clone, Copy, Debug, Default)]
pub struct TokioSleeper;

#[cfg(all(feature = "tokio", not(target_arch = "wasm32")))]
impl Sleeper for TokioSleeper {
    fn sleep(&self, ms: u64) -> impl Future<Output = ()> {
        tokio::time::sleep(std::time::Duration::from_millis(ms))
    }
}

/// The browser's `setTimeout` (wasm32).
#[cfg(target_arch = "wasm32")]
#[derive(Clone, Copy, Debug, Default)]
pub struct BrowserSleeper;

#[cfg(target_arch = "wasm32")]
impl Sleeper for BrowserSleeper {
    fn sleep(&self, ms: u64) -> impl Future<Output = ()> {
        use wasm_bindgen::{JsCast, JsValue};
        let promise = js_sys::Promise::new(&mut |resolve, _reject| {
            let global = js_sys::global();
            let set_timeout = js_sys::Reflect::get(&global, &JsValue::from_str("setTimeout"))
                .ok()
                .and_then(|f| f.dyn_into::<js_sys::Function>().ok());
            // JS timers take a double; milliseconds up to 2^53 are exact.
            let delay = JsValue::from_f64(ms as f64);
            let scheduled = set_timeout.is_some_and(|f| f.call2(&global, &resolve, &delay).is_ok());
            if !scheduled {
                // No timer in this global: resolve at once rather than hang forever.
                let _ = resolve.call0(&JsValue::NULL);
            }
        });
        async move {
            let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
        }
    }
}

/// The platform's default timer.
#[cfg(all(feature = "tokio", not(target_arch = "wasm32")))]
pub type DefaultSleeper = TokioSleeper;
/// The platform's default timer.
#[cfg(target_arch = "wasm32")]
pub type DefaultSleeper = BrowserSleeper;

#[derive(Debug, Default)]
struct CancelInner {
    cancelled: AtomicBool,
    waker: AtomicWaker,
}

/// Stops a running [`super::EventStream`] from any thread or task: its pending and future
/// `next()` calls return `None`. Cloning gives another handle to the same stream.
#[derive(Clone, Debug, Default)]
pub struct CancelHandle(Arc<CancelInner>);

impl CancelHandle {
    /// A new, not yet cancelled handle.
    pub fn new() -> Self {
        Self::default()
    }

    /// Cancels (idempotent).
    pub fn cancel(&self) {
        self.0.cancelled.store(true, Ordering::SeqCst);
        self.0.waker.wake();
    }

    /// Whether [`Self::cancel`] was called.
    pub fn is_cancelled(&self) -> bool {
        self.0.cancelled.load(Ordering::SeqCst)
    }

    /// Runs `fut` unless cancelled first: `None` when cancelled.
    pub async fn run<F: Future>(&self, fut: F) -> Option<F::Output> {
        if self.is_cancelled() {
            return None;
        }
        let cancelled = std::future::poll_fn(|cx| {
            self.0.waker.register(cx.waker());
            if self.is_cancelled() {
                Poll::Ready(())
            } else {
                Poll::Pending
            }
        });
        match select(pin!(fut), pin!(cancelled)).await {
            Either::Left((out, _)) => Some(out),
            Either::Right(((), _)) => None,
        }
    }
}

/// Reconnect delays: exponential from `initial_ms` up to `max_ms`, with jitter in the upper half
/// so many wallets reconnecting after a hub restart do not arrive together.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Backoff {
    /// Delay before the first retry.
    pub initial_ms: u64,
    /// Largest delay.
    pub max_ms: u64,
}

impl Default for Backoff {
    fn default() -> Self {
        Self {
            initial_ms: 500,
            max_ms: 30_000,
        }
    }
}

impl Backoff {
    /// The upper bound of the delay before retry number `attempt` (1-based).
    pub fn ceiling(&self, attempt: u32) -> u64 {
        let shift = attempt.saturating_sub(1).min(32);
        self.initial_ms
            .saturating_mul(1u64 << shift)
            .min(self.max_ms)
            .max(1)
    }

    /// The delay before retry number `attempt`: uniformly in `[ceiling/2, ceiling]`.
    pub fn delay(&self, attempt: u32) -> u64 {
        let ceiling = self.ceiling(attempt);
        let half = ceiling / 2;
        let mut r = [0u8; 8];
        // Without randomness, fall back to the ceiling: still bounded, just not spread.
        if getrandom::getrandom(&mut r).is_err() {
            return ceiling;
        }
        half + u64::from_le_bytes(r) % (ceiling - half + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap_with_bounded_jitter() {
        let b = Backoff {
            initial_ms: 100,
            max_ms: 1_000,
        };
        assert_eq!(
            (1..=6).map(|a| b.ceiling(a)).collect::<Vec<_>>(),
            vec![100, 200, 400, 800, 1_000, 1_000]
        );
        assert_eq!(b.ceiling(u32::MAX), 1_000);
        for attempt in 1..10 {
            for _ in 0..50 {
                let d = b.delay(attempt);
                assert!(
                    d >= b.ceiling(attempt) / 2 && d <= b.ceiling(attempt),
                    "{d}"
                );
            }
        }
    }

    #[tokio::test]
    async fn cancel_stops_a_pending_future_and_later_ones() {
        let cancel = CancelHandle::new();
        let c2 = cancel.clone();
        let waiter = tokio::spawn(async move { c2.run(std::future::pending::<()>()).await });
        tokio::task::yield_now().await;
        cancel.cancel();
        assert_eq!(waiter.await.unwrap(), None);
        assert_eq!(cancel.run(async { 5 }).await, None);
        assert_eq!(CancelHandle::new().run(async { 5 }).await, Some(5));
    }
}
