//! Project automation. `cargo xtask loadtest` builds the runtime and the harness in release
//! mode, then runs the suite with `octoperf run` and exits with its code; `genbench` compares
//! the generator with wrk; `gate` compares a baseline revision with the current tree, A B A B;
//! `tidy` checks the architecture's invariants.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use anyhow::Context;
use clap::{Parser, Subcommand};

mod docs;
mod gate;
mod genbench;
mod instructions;
mod kubernetes;
mod multihost;
mod serverbench;
mod tidy;

#[derive(Debug, Parser)]
#[command(name = "cargo xtask")]
struct Opts {
    #[command(subcommand)]
    command: Task,
}

#[derive(Debug, Subcommand)]
enum Task {
    /// Build in release mode and run the load-test suite against the budget tables.
    Loadtest(Box<LoadtestOpts>),
    /// Check the architecture's invariants (crate boundaries, file headers).
    Tidy,
    /// Compare the load generator with wrk on a trivial server, and measure its own cost.
    Genbench(genbench::GenbenchOpts),
    /// The Reflex Layer's CPU per request against an empty server's, each pinned to one
    /// core under the same open-model load (cache hits, then misses); exit 0 when both ratios
    /// hold (1.3x on hits, 1.6x on misses).
    Serverbench(serverbench::ServerbenchOpts),
    /// A/B gate: build a baseline revision and the current tree, run the scenarios
    /// interleaved, and look at the trials after each pair until the comparison settles
    /// (sequential, alpha spending) or a budget runs out; exit 0 no regression, 1 regressed,
    /// 3 unknown. `--calibrate N`: N A/A gates and how often each answer came.
    Gate(gate::GateOpts),
    /// The deterministic gate: instructions per iteration of each hot-path workload under
    /// callgrind, checked against benches/instructions.toml (`--bless` writes it).
    Instructions(instructions::InstructionsOpts),
    /// Build, then find the highest rate at which a scenario holds every row it measures.
    Capacity(CapacityOpts),
    /// Render deploy/kubernetes/'s overlays (kubectl kustomize), check every container's
    /// limits against the budget tables, and validate every object offline against the
    /// Kubernetes schemas (kubernetes-validate, from PyPI).
    Kubernetes(kubernetes::KubernetesOpts),
    /// Several hosts on this machine (network namespaces, as root): one host offering a
    /// scenario's whole rate against N segments on N hosts merged, alternated, then two
    /// Orchestrator replicas sharing PostgreSQL fed by two segments. Exit 0 when the merged
    /// runs match the single host and every task completed once.
    Multihost(multihost::MultihostOpts),
}

#[derive(Debug, clap::Args)]
struct CapacityOpts {
    /// The scenario to search.
    #[arg(long, value_name = "NAME")]
    scenario: String,
    /// Trials at most.
    #[arg(long, default_value_t = 8)]
    max_trials: usize,
    /// The first rate tried, as `10000/s` [default: the scenario's rate].
    #[arg(long)]
    start: Option<String>,
    /// Output folder [default: target/loadtest/<run-id>].
    #[arg(long)]
    out: Option<PathBuf>,
    /// Worker threads of the load generator [default: one per core].
    #[arg(long, value_name = "N")]
    generator_threads: Option<usize>,
}

