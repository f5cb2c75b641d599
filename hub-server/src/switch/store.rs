//! The switch's durable state in one SQLite file (WAL, full fsync): the ALS oracle, participant
//! positions and transfers. Every position change happens in the same transaction as the
//! transfer state change that causes it, so a crash never leaves a reservation without its
//! transfer or the reverse. All calls run on the store's writer thread ([`db::Writer`]), so
//! concurrent transfers share a commit (one fsync) and none is answered before it is durable.
//!
//! Positions follow Mojaloop: a participant's `position` is what it owes the scheme (payer
//! +amount, payee −amount on commit); `reserved` is the sum of its prepared, unfinished
//! transfers. A prepare is accepted while `position + reserved + amount <= net debit cap`.

use std::path::Path;

use rusqlite::{Connection, OptionalExtension, params};

use super::error::{Error, Result};
use crate::db;

const MIGRATIONS: &[&str] = &["
CREATE TABLE oracle (
    party_type TEXT NOT NULL,
    party_id   TEXT NOT NULL,
    fsp_id     TEXT NOT NULL,
    currency   TEXT,
    PRIMARY KEY (party_type, party_id)
);
CREATE TABLE positions (
    fsp_id   TEXT NOT NULL,
    currency TEXT NOT NULL,
    position INTEGER NOT NULL DEFAULT 0,
    reserved INTEGER NOT NULL DEFAULT 0 CHECK (reserved >= 0),
    PRIMARY KEY (fsp_id, currency)
);
CREATE TABLE transfers (
    id          TEXT PRIMARY KEY,
    hash        TEXT NOT NULL,
    payer       TEXT NOT NULL,
    payee       TEXT NOT NULL,
    currency    TEXT NOT NULL,
    amount      INTEGER NOT NULL CHECK (amount > 0),
    condition   TEXT NOT NULL,
    expires_at  INTEGER NOT NULL,
    state       TEXT NOT NULL CHECK (state IN ('RESERVED', 'COMMITTED', 'ABORTED')),
    fulfilment  TEXT,
    completed   TEXT,
    error_code  TEXT,
    error_text  TEXT,
    version     TEXT NOT NULL
);
CREATE INDEX transfers_reserved ON transfers (expires_at) WHERE state = 'RESERVED';
"];

/// Final or current state of a transfer at the switch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    /// Prepared, payer position reserved, waiting for the payee.
    Reserved,
    /// Fulfilled; positions moved.
    Committed,
    /// Refused, rejected or expired; reservation released.
    Aborted,
}

impl State {
    fn as_str(self) -> &'static str {
        match self {
            Self::Reserved => "RESERVED",
            Self::Committed => "COMMITTED",
            Self::Aborted => "ABORTED",
        }
    }

    fn parse(s: &str) -> Result<Self> {
        match s {
            "RESERVED" => Ok(Self::Reserved),
            "COMMITTED" => Ok(Self::Committed),
            "ABORTED" => Ok(Self::Aborted),
            _ => Err(Error::Corrupt("transfer state")),
        }
    }
}

/// A transfer as the switch stores it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transfer {
    /// Transfer id.
    pub id: String,
    /// Hash of the prepare body (duplicate detection).
    pub hash: String,
    /// Payer FSP id.
    pub payer: String,
    /// Payee FSP id.
    pub payee: String,
    /// Currency code.
    pub currency: String,
    /// Amount in minor units.
    pub amount: i64,
    /// ILP condition.
    pub condition: String,
    /// Expiry, Unix milliseconds.
    pub expires_at: i64,
    /// Current state.
    pub state: State,
    /// Fulfilment once committed.
    pub fulfilment: Option<String>,
    /// Completion timestamp (FSPIOP DateTime text) once final.
    pub completed: Option<String>,
    /// Error code and description once aborted.
    pub error: Option<(String, String)>,
    /// FSPIOP version of the prepare (`major.minor`), used for switch-originated callbacks.
    pub version: String,
}

/// Result of a prepare.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Prepared {
    /// New transfer; payer position reserved.
    Reserved,
    /// New transfer refused: the payer's cap would be exceeded (stored as aborted).
    CapExceeded,
    /// Same id and same body seen before: its stored record.
    Duplicate(Box<Transfer>),
    /// Same id, different body.
    Modified,
}

/// Result of finishing (commit or abort) a transfer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Finished {
    /// This call moved the transfer from RESERVED to its final state.
    Done(Transfer),
    /// The transfer was already final (or unknown when `None`); nothing changed.
    NotReserved(Option<Transfer>),
}

