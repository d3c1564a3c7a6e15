//! What the sequential gate reads and keeps, without running anything: whether a trial was
//! disturbed by the machine, what one look at the trials said, and the account of a whole
//! gate (its answer, the trials each metric's answer needed, what was run again).

use std::fmt::Write as _;

use serde::Serialize;
use serde_json::Value;

/// A pause of the machine this long (the hiccup meter's longest late wake-up over the
/// measured window) disturbs a trial: at 10,500 requests a second it delays some 200
/// requests by more than the Reflex Layer's whole P99 budget, and a tail percentile with it.
pub const PAUSE_US: u64 = 20_000;
/// Other processes using this many cores on average over a trial's window disturb it.
pub const OTHER_CORES: f64 = 0.25;
/// The hypervisor taking this share of the machine's CPU time disturbs a trial.
pub const STEAL_SHARE: f64 = 0.05;

/// Why a trial's report says the machine disturbed it, if it does (a pause, a busy
/// neighbour, the hypervisor, or a scenario invalid because the generator could not hold its
/// rate): the trial is then run again rather than judged.
pub fn disturbance(report: &Value) -> Option<String> {
    let mut reasons = Vec::new();
    for scenario in report["scenarios"].as_array().into_iter().flatten() {
        let name = scenario["name"].as_str().unwrap_or("?");
        if scenario["valid"].as_bool() == Some(false) {
            let why = scenario["invalid_reasons"][0]
                .as_str()
                .unwrap_or("no reason given");
            reasons.push(format!("{name}: invalid, {why}"));
        }
        let pause = scenario["hiccups"]["max_us"].as_u64().unwrap_or(0);
        if pause >= PAUSE_US {
            reasons.push(format!(
                "{name}: the machine paused {:.0} ms",
                pause as f64 / 1000.0
            ));
        }
        let load = &scenario["machine_load"];
        let other = load["other_cores"].as_f64().unwrap_or(0.0);
        if other >= OTHER_CORES {
            reasons.push(format!("{name}: other processes used {other:.2} cores"));
        }
        let steal = load["steal_share"].as_f64().unwrap_or(0.0);
        if steal >= STEAL_SHARE {
            reasons.push(format!(
                "{name}: the hypervisor took {:.0}% of the CPU",
                steal * 100.0
            ));
        }
    }
    (!reasons.is_empty()).then(|| reasons.join("; "))
}

/// One look at the trials: `octoperf compare --sequential`'s JSON, the part the gate acts on.
#[derive(Debug, Clone, Serialize)]
pub struct Look {
    /// Trials a side.
    pub trials: usize,
    /// The confidence of this look's intervals.
    pub confidence: f64,
    /// `no_change`, `improved`, `regressed` or `unknown`.
    pub verdict: String,
    /// Each gating metric's verdict, by key.
    pub metrics: Vec<(String, String)>,
}

impl Look {
    pub fn parse(trials: usize, json: &str) -> Result<Look, String> {
        let value: Value =
            serde_json::from_str(json).map_err(|error| format!("compare's JSON: {error}"))?;
        let verdict = value["verdict"]
            .as_str()
            .ok_or("compare's JSON has no verdict")?
            .to_owned();
        let metrics = value["changes"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|change| !change["informational"].as_bool().unwrap_or(false))
            .filter_map(|change| {
                Some((
                    change["key"].as_str()?.to_owned(),
                    change["verdict"].as_str()?.to_owned(),
                ))
            })
            .collect();
        Ok(Look {
            trials,
            confidence: value["confidence"].as_f64().unwrap_or(f64::NAN),
            verdict,
            metrics,
        })
    }

    /// Does this look answer the gate's question? A regression, or no metric that may still
    /// be one (compare's verdict is then no change or improved).
    pub fn settled(&self) -> bool {
        self.verdict != "unknown"
    }

    /// The gating metrics this look left unresolved.
    pub fn unresolved(&self) -> Vec<&str> {
        self.metrics
            .iter()
            .filter(|(_, verdict)| verdict == "unknown")
            .map(|(key, _)| key.as_str())
            .collect()
    }
}

/// Why the trials stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stop {
    /// A look settled the question.
    Answered,
    /// `--max-trials` were run.
    MaxTrials,
    /// Another pair would have ended after `--time-budget`.
    TimeBudget,
}

impl Stop {
    pub fn word(self) -> &'static str {
        match self {
            Stop::Answered => "an answer",
            Stop::MaxTrials => "--max-trials",
            Stop::TimeBudget => "--time-budget",
        }
    }
}

