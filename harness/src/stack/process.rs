//! The processes of a stack: spawned on loopback with an ephemeral port, read back from the
//! service's "listening on" line; ended by PID, SIGTERM then SIGKILL, by `Stack::stop` or,
//! without a runtime to wait in, when the stack is dropped.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use anyhow::{Context, bail};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

use super::{Stack, StartOptions};
use crate::observe::UnderTest;

/// The line services print once they listen (see `serving::LISTENING_PREFIX`).
pub const LISTENING_PREFIX: &str = "listening on http://";
const ANNOUNCE_TIMEOUT: Duration = Duration::from_secs(20);
const STOP_GRACE: Duration = Duration::from_secs(5);

/// A service process the harness started.
pub struct Service {
    /// `reflex`, `orchestrator` or `arm`; `redis` or `postgres` for a dependency of its own.
    pub component: &'static str,
    pub name: String,
    pub pid: u32,
    /// The service's base URL; a dependency's connection URL.
    pub base_url: String,
    /// `None` while it is down on purpose (a fault).
    pub(super) child: Option<Child>,
    /// How it was started, so that a fault can start it again on the same port.
    pub(super) launch: Launch,
}

/// How to start a process: the program, its arguments and environment, its log, and how it
/// says it is ready.
#[derive(Debug, Clone)]
pub(super) struct Launch {
    pub program: std::path::PathBuf,
    pub args: Vec<String>,
    pub envs: Vec<(String, String)>,
    pub log_path: std::path::PathBuf,
    pub cpus: Vec<usize>,
    /// Run as this user and group (PostgreSQL refuses to run as root).
    pub user: Option<(u32, u32)>,
    pub ready: Ready,
}

/// How a started process says it is ready.
#[derive(Debug, Clone, Copy)]
pub(super) enum Ready {
    /// A service: it prints its address (`listening on http://…`) once bound; `--host` and
    /// `--port` are given to it.
    Announces,
    /// A dependency: it accepts TCP connections on this loopback port.
    Accepts(u16),
}

impl Service {
    /// The service as its observers know it.
    pub fn under_test(&self) -> UnderTest {
        UnderTest {
            component: self.component.to_owned(),
            name: self.name.clone(),
            pid: Some(self.pid),
            base_url: Some(self.base_url.clone()),
        }
    }

    /// Sends `signal` to the process if it runs and is not reaped (see [`terminate`]).
    pub fn signal(&mut self, signal: libc::c_int) -> bool {
        self.child.as_mut().is_some_and(|child| send(child, signal))
    }

    /// Waits up to `grace` for the process to exit, then kills it; it is down afterwards.
    pub async fn wait_down(&mut self, grace: Duration) {
        if let Some(mut child) = self.child.take()
            && tokio::time::timeout(grace, child.wait()).await.is_err()
        {
            let _ = child.kill().await;
        }
    }

    /// Starts the process again as it was first started, on the port it had.
    pub async fn restart(&mut self) -> anyhow::Result<()> {
        anyhow::ensure!(self.child.is_none(), "{} is still running", self.name);
        let port = self.port();
        let (child, _) = start(&self.launch, &self.name, port, true).await?;
        self.pid = child.id().unwrap_or_default();
        self.child = Some(child);
        Ok(())
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        match self.launch.ready {
            Ready::Accepts(port) => port,
            Ready::Announces => self
                .base_url
                .rsplit(':')
                .next()
                .and_then(|port| port.parse().ok())
                .unwrap_or(0),
        }
    }
}

impl Stack {
    /// Every service under test, started here or given, as its observers know it.
    pub fn under_test(&self) -> Vec<UnderTest> {
        let started = self.services.iter().map(Service::under_test);
        started.chain(self.external.iter().cloned()).collect()
    }

    /// Ends every process this stack started: SIGTERM, then SIGKILL after a grace period.
    /// Returns one line per process that had exited on its own before, or did not stop.
    pub async fn stop(mut self) -> Vec<String> {
        // Taken, so that the drop below finds nothing left to end.
        let mut services = std::mem::take(&mut self.services);
        // Orchestrator first, so it does not see its dependencies vanish mid-request; the
        // dependencies of its own (Redis, PostgreSQL) after every service.
        services.reverse();
        let deps = std::mem::take(&mut self.deps);
        let mut problems = Vec::new();
        for group in [services, deps] {
            end_group(group, &mut problems).await;
        }
        problems
    }
}

