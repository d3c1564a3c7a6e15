//! `cargo xtask genbench`: the generator against wrk, side by side in one run, on the built-in
//! trivial server (`octoperf calibration-server`), each side pinned to its own core when the
//! machine has two, with oha beside them as the Rust peer when it is installed; then the open
//! model's own cost at 10k/s (oha's too) and its hold at 50k/s.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use anyhow::{Context, bail};

/// The open model's runs: (rate, send window); `0s` sends each request at its own time.
const OPEN_RUNS: [(&str, &str); 4] = [
    ("10000/s", "0s"),
    ("10000/s", "500us"),
    ("50000/s", "0s"),
    ("50000/s", "250us"),
];

/// The request both sides send.
const BODY: &str = r#"{"text":"hello world","user_id":"user-1"}"#;

#[derive(Debug, clap::Args)]
pub struct GenbenchOpts {
    /// Seconds each measurement lasts.
    #[arg(long, default_value_t = 5)]
    seconds: u32,
    /// Rounds of the closed-loop comparison (wrk, then octoperf, each round).
    #[arg(long, default_value_t = 3)]
    rounds: u32,
    /// Connections (wrk) and users (octoperf) of the closed loop.
    #[arg(long, default_value_t = 16)]
    connections: u32,
}

pub fn genbench(root: &Path, release: &Path, opts: &GenbenchOpts) -> anyhow::Result<u8> {
    let octoperf = release.join("octoperf");
    let two_cores = std::thread::available_parallelism().map_or(1, |n| n.get()) >= 2;
    let (server_cpu, client_cpu) = if two_cores {
        (Some(0), Some(1))
    } else {
        (None, None)
    };
    let server = Server::start(&octoperf, server_cpu)?;
    let url = format!("{}/process", server.url);
    println!(
        "trivial server at {} {}",
        server.url,
        server_cpu.map_or("(not pinned: one core)".to_owned(), |cpu| format!(
            "pinned to CPU {cpu}"
        ))
    );

    let wrk = find_on_path("wrk");
    let taskset = find_on_path("taskset");
    let script = root.join("target").join("genbench-post.lua");
    std::fs::create_dir_all(root.join("target")).context("creating target/")?;
    std::fs::write(
        &script,
        format!(
            "wrk.method = \"POST\"\nwrk.body = '{BODY}'\nwrk.headers[\"Content-Type\"] = \"application/json\"\n"
        ),
    )
    .with_context(|| format!("writing {}", script.display()))?;
    if wrk.is_none() {
        println!("wrk is not installed (`apt-get install -y wrk`): compared with no wrk");
    }
    let oha = find_on_path("oha").or_else(|| {
        let cargo_bin = Path::new(&std::env::var_os("HOME")?).join(".cargo/bin/oha");
        cargo_bin.is_file().then_some(cargo_bin)
    });
    if oha.is_none() {
        println!("oha is not installed (`cargo install oha --locked`): compared with no oha");
    }

    println!(
        "\nclosed loop, {} connections, one generator thread{}:",
        opts.connections,
        client_cpu.map_or(String::new(), |cpu| format!(" on CPU {cpu}"))
    );
    let mut ratios = Vec::new();
    for round in 1..=opts.rounds {
        let wrk_rate = match &wrk {
            Some(wrk) => {
                let mut command = pinned(taskset.as_deref(), client_cpu, wrk);
                command.args([
                    "-t1",
                    &format!("-c{}", opts.connections),
                    &format!("-d{}s", opts.seconds),
                    "-s",
                ]);
                command.arg(&script).arg(&url);
                Some(wrk_requests_per_second(&mut command)?)
            }
            None => None,
        };
        let users = opts.connections.to_string();
        let ours = bench_json(&mut bench(
            &octoperf,
            &url,
            &["--users", &users],
            opts.seconds,
            client_cpu,
        ))?;
        let ours_rate = ours["achieved_per_second"].as_f64().unwrap_or(0.0);
        let oha_rate = match &oha {
            Some(oha) => {
                let mut command = pinned(taskset.as_deref(), client_cpu, oha);
                command
                    .args(oha_args(&["-c", &users], opts.seconds))
                    .arg(&url);
                Some(oha_json(&mut command)?.0)
            }
            None => None,
        };
        let oha_text = oha_rate.map_or(String::new(), |rate| {
            format!(
                "   oha {rate:>9.0} req/s ({:.2}x of wrk's)",
                wrk_rate.map_or(0.0, |wrk| rate / wrk)
            )
        });
        match wrk_rate {
            Some(theirs) => {
                let ratio = ours_rate / theirs;
                ratios.push(ratio);
                println!(
                    "  round {round}: wrk {theirs:>9.0} req/s   octoperf {ours_rate:>9.0} req/s   ratio {ratio:.2}x{oha_text}"
                );
            }
            None => println!("  round {round}: octoperf {ours_rate:>9.0} req/s{oha_text}"),
        }
    }
    if !ratios.is_empty() {
        ratios.sort_by(f64::total_cmp);
        println!(
            "  octoperf / wrk, median of {} rounds: {:.2}x",
            ratios.len(),
            ratios[ratios.len() / 2]
        );
    }

    println!(
        "\nopen model, one generator thread; each request at its own time, then in send windows:"
    );
    for (rate, window) in OPEN_RUNS {
        let result = bench_json(&mut bench(
            &octoperf,
            &url,
            &["--rate", rate, "--send-window", window],
            opts.seconds,
            client_cpu,
        ))?;
        let how = if window == "0s" {
            "own time".to_owned()
        } else {
            format!("{window} windows")
        };
        let limited: Vec<&str> = result["generator_limited"]
            .as_array()
            .map(|reasons| reasons.iter().filter_map(|r| r.as_str()).collect())
            .unwrap_or_default();
        println!(
            "  {rate:>8} {how:>14}: achieved {:.0}/s, {:.1} µs of generator CPU per request, busy {:.0}%, send lag P50 {:.3} ms, P99 {:.3} ms, {:.3}% sent over 1 ms late; {}",
            result["achieved_per_second"].as_f64().unwrap_or(0.0),
            result["cpu_us_per_request"].as_f64().unwrap_or(0.0),
            result["worker_busy"][0].as_f64().unwrap_or(0.0) * 100.0,
            result["send_lag_p50_us"].as_f64().unwrap_or(0.0) / 1000.0,
            result["send_lag_p99_us"].as_f64().unwrap_or(0.0) / 1000.0,
            result["late_over_1ms_share"].as_f64().unwrap_or(0.0) * 100.0,
            if limited.is_empty() {
                "held".to_owned()
            } else {
                format!("NOT held: {}", limited.join("; "))
            }
        );
    }
    if let Some(oha) = &oha {
        // oha's own open model at 10k/s (its --latency-correction), its CPU read from the
        // kernel's account of the finished child.
        let before = children_cpu();
        let mut command = pinned(taskset.as_deref(), client_cpu, oha);
        command
            .args(oha_args(
                &["-c", "64", "-q", "10000", "--latency-correction"],
                opts.seconds,
            ))
            .arg(&url);
        let (rate, total) = oha_json(&mut command)?;
        let cpu = children_cpu().saturating_sub(before).as_secs_f64();
        let requests = rate * total;
        println!(
            "  oha  10000/s   its own model: achieved {rate:.0}/s, {:.1} µs of CPU per request (the whole process)",
            if requests > 0.0 {
                cpu * 1e6 / requests
            } else {
                0.0
            }
        );
    }
    drop(server);

    // What a wake-up costs this machine by itself: the floor under the open model's cost.
    let wakes = 20_000;
    let per_wake = wake_cost(wakes, std::time::Duration::from_micros(100))?;
    println!(
        "\na bare timer wake-up (timerfd, 100 µs apart, {wakes} of them): {:.1} µs of CPU each",
        per_wake.as_secs_f64() * 1e6
    );
    Ok(0)
}

