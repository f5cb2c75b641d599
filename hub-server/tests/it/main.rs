//! The hub's integration tests, in one test binary (one link, one file on disk): each module is
//! one suite. Run one suite with `cargo nextest run -p kipochi-hub --test it -- ledger_ops::`.

mod accounts_contract;
mod fineract_double;
mod fspiop_support;
mod ledger_support;
mod switch_support;

mod cross_dfsp;
mod fineract_adapter;
mod fineract_hub;
mod fspiop_inbound;
mod fspiop_jws_out;
mod fspiop_loopback;
mod fspiop_vectors;
mod hub_scenarios;
mod ledger_crash;
mod ledger_durability;
mod ledger_ops;
mod ledger_props;
mod ledger_rules;
mod switch_interop;
mod switch_lookup;
mod switch_process;
mod switch_transfers;
