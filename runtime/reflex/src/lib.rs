//! The Reflex Layer: the fast gate in front of the Orchestrator. It detects PII and prompt
//! injection in one pass, caches results in process, and limits each user's request rate.

use std::borrow::Cow;
use std::hash::{BuildHasher, Hash, Hasher};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Extension;
use axum::extract::rejection::JsonRejection;
use axum::extract::{ConnectInfo, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serving::auth::{Principal, Scope};

pub mod detect;
pub mod eval;
pub mod injection;
pub mod ngram;
mod ratelimit;

pub use detect::{Detector, Findings, InjectionMatch, MAX_MATCHES_PER_PATTERN, PiiMatch, Severity};
pub use ratelimit::RateLimiter;

/// The longest text `/process` accepts, in characters.
pub const MAX_TEXT_CHARS: usize = 100_000;

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
    rate_limiter: Option<RateLimiter>,
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
    stored: Instant,
    /// [`CachedScan::weigh`], computed once: the cache reads it when it evicts.
    weight: u64,
    findings: Findings,
}

impl CachedScan {
    fn new(text: &str, flags: u8, findings: Findings) -> CachedScan {
        let mut entry = CachedScan {
            text: text.into(),
            flags,
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
        let rate_limiter = (config.rate_limit_per_second > 0.0)
            .then(|| RateLimiter::new(config.rate_limit_per_second, config.rate_limit_burst));
        Arc::new(AppState {
            detector: Detector::new(),
            cache,
            cache_ttl: config.cache_ttl,
            hasher: Default::default(),
            rate_limiter,
        })
    }

    /// Bytes the result cache holds now, by its weigher.
    pub fn cache_bytes(&self) -> u64 {
        self.cache.as_ref().map_or(0, |cache| cache.weight())
    }
}

/// The service's routes, instrumented with `/health`, `/metrics` and the body limit.
pub fn app(state: Arc<AppState>, config: &Config) -> Router {
    let router = Router::new()
        .route("/process", post(process))
        .route("/ready", get(ready))
        .with_state(state);
    serving::instrument_with(
        router,
        serving::Metrics::new(),
        config.body_limit_bytes,
        config.access.clone(),
    )
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
}

fn yes() -> bool {
    true
}

/// The answer of `POST /process`.
#[derive(Debug, Serialize)]
pub struct ProcessResponse {
    pub request_id: String,
    pub status: &'static str,
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

/// A client error, sent as `{"error": {"code", "message"}}`.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({"error": {"code": self.code, "message": self.message}});
        (self.status, Json(body)).into_response()
    }
}

async fn process(
    State(state): State<Arc<AppState>>,
    principal: Option<Extension<Principal>>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    body: Result<Json<ProcessRequest>, JsonRejection>,
) -> Result<Response, ApiError> {
    let started = Instant::now();
    let Json(request) = body.map_err(|rejection| ApiError {
        status: rejection.status(),
        code: "invalid_request",
        message: rejection.body_text(),
    })?;
    if request.text.trim().is_empty() {
        return Err(ApiError {
            status: StatusCode::BAD_REQUEST,
            code: "empty_text",
            message: "field `text` is empty".into(),
        });
    }
    // Byte length bounds the character count from above, so count only when it could matter.
    if request.text.len() > MAX_TEXT_CHARS && request.text.chars().count() > MAX_TEXT_CHARS {
        return Err(ApiError {
            status: StatusCode::PAYLOAD_TOO_LARGE,
            code: "text_too_long",
            message: format!("field `text` is over {MAX_TEXT_CHARS} characters"),
        });
    }
    let threshold = match request.threshold {
        None => injection::DEFAULT_THRESHOLD,
        Some(threshold) if (0.0..=1.0).contains(&threshold) => threshold,
        Some(threshold) => {
            return Err(ApiError {
                status: StatusCode::BAD_REQUEST,
                code: "invalid_threshold",
                message: format!("field `threshold` is {threshold}; it must be within 0 and 1"),
            });
        }
    };
    let request_id = uuid::Uuid::new_v4().to_string();
    if let Some(limiter) = &state.rate_limiter {
        let key = rate_key(
            principal.as_ref().map(|Extension(principal)| principal),
            peer.map(|Extension(ConnectInfo(peer))| peer),
            request.user_id.as_deref(),
        );
        if !limiter.allow(&key) {
            let answer = ProcessResponse {
                request_id,
                status: "rate_limited",
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
            return Ok((StatusCode::TOO_MANY_REQUESTS, Json(answer)).into_response());
        }
    }
    let (mut findings, cache_hit) = scan_cached(&state, &request);
    let injection_score = findings.injection.first().map_or(0.0, |found| found.score);
    let blocked = findings.is_blocked(threshold);
    // The findings keep candidates down to `MIN_KEPT_SCORE`, so that one cached scan serves
    // every threshold; the answer lists those at or above this request's.
    findings.injection.retain(|found| found.score >= threshold);
    let answer = ProcessResponse {
        request_id,
        status: if blocked { "blocked" } else { "success" },
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
    Ok(Json(answer).into_response())
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

/// Scans through the cache. The key is a hash of text and flags; the entry keeps the text, so
/// a hash collision is a miss, never a wrong answer.
fn scan_cached(state: &AppState, request: &ProcessRequest) -> (Findings, bool) {
    let flags = u8::from(request.check_pii) | (u8::from(request.check_injection) << 1);
    let cache = match &state.cache {
        Some(cache) if request.use_cache => cache,
        _ => {
            let findings =
                state
                    .detector
                    .scan(&request.text, request.check_pii, request.check_injection);
            return (findings, false);
        }
    };
    let mut hasher = state.hasher.build_hasher();
    request.text.hash(&mut hasher);
    flags.hash(&mut hasher);
    let key = hasher.finish();
    if let Some(hit) = cache.get(&key)
        && hit.flags == flags
        && *hit.text == *request.text
        && hit.stored.elapsed() < state.cache_ttl
    {
        return (hit.findings.clone(), true);
    }
    let findings = state
        .detector
        .scan(&request.text, request.check_pii, request.check_injection);
    cache.insert(
        key,
        Arc::new(CachedScan::new(&request.text, flags, findings.clone())),
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
