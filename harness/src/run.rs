//! Running a suite: for each scenario, start its stack, offer its load while sampling every
//! process, stop the stack, and turn what was recorded into a `RunReport` with a verdict.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use base64::Engine;
use hdrhistogram::Histogram;
use hdrhistogram::serialization::{Serializer, V2DeflateSerializer};
use reports::{
    FaultResult, FaultsResult, GeneratorResult, IntervalPoint, MachineLoad, Percentiles,
    ProcessResult, ProcessSample, RequestResult, RunReport, ScenarioResult, SeriesTimeline,
    TaskAccount,
};
use tokio::sync::watch;

use loadgen::{Plan, Progress, Shape};

use crate::flame;
use crate::judge::evaluate::evaluate;
use crate::judge::verdict::{
    Noise, default_max_send_lag, generator_account, judge_hiccups, judge_lateness,
    judge_machine_load, load_not_held, overall_verdict,
};
use crate::observe::dependency;
use crate::observe::hiccup::HiccupMeter;
use crate::observe::profile::{Profiled, Taken, profile_window};
use crate::observe::sampler::{self, Sample};
use crate::segment::Segment;
use crate::spec::budget::{Budgets, Profile};
use crate::spec::scenario::{Component, LoadModel, Scenario};
use crate::stack::{self, Keys, Stack, StartOptions};
use crate::workload::kind::AcceptedTasks;
use crate::workload::mix::{Mix, Series};
use crate::workload::{Resolved, ScenarioWorkload};

/// Everything one run needs, resolved from the command line.
#[derive(Debug, Clone)]
pub struct RunConfig {
    pub scenarios: Vec<Scenario>,
    /// How `https://` targets are trusted.
    pub tls: loadgen::TlsOptions,
    pub budgets: Budgets,
    pub profile: Profile,
    pub quick: bool,
    pub full_suite: bool,
    pub bin_dir: PathBuf,
    pub out_dir: PathBuf,
    pub run_id: String,
    pub database_url: Option<String>,
    pub redis_url: Option<String>,
    /// Services given by URL; they are not started.
    pub targets: BTreeMap<String, String>,
    /// The API keys of the run: `--api-key`, or made for it (see [`Keys`]).
    pub keys: Keys,
    pub git_commit: Option<String>,
    pub git_branch: Option<String>,
    /// Worker threads of the load generator.
    pub generator_threads: usize,
    /// CPUs the generator's workers are pinned to (empty: not pinned); the services it starts
    /// are pinned by `service_cpus`.
    pub generator_cpus: Vec<usize>,
    /// CPUs the services it starts are pinned to (empty: not pinned).
    pub service_cpus: Vec<usize>,
    /// Take a CPU profile of every process over the measured window (`--profile-cpu`).
    pub profile_cpu: bool,
    /// The runtime built with the `dhat-heap` feature: when given, each scenario runs once
    /// more on it, after the timed pass, for heap profiles (`--profile-heap`).
    pub profile_heap: Option<PathBuf>,
    /// A earlier run's `report.json` to draw differential flamegraphs against (`--baseline`).
    pub baseline: Option<PathBuf>,
    /// Live progress on the terminal (off with `--quiet`, or when stderr is not a terminal).
    pub progress: bool,
    /// The segment of a load split across hosts this run offers (`--segment I/N`); `None`
    /// for the whole load.
    pub segment: Option<Segment>,
    /// The wall-clock instant the first scenario's warm-up begins (`--start-at`); each later
    /// scenario in its slot after it (see [`crate::segment::scenario_start`]).
    pub start_at: Option<SystemTime>,
    /// The run group a segment records itself under (`--run-group`).
    pub run_group: Option<String>,
    /// Whether this run samples the stack's memory and CPU (`--sample-stack`: only one
    /// segment does, segment 1 by default).
    pub sample_stack: bool,
}

impl RunConfig {
    /// The segment's account for the report: `None` for the whole load.
    fn segment_record(&self) -> Option<reports::Segment> {
        let segment = self.segment?;
        Some(reports::Segment {
            index: segment.index,
            count: segment.count,
            run_group: self.run_group.clone(),
            run_id: self.run_id.clone(),
            host: crate::segment::hostname(),
            start_at: self.start_at.map(rfc3339),
            samples_stack: self.sample_stack,
            clock: crate::segment::clock_status(),
        })
    }

    /// The instant `scenario`'s warm-up is to begin, when the run was given one.
    fn scenario_start(&self, scenario: &Scenario) -> Option<SystemTime> {
        let first = self.start_at?;
        let slots: Vec<Duration> = self
            .scenarios
            .iter()
            .take_while(|earlier| earlier.name != scenario.name)
            .map(|earlier| {
                let (warmup, duration) = earlier.load.window(self.quick);
                crate::segment::slot(warmup, duration, earlier.load.request_timeout.0)
            })
            .collect();
        Some(crate::segment::scenario_start(first, &slots))
    }
}

