//! Profiles as files: each process's gzipped pprof protobuf as taken, its folded stacks, its
//! flamegraph SVG (inferno), and, against a baseline run's folded stacks, a differential
//! flamegraph (inferno's differential folding: red frames grew, blue ones shrank, widths are
//! this run's).

use std::io::BufReader;
use std::path::Path;

use reports::{ProfileFrame, ProfileResult};

use crate::observe::profile::Taken;

/// Frames listed per profile in the report, by self samples (`go tool pprof -top`).
const TOP_FRAMES: usize = 12;

/// A flamegraph SVG of folded stacks (`stack count` lines).
pub fn flamegraph_svg(folded: &str, title: &str, subtitle: &str) -> std::io::Result<Vec<u8>> {
    let mut options = inferno::flamegraph::Options::default();
    title.clone_into(&mut options.title);
    options.subtitle = Some(subtitle.to_owned());
    options.count_name = "samples".into();
    // The same function gets the same colour in every graph, so two runs compare by eye.
    options.hash = true;
    options.deterministic = true;
    let mut svg = Vec::new();
    inferno::flamegraph::from_lines(&mut options, folded.lines(), &mut svg)
        .map_err(std::io::Error::other)?;
    Ok(svg)
}

/// A differential flamegraph from a baseline's folded stacks and this run's: the baseline is
/// scaled to this run's total samples, so a frame's colour says whether its share grew (red) or
/// shrank (blue).
pub fn differential_svg(
    before: &str,
    after: &str,
    title: &str,
    subtitle: &str,
) -> std::io::Result<Vec<u8>> {
    let mut diff = Vec::new();
    inferno::differential::from_readers(
        inferno::differential::Options {
            normalize: true,
            strip_hex: true,
        },
        BufReader::new(before.as_bytes()),
        BufReader::new(after.as_bytes()),
        &mut diff,
    )?;
    let diff = String::from_utf8_lossy(&diff);
    flamegraph_svg(&diff, title, subtitle)
}

/// Writes every profile taken over a scenario's window under `dir` (`<name>.pb.gz`,
/// `<name>.folded`, `<name>.svg`) and describes each for the report, paths relative to
/// `out_dir`. A profile that could not be taken or written is described with its error.
pub fn write_profiles(
    taken: Vec<Taken>,
    scenario: &str,
    dir: &Path,
    out_dir: &Path,
) -> Vec<ProfileResult> {
    if taken.is_empty() {
        return Vec::new();
    }
    if let Err(error) = std::fs::create_dir_all(dir) {
        eprintln!("warning: cannot create {}: {error}", dir.display());
    }
    taken
        .into_iter()
        .map(|taken| {
            let mut result = ProfileResult {
                component: taken.process.component.clone(),
                name: taken.process.name.clone(),
                ..ProfileResult::default()
            };
            if let Err(why) = write_one(&mut result, taken.pprof, scenario, dir, out_dir) {
                eprintln!("warning: no CPU profile of {}: {why}", result.name);
                result.error = Some(why);
            }
            result
        })
        .collect()
}

fn write_one(
    result: &mut ProfileResult,
    pprof: Result<Vec<u8>, String>,
    scenario: &str,
    dir: &Path,
    out_dir: &Path,
) -> Result<(), String> {
    let pprof = pprof?;
    let relative = |path: &Path| {
        path.strip_prefix(out_dir)
            .unwrap_or(path)
            .display()
            .to_string()
    };
    let write = |path: &Path, bytes: &[u8]| {
        std::fs::write(path, bytes).map_err(|error| format!("writing {}: {error}", path.display()))
    };
    let pprof_path = dir.join(format!("{}.pb.gz", result.name));
    write(&pprof_path, &pprof)?;
    result.pprof = Some(relative(&pprof_path));
    let folded = profiling::fold(&pprof).map_err(|error| error.to_string())?;
    result.samples = folded.total_samples();
    result.frequency_hz = folded.frequency.unwrap_or(0.0);
    result.top = top_frames(&folded);
    let text = folded.to_text();
    let folded_path = dir.join(format!("{}.folded", result.name));
    write(&folded_path, text.as_bytes())?;
    result.folded = Some(relative(&folded_path));
    if folded.lines.is_empty() {
        // An idle process (an arm no request of the scenario reached): nothing to draw.
        return Ok(());
    }
    let svg = flamegraph_svg(
        &text,
        &format!("{}: {} (CPU)", scenario, result.name),
        &format!(
            "{} samples at {:.0} Hz over the measured window; {}",
            result.samples,
            result.frequency_hz,
            profiling::LIMITS
        ),
    )
    .map_err(|error| format!("drawing the flamegraph: {error}"))?;
    let svg_path = dir.join(format!("{}.svg", result.name));
    write(&svg_path, &svg)?;
    result.flamegraph = Some(relative(&svg_path));
    Ok(())
}

