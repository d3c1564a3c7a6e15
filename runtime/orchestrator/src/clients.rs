//! HTTP clients of the Reflex Layer and the arms: one pooled keep-alive client, a timeout on
//! every call and a bounded number of retries with exponential backoff.

use std::collections::HashMap;
use std::time::Duration;

use anyhow::Context;
use serde::Deserialize;

/// What the Reflex Layer said of a goal.
#[derive(Debug, Clone, Deserialize)]
pub struct ReflexVerdict {
    pub status: String,
    #[serde(default)]
    pub pii_matches: Vec<serde_json::Value>,
    #[serde(default)]
    pub injection_matches: Vec<serde_json::Value>,
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
}

/// The clients of the services the Orchestrator calls.
pub struct Clients {
    http: reqwest::Client,
    reflex_url: Option<String>,
    arm_urls: HashMap<String, String>,
    max_retries: u32,
    arm_timeout: Duration,
}

impl Clients {
    pub fn new(
        reflex_url: Option<String>,
        arm_urls: HashMap<String, String>,
        max_retries: u32,
        arm_timeout: Duration,
    ) -> anyhow::Result<Clients> {
        let http = reqwest::Client::builder()
            .pool_max_idle_per_host(256)
            .pool_idle_timeout(Duration::from_secs(60))
            .tcp_nodelay(true)
            .connect_timeout(Duration::from_secs(2))
            .build()
            .context("building the HTTP client")?;
        Ok(Clients {
            http,
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

    /// Asks the Reflex Layer about `text`; `None` when no Reflex Layer is configured.
    pub async fn check_reflex(
        &self,
        text: &str,
        user_id: &str,
    ) -> Result<Option<ReflexVerdict>, CallError> {
        let Some(base) = &self.reflex_url else {
            return Ok(None);
        };
        let body = serde_json::json!({"text": text, "user_id": user_id});
        let url = format!("{base}/process");
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
            .json::<ReflexVerdict>()
            .await
            .map(Some)
            .map_err(|error| CallError::Unreachable {
                target: url,
                message: format!("unreadable answer: {error}"),
            })
    }

    /// Runs `task` on the arm of kind `arm`, retrying retryable failures.
    pub async fn execute(
        &self,
        arm: &str,
        task: &serde_json::Value,
        request_id: &str,
    ) -> Result<ArmAnswer, CallError> {
        let base = self
            .arm_urls
            .get(arm)
            .ok_or_else(|| CallError::Unreachable {
                target: format!("arm {arm}"),
                message: "no such arm is configured".into(),
            })?;
        let url = format!("{base}/execute");
        let body = serde_json::json!({
            "task": task,
            "request_id": request_id,
            "timeout_seconds": self.arm_timeout.as_secs_f64(),
        });
        let mut attempt = 0;
        loop {
            // The HTTP timeout leaves the arm a little time past its own to answer.
            let response = self
                .post_with_retries(&url, &body, self.arm_timeout + Duration::from_secs(1))
                .await?;
            let status = response.status().as_u16();
            if !response.status().is_success() {
                let body = response.text().await.unwrap_or_default();
                return Err(CallError::Status {
                    target: url,
                    status,
                    body,
                });
            }
            let answer: ArmAnswer =
                response
                    .json()
                    .await
                    .map_err(|error| CallError::Unreachable {
                        target: url.clone(),
                        message: format!("unreadable answer: {error}"),
                    })?;
            if answer.success {
                return Ok(answer);
            }
            let error = answer.error.unwrap_or(ArmErrorBody {
                code: "unknown".into(),
                message: "the arm reported failure without an error".into(),
                retryable: false,
            });
            if error.retryable && attempt < self.max_retries {
                attempt += 1;
                tokio::time::sleep(backoff(attempt)).await;
                continue;
            }
            return Err(CallError::Arm {
                arm: arm.to_owned(),
                code: error.code,
                message: error.message,
            });
        }
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