/// Runs every scenario in turn and judges the budget rows.
pub async fn run_suite(config: &RunConfig, cancel: watch::Receiver<bool>) -> RunReport {
    let started_at = rfc3339_now();
    if config.profile_cpu {
        // The profiler's one-off set-up, now rather than at a measured window's first instant.
        let _ = tokio::task::spawn_blocking(profiling::prepare).await;
    }
    let mut results = Vec::new();
    let count = config.scenarios.len();
    for (idx, scenario) in config.scenarios.iter().enumerate() {
        if *cancel.borrow() {
            break;
        }
        eprintln!(
            "[{}/{count}] {}: {}",
            idx + 1,
            scenario.name,
            scenario.description
        );
        let result = run_scenario(config, scenario, cancel.clone()).await;
        eprintln!("{}", one_line_summary(&result));
        results.push(result);
    }
    if let Some(heap_bin_dir) = &config.profile_heap {
        heap_pass::run(config, heap_bin_dir, &mut results, cancel.clone()).await;
    }
    let interrupted = *cancel.borrow();
    let mut targets = evaluate(&config.budgets, config.profile, &results);
    flame::link_rows(&mut targets, &results);
    let (verdict, verdict_reasons) =
        overall_verdict(&targets, &results, interrupted, config.full_suite);
    RunReport {
        schema_version: reports::SCHEMA_VERSION,
        run_id: config.run_id.clone(),
        started_at,
        finished_at: rfc3339_now(),
        profile: config.profile.as_str().to_owned(),
        git_commit: config.git_commit.clone(),
        git_branch: config.git_branch.clone(),
        machine: crate::observe::machine::facts(),
        quick: config.quick,
        full_suite: config.full_suite,
        interrupted,
        verdict,
        verdict_reasons,
        rows: targets,
        scenarios: results,
        capacity: Vec::new(),
        segments: config.segment_record().into_iter().collect(),
    }
}

/// Runs one scenario: starts its stack, offers its load while sampling the processes, stops
/// the stack, and turns what the engine recorded into the scenario's result.
pub(crate) async fn run_scenario(
    config: &RunConfig,
    scenario: &Scenario,
    cancel: watch::Receiver<bool>,
) -> ScenarioResult {
    let run_dir = config.out_dir.join(&scenario.name);
    let (warmup, duration) = scenario.load.window(config.quick);
    let target = stack::planned_target(&scenario.stack, &config.targets);
    let mut result = new_result(scenario, target, (warmup, duration));
    let options = StartOptions {
        bin_dir: config.bin_dir.clone(),
        run_dir: run_dir.clone(),
        database_url: config.database_url.clone(),
        redis_url: config.redis_url.clone(),
        targets: config.targets.clone(),
        service_cpus: config.service_cpus.clone(),
        profiling: config.profile_cpu,
        heap_dir: None,
        keys: config.keys.clone(),
    };
    let stack_started = Instant::now();
    let mut stack = match stack::start(scenario, &options, cancel.clone()).await {
        Ok(stack) => stack,
        Err(error) => {
            result.error = Some(format!("{error:#}"));
            return result;
        }
    };
    describe_stack(&mut result, &stack, &config.out_dir);
    let mut endpoints = stack.endpoints.clone();
    endpoints.urls = crate::workload::mix::urls(&scenario.requests);
    let resolved = match endpoints.resolve(Some(&stack.keys.service), &config.tls) {
        Ok(resolved) => resolved,
        Err(error) => {
            result.error = Some(format!("{error}"));
            result.invalid_reasons.extend(stack.stop().await);
            return result;
        }
    };
    let series = Mix::new(&scenario.requests, scenario.llm.seed)
        .series()
        .to_vec();
    let planned_start = config.scenario_start(scenario);
    if let Some(at) = planned_start
        && !wait_for_start(at, &cancel).await
    {
        result.error = Some("interrupted while waiting for the start".into());
        result.invalid_reasons.extend(stack.stop().await);
        return result;
    }
    let mut plan = plan_for(config, scenario, (warmup, duration), series.len());
    if let Some(at) = planned_start {
        // The warm-up begins at the instant set, or at once when that has passed.
        let ahead = at.duration_since(SystemTime::now()).unwrap_or_default();
        plan.start = Instant::now() + ahead;
        let late = SystemTime::now()
            .duration_since(at)
            .map_or(0.0, |late| late.as_secs_f64() * 1e3);
        result.start_late_ms = Some(late);
        if late > warmup.as_secs_f64() * 100.0 {
            eprintln!(
                "  warning: the warm-up begins {late:.0} ms after the instant set ({}), more than a tenth of the warm-up: a merge will call this segment's scenario invalid",
                rfc3339(at)
            );
        }
    }
    result.started_at = Some(rfc3339(
        SystemTime::now() + plan.start.saturating_duration_since(Instant::now()),
    ));
    let window_start_wall = SystemTime::now() + (plan.measure_start() - Instant::now());
    let accepted: Option<AcceptedTasks> = scenario.judged_by_invariants().then(Default::default);
    let (ran, samples, taken, applied) = offer_load(
        config,
        scenario,
        (&plan, stack_started),
        (&resolved, accepted.clone()),
        &mut stack,
        cancel,
    )
    .await;
    let tasks = match (&accepted, &stack.endpoints.orchestrator) {
        (Some(accepted), Some(orchestrator)) => {
            let ids = std::mem::take(&mut *accepted.lock().unwrap_or_else(|p| p.into_inner()));
            eprintln!(
                "  reading back {} accepted tasks (up to {})",
                ids.len(),
                humantime::format_duration(scenario.expect.settle.0)
            );
            faults::settle_tasks(&stack.keys, orchestrator, ids, scenario.expect.settle.0).await
        }
        _ => TaskAccount::default(),
    };
    let problems = stack.stop().await;
    let mut fault_account = scenario.judged_by_invariants().then(|| FaultsResult {
        faults: applied,
        tasks,
        effects: faults::count_effects(&stack::effects_dir(&run_dir)),
        unexpected_exits: Vec::new(),
        invariants: Vec::new(),
    });
    match &mut fault_account {
        Some(account) => account.unexpected_exits = problems,
        None => result.invalid_reasons.extend(problems),
    }
    let footprints: Vec<(String, u64)> = taken
        .iter()
        .filter_map(|t| Some((t.process.name.clone(), t.profiler_rss_bytes?)))
        .collect();
    result.profiles = flame::write_profiles(
        taken,
        &scenario.name,
        &run_dir.join("profiles"),
        &config.out_dir,
    );
    if let Some(baseline) = &config.baseline {
        flame::draw_differentials(&mut result, baseline, &config.out_dir);
    }
    let outcome = match ran {
        Ok(outcome) => outcome,
        Err(error) => {
            result.error = Some(format!("the load generator failed: {error}"));
            return result;
        }
    };
    let (interval_logs, timeline) = write_interval_logs(
        &run_dir,
        &series,
        &outcome,
        window_start_wall,
        &config.out_dir,
    );
    result.timeline = with_offered(timeline, &plan, &series);
    if let Some(mut account) = fault_account {
        let began: Vec<f64> = account.faults.iter().map(|f| f.began_seconds).collect();
        for fault in &mut account.faults {
            let next = began
                .iter()
                .copied()
                .filter(|at| *at > fault.began_seconds)
                .reduce(f64::min);
            faults::error_rate_and_recovery(
                fault,
                next,
                &result.timeline,
                plan.duration.as_secs_f64(),
            );
        }
        let has_tasks = scenario.requests.iter().any(|request| {
            request.weight > 0
                && request.kind != crate::workload::RequestKind::Http
                && request.kind.service() == Component::Orchestrator
        });
        faults::judge(&mut account, &scenario.expect, has_tasks);
        result.faults = Some(account);
    }
    let recorded = Recorded {
        outcome,
        samples,
        interval_logs,
    };
    record_outcome(&mut result, config, scenario, &plan, &series, recorded);
    leave_out_profilers(&mut result, &footprints);
    if let (Some(max_growth), Some(account)) = (scenario.expect.max_rss_growth, &mut result.faults)
    {
        account
            .invariants
            .extend(faults::rss_flat(&result.processes, max_growth));
    }
    result
}

