//! The load engine. The open model sends each request at its intended time whatever the
//! system does, and times it from that intended time, so a stalled server cannot hide its
//! stall (coordinated omission); the service time from the actual send is recorded beside it.
//! The closed model runs N users back to back. Results go into HdrHistograms per request
//! kind; nothing is stored per request.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use tokio::sync::{Semaphore, watch};

use crate::mix::{Destination, Mix, Prepared, Series};
use crate::scenario::RequestKind;

/// Base URLs of the services under test.
#[derive(Debug, Clone, Default)]
pub struct Endpoints {
    pub reflex: Option<String>,
    pub orchestrator: Option<String>,
    pub arms: BTreeMap<String, String>,
}

/// The shape of one run of load.
#[derive(Debug, Clone)]
pub struct Plan {
    pub shape: Shape,
    /// When the first request is due.
    pub start: Instant,
    pub warmup: Duration,
    pub duration: Duration,
    pub max_in_flight: usize,
    pub request_timeout: Duration,
}

#[derive(Debug, Clone, Copy)]
pub enum Shape {
    Open { per_second: f64 },
    Closed { users: u32 },
}

impl Plan {
    pub fn measure_start(&self) -> Instant {
        self.start + self.warmup
    }

    pub fn end(&self) -> Instant {
        self.start + self.warmup + self.duration
    }
}

/// Histograms and counters of one series, over the measured window only.
pub struct SeriesRecorder {
    pub label: String,
    latency: Mutex<Histogram<u64>>,
    service: Mutex<Histogram<u64>>,
    sent: AtomicU64,
    ok: AtomicU64,
    errors: Mutex<BTreeMap<String, u64>>,
}

/// What the generator records, shared by all request tasks.
pub struct Recorder {
    pub series: Vec<SeriesRecorder>,
    /// Every request, warm-up included, for progress lines.
    pub total_sent: AtomicU64,
    pub total_errors: AtomicU64,
    pub in_flight: AtomicU64,
}

/// Microsecond histograms from 1 µs to one hour at 3 significant figures.
pub fn new_histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 3_600_000_000, 3).expect("valid histogram bounds")
}

impl Recorder {
    pub fn new(series: &[Series]) -> Recorder {
        Recorder {
            series: series
                .iter()
                .map(|series| SeriesRecorder {
                    label: series.label.clone(),
                    latency: Mutex::new(new_histogram()),
                    service: Mutex::new(new_histogram()),
                    sent: AtomicU64::new(0),
                    ok: AtomicU64::new(0),
                    errors: Mutex::new(BTreeMap::new()),
                })
                .collect(),
            total_sent: AtomicU64::new(0),
            total_errors: AtomicU64::new(0),
            in_flight: AtomicU64::new(0),
        }
    }

    /// Records one finished request in its series and, if it has one, its finer series.
    fn record(&self, request: Recorded<'_>) {
        if request.outcome.is_err() {
            self.total_errors.fetch_add(1, Ordering::Relaxed);
        }
        if !request.measured {
            return;
        }
        for idx in std::iter::once(request.series).chain(request.detail) {
            self.series[idx].record(request.latency, request.service, request.outcome);
        }
    }
}

/// One finished request, as the recorder takes it.
struct Recorded<'a> {
    series: usize,
    detail: Option<usize>,
    measured: bool,
    latency: Duration,
    service: Duration,
    outcome: &'a Result<(), String>,
}

impl SeriesRecorder {
    fn record(&self, latency: Duration, service: Duration, outcome: &Result<(), String>) {
        self.sent.fetch_add(1, Ordering::Relaxed);
        // Failed requests are timed too: a slow failure is still a slow answer.
        self.latency
            .lock()
            .expect("histogram lock")
            .saturating_record(latency.as_micros().max(1) as u64);
        self.service
            .lock()
            .expect("histogram lock")
            .saturating_record(service.as_micros().max(1) as u64);
        match outcome {
            Ok(()) => {
                self.ok.fetch_add(1, Ordering::Relaxed);
            }
            Err(kind) => {
                *self
                    .errors
                    .lock()
                    .expect("errors lock")
                    .entry(kind.clone())
                    .or_insert(0) += 1;
            }
        }
    }
}

