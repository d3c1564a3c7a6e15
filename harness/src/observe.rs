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

/// A process under test, as every observer knows it: what it is, and how to reach it. The
/// stack says which processes it has in this shape (`Stack::under_test`); the sampler, the
/// profiler and the heap pass each read what they need of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnderTest {
    /// `reflex`, `orchestrator`, `arm`; `generator` for this process.
    pub component: String,
    /// `reflex`, `arm-coder`, `orchestrator-2`, `generator`…
    pub name: String,
    /// Its PID, when the harness started it on this machine.
    pub pid: Option<u32>,
    /// Its base URL; `None` for this process.
    pub base_url: Option<String>,
}

impl UnderTest {
    /// A service the harness did not start, reached at `base_url`.
    pub fn given(component: &str, name: &str, base_url: &str) -> UnderTest {
        UnderTest {
            component: component.to_owned(),
            name: name.to_owned(),
            pid: None,
            base_url: Some(base_url.to_owned()),
        }
    }

    /// The load generator: this process.
    pub fn generator() -> UnderTest {
        UnderTest {
            component: "generator".into(),
            name: "generator".into(),
            pid: None,
            base_url: None,
        }
    }
}