/// Leaves each profiled service's profiler (its sample table and symbols, resident from
/// start-up) out of its window peak, which the memory rows judge, and says so.
fn leave_out_profilers(result: &mut ScenarioResult, footprints: &[(String, u64)]) {
    let mut left_out = Vec::new();
    for process in &mut result.processes {
        let Some((_, bytes)) = footprints.iter().find(|(name, _)| *name == process.name) else {
            continue;
        };
        process.profiler_rss_bytes = Some(*bytes);
        if let Some(peak) = &mut process.rss_peak_bytes {
            *peak = peak.saturating_sub(*bytes);
        }
        for sample in &mut process.samples {
            sample.rss_bytes = sample.rss_bytes.saturating_sub(*bytes);
        }
        left_out.push(format!("{} {:.1} MB", process.name, *bytes as f64 / 1e6));
    }
    if !left_out.is_empty() {
        result.notes.push(format!(
            "the CPU profiler's own memory ({}, measured as each service readied it at start-up) is left out of the peak RSS the memory rows judge",
            left_out.join(", ")
        ));
    }
}

/// What a scenario's load left: the engine's outcome, the processes' samples and the paths
/// of the interval logs written.
struct Recorded {
    outcome: loadgen::Outcome,
    samples: WindowSamples,
    interval_logs: Vec<String>,
}

/// A scenario's result before it has run: what it is, and not yet valid.
fn new_result(
    scenario: &Scenario,
    target: String,
    (warmup, duration): (Duration, Duration),
) -> ScenarioResult {
    ScenarioResult {
        name: scenario.name.clone(),
        description: scenario.description.clone(),
        file: scenario.file.clone(),
        measures: scenario.measures.clone(),
        load: scenario.load.describe(),
        llm: if scenario.uses_arms() {
            scenario.llm.describe()
        } else {
            "not used: this stack has no arms".into()
        },
        target,
        warmup_seconds: warmup.as_secs_f64(),
        duration_seconds: duration.as_secs_f64(),
        valid: false,
        invalid_reasons: Vec::new(),
        notes: Vec::new(),
        error: None,
        requests: Vec::new(),
        processes: Vec::new(),
        generator: GeneratorResult::default(),
        hiccups: Default::default(),
        machine_load: None,
        faults: None,
        logs: Vec::new(),
        profiles: Vec::new(),
        heap: Vec::new(),
        timeline: Vec::new(),
        started_at: None,
        start_late_ms: None,
    }
}

/// Says what was started, and where the services' logs are (what was given is said before
/// the start, by `stack::planned_target`).
fn describe_stack(result: &mut ScenarioResult, stack: &Stack, out_dir: &Path) {
    let started: Vec<String> = stack
        .services
        .iter()
        .map(|service| format!("{} (pid {})", service.name, service.pid))
        .collect();
    eprintln!("  stack ready: {}", started.join(", "));
    result.logs = stack
        .logs
        .iter()
        .map(|path| {
            path.strip_prefix(out_dir)
                .unwrap_or(path)
                .display()
                .to_string()
        })
        .collect();
}

