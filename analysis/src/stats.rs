//! Small statistics the comparisons share: median, percentile of a sorted sample, a seeded
//! generator for resampling.

use rand::SeedableRng;
use rand::rngs::SmallRng;

/// The seed of every resampling: the same inputs give the same interval, run after run.
pub const SEED: u64 = 0x6f63_746f_7065_7266;

pub fn rng() -> SmallRng {
    SmallRng::seed_from_u64(SEED)
}

/// The median of `values` (the mean of the middle two for an even count); NaN when empty.
pub fn median(values: &[f64]) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let mid = sorted.len() / 2;
    if sorted.len().is_multiple_of(2) {
        (sorted[mid - 1] + sorted[mid]) / 2.0
    } else {
        sorted[mid]
    }
}

pub fn mean(values: &[f64]) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    values.iter().sum::<f64>() / values.len() as f64
}

/// The `q`-quantile (0..=1) of sorted values, by linear interpolation between order statistics.
pub fn quantile_sorted(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let position = q.clamp(0.0, 1.0) * (sorted.len() - 1) as f64;
    let below = position.floor() as usize;
    let above = position.ceil() as usize;
    let weight = position - below as f64;
    sorted[below] * (1.0 - weight) + sorted[above] * weight
}
