//! The Orchestrator: takes task contracts, gates them through the Reflex Layer, persists them,
//! plans and routes them to arms, and answers their status, waiting for completion on request.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use serde::{Deserialize, Serialize};
use serving::auth::{Principal, Scope};
use tokio::sync::{Semaphore, watch};

pub mod cache;
pub mod clients;
pub mod engine;
pub mod gate;
pub mod store;

pub use gate::redact;
pub use store::{Status, Store, TaskView};

/// The longest goal accepted, in bytes.
pub const MAX_GOAL_BYTES: usize = 100_000;
/// The longest a `GET /tasks/{id}?wait=` may wait.
pub const MAX_WAIT: Duration = Duration::from_secs(60);
/// The longest `user_id` accepted, in bytes.
pub const MAX_USER_ID_BYTES: usize = 256;
/// The largest `budget.max_time_seconds` accepted: a day.
pub const MAX_TASK_SECONDS: f64 = 86_400.0;

/// How the Orchestrator is set up; built from the command line in `main`.
#[derive(Debug, Clone)]
pub struct Config {
    /// `sqlite://path?mode=rwc` or `postgres://…`.
    pub database_url: String,
    pub db_max_connections: u32,
    pub redis_url: Option<String>,
    pub reflex_url: Option<String>,
    /// Arm kind to base URL.
    pub arm_urls: HashMap<String, String>,
    /// Tasks run at once; more wait, persisted as pending.
    pub max_concurrent_tasks: usize,
    /// Tasks accepted by this instance and waiting for a run slot; when this many wait, a new
    /// task is refused with 503 and `Retry-After` instead of queueing without limit.
    pub max_queued_tasks: usize,
    pub max_retries: u32,
    pub arm_timeout: Duration,
    pub default_task_timeout: Duration,
    /// Bytes of finished task views the in-process cache holds at most.
    pub cache_max_bytes: u64,
    /// Bytes of task contracts this instance holds in process at most (accepted and not
    /// finished: waiting for a run slot or running); past it a new task is refused with 503
    /// and `Retry-After`, like past the count.
    pub max_in_process_bytes: usize,
    pub cache_ttl: Duration,
    pub body_limit_bytes: usize,
    /// Price of LLM output, to check `budget.max_cost_usd`.
    pub usd_per_1k_tokens: f64,
    /// What to do with PII the Reflex Layer finds in a goal.
    pub pii_policy: PiiPolicy,
    /// This instance's name in the tasks' leases; instances sharing a database need distinct
    /// ones, and an instance restarted under its old name takes its tasks back at once.
    pub instance_id: String,
    /// How long a claim on a task holds without a heartbeat (renewed every third of it);
    /// another instance takes over a task whose lease expired.
    pub lease: Duration,
    /// The API keys callers must present (`None`: open to all). A user's key sees and
    /// submits only that user's tasks; a service's key acts for the users it names.
    pub api_keys: Option<Arc<serving::auth::ApiKeys>>,
    /// The key this instance presents to the Reflex Layer and the arms (a service's), as the
    /// `Authorization` header's value; marked sensitive, so that no log shows it.
    pub service_key: Option<axum::http::HeaderValue>,
}

/// What the Orchestrator does with PII that the Reflex Layer found in a goal.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum PiiPolicy {
    /// Each finding is replaced by a typed placeholder (`[EMAIL]`) before the goal is stored,
    /// shown or sent to any LLM.
    #[default]
    Redact,
    /// A goal with PII is refused (400).
    Block,
    /// The goal is kept as it came.
    Allow,
}

impl std::str::FromStr for PiiPolicy {
    type Err = String;

    fn from_str(text: &str) -> Result<PiiPolicy, String> {
        match text {
            "redact" => Ok(PiiPolicy::Redact),
            "block" => Ok(PiiPolicy::Block),
            "allow" => Ok(PiiPolicy::Allow),
            other => Err(format!(
                "unknown PII policy {other:?}; expected redact, block or allow"
            )),
        }
    }
}

