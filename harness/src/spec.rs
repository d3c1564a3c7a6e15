//! What a run is asked to do, read from files: scenarios (`scenario`), the budget tables
//! (`budget`), the rows they share by id (`rows`), and the error that names a file's fault
//! (`error`). Nothing here knows how a run goes.

pub mod budget;
pub mod error;
pub mod faults;
pub mod generic;
pub mod rows;
pub mod scenario;
pub mod units;
