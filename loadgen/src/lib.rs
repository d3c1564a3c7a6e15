//! The load engine and nothing else: no stack, no budgets. Thread-per-core workers, each with
//! its own single-thread runtime, its own keep-alive connections, its share of the schedule
//! and its own histograms, merged exactly when the run ends. The open model sends request *i*
//! at its intended time whatever the system does and times it from then (no coordinated
//! omission); the closed model runs N users back to back. The engine knows when it is itself
//! the bottleneck: it measures every request's send lateness at the socket write, each
//! worker's busy fraction, and the requests that were due and never sent.

use std::borrow::Cow;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use hdrhistogram::Histogram;
use tokio::sync::watch;

pub mod calibration;
pub mod client;
pub mod intervals;
mod recorder;
mod rxtime;
mod shape;
mod timer;
mod worker;

pub use client::{Endpoint, EndpointError, TlsClient, TlsOptions, header_name_valid, header_safe};
pub use http::Method;
pub use recorder::{EncodedInterval, SeriesResult, decode, new_histogram};
pub use shape::{Rate, Schedule, Stage};
pub use worker::window_edge;

/// How load is offered.
#[derive(Debug, Clone)]
pub enum Shape {
    /// Arrivals on a schedule, whatever the system does.
    Open(Schedule),
    /// N users, each sending its next request when its last one answered.
    Closed { users: u32 },
}

/// One run of load.
#[derive(Debug, Clone)]
pub struct Plan {
    pub shape: Shape,
    /// When the first request is due.
    pub start: Instant,
    pub warmup: Duration,
    pub duration: Duration,
    /// Requests in flight at most, over all workers; at the cap a worker waits and says so.
    pub max_in_flight: usize,
    /// A request (with its follow-ups) still unanswered after this counts as `timeout`.
    pub request_timeout: Duration,
    /// Worker threads; see [`default_threads`].
    pub threads: usize,
    /// Period of the interval histograms.
    pub interval: Duration,
    /// Number of series requests are recorded in.
    pub n_series: usize,
    /// CPUs the workers are pinned to, worker *i* to `cpus[i % len]`; empty: not pinned.
    pub cpus: Vec<usize>,
    /// Open model. Zero: every request is sent at its own time, the worker waking for each
    /// (and for each answer). Otherwise the worker wakes once per window of this length and
    /// sends together every request that fell due in it: a request goes up to a window late,
    /// and a wake-up, which costs about 20 µs of CPU on a small VM, serves many requests.
    pub send_window: Duration,
}

impl Plan {
    pub fn measure_start(&self) -> Instant {
        self.start + self.warmup
    }

    pub fn end(&self) -> Instant {
        self.start + self.warmup + self.duration
    }
}

/// Raises the soft limit on open files to the hard limit: an open model opens a connection
/// for every request in flight, and a stall of the system under test puts thousands in flight.
pub fn raise_open_files_limit() {
    // SAFETY: getrlimit and setrlimit read and write one rlimit struct we own.
    unsafe {
        let mut limit: libc::rlimit = std::mem::zeroed();
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) == 0 && limit.rlim_cur < limit.rlim_max
        {
            limit.rlim_cur = limit.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &limit);
        }
    }
}

/// Pins the calling thread to `cpu`; false when the kernel refuses (no such CPU, say).
pub fn pin_current_thread(cpu: usize) -> bool {
    // SAFETY: a zeroed cpu_set_t is an empty set; CPU_SET writes within it; the call reads
    // the set we pass for the calling thread (pid 0).
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        libc::CPU_SET(cpu, &mut set);
        libc::sched_setaffinity(0, size_of::<libc::cpu_set_t>(), &set) == 0
    }
}

