//! `cargo xtask multihost`: several hosts, for real, on one machine. Network namespaces
//! joined by veth pairs to a bridge (in a namespace of its own) are the hosts: one runs the
//! stack, the others each run a segment of the load (`octoperf run --segment I/N`), which
//! meet in PostgreSQL (the machine's, reached through a small TCP relay on the bridge) and are
//! merged by `octoperf merge --run-group`. It compares the merged segments with one host
//! offering the whole rate, alternating the two, and runs the end-to-end scenario against two
//! Orchestrator replicas sharing PostgreSQL, each fed by a segment, checking that every task
//! completed once. Everything is torn down on exit, Ctrl-C included: the processes by PID,
//! then the namespaces (which take their interfaces with them) and the one interface in the
//! machine's own namespace. Needs root (CAP_NET_ADMIN).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, bail, ensure};

/// The API keys every service of the stack takes: the load and the harness present the
/// admin's, the Orchestrators the service's.
const ADMIN_KEY: &str = "multihost-admin-key";
const SERVICE_KEY: &str = "multihost-service-key";
const ARMS: [&str; 6] = [
    "planner",
    "coder",
    "executor",
    "retriever",
    "judge",
    "guardian",
];

/// Set by SIGINT/SIGTERM: every wait checks it, so that the teardown runs.
static STOP: AtomicBool = AtomicBool::new(false);

extern "C" fn on_signal(_: libc::c_int) {
    STOP.store(true, Ordering::SeqCst);
}

/// Catches Ctrl-C and SIGTERM from here on (the children get the terminal's Ctrl-C too).
pub fn catch_signals() {
    // SAFETY: the handler only stores to an atomic, which is async-signal-safe.
    unsafe {
        libc::signal(libc::SIGINT, on_signal as *const () as libc::sighandler_t);
        libc::signal(libc::SIGTERM, on_signal as *const () as libc::sighandler_t);
    }
}

fn stopped() -> anyhow::Result<()> {
    ensure!(!STOP.load(Ordering::SeqCst), "interrupted");
    Ok(())
}

fn ip(args: &[&str]) -> anyhow::Result<()> {
    let output = Command::new("ip")
        .args(args)
        .output()
        .context("running ip (iproute2)")?;
    ensure!(
        output.status.success(),
        "ip {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&output.stderr).trim()
    );
    Ok(())
}

/// The test network: a bridge in a namespace of its own, hosts each in theirs with one
/// interface on it, and an interface of the machine's own namespace on it (for the relay to
/// PostgreSQL). Dropped, it deletes all of it.
#[derive(Debug)]
pub struct Network {
    prefix: String,
    /// `10.A.B`: the hosts are `.1`, `.2`…, the machine `.254`.
    subnet: [u8; 3],
    pub hosts: Vec<Host>,
    namespaces: Vec<String>,
    machine_link: Option<String>,
}

/// One host: a network namespace and its address.
#[derive(Debug, Clone)]
pub struct Host {
    pub name: String,
    pub namespace: String,
    pub addr: Ipv4Addr,
}

impl Network {
    /// `names` hosts, in this order, at `.1`, `.2`…
    pub fn create(names: &[&str]) -> anyhow::Result<Network> {
        // SAFETY: geteuid has no preconditions.
        ensure!(
            unsafe { libc::geteuid() } == 0,
            "network namespaces need root (CAP_NET_ADMIN): run as root"
        );
        let pid = std::process::id();
        let prefix = format!("op{}", pid % 100_000);
        let subnet = [10, 200 + (pid % 50) as u8, ((pid / 50) % 250) as u8];
        let mut network = Network {
            prefix: prefix.clone(),
            subnet,
            hosts: Vec::new(),
            namespaces: Vec::new(),
            machine_link: None,
        };
        let switch = format!("{prefix}sw");
        network.add_namespace(&switch)?;
        ip(&["-n", &switch, "link", "add", "br0", "type", "bridge"])?;
        ip(&["-n", &switch, "link", "set", "br0", "up"])?;
        for (idx, name) in names.iter().enumerate() {
            let namespace = format!("{prefix}{name}");
            network.add_namespace(&namespace)?;
            let addr = network.addr(idx as u8 + 1);
            let (here, there) = (format!("{prefix}h{idx}"), format!("{prefix}s{idx}"));
            ip(&["link", "add", &here, "type", "veth", "peer", "name", &there])?;
            ip(&["link", "set", &here, "netns", &namespace])?;
            ip(&["link", "set", &there, "netns", &switch])?;
            ip(&["-n", &namespace, "link", "set", &here, "name", "eth0"])?;
            ip(&[
                "-n",
                &namespace,
                "addr",
                "add",
                &format!("{addr}/24"),
                "dev",
                "eth0",
            ])?;
            ip(&["-n", &namespace, "link", "set", "eth0", "up"])?;
            ip(&["-n", &switch, "link", "set", &there, "master", "br0"])?;
            ip(&["-n", &switch, "link", "set", &there, "up"])?;
            network.hosts.push(Host {
                name: (*name).to_owned(),
                namespace,
                addr,
            });
        }
        // The machine's own end, for the relay to its PostgreSQL.
        let (here, there) = (format!("{prefix}m"), format!("{prefix}ms"));
        ip(&["link", "add", &here, "type", "veth", "peer", "name", &there])?;
        network.machine_link = Some(here.clone());
        ip(&["link", "set", &there, "netns", &switch])?;
        ip(&["-n", &switch, "link", "set", &there, "master", "br0"])?;
        ip(&["-n", &switch, "link", "set", &there, "up"])?;
        ip(&[
            "addr",
            "add",
            &format!("{}/24", network.machine_addr()),
            "dev",
            &here,
        ])?;
        ip(&["link", "set", &here, "up"])?;
        Ok(network)
    }

