//! The `octoperf` command line, laid out as ripgrep lays out its flags: `args` holds the clap
//! types, `resolve` turns them into a checked `RunConfig` once, and each command has its own
//! module that runs it and returns the documented exit code.

mod args;
mod bench;
mod calibration;
mod capacity;
mod check;
mod compare;
mod history;
mod merge;
mod render;
mod resolve;
mod review;
mod run;

pub use args::Opts;

use std::path::Path;
use std::process::ExitCode;

use tokio::sync::watch;

use crate::exit;
use args::Command;
use bench::bench_command;
use calibration::calibration_server;
use capacity::capacity_command;
use check::check;
use compare::compare_command;
use history::history_command;
use merge::merge_command;
use render::render;
use review::review_command;
use run::run_command;

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

/// The exit code of a verdict.
pub(super) fn verdict_code(verdict: reports::Verdict) -> u8 {
    match verdict {
        reports::Verdict::Pass => exit::PASS,
        reports::Verdict::Fail => exit::FAIL,
        reports::Verdict::Invalid => exit::INVALID,
    }
}

/// Ctrl-C and SIGTERM turn `cancel` true; a second one quits at once.
pub(super) fn cancel_on_signal() -> watch::Receiver<bool> {
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
pub(super) fn write_report(out_dir: &Path, report: &reports::RunReport) -> Result<(), u8> {
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

pub(super) async fn wait_for_signal() {
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

#[cfg(test)]
mod tests;