/// A participant's position in one currency.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Position {
    /// Net amount owed to the scheme (minor units; negative when owed by the scheme).
    pub position: i64,
    /// Sum of reserved, unfinished prepares.
    pub reserved: i64,
}

/// The durable store.
pub struct Store {
    /// Owns the connection; every call runs there, concurrent ones share a commit.
    writer: db::Writer,
}

fn row_to_transfer(r: &rusqlite::Row<'_>) -> rusqlite::Result<(Transfer, String)> {
    let code: Option<String> = r.get(11)?;
    let text: Option<String> = r.get(12)?;
    Ok((
        Transfer {
            id: r.get(0)?,
            hash: r.get(1)?,
            payer: r.get(2)?,
            payee: r.get(3)?,
            currency: r.get(4)?,
            amount: r.get(5)?,
            condition: r.get(6)?,
            expires_at: r.get(7)?,
            state: State::Reserved,
            fulfilment: r.get(9)?,
            completed: r.get(10)?,
            error: code.zip(text),
            version: r.get(13)?,
        },
        r.get(8)?,
    ))
}

const SELECT: &str = "SELECT id, hash, payer, payee, currency, amount, condition, expires_at, \
    state, fulfilment, completed, error_code, error_text, version FROM transfers";

fn get(conn: &Connection, id: &str) -> Result<Option<Transfer>> {
    let found = conn
        .prepare_cached(&format!("{SELECT} WHERE id = ?1"))?
        .query_row([id], row_to_transfer)
        .optional()?;
    found
        .map(|(mut t, s)| {
            t.state = State::parse(&s)?;
            Ok(t)
        })
        .transpose()
}

fn add_position(conn: &Connection, fsp: &str, cur: &str, pos: i64, res: i64) -> Result<()> {
    // UPDATE first: an UPSERT would check `reserved >= 0` on the never-inserted row.
    let n = conn
        .prepare_cached(
            "UPDATE positions SET position = position + ?3, reserved = reserved + ?4
         WHERE fsp_id = ?1 AND currency = ?2",
        )?
        .execute(params![fsp, cur, pos, res])?;
    if n == 0 {
        conn.prepare_cached(
            "INSERT INTO positions (fsp_id, currency, position, reserved)
             VALUES (?1, ?2, ?3, ?4)",
        )?
        .execute(params![fsp, cur, pos, res])?;
    }
    Ok(())
}

/// The body of [`Store::prepare`], in the writer's transaction.
fn prepare(tx: &Connection, t: &Transfer, cap: i64) -> Result<Prepared> {
    if let Some(old) = get(tx, &t.id)? {
        return Ok(if old.hash == t.hash {
            Prepared::Duplicate(Box::new(old))
        } else {
            Prepared::Modified
        });
    }
    let pos: Position = tx
        .prepare_cached(
            "SELECT position, reserved FROM positions WHERE fsp_id = ?1 AND currency = ?2",
        )?
        .query_row([&t.payer, &t.currency], |r| {
            Ok(Position {
                position: r.get(0)?,
                reserved: r.get(1)?,
            })
        })
        .optional()?
        .unwrap_or_default();
    let after = pos
        .position
        .checked_add(pos.reserved)
        .and_then(|v| v.checked_add(t.amount));
    let within = after.is_some_and(|v| v <= cap);
    let (state, error) = if within {
        add_position(tx, &t.payer, &t.currency, 0, t.amount)?;
        (State::Reserved, None)
    } else {
        (State::Aborted, Some(("4200", "Payer limit error")))
    };
    tx.prepare_cached(
        "INSERT INTO transfers (id, hash, payer, payee, currency, amount, condition,
             expires_at, state, error_code, error_text, version)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    )?
    .execute(params![
        t.id,
        t.hash,
        t.payer,
        t.payee,
        t.currency,
        t.amount,
        t.condition,
        t.expires_at,
        state.as_str(),
        error.map(|e| e.0),
        error.map(|e| e.1),
        t.version
    ])?;
    Ok(if within {
        Prepared::Reserved
    } else {
        Prepared::CapExceeded
    })
}

impl Store {
    /// Opens (creating) `switch.sqlite3` in `dir`.
    pub fn open(dir: &Path) -> Result<Self> {
        std::fs::create_dir_all(dir)?;
        let conn = db::open(&dir.join("switch.sqlite3"))?;
        db::migrate(&conn, "switch", MIGRATIONS)?;
        let writer = db::Writer::start("switch-writer", conn)?;
        Ok(Self { writer })
    }