/// The database pool's default size: twice the cores, plus one (PostgreSQL's rule of thumb
/// for a server's connections, here where the Orchestrator and its database share the
/// cores). On 2 cores, 5 connections carried 928 tasks/s where 16 carried 886 (issue 26):
/// more connections than cores only queue in the database.
pub fn pool_size_for_cores() -> u32 {
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    u32::try_from(cores)
        .unwrap_or(u32::MAX / 2)
        .saturating_mul(2)
        + 1
}

impl Config {
    pub fn new(database_url: &str) -> Config {
        Config {
            database_url: database_url.to_owned(),
            db_max_connections: pool_size_for_cores(),
            redis_url: None,
            reflex_url: None,
            arm_urls: HashMap::new(),
            max_concurrent_tasks: 512,
            max_queued_tasks: 10_000,
            max_retries: 2,
            arm_timeout: Duration::from_secs(60),
            default_task_timeout: Duration::from_secs(300),
            cache_max_bytes: 32 << 20,
            max_in_process_bytes: 256 << 20,
            cache_ttl: Duration::from_secs(300),
            body_limit_bytes: 1 << 20,
            usd_per_1k_tokens: 0.002,
            pii_policy: PiiPolicy::Redact,
            instance_id: uuid::Uuid::new_v4().to_string(),
            lease: Duration::from_secs(30),
            api_keys: None,
            service_key: None,
        }
    }
}

/// A task contract, the body of `POST /tasks`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct TaskContract {
    pub goal: String,
    pub user_id: String,
    pub priority: Priority,
    #[serde(default)]
    pub constraints: Option<serde_json::Value>,
    #[serde(default)]
    pub context: Option<serde_json::Value>,
    #[serde(default)]
    pub acceptance_criteria: Option<serde_json::Value>,
    #[serde(default)]
    pub budget: Option<Budget>,
    #[serde(default)]
    pub kind: TaskKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Priority {
    Low,
    Medium,
    High,
    Critical,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TaskKind {
    #[default]
    Simple,
    Complex,
}

/// Limits on a task, each enforced: time while it runs, tokens and cost (tokens priced at
/// `Config::usd_per_1k_tokens`) when its arms have answered.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Budget {
    #[serde(default)]
    pub max_tokens: Option<u64>,
    #[serde(default)]
    pub max_time_seconds: Option<f64>,
    #[serde(default)]
    pub max_cost_usd: Option<f64>,
}

/// Shared state of the service.
pub struct AppState {
    pub config: Config,
    pub store: Store,
    pub cache: cache::TaskCache,
    pub clients: clients::Clients,
    pub capabilities: HashMap<String, Vec<String>>,
    pub task_permits: Arc<Semaphore>,
    /// Tasks of this instance not yet finished (waiting for a permit or running), and the
    /// bytes their contracts hold.
    intake: Intake,
    /// One channel per task that is still running, flipped when it ends, for long-polls, with
    /// the bytes its contract was counted at.
    waiters: Mutex<HashMap<String, InProcess>>,
    /// Flipped when the service begins to shut down, so long-polls answer at once and do not
    /// hold the graceful drain open.
    shutting_down: watch::Sender<bool>,
    /// Flipped when every task left unfinished at start has been started again.
    pub resumed_all: watch::Sender<bool>,
}

