//! A process's on-CPU profile with pprof-rs: started and stopped on demand (one profiler per
//! process), written as a gzipped pprof protobuf (`go tool pprof` and speedscope open it), and
//! read back into folded stacks (`a;b;c 12`, Brendan Gregg's format) for flamegraphs.
//!
//! Shared by the services (`--profiling`, driven over HTTP) and the harness (the generator
//! profiles itself the same way, and folds every profile it collects). It depends on nothing of
//! either side.
//!
//! What a profile cannot see: a sample is taken by `SIGPROF` on a thread every 1 / `frequency`
//! seconds of that thread's CPU time (`sampler`). Time spent waiting (on a socket, a lock, a
//! database, a sleep) does not show at all; time in the kernel shows only as the user-space
//! frame that made the system call.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::sync::Mutex;

use pprof::protos::Message;

mod sampler;

/// Samples per CPU-second asked of the kernel. The kernel's tick caps what it delivers (about
/// 250 here); asking for more only costs timer interrupts that do not come.
pub const DEFAULT_FREQUENCY: i32 = 250;

/// What a folded profile says about itself beside its stacks.
pub const LIMITS: &str = "on-CPU samples only (SIGPROF every 4 ms of each thread's CPU time): \
waiting on sockets, locks, the database or timers does not show, and time in the kernel \
shows only as the system call that entered it";

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("a CPU profile is already being taken in this process")]
    AlreadyRunning,
    #[error("no CPU profile is being taken in this process")]
    NotRunning,
    #[error("the profiler failed: {0}")]
    Profiler(#[from] pprof::Error),
    #[error("the profile is not a gzipped pprof protobuf: {0}")]
    Decode(String),
    #[error("writing the profile: {0}")]
    Io(#[from] std::io::Error),
}

/// A profile being taken. `finish` ends it and returns the gzipped pprof protobuf; dropping it
/// ends it too, discarding what was sampled.
pub struct Session {
    guard: pprof::ProfilerGuard<'static>,
    sampler: Option<sampler::Sampler>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Session")
    }
}

/// Does once, ahead of time, what the first profile of a process would do as it starts:
/// pprof-rs takes and symbolises a backtrace, loading the binary's debug information, which
/// costs a fraction of a second of CPU. Called when profiling is enabled, so that starting a
/// profile at the measured window's first instant does not stall the process being measured.
pub fn prepare() {
    // A profiler started and dropped: its start runs the lazy set-up, its drop stops it.
    drop(pprof::ProfilerGuardBuilder::default().frequency(1).build());
}

/// Starts sampling this whole process (every thread) at `frequency` per CPU-second.
pub fn start(frequency: i32) -> Result<Session, Error> {
    // Not blocklisting libc: most of a network server's samples are in its system calls.
    let guard = pprof::ProfilerGuardBuilder::default()
        .frequency(frequency)
        .build()
        .map_err(|error| match error {
            pprof::Error::Running => Error::AlreadyRunning,
            other => Error::Profiler(other),
        })?;
    // pprof-rs's own timer (ITIMER_PROF) is checked by the kernel only on the ticks that find
    // the process running, and the generator's evenly spaced requests keep a service's bursts
    // of work at the same phase of the tick: the profile saw 24 to 357 samples of the same two
    // CPU-seconds from run to run. Its samples come instead from a CPU-time event per thread
    // (`sampler`).
    let sampler = sampler::Sampler::start(frequency)?;
    Ok(Session {
        guard,
        sampler: Some(sampler),
    })
}

impl Session {
    /// Ends the profile: the samples as a gzipped pprof protobuf. Building it (symbolising
    /// every frame) takes tens of milliseconds of CPU, which the profile itself does not
    /// sample: the profiler's lock is held meanwhile.
    pub fn finish(mut self) -> Result<Vec<u8>, Error> {
        if let Some(sampler) = self.sampler.take() {
            sampler.stop();
        }
        let report = self.guard.report().build()?;
        drop(self.guard);
        let profile = report.pprof()?;
        let mut encoded = Vec::with_capacity(profile.encoded_len());
        profile
            .encode(&mut encoded)
            .map_err(|error| Error::Decode(error.to_string()))?;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(&encoded)?;
        Ok(gz.finish()?)
    }
}

/// The process's one profile slot, for a service that starts and stops its profile on request.
static ACTIVE: Mutex<Option<Session>> = Mutex::new(None);

/// Starts the process-wide profile, or says one is already running.
pub fn start_global(frequency: i32) -> Result<(), Error> {
    let mut slot = ACTIVE
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if slot.is_some() {
        return Err(Error::AlreadyRunning);
    }
    *slot = Some(start(frequency)?);
    Ok(())
}

