//! One worker: a thread with a single-thread runtime that owns its connections, its share of
//! the schedule (every N-th intended time) or of the users, and its recorder. Requests in
//! flight are futures polled by the worker's one task; no task is spawned per request and
//! nothing crosses to another thread.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::Poll;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use tokio::sync::{Notify, oneshot, watch};

use crate::client::{self, Connection, Endpoint, Epoch, TransportError};
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
                .map(|_| Pool::default())
                .collect(),
            openers: Openers {
                enabled: matches!(setup.shared.plan.shape, Shape::Open(_)),
                ahead: vec![false; setup.shared.endpoints.len()],
                opening: vec![0; setup.shared.endpoints.len()],
                set_up: INITIAL_SET_UP,
            },
        }),
        connect_wanted: Notify::new(),
        recorder: RefCell::new(WorkerRecorder::new(
            setup.shared.plan.n_series,
            (setup.shared.plan.measure_start(), setup.shared.plan.end()),
            setup.shared.plan.interval,
        )),
        park,
        idle_nanos: Cell::new(0),
        window: Cell::new(None),
        window_end: Cell::new(None),
        stopping: Cell::new(false),
    };
    let mut result = match (&setup.shared.plan.shape, setup.shared.plan.send_window) {
        (Shape::Open(_), window) if !window.is_zero() => {
            runtime.block_on(worker.preconnect());
            let mut result = worker.open_windowed(&runtime, &setup.cancel, window);
            worker.close_account(&mut result);
            result
        }
        _ => runtime.block_on(worker.drive(setup.cancel))?,
    };
    let mut recorder = worker.recorder.into_inner();
    recorder.finish();
    result.recorder = recorder;
    Ok(result)
}

struct State<W> {
    workload: W,
    /// Per endpoint.
    pools: Vec<Pool>,
    openers: Openers,
}

/// One endpoint's connections: the idle ones, and the requests waiting for one (open model).
#[derive(Default)]
struct Pool {
    idle: Vec<Connection>,
    /// Oldest first; a request that gave up (timed out) leaves a closed sender behind.
    waiting: VecDeque<oneshot::Sender<Result<Connection, TransportError>>>,
    /// When a request last gave its connection back (one newly opened does not count: it
    /// says nothing of whether the system is giving connections back).
    last_returned: Option<Instant>,
}

impl Pool {
    /// A request's connection, given back after its exchange.
    fn give_back(&mut self, connection: Connection) {
        self.last_returned = Some(Instant::now());
        self.release(connection);
    }

    /// Hands `connection` to the oldest request still waiting, or keeps it idle.
    fn release(&mut self, mut connection: Connection) {
        while let Some(waiter) = self.waiting.pop_front() {
            match waiter.send(Ok(connection)) {
                Ok(()) => return,
                Err(back) => connection = back.expect("what was sent"),
            }
        }
        self.idle.push(connection);
    }

    /// Requests waiting for a connection (and perhaps a few that gave up since).
    fn waiting(&mut self) -> usize {
        while self.waiting.front().is_some_and(oneshot::Sender::is_closed) {
            self.waiting.pop_front();
        }
        self.waiting.len()
    }
}

/// Connections the worker opens itself (open model). An open model needs a connection per
/// request in flight, and a stall of the system puts many in flight: one is opened ahead of
/// need whenever a request takes the last idle one, so that the next request does not pay a
/// set-up between its intended time and its send, and one for each request waiting.
///
/// But a worker behind its schedule (its core taken for a moment) finds hundreds of requests
/// due at once, and a connection opened for each would cost both sides a core's time just
/// when the worker is late: it would fall further behind, and on a slow host run out of file
/// descriptors (seen: 5,978 connect errors in one 20k/s run). A waiting request takes the
/// first connection that comes free, returned or new; new ones are opened for waiting
/// requests only while none has come free for as long as a set-up takes (the system is
/// holding them all: a new one is then the sooner), and at most [`MAX_OPENING`] at once.
struct Openers {
    enabled: bool,
    /// Endpoints whose idle pool ran dry: one more is opened ahead of need.
    ahead: Vec<bool>,
    /// Connections being opened, per endpoint.
    opening: Vec<usize>,
    /// How long a connection set-up takes here (a moving average).
    set_up: Duration,
}

impl Openers {
    /// How long waiting requests wait for a connection to come free before one is opened.
    fn patience(&self) -> Duration {
        self.set_up.clamp(MIN_PATIENCE, MAX_PATIENCE)
    }
}

