//! The harness end to end: the `octoperf` binary's exit codes on bad input, and whole runs of
//! a tiny stack (teardown, Ctrl-C). The engine's own truth is tested in `loadgen`.
//!
//! The stack tests start the real runtime binaries, found beside `octoperf` in the target
//! folder; `cargo test --workspace` (or nextest) builds them.

mod octollm;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn octoperf() -> Command {
    Command::new(env!("CARGO_BIN_EXE_octoperf"))
}

const GOOD_BUDGETS: &str = "../scenarios/budgets.toml";

fn budgets_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(GOOD_BUDGETS)
}

#[test]
fn a_broken_scenario_file_exits_2_naming_file_line_and_field() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("broken.toml"),
        "description = \"x\"\nmeasures = [\"latency.reflex\"]\n[stack]\nstart = [\"reflex\"]\n[load]\nmodel = \"open\"\nrate = \"many/s\"\nwarmup = \"1s\"\nduration = \"1s\"\n[[requests]]\nkind = \"reflex_process\"\n",
    )
    .unwrap();
    for subcommand in ["check", "run"] {
        let mut command = octoperf();
        command
            .arg(subcommand)
            .arg("--scenarios-dir")
            .arg(dir.path())
            .arg("--budgets")
            .arg(budgets_path());
        if subcommand == "run" {
            command.arg("--out").arg(dir.path().join("out"));
        }
        let output = command.output().unwrap();
        assert_eq!(output.status.code(), Some(2), "{subcommand}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains("broken.toml:7: invalid rate \"many/s\""),
            "{stderr}"
        );
        assert!(stderr.contains("7 | rate = \"many/s\""), "{stderr}");
    }
    // Nothing started, nothing written.
    assert!(!dir.path().join("out").exists());

    let unknown = octoperf()
        .args(["run", "--scenario", "nope", "--scenarios-dir"])
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios"))
        .arg("--budgets")
        .arg(budgets_path())
        .output()
        .unwrap();
    assert_eq!(unknown.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("no such scenario"));
}

/// The folder with the runtime binaries, beside `octoperf`. They are built here (once per
/// test binary; a no-op when up to date) so that `cargo test -p harness` works alone, with
/// no stale binary from an earlier build.
fn bin_dir() -> PathBuf {
    static BUILT: std::sync::OnceLock<Result<(), String>> = std::sync::OnceLock::new();
    let dir = Path::new(env!("CARGO_BIN_EXE_octoperf"))
        .parent()
        .unwrap()
        .to_path_buf();
    let built = BUILT.get_or_init(|| {
        let target_dir = dir.parent().ok_or("no target folder")?;
        let mut command = Command::new(env!("CARGO"));
        command
            .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join(".."))
            // The workspace's features, as `cargo test --workspace` builds them: up to date
            // after a workspace build, where a build of the three alone would rebuild them.
            .args(["build", "--workspace", "--bins"])
            .arg("--target-dir")
            .arg(target_dir);
        match dir.file_name().and_then(|name| name.to_str()) {
            Some("debug") => {}
            Some("release") => {
                command.arg("--release");
            }
            Some(profile) => {
                command.args(["--profile", profile]);
            }
            None => return Err("no profile folder".to_owned()),
        }
        let status = command.status().map_err(|error| error.to_string())?;
        status
            .success()
            .then_some(())
            .ok_or_else(|| format!("building the runtime failed ({status})"))
    });
    if let Err(why) = built {
        panic!(
            "the runtime binaries could not be built into {}: {why}",
            dir.display()
        );
    }
    for binary in ["reflex", "arm", "orchestrator"] {
        assert!(
            dir.join(binary).exists(),
            "{} is missing",
            dir.join(binary).display()
        );
    }
    dir
}

fn tiny_scenario(dir: &Path, duration: &str) {
    std::fs::write(
        dir.join("tiny.toml"),
        format!(
            r#"description = "a tiny stack for about a second"
measures = ["latency.orchestrator_simple", "memory.orchestrator", "cpu.reflex"]
[stack]
start = ["reflex", "arms", "orchestrator"]
arms = ["planner", "coder", "retriever", "judge"]
reflex_args = ["--rate-limit", "0"]
[llm]
latency_scale = 0
[load]
model = "open"
rate = "20/s"
warmup = "0s"
duration = "{duration}"
[[requests]]
kind = "task_simple"
text = {{ min_chars = 40, max_chars = 80 }}
"#
        ),
    )
    .unwrap();
}