/// The engine's plan for a scenario: its shape, window and limits, starting shortly.
fn plan_for(
    config: &RunConfig,
    scenario: &Scenario,
    (warmup, duration): (Duration, Duration),
    n_series: usize,
) -> Plan {
    let segment = config.segment.unwrap_or(Segment::WHOLE);
    let shape = match scenario.load.model {
        LoadModel::Open => Shape::Open(
            scenario
                .load
                .schedule()
                .segment(segment.index, segment.count),
        ),
        LoadModel::Closed => Shape::Closed {
            // `resolve` checked that every segment has a user.
            users: segment.users(scenario.load.users.unwrap_or(1)).unwrap_or(1),
        },
    };
    Plan {
        shape,
        start: Instant::now() + Duration::from_millis(100),
        warmup,
        duration,
        max_in_flight: scenario.load.max_in_flight,
        request_timeout: scenario.load.request_timeout.0,
        threads: config.generator_threads.max(1),
        interval: INTERVAL,
        n_series,
        cpus: config.generator_cpus.clone(),
        send_window: scenario
            .load
            .send_window
            .map_or(Duration::ZERO, |window| window.0),
    }
}

/// Runs the engine on `plan` (on blocking threads of its own) while the processes are sampled
/// over the measured window and progress is printed; returns what the engine recorded, or why
/// it failed, and the samples.
async fn offer_load(
    config: &RunConfig,
    scenario: &Scenario,
    (plan, stack_started): (&Plan, Instant),
    (resolved, accepted): (&Resolved, Option<AcceptedTasks>),
    stack: &mut Stack,
    cancel: watch::Receiver<bool>,
) -> (
    Result<loadgen::Outcome, String>,
    WindowSamples,
    Vec<Taken>,
    Vec<FaultResult>,
) {
    let threads = plan.threads;
    let poll_wait = scenario.load.request_timeout.0.as_secs().min(60);
    let workloads: Vec<ScenarioWorkload> = (0..threads)
        .map(|worker_idx| {
            let mix = Mix::for_segment_worker(
                &scenario.requests,
                scenario.llm.seed,
                config.segment.unwrap_or(Segment::WHOLE),
                worker_idx,
                threads,
            );
            let workload = ScenarioWorkload::new(mix, resolved.clone(), poll_wait);
            match &accepted {
                Some(accepted) => workload.recording_accepted(accepted.clone()),
                None => workload,
            }
        })
        .collect();
    let progress = Progress::new(threads);
    let watched = if config.sample_stack {
        watch_list(stack)
    } else {
        Vec::new()
    };
    let sampling = tokio::spawn(sample_window(
        stack.keys.clone(),
        watched,
        plan.measure_start(),
        plan.end(),
        cancel.clone(),
    ));
    let bar = config.progress.then(|| {
        indicatif::ProgressBar::with_draw_target(
            Some(0),
            indicatif::ProgressDrawTarget::stderr_with_hz(4),
        )
    });
    let reporter = bar.clone().map(|bar| {
        tokio::spawn(report_progress(
            scenario.name.clone(),
            progress.clone(),
            plan.clone(),
            bar,
        ))
    });
    let profiles = config.profile_cpu.then(|| {
        tokio::spawn(profile_window(
            stack.keys.clone(),
            profile_list(stack),
            plan.measure_start(),
            plan.end(),
            cancel.clone(),
        ))
    });
    let meter = HiccupMeter::start(plan.measure_start(), plan.end()).ok();
    let engine_plan = plan.clone();
    let endpoints = resolved.endpoints.clone();
    let engine_cancel = cancel.clone();
    let engine = tokio::task::spawn_blocking(move || {
        loadgen::run(
            &engine_plan,
            &endpoints,
            workloads,
            &progress,
            engine_cancel,
        )
    });
    let driving = faults::drive(
        stack,
        &scenario.faults,
        (stack_started, plan.measure_start()),
        cancel,
    );
    let (ran, applied) = tokio::join!(engine, driving);
    if let Some(reporter) = reporter {
        reporter.abort();
    }
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    let mut samples = sampling.await.unwrap_or_default();
    samples.hiccups = meter.map(HiccupMeter::finish);
    let taken = match profiles {
        Some(profiles) => profiles.await.unwrap_or_default(),
        None => Vec::new(),
    };
    let ran = ran
        .map_err(|error| error.to_string())
        .and_then(|run| run.map_err(|error| error.to_string()));
    (ran, samples, taken, applied)
}

/// The processes to profile: every service, started or given (one given without
/// `--profiling` says so in its profile's error), and the generator itself.
fn profile_list(stack: &Stack) -> Vec<Profiled> {
    stack
        .services
        .iter()
        .map(|service| Profiled {
            component: service.component.to_owned(),
            name: service.name.clone(),
            base_url: Some(service.base_url.clone()),
        })
        .chain(
            stack
                .external
                .iter()
                .map(|(component, name, url)| Profiled {
                    component: (*component).to_owned(),
                    name: name.clone(),
                    base_url: Some(url.clone()),
                }),
        )
        .chain(std::iter::once(Profiled {
            component: "generator".into(),
            name: "generator".into(),
            base_url: None,
        }))
        .collect()
}

/// The processes to sample: those started by PID, those given over their `/metrics`.
fn watch_list(stack: &Stack) -> Vec<Watched> {
    stack
        .services
        .iter()
        .map(|service| Watched {
            component: service.component,
            name: service.name.clone(),
            source: Source::Proc(service.pid),
        })
        .chain(stack.external.iter().map(|(component, name, url)| Watched {
            component,
            name: name.clone(),
            source: Source::Metrics(url.clone()),
        }))
        // The database and Redis the stack uses are part of it (issue 26): sampled beside
        // it, never counted as the machine's other load; no row judges them.
        .chain(stack.dependencies.iter().filter_map(|(kind, url)| {
            Some(Watched {
                component: DEPENDENCY,
                name: (*kind).to_owned(),
                source: Source::Dependency(dependency::locate(kind, url)?),
            })
        }))
        .collect()
}

