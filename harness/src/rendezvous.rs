//! The rendezvous of a load split across hosts: the history's database (PostgreSQL with
//! `--history-url`, reachable from every host). Each segment joins its run group as it
//! starts, beats every few seconds while it runs, and records its report and interval logs
//! under the group as it ends; `octoperf merge --run-group` waits there until every segment
//! has finished, died (it stopped beating) or the wait ran out, and names the missing ones.
//! `--start-at joined+15s` is a barrier on the same table: the warm-up begins 15 s after the
//! last segment joined, an instant every segment reads alike.

use std::time::{Duration, SystemTime};

use history::{History, SegmentRecord, SegmentState};
use tokio::sync::watch;

use crate::segment::Segment;

/// How often a running segment beats.
pub const BEAT: Duration = Duration::from_secs(5);
/// A segment whose last beat is older than this is taken for dead.
pub const DEAD_AFTER: Duration = Duration::from_secs(30);

/// A segment that joined its group, beating until dropped.
pub struct Joined {
    pub history: History,
    pub group: String,
    pub segment: Segment,
    beat: tokio::task::JoinHandle<()>,
}

impl Drop for Joined {
    fn drop(&mut self) {
        self.beat.abort();
    }
}

/// Joins `group` as `segment` from this host and starts beating.
pub async fn join(history: History, group: &str, segment: Segment) -> Result<Joined, String> {
    history
        .join_segment(
            group,
            (segment.index, segment.count),
            &crate::segment::hostname(),
        )
        .await
        .map_err(|error| error.to_string())?;
    let beating = history.clone();
    let beat_group = group.to_owned();
    let beat = tokio::spawn(async move {
        let mut every = tokio::time::interval(BEAT);
        loop {
            every.tick().await;
            if let Err(error) = beating.beat_segment(&beat_group, segment.index).await {
                eprintln!("warning: segment {segment} cannot beat in the run group: {error}");
            }
        }
    });
    Ok(Joined {
        history,
        group: group.to_owned(),
        segment,
        beat,
    })
}