/// `octoperf run` of every scenario in `dir` with the runtime built beside it.
fn run_scenarios_in(dir: &Path, out: &Path) -> Command {
    let mut command = octoperf();
    command
        .arg("run")
        .arg("--scenarios-dir")
        .arg(dir)
        .arg("--budgets")
        .arg(budgets_path())
        .arg("--bin-dir")
        .arg(bin_dir())
        .arg("--out")
        .arg(out)
        // A history of the test's own, not one in the source tree.
        .arg("--history")
        .arg(dir.join("history.db"));
    command
}

fn alive(pid: u64) -> bool {
    // A zombie still has a /proc entry; a reaped or exited-and-reparented one does not linger.
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|stat| !stat.contains(") Z "))
        .unwrap_or(false)
}

fn pids_of(report: &serde_json::Value) -> Vec<u64> {
    report["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|scenario| scenario["processes"].as_array().unwrap().iter())
        .filter_map(|process| process["pid"].as_u64())
        .collect()
}

#[test]
fn a_tiny_stack_runs_reports_and_leaves_no_process_behind() {
    let dir = tempfile::tempdir().unwrap();
    tiny_scenario(dir.path(), "1s");
    let out = dir.path().join("out");
    let output = run_scenarios_in(dir.path(), &out).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    // The full suite here is one scenario, so most rows are unmeasured: a failing verdict.
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("report.json")).unwrap()).unwrap();
    assert_eq!(report["verdict"], "fail");
    assert_eq!(report["targets"].as_array().unwrap().len(), 27);
    let scenario = &report["scenarios"][0];
    assert_eq!(scenario["valid"], true, "{scenario}");
    assert_eq!(scenario["requests"][0]["sent"], 20);
    assert_eq!(scenario["requests"][0]["ok"], 20, "{scenario}");
    let row = report["targets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["component"] == "orchestrator_simple" && t["metric"] == "p99")
        .unwrap();
    // Measured, whatever the verdict: speed is judged by reports, not by tests.
    assert!(row["measured"].as_f64().unwrap() > 0.0, "{row}");
    assert_ne!(row["verdict"], "not_measured", "{row}");
    let pids = pids_of(&report);
    assert_eq!(pids.len(), 6, "reflex, four arms and the orchestrator");
    for pid in pids {
        assert!(!alive(pid), "process {pid} outlived the run");
    }
    assert!(out.join("tiny/logs/orchestrator.log").exists());
    // The report renders again from its JSON alone.
    let rendered = octoperf()
        .arg("render")
        .arg(out.join("report.json"))
        .output()
        .unwrap();
    assert_eq!(rendered.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&rendered.stdout),
        std::fs::read_to_string(out.join("report.md")).unwrap()
    );
}

#[test]
fn a_service_the_harness_did_not_start_is_measured_through_its_metrics() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("external.toml"),
        r#"description = "a Reflex Layer someone else runs"
