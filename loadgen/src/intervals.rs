//! HdrHistogram interval logs: one compressed histogram per interval of the measured window,
//! in the format of HdrHistogram's own `HistogramLogProcessor`, and exact merges of several
//! logs (same-bound histograms added interval by interval), so that shards run apart can be
//! judged on merged data.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::time::{Duration, SystemTime};

use hdrhistogram::Histogram;
use hdrhistogram::serialization::interval_log::{
    IntervalLogIterator, IntervalLogWriterBuilder, LogEntry,
};
use hdrhistogram::serialization::{Deserializer, V2DeflateSerializer};

use crate::recorder::{EncodedInterval, decode, new_histogram};

/// Adds up intervals with the same series and index (one per worker) into one each, in order.
pub fn merge_encoded(intervals: Vec<EncodedInterval>) -> Vec<EncodedInterval> {
    let mut merged: BTreeMap<(usize, u64), (Histogram<u64>, u64)> = BTreeMap::new();
    for interval in intervals {
        let histogram = decode(&interval.encoded);
        let (sum, errors) = merged
            .entry((interval.series, interval.index))
            .or_insert_with(|| (new_histogram(), 0));
        sum.add(&histogram)
            .expect("histograms of record share their bounds");
        *errors += interval.errors;
    }
    merged
        .into_iter()
        .map(|((series, index), (histogram, errors))| EncodedInterval {
            series,
            index,
            encoded: encode(&histogram),
            errors,
        })
        .collect()
}

fn encode(histogram: &Histogram<u64>) -> Vec<u8> {
    use hdrhistogram::serialization::Serializer;
    let mut bytes = Vec::new();
    V2DeflateSerializer::new()
        .serialize(histogram, &mut bytes)
        .expect("serialising into memory cannot fail");
    bytes
}

/// One interval of a log: its start from the log's start time, its length, its histogram.
#[derive(Debug, Clone)]
pub struct Interval {
    pub start: Duration,
    pub length: Duration,
    pub histogram: Histogram<u64>,
}

/// Writes one series' intervals as an interval log. `window_start` is the wall-clock time the
/// measured window began; interval *i* starts `i × period` after it. Values are microseconds.
pub fn write_log(
    out: &mut impl Write,
    window_start: SystemTime,
    period: Duration,
    intervals: &[Interval],
    comment: &str,
) -> io::Result<()> {
    let mut serializer = V2DeflateSerializer::new();
    let mut builder = IntervalLogWriterBuilder::new();
    builder
        .add_comment(comment)
        .add_comment("values in microseconds")
        .with_start_time(window_start)
        .with_base_time(window_start)
        .with_max_value_divisor(1000.0);
    let mut writer = builder
        .begin_log_with(out, &mut serializer)
        .map_err(io::Error::other)?;
    for interval in intervals {
        let length = if interval.length.is_zero() {
            period
        } else {
            interval.length
        };
        writer
            .write_histogram(&interval.histogram, interval.start, length, None)
            .map_err(|error| io::Error::other(format!("{error:?}")))?;
    }
    Ok(())
}

/// The intervals of the encoded histograms of one series, as [`write_log`] takes them.
pub fn series_intervals(
    encoded: &[EncodedInterval],
    series: usize,
    period: Duration,
) -> Vec<Interval> {
    encoded
        .iter()
        .filter(|interval| interval.series == series)
        .map(|interval| Interval {
            start: period * interval.index as u32,
            length: period,
            histogram: decode(&interval.encoded),
        })
        .collect()
}

/// Failures per interval of one series, by interval number, as the workers counted them.
pub fn series_errors(encoded: &[EncodedInterval], series: usize) -> BTreeMap<u64, u64> {
    encoded
        .iter()
        .filter(|interval| interval.series == series)
        .map(|interval| (interval.index, interval.errors))
        .collect()
}

/// Reads an interval log: its intervals in order, with starts relative to the log's base time.
pub fn read_log(text: &[u8]) -> Result<Vec<Interval>, String> {
    read_timed_log(text).map(|log| log.intervals)
}

/// An interval log with the wall-clock time its interval starts count from: its `BaseTime`,
/// else its `StartTime` (as HdrHistogram's own tools read them).
#[derive(Debug, Clone)]
pub struct TimedLog {
    /// Since the Unix epoch; `None` when the log names neither time.
    pub base: Option<Duration>,
    pub intervals: Vec<Interval>,
}

