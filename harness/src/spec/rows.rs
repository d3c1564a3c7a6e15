//! What a scenario must have to measure each budget row. The rows' names (measure, component,
//! row id) are `reports`' vocabulary, re-exported here; ARCHITECTURE.md states the same in
//! prose.

pub use reports::{Component, Measure, RowId};

use crate::workload::kind::{RequestKind, latency_source, throughput_sources};

/// What a scenario must have for a row to be measured by it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RowNeeds {
    pub request_kinds: Vec<RequestKind>,
    pub open_model: bool,
    pub llm: LlmNeed,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum LlmNeed {
    #[default]
    Any,
    /// The Orchestrator rows time orchestration alone: the arms answer at once.
    ZeroLatency,
    /// The Arms and End-to-end rows run under the scenario's LLM model.
    Model,
}

/// How `row` is measured.
pub fn needs(row: RowId) -> RowNeeds {
    let subject = row.component;
    match row.measure {
        // A closed model's latency is service time: a user waits for its answer before
        // it sends again, so a stall hides the requests it would have sent (coordinated
        // omission, by design). Latency rows are judged from intended send times only.
        Measure::Latency => RowNeeds {
            request_kinds: latency_source(subject).into_iter().collect(),
            open_model: true,
            llm: match subject {
                Component::OrchestratorSimple | Component::OrchestratorComplex => {
                    LlmNeed::ZeroLatency
                }
                Component::Arms | Component::E2eSimple | Component::E2eComplex => LlmNeed::Model,
                _ => LlmNeed::Any,
            },
        },
        Measure::Throughput => RowNeeds {
            request_kinds: throughput_sources(subject).into_iter().take(1).collect(),
            open_model: true,
            llm: LlmNeed::Any,
        },
        Measure::Memory | Measure::Cpu => RowNeeds::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_row_says_what_feeds_it() {
        let needs = |row: &str| super::needs(row.parse::<RowId>().unwrap());
        assert_eq!(
            needs("latency.orchestrator_complex"),
            RowNeeds {
                request_kinds: vec![RequestKind::TaskComplex],
                open_model: true,
                llm: LlmNeed::ZeroLatency,
            }
        );
        assert_eq!(
            needs("throughput.arms").request_kinds,
            vec![RequestKind::ArmExecute]
        );
        assert!(needs("throughput.reflex").open_model);
        assert_eq!(needs("latency.e2e_simple").llm, LlmNeed::Model);
        assert_eq!(needs("cpu.arm"), RowNeeds::default());
    }
}
