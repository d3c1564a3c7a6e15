//! A hiccup meter, after jHiccup: a thread that sleeps 1 ms again and again and records how
//! much longer each sleep took. What it sees is the machine's own pauses (a virtual CPU
//! descheduled, a stalled kernel), which delay every process alike: the system under test,
//! the generator and the meter. A latency row that fails while the machine itself paused
//! longer than the row's limit cannot be told from the machine's failure.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;

/// The sleep the meter asks for, each round.
const TICK: Duration = Duration::from_millis(1);

/// A running meter; [`HiccupMeter::finish`] stops it and hands back what it recorded.
pub struct HiccupMeter {
    stop: Arc<AtomicBool>,
    thread: JoinHandle<Histogram<u64>>,
}

impl HiccupMeter {
    /// Starts the meter; it records, in microseconds, how late each wake-up was that fell
    /// between `from` and `until`, and ends by itself at `until`.
    pub fn start(from: Instant, until: Instant) -> std::io::Result<HiccupMeter> {
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = stop.clone();
        let thread = std::thread::Builder::new()
            .name("hiccup-meter".into())
            .spawn(move || {
                let mut hiccups = loadgen::new_histogram();
                while !stopping.load(Ordering::Relaxed) {
                    let asleep = Instant::now();
                    if asleep >= until {
                        break;
                    }
                    std::thread::sleep(TICK);
                    let woke = Instant::now();
                    if asleep >= from && woke <= until + TICK {
                        let late = woke.saturating_duration_since(asleep + TICK);
                        hiccups.saturating_record(late.as_micros() as u64);
                    }
                }
                hiccups
            })?;
        Ok(HiccupMeter { stop, thread })
    }

    /// Stops the meter and returns its record: how late each wake-up was, µs.
    pub fn finish(self) -> Histogram<u64> {
        self.stop.store(true, Ordering::Relaxed);
        self.thread
            .join()
            .unwrap_or_else(|_| loadgen::new_histogram())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_meter_records_its_window_and_stops_at_its_end() {
        let from = Instant::now() + Duration::from_millis(20);
        let until = from + Duration::from_millis(60);
        let meter = HiccupMeter::start(from, until).unwrap();
        // A pause of the meter's own thread is not possible to cause from here; what can be
        // checked is that it records only its window (about 60 one-millisecond rounds, fewer
        // when wake-ups are late) and ends by itself.
        std::thread::sleep(Duration::from_millis(120));
        let recorded = meter.finish();
        assert!(
            (1..=61).contains(&recorded.len()),
            "{} rounds recorded",
            recorded.len()
        );
    }

    #[test]
    fn a_meter_stopped_early_hands_back_what_it_has() {
        let now = Instant::now();
        let meter = HiccupMeter::start(now, now + Duration::from_secs(3_600)).unwrap();
        std::thread::sleep(Duration::from_millis(20));
        let recorded = meter.finish();
        assert!(!recorded.is_empty());
    }
}
