//! `report.html`: one self-contained file (inline CSS and SVG, no script, nothing fetched) with
//! the verdict, the three budget tables with margins and links to each row's evidence, and per
//! scenario its requests, generator account, plots and profiles. Links to flamegraphs, pprof
//! files, heap profiles and logs are relative, so the run's folder can be moved whole.

use std::fmt::Write;

use crate::Table;
use crate::junit::{escape, row_id};
use crate::render::{
    busy_text, capacity_line, errors_text, format_value, limit_text, margin_text, measured_text,
    ms, target_word, verdict_word,
};
use crate::{BudgetRow, RowVerdict, RunReport, ScenarioResult, Verdict, plots};

const STYLE: &str = "
body { font: 14px/1.45 system-ui, sans-serif; margin: 24px auto; max-width: 1100px; color: #222; padding: 0 16px; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 19px; margin: 28px 0 8px; border-bottom: 1px solid #ccc; }
h3 { font-size: 16px; margin: 20px 0 6px; }
table { border-collapse: collapse; margin: 8px 0; }
th, td { border: 1px solid #ccc; padding: 3px 8px; text-align: left; vertical-align: top; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.fail td { background: #f3d6d6; font-weight: 600; }
tr.not_measured td { color: #777; }
.banner { display: inline-block; padding: 2px 10px; border: 2px solid #222; font-weight: 700; }
.banner.pass { background: #e3f1e3; } .banner.fail { background: #f3d6d6; } .banner.invalid { background: #eee; border-style: dashed; }
.verdict-fail { font-weight: 700; } .verdict-pass { } .verdict-not_measured { font-style: italic; }
figure.plot { margin: 10px 0; }
figure.plot svg { display: block; max-width: 100%; height: auto; }
.note { color: #555; }
code { font-size: 13px; }
";

/// The whole report as one HTML page.
pub fn render_html(report: &RunReport) -> String {
    let mut out = String::with_capacity(256 * 1024);
    let verdict = verdict_word(report.verdict);
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>octoperf {}: {verdict}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        escape(&report.run_id)
    );
    let class = match report.verdict {
        Verdict::Pass => "pass",
        Verdict::Fail => "fail",
        Verdict::Invalid => "invalid",
    };
    let count = |wanted| report.rows.iter().filter(|r| r.verdict == wanted).count();
    let _ = writeln!(
        out,
        "<h1>octoperf run {} <span class=\"banner {class}\" id=\"verdict\">{verdict}</span></h1>",
        escape(&report.run_id)
    );
    let machine = &report.machine;
    let _ = writeln!(
        out,
        "<p>{} rows pass, {} fail, {} not measured. Profile <b>{}</b>{}{}. Started {}, finished {}; commit <code>{}</code>; machine <code>{}</code>: {} CPUs ({}), {:.1} GiB, {} {}.</p>",
        count(RowVerdict::Pass),
        count(RowVerdict::Fail),
        count(RowVerdict::NotMeasured),
        escape(&report.profile),
        if report.quick { ", quick run" } else { "" },
        if report.interrupted {
            ", <b>interrupted</b>"
        } else {
            ""
        },
        escape(&report.started_at),
        escape(&report.finished_at),
        escape(report.git_commit.as_deref().unwrap_or("unknown")),
        escape(&machine.hostname),
        machine.cpus,
        escape(&machine.cpu_model),
        machine.memory_bytes as f64 / f64::from(1u32 << 30),
        escape(&machine.os),
        escape(&machine.kernel),
    );
    if !report.verdict_reasons.is_empty() {
        out.push_str("<h2>Why not pass</h2>\n<ul>\n");
        for reason in &report.verdict_reasons {
            let _ = writeln!(out, "<li>{}</li>", escape(reason));
        }
        out.push_str("</ul>\n");
    }
    let segments = crate::render::segment_cells(report);
    if !segments.is_empty() {
        out.push_str("<h2>Segments</h2>\n<table>\n<tr>");
        for column in crate::render::SEGMENT_COLUMNS {
            let _ = write!(out, "<th>{column}</th>");
        }
        out.push_str("</tr>\n");
        for cells in &segments {
            out.push_str("<tr>");
            for cell in cells {
                let _ = write!(out, "<td>{}</td>", escape(cell));
            }
            out.push_str("</tr>\n");
        }
        out.push_str("</table>\n");
    }
    out.push_str("<h2>Budget rows</h2>\n");
    figure(&mut out, "margins", &plots::margins(&report.rows));
    for (table, title) in [
        (Table::Latency, "Latency".to_owned()),
        (Table::Throughput, "Throughput".to_owned()),
        (Table::Resources, format!("Resources ({})", report.profile)),
    ] {
        let rows: Vec<&BudgetRow> = report.rows.iter().filter(|r| r.table == table).collect();
        if rows.is_empty() {
            continue;
        }
        let _ = writeln!(
            out,
            "<h3>{}</h3>\n<table class=\"budget\" data-table=\"{table}\">\n<tr><th>Component</th><th>Metric</th><th>Measured</th><th>Limit</th><th>Margin</th><th>Verdict</th><th>Scenario</th><th>Evidence</th></tr>",
            escape(&title)
        );
        for row in rows {
            budget_row(&mut out, row);
        }
        out.push_str("</table>\n");
    }
    if !report.capacity.is_empty() {
        out.push_str("<h2>Capacity</h2>\n<ul>\n");
        for search in &report.capacity {
            let _ = writeln!(out, "<li>{}</li>", escape(&capacity_line(search)));
        }
        out.push_str("</ul>\n");
    }
    out.push_str("<h2>Scenarios</h2>\n");
    for scenario in &report.scenarios {
        scenario_section(&mut out, scenario);
    }
    out.push_str(
        "<h2>Opening the evidence</h2>\n<ul>\n\
<li>Flamegraphs (<code>*.svg</code> under each scenario's <code>profiles/</code>) open in a browser: click a frame to zoom, Ctrl-F to search. Red frames in a <code>*.diff.svg</code> took a larger share of the CPU samples than in the baseline, blue ones a smaller.</li>\n\
<li>CPU profiles (<code>*.pb.gz</code>): <code>go tool pprof -http=: reflex.pb.gz</code>, or drop the file on <a href=\"https://www.speedscope.app\">speedscope</a>.</li>\n\
<li>Heap profiles (<code>dhat-heap.json</code>): load in dhat's viewer, <code>dh_view.html</code> (from valgrind or the dhat crate).</li>\n\
<li>Interval logs (<code>*.hlog</code>): HdrHistogram's log tools, or <code>octoperf merge</code>.</li>\n</ul>\n",
    );
    let _ = writeln!(
        out,
        "<p class=\"note\">CPU profiles: {}.</p>",
        escape(PROFILE_LIMITS)
    );
    out.push_str("</body>\n</html>\n");
    out
}

/// What a CPU profile cannot see, as the report says it.
const PROFILE_LIMITS: &str = "each thread is sent SIGPROF every 4 ms of its own CPU time \
(a perf task-clock event, user and kernel time) and pprof-rs records its stack: time spent \
waiting (on a socket, a lock, the database, a timer) does not show, and time in the kernel \
shows as the system call that entered it. Functions inlined into their callers show under \
their own names, from the binaries' debug information";

fn figure(out: &mut String, name: &str, svg: &str) {
    // The SVG as plotters wrote it, inline; its own XML prologue, if any, dropped.
    let svg = svg.trim_start_matches(|c| c != '<');
    let svg = match svg.strip_prefix("<?xml") {
        Some(rest) => rest.split_once("?>").map_or(svg, |(_, body)| body),
        None => svg,
    };
    let _ = writeln!(
        out,
        "<figure class=\"plot\" data-plot=\"{}\">{}</figure>",
        escape(name),
        svg.trim()
    );
}

fn budget_row(out: &mut String, row: &BudgetRow) {
    let class = match row.verdict {
        RowVerdict::Pass => "pass",
        RowVerdict::Fail => "fail",
        RowVerdict::NotMeasured => "not_measured",
    };
    let evidence: Vec<String> = row
        .artifacts
        .iter()
        .map(|artifact| {
            let label = match artifact.kind.as_str() {
                "flamegraph" => "flamegraph",
                "differential_flamegraph" => "differential",
                "pprof" => "pprof",
                "dhat" => "heap (dhat)",
                other => other,
            };
            let process = std::path::Path::new(&artifact.path)
                .file_name()
                .and_then(|name| name.to_str())
                .and_then(|name| name.split('.').next())
                .unwrap_or("");
            format!(
                "<a href=\"{}\">{} {}</a>",
                escape(&artifact.path),
                escape(process),
                label
            )
        })
        .collect();
    let note = row
        .note
        .as_deref()
        .map(|note| format!("<br><span class=\"note\">{}</span>", escape(note)))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "<tr class=\"{class}\" data-row=\"{}.{}\" data-verdict=\"{class}\"><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"verdict-{class}\">{}{note}</td><td>{}</td><td>{}</td></tr>",
        escape(&row_id(row)),
        row.metric,
        escape(&row.component_name),
        row.metric.label(),
        escape(&measured_text(row)),
        escape(&limit_text(row)),
        escape(&margin_text(row)),
        escape(target_word(row.verdict)),
        escape(row.scenario.as_deref().unwrap_or("–")),
        if evidence.is_empty() {
            "–".to_owned()
        } else {
            evidence.join(", ")
        },
    );
}

fn scenario_section(out: &mut String, scenario: &ScenarioResult) {
    let _ = writeln!(
        out,
        "<section class=\"scenario\" id=\"scenario-{0}\">\n<h3>{0}</h3>\n<p>{1}</p>\n<ul>\n<li>File <code>{2}</code>; measures {3}.</li>\n<li>Load: {4}; warm-up {5} s, measured {6} s.</li>\n<li>LLM: {7}.</li>\n<li>Target: {8}.</li>",
        escape(&scenario.name),
        escape(&scenario.description),
        escape(&scenario.file),
        escape(&crate::render::measured_rows(scenario)),
        escape(&scenario.load),
        scenario.warmup_seconds,
        scenario.duration_seconds,
        escape(&scenario.llm),
        escape(&scenario.target),
    );
    if let Some(error) = &scenario.error {
        let _ = writeln!(
            out,
            "<li><b>Did not run</b>: {}</li>\n</ul>\n</section>",
            escape(error)
        );
        return;
    }
    if !scenario.valid {
        let _ = writeln!(
            out,
            "<li><b>Invalid</b>: {}</li>",
            escape(&scenario.invalid_reasons.join("; "))
        );
    }
    for note in &scenario.notes {
        let _ = writeln!(out, "<li>Note: {}</li>", escape(note));
    }
    let generator = &scenario.generator;
    let _ = writeln!(
        out,
        "<li>Generator: {} workers, busy {}; {:.1} µs of CPU per request; send lag P50 {} ms, P99 {} ms (allowed {} ms), max {} ms; {} unsent, {} never answered.</li>",
        generator.threads,
        busy_text(generator),
        generator.cpu_us_per_request,
        ms(generator.send_lag_p50_us),
        ms(generator.send_lag_p99_us),
        ms(generator.max_send_lag_us),
        ms(generator.send_lag_max_us),
        generator.unsent,
        generator.abandoned,
    );
    if scenario.hiccups.count > 0 {
        let _ = writeln!(
            out,
            "<li>Machine pauses (hiccup meter): P99 {} ms, max {} ms.</li>",
            ms(scenario.hiccups.p99_us),
            ms(scenario.hiccups.max_us)
        );
    }
    if let Some(faults) = &scenario.faults {
        let _ = writeln!(
            out,
            "<li>Invariants: {}</li>",
            if faults.holds() {
                "all hold"
            } else {
                "<strong>broken</strong>"
            }
        );
        for invariant in &faults.invariants {
            let _ = writeln!(
                out,
                "<li>{}: {} {} (expected {})</li>",
                escape(&invariant.name),
                if invariant.holds {
                    "holds,"
                } else {
                    "<strong>broken</strong>,"
                },
                escape(&invariant.observed),
                escape(&invariant.expected)
            );
        }
    }
    if let Some(load) = &scenario.machine_load {
        let _ = writeln!(
            out,
            "<li>Machine CPU: {:.2} of {:.0} cores busy, {:.2} of them the generator and the stack under test (its database and Redis included), {:.2} other processes; steal {:.1}%.</li>",
            load.busy_cores,
            load.cores,
            load.ours_cores,
            load.other_cores,
            load.steal_share * 100.0
        );
    }
    let links: Vec<String> = scenario
        .logs
        .iter()
        .chain(&generator.interval_logs)
        .map(|path| format!("<a href=\"{0}\">{0}</a>", escape(path)))
        .collect();
    if !links.is_empty() {
        let _ = writeln!(out, "<li>Logs and interval logs: {}</li>", links.join(", "));
    }
    out.push_str("</ul>\n");
    requests_table(out, scenario);
    for series in &scenario.timeline {
        if series.points.is_empty() || series.kind.is_breakdown() {
            continue;
        }
        figure(
            out,
            &format!("{}/{}/over-time", scenario.name, series.kind),
            &plots::latency_over_time(series),
        );
    }
    for request in scenario.requests.iter().filter(|r| !r.kind.is_breakdown()) {
        if request.latency.count == 0 {
            continue;
        }
        figure(
            out,
            &format!("{}/{}/spectrum", scenario.name, request.kind),
            &plots::percentile_spectrum(request),
        );
    }
    if scenario.processes.iter().any(|p| !p.samples.is_empty()) {
        figure(
            out,
            &format!("{}/resources", scenario.name),
            &plots::resources_over_time(&scenario.processes),
        );
    }
    processes_table(out, scenario);
    profiles_section(out, scenario);
    heap_section(out, scenario);
    out.push_str("</section>\n");
}

fn requests_table(out: &mut String, scenario: &ScenarioResult) {
    if scenario.requests.is_empty() {
        return;
    }
    out.push_str("<table class=\"requests\">\n<tr><th>Request</th><th>Sent</th><th>OK</th><th>Errors</th><th>Achieved/s</th><th>P50 ms</th><th>P95 ms</th><th>P99 ms</th><th>P99.9 ms</th><th>Max ms</th><th>Service P99 ms</th></tr>\n");
    for request in &scenario.requests {
        let errors = errors_text(request);
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td><td class=\"num\">{:.1}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            escape(&request.kind.to_string()),
            request.sent,
            request.ok,
            escape(&errors),
            request.achieved_per_second,
            ms(request.latency.p50_us),
            ms(request.latency.p95_us),
            ms(request.latency.p99_us),
            ms(request.latency.p999_us),
            ms(request.latency.max_us),
            ms(request.service_time.p99_us),
        );
    }
    out.push_str("</table>\n");
}

fn processes_table(out: &mut String, scenario: &ScenarioResult) {
    if scenario.processes.is_empty() {
        return;
    }
    out.push_str("<table class=\"processes\">\n<tr><th>Process</th><th>PID</th><th>Peak RSS MB (window)</th><th>CPU cores (mean)</th><th>Source</th></tr>\n");
    for process in &scenario.processes {
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
            escape(&process.label()),
            process
                .pid
                .map_or_else(|| "–".to_owned(), |pid| pid.to_string()),
            process.rss_peak_bytes.map_or_else(
                || "–".to_owned(),
                |rss| format_value(rss as f64 / 1e6, "MB")
            ),
            process
                .cpu_cores_mean
                .map_or_else(|| "–".to_owned(), |cpu| format_value(cpu, "cores")),
            escape(&process.source),
        );
    }
    out.push_str("</table>\n");
}

fn profiles_section(out: &mut String, scenario: &ScenarioResult) {
    if scenario.profiles.is_empty() {
        return;
    }
    out.push_str("<h4>CPU profiles over the measured window</h4>\n");
    for profile in &scenario.profiles {
        let links: Vec<String> = [
            ("flamegraph", &profile.flamegraph),
            ("differential flamegraph", &profile.differential),
            ("pprof", &profile.pprof),
            ("folded stacks", &profile.folded),
        ]
        .into_iter()
        .filter_map(|(label, path)| {
            path.as_ref()
                .map(|path| format!("<a href=\"{}\">{label}</a>", escape(path)))
        })
        .collect();
        // Samples per CPU-second of the process: about the frequency asked for.
        let cpu_seconds = if profile.component == "generator" {
            Some(scenario.generator.cpu_seconds)
        } else {
            scenario
                .processes
                .iter()
                .find(|p| p.name == profile.name)
                .and_then(|p| p.cpu_cores_mean)
                .map(|cores| cores * scenario.duration_seconds)
        };
        let coverage = cpu_seconds
            .filter(|seconds| *seconds > 0.0 && profile.frequency_hz > 0.0)
            .map(|seconds| {
                format!(
                    ", {:.0} per CPU-second of its {:.2}",
                    profile.samples as f64 / seconds,
                    seconds
                )
            })
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "<p><b>{}</b>: {} samples at {:.0} Hz{coverage}. {}{}</p>",
            escape(&profile.name),
            profile.samples,
            profile.frequency_hz,
            links.join(", "),
            profile
                .error
                .as_deref()
                .map(|why| format!(" <span class=\"note\">Not profiled: {}</span>", escape(why)))
                .unwrap_or_default(),
        );
        if profile.top.is_empty() {
            continue;
        }
        out.push_str("<table class=\"top\">\n<tr><th>Self %</th><th>Self samples</th><th>Inclusive samples</th><th>Function</th></tr>\n");
        for frame in &profile.top {
            let _ = writeln!(
                out,
                "<tr><td class=\"num\">{:.1}%</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td><code>{}</code></td></tr>",
                frame.self_share * 100.0,
                frame.self_samples,
                frame.inclusive_samples,
                escape(&frame.name),
            );
        }
        out.push_str("</table>\n");
    }
}

fn heap_section(out: &mut String, scenario: &ScenarioResult) {
    if scenario.heap.is_empty() {
        return;
    }
    out.push_str("<h4>Heap profiles (a pass of their own, after the timed one)</h4>\n");
    for heap in &scenario.heap {
        if let Some(why) = &heap.error {
            let _ = writeln!(
                out,
                "<p><b>{}</b>: <span class=\"note\">no heap profile: {}</span></p>",
                escape(&heap.name),
                escape(why)
            );
            continue;
        }
        let _ = writeln!(
            out,
            "<p><b>{}</b>: peak heap {} MB; {:.0} bytes and {:.1} allocations per request over {} requests. {}</p>",
            escape(&heap.name),
            format_value(heap.peak_bytes as f64 / 1e6, "MB"),
            heap.bytes_per_request,
            heap.allocations_per_request,
            heap.requests,
            heap.dhat
                .as_ref()
                .map(|path| format!("<a href=\"{}\">dhat-heap.json</a>", escape(path)))
                .unwrap_or_default(),
        );
        if let Some(note) = &heap.note {
            let _ = writeln!(out, "<p class=\"note\">{}</p>", escape(note));
        }
        if heap.top_sites.is_empty() {
            continue;
        }
        out.push_str(
            "<table class=\"sites\">\n<tr><th>Bytes</th><th>Allocations</th><th>Site</th></tr>\n",
        );
        for site in &heap.top_sites {
            let _ = writeln!(
                out,
                "<tr><td class=\"num\">{}</td><td class=\"num\">{}</td><td><code>{}</code></td></tr>",
                site.bytes,
                site.allocations,
                escape(&site.site)
            );
        }
        out.push_str("</table>\n");
    }
}

#[cfg(test)]
mod tests;