/// Ends a group of processes: SIGTERM to each in turn, then a wait for each, SIGKILL past the
/// grace period; a line in `problems` for each that had exited on its own or did not stop.
async fn end_group(mut services: Vec<Service>, problems: &mut Vec<String>) {
    for service in &mut services {
        if let Some(Ok(Some(status))) = service.child.as_mut().map(Child::try_wait) {
            problems.push(format!(
                "{} had exited during the run ({status})",
                service.name
            ));
            service.child = None;
        }
    }
    for child in services.iter_mut().filter_map(|s| s.child.as_mut()) {
        terminate(child);
    }
    for service in &mut services {
        let Some(child) = &mut service.child else {
            continue;
        };
        if tokio::time::timeout(STOP_GRACE, child.wait())
            .await
            .is_err()
        {
            problems.push(format!(
                "{} ignored SIGTERM for {STOP_GRACE:?} and was killed",
                service.name
            ));
            let _ = child.kill().await;
        }
    }
}

/// A stack dropped without [`Stack::stop`] (an error, a panic) still ends what it started, the
/// same way but without an async runtime to wait in: every process it started, it ends.
impl Drop for Stack {
    fn drop(&mut self) {
        let children: Vec<&mut Child> = self
            .services
            .iter_mut()
            .rev()
            .chain(self.deps.iter_mut())
            .filter_map(|service| service.child.as_mut())
            .collect();
        let mut children = children;
        for child in children.iter_mut() {
            terminate(child);
        }
        let deadline = std::time::Instant::now() + STOP_GRACE;
        for child in children {
            while matches!(child.try_wait(), Ok(None)) && std::time::Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(10));
            }
            if matches!(child.try_wait(), Ok(None)) {
                let _ = child.start_kill();
            }
        }
    }
}

/// Sends SIGTERM to `child` if it has not been reaped, and says whether it did. A child that
/// exited is reaped here instead: its PID may already be another process's, so it is never
/// signalled by number.
fn terminate(child: &mut Child) -> bool {
    // A paused process (a fault) would hold SIGTERM pending until the grace ran out.
    send(child, libc::SIGCONT);
    send(child, libc::SIGTERM)
}

/// Sends `signal` to `child` if it has not been reaped, and says whether it did (see
/// [`terminate`]).
fn send(child: &mut Child, signal: libc::c_int) -> bool {
    if !matches!(child.try_wait(), Ok(None)) {
        return false;
    }
    let Some(pid) = child.id() else {
        return false;
    };
    // SAFETY: kill has no memory-safety preconditions; the PID is our own child's, which
    // try_wait just found running, so it is not reaped and cannot have been reused.
    unsafe {
        libc::kill(pid as libc::pid_t, signal);
    }
    true
}

/// Spawns `bin_dir/binary` on port 0 and reads the address it announces.
pub(super) async fn spawn_service(
    options: &StartOptions,
    logs_dir: &Path,
    component: &'static str,
    name: &str,
    binary: &str,
    args: &[String],
    envs: &[(&str, String)],
) -> anyhow::Result<Service> {
    let program = options.bin_dir.join(binary);
    if !program.exists() {
        bail!(
            "{} does not exist: build the runtime first (cargo build --release)",
            program.display()
        );
    }
    let mut envs: Vec<(String, String)> = envs
        .iter()
        .map(|(key, value)| ((*key).to_owned(), value.clone()))
        .collect();
    envs.push((
        super::keys::SERVICE_KEYS_ENV.to_owned(),
        options.keys.services_file(),
    ));
    if let Some(dir) = &options.heap_dir {
        envs.push((
            crate::observe::heap::DHAT_OUT_ENV.to_owned(),
            dir.join(format!("{name}.dhat-heap.json"))
                .display()
                .to_string(),
        ));
    }
    let mut args = args.to_vec();
    if options.profiling {
        args.push("--profiling".to_owned());
    }
    let launch = Launch {
        program,
        args,
        envs,
        log_path: logs_dir.join(format!("{name}.log")),
        cpus: options.service_cpus.clone(),
        user: None,
        ready: Ready::Announces,
    };
    let (child, addr) = start(&launch, name, 0, false).await?;
    Ok(Service {
        component,
        name: name.to_owned(),
        pid: child.id().unwrap_or_default(),
        base_url: format!("http://{addr}"),
        child: Some(child),
        launch,
    })
}

