//! The `octoperf` command line: flags parsed once into a resolved configuration, each
//! command run, and the documented exit code returned.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use tokio::sync::watch;

use crate::exit;
use crate::judge::{self, capacity};
use crate::observe::machine;
use crate::spec::{budget, scenario};
use crate::{bench, merge, run, runs, stack};

#[derive(Debug, Parser)]
#[command(
    name = "octoperf",
    version,
    about = "Load tests an OctoLLM-style stack against its performance budgets."
)]
pub struct Opts {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run scenarios and judge every budget row.
    Run(RunOpts),
    /// Check every scenario file and the budget file, start nothing.
    Check(FilesOpts),
    /// Offer load to one URL with the engine alone (like wrk2): a fixed request at a rate,
    /// or N users back to back; prints latency and the generator's own account of itself.
    Bench(BenchOpts),
    /// Run the calibration server: every request takes a fixed service time (default none:
    /// the trivial server `bench` is compared with wrk on).
    CalibrationServer(CalibrationOpts),
    /// Find the highest rate at which a scenario holds every budget row it measures: trials
    /// ramp the offered rate up, then bisect (each trial on the scenario's quick windows).
    Capacity(CapacityOpts),
    /// Merge several runs of the same scenarios (shards run side by side) into one report,
    /// adding their histograms and interval logs exactly, and judge the rows again.
    Merge(MergeOpts),
    /// List the runs in the history, newest first.
    History(HistoryOpts),
    /// Compare two runs, or two sets of trials, metric by metric: each change with its
    /// confidence interval and a verdict (improved, regressed, no change, unknown). BASE and
    /// NEW are run ids in the history (or `latest`, `latest~1`…), report.json files, run
    /// folders, or folders of trial folders. Exit 0: no regression; 1: a regression; 3: a
    /// change that may be a regression and needs more trials.
    Compare(CompareOpts),
    /// The quarterly performance review, from the history: every row's trend and headroom,
    /// the steps found in them and their commits, capacity, the rows nearest their limits.
    Review(ReviewOpts),
    /// Render a report.json again (an old run's too), on stdout: Markdown, a terminal
    /// summary, the self-contained HTML page, or JUnit XML. Links in the HTML are relative to
    /// the report's folder.
    Render {
        /// The report.json to render.
        report: PathBuf,
        /// `md` (or `markdown`), `terminal`, `html` or `junit`.
        #[arg(long, default_value = "md")]
        format: String,
    },
}

/// Where the history of runs is kept.
#[derive(Debug, Clone, clap::Args)]
pub struct StoreOpts {
    /// The SQLite file of the history [default: target/octoperf-history.db].
    #[arg(long, value_name = "PATH")]
    pub history: Option<PathBuf>,
    /// The history in a database instead, as postgres://… or sqlite://…. A URL with a
    /// password is better given in the environment, which `ps` does not show.
    #[arg(
        long,
        value_name = "URL",
        conflicts_with = "history",
        env = "OCTOPERF_HISTORY_URL",
        hide_env_values = true
    )]
    pub history_url: Option<String>,
}

impl StoreOpts {
    fn store(&self, off: bool) -> runs::Store {
        runs::Store::from_flags(self.history.clone(), self.history_url.clone(), off)
    }

    /// The history, for a command that reads it; on failure the error is printed and the
    /// exit code is returned.
    async fn open_for_command(&self) -> Result<history::History, u8> {
        match self.store(false).open().await {
            Ok(Some(history)) => Ok(history),
            Ok(None) => unreachable!("the history is on"),
            Err(message) => {
                eprintln!("error: {message}");
                Err(exit::ERROR)
            }
        }
    }
}

