//! The Reflex Layer: the fast gate in front of the Orchestrator. It detects PII and prompt
//! injection in one pass, caches results in process, and limits each user's request rate.

use std::borrow::Cow;
use std::hash::{BuildHasher, Hash, Hasher};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serving::auth::{Principal, Scope};
use serving::{DirectRequest, DirectResponse};

pub mod detect;
pub mod eval;
pub mod injection;
mod languages;
pub mod ngram;
pub mod normalise;
mod ratelimit;

pub use detect::{
    Channel, Detector, Findings, InjectionMatch, MAX_MATCHES_PER_PATTERN, PiiMatch, Severity,
};
pub use ratelimit::RateLimiter;

/// The longest text `/process` accepts, in characters.
pub const MAX_TEXT_CHARS: usize = 100_000;
/// The longest `user_id` accepted, in bytes (the Orchestrator's bound too).
pub const MAX_USER_ID_BYTES: usize = 256;

/// How the service is set up; built from the command line in `main`.
#[derive(Debug, Clone)]
pub struct Config {
    /// Bytes the in-process result cache may hold (texts and findings, each entry weighed);
    /// 0 turns the cache off.
    pub cache_max_bytes: u64,
    pub cache_ttl: Duration,
    /// Sustained requests per second allowed per user; 0 turns rate limiting off.
    pub rate_limit_per_second: f64,
    pub rate_limit_burst: f64,
    /// Users whose rate is tracked at once (see [`RateLimiter::bounded`]).
    pub rate_limit_max_users: usize,
    pub body_limit_bytes: usize,
    /// Who may call: API keys (none: open to all) and the scope `/process` needs (`user`).
    pub access: serving::auth::Access,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            cache_max_bytes: 16 << 20,
            cache_ttl: Duration::from_secs(300),
            rate_limit_per_second: 50.0,
            rate_limit_burst: 100.0,
            rate_limit_max_users: ratelimit::DEFAULT_MAX_USERS,
            body_limit_bytes: 1 << 20,
            access: serving::auth::Access::open(),
        }
    }
}

/// Shared state of the service: the compiled detector, the cache and the rate limiter.
pub struct AppState {
    detector: Detector,
    cache: Option<ScanCache>,
    /// How long a cached scan serves.
    cache_ttl: Duration,
    /// Hashes texts for the cache key: foldhash, randomly seeded (minimally DoS-resistant; a
    /// collision is a miss, never a wrong answer), an order of magnitude cheaper than SipHash
    /// on a kilobyte of text, which took 5% of the layer's CPU at 10k requests/s.
    hasher: foldhash::fast::RandomState,
    /// When the cache was last swept of entries past their TTL, in milliseconds since
    /// `started`.
    last_sweep_ms: std::sync::atomic::AtomicU64,
    started: Instant,
    rate_limiter: Option<RateLimiter>,
    cache_max_bytes: u64,
}

/// The result cache: quick_cache, bounded by the entries' weights in bytes. Its lookup is a
/// hash probe; moka's per-read bookkeeping (a read log, applied in batches) took a tenth of the
/// layer's CPU at 10,500 requests/s (profile of 2026-11-28). quick_cache has no time to live:
/// each entry carries the time it was stored, and an entry past the TTL is a miss.
type ScanCache =
    quick_cache::sync::Cache<u64, Arc<CachedScan>, ScanWeigher, foldhash::fast::RandomState>;

struct CachedScan {
    text: Box<str>,
    flags: u8,
    /// Whose scan it is: the cache is shared only within a scope (see [`cache_scope`]).
    scope: u64,
    stored: Instant,
    /// [`CachedScan::weigh`], computed once: the cache reads it when it evicts.
    weight: u64,
    findings: Findings,
}

impl CachedScan {
    fn new(text: &str, flags: u8, scope: u64, findings: Findings) -> CachedScan {
        let mut entry = CachedScan {
            text: text.into(),
            flags,
            scope,
            stored: Instant::now(),
            weight: 0,
            findings,
        };
        entry.weight = entry.weigh();
        entry
    }

