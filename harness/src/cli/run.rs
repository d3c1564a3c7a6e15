//! `octoperf run`: the suite run, its report written, and the run recorded in the history.

use super::args::RunOpts;
use super::resolve::resolve;
use super::{cancel_on_signal, verdict_code, write_report};
use crate::exit;
use crate::{run, runs};
use std::path::Path;

pub(super) async fn run_command(opts: RunOpts) -> u8 {
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
                    crate::report::rfc3339(at)
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
pub(super) async fn record_segment(
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
pub(super) async fn record(store: &runs::Store, report: &reports::RunReport, out_dir: &Path) {
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
