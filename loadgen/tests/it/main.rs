//! The engine against the calibration server, whose latency is known exactly and which
//! records what it did for each request: measured percentiles must match that truth within
//! 1% + 100 µs and never read below the model, in the open and the closed model, at a low and
//! a high rate; a starved worker must say it was saturated; a worker behind its schedule must
//! not open a connection per due request; interval logs must merge back into the whole. The
//! timing tests run up to three trials each (`in_trials`).

mod tls;
mod wire;

use std::borrow::Cow;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use bytes::Bytes;
use hdrhistogram::Histogram;
use loadgen::calibration::{Answered, Model, Server};
use loadgen::{
    Answer, Endpoint, Method, Outcome, Plan, Progress, Rate, Request, Schedule, Shape, Workload,
    new_histogram,
};

/// Small POSTs, all in series 0.
#[derive(Clone, Default)]
struct Posts {
    /// CPU burnt preparing each request, to starve its worker.
    burn: Duration,
    /// Bodies `{"seq":N}`, N counting the requests made from 0, so that the calibration
    /// server's record says which request each answer was.
    numbered: bool,
    /// Preparing request N (counting from 1) sleeps this long, as a worker's core taken away
    /// for a moment would.
    pause_at: Option<(u64, Duration)>,
    made: u64,
}