/// One series' results over the measured window.
pub struct SeriesResult {
    pub label: String,
    pub sent: u64,
    pub ok: u64,
    pub errors: BTreeMap<String, u64>,
    pub latency: Histogram<u64>,
    pub service: Histogram<u64>,
}

/// What one run of load produced.
pub struct LoadOutcome {
    pub series: Vec<SeriesResult>,
    /// Lateness of the open-model dispatcher against the schedule, in microseconds.
    pub schedule_lag: Histogram<u64>,
    pub in_flight_cap_hits: u64,
    /// Requests still unanswered when the drain gave up.
    pub abandoned: u64,
    pub cancelled: bool,
}

/// Runs `plan`, sending requests drawn from `mix` to `endpoints`, until the plan ends or
/// `cancel` turns true.
pub async fn run(
    plan: &Plan,
    mix: Mix,
    endpoints: Arc<Endpoints>,
    recorder: Arc<Recorder>,
    cancel: watch::Receiver<bool>,
) -> LoadOutcome {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(plan.max_in_flight.min(1024))
        .pool_idle_timeout(Duration::from_secs(30))
        .tcp_nodelay(true)
        .connect_timeout(Duration::from_secs(5))
        .build()
        .expect("an HTTP client without TLS always builds");
    let context = Arc::new(Context {
        client,
        endpoints,
        recorder: recorder.clone(),
        timeout: plan.request_timeout,
        urls: Mutex::new(HashMap::new()),
    });
    let permits = Arc::new(Semaphore::new(plan.max_in_flight));
    let dispatched = match plan.shape {
        Shape::Open { per_second } => {
            // The dispatcher runs on a thread of its own: an OS sleep wakes within about
            // 0.1 ms of the intended time, where tokio's timer wheel rounds to 1 ms, and every
            // millisecond of lateness would be added to the latency measured from that time.
            let dispatcher = Dispatcher {
                plan: plan.clone(),
                per_second,
                context: context.clone(),
                permits: permits.clone(),
                cancel: cancel.clone(),
                runtime: tokio::runtime::Handle::current(),
            };
            tokio::task::spawn_blocking(move || dispatcher.run(mix))
                .await
                .expect("the dispatcher does not panic")
        }
        Shape::Closed { users } => {
            let mix = Arc::new(Mutex::new(mix));
            let mut tasks = tokio::task::JoinSet::new();
            for _ in 0..users {
                let context = context.clone();
                let mix = mix.clone();
                let cancel = cancel.clone();
                let (start, measure_start, end) = (plan.start, plan.measure_start(), plan.end());
                tasks.spawn(async move {
                    tokio::time::sleep_until(start.into()).await;
                    loop {
                        let now = Instant::now();
                        if now >= end || *cancel.borrow() {
                            break;
                        }
                        let request = mix.lock().expect("mix lock").next_request();
                        // In the closed model a user sends when the last answer came: the
                        // intended time is now, and latency equals service time.
                        context.send(request, now, now >= measure_start).await;
                    }
                });
            }
            let mut cancel = cancel.clone();
            let cancelled = tokio::select! {
                () = async { while tasks.join_next().await.is_some() {} } => false,
                _ = cancel.wait_for(|stop| *stop) => { tasks.abort_all(); true }
            };
            // A closed model has no schedule to lag behind, and no in-flight cap.
            Dispatched {
                schedule_lag: new_histogram(),
                in_flight_cap_hits: 0,
                cancelled,
            }
        }
    };
    // Drain: wait for the requests in flight, at most one request timeout more.
    let drain = permits.acquire_many(plan.max_in_flight as u32);
    let mut cancel_drain = cancel.clone();
    let cancelled_in_drain = tokio::select! {
        _ = tokio::time::timeout(plan.request_timeout + Duration::from_secs(2), drain) => false,
        _ = cancel_drain.wait_for(|stop| *stop) => true,
    };
    let abandoned = recorder.in_flight.load(Ordering::Relaxed);
    let series = recorder
        .series
        .iter()
        .map(|series| SeriesResult {
            label: series.label.clone(),
            sent: series.sent.load(Ordering::Relaxed),
            ok: series.ok.load(Ordering::Relaxed),
            errors: series.errors.lock().expect("errors lock").clone(),
            latency: series.latency.lock().expect("histogram lock").clone(),
            service: series.service.lock().expect("histogram lock").clone(),
        })
        .collect();
    LoadOutcome {
        series,
        schedule_lag: dispatched.schedule_lag,
        in_flight_cap_hits: dispatched.in_flight_cap_hits,
        abandoned,
        cancelled: dispatched.cancelled || cancelled_in_drain,
    }
}

