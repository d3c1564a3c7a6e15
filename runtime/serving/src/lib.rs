//! What every reference service shares: binding and announcing its address, `/health` and
//! Prometheus `/metrics`, per-route request instrumentation, body limits and graceful shutdown.

use std::collections::HashMap;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use anyhow::Context;
use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use tokio::net::TcpListener;

/// The line a service prints on stdout once it listens; the harness reads it to learn the port.
pub const LISTENING_PREFIX: &str = "listening on http://";

/// Binds `host:port` (port 0 means any) and announces the bound address on stdout.
pub async fn bind_and_announce(host: &str, port: u16) -> anyhow::Result<TcpListener> {
    let listener = TcpListener::bind((host, port))
        .await
        .with_context(|| format!("binding {host}:{port}"))?;
    let addr = listener.local_addr().context("reading the bound address")?;
    announce(addr);
    Ok(listener)
}

/// Prints the machine-readable "listening" line and flushes it, so a parent process sees it at once.
pub fn announce(addr: SocketAddr) {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    // A closed stdout must not stop the service; the line is only a courtesy to the parent.
    let _ = writeln!(stdout, "{LISTENING_PREFIX}{addr}");
    let _ = stdout.flush();
}

pub mod auth;
mod direct;
mod heap;
mod profile;
mod wire;

pub use direct::{App, DirectRequest, DirectResponse};

pub use heap::{DHAT_OUT_ENV, HeapProfile, heap_profile};
pub use profile::{enable_profiling, peer_is_loopback};

/// The limits every service holds its clients to, so that a slow or hostile client cannot
/// hold the service: a connection that has not sent a whole request head in
/// `header_read_timeout` is closed, at most `max_connections` are open at once (the rest wait
/// in the kernel's accept queue), and a shutdown drains for at most `shutdown_deadline`
/// before the open connections are dropped. A body not read in `body_read_timeout` fails
/// the request with a 400 that says so.
///
/// `header_read_timeout` is also the idle keep-alive timeout: hyper starts the head's timer
/// when it waits for a request, so a kept-alive connection that sends nothing for that long is
/// closed. No one client address holds more than `max_connections_per_client` of the slots
/// (issue 23: the cap was global, and one client's idle connections could take every slot); a
/// connection past it is closed at once.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub header_read_timeout: Duration,
    pub body_read_timeout: Duration,
    pub max_connections: usize,
    pub max_connections_per_client: usize,
    pub shutdown_deadline: Duration,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            header_read_timeout: Duration::from_secs(10),
            body_read_timeout: Duration::from_secs(10),
            max_connections: 4096,
            max_connections_per_client: 1024,
            shutdown_deadline: Duration::from_secs(15),
        }
    }
}

/// Raises this process's limit of open files (`RLIMIT_NOFILE`) to its hard limit, so that the
/// connection cap, not the descriptor limit, decides how many clients are served, and logs
/// the figure; a limit below the connection cap is logged as a warning. Call once at start.
pub fn raise_open_files_limit(limits: &Limits) -> u64 {
    let mut rlimit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit and setrlimit write to and read from the struct passed, which lives
    // across each call.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut rlimit) } != 0 {
        tracing::warn!(error = %std::io::Error::last_os_error(), "cannot read the open-files limit");
        return 0;
    }
    let before = rlimit.rlim_cur;
    if rlimit.rlim_cur < rlimit.rlim_max {
        rlimit.rlim_cur = rlimit.rlim_max;
        // SAFETY: as above.
        if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &rlimit) } != 0 {
            tracing::warn!(error = %std::io::Error::last_os_error(), "cannot raise the open-files limit");
            rlimit.rlim_cur = before;
        }
    }
    let now = rlimit.rlim_cur;
    if now < limits.max_connections as u64 + 64 {
        tracing::warn!(
            open_files = now,
            max_connections = limits.max_connections,
            "the open-files limit is below the connection cap: connections past it fail to accept"
        );
    } else {
        tracing::info!(open_files = now, was = before, "open-files limit");
    }
    now
}

/// Open connections per client address, against [`Limits::max_connections_per_client`].
#[derive(Default)]
struct PerClient {
    open: std::sync::Mutex<HashMap<std::net::IpAddr, usize>>,
}

impl PerClient {
    /// Counts one more connection of `ip`, unless it holds `most` already.
    fn admit(self: &Arc<PerClient>, ip: std::net::IpAddr, most: usize) -> Option<ClientSlot> {
        let mut open = self
            .open
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let count = open.entry(ip).or_insert(0);
        if *count >= most {
            return None;
        }
        *count += 1;
        Some(ClientSlot {
            clients: self.clone(),
            ip,
        })
    }
}

