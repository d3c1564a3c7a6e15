//! Scenario files (`scenarios/*.toml`): the stack to start or point at, the arms' LLM model,
//! the load model, the request mix, and the budget rows the scenario measures. A file with an
//! error is rejected before anything starts, naming the file, the line and the field.

use crate::spec::faults::{self, ExpectSpec, FaultSpec};
use crate::spec::rows::{LlmNeed, Measure, RowId, needs};
use serde::Deserialize;
use std::path::Path;
use std::time::Duration;
use toml::Spanned;

mod llm;
mod load;
mod requests;
mod stack;

pub use crate::spec::error::ScenarioError;
pub use crate::spec::units::{Dur, Rate, StageSpec};
pub use llm::LlmSpec;
use llm::check_llm;
use load::check_load;
pub use load::{LoadModel, LoadSpec, QuickSpec};
pub use requests::{RequestSpec, TextSpec};
use requests::{check_orchestrator_needs, check_requests};
use stack::check_stack;
pub use stack::{ARM_KINDS, MAX_ORCHESTRATORS, StackSpec};

pub use crate::workload::kind::{RequestKind, ServiceKind};

#[derive(Debug, Clone)]
pub struct Scenario {
    pub name: String,
    pub description: String,
    pub file: String,
    /// Budget rows, as `latency.reflex`, `throughput.orchestrator`, `memory.arm`…
    pub measures: Vec<RowId>,
    pub stack: StackSpec,
    pub llm: LlmSpec,
    pub load: LoadSpec,
    pub requests: Vec<RequestSpec>,
    /// What to break during the window (`[[faults]]`); empty for a scenario of the budget.
    pub faults: Vec<FaultSpec>,
    /// The bounds of the invariants of a fault or soak scenario.
    pub expect: ExpectSpec,
    /// Whether the file has `[expect]`: the scenario is then judged by invariants even
    /// without faults (a soak).
    pub expect_given: bool,
}

impl Scenario {
    /// Whether the scenario breaks something on purpose.
    pub fn has_faults(&self) -> bool {
        !self.faults.is_empty()
    }

    /// Whether the scenario is judged by invariants (a fault scenario, or one with `[expect]`
    /// such as a soak): its accepted tasks are read back, its arms journal their effects.
    pub fn judged_by_invariants(&self) -> bool {
        self.has_faults() || self.expect_given
    }

    /// Whether the stack has arms, whose LLM model then shapes the results.
    pub fn uses_arms(&self) -> bool {
        self.stack.start.contains(&ServiceKind::Arms)
            || ARM_KINDS
                .iter()
                .any(|arm| self.stack.base_url.contains_key(*arm))
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawScenario {
    name: Option<String>,
    description: String,
    measures: Spanned<Vec<String>>,
    stack: Spanned<StackSpec>,
    llm: Option<Spanned<LlmSpec>>,
    load: Spanned<LoadSpec>,
    requests: Spanned<Vec<RequestSpec>>,
    #[serde(default)]
    faults: Option<Spanned<Vec<FaultSpec>>>,
    expect: Option<Spanned<ExpectSpec>>,
}

impl<'de> Deserialize<'de> for StageSpec {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<StageSpec, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse()
            .map(StageSpec)
            .map_err(serde::de::Error::custom)
    }
}

impl<'de> Deserialize<'de> for Rate {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Rate, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

impl<'de> Deserialize<'de> for Dur {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Dur, D::Error> {
        let text = String::deserialize(deserializer)?;
        humantime::parse_duration(&text).map(Dur).map_err(|error| {
            serde::de::Error::custom(format!(
                "invalid duration {text:?}: {error} (expected e.g. \"10s\")"
            ))
        })
    }
}

/// Reads and checks one scenario file.
pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
    let file = path.display().to_string();
    let source = std::fs::read_to_string(path)
        .map_err(|error| ScenarioError::file(&file, format!("cannot read the file: {error}")))?;
    let stem = path
        .file_stem()
        .map(|stem| stem.to_string_lossy().into_owned())
        .unwrap_or_default();
    parse(&file, &stem, &source)
}

/// Every scenario file in `dir` (all `*.toml` but `budgets.toml`), sorted by name.
pub fn load_dir(dir: &Path) -> Result<Vec<Scenario>, ScenarioError> {
    let entries = std::fs::read_dir(dir).map_err(|error| {
        ScenarioError::file(
            &dir.display().to_string(),
            format!("cannot list the scenarios folder: {error}"),
        )
    })?;
    let mut paths: Vec<_> = entries
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| {
            path.extension().is_some_and(|ext| ext == "toml")
                && path.file_name().is_some_and(|name| name != "budgets.toml")
        })
        .collect();
    paths.sort();
    paths.iter().map(|path| load(path)).collect()
}

