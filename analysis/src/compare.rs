//! Two sides, each one run or several repeated trials, compared metric by metric: the change
//! of every budget row, every request series (P50, P99, throughput) and every process (CPU,
//! peak memory), with a bootstrap confidence interval and a verdict against the gate's
//! threshold.
//!
//! Which bootstrap, and why:
//! - **Repeated trials** (both sides two runs or more, as `cargo xtask gate` makes): the
//!   trials are resampled with replacement, side by side. A run's own seconds share that
//!   run's machine state (its noisy neighbours, its page cache, where its threads landed), so
//!   the spread between whole runs is the honest noise of the measurement. A latency
//!   percentile is read from the resampled trials' histograms of record added together (the
//!   percentile of every request of those trials): one trial with a stall then weighs by its
//!   requests, not as one fifth of a median of five P99s. Other metrics compare the sides'
//!   medians of one value per run. Invalid scenarios are left out.
//! - **Paired trials** (the gate file's `paired`, as the gate runs them: A B A B, as many a
//!   side): trial i of each side against the other's; the change is the median of the pairs'
//!   ratios and its interval the sign test's (exact; see `paired_interval`). Used for every
//!   metric measured in every pair.
//! - **One run a side**: the measured window's per-second interval histograms are resampled
//!   (seconds with replacement, merged, the percentile read again); CPU from the per-second
//!   process samples, throughput from the per-second answered rates. That interval is
//!   narrower than the truth, because it cannot see run-to-run noise: treat a one-run
//!   comparison as a warning, and gate on trials. Metrics with no per-second data (peak
//!   memory) get no interval; they are "unknown" when they moved beyond the threshold.
//!
//! Verdicts, with the change oriented so that positive is worse and `t` the threshold:
//! the whole interval above `t` is **regressed**; below `-t`, **improved**; within `[-t, t]`,
//! **no change**; an interval across `t` or `-t` is **unknown, run more**.

use std::collections::BTreeMap;

use hdrhistogram::Histogram;
use rand::Rng;
use reports::{Component, Metric, RunReport, ScenarioResult};
use serde::{Deserialize, Serialize};

use crate::gate::{Class, Gate, TrialsLatency};
use crate::sequential::{Look, Plan};
use crate::stats;

/// One run, with the interval histograms of its request series where they could be read
/// (keyed `scenario/kind`; values in microseconds).
#[derive(Debug, Clone)]
pub struct Run {
    pub report: RunReport,
    pub intervals: BTreeMap<String, Vec<Histogram<u64>>>,
}

/// One side of a comparison: a label (what the user named) and its runs.
#[derive(Debug, Clone)]
pub struct Side {
    pub label: String,
    pub runs: Vec<Run>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Better {
    Lower,
    Higher,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeVerdict {
    Improved,
    NoChange,
    Unknown,
    Regressed,
}

impl ChangeVerdict {
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeVerdict::Improved => "improved",
            ChangeVerdict::NoChange => "no change",
            ChangeVerdict::Unknown => "unknown, run more",
            ChangeVerdict::Regressed => "regressed",
        }
    }
}

/// One metric's change from base to new.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change {
    /// `latency.reflex.p99` for a budget row, `reflex/reflex_process p99` for a series,
    /// `reflex/reflex cpu` for a process.
    pub key: String,
    /// `row`, `series` or `process`.
    pub source: String,
    pub unit: String,
    pub better: Better,
    /// The median over the side's runs (the value, with one run).
    pub base: f64,
    pub new: f64,
    /// new / base − 1.
    pub change: f64,
    /// The confidence interval of `change`, when there was a spread to resample.
    pub ci: Option<(f64, f64)>,
    /// As a fraction, in the worse direction.
    pub threshold: f64,
    pub verdict: ChangeVerdict,
    /// Does an unknown verdict leave room for a regression (its interval crosses `+t`)?
    pub may_regress: bool,
    /// Reported, but not deciding the comparison's verdict (the gate file says so).
    #[serde(default)]
    pub informational: bool,
}