/// The open model's dispatcher: sends request *i* at `start + i / rate`.
struct Dispatcher {
    plan: Plan,
    per_second: f64,
    context: Arc<Context>,
    permits: Arc<Semaphore>,
    cancel: watch::Receiver<bool>,
    runtime: tokio::runtime::Handle,
}

struct Dispatched {
    schedule_lag: Histogram<u64>,
    in_flight_cap_hits: u64,
    cancelled: bool,
}

impl Dispatcher {
    /// Runs on a blocking thread until the plan ends or `cancel` turns true.
    fn run(self, mut mix: Mix) -> Dispatched {
        let plan = &self.plan;
        let interval = Duration::from_secs_f64(1.0 / self.per_second);
        let total = ((plan.warmup + plan.duration).as_secs_f64() * self.per_second).ceil() as u64;
        let measure_start = plan.measure_start();
        let end = plan.end();
        let mut dispatched = Dispatched {
            schedule_lag: new_histogram(),
            in_flight_cap_hits: 0,
            cancelled: false,
        };
        // After waiting on the in-flight cap, lateness is the server's doing, not the
        // generator's: lag is not recorded until the schedule is caught up again.
        let mut catching_up = false;
        for idx in 0..total {
            let intended = plan.start + interval.mul_f64(idx as f64);
            if intended >= end {
                break;
            }
            if !self.sleep_until(intended) {
                dispatched.cancelled = true;
                break;
            }
            let lateness = Instant::now().saturating_duration_since(intended);
            if catching_up && lateness < Duration::from_millis(1) {
                catching_up = false;
            }
            if !catching_up && intended >= measure_start {
                dispatched
                    .schedule_lag
                    .saturating_record(lateness.as_micros().max(1) as u64);
            }
            let permit = match self.permits.clone().try_acquire_owned() {
                Ok(permit) => permit,
                Err(_) => {
                    dispatched.in_flight_cap_hits += 1;
                    catching_up = true;
                    let mut cancel = self.cancel.clone();
                    let waited = self.runtime.block_on(async {
                        tokio::select! {
                            permit = self.permits.clone().acquire_owned() => permit.ok(),
                            _ = cancel.wait_for(|stop| *stop) => None,
                        }
                    });
                    match waited {
                        Some(permit) => permit,
                        None => {
                            dispatched.cancelled = true;
                            break;
                        }
                    }
                }
            };
            let request = mix.next_request();
            let measured = intended >= measure_start;
            let context = self.context.clone();
            self.runtime.spawn(async move {
                context.send(request, intended, measured).await;
                drop(permit);
            });
        }
        dispatched
    }

    /// Sleeps until `when`, in slices short enough to notice a cancel; false if cancelled.
    fn sleep_until(&self, when: Instant) -> bool {
        loop {
            if *self.cancel.borrow() {
                return false;
            }
            let now = Instant::now();
            if now >= when {
                return true;
            }
            std::thread::sleep((when - now).min(Duration::from_millis(20)));
        }
    }
}

struct Context {
    client: reqwest::Client,
    endpoints: Arc<Endpoints>,
    recorder: Arc<Recorder>,
    timeout: Duration,
    /// Full URLs per destination, built once.
    /// Parsed once: reqwest would otherwise parse (and IDNA-check) the URL on every request.
    urls: Mutex<HashMap<Destination, reqwest::Url>>,
}

