//! One worker: a thread with a single-thread runtime that owns its connections, its share of
//! the schedule (every N-th intended time) or of the users, and its recorder. Requests in
//! flight are futures polled by the worker's one task; no task is spawned per request and
//! nothing crosses to another thread.

use std::cell::{Cell, RefCell};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use http_body_util::Full;
use hyper::header::{CONTENT_TYPE, HOST, HeaderValue};
use tokio::sync::watch;

use crate::client::{self, Connection, Endpoint, Epoch};
use crate::recorder::{Finished, WorkerRecorder};
use crate::timer::PreciseTimer;
use crate::{Answer, Plan, Request, Shape, WorkerProgress, WorkerStats, Workload};

/// What every worker shares, read-only.
pub(crate) struct Shared {
    pub plan: Plan,
    pub endpoints: Vec<Endpoint>,
    pub epoch: Epoch,
}

pub(crate) struct Setup {
    pub worker_idx: usize,
    pub shared: Arc<Shared>,
    pub progress: Arc<WorkerProgress>,
    pub cancel: watch::Receiver<bool>,
}

pub(crate) struct WorkerResult {
    pub recorder: WorkerRecorder,
    pub stats: WorkerStats,
    pub in_flight_cap_hits: u64,
    pub unsent: u64,
    pub abandoned: u64,
    pub cancelled: bool,
}

/// Time the runtime spent parked (idle), for the busy fraction.
#[derive(Default)]
struct ParkClock {
    parked_nanos: AtomicU64,
    parked_since: AtomicU64,
}

pub(crate) fn run<W: Workload>(setup: Setup, workload: W) -> std::io::Result<WorkerResult> {
    crate::timer::tighten_timer_slack();
    let cpus = &setup.shared.plan.cpus;
    if !cpus.is_empty() {
        crate::pin_current_thread(cpus[setup.worker_idx % cpus.len()]);
    }
    let park = Arc::new(ParkClock::default());
    let epoch = setup.shared.epoch;
    let (on_park, on_unpark) = (park.clone(), park.clone());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .on_thread_park(move || {
            on_park
                .parked_since
                .store(epoch.nanos(Instant::now()).max(1), Ordering::Relaxed);
        })
        .on_thread_unpark(move || {
            let since = on_unpark.parked_since.swap(0, Ordering::Relaxed);
            if since > 0 {
                let now = epoch.nanos(Instant::now());
                on_unpark
                    .parked_nanos
                    .fetch_add(now.saturating_sub(since), Ordering::Relaxed);
            }
        })
        .build()?;
    let worker = Worker {
        idx: setup.worker_idx,
        shared: setup.shared.clone(),
        progress: setup.progress,
        state: RefCell::new(State {
            workload,
            pools: (0..setup.shared.endpoints.len())
                .map(|_| Vec::new())
                .collect(),
        }),
        hosts: setup
            .shared
            .endpoints
            .iter()
            .map(|endpoint| {
                HeaderValue::from_str(&endpoint.authority)
                    .unwrap_or_else(|_| HeaderValue::from_static("localhost"))
            })
            .collect(),
        recorder: RefCell::new(WorkerRecorder::new(
            setup.shared.plan.n_series,
            (setup.shared.plan.measure_start(), setup.shared.plan.end()),
            setup.shared.plan.interval,
        )),
        park,
        window: Cell::new(None),
        window_end: Cell::new(None),
        stopping: Cell::new(false),
    };
    let mut result = runtime.block_on(worker.drive(setup.cancel))?;
    let mut recorder = worker.recorder.into_inner();
    recorder.finish();
    result.recorder = recorder;
    Ok(result)
}

struct State<W> {
    workload: W,
    /// Idle connections per endpoint.
    pools: Vec<Vec<Connection>>,
}