    /// The entry's size in bytes, roughly: its text, its findings and the bookkeeping.
    fn weigh(&self) -> u64 {
        let bytes = std::mem::size_of::<CachedScan>()
            + self.text.len()
            + self.findings.pii.len() * std::mem::size_of::<PiiMatch>()
            + self
                .findings
                .injection
                .iter()
                .map(|found| {
                    std::mem::size_of::<InjectionMatch>()
                        + found.signals.len() * std::mem::size_of::<&str>()
                })
                .sum::<usize>()
            + 64;
        bytes as u64
    }
}

#[derive(Clone)]
struct ScanWeigher;

impl quick_cache::Weighter<u64, Arc<CachedScan>> for ScanWeigher {
    fn weight(&self, _key: &u64, entry: &Arc<CachedScan>) -> u64 {
        entry.weight
    }
}

impl AppState {
    pub fn new(config: &Config) -> Arc<AppState> {
        let cache = (config.cache_max_bytes > 0).then(|| {
            // A typical entry (a prompt of a kilobyte or two and its findings) weighs 1-3 KB.
            let estimated_entries = usize::try_from(config.cache_max_bytes / 2048)
                .unwrap_or(usize::MAX)
                .max(16);
            ScanCache::with(
                estimated_entries,
                config.cache_max_bytes,
                ScanWeigher,
                foldhash::fast::RandomState::default(),
                Default::default(),
            )
        });
        let rate_limiter = (config.rate_limit_per_second > 0.0).then(|| {
            RateLimiter::bounded(
                config.rate_limit_per_second,
                config.rate_limit_burst,
                config.rate_limit_max_users,
            )
        });
        Arc::new(AppState {
            detector: Detector::new(),
            cache,
            cache_ttl: config.cache_ttl,
            hasher: Default::default(),
            last_sweep_ms: std::sync::atomic::AtomicU64::new(0),
            started: Instant::now(),
            rate_limiter,
            cache_max_bytes: config.cache_max_bytes,
        })
    }

    /// Bytes the result cache holds now, by its weigher.
    pub fn cache_bytes(&self) -> u64 {
        self.cache.as_ref().map_or(0, |cache| cache.weight())
    }

    /// Drops the cache's entries past their TTL, at most once a quarter of the TTL (and at
    /// least once a minute), from the request path that inserts.
    ///
    /// quick_cache has no TTL of its own: an expired entry was a miss but stayed until the
    /// byte bound pushed it out, so the cache grew to its whole 16 MB at any rate of distinct
    /// texts. That was the soak's Reflex growth (issue 23: 21.3 to 29.1 MB over ten minutes
    /// at 40 tasks/s, about 330 bytes an entry); with the sweep the cache holds one TTL's
    /// distinct texts, as moka's TTL held it before.
    fn sweep_expired(&self, cache: &ScanCache) {
        use std::sync::atomic::Ordering;
        let period = (self.cache_ttl / 4).min(Duration::from_secs(60));
        let now_ms = self.started.elapsed().as_millis() as u64;
        let last = self.last_sweep_ms.load(Ordering::Relaxed);
        if now_ms.saturating_sub(last) < period.as_millis() as u64 {
            return;
        }
        // One sweeper at a time; the others go on.
        if self
            .last_sweep_ms
            .compare_exchange(last, now_ms, Ordering::Relaxed, Ordering::Relaxed)
            .is_err()
        {
            return;
        }
        let ttl = self.cache_ttl;
        cache.retain(|_, entry| entry.stored.elapsed() < ttl);
    }

    /// Shows the result cache's and the rate limiter's bounds and fill on `/metrics`.
    fn register_bounds(self: &Arc<AppState>, metrics: &serving::Metrics) {
        let state = self.clone();
        metrics.add_bound("reflex_cache", "bytes", self.cache_max_bytes, move || {
            state.cache_bytes()
        });
        if let Some(limiter) = &self.rate_limiter {
            let state = self.clone();
            let most = limiter.users().1 as u64;
            metrics.add_bound("reflex_rate_limit_users", "entries", most, move || {
                state
                    .rate_limiter
                    .as_ref()
                    .map_or(0, |limiter| limiter.users().0 as u64)
            });
        }
    }
}

