//! Segments: one scenario's load split across generator hosts and judged as one, as k6's
//! execution segments split a test (`--execution-segment 1/3`). Segment *I* of *N* offers
//! `1/N` of every rate (each stage of a ramp included; its intended times are every *N*-th
//! of the whole schedule's, so the segments' times together are exactly the whole's), or
//! `1/N` of the closed model's users; its random stream, counters and user ids are its own,
//! so that no two segments send the same request. `--start-at` sets the wall-clock instant
//! the warm-up begins, so that segments on different hosts share their measured window, and
//! each segment's report says how far its host's clock can be trusted ([`clock_status`]).

use std::str::FromStr;
use std::time::{Duration, SystemTime};

/// Segment `index` (1-based) of `count`. The whole load is `1/1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segment {
    pub index: u32,
    pub count: u32,
}

impl Segment {
    pub const WHOLE: Segment = Segment { index: 1, count: 1 };

    pub fn is_whole(self) -> bool {
        self.count == 1
    }

    /// This segment's share of `users` closed-model users: `users / N`, the remainder given
    /// to the first segments, so that the shares add up to `users`.
    pub fn users(self, users: u32) -> Result<u32, String> {
        let share = users / self.count + u32::from(self.index - 1 < users % self.count);
        if share == 0 {
            return Err(format!(
                "--segment {self}: {users} users cannot be split into {} segments (segment {} would have none)",
                self.count, self.index
            ));
        }
        Ok(share)
    }

    /// The user id drawn as the `draw`-th of `users`: the segments take the ids
    /// `index − 1, index − 1 + N, …` below `users`, so that each has its own users and
    /// together they are the whole run's. `draw` must be below [`Segment::user_pool`].
    pub fn user(self, draw: u32) -> u32 {
        draw * self.count + (self.index - 1)
    }

    /// How many user ids this segment draws from, of `users` (at least one).
    pub fn user_pool(self, users: u32) -> u32 {
        users
            .saturating_sub(self.index - 1)
            .div_ceil(self.count)
            .max(1)
    }

    /// The seed of this segment's random streams: the scenario's for the whole load, another
    /// per segment.
    pub fn seed(self, seed: u64) -> u64 {
        if self.is_whole() {
            seed
        } else {
            seed ^ u64::from(self.index).wrapping_mul(0xD1B5_4A32_D192_ED03)
        }
    }
}

impl std::fmt::Display for Segment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl FromStr for Segment {
    type Err = String;

    fn from_str(text: &str) -> Result<Segment, String> {
        let bad = |why: &str| format!("--segment {text:?}: {why}; expected I/N, as 2/3");
        let (index, count) = text.split_once('/').ok_or_else(|| bad("no `/`"))?;
        let index: u32 = index.trim().parse().map_err(|_| bad("I is not a number"))?;
        let count: u32 = count.trim().parse().map_err(|_| bad("N is not a number"))?;
        if count == 0 || index == 0 || index > count {
            return Err(bad("I must be within 1..=N"));
        }
        if count > 1024 {
            return Err(bad("at most 1024 segments"));
        }
        Ok(Segment { index, count })
    }
}

/// When the warm-up begins (`--start-at`).
#[derive(Debug, Clone, PartialEq)]
pub enum StartAt {
    /// At once, as a run without segments does.
    Now,
    /// At this wall-clock instant.
    Instant(SystemTime),
    /// This long after the last of the run group's segments joined it (`joined+15s`): a
    /// barrier in the history's database, for hosts started at different times (a
    /// Kubernetes Job's pods) that cannot be given one instant beforehand.
    AfterJoined(Duration),
}

impl FromStr for StartAt {
    type Err = String;

    fn from_str(text: &str) -> Result<StartAt, String> {
        if let Some(lead) = text.strip_prefix("joined+") {
            return humantime::parse_duration(lead)
                .map(StartAt::AfterJoined)
                .map_err(|error| format!("--start-at {text:?}: {error}"));
        }
        humantime::parse_rfc3339_weak(text.trim_end_matches('Z'))
            .map(StartAt::Instant)
            .map_err(|error| {
                format!(
                    "--start-at {text:?}: {error}; expected an RFC 3339 time in UTC (2026-12-06T23:00:00Z) or joined+DURATION"
                )
            })
    }
}