    fn add_namespace(&mut self, name: &str) -> anyhow::Result<()> {
        ip(&["netns", "add", name])?;
        self.namespaces.push(name.to_owned());
        ip(&["-n", name, "link", "set", "lo", "up"])
    }

    fn addr(&self, last: u8) -> Ipv4Addr {
        Ipv4Addr::new(self.subnet[0], self.subnet[1], self.subnet[2], last)
    }

    /// The machine's own address on the bridge.
    pub fn machine_addr(&self) -> Ipv4Addr {
        self.addr(254)
    }

    /// The network, as `--allow-target` takes it.
    pub fn cidr(&self) -> String {
        format!("{}/24", self.addr(0))
    }

    pub fn host(&self, name: &str) -> &Host {
        self.hosts
            .iter()
            .find(|host| host.name == name)
            .expect("a host of the network")
    }
}

impl Drop for Network {
    fn drop(&mut self) {
        if let Some(link) = &self.machine_link {
            let _ = ip(&["link", "del", link]);
        }
        for namespace in self.namespaces.iter().rev() {
            if let Err(error) = ip(&["netns", "del", namespace]) {
                eprintln!("warning: {error}");
            }
        }
        eprintln!("multihost: network {} torn down", self.prefix);
    }
}

impl Host {
    /// `program args…` on this host, in the foreground's process group (Ctrl-C reaches it).
    pub fn command(&self, program: &Path) -> Command {
        let mut command = Command::new("ip");
        command
            .args(["netns", "exec", &self.namespace])
            .arg(program);
        command
    }
}

/// A relay from `listen` to `target`, a thread per connection, for as long as it lives: the
/// hosts reach the machine's PostgreSQL through it.
#[derive(Debug)]
pub struct Relay {
    stop: Arc<AtomicBool>,
}

impl Relay {
    pub fn start(listen: SocketAddr, target: SocketAddr) -> anyhow::Result<Relay> {
        let listener =
            TcpListener::bind(listen).with_context(|| format!("binding the relay on {listen}"))?;
        listener.set_nonblocking(true)?;
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = stop.clone();
        std::thread::spawn(move || {
            while !stopping.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((client, _)) => {
                        std::thread::spawn(move || {
                            if let Ok(server) = TcpStream::connect(target) {
                                pipe(client, server);
                            }
                        });
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(20)),
                }
            }
        });
        Ok(Relay { stop })
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// Copies both ways until either side closes.
fn pipe(client: TcpStream, server: TcpStream) {
    let _ = client.set_nonblocking(false);
    let copy = |mut from: TcpStream, mut to: TcpStream| {
        let mut buffer = [0u8; 16 * 1024];
        loop {
            match from.read(&mut buffer) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    if to.write_all(&buffer[..n]).is_err() {
                        break;
                    }
                }
            }
        }
        let _ = to.shutdown(std::net::Shutdown::Write);
    };
    let (c2, s2) = match (client.try_clone(), server.try_clone()) {
        (Ok(c), Ok(s)) => (c, s),
        _ => return,
    };
    let up = std::thread::spawn(move || copy(client, server));
    copy(s2, c2);
    let _ = up.join();
}

/// Processes started on the hosts, ended by PID (SIGTERM, then SIGKILL) when dropped.
#[derive(Debug, Default)]
pub struct Processes {
    children: Mutex<Vec<(String, Child)>>,
}

impl Processes {
    /// Starts a service and waits for its `listening on http://ADDR` line; its stderr goes
    /// to `log`.
    pub fn service(&self, name: &str, mut command: Command, log: &Path) -> anyhow::Result<String> {
        let stderr =
            std::fs::File::create(log).with_context(|| format!("creating {}", log.display()))?;
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .with_context(|| format!("starting {name}"))?;
        let stdout = child.stdout.take().context("the child's stdout")?;
        self.children
            .lock()
            .expect("not poisoned")
            .push((name.to_owned(), child));
        let (sender, receiver) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Some(addr) = line.strip_prefix("listening on http://") {
                    let _ = sender.send(addr.trim().to_owned());
                }
            }
        });
        let addr = receiver
            .recv_timeout(Duration::from_secs(30))
            .with_context(|| format!("{name} did not say it listens (see {})", log.display()))?;
        Ok(format!("http://{addr}"))
    }

    /// Starts a process that ends by itself; returns its PID.
    pub fn spawn(&self, name: &str, mut command: Command, log: &Path) -> anyhow::Result<u32> {
        let out =
            std::fs::File::create(log).with_context(|| format!("creating {}", log.display()))?;
        let child = command
            .stdin(Stdio::null())
            .stdout(out.try_clone()?)
            .stderr(out)
            .spawn()
            .with_context(|| format!("starting {name}"))?;
        let pid = child.id();
        self.children
            .lock()
            .expect("not poisoned")
            .push((name.to_owned(), child));
        Ok(pid)
    }

    /// Waits for the process `pid` to end, up to `limit`; its exit code.
    pub fn wait(&self, pid: u32, limit: Duration) -> anyhow::Result<i32> {
        let began = Instant::now();
        loop {
            {
                let mut children = self.children.lock().expect("not poisoned");
                let (name, child) = children
                    .iter_mut()
                    .find(|(_, child)| child.id() == pid)
                    .context("no such process")?;
                if let Some(status) = child.try_wait()? {
                    return Ok(status.code().unwrap_or(128));
                }
                if began.elapsed() > limit {
                    bail!("{name} (pid {pid}) still runs after {limit:?}");
                }
            }
            if STOP.load(Ordering::SeqCst) {
                bail!("interrupted");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Ends one process at once (SIGKILL), as a host that dies.
    pub fn kill(&self, pid: u32) {
        // SAFETY: a signal to a child of ours, by its PID.
        unsafe {
            libc::kill(pid as libc::pid_t, libc::SIGKILL);
        }
    }
}

impl Drop for Processes {
    fn drop(&mut self) {
        let mut children = self.children.lock().unwrap_or_else(|p| p.into_inner());
        for (_, child) in children.iter_mut() {
            if child.try_wait().ok().flatten().is_none() {
                // SAFETY: a signal to a child of ours, by its PID.
                unsafe {
                    libc::kill(child.id() as libc::pid_t, libc::SIGTERM);
                }
            }
        }
        let deadline = Instant::now() + Duration::from_secs(5);
        for (name, child) in children.iter_mut() {
            while child.try_wait().ok().flatten().is_none() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(50));
            }
            if child.try_wait().ok().flatten().is_none() {
                eprintln!("multihost: {name} (pid {}) killed", child.id());
                let _ = child.kill();
                let _ = child.wait();
            }
        }
    }
}

