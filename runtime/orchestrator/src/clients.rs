//! HTTP clients of the Reflex Layer and the arms: one pooled keep-alive client and a timeout
//! on every call. The Reflex Layer, on the request path, gets a bounded number of retries. An
//! arm call is retried with exponential backoff and jitter for as long as the task's deadline
//! allows, behind a circuit breaker per arm: an arm outage shorter than the task's budget
//! fails no task, and callers of an arm that is down wait for its breaker instead of
//! hammering it.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

use anyhow::Context;
use serde::Deserialize;

/// What the Reflex Layer said of a batch of texts (`POST /process/batch`).
#[derive(Debug, Clone, Deserialize)]
pub struct BatchVerdict {
    pub status: String,
    #[serde(default)]
    pub results: Vec<TextVerdict>,
}

/// What the Reflex Layer said of one text of a batch.
#[derive(Debug, Clone, Deserialize)]
pub struct TextVerdict {
    pub status: String,
    #[serde(default)]
    pub pii_matches: Vec<serde_json::Value>,
    #[serde(default)]
    pub injection_matches: Vec<serde_json::Value>,
    /// The Reflex Layer left matches out (too many of one pattern).
    #[serde(default)]
    pub truncated: bool,
}

/// An arm's answer to `/execute`.
#[derive(Debug, Clone, Deserialize)]
pub struct ArmAnswer {
    pub success: bool,
    #[serde(default)]
    pub result: serde_json::Value,
    #[serde(default)]
    pub error: Option<ArmErrorBody>,
    #[serde(default)]
    pub provenance: serde_json::Value,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ArmErrorBody {
    pub code: String,
    pub message: String,
    #[serde(default)]
    pub retryable: bool,
}

/// Why a call failed after its retries.
#[derive(Debug, thiserror::Error)]
pub enum CallError {
    #[error("{target} is unreachable: {message}")]
    Unreachable { target: String, message: String },
    #[error("{target} answered HTTP {status}: {body}")]
    Status {
        target: String,
        status: u16,
        body: String,
    },
    #[error("arm {arm} failed: {code}: {message}")]
    Arm {
        arm: String,
        code: String,
        message: String,
    },
    /// The arm has seen a newer fencing token for the task: another instance holds it now.
    #[error("arm {arm} refused a stale fencing token: {message}")]
    Fenced { arm: String, message: String },
}

/// The clients of the services the Orchestrator calls.
pub struct Clients {
    http: reqwest::Client,
    reflex_url: Option<String>,
    arm_urls: HashMap<String, String>,
    /// One per arm kind.
    breakers: HashMap<String, Breaker>,
    max_retries: u32,
    arm_timeout: Duration,
}

/// Consecutive failures of an arm that open its breaker.
pub const BREAKER_FAILURES: u32 = 5;
/// How long a breaker first stays open; each failed probe doubles it, up to [`BREAKER_MAX_OPEN`].
pub const BREAKER_OPEN: Duration = Duration::from_millis(500);
pub const BREAKER_MAX_OPEN: Duration = Duration::from_secs(5);
/// The longest wait between two tries of an arm call.
pub const RETRY_MAX_DELAY: Duration = Duration::from_secs(2);

/// A circuit breaker: closed while calls succeed; open for a while after
/// [`BREAKER_FAILURES`] failures in a row (calls wait instead of going out); then half-open,
/// letting calls probe the arm again: one success closes it, a failure opens it for longer.
#[derive(Debug, Default)]
pub struct Breaker {
    state: Mutex<BreakerState>,
    /// Times it opened from closed.
    opened: std::sync::atomic::AtomicU64,
}

#[derive(Debug, Default)]
struct BreakerState {
    failures: u32,
    open_until: Option<Instant>,
    open_for: Duration,
}

impl Breaker {
    /// How long a call must wait before it may go out: zero when closed or half-open.
    pub fn wait(&self) -> Duration {
        let state = self
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        state.open_until.map_or(Duration::ZERO, |until| {
            until.saturating_duration_since(Instant::now())
        })
    }

    /// A call succeeded: closed again.
    pub fn success(&self, arm: &str) {
        let mut state = self
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if state.open_until.is_some() {
            tracing::info!(arm, "the arm answers again: its circuit breaker is closed");
        }
        *state = BreakerState::default();
    }

    /// A call failed: counted, and the breaker opened (or opened longer) when due. Logged once
    /// when it opens, not per call.
    pub fn failure(&self, arm: &str, error: &CallError) {
        let mut state = self
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        state.failures += 1;
        let half_open = state
            .open_until
            .is_some_and(|until| until <= Instant::now());
        if half_open {
            state.open_for = (state.open_for * 2).min(BREAKER_MAX_OPEN);
            state.open_until = Some(Instant::now() + state.open_for);
        } else if state.open_until.is_none() && state.failures >= BREAKER_FAILURES {
            state.open_for = BREAKER_OPEN;
            state.open_until = Some(Instant::now() + state.open_for);
            self.opened
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            tracing::warn!(
                arm,
                failures = state.failures,
                %error,
                "the arm keeps failing: its circuit breaker is open; calls wait for it"
            );
        }
    }

