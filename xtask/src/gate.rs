//! `cargo xtask gate --baseline REV`: A/B runs on one machine. The baseline revision is built
//! from a git worktree and the current tree beside it, each into a folder of binaries of its
//! own; then the chosen scenarios run interleaved, A B A B …, so that drift of the machine
//! hits both sides alike. At 7, 11 and 15 trials a side (`--min-trials`, `--look-every`,
//! `--max-trials`) `octoperf compare --sequential` looks at the trials at that look's share of
//! the error rate (alpha spending: see `analysis::sequential`), and the gate stops at the
//! first look that settles the question, at the last, or before a pair would end after
//! `--time-budget`. A trial the
//! machine disturbed (a pause the hiccup meter saw, a busy neighbour) is run again rather
//! than judged. Its exit code is the gate's: 0 no regression, 1 regressed, 3 unknown.
//! `--calibrate N` runs N gates of the current tree against itself and counts their answers.

mod looks;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::Context;

use looks::{Look, Outcome, Stop};

#[derive(Debug, clap::Args)]
pub struct GateOpts {
    /// The revision to compare against: a commit, a branch or a tag.
    #[arg(long, value_name = "REV", required_unless_present = "calibrate")]
    pub baseline: Option<String>,
    /// The scenarios to run (repeat for several) [default: reflex].
    #[arg(long = "scenario", value_name = "NAME")]
    pub scenarios: Vec<String>,
    /// Trials a side before the first look at them. Seven is the fewest pairs whose range can
    /// hold the sign test's interval at the first look's share of a 95% gate (98.4% > 97.7%).
    #[arg(long, default_value_t = 7, value_name = "N")]
    pub min_trials: usize,
    /// The most trials a side: the gate stops there with the answer it has ("unknown" when
    /// a gated metric is still unresolved).
    #[arg(long, default_value_t = 15, value_name = "N")]
    pub max_trials: usize,
    /// Trials a side between looks (the last look is at --max-trials). Fewer, larger steps
    /// give each look a share of the error rate the sign test can use: 7, 11, 15 by default.
    #[arg(long, default_value_t = 4, value_name = "N")]
    pub look_every: usize,
    /// A fixed design instead of sequential looks: exactly N trials a side, one look.
    #[arg(long, value_name = "N", conflicts_with_all = ["min_trials", "max_trials", "look_every"])]
    pub trials: Option<usize>,
    /// The most time the trials may take, builds not counted (as `15m`, `900s`): no pair of
    /// trials is begun that would end after it.
    #[arg(long, default_value = "15m", value_name = "DURATION")]
    pub time_budget: String,
    /// Calibrate instead: N gates of the current tree against itself (A/A; with
    /// `--new-features`/`--new-env`, against that variant of it), and how often each answer
    /// came, in calibration.md and calibration.json.
    #[arg(long, value_name = "N", conflicts_with = "baseline")]
    pub calibrate: Option<usize>,
    /// The gate file [default: ci/gate.toml].
    #[arg(long, value_name = "FILE")]
    pub gate: Option<PathBuf>,
    /// Output folder [default: target/gate/<baseline>-<time>].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Cargo features of the current tree's build, as `reflex/test-knobs` (tests of the gate
    /// itself use the test-only knobs this way).
    #[arg(long, value_name = "LIST")]
    pub new_features: Option<String>,
    /// An environment variable for the current tree's runs only, as KEY=VALUE (repeatable).
    #[arg(long, value_name = "KEY=VALUE")]
    pub new_env: Vec<String>,
}

/// What the gate was asked, checked before anything is built.
struct Inputs {
    new_env: Vec<(String, String)>,
    scenarios: Vec<String>,
    /// The baseline's commit; `None` when calibrating (the current tree on both sides).
    commit: Option<String>,
    out: PathBuf,
    gate_file: PathBuf,
    /// Trials a side: the first look, the last, and the step between looks.
    plan: (usize, usize, usize),
    budget: Duration,
}

