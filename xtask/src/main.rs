//! Project automation. `cargo xtask loadtest` builds the runtime and the harness in release
//! mode, then runs the suite with `octoperf run` and exits with its code.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use anyhow::Context;
use clap::{Parser, Subcommand};

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
    Loadtest(LoadtestOpts),
    /// Check the architecture's invariants (crate boundaries, file headers).
    Tidy,
}

#[derive(Debug, clap::Args)]
struct LoadtestOpts {
    /// Shorter windows: the whole default suite in under three minutes once built.
    #[arg(long)]
    quick: bool,
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
    #[arg(long = "target", value_name = "NAME=URL")]
    targets: Vec<String>,
    /// The Orchestrator's database [default: an SQLite file per scenario].
    #[arg(long)]
    database_url: Option<String>,
    /// Redis for the Orchestrator's second cache level [default: none].
    #[arg(long)]
    redis_url: Option<String>,
}

/// Exit code for a failure of xtask itself (say, the build failed).
const BUILD_FAILED: u8 = 4;
/// Exit code of bad flags, as octoperf uses it.
const BAD_INPUT: u8 = 2;

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
        Task::Tidy => match tidy::check(&workspace_root()) {
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

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives one level below the workspace root")
        .to_path_buf()
}

fn loadtest(opts: &LoadtestOpts) -> anyhow::Result<u8> {
    let root = workspace_root();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    eprintln!("building the runtime and the harness (release)…");
    let status = Command::new(&cargo)
        .current_dir(&root)
        .args([
            "build",
            "--release",
            "--package",
            "reflex",
            "--package",
            "orchestrator",
            "--package",
            "arms",
            "--package",
            "harness",
        ])
        .status()
        .with_context(|| format!("running {cargo} build"))?;
    anyhow::ensure!(status.success(), "the release build failed ({status})");

    let release = target_dir(&root).join("release");
    let mut octoperf = Command::new(release.join("octoperf"));
    octoperf
        .current_dir(&root)
        .arg("run")
        .arg("--bin-dir")
        .arg(&release)
        .args(["--profile", &opts.profile]);
    if opts.quick {
        octoperf.arg("--quick");
    }
    for scenario in &opts.scenarios {
        octoperf.args(["--scenario", scenario]);
    }
    for target in &opts.targets {
        octoperf.args(["--target", target]);
    }
    if let Some(out) = &opts.out {
        // octoperf runs from the workspace root; a relative --out means the caller's folder.
        let out = std::env::current_dir()
            .context("reading the current folder")?
            .join(out);
        octoperf.arg("--out").arg(out);
    }
    if let Some(url) = &opts.database_url {
        octoperf.args(["--database-url", url]);
    }
    if let Some(url) = &opts.redis_url {
        octoperf.args(["--redis-url", url]);
    }
    let mut child = octoperf.spawn().context("starting octoperf")?;
    // Ctrl-C reaches octoperf too (same process group); it tears down its stack and writes
    // what it measured. xtask must outlive it to pass its exit code on, so it ignores SIGINT.
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