measures = ["latency.reflex", "memory.reflex", "cpu.reflex"]
[stack]
start = ["reflex"]
[load]
model = "open"
rate = "200/s"
# A cold generator's first requests are the warm-up's to absorb, not the measurement's.
warmup = "300ms"
duration = "1s"
# This test checks what is read from /metrics, beside tests that start whole stacks at the
# same time: lateness that small is theirs, and the generator's precision is tested in loadgen.
max_send_lag = "5ms"
[[requests]]
kind = "reflex_process"
"#,
    )
    .unwrap();
    // Behind an API key, which the run is given in its environment: the load, and the
    // readings of /metrics (an admin's route), carry it.
    let key = "someone-elses-key-0123456789";
    let mut reflex = Command::new(bin_dir().join("reflex"))
        .args(["--port", "0", "--rate-limit", "0"])
        .env("OCTO_API_KEYS", format!("{key} admin their-ops"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(reflex.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = format!(
        "http://{}",
        line.trim().strip_prefix("listening on http://").unwrap()
    );
    let out = dir.path().join("out");
    let output = run_scenarios_in(dir.path(), &out)
        .arg("--target")
        .arg(format!("reflex={url}"))
        .env("OCTOPERF_API_KEY", key)
        .output()
        .unwrap();
    let _ = reflex.kill();
    let _ = reflex.wait();
    assert!(
        output.status.code().is_some_and(|code| code <= 1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("report.json")).unwrap()).unwrap();
    let scenario = &report["scenarios"][0];
    assert!(
        scenario["target"].as_str().unwrap().contains(&url),
        "{scenario}"
    );
    assert_eq!(scenario["requests"][0]["ok"], 200, "{scenario}");
    let process = &scenario["processes"][0];
    assert_eq!(process["source"], "metrics");
    assert!(process["pid"].is_null());
    assert!(process["rss_peak_bytes"].as_u64().unwrap() > 0, "{process}");
    assert!(process["cpu_cores_mean"].as_f64().is_some(), "{process}");
}

#[test]
fn targets_off_this_machine_are_refused_unless_allowed() {
    let dir = tempfile::tempdir().unwrap();
    tiny_scenario(dir.path(), "1s");
    let output = run_scenarios_in(dir.path(), &dir.path().join("out"))
        .args(["--service", "reflex=http://192.0.2.1:8001"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("not on this machine"));
    assert!(!dir.path().join("out").exists(), "nothing starts");
}

/// Issue 28: a send window was checked against `max_send_lag` only when the scenario wrote
/// one; against the default (a tenth of the tightest latency limit it judges: 10 ms here, a
/// tenth of the simple Orchestrator's P50 of 100 ms) it went unchecked, and every run was
/// invalid.
#[test]
fn a_send_window_over_the_default_send_lag_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    tiny_scenario(dir.path(), "1s");
    let path = dir.path().join("tiny.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(
        &path,
        text.replace(
            "duration = \"1s\"",
            "duration = \"1s\"\nsend_window = \"50ms\"",
        ),
    )
    .unwrap();
    let output = run_scenarios_in(dir.path(), &dir.path().join("out"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("field `load.send_window`: 50ms is not under the default max_send_lag"),
        "{stderr}"
    );
    assert!(!dir.path().join("out").exists(), "nothing starts");
    // Under it, the same scenario is accepted (checked without starting: --scenario of none).
    std::fs::write(
        &path,
        text.replace(
            "duration = \"1s\"",
            "duration = \"1s\"\nsend_window = \"1ms\"",
        ),
    )
    .unwrap();
    let output = run_scenarios_in(dir.path(), &dir.path().join("out"))
        .args(["--scenario", "absent"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("--scenario \"absent\": no such scenario"),
        "{stderr}"
    );
}

/// Issue 23: the guard checked `base_url` and `--service` only; a scenario's `[llm] url` and
/// an `--arm` inside `orchestrator_args` went to the processes it started unchecked.
#[test]
fn every_url_handed_to_a_started_process_is_guarded() {
    for (line, field) in [
        ("[llm]\nurl = \"http://192.0.2.1:8080\"\n", "[llm] url"),
        (
            "[stack]\norchestrator_args = [\"--arm\", \"coder=http://192.0.2.1:8012\"]\n",
            "stack.orchestrator_args",
        ),
    ] {
        let dir = tempfile::tempdir().unwrap();
        tiny_scenario(dir.path(), "1s");
        let path = dir.path().join("tiny.toml");
        let text = std::fs::read_to_string(&path).unwrap();
        // The scenario's own [stack] or [llm] table, with the line in it.
        let table = line.lines().next().unwrap();
        let text = text.replacen(&format!("{table}\n"), line, 1).replacen(
            r#"measures = ["latency.orchestrator_simple", "memory.orchestrator", "cpu.reflex"]"#,
            r#"measures = ["cpu.reflex"]"#,
            1,
        );
        std::fs::write(&path, text).unwrap();
        let output = run_scenarios_in(dir.path(), &dir.path().join("out"))
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{field}: {stderr}");
        assert!(
            stderr.contains(field) && stderr.contains("192.0.2.1"),
            "{stderr}"
        );
        assert!(!dir.path().join("out").exists(), "nothing starts");
    }
}

/// Issue 23: `--history-url` had no environment form, so its password showed in `ps`.
#[test]
fn the_history_url_may_come_from_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("from-env.db");
    let output = octoperf()
        .args(["history"])
        .env(
            "OCTOPERF_HISTORY_URL",
            format!("sqlite://{}?mode=rwc", db.display()),
        )
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        db.exists(),
        "the history named in the environment was not opened"
    );
}

#[test]
fn ctrl_c_stops_the_stack_and_still_writes_the_report() {
    let dir = tempfile::tempdir().unwrap();
    tiny_scenario(dir.path(), "60s");
    let out = dir.path().join("out");
    let mut child = run_scenarios_in(dir.path(), &out)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until the stack is up, then let load flow for a moment.
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut seen = String::new();
    let started = Instant::now();
    while !seen.contains("stack ready") {
        let mut line = String::new();
        if stderr.read_line(&mut line).unwrap() == 0 || started.elapsed() > Duration::from_secs(60)
        {
            panic!("the stack never became ready; stderr so far:\n{seen}");
        }
        seen.push_str(&line);
    }
    std::thread::sleep(Duration::from_millis(800));
    // SAFETY: kill with a PID of our own child and a valid signal.
    unsafe {
        libc::kill(child.id() as libc::pid_t, libc::SIGINT);
    }
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130));
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("report.json")).unwrap()).unwrap();
    assert_eq!(report["interrupted"], true);
    assert_eq!(report["verdict"], "invalid");
    let scenario = &report["scenarios"][0];
    assert!(
        scenario["requests"][0]["ok"].as_u64().unwrap() > 0,
        "what was measured is kept: {scenario}"
    );
    let pids = pids_of(&report);
    assert_eq!(pids.len(), 6);
    for pid in pids {
        assert!(!alive(pid), "process {pid} outlived the interrupted run");
    }
}

