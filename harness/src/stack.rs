//! Starting and stopping the system under test: what a scenario asks for, started in the
//! order the Orchestrator needs (each component its own process: `process`), or given by URL;
//! readiness (`ready`); the loopback guard (`loopback`). A stack ends every process it
//! started, by PID, when stopped or dropped.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::Context;
use tokio::sync::watch;

use crate::observe::UnderTest;
use crate::spec::faults::{FaultAction, FaultTarget};
use crate::spec::scenario::{Scenario, ServiceKind, StackSpec};
use crate::workload::Endpoints;

mod deps;
mod keys;
mod loopback;
mod process;
mod ready;

pub use keys::Keys;
pub use loopback::{
    check as check_loopback, client as http_client, client_builder as http_client_builder,
    is_loopback, pin as pin_loopback, pin_args as pin_loopback_args, pin_args_within, pin_within,
};
use process::spawn_service;
pub use process::{LISTENING_PREFIX, Service};
use ready::wait_all_ready;
pub use ready::wait_ready;

/// Where and how to start a stack.
#[derive(Debug, Clone)]
pub struct StartOptions {
    /// Folder of the `reflex`, `orchestrator` and `arm` binaries.
    pub bin_dir: PathBuf,
    /// The scenario's output folder: the SQLite file and `logs/` go here.
    pub run_dir: PathBuf,
    /// The Orchestrator's database; an SQLite file under `run_dir` when not given.
    pub database_url: Option<String>,
    pub redis_url: Option<String>,
    /// Services given by URL on the command line; they are not started.
    pub targets: BTreeMap<String, String>,
    /// CPUs the services it starts are pinned to (empty: not pinned).
    pub service_cpus: Vec<usize>,
    /// Start each service with `--profiling`, so that its CPU profile can be taken over HTTP.
    pub profiling: bool,
    /// The heap pass: each service (a `dhat-heap` build) writes its dhat profile here, as
    /// `<name>.dhat-heap.json`, when it stops.
    pub heap_dir: Option<PathBuf>,
    /// The run's API keys: the services started here take them, the load and the harness's
    /// own calls carry them.
    pub keys: Keys,
}