#[derive(Debug, clap::Args)]
pub struct HistoryOpts {
    #[command(flatten)]
    pub store: StoreOpts,
    /// Only runs that ran this scenario.
    #[arg(long)]
    pub scenario: Option<String>,
    /// Only runs of this branch.
    #[arg(long)]
    pub branch: Option<String>,
    /// Only runs since then: a duration back from now (`90d`, `2weeks`) or a date
    /// (`2026-09-01`).
    #[arg(long)]
    pub since: Option<String>,
    /// The newest N runs.
    #[arg(long, default_value_t = 50)]
    pub limit: u32,
    /// Print JSON lines instead of a table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, clap::Args)]
pub struct CompareOpts {
    #[command(flatten)]
    pub store: StoreOpts,
    /// The baseline.
    pub base: String,
    /// The runs judged against it.
    pub new: String,
    /// The gate file: thresholds per metric [default: ci/gate.toml when it exists,
    /// else built-in defaults].
    #[arg(long, value_name = "FILE")]
    pub gate: Option<PathBuf>,
    /// `terminal`, `md` (a pull-request comment) or `json`.
    #[arg(long, default_value = "terminal")]
    pub format: String,
    /// Also write the Markdown comparison to this file.
    #[arg(long, value_name = "FILE")]
    pub markdown: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct ReviewOpts {
    #[command(flatten)]
    pub store: StoreOpts,
    /// The period: a duration back from now (`90d`) or a date (`2026-09-01`).
    #[arg(long, default_value = "90d")]
    pub since: String,
    /// Only runs that ran this scenario.
    #[arg(long)]
    pub scenario: Option<String>,
    /// Only runs of this branch.
    #[arg(long)]
    pub branch: Option<String>,
    /// Only runs on machines like this one (same CPU model, cores, memory and kernel).
    #[arg(long)]
    pub this_machine: bool,
    /// Only quick runs (`--quick`) or only full-length ones (`--full`).
    #[arg(long, conflicts_with = "full")]
    pub quick: bool,
    #[arg(long)]
    pub full: bool,
    /// Where to write review.html and review.md.
    #[arg(long, default_value = "target/review")]
    pub out: PathBuf,
}

#[derive(Debug, clap::Args)]
pub struct BenchOpts {
    /// Where to send the requests: `http://127.0.0.1:8080/process`.
    pub url: String,
    /// Open model: the arrival rate, as `10000/s`.
    #[arg(long, conflicts_with = "users")]
    pub rate: Option<String>,
    /// Closed model: users, each sending when its last answer came.
    #[arg(long)]
    pub users: Option<u32>,
    /// The measured window.
    #[arg(long, default_value = "10s", value_parser = humantime::parse_duration)]
    pub duration: std::time::Duration,
    /// Sent but not measured, before the window.
    #[arg(long, default_value = "1s", value_parser = humantime::parse_duration)]
    pub warmup: std::time::Duration,
    /// Worker threads [default: the cores this process may use].
    #[arg(long)]
    pub threads: Option<usize>,
    /// Pin the workers to these CPUs, as `1` or `2,3`.
    #[arg(long, value_delimiter = ',')]
    pub cpus: Vec<usize>,
    /// The request body (POST); without it, GET. Each `{seq}` in it is replaced by the
    /// request's number, so that every body is distinct (a server's cache sees no repeat).
    #[arg(long)]
    pub body: Option<String>,
    /// Open model: wake once per window of this length and send every request due in it
    /// (a request goes up to a window late); `0s`: each request at its own time.
    #[arg(long, default_value = "0s", value_parser = humantime::parse_duration)]
    pub send_window: std::time::Duration,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
    /// Allow a URL that is not on this machine.
    #[arg(long)]
    pub allow_non_loopback: bool,
    #[command(flatten)]
    pub tls: TlsOpts,
}

#[derive(Debug, clap::Args)]
pub struct CapacityOpts {
    #[command(flatten)]
    pub run: RunOpts,
    /// Trials at most.
    #[arg(long, default_value_t = 8)]
    pub max_trials: usize,
    /// The first rate tried, as `10000/s` [default: the scenario's rate].
    #[arg(long)]
    pub start: Option<String>,
}

#[derive(Debug, clap::Args)]
pub struct MergeOpts {
    /// Runs to merge: their folders, or their report.json files (or --run-group instead).
    #[arg(required_unless_present = "run_group", num_args = 2..)]
    pub runs: Vec<PathBuf>,
    /// Merge the segments recorded in the history under this run group (`octoperf run
    /// --segment I/N --run-group ID`), waiting until each has finished, died or the wait
    /// ran out; a missing segment makes the merged run invalid, and is named.
    #[arg(long, value_name = "ID", conflicts_with = "runs")]
    pub run_group: Option<String>,
    /// How many segments to wait for [default: the N they joined with].
    #[arg(long, value_name = "N", requires = "run_group")]
    pub segments: Option<u32>,
    /// How long to wait for the segments to finish.
    #[arg(long, default_value = "30m", value_parser = humantime::parse_duration, requires = "run_group")]
    pub wait: std::time::Duration,
    #[command(flatten)]
    pub store: StoreOpts,
    /// Output folder for the merged report and interval logs.
    #[arg(long)]
    pub out: PathBuf,
    /// The budget tables to judge the merged data against.
    #[arg(long, default_value = "scenarios/budgets.toml")]
    pub budgets: PathBuf,
    /// Which column of the resource table applies.
    #[arg(long, default_value = "development")]
    pub profile: budget::Profile,
}

#[derive(Debug, clap::Args)]
pub struct CalibrationOpts {
    /// Port on 127.0.0.1 (0: any free port); the URL is printed once listening.
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// Every request's service time.
    #[arg(long, default_value = "0s", value_parser = humantime::parse_duration)]
    pub service_time: std::time::Duration,
    /// Pin the server's thread to this CPU.
    #[arg(long)]
    pub cpu: Option<usize>,
    /// Stop after this long [default: 1h].
    #[arg(long, default_value = "1h", value_parser = humantime::parse_duration)]
    pub lifetime: std::time::Duration,
}

#[derive(Debug, clap::Args)]
pub struct FilesOpts {
    /// Folder of scenario files.
    #[arg(long, default_value = "scenarios")]
    pub scenarios_dir: PathBuf,
    /// The budget tables.
    #[arg(long, default_value = "scenarios/budgets.toml")]
    pub budgets: PathBuf,
}

#[derive(Debug, Clone, clap::Args)]
pub struct TlsOpts {
    /// Trust the certificates in this PEM file for `https://` targets, instead of the
    /// system's roots.
    #[arg(long, value_name = "FILE")]
    pub cacert: Option<PathBuf>,
    /// Accept any certificate from `https://` targets (a staging server's self-signed one).
    #[arg(long, conflicts_with = "cacert")]
    pub insecure: bool,
}

impl TlsOpts {
    pub fn options(&self) -> loadgen::TlsOptions {
        loadgen::TlsOptions {
            cacert: self.cacert.clone(),
            insecure: self.insecure,
        }
    }
}

#[derive(Debug, clap::Args)]
pub struct RunOpts {
    #[command(flatten)]
    pub files: FilesOpts,
    /// Run only this scenario (repeat for several); default: every scenario.
    #[arg(long = "scenario", value_name = "NAME")]
    pub scenarios: Vec<String>,
    /// Shorter warm-up and measured windows.
    #[arg(long)]
    pub quick: bool,
    /// Which column of the resource table applies.
    #[arg(long, default_value = "development")]
    pub profile: budget::Profile,
    /// Output folder [default: target/loadtest/<run-id>].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Folder of the runtime binaries (reflex, orchestrator, arm).
    #[arg(long, default_value = "target/release")]
    pub bin_dir: PathBuf,
    /// A service already running, as NAME=URL (NAME: reflex, orchestrator or an arm kind);
    /// it is used instead of starting one. Repeatable. (`--target` is the old name.)
    #[arg(long = "service", visible_alias = "target", value_name = "NAME=URL")]
    pub targets: Vec<String>,
    /// Allow services that are not on this machine (loopback is the only default).
    #[arg(long)]
    pub allow_non_loopback: bool,
    /// Allow services at addresses in this network as well as loopback, as `10.77.0.0/24`
    /// (your own test hosts). Repeatable.
    #[arg(long = "allow-target", value_name = "CIDR")]
    pub allow_targets: Vec<ipnet::IpNet>,
    #[command(flatten)]
    pub tls: TlsOpts,
    /// The API key to present to services given by URL (a service's scope for the load; an
    /// admin's for their `/metrics`, profiles and fault switches); the services started here
    /// then accept it too. Better given in the environment [default: a key made per run].
    #[arg(long, env = "OCTOPERF_API_KEY", hide_env_values = true)]
    pub api_key: Option<String>,
    /// The Orchestrator's database [default: an SQLite file in each scenario's folder]. A URL
    /// with a password is better given in the environment, which `ps` does not show; the
    /// Orchestrators it starts get it in theirs.
    #[arg(long, env = "OCTOPERF_DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
    /// Redis for the Orchestrator's second cache level [default: none].
    #[arg(long, env = "OCTOPERF_REDIS_URL", hide_env_values = true)]
    pub redis_url: Option<String>,
    /// Worker threads of the load generator [default: the cores this process may use].
    #[arg(long, value_name = "N")]
    pub generator_threads: Option<usize>,
    /// Pin the generator's workers to these CPUs, as `1` or `2,3` (the services it starts are
    /// not pinned) [default: not pinned].
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    pub generator_cpus: Vec<usize>,
    /// Pin the services it starts to these CPUs [default: not pinned].
    #[arg(long, value_name = "LIST", value_delimiter = ',')]
    pub service_cpus: Vec<usize>,
    /// Take a CPU profile of every process over the measured window (the services started
    /// with --profiling, the generator in-process): pprof protobuf, folded stacks and a
    /// flamegraph per process under <scenario>/profiles/, linked from each row.
    #[arg(long)]
    pub profile_cpu: bool,
    /// A heap profile of every service, in a pass of its own after the timed one: the folder
    /// of the runtime built with the `dhat-heap` feature (`cargo xtask loadtest --profile-heap`
    /// builds it).
    #[arg(long, value_name = "BIN_DIR")]
    pub profile_heap: Option<PathBuf>,
    /// An earlier run (its folder or its report.json) to draw differential flamegraphs
    /// against, with --profile-cpu.
    #[arg(long, value_name = "RUN")]
    pub baseline: Option<PathBuf>,
    /// No live progress on the terminal (it is off anyway when stdout or stderr is not one).
    #[arg(long, short)]
    pub quiet: bool,
    #[command(flatten)]
    pub store: StoreOpts,
    /// Record nothing in the history.
    #[arg(long)]
    pub no_history: bool,
    /// The branch to record in the history [default: the branch checked out], for a CI job
    /// on a detached head.
    #[arg(long, value_name = "NAME")]
    pub branch: Option<String>,
    #[command(flatten)]
    pub segments: SegmentOpts,
}

/// A load split across generator hosts, judged as one (`octoperf merge --run-group`).
#[derive(Debug, Clone, clap::Args)]
pub struct SegmentOpts {
    /// Offer segment I of N of every scenario: 1/N of each rate (every stage of a ramp), or
    /// 1/N of the closed model's users, with seeds and user ids of its own.
    #[arg(long, value_name = "I/N")]
    pub segment: Option<crate::segment::Segment>,
    /// Begin the first warm-up at this instant, RFC 3339 in UTC (`2026-12-06T23:00:00Z`), so
    /// that segments on several hosts share their measured windows; or `joined+15s`: 15 s
    /// after the last of the run group's N segments joined it (needs --run-group).
    #[arg(long, value_name = "TIME")]
    pub start_at: Option<crate::segment::StartAt>,
    /// Record this segment in the history's database under this run group, where `octoperf
    /// merge --run-group` finds it (needs --segment; the history is the rendezvous, so give
    /// every host the same --history-url).
    #[arg(long, value_name = "ID", requires = "segment")]
    pub run_group: Option<String>,
    /// Which segment samples the stack's memory and CPU (the others do not, so that the
    /// merge judges one reading of each service) [default: 1].
    #[arg(long, value_name = "I", default_value_t = 1)]
    pub sample_stack: u32,
}

/// Runs the command and returns the process exit code.
pub async fn main_with(opts: Opts) -> ExitCode {
    let code = match opts.command {
        Command::Check(files) => check(&files),
        Command::Render { report, format } => render(&report, &format),
        Command::History(opts) => history_command(&opts).await,
        Command::Compare(opts) => compare_command(&opts).await,
        Command::Review(opts) => review_command(&opts).await,
        Command::Run(run_opts) => run_command(run_opts).await,
        Command::Bench(bench_opts) => bench_command(bench_opts).await,
        Command::Capacity(capacity_opts) => capacity_command(capacity_opts).await,
        Command::Merge(merge_opts) => merge_command(&merge_opts).await,
        Command::CalibrationServer(opts) => calibration_server(&opts).await,
    };
    ExitCode::from(code)
}

fn check(files: &FilesOpts) -> u8 {
    let budgets = budget::load(&files.budgets);
    let scenarios = scenario::load_dir(&files.scenarios_dir);
    match (budgets, scenarios) {
        (Ok(budgets), Ok(scenarios)) => {
            let rows =
                budgets.latency.len() * 3 + budgets.throughput.len() + budgets.resources.len() * 2;
            println!(
                "{} scenarios and {rows} budget rows are well formed.",
                scenarios.len()
            );
            for scenario in &scenarios {
                println!("  {:<24} {}", scenario.name, scenario.measures.join(", "));
            }
            exit::PASS
        }
        (budgets, scenarios) => {
            if let Err(error) = budgets {
                eprintln!("error: {error}");
            }
            if let Err(error) = scenarios {
                eprintln!("error: {error}");
            }
            exit::BAD_INPUT
        }
    }
}

fn render(path: &Path, format: &str) -> u8 {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(error) => {
            eprintln!("error: cannot read {}: {error}", path.display());
            return exit::BAD_INPUT;
        }
    };
    let report: reports::RunReport = match serde_json::from_str(&text) {
        Ok(report) => report,
        Err(error) => {
            eprintln!("error: {} is not a report: {error}", path.display());
            return exit::BAD_INPUT;
        }
    };
    let rendered = match format {
        "md" | "markdown" => reports::render_markdown(&report),
        "terminal" => reports::render_terminal(&report),
        "html" => reports::render_html(&report),
        "junit" => reports::render_junit(&report),
        other => {
            eprintln!("error: --format {other:?}: expected md, terminal, html or junit");
            return exit::BAD_INPUT;
        }
    };
    print!("{rendered}");
    exit::PASS
}

/// Everything `run` needs, checked before anything starts.
fn resolve(opts: RunOpts) -> Result<run::RunConfig, String> {
    let budgets = budget::load(&opts.files.budgets).map_err(|error| error.to_string())?;
    let all = scenario::load_dir(&opts.files.scenarios_dir).map_err(|error| error.to_string())?;
    if all.is_empty() {
        return Err(format!(
            "{}: no scenario files",
            opts.files.scenarios_dir.display()
        ));
    }
    // A folder of fault or soak scenarios (judged by invariants) is no budget suite: its rows are
    // not all due.
    let full_suite = opts.scenarios.is_empty() && all.iter().any(|s| !s.judged_by_invariants());
    let mut scenarios = if opts.scenarios.is_empty() {
        all
    } else {
        let mut chosen = Vec::new();
        for name in &opts.scenarios {
            match all.iter().find(|scenario| &scenario.name == name) {
                Some(found) => chosen.push(found.clone()),
                None => {
                    let known: Vec<&str> = all.iter().map(|s| s.name.as_str()).collect();
                    return Err(format!(
                        "--scenario {name:?}: no such scenario; known: {}",
                        known.join(", ")
                    ));
                }
            }
        }
        chosen
    };
    let mut targets = BTreeMap::new();
    for target in &opts.targets {
        let (name, url) = target
            .split_once('=')
            .ok_or_else(|| format!("--service {target:?}: expected NAME=URL"))?;
        if name != "reflex" && name != "orchestrator" && !scenario::ARM_KINDS.contains(&name) {
            return Err(format!("--service {target:?}: unknown service {name:?}"));
        }
        targets.insert(name.to_owned(), url.trim_end_matches('/').to_owned());
    }
    if !opts.allow_non_loopback {
        let allowed = &opts.allow_targets;
        // Every URL handed to a process (the load generator, a service started here): each
        // pinned to the loopback address it was checked against.
        let refuse = |reason: String| {
            format!(
                "target {reason}; pass --allow-target CIDR for your own test hosts, or --allow-non-loopback to load a target elsewhere"
            )
        };
        for scenario in &mut scenarios {
            for url in scenario.stack.base_url.values_mut() {
                *url = stack::pin_within(url, allowed).map_err(refuse)?;
            }
            if let Some(url) = &mut scenario.llm.url {
                *url = stack::pin_within(url, allowed).map_err(|reason| {
                    format!("scenario {}: [llm] url: {}", scenario.name, refuse(reason))
                })?;
            }
            let name = scenario.name.clone();
            let stack_spec = &mut scenario.stack;
            for (field, args) in [
                ("reflex_args", &mut stack_spec.reflex_args),
                ("orchestrator_args", &mut stack_spec.orchestrator_args),
                ("arm_args", &mut stack_spec.arm_args),
            ] {
                stack::pin_args_within(args, allowed).map_err(|reason| {
                    format!("scenario {name}: stack.{field}: {}", refuse(reason))
                })?;
            }
        }
        for url in targets.values_mut() {
            *url = stack::pin_within(url, allowed).map_err(refuse)?;
        }
        for scenario in &mut scenarios {
            let name = scenario.name.clone();
            for request in &mut scenario.requests {
                if let Some(url) = &mut request.http.url {
                    *url = stack::pin_within(url, allowed).map_err(|reason| {
                        format!("scenario {name}: requests.url: {}", refuse(reason))
                    })?;
                }
            }
        }
    }
    let segment = opts.segments.segment;
    if let Some(segment) = segment {
        for scenario in &scenarios {
            if scenario.load.model == scenario::LoadModel::Closed {
                segment
                    .users(scenario.load.users.unwrap_or(1))
                    .map_err(|error| format!("scenario {}: {error}", scenario.name))?;
            }
        }
        if opts.segments.sample_stack == 0 || opts.segments.sample_stack > segment.count {
            return Err(format!(
                "--sample-stack {}: no such segment of {}",
                opts.segments.sample_stack, segment.count
            ));
        }
    }
    let start_at = match &opts.segments.start_at {
        Some(crate::segment::StartAt::Instant(at)) => Some(*at),
        Some(crate::segment::StartAt::AfterJoined(_)) if opts.segments.run_group.is_none() => {
            return Err(
                "--start-at joined+…: needs --run-group, whose segments it waits for".into(),
            );
        }
        _ => None,
    };
    let started = run::rfc3339_now();
    let nonce = std::process::id()
        ^ std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
    let run_id = format!("{}-{:04x}", started.replace(['-', ':'], ""), nonce & 0xffff);
    let out_dir = opts
        .out
        .unwrap_or_else(|| PathBuf::from("target/loadtest").join(&run_id));
    Ok(run::RunConfig {
        scenarios,
        budgets,
        profile: opts.profile,
        quick: opts.quick,
        full_suite,
        bin_dir: opts.bin_dir,
        out_dir,
        run_id,
        database_url: opts.database_url,
        redis_url: opts.redis_url,
        targets,
        keys: crate::stack::Keys::new(opts.api_key.as_deref()),
        tls: opts.tls.options(),
        git_commit: machine::git_commit(),
        git_branch: opts.branch.clone().or_else(machine::git_branch),
        generator_threads: match opts.generator_threads {
            Some(0) => return Err("--generator-threads: must be at least 1".into()),
            Some(threads) => threads,
            None => loadgen::default_threads(),
        },
        generator_cpus: opts.generator_cpus,
        service_cpus: opts.service_cpus,
        profile_cpu: opts.profile_cpu,
        profile_heap: match opts.profile_heap {
            Some(dir) if !dir.is_dir() => {
                return Err(format!(
                    "--profile-heap {}: no such folder (build the runtime with --features dhat-heap into it)",
                    dir.display()
                ));
            }
            dir => dir,
        },
        baseline: match opts.baseline {
            Some(_) if !opts.profile_cpu => {
                return Err(
                    "--baseline draws differential flamegraphs: it needs --profile-cpu".into(),
                );
            }
            Some(path) => Some(baseline_report(&path)?),
            None => None,
        },
        // Live progress only where a person watches: stdout and stderr both terminals.
        progress: !opts.quiet
            && std::io::IsTerminal::is_terminal(&std::io::stdout())
            && std::io::IsTerminal::is_terminal(&std::io::stderr()),
        segment,
        start_at,
        run_group: opts.segments.run_group.clone(),
        sample_stack: segment.is_none_or(|s| s.index == opts.segments.sample_stack),
    })
}

/// The baseline's report.json, given the run's folder or the file itself; it must parse.
fn baseline_report(path: &Path) -> Result<PathBuf, String> {
    let file = if path.is_dir() {
        path.join("report.json")
    } else {
        path.to_path_buf()
    };
    let text = std::fs::read_to_string(&file)
        .map_err(|error| format!("--baseline {}: {error}", file.display()))?;
    serde_json::from_str::<reports::RunReport>(&text)
        .map_err(|error| format!("--baseline {}: not a report: {error}", file.display()))?;
    Ok(file)
}

async fn run_command(opts: RunOpts) -> u8 {
    let store = opts.store.store(opts.no_history);
    let start_at = opts.segments.start_at.clone();
    let mut config = match resolve(opts) {
        Ok(config) => config,
        Err(message) => {
            eprintln!("error: {message}");
            return exit::BAD_INPUT;
        }
    };
    let cancel_rx = cancel_on_signal();
    // A segment of a run group meets the others in the history's database.
    let joined = match (&config.run_group, config.segment) {
        (Some(group), Some(segment)) => {
            let history = match store.open().await {
                Ok(Some(history)) => history,
                Ok(None) => {
                    eprintln!(
                        "error: --run-group records the segment in the history: drop --no-history"
                    );
                    return exit::BAD_INPUT;
                }
                Err(message) => {
                    eprintln!("error: the run group's rendezvous: {message}");
                    return exit::ERROR;
                }
            };
            match crate::rendezvous::join(history, group, segment).await {
                Ok(joined) => Some(joined),
                Err(message) => {
                    eprintln!("error: {message}");
                    return exit::BAD_INPUT;
                }
            }
        }
        _ => None,
    };
    if let (Some(crate::segment::StartAt::AfterJoined(lead)), Some(joined)) = (start_at, &joined) {
        let timeout = std::time::Duration::from_secs(600);
        match crate::rendezvous::wait_joined(joined, lead, timeout, &cancel_rx).await {
            Ok(Some(at)) => {
                eprintln!(
                    "every segment of run group {} joined: the warm-up begins at {}",
                    joined.group,
                    run::rfc3339(at)
                );
                config.start_at = Some(at);
            }
            Ok(None) => return exit::INTERRUPTED,
            Err(message) => {
                eprintln!("error: {message}");
                return exit::INVALID;
            }
        }
    }
    if let Err(error) = std::fs::create_dir_all(&config.out_dir) {
        eprintln!("error: cannot create {}: {error}", config.out_dir.display());
        return exit::ERROR;
    }
    eprintln!(
        "octoperf run {}: {} scenarios, profile {}{}, output {}",
        config.run_id,
        config.scenarios.len(),
        config.profile.as_str(),
        if config.quick { ", quick" } else { "" },
        config.out_dir.display()
    );
    let report = run::run_suite(&config, cancel_rx).await;
    if let Err(code) = write_report(&config.out_dir, &report) {
        return code;
    }
    if let Some(joined) = joined {
        // The merge waits on this record: without it the segment counts as dead.
        if let Err(message) = record_segment(&joined, &report, &config.out_dir).await {
            eprintln!(
                "error: segment {} is not recorded: {message}",
                joined.segment
            );
            return exit::ERROR;
        }
    } else if !report.interrupted {
        record(&store, &report, &config.out_dir).await;
    }
    if report.interrupted {
        return exit::INTERRUPTED;
    }
    verdict_code(report.verdict)
}

/// Records a segment's report and interval logs in its run group (finished, or interrupted).
async fn record_segment(
    joined: &crate::rendezvous::Joined,
    report: &reports::RunReport,
    out_dir: &Path,
) -> Result<(), String> {
    let files = crate::rendezvous::interval_log_files(report, out_dir)?;
    let folder = std::fs::canonicalize(out_dir).unwrap_or_else(|_| out_dir.to_path_buf());
    joined
        .history
        .append_with_files(report, Some(&folder), &files)
        .await
        .map_err(|error| error.to_string())?;
    println!(
        "history: segment {} (run {}) recorded in run group {} of {}",
        joined.segment,
        report.run_id,
        joined.group,
        joined.history.url()
    );
    Ok(())
}

/// Appends a finished run to the history. A history that cannot be written costs the run
/// nothing: its report is already on disk, and the warning says how to record it.
async fn record(store: &runs::Store, report: &reports::RunReport, out_dir: &Path) {
    let history = match store.open().await {
        Ok(Some(history)) => history,
        Ok(None) => return,
        Err(message) => {
            eprintln!("warning: the run is not in the history: {message}");
            return;
        }
    };
    // The folder as an absolute path: `compare` finds the interval logs from anywhere.
    let folder = std::fs::canonicalize(out_dir).unwrap_or_else(|_| out_dir.to_path_buf());
    match history.append(report, Some(&folder)).await {
        Ok(()) => println!(
            "history: run {} recorded in {}",
            report.run_id,
            history.url()
        ),
        Err(error) => eprintln!("warning: the run is not in the history: {error}"),
    }
    history.close().await;
}

/// Seconds since the epoch of `--since`: a duration back from now, or a date.
fn since_seconds(since: &str) -> Result<i64, String> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    if let Ok(back) = humantime::parse_duration(since) {
        return Ok(now - back.as_secs() as i64);
    }
    let date = if since.contains('T') {
        since.to_owned()
    } else {
        format!("{since}T00:00:00Z")
    };
    history::epoch_seconds(&date).ok_or_else(|| {
        format!("--since {since:?}: expected a duration (90d, 2weeks) or a date (2026-09-01)")
    })
}

