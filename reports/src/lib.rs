//! `RunReport`, the one serialised output contract of a run, and its pure renderers
//! (Markdown, a terminal summary, a self-contained HTML page with SVG plots, JUnit XML).
//! Renderers read only a `RunReport`, so an old `report.json` can be rendered again; nothing
//! here touches files.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

#[cfg(any(test, feature = "fixtures"))]
pub mod fixtures;
pub mod histogram;
mod html;
mod junit;
pub mod plots;
mod render;
pub mod vocab;

pub use html::render_html;
pub use junit::render_junit;
pub use render::{capacity_line, format_value, margin_percent, render_markdown, render_terminal};
pub use vocab::{Component, Measure, Metric, RowId, SeriesLabel, Table};

/// Bumped whenever a field changes meaning or is removed; adding an optional field is not a bump.
/// Version 2: `achieved_per_second` counts successful answers that arrived inside the measured
/// window (version 1 counted those whose intended send time fell in it); the generator reports
/// send lateness at the socket write, its workers' busy fractions and unsent requests.
/// Version 3: a process's `rss_peak_bytes` is its peak over the measured window (version 2:
/// over its whole life, start-up and warm-up included); the lifetime peak is
/// `rss_lifetime_peak_bytes`.
/// Version 4: a scenario whose generator sent late (send lag P99 over `max_send_lag`) is
/// invalid only when that lateness decides a latency row (the row fails from the intended
/// time and passes on service time); otherwise it stays valid, and says so in `notes`.
pub const SCHEMA_VERSION: u32 = 4;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunReport {
    pub schema_version: u32,
    pub run_id: String,
    /// RFC 3339, UTC.
    pub started_at: String,
    pub finished_at: String,
    /// `development` or `production`: which column of the resource table applies.
    pub profile: String,
    /// The commit measured, with `-dirty` when the tree had uncommitted changes.
    pub git_commit: Option<String>,
    /// The branch checked out, when there was one (not on a detached head).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub git_branch: Option<String>,
    pub machine: Machine,
    /// Shortened durations (`--quick`).
    pub quick: bool,
    /// Every scenario of the suite ran (no `--scenario` filter), so every row must be measured.
    pub full_suite: bool,
    /// The run was stopped by Ctrl-C or SIGTERM before it finished.
    pub interrupted: bool,
    pub verdict: Verdict,
    /// Why the verdict is not `pass`, one sentence each.
    pub verdict_reasons: Vec<String>,
    /// One entry per budget row (`targets` in the JSON, as before).
    #[serde(rename = "targets")]
    pub rows: Vec<BudgetRow>,
    pub scenarios: Vec<ScenarioResult>,
    /// The highest rate each searched scenario held every one of its rows at
    /// (`octoperf capacity`); empty when none was searched.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub capacity: Vec<Capacity>,
    /// The load's segments (`octoperf run --segment I/N`): one for a segment's own run, every
    /// one merged for `octoperf merge`, none for a run that offered the whole load.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub segments: Vec<Segment>,
}

/// One segment of a load split across generator hosts: `index` of `count`, each offering
/// `1/count` of every rate (or of the users), started together at `start_at`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Segment {
    /// 1-based.
    pub index: u32,
    pub count: u32,
    /// The run group its report was recorded under (`--run-group`), the rendezvous of a
    /// merge.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_group: Option<String>,
    /// The segment's own run id.
    pub run_id: String,
    /// The host it ran on.
    pub host: String,
    /// The wall-clock instant its first warm-up was to begin (`--start-at`), RFC 3339.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_at: Option<String>,
    /// Whether this segment sampled the stack's memory and CPU (`--sample-stack`).
    pub samples_stack: bool,
    /// The host's clock as its kernel knew it when the segment's report was made.
    pub clock: ClockStatus,
}