/// The result of a comparison.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    pub base: SideSummary,
    pub new: SideSummary,
    /// `trials` or `intervals`: which bootstrap (see the module's documentation).
    pub method: String,
    pub confidence: f64,
    pub resamples: usize,
    /// What a reader must know before trusting the numbers: different machines, invalid
    /// runs, metrics on one side only.
    pub warnings: Vec<String>,
    pub changes: Vec<Change>,
    /// The worst of the changes: regressed, then unknown (only an unknown that may be a
    /// regression), then improved, then no change.
    pub verdict: ChangeVerdict,
    /// How trials' latency percentiles were combined.
    #[serde(default)]
    pub trials_latency: TrialsLatency,
    /// Trials compared pair by pair (the gate file's `paired`).
    #[serde(default)]
    pub paired: bool,
    /// A look of a sequential gate: its intervals are at that look's share of the error rate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub look: Option<Look>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SideSummary {
    pub label: String,
    pub runs: Vec<String>,
    pub commits: Vec<String>,
    pub machine: String,
}

/// Compares `new` against `base` as one look of a sequential gate planned as `plan`: the
/// intervals at the look's confidence (see [`crate::sequential`]), the trials a side being
/// the fewer of the two sides'. An error when that count is outside the plan.
pub fn compare_at_look(
    base: &Side,
    new: &Side,
    gate: &Gate,
    plan: Plan,
) -> Result<Comparison, String> {
    let trials = base.runs.len().min(new.runs.len());
    let look = plan.look(trials, gate.confidence).ok_or_else(|| {
        format!(
            "{trials} trials a side: no look of the sequential plan {}..{}/{} there",
            plan.min, plan.max, plan.every
        )
    })?;
    let alpha = 1.0 - look.confidence;
    let at_look = Gate {
        confidence: look.confidence,
        // Twenty resamples at least in each tail of the interval.
        resamples: gate.resamples.max((40.0 / alpha).ceil() as usize),
        ..gate.clone()
    };
    let mut comparison = compare(base, new, &at_look);
    comparison.look = Some(look);
    Ok(comparison)
}

/// Compares `new` against `base`, metric by metric, under `gate`.
pub fn compare(base: &Side, new: &Side, gate: &Gate) -> Comparison {
    let trials = base.runs.len() >= 2 && new.runs.len() >= 2;
    let mut warnings = side_warnings(base, new, trials);
    let base_metrics = observations(base, trials);
    let new_metrics = observations(new, trials);
    let mut keys: Vec<&String> = base_metrics.iter().flat_map(|m| m.keys()).collect();
    keys.sort();
    keys.dedup();
    let mut rng = stats::rng();
    let mut changes = Vec::new();
    let mut one_sided = Vec::new();
    for key in keys {
        let base_obs: Vec<&Observation> = base_metrics.iter().filter_map(|m| m.get(key)).collect();
        let new_obs: Vec<&Observation> = new_metrics.iter().filter_map(|m| m.get(key)).collect();
        if new_obs.is_empty() {
            one_sided.push(key.clone());
            continue;
        }
        // Trial i of one side against trial i of the other, when the gate says the trials
        // were run in pairs (interleaved, A B A B) and every pair measured this metric.
        let pairs: Option<Vec<(f64, f64)>> =
            (gate.paired && trials && base_metrics.len() == new_metrics.len())
                .then(|| {
                    base_metrics
                        .iter()
                        .zip(&new_metrics)
                        .map(|(b, n)| Some((b.get(key)?.value, n.get(key)?.value)))
                        .collect::<Option<Vec<_>>>()
                })
                .flatten()
                .filter(|pairs| pairs.len() >= 2 && pairs.iter().all(|(b, _)| *b > 0.0));
        changes.extend(change_of(
            key,
            (&base_obs, &new_obs),
            pairs.as_deref(),
            gate,
            trials,
            &mut rng,
        ));
    }
    let new_only: Vec<String> = new_metrics
        .iter()
        .flat_map(|m| m.keys())
        .filter(|key| !base_metrics.iter().any(|m| m.contains_key(*key)))
        .cloned()
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    if !one_sided.is_empty() {
        warnings.push(format!("measured in base only: {}", one_sided.join(", ")));
    }
    if !new_only.is_empty() {
        warnings.push(format!("measured in new only: {}", new_only.join(", ")));
    }
    let verdict = overall(&changes);
    Comparison {
        base: summarise(base),
        new: summarise(new),
        method: if trials { "trials" } else { "intervals" }.into(),
        confidence: gate.confidence,
        resamples: gate.resamples,
        warnings,
        changes,
        verdict,
        trials_latency: gate.trials_latency,
        paired: gate.paired && trials && base.runs.len() == new.runs.len(),
        look: None,
    }
}