/// The component of a stack's dependency (its PostgreSQL, its Redis) in the report.
pub const DEPENDENCY: &str = "dependency";

/// Fills the result from the engine's outcome: each series' requests, the processes, the
/// generator's account of itself, and whether the run is valid.
fn record_outcome(
    result: &mut ScenarioResult,
    config: &RunConfig,
    scenario: &Scenario,
    plan: &Plan,
    series: &[Series],
    recorded: Recorded,
) {
    let Recorded {
        outcome,
        samples,
        interval_logs,
    } = recorded;
    let outcome = &outcome;
    let (warmup, duration) = (plan.warmup, plan.duration);
    let measured_seconds = duration.as_secs_f64();
    // Every request is in exactly one kind's series; the arms' series break that down.
    let total_sent: u64 = outcome
        .series
        .iter()
        .zip(series)
        .filter(|(_, series)| !series.label.contains('['))
        .map(|(kind, _)| kind.sent)
        .sum();
    let offered_per_second = match &plan.shape {
        // A staged schedule offers its mean rate over the measured window.
        Shape::Open(schedule) => Some(
            schedule
                .times()
                .skip_while(|at| *at < warmup)
                .take_while(|at| *at < warmup + duration)
                .count() as f64
                / measured_seconds,
        ),
        Shape::Closed { .. } => None,
    };
    for (kind, series) in outcome.series.iter().zip(series) {
        result.requests.push(RequestResult {
            kind: series.label.clone(),
            feeds: series.feeds.clone(),
            offered_per_second: offered_per_second.map(|rate| rate * series.share),
            sent: kind.sent,
            ok: kind.ok,
            errors: kind.errors.clone(),
            achieved_per_second: kind.completed_in_window as f64 / measured_seconds,
            latency: percentiles(&kind.latency),
            latency_ok: percentiles(&kind.latency_ok),
            service_time: percentiles(&kind.service),
            latency_histogram: encode(&kind.latency),
            latency_ok_histogram: encode(&kind.latency_ok),
            service_time_histogram: encode(&kind.service),
        });
    }
    let max_send_lag = scenario.load.max_send_lag.map_or_else(
        || default_max_send_lag(&config.budgets, scenario),
        |lag| lag.0,
    );
    result.processes = samples.processes;
    result.hiccups = samples
        .hiccups
        .as_ref()
        .map(percentiles)
        .unwrap_or_default();
    result.machine_load = samples.machine_load;
    result.generator = GeneratorResult {
        cpu_seconds: samples.generator_cpu_seconds,
        cpu_us_per_request: if total_sent > 0 {
            samples.generator_cpu_seconds * 1e6 / total_sent as f64
        } else {
            0.0
        },
        interval_logs,
        ..generator_account(outcome, max_send_lag)
    };
    if outcome.cancelled {
        result
            .invalid_reasons
            .push("interrupted before the measured window ended".into());
    }
    result.invalid_reasons.extend(load_not_held(
        &result.generator,
        scenario.load.max_schedule_lag.0,
        scenario.load.model == LoadModel::Open,
    ));
    match config.segment {
        // A segment's rows judge a share of the load (its throughput is a third of the
        // whole, say) and its siblings' generators may share its machine: what noise decides
        // is judged by the merge, on the merged rows.
        Some(segment) => result.notes.push(format!(
            "segment {segment}: {}; the generator's lateness, the machine's pauses and its load are judged by `octoperf merge` on the merged rows",
            crate::merge::SEGMENT_NOTE
        )),
        None => judge_noise(&config.budgets, config.profile, result),
    }
    result.valid = result.invalid_reasons.is_empty();
}

/// What the generator's lateness, the machine's pauses and its other load mean for the
/// scenario's verdicts: notes, or reasons it is invalid.
pub fn judge_noise(budgets: &Budgets, profile: Profile, result: &mut ScenarioResult) {
    for noise in [
        judge_lateness(budgets, profile, result),
        judge_hiccups(budgets, profile, result),
        judge_machine_load(budgets, profile, result),
    ] {
        match noise {
            Noise::Quiet => {}
            Noise::Harmless(note) => result.notes.push(note),
            Noise::Decides(reason) => result.invalid_reasons.push(reason),
        }
    }
}

/// Period of the interval histograms.
const INTERVAL: Duration = Duration::from_secs(1);

