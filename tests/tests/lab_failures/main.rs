//! Failure paths and replays across DFSPs on the real lab processes (switch, bluebank,
//! greenwallet on loopback): every refusal gives the wallet a stable code and moves no money;
//! every FSPIOP message re-sent and every wallet call retried gives the original outcome.

mod failures;
mod harness;
mod replays;