/// CPU time a thread spends per wake-up when it does nothing but sleep on a timerfd.
fn wake_cost(wakes: u32, gap: std::time::Duration) -> anyhow::Result<std::time::Duration> {
    // SAFETY: timerfd_create has no preconditions; a negative result is an error.
    let fd = unsafe { libc::timerfd_create(libc::CLOCK_MONOTONIC, libc::TFD_CLOEXEC) };
    anyhow::ensure!(
        fd >= 0,
        "timerfd_create: {}",
        std::io::Error::last_os_error()
    );
    let spec = libc::itimerspec {
        it_interval: libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        },
        it_value: libc::timespec {
            tv_sec: 0,
            tv_nsec: gap.subsec_nanos().into(),
        },
    };
    let cpu = || {
        let mut now = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: clock_gettime writes one timespec into the one we pass.
        unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut now) };
        std::time::Duration::new(now.tv_sec as u64, now.tv_nsec as u32)
    };
    let before = cpu();
    for _ in 0..wakes {
        let mut expirations = [0u8; 8];
        // SAFETY: a timerfd we own, a fully initialised itimerspec, and an 8-byte read into an
        // 8-byte buffer (the read blocks until the timer fires).
        unsafe {
            libc::timerfd_settime(fd, 0, &spec, std::ptr::null_mut());
            libc::read(fd, expirations.as_mut_ptr().cast(), expirations.len());
        }
    }
    let spent = cpu().saturating_sub(before);
    // SAFETY: closing the descriptor opened above, once.
    unsafe { libc::close(fd) };
    Ok(spent / wakes)
}

/// A server this task started, ended (by PID) when dropped.
pub(crate) struct Server {
    child: Child,
    pub(crate) url: String,
}

