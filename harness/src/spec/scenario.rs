//! Scenario files (`scenarios/*.toml`): the stack to start or point at, the arms' LLM model,
//! the load model, the request mix, and the budget rows the scenario measures. A file with an
//! error is rejected before anything starts, naming the file, the line and the field.

use std::collections::BTreeMap;
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use serde::Deserialize;
use toml::Spanned;

use crate::spec::faults::{self, ExpectSpec, FaultSpec};
use crate::spec::generic::HttpSpec;
use crate::spec::rows::{LlmNeed, Measure, RowId, needs};

pub use crate::spec::error::ScenarioError;
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
struct RawScenario {
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

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StackSpec {
    /// Components the harness starts, each its own process on loopback.
    #[serde(default)]
    pub start: Vec<ServiceKind>,
    /// Services already running: `reflex`, `orchestrator` or an arm kind, to a base URL.
    #[serde(default)]
    pub base_url: BTreeMap<String, String>,
    /// Arm kinds to start with `arms`.
    #[serde(default = "all_arm_kinds")]
    pub arms: Vec<String>,
    #[serde(default)]
    pub reflex_args: Vec<String>,
    #[serde(default)]
    pub orchestrator_args: Vec<String>,
    #[serde(default)]
    pub arm_args: Vec<String>,
    /// Orchestrator instances to start (replicas on one database, each with its own lease
    /// name), 1 to 4; with more than one, and no `--database-url`, the harness starts a
    /// PostgreSQL cluster of its own for them. The load goes to each in turn.
    #[serde(default = "one_instance")]
    pub orchestrators: usize,
}

fn one_instance() -> usize {
    1
}

/// The most Orchestrator replicas a scenario may start.
pub const MAX_ORCHESTRATORS: usize = 4;

pub const ARM_KINDS: [&str; 6] = [
    "planner",
    "coder",
    "executor",
    "retriever",
    "judge",
    "guardian",
];

fn all_arm_kinds() -> Vec<String> {
    ARM_KINDS.iter().map(|kind| (*kind).to_owned()).collect()
}

/// The arms' LLM: simulated (the default) or an OpenAI-compatible endpoint.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LlmSpec {
    /// Multiplies every simulated time; 0 makes the LLM answer at once.
    #[serde(default = "one")]
    pub latency_scale: f64,
    #[serde(default = "default_seed")]
    pub seed: u64,
    #[serde(default)]
    pub error_rate: f64,
    pub ttft_ms: Option<f64>,
    pub output_tokens: Option<u32>,
    pub tokens_per_second: Option<f64>,
    /// An OpenAI-compatible endpoint instead of the simulation.
    pub url: Option<String>,
    pub model: Option<String>,
}

impl Default for LlmSpec {
    fn default() -> LlmSpec {
        LlmSpec {
            latency_scale: 1.0,
            seed: default_seed(),
            error_rate: 0.0,
            ttft_ms: None,
            output_tokens: None,
            tokens_per_second: None,
            url: None,
            model: None,
        }
    }
}

fn one() -> f64 {
    1.0
}

fn default_seed() -> u64 {
    42
}

impl LlmSpec {
    /// True when the arms answer at once: the setting that isolates orchestration cost.
    pub fn is_zero_latency(&self) -> bool {
        self.url.is_none() && self.latency_scale == 0.0
    }

    /// The flags that give an arm this model.
    pub fn arm_args(&self) -> Vec<String> {
        if self.url.is_some() {
            // The URL itself goes in the arm's environment (`ARM_LLM_URL`), which `ps` does
            // not show: see `arm_env`.
            let mut args = Vec::new();
            if let Some(model) = &self.model {
                args.extend(["--llm-model".to_owned(), model.clone()]);
            }
            return args;
        }
        let mut args = vec![
            "--llm-latency-scale".to_owned(),
            self.latency_scale.to_string(),
            "--llm-seed".to_owned(),
            self.seed.to_string(),
            "--llm-error-rate".to_owned(),
            self.error_rate.to_string(),
        ];
        if let Some(ttft) = self.ttft_ms {
            args.extend(["--llm-ttft-ms".to_owned(), ttft.to_string()]);
        }
        if let Some(tokens) = self.output_tokens {
            args.extend(["--llm-output-tokens".to_owned(), tokens.to_string()]);
        }
        if let Some(rate) = self.tokens_per_second {
            args.extend(["--llm-tokens-per-second".to_owned(), rate.to_string()]);
        }
        args
    }