/// A host's clock, as the kernel's NTP state tells it (`adjtimex`): whether it is kept in
/// step, and the error bounds of its time. Only a bound: what NTP does not know, no host can
/// tell.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ClockStatus {
    /// The kernel says the clock is synchronised (not `TIME_ERROR`, no `STA_UNSYNC`).
    pub synchronised: bool,
    /// The offset the kernel is still correcting, µs.
    pub offset_us: f64,
    /// The kernel's bound on the clock's error, µs (`maxerror`).
    pub max_error_us: f64,
    /// Its estimate of the error, µs (`esterror`).
    pub est_error_us: f64,
    /// Where the figures come from (`adjtimex`), or why they are missing.
    pub source: String,
}

/// A capacity search of one scenario: the offered rate raised (a ramp of trials, then a
/// bisection) until one of its budget rows broke or the run went invalid.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Capacity {
    pub scenario: String,
    /// The highest rate at which every row the scenario measures passed, per second; `None`
    /// when even the first trial failed.
    pub held_per_second: Option<f64>,
    /// The lowest rate that broke a row or went invalid, per second; `None` when the search
    /// reached its ceiling without breaking.
    pub broke_per_second: Option<f64>,
    /// The budget's throughput target for the component, per second, when it has one.
    pub budget_per_second: Option<f64>,
    pub trials: Vec<CapacityTrial>,
}

impl Capacity {
    /// `held_per_second / budget_per_second`, when both are known.
    pub fn ratio_to_budget(&self) -> Option<f64> {
        Some(self.held_per_second? / self.budget_per_second?)
    }
}

/// One trial of a capacity search.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CapacityTrial {
    pub offered_per_second: f64,
    /// `pass`, `fail` or `invalid`.
    pub verdict: Verdict,
    /// What broke, when something did.
    pub reasons: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Pass,
    Fail,
    Invalid,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Machine {
    pub hostname: String,
    pub os: String,
    pub kernel: String,
    pub cpu_model: String,
    pub cpus: u32,
    pub memory_bytes: u64,
}

impl Machine {
    /// The kind of machine, not the machine: CPU model, cores, memory (to the GiB) and kernel.
    /// Two runs with the same fingerprint can be compared; the host name is left out, so that
    /// fresh CI machines of one kind share it.
    pub fn fingerprint(&self) -> String {
        let gib = (self.memory_bytes as f64 / f64::from(1u32 << 30)).round();
        format!(
            "{} x{} {gib}GiB linux-{}",
            self.cpu_model, self.cpus, self.kernel
        )
    }
}

impl RunReport {
    /// The commit without its `-dirty` mark, and whether the tree was dirty.
    pub fn commit(&self) -> (Option<&str>, bool) {
        match self.git_commit.as_deref() {
            Some(commit) => match commit.strip_suffix("-dirty") {
                Some(clean) => (Some(clean), true),
                None => (Some(commit), false),
            },
            None => (None, false),
        }
    }

    /// The scenarios run, by name, in the order they ran.
    pub fn scenario_names(&self) -> Vec<&str> {
        self.scenarios.iter().map(|s| s.name.as_str()).collect()
    }
}

/// One row of a budget table and how this run measured it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BudgetRow {
    pub table: Table,
    pub component: Component,
    /// The component as the spec names it: "Orchestrator (simple)".
    pub component_name: String,
    pub metric: Metric,
    pub limit: f64,
    /// `ms`, `req/s`, `tasks/min`, `MB` or `cores`.
    pub unit: String,
    /// `below` for latency and resources (measured must stay under the limit), `above` for
    /// throughput.
    pub direction: Direction,
    pub measured: Option<f64>,
    pub scenario: Option<String>,
    /// The request series (its kind) a latency row is read from, so a comparison can
    /// resample that series' interval logs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    pub verdict: RowVerdict,
    /// Why it failed or was not measured, or what else a reader must know.
    pub note: Option<String>,
    /// Files that explain this row (flamegraphs, heap profiles), relative to the report.
    #[serde(default)]
    pub artifacts: Vec<Artifact>,
}

