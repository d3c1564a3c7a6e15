//! The report stage: one function turns a run's scenario results into its [`RunReport`], every
//! budget row judged and linked to the files that explain it, the run's verdict given. `run`,
//! `merge` and `capacity` all call it, so that no report is assembled twice the same way.

use std::time::SystemTime;

use reports::{Capacity, Machine, RowVerdict, RunReport, ScenarioResult, Segment, Table, Verdict};

use crate::artifacts::link_rows;
use crate::judge::evaluate::evaluate;
use crate::judge::verdict::overall_verdict;
use crate::spec::budget::{Budgets, Profile};

/// What a report says of its run besides its results.
#[derive(Debug, Clone)]
pub struct RunFacts {
    pub run_id: String,
    pub started_at: String,
    pub finished_at: String,
    pub profile: Profile,
    pub git_commit: Option<String>,
    pub git_branch: Option<String>,
    pub machine: Machine,
    pub quick: bool,
    pub full_suite: bool,
    pub interrupted: bool,
}

/// The results of a run, and what else a kind of run adds to them.
#[derive(Debug, Clone, Default)]
pub struct Results {
    pub scenarios: Vec<ScenarioResult>,
    /// A capacity search's findings: each throughput row it measured notes them.
    pub capacity: Vec<Capacity>,
    /// The segments of a load split across hosts.
    pub segments: Vec<Segment>,
    /// Segments that never reported: any makes the run invalid.
    pub missing: Vec<String>,
}

/// The report: rows judged from the results, linked to their evidence, and the verdict.
pub fn assemble(budgets: &Budgets, facts: RunFacts, results: Results) -> RunReport {
    let Results {
        scenarios,
        capacity,
        segments,
        missing,
    } = results;
    let mut rows = evaluate(budgets, facts.profile, &scenarios);
    link_rows(&mut rows, &scenarios);
    for found in &capacity {
        let line = reports::capacity_line(found);
        for row in rows
            .iter_mut()
            .filter(|row| row.table == Table::Throughput && row.verdict != RowVerdict::NotMeasured)
        {
            row.note = Some(match row.note.take() {
                Some(note) => format!("{note}; capacity: {line}"),
                None => format!("capacity: {line}"),
            });
        }
    }
    let (mut verdict, mut verdict_reasons) =
        overall_verdict(&rows, &scenarios, facts.interrupted, facts.full_suite);
    if !missing.is_empty() {
        verdict = Verdict::Invalid;
        verdict_reasons.splice(0..0, missing);
    }
    RunReport {
        schema_version: reports::SCHEMA_VERSION,
        run_id: facts.run_id,
        started_at: facts.started_at,
        finished_at: facts.finished_at,
        profile: facts.profile.as_str().to_owned(),
        git_commit: facts.git_commit,
        git_branch: facts.git_branch,
        machine: facts.machine,
        quick: facts.quick,
        full_suite: facts.full_suite,
        interrupted: facts.interrupted,
        verdict,
        verdict_reasons,
        rows,
        scenarios,
        capacity,
        segments,
    }
}

/// The current time as RFC 3339, UTC, to the second.
pub fn rfc3339_now() -> String {
    humantime::format_rfc3339_seconds(SystemTime::now()).to_string()
}

/// An instant as RFC 3339 in UTC, to the millisecond.
pub fn rfc3339(at: SystemTime) -> String {
    humantime::format_rfc3339_millis(at).to_string()
}
