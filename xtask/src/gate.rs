//! `cargo xtask gate --baseline REV`: A/B runs on one machine. The baseline revision is built
//! from a git worktree and the current tree beside it, each into a folder of binaries of its
//! own; then the chosen scenarios run interleaved, A B A B …, so that drift of the machine
//! hits both sides alike, and `octoperf compare` judges the trials under the gate file. Its
//! exit code is the gate's: 0 no regression, 1 regressed, 3 unknown (run more trials).

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::Context;

#[derive(Debug, clap::Args)]
pub struct GateOpts {
    /// The revision to compare against: a commit, a branch or a tag.
    #[arg(long, value_name = "REV")]
    pub baseline: String,
    /// The scenarios to run (repeat for several) [default: reflex].
    #[arg(long = "scenario", value_name = "NAME")]
    pub scenarios: Vec<String>,
    /// Trials of each side.
    #[arg(long, default_value_t = 5)]
    pub trials: usize,
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
    commit: String,
    out: std::path::PathBuf,
    gate_file: std::path::PathBuf,
}

/// Exit 0 when nothing regressed, 1 when a gated metric regressed, 2 on bad input (flags, the
/// baseline revision, the gate file, a scenario), 3 when the trials cannot tell.
pub fn gate(root: &Path, opts: &GateOpts) -> anyhow::Result<u8> {
    let Inputs {
        new_env,
        scenarios,
        commit,
        out,
        gate_file,
    } = match check(root, opts) {
        Ok(inputs) => inputs,
        Err(error) => {
            eprintln!("error: {error:#}");
            return Ok(crate::BAD_INPUT);
        }
    };
    let gate_dir = crate::target_dir(root).join("gate");
    let short = &commit[..12.min(commit.len())];
    // The measuring side is the same for both: the current tree's octoperf.
    crate::build_release(root, &["harness"])?;
    let octoperf = crate::target_dir(root).join("release/octoperf");
    let target = gate_dir.join("target");
    let base_bins = build_baseline(root, &gate_dir, &commit, &target)?;
    let new_bins = build_side(
        root,
        &target,
        opts.new_features.as_deref(),
        &gate_dir.join("bin/new"),
    )?;

    eprintln!(
        "gate: {} trials of each side, interleaved, scenarios {}; baseline {short}, output {}",
        opts.trials,
        scenarios.join(", "),
        out.display()
    );
    for trial in 1..=opts.trials {
        for (side, bins, env) in [
            ("base", &base_bins, &[][..]),
            ("new", &new_bins, &new_env[..]),
        ] {
            let dir = out.join(side).join(format!("trial-{trial:02}"));
            std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
            let log = std::fs::File::create(dir.join("octoperf.log"))
                .with_context(|| format!("creating {}", dir.join("octoperf.log").display()))?;
            let mut run = Command::new(&octoperf);
            run.current_dir(root)
                .args(["run", "--quick", "--no-history", "--quiet", "--bin-dir"])
                .arg(bins)
                .arg("--out")
                .arg(&dir)
                .envs(env.iter().map(|(k, v)| (k, v)))
                .stdout(std::process::Stdio::null())
                .stderr(log);
            for scenario in &scenarios {
                run.args(["--scenario", scenario]);
            }
            let status = run.status().context("running octoperf")?;
            let verdict = match status.code() {
                Some(0) => "pass",
                Some(1) => "fail",
                Some(3) => "INVALID (the comparison will say so)",
                Some(2) => {
                    eprintln!(
                        "error: octoperf refused its input (a scenario name?); see {}",
                        dir.join("octoperf.log").display()
                    );
                    return Ok(crate::BAD_INPUT);
                }
                other => anyhow::bail!(
                    "trial {trial} of {side} stopped: octoperf exited with {other:?}; see {}",
                    dir.join("octoperf.log").display()
                ),
            };
            eprintln!("gate: trial {trial}/{} {side:<4} {verdict}", opts.trials);
        }
    }
    let status = Command::new(&octoperf)
        .current_dir(root)
        .arg("compare")
        .arg(out.join("base"))
        .arg(out.join("new"))
        .arg("--gate")
        .arg(&gate_file)
        .arg("--markdown")
        .arg(out.join("compare.md"))
        .status()
        .context("running octoperf compare")?;
    let json = Command::new(&octoperf)
        .current_dir(root)
        .arg("compare")
        .arg(out.join("base"))
        .arg(out.join("new"))
        .arg("--gate")
        .arg(&gate_file)
        .args(["--format", "json"])
        .output()
        .context("running octoperf compare")?;
    std::fs::write(out.join("compare.json"), &json.stdout)
        .with_context(|| format!("writing {}", out.join("compare.json").display()))?;
    eprintln!(
        "gate: {}\n      {}",
        out.join("compare.md").display(),
        out.join("compare.json").display()
    );
    Ok(status
        .code()
        .and_then(|c| u8::try_from(c).ok())
        .unwrap_or(crate::BUILD_FAILED))
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
    anyhow::ensure!(opts.trials >= 2, "--trials {}: at least 2", opts.trials);
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
    let commit = git(
        root,
        &[
            "rev-parse",
            "--verify",
            &format!("{}^{{commit}}", opts.baseline),
        ],
    )
    .with_context(|| {
        format!(
            "--baseline {}: not a revision of this repository",
            opts.baseline
        )
    })?;
    let short = &commit[..12.min(commit.len())];
    let out = match &opts.out {
        Some(out) => std::env::current_dir()?.join(out),
        None => {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs());
            gate_dir.join(format!("{short}-{now}"))
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
    })
}