impl BudgetRow {
    /// The row's id, as a scenario's `measures` names it.
    pub fn id(&self) -> RowId {
        RowId::new(self.metric.measure(), self.component)
    }

    /// A row not measured yet: `(component, component name, metric)` and its
    /// `(limit, unit)`. Throughput must stay above its limit; latency and resources below.
    pub fn unmeasured(
        (component, name, metric): (Component, &str, Metric),
        (limit, unit): (f64, &str),
    ) -> BudgetRow {
        let table = metric.measure().table();
        BudgetRow {
            table,
            component,
            component_name: name.into(),
            metric,
            limit,
            unit: unit.into(),
            direction: if table == Table::Throughput {
                Direction::Above
            } else {
                Direction::Below
            },
            measured: None,
            scenario: None,
            source: None,
            verdict: RowVerdict::NotMeasured,
            note: None,
            artifacts: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Below,
    Above,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RowVerdict {
    Pass,
    Fail,
    NotMeasured,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Artifact {
    pub kind: String,
    pub path: String,
}

/// What one scenario did and saw.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScenarioResult {
    pub name: String,
    pub description: String,
    pub file: String,
    /// Budget rows this scenario measures, as `latency.reflex`, `cpu.arm`…
    pub measures: Vec<RowId>,
    /// `open 10000/s` or `closed 50 users`.
    pub load: String,
    /// The arms' LLM model, as the arms were started.
    pub llm: String,
    /// `started` (the harness ran the stack) or the base URLs it was pointed at.
    pub target: String,
    pub warmup_seconds: f64,
    pub duration_seconds: f64,
    /// False when the generator could not hold the offered load, or its lateness decides a
    /// row; the scenario's rows are then not trusted.
    pub valid: bool,
    pub invalid_reasons: Vec<String>,
    /// What a reader should know that changes no verdict (schema 4): say, lateness of the
    /// generator that no verdict depends on.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// Set when the scenario could not run at all (say, a service did not start).
    pub error: Option<String>,
    pub requests: Vec<RequestResult>,
    pub processes: Vec<ProcessResult>,
    pub generator: GeneratorResult,
    /// The machine's own pauses over the measured window (schema 4): how late a thread that
    /// sleeps 1 ms at a time woke, µs. Zero counts when not measured.
    #[serde(default)]
    pub hiccups: Percentiles,
    /// What else ran on the machine over the measured window (schema 4, optional): the CPU
    /// that neither the generator nor a service under test used, and what the hypervisor took.
    /// `None` when not read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub machine_load: Option<MachineLoad>,
    /// A fault scenario's account (schema 4, optional): the faults as applied, what became of
    /// every accepted task, the effects counted per request, and the invariants judged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub faults: Option<FaultsResult>,
    /// Where the services' logs are, relative to the report.
    pub logs: Vec<String>,
    /// CPU profiles over the measured window, one per process, the generator's included
    /// (`--profile-cpu`); empty when not taken.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub profiles: Vec<ProfileResult>,
    /// Heap profiles from the heap pass, one per service (`--profile-heap`); empty when not
    /// taken.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub heap: Vec<HeapResult>,
    /// Per interval of the measured window: each series' latency and rates, for plots over
    /// time.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub timeline: Vec<SeriesTimeline>,
    /// The wall-clock instant the warm-up began, RFC 3339 (optional: older reports).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at: Option<String>,
    /// How late the warm-up began against the instant set for it (`--start-at`), ms;
    /// `None` when no instant was set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_late_ms: Option<f64>,
}

/// One process's CPU profile over the measured window. Paths are relative to the report.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ProfileResult {
    /// `reflex`, `orchestrator`, `arm` or `generator`.
    pub component: String,
    /// `reflex`, `arm-coder`, `generator`…
    pub name: String,
    /// The gzipped pprof protobuf, as `go tool pprof` and speedscope open it.
    pub pprof: Option<String>,
    /// Folded stacks (`a;b;c 12`), the input of flamegraphs and of differentials.
    pub folded: Option<String>,
    /// The flamegraph SVG.
    pub flamegraph: Option<String>,
    /// Against `--baseline`: red frames grew, blue ones shrank.
    #[serde(default)]
    pub differential: Option<String>,
    pub samples: u64,
    pub frequency_hz: f64,
    /// The frames with the most self samples.
    pub top: Vec<ProfileFrame>,
    /// Why there is no profile, or no flamegraph.
    pub error: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ProfileFrame {
    pub name: String,
    pub self_samples: u64,
    /// Of all the profile's samples.
    pub self_share: f64,
    pub inclusive_samples: u64,
}

/// One service's heap profile (dhat), from a pass of its own after the timed one.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct HeapResult {
    pub component: String,
    pub name: String,
    /// `dhat-heap.json`, which dh_view opens.
    pub dhat: Option<String>,
    /// Live heap at its largest.
    pub peak_bytes: u64,
    pub total_bytes: u64,
    pub total_allocations: u64,
    /// Requests the heap pass sent to the whole stack.
    pub requests: u64,
    pub bytes_per_request: f64,
    pub allocations_per_request: f64,
    /// Allocation sites by bytes allocated over the pass.
    pub top_sites: Vec<HeapSite>,
    /// What a reader must know of the pass: say, that the dhat build could not keep up with
    /// the offered load, so its peak holds the backlog.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    pub error: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct HeapSite {
    /// The first frame outside the standard library and the allocator, where the allocation
    /// was asked for: `function (file:line)`, the file as dhat cuts it (its last three parts).
    pub site: String,
    pub bytes: u64,
    pub allocations: u64,
}

/// One series over the measured window, interval by interval.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SeriesTimeline {
    /// The series: `reflex_process`, `arm_execute[coder]`…
    pub kind: SeriesLabel,
    pub interval_seconds: f64,
    pub points: Vec<IntervalPoint>,
}

/// One interval: answers that arrived in it (by arrival time) and the rate offered in it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct IntervalPoint {
    /// Seconds from the window's start to the interval's start.
    pub t: f64,
    pub offered_per_second: Option<f64>,
    /// Answers (any status) that arrived in the interval, per second.
    pub answered_per_second: f64,
    pub p50_us: u64,
    pub p99_us: u64,
    pub max_us: u64,
    /// Failed answers among them (absent from reports before the fault suite).
    #[serde(default)]
    pub errors: u64,
}

