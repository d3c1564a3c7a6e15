//! The Arms: workers the Orchestrator routes tasks to. One binary serves any arm kind; each
//! call goes through the LLM provider under a semaphore that bounds concurrent LLM calls.

use std::hash::{Hash, Hasher};
use std::str::FromStr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use tokio::sync::Semaphore;

pub mod llm;

pub use llm::{LlmModel, Provider};

/// The kinds of arm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ArmKind {
    Planner,
    Coder,
    Executor,
    Retriever,
    Judge,
    Guardian,
}

impl ArmKind {
    pub const ALL: [ArmKind; 6] = [
        ArmKind::Planner,
        ArmKind::Coder,
        ArmKind::Executor,
        ArmKind::Retriever,
        ArmKind::Judge,
        ArmKind::Guardian,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ArmKind::Planner => "planner",
            ArmKind::Coder => "coder",
            ArmKind::Executor => "executor",
            ArmKind::Retriever => "retriever",
            ArmKind::Judge => "judge",
            ArmKind::Guardian => "guardian",
        }
    }

    /// What this arm can do; the Orchestrator routes by these names.
    pub fn capabilities(self) -> &'static [&'static str] {
        match self {
            ArmKind::Planner => &["planning", "decomposition"],
            ArmKind::Coder => &["code_generation", "debugging", "refactoring"],
            ArmKind::Executor => &["command_execution", "tool_use"],
            ArmKind::Retriever => &["search", "retrieval", "knowledge"],
            ArmKind::Judge => &["validation", "evaluation", "fact_checking"],
            ArmKind::Guardian => &["safety", "pii_redaction", "policy"],
        }
    }

    fn system_prompt(self) -> String {
        match self {
            ArmKind::Planner => "You are a planner. Answer with JSON {\"steps\":[{\"id\",\"arm\",\"goal\",\"depends_on\"}]} using arms retriever, coder, executor, judge, guardian.".into(),
            other => format!("You are the {} arm of an agent system. Do the task and answer concisely.", other.as_str()),
        }
    }
}

impl FromStr for ArmKind {
    type Err = String;

    fn from_str(text: &str) -> Result<ArmKind, String> {
        ArmKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == text)
            .ok_or_else(|| {
                format!("unknown arm kind {text:?}; expected one of planner, coder, executor, retriever, judge, guardian")
            })
    }
}

/// The longest `request_id` accepted, in bytes: the key of the memory of answers.
pub const MAX_REQUEST_ID_BYTES: usize = 512;

/// The largest `timeout_seconds` accepted: an hour.
pub const MAX_TIMEOUT_SECONDS: f64 = 3600.0;

/// How an arm is set up; built from the command line in `main`.
#[derive(Debug, Clone)]
pub struct Config {
    pub kind: ArmKind,
    pub arm_id: String,
    /// Concurrent LLM calls allowed; further calls wait for a permit.
    pub max_concurrent_llm: usize,
    pub body_limit_bytes: usize,
    /// How many bytes of successful answers the arm remembers by `request_id` (see
    /// [`IDEMPOTENCY_TTL`]); the least used are forgotten past it.
    pub idempotency_bytes: u64,
}

impl Config {
    /// Calls that may wait for an LLM permit: four times the calls that may run. One more is
    /// refused with 503 and `Retry-After` (retryable), instead of waiting out its timeout.
    pub fn max_waiting_llm(&self) -> usize {
        self.max_concurrent_llm.max(1) * 4
    }
}

pub struct AppState {
    config: Config,
    provider: Provider,
    llm_permits: Semaphore,
    /// Calls waiting for a permit now.
    waiting: std::sync::atomic::AtomicUsize,
    /// Successful answers by `request_id`: a repeated request (a retry whose first answer was
    /// lost, a task resumed after a restart) is answered from here, and the LLM is not called
    /// again. Concurrent requests with one id share one call.
    /// Kept as the JSON of the answer: a parsed answer's tree of small allocations held
    /// seven times its serialised size, which the byte bound could not see.
    answers: moka::future::Cache<String, axum::body::Bytes>,
    /// The highest fencing token seen per fencing key (a task): a call with a lower token
    /// comes from an owner that has lost the task, and is refused (see [`Fence`]).
    fences: moka::sync::Cache<String, u64>,
    stats: Stats,
    suite: FaultSuite,
    /// The LLM fault in force, if any.
    fault: std::sync::Mutex<Option<LlmFault>>,
}

