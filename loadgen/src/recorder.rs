//! What a worker records: per series, latency from the intended time and service time from the
//! first socket write, counts by outcome, successful answers that arrived inside the measured
//! window, and one latency histogram per interval of that window. Each worker owns its
//! recorder; they are merged exactly (histograms added) when the run ends.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use hdrhistogram::serialization::{Deserializer, Serializer, V2DeflateSerializer};

/// Microsecond histograms from 1 µs to one hour at 3 significant figures: every histogram of
/// record has these bounds, so any two can be added exactly.
pub fn new_histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 3_600_000_000, 3).expect("valid histogram bounds")
}

/// One series over the measured window.
#[derive(Debug, Clone)]
pub struct SeriesResult {
    /// Requests whose intended send time fell in the measured window.
    pub sent: u64,
    pub ok: u64,
    /// Failures by kind: `http_503`, `timeout`, `connect`…
    pub errors: BTreeMap<String, u64>,
    /// From the intended send time, microseconds; failures included.
    pub latency: Histogram<u64>,
    /// The same, successes only: fast failures (a 503 in a millisecond) would otherwise pull
    /// the percentiles of `latency` down.
    pub latency_ok: Histogram<u64>,
    /// From the request's first socket write, microseconds.
    pub service: Histogram<u64>,
    /// Successful answers that arrived inside the measured window, whenever they were sent:
    /// what throughput is judged on.
    pub completed_in_window: u64,
}

impl SeriesResult {
    pub fn new() -> SeriesResult {
        SeriesResult {
            sent: 0,
            ok: 0,
            errors: BTreeMap::new(),
            latency: new_histogram(),
            latency_ok: new_histogram(),
            service: new_histogram(),
            completed_in_window: 0,
        }
    }

    /// Adds `other` into `self`: counts summed, histograms added.
    pub fn add(&mut self, other: &SeriesResult) {
        self.sent += other.sent;
        self.ok += other.ok;
        for (kind, count) in &other.errors {
            *self.errors.entry(kind.clone()).or_insert(0) += count;
        }
        self.latency
            .add(&other.latency)
            .expect("histograms of record share their bounds");
        self.latency_ok
            .add(&other.latency_ok)
            .expect("histograms of record share their bounds");
        self.service
            .add(&other.service)
            .expect("histograms of record share their bounds");
        self.completed_in_window += other.completed_in_window;
    }

    pub fn error_count(&self) -> u64 {
        self.errors.values().sum()
    }
}

impl Default for SeriesResult {
    fn default() -> SeriesResult {
        SeriesResult::new()
    }
}

/// One interval of one series' latency, V2 + DEFLATE encoded.
#[derive(Debug, Clone)]
pub struct EncodedInterval {
    pub series: usize,
    /// Interval number from the start of the measured window.
    pub index: u64,
    pub encoded: Vec<u8>,
    /// Failed requests among the interval's answers (the fault suite's error rate over time).
    pub errors: u64,
}

/// One finished request as a worker records it.
pub(crate) struct Finished<'a> {
    pub series: usize,
    pub detail: Option<usize>,
    pub measured: bool,
    pub intended: Instant,
    pub sent_at: Option<Instant>,
    pub answered_at: Instant,
    pub outcome: Result<(), &'a str>,
}

pub(crate) struct WorkerRecorder {
    pub series: Vec<SeriesResult>,
    /// How late each measured request's first byte reached the socket, microseconds.
    pub send_lag: Histogram<u64>,
    /// How late the worker woke against the schedule, microseconds.
    pub schedule_lag: Histogram<u64>,
    /// Every connection set-up of the run, warm-up included: the TCP connect, and the TLS
    /// handshake after it (`https://`), microseconds; apart from the requests' latency.
    pub connect: Histogram<u64>,
    pub tls_handshake: Histogram<u64>,
    /// TLS handshakes that resumed an earlier session.
    pub tls_resumed: u64,
    pub intervals: Vec<EncodedInterval>,
    current: Vec<Histogram<u64>>,
    /// Failures among the current interval's answers, per series.
    current_errors: Vec<u64>,
    current_index: u64,
    interval: Duration,
    window_start: Instant,
    window_end: Instant,
}

impl WorkerRecorder {
    pub fn new(n_series: usize, window: (Instant, Instant), interval: Duration) -> Self {
        WorkerRecorder {
            series: (0..n_series).map(|_| SeriesResult::new()).collect(),
            send_lag: new_histogram(),
            schedule_lag: new_histogram(),
            connect: new_histogram(),
            tls_handshake: new_histogram(),
            tls_resumed: 0,
            intervals: Vec::new(),
            current: (0..n_series).map(|_| new_histogram()).collect(),
            current_errors: vec![0; n_series],
            current_index: 0,
            interval,
            window_start: window.0,
            window_end: window.1,
        }
    }

    /// Records how a connection was set up.
    pub fn record_set_up(&mut self, set_up: crate::client::SetUp) {
        self.connect
            .saturating_record(micros(set_up.connect).max(1));
        if let Some(tls) = set_up.tls {
            self.tls_handshake.saturating_record(micros(tls).max(1));
            self.tls_resumed += u64::from(set_up.resumed);
        }
    }