async fn history_command(opts: &HistoryOpts) -> u8 {
    let since_s = match opts.since.as_deref().map(since_seconds).transpose() {
        Ok(since) => since,
        Err(message) => {
            eprintln!("error: {message}");
            return exit::BAD_INPUT;
        }
    };
    let history = match opts.store.open_for_command().await {
        Ok(history) => history,
        Err(code) => return code,
    };
    let filter = history::Filter {
        scenario: opts.scenario.clone(),
        branch: opts.branch.clone(),
        since_s,
        limit: Some(opts.limit),
        ..history::Filter::default()
    };
    let listed = match history.list(&filter).await {
        Ok(listed) => listed,
        Err(error) => {
            eprintln!("error: {error}");
            return exit::ERROR;
        }
    };
    if opts.json {
        for run in &listed {
            let line = serde_json::json!({
                "run_id": run.run_id, "started_at": run.started_at,
                "git_commit": run.git_commit, "git_branch": run.git_branch,
                "git_dirty": run.git_dirty, "profile": run.profile, "quick": run.quick,
                "scenarios": run.scenarios, "verdict": run.verdict,
                "machine": run.machine_fingerprint, "folder": run.folder,
            });
            println!("{line}");
        }
        return exit::PASS;
    }
    println!("{} runs in {} (newest first)", listed.len(), history.url());
    println!(
        "{:<22} {:<20} {:<14} {:<12} {:<7} {:<8} scenarios",
        "run", "started", "commit", "branch", "verdict", "length"
    );
    for run in &listed {
        let commit = match (&run.git_commit, run.git_dirty) {
            (Some(commit), true) => format!("{commit}+"),
            (Some(commit), false) => commit.clone(),
            (None, _) => "-".into(),
        };
        println!(
            "{:<22} {:<20} {:<14} {:<12} {:<7} {:<8} {}",
            run.run_id,
            run.started_at,
            commit,
            run.git_branch.as_deref().unwrap_or("-"),
            run.verdict,
            if run.quick { "quick" } else { "full" },
            run.scenarios.join(",")
        );
    }
    let mut machines: Vec<&str> = listed
        .iter()
        .map(|r| r.machine_fingerprint.as_str())
        .collect();
    machines.sort_unstable();
    machines.dedup();
    if machines.len() > 1 {
        println!(
            "warning: these runs come from {} kinds of machine; compare runs of one kind: {}",
            machines.len(),
            machines.join(" / ")
        );
    }
    if listed.iter().any(|r| r.git_dirty) {
        println!("(+: the tree had uncommitted changes)");
    }
    exit::PASS
}

