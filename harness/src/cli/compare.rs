//! `octoperf compare`: two runs or two sets of trials, each gated metric judged.

use super::args::CompareOpts;
use crate::exit;
use crate::runs;
use std::path::PathBuf;

pub(super) async fn compare_command(opts: &CompareOpts) -> u8 {
    let gate_path = opts.gate.clone().or_else(|| {
        let default = PathBuf::from("ci/gate.toml");
        default.is_file().then_some(default)
    });
    let gate = match &gate_path {
        Some(path) => match std::fs::read_to_string(path) {
            Ok(text) => match analysis::Gate::parse(&text, &path.display().to_string()) {
                Ok(gate) => gate,
                Err(message) => {
                    eprintln!("error: {message}");
                    return exit::BAD_INPUT;
                }
            },
            Err(error) => {
                eprintln!(
                    "error: cannot read the gate file {}: {error}",
                    path.display()
                );
                return exit::BAD_INPUT;
            }
        },
        None => analysis::Gate::default(),
    };
    if !["terminal", "md", "markdown", "json"].contains(&opts.format.as_str()) {
        eprintln!(
            "error: --format {:?}: expected terminal, md or json",
            opts.format
        );
        return exit::BAD_INPUT;
    }
    let plan = match opts
        .sequential
        .as_deref()
        .map(analysis::sequential::Plan::parse)
    {
        None => None,
        Some(Ok(plan)) => Some(plan),
        Some(Err(message)) => {
            eprintln!("error: --sequential {message}");
            return exit::BAD_INPUT;
        }
    };
    let store = opts.store.store(false);
    let (base, new) = match (
        runs::side(&opts.base, &store).await,
        runs::side(&opts.new, &store).await,
    ) {
        (Ok(base), Ok(new)) => (base, new),
        (Err(message), _) | (_, Err(message)) => {
            eprintln!("error: {message}");
            return exit::BAD_INPUT;
        }
    };
    let comparison = match plan {
        None => analysis::compare(&base, &new, &gate),
        Some(plan) => match analysis::compare::compare_at_look(&base, &new, &gate, plan) {
            Ok(comparison) => comparison,
            Err(message) => {
                eprintln!("error: --sequential: {message}");
                return exit::BAD_INPUT;
            }
        },
    };
    let rendered = match opts.format.as_str() {
        "md" | "markdown" => analysis::compare::render_markdown(&comparison),
        "json" => analysis::compare::render_json(&comparison),
        _ => analysis::compare::render_terminal(&comparison),
    };
    print!("{rendered}");
    if let Some(path) = &opts.markdown
        && let Err(error) = std::fs::write(path, analysis::compare::render_markdown(&comparison))
    {
        eprintln!("error: cannot write {}: {error}", path.display());
        return exit::ERROR;
    }
    match comparison.verdict {
        analysis::ChangeVerdict::Regressed => exit::FAIL,
        analysis::ChangeVerdict::Unknown => exit::INVALID,
        _ => exit::PASS,
    }
}