/// The account of one gate, written as `gate.json` beside its trials.
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    /// The last look's verdict (`unknown` when no look was reached).
    pub answer: String,
    /// Trials a side when the gate stopped.
    pub trials: usize,
    pub stop: Stop,
    /// Seconds of trials (builds not counted).
    pub seconds: f64,
    pub looks: Vec<Look>,
    /// Each gating metric: its final verdict and the trials a side from which every look
    /// gave it (`None` when it stayed unknown).
    pub settled: Vec<Settled>,
    /// Trials run again because the machine disturbed them: `base trial 3: the machine
    /// paused 180 ms`.
    pub reruns: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Settled {
    pub key: String,
    pub verdict: String,
    pub at_trials: Option<usize>,
}

impl Outcome {
    pub fn new(looks: Vec<Look>, trials: usize, stop: Stop) -> Outcome {
        let answer = looks
            .last()
            .map_or_else(|| "unknown".to_owned(), |look| look.verdict.clone());
        let settled = settled(&looks);
        Outcome {
            answer,
            trials,
            stop,
            seconds: 0.0,
            looks,
            settled,
            reruns: Vec::new(),
        }
    }

    /// The gate's exit code: 0 no regression, 1 regressed, 3 unknown.
    pub fn exit_code(&self) -> u8 {
        match self.answer.as_str() {
            "regressed" => 1,
            "unknown" => 3,
            _ => 0,
        }
    }

    /// The answer in words, as `no change after 6 trials a side`.
    pub fn headline(&self) -> String {
        let stop = match self.stop {
            Stop::Answered => "",
            Stop::MaxTrials => ", --max-trials reached",
            Stop::TimeBudget => ", --time-budget reached",
        };
        format!(
            "{} after {} trials a side ({}{stop})",
            self.answer.replace('_', " "),
            self.trials,
            minutes(self.seconds)
        )
    }

