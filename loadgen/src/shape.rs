//! Load shapes: arrival rates (`10000/s`), stages of an open model (`hold 10000/s for 30s`,
//! `ramp 1000/s -> 20000/s over 30s`) and the schedule of intended send times they give.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

/// An arrival rate, parsed from `10000/s`, `600/min` or `36000/h`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rate {
    pub per_second: f64,
}

impl FromStr for Rate {
    type Err = String;

    fn from_str(text: &str) -> Result<Rate, String> {
        let bad = || {
            format!(
                "invalid rate {text:?}: expected a number per unit, as \"10000/s\" or \"600/min\""
            )
        };
        let (number, unit) = text.trim().split_once('/').ok_or_else(bad)?;
        let number: f64 = number.trim().replace('_', "").parse().map_err(|_| bad())?;
        let seconds = match unit.trim() {
            "s" | "sec" | "second" => 1.0,
            "m" | "min" | "minute" => 60.0,
            "h" | "hour" => 3600.0,
            _ => return Err(bad()),
        };
        if !number.is_finite() || number < 0.0 {
            return Err(bad());
        }
        Ok(Rate {
            per_second: number / seconds,
        })
    }
}

impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.per_second >= 1.0 || self.per_second == 0.0 {
            write!(f, "{}/s", round(self.per_second))
        } else {
            write!(f, "{}/min", round(self.per_second * 60.0))
        }
    }
}

fn round(value: f64) -> f64 {
    (value * 1000.0).round() / 1000.0
}

/// One stage of an open model's arrival rate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Stage {
    /// `hold 10000/s for 30s`: a constant rate.
    Hold { rate: Rate, duration: Duration },
    /// `ramp 1000/s -> 20000/s over 30s`: the rate changes linearly.
    Ramp {
        from: Rate,
        to: Rate,
        duration: Duration,
    },
}

impl Stage {
    pub fn duration(&self) -> Duration {
        match *self {
            Stage::Hold { duration, .. } | Stage::Ramp { duration, .. } => duration,
        }
    }

    /// Rates at the start and the end of the stage, per second.
    fn rates(&self) -> (f64, f64) {
        match *self {
            Stage::Hold { rate, .. } => (rate.per_second, rate.per_second),
            Stage::Ramp { from, to, .. } => (from.per_second, to.per_second),
        }
    }
}

impl FromStr for Stage {
    type Err = String;

    fn from_str(text: &str) -> Result<Stage, String> {
        let bad = |why: &str| {
            format!(
                "invalid stage {text:?}: {why}; expected \"hold 10000/s for 30s\" or \"ramp 1000/s -> 20000/s over 30s\""
            )
        };
        let words: Vec<&str> = text.split_whitespace().collect();
        let duration = |word: &str| {
            humantime::parse_duration(word).map_err(|error| bad(&format!("{word:?}: {error}")))
        };
        match words.as_slice() {
            ["hold", rate, "for", time] => Ok(Stage::Hold {
                rate: rate.parse().map_err(|error: String| bad(&error))?,
                duration: duration(time)?,
            }),
            ["ramp", from, "->", to, "over", time] => Ok(Stage::Ramp {
                from: from.parse().map_err(|error: String| bad(&error))?,
                to: to.parse().map_err(|error: String| bad(&error))?,
                duration: duration(time)?,
            }),
            _ => Err(bad("unknown form")),
        }
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Stage::Hold { rate, duration } => {
                write!(
                    f,
                    "hold {rate} for {}",
                    humantime::format_duration(*duration)
                )
            }
            Stage::Ramp { from, to, duration } => write!(
                f,
                "ramp {from} -> {to} over {}",
                humantime::format_duration(*duration)
            ),
        }
    }
}

/// The intended send times of an open model: request *i* is due when the integral of the
/// rate from the start reaches *i*. After the last stage its final rate holds.
#[derive(Debug, Clone)]
pub struct Schedule {
    stages: Vec<Stage>,
    /// Where in the count request 0 falls, in `[0, 1)`: a segment's share of a schedule
    /// (see [`Schedule::segment`]) starts part-way, so that segments interleave.
    phase: f64,
}

impl Schedule {
    /// A constant rate.
    pub fn constant(rate: Rate) -> Schedule {
        Schedule {
            stages: vec![Stage::Hold {
                rate,
                duration: Duration::ZERO,
            }],
            phase: 0.0,
        }
    }