/// The keys file every service of the stack reads, in the environment.
pub fn api_keys() -> String {
    format!("{ADMIN_KEY} admin octoperf\n{SERVICE_KEY} service orchestrator\n")
}

/// Where the binaries are, and the folders a run writes.
#[derive(Debug, Clone)]
pub struct Setup {
    pub bin_dir: PathBuf,
    pub scenarios_dir: PathBuf,
    pub budgets: PathBuf,
    pub out: PathBuf,
    /// The machine's PostgreSQL, as its hosts reach it through the relay (no database name).
    pub postgres: String,
}

/// `octoperf run` for one host: the given services, the network allowed, the history at
/// `history` (a run group's rendezvous) or none.
pub fn octoperf_run(
    setup: &Setup,
    network: &Network,
    host: &Host,
    scenario: &str,
    services: &[(String, String)],
    out: &Path,
    history: Option<&str>,
) -> Command {
    // The whole process on CPU 1 (its workers, and its sampler, hiccup meter and runtime),
    // so that a second and third generator process never takes CPU 0 from the Reflex Layer.
    let mut command = host.command(Path::new("taskset"));
    command
        .args(["-c", "1"])
        .arg(setup.bin_dir.join("octoperf"))
        .arg("run")
        .args(["--scenario", scenario, "--scenarios-dir"])
        .arg(&setup.scenarios_dir)
        .arg("--budgets")
        .arg(&setup.budgets)
        .args(["--allow-target", &network.cidr()])
        .args(["--generator-cpus", "1", "--quiet", "--out"])
        .arg(out)
        .env("OCTOPERF_API_KEY", ADMIN_KEY);
    match history {
        Some(url) => command.env("OCTOPERF_HISTORY_URL", url),
        None => command.arg("--no-history"),
    };
    for (name, url) in services {
        command.args(["--service", &format!("{name}={url}")]);
    }
    command
}

/// `threads` generator workers.
fn with_threads(mut command: Command, threads: usize) -> Command {
    command.args(["--generator-threads", &threads.to_string()]);
    command
}

/// The history's URL for the hosts: the machine's PostgreSQL through the relay.
pub fn history_url(setup: &Setup, database: &str) -> String {
    format!("{}/{database}", setup.postgres)
}

/// Runs `count` segments of `scenario` on the load hosts `load[i]` (each with its own
/// services), merges them in the history (the machine's PostgreSQL database `database`), and
/// returns the merged report's folder and the
/// merge's exit code. `kill` names a segment to end with SIGKILL once it joined (a host that
/// dies).
#[allow(clippy::too_many_arguments)]
pub fn segments(
    setup: &Setup,
    network: &Network,
    processes: &Processes,
    scenario: &str,
    load: &[(&Host, Vec<(String, String)>)],
    (group, database): (&str, &str),
    kill: Option<usize>,
    merge_wait: &str,
    extra: &[&str],
) -> anyhow::Result<(PathBuf, i32)> {
    let count = load.len();
    let history = history_url(setup, database);
    let mut pids = Vec::new();
    for (idx, (host, services)) in load.iter().enumerate() {
        stopped()?;
        let out = setup.out.join(format!("{group}-segment-{}", idx + 1));
        let mut command = with_threads(
            octoperf_run(
                setup,
                network,
                host,
                scenario,
                services,
                &out,
                Some(&history),
            ),
            1,
        );
        command
            .args(["--segment", &format!("{}/{count}", idx + 1)])
            .args(["--start-at", "joined+4s", "--run-group", group])
            .args(extra);
        let log = setup.out.join(format!("{group}-segment-{}.log", idx + 1));
        pids.push(processes.spawn(&format!("segment {}", idx + 1), command, &log)?);
    }
    if let Some(victim) = kill {
        // Killed once every segment joined and before it recorded anything: a host that
        // dies mid-run.
        let began = Instant::now();
        let joined = format!("SELECT count(*) FROM octoperf_segments WHERE run_group = '{group}'");
        while query(database, &joined).unwrap_or_default() != count.to_string() {
            ensure!(
                began.elapsed() < Duration::from_secs(60),
                "the segments of {group} did not all join"
            );
            stopped()?;
            std::thread::sleep(Duration::from_millis(100));
        }
        std::thread::sleep(Duration::from_millis(500));
        processes.kill(pids[victim]);
        eprintln!("multihost: segment {}/{count} killed", victim + 1);
    }
    let merged = setup.out.join(format!("{group}-merged"));
    let mut merge = Command::new(setup.bin_dir.join("octoperf"));
    merge
        .args([
            "merge",
            "--run-group",
            group,
            "--segments",
            &count.to_string(),
        ])
        .args(["--wait", merge_wait, "--budgets"])
        .arg(&setup.budgets)
        .arg("--out")
        .arg(&merged)
        // The merge runs on the machine itself, beside its PostgreSQL.
        .env(
            "OCTOPERF_HISTORY_URL",
            format!("postgres://postgres@127.0.0.1:5432/{database}"),
        );
    let log = setup.out.join(format!("{group}-merge.log"));
    let merge_pid = processes.spawn("merge", merge, &log)?;
    let code = processes.wait(merge_pid, Duration::from_secs(600))?;
    for (idx, pid) in pids.iter().enumerate() {
        if Some(idx) != kill {
            let segment_code = processes.wait(*pid, Duration::from_secs(120))?;
            ensure!(
                [0, 1, 3].contains(&segment_code),
                "segment {}/{count} exited {segment_code} (see {})",
                idx + 1,
                setup
                    .out
                    .join(format!("{group}-segment-{}.log", idx + 1))
                    .display()
            );
        }
    }
    Ok((merged, code))
}