    /// Markdown for the end of `compare.md`: how the gate got its answer.
    pub fn markdown(&self) -> String {
        let mut out = format!("\n### Sequential gate: {}\n\n", self.headline());
        let _ = writeln!(
            out,
            "Looks (each at its share of the error rate): {}.\n",
            self.looks
                .iter()
                .map(|look| format!(
                    "{} trials {} ({:.2}%)",
                    look.trials,
                    look.verdict.replace('_', " "),
                    look.confidence * 100.0
                ))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let _ = writeln!(out, "| gating metric | answer | trials a side it needed |");
        let _ = writeln!(out, "|---|---|---|");
        for settled in &self.settled {
            let at = settled
                .at_trials
                .map_or_else(|| "not settled".to_owned(), |n| n.to_string());
            let _ = writeln!(
                out,
                "| `{}` | {} | {at} |",
                settled.key,
                settled.verdict.replace('_', " ")
            );
        }
        if !self.reruns.is_empty() {
            let _ = writeln!(out, "\nRun again, the machine having disturbed them:\n");
            for rerun in &self.reruns {
                let _ = writeln!(out, "- {rerun}");
            }
        }
        out
    }
}

/// For every gating metric of the last look: its verdict, and the trials from which every
/// look gave it that verdict.
fn settled(looks: &[Look]) -> Vec<Settled> {
    let Some(last) = looks.last() else {
        return Vec::new();
    };
    last.metrics
        .iter()
        .map(|(key, verdict)| {
            let at_trials = (verdict != "unknown").then(|| {
                let mut at = last.trials;
                for look in looks.iter().rev() {
                    let same = look.metrics.iter().any(|(k, v)| k == key && v == verdict);
                    if !same {
                        break;
                    }
                    at = look.trials;
                }
                at
            });
            Settled {
                key: key.clone(),
                verdict: verdict.clone(),
                at_trials,
            }
        })
        .collect()
}

/// `4 min 10 s`.
pub fn minutes(seconds: f64) -> String {
    let seconds = seconds.round() as u64;
    format!("{} min {:02} s", seconds / 60, seconds % 60)
}

/// N gates' answers, as `calibration.md` gives them.
pub fn calibration_markdown(what: &str, outcomes: &[Outcome]) -> String {
    let mut out = format!("# Gate calibration: {what}\n\n");
    let mut answers: Vec<&str> = outcomes.iter().map(|o| o.answer.as_str()).collect();
    answers.sort_unstable();
    answers.dedup();
    let _ = writeln!(out, "| answer | gates | trials a side each needed |");
    let _ = writeln!(out, "|---|---|---|");
    for answer in answers {
        let of: Vec<&Outcome> = outcomes.iter().filter(|o| o.answer == answer).collect();
        let trials: Vec<String> = of.iter().map(|o| o.trials.to_string()).collect();
        let _ = writeln!(
            out,
            "| {} | {} of {} | {} |",
            answer.replace('_', " "),
            of.len(),
            outcomes.len(),
            trials.join(", ")
        );
    }
    let _ = writeln!(
        out,
        "\n| gate | answer | trials a side | stopped by | trials' time | re-run trials |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|---|");
    for (i, outcome) in outcomes.iter().enumerate() {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} |",
            i + 1,
            outcome.answer.replace('_', " "),
            outcome.trials,
            outcome.stop.word(),
            minutes(outcome.seconds),
            outcome.reruns.len()
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn look(trials: usize, verdict: &str, metrics: &[(&str, &str)]) -> Look {
        Look {
            trials,
            confidence: 0.99,
            verdict: verdict.into(),
            metrics: metrics
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        }
    }

    #[test]
    fn a_trial_with_a_machine_pause_or_a_busy_neighbour_is_disturbed() {
        let report = |pause_us: u64, other: f64, steal: f64| {
            serde_json::json!({"scenarios": [{
                "name": "reflex",
                "hiccups": {"max_us": pause_us},
                "machine_load": {"other_cores": other, "steal_share": steal},
            }]})
        };
        assert_eq!(disturbance(&report(4_000, 0.05, 0.0)), None);
        let paused = disturbance(&report(180_000, 0.05, 0.0)).unwrap();
        assert!(paused.contains("paused 180 ms"), "{paused}");
        let busy = disturbance(&report(1_000, 0.6, 0.0)).unwrap();
        assert!(busy.contains("0.60 cores"), "{busy}");
        assert!(disturbance(&report(1_000, 0.0, 0.2)).is_some());
        // An invalid trial (the generator could not hold the rate) is run again too.
        let invalid = serde_json::json!({"scenarios": [{"name": "reflex", "valid": false,
            "invalid_reasons": ["the generator sent late"]}]});
        assert!(
            disturbance(&invalid)
                .unwrap()
                .contains("generator sent late")
        );
        // A report without the meter's readings (an older octoperf) is not disturbed.
        assert_eq!(disturbance(&serde_json::json!({"scenarios": [{}]})), None);
    }

    #[test]
    fn a_look_reads_compare_s_verdict_and_its_gating_metrics() {
        let json = r#"{"verdict": "unknown", "confidence": 0.996, "changes": [
            {"key": "latency.reflex.p50", "verdict": "no_change", "informational": false},
            {"key": "resources.reflex.cpu", "verdict": "unknown", "informational": false},
            {"key": "latency.reflex.p99", "verdict": "unknown", "informational": true}]}"#;
        let look = Look::parse(4, json).unwrap();
        assert!(!look.settled());
        assert_eq!(look.unresolved(), ["resources.reflex.cpu"]);
        assert_eq!(look.metrics.len(), 2);
        assert!(Look::parse(4, "{").unwrap_err().contains("JSON"));
    }

    #[test]
    fn each_metric_is_settled_from_the_look_after_which_it_kept_its_verdict() {
        let looks = vec![
            look(3, "unknown", &[("p50", "no_change"), ("cpu", "unknown")]),
            look(4, "unknown", &[("p50", "unknown"), ("cpu", "no_change")]),
            look(
                5,
                "no_change",
                &[("p50", "no_change"), ("cpu", "no_change")],
            ),
        ];
        let outcome = Outcome::new(looks, 5, Stop::Answered);
        assert_eq!(outcome.answer, "no_change");
        assert_eq!(outcome.exit_code(), 0);
        let at: Vec<(&str, Option<usize>)> = outcome
            .settled
            .iter()
            .map(|s| (s.key.as_str(), s.at_trials))
            .collect();
        assert_eq!(at, [("p50", Some(5)), ("cpu", Some(4))]);
        assert!(outcome.markdown().contains("| `cpu` | no change | 4 |"));

        let out_of_time = Outcome::new(
            vec![look(3, "unknown", &[("cpu", "unknown")])],
            3,
            Stop::TimeBudget,
        );
        assert_eq!(out_of_time.exit_code(), 3);
        assert!(out_of_time.headline().contains("--time-budget reached"));
        assert!(out_of_time.markdown().contains("not settled"));
        let no_look = Outcome::new(Vec::new(), 2, Stop::TimeBudget);
        assert_eq!(no_look.answer, "unknown");

        let table = calibration_markdown("A/A", &[outcome, out_of_time]);
        assert!(table.contains("| no change | 1 of 2 | 5 |"), "{table}");
        assert!(table.contains("| unknown | 1 of 2 | 3 |"), "{table}");
    }
}