struct Worker<W> {
    idx: usize,
    shared: Arc<Shared>,
    progress: Arc<WorkerProgress>,
    state: RefCell<State<W>>,
    /// Woken when a request waits for a connection, so the open loop starts opening one.
    connect_wanted: Notify,
    recorder: RefCell<WorkerRecorder>,
    park: Arc<ParkClock>,
    /// Time the thread had nothing to do but was not parked by the runtime: spinning to a
    /// request's time, or asleep between send windows.
    idle_nanos: Cell<u64>,
    /// When the measured window began and ended for this worker: (instant, idle nanos then,
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
        self.close_account(&mut result);
        Ok(result)
    }

    fn close_account(&self, result: &mut WorkerResult) {
        (result.stats.busy_fraction, result.stats.cpu_seconds) = self.window_account();
        result.stats.sent = self.progress.sent.load(Ordering::Relaxed);
    }

    /// Time the worker was idle so far: parked by the runtime, or idle outside it.
    fn idle_so_far(&self) -> u64 {
        self.park.parked_nanos.load(Ordering::Relaxed) + self.idle_nanos.get()
    }

    /// Opens one connection to each endpoint before the first request is due, so that the
    /// first requests are not sent late by a connection set-up.
    ///
    /// In send windows, answers are read a window after they come, so a fast system keeps
    /// about two windows' requests in flight: that many are opened, lest the first windows
    /// open them one by one between their requests' intended times and their sends.
    async fn preconnect(&self) {
        let plan = &self.shared.plan;
        let per_endpoint = match &plan.shape {
            Shape::Open(schedule) if !plan.send_window.is_zero() => {
                let per_worker = schedule.peak_rate() / plan.threads as f64;
                let in_two_windows = per_worker * 2.0 * plan.send_window.as_secs_f64();
                (in_two_windows.ceil() as usize + 1).min(MAX_PRECONNECT)
            }
            _ => 1,
        };
        for (idx, endpoint) in self.shared.endpoints.iter().enumerate() {
            for _ in 0..per_endpoint {
                let Ok(Ok(mut connection)) = tokio::time::timeout_at(
                    plan.start.into(),
                    client::connect(endpoint, self.shared.epoch),
                )
                .await
                else {
                    break;
                };
                self.note_set_up(&mut connection);
                self.state.borrow_mut().pools[idx].idle.push(connection);
            }
        }
    }

    /// Notes where the worker's clocks stood when the measured window began and ended, the
    /// first time it is awake past either.
    fn mark_window(&self, now: Instant) {
        let snapshot = || Some((now, self.idle_so_far(), thread_cpu_time()));
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
        let (end, parked_end, cpu_end) = self
            .window_end
            .get()
            .unwrap_or_else(|| (Instant::now(), self.idle_so_far(), thread_cpu_time()));
        let cpu = cpu_end.saturating_sub(cpu_then).as_secs_f64();
        let wall = end.saturating_duration_since(start).as_nanos() as f64;
        if wall <= 0.0 {
            return (0.0, cpu);
        }
        let parked = parked_end.saturating_sub(parked_then) as f64;
        ((1.0 - parked / wall).clamp(0.0, 1.0), cpu)
    }

    /// This worker's share of the open schedule.
    fn open_queue(&self) -> OpenQueue<impl Iterator<Item = Instant> + '_> {
        let plan = &self.shared.plan;
        let Shape::Open(schedule) = &plan.shape else {
            unreachable!("open plans only")
        };
        let (n_workers, idx, start, end) = (plan.threads, self.idx, plan.start, plan.end());
        let mut times = schedule
            .times()
            .enumerate()
            .filter(move |(i, _)| i % n_workers == idx)
            .map(move |(_, offset)| start + offset);
        let next = times.next().filter(|at| *at < end);
        OpenQueue {
            times,
            next,
            prepared: None,
            capped: None,
            measure_start: plan.measure_start(),
            end,
            // Requests delayed (by the in-flight cap) are still sent until this, then given up.
            send_deadline: end + plan.request_timeout,
            cap: (plan.max_in_flight / n_workers).max(1),
        }
    }

    /// The open model: this worker's share of the schedule, every request at its time.
    async fn open(&self, mut cancel: watch::Receiver<bool>) -> std::io::Result<WorkerResult> {
        let mut queue = self.open_queue();
        let drain_deadline = self.drain_deadline(&queue);
        // Sent on time rather than a wake-up late: the timer learns this thread's wake-up
        // latency and fires that much early (at most MAX_COMPENSATION, and an eighth of the
        // wait, so that spinning is never more than an eighth of the worker's time).
        let mut timer = PreciseTimer::compensated(MAX_COMPENSATION)?;
        let mut in_flight = FuturesUnordered::new();
        let mut spares = FuturesUnordered::new();
        let mut result = empty_result();
        let mut cancel_alive = true;
        loop {
            let now = Instant::now();
            self.mark_window(now);
            while let Some((request, intended, measured)) =
                queue.pop_due(self, now, in_flight.len(), &mut result)
            {
                in_flight.push(self.request(request, intended, measured));
            }
            queue.after_sends(self, now, &mut result);
            if queue.next.is_none() && in_flight.is_empty() {
                break;
            }
            let reconsider = self.open_spares(&mut spares, now);
            let can_send = queue.next.is_some() && in_flight.len() < queue.cap;
            let wake = queue.next.unwrap_or(now);
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
                Some(opened) = spares.next(), if !spares.is_empty() => self.spare_opened(opened),
                () = self.connect_wanted.notified() => {}
                () = tokio::time::sleep_until(reconsider.unwrap_or(now).into()), if reconsider.is_some() => {}
                () = timer.sleep_until(wake), if can_send => {}
                () = tokio::time::sleep_until(drain_deadline.into()), if queue.next.is_none() => {
                    break;
                }
            }
            // Spinning to a request's time is waiting, not work.
            self.add_idle(timer.take_spun());
        }
        result.abandoned = in_flight.len() as u64;
        Ok(result)
    }

    /// The open model in send windows (`Plan::send_window`): the worker sleeps to the next
    /// window edge, outside the runtime, so that neither the schedule nor an answer wakes it
    /// in between; at each edge it takes in what arrived (stamped by the kernel when it
    /// arrived, so the late read costs no accuracy), lets the requests read it, and sends every
    /// request that fell due. One wake-up serves many requests: at high rates the open model
    /// then costs about what the closed loop does, and a request is sent at most a window
    /// (and a wake-up's lateness) late.
    ///
    /// The requests are polled under a waker that does nothing: the worker looks at them at
    /// every edge anyway, and tokio's own waker for a `block_on` future writes to an eventfd
    /// on every wake (a system call per answer, seen as the most frequent call of the run).
    fn open_windowed(
        &self,
        runtime: &tokio::runtime::Runtime,
        cancel: &watch::Receiver<bool>,
        window: Duration,
    ) -> WorkerResult {
        let origin = self.shared.plan.start;
        let mut queue = self.open_queue();
        let drain_deadline = self.drain_deadline(&queue);
        let mut in_flight = FuturesUnordered::new();
        let mut spares = FuturesUnordered::new();
        let mut result = empty_result();
        loop {
            if *cancel.borrow() {
                result.cancelled = true;
                break;
            }
            // Unconstrained: tokio defers the wake-up of a future that used up its
            // cooperative budget to the runtime's next park, and a `block_on` that returns
            // first forgets it; the request would then wait for its timeout.
            let behind = runtime.block_on(tokio::task::unconstrained(async {
                let behind = self.settle(&mut in_flight, &mut spares).await;
                let now = Instant::now();
                self.mark_window(now);
                while let Some((request, intended, measured)) =
                    queue.pop_due(self, now, in_flight.len(), &mut result)
                {
                    in_flight.push(self.request(request, intended, measured));
                }
                queue.after_sends(self, now, &mut result);
                // The first poll of a new request writes it now, not at the next edge.
                self.poll_in_flight(&mut in_flight, &mut spares);
                behind
            }));
            let now = Instant::now();
            if queue.next.is_none() && (in_flight.is_empty() || now >= drain_deadline) {
                break;
            }
            if behind {
                // Requests were still finishing when the rounds ran out: go on at once.
                // Sleeping now would bound the work done per window, and a backlog (after a
                // stall, say) would then never be caught up.
                continue;
            }
            // The next edge while answers are awaited; otherwise the edge of the next send.
            let mut wake = window_edge(origin, window, now + Duration::from_nanos(1));
            if let (true, Some(due)) = (in_flight.is_empty(), queue.next) {
                wake = wake.max(window_edge(origin, window, due));
            }
            // A cancel is seen at the next wake-up: never more than this away.
            wake = wake.min(now + MAX_SLEEP);
            // Asleep to the edge, and no spinning: a wake-up comes tens of microseconds late
            // on a small VM, within the window's allowance, and spinning to the edge instead
            // cost the generator more CPU than all of its requests at 10k/s.
            if wake > now {
                std::thread::sleep(wake - now);
            }
            self.add_idle(now.elapsed());
        }
        result.abandoned = in_flight.len() as u64;
        result
    }

    /// Lets the runtime take in what arrived (one turn of its driver), then lets the requests
    /// read it and takes those that finished; another round while a round finishes a
    /// backlog's worth ([`BACKLOG`]), at most [`SETTLE_ROUNDS`]. True when the rounds ran out
    /// with requests still finishing: there is more to do at once.
    async fn settle<'a, F: Future<Output = ()>>(
        &'a self,
        in_flight: &mut FuturesUnordered<F>,
        spares: &mut FuturesUnordered<SpareConnect<'a>>,
    ) -> bool {
        for _ in 0..SETTLE_ROUNDS {
            // A yield inside `block_on` is one turn of the driver: epoll without waiting,
            // readiness handed to the requests, expired timers fired. It costs two system
            // calls (tokio's wake of a `block_on` future writes to an eventfd): another turn
            // is taken only when this one finished a backlog's worth.
            tokio::task::yield_now().await;
            if self.poll_in_flight(in_flight, spares) < BACKLOG {
                return false;
            }
        }
        true
    }

    /// Polls the requests in flight and the connections being opened until none can go on;
    /// returns how many requests finished.
    fn poll_in_flight<'a, F: Future<Output = ()>>(
        &'a self,
        in_flight: &mut FuturesUnordered<F>,
        spares: &mut FuturesUnordered<SpareConnect<'a>>,
    ) -> usize {
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        let mut finished = 0;
        while let Poll::Ready(Some(())) = in_flight.poll_next_unpin(&mut cx) {
            finished += 1;
        }
        // Requests polled above may be waiting for a connection.
        self.open_spares(spares, Instant::now());
        let mut opened = false;
        while let Poll::Ready(Some(spare)) = spares.poll_next_unpin(&mut cx) {
            self.spare_opened(spare);
            opened = true;
        }
        if opened {
            // Requests that were given a connection go on with it now.
            while let Poll::Ready(Some(())) = in_flight.poll_next_unpin(&mut cx) {
                finished += 1;
            }
        }
        finished
    }

    fn drain_deadline<I: Iterator<Item = Instant>>(&self, queue: &OpenQueue<I>) -> Instant {
        queue.send_deadline + self.shared.plan.request_timeout + Duration::from_secs(2)
    }

    /// Counts time the thread was awake or asleep outside the runtime but had nothing to do.
    fn add_idle(&self, idle: Duration) {
        self.idle_nanos
            .set(self.idle_nanos.get() + idle.as_nanos() as u64);
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
        let closed = self.recorder.borrow_mut().record(Finished {
            series,
            detail,
            measured,
            intended,
            sent_at: sent_at.get(),
            answered_at,
            outcome: outcome.as_ref().map(|_| ()).map_err(|kind| kind.as_ref()),
        });
        if let Some(p99_us) = closed {
            self.progress.last_p99_us.store(p99_us, Ordering::Relaxed);
        }
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
            if !request.delay.is_zero() {
                tokio::time::sleep(request.delay).await;
            }
            let mut connection = self.connection(request.endpoint, endpoint).await?;
            let exchanged = connection
                .exchange(
                    endpoint,
                    client::Outgoing {
                        method: &request.method,
                        path: &request.path,
                        headers: &request.headers,
                        body: &request.body,
                    },
                    self.shared.epoch,
                )
                .await
                .map_err(|error| error.as_str())?;
            if sent_at.get().is_none() {
                sent_at.set(Some(exchanged.sent_at));
            }
            answered_at.set(Some(exchanged.answered_at));
            let answer = self.state.borrow_mut().workload.check(
                &request,
                exchanged.status,
                connection.body(),
            );
            if connection.reusable() {
                self.state.borrow_mut().pools[request.endpoint].give_back(connection);
            }
            match answer {
                Answer::Done(outcome) => return outcome,
                Answer::Then(next) => request = next,
            }
        }
    }

    /// Starts opening the connections wanted (see [`Openers`]); returns when to look again if
    /// requests are waiting and none has been opened for them yet.
    fn open_spares<'a>(
        &'a self,
        spares: &mut FuturesUnordered<SpareConnect<'a>>,
        now: Instant,
    ) -> Option<Instant> {
        let mut state = self.state.borrow_mut();
        let State { pools, openers, .. } = &mut *state;
        let patience = openers.patience();
        let mut reconsider: Option<Instant> = None;
        for (idx, pool) in pools.iter_mut().enumerate() {
            let mut wanted = usize::from(openers.ahead[idx]);
            let waiting = pool.waiting();
            if waiting > 0 {
                match pool
                    .last_returned
                    .map(|at| at + patience)
                    .filter(|at| *at > now)
                {
                    Some(at) => reconsider = Some(reconsider.map_or(at, |r| r.min(at))),
                    None => wanted += waiting,
                }
            }
            let wanted = wanted.min(MAX_OPENING);
            if openers.opening[idx] < wanted {
                openers.ahead[idx] = false;
            }
            while openers.opening[idx] < wanted {
                openers.opening[idx] += 1;
                let endpoint = &self.shared.endpoints[idx];
                let epoch = self.shared.epoch;
                spares.push(Box::pin(async move {
                    let began = Instant::now();
                    let connected = client::connect(endpoint, epoch).await;
                    (idx, began.elapsed(), connected)
                }));
            }
        }
        reconsider
    }

    /// A connection the worker opened: to the oldest waiting request, or idle. One that failed
    /// to open fails the oldest waiting request, as its own attempt would have.
    fn spare_opened(
        &self,
        (idx, took, mut connected): (usize, Duration, Result<Connection, TransportError>),
    ) {
        if let Ok(connection) = &mut connected {
            self.note_set_up(connection);
        }
        let mut state = self.state.borrow_mut();
        state.openers.opening[idx] -= 1;
        let pool = &mut state.pools[idx];
        match connected {
            Ok(connection) => {
                pool.release(connection);
                state.openers.set_up = (state.openers.set_up * 7 + took) / 8;
            }
            Err(error) => {
                while let Some(waiter) = pool.waiting.pop_front() {
                    if waiter.send(Err(error)).is_ok() {
                        break;
                    }
                }
            }
        }
    }

    /// An idle keep-alive connection to `endpoint`; in the open model, else the first to come
    /// free or be opened for it (see [`Openers`]); in the closed model, else a new one (a user
    /// holds one connection at a time, so there are never more than users).
    async fn connection(
        &self,
        endpoint_idx: usize,
        endpoint: &Endpoint,
    ) -> Result<Connection, &'static str> {
        loop {
            let waiting = {
                let mut state = self.state.borrow_mut();
                let State { pools, openers, .. } = &mut *state;
                let pool = &mut pools[endpoint_idx];
                let idle = pool.idle.pop();
                if pool.idle.is_empty() && openers.enabled {
                    openers.ahead[endpoint_idx] = true;
                }
                match idle {
                    Some(mut connection) => {
                        if connection.is_open() {
                            return Ok(connection);
                        }
                        continue;
                    }
                    None if openers.enabled => {
                        let (sender, receiver) = oneshot::channel();
                        pool.waiting.push_back(sender);
                        receiver
                    }
                    None => break,
                }
            };
            self.connect_wanted.notify_one();
            match waiting.await {
                Ok(Ok(mut connection)) => {
                    if connection.is_open() {
                        return Ok(connection);
                    }
                }
                Ok(Err(error)) => return Err(error.as_str()),
                // The worker is gone: the run is over.
                Err(_) => return Err(TransportError::Connect.as_str()),
            }
        }
        let mut connection = client::connect(endpoint, self.shared.epoch)
            .await
            .map_err(|error| error.as_str())?;
        self.note_set_up(&mut connection);
        Ok(connection)
    }

    /// Records how a new connection was set up, once.
    fn note_set_up(&self, connection: &mut Connection) {
        if let Some(set_up) = connection.set_up.take() {
            self.recorder.borrow_mut().record_set_up(set_up);
        }
    }
}