    /// The arms' environment for this model: the endpoint's URL, when one is given.
    pub fn arm_env(&self) -> Vec<(&'static str, String)> {
        self.url
            .iter()
            .map(|url| ("ARM_LLM_URL", url.clone()))
            .collect()
    }

    /// One line for the report.
    pub fn describe(&self) -> String {
        if let Some(url) = &self.url {
            return format!(
                "OpenAI-compatible endpoint {}, model {}",
                secrets::redact(url),
                self.model.as_deref().unwrap_or("default")
            );
        }
        if self.is_zero_latency() {
            return "simulated, zero latency (orchestration only)".to_owned();
        }
        let ttft = self.ttft_ms.map_or_else(
            || "per-arm defaults 30-200 ms".to_owned(),
            |ms| format!("{ms} ms"),
        );
        let tokens = self
            .output_tokens
            .map_or_else(|| "per-arm defaults 20-160".to_owned(), |n| n.to_string());
        let rate = self.tokens_per_second.unwrap_or(400.0);
        format!(
            "simulated: median time to first token {ttft} (log-normal, sigma 0.5), output tokens {tokens} at {rate} tokens/s, latency scale {}, error rate {}, seed {}",
            self.latency_scale, self.error_rate, self.seed
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LoadModel {
    /// Requests arrive at a constant rate whatever the system does.
    Open,
    /// A fixed number of users, each sending its next request when the last one answered.
    Closed,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoadSpec {
    pub model: LoadModel,
    /// Arrival rate of the open model: `10000/s`, `600/min`.
    pub rate: Option<Rate>,
    /// Arrival-rate stages of the open model, instead of `rate`: `["ramp 1000/s -> 20000/s
    /// over 30s", "hold 20000/s for 60s"]`. After the last stage its final rate holds.
    pub stages: Option<Vec<StageSpec>>,
    /// Users of the closed model.
    pub users: Option<u32>,
    /// Time at the start whose requests are sent but not measured.
    pub warmup: Dur,
    pub duration: Dur,
    /// Shorter warm-up and duration for `--quick`.
    pub quick: Option<QuickSpec>,
    /// Requests in flight at most; past it the generator waits (and says so).
    #[serde(default = "default_max_in_flight")]
    pub max_in_flight: usize,
    /// The run is invalid when the generator's P99 wake-up lateness against the schedule
    /// exceeds this.
    #[serde(default = "default_max_schedule_lag")]
    pub max_schedule_lag: Dur,
    /// The run is invalid when the P99 lateness of requests at the socket write exceeds this
    /// [default: a tenth of the tightest latency limit the scenario judges].
    pub max_send_lag: Option<Dur>,
    /// Open model: send in windows of this length, one wake-up per window rather than one
    /// per request (see `loadgen::Plan::send_window`) [default: none, each request at its
    /// own time]. Cheaper at high rates; a request then goes up to a window late, so keep it
    /// well under `max_send_lag`.
    pub send_window: Option<Dur>,
    /// A request still unanswered after this counts as a `timeout` error.
    #[serde(default = "default_request_timeout")]
    pub request_timeout: Dur,
}

impl LoadSpec {
    /// Warm-up and duration, shortened under `--quick` when the scenario says how.
    pub fn window(&self, quick: bool) -> (Duration, Duration) {
        match (&self.quick, quick) {
            (Some(short), true) => (short.warmup.0, short.duration.0),
            _ => (self.warmup.0, self.duration.0),
        }
    }

    /// The open model's arrival schedule: its stages, or its constant rate.
    pub fn schedule(&self) -> loadgen::Schedule {
        match &self.stages {
            Some(stages) => loadgen::Schedule::stages(stages.iter().map(|s| s.0).collect()),
            None => loadgen::Schedule::constant(loadgen::Rate {
                per_second: self.rate.map_or(1.0, |rate| rate.per_second),
            }),
        }
    }

    pub fn describe(&self) -> String {
        match self.model {
            LoadModel::Open => match &self.stages {
                Some(stages) => format!(
                    "open model, {}",
                    stages
                        .iter()
                        .map(|stage| stage.0.to_string())
                        .collect::<Vec<_>>()
                        .join(", then ")
                ),
                None => format!(
                    "open model, {}",
                    self.rate.map_or_else(String::new, |r| r.to_string())
                ),
            },
            LoadModel::Closed => format!("closed model, {} users", self.users.unwrap_or(0)),
        }
    }
}

fn default_max_in_flight() -> usize {
    10_000
}

fn default_max_schedule_lag() -> Dur {
    Dur(Duration::from_millis(20))
}

fn default_request_timeout() -> Dur {
    Dur(Duration::from_secs(60))
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuickSpec {
    pub warmup: Dur,
    pub duration: Dur,
}

/// One weighted kind of request in the mix.
#[derive(Debug, Clone, Deserialize)]
#[serde(from = "RawRequest")]
pub struct RequestSpec {
    pub kind: RequestKind,
    pub weight: u32,
    pub text: TextSpec,
    /// For `arm_execute`: the arm kinds to spread calls over, evenly.
    pub arms: Vec<String>,
    /// For `kind = "http"`: the request as the scenario describes it.
    pub http: HttpSpec,
    /// The same, compiled when the scenario is read.
    pub compiled: Option<std::sync::Arc<crate::workload::http::HttpKind>>,
}

/// A `[[requests]]` entry as written: the built-in kinds' fields and the generic kind's.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRequest {
    kind: RequestKind,
    #[serde(default = "one_u32")]
    weight: u32,
    #[serde(default)]
    text: TextSpec,
    #[serde(default = "all_arm_kinds")]
    arms: Vec<String>,
    name: Option<String>,
    service: Option<String>,
    url: Option<String>,
    method: Option<String>,
    path: Option<String>,
    #[serde(default)]
    headers: BTreeMap<String, String>,
    body: Option<String>,
    expect: Option<crate::spec::generic::ExpectSpec>,
    #[serde(default)]
    feeds: Vec<String>,
    then: Option<crate::spec::generic::ThenSpec>,
}

impl From<RawRequest> for RequestSpec {
    fn from(raw: RawRequest) -> RequestSpec {
        RequestSpec {
            kind: raw.kind,
            weight: raw.weight,
            text: raw.text,
            arms: raw.arms,
            http: HttpSpec {
                name: raw.name,
                service: raw.service,
                url: raw.url,
                method: raw.method,
                path: raw.path,
                headers: raw.headers,
                body: raw.body,
                expect: raw.expect,
                feeds: raw.feeds,
                then: raw.then,
            },
            compiled: None,
        }
    }
}

impl RequestSpec {
    /// A built-in kind's entry.
    pub fn builtin(
        kind: RequestKind,
        weight: u32,
        text: TextSpec,
        arms: Vec<String>,
    ) -> RequestSpec {
        RequestSpec {
            kind,
            weight,
            text,
            arms,
            http: HttpSpec::default(),
            compiled: None,
        }
    }

    /// The label of its series: the kind's name, or a generic request's own.
    pub fn series_label(&self) -> &str {
        match &self.compiled {
            Some(http) => &http.name,
            None => self.kind.as_str(),
        }
    }
}

fn one_u32() -> u32 {
    1
}

/// How generated texts (prompts for the Reflex Layer, goals for tasks) look.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TextSpec {
    #[serde(default = "default_min_chars")]
    pub min_chars: usize,
    #[serde(default = "default_max_chars")]
    pub max_chars: usize,
    /// Share of texts that carry PII.
    #[serde(default)]
    pub pii_ratio: f64,
    /// Share of texts that carry a prompt injection.
    #[serde(default)]
    pub injection_ratio: f64,
    /// Share of requests that repeat one of `distinct_repeats` texts (cache hits).
    #[serde(default)]
    pub repeat_ratio: f64,
    #[serde(default = "default_distinct_repeats")]
    pub distinct_repeats: usize,
    /// Distinct user ids requests are spread over.
    #[serde(default = "default_users")]
    pub users: u32,
}

impl Default for TextSpec {
    fn default() -> TextSpec {
        TextSpec {
            min_chars: default_min_chars(),
            max_chars: default_max_chars(),
            pii_ratio: 0.0,
            injection_ratio: 0.0,
            repeat_ratio: 0.0,
            distinct_repeats: default_distinct_repeats(),
            users: default_users(),
        }
    }
}

fn default_min_chars() -> usize {
    200
}

fn default_max_chars() -> usize {
    800
}

fn default_distinct_repeats() -> usize {
    100
}

fn default_users() -> u32 {
    1000
}

/// An arrival rate, in requests per second, written `10000/s` or `600/min`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rate {
    pub per_second: f64,
}

impl FromStr for Rate {
    type Err = String;

    fn from_str(text: &str) -> Result<Rate, String> {
        let rate: loadgen::Rate = text.parse()?;
        if rate.per_second <= 0.0 {
            return Err(format!(
                "invalid rate {text:?}: expected a positive number per unit, as \"10000/s\" or \"600/min\""
            ));
        }
        Ok(Rate {
            per_second: rate.per_second,
        })
    }
}

impl std::fmt::Display for Rate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let rate = loadgen::Rate {
            per_second: self.per_second,
        };
        std::fmt::Display::fmt(&rate, f)
    }
}

