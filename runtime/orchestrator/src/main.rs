//! The `orchestrator` binary: parses flags, connects and migrates the database, resumes
//! unfinished tasks, serves until Ctrl-C or SIGTERM.

use std::collections::HashMap;
use std::time::Duration;

use anyhow::Context;
use clap::Parser;

/// The Orchestrator: task intake, planning, routing to arms, persistence and caching.
#[derive(Debug, Parser)]
#[command(version)]
struct Opts {
    /// Address to bind.
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    /// Port to bind; 0 picks a free one (the bound address is printed on stdout).
    #[arg(long, default_value_t = 8000)]
    port: u16,
    /// Database: `sqlite://FILE` (embedded, created if missing) or `postgres://…`. Prefer the
    /// environment variable or `--database-url-file` for a URL with a password: the command
    /// line is visible to every user of the machine (`ps`).
    #[arg(
        long,
        env = "ORCHESTRATOR_DATABASE_URL",
        hide_env_values = true,
        default_value = "sqlite://orchestrator.db"
    )]
    database_url: String,
    /// A file whose first line is the database URL (takes precedence over `--database-url`).
    #[arg(long, value_name = "PATH")]
    database_url_file: Option<std::path::PathBuf>,
    /// Connections in the database pool [default: twice the cores, plus one].
    #[arg(long)]
    db_max_connections: Option<u32>,
    /// Redis for the second cache level (optional): `redis://127.0.0.1:6379`. Like the
    /// database URL, better given in the environment when it holds a password.
    #[arg(long, env = "ORCHESTRATOR_REDIS_URL", hide_env_values = true)]
    redis_url: Option<String>,
    /// Base URL of the Reflex Layer, which gates every text of a task (goal, context,
    /// constraints, acceptance criteria). Without it nothing is gated and the PII policy is
    /// off: the service says so at start, on `/ready` and in every task (`gated: false`).
    #[arg(long)]
    reflex_url: Option<String>,
    /// An arm, as KIND=URL (repeat for each arm): `--arm coder=http://127.0.0.1:8012`.
    #[arg(long = "arm", value_name = "KIND=URL")]
    arms: Vec<String>,
    /// Tasks that run at once; more wait as pending.
    #[arg(long, default_value_t = 512)]
    max_concurrent_tasks: usize,
    /// Retries of a failed arm or Reflex call (connection errors, 5xx, retryable arm errors).
    #[arg(long, default_value_t = 2)]
    max_retries: u32,
    /// Time an arm has for one call, in seconds.
    #[arg(long, default_value_t = 60.0)]
    arm_timeout_seconds: f64,
    /// Time a task has when its contract sets no budget, in seconds.
    #[arg(long, default_value_t = 300.0)]
    task_timeout_seconds: f64,
    /// Worker threads: 1 runs everything on one thread, 0 uses one per core (the orchestrator spreads its tasks over every core).
    #[arg(long, default_value_t = 0)]
    workers: usize,
    /// Price of LLM output in USD per 1,000 tokens, to check `budget.max_cost_usd`.
    #[arg(long, default_value_t = 0.002)]
    usd_per_1k_tokens: f64,
    /// What to do with PII the Reflex Layer finds in a goal: redact (replace each finding by
    /// a typed placeholder before it is stored or sent to an LLM), block (refuse the task) or
    /// allow.
    #[arg(long, default_value = "redact")]
    pii_policy: orchestrator::PiiPolicy,
    /// This instance's name in the tasks' leases [default: HOSTNAME:PORT, the port bound].
    /// Instances sharing a database need distinct names; one restarted under its old name
    /// takes its unfinished tasks back at once, others wait for their lease to expire.
    #[arg(long)]
    instance_id: Option<String>,
    /// How long a claim on a task holds without a heartbeat (renewed every third of it).
    #[arg(long, default_value_t = 30.0)]
    lease_seconds: f64,
    /// Megabytes of finished task views the in-process cache holds at most.
    #[arg(long, default_value_t = 32)]
    cache_max_mb: u64,
    /// Megabytes of task contracts held in process at most (accepted, not finished); past it
    /// new tasks are refused with 503 and Retry-After.
    #[arg(long, default_value_t = 256)]
    max_in_process_mb: usize,
    /// Largest request body accepted, in bytes.
    #[arg(long, default_value_t = 1 << 20)]
    body_limit_bytes: usize,
    /// Serve `POST /debug/pprof/start` and `/debug/pprof/stop` to loopback: a CPU profile of
    /// this process on demand (pprof protobuf, gzipped).
    #[arg(long)]
    profiling: bool,
    /// API keys, one per line: `TOKEN SCOPE NAME` (scope user, service or admin). Without a
    /// file, the keys of the OCTO_API_KEYS variable, if set; with neither, no key is needed.
    #[arg(long, env = "OCTO_API_KEYS_FILE", value_name = "PATH")]
    api_keys_file: Option<std::path::PathBuf>,
    /// The key (a service's) presented to the Reflex Layer and the arms. Read from the
    /// environment only, so that `ps` does not show it.
    #[arg(skip = std::env::var("ORCHESTRATOR_SERVICE_KEY").ok())]
    service_key: Option<String>,
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
    let mut arm_urls = HashMap::new();
    for arm in &opts.arms {
        let (kind, url) = arm
            .split_once('=')
            .with_context(|| format!("--arm {arm:?}: expected KIND=URL"))?;
        arm_urls.insert(kind.to_owned(), url.to_owned());
    }
    // Checked before any is turned into a `Duration`, which panics on infinity and NaN
    // (issue 23: `--arm-timeout-seconds inf` ended in a backtrace).
    let within = |flag: &str, value: f64, max: f64| {
        anyhow::ensure!(
            value > 0.0 && value <= max,
            "{flag} must be a number of seconds over 0 and at most {max}, not {value}"
        );
        Ok(())
    };
    within("--arm-timeout-seconds", opts.arm_timeout_seconds, 3600.0)?;
    within(
        "--task-timeout-seconds",
        opts.task_timeout_seconds,
        orchestrator::MAX_TASK_SECONDS,
    )?;
    anyhow::ensure!(
        opts.usd_per_1k_tokens >= 0.0 && opts.usd_per_1k_tokens.is_finite(),
        "--usd-per-1k-tokens must be a finite number >= 0, not {}",
        opts.usd_per_1k_tokens
    );
    anyhow::ensure!(
        opts.lease_seconds >= 0.3 && opts.lease_seconds <= 3600.0,
        "--lease-seconds must be within 0.3 and 3600"
    );
    // Bound first (announced only once ready): the port names this instance.
    let listener = tokio::net::TcpListener::bind((opts.host.as_str(), opts.port))
        .await
        .with_context(|| format!("binding {}:{}", opts.host, opts.port))?;
    let addr = listener.local_addr().context("reading the bound address")?;
    let instance_id = opts.instance_id.clone().unwrap_or_else(|| {
        let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
            .map(|name| name.trim().to_owned())
            .unwrap_or_else(|_| "localhost".to_owned());
        format!("{host}:{}", addr.port())
    });
    let database_url = match &opts.database_url_file {
        Some(path) => std::fs::read_to_string(path)
            .with_context(|| format!("--database-url-file {}", path.display()))?
            .lines()
            .next()
            .map(str::trim)
            .filter(|line| !line.is_empty())
            .with_context(|| format!("--database-url-file {}: the file is empty", path.display()))?
            .to_owned(),
        None => opts.database_url.clone(),
    };
    let api_keys = serving::auth::ApiKeys::load(opts.api_keys_file.as_deref())?;
    if api_keys.is_none() {
        tracing::warn!("no API keys: every route is open, and every user's tasks can be read");
    }
    let service_key = match &opts.service_key {
        Some(key) => {
            let mut value = axum::http::HeaderValue::from_str(&format!("Bearer {}", key.trim()))
                .context("ORCHESTRATOR_SERVICE_KEY: characters a header cannot carry")?;
            value.set_sensitive(true);
            Some(value)
        }
        None => None,
    };
    let config = orchestrator::Config {
        api_keys,
        service_key,
        db_max_connections: opts
            .db_max_connections
            .unwrap_or_else(orchestrator::pool_size_for_cores),
        redis_url: opts.redis_url,
        reflex_url: opts.reflex_url,
        arm_urls,
        max_concurrent_tasks: opts.max_concurrent_tasks,
        max_retries: opts.max_retries,
        arm_timeout: Duration::from_secs_f64(opts.arm_timeout_seconds),
        default_task_timeout: Duration::from_secs_f64(opts.task_timeout_seconds),
        body_limit_bytes: opts.body_limit_bytes,
        usd_per_1k_tokens: opts.usd_per_1k_tokens,
        pii_policy: opts.pii_policy,
        instance_id,
        lease: Duration::from_secs_f64(opts.lease_seconds),
        cache_max_bytes: opts.cache_max_mb.saturating_mul(1 << 20),
        max_in_process_bytes: opts.max_in_process_mb.saturating_mul(1 << 20),
        ..orchestrator::Config::new(&database_url)
    };
    if config.reflex_url.is_none() {
        tracing::warn!(
            pii_policy = ?config.pii_policy,
            "no --reflex-url: task texts are NOT gated (no injection check, and the PII policy is off); /ready and every task say gated: false"
        );
    }
    let state = orchestrator::build_state(config).await?;
    let resumed = orchestrator::resume_unfinished(&state).await?;
    if resumed > 0 {
        tracing::info!(resumed, "resumed unfinished tasks");
    }
    let _heartbeat = orchestrator::keep_leases(&state);
    // Before the address is announced: a SIGTERM may follow at once.
    let signal = serving::shutdown_signal();
    serving::announce(addr);
    tracing::info!(%addr, instance = state.config.instance_id, "orchestrator listening");
    let stopping = state.clone();
    let shutdown = async move {
        signal.await;
        stopping.begin_shutdown();
    };
    // Tasks still running when the process ends stay `running` in the database and are
    // resumed at the next start.
    let served = serving::serve(listener, orchestrator::app(state.clone()), shutdown).await;
    state.store.close().await;
    served
}
