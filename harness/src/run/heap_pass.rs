//! The heap pass (`--profile-heap`): after the timed pass, each scenario that ran once more,
//! on its quick windows, against services built with the `dhat-heap` feature. dhat costs about
//! 70% of a service's throughput, so nothing of this pass is judged: it only explains memory.
//! Each service's totals are read as the window begins and ends, and it writes its
//! `dhat-heap.json` as it stops.

use std::path::Path;
use std::time::{Duration, Instant};

use reports::{HeapResult, ScenarioResult};
use tokio::sync::watch;

use super::{RunConfig, offer_load, plan_for};
use crate::observe::UnderTest;
use crate::observe::heap::{heap_window, summarise};
use crate::stack::{self, StartOptions};
use crate::workload::mix::Mix;

/// Runs the heap pass of every scenario of `results` that ran, filling in its `heap`.
pub(super) async fn run(
    config: &RunConfig,
    heap_bin_dir: &Path,
    results: &mut [ScenarioResult],
    cancel: watch::Receiver<bool>,
) {
    for (scenario, result) in config.scenarios.iter().zip(results.iter_mut()) {
        if *cancel.borrow() {
            return;
        }
        // A fault scenario breaks processes on purpose: their heaps explain nothing.
        if result.error.is_some() || scenario.has_faults() {
            continue;
        }
        eprintln!(
            "[heap] {}: once more on the dhat build ({}), not judged",
            scenario.name,
            heap_bin_dir.display()
        );
        result.heap = match one(config, scenario, heap_bin_dir, cancel.clone()).await {
            Ok(heap) => heap,
            Err(why) => {
                eprintln!("  heap pass of {} failed: {why}", scenario.name);
                vec![HeapResult {
                    component: "stack".into(),
                    name: "stack".into(),
                    error: Some(why),
                    ..HeapResult::default()
                }]
            }
        };
    }
}

async fn one(
    config: &RunConfig,
    scenario: &crate::spec::scenario::Scenario,
    heap_bin_dir: &Path,
    cancel: watch::Receiver<bool>,
) -> Result<Vec<HeapResult>, String> {
    let heap_dir = config.out_dir.join(&scenario.name).join("heap");
    let options = StartOptions {
        bin_dir: heap_bin_dir.to_path_buf(),
        profiling: false,
        heap_dir: Some(heap_dir.clone()),
        ..config.start_options(&heap_dir)
    };
    let mut stack = stack::start(scenario, &options, cancel.clone())
        .await
        .map_err(|error| format!("{error:#}"))?;
    let mut endpoints = stack.endpoints.clone();
    endpoints.urls = crate::workload::mix::urls(&scenario.requests);
    let resolved = match endpoints.resolve(Some(&stack.keys.service), &config.tls) {
        Ok(resolved) => resolved,
        Err(error) => {
            stack.stop().await;
            return Err(error.to_string());
        }
    };
    let n_series = Mix::new(&scenario.requests, scenario.llm.seed)
        .series()
        .len();
    // The quick windows: the pass explains allocations per request; its length adds nothing.
    let plan = plan_for(config, scenario, scenario.load.window(true), n_series);
    let watched: Vec<UnderTest> = stack.services.iter().map(|s| s.under_test()).collect();
    let quiet = RunConfig {
        profile_cpu: false,
        progress: false,
        ..config.clone()
    };
    let client = stack.keys.observer_client();
    let readings = tokio::spawn(heap_window(
        client,
        watched,
        plan.measure_start(),
        plan.end(),
    ));
    let (ran, _, _, _) = offer_load(
        &quiet,
        scenario,
        (&plan, Instant::now()),
        (&resolved, None),
        &mut stack,
        cancel,
    )
    .await;
    let readings = readings.await.unwrap_or_default();
    // Stopped gracefully (SIGTERM), each service writes its dhat file.
    for problem in stack.stop().await {
        eprintln!("  {problem}");
    }
    let outcome = ran?;
    let (note, requests) = backlog_and_requests(&outcome, scenario);
    Ok(readings
        .into_iter()
        .map(|(watched, window)| {
            let path = heap_dir.join(format!("{}.dhat-heap.json", watched.name));
            let relative = path
                .strip_prefix(&config.out_dir)
                .unwrap_or(&path)
                .display()
                .to_string();
            HeapResult {
                note: note.clone(),
                ..summarise(&watched, window, &path, relative, requests)
            }
        })
        .collect())
}

/// Whether the dhat build kept up (where it did not, the backlog's connections and buffers are
/// in its peak), and the scenario's requests over the window: each kind once, its arms'
/// breakdown left out.
fn backlog_and_requests(
    outcome: &loadgen::Outcome,
    scenario: &crate::spec::scenario::Scenario,
) -> (Option<String>, u64) {
    let account = crate::judge::verdict::generator_account(outcome, Duration::from_secs(3600));
    let note = (account.in_flight_cap_hits > 0 || account.unsent > 0 || account.abandoned > 0)
        .then(|| {
            format!(
                "the dhat build did not keep up with the offered load ({} requests found the in-flight cap, {} were never sent, {} never answered): its peak holds the backlog",
                account.in_flight_cap_hits, account.unsent, account.abandoned
            )
        });
    let requests: u64 = outcome
        .series
        .iter()
        .zip(Mix::new(&scenario.requests, scenario.llm.seed).series())
        .filter(|(_, series)| !series.label.is_breakdown())
        .map(|(kind, _)| kind.sent)
        .sum();
    (note, requests)
}
