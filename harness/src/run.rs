//! Running a suite: for each scenario, start its stack, offer its load while sampling every
//! process, stop the stack, and turn what was recorded into a `RunReport` with a verdict.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant, SystemTime};

use base64::Engine;
use hdrhistogram::Histogram;
use hdrhistogram::serialization::{Serializer, V2DeflateSerializer};
use reports::{
    GeneratorResult, Percentiles, ProcessResult, RequestResult, RunReport, ScenarioResult,
    TargetVerdict, Verdict,
};
use tokio::sync::watch;

use crate::budget::{self, Budgets, Profile};
use crate::load::{self, Plan, Recorder, Shape};
use crate::mix::Mix;
use crate::sampler::{self, Sample};
use crate::scenario::{LoadModel, Scenario};
use crate::stack::{self, StartOptions};

/// Everything one run needs, resolved from the command line.
#[derive(Debug, Clone)]
pub struct RunConfig {
    pub scenarios: Vec<Scenario>,
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
    pub git_commit: Option<String>,
}

/// Runs every scenario in turn and judges the budget rows.
pub async fn run_suite(config: &RunConfig, cancel: watch::Receiver<bool>) -> RunReport {
    let started_at = rfc3339_now();
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
    let interrupted = *cancel.borrow();
    let targets = budget::evaluate(&config.budgets, config.profile, &results);
    let (verdict, verdict_reasons) =
        overall_verdict(&targets, &results, interrupted, config.full_suite);
    RunReport {
        schema_version: reports::SCHEMA_VERSION,
        run_id: config.run_id.clone(),
        started_at,
        finished_at: rfc3339_now(),
        profile: config.profile.as_str().to_owned(),
        git_commit: config.git_commit.clone(),
        machine: crate::machine::facts(),
        quick: config.quick,
        full_suite: config.full_suite,
        interrupted,
        verdict,
        verdict_reasons,
        targets,
        scenarios: results,
    }
}

/// The run's verdict: invalid beats fail beats pass; a full suite must measure every row.
pub fn overall_verdict(
    targets: &[reports::Target],
    scenarios: &[ScenarioResult],
    interrupted: bool,
    full_suite: bool,
) -> (Verdict, Vec<String>) {
    let mut invalid = Vec::new();
    if interrupted {
        invalid.push("the run was interrupted before the suite finished".to_owned());
    }
    for scenario in scenarios {
        if let Some(error) = &scenario.error {
            invalid.push(format!("scenario {} did not run: {error}", scenario.name));
        } else if !scenario.valid {
            invalid.push(format!(
                "scenario {} is invalid: {}",
                scenario.name,
                scenario.invalid_reasons.join("; ")
            ));
        }
    }
    if !invalid.is_empty() {
        return (Verdict::Invalid, invalid);
    }
    let mut reasons = Vec::new();
    let failed: Vec<String> = targets
        .iter()
        .filter(|t| t.verdict == TargetVerdict::Fail)
        .map(|t| format!("{} {}", t.component_name, t.metric))
        .collect();
    if !failed.is_empty() {
        reasons.push(format!(
            "{} budget rows failed: {}",
            failed.len(),
            failed.join(", ")
        ));
    }
    let unmeasured = targets
        .iter()
        .filter(|t| t.verdict == TargetVerdict::NotMeasured)
        .count();
    if full_suite && unmeasured > 0 {
        reasons.push(format!(
            "{unmeasured} budget rows were not measured by the full suite"
        ));
    }
    if reasons.is_empty() {
        (Verdict::Pass, reasons)
    } else {
        (Verdict::Fail, reasons)
    }
}