/// One stage of an open model's arrival rate, as a scenario file writes it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StageSpec(pub loadgen::Stage);

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

/// A duration written as `10s`, `500ms`, `2m`.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Dur(pub Duration);

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
type ErrorAt<'a> = &'a dyn Fn(usize, String) -> ScenarioError;

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

/// Known arm kinds and services only.
fn check_stack(stack: &StackSpec, stack_at: usize, error_at: ErrorAt) -> Result<(), ScenarioError> {
    if !(1..=MAX_ORCHESTRATORS).contains(&stack.orchestrators) {
        return Err(error_at(
            stack_at,
            format!(
                "field `stack.orchestrators` is {}; it must be 1 to {MAX_ORCHESTRATORS}",
                stack.orchestrators
            ),
        ));
    }
    if stack.orchestrators > 1 && !stack.start.contains(&ServiceKind::Orchestrator) {
        return Err(error_at(
            stack_at,
            "field `stack.orchestrators`: replicas are started by the harness; add \"orchestrator\" to `stack.start`".into(),
        ));
    }
    for kind in &stack.arms {
        if !ARM_KINDS.contains(&kind.as_str()) {
            return Err(error_at(
                stack_at,
                format!("field `stack.arms`: unknown arm kind {kind:?}"),
            ));
        }
    }
    for key in stack.base_url.keys() {
        if key != "reflex" && key != "orchestrator" && !ARM_KINDS.contains(&key.as_str()) {
            return Err(error_at(
                stack_at,
                format!(
                    "field `stack.base_url`: unknown service {key:?} (expected reflex, orchestrator or an arm kind)"
                ),
            ));
        }
    }
    Ok(())
}

