//! The budget tables (`scenarios/budgets.toml`, the spec's three tables as data), read and
//! checked. What a row's verdict is over a run lives in `judge::evaluate`.

use std::path::Path;

use serde::Deserialize;

use super::error::ScenarioError;
use super::rows::Table;

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
    pub component: String,
    pub name: String,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ThroughputRow {
    pub component: String,
    pub name: String,
    pub min_per_second: Option<f64>,
    pub min_per_minute: Option<f64>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResourceRow {
    pub component: String,
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
    let whole_file = |message: String| ScenarioError::file(file, message);
    let known = |section: &str, table: Table, component: &str| {
        table
            .subject(component)
            .map(|_| ())
            .map_err(|message| whole_file(format!("[[{section}]] {message}")))
    };
    for row in &budgets.latency {
        known("latency", Table::Latency, &row.component)?;
    }
    for row in &budgets.throughput {
        known("throughput", Table::Throughput, &row.component)?;
        if row.min_per_second.is_some() == row.min_per_minute.is_some() {
            return Err(whole_file(format!(
                "[[throughput]] {}: set exactly one of min_per_second and min_per_minute",
                row.component
            )));
        }
    }
    for row in &budgets.resources {
        known("resources", Table::Memory, &row.component)?;
    }
    Ok(budgets)
}