/// How the trials of one gate are run: the same for every gate of a calibration.
struct Trials<'a> {
    root: &'a Path,
    octoperf: PathBuf,
    base_bins: PathBuf,
    new_bins: PathBuf,
    inputs: &'a Inputs,
}

/// A trial octoperf refused to run (exit 2): bad input, not a gate's answer.
#[derive(Debug)]
struct Refused(PathBuf);

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "octoperf refused its input (a scenario name?); see {}",
            self.0.display()
        )
    }
}

impl std::error::Error for Refused {}

/// A trial is run at most this many times when the machine disturbs it; the last is kept.
const ATTEMPTS: usize = 3;

/// Exit 0 when nothing regressed, 1 when a gated metric regressed, 2 on bad input (flags, the
/// baseline revision, the gate file, a scenario), 3 when the trials cannot tell.
pub fn gate(root: &Path, opts: &GateOpts) -> anyhow::Result<u8> {
    let inputs = match check(root, opts) {
        Ok(inputs) => inputs,
        Err(error) => {
            eprintln!("error: {error:#}");
            return Ok(crate::BAD_INPUT);
        }
    };
    let gate_dir = crate::target_dir(root).join("gate");
    // The measuring side is the same for both: the current tree's octoperf.
    crate::build_release(root, &["harness"])?;
    let target = gate_dir.join("target");
    let new_bins = build_side(
        root,
        &target,
        opts.new_features.as_deref(),
        &gate_dir.join("bin/new"),
    )?;
    let base_bins = match (&inputs.commit, &opts.new_features) {
        (Some(commit), _) => build_baseline(root, &gate_dir, commit, &target)?,
        // A/A: the very binaries of the new side.
        (None, None) => new_bins.clone(),
        (None, Some(_)) => build_side(root, &target, None, &gate_dir.join("bin/base"))?,
    };
    let trials = Trials {
        root,
        octoperf: crate::target_dir(root).join("release/octoperf"),
        base_bins,
        new_bins,
        inputs: &inputs,
    };
    let result = match opts.calibrate {
        Some(gates) => calibrate(&trials, gates),
        None => one_gate(&trials, &inputs.out).map(|outcome| outcome.exit_code()),
    };
    match result {
        Err(error) if error.downcast_ref::<Refused>().is_some() => {
            eprintln!("error: {error}");
            Ok(crate::BAD_INPUT)
        }
        other => other,
    }
}

/// One gate: pairs of trials until a look settles it or a budget runs out; its account in
/// `gate.json`, the last look in `compare.md` and `compare.json`.
fn one_gate(trials: &Trials, out: &Path) -> anyhow::Result<Outcome> {
    let inputs = trials.inputs;
    let (min, max, every) = inputs.plan;
    let looks_at = |n: usize| n >= min && ((n - min).is_multiple_of(every) || n == max);
    let points: Vec<String> = (min..=max)
        .filter(|&n| looks_at(n))
        .map(|n| n.to_string())
        .collect();
    eprintln!(
        "gate: trials of each side interleaved, looks at {} trials a side, at most {} of \
         trials; scenarios {}; output {}",
        points.join(", "),
        looks::minutes(inputs.budget.as_secs_f64()),
        inputs.scenarios.join(", "),
        out.display()
    );
    let started = Instant::now();
    let mut taken = Vec::new();
    let mut reruns = Vec::new();
    let mut slowest_pair = Duration::ZERO;
    let mut stop = Stop::MaxTrials;
    let mut n = 0;
    while n < max {
        n += 1;
        let pair = Instant::now();
        for side in ["base", "new"] {
            run_trial(trials, out, side, n, &mut reruns)?;
        }
        slowest_pair = slowest_pair.max(pair.elapsed());
        if looks_at(n) {
            let look = look(trials, out, n)?;
            let unresolved = look.unresolved();
            eprintln!(
                "gate: look at {n} trials a side ({:.2}% intervals): {}{}",
                look.confidence * 100.0,
                look.verdict.replace('_', " "),
                if unresolved.is_empty() {
                    String::new()
                } else {
                    format!("; unresolved: {}", unresolved.join(", "))
                }
            );
            let settled = look.settled();
            taken.push(look);
            if settled {
                stop = Stop::Answered;
                break;
            }
        }
        if n < max && started.elapsed() + slowest_pair > inputs.budget {
            stop = Stop::TimeBudget;
            break;
        }
    }
    let mut outcome = Outcome::new(taken, n, stop);
    outcome.seconds = started.elapsed().as_secs_f64();
    outcome.reruns = reruns;
    write_account(out, &outcome)?;
    eprintln!(
        "gate: {}
      {}
      {}",
        outcome.headline().to_uppercase(),
        out.join("compare.md").display(),
        out.join("gate.json").display()
    );
    Ok(outcome)
}

