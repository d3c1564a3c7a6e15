//! The measured window watched: every process under test (and the generator) sampled as the
//! window begins and ends and every second between, the machine's own CPU beside them.

use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use reports::{MachineLoad, ProcessResult, ProcessSample};
use tokio::sync::watch;

use crate::observe::dependency;
use crate::observe::sampler::{self, Sample};
use crate::stack::Keys;

/// The component of a stack's dependency (its PostgreSQL, its Redis) in the report.
pub const DEPENDENCY: &str = "dependency";

/// What to sample and how.
pub(crate) struct Watched {
    pub(crate) component: &'static str,
    pub(crate) name: String,
    pub(crate) source: Source,
}

pub(crate) enum Source {
    Proc(u32),
    Metrics(String),
    Dependency(dependency::Reading),
}

#[derive(Default)]
pub(crate) struct WindowSamples {
    pub(crate) processes: Vec<ProcessResult>,
    pub(crate) generator_cpu_seconds: f64,
    /// The hiccup meter's record of the window, µs.
    pub(crate) hiccups: Option<Histogram<u64>>,
    /// The machine's CPU over the window, against ours.
    pub(crate) machine_load: Option<MachineLoad>,
}

/// Samples every process (and the generator itself) at the start and end of the measured
/// window, and its memory every second in between.
pub(crate) async fn sample_window(
    keys: Keys,
    watched: Vec<Watched>,
    start: Instant,
    end: Instant,
    mut cancel: watch::Receiver<bool>,
) -> WindowSamples {
    // Given services are sampled over `/metrics`, an admin's route.
    let client = keys.client();
    tokio::select! {
        () = tokio::time::sleep_until(start.into()) => {}
        _ = cancel.wait_for(|stop| *stop) => return WindowSamples::default(),
    }
    let generator_start = sampler::read_proc(0).ok();
    let machine_start = procstat::machine().ok();
    let window_start = Instant::now();
    let mut first: Vec<Option<Sample>> = Vec::new();
    // Whether the kernel's peak (VmHWM) of each process was reset as the window began, so
    // that its peak at the end is the window's, start-up and warm-up left out.
    let mut peak_reset: Vec<bool> = Vec::new();
    for process in &watched {
        first.push(read(&client, &process.source).await);
        peak_reset.push(match &process.source {
            Source::Proc(pid) => procstat::reset_peak(*pid).is_ok(),
            Source::Metrics(_) | Source::Dependency(_) => false,
        });
    }
    let mut peak_rss: Vec<u64> = first.iter().map(|s| s.map_or(0, |s| s.rss_bytes)).collect();
    // Each process's readings over time, and its reading before (with when it was taken).
    let mut over_time: Vec<Vec<ProcessSample>> = vec![Vec::new(); watched.len()];
    let mut before: Vec<Option<(Instant, Sample)>> = first
        .iter()
        .map(|sample| sample.map(|sample| (window_start, sample)))
        .collect();
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            () = tokio::time::sleep_until(end.into()) => break,
            _ = cancel.wait_for(|stop| *stop) => break,
        }
        for (idx, process) in watched.iter().enumerate() {
            if let Some(sample) = read(&client, &process.source).await {
                peak_rss[idx] = peak_rss[idx].max(sample.rss_bytes);
                let now = Instant::now();
                if let Some((then, earlier)) = before[idx] {
                    let seconds = (now - then).as_secs_f64();
                    if seconds > 0.05 {
                        over_time[idx].push(ProcessSample {
                            t: (now - window_start).as_secs_f64(),
                            cpu_cores: ((sample.cpu_seconds - earlier.cpu_seconds) / seconds)
                                .max(0.0),
                            rss_bytes: sample.rss_bytes,
                        });
                    }
                }
                before[idx] = Some((now, sample));
            }
        }
    }
    let elapsed = window_start.elapsed().as_secs_f64();
    let generator_end = sampler::read_proc(0).ok();
    let machine_end = procstat::machine().ok();
    let mut processes = Vec::new();
    for (idx, process) in watched.iter().enumerate() {
        let last = read(&client, &process.source).await;
        let cpu_cores_mean = first[idx]
            .zip(last)
            .map(|(a, b)| ((b.cpu_seconds - a.cpu_seconds) / elapsed).max(0.0));
        let (rss_peak_bytes, rss_lifetime_peak_bytes) =
            peaks(first[idx], last, peak_rss[idx], peak_reset[idx]);
        processes.push(ProcessResult {
            component: process.component.to_owned(),
            name: process.name.clone(),
            pid: match &process.source {
                Source::Proc(pid) | Source::Dependency(dependency::Reading::Tree(pid)) => {
                    Some(*pid)
                }
                Source::Metrics(_) | Source::Dependency(_) => None,
            },
            rss_peak_bytes,
            rss_lifetime_peak_bytes,
            cpu_cores_mean,
            source: match &process.source {
                Source::Proc(_) => "proc".into(),
                Source::Metrics(_) => "metrics".into(),
                Source::Dependency(reading) => reading.source().into(),
            },
            profiler_rss_bytes: None,
            samples: std::mem::take(&mut over_time[idx]),
        });
    }
    let generator_cpu_seconds = generator_start
        .zip(generator_end)
        .map_or(0.0, |(a, b)| b.cpu_seconds - a.cpu_seconds);
    let ours_seconds = generator_cpu_seconds
        + processes
            .iter()
            .filter_map(|process| process.cpu_cores_mean)
            .sum::<f64>()
            * elapsed;
    WindowSamples {
        processes,
        generator_cpu_seconds,
        hiccups: None,
        machine_load: machine_start
            .zip(machine_end)
            .and_then(|(start, end)| machine_load(&start, &end, elapsed, ours_seconds)),
    }
}

