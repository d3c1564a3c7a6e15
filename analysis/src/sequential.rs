//! Sequential trials: a gate that looks at its trials after every pair and stops as soon as
//! the question is settled must not spend its error rate once per look. Each look gets a
//! share of it by an **alpha-spending function** (Lan and DeMets, "Discrete sequential
//! boundaries for clinical trials", Biometrika 70(3), 1983), here the Pocock type,
//! `α(t) = α · ln(1 + (e − 1) t)`, with `t` the information fraction: trials a side so far over
//! the most the gate may run. Look `k` judges its intervals at confidence `1 − (α(t_k) −
//! α(t_{k−1}))`. Whatever the correlation between looks, the chance that any look's interval
//! misses the true change is at most the sum of the shares, `α(1) = α` (the union bound), so
//! a verdict reached at any look keeps the gate's confidence. Pocock's shape spends more of
//! α early than O'Brien–Fleming's, so that a clear answer can stop a gate after a few trials.
//!
//! A look that never comes (the time budget ran out, or an answer came early) leaves its share
//! unspent: the gate is then only more conservative.

use serde::{Deserialize, Serialize};

/// The trials a sequential gate may run a side: its first look after `min`, its last at `max`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    pub min: usize,
    pub max: usize,
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
    /// Parses `MIN..MAX` (as `3..15`), each at least 2, MIN ≤ MAX.
    pub fn parse(text: &str) -> Result<Plan, String> {
        let (min, max) = text
            .split_once("..")
            .ok_or_else(|| format!("{text:?}: expected MIN..MAX trials a side, as 3..15"))?;
        let number = |part: &str| {
            part.trim()
                .parse::<usize>()
                .map_err(|_| format!("{text:?}: {part:?} is not a number of trials"))
        };
        let plan = Plan {
            min: number(min)?,
            max: number(max)?,
        };
        if plan.min < 2 || plan.min > plan.max {
            return Err(format!(
                "{text:?}: expected 2 ≤ MIN ≤ MAX (a bootstrap needs two trials a side)"
            ));
        }
        Ok(plan)
    }

    /// The look at `trials` a side, under the overall confidence `overall`; `None` before the
    /// first look or past the last.
    pub fn look(self, trials: usize, overall: f64) -> Option<Look> {
        if trials < self.min || trials > self.max {
            return None;
        }
        let alpha = 1.0 - overall;
        let fraction = |n: usize| n as f64 / self.max as f64;
        let spent = spending(alpha, fraction(trials));
        let before = if trials == self.min {
            0.0
        } else {
            spending(alpha, fraction(trials - 1))
        };
        Some(Look {
            trials,
            plan: self,
            overall,
            confidence: 1.0 - (spent - before),
            spent,
        })
    }
}

/// The Pocock-type spending function of Lan and DeMets: the error rate spent by information
/// fraction `t` (0 to 1), `α` at `t = 1`.
pub fn spending(alpha: f64, t: f64) -> f64 {
    alpha * (1.0 + (std::f64::consts::E - 1.0) * t.clamp(0.0, 1.0)).ln()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_look_together_spends_the_gate_s_error_rate_and_no_more() {
        for (min, max) in [(2, 2), (3, 15), (4, 10), (2, 30)] {
            let plan = Plan { min, max };
            let shares: f64 = (min..=max)
                .map(|n| 1.0 - plan.look(n, 0.95).unwrap().confidence)
                .sum();
            assert!((shares - 0.05).abs() < 1e-12, "{min}..{max}: {shares}");
            assert!((plan.look(max, 0.95).unwrap().spent - 0.05).abs() < 1e-12);
            assert!(plan.look(min - 1, 0.95).is_none());
            assert!(plan.look(max + 1, 0.95).is_none());
        }
    }

    #[test]
    fn a_look_is_stricter_than_the_gate_and_the_first_spends_most() {
        let plan = Plan { min: 3, max: 15 };
        let first = plan.look(3, 0.95).unwrap();
        // α ln(1 + (e − 1)/5) = 0.0148: the first look judges at 98.5%.
        assert!((first.confidence - 0.98522).abs() < 1e-4, "{first:?}");
        let mut previous = first.confidence;
        for n in 4..=15 {
            let look = plan.look(n, 0.95).unwrap();
            assert!(look.confidence > 0.95 && look.confidence < 1.0);
            assert!(look.confidence >= previous, "look {n}: {look:?}");
            previous = look.confidence;
        }
    }

    #[test]
    fn a_plan_is_read_from_min_dot_dot_max() {
        assert_eq!(Plan::parse("3..15"), Ok(Plan { min: 3, max: 15 }));
        for bad in ["3", "1..5", "6..5", "a..5", "3..x"] {
            let error = Plan::parse(bad).unwrap_err();
            assert!(error.contains(bad), "{bad}: {error}");
        }
    }
}
