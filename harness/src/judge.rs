//! Judging a run: every budget row's verdict (`evaluate`), the run's own verdict and the
//! generator's account of itself (`verdict`), and the search for the highest rate that holds
//! every row (`capacity`).

pub mod capacity;
pub mod evaluate;
pub mod noise;
pub mod verdict;