struct Worker<W> {
    idx: usize,
    shared: Arc<Shared>,
    progress: Arc<WorkerProgress>,
    state: RefCell<State<W>>,
    hosts: Vec<HeaderValue>,
    recorder: RefCell<WorkerRecorder>,
    park: Arc<ParkClock>,
    /// When the measured window began and ended for this worker: (instant, parked nanos then,
    /// thread CPU time then).
    window: Cell<Option<(Instant, u64, Duration)>>,
    window_end: Cell<Option<(Instant, u64, Duration)>>,
    /// Set on cancel: closed-model users stop at their next turn.
    stopping: Cell<bool>,
}

impl<W: Workload> Worker<W> {
    async fn drive(&self, cancel: watch::Receiver<bool>) -> std::io::Result<WorkerResult> {
        self.preconnect().await;
        let mut result = match &self.shared.plan.shape {
            Shape::Open(_) => self.open(cancel).await?,
            Shape::Closed { users } => self.closed(*users, cancel).await,
        };
        (result.stats.busy_fraction, result.stats.cpu_seconds) = self.window_account();
        result.stats.sent = self.progress.sent.load(Ordering::Relaxed);
        Ok(result)
    }

    /// Opens one connection to each endpoint before the first request is due, so that the
    /// first requests are not sent late by a connection set-up.
    async fn preconnect(&self) {
        for (idx, endpoint) in self.shared.endpoints.iter().enumerate() {
            let deadline = self.shared.plan.start;
            if let Ok(Ok(connection)) = tokio::time::timeout_at(
                deadline.into(),
                client::connect(endpoint, self.shared.epoch),
            )
            .await
            {
                self.state.borrow_mut().pools[idx].push(connection);
            }
        }
    }

    /// Notes where the worker's clocks stood when the measured window began and ended, the
    /// first time it is awake past either.
    fn mark_window(&self, now: Instant) {
        let snapshot = || {
            Some((
                now,
                self.park.parked_nanos.load(Ordering::Relaxed),
                thread_cpu_time(),
            ))
        };
        if self.window.get().is_none() && now >= self.shared.plan.measure_start() {
            self.window.set(snapshot());
        }
        if self.window_end.get().is_none() && now >= self.shared.plan.end() {
            self.window_end.set(snapshot());
        }
    }

    /// The share of the window the worker was not parked, and the CPU it used then.
    fn window_account(&self) -> (f64, f64) {
        let Some((start, parked_then, cpu_then)) = self.window.get() else {
            return (0.0, 0.0);
        };
        let (end, parked_end, cpu_end) = self.window_end.get().unwrap_or_else(|| {
            (
                Instant::now(),
                self.park.parked_nanos.load(Ordering::Relaxed),
                thread_cpu_time(),
            )
        });
        let cpu = cpu_end.saturating_sub(cpu_then).as_secs_f64();
        let wall = end.saturating_duration_since(start).as_nanos() as f64;
        if wall <= 0.0 {
            return (0.0, cpu);
        }
        let parked = parked_end.saturating_sub(parked_then) as f64;
        ((1.0 - parked / wall).clamp(0.0, 1.0), cpu)
    }

