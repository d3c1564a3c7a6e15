//! What one run is asked, resolved once from the command line: its scenarios and budgets, where
//! the stack is, the generator's threads and CPUs, and what is profiled.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use crate::segment::Segment;
use crate::spec::budget::{Budgets, Profile};
use crate::spec::scenario::Scenario;
use crate::stack::{Keys, StartOptions};

use crate::report::rfc3339;

/// Everything one run needs, resolved from the command line.
#[derive(Debug, Clone)]
pub struct RunConfig {
    pub scenarios: Vec<Scenario>,
    /// How `https://` targets are trusted.
    pub tls: loadgen::TlsOptions,
    pub budgets: Budgets,
    pub profile: Profile,
    pub quick: bool,
    pub full_suite: bool,
    pub bin_dir: PathBuf,
    pub out_dir: PathBuf,
    pub run_id: String,
    pub database_url: Option<String>,
    pub redis_url: Option<String>,
    /// Services given by URL; they are not started.
    pub targets: BTreeMap<String, String>,
    /// The API keys of the run: `--api-key`, or made for it (see [`Keys`]).
    pub keys: Keys,
    pub git_commit: Option<String>,
    pub git_branch: Option<String>,
    /// Worker threads of the load generator.
    pub generator_threads: usize,
    /// CPUs the generator's workers are pinned to (empty: not pinned); the services it starts
    /// are pinned by `service_cpus`.
    pub generator_cpus: Vec<usize>,
    /// CPUs the services it starts are pinned to (empty: not pinned).
    pub service_cpus: Vec<usize>,
    /// Take a CPU profile of every process over the measured window (`--profile-cpu`).
    pub profile_cpu: bool,
    /// The runtime built with the `dhat-heap` feature: when given, each scenario runs once
    /// more on it, after the timed pass, for heap profiles (`--profile-heap`).
    pub profile_heap: Option<PathBuf>,
    /// A earlier run's `report.json` to draw differential flamegraphs against (`--baseline`).
    pub baseline: Option<PathBuf>,
    /// Live progress on the terminal (off with `--quiet`, or when stderr is not a terminal).
    pub progress: bool,
    /// The segment of a load split across hosts this run offers (`--segment I/N`); `None`
    /// for the whole load.
    pub segment: Option<Segment>,
    /// The wall-clock instant the first scenario's warm-up begins (`--start-at`); each later
    /// scenario in its slot after it (see [`crate::segment::scenario_start`]).
    pub start_at: Option<SystemTime>,
    /// The run group a segment records itself under (`--run-group`).
    pub run_group: Option<String>,
    /// Whether this run samples the stack's memory and CPU (`--sample-stack`: only one
    /// segment does, segment 1 by default).
    pub sample_stack: bool,
}

impl RunConfig {
    /// The segment's account for the report: `None` for the whole load.
    pub(crate) fn segment_record(&self) -> Option<reports::Segment> {
        let segment = self.segment?;
        Some(reports::Segment {
            index: segment.index,
            count: segment.count,
            run_group: self.run_group.clone(),
            run_id: self.run_id.clone(),
            host: crate::segment::hostname(),
            start_at: self.start_at.map(rfc3339),
            samples_stack: self.sample_stack,
            clock: crate::segment::clock_status(),
        })
    }

    /// The instant `scenario`'s warm-up is to begin, when the run was given one.
    pub(crate) fn scenario_start(&self, scenario: &Scenario) -> Option<SystemTime> {
        let first = self.start_at?;
        let slots: Vec<Duration> = self
            .scenarios
            .iter()
            .take_while(|earlier| earlier.name != scenario.name)
            .map(|earlier| {
                let (warmup, duration) = earlier.load.window(self.quick);
                crate::segment::slot(warmup, duration, earlier.load.request_timeout.0)
            })
            .collect();
        Some(crate::segment::scenario_start(first, &slots))
    }

    /// How the stack of a scenario is started, its files under `run_dir`.
    pub(crate) fn start_options(&self, run_dir: &std::path::Path) -> StartOptions {
        StartOptions {
            bin_dir: self.bin_dir.clone(),
            run_dir: run_dir.to_path_buf(),
            database_url: self.database_url.clone(),
            redis_url: self.redis_url.clone(),
            targets: self.targets.clone(),
            service_cpus: self.service_cpus.clone(),
            profiling: self.profile_cpu,
            heap_dir: None,
            keys: self.keys.clone(),
        }
    }
}