/// Starts a process as `launch` says, on `port` (a service: 0 picks one), and waits until it
/// is ready; returns it and the address it listens on. Its log is appended to when
/// `append_log` (a restart), else started afresh.
pub(super) async fn start(
    launch: &Launch,
    name: &str,
    port: u16,
    append_log: bool,
) -> anyhow::Result<(Child, String)> {
    let program = &launch.program;
    let log_path = &launch.log_path;
    let log = std::fs::OpenOptions::new()
        .create(true)
        .write(true)
        .append(append_log)
        .truncate(!append_log)
        .open(log_path)
        .with_context(|| format!("creating {}", log_path.display()))?;
    let mut command = Command::new(program);
    if let Ready::Announces = launch.ready {
        command.args(["--host", "127.0.0.1", "--port", &port.to_string()]);
    }
    command
        .args(&launch.args)
        .envs(launch.envs.iter().map(|(key, value)| (key, value)))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(log)
        .kill_on_drop(true);
    if let Some((uid, gid)) = launch.user {
        command.uid(uid).gid(gid);
    }
    // SAFETY: a zeroed cpu_set_t is an empty set and CPU_SET writes within it, before the fork.
    let cpus = (!launch.cpus.is_empty()).then(|| unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        for cpu in &launch.cpus {
            libc::CPU_SET(*cpu, &mut set);
        }
        set
    });
    // SAFETY: prctl is async-signal-safe and touches no memory of the parent. It makes the
    // kernel send SIGTERM to the service if the harness dies without tearing it down.
    unsafe {
        command.pre_exec(move || {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM);
            // The service on its CPUs, apart from the generator's (sched_setaffinity is a
            // plain system call, safe after fork).
            if let Some(set) = &cpus
                && libc::sched_setaffinity(0, size_of::<libc::cpu_set_t>(), set) != 0
            {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let mut child = command
        .spawn()
        .with_context(|| format!("starting {}", program.display()))?;
    let stdout = child.stdout.take().context("the child has no stdout")?;
    let mut lines = BufReader::new(stdout).lines();
    let announced = tokio::time::timeout(ANNOUNCE_TIMEOUT, async {
        match launch.ready {
            Ready::Announces => {
                while let Ok(Some(line)) = lines.next_line().await {
                    if let Some(addr) = line.strip_prefix(LISTENING_PREFIX) {
                        return Some(addr.trim().to_owned());
                    }
                }
                None
            }
            Ready::Accepts(port) => loop {
                if tokio::net::TcpStream::connect(("127.0.0.1", port))
                    .await
                    .is_ok()
                {
                    return Some(format!("127.0.0.1:{port}"));
                }
                if !matches!(child.try_wait(), Ok(None)) {
                    return None;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            },
        }
    })
    .await;
    let addr = match announced {
        Ok(Some(addr)) => addr,
        outcome => {
            let _ = child.kill().await;
            let why = if outcome.is_err() {
                "was not ready in time"
            } else {
                "exited before listening"
            };
            bail!(
                "{name} {why}; its log {} ends with:\n{}",
                log_path.display(),
                tail(log_path, 10)
            );
        }
    };
    // Keep reading stdout so the service never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    Ok((child, addr))
}

fn tail(path: &Path, lines: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn only_a_child_not_yet_reaped_is_signalled() {
        let mut running = Command::new("sleep").arg("30").spawn().unwrap();
        assert!(terminate(&mut running), "a running child is ended");
        let status = running.wait().await.unwrap();
        assert!(!status.success());
        // Exited, and reaped by the wait above: its PID is no longer ours to signal.
        assert!(!terminate(&mut running));
        // Exited but not yet reaped: terminate reaps it rather than signal its number.
        let mut done = Command::new("true").spawn().unwrap();
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while std::fs::read_to_string(format!("/proc/{}/stat", done.id().unwrap()))
            .is_ok_and(|stat| !stat.contains(") Z "))
        {
            assert!(std::time::Instant::now() < deadline, "true never exited");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        assert!(!terminate(&mut done));
        assert!(done.id().is_none(), "reaped");
    }
}