/// The cores this process may use: one worker each.
pub fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// A request ready to send.
#[derive(Debug, Clone)]
pub struct Request {
    /// Index into the endpoints the run was given.
    pub endpoint: usize,
    pub method: Method,
    /// Appended to the endpoint's base path: `/process`, `/tasks/42?wait=60s`.
    pub path: String,
    pub body: Bytes,
    /// Headers beyond `host`, `content-type`, `content-length` and the endpoint's
    /// `authorization`; names must be tokens and values carry no line break (see
    /// [`header_name_valid`], [`header_safe`]).
    pub headers: Vec<(String, String)>,
    /// Waited before the request is sent: a poll's interval (`Answer::Then`); zero for a
    /// first request, whose time is the schedule's.
    pub delay: Duration,
    /// The workload's own tag (its request kind), handed back to [`Workload::check`].
    pub tag: u32,
    /// The series the request is recorded in, and a finer one it also counts in.
    pub series: usize,
    pub detail: Option<usize>,
}

/// What an answer means.
#[derive(Debug, Clone)]
pub enum Answer {
    /// The request is done: success, or the kind of failure it counts as.
    Done(Result<(), Cow<'static, str>>),
    /// Send this next and judge its answer instead (a task's completion poll, say); the
    /// latency runs on to the end of the chain.
    Then(Request),
}

/// The requests of a run and what their answers mean. One per worker, so it needs no locks.
pub trait Workload: Send + 'static {
    fn next_request(&mut self) -> Request;
    fn check(&mut self, request: &Request, status: u16, body: &[u8]) -> Answer;
}

/// Live counters for a progress line: per worker, summed on read.
#[derive(Debug)]
pub struct Progress {
    workers: Vec<Arc<WorkerProgress>>,
}

#[derive(Debug, Default)]
#[repr(align(128))]
pub(crate) struct WorkerProgress {
    pub sent: AtomicU64,
    pub errors: AtomicU64,
    pub in_flight: AtomicU64,
    /// P99 latency of the worker's last closed interval of the measured window, µs.
    pub last_p99_us: AtomicU64,
}

/// A reading of [`Progress`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ProgressSnapshot {
    /// Every request sent so far, warm-up included.
    pub sent: u64,
    pub errors: u64,
    pub in_flight: u64,
    /// P99 latency over the last closed interval of the measured window (µs; the largest of
    /// the workers' and of the series'), 0 before the first closes.
    pub last_p99_us: u64,
}

impl Progress {
    pub fn new(threads: usize) -> Arc<Progress> {
        Arc::new(Progress {
            workers: (0..threads.max(1))
                .map(|_| Arc::new(WorkerProgress::default()))
                .collect(),
        })
    }

    pub fn snapshot(&self) -> ProgressSnapshot {
        let sum = |field: fn(&WorkerProgress) -> &AtomicU64| {
            self.workers
                .iter()
                .map(|w| field(w).load(Ordering::Relaxed))
                .sum()
        };
        ProgressSnapshot {
            sent: sum(|w| &w.sent),
            errors: sum(|w| &w.errors),
            in_flight: sum(|w| &w.in_flight),
            last_p99_us: self
                .workers
                .iter()
                .map(|w| w.last_p99_us.load(Ordering::Relaxed))
                .max()
                .unwrap_or(0),
        }
    }
}

/// One worker's account of itself.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct WorkerStats {
    /// Share of the measured window the worker was not idle (running or ready to run).
    pub busy_fraction: f64,
    /// Requests it sent, warm-up included.
    pub sent: u64,
    /// CPU time the worker thread used over the measured window.
    pub cpu_seconds: f64,
}

/// What a run produced.
#[derive(Debug)]
pub struct Outcome {
    /// One per series, in the order of the plan's series.
    pub series: Vec<SeriesResult>,
    /// Lateness of each measured request's first socket write against its intended time, µs.
    pub send_lag: Histogram<u64>,
    /// Lateness of the workers' wake-ups against the schedule, µs (open model).
    pub schedule_lag: Histogram<u64>,
    /// Every connection set-up of the run, µs: the TCP connect, and the TLS handshake after
    /// it (`https://` only; empty otherwise), apart from the requests' latency.
    pub connect: Histogram<u64>,
    pub tls_handshake: Histogram<u64>,
    /// TLS handshakes that resumed an earlier session.
    pub tls_resumed: u64,
    pub workers: Vec<WorkerStats>,
    /// Requests that found the in-flight cap reached and waited for a free slot.
    pub in_flight_cap_hits: u64,
    /// Requests due in the measured window that were never sent.
    pub unsent: u64,
    /// Requests sent and still unanswered when the drain gave up.
    pub abandoned: u64,
    pub cancelled: bool,
    /// Per-interval latency histograms of the measured window.
    pub intervals: Vec<EncodedInterval>,
}

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("the plan needs at least one worker thread")]
    NoThreads,
    #[error("{workloads} workloads were given for {threads} worker threads")]
    Workloads { workloads: usize, threads: usize },
    #[error("worker {0} could not start: {1}")]
    Worker(usize, std::io::Error),
    #[error("worker {0} panicked")]
    Panicked(usize),
}