/// Creates (or empties) a database of the machine's PostgreSQL for the run.
pub fn fresh_database(name: &str) -> anyhow::Result<()> {
    query(
        "postgres",
        &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
    )?;
    query("postgres", &format!("CREATE DATABASE {name}"))?;
    Ok(())
}

/// Runs one SQL query on a database of the machine's PostgreSQL; its rows, `|`-separated.
pub fn query(database: &str, sql: &str) -> anyhow::Result<String> {
    let output = Command::new("psql")
        .args([
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
            "-d",
            database,
            "-qAtc",
            sql,
        ])
        .output()
        .context("running psql")?;
    ensure!(
        output.status.success(),
        "psql: {sql}: {}",
        String::from_utf8_lossy(&output.stderr).trim()
    );
    Ok(String::from_utf8_lossy(&output.stdout).trim().to_owned())
}

/// Drops a database of the run, if it is there (teardown: a failure is only ignored).
pub fn drop_database(name: &str) {
    let _ = query(
        "postgres",
        &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
    );
}

/// Starts the Reflex Layer on the stack host.
pub fn start_reflex(setup: &Setup, processes: &Processes, stack: &Host) -> anyhow::Result<String> {
    // On CPU 0, the generators on CPU 1 (`taskset`, see `octoperf_run`): one host's
    // generator and N segments' compete for the same core, never with the Reflex Layer.
    let mut command = stack.command(Path::new("taskset"));
    command
        .args(["-c", "0"])
        .arg(setup.bin_dir.join("reflex"))
        .args(["--host", &stack.addr.to_string(), "--port", "0"])
        .args(["--rate-limit", "0"])
        .env("OCTO_API_KEYS", api_keys());
    processes.service("reflex", command, &setup.out.join("reflex.log"))
}

/// Services as `(name, url)`, as `--service` takes them.
pub type Services = Vec<(String, String)>;

/// Starts the six arms (journals of their LLM calls in `effects`) and `replicas`
/// Orchestrators sharing `database_url`, on the stack host; the Orchestrators' URLs and
/// every service.
pub fn start_replicas(
    setup: &Setup,
    processes: &Processes,
    stack: &Host,
    reflex: &str,
    database_url: &str,
    replicas: usize,
    effects: &Path,
) -> anyhow::Result<(Vec<String>, Services)> {
    std::fs::create_dir_all(effects)?;
    let mut services = vec![("reflex".to_owned(), reflex.to_owned())];
    for arm in ARMS {
        let mut command = stack.command(&setup.bin_dir.join("arm"));
        command
            .args([
                "--kind",
                arm,
                "--host",
                &stack.addr.to_string(),
                "--port",
                "0",
            ])
            .arg("--effects-log")
            .arg(effects.join(format!("arm-{arm}.log")))
            .env("OCTO_API_KEYS", api_keys());
        let url = processes.service(
            &format!("arm-{arm}"),
            command,
            &setup.out.join(format!("arm-{arm}.log")),
        )?;
        services.push((arm.to_owned(), url));
    }
    let mut orchestrators = Vec::new();
    for replica in 1..=replicas {
        let mut command = stack.command(&setup.bin_dir.join("orchestrator"));
        command
            .args(["--host", &stack.addr.to_string(), "--port", "0"])
            .args(["--instance-id", &format!("replica-{replica}")])
            .args(["--lease-seconds", "5", "--reflex-url", reflex])
            .env("ORCHESTRATOR_DATABASE_URL", database_url)
            .env("ORCHESTRATOR_SERVICE_KEY", SERVICE_KEY)
            .env("OCTO_API_KEYS", api_keys());
        for (name, url) in services.iter().skip(1) {
            command.args(["--arm", &format!("{name}={url}")]);
        }
        orchestrators.push(processes.service(
            &format!("orchestrator-{replica}"),
            command,
            &setup.out.join(format!("orchestrator-{replica}.log")),
        )?);
    }
    Ok((orchestrators, services))
}