/// The service's routes, instrumented with `/health`, `/metrics` and the body limit.
/// `/process` and `/process/batch` are direct routes (`serving::App::direct`): answered
/// straight from the connection, without the router's layers, which cost more than a cache
/// hit's whole work.
pub fn app(state: Arc<AppState>, config: &Config) -> serving::App {
    let metrics = serving::Metrics::new();
    state.register_bounds(&metrics);
    let router = Router::new()
        .route("/ready", get(ready))
        .with_state(state.clone());
    let for_batch = state.clone();
    serving::App::new(
        router,
        metrics,
        config.body_limit_bytes,
        config.access.clone(),
    )
    .direct("/process", move |request| process(&state, request))
    .direct("/process/batch", move |request| {
        process_batch(&for_batch, request)
    })
}

/// The body of `POST /process`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProcessRequest {
    pub text: String,
    #[serde(default)]
    pub user_id: Option<String>,
    #[serde(default = "yes")]
    pub check_pii: bool,
    #[serde(default = "yes")]
    pub check_injection: bool,
    #[serde(default = "yes")]
    pub use_cache: bool,
    /// The injection score at or above which the text is blocked, in [0, 1]: lower catches
    /// more, higher alarms less. Default [`injection::DEFAULT_THRESHOLD`].
    #[serde(default)]
    pub threshold: Option<f32>,
    /// Where the text comes from: `user_input` (the default), `tool_output`, `document` or
    /// `memory`. In the last three, an instruction addressed to the model is the attack.
    #[serde(default)]
    pub channel: Channel,
}

fn yes() -> bool {
    true
}

/// The answer of `POST /process`.
#[derive(Debug, Serialize)]
pub struct ProcessResponse {
    pub request_id: String,
    pub status: &'static str,
    /// The channel the text was judged as.
    pub channel: Channel,
    pub pii_detected: bool,
    pub pii_matches: Vec<PiiMatch>,
    pub injection_detected: bool,
    /// The text's injection score, in [0, 1] (0 when it is below the kept minimum).
    pub injection_score: f32,
    /// The threshold the verdict used.
    pub threshold: f32,
    pub injection_matches: Vec<InjectionMatch>,
    /// Matches were left out: a pattern matched more than `MAX_MATCHES_PER_PATTERN` times.
    pub truncated: bool,
    pub cache_hit: bool,
    pub processing_time_us: u64,
}

/// The body of `POST /process/batch`: several texts of one request (a task's goal, context,
/// constraints and acceptance criteria), scanned under one rate-limit token and answered
/// each in turn.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BatchRequest {
    pub texts: Vec<String>,
    #[serde(default)]
    pub user_id: Option<String>,
    #[serde(default = "yes")]
    pub check_pii: bool,
    #[serde(default = "yes")]
    pub check_injection: bool,
    #[serde(default = "yes")]
    pub use_cache: bool,
    #[serde(default)]
    pub threshold: Option<f32>,
    /// The channel of every text (default `user_input`)...
    #[serde(default)]
    pub channel: Channel,
    /// ...or of each, in the order of `texts`: as many as there are texts.
    #[serde(default)]
    pub channels: Option<Vec<Channel>>,
}

/// The most texts one batch may hold.
pub const MAX_BATCH_TEXTS: usize = 4096;

/// The answer of `POST /process/batch`: `blocked` when any text is, and each text's verdict
/// in the order sent.
#[derive(Debug, Serialize)]
pub struct BatchResponse {
    pub request_id: String,
    pub status: &'static str,
    pub threshold: f32,
    pub results: Vec<TextVerdict>,
    pub processing_time_us: u64,
}

/// One text's verdict in a batch: the fields of [`ProcessResponse`] that belong to a text.
#[derive(Debug, Serialize)]
pub struct TextVerdict {
    pub status: &'static str,
    pub channel: Channel,
    pub pii_detected: bool,
    pub pii_matches: Vec<PiiMatch>,
    pub injection_detected: bool,
    pub injection_score: f32,
    pub injection_matches: Vec<InjectionMatch>,
    pub truncated: bool,
    pub cache_hit: bool,
}

/// A client error, sent as `{"error": {"code", "message"}}`.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
}

