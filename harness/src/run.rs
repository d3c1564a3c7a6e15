//! Running a suite: for each scenario, start its stack, offer its load while sampling every
//! process, stop the stack, and turn what was recorded into a `RunReport` with a verdict.
//! This file is the sequence of stages only (spec → stack → workload → drive → observe → judge
//! → report); each stage's work is in its own module.

use std::time::{Instant, SystemTime};

use reports::{FaultsResult, RunReport, ScenarioResult, TaskAccount};
use tokio::sync::watch;

pub use config::RunConfig;

use crate::flame;
use crate::judge::invariants;
use crate::report::{self, Results, RunFacts, rfc3339, rfc3339_now};
use crate::spec::scenario::Scenario;
use crate::stack::Stack;
use crate::stack::{self};
use crate::workload::Resolved;
use crate::workload::kind::AcceptedTasks;
use crate::workload::mix::Mix;
use loadgen::Plan;
use reports::FaultResult;
use std::path::Path;

use crate::artifacts::{with_offered, write_interval_logs};
use crate::console::one_line_summary;
use crate::drive::{offer_load, plan_for, wait_for_start};
use result::{Recorded, describe_stack, leave_out_profilers, new_result, record_outcome};

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
    let facts = RunFacts {
        run_id: config.run_id.clone(),
        started_at,
        finished_at: rfc3339_now(),
        profile: config.profile,
        git_commit: config.git_commit.clone(),
        git_branch: config.git_branch.clone(),
        machine: crate::observe::machine::facts(),
        quick: config.quick,
        full_suite: config.full_suite,
        interrupted: *cancel.borrow(),
    };
    let segments = config.segment_record().into_iter().collect();
    report::assemble(
        &config.budgets,
        facts,
        Results {
            scenarios: results,
            segments,
            ..Results::default()
        },
    )
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
    // The stack.
    let stack_started = Instant::now();
    let Some((mut stack, resolved)) =
        start_stack(config, scenario, &run_dir, &mut result, &cancel).await
    else {
        return result;
    };
    // The workload, and when it begins.
    let series = Mix::new(&scenario.requests, scenario.llm.seed)
        .series()
        .to_vec();
    let Some(plan) = schedule(config, scenario, series.len(), &mut result, &cancel).await else {
        result.invalid_reasons.extend(stack.stop().await);
        return result;
    };
    let window_start_wall = SystemTime::now() + (plan.measure_start() - Instant::now());
    let accepted: Option<AcceptedTasks> = scenario.judged_by_invariants().then(Default::default);
    // The drive, observed.
    let (ran, samples, taken, applied) = offer_load(
        config,
        scenario,
        (&plan, stack_started),
        (&resolved, accepted.clone()),
        &mut stack,
        cancel,
    )
    .await;
    let fault_account = stop_stack(stack, scenario, &run_dir, accepted, applied, &mut result).await;
    // The artifacts.
    let footprints = flame::keep_profiles(
        taken,
        (&scenario.name, &run_dir),
        (&config.out_dir, config.baseline.as_deref()),
        &mut result,
    );
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
    // The judgement of what was recorded.
    if let Some(account) = fault_account {
        result.faults = Some(invariants::account(
            account,
            scenario,
            &result.timeline,
            &plan,
        ));
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
            .extend(invariants::rss_flat(&result.processes, max_growth));
    }
    result
}

/// Starts the scenario's stack and resolves the load's endpoints on it; `None`, with the
/// reason in the result, when either fails.
async fn start_stack(
    config: &RunConfig,
    scenario: &Scenario,
    run_dir: &Path,
    result: &mut ScenarioResult,
    cancel: &watch::Receiver<bool>,
) -> Option<(Stack, Resolved)> {
    let options = config.start_options(run_dir);
    let stack = match stack::start(scenario, &options, cancel.clone()).await {
        Ok(stack) => stack,
        Err(error) => {
            result.error = Some(format!("{error:#}"));
            return None;
        }
    };
    describe_stack(result, &stack, &config.out_dir);
    let mut endpoints = stack.endpoints.clone();
    endpoints.urls = crate::workload::mix::urls(&scenario.requests);
    match endpoints.resolve(Some(&stack.keys.service), &config.tls) {
        Ok(resolved) => Some((stack, resolved)),
        Err(error) => {
            result.error = Some(format!("{error}"));
            result.invalid_reasons.extend(stack.stop().await);
            None
        }
    }
}

/// The engine's plan, begun at the instant the run set (`--start-at`) when it set one; `None`
/// when interrupted while waiting for it.
async fn schedule(
    config: &RunConfig,
    scenario: &Scenario,
    n_series: usize,
    result: &mut ScenarioResult,
    cancel: &watch::Receiver<bool>,
) -> Option<Plan> {
    let (warmup, duration) = scenario.load.window(config.quick);
    let planned_start = config.scenario_start(scenario);
    if let Some(at) = planned_start
        && !wait_for_start(at, cancel).await
    {
        result.error = Some("interrupted while waiting for the start".into());
        return None;
    }
    let mut plan = plan_for(config, scenario, (warmup, duration), n_series);
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
    Some(plan)
}

/// Reads back the tasks a fault scenario's load had accepted, then stops the stack; returns
/// the fault scenario's account so far (what a budget scenario's stop reports makes it
/// invalid instead).
async fn stop_stack(
    stack: Stack,
    scenario: &Scenario,
    run_dir: &Path,
    accepted: Option<AcceptedTasks>,
    applied: Vec<FaultResult>,
    result: &mut ScenarioResult,
) -> Option<FaultsResult> {
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
    if !scenario.judged_by_invariants() {
        result.invalid_reasons.extend(problems);
        return None;
    }
    Some(FaultsResult {
        faults: applied,
        tasks,
        effects: faults::count_effects(&stack::effects_dir(run_dir)),
        unexpected_exits: problems,
        invariants: Vec::new(),
    })
}

mod config;
pub(crate) mod faults;
mod result;

mod heap_pass;

#[cfg(test)]
mod tests;