    /// Records one finished request; when its arrival closed an interval, returns that
    /// interval's P99 latency (µs, the largest over the series), for live progress.
    pub fn record(&mut self, request: Finished<'_>) -> Option<u64> {
        let in_window =
            request.answered_at >= self.window_start && request.answered_at < self.window_end;
        let ok = request.outcome.is_ok();
        if !request.measured {
            if ok && in_window {
                for idx in std::iter::once(request.series).chain(request.detail) {
                    self.series[idx].completed_in_window += 1;
                }
            }
            return None;
        }
        let latency = micros(
            request
                .answered_at
                .saturating_duration_since(request.intended),
        );
        let service = micros(
            request
                .answered_at
                .saturating_duration_since(request.sent_at.unwrap_or(request.answered_at)),
        );
        if let Some(sent_at) = request.sent_at {
            self.send_lag
                .saturating_record(micros(sent_at.saturating_duration_since(request.intended)));
        }
        let index = (request
            .answered_at
            .saturating_duration_since(self.window_start)
            .as_nanos()
            / self.interval.as_nanos().max(1)) as u64;
        let closed = (index > self.current_index).then(|| self.rotate(index));
        for idx in std::iter::once(request.series).chain(request.detail) {
            let series = &mut self.series[idx];
            series.sent += 1;
            // Failures are timed too: a slow failure is still a slow answer.
            series.latency.saturating_record(latency);
            series.service.saturating_record(service);
            // A late record (an answer read before the interval turned) lands in the current
            // interval: the intervals still add up to the whole window exactly.
            self.current[idx].saturating_record(latency);
            match request.outcome {
                Ok(()) => {
                    series.ok += 1;
                    series.latency_ok.saturating_record(latency);
                    if in_window {
                        series.completed_in_window += 1;
                    }
                }
                Err(kind) => {
                    self.current_errors[idx] += 1;
                    match series.errors.get_mut(kind) {
                        Some(count) => *count += 1,
                        None => {
                            series.errors.insert(kind.to_owned(), 1);
                        }
                    }
                }
            }
        }
        closed
    }

    /// Closes the current interval and starts `index`; returns the closed interval's P99
    /// (µs, the largest over the series; 0 when it recorded nothing).
    fn rotate(&mut self, index: u64) -> u64 {
        let mut serializer = V2DeflateSerializer::new();
        let mut p99 = 0;
        for (series, histogram) in self.current.iter_mut().enumerate() {
            if histogram.is_empty() {
                continue;
            }
            p99 = p99.max(histogram.value_at_quantile(0.99));
            let mut encoded = Vec::new();
            serializer
                .serialize(histogram, &mut encoded)
                .expect("serialising into memory cannot fail");
            self.intervals.push(EncodedInterval {
                series,
                index: self.current_index,
                encoded,
                errors: std::mem::take(&mut self.current_errors[series]),
            });
            histogram.reset();
        }
        self.current_index = index;
        p99
    }

    /// Closes the last interval.
    pub fn finish(&mut self) {
        self.rotate(self.current_index + 1);
    }
}

fn micros(duration: Duration) -> u64 {
    (duration.as_micros() as u64).max(1)
}

/// Decodes an interval histogram written by a worker.
pub fn decode(encoded: &[u8]) -> Histogram<u64> {
    let decoded: Histogram<u64> = Deserializer::new()
        .deserialize(&mut &encoded[..])
        .expect("a histogram this engine encoded decodes");
    let mut histogram = new_histogram();
    histogram
        .add(&decoded)
        .expect("histograms of record share their bounds");
    histogram
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_interval_counts_its_own_failures() {
        let start = Instant::now();
        let second = Duration::from_secs(1);
        let mut recorder = WorkerRecorder::new(2, (start, start + 10 * second), second);
        let mut finish = |series: usize, at: Duration, outcome: Result<(), &'static str>| {
            recorder.record(Finished {
                series,
                detail: None,
                measured: true,
                intended: start + at - Duration::from_millis(5),
                sent_at: None,
                answered_at: start + at,
                outcome,
            });
        };
        finish(0, Duration::from_millis(100), Ok(()));
        finish(0, Duration::from_millis(200), Err("http_503"));
        finish(1, Duration::from_millis(300), Err("timeout"));
        finish(0, Duration::from_millis(1500), Ok(()));
        finish(0, Duration::from_millis(3500), Err("http_503"));
        finish(0, Duration::from_millis(3600), Err("http_503"));
        recorder.finish();
        let errors = |series: usize| -> Vec<(u64, u64)> {
            crate::intervals::series_errors(&recorder.intervals, series)
                .into_iter()
                .collect()
        };
        assert_eq!(errors(0), vec![(0, 1), (1, 0), (3, 2)]);
        assert_eq!(errors(1), vec![(0, 1)]);
        // Merging the workers' intervals adds their failures up.
        let doubled: Vec<EncodedInterval> = recorder
            .intervals
            .iter()
            .chain(recorder.intervals.iter())
            .cloned()
            .collect();
        let merged = crate::intervals::merge_encoded(doubled);
        let merged_errors: Vec<(u64, u64)> = crate::intervals::series_errors(&merged, 0)
            .into_iter()
            .collect();
        assert_eq!(merged_errors, vec![(0, 2), (1, 0), (3, 4)]);
    }
}
