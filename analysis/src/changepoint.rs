//! Where a series of runs stepped: binary segmentation over the runs in time order. At each
//! step the split that best separates the two sides' means (of the logarithms, so that a
//! change is a ratio) is kept only if a permutation test says such a separation is unlikely
//! from shuffled runs (p < `alpha`) and the medians moved by at least `min_change`; then both
//! sides are searched again. A step is reported at the first run after the split: its commit
//! is where the change appeared.

use rand::Rng;
use rand::seq::SliceRandom;

use crate::stats;

#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// The fewest runs on either side of a step.
    pub min_segment: usize,
    /// The permutation test's level.
    pub alpha: f64,
    /// Permutations per test.
    pub permutations: usize,
    /// The smallest relative change of medians worth reporting, as 0.05.
    pub min_change: f64,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            min_segment: 3,
            alpha: 0.01,
            permutations: 999,
            min_change: 0.05,
        }
    }
}

/// One step: `index` is the first run after it.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub index: usize,
    pub before: f64,
    pub after: f64,
    /// after / before − 1, of the segments' medians.
    pub change: f64,
    pub p_value: f64,
}

/// The steps of `values` (positive numbers in time order), in order.
pub fn detect(values: &[f64], options: &Options) -> Vec<Step> {
    if values.iter().any(|v| !(*v > 0.0 && v.is_finite())) {
        return Vec::new();
    }
    let logs: Vec<f64> = values.iter().map(|v| v.ln()).collect();
    let mut rng = stats::rng();
    let mut splits = Vec::new();
    segment(&logs, 0, options, &mut rng, &mut splits);
    splits.sort_unstable_by_key(|(index, _)| *index);
    // Each step is described by the segments on either side of it among the steps found.
    let mut bounds = vec![0];
    bounds.extend(splits.iter().map(|(index, _)| *index));
    bounds.push(values.len());
    splits
        .iter()
        .enumerate()
        .map(|(i, (index, p_value))| {
            let before = stats::median(&values[bounds[i]..*index]);
            let after = stats::median(&values[*index..bounds[i + 2]]);
            Step {
                index: *index,
                before,
                after,
                change: after / before - 1.0,
                p_value: *p_value,
            }
        })
        .collect()
}

fn segment(
    logs: &[f64],
    offset: usize,
    options: &Options,
    rng: &mut impl Rng,
    found: &mut Vec<(usize, f64)>,
) {
    if logs.len() < 2 * options.min_segment {
        return;
    }
    let Some((split, statistic)) = best_split(logs, options.min_segment) else {
        return;
    };
    let mut shuffled = logs.to_vec();
    let mut as_extreme = 0;
    for _ in 0..options.permutations {
        shuffled.shuffle(rng);
        if best_split(&shuffled, options.min_segment).is_some_and(|(_, s)| s >= statistic) {
            as_extreme += 1;
        }
    }
    let p_value = (as_extreme + 1) as f64 / (options.permutations + 1) as f64;
    let change = (stats::median(&logs[split..]) - stats::median(&logs[..split])).exp() - 1.0;
    if p_value >= options.alpha || change.abs() < options.min_change {
        return;
    }
    found.push((offset + split, p_value));
    segment(&logs[..split], offset, options, rng, found);
    segment(&logs[split..], offset + split, options, rng, found);
}

/// The split maximising the two-sample t statistic of the means (pooled variance), and that
/// statistic; prefix sums make every split O(1).
fn best_split(values: &[f64], min_segment: usize) -> Option<(usize, f64)> {
    let n = values.len();
    let mut sum = vec![0.0; n + 1];
    let mut squares = vec![0.0; n + 1];
    for (i, v) in values.iter().enumerate() {
        sum[i + 1] = sum[i] + v;
        squares[i + 1] = squares[i] + v * v;
    }
    let mut best: Option<(usize, f64)> = None;
    for k in min_segment..=n - min_segment {
        let (left_n, right_n) = (k as f64, (n - k) as f64);
        let left_mean = sum[k] / left_n;
        let right_mean = (sum[n] - sum[k]) / right_n;
        let left_ss = squares[k] - left_n * left_mean * left_mean;
        let right_ss = (squares[n] - squares[k]) - right_n * right_mean * right_mean;
        let pooled = ((left_ss + right_ss).max(0.0) / (n as f64 - 2.0)).max(1e-12);
        let t = (left_mean - right_mean).abs() / (pooled * (1.0 / left_n + 1.0 / right_n)).sqrt();
        if best.is_none_or(|(_, b)| t > b) {
            best = Some((k, t));
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Seeded noise around a level: a deterministic stand-in for run-to-run spread.
    fn noisy(levels: &[(usize, f64)], spread: f64) -> Vec<f64> {
        let mut rng = stats::rng();
        levels
            .iter()
            .flat_map(|(n, level)| vec![*level; *n])
            .map(|level| level * (1.0 + spread * (rng.random::<f64>() * 2.0 - 1.0)))
            .collect()
    }

    #[test]
    fn a_step_is_found_at_the_first_run_after_it() {
        let values = noisy(&[(12, 1.0), (10, 1.3)], 0.08);
        let steps = detect(&values, &Options::default());
        assert_eq!(steps.len(), 1, "{steps:?}");
        assert_eq!(steps[0].index, 12);
        assert!((steps[0].change - 0.3).abs() < 0.1, "{steps:?}");
        assert!(steps[0].p_value < 0.01);
    }

    #[test]
    fn two_steps_are_both_found() {
        let values = noisy(&[(8, 2.0), (8, 1.5), (8, 2.4)], 0.05);
        let indices: Vec<usize> = detect(&values, &Options::default())
            .iter()
            .map(|s| s.index)
            .collect();
        assert_eq!(indices, [8, 16]);
    }

    #[test]
    fn noise_alone_has_no_step() {
        let values = noisy(&[(30, 5.0)], 0.15);
        assert!(detect(&values, &Options::default()).is_empty());
    }

    #[test]
    fn a_significant_but_tiny_step_is_not_reported() {
        let values = noisy(&[(15, 1.0), (15, 1.02)], 0.001);
        assert!(detect(&values, &Options::default()).is_empty());
    }
}