/// Builds the error for a byte offset of the scenario's text.
pub(crate) type ErrorAt<'a> = &'a dyn Fn(usize, String) -> ScenarioError;

/// Parses and checks a scenario's text; `file` names it in errors, `stem` is its default name.
pub fn parse(file: &str, stem: &str, source: &str) -> Result<Scenario, ScenarioError> {
    let error_at =
        |offset: usize, message: String| ScenarioError::at(file, source, offset, message);
    let raw: RawScenario = toml::from_str(source).map_err(|error| {
        let offset = error.span().map_or(0, |span| span.start);
        error_at(offset, error.message().trim().to_owned())
    })?;

    let measures_at = raw.measures.span().start;
    let mut measures = Vec::new();
    for row in raw.measures.get_ref() {
        measures
            .push(row.parse::<RowId>().map_err(|message| {
                error_at(measures_at, format!("field `measures`: {message}"))
            })?);
    }
    let stack_at = raw.stack.span().start;
    let stack = raw.stack.into_inner();
    check_stack(&stack, stack_at, &error_at)?;
    let llm_at = raw.llm.as_ref().map_or(0, |llm| llm.span().start);
    let llm = raw.llm.map(Spanned::into_inner).unwrap_or_default();
    check_llm(&llm, llm_at, &error_at)?;
    let load_at = raw.load.span().start;
    let load = raw.load.into_inner();
    check_load(&load, load_at, &error_at)?;
    let requests_at = raw.requests.span().start;
    let mut requests = raw.requests.into_inner();
    crate::spec::generic::compile_all(&mut requests, &stack)
        .map_err(|message| error_at(requests_at, message))?;
    check_requests(&requests, &stack, (requests_at, stack_at), &error_at)?;
    check_orchestrator_needs(&stack, stack_at, &error_at)?;
    check_measures(&measures, (&requests, &load, &llm), measures_at, &error_at)?;
    let faults_at = raw.faults.as_ref().map_or(0, |faults| faults.span().start);
    let faults = raw.faults.map(Spanned::into_inner).unwrap_or_default();
    let windows: Vec<Duration> = [false, true]
        .into_iter()
        .map(|quick| load.window(quick).1)
        .collect();
    faults::check(&faults, &stack, &windows).map_err(|message| error_at(faults_at, message))?;
    let expect_at = raw.expect.as_ref().map(|expect| expect.span().start);
    let expect_given = expect_at.is_some();
    let expect = raw.expect.map(Spanned::into_inner).unwrap_or_default();
    faults::check_expect(&expect).map_err(|message| error_at(expect_at.unwrap_or(0), message))?;
    Ok(Scenario {
        name: raw.name.unwrap_or_else(|| stem.to_owned()),
        description: raw.description,
        file: file.to_owned(),
        measures,
        stack,
        llm,
        load,
        requests,
        faults,
        expect,
        expect_given,
    })
}

/// Each measured row needs the request kind or process that feeds it, and the right LLM.
fn check_measures(
    measures: &[RowId],
    (requests, load, llm): (&[RequestSpec], &LoadSpec, &LlmSpec),
    measures_at: usize,
    error_at: ErrorAt,
) -> Result<(), ScenarioError> {
    let kinds: Vec<RequestKind> = requests
        .iter()
        .filter(|r| r.weight > 0)
        .map(|r| r.kind)
        .collect();
    for row in measures {
        let needs = needs(*row);
        // A generic request that says it feeds the row stands in for the built-in kind.
        let fed = requests.iter().any(|request| {
            request.weight > 0
                && request
                    .compiled
                    .as_ref()
                    .is_some_and(|http| http.feeds.contains(row))
        });
        if let Some(missing) = needs
            .request_kinds
            .iter()
            .find(|kind| !fed && !kinds.contains(kind))
        {
            return Err(error_at(
                measures_at,
                format!(
                    "field `measures`: {row} needs requests of kind {}",
                    missing.as_str()
                ),
            ));
        }
        if needs.open_model && load.model != LoadModel::Open {
            return Err(error_at(
                measures_at,
                match row.measure {
                    Measure::Latency => format!(
                        "field `measures`: {row} needs the open model: a closed model's latency is service time, which coordinated omission corrupts"
                    ),
                    _ => {
                        format!("field `measures`: {row} needs the open model, which offers a rate")
                    }
                },
            ));
        }
        match needs.llm {
            LlmNeed::ZeroLatency if !llm.is_zero_latency() => {
                return Err(error_at(
                    measures_at,
                    format!(
                        "field `measures`: {row} times orchestration alone and needs `llm.latency_scale = 0`"
                    ),
                ));
            }
            LlmNeed::Model if llm.is_zero_latency() => {
                return Err(error_at(
                    measures_at,
                    format!(
                        "field `measures`: {row} runs under an LLM model; `llm.latency_scale` must not be 0"
                    ),
                ));
            }
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