impl AppState {
    /// This instance's claim on a task, from now.
    pub fn lease(&self) -> store::Lease<'_> {
        let now_us = now_us();
        store::Lease {
            owner: &self.config.instance_id,
            now_us,
            until_us: now_us
                .saturating_add(i64::try_from(self.config.lease.as_micros()).unwrap_or(i64::MAX)),
        }
    }

    /// The most unfinished tasks this instance holds.
    fn task_capacity(&self) -> usize {
        (self.config.max_concurrent_tasks + self.config.max_queued_tasks).max(1)
    }

    /// Tasks of this instance not yet finished.
    pub fn tasks_in_process(&self) -> usize {
        self.intake.tasks.load(Ordering::Relaxed)
    }

    /// Bytes of contracts this instance holds for its unfinished tasks.
    pub fn bytes_in_process(&self) -> usize {
        self.intake.bytes.load(Ordering::Relaxed)
    }

    /// Takes a task's slot under the intake bound (false when there is none), raising the
    /// count in the same step as the check, so that concurrent submissions cannot overshoot
    /// the bound (issue 23: the bound was read, the gate awaited, and the count raised only
    /// after).
    fn try_take_slot(&self) -> bool {
        let capacity = self.task_capacity();
        self.intake
            .tasks
            .fetch_update(Ordering::AcqRel, Ordering::Relaxed, |now| {
                (now < capacity).then_some(now + 1)
            })
            .is_ok()
    }

    /// Counts `bytes` of a contract in process, if they fit the byte bound. One contract is
    /// always let in, however large, so that none is refused forever.
    fn try_take_bytes(&self, bytes: usize) -> bool {
        let most = self.config.max_in_process_bytes;
        self.intake
            .bytes
            .fetch_update(Ordering::AcqRel, Ordering::Relaxed, |now| {
                (now == 0 || now + bytes <= most).then_some(now + bytes)
            })
            .is_ok()
    }

    /// A slot and `bytes` under the intake bounds, or neither.
    fn try_reserve(&self, bytes: usize) -> bool {
        if !self.try_take_slot() {
            return false;
        }
        if !self.try_take_bytes(bytes) {
            self.intake.tasks.fetch_sub(1, Ordering::AcqRel);
            return false;
        }
        true
    }

    fn release(&self, bytes: usize) {
        self.intake.tasks.fetch_sub(1, Ordering::AcqRel);
        self.intake.bytes.fetch_sub(bytes, Ordering::AcqRel);
    }

    /// Answers every waiting long-poll with the task's current state; call on shutdown.
    pub fn begin_shutdown(&self) {
        self.shutting_down.send_replace(true);
    }

    /// Long-polls waiting for `task_id` to end, now.
    pub fn long_polls_waiting(&self, task_id: &str) -> usize {
        self.waiters
            .lock()
            .expect("waiters lock")
            .get(task_id)
            .map_or(0, |running| running.done.receiver_count())
    }
}

/// What this instance holds of its unfinished tasks, against its intake bounds.
#[derive(Debug, Default)]
struct Intake {
    tasks: AtomicUsize,
    bytes: AtomicUsize,
}

/// A task of this instance not yet finished.
struct InProcess {
    /// Flipped when it ends, for long-polls.
    done: watch::Sender<bool>,
    /// The bytes its contract was counted at.
    bytes: usize,
}

/// The bytes a contract is counted at in process: twice its JSON (the parsed strings and
/// values, their allocations' own overhead) and a kilobyte of the task's own state.
fn contract_bytes(contract_json: &str) -> usize {
    2 * contract_json.len() + 1024
}

/// Connects to the database (migrating it), Redis when configured, and warms the arms'
/// capabilities.
pub async fn build_state(config: Config) -> anyhow::Result<Arc<AppState>> {
    let store = Store::connect(&config.database_url, config.db_max_connections).await?;
    let cache = cache::TaskCache::new(
        config.redis_url.as_deref(),
        config.cache_max_bytes,
        config.cache_ttl,
    )
    .await?;
    let clients = clients::Clients::new(
        config.reflex_url.clone(),
        config.arm_urls.clone(),
        config.max_retries,
        config.arm_timeout,
        config.service_key.clone(),
    )?;
    let mut capabilities = clients.capabilities().await;
    // An arm that did not answer yet still gets routed to by its kind's known capabilities.
    for kind in clients.arm_kinds() {
        capabilities
            .entry(kind.to_owned())
            .or_insert_with(|| default_capabilities(kind));
    }
    Ok(Arc::new(AppState {
        task_permits: Arc::new(Semaphore::new(config.max_concurrent_tasks.max(1))),
        intake: Intake::default(),
        config,
        store,
        cache,
        clients,
        capabilities,
        waiters: Mutex::new(HashMap::new()),
        shutting_down: watch::channel(false).0,
        resumed_all: watch::channel(false).0,
    }))
}

