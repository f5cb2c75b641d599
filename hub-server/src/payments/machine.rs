//! The payment state machine: which transitions are legal, for each direction.
//!
//! Payer (outgoing): `created → quoted → approved → reserved → sent → committed`, with the exits
//! `declined` (customer said no), `expired` (quote or transfer ran out of time) and `failed` (any
//! error; a hold, if one was made, has been released before this state is written). Internal
//! (same-DFSP) payments are booked in one journal entry: `approved → committed` (no hold).
//! Payee (incoming): `quoted → reserved → committed`, or `failed` when the switch aborts, or
//! `expired` when no transfer arrived before the quote's expiry.

use kipochi_core::api::{Direction, PaymentState};

use PaymentState::*;

/// Whether `from → to` is a legal transition for a payment going `direction`.
pub fn allowed(direction: Direction, from: PaymentState, to: PaymentState) -> bool {
    match direction {
        Direction::Outgoing => matches!(
            (from, to),
            (Created, Quoted | Failed | Expired)
                | (Quoted, Approved | Declined | Expired | Failed)
                | (Approved, Reserved | Committed | Failed | Expired)
                | (Reserved, Sent | Committed | Failed | Expired)
                | (Sent, Committed | Failed | Expired)
        ),
        Direction::Incoming => matches!(
            (from, to),
            (Quoted, Reserved | Expired | Failed) | (Reserved, Committed | Failed)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [PaymentState; 9] = [
        Created, Quoted, Approved, Reserved, Sent, Committed, Declined, Expired, Failed,
    ];

    #[test]
    fn terminal_states_never_move() {
        for dir in [Direction::Outgoing, Direction::Incoming] {
            for from in ALL.into_iter().filter(|s| s.is_terminal()) {
                for to in ALL {
                    assert!(!allowed(dir, from, to), "{dir:?} {from:?} -> {to:?}");
                }
            }
        }
    }

    #[test]
    fn payer_happy_paths() {
        let d = Direction::Outgoing;
        for pair in [Created, Quoted, Approved, Reserved, Sent, Committed].windows(2) {
            assert!(allowed(d, pair[0], pair[1]), "{pair:?}");
        }
        // Internal payment: no switch involved, one journal entry.
        assert!(allowed(d, Reserved, Committed));
        assert!(allowed(d, Approved, Committed));
        // No skipping approval, no going back.
        assert!(!allowed(d, Quoted, Reserved));
        assert!(!allowed(d, Sent, Reserved));
        assert!(!allowed(d, Created, Committed));
    }

    #[test]
    fn payee_paths() {
        let d = Direction::Incoming;
        assert!(allowed(d, Quoted, Reserved));
        assert!(allowed(d, Reserved, Committed));
        assert!(allowed(d, Reserved, Failed));
        assert!(!allowed(d, Quoted, Committed));
        assert!(!allowed(d, Created, Quoted));
        assert!(!allowed(d, Reserved, Declined));
    }
}
