//! The command-line arguments: the clap types only. Their meaning is resolved in `resolve`
//! and each command's module; `docs/cli.md` is checked against them by a test.

use crate::exit;
use crate::runs;
use crate::spec::budget;
use clap::{Parser, Subcommand};
use std::path::PathBuf;

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
    pub(super) fn store(&self, off: bool) -> runs::Store {
        runs::Store::from_flags(self.history.clone(), self.history_url.clone(), off)
    }

    /// The history, for a command that reads it; on failure the error is printed and the
    /// exit code is returned.
    pub(super) async fn open_for_command(&self) -> Result<history::History, u8> {
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
    /// Judge these trials as one look of a sequential gate that looks after MIN trials a
    /// side, then every EVERY (default 1), the last at MAX (as `7..15/4`): the intervals are
    /// at this look's share of the error rate (alpha spending, Lan–DeMets), so that stopping
    /// at the first settled look keeps the gate's confidence. `cargo xtask gate` passes it.
    #[arg(long, value_name = "MIN..MAX[/EVERY]")]
    pub sequential: Option<String>,
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
