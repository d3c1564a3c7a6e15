//! Markdown and terminal renderings of a `RunReport`.

use std::fmt::Write;

use crate::{BudgetRow, Direction, RowId, RowVerdict, RunReport, ScenarioResult, Table, Verdict};

/// How far a measurement is on the passing side of its limit, in percent of the limit;
/// negative when it is on the failing side.
pub fn margin_percent(target: &BudgetRow) -> Option<f64> {
    let measured = target.measured?;
    if target.limit == 0.0 {
        return None;
    }
    Some(match target.direction {
        Direction::Below => (target.limit - measured) / target.limit * 100.0,
        Direction::Above => (measured - target.limit) / target.limit * 100.0,
    })
}

/// A value in its unit, with as many decimals as the unit deserves.
pub fn format_value(value: f64, unit: &str) -> String {
    match unit {
        "ms" if value < 10.0 => format!("{value:.2}"),
        "ms" if value < 100.0 => format!("{value:.1}"),
        "ms" => format!("{value:.0}"),
        "cores" => format!("{value:.3}"),
        "MB" => format!("{value:.1}"),
        "µs CPU/req" => format!("{value:.1}"),
        _ => format!("{value:.0}"),
    }
}

pub(crate) fn verdict_word(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Pass => "PASS",
        Verdict::Fail => "FAIL",
        Verdict::Invalid => "INVALID",
    }
}

pub(crate) fn target_word(verdict: RowVerdict) -> &'static str {
    match verdict {
        RowVerdict::Pass => "pass",
        RowVerdict::Fail => "FAIL",
        RowVerdict::NotMeasured => "not measured",
    }
}

pub(crate) fn limit_text(target: &BudgetRow) -> String {
    let sign = match target.direction {
        Direction::Below => "<",
        Direction::Above => ">",
    };
    // Limits are round numbers from the spec; show them as written.
    let limit = if target.limit.fract() == 0.0 {
        format!("{:.0}", target.limit)
    } else {
        format_value(target.limit, &target.unit)
    };
    format!("{sign} {limit} {}", target.unit)
}

pub(crate) fn measured_text(target: &BudgetRow) -> String {
    target.measured.map_or_else(
        || "–".to_owned(),
        |value| format!("{} {}", format_value(value, &target.unit), target.unit),
    )
}

pub(crate) fn margin_text(target: &BudgetRow) -> String {
    margin_percent(target).map_or_else(|| "–".to_owned(), |margin| format!("{margin:+.0}%"))
}

fn counts(report: &RunReport) -> (usize, usize, usize) {
    let count = |wanted| report.rows.iter().filter(|t| t.verdict == wanted).count();
    (
        count(RowVerdict::Pass),
        count(RowVerdict::Fail),
        count(RowVerdict::NotMeasured),
    )
}

/// The whole report as Markdown: verdict, the three budget tables, then each scenario.
/// The columns of the segments' table.
pub(crate) const SEGMENT_COLUMNS: [&str; 6] = [
    "Segment",
    "Host",
    "Run",
    "Start set",
    "Clock (NTP)",
    "Samples the stack",
];

/// One row of cells per segment of a load split across hosts, in index order.
pub(crate) fn segment_cells(report: &RunReport) -> Vec<[String; 6]> {
    let mut segments: Vec<&crate::Segment> = report.segments.iter().collect();
    segments.sort_by_key(|s| s.index);
    segments
        .into_iter()
        .map(|s| {
            let clock = &s.clock;
            [
                format!("{}/{}", s.index, s.count),
                s.host.clone(),
                s.run_id.clone(),
                s.start_at.clone().unwrap_or_else(|| "at once".into()),
                if clock.source != "adjtimex" {
                    clock.source.clone()
                } else if clock.synchronised {
                    format!(
                        "synchronised, offset {:.0} µs, error at most {:.0} µs",
                        clock.offset_us, clock.max_error_us
                    )
                } else {
                    "not synchronised".into()
                },
                if s.samples_stack { "yes" } else { "no" }.into(),
            ]
        })
        .collect()
}

