//! `octoperf history`: past runs listed, or one metric's trend over them.

use super::args::HistoryOpts;
use crate::exit;

/// Seconds since the epoch of `--since`: a duration back from now, or a date.
pub(super) fn since_seconds(since: &str) -> Result<i64, String> {
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

pub(super) async fn history_command(opts: &HistoryOpts) -> u8 {
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
