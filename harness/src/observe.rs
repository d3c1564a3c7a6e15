//! Watching the processes under test: resource samples from `/proc` or `/metrics`
//! (`sampler`), and the facts of the machine a run is on (`machine`).

pub mod machine;
pub mod sampler;