pub fn render_markdown(report: &RunReport) -> String {
    let mut out = String::with_capacity(8192);
    let (pass, fail, not_measured) = counts(report);
    let _ = writeln!(
        out,
        "# octoperf run {}: {}\n",
        report.run_id,
        verdict_word(report.verdict)
    );
    let _ = writeln!(
        out,
        "{pass} rows pass, {fail} fail, {not_measured} not measured. Profile **{}**{}{}.\n",
        report.profile,
        if report.quick { ", quick run" } else { "" },
        if report.interrupted {
            ", **interrupted**"
        } else {
            ""
        },
    );
    let machine = &report.machine;
    let _ = writeln!(
        out,
        "Started {}, finished {}. Commit `{}`. Machine `{}`: {} CPUs ({}), {:.1} GiB, {} {}.\n",
        report.started_at,
        report.finished_at,
        report.git_commit.as_deref().unwrap_or("unknown"),
        machine.hostname,
        machine.cpus,
        machine.cpu_model,
        machine.memory_bytes as f64 / f64::from(1u32 << 30),
        machine.os,
        machine.kernel,
    );
    if !report.verdict_reasons.is_empty() {
        out.push_str("## Why not pass\n\n");
        for reason in &report.verdict_reasons {
            let _ = writeln!(out, "- {reason}");
        }
        out.push('\n');
    }
    let segments = segment_cells(report);
    if !segments.is_empty() {
        out.push_str(
            "## Segments

",
        );
        let _ = writeln!(out, "| {} |", SEGMENT_COLUMNS.join(" | "));
        let _ = writeln!(out, "|{}", "---|".repeat(SEGMENT_COLUMNS.len()));
        for cells in &segments {
            let _ = writeln!(out, "| {} |", cells.join(" | "));
        }
        out.push('\n');
    }
    for (table, title) in [
        (Table::Latency, "Latency".to_owned()),
        (Table::Throughput, "Throughput".to_owned()),
        (Table::Resources, format!("Resources ({})", report.profile)),
    ] {
        let rows: Vec<&BudgetRow> = report.rows.iter().filter(|t| t.table == table).collect();
        if rows.is_empty() {
            continue;
        }
        let _ = writeln!(out, "## {title}\n");
        out.push_str("| Component | Metric | Measured | Limit | Margin | Verdict | Scenario |\n");
        out.push_str("|---|---|---:|---:|---:|---|---|\n");
        for target in &rows {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {} |",
                target.component_name,
                target.metric.label(),
                measured_text(target),
                limit_text(target),
                margin_text(target),
                target_word(target.verdict),
                target.scenario.as_deref().unwrap_or("–"),
            );
        }
        let with_evidence: Vec<&&BudgetRow> =
            rows.iter().filter(|t| !t.artifacts.is_empty()).collect();
        if !with_evidence.is_empty() {
            out.push_str("\nEvidence:\n\n");
            for row in with_evidence {
                let links: Vec<String> = row
                    .artifacts
                    .iter()
                    .map(|a| format!("[{}]({})", a.kind.replace('_', " "), a.path))
                    .collect();
                let _ = writeln!(
                    out,
                    "- {} {}: {}",
                    row.component_name,
                    row.metric.label(),
                    links.join(", ")
                );
            }
        }
        let notes: Vec<&&BudgetRow> = rows.iter().filter(|t| t.note.is_some()).collect();
        if !notes.is_empty() {
            out.push('\n');
            for target in notes {
                let _ = writeln!(
                    out,
                    "- {} {}: {}",
                    target.component_name,
                    target.metric.label(),
                    target.note.as_deref().unwrap_or_default()
                );
            }
        }
        out.push('\n');
    }
    if !report.capacity.is_empty() {
        render_capacity(&mut out, &report.capacity);
    }
    out.push_str("## Scenarios\n");
    for scenario in &report.scenarios {
        render_scenario(&mut out, scenario);
    }
    out
}