    /// How many times it has opened from closed.
    pub fn times_opened(&self) -> u64 {
        self.opened.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Whether the breaker is open now.
    pub fn is_open(&self) -> bool {
        !self.wait().is_zero()
    }
}

impl Clients {
    pub fn new(
        reflex_url: Option<String>,
        arm_urls: HashMap<String, String>,
        max_retries: u32,
        arm_timeout: Duration,
        service_key: Option<reqwest::header::HeaderValue>,
    ) -> anyhow::Result<Clients> {
        let mut headers = reqwest::header::HeaderMap::new();
        if let Some(mut key) = service_key {
            key.set_sensitive(true);
            headers.insert(reqwest::header::AUTHORIZATION, key);
        }
        let http = reqwest::Client::builder()
            .default_headers(headers)
            .pool_max_idle_per_host(256)
            .pool_idle_timeout(Duration::from_secs(60))
            .tcp_nodelay(true)
            .connect_timeout(Duration::from_secs(2))
            .build()
            .context("building the HTTP client")?;
        Ok(Clients {
            http,
            breakers: arm_urls
                .keys()
                .map(|kind| (kind.clone(), Breaker::default()))
                .collect(),
            reflex_url: reflex_url.map(|url| url.trim_end_matches('/').to_owned()),
            arm_urls: arm_urls
                .into_iter()
                .map(|(kind, url)| (kind, url.trim_end_matches('/').to_owned()))
                .collect(),
            max_retries,
            arm_timeout,
        })
    }

    pub fn arm_kinds(&self) -> impl Iterator<Item = &str> {
        self.arm_urls.keys().map(String::as_str)
    }

    pub fn has_arm(&self, kind: &str) -> bool {
        self.arm_urls.contains_key(kind)
    }

    /// Whether a Reflex Layer gates this instance's tasks.
    pub fn has_reflex(&self) -> bool {
        self.reflex_url.is_some()
    }

    /// Asks the Reflex Layer about `texts`, each judged as the channel of the same index, in
    /// one call (one rate-limit token); an error when no Reflex Layer is configured.
    pub async fn check_reflex_batch(
        &self,
        texts: &[&str],
        channels: &[&str],
        user_id: &str,
    ) -> Result<BatchVerdict, CallError> {
        let Some(base) = &self.reflex_url else {
            return Err(CallError::Unreachable {
                target: "the Reflex Layer".into(),
                message: "none is configured".into(),
            });
        };
        let body = serde_json::json!({"texts": texts, "channels": channels, "user_id": user_id});
        let url = format!("{base}/process/batch");
        let response = self
            .post_with_retries(&url, &body, Duration::from_secs(5))
            .await?;
        let status = response.status().as_u16();
        // 429 carries a verdict too (`rate_limited`); other errors are the Reflex Layer's.
        if !(response.status().is_success() || status == 429) {
            let body = response.text().await.unwrap_or_default();
            return Err(CallError::Status {
                target: url,
                status,
                body,
            });
        }
        response
            .json::<BatchVerdict>()
            .await
            .map_err(|error| CallError::Unreachable {
                target: url,
                message: format!("unreadable answer: {error}"),
            })
    }

    /// The breaker of arm `kind`, if it is configured.
    pub fn breaker(&self, kind: &str) -> Option<&Breaker> {
        self.breakers.get(kind)
    }