/// What the fault suite needs of an arm, all off by default.
#[derive(Debug, Default)]
pub struct FaultSuite {
    /// Serve `POST /debug/llm-fault` to loopback: the LLM fails or hangs on demand.
    pub fault_injection: bool,
    /// A journal of effects: one line with the `request_id` of each LLM call that succeeded,
    /// appended as it ends (one `write` of a short line to a file opened for appending, so
    /// that the lines of several lives of the arm, killed or not, interleave whole).
    pub effects_log: Option<std::fs::File>,
}

/// An LLM fault ordered over `POST /debug/llm-fault`, until a time.
#[derive(Debug, Clone, Copy)]
struct LlmFault {
    mode: FaultMode,
    /// The HTTP status an `error` fault stands for.
    status: u16,
    until: tokio::time::Instant,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
enum FaultMode {
    /// Each call fails at once, as an endpoint answering this HTTP status.
    Error,
    /// Each call hangs until the fault ends (or the call's timeout).
    Hang,
    /// The fault ends now.
    None,
}

impl FaultSuite {
    fn record_effect(&self, request_id: &str) {
        use std::io::Write;
        if let Some(mut file) = self.effects_log.as_ref() {
            let line = format!("{request_id}\n");
            if let Err(error) = file.write_all(line.as_bytes()) {
                tracing::warn!(%error, "cannot append to the effects log");
            }
        }
    }
}

/// How many times the LLM was called, and how many requests were answered from the
/// idempotency cache, for `GET /stats` (the fault suite's exactly-once check).
#[derive(Debug, Default)]
struct Stats {
    llm_calls: std::sync::atomic::AtomicU64,
    replays: std::sync::atomic::AtomicU64,
}

/// How long an arm remembers a successful answer for its `request_id`.
pub const IDEMPOTENCY_TTL: Duration = Duration::from_secs(3600);
/// How many bytes of answers it remembers by default: the soak found a count (100,000
/// answers) let a planner's memory grow by 4.7 MB a minute for over an hour.
pub const IDEMPOTENCY_BYTES: u64 = 16 << 20;

impl AppState {
    pub fn new(config: Config, provider: Provider) -> Arc<AppState> {
        AppState::with_fault_suite(config, provider, FaultSuite::default())
    }

    /// An arm with the fault suite's switch and journal.
    pub fn with_fault_suite(
        config: Config,
        provider: Provider,
        suite: FaultSuite,
    ) -> Arc<AppState> {
        let idempotency_bytes = config.idempotency_bytes;
        Arc::new(AppState {
            llm_permits: Semaphore::new(config.max_concurrent_llm.max(1)),
            config,
            provider,
            waiting: std::sync::atomic::AtomicUsize::new(0),
            answers: moka::future::Cache::builder()
                .max_capacity(idempotency_bytes)
                .weigher(|id: &String, answer: &axum::body::Bytes| {
                    // The key twice (the map and the eviction order), and the entry's own
                    // bookkeeping, about a hundred bytes.
                    let bytes = 2 * id.len() + answer.len() + 128;
                    u32::try_from(bytes).unwrap_or(u32::MAX)
                })
                .time_to_live(IDEMPOTENCY_TTL)
                .build(),
            fences: moka::sync::Cache::builder()
                .max_capacity(FENCES_BYTES)
                .weigher(|key: &String, _token: &u64| {
                    u32::try_from(2 * key.len() + 96).unwrap_or(u32::MAX)
                })
                .time_to_live(IDEMPOTENCY_TTL)
                .build(),
            stats: Stats::default(),
            suite,
            fault: std::sync::Mutex::new(None),
        })
    }

    /// The LLM fault in force now, if any.
    fn current_fault(&self) -> Option<LlmFault> {
        let fault = *self
            .fault
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        fault.filter(|fault| fault.until > tokio::time::Instant::now())
    }
}

/// Counts a caller waiting for an LLM permit while it lives.
struct Waiting<'a>(&'a std::sync::atomic::AtomicUsize);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
    }
}

pub fn app(state: Arc<AppState>) -> Router {
    app_behind(state, None)
}

