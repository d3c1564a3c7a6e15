//! Sequential trials: a gate that looks at its trials as they come and stops as soon as the
//! question is settled must not spend its error rate once per look. Each look gets a share
//! of it by an **alpha-spending function** (K. K. G. Lan and D. L. DeMets, "Discrete
//! sequential boundaries for clinical trials", Biometrika 70(3), 1983), here the power family
//! of Kim and DeMets (Biometrika 74(1), 1987) with ρ = 1, `α(t) = α·t`, `t` the information
//! fraction: trials a side so far over the most the gate may run. Look `k` judges its
//! intervals at confidence `1 − (α(t_k) − α(t_{k−1}))`. Whatever the correlation between
//! looks, the chance that any look's interval misses the true change is at most the sum of
//! the shares, `α(1) = α` (the union bound), so a verdict reached at any look keeps the gate's
//! confidence.
//!
//! The looks are few and planned: the first after `min` trials a side, then every `every`,
//! and the last at `max`. The gate's intervals are the sign test's, whose levels are discrete
//! (the range of n pairs covers `1 − 2/2ⁿ`): a look at every pair would spend shares too small
//! for any interval the pairs can give. With 7..15 every 4 (looks at 7, 11, 15) the shares
//! 2.3%, 1.3%, 1.3% let the 7 pairs' range, the 11 pairs' second-from-each-end and the 15
//! pairs' third-from-each-end decide.
//!
//! A look that never comes (the time budget ran out, or an answer came early) leaves its share
//! unspent: the gate is then only more conservative.

use serde::{Deserialize, Serialize};

/// The trials a sequential gate may run a side: its first look after `min`, its last at `max`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    pub min: usize,
    pub max: usize,
    /// Trials a side between looks (the last look is at `max` whatever this is).
    pub every: usize,
}

/// One look of a sequential gate, as a comparison reports it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Look {
    /// Trials a side at this look.
    pub trials: usize,
    pub plan: Plan,
    /// The gate's overall confidence (0.95): what every look together keeps.
    pub overall: f64,
    /// The confidence of this look's intervals.
    pub confidence: f64,
    /// α spent by this look and every earlier one.
    pub spent: f64,
}

impl Plan {
    /// Parses `MIN..MAX` (a look after every pair) or `MIN..MAX/EVERY` (as `7..15/4`); MIN at
    /// least 2, MIN ≤ MAX, EVERY at least 1.
    pub fn parse(text: &str) -> Result<Plan, String> {
        let (range, every) = match text.split_once('/') {
            Some((range, every)) => (range, Some(every)),
            None => (text, None),
        };
        let (min, max) = range.split_once("..").ok_or_else(|| {
            format!("{text:?}: expected MIN..MAX[/EVERY] trials a side, as 7..15/4")
        })?;
        let number = |part: &str| {
            part.trim()
                .parse::<usize>()
                .map_err(|_| format!("{text:?}: {part:?} is not a number of trials"))
        };
        let plan = Plan {
            min: number(min)?,
            max: number(max)?,
            every: every.map_or(Ok(1), number)?,
        };
        if plan.min < 2 || plan.min > plan.max || plan.every < 1 {
            return Err(format!(
                "{text:?}: expected 2 ≤ MIN ≤ MAX (a comparison needs two trials a side) and EVERY ≥ 1"
            ));
        }
        Ok(plan)
    }

    /// Is there a look after `trials` a side?
    pub fn looks_at(self, trials: usize) -> bool {
        (self.min..=self.max).contains(&trials)
            && ((trials - self.min).is_multiple_of(self.every) || trials == self.max)
    }

    /// The look at `trials` a side, under the overall confidence `overall`; `None` where the
    /// plan has no look.
    pub fn look(self, trials: usize, overall: f64) -> Option<Look> {
        if !self.looks_at(trials) {
            return None;
        }
        let alpha = 1.0 - overall;
        let fraction = |n: usize| n as f64 / self.max as f64;
        let spent = spending(alpha, fraction(trials));
        let previous = (self.min..trials).rev().find(|&n| self.looks_at(n));
        let before = previous.map_or(0.0, |n| spending(alpha, fraction(n)));
        Some(Look {
            trials,
            plan: self,
            overall,
            confidence: 1.0 - (spent - before),
            spent,
        })
    }
}

/// The spending function, of the power family with ρ = 1: the error rate spent by
/// information fraction `t` (0 to 1), `α` at `t = 1`.
pub fn spending(alpha: f64, t: f64) -> f64 {
    alpha * t.clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_look_together_spends_the_gate_s_error_rate_and_no_more() {
        for (min, max, every) in [(2, 2, 1), (3, 15, 1), (7, 15, 4), (4, 10, 3), (2, 30, 7)] {
            let plan = Plan { min, max, every };
            let looks: Vec<Look> = (min..=max).filter_map(|n| plan.look(n, 0.95)).collect();
            let shares: f64 = looks.iter().map(|look| 1.0 - look.confidence).sum();
            assert!((shares - 0.05).abs() < 1e-12, "{plan:?}: {shares}");
            assert_eq!(looks.last().unwrap().trials, max);
            assert!((looks.last().unwrap().spent - 0.05).abs() < 1e-12);
            assert!(plan.look(min - 1, 0.95).is_none());
            assert!(plan.look(max + 1, 0.95).is_none());
        }
    }

    #[test]
    fn the_gate_s_plan_looks_where_the_sign_test_can_answer() {
        let plan = Plan::parse("7..15/4").unwrap();
        let looks: Vec<(usize, f64)> = (1..=20)
            .filter_map(|n| plan.look(n, 0.95))
            .map(|look| (look.trials, 1.0 - look.confidence))
            .collect();
        let trials: Vec<usize> = looks.iter().map(|(n, _)| *n).collect();
        assert_eq!(trials, [7, 11, 15]);
        // Each share reaches the sign test's level of the interval that look can give: the
        // range of 7 (2/2⁷), the second from each end of 11, the third of 15.
        let sorted: Vec<f64> = (0..15).map(f64::from).collect();
        for ((n, share), k) in looks.iter().zip([1usize, 2, 3]) {
            let (low, high) = crate::stats::median_interval(&sorted[..*n], 1.0 - share).unwrap();
            assert_eq!((low, high), ((k - 1) as f64, (n - k) as f64), "look at {n}");
        }
    }

    #[test]
    fn a_plan_is_read_from_min_dot_dot_max_and_every() {
        assert_eq!(
            Plan::parse("3..15"),
            Ok(Plan {
                min: 3,
                max: 15,
                every: 1
            })
        );
        assert_eq!(
            Plan::parse("7..15/4"),
            Ok(Plan {
                min: 7,
                max: 15,
                every: 4
            })
        );
        for bad in ["3", "1..5", "6..5", "a..5", "3..x", "3..9/0", "3..9/x"] {
            let error = Plan::parse(bad).unwrap_err();
            assert!(error.contains(bad), "{bad}: {error}");
        }
    }
}