/// Rounds of a windowed worker's settling per wake-up, at most, before it looks at the
/// schedule again.
const SETTLE_ROUNDS: usize = 4;

/// Requests finished in one settling round that suggest more are waiting to be read: a
/// backlog (after a stall, say), not a window's usual share.
const BACKLOG: usize = 64;

/// How long a windowed worker sleeps at most, so that it sees a cancel soon.
const MAX_SLEEP: Duration = Duration::from_millis(50);

/// Connections a worker opens to one endpoint at once, at most, once the run is on (open
/// model): enough to open a hundred within a millisecond on loopback, few enough that a
/// backlog of due requests does not turn into a storm of set-ups.
const MAX_OPENING: usize = 8;

/// A connection set-up's time before one is measured: about a loopback set-up on a small VM.
const INITIAL_SET_UP: Duration = Duration::from_micros(100);

/// Bounds on how long waiting requests wait for a connection to come free before one is
/// opened for them: above a wake-up's lateness, and never so long that a stall of the system
/// (every connection held) delays its requests' sends for long.
const MIN_PATIENCE: Duration = Duration::from_micros(250);
const MAX_PATIENCE: Duration = Duration::from_millis(5);

/// Connections a worker opens to one endpoint before the run, at most.
const MAX_PRECONNECT: usize = 256;