/// [`app`] behind API keys (`None`: open). An arm spends an LLM key on every call, so its
/// routes need the service scope (the Orchestrator's): a user's key is refused, and cannot go
/// around the Reflex Layer to the LLM.
pub fn app_behind(state: Arc<AppState>, keys: Option<Arc<serving::auth::ApiKeys>>) -> Router {
    let body_limit = state.config.body_limit_bytes;
    let metrics = serving::Metrics::new();
    let watched = state.clone();
    metrics.add_bound(
        "arm_answers",
        "bytes",
        state.config.idempotency_bytes,
        move || watched.answers.weighted_size(),
    );
    let watched = state.clone();
    metrics.add_bound("arm_fences", "bytes", FENCES_BYTES, move || {
        // Pending inserts first, so that the figure is the cache's after its bound.
        watched.fences.run_pending_tasks();
        watched.fences.weighted_size()
    });
    let router = Router::new()
        .route("/execute", post(execute))
        .route("/capabilities", get(capabilities))
        .route("/stats", get(stats))
        .route("/ready", get(ready))
        .route("/debug/llm-fault", post(llm_fault))
        .with_state(state);
    let access = serving::auth::Access {
        keys,
        routes_need: serving::auth::Scope::Service,
    };
    serving::instrument_with(router, metrics, body_limit, access)
}

/// The body of `POST /execute`.
#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ExecuteRequest {
    pub task: serde_json::Value,
    pub request_id: String,
    #[serde(default = "default_timeout")]
    pub timeout_seconds: f64,
    #[serde(default)]
    pub fence: Option<Fence>,
}

/// A caller's fencing token (issue 23): the Orchestrator sends its task's id and the epoch of
/// its claim on it (1 for the first claim). The arm keeps the highest token above 1 seen per
/// key and refuses a call with a lower one (409 `fenced`), before any LLM call or remembered
/// answer: an owner paused past
/// its lease, continued after another claimed the task, may have a call in flight, and its
/// database writes are fenced, but a call it sends to an arm after the new owner's is
/// stopped only here, at the resource, as in Kleppmann's analysis of leases.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Fence {
    pub key: String,
    pub token: u64,
}

/// Bytes of fencing tokens an arm remembers (an hour each, the least used forgotten past it).
pub const FENCES_BYTES: u64 = 4 << 20;

fn default_timeout() -> f64 {
    30.0
}

