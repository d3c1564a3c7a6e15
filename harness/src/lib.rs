//! octoperf, the harness: reads scenarios and budgets, runs the load against a stack it starts
//! (or one it is pointed at), and writes a report that passes or fails every budget row.
//! `main.rs` only parses [`Opts`] and calls [`main_with`].

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use tokio::sync::watch;

pub mod budget;
pub mod load;
pub mod machine;
pub mod mix;
pub mod run;
pub mod sampler;
pub mod scenario;
pub mod stack;

/// Exit codes, documented in README.md.
pub mod exit {
    /// Every budget row passed.
    pub const PASS: u8 = 0;
    /// At least one budget row failed (or the full suite left a row unmeasured).
    pub const FAIL: u8 = 1;
    /// Bad input: flags, a scenario file or the budget file.
    pub const BAD_INPUT: u8 = 2;
    /// The run is invalid: the generator could not hold the load, or a scenario did not run.
    pub const INVALID: u8 = 3;
    /// The harness itself failed (say, it could not write the report).
    pub const ERROR: u8 = 4;
    /// Interrupted by Ctrl-C or SIGTERM; the partial report is still written.
    pub const INTERRUPTED: u8 = 130;
}

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
    /// Render a report.json again, as Markdown or a terminal summary.
    Render {
        /// The report.json to render.
        report: PathBuf,
        /// `markdown` or `terminal`.
        #[arg(long, default_value = "markdown")]
        format: String,
    },
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
    /// it is used instead of starting one. Repeatable.
    #[arg(long = "target", value_name = "NAME=URL")]
    pub targets: Vec<String>,
    /// Allow targets that are not on this machine (loopback is the only default).
    #[arg(long)]
    pub allow_non_loopback: bool,
    /// The Orchestrator's database [default: an SQLite file in each scenario's folder].
    #[arg(long)]
    pub database_url: Option<String>,
    /// Redis for the Orchestrator's second cache level [default: none].
    #[arg(long)]
    pub redis_url: Option<String>,
}

/// Runs the command and returns the process exit code.
pub async fn main_with(opts: Opts) -> ExitCode {
    let code = match opts.command {
        Command::Check(files) => check(&files),
        Command::Render { report, format } => render(&report, &format),
        Command::Run(run_opts) => run_command(run_opts).await,
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
    match format {
        "markdown" => print!("{}", reports::render_markdown(&report)),
        "terminal" => print!("{}", reports::render_terminal(&report)),
        other => {
            eprintln!("error: --format {other:?}: expected markdown or terminal");
            return exit::BAD_INPUT;
        }
    }
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
    let full_suite = opts.scenarios.is_empty();
    let scenarios = if full_suite {
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
            .ok_or_else(|| format!("--target {target:?}: expected NAME=URL"))?;
        if name != "reflex" && name != "orchestrator" && !scenario::ARM_KINDS.contains(&name) {
            return Err(format!("--target {target:?}: unknown service {name:?}"));
        }
        targets.insert(name.to_owned(), url.trim_end_matches('/').to_owned());
    }
    if !opts.allow_non_loopback {
        let given = scenarios
            .iter()
            .flat_map(|s| s.stack.base_url.values())
            .chain(targets.values());
        for url in given {
            if !stack::is_loopback(url) {
                return Err(format!(
                    "target {url} is not on this machine; pass --allow-non-loopback to load it"
                ));
            }
        }
    }
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
        git_commit: machine::git_commit(),
    })
}

async fn run_command(opts: RunOpts) -> u8 {
    let config = match resolve(opts) {
        Ok(config) => config,
        Err(message) => {
            eprintln!("error: {message}");
            return exit::BAD_INPUT;
        }
    };
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
    let report = run::run_suite(&config, cancel_rx).await;
    let json_path = config.out_dir.join("report.json");
    let md_path = config.out_dir.join("report.md");
    let written = serde_json::to_vec_pretty(&report)
        .map_err(std::io::Error::other)
        .and_then(|json| std::fs::write(&json_path, json))
        .and_then(|()| std::fs::write(&md_path, reports::render_markdown(&report)));
    print!("{}", reports::render_terminal(&report));
    if let Err(error) = written {
        eprintln!(
            "error: cannot write the report into {}: {error}",
            config.out_dir.display()
        );
        return exit::ERROR;
    }
    println!(
        "report: {}\n        {}",
        md_path.display(),
        json_path.display()
    );
    if report.interrupted {
        return exit::INTERRUPTED;
    }
    match report.verdict {
        reports::Verdict::Pass => exit::PASS,
        reports::Verdict::Fail => exit::FAIL,
        reports::Verdict::Invalid => exit::INVALID,
    }
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