/// Waits until all of the group's segments joined; the instant `lead` after the last one
/// did. `None` when cancelled; an error naming the missing segments after `timeout`.
pub async fn wait_joined(
    joined: &Joined,
    lead: Duration,
    timeout: Duration,
    cancel: &watch::Receiver<bool>,
) -> Result<Option<SystemTime>, String> {
    let count = joined.segment.count;
    let began = std::time::Instant::now();
    let mut said = std::time::Instant::now();
    loop {
        if *cancel.borrow() {
            return Ok(None);
        }
        let segments = joined
            .history
            .segments(&joined.group)
            .await
            .map_err(|error| error.to_string())?;
        if segments.len() as u32 >= count {
            let last = segments.iter().map(|s| s.joined_at_ms).max().unwrap_or(0);
            let at = SystemTime::UNIX_EPOCH + Duration::from_millis(last.max(0) as u64) + lead;
            return Ok(Some(at));
        }
        let missing = missing(&segments, count);
        if began.elapsed() > timeout {
            return Err(format!(
                "run group {}: segments {} did not join within {}",
                joined.group,
                missing.join(", "),
                humantime::format_duration(timeout)
            ));
        }
        if said.elapsed() > Duration::from_secs(10) {
            eprintln!(
                "waiting for segments {} to join run group {}",
                missing.join(", "),
                joined.group
            );
            said = std::time::Instant::now();
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// The segments `1..=count` that have no record, as `2/3`.
fn missing(segments: &[SegmentRecord], count: u32) -> Vec<String> {
    (1..=count)
        .filter(|index| !segments.iter().any(|s| s.index == *index))
        .map(|index| format!("{index}/{count}"))
        .collect()
}

/// What the merge found at the rendezvous: the finished segments' runs, and why each other
/// segment is missing.
#[derive(Debug, Default)]
pub struct Gathered {
    /// `(segment, run id)` of each finished segment.
    pub finished: Vec<(SegmentRecord, String)>,
    /// One sentence per segment that is missing from the merge.
    pub missing: Vec<String>,
}

/// Waits for `expected` segments of `group` (or the count they joined with) to finish, until
/// each is finished, interrupted or dead, or `timeout` ran out.
pub async fn gather(
    history: &History,
    group: &str,
    expected: Option<u32>,
    timeout: Duration,
    cancel: &watch::Receiver<bool>,
) -> Result<Gathered, String> {
    let began = std::time::Instant::now();
    let mut said = std::time::Instant::now();
    loop {
        let segments = history
            .segments(group)
            .await
            .map_err(|error| error.to_string())?;
        let count = match (expected, segments.first()) {
            (Some(count), _) => count,
            (None, Some(first)) => first.count,
            (None, None) if began.elapsed() > timeout => {
                return Err(format!(
                    "run group {group}: no segment joined it within {} (is every host given the same --history-url and --run-group?)",
                    humantime::format_duration(timeout)
                ));
            }
            (None, None) => {
                tokio::time::sleep(Duration::from_millis(500)).await;
                continue;
            }
        };
        if let Some(other) = segments.iter().find(|s| s.count != count) {
            return Err(format!(
                "run group {group}: segment {}/{} (from {}) was started with N = {}, not {count}",
                other.index, other.count, other.host, other.count
            ));
        }
        let now = history::now_ms();
        let dead = |s: &SegmentRecord| {
            s.state == SegmentState::Joined && now - s.beat_at_ms > DEAD_AFTER.as_millis() as i64
        };
        let out_of_time = began.elapsed() > timeout || *cancel.borrow();
        let waiting: Vec<String> = (1..=count)
            .filter(|index| {
                segments
                    .iter()
                    .find(|s| s.index == *index)
                    .is_none_or(|s| s.state == SegmentState::Joined && !dead(s))
            })
            .map(|index| format!("{index}/{count}"))
            .collect();
        if waiting.is_empty() || out_of_time {
            let mut gathered = Gathered::default();
            for index in 1..=count {
                match segments.iter().find(|s| s.index == index) {
                    None => gathered.missing.push(format!(
                        "segment {index}/{count} never joined run group {group}"
                    )),
                    Some(s) if s.state == SegmentState::Finished => {
                        let run_id = s.run_id.clone().unwrap_or_default();
                        gathered.finished.push((s.clone(), run_id));
                    }
                    Some(s) if s.state == SegmentState::Interrupted => {
                        gathered.missing.push(format!(
                            "segment {index}/{count} on {} was interrupted (run {})",
                            s.host,
                            s.run_id.as_deref().unwrap_or("?")
                        ));
                    }
                    Some(s) if dead(s) => gathered.missing.push(format!(
                        "segment {index}/{count} on {} died: it joined and stopped beating {:.0} s ago without recording a report",
                        s.host,
                        (now - s.beat_at_ms) as f64 / 1e3
                    )),
                    Some(s) => gathered.missing.push(format!(
                        "segment {index}/{count} on {} was still running when the merge stopped waiting",
                        s.host
                    )),
                }
            }
            return Ok(gathered);
        }
        if said.elapsed() > Duration::from_secs(10) {
            eprintln!(
                "waiting for segments {} of run group {group} ({} of {count} finished)",
                waiting.join(", "),
                segments
                    .iter()
                    .filter(|s| s.state == SegmentState::Finished)
                    .count()
            );
            said = std::time::Instant::now();
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// The interval logs of a finished run, as the history keeps them (paths relative to the
/// run's folder), to carry into the history with its report.
pub fn interval_log_files(
    report: &reports::RunReport,
    out_dir: &std::path::Path,
) -> Result<Vec<(String, String)>, String> {
    let mut files = Vec::new();
    for scenario in &report.scenarios {
        for relative in &scenario.generator.interval_logs {
            let path = out_dir.join(relative);
            let text = std::fs::read_to_string(&path)
                .map_err(|error| format!("cannot read {}: {error}", path.display()))?;
            files.push((relative.clone(), text));
        }
    }
    Ok(files)
}