/// Each generator worker's busy share, as `12%, 9%`, or `–` when not measured.
pub(crate) fn busy_text(generator: &crate::GeneratorResult) -> String {
    if generator.worker_busy.is_empty() {
        return "–".to_owned();
    }
    generator
        .worker_busy
        .iter()
        .map(|share| format!("{:.0}%", share * 100.0))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A request kind's errors by kind, as `http_503: 3, timeout: 1`, or `0`.
pub(crate) fn errors_text(request: &crate::RequestResult) -> String {
    if request.errors.is_empty() {
        return "0".to_owned();
    }
    request
        .errors
        .iter()
        .map(|(kind, n)| format!("{kind}: {n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

pub(crate) fn ms(us: u64) -> String {
    format_value(us as f64 / 1000.0, "ms")
}

/// The rows a scenario measures, as the reports list them.
pub(crate) fn measured_rows(scenario: &ScenarioResult) -> String {
    if scenario.measures.is_empty() {
        "no budget row (judged by its invariants)".to_owned()
    } else {
        let rows: Vec<String> = scenario.measures.iter().map(RowId::to_string).collect();
        rows.join(", ")
    }
}

fn render_scenario(out: &mut String, scenario: &ScenarioResult) {
    let _ = writeln!(out, "\n### {}\n\n{}\n", scenario.name, scenario.description);
    let _ = writeln!(
        out,
        "- File `{}`; measures {}.\n- Load: {}; warm-up {}s, measured {}s.\n- LLM: {}.\n- Target: {}.",
        scenario.file,
        measured_rows(scenario),
        scenario.load,
        scenario.warmup_seconds,
        scenario.duration_seconds,
        scenario.llm,
        scenario.target,
    );
    if let Some(error) = &scenario.error {
        // Nothing was measured: no load, no generator to account for.
        let _ = writeln!(out, "- **Did not run**: {error}");
        for reason in &scenario.invalid_reasons {
            let _ = writeln!(out, "- {reason}");
        }
        return;
    }
    if !scenario.valid {
        let _ = writeln!(
            out,
            "- **Invalid**: {}",
            if scenario.invalid_reasons.is_empty() {
                "the scenario did not finish".to_owned()
            } else {
                scenario.invalid_reasons.join("; ")
            }
        );
    }
    for note in &scenario.notes {
        let _ = writeln!(out, "- Note: {note}");
    }
    if let Some(faults) = &scenario.faults {
        render_faults(out, faults);
    }
    render_machine(out, scenario);
    render_requests(out, &scenario.requests);
    render_profiles(out, scenario);
    render_processes(out, &scenario.processes);
}

/// The generator's account of itself, the machine's pauses and load, and the interval logs.
fn render_machine(out: &mut String, scenario: &ScenarioResult) {
    let generator = &scenario.generator;
    let _ = writeln!(
        out,
        "- Generator: {} worker threads, busy {}; {:.2} CPU-seconds ({:.1} µs per request); send lag at the socket P50 {} ms, P99 {} ms (allowed {} ms), max {} ms, {:.3}% of requests over 1 ms late; schedule lag P99 {} ms; in-flight cap reached {} times; {} due requests never sent; {} never answered.\n",
        generator.threads,
        busy_text(generator),
        generator.cpu_seconds,
        generator.cpu_us_per_request,
        ms(generator.send_lag_p50_us),
        ms(generator.send_lag_p99_us),
        ms(generator.max_send_lag_us),
        ms(generator.send_lag_max_us),
        generator.late_over_1ms_share * 100.0,
        ms(generator.schedule_lag_p99_us),
        generator.in_flight_cap_hits,
        generator.unsent,
        generator.abandoned,
    );
    if scenario.hiccups.count > 0 {
        let _ = writeln!(
            out,
            "- Machine: pauses seen by a thread sleeping 1 ms at a time (hiccup meter) P99 {} ms, max {} ms.\n",
            ms(scenario.hiccups.p99_us),
            ms(scenario.hiccups.max_us)
        );
    }
    if let Some(load) = &scenario.machine_load {
        let _ = writeln!(
            out,
            "- Machine CPU: {:.2} of {:.0} cores busy, {:.2} of them the generator and the stack under test (its database and Redis included), {:.2} other processes; steal {:.1}%.\n",
            load.busy_cores,
            load.cores,
            load.ours_cores,
            load.other_cores,
            load.steal_share * 100.0
        );
    }
    if !generator.interval_logs.is_empty() {
        let _ = writeln!(
            out,
            "- Interval logs (HdrHistogram, 1 s): {}\n",
            generator.interval_logs.join(", ")
        );
    }
}

/// Each series' requests and latency.
fn render_requests(out: &mut String, requests: &[crate::RequestResult]) {
    if !requests.is_empty() {
        out.push_str("| Request | Sent | OK | Errors | Achieved/s | P50 ms | P95 ms | P99 ms | Max ms | P99 ms (successes) | Service P99 ms |\n");
        out.push_str("|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|\n");
        for request in requests {
            let errors = errors_text(request);
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {:.1} | {} | {} | {} | {} | {} | {} |",
                request.kind,
                request.sent,
                request.ok,
                errors,
                request.achieved_per_second,
                ms(request.latency.p50_us),
                ms(request.latency.p95_us),
                ms(request.latency.p99_us),
                ms(request.latency.max_us),
                if request.latency_ok.count > 0 {
                    ms(request.latency_ok.p99_us)
                } else {
                    "–".to_owned()
                },
                ms(request.service_time.p99_us),
            );
        }
        out.push('\n');
    }
}

/// The CPU and heap profiles, each with its most telling line.
fn render_profiles(out: &mut String, scenario: &ScenarioResult) {
    for profile in &scenario.profiles {
        match (&profile.flamegraph, &profile.error) {
            (Some(flamegraph), _) => {
                let top: Vec<String> = profile
                    .top
                    .iter()
                    .take(3)
                    .map(|f| format!("`{}` {:.0}%", f.name, f.self_share * 100.0))
                    .collect();
                let _ = writeln!(
                    out,
                    "- CPU profile of {}: [flamegraph]({flamegraph}){}, {} samples; most self time: {}.",
                    profile.name,
                    profile
                        .differential
                        .as_ref()
                        .map(|d| format!(", [differential]({d})"))
                        .unwrap_or_default(),
                    profile.samples,
                    top.join(", ")
                );
            }
            (None, Some(why)) => {
                let _ = writeln!(out, "- No CPU profile of {}: {why}", profile.name);
            }
            (None, None) => {}
        }
    }
    for heap in &scenario.heap {
        match &heap.error {
            None => {
                let _ = writeln!(
                    out,
                    "- Heap (dhat pass) of {}: peak {} MB, {:.0} bytes and {:.1} allocations per request{}.",
                    heap.name,
                    format_value(heap.peak_bytes as f64 / 1e6, "MB"),
                    heap.bytes_per_request,
                    heap.allocations_per_request,
                    heap.top_sites
                        .first()
                        .map(|site| format!("; most bytes at `{}`", site.site))
                        .unwrap_or_default()
                );
            }
            Some(why) => {
                let _ = writeln!(out, "- No heap profile of {}: {why}", heap.name);
            }
        }
    }
    if !scenario.profiles.is_empty() {
        out.push_str(
            "- CPU profiles see on-CPU time only: waiting (on a socket, a lock, the database) does not show, and time in the kernel shows as the system call that entered it.\n",
        );
    }
    if !scenario.profiles.is_empty() || !scenario.heap.is_empty() {
        out.push('\n');
    }
}

/// Each process's memory and CPU over the window.
fn render_processes(out: &mut String, processes: &[crate::ProcessResult]) {
    if !processes.is_empty() {
        out.push_str(
            "| Process | PID | Peak RSS MB (window) | Peak RSS MB (lifetime) | CPU cores (mean) | Source |\n",
        );
        out.push_str("|---|---:|---:|---:|---:|---|\n");
        for process in processes {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} |",
                process.label(),
                process
                    .pid
                    .map_or_else(|| "–".to_owned(), |pid| pid.to_string()),
                process.rss_peak_bytes.map_or_else(
                    || "–".to_owned(),
                    |rss| format_value(rss as f64 / 1e6, "MB")
                ),
                process.rss_lifetime_peak_bytes.map_or_else(
                    || "–".to_owned(),
                    |rss| format_value(rss as f64 / 1e6, "MB")
                ),
                process
                    .cpu_cores_mean
                    .map_or_else(|| "–".to_owned(), |cpu| format_value(cpu, "cores")),
                process.source,
            );
        }
        out.push('\n');
    }
}

/// A fault scenario's invariants, the faults as applied, and what became of the tasks.
fn render_faults(out: &mut String, faults: &crate::FaultsResult) {
    let _ = writeln!(
        out,
        "\n#### Invariants: {}\n\n| invariant | expected | observed | holds |\n|---|---|---|---|",
        if faults.holds() {
            "all hold"
        } else {
            "**broken**"
        }
    );
    for invariant in &faults.invariants {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} |",
            invariant.name,
            invariant.expected,
            invariant.observed,
            if invariant.holds { "yes" } else { "**no**" }
        );
    }
    let _ = writeln!(
        out,
        "\n| fault | began (s) | healed (s) | answers | failed | recovery (s) |\n|---|---:|---:|---:|---:|---:|"
    );
    for fault in &faults.faults {
        let _ = writeln!(
            out,
            "| {} {} | {:.1} | {} | {} | {} ({:.1}%) | {} |",
            fault.action,
            fault.target,
            fault.began_seconds,
            fault
                .healed_seconds
                .map_or_else(|| "never".to_owned(), |at| format!("{at:.1}")),
            fault.answers,
            fault.errors,
            fault.error_rate() * 100.0,
            fault
                .recovery_seconds
                .map_or_else(|| "not recovered".to_owned(), |at| format!("{at:.1}")),
        );
    }
    let tasks = &faults.tasks;
    let _ = writeln!(
        out,
        "\n- Tasks accepted {}: {} completed, {} failed, {} cancelled, {} unfinished{}.",
        tasks.accepted,
        tasks.completed,
        tasks.failed,
        tasks.cancelled,
        tasks.unfinished,
        if tasks.examples.is_empty() {
            String::new()
        } else {
            format!(" (for example {})", tasks.examples.join("; "))
        }
    );
    if let Some(effects) = &faults.effects {
        let _ = writeln!(
            out,
            "- Effects (successful LLM calls, from the arms' journals): {} over {} request ids, {} run more than once{}.",
            effects.effects,
            effects.request_ids,
            effects.duplicated,
            if effects.examples.is_empty() {
                String::new()
            } else {
                format!(" ({})", effects.examples.join("; "))
            }
        );
    }
    let _ = writeln!(out);
}