async fn run_scenario(
    config: &RunConfig,
    scenario: &Scenario,
    cancel: watch::Receiver<bool>,
) -> ScenarioResult {
    let run_dir = config.out_dir.join(&scenario.name);
    let (warmup, duration) = scenario.load.window(config.quick);
    let mut result = ScenarioResult {
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
        target: "started by the harness on loopback".into(),
        warmup_seconds: warmup.as_secs_f64(),
        duration_seconds: duration.as_secs_f64(),
        valid: false,
        invalid_reasons: Vec::new(),
        error: None,
        requests: Vec::new(),
        processes: Vec::new(),
        generator: GeneratorResult::default(),
        logs: Vec::new(),
    };
    let options = StartOptions {
        bin_dir: config.bin_dir.clone(),
        run_dir: run_dir.clone(),
        database_url: config.database_url.clone(),
        redis_url: config.redis_url.clone(),
        targets: config.targets.clone(),
    };
    let stack = match stack::start(scenario, &options, cancel.clone()).await {
        Ok(stack) => stack,
        Err(error) => {
            result.error = Some(format!("{error:#}"));
            return result;
        }
    };
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
            path.strip_prefix(&config.out_dir)
                .unwrap_or(path)
                .display()
                .to_string()
        })
        .collect();
    if !stack.external.is_empty() {
        let names: Vec<String> = stack
            .external
            .iter()
            .map(|(_, name, url)| format!("{name} at {url}"))
            .collect();
        result.target = if stack.services.is_empty() {
            format!("given: {}", names.join(", "))
        } else {
            format!("started on loopback, and given: {}", names.join(", "))
        };
    }

    let shape = match scenario.load.model {
        LoadModel::Open => Shape::Open {
            per_second: scenario.load.rate.map_or(1.0, |rate| rate.per_second),
        },
        LoadModel::Closed => Shape::Closed {
            users: scenario.load.users.unwrap_or(1),
        },
    };
    let plan = Plan {
        shape,
        start: Instant::now() + Duration::from_millis(100),
        warmup,
        duration,
        max_in_flight: scenario.load.max_in_flight,
        request_timeout: scenario.load.request_timeout.0,
    };
    let mix = Mix::new(&scenario.requests, scenario.llm.seed);
    let series = mix.series().to_vec();
    let recorder = Arc::new(Recorder::new(&series));

    let watched: Vec<Watched> = stack
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
        .collect();
    let sampling = tokio::spawn(sample_window(
        watched,
        plan.measure_start(),
        plan.end(),
        cancel.clone(),
    ));
    let progress = tokio::spawn(report_progress(
        scenario.name.clone(),
        recorder.clone(),
        plan.start,
        warmup + duration,
    ));
    let outcome = load::run(
        &plan,
        mix,
        Arc::new(stack.endpoints.clone()),
        recorder.clone(),
        cancel.clone(),
    )
    .await;
    progress.abort();
    let samples = sampling.await.unwrap_or_default();
    for problem in stack.stop().await {
        result.invalid_reasons.push(problem);
    }

    let measured_seconds = duration.as_secs_f64();
    // Every request is in exactly one kind's series; the arms' series break that down.
    let total_sent: u64 = outcome
        .series
        .iter()
        .filter(|kind| !kind.label.contains('['))
        .map(|kind| kind.sent)
        .sum();
    for (kind, series) in outcome.series.iter().zip(&series) {
        let share = series.share;
        result.requests.push(RequestResult {
            kind: kind.label.clone(),
            offered_per_second: match shape {
                Shape::Open { per_second } => Some(per_second * share),
                Shape::Closed { .. } => None,
            },
            sent: kind.sent,
            ok: kind.ok,
            errors: kind.errors.clone(),
            achieved_per_second: kind.ok as f64 / measured_seconds,
            latency: percentiles(&kind.latency),
            service_time: percentiles(&kind.service),
            latency_histogram: encode(&kind.latency),
            service_time_histogram: encode(&kind.service),
        });
    }
    result.processes = samples.processes;
    result.generator = GeneratorResult {
        cpu_seconds: samples.generator_cpu_seconds,
        cpu_us_per_request: if total_sent > 0 {
            samples.generator_cpu_seconds * 1e6 / total_sent as f64
        } else {
            0.0
        },
        schedule_lag_p99_us: outcome.schedule_lag.value_at_quantile(0.99),
        schedule_lag_max_us: outcome.schedule_lag.max(),
        in_flight_cap_hits: outcome.in_flight_cap_hits,
    };
    if outcome.cancelled {
        result
            .invalid_reasons
            .push("interrupted before the measured window ended".into());
    }
    let max_lag = scenario.load.max_schedule_lag.0;
    if result.generator.schedule_lag_p99_us as u128 > max_lag.as_micros() {
        result.invalid_reasons.push(format!(
            "the generator fell behind its schedule: P99 lateness {:.1} ms, over the allowed {:.1} ms, so the offered rate was not held",
            result.generator.schedule_lag_p99_us as f64 / 1000.0,
            max_lag.as_secs_f64() * 1000.0
        ));
    }
    if outcome.abandoned > 0 {
        result.invalid_reasons.push(format!(
            "{} requests were still unanswered when the run ended",
            outcome.abandoned
        ));
    }
    result.valid = result.invalid_reasons.is_empty();
    result
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
}

