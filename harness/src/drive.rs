//! Driving the load: the engine's plan for a scenario, and the engine run on it while the
//! processes are sampled and profiled, the faults applied and progress shown.

use std::time::{Duration, Instant, SystemTime};

use reports::FaultResult;
use tokio::sync::watch;

use loadgen::{Plan, Progress, Shape};

use crate::observe::dependency;
use crate::observe::hiccup::HiccupMeter;
use crate::observe::profile::{Profiled, Taken, profile_window};
use crate::segment::Segment;
use crate::spec::scenario::{LoadModel, Scenario};
use crate::stack::Stack;
use crate::workload::kind::AcceptedTasks;
use crate::workload::mix::Mix;
use crate::workload::{Resolved, ScenarioWorkload};

use crate::artifacts::INTERVAL;
use crate::console::report_progress;
use crate::observe::window::{DEPENDENCY, Source, Watched, WindowSamples, sample_window};
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
pub(crate) fn profile_list(stack: &Stack) -> Vec<Profiled> {
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
pub(crate) fn watch_list(stack: &Stack) -> Vec<Watched> {
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
