//! The vocabulary every crate shares, typed: the spec's budget tables, what a row measures, its
//! metric, the component it judges, and a request series' label. Strings appear only where
//! bytes meet the outside: serde renames keep `report.json` in its form, `FromStr` reads the
//! TOML and the command line, `Display` writes the terminal. A new component or series kind
//! is added here, in one place.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// One of the spec's three budget tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Table {
    Latency,
    Throughput,
    /// Memory and CPU.
    Resources,
}

impl Table {
    pub const ALL: [Table; 3] = [Table::Latency, Table::Throughput, Table::Resources];

    pub fn as_str(self) -> &'static str {
        match self {
            Table::Latency => "latency",
            Table::Throughput => "throughput",
            Table::Resources => "resources",
        }
    }
}

/// What a row measures of its component, as a scenario's `measures` names it
/// (`latency.reflex`, `memory.arm`): the resources table has two.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Measure {
    Latency,
    Throughput,
    Memory,
    Cpu,
}

impl Measure {
    pub const ALL: [Measure; 4] = [
        Measure::Latency,
        Measure::Throughput,
        Measure::Memory,
        Measure::Cpu,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Measure::Latency => "latency",
            Measure::Throughput => "throughput",
            Measure::Memory => "memory",
            Measure::Cpu => "cpu",
        }
    }

    /// The spec's table it is a column of.
    pub fn table(self) -> Table {
        match self {
            Measure::Latency => Table::Latency,
            Measure::Throughput => Table::Throughput,
            Measure::Memory | Measure::Cpu => Table::Resources,
        }
    }

    /// The components this measure has rows for.
    pub fn components(self) -> &'static [Component] {
        match self {
            Measure::Latency => &[
                Component::Reflex,
                Component::OrchestratorSimple,
                Component::OrchestratorComplex,
                Component::Arms,
                Component::E2eSimple,
                Component::E2eComplex,
            ],
            Measure::Throughput => &[Component::Reflex, Component::Orchestrator, Component::Arms],
            Measure::Memory | Measure::Cpu => {
                &[Component::Orchestrator, Component::Arm, Component::Reflex]
            }
        }
    }

    /// The component of this measure named `name`, or an error naming the ones it has.
    pub fn component(self, name: &str) -> Result<Component, String> {
        self.components()
            .iter()
            .copied()
            .find(|component| component.as_str() == name)
            .ok_or_else(|| {
                let names: Vec<&str> = self.components().iter().map(|c| c.as_str()).collect();
                format!(
                    "unknown component {name:?} for {}; expected one of {names:?}",
                    self.as_str()
                )
            })
    }
}

/// A budget row's metric: a column of its table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    P50,
    P95,
    P99,
    Throughput,
    Memory,
    Cpu,
}

impl Metric {
    pub fn as_str(self) -> &'static str {
        match self {
            Metric::P50 => "p50",
            Metric::P95 => "p95",
            Metric::P99 => "p99",
            Metric::Throughput => "throughput",
            Metric::Memory => "memory",
            Metric::Cpu => "cpu",
        }
    }

    /// What it measures: the latency percentiles are all latency.
    pub fn measure(self) -> Measure {
        match self {
            Metric::P50 | Metric::P95 | Metric::P99 => Measure::Latency,
            Metric::Throughput => Measure::Throughput,
            Metric::Memory => Measure::Memory,
            Metric::Cpu => Measure::Cpu,
        }
    }

    /// As a reader is shown it: `P95`, `Throughput`, `Memory`, `CPU`.
    pub fn label(self) -> &'static str {
        match self {
            Metric::P50 => "P50",
            Metric::P95 => "P95",
            Metric::P99 => "P99",
            Metric::Throughput => "Throughput",
            Metric::Memory => "Memory",
            Metric::Cpu => "CPU",
        }
    }
}

impl fmt::Display for Metric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl fmt::Display for Table {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// What a row judges: a component, or a path through several (`e2e_simple`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Component {
    Reflex,
    Orchestrator,
    OrchestratorSimple,
    OrchestratorComplex,
    /// The arms as a whole (their latency and throughput).
    Arms,
    /// One arm process (its memory and CPU).
    Arm,
    E2eSimple,
    E2eComplex,
}

impl Component {
    pub fn as_str(self) -> &'static str {
        match self {
            Component::Reflex => "reflex",
            Component::Orchestrator => "orchestrator",
            Component::OrchestratorSimple => "orchestrator_simple",
            Component::OrchestratorComplex => "orchestrator_complex",
            Component::Arms => "arms",
            Component::Arm => "arm",
            Component::E2eSimple => "e2e_simple",
            Component::E2eComplex => "e2e_complex",
        }
    }

    /// The component of the processes it judges (as `ProcessResult::component` and
    /// `ProfileResult::component` name them); `None` for a path, which crosses them all.
    pub fn process(self) -> Option<&'static str> {
        match self {
            Component::Reflex => Some("reflex"),
            Component::Orchestrator
            | Component::OrchestratorSimple
            | Component::OrchestratorComplex => Some("orchestrator"),
            Component::Arms | Component::Arm => Some("arm"),
            Component::E2eSimple | Component::E2eComplex => None,
        }
    }

    /// Whether a process of `component` (a report's process component) is one it judges: for
    /// a path, every process but the generator.
    pub fn judges_process(self, component: &str) -> bool {
        match self.process() {
            Some(own) => own == component,
            None => component != "generator",
        }
    }
}

impl fmt::Display for Component {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

/// A budget row by id, as a scenario's `measures` names it: `latency.reflex`. Serialised as
/// that text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RowId {
    pub measure: Measure,
    pub component: Component,
}