fn render_capacity(out: &mut String, searches: &[crate::Capacity]) {
    out.push_str("## Capacity\n\n");
    for search in searches {
        let _ = writeln!(out, "- {}\n", capacity_line(search));
        out.push_str("| Trial | Offered/s | Verdict | What broke |\n|---:|---:|---|---|\n");
        for (idx, trial) in search.trials.iter().enumerate() {
            let _ = writeln!(
                out,
                "| {} | {:.0} | {} | {} |",
                idx + 1,
                trial.offered_per_second,
                verdict_word(trial.verdict),
                trial.reasons.join("; ")
            );
        }
        out.push('\n');
    }
}

/// "reflex: 15000/s held every row, 1.5× the budget (broke at 16000/s)".
pub fn capacity_line(search: &crate::Capacity) -> String {
    let broke = search
        .broke_per_second
        .map_or_else(String::new, |broke| format!(" (broke at {broke:.0}/s)"));
    match (search.held_per_second, search.ratio_to_budget()) {
        (Some(held), Some(ratio)) => format!(
            "{}: {held:.0}/s held every row, {ratio:.1}× the budget{broke}",
            search.scenario
        ),
        (Some(held), None) => format!("{}: {held:.0}/s held every row{broke}", search.scenario),
        (None, _) => format!("{}: no rate tried held every row{broke}", search.scenario),
    }
}

/// A short summary for the terminal: the verdict, then one line per row.
pub fn render_terminal(report: &RunReport) -> String {
    let mut out = String::with_capacity(4096);
    let (pass, fail, not_measured) = counts(report);
    let _ = writeln!(
        out,
        "octoperf {}: {} ({pass} pass, {fail} fail, {not_measured} not measured; profile {}{})",
        report.run_id,
        verdict_word(report.verdict),
        report.profile,
        if report.quick { ", quick" } else { "" },
    );
    for reason in &report.verdict_reasons {
        let _ = writeln!(out, "  ! {reason}");
    }
    for search in &report.capacity {
        let _ = writeln!(out, "  capacity: {}", capacity_line(search));
    }
    for target in &report.rows {
        let _ = writeln!(
            out,
            "  {:<10} {:<24} {:<10} {:>14} {:>16} {:>6}  {}",
            target.table,
            target.component_name,
            target.metric.label(),
            measured_text(target),
            limit_text(target),
            margin_text(target),
            target_word(target.verdict),
        );
    }
    out
}