async fn compare_command(opts: &CompareOpts) -> u8 {
    let gate_path = opts.gate.clone().or_else(|| {
        let default = PathBuf::from("ci/gate.toml");
        default.is_file().then_some(default)
    });
    let gate = match &gate_path {
        Some(path) => match std::fs::read_to_string(path) {
            Ok(text) => match analysis::Gate::parse(&text, &path.display().to_string()) {
                Ok(gate) => gate,
                Err(message) => {
                    eprintln!("error: {message}");
                    return exit::BAD_INPUT;
                }
            },
            Err(error) => {
                eprintln!(
                    "error: cannot read the gate file {}: {error}",
                    path.display()
                );
                return exit::BAD_INPUT;
            }
        },
        None => analysis::Gate::default(),
    };
    if !["terminal", "md", "markdown", "json"].contains(&opts.format.as_str()) {
        eprintln!(
            "error: --format {:?}: expected terminal, md or json",
            opts.format
        );
        return exit::BAD_INPUT;
    }
    let store = opts.store.store(false);
    let (base, new) = match (
        runs::side(&opts.base, &store).await,
        runs::side(&opts.new, &store).await,
    ) {
        (Ok(base), Ok(new)) => (base, new),
        (Err(message), _) | (_, Err(message)) => {
            eprintln!("error: {message}");
            return exit::BAD_INPUT;
        }
    };
    let comparison = analysis::compare(&base, &new, &gate);
    let rendered = match opts.format.as_str() {
        "md" | "markdown" => analysis::compare::render_markdown(&comparison),
        "json" => analysis::compare::render_json(&comparison),
        _ => analysis::compare::render_terminal(&comparison),
    };
    print!("{rendered}");
    if let Some(path) = &opts.markdown
        && let Err(error) = std::fs::write(path, analysis::compare::render_markdown(&comparison))
    {
        eprintln!("error: cannot write {}: {error}", path.display());
        return exit::ERROR;
    }
    match comparison.verdict {
        analysis::ChangeVerdict::Regressed => exit::FAIL,
        analysis::ChangeVerdict::Unknown => exit::INVALID,
        _ => exit::PASS,
    }
}