fn default_capabilities(kind: &str) -> Vec<String> {
    let names: &[&str] = match kind {
        "planner" => &["planning"],
        "coder" => &["code_generation"],
        "executor" => &["command_execution"],
        "retriever" => &["search"],
        "judge" => &["validation"],
        "guardian" => &["safety"],
        _ => &[],
    };
    names.iter().map(|name| (*name).to_owned()).collect()
}

/// Tasks resumed per batch at start.
pub const RESUME_BATCH: i64 = 256;

/// Restarts every task that was accepted but not finished (say, before a crash): accepted
/// work is never dropped. They are read a batch at a time, in the background, and each is
/// started only once this instance has room for it under its intake bound, so that a
/// backlog of a million tasks neither loads at once nor crowds out new ones. Returns how many
/// there were; `resumed_all` flips when the last has been started.
pub async fn resume_unfinished(state: &Arc<AppState>) -> anyhow::Result<usize> {
    let started_us = now_us();
    let first = state
        .store
        .unfinished_page(started_us, None, RESUME_BATCH, &state.lease())
        .await?;
    let count = state
        .store
        .count_unfinished(started_us, &state.lease())
        .await?;
    let state = state.clone();
    tokio::spawn(async move {
        let mut page = first;
        while !page.is_empty() {
            let after = page.last().map(|(id, _, at)| (*at, id.clone()));
            for (task_id, contract_json, _) in page {
                // Room under the intake bound first: new tasks keep their share of it.
                let bytes = contract_bytes(&contract_json);
                while !state.try_reserve(bytes) {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                resume_one(&state, task_id, &contract_json, bytes).await;
            }
            page = loop {
                match state
                    .store
                    .unfinished_page(started_us, after.clone(), RESUME_BATCH, &state.lease())
                    .await
                {
                    Ok(page) => break page,
                    Err(error) => {
                        tracing::warn!(
                            error = format!("{error:#}"),
                            "could not read the next tasks to resume; retrying"
                        );
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                }
            };
        }
        state.resumed_all.send_replace(true);
    });
    Ok(count)
}

/// Starts a task read back from the database, on a slot of `bytes` already reserved.
async fn resume_one(state: &Arc<AppState>, task_id: String, contract_json: &str, bytes: usize) {
    match serde_json::from_str::<TaskContract>(contract_json) {
        Ok(contract) => spawn_task(state, task_id, contract, bytes, None),
        Err(error) => {
            state.release(bytes);
            let message = format!("stored contract is unreadable: {error}");
            if let Err(error) = state
                .store
                .fail_unreadable(&task_id, &message, now_us())
                .await
            {
                tracing::warn!(
                    error = format!("{error:#}"),
                    task_id,
                    "could not fail an unreadable task"
                );
            }
        }
    }
}

pub fn app(state: Arc<AppState>) -> Router {
    let body_limit = state.config.body_limit_bytes;
    let metrics = serving::Metrics::new();
    let watched = state.clone();
    metrics.add_bound(
        "orchestrator_view_cache",
        "bytes",
        state.config.cache_max_bytes,
        move || watched.cache.l1_bytes(),
    );
    let watched = state.clone();
    metrics.add_bound(
        "orchestrator_tasks_in_process",
        "entries",
        state.task_capacity() as u64,
        move || watched.tasks_in_process() as u64,
    );
    let watched = state.clone();
    metrics.add_bound(
        "orchestrator_contracts_in_process",
        "bytes",
        state.config.max_in_process_bytes as u64,
        move || watched.bytes_in_process() as u64,
    );
    let router = Router::new()
        .route("/tasks", post(submit))
        .route("/tasks/{id}", get(get_task))
        .route("/ready", get(ready))
        .with_state(state.clone());
    let access = serving::auth::Access {
        keys: state.config.api_keys.clone(),
        routes_need: serving::auth::Scope::User,
    };
    serving::instrument_with(router, metrics, body_limit, access)
}

/// An error answer: `{"error": {"code", "message", …}}`.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    pub(crate) message: String,
    details: Option<serde_json::Value>,
    /// Seconds for a `Retry-After` header.
    retry_after: Option<u32>,
}

impl ApiError {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
            details: None,
            retry_after: None,
        }
    }

    fn retry_after(self, seconds: u32) -> ApiError {
        ApiError {
            retry_after: Some(seconds),
            ..self
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut error = serde_json::json!({"code": self.code, "message": self.message});
        if let Some(details) = self.details {
            error["details"] = details;
        }
        let mut response = (self.status, Json(serde_json::json!({"error": error}))).into_response();
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from(seconds));
        }
        response
    }
}

