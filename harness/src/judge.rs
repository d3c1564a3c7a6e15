//! Judging a run: every budget row's verdict (`evaluate`), the run's own verdict and the
//! generator's account of itself (`verdict`), and what the machine's noise means for them
//! (`noise`). Nothing here runs anything: the capacity search, which runs trials, is `crate::capacity`.

pub mod evaluate;
pub mod invariants;
pub mod noise;
pub mod verdict;
