//! `cargo xtask instructions`: the deterministic gate. Each hot-path workload runs under
//! callgrind twice, with 0 and with N iterations of the same setup; the difference over N is
//! the instructions of one iteration, which machine noise does not move. The counts are
//! checked against `benches/instructions.toml` (a rise over `--max-increase` percent fails),
//! and `--bless` writes them there.
//!
//! Why not gungraun (iai-callgrind's successor): it needs its runner installed at the very
//! version of the library (`cargo install gungraun-runner`), a second build of some minutes
//! on two cores in every clean CI run; the two runs and one subtraction here need only
//! valgrind, and count exactly the workloads the criterion benchmarks time.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use anyhow::Context;

/// Iterations counted per workload: enough that setup noise is far below a percent.
const ITERATIONS: u64 = 2000;

#[derive(Debug, clap::Args)]
pub struct InstructionsOpts {
    /// Write the counts into the baseline file instead of checking them.
    #[arg(long)]
    pub bless: bool,
    /// The largest rise over the baseline that passes, in percent.
    #[arg(long, default_value_t = 2.0)]
    pub max_increase: f64,
    /// The baseline file.
    #[arg(long, default_value = "benches/instructions.toml")]
    pub baseline: std::path::PathBuf,
    /// Only these workloads (repeatable) [default: all].
    #[arg(long = "workload", value_name = "NAME")]
    pub workloads: Vec<String>,
    /// Cargo features of the counter's build: `test-knobs` lets
    /// OCTOPERF_TEST_SCAN_SLOWDOWN=0.2 slow the Reflex scan down, to see the gate fail.
    #[arg(long, value_name = "LIST")]
    pub features: Option<String>,
}

#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct Baseline {
    /// Instructions per iteration, by workload.
    counts: BTreeMap<String, u64>,
}

/// Exit code of a count over its baseline.
const REGRESSED: u8 = 1;

pub fn instructions(root: &Path, opts: &InstructionsOpts) -> anyhow::Result<u8> {
    let valgrind = Command::new("valgrind").arg("--version").output();
    anyhow::ensure!(
        valgrind.is_ok_and(|o| o.status.success()),
        "valgrind is not installed: apt-get install -y valgrind"
    );
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    eprintln!("building the instruction counter (release)…");
    let mut build = Command::new(&cargo);
    build.current_dir(root).args([
        "build",
        "--release",
        "--package",
        "octoperf-benches",
        "--bin",
        "hot-paths-instructions",
    ]);
    if let Some(features) = &opts.features {
        build.args(["--features", features]);
    }
    let status = build
        .status()
        .with_context(|| format!("running {cargo} build"))?;
    anyhow::ensure!(status.success(), "the build failed ({status})");
    let bin = crate::target_dir(root).join("release/hot-paths-instructions");
    let baseline_path = root.join(&opts.baseline);
    let listed = Command::new(&bin)
        .output()
        .context("listing the workloads")?;
    let workloads: Vec<String> = String::from_utf8_lossy(&listed.stderr)
        .lines()
        .find_map(|line| line.strip_prefix("workloads: "))
        .context("the counter did not list its workloads")?
        .split(", ")
        .map(str::to_owned)
        .filter(|w| opts.workloads.is_empty() || opts.workloads.contains(w))
        .collect();
    anyhow::ensure!(!workloads.is_empty(), "--workload: no such workload");

    let scratch = tempfile_dir(root)?;
    let mut counts = BTreeMap::new();
    for workload in &workloads {
        let setup = count(&bin, workload, 0, &scratch)?;
        let with = count(&bin, workload, ITERATIONS, &scratch)?;
        let per_iteration = with.saturating_sub(setup) / ITERATIONS;
        eprintln!("  {workload:<36} {per_iteration:>12} instructions per iteration");
        counts.insert(workload.clone(), per_iteration);
    }

    if opts.bless {
        let mut previous = read_baseline(&baseline_path)
            .map(|b| b.counts)
            .unwrap_or_default();
        previous.extend(counts);
        let text = format!(
            "# Instructions per iteration of each hot-path workload under callgrind (valgrind\n\
             # {}), written by `cargo xtask instructions --bless`. Counts move with the code,\n\
             # the compiler and the dependencies, never with machine noise.\n\n{}",
            valgrind_version(),
            toml::to_string(&Baseline { counts: previous })?
        );
        std::fs::write(&baseline_path, text)
            .with_context(|| format!("writing {}", baseline_path.display()))?;
        println!("instructions: blessed into {}", baseline_path.display());
        return Ok(0);
    }

    let baseline = read_baseline(&baseline_path)?;
    let mut worst = 0;
    println!(
        "{:<36} {:>12} {:>12} {:>8}",
        "workload", "baseline", "now", "change"
    );
    for (workload, now) in &counts {
        let Some(before) = baseline.counts.get(workload) else {
            println!(
                "{workload:<36} {:>12} {now:>12}      new (bless to record it)",
                "-"
            );
            continue;
        };
        let change = (*now as f64 / (*before).max(1) as f64 - 1.0) * 100.0;
        let mark = if change > opts.max_increase {
            worst = REGRESSED;
            "  REGRESSED"
        } else if change < -opts.max_increase {
            "  improved (bless to keep it)"
        } else {
            ""
        };
        println!("{workload:<36} {before:>12} {now:>12} {change:>+7.2}%{mark}");
    }
    if worst == REGRESSED {
        println!(
            "instructions: a count rose more than {}% over {}",
            opts.max_increase,
            baseline_path.display()
        );
    } else {
        println!("instructions: every count within {}%", opts.max_increase);
    }
    Ok(worst)
}

/// The instructions callgrind counted in one run of the counter.
fn count(bin: &Path, workload: &str, iterations: u64, scratch: &Path) -> anyhow::Result<u64> {
    let out = scratch.join(format!("{workload}-{iterations}.callgrind"));
    let output = Command::new("valgrind")
        .args(["--tool=callgrind", "--quiet"])
        .arg(format!("--callgrind-out-file={}", out.display()))
        .arg(bin)
        .arg(workload)
        .arg(iterations.to_string())
        .output()
        .context("running valgrind")?;
    anyhow::ensure!(
        output.status.success(),
        "valgrind on {workload} failed: {}",
        String::from_utf8_lossy(&output.stderr).trim()
    );
    let text =
        std::fs::read_to_string(&out).with_context(|| format!("reading {}", out.display()))?;
    let total = text
        .lines()
        .find_map(|line| {
            line.strip_prefix("summary: ")
                .or_else(|| line.strip_prefix("totals: "))
        })
        .and_then(|n| n.split_whitespace().next()?.parse::<u64>().ok())
        .with_context(|| format!("{}: no instruction total", out.display()))?;
    let _ = std::fs::remove_file(&out);
    Ok(total)
}

fn read_baseline(path: &Path) -> anyhow::Result<Baseline> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading {} (run with --bless to write it)", path.display()))?;
    toml::from_str(&text)
        .with_context(|| format!("{}: not an instruction baseline", path.display()))
}

fn valgrind_version() -> String {
    Command::new("valgrind")
        .arg("--version")
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default()
}

fn tempfile_dir(root: &Path) -> anyhow::Result<std::path::PathBuf> {
    let dir = crate::target_dir(root).join("instructions");
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    Ok(dir)
}