async fn submit(
    State(state): State<Arc<AppState>>,
    principal: Option<Extension<Principal>>,
    body: Result<Json<TaskContract>, JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(contract) = body.map_err(|rejection| {
        ApiError::new(
            rejection.status(),
            "invalid_contract",
            rejection.body_text(),
        )
    })?;
    validate(&contract)?;
    if let Some(Extension(principal)) = &principal
        && !principal.may_act_for(&contract.user_id)
    {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            format!(
                "the key of user {:?} cannot submit tasks for user {:?}",
                principal.name, contract.user_id
            ),
        ));
    }
    // The slot is taken before the gate is awaited: concurrent submissions cannot all pass a
    // bound read before any of them counts. Its bytes are counted once the contract is final.
    if !state.try_take_slot() {
        return Err(overloaded(&state));
    }
    let mut reserved = Reserved {
        state: &state,
        bytes: 0,
    };
    let mut contract = contract;
    gate::gate(&state, &mut contract).await?;

    let task_id = uuid::Uuid::new_v4().to_string();
    let contract_json = serde_json::to_string(&contract).expect("contracts serialise");
    let bytes = contract_bytes(&contract_json);
    if !state.try_take_bytes(bytes) {
        return Err(overloaded_bytes(&state, bytes));
    }
    reserved.bytes = bytes;
    let new_task = store::NewTask {
        id: &task_id,
        user_id: &contract.user_id,
        goal: &contract.goal,
        priority: priority_str(contract.priority),
        kind: if contract.kind == TaskKind::Complex {
            "complex"
        } else {
            "simple"
        },
        contract_json: &contract_json,
        created_at_us: now_us(),
        owner: &state.config.instance_id,
        lease_until_us: state.lease().until_us,
        gated: state.clients.has_reflex(),
    };
    // A task with a slot free starts at once: it is recorded already claimed and running, one
    // statement and one commit rather than an insert and then a claim.
    let slot = state.task_permits.clone().try_acquire_owned().ok();
    let stored = match slot {
        Some(slot) => state
            .store
            .insert_running(&new_task)
            .await
            .map(|epoch| Some((slot, epoch))),
        None => state.store.insert_task(&new_task).await.map(|()| None),
    };
    let started = stored.map_err(|error| {
        tracing::error!(error = format!("{error:#}"), "could not persist a task");
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "database_unavailable",
            "the task could not be stored",
        )
    })?;
    reserved.keep();
    let status = if started.is_some() {
        Status::Running
    } else {
        Status::Pending
    };
    spawn_task(&state, task_id.clone(), contract, bytes, started);
    let body = serde_json::json!({"task_id": task_id, "status": status.as_str()});
    Ok((StatusCode::ACCEPTED, Json(body)).into_response())
}