async fn review_command(opts: &ReviewOpts) -> u8 {
    let since_s = match since_seconds(&opts.since) {
        Ok(since) => since,
        Err(message) => {
            eprintln!("error: {message}");
            return exit::BAD_INPUT;
        }
    };
    let history = match opts.store.open_for_command().await {
        Ok(history) => history,
        Err(code) => return code,
    };
    let filter = history::Filter {
        scenario: opts.scenario.clone(),
        branch: opts.branch.clone(),
        since_s: Some(since_s),
        machine_fingerprint: opts.this_machine.then(|| machine::facts().fingerprint()),
        quick: if opts.quick {
            Some(true)
        } else if opts.full {
            Some(false)
        } else {
            None
        },
        ..history::Filter::default()
    };
    let runs = match history.reports(&filter).await {
        Ok(runs) => runs,
        Err(error) => {
            eprintln!("error: {error}");
            return exit::ERROR;
        }
    };
    if runs.is_empty() {
        eprintln!(
            "error: no run in {} matches (since {}); `octoperf history` lists what it holds",
            history.url(),
            opts.since
        );
        return exit::BAD_INPUT;
    }
    let reports: Vec<reports::RunReport> = runs.into_iter().map(|(_, report)| report).collect();
    let period = format!(
        "Since {} ({} to {})",
        opts.since,
        reports.first().map_or("", |r| r.started_at.as_str()),
        reports.last().map_or("", |r| r.started_at.as_str())
    );
    let review = analysis::review::review(&reports, &period, &Default::default());
    let html_path = opts.out.join("review.html");
    let md_path = opts.out.join("review.md");
    let written = std::fs::create_dir_all(&opts.out)
        .and_then(|()| std::fs::write(&html_path, analysis::review::render_html(&review)))
        .and_then(|()| std::fs::write(&md_path, analysis::review::render_markdown(&review)));
    if let Err(error) = written {
        eprintln!(
            "error: cannot write the review into {}: {error}",
            opts.out.display()
        );
        return exit::ERROR;
    }
    let steps: usize = review.rows.iter().map(|r| r.steps.len()).sum();
    println!(
        "review of {} runs: {} rows, {steps} significant changes
        {}
        {}",
        review.runs,
        review.rows.len(),
        html_path.display(),
        md_path.display()
    );
    exit::PASS
}