#[derive(Debug, clap::Args)]
struct LoadtestOpts {
    /// Shorter windows: the whole default suite in under three minutes once built.
    #[arg(long)]
    quick: bool,
    /// Run the fault suite (`scenarios/faults/`) instead of the budget suite: processes
    /// killed, Redis and PostgreSQL restarted, the LLM failing, each judged by invariants.
    #[arg(long, conflicts_with = "soak")]
    faults: bool,
    /// Run the soak (`scenarios/soak/`): ten minutes at half the machine, judged on every
    /// process's resident memory staying flat. Not part of CI.
    #[arg(long)]
    soak: bool,
    /// Run only this scenario (repeat for several); default: every scenario.
    #[arg(long = "scenario", value_name = "NAME")]
    scenarios: Vec<String>,
    /// Which column of the resource table applies: development or production.
    #[arg(long, default_value = "development")]
    profile: String,
    /// Output folder [default: target/loadtest/<run-id>].
    #[arg(long)]
    out: Option<PathBuf>,
    /// A service already running, as NAME=URL; it is used instead of starting one.
    /// (`--target` is the old name.)
    #[arg(long = "service", visible_alias = "target", value_name = "NAME=URL")]
    targets: Vec<String>,
    /// The Orchestrator's database [default: an SQLite file per scenario].
    #[arg(long, env = "OCTOPERF_DATABASE_URL", hide_env_values = true)]
    database_url: Option<String>,
    /// Redis for the Orchestrator's second cache level [default: none].
    #[arg(long, env = "OCTOPERF_REDIS_URL", hide_env_values = true)]
    redis_url: Option<String>,
    /// Worker threads of the load generator [default: one per core].
    #[arg(long, value_name = "N")]
    generator_threads: Option<usize>,
    /// A CPU profile and flamegraph of every process over each measured window.
    #[arg(long)]
    profile_cpu: bool,
    /// Heap profiles (dhat): builds the runtime with the `dhat-heap` feature into
    /// target/dhat-heap and runs each scenario once more on it, after the timed pass.
    #[arg(long)]
    profile_heap: bool,
    /// An earlier run (folder or report.json) to draw differential flamegraphs against.
    #[arg(long, value_name = "RUN")]
    baseline: Option<PathBuf>,
    /// No live progress.
    #[arg(long, short)]
    quiet: bool,
    /// The branch to record in the history [default: the branch checked out].
    #[arg(long, value_name = "NAME")]
    branch: Option<String>,
    /// Offer segment I of N of every scenario (`octoperf run --segment`).
    #[arg(long, value_name = "I/N")]
    segment: Option<String>,
    /// Begin the first warm-up at this instant (RFC 3339, UTC) or `joined+DURATION`.
    #[arg(long, value_name = "TIME")]
    start_at: Option<String>,
    /// Record the segment under this run group in the history (`--history-url`).
    #[arg(long, value_name = "ID")]
    run_group: Option<String>,
    /// The history (the run group's rendezvous), as postgres://….
    #[arg(
        long,
        value_name = "URL",
        env = "OCTOPERF_HISTORY_URL",
        hide_env_values = true
    )]
    history_url: Option<String>,
    /// The SQLite file of the history [default: target/octoperf-history.db].
    #[arg(long, value_name = "PATH", conflicts_with_all = ["history_url", "no_history"])]
    history: Option<PathBuf>,
    /// Record nothing in the history.
    #[arg(long, conflicts_with = "history_url")]
    no_history: bool,
    /// Allow services in this network too (your own test hosts), as 10.77.0.0/24.
    #[arg(long = "allow-target", value_name = "CIDR")]
    allow_targets: Vec<String>,
    /// Allow services anywhere, not only on this machine: for a stack you own, elsewhere.
    #[arg(long)]
    allow_non_loopback: bool,
    /// The API key of services given by `--service` (a key with the admin scope). Prefer
    /// `OCTOPERF_API_KEY` in the environment, which `ps` does not show.
    #[arg(
        long,
        value_name = "KEY",
        env = "OCTOPERF_API_KEY",
        hide_env_values = true
    )]
    api_key: Option<String>,
}

/// Exit code for a failure of xtask itself (say, the build failed).
const BUILD_FAILED: u8 = 4;
/// Exit code of bad flags, as octoperf uses it.
pub(crate) const BAD_INPUT: u8 = 2;

fn main() -> ExitCode {
    let opts = match Opts::try_parse() {
        Ok(opts) => opts,
        Err(error) => {
            let _ = error.print();
            return ExitCode::from(if error.use_stderr() { BAD_INPUT } else { 0 });
        }
    };
    match opts.command {
        Task::Loadtest(loadtest_opts) => match loadtest(&loadtest_opts) {
            Ok(code) => ExitCode::from(code),
            Err(error) => {
                eprintln!("error: {error:#}");
                ExitCode::from(BUILD_FAILED)
            }
        },
        Task::Genbench(genbench_opts) => {
            match workspace_root().and_then(|root| {
                build_release(&root, &["harness"])?;
                genbench::genbench(&root, &target_dir(&root).join("release"), &genbench_opts)
            }) {
                Ok(code) => ExitCode::from(code),
                Err(error) => {
                    eprintln!("error: {error:#}");
                    ExitCode::from(BUILD_FAILED)
                }
            }
        }
        Task::Serverbench(opts) => {
            match workspace_root().and_then(|root| {
                build_release(&root, &["harness", "reflex"])?;
                serverbench::serverbench(
                    &target_dir(&root).join("release"),
                    &root.join("scenarios/reflex.toml"),
                    &opts,
                )
            }) {
                Ok(code) => ExitCode::from(code),
                Err(error) => {
                    eprintln!("error: {error:#}");
                    ExitCode::from(BUILD_FAILED)
                }
            }
        }
        Task::Gate(gate_opts) => {
            match workspace_root().and_then(|root| gate::gate(&root, &gate_opts)) {
                Ok(code) => ExitCode::from(code),
                Err(error) => {
                    eprintln!("error: {error:#}");
                    ExitCode::from(BUILD_FAILED)
                }
            }
        }
        Task::Instructions(opts) => {
            match workspace_root().and_then(|root| instructions::instructions(&root, &opts)) {
                Ok(code) => ExitCode::from(code),
                Err(error) => {
                    eprintln!("error: {error:#}");
                    ExitCode::from(BUILD_FAILED)
                }
            }
        }
        Task::Capacity(capacity_opts) => match capacity(&capacity_opts) {
            Ok(code) => ExitCode::from(code),
            Err(error) => {
                eprintln!("error: {error:#}");
                ExitCode::from(BUILD_FAILED)
            }
        },
        Task::Kubernetes(opts) => {
            match workspace_root().and_then(|root| kubernetes::run(&root, &opts)) {
                Ok(code) => ExitCode::from(code),
                Err(error) => {
                    eprintln!("error: {error:#}");
                    ExitCode::from(1)
                }
            }
        }
        Task::Multihost(opts) => {
            match workspace_root().and_then(|root| multihost::run(&root, &opts)) {
                Ok(code) => ExitCode::from(code),
                Err(error) => {
                    eprintln!("error: {error:#}");
                    ExitCode::from(BUILD_FAILED)
                }
            }
        }
        Task::Tidy => match workspace_root().and_then(|root| tidy::check(&root)) {
            Ok(problems) if problems.is_empty() => {
                println!("tidy: the tree keeps its invariants");
                ExitCode::SUCCESS
            }
            Ok(problems) => {
                for problem in problems {
                    eprintln!("tidy: {problem}");
                }
                ExitCode::FAILURE
            }
            Err(error) => {
                eprintln!("error: {error:#}");
                ExitCode::from(BUILD_FAILED)
            }
        },
    }
}