impl Workload for Posts {
    fn next_request(&mut self) -> Request {
        if !self.burn.is_zero() {
            let until = Instant::now() + self.burn;
            while Instant::now() < until {
                std::hint::spin_loop();
            }
        }
        let seq = self.made;
        self.made += 1;
        if let Some((at, pause)) = self.pause_at
            && self.made == at
        {
            std::thread::sleep(pause);
        }
        Request {
            endpoint: 0,
            method: Method::POST,
            path: "/process".into(),
            body: if self.numbered {
                Bytes::from(format!(r#"{{"seq":{seq}}}"#))
            } else {
                Bytes::from_static(br#"{"text":"hello"}"#)
            },
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

/// Trials of a timing test at most.
const TRIALS: u32 = 3;

/// Runs a timing trial up to [`TRIALS`] times, and passes as soon as one passes. What these
/// tests hold the engine to (no stall unseen, no coordinated omission, no lateness of its own)
/// is wrong in every trial when the engine is wrong; what this shared 2-core VM adds now and
/// then (a stall of a core for tens of milliseconds, a server not scheduled for a while) is
/// not. A failed trial's panic is printed before the next begins; the last one fails the test.
fn in_trials(trial: impl Fn()) {
    for attempt in 1..=TRIALS {
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(&trial)) {
            Ok(()) => return,
            Err(panic) if attempt == TRIALS => std::panic::resume_unwind(panic),
            Err(_) => eprintln!("trial {attempt} of {TRIALS} failed (above): once more"),
        }
    }
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

/// One worker of numbered [`Posts`].
fn run_numbered(plan: &Plan, server: &Server) -> Outcome {
    assert_eq!(plan.threads, 1, "the numbers follow one worker's schedule");
    let endpoints = [Endpoint::parse(&server.url()).unwrap()];
    let progress = Progress::new(1);
    let (_cancel, cancel_rx) = tokio::sync::watch::channel(false);
    loadgen::run(
        plan,
        &endpoints,
        vec![Posts {
            numbered: true,
            ..Posts::default()
        }],
        &progress,
        cancel_rx,
    )
    .unwrap()
}

fn run(plan: &Plan, server: &Server, burn: Duration) -> Outcome {
    let endpoints = [Endpoint::parse(&server.url()).unwrap()];
    let workloads = vec![
        Posts {
            burn,
            ..Posts::default()
        };
        plan.threads
    ];
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
        send_window: Duration::ZERO,
    }
}

/// CPUs for the server and a one-worker generator, apart when the machine has two: neither
/// then waits for the other to be scheduled, nor pays for the other's bursts (the server's
/// writing out of answers released together, say).
fn apart() -> (Option<usize>, Vec<usize>) {
    if loadgen::default_threads() >= 2 {
        (Some(0), vec![1])
    } else {
        (None, Vec::new())
    }
}

/// The latencies the model gives every request intended inside the measured window.
fn model_latencies(plan: &Plan, model: &Model) -> Histogram<u64> {
    model_latencies_sent(plan, model, |intended| intended)
}

/// The same, for requests sent at `sent(intended)`: at their window's edge, say.
fn model_latencies_sent(
    plan: &Plan,
    model: &Model,
    sent: impl Fn(Instant) -> Instant,
) -> Histogram<u64> {
    let mut histogram = new_histogram();
    for intended in intended_times(plan) {
        if intended < plan.measure_start() {
            continue;
        }
        let latency = model.answer_at(sent(intended)) - intended;
        histogram
            .record((latency.as_micros() as u64).max(1))
            .unwrap();
    }
    histogram
}

/// Every intended time of an open plan, in order.
fn intended_times(plan: &Plan) -> Vec<Instant> {
    let Shape::Open(schedule) = &plan.shape else {
        unreachable!()
    };
    schedule
        .times()
        .map(|offset| plan.start + offset)
        .take_while(|intended| *intended < plan.end())
        .collect()
}

/// What each measured request's latency truly was: from its intended time to the moment the
/// server wrote its answer. Request `seq` (numbered [`Posts`], one worker) is the schedule's
/// `seq`-th. The truth whatever the machine does: a server woken late, or a core taken from
/// either side, is in it, as it is in what the generator should measure.
fn true_latencies(plan: &Plan, answers: &[Answered]) -> Histogram<u64> {
    let intended = intended_times(plan);
    let mut histogram = new_histogram();
    for answer in answers {
        let seq = answer.seq.expect("every request is numbered") as usize;
        let intended = intended[seq];
        if intended >= plan.measure_start() {
            let latency = answer.answered.saturating_duration_since(intended);
            histogram
                .record((latency.as_micros() as u64).max(1))
                .unwrap();
        }
    }
    histogram
}

const QUANTILES: [(&str, f64); 4] = [("P50", 0.5), ("P90", 0.9), ("P99", 0.99), ("P99.9", 0.999)];

/// The truth target: every percentile and the max within 1% + 100 µs of the truth.
const EXACT: Tolerance = Tolerance {
    relative: 0.01,
    micros: 100.0,
};

/// How far above its model the calibration server strays on a shared 2-core VM: its
/// wake-ups are now and then late, and answers released together leave it one by one
/// (measured: 0.05 to 4.4 ms off from P90 to the max; with another process taking 40% of
/// both cores, P50 80 to 110 µs over 200 µs of service). The generator is held to [`EXACT`] against what the server actually
/// did; the model only bounds the server. Coordinated omission, or a stall not seen, would
/// be hundreds of milliseconds off.
const SHARED_CORES: Tolerance = Tolerance {
    relative: 0.05,
    micros: 5_000.0,
};

/// What a shared 2-core VM adds above a model now and then at 20k/s: the generator's core
/// taken for tens of milliseconds (seen: 20 to 110 ms, in about one run in five under
/// nextest, and in every run with another process waking on that core), which delays
/// thousands of requests.
const HICCUPS: Tolerance = Tolerance {
    relative: 0.05,
    micros: 250_000.0,
};

#[derive(Clone, Copy)]
struct Tolerance {
    relative: f64,
    micros: f64,
}

/// The percentiles and the max of `measured` and `truth`, side by side.
fn quantile_pairs(
    measured: &Histogram<u64>,
    truth: &Histogram<u64>,
) -> Vec<(&'static str, f64, f64)> {
    let mut pairs: Vec<(&str, f64, f64)> = QUANTILES
        .iter()
        .map(|(name, q)| {
            (
                *name,
                measured.value_at_quantile(*q) as f64,
                truth.value_at_quantile(*q) as f64,
            )
        })
        .collect();
    pairs.push(("max", measured.max() as f64, truth.max() as f64));
    pairs
}

/// The latencies the generator measured against the truth ([`true_latencies`]): the same
/// requests, and every percentile within [`EXACT`].
fn assert_true_latencies(plan: &Plan, outcome: &Outcome, server: &Server, what: &str) {
    let measured = &outcome.series[0].latency;
    let truth = true_latencies(plan, &server.answers());
    assert_eq!(
        measured.len(),
        truth.len(),
        "{what}: requests measured and answered"
    );
    assert_matches(
        measured,
        &truth,
        &format!("{what}, latency against the server's answers"),
    );
}

/// Every percentile and the max within [`EXACT`] of the truth, either way.
fn assert_matches(measured: &Histogram<u64>, truth: &Histogram<u64>, what: &str) {
    let mut rows = Vec::new();
    let mut ok = true;
    for (name, got, want) in quantile_pairs(measured, truth) {
        let tolerance = want * EXACT.relative + EXACT.micros;
        let off = (got - want).abs();
        ok &= off <= tolerance;
        rows.push(format!(
            "{name}: measured {got:.0} µs, truth {want:.0} µs, off {off:.0} (allowed {tolerance:.0})"
        ));
    }
    assert!(ok, "{what}:\n  {}", rows.join("\n  "));
}

/// Measured against a model where the machine's delays can only add: every percentile and
/// the max never below the model by more than [`EXACT`] (a stall unseen, or coordinated
/// omission, would read less), and above it by no more than `above`.
fn assert_not_below(
    measured: &Histogram<u64>,
    model: &Histogram<u64>,
    what: &str,
    above: Tolerance,
) {
    let mut ok = true;
    let mut rows = Vec::new();
    for (name, got, want) in quantile_pairs(measured, model) {
        let below = want * EXACT.relative + EXACT.micros;
        let over = want * above.relative + above.micros;
        ok &= got >= want - below && got <= want + over;
        rows.push(format!(
            "{name}: measured {got:.0} µs, model {want:.0} µs (allowed {:.0} to {:.0})",
            want - below,
            want + over
        ));
    }
    assert!(ok, "{what}:\n  {}", rows.join("\n  "));
}

/// The generator's own punctuality: half its requests sent within `within` of their time.
fn assert_punctual(outcome: &Outcome, within: Duration, what: &str) {
    let lag = outcome.send_lag.value_at_quantile(0.5);
    assert!(
        lag <= within.as_micros() as u64,
        "{what}: send lag P50 {lag} µs (allowed {} µs)",
        within.as_micros()
    );
}

#[test]
fn open_model_at_500_per_second_matches_a_stall_exactly() {
    let _serial = serial();
    in_trials(|| {
        // 1 ms of service time and one global 1 s stall in the middle of a 4 s window, with no
        // warm-up, so that the server's record of what it did covers the measured requests.
        let start = Instant::now() + Duration::from_millis(300);
        let mut plan = open_plan(500.0, Duration::ZERO, Duration::from_secs(4), 1);
        plan.start = start;
        let model = Model {
            service: Duration::from_millis(1),
            stall: Some((start + Duration::from_secs(2), Duration::from_secs(1))),
        };
        let (server_cpu, generator_cpus) = apart();
        plan.cpus = generator_cpus;
        let server = Server::start_on(0, model, server_cpu).unwrap();
        server.record_answers();
        let outcome = run_numbered(&plan, &server);
        let series = &outcome.series[0];
        assert_eq!(series.sent, 2_000);
        assert_eq!(series.ok, 2_000, "{:?}", series.errors);
        // The generator measures exactly what the server did, from the send...
        assert_matches(
            &series.service,
            &server.actual_service_times(),
            "open model, 500/s, service time against the server's own",
        );
        // ...and from each request's intended time, stall and all.
        assert_true_latencies(&plan, &outcome, &server, "open model, 500/s");
        // The server did what the model says, but for its own lateness: 500 answers released
        // together at the stall's end leave it one by one.
        assert_not_below(
            &series.latency,
            &model_latencies(&plan, &model),
            "open model, 500/s, against the model",
            SHARED_CORES,
        );
        // The requests due in the stall, a quarter of them, were sent on time: the wait is the
        // server's. A generator that waited for the server would send them up to a second late.
        // (The stall's 500 answers, arriving together, hold up the sends due in the 5 to 15 ms
        // it takes to take them in, and this shared VM now and then takes the generator's core
        // for tens of milliseconds: the top percent of send lag is theirs.)
        let lag = |q: f64| outcome.send_lag.value_at_quantile(q);
        assert!(
            lag(0.9) < 2_000 && lag(0.99) < 100_000,
            "send lag P90 {} µs, P99 {} µs",
            lag(0.9),
            lag(0.99)
        );
        assert_eq!(
            (
                outcome.unsent,
                outcome.abandoned,
                outcome.in_flight_cap_hits
            ),
            (0, 0, 0)
        );
    });
}

#[test]
fn open_model_at_20k_per_second_matches_the_model() {
    let _serial = serial();
    in_trials(|| {
        // 20,000/s on one worker, 200 µs of service time and a 5 ms stall: a hundred answers
        // released at once, the longest of them the top 0.1%. A warm-up first: a process's first
        // tens of milliseconds of load are now and then slow on this VM.
        let start = Instant::now() + Duration::from_millis(300);
        let mut plan = open_plan(
            20_000.0,
            Duration::from_millis(500),
            Duration::from_secs(2),
            1,
        );
        plan.start = start;
        // Each request at its own time costs two wake-ups (about 50 µs of CPU here), so that at
        // 20k/s the generator alone would take a core: it sends in 100 µs windows, which on this
        // machine is as punctual (send lag P50 about 60 µs either way) at half the CPU, on the
        // core the server does not use. The model then starts each request at its window's edge.
        plan.send_window = Duration::from_micros(100);
        let (server_cpu, generator_cpus) = apart();
        plan.cpus = generator_cpus;
        let model = Model {
            service: Duration::from_micros(200),
            stall: Some((
                start + Duration::from_millis(1000),
                Duration::from_millis(5),
            )),
        };
        let server = Server::start_on(0, model, server_cpu).unwrap();
        server.record_answers();
        // The server's service times start with the measured window, as the generator's do.
        let outcome = std::thread::scope(|scope| {
            scope.spawn(|| {
                std::thread::sleep(
                    plan.measure_start()
                        .saturating_duration_since(Instant::now()),
                );
                server.reset_model_service_times();
            });
            run_numbered(&plan, &server)
        });
        let series = &outcome.series[0];
        assert_eq!(series.sent, 40_000);
        assert_eq!(series.ok, 40_000, "{:?}", series.errors);
        // The generator measures exactly what the server did, at every percentile, from the
        // send (but for the requests the server's record cut in two at the window's start)...
        assert_matches(
            &series.service,
            &server.actual_service_times(),
            "open model, 20k/s, service time against the server's own",
        );
        // ...and from the intended times.
        assert_true_latencies(&plan, &outcome, &server, "open model, 20k/s");
        // Against the model: never less (a stall unseen, or coordinated omission, would read
        // less), and more only by what a shared 2-core VM adds now and then.
        let window = plan.send_window;
        assert_not_below(
            &series.latency,
            &model_latencies_sent(&plan, &model, |intended| {
                loadgen::window_edge(start, window, intended)
            }),
            "open model in 100 µs windows, 20k/s, against the model",
            HICCUPS,
        );
        // Sent at its window's edge (50 µs after its time on average) and a wake-up.
        assert_punctual(&outcome, window * 3, "open model in 100 µs windows, 20k/s");
    });
}

#[test]
fn send_windows_match_a_stall_from_each_window_edge() {
    let _serial = serial();
    in_trials(|| {
        // As the test above, but sent in 2 ms windows: each request goes at the edge of its
        // window, and its latency, still timed from its intended time, includes that wait.
        let start = Instant::now() + Duration::from_millis(300);
        let mut plan = open_plan(500.0, Duration::ZERO, Duration::from_secs(4), 1);
        plan.start = start;
        plan.send_window = Duration::from_millis(2);
        let model = Model {
            service: Duration::from_millis(1),
            stall: Some((start + Duration::from_secs(2), Duration::from_secs(1))),
        };
        let server = Server::start(0, model).unwrap();
        server.record_answers();
        let outcome = run_numbered(&plan, &server);
        let series = &outcome.series[0];
        assert_eq!(series.sent, 2_000);
        assert_eq!(series.ok, 2_000, "{:?}", series.errors);
        assert_matches(
            &series.service,
            &server.actual_service_times(),
            "open model in 2 ms windows, 500/s, service time against the server's own",
        );
        assert_true_latencies(
            &plan,
            &outcome,
            &server,
            "open model in 2 ms windows, 500/s",
        );
        let window = plan.send_window;
        assert_not_below(
            &series.latency,
            &model_latencies_sent(&plan, &model, |intended| {
                loadgen::window_edge(start, window, intended)
            }),
            "open model in 2 ms windows, 500/s, against the model",
            SHARED_CORES,
        );
        // Sent within its window (plus a wake-up), never before its time.
        assert_punctual(&outcome, window, "open model in 2 ms windows, 500/s");
        assert_eq!(
            (
                outcome.unsent,
                outcome.abandoned,
                outcome.in_flight_cap_hits
            ),
            (0, 0, 0)
        );
    });
}

#[test]
fn a_windowed_worker_at_20k_per_second_is_not_busy() {
    let _serial = serial();
    in_trials(|| {
        // One worker, 20,000/s in 250 µs windows: about five requests a wake-up.
        let server = steady_server(Duration::ZERO);
        let mut plan = open_plan(20_000.0, Duration::ZERO, Duration::from_millis(1_000), 1);
        plan.send_window = Duration::from_micros(250);
        let outcome = run(&plan, &server, Duration::ZERO);
        assert_eq!(
            outcome.series[0].ok, 20_000,
            "{:?}",
            outcome.series[0].errors
        );
        assert_eq!(server.requests(), 20_000);
        assert!(
            outcome.workers[0].busy_fraction < 0.9,
            "busy {}",
            outcome.workers[0].busy_fraction
        );
        assert_eq!((outcome.unsent, outcome.abandoned), (0, 0));
    });
}

/// A worker that falls behind its schedule finds hundreds of requests due at once. It sends
/// them on the connections it has as they come free and opens a few more at a time: one
/// connection per due request (a thousand set-ups at once, each costing both sides a core's
/// time) is how a generator late by a moment falls further behind, and, on a slow host,
/// runs out of file descriptors (seen: 5,978 connect errors in one 20k/s run).
#[test]
fn a_worker_behind_its_schedule_does_not_open_a_connection_per_due_request() {
    let _serial = serial();
    for window in [Duration::ZERO, Duration::from_micros(100)] {
        // 5,000/s, and a 200 ms pause after the first second: a thousand requests due at once.
        let server = steady_server(Duration::ZERO);
        let mut plan = open_plan(5_000.0, Duration::ZERO, Duration::from_secs(2), 1);
        plan.send_window = window;
        let endpoints = [Endpoint::parse(&server.url()).unwrap()];
        let progress = Progress::new(1);
        let (_cancel, cancel_rx) = tokio::sync::watch::channel(false);
        let workload = Posts {
            pause_at: Some((5_000, Duration::from_millis(200))),
            ..Posts::default()
        };
        let outcome =
            loadgen::run(&plan, &endpoints, vec![workload], &progress, cancel_rx).unwrap();
        let series = &outcome.series[0];
        assert_eq!(
            (series.sent, series.ok),
            (10_000, 10_000),
            "window {window:?}: {:?}",
            series.errors
        );
        // The pause shows, measured from the intended times: the generator was late.
        assert!(
            series.latency.max() > 150_000,
            "window {window:?}: max {} µs",
            series.latency.max()
        );
        // Measured: 1,671 to 1,716 connections when each due request opened its own; 128 to
        // 138 in windows and about 220 without, now.
        assert!(
            server.connections() <= 500,
            "window {window:?}: {} connections for a thousand requests due at once",
            server.connections()
        );
    }
}

/// A closed model of `users` against `model`, with no warm-up so that the server's record of
/// the service times covers the same requests as the measurement: the outcome, the model's
/// service times and the server's actual ones.
fn closed_run(
    users: u32,
    threads: usize,
    model_of: impl Fn(Instant) -> Model,
) -> (Outcome, Histogram<u64>, Histogram<u64>) {
    let start = Instant::now() + Duration::from_millis(300);
    let (server_cpu, generator_cpus) = if threads == 1 {
        apart()
    } else {
        (None, Vec::new())
    };
    let server = Server::start_on(0, model_of(start), server_cpu).unwrap();
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
        cpus: generator_cpus,
        send_window: Duration::ZERO,
    };
    let outcome = run(&plan, &server, Duration::ZERO);
    (
        outcome,
        server.model_service_times(),
        server.actual_service_times(),
    )
}

#[test]
fn closed_model_at_500_per_second_matches_the_model() {
    let _serial = serial();
    in_trials(|| {
        // One user, 2 ms of service time, and a 300 ms stall one request runs into.
        let (outcome, model, actual) = closed_run(1, 1, |start| Model {
            service: Duration::from_millis(2),
            stall: Some((
                start + Duration::from_millis(1000),
                Duration::from_millis(300),
            )),
        });
        let series = &outcome.series[0];
        // The user spent its 2 s waiting for answers: about 700 of them when the server keeps
        // to its model, fewer on a slow day, when each takes longer. (Measured: 98% of the
        // time; 85 to 88% with both cores 60% taken by another process. A user that slept a
        // millisecond between requests would read 66%.)
        let waiting = series.ok as f64 * series.service.mean();
        assert!(
            waiting > 0.8 * 2e6,
            "{} requests, {:.0} µs each: {waiting:.0} µs waiting in 2 s",
            series.ok,
            series.service.mean()
        );
        assert_eq!(series.ok, series.sent);
        assert!(series.service.max() > 290_000, "the stall shows");
        // The generator measures exactly what the server did...
        assert_matches(
            &series.service,
            &actual,
            "closed model, about 500/s, against the server's own times",
        );
        // ...and the server did what the model says, but for its own wake-ups, which on this
        // machine are now and then 100 to 200 µs late (its P99 then reads 2.15-2.19 ms for 2 ms).
        assert_not_below(
            &series.service,
            &model,
            "closed model, about 500/s, against the model",
            SHARED_CORES,
        );
        // In the closed model a user sends the moment its last answer came: latency is service
        // time, from the same send, but for the time before the socket write (a few µs, and on
        // this VM now and then a preemption: P99 up to 0.15 ms). Timed from anywhere else, it
        // would be off by milliseconds.
        for (q, within) in [(0.5, 100), (0.99, 1_000)] {
            let (latency, service) = (
                series.latency.value_at_quantile(q),
                series.service.value_at_quantile(q),
            );
            assert!(
                latency >= service && latency - service < within,
                "at {q}: latency {latency} µs, service {service} µs"
            );
        }
    });
}

#[test]
fn closed_model_at_20k_per_second_matches_the_model() {
    let _serial = serial();
    in_trials(|| {
        // Eight users, 300 µs of service time, and a 20 ms stall.
        let (outcome, model, actual) = closed_run(8, 2, |start| Model {
            service: Duration::from_micros(300),
            stall: Some((
                start + Duration::from_millis(1000),
                Duration::from_millis(20),
            )),
        });
        let series = &outcome.series[0];
        assert!(series.ok > 20_000, "{} requests", series.ok);
        assert_eq!(series.ok, series.sent);
        assert_matches(
            &series.service,
            &actual,
            "closed model, about 20k/s, against the server's own times",
        );
        assert_not_below(
            &series.service,
            &model,
            "closed model, about 20k/s, against the model",
            SHARED_CORES,
        );
    });
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
    in_trials(|| {
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
    });
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
    in_trials(|| {
        // A server that can do 100/s (10 ms each, one connection) offered 150/s: what arrives in
        // the window is about 100/s, not the 150/s offered.
        let server = steady_server(Duration::from_millis(10));
        let mut plan = open_plan(150.0, Duration::ZERO, Duration::from_secs(2), 1);
        plan.max_in_flight = 1;
        let outcome = run(&plan, &server, Duration::ZERO);
        let completed = outcome.series[0].completed_in_window as f64 / 2.0;
        assert!((80.0..=105.0).contains(&completed), "{completed}/s");
    });
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
fn interval_logs_merge_by_their_absolute_time_not_their_index() {
    use loadgen::intervals::{Interval, TimedLog, merge_logs_by_time, read_timed_log, write_log};
    let second = Duration::from_secs(1);
    let one = |value_us: u64, idx: u32| {
        let mut histogram = loadgen::new_histogram();
        histogram.record(value_us).unwrap();
        Interval {
            start: second * idx,
            length: second,
            histogram,
        }
    };
    let write = |base: std::time::SystemTime, intervals: &[Interval]| {
        let mut bytes = Vec::new();
        write_log(&mut bytes, base, second, intervals, "test").unwrap();
        read_timed_log(&bytes).unwrap()
    };
    let t0 = std::time::UNIX_EPOCH + Duration::from_secs(1_800_000_000);
    // Host A's window began at t0; host B's a second later, 3 ms off the grid (its clock);
    // host C's log names no time.
    let a = write(t0, &[one(100, 0), one(100, 1), one(100, 2)]);
    let b = write(
        t0 + Duration::from_millis(1_003),
        &[one(900, 0), one(900, 1)],
    );
    assert_eq!(a.base, Some(Duration::from_secs(1_800_000_000)));
    let (origin, merged) = merge_logs_by_time(&[a, b], second);
    assert_eq!(origin, Duration::from_secs(1_800_000_000));
    let counts: Vec<u64> = merged.iter().map(|i| i.histogram.len()).collect();
    assert_eq!(counts, [1, 2, 2], "B's first second is A's second one");
    assert_eq!(merged[0].histogram.max(), 100);
    assert!(merged[1].histogram.max() >= 900);
    assert_eq!(merged[2].start, second * 2);
    let untimed = TimedLog {
        base: None,
        intervals: vec![one(5, 0)],
    };
    let (_, alone) = merge_logs_by_time(&[untimed], second);
    assert_eq!(alone.len(), 1);
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
        vec![Posts::default(); 2],
        &progress,
        cancel_rx,
    )
    .unwrap();
    stopper.join().unwrap();
    assert!(outcome.cancelled);
    assert!(began.elapsed() < Duration::from_secs(5));
    assert!(progress.snapshot().sent > 100);
}

/// Posts whose every other answer counts as a failure.
#[derive(Clone, Default)]
struct HalfFailing {
    answers: u64,
}

impl Workload for HalfFailing {
    fn next_request(&mut self) -> Request {
        Posts::default().next_request()
    }

    fn check(&mut self, _request: &Request, _status: u16, _body: &[u8]) -> Answer {
        self.answers += 1;
        Answer::Done(if self.answers.is_multiple_of(2) {
            Err(Cow::Borrowed("http_503"))
        } else {
            Ok(())
        })
    }
}

#[test]
fn successes_have_a_latency_histogram_of_their_own() {
    let _serial = serial();
    let server = steady_server(Duration::ZERO);
    let plan = open_plan(500.0, Duration::ZERO, Duration::from_millis(400), 1);
    let endpoints = [Endpoint::parse(&server.url()).unwrap()];
    let progress = Progress::new(1);
    let (_cancel, cancel_rx) = tokio::sync::watch::channel(false);
    let outcome = loadgen::run(
        &plan,
        &endpoints,
        vec![HalfFailing::default()],
        &progress,
        cancel_rx,
    )
    .unwrap();
    let series = &outcome.series[0];
    assert_eq!((series.sent, series.ok), (200, 100));
    assert_eq!(series.latency.len(), 200, "every answer");
    assert_eq!(series.latency_ok.len(), 100, "the successes");
}

/// Every request sent is accounted for: answered (recorded in its series) or, when the run
/// stops first, abandoned, whether it was being written, waiting for its answer or not yet
/// polled at all (issue 6, finding 9). Each model, two workers, a server slower than the run.
#[test]
fn every_sent_request_is_answered_or_abandoned() {
    let _serial = serial();
    let server = steady_server(Duration::from_millis(1_500));
    let open = open_plan(200.0, Duration::ZERO, Duration::from_secs(30), 2);
    let mut windowed = open.clone();
    windowed.send_window = Duration::from_millis(2);
    let mut closed = open.clone();
    closed.shape = Shape::Closed { users: 40 };
    for (what, mut plan) in [("open", open), ("windowed", windowed), ("closed", closed)] {
        plan.start = Instant::now() + Duration::from_millis(100);
        let endpoints = [Endpoint::parse(&server.url()).unwrap()];
        let progress = Progress::new(2);
        let (cancel, cancel_rx) = tokio::sync::watch::channel(false);
        let stopper = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(2_000));
            cancel.send(true).unwrap();
        });
        let workloads = vec![Posts::default(); 2];
        let outcome = loadgen::run(&plan, &endpoints, workloads, &progress, cancel_rx).unwrap();
        stopper.join().unwrap();
        let series = &outcome.series[0];
        let answered = series.ok + series.errors.values().sum::<u64>();
        let sent = progress.snapshot().sent;
        assert!(outcome.cancelled, "{what}");
        assert!(
            answered > 0 && outcome.abandoned > 0,
            "{what}: {answered} answered, {} abandoned",
            outcome.abandoned
        );
        assert_eq!(
            answered + outcome.abandoned,
            sent,
            "{what}: {answered} answered and {} abandoned of {sent} sent",
            outcome.abandoned
        );
    }
}