/// What a reader must know before trusting the comparison: other machines, invalid
/// scenarios, quick runs against full ones, too few trials.
fn side_warnings(base: &Side, new: &Side, trials: bool) -> Vec<String> {
    let mut warnings = Vec::new();
    let fingerprints = |side: &Side| {
        let mut prints: Vec<String> = side
            .runs
            .iter()
            .map(|run| run.report.machine.fingerprint())
            .collect();
        prints.dedup();
        prints
    };
    let (base_prints, new_prints) = (fingerprints(base), fingerprints(new));
    if base_prints != new_prints || base_prints.len() > 1 {
        warnings.push(format!(
            "the runs come from different kinds of machine ({} against {}): a change may be the machine's",
            base_prints.join(" / "),
            new_prints.join(" / ")
        ));
    }
    for side in [base, new] {
        for run in &side.runs {
            let invalid: Vec<&str> = run
                .report
                .scenarios
                .iter()
                .filter(|s| !s.valid)
                .map(|s| s.name.as_str())
                .collect();
            if !invalid.is_empty() {
                warnings.push(format!(
                    "{} run {}: scenario {} was invalid; its numbers measure the generator or the machine as much as the system",
                    side.label,
                    run.report.run_id,
                    invalid.join(", ")
                ));
            }
        }
    }
    let quick = |side: &Side| side.runs.iter().map(|r| r.report.quick).collect::<Vec<_>>();
    if quick(base).iter().any(|q| !quick(new).contains(q)) {
        warnings.push("one side has quick runs and the other full-length ones".into());
    }
    if !trials && (base.runs.len() > 1 || new.runs.len() > 1) {
        warnings.push(
            "trials need two runs or more on each side: only each side's latest run is compared"
                .into(),
        );
    }

    warnings
}

/// Each run's metrics on one side: every run's when comparing trials, else the latest's.
fn observations(side: &Side, trials: bool) -> Vec<BTreeMap<String, Observation>> {
    if trials {
        side.runs.iter().map(observe).collect()
    } else {
        side.runs.last().map(observe).into_iter().collect()
    }
}

/// One metric compared: its values on each side, the interval of its change and the verdict;
/// `None` when a side has no positive, finite value.
fn change_of(
    key: &str,
    (base_obs, new_obs): (&[&Observation], &[&Observation]),
    pairs: Option<&[(f64, f64)]>,
    gate: &Gate,
    trials: bool,
    rng: &mut impl Rng,
) -> Option<Change> {
    let first = base_obs[0];
    let threshold = gate.threshold(key, first.class);
    let base_values: Vec<f64> = base_obs.iter().map(|o| o.value).collect();
    let new_values: Vec<f64> = new_obs.iter().map(|o| o.value).collect();
    let pooled = (trials && pairs.is_none() && gate.trials_latency == TrialsLatency::Pooled)
        .then(|| pooled_trials(base_obs, new_obs, gate, rng))
        .flatten();
    let mut paired_change = None;
    let (base_value, new_value, ci) = match (pooled, pairs) {
        (Some(pooled), _) => pooled,
        (None, Some(pairs)) => {
            let (change, ci) = paired_interval(pairs, gate);
            paired_change = Some(change);
            (
                stats::median(&base_values),
                stats::median(&new_values),
                Some(ci),
            )
        }
        (None, None) => {
            let (base_value, new_value) = (stats::median(&base_values), stats::median(&new_values));
            let ci = if trials {
                (base_values.len() >= 2 && new_values.len() >= 2)
                    .then(|| trials_interval(&base_values, &new_values, gate, rng))
            } else if base_value > 0.0 {
                intervals_interval(base_obs[0], new_obs[0], gate, rng)
            } else {
                None
            };
            (base_value, new_value, ci)
        }
    };
    if !(base_value.is_finite() && new_value.is_finite()) || base_value <= 0.0 {
        return None;
    }
    let change = paired_change.unwrap_or(new_value / base_value - 1.0);
    let (verdict, may_regress) = judge(change, ci, threshold, first.better);
    Some(Change {
        key: key.to_owned(),
        source: first.source.to_owned(),
        unit: first.unit.clone(),
        better: first.better,
        base: base_value,
        new: new_value,
        change,
        ci,
        threshold,
        verdict,
        may_regress,
        informational: first.instrument || gate.is_informational(key, first.class),
    })
}

