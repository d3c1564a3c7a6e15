//! The budget tables (`scenarios/budgets.toml`, the spec's three tables as data), read and
//! checked. What a row's verdict is over a run lives in `judge::evaluate`.

use std::path::Path;

use serde::Deserialize;

use super::error::ScenarioError;
use super::rows::{Component, Measure};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    Development,
    Production,
}

impl Profile {
    pub fn as_str(self) -> &'static str {
        match self {
            Profile::Development => "development",
            Profile::Production => "production",
        }
    }
}

impl std::str::FromStr for Profile {
    type Err = String;

    fn from_str(text: &str) -> Result<Profile, String> {
        match text {
            "development" => Ok(Profile::Development),
            "production" => Ok(Profile::Production),
            other => Err(format!(
                "unknown profile {other:?}: expected development or production"
            )),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Budgets {
    pub latency: Vec<LatencyRow>,
    pub throughput: Vec<ThroughputRow>,
    pub resources: Vec<ResourceRow>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LatencyRow {
    pub component: Component,
    pub name: String,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ThroughputRow {
    pub component: Component,
    pub name: String,
    pub min_per_second: Option<f64>,
    pub min_per_minute: Option<f64>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResourceRow {
    pub component: Component,
    pub name: String,
    pub memory_mb: ByProfile,
    pub cpu_cores: ByProfile,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ByProfile {
    pub development: f64,
    pub production: f64,
}

impl ByProfile {
    pub fn get(&self, profile: Profile) -> f64 {
        match profile {
            Profile::Development => self.development,
            Profile::Production => self.production,
        }
    }
}

/// Reads and checks the budget file.
pub fn load(path: &Path) -> Result<Budgets, ScenarioError> {
    let file = path.display().to_string();
    let source = std::fs::read_to_string(path).map_err(|error| {
        ScenarioError::file(&file, format!("cannot read the budget file: {error}"))
    })?;
    parse(&file, &source)
}

pub fn parse(file: &str, source: &str) -> Result<Budgets, ScenarioError> {
    let budgets: Budgets = toml::from_str(source).map_err(|error| {
        let offset = error.span().map_or(0, |span| span.start);
        ScenarioError::at(file, source, offset, error.message().trim().to_owned())
    })?;
    // Where each row's component is written, so that an error names its line.
    let located: Located = toml::from_str(source).unwrap_or_default();
    let at = |section: &str, idx: usize, message: String| {
        let offset = located.offset(section, idx);
        ScenarioError::at(file, source, offset, format!("[[{section}]] {message}"))
    };
    let known = |section: &str, idx: usize, measure: Measure, component: Component| {
        measure
            .component(component.as_str())
            .map(|_| ())
            .map_err(|message| at(section, idx, message))
    };
    for (idx, row) in budgets.latency.iter().enumerate() {
        known("latency", idx, Measure::Latency, row.component)?;
    }
    for (idx, row) in budgets.throughput.iter().enumerate() {
        known("throughput", idx, Measure::Throughput, row.component)?;
        if row.min_per_second.is_some() == row.min_per_minute.is_some() {
            return Err(at(
                "throughput",
                idx,
                format!(
                    "{}: set exactly one of min_per_second and min_per_minute",
                    row.component
                ),
            ));
        }
    }
    for (idx, row) in budgets.resources.iter().enumerate() {
        known("resources", idx, Measure::Memory, row.component)?;
    }
    Ok(budgets)
}

/// The budget file read again for where each row's component is written.
#[derive(Debug, Default, Deserialize)]
struct Located {
    #[serde(default)]
    latency: Vec<LocatedRow>,
    #[serde(default)]
    throughput: Vec<LocatedRow>,
    #[serde(default)]
    resources: Vec<LocatedRow>,
}

#[derive(Debug, Deserialize)]
struct LocatedRow {
    component: toml::Spanned<toml::Value>,
}

impl Located {
    /// The byte offset of the `idx`-th row's component in `section`; 0 when unknown.
    fn offset(&self, section: &str, idx: usize) -> usize {
        let rows = match section {
            "latency" => &self.latency,
            "throughput" => &self.throughput,
            _ => &self.resources,
        };
        rows.get(idx).map_or(0, |row| row.component.span().start)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LATENCY: &str = "[[latency]]\ncomponent = \"reflex\"\nname = \"Reflex Layer\"\np50_ms = 5.0\np95_ms = 10.0\np99_ms = 20.0\n";
    const RESOURCES: &str = "[[resources]]\ncomponent = \"arm\"\nname = \"Arm\"\nmemory_mb = { development = 1, production = 2 }\ncpu_cores = { development = 1, production = 2 }\n";

    fn error(source: &str) -> String {
        parse("budgets.toml", source).unwrap_err().to_string()
    }

    /// Issue 28: a budget-file error names its line (it said line 0).
    #[test]
    fn a_budget_error_names_the_line_at_fault() {
        let throughput =
            "[[throughput]]\ncomponent = \"reflex\"\nname = \"Reflex\"\nmin_per_second = 1.0\n";
        assert!(parse("budgets.toml", &format!("{LATENCY}{throughput}{RESOURCES}")).is_ok());
        // A component of another table: line 8, the component of the second latency row.
        let wrong_table = LATENCY.replace("reflex", "arm");
        let message = error(&format!(
            "{LATENCY}{wrong_table}[[throughput]]\ncomponent = \"reflex\"\nname = \"R\"\nmin_per_second = 1.0\n{RESOURCES}"
        ));
        assert!(
            message
                .starts_with("budgets.toml:8: [[latency]] unknown component \"arm\" for latency"),
            "{message}"
        );
        // Neither or both rates: the row's line.
        let both = throughput.replace(
            "min_per_second = 1.0",
            "min_per_second = 1.0\nmin_per_minute = 60.0",
        );
        let message = error(&format!("{LATENCY}{both}{RESOURCES}"));
        assert!(
            message.starts_with("budgets.toml:8: [[throughput]] reflex: set exactly one of"),
            "{message}"
        );
        // A component no table knows: its line, from the parser.
        let message = error(&format!(
            "{LATENCY}{throughput}{}",
            RESOURCES.replace("\"arm\"", "\"arms2\"")
        ));
        assert!(message.starts_with("budgets.toml:12:"), "{message}");
        assert!(message.contains("arms2"), "{message}");
    }
}

/// Issue 28: `scenarios/budgets.toml` is the spec's three tables as data; this holds it to the
/// copy of the spec in `docs/spec/`.
#[cfg(test)]
mod spec_tests {
    use super::*;

    /// The spec's table under `heading`: each row's cells, the header and rule left out.
    fn table(spec: &str, heading: &str) -> Vec<Vec<String>> {
        let start = spec.find(heading).expect("the heading is in the spec");
        spec[start..]
            .lines()
            .skip_while(|line| !line.starts_with('|'))
            .take_while(|line| line.starts_with('|'))
            .skip(2)
            .map(|line| {
                line.trim_matches('|')
                    .split('|')
                    .map(|cell| cell.trim().to_owned())
                    .collect()
            })
            .collect()
    }

    /// `<5ms`, `<1s`, `>10,000 req/s`, `<2GB`, `<0.5 cores` in the unit asked for.
    fn value(cell: &str, unit: &str) -> f64 {
        let text = cell.trim_start_matches(['<', '>']).replace(',', "");
        let number: String = text
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == '.')
            .collect();
        let suffix = text[number.len()..].trim();
        let number: f64 = number.parse().unwrap_or_else(|_| panic!("{cell:?}"));
        match (suffix, unit) {
            ("ms", "ms") | ("MB", "MB") | ("req/s", "req/s") | ("tasks/min", "tasks/min") => number,
            ("s", "ms") => number * 1000.0,
            ("GB", "MB") => number * 1000.0,
            ("core" | "cores", "cores") => number,
            _ => panic!("{cell:?} in {unit}"),
        }
    }

    #[test]
    fn the_budget_file_holds_the_spec_s_three_tables() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let spec =
            std::fs::read_to_string(root.join("docs/spec/performance-best-practices.md")).unwrap();
        let budgets = load(&root.join("scenarios/budgets.toml")).unwrap();
        let latency = table(&spec, "### Latency Targets");
        assert_eq!(latency.len(), budgets.latency.len());
        for (cells, row) in latency.iter().zip(&budgets.latency) {
            assert_eq!(cells[0], row.name);
            let limits = [row.p50_ms, row.p95_ms, row.p99_ms];
            for (cell, limit) in cells[1..4].iter().zip(limits) {
                assert_eq!(value(cell, "ms"), limit, "{}", row.name);
            }
        }
        let throughput = table(&spec, "### Throughput Targets");
        assert_eq!(throughput.len(), budgets.throughput.len());
        for (cells, row) in throughput.iter().zip(&budgets.throughput) {
            assert_eq!(cells[0], row.name);
            match (row.min_per_second, row.min_per_minute) {
                (Some(per_second), None) => assert_eq!(value(&cells[1], "req/s"), per_second),
                (None, Some(per_minute)) => {
                    assert_eq!(value(&cells[1], "tasks/min"), per_minute);
                }
                _ => panic!("{}: one rate", row.name),
            }
        }
        let resources = table(&spec, "### Resource Targets");
        assert_eq!(resources.len(), budgets.resources.len() * 2);
        for row in &budgets.resources {
            let find = |what: &str| {
                resources
                    .iter()
                    .find(|cells| cells[0] == format!("{what} ({})", row.name))
                    .unwrap_or_else(|| panic!("{what} ({}) is not in the spec", row.name))
            };
            let (memory, cpu) = (find("Memory"), find("CPU"));
            assert_eq!(value(&memory[1], "MB"), row.memory_mb.development);
            assert_eq!(value(&memory[2], "MB"), row.memory_mb.production);
            assert_eq!(value(&cpu[1], "cores"), row.cpu_cores.development);
            assert_eq!(value(&cpu[2], "cores"), row.cpu_cores.production);
        }
    }
}