#[derive(Debug, Serialize, Deserialize)]
pub struct ExecuteResponse {
    pub task_id: String,
    pub success: bool,
    pub result: serde_json::Value,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ArmError>,
    pub provenance: Provenance,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ArmError {
    pub code: String,
    pub message: String,
    pub retryable: bool,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Provenance {
    pub arm_id: String,
    pub processing_time_ms: f64,
    pub llm_time_ms: f64,
    pub tokens: u32,
}

/// One step of a plan the planner arm returns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanStep {
    pub id: String,
    pub arm: ArmKind,
    pub goal: String,
    #[serde(default)]
    pub depends_on: Vec<String>,
}

async fn execute(
    State(state): State<Arc<AppState>>,
    body: Result<Json<ExecuteRequest>, JsonRejection>,
) -> Response {
    let started = Instant::now();
    let request = match body {
        Ok(Json(request)) => request,
        Err(rejection) => {
            let body = serde_json::json!({"error": {"code": "invalid_request", "message": rejection.body_text()}});
            return (rejection.status(), Json(body)).into_response();
        }
    };
    if request.request_id.trim().is_empty() || request.request_id.len() > MAX_REQUEST_ID_BYTES {
        // An empty id would make every such caller share one remembered answer.
        let body = serde_json::json!({"error": {"code": "invalid_request", "message": format!("field `request_id` must be 1 to {MAX_REQUEST_ID_BYTES} bytes, not blank")}});
        return (StatusCode::BAD_REQUEST, Json(body)).into_response();
    }
    if !(request.timeout_seconds > 0.0 && request.timeout_seconds <= MAX_TIMEOUT_SECONDS) {
        let body = serde_json::json!({"error": {"code": "invalid_request", "message": format!("field `timeout_seconds` must be a number of seconds over 0 and at most {MAX_TIMEOUT_SECONDS}")}});
        return (StatusCode::BAD_REQUEST, Json(body)).into_response();
    }
    if let Some(fence) = &request.fence {
        if fence.key.is_empty() || fence.key.len() > MAX_REQUEST_ID_BYTES {
            let body = serde_json::json!({"error": {"code": "invalid_request", "message": format!("field `fence.key` must be 1 to {MAX_REQUEST_ID_BYTES} bytes")}});
            return (StatusCode::BAD_REQUEST, Json(body)).into_response();
        }
        // A task's first claim (token 1) has no older token to refuse, so only later ones are
        // kept: the memory grows with takeovers and restarts, not with tasks (kept for every
        // task, it grew the soak's arms by 11-32% over ten minutes).
        let mut newest = 0;
        if fence.token > 1 {
            state
                .fences
                .entry(fence.key.clone())
                .and_upsert_with(|held| {
                    newest = held.map_or(0, |held| held.into_value());
                    newest.max(fence.token)
                });
        } else {
            newest = state.fences.get(&fence.key).unwrap_or(0);
        }
        if fence.token < newest {
            let body = serde_json::json!({"error": {"code": "fenced", "message": format!("fencing token {} of {:?} is older than {newest}: another caller holds it now", fence.token, fence.key), "retryable": false}});
            return (StatusCode::CONFLICT, Json(body)).into_response();
        }
    }
    let task_id = request.task["task_id"]
        .as_str()
        .map_or_else(|| request.request_id.clone(), str::to_owned);
    let goal = request.task["goal"].as_str().unwrap_or_default();
    let prompt = match &request.task {
        serde_json::Value::String(text) => text.clone(),
        other => other.to_string(),
    };
    if let Some(done) = state.answers.get(&request.request_id).await {
        state
            .stats
            .replays
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        return replayed(&done);
    }
    let timeout = Duration::from_secs_f64(request.timeout_seconds);
    // A caller without a permit counts as waiting from here until its guard drops: when it
    // gets a permit, or when its future is dropped unpolled because a concurrent call with
    // the same `request_id` answers for it (issue 23: the count was raised here and lowered
    // only inside the call, so each merged duplicate leaked one "waiting" for good).
    let permit = match state.llm_permits.try_acquire() {
        Ok(permit) => Ok(permit),
        Err(_) => {
            let waiting = state
                .waiting
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let guard = Waiting(&state.waiting);
            if waiting >= state.config.max_waiting_llm() {
                drop(guard);
                let body = serde_json::json!({"error": {"code": "overloaded", "message": format!("{} LLM calls are running and {waiting} waiting; retry later", state.config.max_concurrent_llm), "retryable": true}});
                return (
                    StatusCode::SERVICE_UNAVAILABLE,
                    [(axum::http::header::RETRY_AFTER, "1")],
                    Json(body),
                )
                    .into_response();
            }
            Err(guard)
        }
    };
    let called = std::sync::atomic::AtomicBool::new(false);
    let answered = state
        .answers
        .try_get_with(request.request_id.clone(), async {
            called.store(true, std::sync::atomic::Ordering::Relaxed);
            let answer = call_llm(
                &state,
                permit,
                timeout,
                &prompt,
                goal,
                (task_id, &request.request_id),
                started,
            )
            .await;
            if answer.success {
                Ok(axum::body::Bytes::from(
                    serde_json::to_vec(&answer).expect("answers serialise"),
                ))
            } else {
                Err(answer)
            }
        })
        .await;
    match answered {
        Ok(answer) if called.load(std::sync::atomic::Ordering::Relaxed) => json_answer(answer),
        // Another request with this id was running: its answer is this one's too.
        Ok(answer) => {
            state
                .stats
                .replays
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            replayed(&answer)
        }
        Err(failed) => Json(&*failed).into_response(),
    }
}

/// An answer already serialised, as JSON.
fn json_answer(answer: axum::body::Bytes) -> Response {
    (
        [(
            axum::http::header::CONTENT_TYPE,
            axum::http::HeaderValue::from_static("application/json"),
        )],
        answer,
    )
        .into_response()
}

/// A remembered answer, marked as such.
fn replayed(answer: &axum::body::Bytes) -> Response {
    let mut response = json_answer(answer.clone());
    response.headers_mut().insert(
        axum::http::HeaderName::from_static("x-idempotent-replay"),
        axum::http::HeaderValue::from_static("true"),
    );
    response
}

/// One LLM call under the permit (waited for within `timeout`), as an answer.
async fn call_llm(
    state: &AppState,
    permit: Result<tokio::sync::SemaphorePermit<'_>, Waiting<'_>>,
    timeout: Duration,
    prompt: &str,
    goal: &str,
    (task_id, request_id): (String, &str),
    started: Instant,
) -> ExecuteResponse {
    let kind = state.config.kind;
    let outcome = tokio::time::timeout(timeout, async {
        // The permit bounds concurrent LLM calls; waiting for it counts against the timeout,
        // and the waiters are bounded (in `execute`).
        let _permit = match permit {
            Ok(permit) => permit,
            Err(waiting) => {
                let permit = state
                    .llm_permits
                    .acquire()
                    .await
                    .expect("semaphore never closed");
                drop(waiting);
                permit
            }
        };
        state
            .stats
            .llm_calls
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        if let Some(fault) = state.current_fault() {
            match fault.mode {
                FaultMode::Error => {
                    return Err(llm::LlmError::Upstream {
                        message: format!(
                            "the LLM answered HTTP {} (an injected fault)",
                            fault.status
                        ),
                        retryable: fault.status == 429 || fault.status >= 500,
                    });
                }
                FaultMode::Hang => tokio::time::sleep_until(fault.until).await,
                FaultMode::None => {}
            }
        }
        state.provider.complete(kind, prompt).await
    })
    .await
    .unwrap_or(Err(llm::LlmError::Timeout(timeout)));
    let (success, result, error, llm_time_ms, tokens) = match outcome {
        Ok(completion) => {
            state.suite.record_effect(request_id);
            let result = match kind {
                ArmKind::Planner => {
                    let steps =
                        parse_plan(&completion.text).unwrap_or_else(|| heuristic_plan(goal));
                    serde_json::json!({"plan": {"steps": steps}, "text": completion.text})
                }
                _ => serde_json::json!({"text": completion.text}),
            };
            (
                true,
                result,
                None,
                completion.llm_time.as_secs_f64() * 1000.0,
                completion.tokens,
            )
        }
        Err(error) => {
            let arm_error = ArmError {
                code: error.code().into(),
                message: error.to_string(),
                retryable: error.retryable(),
            };
            (false, serde_json::Value::Null, Some(arm_error), 0.0, 0)
        }
    };
    ExecuteResponse {
        task_id,
        success,
        result,
        error,
        provenance: Provenance {
            arm_id: state.config.arm_id.clone(),
            processing_time_ms: started.elapsed().as_secs_f64() * 1000.0,
            llm_time_ms,
            tokens,
        },
    }
}

/// The body of `POST /debug/llm-fault`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FaultOrder {
    mode: FaultMode,
    #[serde(default)]
    status: Option<u16>,
    #[serde(default)]
    seconds: f64,
}

