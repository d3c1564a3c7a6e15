//! `octoperf bench URL`: the engine alone against any HTTP endpoint, as wrk2 or `oha` would be
//! used (a fixed request at a rate, or N users back to back), with the generator's own
//! account of itself; and `octoperf calibration-server`, the server of known latency it is
//! compared and calibrated against.

use std::borrow::Cow;
use std::time::{Duration, Instant};

use bytes::Bytes;
use loadgen::{Answer, Endpoint, Method, Plan, Progress, Request, Schedule, Shape, Workload};

/// A fixed request, sent again and again; with a [`SEQ_PLACEHOLDER`] in its body, each
/// request's body carries its own number there (distinct across the run's workers), so that
/// a server that caches by body sees no repeat.
#[derive(Debug, Clone)]
pub struct Fixed {
    pub method: Method,
    pub path: String,
    pub body: Bytes,
    /// The body split at each placeholder, when it has one.
    pub numbered: Option<Vec<String>>,
    /// The next number, and the step between this worker's numbers (the worker count).
    pub seq: u64,
    pub step: u64,
}

/// Replaced in a bench body by the request's number.
pub const SEQ_PLACEHOLDER: &str = "{seq}";

impl Fixed {
    /// One workload per worker; worker `w` numbers its requests w, w + n, w + 2n, ….
    pub fn per_worker(method: Method, path: String, body: Bytes, workers: usize) -> Vec<Fixed> {
        let numbered = std::str::from_utf8(&body)
            .ok()
            .filter(|text| text.contains(SEQ_PLACEHOLDER))
            .map(|text| text.split(SEQ_PLACEHOLDER).map(str::to_owned).collect());
        (0..workers)
            .map(|worker| Fixed {
                method: method.clone(),
                path: path.clone(),
                body: body.clone(),
                numbered: numbered.clone(),
                seq: worker as u64,
                step: workers as u64,
            })
            .collect()
    }

    fn body(&mut self) -> Bytes {
        let Some(parts) = &self.numbered else {
            return self.body.clone();
        };
        let number = self.seq.to_string();
        self.seq += self.step;
        Bytes::from(parts.join(&number))
    }
}

impl Workload for Fixed {
    fn next_request(&mut self) -> Request {
        Request {
            endpoint: 0,
            method: self.method.clone(),
            path: self.path.clone(),
            body: self.body(),
            headers: Vec::new(),
            delay: std::time::Duration::ZERO,
            tag: 0,
            series: 0,
            detail: None,
        }
    }

    fn check(&mut self, _request: &Request, status: u16, _body: &[u8]) -> Answer {
        Answer::Done(if (200..300).contains(&status) {
            Ok(())
        } else {
            Err(Cow::Owned(format!("http_{status}")))
        })
    }
}

/// What `octoperf bench` runs.
#[derive(Debug, Clone)]
pub struct BenchConfig {
    pub url: String,
    pub shape: Shape,
    pub warmup: Duration,
    pub duration: Duration,
    pub threads: usize,
    pub cpus: Vec<usize>,
    pub body: Bytes,
    pub method: Method,
    pub max_in_flight: usize,
    pub timeout: Duration,
    /// See `loadgen::Plan::send_window`; zero: every request at its own time.
    pub send_window: Duration,
    /// How an `https://` URL is trusted.
    pub tls: loadgen::TlsOptions,
}

