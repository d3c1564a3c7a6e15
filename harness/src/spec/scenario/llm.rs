//! A scenario's `[llm]`: the arms' simulated LLM latency model, or a real endpoint.

use super::{ErrorAt, ScenarioError};
use serde::Deserialize;

/// The arms' LLM: simulated (the default) or an OpenAI-compatible endpoint.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LlmSpec {
    /// Multiplies every simulated time; 0 makes the LLM answer at once.
    #[serde(default = "one")]
    pub latency_scale: f64,
    #[serde(default = "default_seed")]
    pub seed: u64,
    #[serde(default)]
    pub error_rate: f64,
    pub ttft_ms: Option<f64>,
    pub output_tokens: Option<u32>,
    pub tokens_per_second: Option<f64>,
    /// An OpenAI-compatible endpoint instead of the simulation.
    pub url: Option<String>,
    pub model: Option<String>,
}

impl Default for LlmSpec {
    fn default() -> LlmSpec {
        LlmSpec {
            latency_scale: 1.0,
            seed: default_seed(),
            error_rate: 0.0,
            ttft_ms: None,
            output_tokens: None,
            tokens_per_second: None,
            url: None,
            model: None,
        }
    }
}

pub(super) fn one() -> f64 {
    1.0
}

pub(super) fn default_seed() -> u64 {
    42
}

impl LlmSpec {
    /// True when the arms answer at once: the setting that isolates orchestration cost.
    pub fn is_zero_latency(&self) -> bool {
        self.url.is_none() && self.latency_scale == 0.0
    }

    /// The flags that give an arm this model.
    pub fn arm_args(&self) -> Vec<String> {
        if self.url.is_some() {
            // The URL itself goes in the arm's environment (`ARM_LLM_URL`), which `ps` does
            // not show: see `arm_env`.
            let mut args = Vec::new();
            if let Some(model) = &self.model {
                args.extend(["--llm-model".to_owned(), model.clone()]);
            }
            return args;
        }
        let mut args = vec![
            "--llm-latency-scale".to_owned(),
            self.latency_scale.to_string(),
            "--llm-seed".to_owned(),
            self.seed.to_string(),
            "--llm-error-rate".to_owned(),
            self.error_rate.to_string(),
        ];
        if let Some(ttft) = self.ttft_ms {
            args.extend(["--llm-ttft-ms".to_owned(), ttft.to_string()]);
        }
        if let Some(tokens) = self.output_tokens {
            args.extend(["--llm-output-tokens".to_owned(), tokens.to_string()]);
        }
        if let Some(rate) = self.tokens_per_second {
            args.extend(["--llm-tokens-per-second".to_owned(), rate.to_string()]);
        }
        args
    }

    /// The arms' environment for this model: the endpoint's URL, when one is given.
    pub fn arm_env(&self) -> Vec<(&'static str, String)> {
        self.url
            .iter()
            .map(|url| ("ARM_LLM_URL", url.clone()))
            .collect()
    }

    /// One line for the report.
    pub fn describe(&self) -> String {
        if let Some(url) = &self.url {
            return format!(
                "OpenAI-compatible endpoint {}, model {}",
                secrets::redact(url),
                self.model.as_deref().unwrap_or("default")
            );
        }
        if self.is_zero_latency() {
            return "simulated, zero latency (orchestration only)".to_owned();
        }
        let ttft = self.ttft_ms.map_or_else(
            || "per-arm defaults 30-200 ms".to_owned(),
            |ms| format!("{ms} ms"),
        );
        let tokens = self
            .output_tokens
            .map_or_else(|| "per-arm defaults 20-160".to_owned(), |n| n.to_string());
        let rate = self.tokens_per_second.unwrap_or(400.0);
        format!(
            "simulated: median time to first token {ttft} (log-normal, sigma 0.5), output tokens {tokens} at {rate} tokens/s, latency scale {}, error rate {}, seed {}",
            self.latency_scale, self.error_rate, self.seed
        )
    }
}

pub(super) fn check_llm(
    llm: &LlmSpec,
    llm_at: usize,
    error_at: ErrorAt,
) -> Result<(), ScenarioError> {
    if llm.latency_scale < 0.0 || !(0.0..=1.0).contains(&llm.error_rate) {
        return Err(error_at(
            llm_at,
            "field `llm`: latency_scale must be >= 0 and error_rate within 0..=1".into(),
        ));
    }
    Ok(())
}