/// One connection's place in its client's count, given back when it closes.
struct ClientSlot {
    clients: Arc<PerClient>,
    ip: std::net::IpAddr,
}

impl Drop for ClientSlot {
    fn drop(&mut self) {
        let mut open = self
            .clients
            .open
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(count) = open.get_mut(&self.ip) {
            *count -= 1;
            if *count == 0 {
                open.remove(&self.ip);
            }
        }
    }
}

/// Serves `app` on `listener` with the default [`Limits`] until `shutdown` resolves, then
/// drains in-flight requests. Each request carries its peer's address
/// (`ConnectInfo<SocketAddr>`), which the profile's routes check.
pub async fn serve(
    listener: TcpListener,
    app: impl Into<App>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    serve_with(listener, app, shutdown, Limits::default()).await
}

/// [`serve`] with the given limits.
pub async fn serve_with(
    listener: TcpListener,
    app: impl Into<App>,
    shutdown: impl Future<Output = ()> + Send + 'static,
    limits: Limits,
) -> anyhow::Result<()> {
    // One App for every connection: each request clones an Arc, not the router.
    let app: Arc<App> = Arc::new(app.into());
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout);
    let connections = Arc::new(tokio::sync::Semaphore::new(limits.max_connections.max(1)));
    let per_client = Arc::new(PerClient::default());
    let mut refused_logged = false;
    let (stopping, stop) = tokio::sync::watch::channel(false);
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            permit = connections.clone().acquire_owned() => permit.context("connection limit")?,
            () = &mut shutdown => break,
        };
        let (tcp, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of descriptors, say: back off rather than spin.
                    tracing::warn!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let Some(client_slot) =
            per_client.admit(peer.ip(), limits.max_connections_per_client.max(1))
        else {
            if !refused_logged {
                tracing::warn!(
                    client = %peer.ip(),
                    most = limits.max_connections_per_client,
                    "a client holds as many connections as one may; its next ones are closed at once (logged once)"
                );
                refused_logged = true;
            }
            drop(tcp);
            continue;
        };
        // Small JSON answers must not wait for Nagle's algorithm.
        let _ = tcp.set_nodelay(true);
        let app = app.clone();
        let http = http.clone();
        let stop = stop.clone();
        tokio::spawn(async move {
            if app.has_direct_routes() {
                wire::connection(tcp, peer, app, http, limits, stop).await;
            } else {
                hyper_connection(wire::Prefixed::new(tcp), peer, app, http, limits, stop).await;
            }
            drop(client_slot);
            drop(permit);
        });
    }
    drop(listener);
    stopping.send_replace(true);
    // Every connection holds a permit until it ends: all of them back means all drained.
    let all = u32::try_from(limits.max_connections.max(1)).unwrap_or(u32::MAX);
    if tokio::time::timeout(limits.shutdown_deadline, connections.acquire_many(all))
        .await
        .is_err()
    {
        tracing::warn!(
            deadline = ?limits.shutdown_deadline,
            open = limits.max_connections - connections.available_permits(),
            "connections still open at the shutdown deadline; closing them"
        );
    }
    Ok(())
}

/// Serves one connection with hyper until it ends, or until a shutdown has drained it.
pub(crate) async fn hyper_connection<I>(
    io: I,
    peer: SocketAddr,
    app: Arc<App>,
    http: hyper::server::conn::http1::Builder,
    limits: Limits,
    mut stop: tokio::sync::watch::Receiver<bool>,
) where
    I: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let body_read_timeout = limits.body_read_timeout;
    let service = hyper::service::service_fn(move |request: Request<hyper::body::Incoming>| {
        let request = request.map(|body| DeadlineBody {
            inner: body,
            timeout: body_read_timeout,
            deadline: None,
        });
        let app = app.clone();
        async move { Ok::<_, std::convert::Infallible>(app.call(request, Some(peer)).await) }
    });
    let connection = http
        .serve_connection(hyper_util::rt::TokioIo::new(io), service)
        .with_upgrades();
    let mut connection = std::pin::pin!(connection);
    tokio::select! {
        _ = connection.as_mut() => {}
        () = async {
            // The guard wait_for returns is dropped here, not held across an await.
            let _ = stop.wait_for(|stopping| *stopping).await;
        } => {
            connection.as_mut().graceful_shutdown();
            let _ = connection.await;
        }
    }
}