/// `gate.json`, and the gate's account at the end of `compare.md`.
fn write_account(out: &Path, outcome: &Outcome) -> anyhow::Result<()> {
    let json = serde_json::to_string_pretty(outcome)?;
    std::fs::write(out.join("gate.json"), json + "\n")
        .with_context(|| format!("writing {}", out.join("gate.json").display()))?;
    let markdown = out.join("compare.md");
    let mut text = std::fs::read_to_string(&markdown).unwrap_or_default();
    text.push_str(&outcome.markdown());
    std::fs::write(&markdown, text).with_context(|| format!("writing {}", markdown.display()))
}

/// Runs trial `n` of `side` into `out/side/trial-NN`; a trial the machine disturbed is moved
/// to `out/disturbed/` and run again, up to [`ATTEMPTS`] times.
fn run_trial(
    trials: &Trials,
    out: &Path,
    side: &str,
    n: usize,
    reruns: &mut Vec<String>,
) -> anyhow::Result<()> {
    let (bins, env) = match side {
        "base" => (&trials.base_bins, &[][..]),
        _ => (&trials.new_bins, &trials.inputs.new_env[..]),
    };
    let dir = out.join(side).join(format!("trial-{n:02}"));
    for attempt in 1..=ATTEMPTS {
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        let log_path = dir.join("octoperf.log");
        let log = std::fs::File::create(&log_path)
            .with_context(|| format!("creating {}", log_path.display()))?;
        let mut run = Command::new(&trials.octoperf);
        run.current_dir(trials.root)
            .args(["run", "--quick", "--no-history", "--quiet", "--bin-dir"])
            .arg(bins)
            .arg("--out")
            .arg(&dir)
            .envs(env.iter().map(|(k, v)| (k, v)))
            .stdout(std::process::Stdio::null())
            .stderr(log);
        for scenario in &trials.inputs.scenarios {
            run.args(["--scenario", scenario]);
        }
        let status = run.status().context("running octoperf")?;
        let verdict = match status.code() {
            Some(0) => "pass",
            Some(1) => "fail",
            Some(3) => "INVALID (the comparison will say so)",
            Some(2) => return Err(Refused(log_path).into()),
            other => anyhow::bail!(
                "trial {n} of {side} stopped: octoperf exited with {other:?}; see {}",
                log_path.display()
            ),
        };
        let report = std::fs::read_to_string(dir.join("report.json"))
            .ok()
            .and_then(|text| serde_json::from_str(&text).ok())
            .unwrap_or(serde_json::Value::Null);
        match looks::disturbance(&report) {
            Some(reason) if attempt < ATTEMPTS => {
                let aside = out
                    .join("disturbed")
                    .join(format!("{side}-trial-{n:02}-{attempt}"));
                std::fs::create_dir_all(out.join("disturbed"))?;
                std::fs::rename(&dir, &aside)
                    .with_context(|| format!("moving {} aside", dir.display()))?;
                eprintln!("gate: trial {n} {side:<4} disturbed ({reason}): run again");
                reruns.push(format!("{side} trial {n}: {reason}"));
            }
            Some(reason) => {
                eprintln!(
                    "gate: trial {n} {side:<4} {verdict}, disturbed {ATTEMPTS} times \
                     ({reason}): kept"
                );
                return Ok(());
            }
            None => {
                eprintln!("gate: trial {n} {side:<4} {verdict}");
                return Ok(());
            }
        }
    }
    Ok(())
}