/// The stack of one scenario: what it started, and where every service answers.
pub struct Stack {
    pub endpoints: Endpoints,
    pub services: Vec<Service>,
    /// Dependencies of its own that a fault scenario breaks (Redis, PostgreSQL), ended after
    /// the services.
    pub deps: Vec<Service>,
    /// Services not started here, reached over HTTP only.
    pub external: Vec<UnderTest>,
    /// What the services started here depend on, as (`postgresql` or `redis`, URL): sampled
    /// as part of the stack.
    pub dependencies: Vec<(&'static str, String)>,
    pub logs: Vec<PathBuf>,
    /// The run's API keys (see [`StartOptions::keys`]).
    pub keys: Keys,
    /// Private folders of the dependencies of its own (their data, their passwords), removed
    /// after every process above has ended.
    pub scratch: Vec<tempfile::TempDir>,
}

/// Starts what the scenario asks for (less what `options.targets` provides), waits until every
/// service is ready, and returns the stack. On failure, whatever was started is stopped.
pub async fn start(
    scenario: &Scenario,
    options: &StartOptions,
    mut cancel: watch::Receiver<bool>,
) -> anyhow::Result<Stack> {
    let mut stack = Stack {
        endpoints: Endpoints::default(),
        services: Vec::new(),
        deps: Vec::new(),
        external: Vec::new(),
        dependencies: Vec::new(),
        logs: Vec::new(),
        keys: options.keys.clone(),
        scratch: Vec::new(),
    };
    let starting = async {
        start_into(&mut stack, scenario, options).await?;
        wait_all_ready(&stack).await
    };
    let outcome = tokio::select! {
        outcome = starting => outcome,
        _ = cancel.wait_for(|stop| *stop) => Err(anyhow::anyhow!("interrupted while starting the stack")),
    };
    match outcome {
        Ok(()) => Ok(stack),
        Err(error) => {
            stack.stop().await;
            Err(error)
        }
    }
}

/// The services given by URL, in the scenario file or on the command line (which wins): the
/// harness starts none of these.
fn given(spec: &StackSpec, targets: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    let mut given = spec.base_url.clone();
    given.extend(targets.clone());
    given
}

/// What a scenario will run against, said before anything is started (so that a run stopped
/// while starting, or a given service never reached, is not described as started here).
pub fn planned_target(spec: &StackSpec, targets: &BTreeMap<String, String>) -> String {
    let given = given(spec, targets);
    let started_here = spec.start.iter().any(|component| match component {
        ServiceKind::Reflex => !given.contains_key("reflex"),
        ServiceKind::Orchestrator => !given.contains_key("orchestrator"),
        ServiceKind::Arms => !spec.arms.iter().any(|arm| given.contains_key(arm)),
    });
    let names: Vec<String> = given
        .iter()
        .map(|(name, url)| match name.as_str() {
            "reflex" | "orchestrator" => format!("{name} at {url}"),
            arm => format!("arm-{arm} at {url}"),
        })
        .collect();
    match (names.is_empty(), started_here) {
        (true, _) => "started by the harness on loopback".to_owned(),
        (false, false) => format!("given: {}", names.join(", ")),
        (false, true) => format!("started on loopback, and given: {}", names.join(", ")),
    }
}

/// Starts what the scenario asks for, in the order the Orchestrator needs: the Reflex Layer and
/// the arms first, then the Orchestrator, given their URLs.
async fn start_into(
    stack: &mut Stack,
    scenario: &Scenario,
    options: &StartOptions,
) -> anyhow::Result<()> {
    let given = given(&scenario.stack, &options.targets);
    let logs_dir = options.run_dir.join("logs");
    std::fs::create_dir_all(&logs_dir)
        .with_context(|| format!("creating {}", logs_dir.display()))?;

    start_deps(stack, scenario, options, &logs_dir).await?;
    start_reflex(stack, scenario, options, &given, &logs_dir).await?;
    start_arms(stack, scenario, options, &given, &logs_dir).await?;
    start_orchestrator(stack, scenario, options, &given, &logs_dir).await
}

/// The Redis and PostgreSQL of its own that a fault scenario breaks (the Orchestrator is then
/// pointed at them, not at the URLs given to the run).
async fn start_deps(
    stack: &mut Stack,
    scenario: &Scenario,
    options: &StartOptions,
    logs_dir: &Path,
) -> anyhow::Result<()> {
    let targets = |target: FaultTarget| scenario.faults.iter().filter(move |f| f.target == target);
    let redis = targets(FaultTarget::Redis).next().is_some();
    // Replicas share a database: PostgreSQL, the harness's own unless one is given.
    let replicas_need_one = scenario.stack.orchestrators > 1 && options.database_url.is_none();
    let postgres = targets(FaultTarget::Postgres).next().is_some() || replicas_need_one;
    if !(redis || postgres) {
        return Ok(());
    }
    let scratch = deps::scratch_dir()?;
    if redis {
        let down_at_start = targets(FaultTarget::Redis).any(|fault| fault.from_start);
        stack
            .deps
            .push(deps::own_redis(scratch.path(), logs_dir, down_at_start).await?);
    }
    if postgres {
        stack
            .deps
            .push(deps::own_postgres(scratch.path(), logs_dir).await?);
    }
    stack.scratch.push(scratch);
    Ok(())
}

/// The process name of Orchestrator replica `replica` (from 1): `orchestrator`,
/// `orchestrator-2`…
pub fn orchestrator_name(replica: usize) -> String {
    if replica <= 1 {
        "orchestrator".to_owned()
    } else {
        format!("orchestrator-{replica}")
    }
}

/// The URL of the dependency of its own named `name`, if the stack runs one.
fn own_dep_url(stack: &Stack, name: &str) -> Option<String> {
    stack
        .deps
        .iter()
        .find(|dep| dep.name == name)
        .map(|dep| dep.base_url.clone())
}

/// The Reflex Layer: started, or the URL given for it.
async fn start_reflex(
    stack: &mut Stack,
    scenario: &Scenario,
    options: &StartOptions,
    given: &BTreeMap<String, String>,
    logs_dir: &Path,
) -> anyhow::Result<()> {
    let spec = &scenario.stack;
    if spec.start.contains(&ServiceKind::Reflex) && !given.contains_key("reflex") {
        let service = spawn_service(
            options,
            logs_dir,
            "reflex",
            "reflex",
            "reflex",
            &spec.reflex_args,
            &[],
        )
        .await?;
        stack.logs.push(logs_dir.join("reflex.log"));
        stack.endpoints.reflex = Some(service.base_url.clone());
        stack.services.push(service);
    } else if let Some(url) = given.get("reflex") {
        stack.endpoints.reflex = Some(url.clone());
        stack
            .external
            .push(UnderTest::given("reflex", "reflex", url));
    }

    Ok(())
}

/// The arms: one process per kind the scenario names, or the URLs given for them.
async fn start_arms(
    stack: &mut Stack,
    scenario: &Scenario,
    options: &StartOptions,
    given: &BTreeMap<String, String>,
    logs_dir: &Path,
) -> anyhow::Result<()> {
    let spec = &scenario.stack;
    let arms_given = spec.arms.iter().any(|arm| given.contains_key(arm));
    if spec.start.contains(&ServiceKind::Arms) && !arms_given {
        for kind in &spec.arms {
            let name = format!("arm-{kind}");
            let mut args = vec![
                "--kind".to_owned(),
                kind.clone(),
                "--arm-id".to_owned(),
                kind.clone(),
            ];
            args.extend(scenario.llm.arm_args());
            args.extend(fault_suite_args(scenario, &options.run_dir, &name)?);
            args.extend(spec.arm_args.iter().cloned());
            let envs = scenario.llm.arm_env();
            let service =
                spawn_service(options, logs_dir, "arm", &name, "arm", &args, &envs).await?;
            stack.logs.push(logs_dir.join(format!("{name}.log")));
            stack
                .endpoints
                .arms
                .insert(kind.clone(), service.base_url.clone());
            stack.services.push(service);
        }
    } else {
        for (kind, url) in given
            .iter()
            .filter(|(key, _)| key.as_str() != "reflex" && key.as_str() != "orchestrator")
        {
            stack.endpoints.arms.insert(kind.clone(), url.clone());
            stack
                .external
                .push(UnderTest::given("arm", &format!("arm-{kind}"), url));
        }
    }

    Ok(())
}

/// What an arm of a fault scenario is started with: a journal of its effects (kept across its
/// restarts, in `<run>/effects/`), and the LLM fault switch when the scenario breaks the LLM.
fn fault_suite_args(
    scenario: &Scenario,
    run_dir: &Path,
    name: &str,
) -> anyhow::Result<Vec<String>> {
    if !scenario.judged_by_invariants() {
        return Ok(Vec::new());
    }
    let dir = effects_dir(run_dir);
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let journal = dir.join(format!("{name}.log"));
    // A journal of an earlier run in the same folder would read as effects run twice.
    let _ = std::fs::remove_file(&journal);
    let mut args = vec!["--effects-log".to_owned(), journal.display().to_string()];
    if scenario
        .faults
        .iter()
        .any(|fault| matches!(fault.action, FaultAction::Error | FaultAction::Hang))
    {
        args.push("--fault-injection".to_owned());
    }
    Ok(args)
}

/// Where the arms of a fault scenario keep their journals of effects.
pub fn effects_dir(run_dir: &Path) -> PathBuf {
    run_dir.join("effects")
}

/// The Orchestrator, pointed at the Reflex Layer and arms already known: started, or the
/// URL given for it.
async fn start_orchestrator(
    stack: &mut Stack,
    scenario: &Scenario,
    options: &StartOptions,
    given: &BTreeMap<String, String>,
    logs_dir: &Path,
) -> anyhow::Result<()> {
    let spec = &scenario.stack;
    if spec.start.contains(&ServiceKind::Orchestrator) && !given.contains_key("orchestrator") {
        let database_url = match own_dep_url(stack, "postgres").or(options.database_url.clone()) {
            Some(url) => url,
            None => format!(
                "sqlite://{}",
                options.run_dir.join("orchestrator.db").display()
            ),
        };
        if database_url.starts_with("postgres") {
            stack
                .dependencies
                .push(("postgresql", database_url.clone()));
        }
        // Secrets go in the environment, not on the command line, where `ps` shows them.
        let mut envs = vec![
            ("ORCHESTRATOR_DATABASE_URL", database_url),
            (keys::ORCHESTRATOR_KEY_ENV, options.keys.service.clone()),
        ];
        let mut args = Vec::new();
        if let Some(reflex) = &stack.endpoints.reflex {
            args.extend(["--reflex-url".to_owned(), reflex.clone()]);
        }
        for (kind, url) in &stack.endpoints.arms {
            args.extend(["--arm".to_owned(), format!("{kind}={url}")]);
        }
        if let Some(redis) = own_dep_url(stack, "redis").or_else(|| options.redis_url.clone()) {
            stack.dependencies.push(("redis", redis.clone()));
            envs.push(("ORCHESTRATOR_REDIS_URL", redis));
        }
        args.extend(spec.orchestrator_args.iter().cloned());
        for replica in 1..=spec.orchestrators.max(1) {
            let name = orchestrator_name(replica);
            let service = spawn_service(
                options,
                logs_dir,
                "orchestrator",
                &name,
                "orchestrator",
                &args,
                &envs,
            )
            .await?;
            stack.logs.push(logs_dir.join(format!("{name}.log")));
            if replica == 1 {
                stack.endpoints.orchestrator = Some(service.base_url.clone());
            } else {
                stack
                    .endpoints
                    .orchestrator_replicas
                    .push(service.base_url.clone());
            }
            stack.services.push(service);
        }
    } else if let Some(url) = given.get("orchestrator") {
        stack.endpoints.orchestrator = Some(url.clone());
        stack
            .external
            .push(UnderTest::given("orchestrator", "orchestrator", url));
    }
    Ok(())
}

#[cfg(test)]
mod tests;