impl From<ApiError> for DirectResponse {
    fn from(error: ApiError) -> DirectResponse {
        DirectResponse::error(error.status, error.code, &error.message)
    }
}

/// A JSON answer.
fn answer(status: StatusCode, body: &impl Serialize) -> DirectResponse {
    // Sized for a typical answer (300-600 bytes), so that it is not grown by copies.
    let mut bytes = Vec::with_capacity(1024);
    serde_json::to_writer(&mut bytes, body).expect("an answer serialises");
    DirectResponse {
        status,
        body: bytes,
    }
}

/// `POST /process`: one text's verdict.
fn process(state: &AppState, request: DirectRequest<'_>) -> DirectResponse {
    let started = Instant::now();
    let body = match serde_json::from_slice::<ProcessRequest>(request.body) {
        Ok(body) => body,
        Err(error) => return DirectResponse::rejected(&error),
    };
    process_text(state, request.principal, request.peer, body, started)
        .unwrap_or_else(DirectResponse::from)
}

fn process_text(
    state: &AppState,
    principal: Option<&Principal>,
    peer: Option<SocketAddr>,
    request: ProcessRequest,
    started: Instant,
) -> Result<DirectResponse, ApiError> {
    if request.text.trim().is_empty() {
        return Err(ApiError {
            status: StatusCode::BAD_REQUEST,
            code: "empty_text",
            message: "field `text` is empty".into(),
        });
    }
    check_length(&request.text, || "text".into())?;
    let threshold = check_threshold(request.threshold)?;
    check_user_id(request.user_id.as_deref())?;
    let request_id = uuid::Uuid::new_v4().to_string();
    if let Some(limiter) = &state.rate_limiter {
        let key = rate_key(principal, peer, request.user_id.as_deref());
        if !limiter.allow(&key) {
            let response = ProcessResponse {
                request_id,
                status: "rate_limited",
                channel: request.channel,
                pii_detected: false,
                pii_matches: Vec::new(),
                injection_detected: false,
                injection_score: 0.0,
                threshold,
                injection_matches: Vec::new(),
                truncated: false,
                cache_hit: false,
                processing_time_us: started.elapsed().as_micros() as u64,
            };
            return Ok(answer(StatusCode::TOO_MANY_REQUESTS, &response));
        }
    }
    let scope = cache_scope(state, principal, peer);
    let (mut findings, cache_hit) = scan_cached(state, &request, scope);
    let (injection_score, blocked) = judge(&mut findings, threshold);
    let response = ProcessResponse {
        request_id,
        status: if blocked { "blocked" } else { "success" },
        channel: request.channel,
        pii_detected: !findings.pii.is_empty(),
        injection_detected: blocked,
        injection_score,
        threshold,
        pii_matches: findings.pii,
        injection_matches: findings.injection,
        truncated: findings.truncated,
        cache_hit,
        processing_time_us: started.elapsed().as_micros() as u64,
    };
    Ok(answer(StatusCode::OK, &response))
}

/// A scan's verdict at `threshold`: the text's injection score and whether it is blocked.
/// The findings keep candidates down to `MIN_KEPT_SCORE`, so that one cached scan serves
/// every threshold; the answer lists only those at or above this request's.
fn judge(findings: &mut Findings, threshold: f32) -> (f32, bool) {
    let injection_score = findings.injection.first().map_or(0.0, |found| found.score);
    let blocked = findings.is_blocked(threshold);
    findings.injection.retain(|found| found.score >= threshold);
    (injection_score, blocked)
}

/// 413 when `text` is over [`MAX_TEXT_CHARS`] characters, naming the field `field` gives
/// (built only then).
fn check_length(text: &str, field: impl FnOnce() -> String) -> Result<(), ApiError> {
    // Byte length bounds the character count from above, so count only when it could matter.
    if text.len() > MAX_TEXT_CHARS && text.chars().count() > MAX_TEXT_CHARS {
        return Err(ApiError {
            status: StatusCode::PAYLOAD_TOO_LARGE,
            code: "text_too_long",
            message: format!("field `{}` is over {MAX_TEXT_CHARS} characters", field()),
        });
    }
    Ok(())
}