/// Checks what serde cannot: lengths, NUL characters (PostgreSQL text cannot hold them) and
/// numbers in range; the error names the field.
fn validate(contract: &TaskContract) -> Result<(), ApiError> {
    let invalid =
        |message: String| ApiError::new(StatusCode::BAD_REQUEST, "invalid_contract", message);
    if contract.goal.trim().is_empty() {
        return Err(invalid("field `goal` is empty".into()));
    }
    if contract.goal.len() > MAX_GOAL_BYTES {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "invalid_contract",
            format!("field `goal` is over {MAX_GOAL_BYTES} bytes"),
        ));
    }
    if contract.user_id.trim().is_empty() || contract.user_id.len() > MAX_USER_ID_BYTES {
        return Err(invalid(format!(
            "field `user_id` must be 1 to {MAX_USER_ID_BYTES} bytes"
        )));
    }
    for (field, text) in [("goal", &contract.goal), ("user_id", &contract.user_id)] {
        if text.contains('\0') {
            return Err(invalid(format!(
                "field `{field}` contains a NUL character (\\u0000)"
            )));
        }
    }
    gate::check_size(contract)?;
    let Some(budget) = &contract.budget else {
        return Ok(());
    };
    if let Some(cost) = budget.max_cost_usd
        && !(cost >= 0.0 && cost.is_finite())
    {
        return Err(invalid(
            "field `budget.max_cost_usd` must be a number >= 0".into(),
        ));
    }
    if let Some(seconds) = budget.max_time_seconds
        && !(seconds > 0.0 && seconds <= MAX_TASK_SECONDS)
    {
        return Err(invalid(format!(
            "field `budget.max_time_seconds` must be a number of seconds over 0 and at most {MAX_TASK_SECONDS}"
        )));
    }
    Ok(())
}

/// 503 with `Retry-After`: this instance holds as many unfinished tasks as it may.
fn overloaded(state: &AppState) -> ApiError {
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "overloaded",
        format!(
            "{} tasks are already waiting or running here; retry later",
            state.config.max_concurrent_tasks + state.config.max_queued_tasks
        ),
    )
    .retry_after(1)
}

/// 503 with `Retry-After`: the contracts of the unfinished tasks here hold as many bytes as
/// they may.
fn overloaded_bytes(state: &AppState, bytes: usize) -> ApiError {
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "overloaded",
        format!(
            "the tasks in process here hold {} of the {} bytes of contracts allowed, and this one needs {bytes}; retry later",
            state.bytes_in_process(),
            state.config.max_in_process_bytes
        ),
    )
    .retry_after(1)
}

/// A slot (and the bytes counted so far) under the intake bounds taken by a submission,
/// given back unless kept: the task was stored and spawned.
struct Reserved<'a> {
    state: &'a AppState,
    bytes: usize,
}

impl Reserved<'_> {
    fn keep(self) {
        std::mem::forget(self);
    }
}

impl Drop for Reserved<'_> {
    fn drop(&mut self) {
        self.state.release(self.bytes);
    }
}

/// Runs a task on a slot of `bytes` already reserved under the intake bound; `started`, for
/// a task recorded as running, is its run slot and epoch (see [`engine::run_task`]).
fn spawn_task(
    state: &Arc<AppState>,
    task_id: String,
    contract: TaskContract,
    bytes: usize,
    started: Option<(tokio::sync::OwnedSemaphorePermit, i64)>,
) {
    {
        let mut waiters = state.waiters.lock().expect("waiters lock");
        // Already in process here (resumed, then found again by a takeover scan).
        if waiters.contains_key(&task_id) {
            drop(waiters);
            state.release(bytes);
            return;
        }
        let (done, _) = watch::channel(false);
        waiters.insert(task_id.clone(), InProcess { done, bytes });
    }
    tokio::spawn(engine::run_task(state.clone(), task_id, contract, started));
}