/// Writes one HdrHistogram interval log per series under `<scenario>/intervals/`; returns their
/// paths relative to the report, and each series' intervals summed up for plots over time. A
/// log that cannot be written is left out, with a warning.
fn write_interval_logs(
    run_dir: &std::path::Path,
    series: &[crate::workload::mix::Series],
    outcome: &loadgen::Outcome,
    window_start: SystemTime,
    out_dir: &std::path::Path,
) -> (Vec<String>, Vec<SeriesTimeline>) {
    let timeline = series
        .iter()
        .enumerate()
        .map(|(idx, series)| SeriesTimeline {
            kind: series.label.clone(),
            interval_seconds: INTERVAL.as_secs_f64(),
            points: loadgen::intervals::series_intervals(&outcome.intervals, idx, INTERVAL)
                .iter()
                .zip(loadgen::intervals::series_errors(&outcome.intervals, idx).into_values())
                .map(|(interval, errors)| IntervalPoint {
                    t: interval.start.as_secs_f64(),
                    offered_per_second: None,
                    answered_per_second: interval.histogram.len() as f64
                        / interval.length.as_secs_f64(),
                    p50_us: interval.histogram.value_at_quantile(0.5),
                    p99_us: interval.histogram.value_at_quantile(0.99),
                    max_us: interval.histogram.max(),
                    errors,
                })
                .collect(),
        })
        .collect();
    let dir = run_dir.join("intervals");
    if let Err(error) = std::fs::create_dir_all(&dir) {
        eprintln!("warning: cannot create {}: {error}", dir.display());
        return (Vec::new(), timeline);
    }
    let mut written = Vec::new();
    for (idx, series) in series.iter().enumerate() {
        let intervals = loadgen::intervals::series_intervals(&outcome.intervals, idx, INTERVAL);
        let path = dir.join(format!("{}.hlog", log_name(&series.label)));
        let mut bytes = Vec::new();
        let comment = format!(
            "octoperf latency from the intended send time: {}",
            series.label
        );
        let result =
            loadgen::intervals::write_log(&mut bytes, window_start, INTERVAL, &intervals, &comment)
                .and_then(|()| std::fs::write(&path, bytes));
        match result {
            Ok(()) => written.push(
                path.strip_prefix(out_dir)
                    .unwrap_or(&path)
                    .display()
                    .to_string(),
            ),
            Err(error) => eprintln!("warning: cannot write {}: {error}", path.display()),
        }
    }
    (written, timeline)
}

/// Keeps the intervals of the window and fills in each one's offered rate from the open
/// model's schedule (the closed model offers no rate): the intended times that fell in the
/// interval, times the series' share.
fn with_offered(
    mut timeline: Vec<SeriesTimeline>,
    plan: &Plan,
    series: &[Series],
) -> Vec<SeriesTimeline> {
    // The drain after the window (answers to the last requests) is no interval of it: its
    // few answers would read as the rate collapsing. The interval logs keep them.
    for line in &mut timeline {
        line.points
            .retain(|point| point.t < plan.duration.as_secs_f64());
    }
    let Shape::Open(schedule) = &plan.shape else {
        return timeline;
    };
    let n_intervals = plan.duration.as_secs_f64() / INTERVAL.as_secs_f64();
    let mut per_interval = vec![0u64; n_intervals.ceil() as usize];
    for at in schedule
        .times()
        .skip_while(|at| *at < plan.warmup)
        .take_while(|at| *at < plan.warmup + plan.duration)
    {
        let idx = ((at - plan.warmup).as_secs_f64() / INTERVAL.as_secs_f64()) as usize;
        if let Some(count) = per_interval.get_mut(idx) {
            *count += 1;
        }
    }
    for (line, series) in timeline.iter_mut().zip(series) {
        for point in &mut line.points {
            let idx = (point.t / INTERVAL.as_secs_f64()) as usize;
            point.offered_per_second = per_interval
                .get(idx)
                .map(|count| *count as f64 * series.share / INTERVAL.as_secs_f64());
        }
    }
    timeline
}

/// A series label as a file name: `arm_execute[coder]` → `arm_execute.coder`.
pub fn log_name(label: &str) -> String {
    label.replace('[', ".").replace(']', "")
}

/// What to sample and how.
struct Watched {
    component: &'static str,
    name: String,
    source: Source,
}

enum Source {
    Proc(u32),
    Metrics(String),
    Dependency(dependency::Reading),
}

#[derive(Default)]
struct WindowSamples {
    processes: Vec<ProcessResult>,
    generator_cpu_seconds: f64,
    /// The hiccup meter's record of the window, µs.
    hiccups: Option<Histogram<u64>>,
    /// The machine's CPU over the window, against ours.
    machine_load: Option<MachineLoad>,
}