    /// Runs `f` in the writer's next group transaction (inside its own savepoint).
    fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        self.writer.run(f)
    }

    /// Records (or moves) the owner of a party identifier.
    pub fn set_owner(&self, kind: &str, id: &str, fsp: &str, currency: Option<&str>) -> Result<()> {
        let (kind, id, fsp, currency) = (
            kind.to_string(),
            id.to_string(),
            fsp.to_string(),
            currency.map(str::to_string),
        );
        self.run(move |conn| {
            conn.prepare_cached(
                "INSERT INTO oracle (party_type, party_id, fsp_id, currency) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (party_type, party_id) DO UPDATE SET fsp_id = ?3, currency = ?4",
            )?
            .execute(params![kind, id, fsp, currency])?;
            Ok(())
        })
    }

    /// The FSP owning a party identifier.
    pub fn owner(&self, kind: &str, id: &str) -> Result<Option<String>> {
        let (kind, id) = (kind.to_string(), id.to_string());
        self.run(move |conn| {
            Ok(conn
                .prepare_cached(
                    "SELECT fsp_id FROM oracle WHERE party_type = ?1 AND party_id = ?2",
                )?
                .query_row([kind, id], |r| r.get(0))
                .optional()?)
        })
    }

    /// Removes a party identifier if `fsp` owns it; true when removed.
    pub fn delete_owner(&self, kind: &str, id: &str, fsp: &str) -> Result<bool> {
        let (kind, id, fsp) = (kind.to_string(), id.to_string(), fsp.to_string());
        self.run(move |conn| {
            let n = conn
                .prepare_cached(
                    "DELETE FROM oracle WHERE party_type = ?1 AND party_id = ?2 AND fsp_id = ?3",
                )?
                .execute([kind, id, fsp])?;
            Ok(n == 1)
        })
    }

    /// A participant's position (zero when it never transacted).
    pub fn position(&self, fsp: &str, currency: &str) -> Result<Position> {
        let (fsp, currency) = (fsp.to_string(), currency.to_string());
        self.run(move |conn| {
            Ok(conn
                .prepare_cached(
                    "SELECT position, reserved FROM positions WHERE fsp_id = ?1 AND currency = ?2",
                )?
                .query_row([fsp, currency], |r| {
                    Ok(Position {
                        position: r.get(0)?,
                        reserved: r.get(1)?,
                    })
                })
                .optional()?
                .unwrap_or_default())
        })
    }

    /// A stored transfer.
    pub fn transfer(&self, id: &str) -> Result<Option<Transfer>> {
        let id = id.to_string();
        self.run(move |conn| get(conn, &id))
    }

    /// Prepares `t` (state ignored): duplicate check, cap check against `cap`, reservation.
    pub fn prepare(&self, t: &Transfer, cap: i64) -> Result<Prepared> {
        let t = t.clone();
        self.run(move |tx| prepare(tx, &t, cap))
    }

    /// Commits a reserved transfer: payer reservation → position (+amount), payee −amount.
    pub fn commit(&self, id: &str, fulfilment: &str, completed: &str) -> Result<Finished> {
        let (fulfilment, completed) = (fulfilment.to_string(), completed.to_string());
        self.finish(id, move |tx, t| {
            add_position(tx, &t.payer, &t.currency, t.amount, -t.amount)?;
            add_position(tx, &t.payee, &t.currency, -t.amount, 0)?;
            tx.prepare_cached(
                "UPDATE transfers SET state = 'COMMITTED', fulfilment = ?2, completed = ?3
                 WHERE id = ?1",
            )?
            .execute(params![t.id, fulfilment, completed])?;
            Ok(())
        })
    }

    /// Aborts a reserved transfer, releasing the payer's reservation.
    pub fn abort(&self, id: &str, code: &str, text: &str, completed: &str) -> Result<Finished> {
        let (code, text, completed) = (code.to_string(), text.to_string(), completed.to_string());
        self.finish(id, move |tx, t| {
            add_position(tx, &t.payer, &t.currency, 0, -t.amount)?;
            tx.prepare_cached(
                "UPDATE transfers SET state = 'ABORTED', error_code = ?2, error_text = ?3,
                 completed = ?4 WHERE id = ?1",
            )?
            .execute(params![t.id, code, text, completed])?;
            Ok(())
        })
    }

    fn finish(
        &self,
        id: &str,
        apply: impl FnOnce(&Connection, &Transfer) -> Result<()> + Send + 'static,
    ) -> Result<Finished> {
        let id = id.to_string();
        self.run(move |tx| {
            let Some(t) = get(tx, &id)? else {
                return Ok(Finished::NotReserved(None));
            };
            if t.state != State::Reserved {
                return Ok(Finished::NotReserved(Some(t)));
            }
            apply(tx, &t)?;
            let done = get(tx, &id)?.ok_or(Error::Corrupt("transfer"))?;
            Ok(Finished::Done(done))
        })
    }

    /// Ids of reserved transfers whose expiry is at or before `now_ms`.
    pub fn expired(&self, now_ms: i64) -> Result<Vec<String>> {
        self.run(move |conn| {
            let mut stmt = conn.prepare_cached(
                "SELECT id FROM transfers WHERE state = 'RESERVED' AND expires_at <= ?1 LIMIT 1000",
            )?;
            let ids = stmt
                .query_map([now_ms], |r| r.get(0))?
                .collect::<rusqlite::Result<Vec<String>>>()?;
            Ok(ids)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn transfer(id: &str, amount: i64) -> Transfer {
        Transfer {
            id: id.into(),
            hash: format!("h-{id}-{amount}"),
            payer: "blue".into(),
            payee: "green".into(),
            currency: "TZS".into(),
            amount,
            condition: "c".into(),
            expires_at: 1_000,
            state: State::Reserved,
            fulfilment: None,
            completed: None,
            error: None,
            version: "1.1".into(),
        }
    }

    fn total(store: &Store) -> i64 {
        store.position("blue", "TZS").unwrap().position
            + store.position("green", "TZS").unwrap().position
    }

    #[test]
    fn a_transfer_finishes_once_and_positions_sum_to_zero() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        assert_eq!(
            store.prepare(&transfer("a", 70), 100).unwrap(),
            Prepared::Reserved
        );
        assert_eq!(
            store.prepare(&transfer("b", 31), 100).unwrap(),
            Prepared::CapExceeded
        );
        assert_eq!(
            store.prepare(&transfer("a", 71), 100).unwrap(),
            Prepared::Modified
        );
        assert!(matches!(
            store.prepare(&transfer("a", 70), 100).unwrap(),
            Prepared::Duplicate(t) if t.state == State::Reserved
        ));
        assert_eq!(store.position("blue", "TZS").unwrap().reserved, 70);

        assert!(matches!(
            store.commit("a", "f", "t").unwrap(),
            Finished::Done(_)
        ));
        // Neither a second commit nor a late abort changes anything.
        assert!(matches!(
            store.commit("a", "f", "t").unwrap(),
            Finished::NotReserved(Some(_))
        ));
        assert!(matches!(
            store.abort("a", "3303", "x", "t").unwrap(),
            Finished::NotReserved(Some(_))
        ));
        assert!(matches!(
            store.abort("zz", "3303", "x", "t").unwrap(),
            Finished::NotReserved(None)
        ));
        let blue = store.position("blue", "TZS").unwrap();
        assert_eq!((blue.position, blue.reserved), (70, 0));
        assert_eq!(total(&store), 0);

        // The refused one is stored aborted with 4200 (payer limit), and nothing is reserved for it.
        let b = store.transfer("b").unwrap().unwrap();
        assert_eq!(b.state, State::Aborted);
        assert_eq!(b.error.unwrap().0, "4200");

        // 30 left under the cap; an abort releases it again.
        assert_eq!(
            store.prepare(&transfer("c", 30), 100).unwrap(),
            Prepared::Reserved
        );
        assert_eq!(store.expired(999).unwrap(), Vec::<String>::new());
        assert_eq!(store.expired(1_000).unwrap(), vec!["c".to_owned()]);
        assert!(matches!(
            store.abort("c", "3303", "Transfer expired", "t").unwrap(),
            Finished::Done(t) if t.state == State::Aborted
        ));
        assert_eq!(store.position("blue", "TZS").unwrap().reserved, 0);
        drop(store);

        let reopened = Store::open(dir.path()).unwrap();
        assert_eq!(reopened.position("blue", "TZS").unwrap().position, 70);
        assert_eq!(total(&reopened), 0);
    }

    #[test]
    fn oracle_owner_moves_and_only_the_owner_deletes() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        store.set_owner("MSISDN", "1", "blue", Some("TZS")).unwrap();
        store.set_owner("MSISDN", "1", "green", None).unwrap();
        assert_eq!(
            store.owner("MSISDN", "1").unwrap().as_deref(),
            Some("green")
        );
        assert!(!store.delete_owner("MSISDN", "1", "blue").unwrap());
        assert!(store.delete_owner("MSISDN", "1", "green").unwrap());
        assert_eq!(store.owner("MSISDN", "1").unwrap(), None);
    }
}