/// The machine's CPU between two readings of it `elapsed` seconds apart, against the CPU
/// seconds that the generator and the services used between them.
pub(crate) fn machine_load(
    start: &procstat::Machine,
    end: &procstat::Machine,
    elapsed: f64,
    ours_seconds: f64,
) -> Option<MachineLoad> {
    if elapsed <= 0.0 {
        return None;
    }
    let cores = end.cpus as f64;
    let busy = start.cpu_seconds_until(end);
    Some(MachineLoad {
        cores,
        busy_cores: busy / elapsed,
        ours_cores: ours_seconds / elapsed,
        other_cores: ((busy - ours_seconds) / elapsed).max(0.0),
        steal_share: ((end.steal_seconds - start.steal_seconds) / (elapsed * cores))
            .clamp(0.0, 1.0),
    })
}

/// A process's peak resident set over the window and over its life, from its readings as the
/// window began and ended, the largest resident set sampled between, and whether its kernel
/// peak was reset as the window began. The kernel's peak (VmHWM) covers spikes between the
/// samples; without a reset it is the lifetime's, and the window's is what the samples saw.
pub(crate) fn peaks(
    first: Option<Sample>,
    last: Option<Sample>,
    sampled: u64,
    reset: bool,
) -> (Option<u64>, Option<u64>) {
    let last = match last {
        Some(last) => last,
        None => return (None, first.and_then(|s| s.rss_peak_bytes)),
    };
    let seen = last.rss_bytes.max(sampled);
    let window = match (reset, last.rss_peak_bytes) {
        (true, Some(kernel)) => kernel.max(seen),
        _ => seen,
    };
    let before = first.and_then(|s| s.rss_peak_bytes);
    let lifetime = match (reset, last.rss_peak_bytes) {
        (true, kernel) => before
            .max(kernel)
            .or(Some(window))
            .map(|peak| peak.max(window)),
        (false, kernel) => kernel.map(|peak| peak.max(window)),
    };
    (Some(window), lifetime)
}

pub(crate) async fn read(client: &reqwest::Client, source: &Source) -> Option<Sample> {
    match source {
        Source::Proc(pid) => sampler::read_proc(*pid).ok(),
        Source::Metrics(base) => sampler::read_metrics(client, base).await.ok(),
        Source::Dependency(reading) => dependency::read(reading).await,
    }
}