    /// Stages in order; an empty list offers nothing.
    pub fn stages(stages: Vec<Stage>) -> Schedule {
        Schedule { stages, phase: 0.0 }
    }

    /// Segment `index` (1-based) of `count` of this schedule: every rate divided by `count`,
    /// and request *k* due when the whole schedule's count reaches `count·k + index − 1`. The
    /// segments' intended times, taken together, are exactly the whole schedule's, each time
    /// in one segment (as k6's execution segments split iterations).
    pub fn segment(&self, index: u32, count: u32) -> Schedule {
        let count = count.max(1);
        let share = 1.0 / f64::from(count);
        let scale = |rate: Rate| Rate {
            per_second: rate.per_second * share,
        };
        let stages = self
            .stages
            .iter()
            .map(|stage| match *stage {
                Stage::Hold { rate, duration } => Stage::Hold {
                    rate: scale(rate),
                    duration,
                },
                Stage::Ramp { from, to, duration } => Stage::Ramp {
                    from: scale(from),
                    to: scale(to),
                    duration,
                },
            })
            .collect();
        Schedule {
            stages,
            phase: (self.phase + f64::from(index.clamp(1, count) - 1)) * share,
        }
    }

    /// The rate at `at` from the start, per second.
    pub fn rate_at(&self, at: Duration) -> f64 {
        let mut begin = 0.0;
        let at = at.as_secs_f64();
        for stage in &self.stages {
            let length = stage.duration().as_secs_f64();
            let (from, to) = stage.rates();
            if at < begin + length {
                return from + (to - from) * (at - begin) / length;
            }
            begin += length;
        }
        self.stages.last().map_or(0.0, |stage| stage.rates().1)
    }

    /// The highest rate the schedule reaches.
    pub fn peak_rate(&self) -> f64 {
        self.stages
            .iter()
            .map(|stage| stage.rates().0.max(stage.rates().1))
            .fold(0.0, f64::max)
    }

    /// The intended times, as offsets from the start, in order.
    pub fn times(&self) -> ScheduleTimes<'_> {
        ScheduleTimes {
            schedule: self,
            stage: 0,
            stage_begin: 0.0,
            count_before: 0.0,
            next_idx: 0,
        }
    }
}

/// Iterator over a schedule's intended times (seconds from the start). Each is found by
/// inverting the cumulative count within its stage, so a ramp from zero is exact too.
#[derive(Debug, Clone)]
pub struct ScheduleTimes<'a> {
    schedule: &'a Schedule,
    stage: usize,
    /// Start of the current stage, seconds.
    stage_begin: f64,
    /// Requests due before the current stage began (a real number).
    count_before: f64,
    next_idx: u64,
}

impl Iterator for ScheduleTimes<'_> {
    type Item = Duration;

    fn next(&mut self) -> Option<Duration> {
        let stages = &self.schedule.stages;
        // Request i is due when the cumulative count reaches i (the first at time zero), or
        // i + phase for a segment.
        let target = self.next_idx as f64 + self.schedule.phase;
        loop {
            let stage = stages.get(self.stage)?;
            let (from, to) = stage.rates();
            let length = stage.duration().as_secs_f64();
            let last = self.stage + 1 == stages.len();
            let in_stage = target - self.count_before;
            let stage_count = (from + to) / 2.0 * length;
            if last || in_stage < stage_count {
                let offset = if last && in_stage >= stage_count {
                    // Past the last stage its final rate holds.
                    if to <= 0.0 {
                        return None;
                    }
                    length + (in_stage - stage_count) / to
                } else {
                    solve_ramp(from, to, length, in_stage)
                };
                self.next_idx += 1;
                return Some(Duration::from_secs_f64(self.stage_begin + offset));
            }
            self.count_before += stage_count;
            self.stage_begin += length;
            self.stage += 1;
        }
    }
}

/// The time `t` in `[0, length]` at which `from·t + (to − from)·t²/(2·length)` reaches `count`.
fn solve_ramp(from: f64, to: f64, length: f64, count: f64) -> f64 {
    let slope = if length > 0.0 {
        (to - from) / length
    } else {
        0.0
    };
    if slope.abs() < 1e-12 {
        return if from > 0.0 { count / from } else { 0.0 };
    }
    // slope/2·t² + from·t − count = 0, the root in the stage.
    let discriminant = (from * from + 2.0 * slope * count).max(0.0);
    ((discriminant.sqrt() - from) / slope).clamp(0.0, length)
}

#[cfg(test)]
mod tests;
