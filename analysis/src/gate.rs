//! The gate file: how large a change must be, per kind of metric, before it counts as a
//! regression or an improvement, and how sure the comparison must be. Every field has a
//! default, so an empty file (or none) is a valid gate.
//!
//! ```toml
//! confidence = 0.95      # of each change's interval
//! resamples = 2000       # bootstrap resamples per change
//! [thresholds]           # percent, in the worse direction
//! p50 = 10
//! p95 = 10
//! p99 = 10
//! throughput = 5         # a drop of 5%
//! cpu = 15
//! memory = 10
//! [rows]                 # one metric's own threshold, by its key
//! "latency.reflex.p99" = 25
//! informational = ["p99"] # classes or keys reported with a verdict that does not gate
//! trials_latency = "median" # or "pooled": how trials' latency percentiles combine
//! paired = true          # trial i of each side compared with the other's (A B A B runs)
//! ```

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// What a kind of metric is judged by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Class {
    P50,
    P95,
    P99,
    Throughput,
    Cpu,
    Memory,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Gate {
    /// The confidence of each change's interval, as 0.95.
    #[serde(default = "default_confidence")]
    pub confidence: f64,
    /// Bootstrap resamples per change.
    #[serde(default = "default_resamples")]
    pub resamples: usize,
    #[serde(default)]
    pub thresholds: Thresholds,
    /// Thresholds of single metrics, in percent, by key (`latency.reflex.p99`,
    /// `reflex/reflex_process p99`): these win over the metric's class.
    #[serde(default)]
    pub rows: BTreeMap<String, f64>,
    /// Metric classes (`p99`, `memory`…) or keys whose changes are reported, with their
    /// interval and verdict, but do not decide the comparison's verdict: for metrics that
    /// the trials cannot resolve on a given machine.
    #[serde(default)]
    pub informational: Vec<String>,
    /// How the latency percentiles of repeated trials combine (see [`TrialsLatency`]).
    #[serde(default)]
    pub trials_latency: TrialsLatency,
    /// The sides' trials were run in pairs (as `cargo xtask gate` runs them, A B A B): with
    /// as many trials a side, trial i of each is compared with the other's, the change being
    /// the median of the pairs' ratios, resampled by pair.
    #[serde(default)]
    pub paired: bool,
}

/// How a latency percentile is read from repeated trials.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TrialsLatency {
    /// The percentile of every request of the trials, their histograms added: a trial weighs
    /// by its requests.
    #[default]
    Pooled,
    /// The median of the trials' own percentiles: a trial that a stall of the machine made
    /// slow is one vote of many, whatever its requests' latency (the tail of a 2-core shared
    /// machine needs this).
    Median,
}

/// Thresholds in percent, in the worse direction of each metric.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Thresholds {
    #[serde(default = "ten")]
    pub p50: f64,
    #[serde(default = "ten")]
    pub p95: f64,
    #[serde(default = "ten")]
    pub p99: f64,
    #[serde(default = "five")]
    pub throughput: f64,
    #[serde(default = "fifteen")]
    pub cpu: f64,
    #[serde(default = "ten")]
    pub memory: f64,
}

impl Default for Thresholds {
    fn default() -> Thresholds {
        Thresholds {
            p50: 10.0,
            p95: 10.0,
            p99: 10.0,
            throughput: 5.0,
            cpu: 15.0,
            memory: 10.0,
        }
    }
}

impl Default for Gate {
    fn default() -> Gate {
        Gate {
            confidence: default_confidence(),
            resamples: default_resamples(),
            thresholds: Thresholds::default(),
            rows: BTreeMap::new(),
            informational: Vec::new(),
            trials_latency: TrialsLatency::default(),
            paired: false,
        }
    }
}

impl Gate {
    /// Reads a gate file's text; `file` names it in the error.
    pub fn parse(text: &str, file: &str) -> Result<Gate, String> {
        let gate: Gate = toml::from_str(text).map_err(|error| format!("{file}: {error}"))?;
        if !(0.5..1.0).contains(&gate.confidence) {
            return Err(format!(
                "{file}: confidence = {}: expected a fraction between 0.5 and 1, as 0.95",
                gate.confidence
            ));
        }
        if !(100..=100_000).contains(&gate.resamples) {
            return Err(format!(
                "{file}: resamples = {}: expected 100 to 100000",
                gate.resamples
            ));
        }
        let classes = [
            ("p50", gate.thresholds.p50),
            ("p95", gate.thresholds.p95),
            ("p99", gate.thresholds.p99),
            ("throughput", gate.thresholds.throughput),
            ("cpu", gate.thresholds.cpu),
            ("memory", gate.thresholds.memory),
        ];
        let rows = gate.rows.iter().map(|(key, value)| (key.as_str(), *value));
        for (field, percent) in classes.into_iter().chain(rows) {
            if !(percent > 0.0 && percent < 1000.0) {
                return Err(format!(
                    "{file}: threshold {field} = {percent}: expected a percentage above 0, as 10"
                ));
            }
        }
        const CLASSES: [&str; 6] = ["p50", "p95", "p99", "throughput", "cpu", "memory"];
        for name in &gate.informational {
            if !CLASSES.contains(&name.as_str()) && !name.contains('.') && !name.contains('/') {
                return Err(format!(
                    "{file}: informational {name:?}: expected a class ({}) or a metric's key",
                    CLASSES.join(", ")
                ));
            }
        }
        Ok(gate)
    }

    /// Is this metric reported without gating?
    pub fn is_informational(&self, key: &str, class: Class) -> bool {
        let class_name = match class {
            Class::P50 => "p50",
            Class::P95 => "p95",
            Class::P99 => "p99",
            Class::Throughput => "throughput",
            Class::Cpu => "cpu",
            Class::Memory => "memory",
        };
        self.informational
            .iter()
            .any(|name| name == key || name == class_name)
    }

    /// The threshold of a metric, as a fraction (0.10 for 10%).
    pub fn threshold(&self, key: &str, class: Class) -> f64 {
        let percent = self.rows.get(key).copied().unwrap_or(match class {
            Class::P50 => self.thresholds.p50,
            Class::P95 => self.thresholds.p95,
            Class::P99 => self.thresholds.p99,
            Class::Throughput => self.thresholds.throughput,
            Class::Cpu => self.thresholds.cpu,
            Class::Memory => self.thresholds.memory,
        });
        percent / 100.0
    }
}

fn default_confidence() -> f64 {
    0.95
}

fn default_resamples() -> usize {
    2000
}

fn five() -> f64 {
    5.0
}

fn ten() -> f64 {
    10.0
}

fn fifteen() -> f64 {
    15.0
}
