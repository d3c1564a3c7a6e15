//! `junit.xml`: every budget row a test case, one test suite per budget table, in the JUnit
//! format CI systems read (Jenkins, GitLab, GitHub test reporters). A failed row is a
//! `<failure>` carrying measured against limit; a row an invalid or interrupted run could not
//! judge is an `<error>`; a row not measured otherwise is `<skipped>`.

use std::fmt::Write;

use crate::Table;
use crate::render::{limit_text, measured_text};
use crate::{BudgetRow, RowVerdict, RunReport, ScenarioResult};

/// The report as JUnit XML.
pub fn render_junit(report: &RunReport) -> String {
    let cases: Vec<(&BudgetRow, Case)> = report
        .rows
        .iter()
        .map(|row| (row, case_of(report, row)))
        .collect();
    let mut out = String::with_capacity(16 * 1024);
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\">",
        escape(&format!("octoperf {}", report.run_id)),
        cases.len(),
        cases
            .iter()
            .filter(|(_, c)| matches!(c, Case::Failure(_)))
            .count(),
        cases
            .iter()
            .filter(|(_, c)| matches!(c, Case::Error(_)))
            .count(),
    );
    for (table, title) in [
        (Table::Latency, "Latency"),
        (Table::Throughput, "Throughput"),
        (Table::Resources, "Resources"),
    ] {
        let in_table: Vec<&(&BudgetRow, Case)> =
            cases.iter().filter(|(row, _)| row.table == table).collect();
        if in_table.is_empty() {
            continue;
        }
        let count = |wanted: fn(&Case) -> bool| in_table.iter().filter(|(_, c)| wanted(c)).count();
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" timestamp=\"{}\" hostname=\"{}\">",
            escape(&format!("{title} ({})", report.profile)),
            in_table.len(),
            count(|c| matches!(c, Case::Failure(_))),
            count(|c| matches!(c, Case::Error(_))),
            count(|c| matches!(c, Case::Skipped(_))),
            escape(report.started_at.trim_end_matches('Z')),
            escape(&report.machine.hostname),
        );
        let _ = writeln!(out, "    <properties>");
        for (name, value) in [
            ("run_id", report.run_id.as_str()),
            ("profile", report.profile.as_str()),
            ("commit", report.git_commit.as_deref().unwrap_or("unknown")),
            ("quick", if report.quick { "true" } else { "false" }),
        ] {
            let _ = writeln!(
                out,
                "      <property name=\"{name}\" value=\"{}\"/>",
                escape(value)
            );
        }
        let _ = writeln!(out, "    </properties>");
        for (row, case) in in_table {
            write_case(&mut out, row, case);
        }
        let _ = writeln!(out, "  </testsuite>");
    }
    out.push_str("</testsuites>\n");
    out
}

/// How a row reads as a test case.
enum Case {
    Passed,
    /// Measured against limit, and the note.
    Failure(String),
    /// Why the run could not judge it.
    Error(String),
    /// Why it was not measured.
    Skipped(String),
}

fn case_of(report: &RunReport, row: &BudgetRow) -> Case {
    match row.verdict {
        RowVerdict::Pass => Case::Passed,
        RowVerdict::Fail => {
            let mut message = format!("measured {}, limit {}", measured_text(row), limit_text(row));
            if let Some(note) = &row.note {
                let _ = write!(message, ": {note}");
            }
            Case::Failure(message)
        }
        RowVerdict::NotMeasured => {
            let blocked: Vec<String> = measuring(report, row)
                .filter(|s| !s.valid || s.error.is_some())
                .map(|s| {
                    let why = s
                        .error
                        .clone()
                        .unwrap_or_else(|| s.invalid_reasons.join("; "));
                    format!("scenario {} is invalid: {why}", s.name)
                })
                .collect();
            if !blocked.is_empty() {
                Case::Error(blocked.join("; "))
            } else if report.interrupted {
                Case::Error("the run was interrupted before this row was measured".into())
            } else {
                Case::Skipped(
                    row.note
                        .clone()
                        .unwrap_or_else(|| "no scenario of this run measures it".into()),
                )
            }
        }
    }
}

/// The scenarios that claim a row (`latency.reflex`, `cpu.arm`…).
fn measuring<'a>(
    report: &'a RunReport,
    row: &BudgetRow,
) -> impl Iterator<Item = &'a ScenarioResult> {
    let id = row.id();
    report
        .scenarios
        .iter()
        .filter(move |s| s.measures.contains(&id))
}

/// A row's id as scenarios name it: `latency.reflex`, `throughput.arms`, `memory.arm`.
pub(crate) fn row_id(row: &BudgetRow) -> String {
    row.id().to_string()
}

fn write_case(out: &mut String, row: &BudgetRow, case: &Case) {
    let _ = write!(
        out,
        "    <testcase classname=\"octoperf.{}.{}\" name=\"{}\" time=\"0\"",
        row.table,
        row.component,
        escape(&format!(
            "{} {} {}",
            row.component_name,
            row.metric.label(),
            limit_text(row)
        )),
    );
    let artifacts: String = row
        .artifacts
        .iter()
        .map(|a| format!("{}: {}\n", a.kind, a.path))
        .collect();
    let body = |tag: &str, kind: &str, message: &str| {
        format!(
            "      <{tag} type=\"{kind}\" message=\"{}\">{}</{tag}>\n",
            escape(message),
            escape(message)
        )
    };
    let inner = match case {
        Case::Passed => String::new(),
        Case::Failure(message) => body("failure", "budget", message),
        Case::Error(message) => body("error", "invalid", message),
        Case::Skipped(message) => format!("      <skipped message=\"{}\"/>\n", escape(message)),
    };
    let measured = format!(
        "measured {} (limit {}){}\n",
        measured_text(row),
        limit_text(row),
        row.scenario
            .as_deref()
            .map(|s| format!(" in scenario {s}"))
            .unwrap_or_default()
    );
    let _ = writeln!(out, ">");
    out.push_str(&inner);
    let _ = writeln!(
        out,
        "      <system-out>{}</system-out>",
        escape(&(measured + &artifacts))
    );
    let _ = writeln!(out, "    </testcase>");
}

/// Text as XML character data or an attribute value.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Characters XML 1.0 cannot carry at all.
            c if (c as u32) < 0x20 && c != '\t' && c != '\r' => out.push('?'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests;