impl Server {
    /// The trivial server (`octoperf calibration-server`), pinned to `cpu` when given.
    pub(crate) fn start(octoperf: &Path, cpu: Option<usize>) -> anyhow::Result<Server> {
        let mut command = Command::new(octoperf);
        command.args(["calibration-server", "--lifetime", "30m"]);
        if let Some(cpu) = cpu {
            command.args(["--cpu", &cpu.to_string()]);
        }
        Server::spawn(command, "the calibration server")
    }

    /// Starts `command`, a server that prints `listening on http://ADDR` first on stdout.
    pub(crate) fn spawn(mut command: Command, what: &str) -> anyhow::Result<Server> {
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .with_context(|| format!("starting {what}"))?;
        let stdout = child.stdout.take().context("the server's stdout")?;
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .with_context(|| format!("reading {what}'s first line"))?;
        let Some(addr) = line.trim().strip_prefix("listening on http://") else {
            let _ = child.kill();
            let _ = child.wait();
            bail!("{what} said {line:?}, not where it listens");
        };
        Ok(Server {
            url: format!("http://{addr}"),
            child,
        })
    }

    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // SAFETY: signalling the PID of a child this process started and has not reaped.
        unsafe {
            libc::kill(self.child.id() as libc::pid_t, libc::SIGTERM);
        }
        let _ = self.child.wait();
    }
}

pub(crate) fn pinned(taskset: Option<&Path>, cpu: Option<usize>, program: &Path) -> Command {
    match (taskset, cpu) {
        (Some(taskset), Some(cpu)) => {
            let mut command = Command::new(taskset);
            command.args(["-c", &cpu.to_string()]).arg(program);
            command
        }
        _ => Command::new(program),
    }
}

/// `octoperf bench` on one thread with the shared body, its load given by `load`.
fn bench(octoperf: &Path, url: &str, load: &[&str], seconds: u32, cpu: Option<usize>) -> Command {
    let mut command = Command::new(octoperf);
    command
        .args(["bench", url])
        .args(load)
        .args(["--threads", "1", "--duration", &format!("{seconds}s")])
        .args(["--body", BODY, "--json"]);
    if let Some(cpu) = cpu {
        command.args(["--cpus", &cpu.to_string()]);
    }
    command
}

fn wrk_requests_per_second(command: &mut Command) -> anyhow::Result<f64> {
    let output = command.output().context("running wrk")?;
    let text = String::from_utf8_lossy(&output.stdout);
    anyhow::ensure!(output.status.success(), "wrk failed: {text}");
    text.lines()
        .find_map(|line| line.trim().strip_prefix("Requests/sec:"))
        .and_then(|value| value.trim().parse().ok())
        .with_context(|| format!("no Requests/sec in wrk's output:\n{text}"))
}

pub(crate) fn bench_json(command: &mut Command) -> anyhow::Result<serde_json::Value> {
    let output = command
        .stderr(Stdio::inherit())
        .output()
        .context("running octoperf bench")?;
    // Exit 3 is a generator-limited run: still a result worth printing.
    let code = output.status.code().unwrap_or(-1);
    anyhow::ensure!(
        code == 0 || code == 3,
        "octoperf bench failed ({})",
        output.status
    );
    serde_json::from_slice(&output.stdout).context("reading octoperf bench's JSON")
}

/// oha's arguments for a run of `seconds` with the shared body, JSON out.
fn oha_args(load: &[&str], seconds: u32) -> Vec<String> {
    let mut args: Vec<String> = load.iter().map(|arg| (*arg).to_owned()).collect();
    args.extend(
        [
            "-z",
            &format!("{seconds}s"),
            "--no-tui",
            "-m",
            "POST",
            "-d",
            BODY,
            "-T",
            "application/json",
            "--output-format",
            "json",
        ]
        .map(str::to_owned),
    );
    args
}

/// oha's requests per second and the run's length in seconds, from its JSON.
fn oha_json(command: &mut Command) -> anyhow::Result<(f64, f64)> {
    let output = command
        .stderr(Stdio::inherit())
        .output()
        .context("running oha")?;
    anyhow::ensure!(output.status.success(), "oha failed ({})", output.status);
    let json: serde_json::Value =
        serde_json::from_slice(&output.stdout).context("reading oha's JSON")?;
    let summary = &json["summary"];
    Ok((
        summary["requestsPerSec"].as_f64().unwrap_or(0.0),
        summary["total"].as_f64().unwrap_or(0.0),
    ))
}

/// CPU time used by the finished children this process has waited for.
fn children_cpu() -> std::time::Duration {
    // SAFETY: getrusage writes one rusage struct we own.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage);
        usage
    };
    let time =
        |t: libc::timeval| std::time::Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    time(usage.ru_utime) + time(usage.ru_stime)
}

pub(crate) fn find_on_path(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")?
        .to_str()?
        .split(':')
        .map(|dir| Path::new(dir).join(name))
        .find(|path| path.is_file())
}
