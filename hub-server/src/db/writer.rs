//! Group commit for a store's connection: one thread owns the connection and runs every job of a
//! store (reads included), many jobs per transaction.
//!
//! The thread takes every job waiting (up to [`MAX_BATCH`]), runs each inside its own `SAVEPOINT`
//! of one `BEGIN IMMEDIATE` transaction (a job that fails or panics is rolled back to its
//! savepoint and changes nothing), commits once — one fsync for the batch — and only then answers
//! the callers. No caller hears `Ok` before its change is durable; a commit that fails answers
//! every job of the batch with the error, and none of them changed anything. Jobs run one after
//! the other, so the batch is equivalent to its jobs committed serially in queue order.
//!
//! [`Writer::run`] blocks its caller (the hub's stores are called on `spawn_blocking` threads or in
//! tests); [`Writer::run_async`] awaits instead (the ledger). Either way many callers can wait on
//! one commit.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::mpsc;
use std::thread::JoinHandle;

use rusqlite::{Connection, TransactionBehavior};

/// Most jobs committed together.
pub const MAX_BATCH: usize = 128;
/// Jobs that may wait for the writer before callers wait to queue.
const QUEUE: usize = 1_024;

/// What a job leaves behind: whether it succeeded, and how to answer its caller once the outcome
/// of the commit is known.
struct Pending {
    ok: bool,
    deliver: Deliver,
}

/// Answers a job's caller, given the commit's error if it failed.
type Deliver = Box<dyn FnOnce(Option<&rusqlite::Error>) + Send>;

type Job = Box<dyn FnOnce(&Connection) -> Pending + Send>;

/// Handle to a store's writer thread. Dropping it lets the thread finish the queue and close.
pub struct Writer {
    jobs: Option<mpsc::SyncSender<Job>>,
    thread: Option<JoinHandle<()>>,
}

impl Writer {
    /// Starts the writer thread `name` on `conn`.
    pub fn start(name: &str, conn: Connection) -> std::io::Result<Self> {
        let (tx, rx) = mpsc::sync_channel::<Job>(QUEUE);
        let thread = std::thread::Builder::new()
            .name(name.into())
            .spawn(move || run(conn, rx))?;
        Ok(Self {
            jobs: Some(tx),
            thread: Some(thread),
        })
    }

