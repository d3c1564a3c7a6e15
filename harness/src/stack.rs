//! Starting and stopping the system under test: each component its own process on loopback
//! with an ephemeral port (read back from the service's "listening on" line), readiness
//! through `GET /ready`, and a teardown that ends every process it started, by PID.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use anyhow::{Context, bail};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::watch;

use crate::scenario::{Component, Scenario, StackSpec};
use crate::workload::Endpoints;

/// The line services print once they listen (see `serving::LISTENING_PREFIX`).
pub const LISTENING_PREFIX: &str = "listening on http://";
const ANNOUNCE_TIMEOUT: Duration = Duration::from_secs(20);
const READY_TIMEOUT: Duration = Duration::from_secs(30);
const STOP_GRACE: Duration = Duration::from_secs(5);

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
}

/// A service process the harness started.
pub struct Service {
    /// `reflex`, `orchestrator` or `arm`.
    pub component: &'static str,
    pub name: String,
    pub pid: u32,
    pub base_url: String,
    child: Child,
}

/// The stack of one scenario: what it started, and where every service answers.
pub struct Stack {
    pub endpoints: Endpoints,
    pub services: Vec<Service>,
    /// Services not started here, by component, for sampling over `/metrics`.
    pub external: Vec<(&'static str, String, String)>,
    pub logs: Vec<PathBuf>,
}

impl Stack {
    /// Ends every process this stack started: SIGTERM, then SIGKILL after a grace period.
    /// Returns one line per process that had exited on its own before, or did not stop.
    pub async fn stop(mut self) -> Vec<String> {
        // Taken, so that the drop below finds nothing left to end.
        let mut services = std::mem::take(&mut self.services);
        let mut problems = Vec::new();
        for service in &mut services {
            if let Ok(Some(status)) = service.child.try_wait() {
                problems.push(format!(
                    "{} had exited during the run ({status})",
                    service.name
                ));
            }
        }
        // Orchestrator first, so it does not see its dependencies vanish mid-request.
        for service in services.iter().rev() {
            terminate(service.pid);
        }
        for service in &mut services {
            match tokio::time::timeout(STOP_GRACE, service.child.wait()).await {
                Ok(_) => {}
                Err(_) => {
                    problems.push(format!(
                        "{} ignored SIGTERM for {STOP_GRACE:?} and was killed",
                        service.name
                    ));
                    let _ = service.child.kill().await;
                }
            }
        }
        problems
    }
}

/// A stack dropped without [`Stack::stop`] (an error, a panic) still ends what it started, the
/// same way but without an async runtime to wait in: every process it started, it ends.
impl Drop for Stack {
    fn drop(&mut self) {
        for service in self.services.iter().rev() {
            terminate(service.pid);
        }
        let deadline = std::time::Instant::now() + STOP_GRACE;
        for service in &mut self.services {
            while matches!(service.child.try_wait(), Ok(None))
                && std::time::Instant::now() < deadline
            {
                std::thread::sleep(Duration::from_millis(10));
            }
            if matches!(service.child.try_wait(), Ok(None)) {
                let _ = service.child.start_kill();
            }
        }
    }
}

fn terminate(pid: u32) {
    // SAFETY: kill has no memory-safety preconditions; the PID is one of our own children,
    // not yet reaped, so it cannot have been reused.
    unsafe {
        libc::kill(pid as libc::pid_t, libc::SIGTERM);
    }
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
        external: Vec::new(),
        logs: Vec::new(),
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
        Component::Reflex => !given.contains_key("reflex"),
        Component::Orchestrator => !given.contains_key("orchestrator"),
        Component::Arms => !spec.arms.iter().any(|arm| given.contains_key(arm)),
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

    start_reflex(stack, scenario, options, &given, &logs_dir).await?;
    start_arms(stack, scenario, options, &given, &logs_dir).await?;
    start_orchestrator(stack, scenario, options, &given, &logs_dir).await
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
    if spec.start.contains(&Component::Reflex) && !given.contains_key("reflex") {
        let service = spawn_service(
            options,
            logs_dir,
            "reflex",
            "reflex",
            "reflex",
            &spec.reflex_args,
        )
        .await?;
        stack.logs.push(logs_dir.join("reflex.log"));
        stack.endpoints.reflex = Some(service.base_url.clone());
        stack.services.push(service);
    } else if let Some(url) = given.get("reflex") {
        stack.endpoints.reflex = Some(url.clone());
        stack
            .external
            .push(("reflex", "reflex".into(), url.clone()));
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
    if spec.start.contains(&Component::Arms) && !arms_given {
        for kind in &spec.arms {
            let name = format!("arm-{kind}");
            let mut args = vec![
                "--kind".to_owned(),
                kind.clone(),
                "--arm-id".to_owned(),
                kind.clone(),
            ];
            args.extend(scenario.llm.arm_args());
            args.extend(spec.arm_args.iter().cloned());
            let service = spawn_service(options, logs_dir, "arm", &name, "arm", &args).await?;
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
                .push(("arm", format!("arm-{kind}"), url.clone()));
        }
    }

    Ok(())
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
    if spec.start.contains(&Component::Orchestrator) && !given.contains_key("orchestrator") {
        let database_url = match &options.database_url {
            Some(url) => url.clone(),
            None => format!(
                "sqlite://{}?mode=rwc",
                options.run_dir.join("orchestrator.db").display()
            ),
        };
        let mut args = vec!["--database-url".to_owned(), database_url];
        if let Some(reflex) = &stack.endpoints.reflex {
            args.extend(["--reflex-url".to_owned(), reflex.clone()]);
        }
        for (kind, url) in &stack.endpoints.arms {
            args.extend(["--arm".to_owned(), format!("{kind}={url}")]);
        }
        if let Some(redis) = &options.redis_url {
            args.extend(["--redis-url".to_owned(), redis.clone()]);
        }
        args.extend(spec.orchestrator_args.iter().cloned());
        let service = spawn_service(
            options,
            logs_dir,
            "orchestrator",
            "orchestrator",
            "orchestrator",
            &args,
        )
        .await?;
        stack.logs.push(logs_dir.join("orchestrator.log"));
        stack.endpoints.orchestrator = Some(service.base_url.clone());
        stack.services.push(service);
    } else if let Some(url) = given.get("orchestrator") {
        stack.endpoints.orchestrator = Some(url.clone());
        stack
            .external
            .push(("orchestrator", "orchestrator".into(), url.clone()));
    }
    Ok(())
}

/// Spawns `bin_dir/binary` on port 0 and reads the address it announces.
async fn spawn_service(
    options: &StartOptions,
    logs_dir: &Path,
    component: &'static str,
    name: &str,
    binary: &str,
    args: &[String],
) -> anyhow::Result<Service> {
    let program = options.bin_dir.join(binary);
    if !program.exists() {
        bail!(
            "{} does not exist: build the runtime first (cargo build --release)",
            program.display()
        );
    }
    let log_path = logs_dir.join(format!("{name}.log"));
    let log = std::fs::File::create(&log_path)
        .with_context(|| format!("creating {}", log_path.display()))?;
    let mut command = Command::new(&program);
    command
        .args(["--host", "127.0.0.1", "--port", "0"])
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(log)
        .kill_on_drop(true);
    // SAFETY: prctl is async-signal-safe and touches no memory of the parent. It makes the
    // kernel send SIGTERM to the service if the harness dies without tearing it down.
    unsafe {
        command.pre_exec(|| {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM);
            Ok(())
        });
    }
    let mut child = command
        .spawn()
        .with_context(|| format!("starting {}", program.display()))?;
    let pid = child.id().context("the child has no PID")?;
    let stdout = child.stdout.take().context("the child has no stdout")?;
    let mut lines = BufReader::new(stdout).lines();
    let announced = tokio::time::timeout(ANNOUNCE_TIMEOUT, async {
        while let Ok(Some(line)) = lines.next_line().await {
            if let Some(addr) = line.strip_prefix(LISTENING_PREFIX) {
                return Some(addr.trim().to_owned());
            }
        }
        None
    })
    .await;
    let addr = match announced {
        Ok(Some(addr)) => addr,
        outcome => {
            let _ = child.kill().await;
            let why = if outcome.is_err() {
                "did not announce its address in time"
            } else {
                "exited before listening"
            };
            bail!(
                "{name} {why}; its log {} ends with:\n{}",
                log_path.display(),
                tail(&log_path, 10)
            );
        }
    };
    // Keep reading stdout so the service never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    Ok(Service {
        component,
        name: name.to_owned(),
        pid,
        base_url: format!("http://{addr}"),
        child,
    })
}

