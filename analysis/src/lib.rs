//! Pure functions over run reports: `compare` (a change with its confidence interval and a
//! verdict, for every budget row and request series), `gate` (the thresholds a change is
//! judged against), `sequential` (each look's share of the error rate when a gate stops as
//! soon as it can tell), `changepoint` (where a series of runs stepped), and `review` (the
//! quarterly page built from the history). Nothing here reads or writes files: the harness
//! hands in reports and interval logs, and writes what comes out.

pub mod changepoint;
pub mod compare;
pub mod gate;
pub mod review;
pub mod sequential;
mod stats;

pub use compare::{Better, Change, ChangeVerdict, Comparison, Run, Side, compare};
pub use gate::Gate;