/// What a bench run measured, for printing and for `cargo xtask genbench`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct BenchResult {
    pub threads: usize,
    pub offered_per_second: Option<f64>,
    /// Successful answers that arrived inside the measured window, per second.
    pub achieved_per_second: f64,
    /// Requests sent in the measured window, and in the whole run (warm-up included).
    pub sent: u64,
    pub sent_total: u64,
    pub ok: u64,
    pub errors: u64,
    pub latency_p50_us: u64,
    pub latency_p99_us: u64,
    pub latency_p999_us: u64,
    pub latency_max_us: u64,
    pub send_lag_p50_us: u64,
    pub send_lag_p99_us: u64,
    /// Share of measured requests sent more than 1 ms late.
    pub late_over_1ms_share: f64,
    pub worker_busy: Vec<f64>,
    /// CPU of the generator's workers over the measured window, per request sent in it.
    pub cpu_us_per_request: f64,
    pub in_flight_cap_hits: u64,
    pub unsent: u64,
    /// Why the generator, not the server, limited this run; empty when it did not.
    pub generator_limited: Vec<String>,
    /// Connections set up, and their TCP connect and TLS handshake times (µs), apart from
    /// the requests' latency.
    pub connections: u64,
    pub connect_p50_us: u64,
    pub connect_p99_us: u64,
    pub tls_handshake_p50_us: u64,
    pub tls_handshake_p99_us: u64,
    pub tls_resumed: u64,
}

/// Splits `http://host:port/path` into the base URL and the path the requests use.
pub fn split_url(url: &str) -> Result<(String, String), String> {
    let endpoint = Endpoint::parse(url).map_err(|error| error.to_string())?;
    let path = if endpoint.base_path.is_empty() {
        "/".to_owned()
    } else {
        endpoint.base_path.clone()
    };
    // The query, if any, stays on the path.
    let query = url
        .split_once('?')
        .map_or(String::new(), |(_, q)| format!("?{q}"));
    Ok((endpoint.origin(), format!("{path}{query}")))
}

pub fn run(config: &BenchConfig) -> Result<BenchResult, String> {
    let (base, path) = split_url(&config.url)?;
    let client = if base.starts_with("https://") {
        Some(loadgen::TlsClient::new(&config.tls).map_err(|error| error.to_string())?)
    } else {
        None
    };
    let endpoint =
        Endpoint::parse_with(&base, client.as_ref()).map_err(|error| error.to_string())?;
    let plan = Plan {
        shape: config.shape.clone(),
        start: Instant::now() + Duration::from_millis(100),
        warmup: config.warmup,
        duration: config.duration,
        max_in_flight: config.max_in_flight,
        request_timeout: config.timeout,
        threads: config.threads,
        interval: Duration::from_secs(1),
        n_series: 1,
        cpus: config.cpus.clone(),
        send_window: config.send_window,
    };
    let workloads = Fixed::per_worker(
        config.method.clone(),
        path,
        config.body.clone(),
        config.threads,
    );
    let progress = Progress::new(config.threads);
    let (_cancel, cancel_rx) = tokio::sync::watch::channel(false);
    let outcome = loadgen::run(&plan, &[endpoint], workloads, &progress, cancel_rx)
        .map_err(|error| error.to_string())?;
    let series = &outcome.series[0];
    let seconds = config.duration.as_secs_f64();
    let cpu: f64 = outcome.workers.iter().map(|w| w.cpu_seconds).sum();
    let offered_per_second = match &config.shape {
        Shape::Open(schedule) => Some(schedule.rate_at(config.warmup)),
        Shape::Closed { .. } => None,
    };
    // Judged as a scenario would be, with no latency row to take a tenth of: the generator
    // held the load when its send-lag P99 stayed within a millisecond.
    let account = crate::judge::verdict::generator_account(&outcome, MAX_SEND_LAG);
    let generator_limited = crate::judge::verdict::generator_limits(
        &account,
        MAX_SCHEDULE_LAG,
        matches!(config.shape, Shape::Open(_)),
    );
    Ok(BenchResult {
        threads: config.threads,
        offered_per_second,
        achieved_per_second: series.completed_in_window as f64 / seconds,
        sent: series.sent,
        sent_total: outcome.workers.iter().map(|w| w.sent).sum(),
        ok: series.ok,
        errors: series.error_count(),
        latency_p50_us: series.latency.value_at_quantile(0.50),
        latency_p99_us: series.latency.value_at_quantile(0.99),
        latency_p999_us: series.latency.value_at_quantile(0.999),
        latency_max_us: series.latency.max(),
        send_lag_p50_us: account.send_lag_p50_us,
        send_lag_p99_us: account.send_lag_p99_us,
        late_over_1ms_share: account.late_over_1ms_share,
        worker_busy: account.worker_busy,
        cpu_us_per_request: if series.sent > 0 {
            cpu * 1e6 / series.sent as f64
        } else {
            0.0
        },
        in_flight_cap_hits: account.in_flight_cap_hits,
        unsent: account.unsent,
        generator_limited,
        connections: outcome.connect.len(),
        connect_p50_us: outcome.connect.value_at_quantile(0.50),
        connect_p99_us: outcome.connect.value_at_quantile(0.99),
        tls_handshake_p50_us: outcome.tls_handshake.value_at_quantile(0.50),
        tls_handshake_p99_us: outcome.tls_handshake.value_at_quantile(0.99),
        tls_resumed: outcome.tls_resumed,
    })
}