async fn wait_all_ready(stack: &Stack) -> anyhow::Result<()> {
    let client = reqwest::Client::new();
    let urls = stack
        .services
        .iter()
        .map(|service| (service.name.clone(), service.base_url.clone()))
        .chain(
            stack
                .external
                .iter()
                .map(|(_, name, url)| (name.clone(), url.clone())),
        );
    for (name, base) in urls {
        wait_ready(&client, &name, &base).await?;
    }
    Ok(())
}

/// Polls `GET {base}/ready` until it answers 200.
pub async fn wait_ready(client: &reqwest::Client, name: &str, base: &str) -> anyhow::Result<()> {
    let deadline = tokio::time::Instant::now() + READY_TIMEOUT;
    let url = format!("{base}/ready");
    let mut last = String::new();
    while tokio::time::Instant::now() < deadline {
        match client
            .get(&url)
            .timeout(Duration::from_secs(2))
            .send()
            .await
        {
            Ok(response) if response.status().is_success() => return Ok(()),
            Ok(response) => {
                last = format!(
                    "HTTP {}: {}",
                    response.status(),
                    response.text().await.unwrap_or_default()
                )
            }
            Err(error) => last = error.to_string(),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    bail!("{name} at {base} was not ready within {READY_TIMEOUT:?}: {last}")
}

fn tail(path: &Path, lines: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

/// True for base URLs on this machine (127.0.0.0/8, localhost, [::1]).
pub fn is_loopback(url: &str) -> bool {
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"))
        .unwrap_or(url);
    let authority = rest.split('/').next().unwrap_or_default();
    let host = if let Some(v6) = authority.strip_prefix('[') {
        v6.split(']').next().unwrap_or_default()
    } else {
        authority
            .rsplit_once(':')
            .map_or(authority, |(host, _)| host)
    };
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A stand-in for a service binary: it announces an address and then only waits, the
    /// boundary this test is about being the process's life, not what it serves.
    fn fake_service(dir: &Path, name: &str) {
        use std::os::unix::fs::PermissionsExt;
        let path = dir.join(name);
        std::fs::write(
            &path,
            "#!/bin/sh\necho 'listening on http://127.0.0.1:9'\nexec sleep 60\n",
        )
        .unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }

    fn alive(pid: u32) -> bool {
        // SAFETY: signal 0 only checks that the process exists.
        unsafe { libc::kill(pid as libc::pid_t, 0) == 0 }
    }

    #[tokio::test]
    async fn a_dropped_stack_ends_every_process_it_started() {
        let dir = tempfile::tempdir().unwrap();
        fake_service(dir.path(), "reflex");
        let scenario = crate::scenario::parse(
            "x.toml",
            "x",
            r#"
description = "x"
measures = ["latency.reflex"]
[stack]
start = ["reflex"]
[load]
model = "open"
rate = "1/s"
warmup = "0s"
duration = "1s"
[[requests]]
kind = "reflex_process"
"#,
        )
        .unwrap();
        let options = StartOptions {
            bin_dir: dir.path().to_path_buf(),
            run_dir: dir.path().join("run"),
            database_url: None,
            redis_url: None,
            targets: BTreeMap::new(),
        };
        let mut stack = Stack {
            endpoints: Endpoints::default(),
            services: Vec::new(),
            external: Vec::new(),
            logs: Vec::new(),
        };
        start_into(&mut stack, &scenario, &options).await.unwrap();
        let pid = stack.services[0].pid;
        assert!(alive(pid));
        // Dropped, as on an error path, without `stop`.
        drop(stack);
        assert!(!alive(pid), "process {pid} outlived its stack");
    }

    #[test]
    fn only_loopback_hosts_count_as_loopback() {
        for url in [
            "http://127.0.0.1:8000",
            "http://127.5.0.1/x",
            "http://localhost:1",
            "http://[::1]:80/",
        ] {
            assert!(is_loopback(url), "{url}");
        }
        for url in [
            "http://10.0.0.1:80",
            "http://example.com",
            "http://192.168.1.2:8000",
            "http://[fe80::1]:80",
        ] {
            assert!(!is_loopback(url), "{url}");
        }
    }
}