/// The frames with the most self samples, as `go tool pprof -top` lists them.
pub fn top_frames(folded: &profiling::Folded) -> Vec<ProfileFrame> {
    let total = folded.total_samples().max(1) as f64;
    folded
        .self_samples()
        .into_iter()
        .take(TOP_FRAMES)
        .map(|(name, self_samples)| ProfileFrame {
            inclusive_samples: folded.inclusive(&name),
            name,
            self_share: self_samples as f64 / total,
            self_samples,
        })
        .collect()
}

#[cfg(test)]
mod tests;

/// Draws a differential flamegraph (`<name>.diff.svg`, beside the flamegraph) for every profile
/// of `result` whose process the baseline run profiled in the same scenario too. `baseline` is
/// the baseline's `report.json`; its folded stacks are found relative to it. What cannot be
/// drawn is said on stderr, and the run goes on.
pub fn draw_differentials(result: &mut reports::ScenarioResult, baseline: &Path, out_dir: &Path) {
    let base_dir = baseline.parent().unwrap_or(Path::new("."));
    let report = match std::fs::read_to_string(baseline)
        .map_err(|error| error.to_string())
        .and_then(|text| {
            serde_json::from_str::<reports::RunReport>(&text).map_err(|error| error.to_string())
        }) {
        Ok(report) => report,
        Err(why) => {
            eprintln!(
                "warning: baseline {}: {why}; no differential flamegraphs",
                baseline.display()
            );
            return;
        }
    };
    let Some(before) = report.scenarios.iter().find(|s| s.name == result.name) else {
        eprintln!(
            "warning: baseline {} has no scenario {:?}; no differential flamegraphs",
            baseline.display(),
            result.name
        );
        return;
    };
    for profile in &mut result.profiles {
        let (Some(after_path), Some(svg_path)) = (&profile.folded, &profile.flamegraph) else {
            continue;
        };
        let Some(before_path) = before
            .profiles
            .iter()
            .find(|p| p.name == profile.name)
            .and_then(|p| p.folded.as_ref())
        else {
            eprintln!(
                "warning: baseline {} has no CPU profile of {} in {}",
                baseline.display(),
                profile.name,
                result.name
            );
            continue;
        };
        let read = |path: &Path| {
            std::fs::read_to_string(path).map_err(|error| format!("{}: {error}", path.display()))
        };
        let drawn = read(&base_dir.join(before_path)).and_then(|before| {
            let after = read(&out_dir.join(after_path))?;
            differential_svg(
                &before,
                &after,
                &format!("{}: {} (CPU), against {}", result.name, profile.name, report.run_id),
                "red: a larger share of CPU samples than in the baseline; blue: smaller; widths are this run's",
            )
            .map_err(|error| error.to_string())
        });
        let diff_path = svg_path.replace(".svg", ".diff.svg");
        match drawn.and_then(|svg| {
            std::fs::write(out_dir.join(&diff_path), svg).map_err(|error| error.to_string())
        }) {
            Ok(()) => profile.differential = Some(diff_path),
            Err(why) => eprintln!(
                "warning: no differential flamegraph of {}: {why}",
                profile.name
            ),
        }
    }
}

/// Writes a window's CPU profiles (and differentials against a baseline report) into the
/// result; returns each profiled service's profiler footprint, to leave out of its memory.
pub(crate) fn keep_profiles(
    taken: Vec<Taken>,
    (scenario, run_dir): (&str, &Path),
    (out_dir, baseline): (&Path, Option<&Path>),
    result: &mut reports::ScenarioResult,
) -> Vec<(String, u64)> {
    let footprints = taken
        .iter()
        .filter_map(|t| Some((t.process.name.clone(), t.profiler_rss_bytes?)))
        .collect();
    result.profiles = write_profiles(taken, scenario, &run_dir.join("profiles"), out_dir);
    if let Some(baseline) = baseline {
        draw_differentials(result, baseline, out_dir);
    }
    footprints
}
