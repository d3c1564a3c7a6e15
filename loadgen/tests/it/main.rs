//! The engine against the calibration server, whose latency is known exactly: measured
//! percentiles must match the model within 1% + 100 µs, in the open and the closed model, at
//! a low and a high rate; a starved worker must say it was saturated; interval logs must
//! merge back into the whole.

use std::borrow::Cow;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use bytes::Bytes;
use hdrhistogram::Histogram;
use loadgen::calibration::{Model, Server};
use loadgen::{
    Answer, Endpoint, Method, Outcome, Plan, Progress, Rate, Request, Schedule, Shape, Workload,
    new_histogram,
};

/// Small POSTs, all in series 0; optionally burns CPU per request to starve its worker.
#[derive(Clone)]
struct Posts {
    burn: Duration,
}

impl Workload for Posts {
    fn next_request(&mut self) -> Request {
        if !self.burn.is_zero() {
            let until = Instant::now() + self.burn;
            while Instant::now() < until {
                std::hint::spin_loop();
            }
        }
        Request {
            endpoint: 0,
            method: Method::POST,
            path: "/process".into(),
            body: Bytes::from_static(br#"{"text":"hello"}"#),
            tag: 0,
            series: 0,
            detail: None,
        }
    }

    fn check(&mut self, _request: &Request, status: u16, _body: &[u8]) -> Answer {
        Answer::Done(if status == 200 {
            Ok(())
        } else {
            Err(Cow::Owned(format!("http_{status}")))
        })
    }
}

/// The timing tests run one at a time: two at once would share the cores and measure each
/// other.
static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A calibration server with a fixed service time and no stall.
fn steady_server(service: Duration) -> Server {
    Server::start(
        0,
        Model {
            service,
            stall: None,
        },
    )
    .unwrap()
}

fn run(plan: &Plan, server: &Server, burn: Duration) -> Outcome {
    let endpoints = [Endpoint::parse(&server.url()).unwrap()];
    let workloads = vec![Posts { burn }; plan.threads];
    let progress = Progress::new(plan.threads);
    let (_cancel, cancel_rx) = tokio::sync::watch::channel(false);
    loadgen::run(plan, &endpoints, workloads, &progress, cancel_rx).unwrap()
}

fn open_plan(rate: f64, warmup: Duration, duration: Duration, threads: usize) -> Plan {
    Plan {
        shape: Shape::Open(Schedule::constant(Rate { per_second: rate })),
        start: Instant::now() + Duration::from_millis(200),
        warmup,
        duration,
        max_in_flight: 50_000,
        request_timeout: Duration::from_secs(10),
        threads,
        interval: Duration::from_secs(1),
        n_series: 1,
        cpus: Vec::new(),
    }
}

/// The latencies the model gives every request intended inside the measured window.
fn model_latencies(plan: &Plan, model: &Model) -> Histogram<u64> {
    let Shape::Open(schedule) = &plan.shape else {
        unreachable!()
    };
    let mut histogram = new_histogram();
    for offset in schedule.times() {
        let intended = plan.start + offset;
        if intended >= plan.end() {
            break;
        }
        if intended < plan.measure_start() {
            continue;
        }
        let latency = model.answer_at(intended) - intended;
        histogram
            .record((latency.as_micros() as u64).max(1))
            .unwrap();
    }
    histogram
}

const QUANTILES: [(&str, f64); 4] = [("P50", 0.5), ("P90", 0.9), ("P99", 0.99), ("P99.9", 0.999)];

/// The truth target: every percentile and the max within 1% + 100 µs of the model.
const EXACT: Tolerance = Tolerance {
    relative: 0.01,
    micros: 100.0,
};

/// What a 2-core machine holds at 20k/s above the median, where the calibration server and
/// the generator share the two cores and answers released together leave the server one by
/// one (measured: 0.05 to 4.4 ms off from P90 to the max); P50 is still held to [`EXACT`].
/// Coordinated omission, or a stall not seen, would be hundreds of milliseconds off.
const SHARED_CORES: Tolerance = Tolerance {
    relative: 0.05,
    micros: 5_000.0,
};

#[derive(Clone, Copy)]
struct Tolerance {
    relative: f64,
    micros: f64,
}

fn assert_matches(measured: &Histogram<u64>, model: &Histogram<u64>, what: &str) {
    assert_matches_within(measured, model, what, EXACT);
}

/// P50 within [`EXACT`], P90 to the max within `tail`.
fn assert_matches_within(
    measured: &Histogram<u64>,
    model: &Histogram<u64>,
    what: &str,
    tail: Tolerance,
) {
    let mut rows = Vec::new();
    let mut pairs: Vec<(&str, u64, u64)> = QUANTILES
        .iter()
        .map(|(name, q)| {
            (
                *name,
                measured.value_at_quantile(*q),
                model.value_at_quantile(*q),
            )
        })
        .collect();
    pairs.push(("max", measured.max(), model.max()));
    let mut ok = true;
    for (name, got, want) in pairs {
        let allowed = if name == "P50" { EXACT } else { tail };
        let tolerance = want as f64 * allowed.relative + allowed.micros;
        let off = (got as f64 - want as f64).abs();
        ok &= off <= tolerance;
        rows.push(format!(
            "{name}: measured {got} µs, model {want} µs, off {off:.0} (allowed {tolerance:.0})"
        ));
    }
    assert!(ok, "{what}:\n  {}", rows.join("\n  "));
}

#[test]
fn open_model_at_500_per_second_matches_a_stall_exactly() {
    let _serial = serial();
    // 1 ms of service time and one global 1 s stall in the middle of a 4 s window.
    let start = Instant::now() + Duration::from_millis(300);
    let mut plan = open_plan(500.0, Duration::from_millis(500), Duration::from_secs(4), 1);
    plan.start = start;
    let model = Model {
        service: Duration::from_millis(1),
        stall: Some((start + Duration::from_secs(2), Duration::from_secs(1))),
    };
    let server = Server::start(0, model).unwrap();
    let outcome = run(&plan, &server, Duration::ZERO);
    let series = &outcome.series[0];
    assert_eq!(series.sent, 2_000);
    assert_eq!(series.ok, 2_000, "{:?}", series.errors);
    assert_matches(
        &series.latency,
        &model_latencies(&plan, &model),
        "open model, 500/s",
    );
    // The requests waiting out the stall were sent on time: the wait is the server's.
    assert!(outcome.send_lag.value_at_quantile(0.99) < 1_000);
    assert_eq!(
        (
            outcome.unsent,
            outcome.abandoned,
            outcome.in_flight_cap_hits
        ),
        (0, 0, 0)
    );
}

#[test]
fn open_model_at_20k_per_second_matches_the_model() {
    let _serial = serial();
    // 20,000/s over two workers, 200 µs of service time and a 5 ms stall: a hundred answers
    // released at once, the longest of them the top 0.1%.
    let start = Instant::now() + Duration::from_millis(300);
    let mut plan = open_plan(
        20_000.0,
        Duration::from_millis(500),
        Duration::from_secs(2),
        2,
    );
    plan.start = start;
    let model = Model {
        service: Duration::from_micros(200),
        stall: Some((
            start + Duration::from_millis(1500),
            Duration::from_millis(5),
        )),
    };
    let server = Server::start(0, model).unwrap();
    let outcome = run(&plan, &server, Duration::ZERO);
    let series = &outcome.series[0];
    assert_eq!(series.sent, 40_000);
    assert_eq!(series.ok, 40_000, "{:?}", series.errors);
    assert_matches_within(
        &series.latency,
        &model_latencies(&plan, &model),
        "open model, 20k/s",
        SHARED_CORES,
    );
}

/// A closed model of `users` against `model`, with no warm-up so that the server's record of
/// the model's service times covers the same requests as the measurement.
fn closed_run(
    users: u32,
    threads: usize,
    model_of: impl Fn(Instant) -> Model,
) -> (Outcome, Histogram<u64>) {
    let start = Instant::now() + Duration::from_millis(300);
    let server = Server::start(0, model_of(start)).unwrap();
    let plan = Plan {
        shape: Shape::Closed { users },
        start,
        warmup: Duration::ZERO,
        duration: Duration::from_secs(2),
        max_in_flight: users as usize,
        request_timeout: Duration::from_secs(10),
        threads,
        interval: Duration::from_secs(1),
        n_series: 1,
        cpus: Vec::new(),
    };
    let outcome = run(&plan, &server, Duration::ZERO);
    (outcome, server.model_service_times())
}

#[test]
fn closed_model_at_500_per_second_matches_the_model() {
    let _serial = serial();
    // One user, 2 ms of service time, and a 300 ms stall one request runs into.
    let (outcome, model) = closed_run(1, 1, |start| Model {
        service: Duration::from_millis(2),
        stall: Some((
            start + Duration::from_millis(1000),
            Duration::from_millis(300),
        )),
    });
    let series = &outcome.series[0];
    assert!(series.ok > 700, "{} requests", series.ok);
    assert_eq!(series.ok, series.sent);
    assert!(series.service.max() > 290_000, "the stall shows");
    assert_matches(&series.service, &model, "closed model, about 500/s");
    // In the closed model latency is service time.
    assert_eq!(series.latency.len(), series.service.len());
}

#[test]
fn closed_model_at_20k_per_second_matches_the_model() {
    let _serial = serial();
    // Eight users, 300 µs of service time, and a 20 ms stall.
    let (outcome, model) = closed_run(8, 2, |start| Model {
        service: Duration::from_micros(300),
        stall: Some((
            start + Duration::from_millis(1000),
            Duration::from_millis(20),
        )),
    });
    let series = &outcome.series[0];
    assert!(series.ok > 20_000, "{} requests", series.ok);
    assert_eq!(series.ok, series.sent);
    assert_matches_within(
        &series.service,
        &model,
        "closed model, about 20k/s",
        SHARED_CORES,
    );
}

#[test]
fn a_starved_worker_says_it_was_saturated() {
    let _serial = serial();
    // Preparing each request burns 3 ms of CPU; 1,000 are due each second on one worker.
    let server = steady_server(Duration::ZERO);
    let plan = open_plan(1_000.0, Duration::ZERO, Duration::from_millis(600), 1);
    let outcome = run(&plan, &server, Duration::from_millis(3));
    assert!(
        outcome.workers[0].busy_fraction > 0.9,
        "busy {}",
        outcome.workers[0].busy_fraction
    );
    assert!(outcome.send_lag.value_at_quantile(0.99) > 10_000);
}

#[test]
fn an_idle_worker_is_not_busy_and_sends_on_time() {
    let _serial = serial();
    let server = steady_server(Duration::ZERO);
    let plan = open_plan(200.0, Duration::ZERO, Duration::from_millis(600), 1);
    let outcome = run(&plan, &server, Duration::ZERO);
    assert!(
        outcome.workers[0].busy_fraction < 0.5,
        "busy {}",
        outcome.workers[0].busy_fraction
    );
    assert_eq!(outcome.series[0].ok, 120);
    assert_eq!(server.requests(), 120);
}

#[test]
fn the_in_flight_cap_is_counted_and_late_sends_are_measured() {
    let _serial = serial();
    // One request in flight at most, and every request takes 20 ms: at 100/s most wait.
    let server = steady_server(Duration::from_millis(20));
    let mut plan = open_plan(100.0, Duration::ZERO, Duration::from_millis(500), 1);
    plan.max_in_flight = 1;
    let outcome = run(&plan, &server, Duration::ZERO);
    assert!(
        outcome.in_flight_cap_hits > 10,
        "{}",
        outcome.in_flight_cap_hits
    );
    assert!(outcome.send_lag.value_at_quantile(0.99) > 100_000);
    assert_eq!(outcome.series[0].sent, 50);
}

#[test]
fn throughput_counts_answers_inside_the_window() {
    let _serial = serial();
    // A server that can do 100/s (10 ms each, one connection) offered 150/s: what arrives in
    // the window is about 100/s, not the 150/s offered.
    let server = steady_server(Duration::from_millis(10));
    let mut plan = open_plan(150.0, Duration::ZERO, Duration::from_secs(2), 1);
    plan.max_in_flight = 1;
    let outcome = run(&plan, &server, Duration::ZERO);
    let completed = outcome.series[0].completed_in_window as f64 / 2.0;
    assert!((80.0..=105.0).contains(&completed), "{completed}/s");
}

#[test]
fn interval_logs_merge_back_into_the_whole() {
    let _serial = serial();
    let server = steady_server(Duration::from_micros(300));
    let plan = open_plan(2_000.0, Duration::ZERO, Duration::from_secs(3), 2);
    let outcome = run(&plan, &server, Duration::ZERO);
    let whole = &outcome.series[0].latency;
    let intervals = loadgen::intervals::series_intervals(&outcome.intervals, 0, plan.interval);
    assert!(intervals.len() >= 3, "{} intervals", intervals.len());
    // Write the log, read it back, split it in two halves, merge them: the whole again.
    let mut bytes = Vec::new();
    loadgen::intervals::write_log(
        &mut bytes,
        std::time::SystemTime::now(),
        plan.interval,
        &intervals,
        "test",
    )
    .unwrap();
    let read = loadgen::intervals::read_log(&bytes).unwrap();
    assert_eq!(read.len(), intervals.len());
    let (first, second) = read.split_at(read.len() / 2);
    let merged = loadgen::intervals::merge_logs(&[first.to_vec(), second.to_vec()]);
    let total = loadgen::intervals::total(&merged);
    assert_eq!(total.len(), whole.len());
    assert_eq!(&total, whole);
    let text = String::from_utf8(bytes).unwrap();
    assert!(text.contains("#[StartTime: "), "{text}");
}

#[test]
fn a_cancel_stops_the_run_and_says_so() {
    let _serial = serial();
    let server = steady_server(Duration::ZERO);
    let plan = open_plan(500.0, Duration::ZERO, Duration::from_secs(30), 2);
    let endpoints = [Endpoint::parse(&server.url()).unwrap()];
    let progress = Progress::new(2);
    let (cancel, cancel_rx) = tokio::sync::watch::channel(false);
    let stopper = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(700));
        cancel.send(true).unwrap();
    });
    let began = Instant::now();
    let outcome = loadgen::run(
        &plan,
        &endpoints,
        vec![
            Posts {
                burn: Duration::ZERO
            };
            2
        ],
        &progress,
        cancel_rx,
    )
    .unwrap();
    stopper.join().unwrap();
    assert!(outcome.cancelled);
    assert!(began.elapsed() < Duration::from_secs(5));
    assert!(progress.snapshot().sent > 100);
}