/// One request kind over the measured window, or one arm's part of `arm_execute`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RequestResult {
    /// `reflex_process`, `arm_execute`, `task_simple`, `task_complex`, or a breakdown such as
    /// `arm_execute[coder]`.
    pub kind: SeriesLabel,
    /// A generic request's series: the budget rows it may judge (`latency.reflex`…), which
    /// a built-in kind's series judge by its name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub feeds: Vec<RowId>,
    /// The arrival rate offered to this kind (open model), per second.
    pub offered_per_second: Option<f64>,
    /// Requests whose intended send time fell in the measured window.
    pub sent: u64,
    pub ok: u64,
    /// Failures by kind: `http_503`, `timeout`, `task_failed`…
    pub errors: BTreeMap<String, u64>,
    /// Successful answers that arrived inside the measured window, per second of it (schema 2;
    /// schema 1 counted by intended send time).
    pub achieved_per_second: f64,
    /// From the intended send time (coordinated-omission-correct), in microseconds.
    pub latency: Percentiles,
    /// From the intended send time, successes only: with fast failures (a 503 in a
    /// millisecond) among the answers, `latency`'s P99 reads low. Latency rows judge the worse
    /// of the two.
    #[serde(default)]
    pub latency_ok: Percentiles,
    /// From the actual send time, in microseconds.
    pub service_time: Percentiles,
    /// The HdrHistograms of record (V2 + DEFLATE, base64), so percentiles can be recomputed
    /// and runs merged exactly.
    pub latency_histogram: String,
    /// Successes only; empty in reports written before it existed.
    #[serde(default)]
    pub latency_ok_histogram: String,
    pub service_time_histogram: String,
}