fn check_llm(llm: &LlmSpec, llm_at: usize, error_at: ErrorAt) -> Result<(), ScenarioError> {
    if llm.latency_scale < 0.0 || !(0.0..=1.0).contains(&llm.error_rate) {
        return Err(error_at(
            llm_at,
            "field `llm`: latency_scale must be >= 0 and error_rate within 0..=1".into(),
        ));
    }
    Ok(())
}

/// A load that offers something: a rate or stages (open), users (closed), a window and limits
/// that make sense together.
fn check_load(load: &LoadSpec, load_at: usize, error_at: ErrorAt) -> Result<(), ScenarioError> {
    match load.model {
        LoadModel::Open if load.rate.is_none() && load.stages.is_none() => {
            return Err(error_at(
                load_at,
                "field `load.rate`: the open model needs a rate, as \"100/s\"".into(),
            ));
        }
        LoadModel::Open if load.rate.is_some() && load.stages.is_some() => {
            return Err(error_at(
                load_at,
                "field `load.stages`: give a rate or stages, not both".into(),
            ));
        }
        LoadModel::Open
            if load
                .stages
                .as_ref()
                .is_some_and(|stages| stages.is_empty() || load.schedule().peak_rate() <= 0.0) =>
        {
            return Err(error_at(
                load_at,
                "field `load.stages`: the stages must offer some load".into(),
            ));
        }
        LoadModel::Closed if load.users.unwrap_or(0) == 0 => {
            return Err(error_at(
                load_at,
                "field `load.users`: the closed model needs users >= 1".into(),
            ));
        }
        _ => {}
    }
    if let (Some(window), Some(lag)) = (&load.send_window, &load.max_send_lag)
        && window.0 >= lag.0
    {
        return Err(error_at(
            load_at,
            format!(
                "field `load.send_window`: {} is not under max_send_lag ({}): requests would be sent up to a window late and every run would be invalid",
                humantime::format_duration(window.0),
                humantime::format_duration(lag.0)
            ),
        ));
    }
    if load.duration.0.is_zero() || load.max_in_flight == 0 {
        return Err(error_at(
            load_at,
            "field `load`: duration and max_in_flight must be positive".into(),
        ));
    }
    Ok(())
}

