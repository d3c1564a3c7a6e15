//! The one LLM provider interface the arms call, with two implementations: a seeded simulated
//! model (time to first token plus output tokens at a token rate, per arm kind) and a client of
//! any OpenAI-compatible HTTP endpoint.

use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use serde::Serialize;

use crate::ArmKind;

/// One completion: the text, the output token count and the time the model took.
#[derive(Debug, Clone)]
pub struct Completion {
    pub text: String,
    pub tokens: u32,
    pub llm_time: Duration,
}

#[derive(Debug, thiserror::Error)]
pub enum LlmError {
    #[error("the LLM did not answer within {0:?}")]
    Timeout(Duration),
    #[error("LLM upstream error: {message}")]
    Upstream { message: String, retryable: bool },
}

impl LlmError {
    pub fn code(&self) -> &'static str {
        match self {
            LlmError::Timeout(_) => "llm_timeout",
            LlmError::Upstream { .. } => "llm_upstream",
        }
    }

    pub fn retryable(&self) -> bool {
        match self {
            LlmError::Timeout(_) => true,
            LlmError::Upstream { retryable, .. } => *retryable,
        }
    }
}

/// The provider an arm calls.
pub enum Provider {
    Simulated(SimulatedLlm),
    OpenAi(OpenAiClient),
}

impl Provider {
    pub async fn complete(&self, kind: ArmKind, prompt: &str) -> Result<Completion, LlmError> {
        match self {
            Provider::Simulated(model) => model.complete(kind).await,
            Provider::OpenAi(client) => client.complete(kind, prompt).await,
        }
    }

    /// Whether the model answers at all: the simulated one always does; an HTTP endpoint must
    /// answer `GET /v1/models` with anything but a server error.
    pub async fn check(&self) -> Result<(), String> {
        match self {
            Provider::Simulated(_) => Ok(()),
            Provider::OpenAi(client) => {
                let url = format!("{}/v1/models", client.url);
                let shown = format!("{}/v1/models", client.shown_url);
                match client
                    .http
                    .get(&url)
                    .timeout(Duration::from_secs(2))
                    .send()
                    .await
                {
                    Ok(response) if !response.status().is_server_error() => Ok(()),
                    Ok(response) => Err(format!("{shown} answered HTTP {}", response.status())),
                    Err(error) => Err(format!("{shown}: {}", secrets::redact(&error.to_string()))),
                }
            }
        }
    }

    /// A one-line description for logs and `/capabilities`.
    pub fn describe(&self) -> String {
        match self {
            Provider::Simulated(model) => format!("simulated {:?}", model.model),
            Provider::OpenAi(client) => {
                format!(
                    "openai-compatible {} model {}",
                    client.shown_url, client.model
                )
            }
        }
    }
}

/// Parameters of the simulated model. Each arm kind has its own defaults (see
/// [`LlmModel::for_kind`]); every field can be overridden from the command line.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct LlmModel {
    /// Median time to first token, in milliseconds (log-normally distributed).
    pub ttft_ms: f64,
    /// Spread of the time to first token: sigma of the underlying normal.
    pub ttft_sigma: f64,
    /// Mean output tokens; each call draws uniformly from half to one and a half times this.
    pub output_tokens: u32,
    /// Output tokens per second once the first token arrived.
    pub tokens_per_second: f64,
    /// Probability that a call fails with a retryable upstream error.
    pub error_rate: f64,
    /// Multiplies every time above; 0 makes the model answer at once.
    pub latency_scale: f64,
}

/// The longest simulated call: a model drawn past it is cut to it.
pub const MAX_SIMULATED_CALL: Duration = Duration::from_secs(3600);

/// The largest `ttft_sigma`: e^(10 × 6) is already beyond any call worth simulating, and past
/// about 80 the draw overflows to infinity.
pub const MAX_TTFT_SIGMA: f64 = 10.0;

impl LlmModel {
    /// Whether every field is in range; the error names the field.
    pub fn validate(&self) -> Result<(), String> {
        let finite_non_negative = |name: &str, value: f64| {
            if value.is_finite() && value >= 0.0 {
                Ok(())
            } else {
                Err(format!("{name} must be a finite number >= 0, not {value}"))
            }
        };
        finite_non_negative("ttft_ms", self.ttft_ms)?;
        finite_non_negative("tokens_per_second", self.tokens_per_second)?;
        finite_non_negative("latency_scale", self.latency_scale)?;
        if !(0.0..=MAX_TTFT_SIGMA).contains(&self.ttft_sigma) {
            return Err(format!(
                "ttft_sigma must be within 0..={MAX_TTFT_SIGMA}, not {}",
                self.ttft_sigma
            ));
        }
        if !(0.0..=1.0).contains(&self.error_rate) {
            return Err(format!(
                "error_rate must be within 0..=1, not {}",
                self.error_rate
            ));
        }
        Ok(())
    }

    /// Defaults per arm kind: a fast hosted model, with planners and coders writing more.
    pub fn for_kind(kind: ArmKind) -> LlmModel {
        let (ttft_ms, output_tokens) = match kind {
            ArmKind::Planner => (150.0, 100),
            ArmKind::Coder => (200.0, 160),
            ArmKind::Executor => (60.0, 30),
            ArmKind::Retriever => (40.0, 40),
            ArmKind::Judge => (100.0, 50),
            ArmKind::Guardian => (30.0, 20),
        };
        LlmModel {
            ttft_ms,
            ttft_sigma: 0.5,
            output_tokens,
            tokens_per_second: 400.0,
            error_rate: 0.0,
            latency_scale: 1.0,
        }
    }
}