/// How much early a worker sending each request at its own time wakes at most. A wake-up
/// from idle on a small VM comes 100-150 µs late; at low rates, where waits are long, the
/// learnt latency is compensated whole (the eighth-of-the-wait bound keeps high rates cheap).
const MAX_COMPENSATION: Duration = Duration::from_micros(250);

/// A connection being opened by the worker: its endpoint, how long it took, and the
/// connection or why not.
type SpareConnect<'a> = std::pin::Pin<
    Box<dyn Future<Output = (usize, Duration, Result<Connection, TransportError>)> + 'a>,
>;

/// This worker's share of an open schedule: what is due, and what could never be sent.
struct OpenQueue<I> {
    times: I,
    /// The next intended time, if any is left before the end.
    next: Option<Instant>,
    /// The next request, built before it is due so that its cost is not paid between its
    /// intended time and its send.
    prepared: Option<Request>,
    /// The intended time that last found the in-flight cap reached (counted once).
    capped: Option<Instant>,
    measure_start: Instant,
    end: Instant,
    send_deadline: Instant,
    cap: usize,
}

impl<I: Iterator<Item = Instant>> OpenQueue<I> {
    /// The next request due by `now`, with its intended time and whether it is measured;
    /// `None` when none is due, the in-flight cap is reached or sending is over.
    fn pop_due<W: Workload>(
        &mut self,
        worker: &Worker<W>,
        now: Instant,
        in_flight: usize,
        result: &mut WorkerResult,
    ) -> Option<(Request, Instant, bool)> {
        let intended = self.next?;
        if intended > now || now >= self.send_deadline {
            return None;
        }
        if in_flight >= self.cap {
            if self.capped != Some(intended) {
                result.in_flight_cap_hits += 1;
                self.capped = Some(intended);
            }
            return None;
        }
        let measured = intended >= self.measure_start;
        if measured {
            worker.recorder.borrow_mut().schedule_lag.saturating_record(
                (now.saturating_duration_since(intended).as_micros() as u64).max(1),
            );
        }
        let request = self
            .prepared
            .take()
            .unwrap_or_else(|| worker.state.borrow_mut().workload.next_request());
        let end = self.end;
        self.next = self.times.next().filter(|at| *at < end);
        Some((request, intended, measured))
    }

    /// After the due requests went: builds the next one, and gives up, as unsent, every
    /// request that can no longer be sent.
    fn after_sends<W: Workload>(
        &mut self,
        worker: &Worker<W>,
        now: Instant,
        result: &mut WorkerResult,
    ) {
        if self.next.is_some() && self.prepared.is_none() {
            self.prepared = Some(worker.state.borrow_mut().workload.next_request());
        }
        if self.next.is_some() && now >= self.send_deadline {
            // Due and never sent: the generator could not offer this load.
            let end = self.end;
            result.unsent += 1 + self.times.by_ref().take_while(|at| *at < end).count() as u64;
            self.next = None;
        }
    }
}

/// The first edge of the windows laid from `origin` that is at or after `at`.
pub fn window_edge(origin: Instant, window: Duration, at: Instant) -> Instant {
    let since = at.saturating_duration_since(origin).as_nanos();
    let width = window.as_nanos().max(1);
    let windows = since.div_ceil(width);
    origin + Duration::from_nanos((windows * width).min(u64::MAX as u128) as u64)
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

#[cfg(test)]
mod tests;