/// Runs `plan` against `endpoints`, one workload per worker thread, until the plan ends or
/// `cancel` turns true. Blocks the calling thread.
pub fn run<W: Workload>(
    plan: &Plan,
    endpoints: &[Endpoint],
    workloads: Vec<W>,
    progress: &Arc<Progress>,
    cancel: watch::Receiver<bool>,
) -> Result<Outcome, RunError> {
    let threads = plan.threads;
    if threads == 0 {
        return Err(RunError::NoThreads);
    }
    if workloads.len() != threads || progress.workers.len() != threads {
        return Err(RunError::Workloads {
            workloads: workloads.len(),
            threads,
        });
    }
    raise_open_files_limit();
    let shared = Arc::new(worker::Shared {
        plan: plan.clone(),
        endpoints: endpoints.to_vec(),
        epoch: client::Epoch(Instant::now()),
    });
    let mut handles = Vec::new();
    for (worker_idx, workload) in workloads.into_iter().enumerate() {
        let setup = worker::Setup {
            worker_idx,
            shared: shared.clone(),
            progress: progress.workers[worker_idx].clone(),
            cancel: cancel.clone(),
        };
        let handle = std::thread::Builder::new()
            .name(format!("loadgen-{worker_idx}"))
            .spawn(move || worker::run(setup, workload))
            .map_err(|error| RunError::Worker(worker_idx, error))?;
        handles.push(handle);
    }
    let mut results = Vec::new();
    for (worker_idx, handle) in handles.into_iter().enumerate() {
        let result = handle
            .join()
            .map_err(|_| RunError::Panicked(worker_idx))?
            .map_err(|error| RunError::Worker(worker_idx, error))?;
        results.push(result);
    }
    Ok(merge(plan.n_series, results))
}

fn merge(n_series: usize, results: Vec<worker::WorkerResult>) -> Outcome {
    let mut outcome = Outcome {
        series: (0..n_series).map(|_| SeriesResult::new()).collect(),
        send_lag: new_histogram(),
        schedule_lag: new_histogram(),
        connect: new_histogram(),
        tls_handshake: new_histogram(),
        tls_resumed: 0,
        workers: Vec::new(),
        in_flight_cap_hits: 0,
        unsent: 0,
        abandoned: 0,
        cancelled: false,
        intervals: Vec::new(),
    };
    for result in results {
        for (total, part) in outcome.series.iter_mut().zip(&result.recorder.series) {
            total.add(part);
        }
        for (total, part) in [
            (&mut outcome.send_lag, &result.recorder.send_lag),
            (&mut outcome.schedule_lag, &result.recorder.schedule_lag),
            (&mut outcome.connect, &result.recorder.connect),
            (&mut outcome.tls_handshake, &result.recorder.tls_handshake),
        ] {
            total.add(part).expect("same bounds");
        }
        outcome.tls_resumed += result.recorder.tls_resumed;
        outcome.workers.push(result.stats);
        outcome.in_flight_cap_hits += result.in_flight_cap_hits;
        outcome.unsent += result.unsent;
        outcome.abandoned += result.abandoned;
        outcome.cancelled |= result.cancelled;
        outcome.intervals.extend(result.recorder.intervals);
    }
    outcome.intervals = intervals::merge_encoded(outcome.intervals);
    outcome
}