/// The verdict of one change (see the module's documentation) and whether an unknown one
/// may be a regression.
pub fn judge(
    change: f64,
    ci: Option<(f64, f64)>,
    threshold: f64,
    better: Better,
) -> (ChangeVerdict, bool) {
    let worse = |x: f64| match better {
        Better::Lower => x,
        Better::Higher => -x,
    };
    let (low, high) = match ci {
        Some((a, b)) => {
            let (a, b) = (worse(a), worse(b));
            (a.min(b), a.max(b))
        }
        // No spread to resample: a move beyond the threshold cannot be told from noise.
        None if worse(change).abs() <= threshold => return (ChangeVerdict::NoChange, false),
        None => return (ChangeVerdict::Unknown, worse(change) > 0.0),
    };
    if low > threshold {
        (ChangeVerdict::Regressed, true)
    } else if high < -threshold {
        (ChangeVerdict::Improved, false)
    } else if low >= -threshold && high <= threshold {
        (ChangeVerdict::NoChange, false)
    } else {
        (ChangeVerdict::Unknown, high > threshold)
    }
}

/// The comparison's verdict: any regression; else any unknown that may be one; else any
/// improvement; else no change.
fn overall(changes: &[Change]) -> ChangeVerdict {
    let changes: Vec<&Change> = changes.iter().filter(|c| !c.informational).collect();
    if changes
        .iter()
        .any(|c| c.verdict == ChangeVerdict::Regressed)
    {
        ChangeVerdict::Regressed
    } else if changes
        .iter()
        .any(|c| c.verdict == ChangeVerdict::Unknown && c.may_regress)
    {
        ChangeVerdict::Unknown
    } else if changes.iter().any(|c| c.verdict == ChangeVerdict::Improved) {
        ChangeVerdict::Improved
    } else {
        ChangeVerdict::NoChange
    }
}

fn summarise(side: &Side) -> SideSummary {
    let mut commits: Vec<String> = side
        .runs
        .iter()
        .filter_map(|r| r.report.git_commit.clone())
        .collect();
    commits.dedup();
    SideSummary {
        label: side.label.clone(),
        runs: side.runs.iter().map(|r| r.report.run_id.clone()).collect(),
        commits,
        machine: side
            .runs
            .first()
            .map(|r| r.report.machine.fingerprint())
            .unwrap_or_default(),
    }
}

/// The percentile interval of the change of medians, trials resampled on both sides.
fn trials_interval(base: &[f64], new: &[f64], gate: &Gate, rng: &mut impl Rng) -> (f64, f64) {
    let mut changes = Vec::with_capacity(gate.resamples);
    let mut base_draw = vec![0.0; base.len()];
    let mut new_draw = vec![0.0; new.len()];
    for _ in 0..gate.resamples {
        for slot in &mut base_draw {
            *slot = base[rng.random_range(0..base.len())];
        }
        for slot in &mut new_draw {
            *slot = new[rng.random_range(0..new.len())];
        }
        let base_median = stats::median(&base_draw);
        if base_median > 0.0 {
            changes.push(stats::median(&new_draw) / base_median - 1.0);
        }
    }
    percentile_interval(&mut changes, gate.confidence)
}