/// A request body that must arrive by a deadline: past it, reading fails with an error that
/// says so (the JSON extractors answer 400 with it). The timer is set only when the body is
/// not already there at the first read, so a body that came with its head costs nothing.
struct DeadlineBody<B> {
    inner: B,
    timeout: Duration,
    deadline: Option<std::pin::Pin<Box<tokio::time::Sleep>>>,
}

/// The error of a body that missed its deadline.
#[derive(Debug)]
struct BodyTimedOut(Duration);

impl std::fmt::Display for BodyTimedOut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the request body was not sent within {:?}", self.0)
    }
}

impl std::error::Error for BodyTimedOut {}

impl<B> http_body::Body for DeadlineBody<B>
where
    B: http_body::Body<Data = axum::body::Bytes> + Unpin,
    B::Error: Into<axum::BoxError>,
{
    type Data = axum::body::Bytes;
    type Error = axum::BoxError;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        use std::task::Poll;
        let this = &mut *self;
        if let Poll::Ready(frame) = std::pin::Pin::new(&mut this.inner).poll_frame(cx) {
            return Poll::Ready(frame.map(|frame| frame.map_err(Into::into)));
        }
        let timeout = this.timeout;
        let deadline = this
            .deadline
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(timeout)));
        match deadline.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Some(Err(Box::new(BodyTimedOut(timeout))))),
            Poll::Pending => Poll::Pending,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

/// Resolves on Ctrl-C or SIGTERM. The handlers are installed when this is called, not when
/// the future is first polled: call it before announcing the address, so that a SIGTERM sent
/// the moment the service is seen listening is not met by the default action (death, with a
/// failing status) while the runtime has not yet polled the future.
pub fn shutdown_signal() -> impl Future<Output = ()> + Send + 'static {
    use tokio::signal::unix::{SignalKind, signal};
    let interrupt = signal(SignalKind::interrupt());
    let terminate = signal(SignalKind::terminate());
    async move {
        let wait = |stream: std::io::Result<tokio::signal::unix::Signal>| async move {
            match stream {
                Ok(mut stream) => {
                    stream.recv().await;
                }
                Err(_) => std::future::pending::<()>().await,
            }
        };
        tokio::select! {
            () = wait(interrupt) => {},
            () = wait(terminate) => {},
        }
        tracing::info!("shutdown signal received, draining");
    }
}

/// The tokio runtime a service runs on. One worker runs a current-thread runtime: at the
/// loads a single core carries, it skips the cross-thread wake-ups (futex calls and context
/// switches) that a work-stealing pool pays on every request; 0 means one worker per core.
pub fn runtime(workers: usize) -> std::io::Result<tokio::runtime::Runtime> {
    if workers == 1 {
        return tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build();
    }
    let mut builder = tokio::runtime::Builder::new_multi_thread();
    if workers > 1 {
        builder.worker_threads(workers);
    }
    builder.enable_all().build()
}

/// Logs to stderr, filtered by `RUST_LOG` (default `info`), so stdout stays machine-readable.
pub fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

/// Adds `/health`, `/metrics`, the CPU profile's `/debug/pprof/{start,stop}` (answering only
/// when `enable_profiling` was called, and only to loopback), the heap pass's `/debug/heap`
/// (in a `dhat-heap` build), per-route instrumentation and a
/// request body limit to a service's router. The service keeps its own `/ready`, since only it
/// knows its dependencies.
pub fn instrument(router: Router, metrics: Arc<Metrics>, body_limit_bytes: usize) -> Router {
    instrument_with(router, metrics, body_limit_bytes, auth::Access::open())
}

/// [`instrument`], with every route but `/health` and `/ready` behind `access`'s API keys
/// (see [`auth`]); a refused request is counted on its route like any other.
pub fn instrument_with(
    router: Router,
    metrics: Arc<Metrics>,
    body_limit_bytes: usize,
    access: auth::Access,
) -> Router {
    let for_metrics = metrics.clone();
    router
        .route("/health", get(health))
        .route("/metrics", get(move || render_metrics(for_metrics.clone())))
        .route("/debug/pprof/start", post(profile::start))
        .route("/debug/pprof/stop", post(profile::stop))
        .route("/debug/heap", get(heap::stats))
        .layer(middleware::from_fn_with_state(
            Arc::new(access),
            auth::authenticate,
        ))
        .layer(middleware::from_fn_with_state(metrics, track))
        .layer(DefaultBodyLimit::max(body_limit_bytes))
}

/// Request counts and latency histograms per route, rendered in the Prometheus text format,
/// and every bound the service holds its memory to, with its fill.
#[derive(Default)]
pub struct Metrics {
    routes: RwLock<HashMap<String, Arc<RouteMetrics>>>,
    bounds: RwLock<Vec<Bound>>,
}