/// The exit code of a verdict.
fn verdict_code(verdict: reports::Verdict) -> u8 {
    match verdict {
        reports::Verdict::Pass => exit::PASS,
        reports::Verdict::Fail => exit::FAIL,
        reports::Verdict::Invalid => exit::INVALID,
    }
}

/// Ctrl-C and SIGTERM turn `cancel` true; a second one quits at once.
fn cancel_on_signal() -> watch::Receiver<bool> {
    let (cancel_tx, cancel_rx) = watch::channel(false);
    tokio::spawn(async move {
        wait_for_signal().await;
        eprintln!(
            "stopping: tearing down the stack and writing what was measured (signal again to quit at once)"
        );
        let _ = cancel_tx.send(true);
        wait_for_signal().await;
        std::process::exit(i32::from(exit::INTERRUPTED));
    });
    cancel_rx
}

/// Writes report.json, report.md, report.html and junit.xml into `out_dir`, and prints the
/// terminal summary. The JSON goes first: the others can be rendered again from it.
fn write_report(out_dir: &Path, report: &reports::RunReport) -> Result<(), u8> {
    let json_path = out_dir.join("report.json");
    let md_path = out_dir.join("report.md");
    let html_path = out_dir.join("report.html");
    let junit_path = out_dir.join("junit.xml");
    let written = serde_json::to_vec_pretty(report)
        .map_err(std::io::Error::other)
        .and_then(|json| std::fs::write(&json_path, json))
        .and_then(|()| std::fs::write(&md_path, reports::render_markdown(report)))
        .and_then(|()| std::fs::write(&html_path, reports::render_html(report)))
        .and_then(|()| std::fs::write(&junit_path, reports::render_junit(report)));
    print!("{}", reports::render_terminal(report));
    if let Err(error) = written {
        eprintln!(
            "error: cannot write the report into {}: {error}",
            out_dir.display()
        );
        return Err(exit::ERROR);
    }
    println!(
        "report: {}\n        {}\n        {}\n        {}",
        html_path.display(),
        md_path.display(),
        junit_path.display(),
        json_path.display()
    );
    Ok(())
}