/// Paired trials (trial i of each side run one after the other): the change is the median
/// of the pairs' ratios. Drift of the machine over the minutes of a gate moves both trials of
/// a pair alike and cancels in the ratio, where the unpaired sides' spread counts it as noise.
/// Its interval is the sign test's, exact whatever the ratios' distribution (the pairs being
/// independent): a bootstrap of a handful of pairs covers far less than it claims (the range
/// of three values holds their median 75% of the time, not 98.5%). Too few pairs for the
/// confidence asked give an unbounded interval: unknown.
fn paired_interval(pairs: &[(f64, f64)], gate: &Gate) -> (f64, (f64, f64)) {
    let mut ratios: Vec<f64> = pairs.iter().map(|(b, n)| n / b).collect();
    ratios.sort_by(f64::total_cmp);
    let change = stats::median(&ratios) - 1.0;
    let interval = stats::median_interval(&ratios, gate.confidence)
        .map_or((f64::NEG_INFINITY, f64::INFINITY), |(low, high)| {
            (low - 1.0, high - 1.0)
        });
    (change, interval)
}

/// (base, new, the interval of the change): a latency metric pooled over trials.
type Pooled = (f64, f64, Option<(f64, f64)>);

/// A latency metric over trials: each side's percentile of its trials' histograms added
/// (in ms), and the interval of the change with the trials resampled; `None` unless every
/// trial of both sides has its histogram and there are two or more a side.
fn pooled_trials(
    base: &[&Observation],
    new: &[&Observation],
    gate: &Gate,
    rng: &mut impl Rng,
) -> Option<Pooled> {
    let histograms = |side: &[&Observation]| -> Option<(Vec<Histogram<u64>>, f64)> {
        let mut quantile = None;
        let histograms = side
            .iter()
            .map(|o| {
                let (histogram, q) = o.whole.as_ref()?;
                quantile = Some(*q);
                Some(histogram.clone())
            })
            .collect::<Option<Vec<_>>>()?;
        Some((histograms, quantile?))
    };
    let (base_histograms, quantile) = histograms(base)?;
    let (new_histograms, _) = histograms(new)?;
    let (nb, nn) = (base_histograms.len(), new_histograms.len());
    if nb < 2 || nn < 2 {
        return None;
    }
    let (base_counts, new_counts) = (Counts::new(&base_histograms), Counts::new(&new_histograms));
    let mut scratch = Vec::new();
    let base_all = base_counts.quantile(0..nb, quantile, &mut scratch)?;
    let new_all = new_counts.quantile(0..nn, quantile, &mut scratch)?;
    let mut changes = Vec::with_capacity(gate.resamples);
    for _ in 0..gate.resamples {
        let picks: Vec<usize> = (0..nb).map(|_| rng.random_range(0..nb)).collect();
        let b = base_counts.quantile(picks.into_iter(), quantile, &mut scratch);
        let picks: Vec<usize> = (0..nn).map(|_| rng.random_range(0..nn)).collect();
        let n = new_counts.quantile(picks.into_iter(), quantile, &mut scratch);
        if let (Some(b), Some(n)) = (b, n)
            && b > 0.0
        {
            changes.push(n / b - 1.0);
        }
    }
    let ci = percentile_interval(&mut changes, gate.confidence);
    Some((base_all / 1000.0, new_all / 1000.0, Some(ci)))
}

/// The percentile interval of the change, each side's seconds resampled; `None` when either
/// side has no per-second data for this metric.
fn intervals_interval(
    base: &Observation,
    new: &Observation,
    gate: &Gate,
    rng: &mut impl Rng,
) -> Option<(f64, f64)> {
    let (base_spread, new_spread) = (base.spread.as_ref()?, new.spread.as_ref()?);
    let base_full = base_spread.statistic_all()?;
    let new_full = new_spread.statistic_all()?;
    let mut changes = Vec::with_capacity(gate.resamples);
    let mut scratch = Vec::new();
    for _ in 0..gate.resamples {
        let base_draw = base_spread.resample(rng, &mut scratch)? / base_full;
        let new_draw = new_spread.resample(rng, &mut scratch)? / new_full;
        let (b, n) = (base.value * base_draw, new.value * new_draw);
        if b > 0.0 {
            changes.push(n / b - 1.0);
        }
    }
    Some(percentile_interval(&mut changes, gate.confidence))
}

