//! The single writer: a dedicated thread that owns the write connection and group-commits.
//!
//! Callers queue jobs; the thread takes every job waiting (up to [`MAX_BATCH`]), runs each inside
//! its own `SAVEPOINT` of one `BEGIN IMMEDIATE` transaction (a failing job is rolled back to its
//! savepoint and changes nothing), commits once (one fsync for the batch), and only then answers
//! every caller. So no caller hears `Ok` before its change is durable, and under concurrency many
//! payments share one fsync.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::thread::JoinHandle;

use rusqlite::{Connection, TransactionBehavior};
use tokio::sync::{mpsc, oneshot};

use crate::accounts::{AccountError, AccountResult};

use super::store::{now_ms, storage};

/// Most jobs committed together.
pub(crate) const MAX_BATCH: usize = 256;
/// Jobs that may wait for the writer before callers wait to queue.
const QUEUE: usize = 4_096;

/// What a job leaves behind: whether it succeeded, and how to answer its caller once the outcome
/// of the commit is known (`Some(error)` if the commit failed).
struct Pending {
    ok: bool,
    deliver: Box<dyn FnOnce(Option<AccountError>) + Send>,
}

type Job = Box<dyn FnOnce(&Connection, i64) -> Pending + Send>;

/// Handle to the writer thread. Dropping it lets the thread finish the queue and close.
pub(crate) struct Writer {
    jobs: Option<mpsc::Sender<Job>>,
    thread: Option<JoinHandle<()>>,
}

impl Writer {
    /// Starts the writer thread on `conn`.
    pub(crate) fn start(conn: Connection) -> std::io::Result<Self> {
        let (tx, rx) = mpsc::channel::<Job>(QUEUE);
        let thread = std::thread::Builder::new()
            .name("ledger-writer".into())
            .spawn(move || run(conn, rx))?;
        Ok(Self {
            jobs: Some(tx),
            thread: Some(thread),
        })
    }

    /// Runs `f` in the next group transaction; resolves after that transaction is committed.
    pub(crate) async fn write<T, F>(&self, f: F) -> AccountResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection, i64) -> AccountResult<T> + Send + 'static,
    {
        let gone = || AccountError::Unavailable("ledger write not committed".into());
        let (reply, answer) = oneshot::channel::<AccountResult<T>>();
        let job: Job = Box::new(move |conn, now| {
            let result = f(conn, now);
            Pending {
                ok: result.is_ok(),
                deliver: Box::new(move |commit_error| {
                    let out = match (result, commit_error) {
                        (Ok(_), Some(e)) => Err(e),
                        (result, _) => result,
                    };
                    // The caller may have gone away; the change stands either way.
                    let _ = reply.send(out);
                }),
            }
        });
        let jobs = self.jobs.as_ref().ok_or_else(gone)?;
        jobs.send(job).await.map_err(|_| gone())?;
        answer.await.map_err(|_| gone())?
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        self.jobs.take();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn run(mut conn: Connection, mut rx: mpsc::Receiver<Job>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while let Some(first) = rx.blocking_recv() {
        batch.push(first);
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        commit_batch(&mut conn, &mut batch);
    }
}

fn commit_batch(conn: &mut Connection, batch: &mut Vec<Job>) {
    // A job that is dropped without running drops its reply channel: its caller gets
    // `Unavailable` and nothing of it is written.
    let Ok(tx) = conn.transaction_with_behavior(TransactionBehavior::Immediate) else {
        batch.clear();
        return;
    };
    let now = now_ms();
    let mut pending = Vec::with_capacity(batch.len());
    let mut broken = None;
    for job in batch.drain(..) {
        if let Err(e) = tx.execute_batch("SAVEPOINT job") {
            broken = Some(storage(e));
            break;
        }
        let outcome = catch_unwind(AssertUnwindSafe(|| job(&tx, now)));
        let closed = match &outcome {
            Ok(p) if p.ok => tx.execute_batch("RELEASE job"),
            _ => tx.execute_batch("ROLLBACK TO job; RELEASE job"),
        };
        // A job that panicked has dropped its reply channel; its caller sees `Unavailable`.
        if let Ok(p) = outcome {
            pending.push(p);
        }
        if let Err(e) = closed {
            broken = Some(storage(e));
            break;
        }
    }
    let outcome = match broken {
        Some(e) => {
            drop(tx); // rolls the whole batch back
            Some(e)
        }
        None => tx.commit().map_err(storage).err(),
    };
    for p in pending {
        (p.deliver)(outcome.clone());
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_failing_or_panicking_job_is_rolled_back_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.db");
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch("PRAGMA journal_mode=WAL; CREATE TABLE t (v INTEGER NOT NULL);")
            .unwrap();
        let writer = Arc::new(Writer::start(conn).unwrap());
        let mut tasks = Vec::new();
        for i in 0..200i64 {
            let writer = Arc::clone(&writer);
            tasks.push(tokio::spawn(async move {
                writer
                    .write(move |c, _| {
                        c.execute("INSERT INTO t (v) VALUES (?1)", [i])
                            .map_err(storage)?;
                        match i % 4 {
                            1 => Err(AccountError::InvalidInput("refused".into())),
                            3 => panic!("job panics after writing"),
                            _ => Ok(i),
                        }
                    })
                    .await
            }));
        }
        let mut expected = 0;
        for (i, t) in (0..200i64).zip(tasks) {
            let got = t.await.unwrap();
            match i % 4 {
                1 => assert_eq!(got, Err(AccountError::InvalidInput("refused".into()))),
                3 => assert!(matches!(got, Err(AccountError::Unavailable(_)))),
                _ => {
                    assert_eq!(got, Ok(i));
                    expected += i;
                }
            }
        }
        drop(Arc::try_unwrap(writer).ok().unwrap());
        let conn = Connection::open(&path).unwrap();
        let (count, sum): (i64, i64) = conn
            .query_row("SELECT COUNT(*), SUM(v) FROM t", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .unwrap();
        assert_eq!((count, sum), (100, expected));
    }
}
