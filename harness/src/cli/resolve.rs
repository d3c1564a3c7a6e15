//! Flags turned into a [`run::RunConfig`] once, every file read and every conflict refused
//! before anything starts.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::args::{RunOpts, SegmentOpts};
use crate::observe::machine;
use crate::spec::scenario::Scenario;
use crate::spec::{budget, scenario};
use crate::{run, stack};

/// Everything `run` needs, checked before anything starts.
pub(super) fn resolve(opts: RunOpts) -> Result<run::RunConfig, String> {
    let budgets = budget::load(&opts.files.budgets).map_err(|error| error.to_string())?;
    let all = scenario::load_dir(&opts.files.scenarios_dir).map_err(|error| error.to_string())?;
    if all.is_empty() {
        return Err(format!(
            "{}: no scenario files",
            opts.files.scenarios_dir.display()
        ));
    }
    // A folder of fault or soak scenarios (judged by invariants) is no budget suite: its rows are
    // not all due.
    check_send_windows(&budgets, &all)?;
    let full_suite = opts.scenarios.is_empty() && all.iter().any(|s| !s.judged_by_invariants());
    let mut scenarios = choose(all, &opts.scenarios)?;
    let mut targets = given_services(&opts.targets)?;
    if !opts.allow_non_loopback {
        pin_to_loopback(&mut scenarios, &mut targets, &opts.allow_targets)?;
    }
    let segment = opts.segments.segment;
    let start_at = check_segment(&opts.segments, &scenarios)?;
    let started = crate::report::rfc3339_now();
    let nonce = std::process::id()
        ^ std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
    let run_id = format!("{}-{:04x}", started.replace(['-', ':'], ""), nonce & 0xffff);
    let out_dir = opts
        .out
        .unwrap_or_else(|| PathBuf::from("target/loadtest").join(&run_id));
    Ok(run::RunConfig {
        scenarios,
        budgets,
        profile: opts.profile,
        quick: opts.quick,
        full_suite,
        bin_dir: opts.bin_dir,
        out_dir,
        run_id,
        database_url: opts.database_url,
        redis_url: opts.redis_url,
        targets,
        keys: crate::stack::Keys::new(opts.api_key.as_deref()),
        tls: opts.tls.options(),
        git_commit: machine::git_commit(),
        git_branch: opts.branch.clone().or_else(machine::git_branch),
        generator_threads: match opts.generator_threads {
            Some(0) => return Err("--generator-threads: must be at least 1".into()),
            Some(threads) => threads,
            None => loadgen::default_threads(),
        },
        generator_cpus: opts.generator_cpus,
        service_cpus: opts.service_cpus,
        profile_cpu: opts.profile_cpu,
        profile_heap: match opts.profile_heap {
            Some(dir) if !dir.is_dir() => {
                return Err(format!(
                    "--profile-heap {}: no such folder (build the runtime with --features dhat-heap into it)",
                    dir.display()
                ));
            }
            dir => dir,
        },
        baseline: match opts.baseline {
            Some(_) if !opts.profile_cpu => {
                return Err(
                    "--baseline draws differential flamegraphs: it needs --profile-cpu".into(),
                );
            }
            Some(path) => Some(baseline_report(&path)?),
            None => None,
        },
        // Live progress only where a person watches: stdout and stderr both terminals.
        progress: !opts.quiet
            && std::io::IsTerminal::is_terminal(&std::io::stdout())
            && std::io::IsTerminal::is_terminal(&std::io::stderr()),
        segment,
        start_at,
        run_group: opts.segments.run_group.clone(),
        sample_stack: segment.is_none_or(|s| s.index == opts.segments.sample_stack),
    })
}

/// The baseline's report.json, given the run's folder or the file itself; it must parse.
pub(super) fn baseline_report(path: &Path) -> Result<PathBuf, String> {
    let file = if path.is_dir() {
        path.join("report.json")
    } else {
        path.to_path_buf()
    };
    let text = std::fs::read_to_string(&file)
        .map_err(|error| format!("--baseline {}: {error}", file.display()))?;
    serde_json::from_str::<reports::RunReport>(&text)
        .map_err(|error| format!("--baseline {}: not a report: {error}", file.display()))?;
    Ok(file)
}

/// The scenarios `--scenario` names, in its order; all of them when it names none.
fn choose(all: Vec<Scenario>, names: &[String]) -> Result<Vec<Scenario>, String> {
    if names.is_empty() {
        return Ok(all);
    }
    let mut chosen = Vec::new();
    for name in names {
        match all.iter().find(|scenario| &scenario.name == name) {
            Some(found) => chosen.push(found.clone()),
            None => {
                let known: Vec<&str> = all.iter().map(|s| s.name.as_str()).collect();
                return Err(format!(
                    "--scenario {name:?}: no such scenario; known: {}",
                    known.join(", ")
                ));
            }
        }
    }
    Ok(chosen)
}