/// Request kinds with weights, sane texts, known arms, and the services they go to started or
/// given.
fn check_requests(
    requests: &[RequestSpec],
    stack: &StackSpec,
    (requests_at, stack_at): (usize, usize),
    error_at: ErrorAt,
) -> Result<(), ScenarioError> {
    if requests.is_empty() || requests.iter().all(|request| request.weight == 0) {
        return Err(error_at(
            requests_at,
            "field `requests`: at least one request kind with weight > 0".into(),
        ));
    }
    for request in requests {
        let text = &request.text;
        if text.min_chars == 0 || text.min_chars > text.max_chars {
            return Err(error_at(
                requests_at,
                format!(
                    "field `requests.text` of {}: need 0 < min_chars <= max_chars",
                    request.kind.as_str()
                ),
            ));
        }
        let ratios = [text.pii_ratio, text.injection_ratio, text.repeat_ratio];
        if ratios.iter().any(|ratio| !(0.0..=1.0).contains(ratio))
            || text.pii_ratio + text.injection_ratio > 1.0
        {
            return Err(error_at(
                requests_at,
                format!(
                    "field `requests.text` of {}: ratios must be within 0..=1, pii_ratio + injection_ratio <= 1",
                    request.kind.as_str()
                ),
            ));
        }
        if text.distinct_repeats == 0 || text.users == 0 {
            return Err(error_at(
                requests_at,
                format!(
                    "field `requests.text` of {}: distinct_repeats and users must be >= 1",
                    request.kind.as_str()
                ),
            ));
        }
        if request.kind == RequestKind::Http {
            // Its own fields were checked when it was compiled (`generic::compile_all`).
            continue;
        }
        if let Err(message) = request.kind.def().check_spec(&request.arms) {
            return Err(error_at(requests_at, message));
        }
        if let Some(unknown) = request
            .arms
            .iter()
            .find(|arm| !ARM_KINDS.contains(&arm.as_str()))
        {
            return Err(error_at(
                requests_at,
                format!("field `requests.arms`: unknown arm kind {unknown:?}"),
            ));
        }
        let service = request.kind.service();
        let provided = match service {
            ServiceKind::Arms => {
                stack.start.contains(&ServiceKind::Arms)
                    || request
                        .arms
                        .iter()
                        .all(|arm| stack.base_url.contains_key(arm))
            }
            ServiceKind::Reflex => {
                stack.start.contains(&ServiceKind::Reflex) || stack.base_url.contains_key("reflex")
            }
            ServiceKind::Orchestrator => {
                stack.start.contains(&ServiceKind::Orchestrator)
                    || stack.base_url.contains_key("orchestrator")
            }
        };
        if !provided {
            return Err(error_at(
                stack_at,
                format!(
                    "field `stack`: requests of kind {} need the {}, which is neither started nor given a base_url",
                    request.kind.as_str(),
                    service.as_str()
                ),
            ));
        }
    }
    Ok(())
}

/// The Orchestrator needs the Reflex Layer and the arms, started or given.
fn check_orchestrator_needs(
    stack: &StackSpec,
    stack_at: usize,
    error_at: ErrorAt,
) -> Result<(), ScenarioError> {
    if stack.start.contains(&ServiceKind::Orchestrator) {
        let has_reflex =
            stack.start.contains(&ServiceKind::Reflex) || stack.base_url.contains_key("reflex");
        let has_arms = stack.start.contains(&ServiceKind::Arms)
            || ARM_KINDS
                .iter()
                .any(|arm| stack.base_url.contains_key(*arm));
        if !has_reflex || !has_arms {
            return Err(error_at(stack_at, "field `stack.start`: the orchestrator needs the reflex layer and the arms, started or by base_url".into()));
        }
    }

    Ok(())
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