/// A bound on something that grows with input (a cache, a table of users, a queue), read
/// when `/metrics` is rendered: `octo_bound_limit{name,unit}` and `octo_bound_fill{name,unit}`.
struct Bound {
    name: &'static str,
    unit: &'static str,
    limit: u64,
    fill: Box<dyn Fn() -> u64 + Send + Sync>,
}

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS_SECONDS: [f64; 16] = [
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
    5.0, 10.0,
];

pub(crate) struct RouteMetrics {
    method: String,
    by_status_class: [AtomicU64; 5],
    buckets: [AtomicU64; BUCKETS_SECONDS.len()],
    count: AtomicU64,
    sum_nanos: AtomicU64,
}

impl Metrics {
    pub fn new() -> Arc<Metrics> {
        Arc::new(Metrics::default())
    }

    /// Shows a bound of the service and its fill (read at each scrape) on `/metrics`. `unit`
    /// is `bytes`, `entries` or another plural noun.
    pub fn add_bound(
        &self,
        name: &'static str,
        unit: &'static str,
        limit: u64,
        fill: impl Fn() -> u64 + Send + Sync + 'static,
    ) {
        self.bounds.write().expect("metrics lock").push(Bound {
            name,
            unit,
            limit,
            fill: Box::new(fill),
        });
    }

    /// Records one request. The read lock is uncontended once every route has been seen.
    pub fn record(&self, route: &str, method: &str, status: u16, seconds: f64) {
        self.route(route, method).observe(status, seconds);
    }

    /// The counters of `route`, made on first use: a direct route keeps its own, so that a
    /// request records without a lookup.
    pub(crate) fn route(&self, route: &str, method: &str) -> Arc<RouteMetrics> {
        let existing = self
            .routes
            .read()
            .expect("metrics lock")
            .get(route)
            .cloned();
        match existing {
            Some(found) => found,
            None => self
                .routes
                .write()
                .expect("metrics lock")
                .entry(route.to_owned())
                .or_insert_with(|| Arc::new(RouteMetrics::new(method)))
                .clone(),
        }
    }

    /// The Prometheus text exposition of every route plus the process's RSS and CPU.
    pub fn render(&self) -> String {
        use std::fmt::Write;
        let mut out = String::with_capacity(4096);
        let routes = self.routes.read().expect("metrics lock");
        let mut names: Vec<&String> = routes.keys().collect();
        names.sort();
        out.push_str("# HELP http_requests_total Requests answered, by route and status class.\n");
        out.push_str("# TYPE http_requests_total counter\n");
        for name in &names {
            let route = &routes[*name];
            for (idx, counter) in route.by_status_class.iter().enumerate() {
                let n = counter.load(Ordering::Relaxed);
                if n > 0 {
                    let _ = writeln!(
                        out,
                        "http_requests_total{{method=\"{}\",route=\"{}\",status=\"{}xx\"}} {}",
                        route.method,
                        name,
                        idx + 1,
                        n
                    );
                }
            }
        }
        out.push_str("# HELP http_request_duration_seconds Time from request to response head.\n");
        out.push_str("# TYPE http_request_duration_seconds histogram\n");
        for name in &names {
            let route = &routes[*name];
            let labels = format!("method=\"{}\",route=\"{}\"", route.method, name);
            let mut cumulative = 0;
            for (le, bucket) in BUCKETS_SECONDS.iter().zip(&route.buckets) {
                cumulative += bucket.load(Ordering::Relaxed);
                let _ = writeln!(
                    out,
                    "http_request_duration_seconds_bucket{{{labels},le=\"{le}\"}} {cumulative}"
                );
            }
            let count = route.count.load(Ordering::Relaxed);
            let _ = writeln!(
                out,
                "http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {count}"
            );
            let sum = route.sum_nanos.load(Ordering::Relaxed) as f64 / 1e9;
            let _ = writeln!(out, "http_request_duration_seconds_sum{{{labels}}} {sum}");
            let _ = writeln!(
                out,
                "http_request_duration_seconds_count{{{labels}}} {count}"
            );
        }
        let bounds = self.bounds.read().expect("metrics lock");
        if !bounds.is_empty() {
            out.push_str("# HELP octo_bound_limit A bound on memory that grows with input.\n");
            out.push_str("# TYPE octo_bound_limit gauge\n");
            for bound in bounds.iter() {
                let _ = writeln!(
                    out,
                    "octo_bound_limit{{name=\"{}\",unit=\"{}\"}} {}",
                    bound.name, bound.unit, bound.limit
                );
            }
            out.push_str("# HELP octo_bound_fill What the bound holds now.\n");
            out.push_str("# TYPE octo_bound_fill gauge\n");
            for bound in bounds.iter() {
                let _ = writeln!(
                    out,
                    "octo_bound_fill{{name=\"{}\",unit=\"{}\"}} {}",
                    bound.name,
                    bound.unit,
                    (bound.fill)()
                );
            }
        }
        drop(bounds);
        if let Ok(stats) = procstat::read(0) {
            out.push_str("# HELP process_resident_memory_bytes Resident set size.\n");
            out.push_str("# TYPE process_resident_memory_bytes gauge\n");
            let _ = writeln!(out, "process_resident_memory_bytes {}", stats.rss_bytes);
            out.push_str("# HELP process_cpu_seconds_total User and system CPU time.\n");
            out.push_str("# TYPE process_cpu_seconds_total counter\n");
            let _ = writeln!(out, "process_cpu_seconds_total {}", stats.cpu_seconds);
            if let Some(peak) = stats.rss_peak_bytes {
                out.push_str("# HELP process_resident_memory_peak_bytes Peak resident set size.\n");
                out.push_str("# TYPE process_resident_memory_peak_bytes gauge\n");
                let _ = writeln!(out, "process_resident_memory_peak_bytes {peak}");
            }
        }
        out
    }
}

