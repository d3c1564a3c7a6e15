//! A comparison as a terminal table, as Markdown for a pull-request comment, and as JSON.

use std::fmt::Write as _;

use super::{Change, ChangeVerdict, Comparison};
use crate::gate::TrialsLatency;

/// The Markdown of a comparison: its verdict, its warnings, the changes that are not "no
/// change" first, then the rest folded away.
pub fn render_markdown(comparison: &Comparison) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "## octoperf compare: {}\n",
        verdict_word(comparison.verdict)
    );
    let _ = writeln!(
        out,
        "**{}** ({}) against **{}** ({}); {}.\n",
        comparison.new.label,
        side_text(&comparison.new),
        comparison.base.label,
        side_text(&comparison.base),
        method_text(comparison)
    );
    for warning in &comparison.warnings {
        let _ = writeln!(out, "> **Warning:** {warning}\n");
    }
    let (notable, quiet): (Vec<&Change>, Vec<&Change>) = comparison
        .changes
        .iter()
        .partition(|c| c.verdict != ChangeVerdict::NoChange);
    if notable.is_empty() {
        let _ = writeln!(
            out,
            "Every one of {} metrics: no change beyond its threshold.\n",
            comparison.changes.len()
        );
    } else {
        table(&mut out, &notable);
    }
    if !quiet.is_empty() {
        let _ = writeln!(
            out,
            "<details><summary>{} metrics with no change</summary>\n",
            quiet.len()
        );
        table(&mut out, &quiet);
        let _ = writeln!(out, "</details>");
    }
    out
}

/// The comparison for a terminal: one line per change, worst first.
pub fn render_terminal(comparison: &Comparison) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "compare: {}  ({} against {}; {})",
        verdict_word(comparison.verdict).to_uppercase(),
        comparison.new.label,
        comparison.base.label,
        method_text(comparison)
    );
    for warning in &comparison.warnings {
        let _ = writeln!(out, "warning: {warning}");
    }
    let mut changes: Vec<&Change> = comparison.changes.iter().collect();
    changes.sort_by(|a, b| b.verdict.cmp(&a.verdict).then(a.key.cmp(&b.key)));
    let width = changes.iter().map(|c| c.key.len()).max().unwrap_or(0);
    for change in changes {
        let _ = writeln!(
            out,
            "  {:<width$}  {:>10} -> {:<10} {:>8}  {:<22} {}{}",
            change.key,
            value(change.base, &change.unit),
            value(change.new, &change.unit),
            signed(change.change),
            interval(change),
            change.verdict.as_str(),
            if change.informational {
                " (informational)"
            } else {
                ""
            },
        );
    }
    out
}

/// The comparison as JSON, for tools.
pub fn render_json(comparison: &Comparison) -> String {
    serde_json::to_string_pretty(comparison).expect("a comparison serialises") + "\n"
}

fn table(out: &mut String, changes: &[&Change]) {
    let _ = writeln!(
        out,
        "| metric | base | new | change | interval | threshold | verdict |"
    );
    let _ = writeln!(out, "|---|---:|---:|---:|---:|---:|---|");
    for change in changes {
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | {} | {} | {}{:.0}% | {} |",
            change.key,
            value(change.base, &change.unit),
            value(change.new, &change.unit),
            signed(change.change),
            interval(change),
            match change.better {
                super::Better::Lower => "+",
                super::Better::Higher => "−",
            },
            change.threshold * 100.0,
            verdict_cell(change.verdict)
                + if change.informational {
                    " (informational)"
                } else {
                    ""
                },
        );
    }
    let _ = writeln!(out);
}

fn verdict_word(verdict: ChangeVerdict) -> &'static str {
    verdict.as_str()
}

fn verdict_cell(verdict: ChangeVerdict) -> String {
    match verdict {
        ChangeVerdict::Regressed => "**regressed**".into(),
        ChangeVerdict::Unknown => "_unknown, run more_".into(),
        other => other.as_str().into(),
    }
}

fn side_text(side: &super::SideSummary) -> String {
    let runs = if side.runs.len() == 1 {
        format!("run {}", side.runs[0])
    } else {
        format!("{} runs", side.runs.len())
    };
    if side.commits.is_empty() {
        runs
    } else {
        format!("{runs}, commit {}", side.commits.join(", "))
    }
}

fn method_text(comparison: &Comparison) -> String {
    let how = if comparison.method == "trials" {
        match comparison.trials_latency {
            TrialsLatency::Pooled => {
                "bootstrap over repeated trials (latency: their histograms added; others: medians)"
            }
            TrialsLatency::Median => "bootstrap over repeated trials (medians of the trials)",
        }
    } else {
        "bootstrap over each run's seconds (one run a side: run-to-run noise unseen, warn only)"
    };
    let how = if comparison.paired {
        format!("{how}, paired: the change is the median of the pairs' ratios")
    } else {
        how.to_owned()
    };
    let how = match &comparison.look {
        Some(look) => format!(
            "{how}; sequential look at {} trials a side of {}..{}, α spent {:.4} of {:.2} \
             (Lan–DeMets, Pocock type)",
            look.trials,
            look.plan.min,
            look.plan.max,
            look.spent,
            1.0 - look.overall
        ),
        None => how,
    };
    let confidence = comparison.confidence * 100.0;
    let digits = if confidence >= 99.0 { 2 } else { 0 };
    format!(
        "{confidence:.digits$}% intervals, {} resamples, {how}",
        comparison.resamples
    )
}

fn value(value: f64, unit: &str) -> String {
    reports::format_value(value, unit)
}

fn signed(change: f64) -> String {
    format!("{:+.1}%", change * 100.0)
}

fn interval(change: &Change) -> String {
    match change.ci {
        Some((low, high)) if !(low.is_finite() && high.is_finite()) => "too few pairs".into(),
        Some((low, high)) => format!("[{:+.1}%, {:+.1}%]", low * 100.0, high * 100.0),
        None => "no spread".into(),
    }
}
