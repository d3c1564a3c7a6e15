//! The `arm` binary: one arm of the given kind, with a simulated or OpenAI-compatible LLM.

use std::time::Duration;

use anyhow::Context;
use arms::{ArmKind, LlmModel, Provider};
use clap::Parser;

/// An arm: planner, coder, executor, retriever, judge or guardian.
#[derive(Debug, Parser)]
#[command(version)]
struct Opts {
    /// Which arm to serve.
    #[arg(long)]
    kind: ArmKind,
    /// Address to bind.
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    /// Port to bind; 0 picks a free one (the bound address is printed on stdout).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Identifier reported in provenance; defaults to the kind.
    #[arg(long)]
    arm_id: Option<String>,
    /// Concurrent LLM calls allowed (a semaphore); further calls wait.
    #[arg(long, default_value_t = 32)]
    max_concurrent_llm: usize,
    /// Worker threads: 1 runs everything on one thread, 0 uses one per core (an arm mostly waits on its LLM).
    #[arg(long, default_value_t = 1)]
    workers: usize,
    /// Largest request body accepted, in bytes.
    #[arg(long, default_value_t = 1 << 20)]
    body_limit_bytes: usize,
    /// Base URL of an OpenAI-compatible endpoint; without it the LLM is simulated. Printed
    /// with its user info masked; better given in the environment when it holds a secret.
    #[arg(long, env = "ARM_LLM_URL", hide_env_values = true)]
    llm_url: Option<String>,
    /// Model name sent to the OpenAI-compatible endpoint.
    #[arg(long, default_value = "gpt-4o-mini")]
    llm_model: String,
    /// Environment variable that holds the endpoint's API key.
    #[arg(long, default_value = "OPENAI_API_KEY")]
    llm_api_key_env: String,
    /// Seed of the simulated LLM.
    #[arg(long, default_value_t = 42)]
    llm_seed: u64,
    /// Multiplies every simulated time; 0 answers at once.
    #[arg(long, default_value_t = 1.0)]
    llm_latency_scale: f64,
    /// Probability that a simulated call fails with a retryable error.
    #[arg(long, default_value_t = 0.0)]
    llm_error_rate: f64,
    /// Median simulated time to first token in ms [default: per kind, 30 to 200].
    #[arg(long)]
    llm_ttft_ms: Option<f64>,
    /// Sigma of the log-normal time to first token.
    #[arg(long)]
    llm_ttft_sigma: Option<f64>,
    /// Mean simulated output tokens [default: per kind, 20 to 160].
    #[arg(long)]
    llm_output_tokens: Option<u32>,
    /// Simulated output tokens per second.
    #[arg(long)]
    llm_tokens_per_second: Option<f64>,
    /// Serve `POST /debug/pprof/start` and `/debug/pprof/stop` to loopback: a CPU profile of
    /// this process on demand (pprof protobuf, gzipped).
    #[arg(long)]
    profiling: bool,
    /// Megabytes of successful answers remembered by `request_id`, so that a repeated call
    /// (a retry, a resumed task) is answered without calling the LLM again.
    #[arg(long, default_value_t = 16)]
    idempotency_mb: u64,
    /// Serve `POST /debug/llm-fault` to loopback, so that the fault suite can make the LLM
    /// fail or hang for a while. Off in production.
    #[arg(long)]
    fault_injection: bool,
    /// Append the `request_id` of every LLM call that succeeds to this file, one per line:
    /// the fault suite's count of effects per request.
    #[arg(long, value_name = "PATH")]
    effects_log: Option<std::path::PathBuf>,
    /// API keys, one per line: `TOKEN SCOPE NAME` (scope user, service or admin); calls need
    /// the service scope. Without a file, the keys of the OCTO_API_KEYS variable, if set; with
    /// neither, no key is needed.
    #[arg(long, env = "OCTO_API_KEYS_FILE", value_name = "PATH")]
    api_keys_file: Option<std::path::PathBuf>,
}

fn main() -> anyhow::Result<()> {
    serving::init_tracing();
    let opts = Opts::parse();
    if opts.profiling {
        serving::enable_profiling();
    }
    // Held to the end of main: a heap profile is written when it drops, after a graceful
    // shutdown (a no-op unless built with the `dhat-heap` feature).
    let _heap = serving::heap_profile(std::env::var_os(serving::DHAT_OUT_ENV));
    serving::raise_open_files_limit(&serving::Limits::default());
    serving::runtime(opts.workers)?.block_on(serve(opts))
}

async fn serve(opts: Opts) -> anyhow::Result<()> {
    anyhow::ensure!(
        opts.llm_latency_scale >= 0.0 && (0.0..=1.0).contains(&opts.llm_error_rate),
        "--llm-latency-scale must be >= 0 and --llm-error-rate within 0..=1"
    );
    let provider = match &opts.llm_url {
        Some(url) => Provider::OpenAi(
            arms::llm::OpenAiClient::new(
                url,
                &opts.llm_model,
                std::env::var(&opts.llm_api_key_env).ok(),
                Duration::from_secs(120),
            )
            .with_context(|| format!("setting up the LLM client for {}", secrets::redact(url)))?,
        ),
        None => {
            let defaults = LlmModel::for_kind(opts.kind);
            let model = LlmModel {
                ttft_ms: opts.llm_ttft_ms.unwrap_or(defaults.ttft_ms),
                ttft_sigma: opts.llm_ttft_sigma.unwrap_or(defaults.ttft_sigma),
                output_tokens: opts.llm_output_tokens.unwrap_or(defaults.output_tokens),
                tokens_per_second: opts
                    .llm_tokens_per_second
                    .unwrap_or(defaults.tokens_per_second),
                error_rate: opts.llm_error_rate,
                latency_scale: opts.llm_latency_scale,
            };
            model.validate().map_err(|error| {
                anyhow::anyhow!("the simulated LLM: {error} (see --llm-ttft-ms, --llm-ttft-sigma, --llm-tokens-per-second, --llm-latency-scale, --llm-error-rate)")
            })?;
            Provider::Simulated(arms::llm::SimulatedLlm::new(model, opts.llm_seed))
        }
    };
    let config = arms::Config {
        kind: opts.kind,
        arm_id: opts.arm_id.unwrap_or_else(|| opts.kind.as_str().to_owned()),
        max_concurrent_llm: opts.max_concurrent_llm,
        body_limit_bytes: opts.body_limit_bytes,
        idempotency_bytes: opts.idempotency_mb.saturating_mul(1 << 20),
    };
    tracing::info!(kind = opts.kind.as_str(), llm = %provider.describe(), "arm starting");
    let effects_log = match &opts.effects_log {
        Some(path) => Some(
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .with_context(|| format!("opening --effects-log {}", path.display()))?,
        ),
        None => None,
    };
    let state = arms::AppState::with_fault_suite(
        config,
        provider,
        arms::FaultSuite {
            fault_injection: opts.fault_injection,
            effects_log,
        },
    );
    let keys = serving::auth::ApiKeys::load(opts.api_keys_file.as_deref())?;
    if keys.is_none() {
        tracing::warn!("no API keys: anyone who reaches this arm can spend its LLM key");
    }
    // Before the address is announced: a SIGTERM may follow at once.
    let shutdown = serving::shutdown_signal();
    let listener = serving::bind_and_announce(&opts.host, opts.port).await?;
    serving::serve(listener, arms::app_behind(state, keys), shutdown).await
}