/// The seeded simulated model: the same seed gives the same sequence of latencies and errors.
pub struct SimulatedLlm {
    model: LlmModel,
    rng: Mutex<SmallRng>,
}

impl SimulatedLlm {
    pub fn new(model: LlmModel, seed: u64) -> SimulatedLlm {
        SimulatedLlm {
            model,
            rng: Mutex::new(SmallRng::seed_from_u64(seed)),
        }
    }

    /// Draws one call: (time to first token, output tokens, fails?).
    pub fn draw(&self) -> (Duration, u32, bool) {
        let model = &self.model;
        let low = (model.output_tokens / 2).max(1);
        let high = (model.output_tokens + model.output_tokens / 2).max(low);
        let (normal, tokens, fails) = {
            // Only the draws hold the lock; nothing below can panic inside it (and a poisoned
            // lock still holds a usable generator).
            let mut rng = self.rng.lock().unwrap_or_else(PoisonError::into_inner);
            // Box-Muller: one standard normal from two uniforms.
            let u1: f64 = rng.random_range(f64::EPSILON..1.0);
            let u2: f64 = rng.random();
            let normal = (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos();
            let tokens = rng.random_range(low..=high);
            let fails = rng.random_bool(model.error_rate.clamp(0.0, 1.0));
            (normal, tokens, fails)
        };
        let ttft_ms = model.ttft_ms * (model.ttft_sigma * normal).exp();
        (
            simulated(ttft_ms * model.latency_scale / 1000.0),
            tokens,
            fails,
        )
    }

    async fn complete(&self, kind: ArmKind) -> Result<Completion, LlmError> {
        let started = Instant::now();
        let (ttft, tokens, fails) = self.draw();
        let generation = if self.model.tokens_per_second > 0.0 {
            simulated(f64::from(tokens) / self.model.tokens_per_second * self.model.latency_scale)
        } else {
            Duration::ZERO
        };
        if fails {
            tokio::time::sleep(ttft).await;
            return Err(LlmError::Upstream {
                message: "simulated upstream error".into(),
                retryable: true,
            });
        }
        let total = ttft + generation;
        if !total.is_zero() {
            tokio::time::sleep(total).await;
        }
        Ok(Completion {
            text: format!("simulated {} output of {tokens} tokens", kind.as_str()),
            tokens,
            llm_time: started.elapsed(),
        })
    }
}

/// `seconds` as a simulated duration: at most [`MAX_SIMULATED_CALL`], and zero for a negative
/// or NaN value, so that no draw can panic.
fn simulated(seconds: f64) -> Duration {
    if seconds.is_nan() || seconds <= 0.0 {
        return Duration::ZERO;
    }
    Duration::try_from_secs_f64(seconds)
        .map_or(MAX_SIMULATED_CALL, |call| call.min(MAX_SIMULATED_CALL))
}

/// A client of an OpenAI-compatible `/v1/chat/completions` endpoint.
pub struct OpenAiClient {
    url: String,
    /// The URL as printed: its user info and any `api_key=` masked.
    shown_url: String,
    model: String,
    api_key: Option<String>,
    http: reqwest::Client,
}

impl OpenAiClient {
    pub fn new(
        url: &str,
        model: &str,
        api_key: Option<String>,
        timeout: Duration,
    ) -> anyhow::Result<OpenAiClient> {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .pool_idle_timeout(Duration::from_secs(30))
            .build()?;
        Ok(OpenAiClient {
            url: url.trim_end_matches('/').to_owned(),
            shown_url: secrets::redact(url.trim_end_matches('/')),
            model: model.to_owned(),
            api_key,
            http,
        })
    }

    async fn complete(&self, kind: ArmKind, prompt: &str) -> Result<Completion, LlmError> {
        let started = Instant::now();
        let body = serde_json::json!({
            "model": self.model,
            "messages": [
                {"role": "system", "content": kind.system_prompt()},
                {"role": "user", "content": prompt},
            ],
        });
        let mut request = self
            .http
            .post(format!("{}/v1/chat/completions", self.url))
            .json(&body);
        if let Some(key) = &self.api_key {
            request = request.bearer_auth(key);
        }
        let response = request.send().await.map_err(|error| {
            if error.is_timeout() {
                LlmError::Timeout(started.elapsed())
            } else {
                LlmError::Upstream {
                    message: format!(
                        "calling {}: {}",
                        self.shown_url,
                        secrets::redact(&error.to_string())
                    ),
                    retryable: true,
                }
            }
        })?;
        let status = response.status();
        if !status.is_success() {
            return Err(LlmError::Upstream {
                message: format!("{} answered HTTP {status}", self.shown_url),
                retryable: status.is_server_error() || status.as_u16() == 429,
            });
        }
        let answer: serde_json::Value =
            response.json().await.map_err(|error| LlmError::Upstream {
                message: format!("reading the answer of {}: {error}", self.shown_url),
                retryable: true,
            })?;
        let text = answer["choices"][0]["message"]["content"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let tokens = answer["usage"]["completion_tokens"].as_u64().unwrap_or(0) as u32;
        Ok(Completion {
            text,
            tokens,
            llm_time: started.elapsed(),
        })
    }
}