/// Ends this instance's hold of a task: its long-polls are answered (they read the cache or
/// the database), and it no longer counts against the intake bound.
fn end_in_process(state: &AppState, task_id: &str) {
    let running = state.waiters.lock().expect("waiters lock").remove(task_id);
    if let Some(running) = running {
        running.done.send_replace(true);
        state.release(running.bytes);
    }
}

/// Lets go of a task this instance started but another holds.
fn let_go(state: &AppState, task_id: &str) {
    end_in_process(state, task_id);
}

/// The heartbeat of this instance's leases, every third of the lease: it renews the lease of
/// every unfinished task it holds, then takes over tasks whose lease expired (their owner
/// died), as many as it has room for under its intake bound. Runs until the process ends.
pub fn keep_leases(state: &Arc<AppState>) -> tokio::task::JoinHandle<()> {
    let state = state.clone();
    tokio::spawn(async move {
        let period = (state.config.lease / 3).max(Duration::from_millis(10));
        let capacity = state.task_capacity();
        loop {
            tokio::time::sleep(period).await;
            if *state.shutting_down.borrow() {
                return;
            }
            if let Err(error) = state.store.renew_leases(&state.lease()).await {
                tracing::warn!(error = format!("{error:#}"), "could not renew leases");
                continue;
            }
            let room = capacity
                .saturating_sub(state.tasks_in_process())
                .min(RESUME_BATCH as usize);
            if room == 0 {
                continue;
            }
            match state.store.claim_expired(&state.lease(), room as i64).await {
                Ok(taken) => {
                    if !taken.is_empty() {
                        tracing::warn!(
                            count = taken.len(),
                            "took over tasks whose lease expired (their instance stopped renewing it)"
                        );
                    }
                    for (task_id, contract_json) in taken {
                        let bytes = contract_bytes(&contract_json);
                        // Claimed, so run here even past the byte bound: another instance
                        // would find it held by this one until its lease expired again.
                        state.intake.tasks.fetch_add(1, Ordering::AcqRel);
                        state.intake.bytes.fetch_add(bytes, Ordering::AcqRel);
                        resume_one(&state, task_id, &contract_json, bytes).await;
                    }
                }
                Err(error) => {
                    tracing::warn!(
                        error = format!("{error:#}"),
                        "could not take over expired tasks"
                    );
                }
            }
        }
    })
}

/// Caches a finished task's view and wakes whoever waits for it. The database row was written
/// before this, so a waiter that finds no channel reads a terminal row. `view` is the view
/// when the caller has it whole; else it is read.
async fn publish_final(state: &AppState, task_id: &str, view: Option<store::TaskView>) {
    let view = match view {
        Some(view) => Ok(Some(view)),
        None => state.store.get_task(task_id).await,
    };
    match view {
        Ok(Some(view)) => {
            let json: Arc<str> = serde_json::to_string(&view)
                .expect("views serialise")
                .into();
            state.cache.put(task_id, json).await;
        }
        Ok(None) => {}
        Err(error) => tracing::warn!(
            error = format!("{error:#}"),
            task_id,
            "could not read a finished task"
        ),
    }
    end_in_process(state, task_id);
}

#[derive(Debug, Deserialize)]
struct GetQuery {
    /// How long to wait for the task to finish, as `30s`, `500ms`…
    wait: Option<String>,
}

