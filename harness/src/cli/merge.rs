//! `octoperf merge`: the segments of one load, run on several hosts, merged into one report.

use super::args::MergeOpts;
use super::{cancel_on_signal, verdict_code, write_report};
use crate::exit;
use crate::merge;
use crate::spec::budget;
use std::path::PathBuf;

pub(super) async fn merge_command(opts: &MergeOpts) -> u8 {
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
    let run_id = format!(
        "merge-{}",
        crate::report::rfc3339_now().replace(['-', ':'], "")
    );
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
pub(super) async fn gather_segments(
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