/// The workspace, found when xtask runs (not fixed when it was built, so that a target folder
/// shared by two checkouts runs each checkout's own): `cargo run` says where the xtask package
/// is; run directly, cargo is asked from the current folder.
fn workspace_root() -> anyhow::Result<PathBuf> {
    if let Some(dir) = std::env::var_os("CARGO_MANIFEST_DIR") {
        let manifest_dir = PathBuf::from(dir);
        if let Some(root) = manifest_dir
            .parent()
            .filter(|_| manifest_dir.join("Cargo.toml").is_file())
        {
            return Ok(root.to_path_buf());
        }
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let output = Command::new(&cargo)
        .args(["locate-project", "--workspace", "--message-format", "plain"])
        .output()
        .with_context(|| format!("running {cargo} locate-project"))?;
    anyhow::ensure!(
        output.status.success(),
        "cannot find the workspace from {}: {}",
        std::env::current_dir().map_or_else(|_| "here".into(), |d| d.display().to_string()),
        String::from_utf8_lossy(&output.stderr).trim()
    );
    let manifest = PathBuf::from(String::from_utf8_lossy(&output.stdout).trim());
    manifest
        .parent()
        .map(Path::to_path_buf)
        .context("the workspace manifest has no folder")
}

/// `cargo build --release` of `packages`.
fn build_release(root: &Path, packages: &[&str]) -> anyhow::Result<()> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    eprintln!("building {} (release)…", packages.join(", "));
    let mut command = Command::new(&cargo);
    command.current_dir(root).args(["build", "--release"]);
    for package in packages {
        command.args(["--package", package]);
    }
    let status = command
        .status()
        .with_context(|| format!("running {cargo} build"))?;
    anyhow::ensure!(status.success(), "the release build failed ({status})");
    Ok(())
}

fn loadtest(opts: &LoadtestOpts) -> anyhow::Result<u8> {
    let mut octoperf = octoperf_command("run", opts.out.as_deref(), opts.generator_threads)?;
    octoperf.args(["--profile", &opts.profile]);
    if opts.quick {
        octoperf.arg("--quick");
    }
    if opts.faults {
        octoperf.args(["--scenarios-dir", "scenarios/faults"]);
    }
    if opts.soak {
        octoperf.args(["--scenarios-dir", "scenarios/soak"]);
    }
    for scenario in &opts.scenarios {
        octoperf.args(["--scenario", scenario]);
    }
    for target in &opts.targets {
        octoperf.args(["--service", target]);
    }
    // In the environment, not on octoperf's command line, where `ps` would show a password.
    if let Some(url) = &opts.database_url {
        octoperf.env("OCTOPERF_DATABASE_URL", url);
    }
    if let Some(url) = &opts.redis_url {
        octoperf.env("OCTOPERF_REDIS_URL", url);
    }
    if opts.profile_cpu {
        octoperf.arg("--profile-cpu");
    }
    if opts.profile_heap {
        let root = workspace_root()?;
        octoperf
            .arg("--profile-heap")
            .arg(build_heap_profiled(&root)?);
    }
    if let Some(baseline) = &opts.baseline {
        let baseline = std::env::current_dir()
            .context("reading the current folder")?
            .join(baseline);
        octoperf.arg("--baseline").arg(baseline);
    }
    if opts.quiet {
        octoperf.arg("--quiet");
    }
    if let Some(branch) = &opts.branch {
        octoperf.args(["--branch", branch]);
    }
    for (flag, value) in [
        ("--segment", &opts.segment),
        ("--start-at", &opts.start_at),
        ("--run-group", &opts.run_group),
    ] {
        if let Some(value) = value {
            octoperf.args([flag, value]);
        }
    }
    if let Some(url) = &opts.history_url {
        octoperf.env("OCTOPERF_HISTORY_URL", url);
    }
    for cidr in &opts.allow_targets {
        octoperf.args(["--allow-target", cidr]);
    }
    if let Some(path) = &opts.history {
        octoperf.arg("--history").arg(path);
    }
    if opts.no_history {
        octoperf.arg("--no-history");
    }
    if opts.allow_non_loopback {
        octoperf.arg("--allow-non-loopback");
    }
    if let Some(key) = &opts.api_key {
        // Through the environment, as the user should: never on a command line `ps` shows.
        octoperf.env("OCTOPERF_API_KEY", key);
    }
    run_child(octoperf)
}

