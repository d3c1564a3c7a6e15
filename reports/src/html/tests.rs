//! The HTML report in a real browser (headless Chromium): every budget row present with its
//! verdict, every plot drawn with a non-empty box, and no console error. Skipped, saying so,
//! when no browser is installed, except under `CI=true`.

use std::path::{Path, PathBuf};
use std::process::Command;

use hdrhistogram::Histogram;
use hdrhistogram::serialization::{Serializer, V2DeflateSerializer};

use super::*;
use crate::tests::sample;
use crate::{IntervalPoint, ProcessSample, ProfileFrame, ProfileResult, SeriesTimeline};

fn encoded(values_us: impl Iterator<Item = u64>) -> String {
    use base64::Engine;
    let mut histogram = Histogram::<u64>::new_with_bounds(1, 3_600_000_000, 3).unwrap();
    for value in values_us {
        histogram.record(value).unwrap();
    }
    let mut bytes = Vec::new();
    V2DeflateSerializer::new()
        .serialize(&histogram, &mut bytes)
        .unwrap();
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// The sample run with everything a full run records: histograms, intervals, resources over
/// time and CPU profiles.
pub(crate) fn rich_sample() -> RunReport {
    let mut report = sample();
    let scenario = &mut report.scenarios[0];
    let request = &mut scenario.requests[0];
    request.latency_histogram = encoded((0..20_000u64).map(|i| 300 + (i * 7919) % 2_000));
    request.service_time_histogram = encoded((0..20_000u64).map(|i| 150 + (i * 104_729) % 900));
    scenario.timeline = vec![SeriesTimeline {
        kind: "reflex_process".into(),
        interval_seconds: 1.0,
        points: (0..8u32)
            .map(|t| IntervalPoint {
                t: f64::from(t),
                offered_per_second: Some(10_000.0),
                answered_per_second: 9_990.0 + f64::from(t),
                p50_us: 500 + u64::from(t) * 10,
                p99_us: 1_200 + u64::from(t) * 30,
                max_us: 3_000 + u64::from(t) * 200,
                errors: 0,
            })
            .collect(),
    }];
    scenario.processes[0].samples = (1..=8u32)
        .map(|t| ProcessSample {
            t: f64::from(t),
            cpu_cores: 0.2 + f64::from(t) / 100.0,
            rss_bytes: 12_000_000 + u64::from(t) * 50_000,
        })
        .collect();
    scenario.profiles = vec![ProfileResult {
        component: "reflex".into(),
        name: "reflex".into(),
        pprof: Some("reflex/profiles/reflex.pb.gz".into()),
        folded: Some("reflex/profiles/reflex.folded".into()),
        flamegraph: Some("reflex/profiles/reflex.svg".into()),
        differential: None,
        samples: 480,
        frequency_hz: 250.0,
        top: vec![ProfileFrame {
            name: "reflex::detect::scan".into(),
            self_samples: 40,
            self_share: 40.0 / 480.0,
            inclusive_samples: 120,
        }],
        error: None,
    }];
    report.rows[0].artifacts.push(crate::Artifact {
        kind: "flamegraph".into(),
        path: "reflex/profiles/reflex.svg".into(),
    });
    report
}

#[test]
fn every_row_links_its_evidence_and_every_plot_is_inline() {
    let html = render_html(&rich_sample());
    assert!(html.contains("<a href=\"reflex/profiles/reflex.svg\">reflex flamegraph</a>"));
    assert_eq!(html.matches("<tr class=").count(), 4);
    // Margins, latency over time, spectrum, resources: each an inline SVG, none an error.
    assert_eq!(html.matches("<figure class=\"plot\"").count(), 4);
    assert_eq!(html.matches("<svg").count(), 4);
    assert!(!html.contains("plot not drawn"), "{html}");
    // Self-contained: nothing to fetch.
    for fetched in ["<script", "<link", "src=\"http", "@import"] {
        assert!(
            !html.contains(fetched),
            "the page fetches or runs {fetched}"
        );
    }
}

/// Injected before anything else in the page: records every error and console error.
const RECORDER: &str = "<script>window.__octoperf_errors=[];\
window.addEventListener('error',e=>window.__octoperf_errors.push(String(e.message||(e.target&&(e.target.src||e.target.href))||'error')),true);\
const __ce=console.error;console.error=(...a)=>{window.__octoperf_errors.push(a.join(' '));__ce(...a)};</script>";

/// Injected at the end: once loaded, writes what it found into the page, as JSON.
const CHECKER: &str = "<script>window.addEventListener('load',()=>{\
const rows=[...document.querySelectorAll('tr[data-row]')].map(r=>[r.dataset.row,r.children[5].textContent]);\
const plots=[...document.querySelectorAll('figure.plot')].map(f=>{const s=f.querySelector('svg');if(!s)return [f.dataset.plot,0,0,0,0];\
const r=s.getBoundingClientRect();const b=s.getBBox();return [f.dataset.plot,r.width,r.height,b.width,b.height]});\
const p=document.createElement('pre');p.id='octoperf-check';\
p.textContent=JSON.stringify({rows,plots,errors:window.__octoperf_errors});document.body.appendChild(p);});</script>";

/// The browser, or why the test cannot run here.
fn chromium() -> Option<PathBuf> {
    let found = ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|name| Command::new(name).arg("--version").output().is_ok())
        .map(PathBuf::from);
    if found.is_none() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "no headless browser: install Debian's chromium (.ci/run does)"
        );
        eprintln!("skipped: no chromium installed (apt-get install -y chromium)");
    }
    found
}