/// Reads an interval log with its base time.
pub fn read_timed_log(text: &[u8]) -> Result<TimedLog, String> {
    let mut deserializer = Deserializer::new();
    let mut intervals = Vec::new();
    let (mut base_time, mut start_time) = (None, None);
    for entry in IntervalLogIterator::new(text) {
        let entry = entry.map_err(|error| format!("{error:?}"))?;
        if let LogEntry::BaseTime(at) = entry {
            base_time = Some(at);
        }
        if let LogEntry::StartTime(at) = entry {
            start_time = Some(at);
        }
        if let LogEntry::Interval(interval) = entry {
            let bytes = base64_decode(interval.encoded_histogram())?;
            let decoded: Histogram<u64> = deserializer
                .deserialize(&mut &bytes[..])
                .map_err(|error| format!("{error:?}"))?;
            let mut histogram = new_histogram();
            histogram
                .add(&decoded)
                .map_err(|error| format!("a histogram out of bounds: {error:?}"))?;
            intervals.push(Interval {
                start: interval.start_timestamp(),
                length: interval.duration(),
                histogram,
            });
        }
    }
    Ok(TimedLog {
        base: base_time.or(start_time),
        intervals,
    })
}

/// Merges logs by absolute time: each interval is placed at its log's base time plus its
/// start, on a grid of `period` laid from the earliest base time, and intervals that fall on
/// one step of the grid are added. Logs written by hosts that began their windows together
/// (a segment each, `--start-at`) line up second by second even when one wrote its first
/// interval later than another, which merging by index would shift. Returns the grid's
/// start and the merged intervals, in order. A log without a base time counts from the
/// earliest one.
pub fn merge_logs_by_time(logs: &[TimedLog], period: Duration) -> (Duration, Vec<Interval>) {
    let origin = logs
        .iter()
        .filter_map(|log| log.base)
        .min()
        .unwrap_or_default();
    let step = period.as_secs_f64().max(1e-9);
    let mut merged: BTreeMap<u64, Interval> = BTreeMap::new();
    for log in logs {
        let offset = log.base.map_or(Duration::ZERO, |base| base - origin);
        for interval in &log.intervals {
            let at = (offset + interval.start).as_secs_f64();
            let idx = (at / step).round() as u64;
            match merged.get_mut(&idx) {
                Some(existing) => existing
                    .histogram
                    .add(&interval.histogram)
                    .expect("histograms of record share their bounds"),
                None => {
                    let mut placed = interval.clone();
                    placed.start = period * idx as u32;
                    merged.insert(idx, placed);
                }
            }
        }
    }
    (origin, merged.into_values().collect())
}

/// Merges logs interval by interval (intervals with the same start are added), and returns the
/// merged intervals in order.
pub fn merge_logs(logs: &[Vec<Interval>]) -> Vec<Interval> {
    let mut merged: BTreeMap<Duration, Interval> = BTreeMap::new();
    for log in logs {
        for interval in log {
            match merged.get_mut(&interval.start) {
                Some(existing) => existing
                    .histogram
                    .add(&interval.histogram)
                    .expect("histograms of record share their bounds"),
                None => {
                    merged.insert(interval.start, interval.clone());
                }
            }
        }
    }
    merged.into_values().collect()
}

/// The sum of every interval: the whole window's histogram.
pub fn total(intervals: &[Interval]) -> Histogram<u64> {
    let mut total = new_histogram();
    for interval in intervals {
        total
            .add(&interval.histogram)
            .expect("histograms of record share their bounds");
    }
    total
}

/// Standard base64, as the interval log stores histograms.
fn base64_decode(text: &str) -> Result<Vec<u8>, String> {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut value_of = [255u8; 256];
    for (idx, byte) in ALPHABET.iter().enumerate() {
        value_of[*byte as usize] = idx as u8;
    }
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let mut buffer = 0u32;
    let mut bits = 0;
    for byte in text
        .bytes()
        .filter(|b| *b != b'=' && !b.is_ascii_whitespace())
    {
        let value = value_of[byte as usize];
        if value == 255 {
            return Err(format!("invalid base64 byte {byte:#x} in an interval log"));
        }
        buffer = (buffer << 6) | u32::from(value);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
        }
    }
    Ok(out)
}