/// Builds the services with the `dhat-heap` feature (dhat as the global allocator) into a
/// target folder of their own, so that the timed pass's binaries stay untouched; returns the
/// folder of the binaries.
fn build_heap_profiled(root: &Path) -> anyhow::Result<PathBuf> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let target = target_dir(root).join("dhat-heap");
    eprintln!(
        "building the runtime with dhat (release, {})…",
        target.display()
    );
    let status = Command::new(&cargo)
        .current_dir(root)
        .args(["build", "--release", "--features", "dhat-heap"])
        // As the timed build: function paths and line tables, for the sites' file:line.
        .args(["--config", "profile.release.debug=\"limited\""])
        .args([
            "--package",
            "reflex",
            "--package",
            "orchestrator",
            "--package",
            "arms",
        ])
        .arg("--target-dir")
        .arg(&target)
        .status()
        .with_context(|| format!("running {cargo} build"))?;
    anyhow::ensure!(status.success(), "the dhat build failed ({status})");
    Ok(target.join("release"))
}

fn capacity(opts: &CapacityOpts) -> anyhow::Result<u8> {
    let mut octoperf = octoperf_command("capacity", opts.out.as_deref(), opts.generator_threads)?;
    octoperf
        .args(["--scenario", &opts.scenario])
        .args(["--max-trials", &opts.max_trials.to_string()]);
    if let Some(start) = &opts.start {
        octoperf.args(["--start", start]);
    }
    run_child(octoperf)
}

/// Builds the runtime and the harness, then `octoperf SUBCOMMAND` from the workspace root with
/// the release binaries, the output folder and the generator's threads.
fn octoperf_command(
    subcommand: &str,
    out: Option<&Path>,
    generator_threads: Option<usize>,
) -> anyhow::Result<Command> {
    let root = workspace_root()?;
    build_release(&root, &["reflex", "orchestrator", "arms", "harness"])?;
    let release = target_dir(&root).join("release");
    let mut octoperf = Command::new(release.join("octoperf"));
    octoperf
        .current_dir(&root)
        .arg(subcommand)
        .arg("--bin-dir")
        .arg(&release);
    if let Some(out) = out {
        // octoperf runs from the workspace root; a relative --out means the caller's folder.
        let out = std::env::current_dir()
            .context("reading the current folder")?
            .join(out);
        octoperf.arg("--out").arg(out);
    }
    if let Some(threads) = generator_threads {
        octoperf.args(["--generator-threads", &threads.to_string()]);
    }
    Ok(octoperf)
}

/// Runs octoperf and passes its exit code on; Ctrl-C reaches it (same process group) and it
/// tears down what it started, so xtask ignores SIGINT and waits for it.
fn run_child(mut octoperf: Command) -> anyhow::Result<u8> {
    let mut child = octoperf.spawn().context("starting octoperf")?;
    // SAFETY: setting a signal's disposition to SIG_IGN has no preconditions.
    unsafe {
        libc::signal(libc::SIGINT, libc::SIG_IGN);
    }
    let status = child.wait().context("waiting for octoperf")?;
    // A child ended by a signal exits as a shell reports it: 128 + the signal number.
    let code = status
        .code()
        .or_else(|| {
            std::os::unix::process::ExitStatusExt::signal(&status).map(|signal| 128 + signal)
        })
        .unwrap_or(i32::from(BUILD_FAILED));
    Ok(u8::try_from(code).unwrap_or(BUILD_FAILED))
}

/// The target folder: `CARGO_TARGET_DIR` when set, else `target/` under the workspace.
fn target_dir(root: &Path) -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => root.join(dir),
        None => root.join("target"),
    }
}
