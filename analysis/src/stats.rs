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

/// The sign test's interval for the median of `sorted` values: `[x_(k), x_(n+1−k)]` with the
/// largest `k` whose coverage, `1 − 2·P(Binomial(n, ½) < k)`, is at least `confidence`; exact
/// for any continuous distribution. `None` when even the whole range covers less (n too small:
/// the range of n values covers `1 − 2/2ⁿ`).
pub fn median_interval(sorted: &[f64], confidence: f64) -> Option<(f64, f64)> {
    let n = sorted.len();
    let alpha = 1.0 - confidence;
    // P(Binomial(n, ½) ≤ j), built term by term.
    let mut term = 0.5f64.powi(n as i32);
    let mut below = 0.0; // P(X < k)
    let mut k = 0;
    for next in 1..=n / 2 {
        let with = below + term; // P(X < next)
        if 2.0 * with > alpha {
            break;
        }
        below = with;
        k = next;
        term *= (n - (next - 1)) as f64 / next as f64;
    }
    (k >= 1).then(|| (sorted[k - 1], sorted[n - k]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sign_test_interval_covers_as_the_binomial_says() {
        let values: Vec<f64> = (1..=20).map(f64::from).collect();
        // n = 20 at 95%: P(X ≤ 5) = 0.0207, P(X ≤ 6) = 0.0577: k = 6, [x_6, x_15].
        assert_eq!(median_interval(&values, 0.95), Some((6.0, 15.0)));
        // The range of seven covers 1 − 2/128 = 98.4%: enough for 98%, not for 99%.
        let seven = &values[..7];
        assert_eq!(median_interval(seven, 0.98), Some((1.0, 7.0)));
        assert_eq!(median_interval(seven, 0.99), None);
        assert_eq!(median_interval(&values[..3], 0.9), None);
    }
}
