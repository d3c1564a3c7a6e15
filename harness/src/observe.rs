//! Watching the processes under test: resource samples from `/proc` or `/metrics`
//! (`sampler`), the stack's database and Redis (`dependency`), the machine's own pauses (`hiccup`), CPU profiles over the window (`profile`), the heap pass's readings (`heap`), and the facts of the machine a run is on
//! (`machine`).

pub mod dependency;
pub mod heap;
pub mod hiccup;
pub mod machine;
pub mod profile;
pub mod sampler;
pub mod window;
