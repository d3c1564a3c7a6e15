//! Budget rows by id, typed: a table (latency, throughput, memory, CPU) and the subject it
//! judges (a component, or a path through several), and what a scenario must have to measure
//! each. ARCHITECTURE.md states the same in prose.

use std::fmt;
use std::str::FromStr;

use crate::workload::kind::{RequestKind, latency_source, throughput_sources};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Table {
    Latency,
    Throughput,
    Memory,
    Cpu,
}

impl Table {
    pub const ALL: [Table; 4] = [Table::Latency, Table::Throughput, Table::Memory, Table::Cpu];

    pub fn as_str(self) -> &'static str {
        match self {
            Table::Latency => "latency",
            Table::Throughput => "throughput",
            Table::Memory => "memory",
            Table::Cpu => "cpu",
        }
    }

    /// The subjects this table has rows for.
    pub fn subjects(self) -> &'static [Subject] {
        match self {
            Table::Latency => &[
                Subject::Reflex,
                Subject::OrchestratorSimple,
                Subject::OrchestratorComplex,
                Subject::Arms,
                Subject::E2eSimple,
                Subject::E2eComplex,
            ],
            Table::Throughput => &[Subject::Reflex, Subject::Orchestrator, Subject::Arms],
            Table::Memory | Table::Cpu => &[Subject::Orchestrator, Subject::Arm, Subject::Reflex],
        }
    }

    /// The subject of this table named `name`, or an error naming the ones it has.
    pub fn subject(self, name: &str) -> Result<Subject, String> {
        self.subjects()
            .iter()
            .copied()
            .find(|subject| subject.as_str() == name)
            .ok_or_else(|| {
                let names: Vec<&str> = self.subjects().iter().map(|s| s.as_str()).collect();
                format!(
                    "unknown component {name:?} for {}; expected one of {names:?}",
                    self.as_str()
                )
            })
    }
}

/// What a row judges: a component, or a path through several (`e2e_simple`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Subject {
    Reflex,
    Orchestrator,
    OrchestratorSimple,
    OrchestratorComplex,
    Arms,
    Arm,
    E2eSimple,
    E2eComplex,
}

impl Subject {
    pub fn as_str(self) -> &'static str {
        match self {
            Subject::Reflex => "reflex",
            Subject::Orchestrator => "orchestrator",
            Subject::OrchestratorSimple => "orchestrator_simple",
            Subject::OrchestratorComplex => "orchestrator_complex",
            Subject::Arms => "arms",
            Subject::Arm => "arm",
            Subject::E2eSimple => "e2e_simple",
            Subject::E2eComplex => "e2e_complex",
        }
    }
}

/// A row of the budget tables, as a scenario's `measures` names it: `latency.reflex`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RowId {
    pub table: Table,
    pub subject: Subject,
}

impl FromStr for RowId {
    type Err = String;

    fn from_str(row: &str) -> Result<RowId, String> {
        let (table, subject) = row
            .split_once('.')
            .ok_or_else(|| format!("{row:?} is not a row id such as \"latency.reflex\""))?;
        let table = Table::ALL
            .into_iter()
            .find(|known| known.as_str() == table)
            .ok_or_else(|| {
                format!(
                    "{row:?}: unknown table {table:?}; expected latency, throughput, memory or cpu"
                )
            })?;
        let subject = table
            .subject(subject)
            .map_err(|message| format!("{row:?}: {message}"))?;
        Ok(RowId { table, subject })
    }
}

impl fmt::Display for RowId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.table.as_str(), self.subject.as_str())
    }
}

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

impl RowId {
    /// How the row is measured.
    pub fn needs(self) -> RowNeeds {
        match self.table {
            // A closed model's latency is service time: a user waits for its answer before
            // it sends again, so a stall hides the requests it would have sent (coordinated
            // omission, by design). Latency rows are judged from intended send times only.
            Table::Latency => RowNeeds {
                request_kinds: latency_source(self.subject).into_iter().collect(),
                open_model: true,
                llm: match self.subject {
                    Subject::OrchestratorSimple | Subject::OrchestratorComplex => {
                        LlmNeed::ZeroLatency
                    }
                    Subject::Arms | Subject::E2eSimple | Subject::E2eComplex => LlmNeed::Model,
                    _ => LlmNeed::Any,
                },
            },
            Table::Throughput => RowNeeds {
                request_kinds: throughput_sources(self.subject)
                    .into_iter()
                    .take(1)
                    .collect(),
                open_model: true,
                llm: LlmNeed::Any,
            },
            Table::Memory | Table::Cpu => RowNeeds::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn row_ids_parse_print_and_name_what_is_wrong() {
        for row in [
            "latency.reflex",
            "latency.e2e_complex",
            "throughput.orchestrator",
            "memory.arm",
            "cpu.reflex",
        ] {
            assert_eq!(row.parse::<RowId>().unwrap().to_string(), row);
        }
        assert!(
            "latency"
                .parse::<RowId>()
                .unwrap_err()
                .contains("not a row id")
        );
        assert!(
            "speed.reflex"
                .parse::<RowId>()
                .unwrap_err()
                .contains("unknown table \"speed\"")
        );
        // A subject of another table is not one of this table's.
        assert!(
            "memory.e2e_simple"
                .parse::<RowId>()
                .unwrap_err()
                .contains("unknown component \"e2e_simple\" for memory")
        );
    }

    #[test]
    fn each_row_says_what_feeds_it() {
        let needs = |row: &str| row.parse::<RowId>().unwrap().needs();
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