async fn capacity_command(opts: CapacityOpts) -> u8 {
    if opts.run.scenarios.len() != 1 {
        eprintln!("error: capacity searches one scenario: give exactly one --scenario NAME");
        return exit::BAD_INPUT;
    }
    if opts.run.segments.segment.is_some() || opts.run.segments.start_at.is_some() {
        eprintln!(
            "error: capacity searches one host's rate: --segment and --start-at are for `octoperf run`"
        );
        return exit::BAD_INPUT;
    }
    let start = match opts.start.as_deref().map(str::parse::<scenario::Rate>) {
        Some(Err(message)) => {
            eprintln!("error: --start: {message}");
            return exit::BAD_INPUT;
        }
        Some(Ok(rate)) => Some(rate.per_second),
        None => None,
    };
    let store = opts.run.store.store(opts.run.no_history);
    let mut config = match resolve(opts.run) {
        Ok(config) => config,
        Err(message) => {
            eprintln!("error: {message}");
            return exit::BAD_INPUT;
        }
    };
    config.quick = true;
    let scenario = config.scenarios[0].clone();
    let start = start.unwrap_or_else(|| scenario.load.schedule().peak_rate());
    if start <= 0.0 {
        eprintln!(
            "error: scenario {} offers no rate to start from; give --start",
            scenario.name
        );
        return exit::BAD_INPUT;
    }
    if let Err(error) = std::fs::create_dir_all(&config.out_dir) {
        eprintln!("error: cannot create {}: {error}", config.out_dir.display());
        return exit::ERROR;
    }
    eprintln!(
        "octoperf capacity {}: scenario {}, from {start:.0}/s, at most {} trials, output {}",
        config.run_id,
        scenario.name,
        opts.max_trials,
        config.out_dir.display()
    );
    let cancel = cancel_on_signal();
    let mut options = capacity::SearchOptions::new(start);
    options.max_trials = opts.max_trials.max(1);
    let started_at = run::rfc3339_now();
    let (found, result) = match capacity::search(&config, &scenario, &options, cancel.clone()).await
    {
        Ok(found) => found,
        Err(message) => {
            eprintln!("error: {message}");
            return exit::BAD_INPUT;
        }
    };
    let interrupted = *cancel.borrow();
    let results: Vec<reports::ScenarioResult> = result.into_iter().collect();
    let mut targets = judge::evaluate::evaluate(&config.budgets, config.profile, &results);
    for target in targets
        .iter_mut()
        .filter(|t| t.table == "throughput" && t.verdict != reports::RowVerdict::NotMeasured)
    {
        let line = reports::capacity_line(&found);
        target.note = Some(match target.note.take() {
            Some(note) => format!("{note}; capacity: {line}"),
            None => format!("capacity: {line}"),
        });
    }
    let (verdict, verdict_reasons) =
        judge::verdict::overall_verdict(&targets, &results, interrupted, false);
    let report = reports::RunReport {
        schema_version: reports::SCHEMA_VERSION,
        run_id: config.run_id.clone(),
        started_at,
        finished_at: run::rfc3339_now(),
        profile: config.profile.as_str().to_owned(),
        git_commit: config.git_commit.clone(),
        git_branch: config.git_branch.clone(),
        machine: machine::facts(),
        quick: true,
        full_suite: false,
        interrupted,
        verdict,
        verdict_reasons,
        rows: targets,
        scenarios: results,
        capacity: vec![found.clone()],
        segments: Vec::new(),
    };
    if let Err(code) = write_report(&config.out_dir, &report) {
        return code;
    }
    println!("{}", reports::capacity_line(&found));
    if !interrupted {
        record(&store, &report, &config.out_dir).await;
    }
    if interrupted {
        exit::INTERRUPTED
    } else if found.held_per_second.is_some() {
        exit::PASS
    } else {
        exit::FAIL
    }
}

