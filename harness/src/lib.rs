//! octoperf, the harness: reads scenarios and budgets, runs the load against a stack it starts
//! (or one it is pointed at), and writes a report that passes or fails every budget row.
//! `main.rs` only parses [`Opts`] and calls [`main_with`]; `cli` turns flags into a run.
//!
//! The rooms: `spec` (what a run is asked: scenarios, budgets, row ids), `workload` (the
//! requests: the mix, one module per request kind), `stack` (the processes under test),
//! `observe` (their resources, the machine), `run` (a suite, orchestrated), `judge` (row and
//! run verdicts, capacity), `flame` (profiles as files and flamegraphs), `merge` and `bench`,
//! `runs` (past runs: the history, folders, trials) behind `history`, `compare` and `review`,
//! `segment` (a load split across generator hosts: shares, start instants, the clock) and
//! `rendezvous` (its segments meeting in the history's database).

pub mod artifacts;
pub mod bench;
pub mod capacity;
mod cli;
pub mod console;
pub mod drive;
pub mod flame;
pub mod judge;
pub mod merge;
pub mod observe;
pub mod rendezvous;
pub mod report;
pub mod run;
pub mod runs;
pub mod segment;
pub mod spec;
pub mod stack;
pub mod workload;

pub use cli::{Opts, main_with};

/// Exit codes, documented in README.md.
pub mod exit {
    /// Every budget row passed.
    pub const PASS: u8 = 0;
    /// At least one budget row failed (or the full suite left a row unmeasured).
    pub const FAIL: u8 = 1;
    /// Bad input: flags, a scenario file or the budget file.
    pub const BAD_INPUT: u8 = 2;
    /// The run is invalid: the generator could not hold the load, or a scenario did not run.
    pub const INVALID: u8 = 3;
    /// The harness itself failed (say, it could not write the report).
    pub const ERROR: u8 = 4;
    /// Interrupted by Ctrl-C or SIGTERM; the partial report is still written.
    pub const INTERRUPTED: u8 = 130;
}