fn percentile_interval(values: &mut [f64], confidence: f64) -> (f64, f64) {
    values.sort_by(f64::total_cmp);
    let tail = (1.0 - confidence) / 2.0;
    (
        stats::quantile_sorted(values, tail),
        stats::quantile_sorted(values, 1.0 - tail),
    )
}

/// One metric of one run: its value, and what can be resampled to show its spread.
#[derive(Debug)]
struct Observation {
    value: f64,
    unit: String,
    better: Better,
    class: Class,
    source: &'static str,
    spread: Option<Spread>,
    /// A latency metric's whole-window histogram (µs) and its quantile, for pooling trials.
    whole: Option<(Histogram<u64>, f64)>,
    /// A metric of the measuring side (the load generator's own CPU and memory): reported,
    /// never gating, since both sides of a gate share it.
    instrument: bool,
}

/// A run's per-second data behind one metric.
#[derive(Debug)]
enum Spread {
    /// Interval histograms, as counts over the distinct values recorded in any of them, and
    /// the quantile read from their merge.
    Intervals(Counts, f64),
    /// Per-second values whose mean is the metric.
    Mean(Vec<f64>),
}

/// Interval histograms over their common values: merging a resample is adding short count
/// vectors, not whole histograms of some 40,000 buckets each.
#[derive(Debug)]
struct Counts {
    /// The distinct values recorded (each bucket's highest equivalent value), ascending.
    values: Vec<u64>,
    /// Per interval, its count at each of `values`.
    intervals: Vec<Vec<u64>>,
}

impl Counts {
    fn new(histograms: &[Histogram<u64>]) -> Counts {
        let mut values: Vec<u64> = histograms
            .iter()
            .flat_map(|h| {
                h.iter_recorded()
                    .map(|v| h.highest_equivalent(v.value_iterated_to()))
            })
            .collect();
        values.sort_unstable();
        values.dedup();
        let intervals = histograms
            .iter()
            .map(|h| {
                let mut counts = vec![0; values.len()];
                for v in h.iter_recorded() {
                    let value = h.highest_equivalent(v.value_iterated_to());
                    if let Ok(idx) = values.binary_search(&value) {
                        counts[idx] += v.count_at_value();
                    }
                }
                counts
            })
            .collect();
        Counts { values, intervals }
    }

    /// The quantile of the intervals at `picks` merged.
    fn quantile(
        &self,
        picks: impl Iterator<Item = usize>,
        quantile: f64,
        sum: &mut Vec<u64>,
    ) -> Option<f64> {
        sum.clear();
        sum.resize(self.values.len(), 0);
        for pick in picks {
            for (total, count) in sum.iter_mut().zip(&self.intervals[pick]) {
                *total += count;
            }
        }
        let total: u64 = sum.iter().sum();
        if total == 0 {
            return None;
        }
        // As HdrHistogram reads it: the lowest value with at least that share at or below.
        let wanted = ((quantile * total as f64).ceil() as u64).max(1);
        let mut seen = 0;
        for (idx, count) in sum.iter().enumerate() {
            seen += count;
            if seen >= wanted {
                return Some(self.values[idx] as f64);
            }
        }
        self.values.last().map(|v| *v as f64)
    }
}

impl Spread {
    fn statistic_all(&self) -> Option<f64> {
        match self {
            Spread::Intervals(counts, quantile) => {
                counts.quantile(0..counts.intervals.len(), *quantile, &mut Vec::new())
            }
            Spread::Mean(values) => Some(stats::mean(values)).filter(|m| *m > 0.0),
        }
    }

    fn resample(&self, rng: &mut impl Rng, scratch: &mut Vec<u64>) -> Option<f64> {
        match self {
            Spread::Intervals(counts, quantile) => {
                let n = counts.intervals.len();
                let picks: Vec<usize> = (0..n).map(|_| rng.random_range(0..n)).collect();
                counts
                    .quantile(picks.into_iter(), *quantile, scratch)
                    .filter(|v| *v > 0.0)
            }
            Spread::Mean(values) => {
                let sum: f64 = (0..values.len())
                    .map(|_| values[rng.random_range(0..values.len())])
                    .sum();
                Some(sum / values.len() as f64).filter(|m| *m > 0.0)
            }
        }
    }
}

