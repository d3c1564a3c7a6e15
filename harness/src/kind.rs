//! The kinds of request a scenario can send. What each kind's body is, where it goes and what
//! its answer means live in `mix` and `workload`; which budget rows it feeds, in `rows`.

use serde::Deserialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestKind {
    /// `POST /process` on the Reflex Layer.
    ReflexProcess,
    /// `POST /execute` on an arm.
    ArmExecute,
    /// A simple task through the Orchestrator, timed to completion.
    TaskSimple,
    /// A complex (planned) task through the Orchestrator, timed to completion.
    TaskComplex,
}

impl RequestKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RequestKind::ReflexProcess => "reflex_process",
            RequestKind::ArmExecute => "arm_execute",
            RequestKind::TaskSimple => "task_simple",
            RequestKind::TaskComplex => "task_complex",
        }
    }

    /// The service the request goes to.
    pub fn needs(self) -> &'static str {
        match self {
            RequestKind::ReflexProcess => "reflex",
            RequestKind::ArmExecute => "arms",
            RequestKind::TaskSimple | RequestKind::TaskComplex => "orchestrator",
        }
    }
}