impl RequestResult {
    pub fn error_count(&self) -> u64 {
        self.errors.values().sum()
    }

    pub fn error_rate(&self) -> f64 {
        if self.sent == 0 {
            0.0
        } else {
            self.error_count() as f64 / self.sent as f64
        }
    }
}

/// What the fault suite found in one scenario.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FaultsResult {
    pub faults: Vec<FaultResult>,
    pub tasks: TaskAccount,
    /// Effects counted from the arms' journals; `None` when no arm the harness started kept
    /// one.
    pub effects: Option<EffectsAccount>,
    /// Services that exited, or would not stop, without the scenario killing them.
    pub unexpected_exits: Vec<String>,
    pub invariants: Vec<Invariant>,
}

impl FaultsResult {
    /// Whether every invariant held.
    pub fn holds(&self) -> bool {
        self.invariants.iter().all(|invariant| invariant.holds)
    }
}

/// One fault as the harness applied it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FaultResult {
    /// `arm:coder`, `orchestrator`, `redis`, `postgres`, `llm:coder`…
    pub target: String,
    /// `kill`, `stop`, `pause`, `error`, `hang`.
    pub action: String,
    /// Seconds into the measured window it began (negative: before the stack started).
    pub began_seconds: f64,
    /// Seconds into the measured window it was healed (the process restarted, the LLM well).
    pub healed_seconds: Option<f64>,
    /// Why it could not be applied or healed as written, when it could not.
    pub problem: Option<String>,
    /// Answers, and failed answers, from its start to its heal (every request kind).
    pub answers: u64,
    pub errors: u64,
    /// Time from the heal until the rest of the window had no failed answer and each kind's
    /// P99 was back within 1.5× its P99 before the fault; `None` when that never happened.
    pub recovery_seconds: Option<f64>,
}

impl FaultResult {
    /// Failed answers over answers while the fault lasted.
    pub fn error_rate(&self) -> f64 {
        if self.answers == 0 {
            0.0
        } else {
            self.errors as f64 / self.answers as f64
        }
    }
}

/// What became of every task the Orchestrator accepted (202) in a fault scenario, read back
/// after the window.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TaskAccount {
    pub accepted: u64,
    pub completed: u64,
    pub failed: u64,
    pub cancelled: u64,
    /// Still pending or running when the harness stopped waiting, or not found.
    pub unfinished: u64,
    /// Completed tasks whose outcome disagrees with their recorded steps (a step not
    /// completed, or an output that is not the step's recorded result): an outcome written
    /// by an owner that no longer held the task.
    #[serde(default)]
    pub inconsistent: u64,
    /// A few of the unfinished and failed, with what was read of them.
    pub examples: Vec<String>,
}

/// Effects (successful LLM calls) per `request_id`, from the arms' journals.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EffectsAccount {
    pub effects: u64,
    pub request_ids: u64,
    /// Request ids whose effect ran more than once.
    pub duplicated: u64,
    pub examples: Vec<String>,
}

/// One invariant of a fault scenario, and what was observed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Invariant {
    pub name: String,
    pub expected: String,
    pub observed: String,
    pub holds: bool,
}

/// The machine's CPU over a measured window, from `/proc/stat`, against what the generator
/// and the services under test used of it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct MachineLoad {
    /// CPUs online.
    pub cores: f64,
    /// Mean cores running processes (user and kernel mode, interrupts left out).
    pub busy_cores: f64,
    /// Of those, the mean cores of the generator and the stack under test: its services and
    /// their dependencies (the database and Redis they use).
    pub ours_cores: f64,
    /// The rest: other processes on the machine (busy − ours, never below zero).
    pub other_cores: f64,
    /// Share of the machine's CPU time that the hypervisor gave to someone else (steal).
    pub steal_share: f64,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Percentiles {
    pub count: u64,
    pub mean_us: f64,
    pub p50_us: u64,
    pub p90_us: u64,
    pub p95_us: u64,
    pub p99_us: u64,
    pub p999_us: u64,
    pub max_us: u64,
}

