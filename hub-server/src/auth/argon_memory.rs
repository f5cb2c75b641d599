//! Argon2 working memory, reused and bounded.
//!
//! Each Argon2id computation needs `m_cost` KiB of scratch memory (19 MiB by default).
//! Allocating it per PIN check made the allocator keep hundreds of MiB per process under load
//! (freed blocks stay in per-thread arenas), and let any number of checks run at once. Here at
//! most `limit` computations run concurrently (the others wait), and their buffers are kept for
//! the next check, so the memory used for PIN checks is at most `limit × m_cost`.

use std::sync::{Condvar, Mutex, MutexGuard};

use argon2::Block;

/// A bounded pool of Argon2 scratch buffers.
#[derive(Debug)]
pub(crate) struct ArgonMemory {
    state: Mutex<State>,
    freed: Condvar,
    limit: usize,
}

#[derive(Debug, Default)]
struct State {
    /// Buffers not in use.
    free: Vec<Vec<Block>>,
    /// Buffers handed out (in use) right now.
    lent: usize,
}

impl ArgonMemory {
    /// A pool letting at most `limit` (≥ 1) computations run at once.
    pub(crate) fn new(limit: usize) -> Self {
        Self {
            state: Mutex::new(State::default()),
            freed: Condvar::new(),
            limit: limit.max(1),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // The state is two counters and a list of buffers: still consistent after a panic.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Runs `f` with a scratch buffer of exactly `blocks` blocks, waiting while `limit`
    /// computations are already running.
    pub(crate) fn with<R>(&self, blocks: usize, f: impl FnOnce(&mut [Block]) -> R) -> R {
        let mut state = self.lock();
        while state.free.is_empty() && state.lent >= self.limit {
            state = self.freed.wait(state).unwrap_or_else(|e| e.into_inner());
        }
        let buf = state.free.pop().unwrap_or_default();
        state.lent += 1;
        drop(state);
        let mut lease = Lease {
            pool: self,
            buf: Some(buf),
        };
        let buf = lease.buf.get_or_insert_with(Vec::new);
        if buf.len() < blocks {
            buf.resize(blocks, Block::default());
        }
        f(&mut buf[..blocks])
    }

    /// Buffers currently allocated (in use or free): at most `limit`.
    #[cfg(test)]
    fn allocated(&self) -> usize {
        let state = self.lock();
        state.free.len() + state.lent
    }
}

/// Gives the buffer back to the pool when the computation ends, even by a panic.
struct Lease<'a> {
    pool: &'a ArgonMemory,
    buf: Option<Vec<Block>>,
}

impl Drop for Lease<'_> {
    fn drop(&mut self) {
        let mut state = self.pool.lock();
        state.lent -= 1;
        if let Some(buf) = self.buf.take() {
            state.free.push(buf);
        }
        drop(state);
        self.pool.freed.notify_one();
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    #[test]
    fn at_most_limit_run_at_once_and_buffers_are_reused() {
        let pool = Arc::new(ArgonMemory::new(2));
        let running = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(AtomicUsize::new(0));
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let (pool, running, peak) = (pool.clone(), running.clone(), peak.clone());
                std::thread::spawn(move || {
                    for _ in 0..5 {
                        pool.with(16, |blocks| {
                            assert_eq!(blocks.len(), 16);
                            let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                            peak.fetch_max(now, Ordering::SeqCst);
                            std::thread::sleep(std::time::Duration::from_millis(2));
                            running.fetch_sub(1, Ordering::SeqCst);
                        });
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        assert!(peak.load(Ordering::SeqCst) <= 2);
        assert!(pool.allocated() <= 2);
    }

    #[test]
    fn a_panicking_computation_gives_its_slot_back() {
        let pool = ArgonMemory::new(1);
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            pool.with(4, |_| panic!("boom"));
        }));
        assert!(r.is_err());
        // The only slot is free again: this would wait forever otherwise.
        assert_eq!(pool.with(8, |b| b.len()), 8);
    }
}
