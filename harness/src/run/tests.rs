//! Tests of the run: the generator's self-account (a starved worker makes the run invalid,
//! never a failure of the system; a run the generator held stays valid) and the memory peaks.

use std::time::{Duration, Instant};

use bytes::Bytes;
use loadgen::calibration::{Model, Server};
use loadgen::{Answer, Endpoint, Method, Plan, Progress, Rate, Request, Schedule, Shape, Workload};
use reports::{ScenarioResult, Verdict};

use super::*;
use crate::judge::verdict::MAX_WORKER_BUSY;

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
        error: None,
        requests: Vec::new(),
        processes: Vec::new(),
        generator,
        logs: Vec::new(),
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
    unjudged.measures = vec!["cpu.reflex".into()];
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
        git_commit: None,
        generator_threads: 1,
        generator_cpus: Vec::new(),
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