impl RouteMetrics {
    /// One request's status and time.
    pub(crate) fn observe(&self, status: u16, seconds: f64) {
        let class = usize::from(status / 100).clamp(1, 5) - 1;
        self.by_status_class[class].fetch_add(1, Ordering::Relaxed);
        if let Some(bucket) = BUCKETS_SECONDS.iter().position(|&le| seconds <= le) {
            self.buckets[bucket].fetch_add(1, Ordering::Relaxed);
        }
        self.count.fetch_add(1, Ordering::Relaxed);
        self.sum_nanos
            .fetch_add((seconds * 1e9) as u64, Ordering::Relaxed);
    }

    fn new(method: &str) -> RouteMetrics {
        RouteMetrics {
            method: method.to_owned(),
            by_status_class: Default::default(),
            buckets: Default::default(),
            count: AtomicU64::new(0),
            sum_nanos: AtomicU64::new(0),
        }
    }
}

async fn track(State(metrics): State<Arc<Metrics>>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    // Unmatched paths share one label so a scan of random URLs cannot grow the map.
    // MatchedPath clones an Arc, so the hot path allocates nothing here.
    let route = request.extensions().get::<MatchedPath>().cloned();
    let method = request.method().clone();
    let mut response = next.run(request).await;
    let elapsed = started.elapsed();
    let route = route.as_ref().map_or("unmatched", MatchedPath::as_str);
    metrics.record(
        route,
        method.as_str(),
        response.status().as_u16(),
        elapsed.as_secs_f64(),
    );
    // The spec's request-profiling middleware: the server's time on every answer. Slow
    // requests show in the latency histogram rather than in a log line per request.
    response.headers_mut().insert(
        PROCESS_TIME_HEADER,
        axum::http::HeaderValue::from(elapsed.as_micros() as u64),
    );
    response
}

/// Header carrying the server's time for the request, in microseconds.
pub const PROCESS_TIME_HEADER: &str = "x-process-time-us";

async fn health() -> &'static str {
    "ok"
}

async fn render_metrics(metrics: Arc<Metrics>) -> impl IntoResponse {
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        metrics.render(),
    )
}

#[cfg(test)]
mod tests;

/// Helpers for tests that run a service binary as its own process.
pub mod testing {
    use std::io::{BufRead, BufReader};
    use std::process::{Child, Command, Stdio};

    /// Starts `program` with `args` plus `--port 0` and returns it with its base URL, read from
    /// the line it announces on stdout.
    pub fn spawn_binary(program: &str, args: &[&str]) -> (Child, String) {
        let mut child = Command::new(program)
            .args(args)
            .args(["--port", "0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|error| panic!("starting {program}: {error}"));
        let stdout = child.stdout.take().expect("piped stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("reading the announced address");
        let addr = line
            .trim()
            .strip_prefix(super::LISTENING_PREFIX)
            .unwrap_or_else(|| panic!("{program} announced {line:?}"));
        (child, format!("http://{addr}"))
    }

    /// Sends SIGTERM and waits; true when the process exited with status 0.
    pub fn terminate(mut child: Child) -> bool {
        // SAFETY: kill with the PID of a child not yet reaped and a valid signal.
        unsafe {
            libc::kill(child.id() as libc::pid_t, libc::SIGTERM);
        }
        child.wait().is_ok_and(|status| status.success())
    }
}