/// Looks at `n` trials a side: `octoperf compare --sequential`, its Markdown into
/// `compare.md` and its JSON into `compare.json`.
fn look(trials: &Trials, out: &Path, n: usize) -> anyhow::Result<Look> {
    let (min, max, every) = trials.inputs.plan;
    let output = Command::new(&trials.octoperf)
        .current_dir(trials.root)
        .arg("compare")
        .arg(out.join("base"))
        .arg(out.join("new"))
        .arg("--gate")
        .arg(&trials.inputs.gate_file)
        .arg("--sequential")
        .arg(format!("{min}..{max}/{every}"))
        .args(["--format", "json", "--markdown"])
        .arg(out.join("compare.md"))
        .output()
        .context("running octoperf compare")?;
    anyhow::ensure!(
        matches!(output.status.code(), Some(0 | 1 | 3)),
        "octoperf compare failed ({}): {}",
        output.status,
        String::from_utf8_lossy(&output.stderr).trim()
    );
    std::fs::write(out.join("compare.json"), &output.stdout)
        .with_context(|| format!("writing {}", out.join("compare.json").display()))?;
    Look::parse(n, &String::from_utf8_lossy(&output.stdout)).map_err(anyhow::Error::msg)
}

/// `--calibrate N`: N gates one after the other, their answers counted.
fn calibrate(trials: &Trials, gates: usize) -> anyhow::Result<u8> {
    let out = &trials.inputs.out;
    let what = if trials.inputs.new_env.is_empty() && trials.base_bins == trials.new_bins {
        "A/A, the same build on both sides".to_owned()
    } else {
        let env: Vec<String> = trials
            .inputs
            .new_env
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        format!("the current tree against its variant ({})", env.join(" "))
    };
    let mut outcomes = Vec::new();
    for i in 1..=gates {
        eprintln!("calibrate: gate {i} of {gates} ({what})");
        let outcome = one_gate(trials, &out.join(format!("gate-{i:02}")))?;
        eprintln!("calibrate: gate {i} of {gates}: {}", outcome.headline());
        outcomes.push(outcome);
        let markdown = looks::calibration_markdown(&what, &outcomes);
        std::fs::write(out.join("calibration.md"), &markdown)?;
        std::fs::write(
            out.join("calibration.json"),
            serde_json::to_string_pretty(&outcomes)? + "\n",
        )?;
    }
    eprint!("{}", looks::calibration_markdown(&what, &outcomes));
    eprintln!("calibrate: {}", out.join("calibration.md").display());
    Ok(0)
}

/// Checks the baseline out into a worktree of its own and builds its services; returns the
/// folder of its binaries.
fn build_baseline(
    root: &Path,
    gate_dir: &Path,
    commit: &str,
    target: &Path,
) -> anyhow::Result<PathBuf> {
    let worktree = gate_dir.join("worktree");
    if worktree.join(".git").exists() {
        git(&worktree, &["checkout", "--quiet", "--detach", commit])?;
    } else {
        std::fs::create_dir_all(gate_dir)?;
        // A worktree whose folder went with `cargo clean` is still registered: forget it.
        git(root, &["worktree", "prune"])?;
        git(
            root,
            &[
                "worktree",
                "add",
                "--force",
                "--detach",
                &worktree.display().to_string(),
                commit,
            ],
        )?;
    }
    build_side(&worktree, target, None, &gate_dir.join("bin/base"))
}