/// `POST /debug/llm-fault` (with `--fault-injection`, to loopback only): for `seconds`, every
/// LLM call fails (`error`, retryable, as an endpoint answering `status`) or hangs (`hang`);
/// `none` ends a fault now.
async fn llm_fault(
    State(state): State<Arc<AppState>>,
    request: axum::extract::Request,
) -> Response {
    let refuse = |status: StatusCode, message: String| {
        let body = serde_json::json!({"error": {"code": "invalid_request", "message": message}});
        (status, Json(body)).into_response()
    };
    if !state.suite.fault_injection {
        return refuse(
            StatusCode::NOT_FOUND,
            "fault injection is off: start the arm with --fault-injection".into(),
        );
    }
    if !serving::peer_is_loopback(&request) {
        return refuse(
            StatusCode::FORBIDDEN,
            "faults are taken only from loopback".into(),
        );
    }
    let bytes = match axum::body::to_bytes(request.into_body(), 4096).await {
        Ok(bytes) => bytes,
        Err(error) => return refuse(StatusCode::BAD_REQUEST, format!("unreadable body: {error}")),
    };
    let order: FaultOrder = match serde_json::from_slice(&bytes) {
        Ok(order) => order,
        Err(error) => return refuse(StatusCode::BAD_REQUEST, format!("invalid body: {error}")),
    };
    if !(0.0..=MAX_TIMEOUT_SECONDS).contains(&order.seconds) {
        return refuse(
            StatusCode::BAD_REQUEST,
            format!("field `seconds` must be within 0 and {MAX_TIMEOUT_SECONDS}"),
        );
    }
    if order
        .status
        .is_some_and(|status| !(400..=599).contains(&status))
    {
        return refuse(
            StatusCode::BAD_REQUEST,
            "field `status` must be an HTTP error status, 400 to 599".into(),
        );
    }
    let until = tokio::time::Instant::now() + Duration::from_secs_f64(order.seconds);
    *state
        .fault
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner()) = match order.mode {
        FaultMode::None => None,
        mode => Some(LlmFault {
            mode,
            status: order.status.unwrap_or(503),
            until,
        }),
    };
    tracing::warn!(mode = ?order.mode, seconds = order.seconds, "LLM fault ordered");
    Json(serde_json::json!({"mode": order.mode, "seconds": order.seconds})).into_response()
}