/// The instant scenario `k` of a suite begins its warm-up, given the first's: each scenario
/// has a slot as long as its warm-up, window and request timeout, and 15 s to start and stop
/// a stack, so that every segment, reading the same files and flags, starts scenario `k` at
/// the same instant. `slots` are the earlier scenarios' slots.
pub fn scenario_start(first: SystemTime, slots: &[Duration]) -> SystemTime {
    first + slots.iter().sum::<Duration>()
}

/// A scenario's slot in a suite started at an instant (see [`scenario_start`]).
pub fn slot(warmup: Duration, duration: Duration, request_timeout: Duration) -> Duration {
    warmup + duration + request_timeout + Duration::from_secs(15)
}

/// The host's clock as its kernel's NTP state tells it (`adjtimex` with no change asked).
pub fn clock_status() -> reports::ClockStatus {
    // SAFETY: `timex` is plain data, all zeroes is a valid value, and modes 0 only reads.
    let mut timex: libc::timex = unsafe { std::mem::zeroed() };
    // SAFETY: a valid pointer to a `timex` the call may write.
    let state = unsafe { libc::adjtimex(&mut timex) };
    if state < 0 {
        return reports::ClockStatus {
            source: format!("adjtimex failed: {}", std::io::Error::last_os_error()),
            ..Default::default()
        };
    }
    let nano = timex.status & libc::STA_NANO != 0;
    let offset_us = if nano {
        timex.offset as f64 / 1000.0
    } else {
        timex.offset as f64
    };
    reports::ClockStatus {
        synchronised: state != libc::TIME_ERROR && timex.status & libc::STA_UNSYNC == 0,
        offset_us,
        max_error_us: timex.maxerror as f64,
        est_error_us: timex.esterror as f64,
        source: "adjtimex".into(),
    }
}

/// This host's name, for the report.
pub fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|name| name.trim().to_owned())
        .unwrap_or_else(|_| "unknown".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_parse_and_refuse_what_is_not_one() {
        assert_eq!("2/3".parse::<Segment>(), Ok(Segment { index: 2, count: 3 }));
        for bad in ["0/3", "4/3", "3", "a/3", "1/0"] {
            let error = bad.parse::<Segment>().unwrap_err();
            assert!(error.contains(bad) && error.contains("I/N"), "{error}");
        }
    }

    #[test]
    fn users_are_shared_out_whole_and_each_segment_has_ids_of_its_own() {
        let shares: Vec<u32> = (1..=3)
            .map(|index| Segment { index, count: 3 }.users(10).unwrap())
            .collect();
        assert_eq!(shares, [4, 3, 3]);
        let error = Segment { index: 3, count: 3 }.users(2).unwrap_err();
        assert!(error.contains("segment 3 would have none"), "{error}");
        // Ids: disjoint across segments, and together the whole population 0..10.
        let mut all = Vec::new();
        for index in 1..=3 {
            let segment = Segment { index, count: 3 };
            all.extend((0..segment.user_pool(10)).map(|draw| segment.user(draw)));
        }
        all.sort_unstable();
        assert_eq!(all, (0..10).collect::<Vec<_>>());
        assert_eq!(Segment::WHOLE.seed(7), 7);
        assert_ne!(Segment { index: 2, count: 3 }.seed(7), 7);
    }

    #[test]
    fn start_instants_parse_and_scenarios_get_slots_in_turn() {
        let at: StartAt = "2026-12-06T23:00:00Z".parse().unwrap();
        let StartAt::Instant(first) = at else {
            panic!("{at:?}")
        };
        assert_eq!(
            "joined+15s".parse::<StartAt>(),
            Ok(StartAt::AfterJoined(Duration::from_secs(15)))
        );
        assert!(
            "tomorrow"
                .parse::<StartAt>()
                .unwrap_err()
                .contains("RFC 3339")
        );
        let slots = [slot(
            Duration::from_secs(5),
            Duration::from_secs(20),
            Duration::from_secs(10),
        )];
        assert_eq!(
            scenario_start(first, &slots),
            first + Duration::from_secs(50)
        );
    }

    #[test]
    fn the_clock_status_reads() {
        let clock = clock_status();
        assert_eq!(clock.source, "adjtimex", "{clock:?}");
        assert!(clock.max_error_us >= 0.0);
    }
}