/// One process of the system under test over the measured window.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ProcessResult {
    /// `reflex`, `orchestrator` or `arm`.
    pub component: String,
    /// `reflex`, `orchestrator`, `arm-coder`…
    pub name: String,
    pub pid: Option<u32>,
    /// Peak resident set size over the measured window: the memory rows' value. For a
    /// process the harness started, the kernel's peak (VmHWM) reset as the window began; for
    /// a service sampled over `/metrics`, the largest of its samples (one a second).
    pub rss_peak_bytes: Option<u64>,
    /// Peak resident set size over the process's life, start-up and warm-up included, when
    /// known.
    #[serde(default)]
    pub rss_lifetime_peak_bytes: Option<u64>,
    /// Mean CPU over the measured window, in cores.
    pub cpu_cores_mean: Option<f64>,
    /// `proc` (read from /proc by PID) or `metrics` (scraped from the service's /metrics).
    pub source: String,
    /// The CPU profiler's own resident memory in this process (`--profile-cpu`), already left
    /// out of `rss_peak_bytes`: measured by the service as the profiler was readied.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profiler_rss_bytes: Option<u64>,
    /// Readings over the window, about one a second, for plots over time.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub samples: Vec<ProcessSample>,
}

impl ProcessResult {
    /// The process's name in tables: a stack's dependency (its database, its Redis) says so.
    pub fn label(&self) -> String {
        if self.component == "dependency" {
            format!("{} (dependency)", self.name)
        } else {
            self.name.clone()
        }
    }
}

/// One reading of a process inside the measured window.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct ProcessSample {
    /// Seconds from the window's start.
    pub t: f64,
    /// Mean cores since the reading before.
    pub cpu_cores: f64,
    pub rss_bytes: u64,
}

/// The load generator's own cost: it shares the machine with the system under test.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GeneratorResult {
    pub cpu_seconds: f64,
    pub cpu_us_per_request: f64,
    /// How late the generator sent requests against their intended times.
    pub schedule_lag_p99_us: u64,
    pub schedule_lag_max_us: u64,
    /// Requests that found the in-flight cap reached and were sent late.
    pub in_flight_cap_hits: u64,
    /// Worker threads of the generator.
    #[serde(default)]
    pub threads: u32,
    /// How late requests reached the socket against their intended times (µs, measured window).
    #[serde(default)]
    pub send_lag_p50_us: u64,
    #[serde(default)]
    pub send_lag_p99_us: u64,
    #[serde(default)]
    pub send_lag_max_us: u64,
    /// Share of measured requests sent more than 1 ms late.
    #[serde(default)]
    pub late_over_1ms_share: f64,
    /// The send-lag P99 over which the run is invalid (µs).
    #[serde(default)]
    pub max_send_lag_us: u64,
    /// Each worker's busy share of the measured window (0 to 1).
    #[serde(default)]
    pub worker_busy: Vec<f64>,
    /// Requests due in the measured window that were never sent.
    #[serde(default)]
    pub unsent: u64,
    /// Requests sent and never answered before the run gave up on them.
    #[serde(default)]
    pub abandoned: u64,
    /// HdrHistogram interval logs of the measured window, one per series, relative to the
    /// report.
    #[serde(default)]
    pub interval_logs: Vec<String>,
    /// Every connection the generator set up in the run (warm-up included), apart from the
    /// requests' latency: the TCP connect, in microseconds.
    #[serde(default)]
    pub connect: Percentiles,
    /// The TLS handshake after the connect (`https://` targets; none otherwise).
    #[serde(default)]
    pub tls_handshake: Percentiles,
    /// Handshakes that resumed an earlier session.
    #[serde(default)]
    pub tls_resumed: u64,
}

#[cfg(test)]
mod tests;