/// `GET /stats`: LLM calls made, running and waiting for a permit, requests answered from the
/// idempotency cache, and what that cache holds (answers, and their weight in bytes against `--idempotency-mb`).
async fn stats(State(state): State<Arc<AppState>>) -> Json<serde_json::Value> {
    let load =
        |counter: &std::sync::atomic::AtomicU64| counter.load(std::sync::atomic::Ordering::Relaxed);
    // Pending evictions first, so that the figures are the cache's after its bound.
    state.answers.run_pending_tasks().await;
    Json(serde_json::json!({
        "llm_calls": load(&state.stats.llm_calls),
        "replays": load(&state.stats.replays),
        "llm_waiting": state.waiting.load(std::sync::atomic::Ordering::Relaxed),
        "llm_running": state.config.max_concurrent_llm.max(1) - state.llm_permits.available_permits(),
        "remembered_answers": state.answers.entry_count(),
        "remembered_bytes": state.answers.weighted_size(),
    }))
}

/// A plan from an LLM's JSON answer, when it is one.
fn parse_plan(text: &str) -> Option<Vec<PlanStep>> {
    #[derive(Deserialize)]
    struct Plan {
        steps: Vec<PlanStep>,
    }
    let plan: Plan = serde_json::from_str(text.trim()).ok()?;
    (!plan.steps.is_empty()).then_some(plan.steps)
}

/// A deterministic plan derived from the goal: two independent steps, then a judge that
/// depends on both, and for some goals a guardian review last. It gives complex tasks the
/// shape of real plans (a concurrent wave, then dependent steps) when the LLM is simulated.
pub fn heuristic_plan(goal: &str) -> Vec<PlanStep> {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    goal.hash(&mut hasher);
    let hash = hasher.finish();
    let second = if hash.is_multiple_of(2) {
        ArmKind::Coder
    } else {
        ArmKind::Executor
    };
    let step = |id: &str, arm: ArmKind, what: &str, depends_on: &[&str]| PlanStep {
        id: id.into(),
        arm,
        goal: format!("{what}: {goal}"),
        depends_on: depends_on.iter().map(|dep| (*dep).to_owned()).collect(),
    };
    let mut steps = vec![
        step("s1", ArmKind::Retriever, "gather context", &[]),
        step("s2", second, "do the work", &[]),
        step("s3", ArmKind::Judge, "check the result", &["s1", "s2"]),
    ];
    if hash.is_multiple_of(3) {
        steps.push(step("s4", ArmKind::Guardian, "review for safety", &["s3"]));
    }
    steps
}

async fn capabilities(State(state): State<Arc<AppState>>) -> Json<serde_json::Value> {
    Json(serde_json::json!({
        "arm_id": state.config.arm_id,
        "kind": state.config.kind,
        "capabilities": state.config.kind.capabilities(),
        "max_concurrent_llm": state.config.max_concurrent_llm,
        "llm": state.provider.describe(),
    }))
}

async fn ready(State(state): State<Arc<AppState>>) -> Response {
    match state.provider.check().await {
        Ok(()) => {
            Json(serde_json::json!({"ready": true, "kind": state.config.kind})).into_response()
        }
        Err(reason) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(serde_json::json!({"ready": false, "reason": reason})),
        )
            .into_response(),
    }
}

#[cfg(test)]
mod tests;