#[test]
fn profile_cpu_links_each_row_to_its_flamegraph_and_every_format_renders_from_the_json() {
    let dir = tempfile::tempdir().unwrap();
    tiny_scenario(dir.path(), "1s");
    let out = dir.path().join("out");
    let output = run_scenarios_in(dir.path(), &out)
        .arg("--profile-cpu")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("report.json")).unwrap()).unwrap();
    let scenario = &report["scenarios"][0];
    let profiles = scenario["profiles"].as_array().unwrap();
    // reflex, four arms, the orchestrator and the generator.
    assert_eq!(profiles.len(), 7, "{profiles:?}");
    for profile in profiles {
        assert!(profile["error"].is_null(), "{profile}");
        // An arm no simple task reaches (the planner) may have no sample: no flamegraph.
        let files: &[&str] = if profile["samples"].as_u64().unwrap() > 0 {
            &["pprof", "folded", "flamegraph"]
        } else {
            &["pprof", "folded"]
        };
        for file in files {
            let path = out.join(profile[*file].as_str().unwrap());
            assert!(path.exists(), "{} is missing", path.display());
        }
    }
    let orchestrator = profiles
        .iter()
        .find(|p| p["name"] == "orchestrator")
        .unwrap();
    assert!(
        orchestrator["samples"].as_u64().unwrap() > 0,
        "{orchestrator}"
    );
    // The Orchestrator's rows link its flamegraph and its pprof file.
    let row = report["targets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["component"] == "orchestrator_simple" && t["metric"] == "p99")
        .unwrap();
    let artifacts: Vec<&str> = row["artifacts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        artifacts,
        [
            "tiny/profiles/orchestrator.svg",
            "tiny/profiles/orchestrator.pb.gz"
        ]
    );
    // The profilers' memory is left out of the memory rows, and said.
    let notes = scenario["notes"].to_string();
    assert!(notes.contains("CPU profiler's own memory"), "{notes}");
    assert!(
        scenario["processes"][0]["profiler_rss_bytes"]
            .as_u64()
            .unwrap()
            > 0
    );
    // Every format comes from the JSON alone, as the run wrote it.
    for (format, file) in [
        ("md", "report.md"),
        ("html", "report.html"),
        ("junit", "junit.xml"),
    ] {
        let rendered = octoperf()
            .arg("render")
            .arg(out.join("report.json"))
            .args(["--format", format])
            .output()
            .unwrap();
        assert_eq!(rendered.status.code(), Some(0), "{format}");
        assert_eq!(
            String::from_utf8_lossy(&rendered.stdout),
            std::fs::read_to_string(out.join(file)).unwrap(),
            "{format}"
        );
    }
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("href=\"tiny/profiles/orchestrator.svg\""));
    let bad = octoperf()
        .arg("render")
        .arg(out.join("report.json"))
        .args(["--format", "pdf"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn profiling_flags_that_cannot_work_exit_2_and_say_why() {
    let dir = tempfile::tempdir().unwrap();
    let scenarios = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios");
    let run = |args: &[&str]| {
        octoperf()
            .args(["run", "--scenario", "reflex", "--scenarios-dir"])
            .arg(&scenarios)
            .arg("--budgets")
            .arg(budgets_path())
            .arg("--out")
            .arg(dir.path().join("out"))
            .args(args)
            .output()
            .unwrap()
    };
    let no_profile = run(&["--baseline", "/nonexistent"]);
    assert_eq!(no_profile.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&no_profile.stderr).contains("needs --profile-cpu"));
    let no_baseline = run(&["--profile-cpu", "--baseline", "/nonexistent/run"]);
    assert_eq!(no_baseline.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&no_baseline.stderr).contains("/nonexistent/run"));
    let no_heap_build = run(&["--profile-heap", "/nonexistent/dhat"]);
    assert_eq!(no_heap_build.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&no_heap_build.stderr).contains("dhat-heap"));
    // Nothing started, nothing written.
    assert!(!dir.path().join("out").exists());
}