/// Builds the services of the tree at `tree` into `target`, then copies them into `bins`
/// (both sides share the target folder's dependencies; each keeps its own binaries).
fn build_side(
    tree: &Path,
    target: &Path,
    features: Option<&str>,
    bins: &Path,
) -> anyhow::Result<PathBuf> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    eprintln!(
        "gate: building the services of {} (release)…",
        tree.display()
    );
    let mut command = Command::new(&cargo);
    command
        .current_dir(tree)
        .args([
            "build",
            "--release",
            "--package",
            "reflex",
            "--package",
            "orchestrator",
            "--package",
            "arms",
        ])
        .arg("--target-dir")
        .arg(target);
    if let Some(features) = features {
        command.args(["--features", features]);
    }
    let status = command
        .status()
        .with_context(|| format!("running {cargo} build in {}", tree.display()))?;
    anyhow::ensure!(
        status.success(),
        "the build of {} failed ({status})",
        tree.display()
    );
    std::fs::create_dir_all(bins)?;
    for bin in ["reflex", "orchestrator", "arm"] {
        let from = target.join("release").join(bin);
        std::fs::copy(&from, bins.join(bin))
            .with_context(|| format!("copying {} into {}", from.display(), bins.display()))?;
    }
    Ok(bins.to_path_buf())
}

fn git(dir: &Path, args: &[&str]) -> anyhow::Result<String> {
    let output = Command::new("git")
        .current_dir(dir)
        .args(args)
        .output()
        .context("running git")?;
    anyhow::ensure!(
        output.status.success(),
        "git {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&output.stderr).trim()
    );
    Ok(String::from_utf8_lossy(&output.stdout).trim().to_owned())
}

/// The gate's flags checked: each error names the flag at fault.
fn check(root: &Path, opts: &GateOpts) -> anyhow::Result<Inputs> {
    let plan = match opts.trials {
        Some(trials) => {
            anyhow::ensure!(trials >= 2, "--trials {trials}: at least 2");
            (trials, trials, 1)
        }
        None => {
            anyhow::ensure!(
                opts.min_trials >= 2,
                "--min-trials {}: at least 2 (a bootstrap needs two trials a side)",
                opts.min_trials
            );
            anyhow::ensure!(
                opts.max_trials >= opts.min_trials,
                "--max-trials {}: at least --min-trials ({})",
                opts.max_trials,
                opts.min_trials
            );
            anyhow::ensure!(
                opts.look_every >= 1,
                "--look-every {}: at least 1",
                opts.look_every
            );
            (opts.min_trials, opts.max_trials, opts.look_every)
        }
    };
    let budget = humantime::parse_duration(&opts.time_budget)
        .map_err(|error| anyhow::anyhow!("--time-budget {:?}: {error}", opts.time_budget))?;
    anyhow::ensure!(
        budget >= Duration::from_secs(10),
        "--time-budget {}: at least 10s",
        opts.time_budget
    );
    if let Some(gates) = opts.calibrate {
        anyhow::ensure!(gates >= 1, "--calibrate {gates}: at least 1");
    }
    let mut new_env = Vec::new();
    for pair in &opts.new_env {
        let (key, value) = pair
            .split_once('=')
            .with_context(|| format!("--new-env {pair:?}: expected KEY=VALUE"))?;
        new_env.push((key.to_owned(), value.to_owned()));
    }
    let scenarios = if opts.scenarios.is_empty() {
        vec!["reflex".to_owned()]
    } else {
        opts.scenarios.clone()
    };
    let gate_dir = crate::target_dir(root).join("gate");
    let commit = match &opts.baseline {
        Some(baseline) => Some(
            git(
                root,
                &["rev-parse", "--verify", &format!("{baseline}^{{commit}}")],
            )
            .with_context(|| format!("--baseline {baseline}: not a revision of this repository"))?,
        ),
        None => None,
    };
    let name = match &commit {
        Some(commit) => commit[..12.min(commit.len())].to_owned(),
        None => "calibrate".to_owned(),
    };
    let out = match &opts.out {
        Some(out) => std::env::current_dir()?.join(out),
        None => {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs());
            gate_dir.join(format!("{name}-{now}"))
        }
    };
    let gate_file = opts
        .gate
        .clone()
        .unwrap_or_else(|| root.join("ci/gate.toml"));
    anyhow::ensure!(
        gate_file.is_file(),
        "--gate {}: no such file",
        gate_file.display()
    );

    Ok(Inputs {
        new_env,
        scenarios,
        commit,
        out,
        gate_file,
        plan,
        budget,
    })
}