#[derive(Default)]
struct WindowSamples {
    processes: Vec<ProcessResult>,
    generator_cpu_seconds: f64,
}

/// Samples every process (and the generator itself) at the start and end of the measured
/// window, and its memory every second in between.
async fn sample_window(
    watched: Vec<Watched>,
    start: Instant,
    end: Instant,
    mut cancel: watch::Receiver<bool>,
) -> WindowSamples {
    let client = reqwest::Client::new();
    tokio::select! {
        () = tokio::time::sleep_until(start.into()) => {}
        _ = cancel.wait_for(|stop| *stop) => return WindowSamples::default(),
    }
    let generator_start = sampler::read_proc(0).ok();
    let window_start = Instant::now();
    let mut first: Vec<Option<Sample>> = Vec::new();
    for process in &watched {
        first.push(read(&client, &process.source).await);
    }
    let mut peak_rss: Vec<u64> = first.iter().map(|s| s.map_or(0, |s| s.rss_bytes)).collect();
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
            }
        }
    }
    let elapsed = window_start.elapsed().as_secs_f64();
    let generator_end = sampler::read_proc(0).ok();
    let mut processes = Vec::new();
    for (idx, process) in watched.iter().enumerate() {
        let last = read(&client, &process.source).await;
        let cpu_cores_mean = first[idx]
            .zip(last)
            .map(|(a, b)| ((b.cpu_seconds - a.cpu_seconds) / elapsed).max(0.0));
        // VmHWM covers spikes between samples; /metrics only gives what the samples saw.
        let rss_peak_bytes = last
            .and_then(|s| s.rss_peak_bytes)
            .or_else(|| last.map(|s| s.rss_bytes.max(peak_rss[idx])));
        processes.push(ProcessResult {
            component: process.component.to_owned(),
            name: process.name.clone(),
            pid: match process.source {
                Source::Proc(pid) => Some(pid),
                Source::Metrics(_) => None,
            },
            rss_peak_bytes,
            cpu_cores_mean,
            source: match process.source {
                Source::Proc(_) => "proc".into(),
                Source::Metrics(_) => "metrics".into(),
            },
        });
    }
    WindowSamples {
        processes,
        generator_cpu_seconds: generator_start
            .zip(generator_end)
            .map_or(0.0, |(a, b)| b.cpu_seconds - a.cpu_seconds),
    }
}

async fn read(client: &reqwest::Client, source: &Source) -> Option<Sample> {
    match source {
        Source::Proc(pid) => sampler::read_proc(*pid).ok(),
        Source::Metrics(base) => sampler::read_metrics(client, base).await.ok(),
    }
}

/// A progress line every five seconds: elapsed, send rate, errors, in flight.
async fn report_progress(name: String, recorder: Arc<Recorder>, start: Instant, total: Duration) {
    let mut tick = tokio::time::interval(Duration::from_secs(5));
    tick.tick().await;
    let mut last_sent = 0;
    let mut last_at = Instant::now();
    loop {
        tick.tick().await;
        let sent = recorder.total_sent.load(Ordering::Relaxed);
        let rate = (sent - last_sent) as f64 / last_at.elapsed().as_secs_f64();
        last_sent = sent;
        last_at = Instant::now();
        eprintln!(
            "  {name}: {:.0}s of {:.0}s, {rate:.0} req/s, {sent} sent, {} errors, {} in flight",
            start.elapsed().as_secs_f64(),
            total.as_secs_f64(),
            recorder.total_errors.load(Ordering::Relaxed),
            recorder.in_flight.load(Ordering::Relaxed),
        );
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
    if !result.valid {
        line.push_str(&format!(" INVALID: {}", result.invalid_reasons.join("; ")));
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
