//! `octoperf review`: the quarterly review over a span of the history.

use super::args::ReviewOpts;
use super::history::since_seconds;
use crate::exit;
use crate::observe::machine;

pub(super) async fn review_command(opts: &ReviewOpts) -> u8 {
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
