//! The `reflex` binary: parses flags, binds, serves until Ctrl-C or SIGTERM.

use std::time::Duration;

use clap::Parser;

/// The Reflex Layer: PII and prompt-injection gate with a result cache and rate limit.
#[derive(Debug, Parser)]
#[command(version)]
struct Opts {
    /// Address to bind.
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    /// Port to bind; 0 picks a free one (the bound address is printed on stdout).
    #[arg(long, default_value_t = 8001)]
    port: u16,
    /// Megabytes the in-process result cache may hold (each entry weighed by its text and
    /// findings); 0 turns it off.
    #[arg(long, default_value_t = 16)]
    cache_max_mb: u64,
    /// Seconds a cached result lives.
    #[arg(long, default_value_t = 300)]
    cache_ttl_seconds: u64,
    /// Requests per second allowed per user (token bucket); 0 turns rate limiting off.
    #[arg(long, default_value_t = 50.0)]
    rate_limit: f64,
    /// Burst size of each user's token bucket.
    #[arg(long, default_value_t = 100.0)]
    rate_limit_burst: f64,
    /// Users whose request rate is tracked at once; past it the least recently seen are
    /// forgotten (each costs about 48 bytes, whatever the length of its name).
    #[arg(long, default_value_t = 65_536)]
    rate_limit_max_users: usize,
    /// Worker threads: 1 runs everything on one thread (cheapest per request up to the load
    /// one core carries); 0 uses one per core.
    #[arg(long, default_value_t = 1)]
    workers: usize,
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
}

fn main() -> anyhow::Result<()> {
    serving::init_tracing();
    let opts = Opts::parse();
    if opts.profiling {
        serving::enable_profiling();
    }
    #[cfg(feature = "test-knobs")]
    if let Some(fraction) = std::env::var(reflex::detect::knobs::SCAN_SLOWDOWN_ENV)
        .ok()
        .and_then(|text| text.parse::<f64>().ok())
    {
        tracing::warn!(fraction, "test knob: every scan is slowed down");
        reflex::detect::knobs::set_scan_slowdown(fraction);
    }
    // Held to the end of main: a heap profile is written when it drops, after a graceful
    // shutdown (a no-op unless built with the `dhat-heap` feature).
    let _heap = serving::heap_profile(std::env::var_os(serving::DHAT_OUT_ENV));
    serving::raise_open_files_limit(&serving::Limits::default());
    serving::runtime(opts.workers)?.block_on(serve(opts))
}

async fn serve(opts: Opts) -> anyhow::Result<()> {
    let config = reflex::Config {
        cache_max_bytes: opts.cache_max_mb << 20,
        cache_ttl: Duration::from_secs(opts.cache_ttl_seconds),
        rate_limit_per_second: opts.rate_limit,
        rate_limit_burst: opts.rate_limit_burst,
        rate_limit_max_users: opts.rate_limit_max_users,
        body_limit_bytes: opts.body_limit_bytes,
        access: serving::auth::Access {
            keys: serving::auth::ApiKeys::load(opts.api_keys_file.as_deref())?,
            routes_need: serving::auth::Scope::User,
        },
    };
    if config.access.keys.is_none() {
        tracing::warn!(
            "no API keys: every route is open, and rates are limited per client address"
        );
    }
    let state = reflex::AppState::new(&config);
    // Before the address is announced: a SIGTERM may follow at once.
    let shutdown = serving::shutdown_signal();
    let listener = serving::bind_and_announce(&opts.host, opts.port).await?;
    tracing::info!(addr = %listener.local_addr()?, "reflex layer listening");
    serving::serve(listener, reflex::app(state, &config), shutdown).await
}