#[test]
fn runs_are_recorded_then_listed_compared_and_reviewed_from_the_history() {
    let dir = tempfile::tempdir().unwrap();
    // Three seconds: three interval histograms to resample.
    tiny_scenario(dir.path(), "3s");
    let history = dir.path().join("history.db");
    let mut outs = Vec::new();
    for name in ["a", "b"] {
        let out = dir.path().join(name);
        let output = run_scenarios_in(dir.path(), &out)
            .arg("--branch")
            .arg("feature-x")
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(stdout.contains("recorded in sqlite://"), "{stdout}");
        outs.push(out);
    }

    // Listed, newest first, with the branch given and the scenario run.
    let listed = octoperf()
        .args(["history", "--json", "--history"])
        .arg(&history)
        .output()
        .unwrap();
    assert_eq!(listed.status.code(), Some(0));
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&listed.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["git_branch"], "feature-x");
    assert_eq!(lines[0]["scenarios"], serde_json::json!(["tiny"]));
    let other = octoperf()
        .args(["history", "--json", "--scenario", "reflex", "--history"])
        .arg(&history)
        .output()
        .unwrap();
    assert!(other.stdout.is_empty(), "no run ran reflex");

    // Compared from the history (latest~1, latest) and from the folders: the same changes.
    let compare = |base: &std::ffi::OsStr, new: &std::ffi::OsStr| {
        let output = octoperf()
            .arg("compare")
            .arg(base)
            .arg(new)
            .args(["--format", "json", "--history"])
            .arg(&history)
            .output()
            .unwrap();
        let code = output.status.code().unwrap();
        assert!([0, 1, 3].contains(&code), "{output:?}");
        serde_json::from_slice::<serde_json::Value>(&output.stdout).unwrap()
    };
    let from_history = compare("latest~1".as_ref(), "latest".as_ref());
    let from_folders = compare(outs[0].as_os_str(), outs[1].as_os_str());
    assert_eq!(from_history["method"], "intervals");
    assert!(from_history["changes"].as_array().unwrap().len() >= 5);
    assert_eq!(from_history["changes"], from_folders["changes"]);
    // The series' interval logs were found: its P50 has an interval.
    let p50 = from_folders["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["key"].as_str().unwrap().ends_with(" p50"))
        .unwrap();
    assert!(p50["ci"].is_array(), "{p50}");

    // Bad input: a side that is neither a file nor a run, a gate file that does not parse.
    let missing = octoperf()
        .args(["compare", "no-such-run", "latest", "--history"])
        .arg(&history)
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no-such-run"));
    let gate = dir.path().join("gate.toml");
    std::fs::write(&gate, "[thresholds]\np99 = \"ten\"\n").unwrap();
    let bad_gate = octoperf()
        .arg("compare")
        .arg(&outs[0])
        .arg(&outs[1])
        .arg("--gate")
        .arg(&gate)
        .output()
        .unwrap();
    assert_eq!(bad_gate.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad_gate.stderr).contains("gate.toml"));
    // A sequential plan that does not parse, and one with no look at one run a side.
    for (plan, says) in [("9..3", "9..3"), ("7..15/4", "no look")] {
        let sequential = octoperf()
            .arg("compare")
            .arg(&outs[0])
            .arg(&outs[1])
            .args(["--sequential", plan])
            .output()
            .unwrap();
        assert_eq!(sequential.status.code(), Some(2), "{sequential:?}");
        let stderr = String::from_utf8_lossy(&sequential.stderr);
        assert!(
            stderr.contains("--sequential") && stderr.contains(says),
            "{stderr}"
        );
    }

    // The review of the period.
    let review_dir = dir.path().join("review");
    let review = octoperf()
        .args(["review", "--since", "1d", "--history"])
        .arg(&history)
        .arg("--out")
        .arg(&review_dir)
        .output()
        .unwrap();
    assert_eq!(review.status.code(), Some(0), "{review:?}");
    let html = std::fs::read_to_string(review_dir.join("review.html")).unwrap();
    assert!(html.contains("<svg"), "the review has its trend plots");
    assert!(review_dir.join("review.md").exists());
}