/// Ends the process-wide profile: its gzipped pprof protobuf.
pub fn stop_global() -> Result<Vec<u8>, Error> {
    let session = ACTIVE
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .take()
        .ok_or(Error::NotRunning)?;
    session.finish()
}

/// A profile as folded stacks: one line per distinct stack, root first, frames joined by `;`,
/// then its sample count. The thread's name is the root frame, as in pprof-rs's own flamegraphs.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Folded {
    /// Sorted by stack, so that two profiles' folds compare line by line.
    pub lines: Vec<(String, u64)>,
    /// Samples per CPU-second the profile was taken at, when it says.
    pub frequency: Option<f64>,
}

impl Folded {
    pub fn total_samples(&self) -> u64 {
        self.lines.iter().map(|(_, count)| count).sum()
    }

    /// The text form: `stack count` lines, what inferno reads.
    pub fn to_text(&self) -> String {
        let mut text = String::new();
        for (stack, count) in &self.lines {
            text.push_str(stack);
            text.push(' ');
            text.push_str(&count.to_string());
            text.push('\n');
        }
        text
    }

    /// Samples whose stack holds `frame` anywhere (its width in a flamegraph).
    pub fn inclusive(&self, frame: &str) -> u64 {
        self.lines
            .iter()
            .filter(|(stack, _)| stack.split(';').any(|f| f == frame))
            .map(|(_, count)| count)
            .sum()
    }

    /// Every frame's self samples (the samples it is the leaf of), largest first.
    pub fn self_samples(&self) -> Vec<(String, u64)> {
        let mut by_frame: HashMap<&str, u64> = HashMap::new();
        for (stack, count) in &self.lines {
            let leaf = stack.rsplit(';').next().unwrap_or(stack);
            *by_frame.entry(leaf).or_default() += count;
        }
        let mut frames: Vec<(String, u64)> = by_frame
            .into_iter()
            .map(|(frame, count)| (frame.to_owned(), count))
            .collect();
        frames.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        frames
    }
}

/// Reads a gzipped (or plain) pprof protobuf into folded stacks, counting samples (the first
/// value of each sample).
pub fn fold(pprof: &[u8]) -> Result<Folded, Error> {
    let raw = if pprof.starts_with(&[0x1f, 0x8b]) {
        let mut raw = Vec::new();
        flate2::read::GzDecoder::new(pprof)
            .read_to_end(&mut raw)
            .map_err(|error| Error::Decode(error.to_string()))?;
        raw
    } else {
        pprof.to_vec()
    };
    let profile = pprof::protos::Profile::decode(raw.as_slice())
        .map_err(|error| Error::Decode(error.to_string()))?;
    let string = |idx: i64| -> &str {
        profile
            .string_table
            .get(usize::try_from(idx).unwrap_or(0))
            .map_or("", String::as_str)
    };
    let functions: HashMap<u64, &str> = profile
        .function
        .iter()
        .map(|function| (function.id, string(function.name)))
        .collect();
    // A location's lines are innermost first: the last is the caller the others were inlined
    // into.
    let locations: HashMap<u64, Vec<&str>> = profile
        .location
        .iter()
        .map(|location| {
            let names = location
                .line
                .iter()
                .map(|line| functions.get(&line.function_id).copied().unwrap_or("?"))
                .collect();
            (location.id, names)
        })
        .collect();
    let mut stacks: HashMap<String, u64> = HashMap::new();
    for sample in &profile.sample {
        let count = sample.value.first().copied().unwrap_or(0).max(0) as u64;
        if count == 0 {
            continue;
        }
        let mut frames: Vec<String> = Vec::new();
        if let Some(thread) = sample
            .label
            .iter()
            .find(|label| string(label.key) == "thread")
        {
            frames.push(string(thread.str).to_owned());
        }
        for location_id in sample.location_id.iter().rev() {
            if let Some(names) = locations.get(location_id) {
                frames.extend(names.iter().rev().map(|name| frame_name(name)));
            }
        }
        if frames.is_empty() {
            continue;
        }
        *stacks.entry(frames.join(";")).or_default() += count;
    }
    let mut lines: Vec<(String, u64)> = stacks.into_iter().collect();
    lines.sort();
    let frequency = (profile.period > 0).then(|| 1e9 / profile.period as f64);
    Ok(Folded { lines, frequency })
}

/// A symbol as a flamegraph frame: its hash suffix (`::h0123456789abcdef`) dropped, and the
/// frame separator (`;`) replaced.
fn frame_name(name: &str) -> String {
    let name = match name.rfind("::h") {
        Some(at)
            if name.len() - at == 19 && name[at + 3..].bytes().all(|b| b.is_ascii_hexdigit()) =>
        {
            &name[..at]
        }
        _ => name,
    };
    let name = if name.is_empty() { "?" } else { name };
    name.replace(';', ":")
}

#[cfg(test)]
mod tests;
