//! TODO

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime};

use reports::{FaultsResult, RunReport, ScenarioResult, TaskAccount};
use tokio::sync::watch;

use crate::flame;
use crate::judge::evaluate::evaluate;
use crate::judge::verdict::overall_verdict;
use crate::segment::Segment;
use crate::spec::budget::{Budgets, Profile};
use crate::spec::scenario::{Component, Scenario};
use crate::stack::{self, Keys, StartOptions};
use crate::workload::kind::AcceptedTasks;
use crate::workload::mix::Mix;

use crate::artifacts::{with_offered, write_interval_logs};
use crate::console::one_line_summary;
use crate::drive::{offer_load, plan_for, wait_for_start};
use result::{Recorded, describe_stack, leave_out_profilers, new_result, record_outcome};

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

/// The current time as RFC 3339, UTC, to the second.
pub fn rfc3339_now() -> String {
    humantime::format_rfc3339_seconds(SystemTime::now()).to_string()
}

/// An instant as RFC 3339 in UTC, to the millisecond.
pub fn rfc3339(at: SystemTime) -> String {
    humantime::format_rfc3339_millis(at).to_string()
}

pub(crate) mod faults;
mod result;

mod heap_pass;

#[cfg(test)]
mod tests;