/// The request's threshold, or the default; 400 when it is outside [0, 1].
fn check_threshold(threshold: Option<f32>) -> Result<f32, ApiError> {
    match threshold {
        None => Ok(injection::DEFAULT_THRESHOLD),
        Some(threshold) if (0.0..=1.0).contains(&threshold) => Ok(threshold),
        Some(threshold) => Err(ApiError {
            status: StatusCode::BAD_REQUEST,
            code: "invalid_threshold",
            message: format!("field `threshold` is {threshold}; it must be within 0 and 1"),
        }),
    }
}

/// 400 when `user_id` is longer than [`MAX_USER_ID_BYTES`].
fn check_user_id(user_id: Option<&str>) -> Result<(), ApiError> {
    if user_id.is_some_and(|user| user.len() > MAX_USER_ID_BYTES) {
        return Err(ApiError {
            status: StatusCode::BAD_REQUEST,
            code: "invalid_request",
            message: format!("field `user_id` is over {MAX_USER_ID_BYTES} bytes"),
        });
    }
    Ok(())
}

/// `POST /process/batch`: every text scanned (blank ones pass as clean), one rate-limit token
/// for the whole batch.
fn process_batch(state: &AppState, request: DirectRequest<'_>) -> DirectResponse {
    let started = Instant::now();
    let body = match serde_json::from_slice::<BatchRequest>(request.body) {
        Ok(body) => body,
        Err(error) => return DirectResponse::rejected(&error),
    };
    process_texts(state, request.principal, request.peer, body, started)
        .unwrap_or_else(DirectResponse::from)
}

fn process_texts(
    state: &AppState,
    principal: Option<&Principal>,
    peer: Option<SocketAddr>,
    request: BatchRequest,
    started: Instant,
) -> Result<DirectResponse, ApiError> {
    if request.texts.len() > MAX_BATCH_TEXTS {
        return Err(ApiError {
            status: StatusCode::PAYLOAD_TOO_LARGE,
            code: "too_many_texts",
            message: format!(
                "field `texts` holds {} texts; at most {MAX_BATCH_TEXTS}",
                request.texts.len()
            ),
        });
    }
    for (idx, text) in request.texts.iter().enumerate() {
        check_length(text, || format!("texts[{idx}]"))?;
    }
    if let Some(channels) = &request.channels
        && channels.len() != request.texts.len()
    {
        return Err(ApiError {
            status: StatusCode::BAD_REQUEST,
            code: "invalid_request",
            message: format!(
                "field `channels` holds {} channels for {} texts; give one per text, or `channel` for all",
                channels.len(),
                request.texts.len()
            ),
        });
    }
    let threshold = check_threshold(request.threshold)?;
    check_user_id(request.user_id.as_deref())?;
    let request_id = uuid::Uuid::new_v4().to_string();
    if let Some(limiter) = &state.rate_limiter
        && !limiter.allow(&rate_key(principal, peer, request.user_id.as_deref()))
    {
        let response = BatchResponse {
            request_id,
            status: "rate_limited",
            threshold,
            results: Vec::new(),
            processing_time_us: started.elapsed().as_micros() as u64,
        };
        return Ok(answer(StatusCode::TOO_MANY_REQUESTS, &response));
    }
    let scope = cache_scope(state, principal, peer);
    let results: Vec<TextVerdict> = request
        .texts
        .iter()
        .enumerate()
        .map(|(idx, text)| {
            let channel = request
                .channels
                .as_ref()
                .map_or(request.channel, |channels| channels[idx]);
            let options = ScanOptions {
                check_pii: request.check_pii,
                check_injection: request.check_injection,
                use_cache: request.use_cache,
                channel,
            };
            let (mut findings, cache_hit) = if text.trim().is_empty() {
                (Findings::default(), false)
            } else {
                scan_text(state, text, options, scope)
            };
            let (injection_score, blocked) = judge(&mut findings, threshold);
            TextVerdict {
                status: if blocked { "blocked" } else { "success" },
                channel,
                pii_detected: !findings.pii.is_empty(),
                injection_detected: blocked,
                injection_score,
                pii_matches: findings.pii,
                injection_matches: findings.injection,
                truncated: findings.truncated,
                cache_hit,
            }
        })
        .collect();
    let blocked = results.iter().any(|verdict| verdict.injection_detected);
    let response = BatchResponse {
        request_id,
        status: if blocked { "blocked" } else { "success" },
        threshold,
        results,
        processing_time_us: started.elapsed().as_micros() as u64,
    };
    Ok(answer(StatusCode::OK, &response))
}