impl Context {
    async fn send(&self, request: Prepared, intended: Instant, measured: bool) {
        self.recorder.total_sent.fetch_add(1, Ordering::Relaxed);
        self.recorder.in_flight.fetch_add(1, Ordering::Relaxed);
        let sent_at = Instant::now();
        let (series, detail) = (request.series, request.detail);
        let outcome = match tokio::time::timeout(self.timeout, self.exchange(request)).await {
            Ok(outcome) => outcome,
            Err(_) => Err("timeout".to_owned()),
        };
        let done = Instant::now();
        self.recorder.in_flight.fetch_sub(1, Ordering::Relaxed);
        self.recorder.record(Recorded {
            series,
            detail,
            measured,
            latency: done.saturating_duration_since(intended),
            service: done.saturating_duration_since(sent_at),
            outcome: &outcome,
        });
    }

    fn url(&self, destination: &Destination) -> Result<reqwest::Url, String> {
        let mut urls = self.urls.lock().expect("urls lock");
        if let Some(url) = urls.get(destination) {
            return Ok(url.clone());
        }
        let endpoints = &self.endpoints;
        let text = match destination {
            Destination::Reflex => format!(
                "{}/process",
                endpoints.reflex.as_deref().ok_or("no_reflex_url")?
            ),
            Destination::Orchestrator => format!(
                "{}/tasks",
                endpoints
                    .orchestrator
                    .as_deref()
                    .ok_or("no_orchestrator_url")?
            ),
            Destination::Arm(arm) => {
                format!("{}/execute", endpoints.arms.get(arm).ok_or("no_arm_url")?)
            }
        };
        let url = reqwest::Url::parse(&text).map_err(|_| "bad_url".to_owned())?;
        urls.insert(destination.clone(), url.clone());
        Ok(url)
    }

    /// One request and its answer; `Err` carries the error kind for the report.
    async fn exchange(&self, request: Prepared) -> Result<(), String> {
        let url = self.url(&request.destination)?;
        let response = self
            .client
            .post(url.clone())
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(request.body)
            .send()
            .await
            .map_err(|error| transport_error(&error))?;
        let status = response.status().as_u16();
        match request.kind {
            RequestKind::ReflexProcess => {
                let _ = response
                    .bytes()
                    .await
                    .map_err(|error| transport_error(&error))?;
                if status == 200 {
                    Ok(())
                } else {
                    Err(format!("http_{status}"))
                }
            }
            RequestKind::ArmExecute => {
                let body = response
                    .bytes()
                    .await
                    .map_err(|error| transport_error(&error))?;
                if status != 200 {
                    return Err(format!("http_{status}"));
                }
                let answer: serde_json::Value =
                    serde_json::from_slice(&body).map_err(|_| "bad_body".to_owned())?;
                if answer["success"].as_bool() == Some(true) {
                    Ok(())
                } else {
                    Err(format!(
                        "arm_{}",
                        answer["error"]["code"].as_str().unwrap_or("failed")
                    ))
                }
            }
            RequestKind::TaskSimple | RequestKind::TaskComplex => {
                let body = response
                    .bytes()
                    .await
                    .map_err(|error| transport_error(&error))?;
                if status != 202 {
                    return Err(format!("http_{status}"));
                }
                let accepted: serde_json::Value =
                    serde_json::from_slice(&body).map_err(|_| "bad_body".to_owned())?;
                let task_id = accepted["task_id"].as_str().ok_or("bad_body")?;
                // Long-poll until the task ends: completion is timed exactly, not to a polling
                // interval.
                let wait = self.timeout.as_secs().max(1);
                let view: serde_json::Value = self
                    .client
                    .get(format!("{url}/{task_id}?wait={wait}s"))
                    .send()
                    .await
                    .map_err(|error| transport_error(&error))?
                    .json()
                    .await
                    .map_err(|error| transport_error(&error))?;
                match view["status"].as_str() {
                    Some("completed") => Ok(()),
                    Some("failed") => Err("task_failed".into()),
                    Some("cancelled") => Err("task_cancelled".into()),
                    _ => Err("task_timeout".into()),
                }
            }
        }
    }
}

fn transport_error(error: &reqwest::Error) -> String {
    if error.is_timeout() {
        "timeout".into()
    } else if error.is_connect() {
        "connect".into()
    } else if error.is_decode() {
        "bad_body".into()
    } else {
        "io".into()
    }
}
