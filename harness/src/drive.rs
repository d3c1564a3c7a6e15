//! Driving the load: the engine's plan for a scenario, and the engine run on it while the
//! processes are sampled and profiled, the faults applied and progress shown.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use reports::FaultResult;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use loadgen::{Plan, Progress, Shape};

use crate::observe::UnderTest;
use crate::observe::hiccup::HiccupMeter;
use crate::observe::profile::{Taken, profile_window};
use crate::segment::Segment;
use crate::spec::scenario::{LoadModel, Scenario};
use crate::stack::Stack;
use crate::workload::kind::AcceptedTasks;
use crate::workload::mix::Mix;
use crate::workload::{Resolved, ScenarioWorkload};

use crate::artifacts::INTERVAL;
use crate::console::{progress_bar, report_progress};
use crate::observe::window::{WindowSamples, sample_window, watch_list};
use crate::report::rfc3339;
use crate::run::{RunConfig, faults};

/// The engine's plan for a scenario: its shape, window and limits, starting shortly.
pub(crate) fn plan_for(
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
pub(crate) async fn offer_load(
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
    let workloads = workloads(config, scenario, plan.threads, resolved, accepted);
    let progress = Progress::new(plan.threads);
    let observers = Observers::start(config, &scenario.name, plan, stack, &progress, &cancel);
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
    let (samples, taken) = observers.finish().await;
    let ran = ran
        .map_err(|error| error.to_string())
        .and_then(|run| run.map_err(|error| error.to_string()));
    (ran, samples, taken, applied)
}

/// One workload per engine thread, each with its share of the scenario's mix.
fn workloads(
    config: &RunConfig,
    scenario: &Scenario,
    threads: usize,
    resolved: &Resolved,
    accepted: Option<AcceptedTasks>,
) -> Vec<ScenarioWorkload> {
    let poll_wait = scenario.load.request_timeout.0.as_secs().min(60);
    (0..threads)
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
        .collect()
}

/// What watches a scenario while the engine runs: the sampler, the profiler, the hiccup meter
/// and the progress line, each on its own task.
struct Observers {
    sampling: JoinHandle<WindowSamples>,
    profiles: Option<JoinHandle<Vec<Taken>>>,
    meter: Option<HiccupMeter>,
    progress: Option<(JoinHandle<()>, indicatif::ProgressBar)>,
}

impl Observers {
    fn start(
        config: &RunConfig,
        name: &str,
        plan: &Plan,
        stack: &Stack,
        progress: &Arc<Progress>,
        cancel: &watch::Receiver<bool>,
    ) -> Observers {
        // The profiles and `/metrics` of given services are an admin's routes.
        let client = stack.keys.observer_client();
        let under_test = stack.under_test();
        let watched = if config.sample_stack {
            watch_list(under_test.clone(), &stack.dependencies)
        } else {
            Vec::new()
        };
        let (start, end) = (plan.measure_start(), plan.end());
        let sampling = tokio::spawn(sample_window(
            client.clone(),
            watched,
            start,
            end,
            cancel.clone(),
        ));
        // Every service, started or given (one given without `--profiling` says so in its
        // profile's error), and the generator itself.
        let profiled = under_test
            .into_iter()
            .chain(std::iter::once(UnderTest::generator()));
        let profiles = config.profile_cpu.then(|| {
            tokio::spawn(profile_window(
                client,
                profiled.collect(),
                start,
                end,
                cancel.clone(),
            ))
        });
        let progress = config.progress.then(|| {
            let bar = progress_bar();
            let task = tokio::spawn(report_progress(
                name.to_owned(),
                progress.clone(),
                plan.clone(),
                bar.clone(),
            ));
            (task, bar)
        });
        Observers {
            sampling,
            profiles,
            meter: HiccupMeter::start(start, end).ok(),
            progress,
        }
    }

    /// What they saw, once the engine has stopped.
    async fn finish(self) -> (WindowSamples, Vec<Taken>) {
        if let Some((task, bar)) = self.progress {
            task.abort();
            bar.finish_and_clear();
        }
        let mut samples = self.sampling.await.unwrap_or_default();
        samples.hiccups = self.meter.map(HiccupMeter::finish);
        let taken = match self.profiles {
            Some(profiles) => profiles.await.unwrap_or_default(),
            None => Vec::new(),
        };
        (samples, taken)
    }
}

/// Sleeps until shortly before `at` (the engine takes the rest, to the microsecond), saying
/// how long it waits when that is long; false when cancelled first.
pub(crate) async fn wait_for_start(at: SystemTime, cancel: &watch::Receiver<bool>) -> bool {
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