async fn get_task(
    State(state): State<Arc<AppState>>,
    principal: Option<Extension<Principal>>,
    Path(task_id): Path<String>,
    Query(query): Query<GetQuery>,
) -> Result<Response, ApiError> {
    let not_found = || {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("no task {task_id}"),
        )
    };
    // A user sees only their own tasks; another's is "not found", so that its existence is
    // not told either. (Services and admins see every task.)
    if let Some(Extension(principal)) = &principal
        && principal.scope < Scope::Service
    {
        let user = state.store.task_user(&task_id).await.map_err(|error| {
            tracing::error!(
                error = format!("{error:#}"),
                task_id,
                "could not read a task's user"
            );
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "database_unavailable",
                "the task could not be read",
            )
        })?;
        if user.as_deref() != Some(&*principal.name) {
            return Err(not_found());
        }
    }
    let wait = match query.wait.as_deref() {
        Some(text) => humantime::parse_duration(text)
            .map_err(|error| {
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "invalid_query",
                    format!("query parameter `wait`: {error} (expected e.g. 30s)"),
                )
            })?
            .min(MAX_WAIT),
        None => Duration::ZERO,
    };
    if let Some((json, level)) = state.cache.get(&task_id).await {
        return Ok(json_response(json.as_bytes().to_vec(), level));
    }
    if !wait.is_zero() {
        let receiver = state
            .waiters
            .lock()
            .expect("waiters lock")
            .get(&task_id)
            .map(|running| running.done.subscribe());
        if let Some(mut receiver) = receiver {
            let mut shutting_down = state.shutting_down.subscribe();
            tokio::select! {
                _ = tokio::time::timeout(wait, receiver.wait_for(|done| *done)) => {}
                _ = shutting_down.wait_for(|stopping| *stopping) => {}
            }
            if let Some((json, level)) = state.cache.get(&task_id).await {
                return Ok(json_response(json.as_bytes().to_vec(), level));
            }
        }
    }
    let view = state.store.get_task(&task_id).await.map_err(|error| {
        tracing::error!(
            error = format!("{error:#}"),
            task_id,
            "could not read a task"
        );
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "database_unavailable",
            "the task could not be read",
        )
    })?;
    match view {
        Some(view) => Ok(Json(view).into_response()),
        None => Err(not_found()),
    }
}

fn json_response(body: Vec<u8>, level: cache::Level) -> Response {
    let level = match level {
        cache::Level::L1 => "l1",
        cache::Level::L2 => "l2",
    };
    (
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::HeaderName::from_static("x-cache"), level),
        ],
        body,
    )
        .into_response()
}

/// Ready when the database and the Reflex Layer and arms answer. Redis is only a cache: when
/// it is down the service is ready, and says what is degraded. `gated` says whether a Reflex
/// Layer gates the tasks' texts. Why it is not ready (URLs, error texts) is shown only to an
/// admin's key, or when the service runs without keys (issue 23).
async fn ready(
    State(state): State<Arc<AppState>>,
    internals: Option<Extension<serving::auth::Internals>>,
) -> Response {
    let internals = internals.is_some_and(|Extension(shown)| shown.0);
    let gated = state.clients.has_reflex();
    let checks = async {
        state
            .store
            .ping()
            .await
            .map_err(|error| format!("database: {error}"))?;
        state.clients.check_dependencies().await
    };
    match checks.await {
        Ok(()) => {
            let mut body = serde_json::json!({"ready": true, "gated": gated});
            if let Err(degraded) = state.cache.check().await {
                body["degraded"] = if internals {
                    serde_json::json!([degraded])
                } else {
                    serde_json::json!(["cache"])
                };
            }
            Json(body).into_response()
        }
        Err(reason) => {
            let mut body = serde_json::json!({"ready": false, "gated": gated});
            if internals {
                body["reason"] = serde_json::json!(reason);
            }
            (StatusCode::SERVICE_UNAVAILABLE, Json(body)).into_response()
        }
    }
}

fn priority_str(priority: Priority) -> &'static str {
    match priority {
        Priority::Low => "low",
        Priority::Medium => "medium",
        Priority::High => "high",
        Priority::Critical => "critical",
    }
}

/// Microseconds since the Unix epoch: the time unit stored in the database.
pub fn now_us() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_micros() as i64)
}
