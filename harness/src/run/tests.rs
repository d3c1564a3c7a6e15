//! Tests of the run: the generator's self-account (a starved worker makes the run invalid,
//! never a failure of the system; a run the generator held stays valid) and the memory peaks.

use std::time::{Duration, Instant};

use bytes::Bytes;
use loadgen::calibration::{Model, Server};
use loadgen::{Answer, Endpoint, Method, Plan, Progress, Rate, Request, Schedule, Shape, Workload};
use reports::{GeneratorResult, MachineLoad, Percentiles, RequestResult, ScenarioResult, Verdict};

use super::*;
use crate::judge::verdict::{
    MAX_WORKER_BUSY, Noise, default_max_send_lag, generator_account, generator_limits,
    judge_hiccups, judge_lateness, judge_machine_load, overall_verdict,
};
use crate::observe::window::{machine_load, peaks};
use crate::spec::budget::{Budgets, Profile};

/// Small POSTs; preparing each one burns `burn` of CPU, as a generator too slow for its load.
#[derive(Clone)]
struct Burning {
    burn: Duration,
}

impl Workload for Burning {
    fn next_request(&mut self) -> Request {
        let until = Instant::now() + self.burn;
        while Instant::now() < until {
            std::hint::spin_loop();
        }
        Request {
            endpoint: 0,
            method: Method::POST,
            path: "/process".into(),
            body: Bytes::from_static(b"{}"),
            headers: Vec::new(),
            delay: std::time::Duration::ZERO,
            tag: 0,
            series: 0,
            detail: None,
        }
    }

    fn check(&mut self, _request: &Request, status: u16, _body: &[u8]) -> Answer {
        Answer::Done(if status == 200 {
            Ok(())
        } else {
            Err("http".into())
        })
    }
}

fn scenario() -> Scenario {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios");
    crate::spec::scenario::load_dir(&dir)
        .unwrap()
        .into_iter()
        .find(|s| s.name == "reflex")
        .unwrap()
}

fn budgets() -> Budgets {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/budgets.toml");
    crate::spec::budget::load(&path).unwrap()
}

/// The two runs of load here go one at a time: the starved one would starve the other.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Runs 800 requests/s for 0.7 s on one worker whose requests each cost `burn` to prepare.
fn account(burn: Duration, max_send_lag: Duration) -> GeneratorResult {
    let _serial = SERIAL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let server = Server::start(
        0,
        Model {
            service: Duration::ZERO,
            stall: None,
        },
    )
    .unwrap();
    let plan = Plan {
        shape: Shape::Open(Schedule::constant(Rate { per_second: 800.0 })),
        start: Instant::now() + Duration::from_millis(100),
        warmup: Duration::from_millis(100),
        duration: Duration::from_millis(700),
        max_in_flight: 1_000,
        request_timeout: Duration::from_secs(5),
        threads: 1,
        interval: Duration::from_secs(1),
        n_series: 1,
        cpus: Vec::new(),
        send_window: Duration::ZERO,
    };
    let (_cancel, cancel_rx) = tokio::sync::watch::channel(false);
    let outcome = loadgen::run(
        &plan,
        &[Endpoint::parse(&server.url()).unwrap()],
        vec![Burning { burn }],
        &Progress::new(1),
        cancel_rx,
    )
    .unwrap();
    generator_account(&outcome, max_send_lag)
}

fn judged(generator: GeneratorResult) -> (Verdict, Vec<String>) {
    let reasons = generator_limits(&generator, scenario().load.max_schedule_lag.0, true);
    let result = ScenarioResult {
        name: "reflex".into(),
        description: String::new(),
        file: String::new(),
        measures: Vec::new(),
        load: String::new(),
        llm: String::new(),
        target: String::new(),
        warmup_seconds: 0.1,
        duration_seconds: 0.7,
        valid: reasons.is_empty(),
        invalid_reasons: reasons,
        notes: Vec::new(),
        error: None,
        requests: Vec::new(),
        processes: Vec::new(),
        generator,
        hiccups: Default::default(),
        machine_load: None,
        faults: None,
        logs: Vec::new(),
        profiles: Vec::new(),
        heap: Vec::new(),
        timeline: Vec::new(),
        started_at: None,
        start_late_ms: None,
    };
    overall_verdict(&[], &[result], false, false)
}