/// Samples every process (and the generator itself) at the start and end of the measured
/// window, and its memory every second in between.
async fn sample_window(
    keys: Keys,
    watched: Vec<Watched>,
    start: Instant,
    end: Instant,
    mut cancel: watch::Receiver<bool>,
) -> WindowSamples {
    // Given services are sampled over `/metrics`, an admin's route.
    let client = keys.client();
    tokio::select! {
        () = tokio::time::sleep_until(start.into()) => {}
        _ = cancel.wait_for(|stop| *stop) => return WindowSamples::default(),
    }
    let generator_start = sampler::read_proc(0).ok();
    let machine_start = procstat::machine().ok();
    let window_start = Instant::now();
    let mut first: Vec<Option<Sample>> = Vec::new();
    // Whether the kernel's peak (VmHWM) of each process was reset as the window began, so
    // that its peak at the end is the window's, start-up and warm-up left out.
    let mut peak_reset: Vec<bool> = Vec::new();
    for process in &watched {
        first.push(read(&client, &process.source).await);
        peak_reset.push(match &process.source {
            Source::Proc(pid) => procstat::reset_peak(*pid).is_ok(),
            Source::Metrics(_) | Source::Dependency(_) => false,
        });
    }
    let mut peak_rss: Vec<u64> = first.iter().map(|s| s.map_or(0, |s| s.rss_bytes)).collect();
    // Each process's readings over time, and its reading before (with when it was taken).
    let mut over_time: Vec<Vec<ProcessSample>> = vec![Vec::new(); watched.len()];
    let mut before: Vec<Option<(Instant, Sample)>> = first
        .iter()
        .map(|sample| sample.map(|sample| (window_start, sample)))
        .collect();
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            () = tokio::time::sleep_until(end.into()) => break,
            _ = cancel.wait_for(|stop| *stop) => break,
        }
        for (idx, process) in watched.iter().enumerate() {
            if let Some(sample) = read(&client, &process.source).await {
                peak_rss[idx] = peak_rss[idx].max(sample.rss_bytes);
                let now = Instant::now();
                if let Some((then, earlier)) = before[idx] {
                    let seconds = (now - then).as_secs_f64();
                    if seconds > 0.05 {
                        over_time[idx].push(ProcessSample {
                            t: (now - window_start).as_secs_f64(),
                            cpu_cores: ((sample.cpu_seconds - earlier.cpu_seconds) / seconds)
                                .max(0.0),
                            rss_bytes: sample.rss_bytes,
                        });
                    }
                }
                before[idx] = Some((now, sample));
            }
        }
    }
    let elapsed = window_start.elapsed().as_secs_f64();
    let generator_end = sampler::read_proc(0).ok();
    let machine_end = procstat::machine().ok();
    let mut processes = Vec::new();
    for (idx, process) in watched.iter().enumerate() {
        let last = read(&client, &process.source).await;
        let cpu_cores_mean = first[idx]
            .zip(last)
            .map(|(a, b)| ((b.cpu_seconds - a.cpu_seconds) / elapsed).max(0.0));
        let (rss_peak_bytes, rss_lifetime_peak_bytes) =
            peaks(first[idx], last, peak_rss[idx], peak_reset[idx]);
        processes.push(ProcessResult {
            component: process.component.to_owned(),
            name: process.name.clone(),
            pid: match &process.source {
                Source::Proc(pid) | Source::Dependency(dependency::Reading::Tree(pid)) => {
                    Some(*pid)
                }
                Source::Metrics(_) | Source::Dependency(_) => None,
            },
            rss_peak_bytes,
            rss_lifetime_peak_bytes,
            cpu_cores_mean,
            source: match &process.source {
                Source::Proc(_) => "proc".into(),
                Source::Metrics(_) => "metrics".into(),
                Source::Dependency(reading) => reading.source().into(),
            },
            profiler_rss_bytes: None,
            samples: std::mem::take(&mut over_time[idx]),
        });
    }
    let generator_cpu_seconds = generator_start
        .zip(generator_end)
        .map_or(0.0, |(a, b)| b.cpu_seconds - a.cpu_seconds);
    let ours_seconds = generator_cpu_seconds
        + processes
            .iter()
            .filter_map(|process| process.cpu_cores_mean)
            .sum::<f64>()
            * elapsed;
    WindowSamples {
        processes,
        generator_cpu_seconds,
        hiccups: None,
        machine_load: machine_start
            .zip(machine_end)
            .and_then(|(start, end)| machine_load(&start, &end, elapsed, ours_seconds)),
    }
}

/// The machine's CPU between two readings of it `elapsed` seconds apart, against the CPU
/// seconds that the generator and the services used between them.
fn machine_load(
    start: &procstat::Machine,
    end: &procstat::Machine,
    elapsed: f64,
    ours_seconds: f64,
) -> Option<MachineLoad> {
    if elapsed <= 0.0 {
        return None;
    }
    let cores = end.cpus as f64;
    let busy = start.cpu_seconds_until(end);
    Some(MachineLoad {
        cores,
        busy_cores: busy / elapsed,
        ours_cores: ours_seconds / elapsed,
        other_cores: ((busy - ours_seconds) / elapsed).max(0.0),
        steal_share: ((end.steal_seconds - start.steal_seconds) / (elapsed * cores))
            .clamp(0.0, 1.0),
    })
}

/// A process's peak resident set over the window and over its life, from its readings as the
/// window began and ended, the largest resident set sampled between, and whether its kernel
/// peak was reset as the window began. The kernel's peak (VmHWM) covers spikes between the
/// samples; without a reset it is the lifetime's, and the window's is what the samples saw.
fn peaks(
    first: Option<Sample>,
    last: Option<Sample>,
    sampled: u64,
    reset: bool,
) -> (Option<u64>, Option<u64>) {
    let last = match last {
        Some(last) => last,
        None => return (None, first.and_then(|s| s.rss_peak_bytes)),
    };
    let seen = last.rss_bytes.max(sampled);
    let window = match (reset, last.rss_peak_bytes) {
        (true, Some(kernel)) => kernel.max(seen),
        _ => seen,
    };
    let before = first.and_then(|s| s.rss_peak_bytes);
    let lifetime = match (reset, last.rss_peak_bytes) {
        (true, kernel) => before
            .max(kernel)
            .or(Some(window))
            .map(|peak| peak.max(window)),
        (false, kernel) => kernel.map(|peak| peak.max(window)),
    };
    (Some(window), lifetime)
}

async fn read(client: &reqwest::Client, source: &Source) -> Option<Sample> {
    match source {
        Source::Proc(pid) => sampler::read_proc(*pid).ok(),
        Source::Metrics(base) => sampler::read_metrics(client, base).await.ok(),
        Source::Dependency(reading) => dependency::read(reading).await,
    }
}