    /// The open model: this worker's share of the schedule, every request at its time.
    async fn open(&self, mut cancel: watch::Receiver<bool>) -> std::io::Result<WorkerResult> {
        let plan = &self.shared.plan;
        let Shape::Open(schedule) = &plan.shape else {
            unreachable!("open() runs open plans")
        };
        let n_workers = plan.threads;
        let mut times = schedule
            .times()
            .enumerate()
            .filter(|(idx, _)| idx % n_workers == self.idx)
            .map(|(_, offset)| plan.start + offset);
        let (measure_start, end) = (plan.measure_start(), plan.end());
        // Requests delayed (by the in-flight cap) are still sent until this, then given up.
        let send_deadline = end + plan.request_timeout;
        let drain_deadline = send_deadline + plan.request_timeout + Duration::from_secs(2);
        let cap = (plan.max_in_flight / n_workers).max(1);
        // Sent on time rather than a wake-up late: the timer learns this thread's wake-up
        // latency and fires that much early (at most 50 µs, and an eighth of the wait).
        let mut timer = PreciseTimer::compensated(Duration::from_micros(50))?;
        let mut in_flight = FuturesUnordered::new();
        let mut next = times.next().filter(|at| *at < end);
        let mut result = empty_result();
        let mut capped: Option<Instant> = None;
        let mut cancel_alive = true;
        let mut prepared: Option<crate::Request> = None;
        loop {
            let now = Instant::now();
            self.mark_window(now);
            while let Some(intended) = next {
                if intended > now {
                    break;
                }
                if now >= send_deadline {
                    break;
                }
                if in_flight.len() >= cap {
                    if capped != Some(intended) {
                        result.in_flight_cap_hits += 1;
                        capped = Some(intended);
                    }
                    break;
                }
                let measured = intended >= measure_start;
                if measured {
                    self.recorder.borrow_mut().schedule_lag.saturating_record(
                        (now.saturating_duration_since(intended).as_micros() as u64).max(1),
                    );
                }
                let request = prepared
                    .take()
                    .unwrap_or_else(|| self.state.borrow_mut().workload.next_request());
                in_flight.push(self.request(request, intended, measured));
                next = times.next().filter(|at| *at < end);
            }
            if next.is_some() && prepared.is_none() {
                // Build the next request now, while it is not yet due, so that its cost is
                // not paid between its intended time and its send.
                prepared = Some(self.state.borrow_mut().workload.next_request());
            }
            if next.is_some() && now >= send_deadline {
                // Due and never sent: the generator could not offer this load.
                result.unsent += 1 + times.by_ref().take_while(|at| *at < end).count() as u64;
                next = None;
            }
            if next.is_none() && in_flight.is_empty() {
                break;
            }
            let can_send = next.is_some() && in_flight.len() < cap;
            let wake = next.unwrap_or(now);
            tokio::select! {
                biased;
                changed = cancel.changed(), if cancel_alive => {
                    match changed {
                        Ok(()) if *cancel.borrow() => {
                            result.cancelled = true;
                            break;
                        }
                        Ok(()) => {}
                        Err(_) => cancel_alive = false,
                    }
                }
                Some(()) = in_flight.next(), if !in_flight.is_empty() => {}
                () = timer.sleep_until(wake), if can_send => {}
                () = tokio::time::sleep_until(drain_deadline.into()), if next.is_none() => {
                    break;
                }
            }
        }
        result.abandoned = in_flight.len() as u64;
        Ok(result)
    }

    /// The closed model: this worker's share of the users, each back to back.
    async fn closed(&self, users: u32, mut cancel: watch::Receiver<bool>) -> WorkerResult {
        let plan = &self.shared.plan;
        let mine = (0..users as usize)
            .filter(|user| user % plan.threads == self.idx)
            .count();
        let mut running: FuturesUnordered<_> = (0..mine).map(|_| self.user()).collect();
        let mut result = empty_result();
        let mut cancel_alive = true;
        loop {
            tokio::select! {
                changed = cancel.changed(), if cancel_alive => match changed {
                    Ok(()) if *cancel.borrow() => {
                        self.stopping.set(true);
                        result.cancelled = true;
                        break;
                    }
                    Ok(()) => {}
                    Err(_) => cancel_alive = false,
                },
                done = running.next() => if done.is_none() { break },
            }
        }
        result.abandoned = self.progress.in_flight.load(Ordering::Relaxed);
        result
    }

    async fn user(&self) {
        let plan = &self.shared.plan;
        tokio::time::sleep_until(plan.start.into()).await;
        loop {
            let now = Instant::now();
            self.mark_window(now);
            if now >= plan.end() || self.stopping.get() {
                break;
            }
            let request = self.state.borrow_mut().workload.next_request();
            // A user sends when its last answer came: the intended time is now.
            self.request(request, now, now >= plan.measure_start())
                .await;
        }
    }