#[test]
fn a_starved_worker_makes_the_run_invalid_not_failed() {
    // 800 requests/s that each take 2 ms of the worker's CPU to prepare: it cannot keep up.
    let generator = account(
        Duration::from_millis(2),
        default_max_send_lag(&budgets(), &scenario()),
    );
    let (verdict, reasons) = judged(generator.clone());
    assert_eq!(verdict, Verdict::Invalid, "{reasons:?}");
    let text = reasons.join(" ");
    assert!(text.contains("saturated"), "{text}");
    assert!(text.contains("sent late"), "{text}");
    assert!(generator.worker_busy[0] > MAX_WORKER_BUSY);
}

#[test]
fn a_generator_that_held_its_load_leaves_the_run_valid() {
    // A 20 ms allowance (a scenario judging 200 ms limits): wide enough for a shared
    // machine's hiccups while other tests run beside this one, far below the starved
    // worker's lateness (hundreds of milliseconds).
    let generator = account(Duration::ZERO, Duration::from_millis(20));
    let (verdict, reasons) = judged(generator);
    assert_eq!(verdict, Verdict::Pass, "{reasons:?}");
}

#[test]
fn the_default_send_lag_limit_is_a_tenth_of_the_tightest_latency_limit() {
    // The reflex scenario judges Reflex latency, whose tightest limit is P50 < 5 ms.
    assert_eq!(
        default_max_send_lag(&budgets(), &scenario()),
        Duration::from_micros(500)
    );
    let mut unjudged = scenario();
    unjudged.measures = vec!["cpu.reflex".parse().unwrap()];
    assert_eq!(
        default_max_send_lag(&budgets(), &unjudged),
        Duration::from_millis(2)
    );
}

#[test]
fn unsent_and_capped_requests_are_reasons_of_their_own() {
    let generator = GeneratorResult {
        unsent: 12,
        in_flight_cap_hits: 3,
        max_send_lag_us: 500,
        ..GeneratorResult::default()
    };
    let reasons = generator_limits(&generator, scenario().load.max_schedule_lag.0, true);
    assert_eq!(reasons.len(), 2, "{reasons:?}");
    assert!(reasons[0].contains("in-flight cap"), "{reasons:?}");
    assert!(reasons[1].contains("12 requests due"), "{reasons:?}");
    // The closed model has no schedule: a full cap is its normal state.
    let closed = generator_limits(&generator, scenario().load.max_schedule_lag.0, false);
    assert_eq!(closed.len(), 1, "{closed:?}");
}

#[test]
fn the_memory_peak_is_the_window_s_and_the_lifetime_s_is_kept_beside_it() {
    let mb = |n: u64| n << 20;
    let sample = |rss: u64, peak: u64| procstat::Sample {
        cpu_seconds: 0.0,
        rss_bytes: mb(rss),
        rss_peak_bytes: Some(mb(peak)),
    };
    // Started here: 80 MB at start-up, the kernel's peak reset as the window began, 50 MB
    // at most in it (a spike the one-a-second samples missed: they saw 40).
    assert_eq!(
        peaks(Some(sample(30, 80)), Some(sample(30, 50)), mb(40), true),
        (Some(mb(50)), Some(mb(80)))
    );
    // Sampled over /metrics: its peak is the lifetime's, the window's is what was seen.
    assert_eq!(
        peaks(Some(sample(30, 80)), Some(sample(30, 80)), mb(40), false),
        (Some(mb(40)), Some(mb(80)))
    );
    // Not readable at the end: no window peak (the row is then not measured).
    assert_eq!(
        peaks(Some(sample(30, 80)), None, mb(40), true),
        (None, Some(mb(80)))
    );
}

#[tokio::test]
async fn a_scenario_stopped_while_starting_says_so_and_what_it_was_given() {
    // Issue 6, finding 11: a Reflex given by URL, never reached, and the run interrupted
    // while it waits: the result names the given service (not "started by the harness") and
    // says why it did not run, as its verdict's reason.
    let dir = tempfile::tempdir().unwrap();
    let config = RunConfig {
        tls: loadgen::TlsOptions::default(),
        scenarios: Vec::new(),
        budgets: budgets(),
        profile: Profile::Development,
        quick: true,
        full_suite: false,
        bin_dir: dir.path().to_path_buf(),
        out_dir: dir.path().to_path_buf(),
        run_id: "t".into(),
        database_url: None,
        redis_url: None,
        targets: [("reflex".to_owned(), "http://127.0.0.1:1".to_owned())].into(),
        keys: crate::stack::Keys::new(None),
        git_commit: None,
        git_branch: None,
        generator_threads: 1,
        generator_cpus: Vec::new(),
        service_cpus: Vec::new(),
        profile_cpu: false,
        profile_heap: None,
        baseline: None,
        progress: false,
        segment: None,
        start_at: None,
        run_group: None,
        sample_stack: true,
    };
    let (cancel, cancel_rx) = watch::channel(false);
    cancel.send(true).unwrap();
    let result = run_scenario(&config, &scenario(), cancel_rx).await;
    assert_eq!(result.target, "given: reflex at http://127.0.0.1:1");
    assert_eq!(
        result.error.as_deref(),
        Some("interrupted while starting the stack")
    );
    let (verdict, reasons) = overall_verdict(&[], &[result], true, false);
    assert_eq!(verdict, Verdict::Invalid);
    assert!(
        reasons
            .iter()
            .any(|r| r.ends_with("did not run: interrupted while starting the stack")),
        "{reasons:?}"
    );
}