    /// Runs `f` in the next group transaction and answers once that transaction is committed
    /// (or `f`'s own error, its changes rolled back). Blocks the calling thread.
    pub fn run<T, E, F>(&self, f: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<rusqlite::Error> + Send + 'static,
        F: FnOnce(&Connection) -> Result<T, E> + Send + 'static,
    {
        let (reply, answer) = mpsc::sync_channel::<Result<T, E>>(1);
        let job = job(f, move |out| {
            // The caller may have gone away; the outcome stands either way.
            let _ = reply.send(out);
        });
        let jobs = self.jobs.as_ref().ok_or_else(|| E::from(unavailable()))?;
        jobs.send(job).map_err(|_| E::from(unavailable()))?;
        answer.recv().map_err(|_| E::from(unavailable()))?
    }

    /// [`Writer::run`] for async callers: awaits the commit instead of blocking the thread. A full
    /// queue (more than `QUEUE` jobs waiting) is waited out by yielding to the runtime.
    pub async fn run_async<T, E, F>(&self, f: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<rusqlite::Error> + Send + 'static,
        F: FnOnce(&Connection) -> Result<T, E> + Send + 'static,
    {
        let (reply, answer) = tokio::sync::oneshot::channel::<Result<T, E>>();
        let mut job = job(f, move |out| {
            let _ = reply.send(out);
        });
        let jobs = self.jobs.as_ref().ok_or_else(|| E::from(unavailable()))?;
        loop {
            match jobs.try_send(job) {
                Ok(()) => break,
                Err(mpsc::TrySendError::Full(back)) => {
                    job = back;
                    tokio::task::yield_now().await;
                }
                Err(mpsc::TrySendError::Disconnected(_)) => return Err(E::from(unavailable())),
            }
        }
        answer.await.map_err(|_| E::from(unavailable()))?
    }
}

/// Wraps `f` as a job whose outcome (after the commit) goes to `answer`.
fn job<T, E, F>(f: F, answer: impl FnOnce(Result<T, E>) + Send + 'static) -> Job
where
    T: Send + 'static,
    E: From<rusqlite::Error> + Send + 'static,
    F: FnOnce(&Connection) -> Result<T, E> + Send + 'static,
{
    Box::new(move |conn| {
        let result = f(conn);
        Pending {
            ok: result.is_ok(),
            deliver: Box::new(move |commit_error| {
                answer(match (result, commit_error) {
                    (Ok(_), Some(e)) => Err(E::from(copy(e))),
                    (result, _) => result,
                })
            }),
        }
    })
}

impl Drop for Writer {
    fn drop(&mut self) {
        self.jobs.take();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The error a caller sees when its job never ran or panicked: nothing of it was written.
fn unavailable() -> rusqlite::Error {
    rusqlite::Error::SqliteFailure(
        rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_ERROR),
        Some("store writer unavailable; the change was not made".into()),
    )
}

/// The commit's error, once per job of the batch (`rusqlite::Error` is not `Clone`).
fn copy(e: &rusqlite::Error) -> rusqlite::Error {
    match e {
        rusqlite::Error::SqliteFailure(code, msg) => {
            rusqlite::Error::SqliteFailure(*code, msg.clone())
        }
        other => rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_ERROR),
            Some(other.to_string()),
        ),
    }
}

fn run(mut conn: Connection, rx: mpsc::Receiver<Job>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while let Ok(first) = rx.recv() {
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
    let tx = match conn.transaction_with_behavior(TransactionBehavior::Immediate) {
        Ok(tx) => tx,
        Err(e) => {
            // No job runs: dropping them drops their reply channels, so every caller hears
            // "unavailable" and nothing was written. The reason goes to the log.
            tracing::error!(error = %e, "store writer could not begin a transaction");
            batch.clear();
            return;
        }
    };
    let mut pending = Vec::with_capacity(batch.len());
    let mut broken = None;
    for job in batch.drain(..) {
        if let Err(e) = tx.execute_batch("SAVEPOINT job") {
            broken = Some(e);
            break;
        }
        let outcome = catch_unwind(AssertUnwindSafe(|| job(&tx)));
        let closed = match &outcome {
            Ok(p) if p.ok => tx.execute_batch("RELEASE job"),
            _ => tx.execute_batch("ROLLBACK TO job; RELEASE job"),
        };
        // A job that panicked has dropped its reply channel; its caller sees "unavailable".
        if let Ok(p) = outcome {
            pending.push(p);
        }
        if let Err(e) = closed {
            broken = Some(e);
            break;
        }
    }
    // Jobs after a broken savepoint were dropped by `drain`: their callers see "unavailable".
    let outcome = match broken {
        Some(e) => {
            drop(tx); // rolls the whole batch back
            Some(e)
        }
        None => tx.commit().err(),
    };
    for p in pending {
        (p.deliver)(outcome.as_ref());
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    fn writer(path: &std::path::Path) -> Writer {
        let conn = crate::db::open(path).unwrap();
        conn.execute_batch("CREATE TABLE IF NOT EXISTS t (v INTEGER NOT NULL)")
            .unwrap();
        Writer::start("test-writer", conn).unwrap()
    }

    #[derive(Debug, PartialEq)]
    enum E {
        Refused,
        Sql(String),
    }

    impl From<rusqlite::Error> for E {
        fn from(e: rusqlite::Error) -> Self {
            E::Sql(e.to_string())
        }
    }

    #[test]
    fn concurrent_jobs_commit_in_groups_and_a_failing_job_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.db");
        let w = Arc::new(writer(&path));
        let threads: Vec<_> = (0..100i64)
            .map(|i| {
                let w = w.clone();
                std::thread::spawn(move || {
                    w.run(move |c| {
                        c.execute("INSERT INTO t (v) VALUES (?1)", [i])?;
                        match i % 4 {
                            1 => Err(E::Refused),
                            _ => Ok(i),
                        }
                    })
                })
            })
            .collect();
        let mut expected = 0;
        for (i, t) in threads.into_iter().enumerate() {
            let i = i as i64;
            let out = t.join().unwrap();
            if i % 4 == 1 {
                assert_eq!(out, Err(E::Refused));
            } else {
                assert_eq!(out, Ok(i));
                expected += i;
            }
        }
        drop(Arc::try_unwrap(w).ok().unwrap());
        // Read back through a fresh connection: what was answered Ok is on disk, nothing else.
        let conn = Connection::open(&path).unwrap();
        let (count, sum): (i64, i64) = conn
            .query_row("SELECT COUNT(*), SUM(v) FROM t", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .unwrap();
        assert_eq!((count, sum), (75, expected));
    }

    #[test]
    fn a_panicking_job_is_rolled_back_and_its_caller_told() {
        let dir = tempfile::tempdir().unwrap();
        let w = writer(&dir.path().join("w.db"));
        let out: Result<(), E> = w.run(|c| {
            c.execute("INSERT INTO t (v) VALUES (7)", [])?;
            panic!("job bug");
        });
        assert!(matches!(out, Err(E::Sql(m)) if m.contains("writer unavailable")));
        let n: i64 = w
            .run(|c| Ok::<_, E>(c.query_row("SELECT COUNT(*) FROM t", [], |r| r.get(0))?))
            .unwrap();
        assert_eq!(n, 0);
    }

    #[test]
    fn a_job_sees_the_changes_of_earlier_jobs_and_reads_its_own_writes() {
        let dir = tempfile::tempdir().unwrap();
        let w = writer(&dir.path().join("w.db"));
        w.run(|c| Ok::<_, E>(c.execute("INSERT INTO t (v) VALUES (1)", [])?))
            .unwrap();
        let n: i64 = w
            .run(|c| {
                c.execute("INSERT INTO t (v) VALUES (2)", [])?;
                Ok::<_, E>(c.query_row("SELECT SUM(v) FROM t", [], |r| r.get(0))?)
            })
            .unwrap();
        assert_eq!(n, 3);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn async_callers_share_commits_and_failures_change_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.db");
        let w = Arc::new(writer(&path));
        let tasks: Vec<_> = (0..200i64)
            .map(|i| {
                let w = w.clone();
                tokio::spawn(async move {
                    w.run_async(move |c| {
                        c.execute("INSERT INTO t (v) VALUES (?1)", [i])?;
                        match i % 4 {
                            1 => Err(E::Refused),
                            3 => panic!("job panics after writing"),
                            _ => Ok(i),
                        }
                    })
                    .await
                })
            })
            .collect();
        let mut expected = 0;
        for (i, t) in (0..200i64).zip(tasks) {
            let got = t.await.unwrap();
            match i % 4 {
                1 => assert_eq!(got, Err(E::Refused)),
                3 => assert!(matches!(got, Err(E::Sql(m)) if m.contains("writer unavailable"))),
                _ => {
                    assert_eq!(got, Ok(i));
                    expected += i;
                }
            }
        }
        drop(Arc::try_unwrap(w).ok().unwrap());
        let conn = Connection::open(&path).unwrap();
        let (count, sum): (i64, i64) = conn
            .query_row("SELECT COUNT(*), SUM(v) FROM t", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .unwrap();
        assert_eq!((count, sum), (100, expected));
    }
}