#[derive(Debug, serde::Deserialize)]
struct Checked {
    rows: Vec<(String, String)>,
    plots: Vec<(String, f64, f64, f64, f64)>,
    errors: Vec<String>,
}

/// Loads `html` in headless Chromium with the recorder and checker injected; returns what the
/// checker found and the console lines Chromium logged.
fn load(browser: &Path, html: &str) -> (Checked, Vec<String>) {
    let dir = tempfile::tempdir().unwrap();
    let page = html
        .replacen("<head>", &format!("<head>{RECORDER}"), 1)
        .replacen("</body>", &format!("{CHECKER}</body>"), 1);
    let file = dir.path().join("report.html");
    std::fs::write(&file, page).unwrap();
    let output = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--enable-logging=stderr",
            "--v=0",
            "--virtual-time-budget=5000",
        ])
        .arg(format!(
            "--user-data-dir={}",
            dir.path().join("profile").display()
        ))
        .arg("--dump-dom")
        .arg(format!("file://{}", file.display()))
        .output()
        .unwrap();
    assert!(output.status.success(), "chromium failed: {output:?}");
    let dom = String::from_utf8_lossy(&output.stdout);
    let json = dom
        .split("<pre id=\"octoperf-check\">")
        .nth(1)
        .and_then(|rest| rest.split("</pre>").next())
        .unwrap_or_else(|| panic!("the checker did not run: {dom}"));
    let json = json
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    let checked: Checked = serde_json::from_str(&json).unwrap();
    let console = String::from_utf8_lossy(&output.stderr)
        .lines()
        .filter(|line| line.contains("CONSOLE"))
        .map(str::to_owned)
        .collect();
    (checked, console)
}

#[test]
fn report_html_renders_in_a_headless_browser() {
    let Some(browser) = chromium() else { return };
    let report = rich_sample();
    let (checked, console) = load(&browser, &render_html(&report));
    // Every row, with its verdict.
    assert_eq!(checked.rows.len(), report.rows.len(), "{checked:?}");
    for row in &report.rows {
        let id = format!("{}.{}", crate::junit::row_id(row), row.metric);
        let (_, verdict) = checked
            .rows
            .iter()
            .find(|(found, _)| *found == id)
            .unwrap_or_else(|| panic!("row {id} is missing: {checked:?}"));
        assert!(
            verdict.starts_with(crate::render::target_word(row.verdict)),
            "{id}: {verdict}"
        );
    }
    // Every plot drawn, with something in it.
    assert_eq!(checked.plots.len(), 4, "{checked:?}");
    for (name, width, height, drawn_width, drawn_height) in &checked.plots {
        assert!(
            *width > 100.0 && *height > 50.0 && *drawn_width > 100.0 && *drawn_height > 50.0,
            "plot {name} is empty: {width}×{height}, drawn {drawn_width}×{drawn_height}"
        );
    }
    assert!(checked.errors.is_empty(), "errors: {:?}", checked.errors);
    assert!(console.is_empty(), "console: {console:?}");
}

#[test]
fn the_browser_check_sees_an_empty_plot_and_a_console_error() {
    // The check above can fail: a page with an empty plot and a script error is caught.
    let Some(browser) = chromium() else { return };
    let html = render_html(&rich_sample()).replacen(
        "</body>",
        "<figure class=\"plot\" data-plot=\"empty\"><svg width=\"0\" height=\"0\"></svg></figure><script>console.error('broken')</script></body>",
        1,
    );
    let (checked, console) = load(&browser, &html);
    let empty = checked.plots.iter().find(|p| p.0 == "empty").unwrap();
    assert_eq!((empty.1, empty.2), (0.0, 0.0));
    assert_eq!(checked.errors, ["broken"]);
    assert!(!console.is_empty());
}