    /// Runs `task` on the arm of kind `arm`, retrying what may pass (the arm unreachable, a
    /// 5xx or 503, a retryable arm error) with backoff and jitter until `deadline`; the last
    /// error when the deadline leaves no time for another try. The same `request_id` goes
    /// with every try, so that the arm answers a repeat from its idempotency cache, and the
    /// same `fence` (the task's id and the epoch of this instance's claim), so that the arm
    /// refuses a call from an instance that lost the task ([`CallError::Fenced`]).
    pub async fn execute(
        &self,
        arm: &str,
        task: &serde_json::Value,
        request_id: &str,
        fence: (&str, i64),
        deadline: Instant,
    ) -> Result<ArmAnswer, CallError> {
        let (Some(base), Some(breaker)) = (self.arm_urls.get(arm), self.breakers.get(arm)) else {
            return Err(CallError::Unreachable {
                target: format!("arm {arm}"),
                message: "no such arm is configured".into(),
            });
        };
        let url = format!("{base}/execute");
        let mut attempt = 0u32;
        loop {
            let wait = breaker.wait();
            if !wait.is_zero() {
                if Instant::now() + wait >= deadline {
                    return Err(CallError::Unreachable {
                        target: url,
                        message: "its circuit breaker is open past the task's deadline".into(),
                    });
                }
                tokio::time::sleep(wait).await;
                continue;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            // The arm gets what is left of the budget, up to its own timeout; the HTTP timeout
            // leaves it a little time past that to answer.
            let arm_timeout = self.arm_timeout.min(left).max(Duration::from_millis(10));
            let body = serde_json::json!({
                "task": task,
                "request_id": request_id,
                "timeout_seconds": arm_timeout.as_secs_f64(),
                "fence": {"key": fence.0, "token": fence.1.max(0)},
            });
            let error = match self.call_arm(arm, &url, &body, arm_timeout).await {
                Ok(answer) => {
                    breaker.success(arm);
                    return Ok(answer);
                }
                Err((error, false)) => return Err(error),
                Err((error, true)) => error,
            };
            if matches!(
                error,
                CallError::Unreachable { .. } | CallError::Status { .. }
            ) {
                breaker.failure(arm, &error);
            }
            attempt += 1;
            let delay = crate::engine::jitter(
                Duration::from_millis(50 << attempt.min(6)).min(RETRY_MAX_DELAY),
            );
            if Instant::now() + delay >= deadline {
                return Err(error);
            }
            if attempt == 1 {
                tracing::debug!(arm, request_id, %error, "an arm call failed; retrying");
            }
            tokio::time::sleep(delay).await;
        }
    }

    /// One try of an arm call: its answer, or its error and whether another try may pass.
    async fn call_arm(
        &self,
        arm: &str,
        url: &str,
        body: &serde_json::Value,
        arm_timeout: Duration,
    ) -> Result<ArmAnswer, (CallError, bool)> {
        let response = self
            .http
            .post(url)
            .json(body)
            .timeout(arm_timeout + Duration::from_secs(1))
            .send()
            .await
            .map_err(|error| {
                let retryable = error.is_connect() || error.is_timeout() || error.is_request();
                (
                    CallError::Unreachable {
                        target: url.to_owned(),
                        message: error.to_string(),
                    },
                    retryable,
                )
            })?;
        let status = response.status();
        if status == reqwest::StatusCode::CONFLICT {
            let body = response.text().await.unwrap_or_default();
            return Err((
                CallError::Fenced {
                    arm: arm.to_owned(),
                    message: body,
                },
                false,
            ));
        }
        if !status.is_success() {
            let body = response.text().await.unwrap_or_default();
            let retryable = status.is_server_error() || status.as_u16() == 429;
            return Err((
                CallError::Status {
                    target: url.to_owned(),
                    status: status.as_u16(),
                    body,
                },
                retryable,
            ));
        }
        let answer: ArmAnswer = response.json().await.map_err(|error| {
            (
                CallError::Unreachable {
                    target: url.to_owned(),
                    message: format!("unreadable answer: {error}"),
                },
                true,
            )
        })?;
        if answer.success {
            return Ok(answer);
        }
        let error = answer.error.unwrap_or(ArmErrorBody {
            code: "unknown".into(),
            message: "the arm reported failure without an error".into(),
            retryable: false,
        });
        Err((
            CallError::Arm {
                arm: arm.to_owned(),
                code: error.code,
                message: error.message,
            },
            error.retryable,
        ))
    }

    /// Fetches `/capabilities` of every arm (cache warming at start-up).
    pub async fn capabilities(&self) -> HashMap<String, Vec<String>> {
        let mut found = HashMap::new();
        for (kind, base) in &self.arm_urls {
            let answer = self
                .http
                .get(format!("{base}/capabilities"))
                .timeout(Duration::from_secs(2))
                .send()
                .await;
            if let Ok(response) = answer
                && let Ok(body) = response.json::<serde_json::Value>().await
            {
                let names = body["capabilities"]
                    .as_array()
                    .map(|names| {
                        names
                            .iter()
                            .filter_map(|name| name.as_str().map(str::to_owned))
                            .collect()
                    })
                    .unwrap_or_default();
                found.insert(kind.clone(), names);
            }
        }
        found
    }

    /// `GET {url}/health` of the Reflex Layer and every arm; the first failure, if any.
    pub async fn check_dependencies(&self) -> Result<(), String> {
        let targets = self.reflex_url.iter().chain(self.arm_urls.values());
        for base in targets {
            let url = format!("{base}/health");
            match self
                .http
                .get(&url)
                .timeout(Duration::from_secs(2))
                .send()
                .await
            {
                Ok(response) if response.status().is_success() => {}
                Ok(response) => return Err(format!("{url} answered HTTP {}", response.status())),
                Err(error) => return Err(format!("{url}: {error}")),
            }
        }
        Ok(())
    }

    /// POSTs `body`, retrying connection failures and 5xx answers with backoff.
    async fn post_with_retries(
        &self,
        url: &str,
        body: &serde_json::Value,
        timeout: Duration,
    ) -> Result<reqwest::Response, CallError> {
        let mut attempt = 0;
        loop {
            let outcome = self.http.post(url).json(body).timeout(timeout).send().await;
            let retryable = match &outcome {
                Ok(response) => response.status().is_server_error(),
                Err(error) => error.is_connect() || error.is_timeout() || error.is_request(),
            };
            if !retryable || attempt >= self.max_retries {
                return outcome.map_err(|error| CallError::Unreachable {
                    target: url.to_owned(),
                    message: error.to_string(),
                });
            }
            attempt += 1;
            tokio::time::sleep(backoff(attempt)).await;
        }
    }
}

fn backoff(attempt: u32) -> Duration {
    Duration::from_millis(25 << attempt.min(6))
}
