//! `octoperf render`: a saved `report.json` rendered again in any format.

use crate::exit;
use std::path::Path;

pub(super) fn render(path: &Path, format: &str) -> u8 {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(error) => {
            eprintln!("error: cannot read {}: {error}", path.display());
            return exit::BAD_INPUT;
        }
    };
    let report: reports::RunReport = match serde_json::from_str(&text) {
        Ok(report) => report,
        Err(error) => {
            eprintln!("error: {} is not a report: {error}", path.display());
            return exit::BAD_INPUT;
        }
    };
    let rendered = match format {
        "md" | "markdown" => reports::render_markdown(&report),
        "terminal" => reports::render_terminal(&report),
        "html" => reports::render_html(&report),
        "junit" => reports::render_junit(&report),
        other => {
            eprintln!("error: --format {other:?}: expected md, terminal, html or junit");
            return exit::BAD_INPUT;
        }
    };
    print!("{rendered}");
    exit::PASS
}