/// Every metric of one run, by key: its budget rows', each series' and each process's.
fn observe(run: &Run) -> BTreeMap<String, Observation> {
    let mut out = BTreeMap::new();
    // An invalid scenario measured the generator or the machine as much as the system.
    let by_name: BTreeMap<&str, &ScenarioResult> = run
        .report
        .scenarios
        .iter()
        .filter(|s| s.valid && s.error.is_none())
        .map(|s| (s.name.as_str(), s))
        .collect();
    observe_rows(run, &by_name, &mut out);
    for scenario in by_name.values() {
        observe_series(run, scenario, &mut out);
        observe_processes(scenario, &mut out);
    }
    out
}

/// The budget rows' values, each with its spread within the run where one is known.
fn observe_rows(
    run: &Run,
    by_name: &BTreeMap<&str, &ScenarioResult>,
    out: &mut BTreeMap<String, Observation>,
) {
    for row in &run.report.rows {
        let Some(value) = row.measured else { continue };
        let Some(scenario) = row
            .scenario
            .as_deref()
            .and_then(|s| by_name.get(s).copied())
        else {
            continue;
        };
        let mut whole = None;
        let (class, better, spread) = match row.metric {
            Metric::P50 | Metric::P95 | Metric::P99 => {
                let class = match row.metric {
                    Metric::P50 => Class::P50,
                    Metric::P95 => Class::P95,
                    _ => Class::P99,
                };
                let quantile = quantile_of(row.metric.as_str());
                let spread = row
                    .source
                    .as_deref()
                    .and_then(|kind| latency_spread(run, &scenario.name, kind, quantile));
                whole = row.source.as_deref().and_then(|kind| {
                    let request = scenario.requests.iter().find(|r| r.kind == kind)?;
                    let histogram =
                        reports::histogram::decode_nonempty(&request.latency_histogram)?;
                    Some((histogram, quantile))
                });
                (class, Better::Lower, spread)
            }
            Metric::Throughput => (Class::Throughput, Better::Higher, answered_spread(scenario)),
            Metric::Cpu => (
                Class::Cpu,
                Better::Lower,
                cpu_spread(scenario, row.component),
            ),
            Metric::Memory => (Class::Memory, Better::Lower, None),
        };
        // CPU is judged per request answered: cores at a rate the generator only nearly
        // holds move with its timing as well as with the service.
        let (value, unit) = match (row.metric, per_request(scenario, value)) {
            (Metric::Cpu, Some(us)) => (us, CPU_PER_REQUEST.to_owned()),
            _ => (value, row.unit.clone()),
        };
        out.insert(
            format!("{}.{}.{}", row.table, row.component, row.metric),
            Observation {
                value,
                unit,
                better,
                class,
                source: "row",
                spread,
                whole,
                instrument: false,
            },
        );
    }
}

/// Each series' P50, P99 and throughput.
fn observe_series(run: &Run, scenario: &ScenarioResult, out: &mut BTreeMap<String, Observation>) {
    for request in &scenario.requests {
        if request.latency.count == 0 {
            continue;
        }
        let series = format!("{}/{}", scenario.name, request.kind);
        let histogram = reports::histogram::decode_nonempty(&request.latency_histogram);
        for (metric, class, us) in [
            ("p50", Class::P50, request.latency.p50_us),
            ("p99", Class::P99, request.latency.p99_us),
        ] {
            let quantile = quantile_of(metric);
            out.insert(
                format!("{series} {metric}"),
                Observation {
                    value: us as f64 / 1000.0,
                    unit: "ms".into(),
                    better: Better::Lower,
                    class,
                    source: "series",
                    spread: latency_spread(
                        run,
                        &scenario.name,
                        &request.kind.to_string(),
                        quantile,
                    ),
                    whole: histogram.clone().map(|h| (h, quantile)),
                    instrument: false,
                },
            );
        }
        out.insert(
            format!("{series} throughput"),
            Observation {
                value: request.achieved_per_second,
                unit: "req/s".into(),
                better: Better::Higher,
                class: Class::Throughput,
                source: "series",
                spread: scenario
                    .timeline
                    .iter()
                    .find(|t| t.kind == request.kind)
                    .map(|t| Spread::Mean(t.points.iter().map(|p| p.answered_per_second).collect()))
                    .filter(|s| matches!(s, Spread::Mean(v) if v.len() >= 2)),
                whole: None,
                instrument: false,
            },
        );
    }
}