impl RowId {
    pub fn new(measure: Measure, component: Component) -> RowId {
        RowId { measure, component }
    }
}

impl FromStr for RowId {
    type Err = String;

    fn from_str(row: &str) -> Result<RowId, String> {
        let (measure, component) = row
            .split_once('.')
            .ok_or_else(|| format!("{row:?} is not a row id such as \"latency.reflex\""))?;
        let measure = Measure::ALL
            .into_iter()
            .find(|known| known.as_str() == measure)
            .ok_or_else(|| {
                format!(
                    "{row:?}: unknown table {measure:?}; expected latency, throughput, memory or cpu"
                )
            })?;
        let component = measure
            .component(component)
            .map_err(|message| format!("{row:?}: {message}"))?;
        Ok(RowId { measure, component })
    }
}

impl TryFrom<String> for RowId {
    type Error = String;

    fn try_from(text: String) -> Result<RowId, String> {
        text.parse()
    }
}

impl From<RowId> for String {
    fn from(row: RowId) -> String {
        row.to_string()
    }
}

impl fmt::Display for RowId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(&format!(
            "{}.{}",
            self.measure.as_str(),
            self.component.as_str()
        ))
    }
}

/// A request series' label: its request kind and, for a breakdown of a kind, the detail
/// (`arm_execute[coder]`: the arm). Serialised as that text.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub struct SeriesLabel {
    /// `reflex_process`, `arm_execute`, `task_simple`, a generic request's name…
    pub kind: String,
    /// The breakdown's detail (`coder`); `None` for a kind's whole series.
    pub detail: Option<String>,
}

impl SeriesLabel {
    /// A kind's whole series.
    pub fn whole(kind: &str) -> SeriesLabel {
        SeriesLabel {
            kind: kind.to_owned(),
            detail: None,
        }
    }

    /// A breakdown of `kind` by `detail`.
    pub fn breakdown(kind: &str, detail: &str) -> SeriesLabel {
        SeriesLabel {
            kind: kind.to_owned(),
            detail: Some(detail.to_owned()),
        }
    }

    /// Whether it breaks a kind down: every request is in exactly one whole series, and may
    /// be in a breakdown too.
    pub fn is_breakdown(&self) -> bool {
        self.detail.is_some()
    }

    /// As a file name: `arm_execute[coder]` → `arm_execute.coder`.
    pub fn file_stem(&self) -> String {
        match &self.detail {
            Some(detail) => format!("{}.{detail}", self.kind),
            None => self.kind.clone(),
        }
    }
}

impl From<String> for SeriesLabel {
    fn from(text: String) -> SeriesLabel {
        match text.strip_suffix(']').and_then(|rest| rest.split_once('[')) {
            Some((kind, detail)) => SeriesLabel::breakdown(kind, detail),
            None => SeriesLabel {
                kind: text,
                detail: None,
            },
        }
    }
}

impl From<&str> for SeriesLabel {
    fn from(text: &str) -> SeriesLabel {
        SeriesLabel::from(text.to_owned())
    }
}

impl From<SeriesLabel> for String {
    fn from(label: SeriesLabel) -> String {
        label.to_string()
    }
}

impl fmt::Display for SeriesLabel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.detail {
            Some(detail) => f.pad(&format!("{}[{detail}]", self.kind)),
            None => f.pad(&self.kind),
        }
    }
}

impl PartialEq<str> for SeriesLabel {
    fn eq(&self, other: &str) -> bool {
        match &self.detail {
            None => self.kind == other,
            Some(detail) => other
                .strip_suffix(']')
                .and_then(|rest| rest.split_once('['))
                .is_some_and(|(kind, rest)| kind == self.kind && rest == detail),
        }
    }
}

impl PartialEq<&str> for SeriesLabel {
    fn eq(&self, other: &&str) -> bool {
        self == *other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_vocabulary_reads_and_writes_the_report_s_words() {
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
        // A component of another measure is not one of this one's.
        assert!(
            "memory.e2e_simple"
                .parse::<RowId>()
                .unwrap_err()
                .contains("unknown component \"e2e_simple\" for memory")
        );
        let json = serde_json::to_string(&(Table::Resources, Metric::P95, Component::E2eSimple));
        assert_eq!(json.unwrap(), r#"["resources","p95","e2e_simple"]"#);
        assert_eq!(Metric::Cpu.measure().table(), Table::Resources);
    }

    #[test]
    fn a_series_label_keeps_its_kind_and_detail_and_its_text() {
        let label: SeriesLabel = serde_json::from_str(r#""arm_execute[coder]""#).unwrap();
        assert_eq!(label, SeriesLabel::breakdown("arm_execute", "coder"));
        assert!(label.is_breakdown());
        assert_eq!(label.file_stem(), "arm_execute.coder");
        assert_eq!(
            serde_json::to_string(&label).unwrap(),
            r#""arm_execute[coder]""#
        );
        let whole = SeriesLabel::from("reflex_process");
        assert!(!whole.is_breakdown());
        assert!(whole == "reflex_process");
        assert!(label == "arm_execute[coder]");
        assert!(label != "arm_execute");
        // Brackets that do not close a label are part of a generic request's name.
        assert_eq!(SeriesLabel::from("odd[name").kind, "odd[name");
    }

    #[test]
    fn a_row_judges_the_processes_of_its_component() {
        assert!(Component::Arms.judges_process("arm"));
        assert!(Component::OrchestratorComplex.judges_process("orchestrator"));
        assert!(!Component::Reflex.judges_process("arm"));
        assert!(Component::E2eSimple.judges_process("reflex"));
        assert!(!Component::E2eSimple.judges_process("generator"));
    }
}