    /// One request and its follow-ups, timed and recorded.
    async fn request(&self, request: Request, intended: Instant, measured: bool) {
        self.progress.sent.fetch_add(1, Ordering::Relaxed);
        self.progress.in_flight.fetch_add(1, Ordering::Relaxed);
        let (series, detail) = (request.series, request.detail);
        let sent_at = Cell::new(None);
        let answered_at = Cell::new(None);
        let outcome = match tokio::time::timeout(
            self.shared.plan.request_timeout,
            self.chain(request, &sent_at, &answered_at),
        )
        .await
        {
            Ok(outcome) => outcome,
            Err(_) => Err("timeout".into()),
        };
        self.progress.in_flight.fetch_sub(1, Ordering::Relaxed);
        if outcome.is_err() {
            self.progress.errors.fetch_add(1, Ordering::Relaxed);
        }
        let answered_at = answered_at.get().unwrap_or_else(Instant::now);
        self.recorder.borrow_mut().record(Finished {
            series,
            detail,
            measured,
            intended,
            sent_at: sent_at.get(),
            answered_at,
            outcome: outcome.as_ref().map(|_| ()).map_err(|kind| kind.as_ref()),
        });
    }

    async fn chain(
        &self,
        mut request: Request,
        sent_at: &Cell<Option<Instant>>,
        answered_at: &Cell<Option<Instant>>,
    ) -> Result<(), std::borrow::Cow<'static, str>> {
        loop {
            let Some(endpoint) = self.shared.endpoints.get(request.endpoint) else {
                return Err("no_endpoint".into());
            };
            let mut connection = self.connection(request.endpoint, endpoint).await?;
            let http_request = hyper::Request::builder()
                .method(request.method.clone())
                .uri(format!("{}{}", endpoint.base_path, request.path))
                .header(HOST, self.hosts[request.endpoint].clone())
                .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
                .body(Full::new(request.body.clone()))
                .map_err(|_| "bad_request")?;
            let exchanged = connection
                .exchange(http_request, self.shared.epoch)
                .await
                .map_err(|error| error.as_str())?;
            if sent_at.get().is_none() {
                sent_at.set(Some(exchanged.sent_at));
            }
            answered_at.set(Some(exchanged.answered_at));
            self.state.borrow_mut().pools[request.endpoint].push(connection);
            let answer =
                self.state
                    .borrow_mut()
                    .workload
                    .check(&request, exchanged.status, &exchanged.body);
            match answer {
                Answer::Done(outcome) => return outcome,
                Answer::Then(next) => request = next,
            }
        }
    }

    /// An idle keep-alive connection to `endpoint`, or a new one.
    async fn connection(
        &self,
        endpoint_idx: usize,
        endpoint: &Endpoint,
    ) -> Result<Connection, &'static str> {
        loop {
            let idle = self.state.borrow_mut().pools[endpoint_idx].pop();
            match idle {
                Some(connection) if connection.is_open() => return Ok(connection),
                Some(_closed) => continue,
                None => break,
            }
        }
        client::connect(endpoint, self.shared.epoch)
            .await
            .map_err(|error| error.as_str())
    }
}

/// CPU time this thread has used.
fn thread_cpu_time() -> Duration {
    let mut spec = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes one timespec into the one we pass.
    unsafe {
        libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut spec);
    }
    Duration::new(spec.tv_sec as u64, spec.tv_nsec as u32)
}

fn empty_result() -> WorkerResult {
    WorkerResult {
        recorder: WorkerRecorder::new(0, (Instant::now(), Instant::now()), Duration::from_secs(1)),
        stats: WorkerStats::default(),
        in_flight_cap_hits: 0,
        unsent: 0,
        abandoned: 0,
        cancelled: false,
    }
}