/// Each process's CPU and memory.
fn observe_processes(scenario: &ScenarioResult, out: &mut BTreeMap<String, Observation>) {
    for process in &scenario.processes {
        let name = format!("{}/{}", scenario.name, process.name);
        let instrument = process.component == "generator";
        if let Some(cores) = process.cpu_cores_mean {
            let samples: Vec<f64> = process.samples.iter().map(|s| s.cpu_cores).collect();
            let (value, unit) = match per_request(scenario, cores) {
                Some(us) => (us, CPU_PER_REQUEST),
                None => (cores, "cores"),
            };
            out.insert(
                format!("{name} cpu"),
                Observation {
                    value,
                    unit: unit.into(),
                    better: Better::Lower,
                    class: Class::Cpu,
                    source: "process",
                    spread: (samples.len() >= 2).then_some(Spread::Mean(samples)),
                    whole: None,
                    instrument,
                },
            );
        }
        if let Some(bytes) = process.rss_peak_bytes {
            out.insert(
                format!("{name} memory"),
                Observation {
                    value: bytes as f64 / 1e6,
                    unit: "MB".into(),
                    better: Better::Lower,
                    class: Class::Memory,
                    source: "process",
                    spread: None,
                    whole: None,
                    instrument,
                },
            );
        }
    }
}

/// The unit of CPU per request answered.
pub const CPU_PER_REQUEST: &str = "µs CPU/req";

/// `cores` as CPU microseconds per request the scenario answered (every series but the
/// breakdowns); `None` when it answered none.
fn per_request(scenario: &ScenarioResult, cores: f64) -> Option<f64> {
    let answered: f64 = scenario
        .requests
        .iter()
        .filter(|r| !r.kind.is_breakdown())
        .map(|r| r.achieved_per_second)
        .sum();
    (answered > 0.0).then(|| cores / answered * 1e6)
}

fn quantile_of(metric: &str) -> f64 {
    match metric {
        "p50" => 0.5,
        "p95" => 0.95,
        _ => 0.99,
    }
}

fn latency_spread(run: &Run, scenario: &str, kind: &str, quantile: f64) -> Option<Spread> {
    let intervals = run.intervals.get(&format!("{scenario}/{kind}"))?;
    (intervals.len() >= 2).then(|| Spread::Intervals(Counts::new(intervals), quantile))
}

/// Per second, every series' answers added: the scenario's answered rate.
fn answered_spread(scenario: &ScenarioResult) -> Option<Spread> {
    let seconds = scenario.timeline.iter().map(|t| t.points.len()).max()?;
    let totals: Vec<f64> = (0..seconds)
        .map(|i| {
            scenario
                .timeline
                .iter()
                .filter_map(|t| t.points.get(i))
                .map(|p| p.answered_per_second)
                .sum()
        })
        .collect();
    (totals.len() >= 2).then_some(Spread::Mean(totals))
}

/// Per sample, the CPU of the component's processes added.
fn cpu_spread(scenario: &ScenarioResult, component: Component) -> Option<Spread> {
    let processes: Vec<_> = scenario
        .processes
        .iter()
        .filter(|p| component.judges_process(&p.component) && !p.samples.is_empty())
        .collect();
    let samples = processes.iter().map(|p| p.samples.len()).min()?;
    let totals: Vec<f64> = (0..samples)
        .map(|i| processes.iter().map(|p| p.samples[i].cpu_cores).sum())
        .collect();
    (totals.len() >= 2).then_some(Spread::Mean(totals))
}

mod render;

pub use render::{render_json, render_markdown, render_terminal};

#[cfg(test)]
mod tests;