/// Request ids that more than one successful LLM call ran for, across the arms' journals.
pub fn repeated_effects(effects: &Path) -> anyhow::Result<(usize, Vec<String>)> {
    let mut seen = std::collections::BTreeMap::<String, u32>::new();
    for entry in std::fs::read_dir(effects)? {
        let text = std::fs::read_to_string(entry?.path())?;
        for line in text.lines().filter(|line| !line.is_empty()) {
            *seen.entry(line.to_owned()).or_default() += 1;
        }
    }
    let repeated = seen
        .iter()
        .filter(|(_, n)| **n > 1)
        .map(|(id, n)| format!("{id} ran {n} times"))
        .collect();
    Ok((seen.len(), repeated))
}

/// One request series' service time, P50 and P99, µs.
fn service_time(report: &serde_json::Value, kind: &str) -> (f64, f64) {
    let request = report["scenarios"][0]["requests"]
        .as_array()
        .and_then(|requests| requests.iter().find(|r| r["kind"] == kind));
    let at = |field: &str| {
        request
            .and_then(|r| r["service_time"][field].as_f64())
            .unwrap_or(0.0)
    };
    (at("p50_us"), at("p99_us"))
}

/// A report's JSON.
pub fn read_report(folder: &Path) -> anyhow::Result<serde_json::Value> {
    let path = folder.join("report.json");
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))
}

/// One request series of a report's first scenario: `(offered/s, answered/s, P50 µs, P99 µs,
/// sent, ok)`.
pub fn series(report: &serde_json::Value, kind: &str) -> Option<(f64, f64, f64, f64, u64, u64)> {
    let request = report["scenarios"][0]["requests"]
        .as_array()?
        .iter()
        .find(|r| r["kind"] == kind)?;
    Some((
        request["offered_per_second"].as_f64().unwrap_or(0.0),
        request["achieved_per_second"].as_f64()?,
        request["latency"]["p50_us"].as_f64()?,
        request["latency"]["p99_us"].as_f64()?,
        request["sent"].as_u64()?,
        request["ok"].as_u64()?,
    ))
}