/// The services given by `--service NAME=URL`.
fn given_services(given: &[String]) -> Result<BTreeMap<String, String>, String> {
    let mut targets = BTreeMap::new();
    for target in given {
        let (name, url) = target
            .split_once('=')
            .ok_or_else(|| format!("--service {target:?}: expected NAME=URL"))?;
        if name != "reflex" && name != "orchestrator" && !scenario::ARM_KINDS.contains(&name) {
            return Err(format!("--service {target:?}: unknown service {name:?}"));
        }
        targets.insert(name.to_owned(), url.trim_end_matches('/').to_owned());
    }
    Ok(targets)
}

/// Every URL handed to a process (the load generator, a service started here), each pinned
/// to the loopback address (or allowed network) it was checked against.
fn pin_to_loopback(
    scenarios: &mut [Scenario],
    targets: &mut BTreeMap<String, String>,
    allowed: &[ipnet::IpNet],
) -> Result<(), String> {
    // Every URL handed to a process (the load generator, a service started here): each
    // pinned to the loopback address it was checked against.
    let refuse = |reason: String| {
        format!(
            "target {reason}; pass --allow-target CIDR for your own test hosts, or --allow-non-loopback to load a target elsewhere"
        )
    };
    for scenario in scenarios.iter_mut() {
        for url in scenario.stack.base_url.values_mut() {
            *url = stack::pin_within(url, allowed).map_err(refuse)?;
        }
        if let Some(url) = &mut scenario.llm.url {
            *url = stack::pin_within(url, allowed).map_err(|reason| {
                format!("scenario {}: [llm] url: {}", scenario.name, refuse(reason))
            })?;
        }
        let name = scenario.name.clone();
        let stack_spec = &mut scenario.stack;
        for (field, args) in [
            ("reflex_args", &mut stack_spec.reflex_args),
            ("orchestrator_args", &mut stack_spec.orchestrator_args),
            ("arm_args", &mut stack_spec.arm_args),
        ] {
            stack::pin_args_within(args, allowed)
                .map_err(|reason| format!("scenario {name}: stack.{field}: {}", refuse(reason)))?;
        }
    }
    for url in targets.values_mut() {
        *url = stack::pin_within(url, allowed).map_err(refuse)?;
    }
    for scenario in scenarios.iter_mut() {
        let name = scenario.name.clone();
        for request in &mut scenario.requests {
            if let Some(url) = &mut request.http.url {
                *url = stack::pin_within(url, allowed).map_err(|reason| {
                    format!("scenario {name}: requests.url: {}", refuse(reason))
                })?;
            }
        }
    }
    Ok(())
}

/// A segment's checks (every segment of a closed model has a user; `--sample-stack` names a
/// segment), and the instant set by `--start-at`, if one.
fn check_segment(
    segments: &SegmentOpts,
    scenarios: &[Scenario],
) -> Result<Option<std::time::SystemTime>, String> {
    let segment = segments.segment;
    if let Some(segment) = segment {
        for scenario in scenarios {
            if scenario.load.model == scenario::LoadModel::Closed {
                segment
                    .users(scenario.load.users.unwrap_or(1))
                    .map_err(|error| format!("scenario {}: {error}", scenario.name))?;
            }
        }
        if segments.sample_stack == 0 || segments.sample_stack > segment.count {
            return Err(format!(
                "--sample-stack {}: no such segment of {}",
                segments.sample_stack, segment.count
            ));
        }
    }
    let start_at = match &segments.start_at {
        Some(crate::segment::StartAt::Instant(at)) => Some(*at),
        Some(crate::segment::StartAt::AfterJoined(_)) if segments.run_group.is_none() => {
            return Err(
                "--start-at joined+…: needs --run-group, whose segments it waits for".into(),
            );
        }
        _ => None,
    };
    Ok(start_at)
}

/// A send window must stay under the send lag the run allows. The scenario file checks it
/// against a `max_send_lag` it writes; the default (a tenth of the tightest latency limit the
/// scenario judges) needs the budget tables, so it is checked here.
fn check_send_windows(budgets: &budget::Budgets, scenarios: &[Scenario]) -> Result<(), String> {
    for scenario in scenarios {
        let (Some(window), None) = (&scenario.load.send_window, &scenario.load.max_send_lag) else {
            continue;
        };
        let lag = crate::judge::verdict::default_max_send_lag(budgets, scenario);
        if window.0 >= lag {
            return Err(format!(
                "{}: field `load.send_window`: {} is not under the default max_send_lag ({}, a tenth of the tightest latency limit the scenario judges): requests would be sent up to a window late and every run would be invalid",
                scenario.file,
                humantime::format_duration(window.0),
                humantime::format_duration(lag)
            ));
        }
    }
    Ok(())
}