/// A reflex scenario's result: latency from the intended time and service time (P50/P99, ms),
/// and the generator's send lag P99 against an allowed 0.5 ms.
fn late_result(latency: (f64, f64), service: (f64, f64), send_lag_p99_ms: f64) -> ScenarioResult {
    let us = |ms: f64| (ms * 1000.0) as u64;
    let percentiles = |(p50, p99): (f64, f64)| Percentiles {
        count: 10_000,
        mean_us: 0.0,
        p50_us: us(p50),
        p90_us: us(p99),
        p95_us: us(p99),
        p99_us: us(p99),
        p999_us: us(p99),
        max_us: us(p99),
    };
    ScenarioResult {
        name: "reflex".into(),
        description: String::new(),
        file: String::new(),
        measures: vec!["latency.reflex".parse().unwrap()],
        load: String::new(),
        llm: String::new(),
        target: String::new(),
        warmup_seconds: 1.0,
        duration_seconds: 10.0,
        valid: true,
        invalid_reasons: Vec::new(),
        notes: Vec::new(),
        error: None,
        requests: vec![RequestResult {
            kind: "reflex_process".into(),
            feeds: Vec::new(),
            offered_per_second: Some(1_000.0),
            sent: 10_000,
            ok: 10_000,
            errors: Default::default(),
            achieved_per_second: 1_000.0,
            latency: percentiles(latency),
            latency_ok: percentiles(latency),
            service_time: percentiles(service),
            latency_histogram: String::new(),
            latency_ok_histogram: String::new(),
            service_time_histogram: String::new(),
        }],
        processes: Vec::new(),
        generator: GeneratorResult {
            send_lag_p99_us: us(send_lag_p99_ms),
            max_send_lag_us: 500,
            ..GeneratorResult::default()
        },
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

#[test]
fn lateness_that_decides_no_verdict_leaves_the_scenario_valid() {
    let budgets = budgets();
    let judge = |result: &ScenarioResult| judge_lateness(&budgets, Profile::Development, result);
    // On time: nothing to say.
    assert_eq!(
        judge(&late_result((1.0, 2.0), (0.5, 1.0), 0.3)),
        Noise::Quiet
    );
    // Late, but the rows pass even with the lateness in them (P99 limit 20 ms): a note.
    let Noise::Harmless(note) = judge(&late_result((1.0, 2.0), (0.5, 1.0), 2.0)) else {
        panic!("passing rows do not depend on the lateness");
    };
    assert!(note.contains("no verdict depends on it"), "{note}");
    // Late, and P99 fails from the intended time but passes on service time: the generator
    // may be what failed it.
    let Noise::Decides(reason) = judge(&late_result((1.0, 25.0), (0.5, 5.0), 2.0)) else {
        panic!("a row failed only with the lateness in it");
    };
    assert!(reason.contains("Reflex Layer p99"), "{reason}");
    // Late, but P99 fails on service time alone: the system's own failure, whatever the
    // generator did.
    assert!(matches!(
        judge(&late_result((1.0, 30.0), (0.5, 25.0), 2.0)),
        Noise::Harmless(_)
    ));
}

#[test]
fn a_failure_inside_a_pause_of_the_machine_is_not_the_system_s() {
    let budgets = budgets();
    let judge = |result: &ScenarioResult| judge_hiccups(&budgets, Profile::Development, result);
    let paused = |mut result: ScenarioResult, max_ms: u64| {
        result.hiccups = Percentiles {
            count: 10_000,
            p99_us: 200,
            max_us: max_ms * 1000,
            ..Percentiles::default()
        };
        result
    };
    // A quiet machine: nothing to say, whatever the rows.
    assert_eq!(
        judge(&paused(late_result((1.0, 30.0), (1.0, 30.0), 0.1), 1)),
        Noise::Quiet
    );
    // P99 fails (limit 20 ms) while the machine paused for 1.1 s: invalid.
    let Noise::Decides(reason) =
        judge(&paused(late_result((1.0, 300.0), (1.0, 110.0), 0.1), 1_100))
    else {
        panic!("a failure inside a longer pause of the machine");
    };
    assert!(
        reason.contains("Reflex Layer p99 (limit 20 ms)"),
        "{reason}"
    );
    // The same pause while every row passes: a note, the verdict stands.
    assert!(matches!(
        judge(&paused(late_result((1.0, 2.0), (1.0, 2.0), 0.1), 1_100)),
        Noise::Harmless(_)
    ));
    // An 8 ms pause and failing P95 and P99 (limits 10 and 20 ms): the failure is the
    // system's.
    assert!(matches!(
        judge(&paused(late_result((1.0, 30.0), (1.0, 30.0), 0.1), 8)),
        Noise::Harmless(_)
    ));
}

#[test]
fn a_failure_on_a_shared_machine_is_not_the_system_s() {
    let budgets = budgets();
    let judge =
        |result: &ScenarioResult| judge_machine_load(&budgets, Profile::Development, result);
    let beside = |mut result: ScenarioResult, other_cores: f64, steal_share: f64| {
        result.machine_load = Some(MachineLoad {
            cores: 2.0,
            busy_cores: 0.6 + other_cores,
            ours_cores: 0.6,
            other_cores,
            steal_share,
        });
        result
    };
    let failing = || late_result((1.0, 30.0), (1.0, 30.0), 0.1);
    let passing = || late_result((1.0, 2.0), (1.0, 2.0), 0.1);
    // Not read: nothing to say.
    assert_eq!(judge(&failing()), Noise::Quiet);
    // The machine's own background: the failure is the system's.
    assert_eq!(judge(&beside(failing(), 0.05, 0.001)), Noise::Quiet);
    // A build beside the run (0.8 of 2 cores) while P99 fails: invalid, and it says why.
    let Noise::Decides(reason) = judge(&beside(failing(), 0.8, 0.0)) else {
        panic!("a failure while other processes held 0.8 cores");
    };
    assert!(reason.contains("other processes used 0.80"), "{reason}");
    assert!(reason.contains("Reflex Layer p99"), "{reason}");
    // The hypervisor taking a tenth of the time is as shared.
    let Noise::Decides(reason) = judge(&beside(failing(), 0.0, 0.1)) else {
        panic!("a failure while the hypervisor took 10%");
    };
    assert!(reason.contains("steal"), "{reason}");
    // Shared, but every row passed: a note, the pass stands.
    let Noise::Harmless(note) = judge(&beside(passing(), 0.8, 0.1)) else {
        panic!("passing rows on a shared machine");
    };
    assert!(note.contains("every row passed"), "{note}");
}

#[test]
fn the_machine_s_load_is_what_neither_the_generator_nor_the_services_used() {
    let machine = |processes: &[(u32, f64)], steal: f64| procstat::Machine {
        processes: processes.iter().copied().collect(),
        steal_seconds: steal,
        cpus: 2,
    };
    // 10 s on 2 CPUs: processes 1 and 2 are ours (6 s), 3 another (2 s), 4 started in
    // between (1 s), 5 ended in between (unseen); the hypervisor took 1 of the 20 CPU-seconds.
    let start = machine(&[(1, 10.0), (2, 5.0), (3, 100.0), (5, 7.0)], 2.0);
    let end = machine(&[(1, 14.0), (2, 7.0), (3, 102.0), (4, 1.0)], 3.0);
    let load = machine_load(&start, &end, 10.0, 6.0).unwrap();
    assert_eq!(load.cores, 2.0);
    assert!((load.busy_cores - 0.9).abs() < 1e-9, "{load:?}");
    assert!((load.ours_cores - 0.6).abs() < 1e-9, "{load:?}");
    assert!((load.other_cores - 0.3).abs() < 1e-9, "{load:?}");
    assert!((load.steal_share - 0.05).abs() < 1e-9, "{load:?}");
    // Ours read a little over the machine's (the readings are not taken at one instant): no
    // one else, never below zero.
    let load = machine_load(&start, &end, 10.0, 9.5).unwrap();
    assert_eq!(load.other_cores, 0.0);
    // No time passed: nothing to say.
    assert!(machine_load(&start, &end, 0.0, 0.0).is_none());
}