#[derive(Debug, clap::Args)]
pub struct MultihostOpts {
    /// Load hosts, one segment each.
    #[arg(long, default_value_t = 3)]
    pub segments: usize,
    /// Trials of each side (one host, N segments), alternated.
    #[arg(long, default_value_t = 3)]
    pub trials: usize,
    /// The scenario compared (its rate is the whole; each segment offers 1/N of it).
    #[arg(long, default_value = "reflex")]
    pub scenario: String,
    /// Full-length windows instead of the scenario's quick ones.
    #[arg(long)]
    pub full: bool,
    /// Output folder [default: target/multihost/<pid>].
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// One side's figures in one trial.
#[derive(Debug, Clone, Copy)]
struct Figures {
    offered: f64,
    answered: f64,
    p50_us: f64,
    p99_us: f64,
    /// Service time (from the actual send): the system's part, the generator's lateness
    /// left out.
    service_p50_us: f64,
    service_p99_us: f64,
}

/// The network, the relay to PostgreSQL and the processes: dropped in reverse order, the
/// processes first.
struct Lab {
    // Fields drop in this order: the processes end before their network goes.
    processes: Processes,
    _relay: Relay,
    network: Network,
    setup: Setup,
}

fn lab(setup: Setup, hosts: &[&str]) -> anyhow::Result<Lab> {
    let network = Network::create(hosts)?;
    let machine = network.machine_addr();
    let relay = Relay::start(
        SocketAddr::from((machine, 5432)),
        SocketAddr::from(([127, 0, 0, 1], 5432)),
    )?;
    let setup = Setup {
        postgres: format!("postgres://postgres@{machine}:5432"),
        ..setup
    };
    Ok(Lab {
        setup,
        network,
        _relay: relay,
        processes: Processes::default(),
    })
}

/// `cargo xtask multihost`.
pub fn run(root: &Path, opts: &MultihostOpts) -> anyhow::Result<u8> {
    ensure!(opts.segments >= 2, "--segments: at least 2");
    catch_signals();
    crate::build_release(root, &["reflex", "orchestrator", "arms", "harness"])?;
    let pid = std::process::id();
    let out = opts.out.clone().unwrap_or_else(|| {
        crate::target_dir(root)
            .join("multihost")
            .join(pid.to_string())
    });
    std::fs::create_dir_all(&out)?;
    let out = std::fs::canonicalize(&out)?;
    let scenarios_dir = root.join("scenarios");
    let setup = Setup {
        bin_dir: crate::target_dir(root).join("release"),
        scenarios_dir,
        budgets: root.join("scenarios/budgets.toml"),
        out: out.clone(),
        postgres: String::new(),
    };
    let mut names = vec!["stack".to_owned()];
    names.extend((1..=opts.segments).map(|i| format!("load{i}")));
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let lab = lab(setup, &names)?;
    let database = format!("octoperf_multihost_{pid}");
    fresh_database(&database)?;
    let result = compare(&lab, opts, &database).and_then(|held| {
        let replicas = replicas(&lab, pid)?;
        Ok(held && replicas)
    });
    drop_database(&database);
    eprintln!("multihost: reports and logs in {}", out.display());
    Ok(if result? { 0 } else { 1 })
}

/// The acceptance comparison: one host at the whole rate against N segments, alternated.
fn compare(lab: &Lab, opts: &MultihostOpts, database: &str) -> anyhow::Result<bool> {
    let (setup, network, processes) = (&lab.setup, &lab.network, &lab.processes);
    let stack = network.host("stack");
    let reflex = start_reflex(setup, processes, stack)?;
    let services = vec![("reflex".to_owned(), reflex.clone())];
    eprintln!("multihost: Reflex Layer at {reflex} on host {}", stack.addr);
    let kind = "reflex_process";
    let (mut single, mut merged) = (Vec::new(), Vec::new());
    let mut judged = true;
    for trial in 1..=opts.trials {
        stopped()?;
        let out = setup.out.join(format!("single-{trial}"));
        let host = network.host("load1");
        // As many workers as segments, on the same core: worker k takes every N-th intended
        // time, as segment k does, so the two sides differ only in being one process, or N
        // processes on N hosts merged.
        let mut command = with_threads(
            octoperf_run(setup, network, host, &opts.scenario, &services, &out, None),
            opts.segments,
        );
        if !opts.full {
            command.arg("--quick");
        }
        let log = setup.out.join(format!("single-{trial}.log"));
        let pid = processes.spawn("single host", command, &log)?;
        let code = processes.wait(pid, Duration::from_secs(900))?;
        let report = read_report(&out)?;
        let (offered, answered, p50_us, p99_us, ..) =
            series(&report, kind).with_context(|| format!("single-{trial}: no {kind}"))?;
        let (service_p50_us, service_p99_us) = service_time(&report, kind);
        eprintln!(
            "trial {trial}, one host:      offered {offered:>8.0}/s answered {answered:>8.0}/s P50 {:.3} ms P99 {:.3} ms (service time {:.3}, {:.3}) (exit {code})",
            p50_us / 1e3,
            p99_us / 1e3,
            service_p50_us / 1e3,
            service_p99_us / 1e3
        );
        single.push(Figures {
            offered,
            answered,
            p50_us,
            p99_us,
            service_p50_us,
            service_p99_us,
        });
        stopped()?;
        let load: Vec<(&Host, Vec<(String, String)>)> = (1..=opts.segments)
            .map(|i| (network.host(&format!("load{i}")), services.clone()))
            .collect();
        let group = format!("mh{}-{trial}", std::process::id());
        let quick: &[&str] = if opts.full { &[] } else { &["--quick"] };
        let (folder, code) = segments(
            setup,
            network,
            processes,
            &opts.scenario,
            &load,
            (&group, database),
            None,
            "10m",
            quick,
        )?;
        let report = read_report(&folder)?;
        let (offered, answered, p50_us, p99_us, ..) =
            series(&report, kind).with_context(|| format!("{group}: no {kind}"))?;
        let (service_p50_us, service_p99_us) = service_time(&report, kind);
        eprintln!(
            "trial {trial}, {} segments:   offered {offered:>8.0}/s answered {answered:>8.0}/s P50 {:.3} ms P99 {:.3} ms (service time {:.3}, {:.3}), verdict {} (exit {code})",
            opts.segments,
            p50_us / 1e3,
            p99_us / 1e3,
            service_p50_us / 1e3,
            service_p99_us / 1e3,
            report["verdict"]
        );
        let unjudged: Vec<String> = report["targets"]
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .filter(|row| row["component"] == "reflex" && row["measured"].is_null())
            .map(|row| format!("{}.{}", row["table"], row["metric"]))
            .collect();
        if !unjudged.is_empty() {
            eprintln!(
                "  Reflex rows the merge left unmeasured: {}",
                unjudged.join(", ")
            );
            judged = false;
        }
        merged.push(Figures {
            offered,
            answered,
            p50_us,
            p99_us,
            service_p50_us,
            service_p99_us,
        });
    }
    let spread = |of: &dyn Fn(&Figures) -> f64, side: &[Figures]| {
        let values: Vec<f64> = side.iter().map(of).collect();
        (
            values.iter().copied().fold(f64::INFINITY, f64::min),
            values.iter().copied().fold(0.0, f64::max),
        )
    };
    let mut held = judged;
    // Latency (from the intended send) is judged; service time is shown beside it, to tell
    // the system's part from the generators' lateness.
    for (name, gated, of) in [
        (
            "P50",
            true,
            &(|f: &Figures| f.p50_us) as &dyn Fn(&Figures) -> f64,
        ),
        ("P99", true, &|f: &Figures| f.p99_us),
        ("service-time P50", false, &|f: &Figures| f.service_p50_us),
        ("service-time P99", false, &|f: &Figures| f.service_p99_us),
    ] {
        let (low, high) = spread(of, &single);
        let (merged_low, merged_high) = spread(of, &merged);
        // Within the single host's run-to-run spread.
        let inside = merged_low >= low && merged_high <= high;
        held &= inside || !gated;
        eprintln!(
            "{name}: one host {:.3}–{:.3} ms, merged segments {:.3}–{:.3} ms: {}",
            low / 1e3,
            high / 1e3,
            merged_low / 1e3,
            merged_high / 1e3,
            if inside {
                "within the spread"
            } else {
                "OUTSIDE the spread"
            }
        );
    }
    for (idx, (one, parts)) in single.iter().zip(&merged).enumerate() {
        let ratio = parts.offered / one.offered;
        eprintln!(
            "trial {}: merged offered {:.0}/s against one host's {:.0}/s ({ratio:.3}×), answered {:.0}/s against {:.0}/s",
            idx + 1,
            parts.offered,
            one.offered,
            parts.answered,
            one.answered
        );
        held &= (ratio - 1.0).abs() < 0.01;
    }
    Ok(held)
}

/// Two Orchestrator replicas sharing PostgreSQL, each fed by a segment of the end-to-end
/// scenario: every task completed, once.
fn replicas(lab: &Lab, pid: u32) -> anyhow::Result<bool> {
    let (setup, network, processes) = (&lab.setup, &lab.network, &lab.processes);
    let stack = network.host("stack");
    let reflex = start_reflex(setup, processes, stack)?;
    let tasks_db = format!("octoperf_multihost_tasks_{pid}");
    fresh_database(&tasks_db)?;
    let history_db = format!("octoperf_multihost_history_{pid}");
    fresh_database(&history_db)?;
    let outcome = (|| {
        let effects = setup.out.join("effects");
        let (orchestrators, services) = start_replicas(
            setup,
            processes,
            stack,
            &reflex,
            &format!("{}/{tasks_db}", setup.postgres),
            2,
            &effects,
        )?;
        eprintln!(
            "multihost: Orchestrator replicas at {} sharing PostgreSQL database {tasks_db}",
            orchestrators.join(" and ")
        );
        let load: Vec<(&Host, Vec<(String, String)>)> = orchestrators
            .iter()
            .enumerate()
            .map(|(idx, url)| {
                let mut given = services.clone();
                given.push(("orchestrator".to_owned(), url.clone()));
                (network.host(&format!("load{}", idx + 1)), given)
            })
            .collect();
        let group = format!("mh{pid}-replicas");
        let (folder, code) = segments(
            setup,
            network,
            processes,
            "end-to-end",
            &load,
            (&group, &history_db),
            None,
            "10m",
            &["--quick"],
        )?;
        check_tasks(&read_report(&folder)?, &tasks_db, &effects, code)
    })();
    drop_database(&tasks_db);
    drop_database(&history_db);
    outcome
}

/// Every task the merged report counts as answered completed once: the database holds as
/// many tasks as were sent, each completed, and no arm ran a request id's LLM call twice.
fn check_tasks(
    report: &serde_json::Value,
    tasks_db: &str,
    effects: &Path,
    merge_code: i32,
) -> anyhow::Result<bool> {
    let (mut sent, mut ok) = (0, 0);
    for kind in ["task_simple", "task_complex"] {
        if let Some((.., kind_sent, kind_ok)) = series(report, kind) {
            sent += kind_sent;
            ok += kind_ok;
        }
    }
    let in_db = query(
        tasks_db,
        "SELECT count(*), count(*) FILTER (WHERE status = 'completed') FROM tasks",
    )?;
    let (stored, completed) = in_db.split_once('|').context("psql's answer")?;
    let (stored, completed): (u64, u64) = (stored.parse()?, completed.parse()?);
    let (ids, repeated) = repeated_effects(effects)?;
    eprintln!(
        "replicas: {sent} tasks sent through two segments, {ok} completed as the load saw them; the database holds {stored}, {completed} completed; {ids} LLM calls by request id, {} run twice; merge exit {merge_code}, verdict {}",
        repeated.len(),
        report["verdict"]
    );
    for example in repeated.iter().take(5) {
        eprintln!("  {example}");
    }
    Ok(sent > 0 && ok == sent && stored >= sent && completed == stored && repeated.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The runtime and octoperf, built (debug) beside this test's binary.
    fn built_binaries() -> PathBuf {
        let dir = std::env::current_exe()
            .unwrap()
            .parent()
            .and_then(Path::parent)
            .unwrap()
            .to_path_buf();
        let status = Command::new(env!("CARGO"))
            .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join(".."))
            .args(["build", "--workspace", "--bins", "--target-dir"])
            .arg(dir.parent().unwrap())
            .status()
            .unwrap();
        assert!(status.success(), "building the binaries: {status}");
        dir
    }

    /// Root and iproute2: namespaces can be made here.
    fn can_make_namespaces() -> bool {
        // SAFETY: geteuid has no preconditions.
        let root = unsafe { libc::geteuid() } == 0;
        root && Command::new("ip").arg("-V").output().is_ok()
    }

    // Not the throughput row: 600/s fails it by design, and a failing row on a machine that
    // is busy for a moment makes the scenario invalid, which is not what this test is about.
    const REFLEX: &str = r#"description = "the Reflex Layer at 600/s, for segments"
measures = ["latency.reflex", "memory.reflex", "cpu.reflex"]
[stack]
start = ["reflex"]
[load]
model = "open"
rate = "600/s"
warmup = "2s"
duration = "4s"
[[requests]]
kind = "reflex_process"
text = { min_chars = 100, max_chars = 300, injection_ratio = 0.05, repeat_ratio = 0.3 }
"#;

    const TASKS: &str = r#"description = "tasks end to end at 8/s, for replicas"
measures = ["latency.e2e_simple", "latency.e2e_complex"]
[stack]
start = ["reflex", "arms", "orchestrator"]
[load]
model = "open"
rate = "8/s"
warmup = "1s"
duration = "4s"
[[requests]]
kind = "task_simple"
weight = 2
text = { min_chars = 60, max_chars = 200 }
[[requests]]
kind = "task_complex"
weight = 1
text = { min_chars = 60, max_chars = 200 }
"#;

    /// Issue 25's hosts on one machine: three segments on three namespace hosts merged into
    /// one judged run, a segment that dies named, and two Orchestrator replicas sharing
    /// PostgreSQL completing every task once.
    #[test]
    fn segments_on_namespace_hosts_merge_into_one_run_and_replicas_complete_each_task_once() {
        if !can_make_namespaces() {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "network namespaces need root and iproute2, and CI=true"
            );
            eprintln!("skipped: not root, or no iproute2");
            return;
        }
        let bin_dir = built_binaries();
        let out = std::env::temp_dir().join(format!("octoperf-multihost-{}", std::process::id()));
        let scenarios = out.join("scenarios");
        std::fs::create_dir_all(&scenarios).unwrap();
        std::fs::write(scenarios.join("seg-reflex.toml"), REFLEX).unwrap();
        std::fs::write(scenarios.join("seg-tasks.toml"), TASKS).unwrap();
        let setup = Setup {
            bin_dir,
            scenarios_dir: scenarios,
            budgets: Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/budgets.toml"),
            out: out.clone(),
            postgres: String::new(),
        };
        let lab = lab(setup, &["stack", "load1", "load2", "load3"]).unwrap();
        let (setup, network, processes) = (&lab.setup, &lab.network, &lab.processes);
        let pid = std::process::id();
        let history = format!("octoperf_mh_test_{pid}");
        fresh_database(&history).unwrap();
        let tasks_db = format!("octoperf_mh_test_tasks_{pid}");
        fresh_database(&tasks_db).unwrap();
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let reflex = start_reflex(setup, processes, network.host("stack")).unwrap();
            let given = vec![("reflex".to_owned(), reflex.clone())];

            // Three segments of 600/s, merged.
            let load: Vec<(&Host, Services)> = (1..=3)
                .map(|i| (network.host(&format!("load{i}")), given.clone()))
                .collect();
            let (folder, _) = segments(
                setup,
                network,
                processes,
                "seg-reflex",
                &load,
                ("three", &history),
                None,
                "2m",
                &[],
            )
            .unwrap();
            let merged = read_report(&folder).unwrap();
            let (offered, answered, ..) = series(&merged, "reflex_process").unwrap();
            assert!((offered - 600.0).abs() < 1.0, "offered {offered}/s");
            assert!(answered > 550.0, "answered {answered}/s");
            let parts: Vec<serde_json::Value> = (1..=3)
                .map(|i| read_report(&out.join(format!("three-segment-{i}"))).unwrap())
                .collect();
            let sent: u64 = parts
                .iter()
                .map(|p| series(p, "reflex_process").unwrap().4)
                .sum();
            assert_eq!(series(&merged, "reflex_process").unwrap().4, sent);
            for part in &parts {
                let (part_offered, ..) = series(part, "reflex_process").unwrap();
                assert!(
                    (part_offered - 200.0).abs() < 0.5,
                    "a segment offered {part_offered}/s"
                );
            }
            let listed = merged["segments"].as_array().unwrap();
            assert_eq!(listed.len(), 3);
            let sampling = listed.iter().filter(|s| s["samples_stack"] == true).count();
            assert_eq!(sampling, 1);
            let scenario = &merged["scenarios"][0];
            // Nothing about the segments makes it invalid (late, missing); only noise may (the
            // machine's pauses or other load, or late sends, deciding a failing row), which a
            // shared CI host can bring.
            let reasons = scenario["invalid_reasons"].as_array().unwrap();
            assert!(
                reasons
                    .iter()
                    .all(|r| !r.as_str().unwrap().contains("segment")),
                "{reasons:?}"
            );
            if scenario["valid"] == true {
                // Every Reflex row it measures judged once, its resources from the one
                // sampling segment.
                for row in merged["targets"].as_array().unwrap() {
                    if row["component"] == "reflex" && row["table"] != "throughput" {
                        assert!(!row["measured"].is_null(), "{row}");
                    }
                }
            } else {
                assert!(
                    reasons.iter().all(|r| {
                        let r = r.as_str().unwrap();
                        r.contains("machine") || r.contains("generator sent late")
                    }),
                    "{reasons:?}"
                );
                eprintln!("the machine made the merged scenario invalid: {reasons:?}");
            }
            let logs = scenario["generator"]["interval_logs"].as_array().unwrap();
            assert!(!logs.is_empty());

            // A segment that dies: the merge calls the run invalid and names it.
            let load: Vec<(&Host, Services)> = (1..=2)
                .map(|i| (network.host(&format!("load{i}")), given.clone()))
                .collect();
            let (folder, code) = segments(
                setup,
                network,
                processes,
                "seg-reflex",
                &load,
                ("dies", &history),
                Some(1),
                "45s",
                &[],
            )
            .unwrap();
            assert_eq!(code, 3, "the merge's exit code");
            let merged = read_report(&folder).unwrap();
            assert_eq!(merged["verdict"], "invalid");
            let reasons = merged["verdict_reasons"].to_string();
            assert!(reasons.contains("segment 2/2"), "{reasons}");

            // Two Orchestrator replicas sharing PostgreSQL, a segment feeding each.
            let effects = out.join("effects");
            let (orchestrators, services) = start_replicas(
                setup,
                processes,
                network.host("stack"),
                &reflex,
                &format!("{}/{tasks_db}", setup.postgres),
                2,
                &effects,
            )
            .unwrap();
            let load: Vec<(&Host, Services)> = orchestrators
                .iter()
                .enumerate()
                .map(|(idx, url)| {
                    let mut given = services.clone();
                    given.push(("orchestrator".to_owned(), url.clone()));
                    (network.host(&format!("load{}", idx + 1)), given)
                })
                .collect();
            let (folder, code) = segments(
                setup,
                network,
                processes,
                "seg-tasks",
                &load,
                ("replicas", &history),
                None,
                "3m",
                &[],
            )
            .unwrap();
            let merged = read_report(&folder).unwrap();
            assert!(
                check_tasks(&merged, &tasks_db, &effects, code).unwrap(),
                "every task completed once"
            );
        }));
        drop(lab);
        drop_database(&history);
        drop_database(&tasks_db);
        if outcome.is_ok() {
            let _ = std::fs::remove_dir_all(&out);
        } else {
            eprintln!("reports and logs kept in {}", out.display());
        }
        if let Err(panic) = outcome {
            std::panic::resume_unwind(panic);
        }
    }
}
