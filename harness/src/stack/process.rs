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

/// The line services print once they listen (see `serving::LISTENING_PREFIX`).
pub const LISTENING_PREFIX: &str = "listening on http://";
const ANNOUNCE_TIMEOUT: Duration = Duration::from_secs(20);
const STOP_GRACE: Duration = Duration::from_secs(5);

/// A service process the harness started.
pub struct Service {
    /// `reflex`, `orchestrator` or `arm`.
    pub component: &'static str,
    pub name: String,
    pub pid: u32,
    pub base_url: String,
    pub(super) child: Child,
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
        for service in services.iter_mut().rev() {
            terminate(&mut service.child);
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
        for service in self.services.iter_mut().rev() {
            terminate(&mut service.child);
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

/// Sends SIGTERM to `child` if it has not been reaped, and says whether it did. A child that
/// exited is reaped here instead: its PID may already be another process's, so it is never
/// signalled by number.
fn terminate(child: &mut Child) -> bool {
    if !matches!(child.try_wait(), Ok(None)) {
        return false;
    }
    let Some(pid) = child.id() else {
        return false;
    };
    // SAFETY: kill has no memory-safety preconditions; the PID is our own child's, which
    // try_wait just found running, so it is not reaped and cannot have been reused.
    unsafe {
        libc::kill(pid as libc::pid_t, libc::SIGTERM);
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
    let log_path = logs_dir.join(format!("{name}.log"));
    let log = std::fs::File::create(&log_path)
        .with_context(|| format!("creating {}", log_path.display()))?;
    let mut command = Command::new(&program);
    command
        .args(["--host", "127.0.0.1", "--port", "0"])
        .args(args)
        .envs(envs.iter().map(|(key, value)| (*key, value)))
        .args(options.profiling.then_some("--profiling"))
        .envs(options.heap_dir.as_ref().map(|dir| {
            (
                crate::observe::heap::DHAT_OUT_ENV,
                dir.join(format!("{name}.dhat-heap.json")),
            )
        }))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(log)
        .kill_on_drop(true);
    // SAFETY: prctl is async-signal-safe and touches no memory of the parent. It makes the
    // kernel send SIGTERM to the service if the harness dies without tearing it down.
    // SAFETY: a zeroed cpu_set_t is an empty set and CPU_SET writes within it, before the fork.
    let cpus = (!options.service_cpus.is_empty()).then(|| unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        for cpu in &options.service_cpus {
            libc::CPU_SET(*cpu, &mut set);
        }
        set
    });
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
