//! Watching the processes under test: resource samples from `/proc` or `/metrics`
//! (`sampler`), the machine's own pauses (`hiccup`), and the facts of the machine a run is on
//! (`machine`).

pub mod hiccup;
pub mod machine;
pub mod sampler;
