//! A scenario's result assembled from what its run recorded: each series' requests, the
//! processes' samples, the generator's account of itself, and whether the run is valid.

use std::path::Path;
use std::time::Duration;

use reports::{GeneratorResult, RequestResult, ScenarioResult};

use loadgen::{Plan, Shape};

use crate::judge::verdict::{default_max_send_lag, generator_account, load_not_held};
use crate::spec::scenario::{LoadModel, Scenario};
use crate::stack::Stack;
use crate::workload::mix::Series;

use crate::judge::noise::judge_noise;
use crate::observe::window::WindowSamples;
use crate::run::RunConfig;
use reports::histogram::{encode, percentiles};

/// Leaves each profiled service's profiler (its sample table and symbols, resident from
/// start-up) out of its window peak, which the memory rows judge, and says so.
pub(crate) fn leave_out_profilers(result: &mut ScenarioResult, footprints: &[(String, u64)]) {
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
pub(crate) struct Recorded {
    pub(crate) outcome: loadgen::Outcome,
    pub(crate) samples: WindowSamples,
    pub(crate) interval_logs: Vec<String>,
}

/// A scenario's result before it has run: what it is, and not yet valid.
pub(crate) fn new_result(
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
pub(crate) fn describe_stack(result: &mut ScenarioResult, stack: &Stack, out_dir: &Path) {
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

/// Fills the result from the engine's outcome: each series' requests, the processes, the
/// generator's account of itself, and whether the run is valid.
pub(crate) fn record_outcome(
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
    // Every request is in exactly one kind's series; the arms' series break that down.
    let total_sent: u64 = outcome
        .series
        .iter()
        .zip(series)
        .filter(|(_, series)| !series.label.is_breakdown())
        .map(|(kind, _)| kind.sent)
        .sum();
    result.requests = request_results(outcome, plan, series);
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

/// Each series' requests: counts, rates, percentiles and histograms of record.
fn request_results(
    outcome: &loadgen::Outcome,
    plan: &Plan,
    series: &[Series],
) -> Vec<RequestResult> {
    let (warmup, duration) = (plan.warmup, plan.duration);
    let measured_seconds = duration.as_secs_f64();
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
    outcome
        .series
        .iter()
        .zip(series)
        .map(|(kind, series)| RequestResult {
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
        })
        .collect()
}