/// Live progress on the terminal while a scenario runs (indicatif, redrawn twice a second):
/// elapsed and total time, the rate offered now and the rate answered over the last second,
/// the P99 of the last closed second of the measured window, errors and requests in flight.
async fn report_progress(
    name: String,
    progress: Arc<Progress>,
    plan: Plan,
    bar: indicatif::ProgressBar,
) {
    let total = plan.warmup + plan.duration;
    bar.set_length(total.as_secs());
    bar.set_style(
        indicatif::ProgressStyle::with_template("  {prefix} [{bar:24}] {elapsed}/{len}s {msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar.set_prefix(name);
    let mut tick = tokio::time::interval(Duration::from_millis(500));
    let mut last = (Instant::now(), 0u64);
    loop {
        tick.tick().await;
        let now = Instant::now();
        let elapsed = now.saturating_duration_since(plan.start);
        let snapshot = progress.snapshot();
        let answered = snapshot.sent.saturating_sub(snapshot.in_flight);
        let seconds = (now - last.0).as_secs_f64();
        let answered_rate = if seconds > 0.2 {
            let rate = answered.saturating_sub(last.1) as f64 / seconds;
            last = (now, answered);
            Some(rate)
        } else {
            None
        };
        let offered = match &plan.shape {
            Shape::Open(schedule) => format!("{:.0}/s offered, ", schedule.rate_at(elapsed)),
            Shape::Closed { users } => format!("{users} users, "),
        };
        let phase = if elapsed < plan.warmup {
            "warm-up"
        } else {
            "measuring"
        };
        bar.set_position(elapsed.as_secs().min(total.as_secs()));
        bar.set_message(format!(
            "{phase}: {offered}{} answered/s, P99 {}, {} errors, {} in flight",
            answered_rate.map_or_else(|| "–".to_owned(), |rate| format!("{rate:.0}")),
            if snapshot.last_p99_us == 0 {
                "–".to_owned()
            } else {
                format!("{:.2} ms", snapshot.last_p99_us as f64 / 1000.0)
            },
            snapshot.errors,
            snapshot.in_flight,
        ));
    }
}

fn one_line_summary(result: &ScenarioResult) -> String {
    if let Some(error) = &result.error {
        return format!("  {} did not run: {error}", result.name);
    }
    let mut line = format!("  {}:", result.name);
    for request in result.requests.iter().filter(|r| !r.kind.contains('[')) {
        line.push_str(&format!(
            " {} {} ok/{} sent, P99 {:.2} ms;",
            request.kind,
            request.ok,
            request.sent,
            request.latency.p99_us as f64 / 1000.0
        ));
    }
    let generator = &result.generator;
    line.push_str(&format!(
        " generator: send lag P99 {:.2} ms, busy {};",
        generator.send_lag_p99_us as f64 / 1000.0,
        generator
            .worker_busy
            .iter()
            .map(|busy| format!("{:.0}%", busy * 100.0))
            .collect::<Vec<_>>()
            .join("/")
    ));
    if !result.valid {
        line.push_str(&format!(" INVALID: {}", result.invalid_reasons.join("; ")));
    }
    if let Some(faults) = &result.faults {
        let broken: Vec<&str> = faults
            .invariants
            .iter()
            .filter(|invariant| !invariant.holds)
            .map(|invariant| invariant.name.as_str())
            .collect();
        line.push_str(&if broken.is_empty() {
            format!(" invariants: all {} hold;", faults.invariants.len())
        } else {
            format!(" invariants BROKEN: {};", broken.join(", "))
        });
    }
    for note in &result.notes {
        line.push_str(&format!(" (note: {note})"));
    }
    line
}

pub fn percentiles(histogram: &Histogram<u64>) -> Percentiles {
    if histogram.is_empty() {
        return Percentiles::default();
    }
    Percentiles {
        count: histogram.len(),
        mean_us: histogram.mean(),
        p50_us: histogram.value_at_quantile(0.50),
        p90_us: histogram.value_at_quantile(0.90),
        p95_us: histogram.value_at_quantile(0.95),
        p99_us: histogram.value_at_quantile(0.99),
        p999_us: histogram.value_at_quantile(0.999),
        max_us: histogram.max(),
    }
}

/// The histogram in the HdrHistogram V2 + DEFLATE encoding, base64: the data of record.
pub fn encode(histogram: &Histogram<u64>) -> String {
    let mut bytes = Vec::new();
    V2DeflateSerializer::new()
        .serialize(histogram, &mut bytes)
        .expect("serialising into memory cannot fail");
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// The current time as RFC 3339, UTC, to the second.
pub fn rfc3339_now() -> String {
    humantime::format_rfc3339_seconds(SystemTime::now()).to_string()
}

/// An instant as RFC 3339 in UTC, to the millisecond.
pub fn rfc3339(at: SystemTime) -> String {
    humantime::format_rfc3339_millis(at).to_string()
}

/// Sleeps until shortly before `at` (the engine takes the rest, to the microsecond), saying
/// how long it waits when that is long; false when cancelled first.
async fn wait_for_start(at: SystemTime, cancel: &watch::Receiver<bool>) -> bool {
    let lead = Duration::from_millis(200);
    let Ok(ahead) = at.duration_since(SystemTime::now() + lead) else {
        return true;
    };
    if ahead > Duration::from_secs(2) {
        eprintln!(
            "  waiting {} for the start set at {}",
            humantime::format_duration(Duration::from_secs(ahead.as_secs())),
            rfc3339(at)
        );
    }
    let mut cancel = cancel.clone();
    tokio::select! {
        () = tokio::time::sleep(ahead) => true,
        _ = cancel.wait_for(|stop| *stop) => false,
    }
}

mod faults;
mod heap_pass;
#[cfg(test)]
mod tests;
