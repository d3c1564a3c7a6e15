//! `octoperf capacity`: the highest rate one scenario holds within its budgets.

use super::args::CapacityOpts;
use super::resolve::resolve;
use super::run::record;
use super::{cancel_on_signal, write_report};
use crate::capacity;
use crate::exit;
use crate::observe::machine;
use crate::report::{self, Results, RunFacts};
use crate::spec::scenario;

pub(super) async fn capacity_command(opts: CapacityOpts) -> u8 {
    let start = match check(&opts) {
        Ok(start) => start,
        Err(message) => {
            eprintln!("error: {message}");
            return exit::BAD_INPUT;
        }
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
    let started_at = report::rfc3339_now();
    let (found, result) = match capacity::search(&config, &scenario, &options, cancel.clone()).await
    {
        Ok(found) => found,
        Err(message) => {
            eprintln!("error: {message}");
            return exit::BAD_INPUT;
        }
    };
    let interrupted = *cancel.borrow();
    let facts = RunFacts {
        run_id: config.run_id.clone(),
        started_at,
        finished_at: report::rfc3339_now(),
        profile: config.profile,
        git_commit: config.git_commit.clone(),
        git_branch: config.git_branch.clone(),
        machine: machine::facts(),
        quick: true,
        full_suite: false,
        interrupted,
    };
    let results = Results {
        scenarios: result.into_iter().collect(),
        capacity: vec![found.clone()],
        ..Results::default()
    };
    let report = report::assemble(&config.budgets, facts, results);
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

/// The flags only `capacity` has, checked; the rate to start from, when `--start` gives one.
fn check(opts: &CapacityOpts) -> Result<Option<f64>, String> {
    if opts.run.scenarios.len() != 1 {
        return Err("capacity searches one scenario: give exactly one --scenario NAME".into());
    }
    if opts.run.segments.segment.is_some() || opts.run.segments.start_at.is_some() {
        return Err(
            "capacity searches one host's rate: --segment and --start-at are for `octoperf run`"
                .into(),
        );
    }
    match opts.start.as_deref().map(str::parse::<scenario::Rate>) {
        Some(Err(message)) => Err(format!("--start: {message}")),
        Some(Ok(rate)) => Ok(Some(rate.per_second)),
        None => Ok(None),
    }
}