/// Whose rate a request counts against. Never a name the caller picks for itself: a user's
/// key counts against that user; a service's key (the Orchestrator, a gateway) acts for the
/// users it names, so the `user_id` of the body counts; with no keys configured, the client's
/// address.
fn rate_key<'a>(
    principal: Option<&'a Principal>,
    peer: Option<SocketAddr>,
    user_id: Option<&'a str>,
) -> Cow<'a, str> {
    match principal {
        Some(principal) if principal.scope >= Scope::Service => {
            Cow::Borrowed(user_id.unwrap_or(&principal.name))
        }
        Some(principal) => Cow::Borrowed(&principal.name),
        None => peer.map_or(Cow::Borrowed("unknown-peer"), |peer| {
            Cow::Owned(peer.ip().to_string())
        }),
    }
}

/// Whose cache a request reads: services and admins (the Orchestrator, a gateway) share one,
/// and each user has one of their own, so that no user learns from a `cache_hit`, or from the
/// time a hit saves, whether someone else sent a text (issue 23). Without keys, each client
/// address has its own, as it has its own rate.
fn cache_scope(state: &AppState, principal: Option<&Principal>, peer: Option<SocketAddr>) -> u64 {
    match principal {
        Some(principal) if principal.scope >= Scope::Service => 0,
        Some(principal) => state.hasher.hash_one(("user", &*principal.name)) | 1,
        None => peer.map_or(1, |peer| state.hasher.hash_one(("peer", peer.ip())) | 1),
    }
}

/// What a scan looks for, and whether it may use the cache.
#[derive(Debug, Clone, Copy)]
struct ScanOptions {
    check_pii: bool,
    check_injection: bool,
    use_cache: bool,
    channel: Channel,
}

/// [`scan_text`] of a `/process` request.
fn scan_cached(state: &AppState, request: &ProcessRequest, scope: u64) -> (Findings, bool) {
    let options = ScanOptions {
        check_pii: request.check_pii,
        check_injection: request.check_injection,
        use_cache: request.use_cache,
        channel: request.channel,
    };
    scan_text(state, &request.text, options, scope)
}

/// Scans through the cache. The key is a hash of text, flags (the checks and the channel) and
/// scope; the entry keeps the text, flags and scope, so a hash collision is a miss, never a
/// wrong answer.
fn scan_text(state: &AppState, text: &str, options: ScanOptions, scope: u64) -> (Findings, bool) {
    let flags = u8::from(options.check_pii)
        | (u8::from(options.check_injection) << 1)
        | ((options.channel as u8) << 2);
    let cache = match &state.cache {
        Some(cache) if options.use_cache => cache,
        _ => {
            let findings = state.detector.scan_in(
                text,
                options.channel,
                options.check_pii,
                options.check_injection,
            );
            return (findings, false);
        }
    };
    let mut hasher = state.hasher.build_hasher();
    text.hash(&mut hasher);
    flags.hash(&mut hasher);
    scope.hash(&mut hasher);
    let key = hasher.finish();
    if let Some(hit) = cache.get(&key)
        && hit.flags == flags
        && hit.scope == scope
        && *hit.text == *text
        && hit.stored.elapsed() < state.cache_ttl
    {
        return (hit.findings.clone(), true);
    }
    let findings = state.detector.scan_in(
        text,
        options.channel,
        options.check_pii,
        options.check_injection,
    );
    state.sweep_expired(cache);
    cache.insert(
        key,
        Arc::new(CachedScan::new(text, flags, scope, findings.clone())),
    );
    (findings, false)
}

/// Ready once the detector is built, which happens before the listener is bound.
async fn ready(State(state): State<Arc<AppState>>) -> Json<serde_json::Value> {
    let (pii, injection) = state.detector.families();
    Json(serde_json::json!({"ready": true, "pii_types": pii, "injection_families": injection}))
}

#[cfg(test)]
mod tests;
