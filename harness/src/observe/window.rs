//! The measured window watched: every process under test (and the generator) sampled as the
//! window begins and ends and every second between, the machine's own CPU beside them.

use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use reports::{MachineLoad, ProcessResult, ProcessSample};
use tokio::sync::watch;

use crate::observe::UnderTest;
use crate::observe::dependency;
use crate::observe::sampler::{self, Sample};

/// The component of a stack's dependency (its PostgreSQL, its Redis) in the report.
pub const DEPENDENCY: &str = "dependency";

/// A process to sample, and how its readings are taken.
pub(crate) struct Watched {
    pub(crate) process: UnderTest,
    pub(crate) source: Source,
}

pub(crate) enum Source {
    Proc(u32),
    Metrics(String),
    Dependency(dependency::Reading),
}

/// The processes to sample: those started here by PID, those given over their `/metrics`, and
/// the stack's dependencies (its PostgreSQL, its Redis, as (`postgresql` or `redis`, URL)).
/// The dependencies are part of the stack (issue 26): sampled beside it, never counted as the
/// machine's other load; no row judges them.
pub(crate) fn watch_list(
    processes: Vec<UnderTest>,
    dependencies: &[(&'static str, String)],
) -> Vec<Watched> {
    let services = processes.into_iter().filter_map(|process| {
        let source = match (process.pid, &process.base_url) {
            (Some(pid), _) => Source::Proc(pid),
            (None, Some(url)) => Source::Metrics(url.clone()),
            (None, None) => return None,
        };
        Some(Watched { process, source })
    });
    let dependencies = dependencies.iter().filter_map(|(kind, url)| {
        Some(Watched {
            process: UnderTest {
                component: DEPENDENCY.into(),
                name: (*kind).to_owned(),
                pid: None,
                base_url: None,
            },
            source: Source::Dependency(dependency::locate(kind, url)?),
        })
    });
    services.chain(dependencies).collect()
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
/// window, and its memory every second in between. Given services are read over `/metrics`,
/// an admin's route: `client` carries the admin's key.
pub(crate) async fn sample_window(
    client: reqwest::Client,
    watched: Vec<Watched>,
    start: Instant,
    end: Instant,
    mut cancel: watch::Receiver<bool>,
) -> WindowSamples {
    tokio::select! {
        () = tokio::time::sleep_until(start.into()) => {}
        _ = cancel.wait_for(|stop| *stop) => return WindowSamples::default(),
    }
    let generator_start = sampler::read_proc(0).ok();
    let machine_start = procstat::machine().ok();
    let window_start = Instant::now();
    let mut tracks = Vec::new();
    for process in &watched {
        let first = read(&client, &process.source).await;
        // The kernel's peak (VmHWM) reset as the window begins makes its peak at the end the
        // window's, start-up and warm-up left out.
        let reset =
            matches!(process.source, Source::Proc(pid) if procstat::reset_peak(pid).is_ok());
        tracks.push(Track::begin(first, reset, window_start));
    }
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            () = tokio::time::sleep_until(end.into()) => break,
            _ = cancel.wait_for(|stop| *stop) => break,
        }
        for (track, process) in tracks.iter_mut().zip(&watched) {
            if let Some(sample) = read(&client, &process.source).await {
                track.add(sample, Instant::now(), window_start);
            }
        }
    }
    let elapsed = window_start.elapsed().as_secs_f64();
    let generator_end = sampler::read_proc(0).ok();
    let machine_end = procstat::machine().ok();
    let mut processes = Vec::new();
    for (track, process) in tracks.into_iter().zip(&watched) {
        let last = read(&client, &process.source).await;
        processes.push(track.finish(process, last, elapsed));
    }
    let generator_cpu_seconds = generator_start
        .zip(generator_end)
        .map_or(0.0, |(a, b)| b.cpu_seconds - a.cpu_seconds);
    let services_cores: f64 = processes.iter().filter_map(|p| p.cpu_cores_mean).sum();
    let ours_seconds = generator_cpu_seconds + services_cores * elapsed;
    WindowSamples {
        processes,
        generator_cpu_seconds,
        hiccups: None,
        machine_load: machine_start
            .zip(machine_end)
            .and_then(|(start, end)| machine_load(&start, &end, elapsed, ours_seconds)),
    }
}

/// One process's readings over the window.
struct Track {
    first: Option<Sample>,
    /// Whether its kernel peak was reset as the window began.
    peak_reset: bool,
    /// The largest resident set sampled.
    peak_rss: u64,
    /// Its last reading, and when it was taken.
    before: Option<(Instant, Sample)>,
    over_time: Vec<ProcessSample>,
}

impl Track {
    fn begin(first: Option<Sample>, peak_reset: bool, at: Instant) -> Track {
        Track {
            first,
            peak_reset,
            peak_rss: first.map_or(0, |s| s.rss_bytes),
            before: first.map(|sample| (at, sample)),
            over_time: Vec::new(),
        }
    }

    /// A reading during the window: its memory, and its CPU since the reading before.
    fn add(&mut self, sample: Sample, now: Instant, window_start: Instant) {
        self.peak_rss = self.peak_rss.max(sample.rss_bytes);
        if let Some((then, earlier)) = self.before {
            let seconds = (now - then).as_secs_f64();
            if seconds > 0.05 {
                self.over_time.push(ProcessSample {
                    t: (now - window_start).as_secs_f64(),
                    cpu_cores: ((sample.cpu_seconds - earlier.cpu_seconds) / seconds).max(0.0),
                    rss_bytes: sample.rss_bytes,
                });
            }
        }
        self.before = Some((now, sample));
    }

    /// The process's account of the window, from its last reading.
    fn finish(self, watched: &Watched, last: Option<Sample>, elapsed: f64) -> ProcessResult {
        let cpu_cores_mean = self
            .first
            .zip(last)
            .map(|(a, b)| ((b.cpu_seconds - a.cpu_seconds) / elapsed).max(0.0));
        let (rss_peak_bytes, rss_lifetime_peak_bytes) =
            peaks(self.first, last, self.peak_rss, self.peak_reset);
        ProcessResult {
            component: watched.process.component.clone(),
            name: watched.process.name.clone(),
            pid: match &watched.source {
                Source::Proc(pid) | Source::Dependency(dependency::Reading::Tree(pid)) => {
                    Some(*pid)
                }
                Source::Metrics(_) | Source::Dependency(_) => None,
            },
            rss_peak_bytes,
            rss_lifetime_peak_bytes,
            cpu_cores_mean,
            source: match &watched.source {
                Source::Proc(_) => "proc".into(),
                Source::Metrics(_) => "metrics".into(),
                Source::Dependency(reading) => reading.source().into(),
            },
            profiler_rss_bytes: None,
            samples: self.over_time,
        }
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
