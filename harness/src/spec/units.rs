//! Units read from scenario files, each parsed once with a precise error: rates (`"500/s"`),
//! durations (`"10s"`) and load stages (`"ramp 0->5000/s over 30s"`).

use std::str::FromStr;
use std::time::Duration;

/// An arrival rate, in requests per second, written `10000/s` or `600/min`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rate {
    pub per_second: f64,
}

impl FromStr for Rate {
    type Err = String;

    fn from_str(text: &str) -> Result<Rate, String> {
        let rate: loadgen::Rate = text.parse()?;
        if rate.per_second <= 0.0 {
            return Err(format!(
                "invalid rate {text:?}: expected a positive number per unit, as \"10000/s\" or \"600/min\""
            ));
        }
        Ok(Rate {
            per_second: rate.per_second,
        })
    }
}

impl std::fmt::Display for Rate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let rate = loadgen::Rate {
            per_second: self.per_second,
        };
        std::fmt::Display::fmt(&rate, f)
    }
}

/// One stage of an open model's arrival rate, as a scenario file writes it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StageSpec(pub loadgen::Stage);

/// A duration written as `10s`, `500ms`, `2m`.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Dur(pub Duration);