/// `octoperf bench` judges no latency row: a millisecond of send lag at P99 is its limit.
const MAX_SEND_LAG: Duration = Duration::from_millis(1);
/// The scenario files' default.
const MAX_SCHEDULE_LAG: Duration = Duration::from_millis(20);

/// The result as a few lines for a terminal.
pub fn describe(result: &BenchResult) -> String {
    let ms = |us: u64| us as f64 / 1000.0;
    let busy: Vec<String> = result
        .worker_busy
        .iter()
        .map(|b| format!("{:.0}%", b * 100.0))
        .collect();
    let mut text = format!(
        "{} ok of {} sent, {} errors; {:.0} answers/s{}\n\
         latency from the intended time: P50 {:.3} ms, P99 {:.3} ms, P99.9 {:.3} ms, max {:.3} ms\n\
         generator: {} threads, busy {}, {:.1} µs of CPU per request; send lag P50 {:.3} ms, P99 {:.3} ms, {:.3}% over 1 ms\n",
        result.ok,
        result.sent,
        result.errors,
        result.achieved_per_second,
        result
            .offered_per_second
            .map_or_else(String::new, |rate| format!(" (offered {rate:.0}/s)")),
        ms(result.latency_p50_us),
        ms(result.latency_p99_us),
        ms(result.latency_p999_us),
        ms(result.latency_max_us),
        result.threads,
        busy.join(", "),
        result.cpu_us_per_request,
        ms(result.send_lag_p50_us),
        ms(result.send_lag_p99_us),
        result.late_over_1ms_share * 100.0,
    );
    text.push_str(&format!(
        "connections: {} set up, connect P50 {:.3} ms, P99 {:.3} ms",
        result.connections,
        ms(result.connect_p50_us),
        ms(result.connect_p99_us)
    ));
    if result.tls_handshake_p50_us > 0 {
        text.push_str(&format!(
            "; TLS handshake P50 {:.3} ms, P99 {:.3} ms, {} resumed",
            ms(result.tls_handshake_p50_us),
            ms(result.tls_handshake_p99_us),
            result.tls_resumed
        ));
    }
    text.push('\n');
    if result.generator_limited.is_empty() {
        text.push_str("the generator held the load\n");
    } else {
        text.push_str(&format!(
            "INVALID: the generator limited this run: {}\n",
            result.generator_limited.join("; ")
        ));
    }
    text
}

/// The open model at `rate`, or `users` back to back.
pub fn shape(rate: Option<&str>, users: Option<u32>) -> Result<Shape, String> {
    match (rate, users) {
        (Some(rate), None) => {
            let rate: crate::spec::scenario::Rate = rate.parse()?;
            Ok(Shape::Open(Schedule::constant(loadgen::Rate {
                per_second: rate.per_second,
            })))
        }
        (None, Some(0)) => Err("--users: must be at least 1".into()),
        (None, Some(users)) => Ok(Shape::Closed { users }),
        _ => Err("give --rate (open model) or --users (closed model)".into()),
    }
}