async fn merge_command(opts: &MergeOpts) -> u8 {
    let budgets = match budget::load(&opts.budgets) {
        Ok(budgets) => budgets,
        Err(error) => {
            eprintln!("error: {error}");
            return exit::BAD_INPUT;
        }
    };
    let mut shards = Vec::new();
    let mut missing = Vec::new();
    if let Some(group) = &opts.run_group {
        match gather_segments(opts, group).await {
            Ok((found, absent)) => (shards, missing) = (found, absent),
            Err(code) => return code,
        }
    }
    for path in &opts.runs {
        match merge::read_shard(path) {
            Ok(shard) => shards.push(shard),
            Err(message) => {
                eprintln!("error: {message}");
                return exit::BAD_INPUT;
            }
        }
    }
    let run_id = format!("merge-{}", run::rfc3339_now().replace(['-', ':'], ""));
    let mut report = match merge::merge(&shards, &budgets, opts.profile, run_id, &missing) {
        Ok(report) => report,
        Err(message) => {
            eprintln!("error: {message}");
            return exit::BAD_INPUT;
        }
    };
    if let Err(error) = std::fs::create_dir_all(&opts.out) {
        eprintln!("error: cannot create {}: {error}", opts.out.display());
        return exit::ERROR;
    }
    match merge::merge_interval_logs(&shards, &opts.out) {
        Ok(logs) => {
            for scenario in &mut report.scenarios {
                scenario.generator.interval_logs =
                    logs.get(&scenario.name).cloned().unwrap_or_default();
            }
        }
        Err(message) => {
            eprintln!("error: {message}");
            return exit::BAD_INPUT;
        }
    }
    if let Err(code) = write_report(&opts.out, &report) {
        return code;
    }
    verdict_code(report.verdict)
}

/// The finished segments of `group`, read from the history with their interval logs, and a
/// sentence for each missing one; on failure the error is printed and the exit code
/// returned.
async fn gather_segments(
    opts: &MergeOpts,
    group: &str,
) -> Result<(Vec<merge::Shard>, Vec<String>), u8> {
    let history = opts.store.open_for_command().await?;
    eprintln!(
        "octoperf merge: waiting for the segments of run group {group} in {} (up to {})",
        history.url(),
        humantime::format_duration(opts.wait)
    );
    let cancel = cancel_on_signal();
    let gathered =
        match crate::rendezvous::gather(&history, group, opts.segments, opts.wait, &cancel).await {
            Ok(gathered) => gathered,
            Err(message) => {
                eprintln!("error: {message}");
                return Err(exit::INVALID);
            }
        };
    if *cancel.borrow() {
        return Err(exit::INTERRUPTED);
    }
    for reason in &gathered.missing {
        eprintln!("warning: {reason}");
    }
    let mut shards = Vec::new();
    for (segment, run_id) in &gathered.finished {
        let loaded = history.load_with_folder(run_id).await;
        let files = history.files(run_id).await;
        match (loaded, files) {
            (Ok(Some((report, folder))), Ok(files)) => {
                eprintln!(
                    "  segment {}/{} from {}: run {run_id}",
                    segment.index, segment.count, segment.host
                );
                shards.push(merge::Shard {
                    dir: PathBuf::from(folder.unwrap_or_default()),
                    report,
                    logs: Some(files.into_iter().collect()),
                });
            }
            (Ok(None), _) => {
                eprintln!("error: run group {group}: run {run_id} is not in the history");
                return Err(exit::ERROR);
            }
            (Err(error), _) | (_, Err(error)) => {
                eprintln!("error: {error}");
                return Err(exit::ERROR);
            }
        }
    }
    if shards.is_empty() {
        eprintln!("error: run group {group}: no segment finished; nothing to merge");
        return Err(exit::INVALID);
    }
    history.close().await;
    Ok((shards, gathered.missing))
}

async fn bench_command(opts: BenchOpts) -> u8 {
    if !opts.allow_non_loopback
        && let Err(reason) = stack::check_loopback(&opts.url)
    {
        eprintln!("error: {reason}; pass --allow-non-loopback to load a target elsewhere");
        return exit::BAD_INPUT;
    }
    let shape = match bench::shape(opts.rate.as_deref(), opts.users) {
        Ok(shape) => shape,
        Err(message) => {
            eprintln!("error: {message}");
            return exit::BAD_INPUT;
        }
    };
    let threads = opts.threads.unwrap_or_else(loadgen::default_threads).max(1);
    let (method, body) = match opts.body {
        Some(body) => (loadgen::Method::POST, bytes::Bytes::from(body)),
        None => (loadgen::Method::GET, bytes::Bytes::new()),
    };
    let config = bench::BenchConfig {
        url: opts.url,
        max_in_flight: match shape {
            loadgen::Shape::Closed { users } => users as usize,
            loadgen::Shape::Open(_) => 10_000,
        },
        shape,
        warmup: opts.warmup,
        duration: opts.duration,
        threads,
        cpus: opts.cpus,
        body,
        method,
        timeout: std::time::Duration::from_secs(30),
        send_window: opts.send_window,
        tls: opts.tls.options(),
    };
    let result = match tokio::task::spawn_blocking(move || bench::run(&config)).await {
        Ok(Ok(result)) => result,
        Ok(Err(message)) => {
            eprintln!("error: {message}");
            return exit::BAD_INPUT;
        }
        Err(error) => {
            eprintln!("error: the generator failed: {error}");
            return exit::ERROR;
        }
    };
    if opts.json {
        println!(
            "{}",
            serde_json::to_string(&result).expect("a bench result serialises")
        );
    } else {
        print!("{}", bench::describe(&result));
    }
    if result.generator_limited.is_empty() {
        exit::PASS
    } else {
        exit::INVALID
    }
}

async fn calibration_server(opts: &CalibrationOpts) -> u8 {
    let model = loadgen::calibration::Model {
        service: opts.service_time,
        stall: None,
    };
    let server = match loadgen::calibration::Server::start_on(opts.port, model, opts.cpu) {
        Ok(server) => server,
        Err(error) => {
            eprintln!("error: cannot listen on 127.0.0.1:{}: {error}", opts.port);
            return exit::ERROR;
        }
    };
    println!("{}{}", stack::LISTENING_PREFIX, server.addr);
    tokio::select! {
        () = wait_for_signal() => {}
        () = tokio::time::sleep(opts.lifetime) => {}
    }
    drop(server);
    exit::PASS
}

async fn wait_for_signal() {
    let mut terminate =
        tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = async {
            match terminate.as_mut() {
                Some(signal) => { signal.recv().await; }
                None => std::future::pending::<()>().await,
            }
        } => {}
    }
}
