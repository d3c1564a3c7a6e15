//! Scoring the detector on a labelled corpus (`runtime/reflex/corpus/`, one JSON record per
//! line): precision, recall and F1 per PII type and per injection family, at the text level,
//! the share of hard negatives that raise a false alarm, and per language and per channel the
//! injections caught and the benign texts flagged. `reflex-eval` prints it; a test holds
//! floors on it.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use serde::Deserialize;

use crate::Detector;
use crate::detect::Channel;

/// One labelled text.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Record {
    pub id: String,
    pub split: String,
    pub template: String,
    pub text: String,
    /// The PII types the text holds.
    pub pii: Vec<String>,
    /// The injection family, if the text is an injection.
    pub injection: Option<String>,
    /// A benign text written to look like PII or an injection.
    pub hard_negative: bool,
    /// The text's language, an ISO 639-1 code.
    #[serde(default = "english")]
    pub lang: String,
    /// Where the text reaches the gate from: `user_input` (the default), `tool_output`,
    /// `document`, `memory`.
    #[serde(default)]
    pub channel: Channel,
}

fn english() -> String {
    "en".to_owned()
}

/// The corpus shipped with the crate.
pub fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus")
}

/// Reads one split (`dev`, `heldout`) of the corpus in `dir`; an unreadable line is an error
/// naming the file and line.
pub fn load(dir: &Path, split: &str) -> anyhow::Result<Vec<Record>> {
    let path = dir.join(format!("{split}.jsonl"));
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(idx, line)| {
            serde_json::from_str(line)
                .with_context(|| format!("{}:{}: not a corpus record", path.display(), idx + 1))
        })
        .collect()
}

/// True and false positives and false negatives.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Counts {
    pub tp: u32,
    pub fp: u32,
    pub fn_: u32,
}

impl Counts {
    fn add(&mut self, expected: bool, found: bool) {
        match (expected, found) {
            (true, true) => self.tp += 1,
            (false, true) => self.fp += 1,
            (true, false) => self.fn_ += 1,
            (false, false) => {}
        }
    }

    pub fn precision(&self) -> f64 {
        ratio(self.tp, self.tp + self.fp)
    }

    pub fn recall(&self) -> f64 {
        ratio(self.tp, self.tp + self.fn_)
    }

    pub fn f1(&self) -> f64 {
        let (p, r) = (self.precision(), self.recall());
        if p + r == 0.0 {
            0.0
        } else {
            2.0 * p * r / (p + r)
        }
    }
}

fn ratio(part: u32, whole: u32) -> f64 {
    if whole == 0 {
        1.0
    } else {
        f64::from(part) / f64::from(whole)
    }
}

/// The figures of one split.
#[derive(Debug, Default)]
pub struct Report {
    pub texts: usize,
    pub pii: BTreeMap<String, Counts>,
    pub pii_overall: Counts,
    /// Per family: texts detected, texts of the family.
    pub families: BTreeMap<String, (u32, u32)>,
    pub injection: Counts,
    /// Hard negatives flagged as injections, hard negatives.
    pub hard_negative_alarms: (u32, u32),
    /// Per language, then per channel: how the injections and the benign texts fared.
    pub languages: BTreeMap<String, Slice>,
    pub channels: BTreeMap<String, Slice>,
    /// The texts the detector got wrong, for tuning: (id, what went wrong).
    pub mistakes: Vec<(String, String)>,
}

/// The injection figures of the texts of one language or one channel.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Slice {
    /// Injections detected, injections.
    pub detected: (u32, u32),
    /// Benign texts (hard negatives included) flagged, benign texts.
    pub alarms: (u32, u32),
}

impl Slice {
    fn add(&mut self, injection: bool, flagged: bool) {
        let (hits, total) = if injection {
            &mut self.detected
        } else {
            &mut self.alarms
        };
        *total += 1;
        *hits += u32::from(flagged);
    }

    pub fn recall(&self) -> f64 {
        ratio(self.detected.0, self.detected.1)
    }

    pub fn alarm_rate(&self) -> f64 {
        match self.alarms {
            (_, 0) => 0.0,
            (alarms, total) => ratio(alarms, total),
        }
    }
}

impl Report {
    pub fn hard_negative_alarm_rate(&self) -> f64 {
        match self.hard_negative_alarms {
            (_, 0) => 0.0,
            (alarms, total) => ratio(alarms, total),
        }
    }

    pub fn family_recall(&self, family: &str) -> f64 {
        self.families
            .get(family)
            .map_or(0.0, |&(found, total)| ratio(found, total))
    }

    /// The report as a table.
    pub fn render(&self, title: &str) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "== {title}: {} texts", self.texts);
        let _ = writeln!(
            out,
            "{:<28} {:>5} {:>5} {:>5} {:>9} {:>7} {:>6}",
            "PII type", "tp", "fp", "fn", "precision", "recall", "F1"
        );
        for (name, counts) in self
            .pii
            .iter()
            .chain([(&"all PII".to_owned(), &self.pii_overall)])
        {
            let _ = writeln!(
                out,
                "{:<28} {:>5} {:>5} {:>5} {:>9.3} {:>7.3} {:>6.3}",
                name,
                counts.tp,
                counts.fp,
                counts.fn_,
                counts.precision(),
                counts.recall(),
                counts.f1()
            );
        }
        let _ = writeln!(
            out,
            "{:<28} {:>11} {:>7}",
            "injection family", "detected", "recall"
        );
        for (family, &(found, total)) in &self.families {
            let _ = writeln!(
                out,
                "{:<28} {:>5} of {:<3} {:>7.3}",
                family,
                found,
                total,
                ratio(found, total)
            );
        }
        let c = self.injection;
        let _ = writeln!(
            out,
            "injection overall: precision {:.3}, recall {:.3}, F1 {:.3} (tp {}, fp {}, fn {})",
            c.precision(),
            c.recall(),
            c.f1(),
            c.tp,
            c.fp,
            c.fn_
        );
        let (alarms, total) = self.hard_negative_alarms;
        let _ = writeln!(
            out,
            "hard negatives flagged as injection: {alarms} of {total} ({:.1}%)",
            100.0 * self.hard_negative_alarm_rate()
        );
        for (heading, slices) in [("language", &self.languages), ("channel", &self.channels)] {
            let _ = writeln!(
                out,
                "{heading:<12} {:>18} {:>7} {:>22} {:>6}",
                "injections found", "recall", "benign texts flagged", "rate"
            );
            for (name, slice) in slices {
                let _ = writeln!(
                    out,
                    "{name:<12} {:>9} of {:<6} {:>7.3} {:>13} of {:<6} {:>5.1}%",
                    slice.detected.0,
                    slice.detected.1,
                    slice.recall(),
                    slice.alarms.0,
                    slice.alarms.1,
                    100.0 * slice.alarm_rate()
                );
            }
        }
        out
    }
}

/// Scans every record and scores the findings against the labels, an injection being any
/// text whose score reaches `threshold`.
pub fn evaluate(detector: &Detector, records: &[Record], threshold: f32) -> Report {
    let mut report = Report {
        texts: records.len(),
        ..Report::default()
    };
    let (pii_types, families) = detector.families();
    for name in pii_types {
        report.pii.insert(name.to_owned(), Counts::default());
    }
    for family in families {
        report.families.insert(family.to_owned(), (0, 0));
    }
    for record in records {
        let findings = detector.scan_in(&record.text, record.channel, true, true);
        for (name, counts) in report.pii.iter_mut() {
            let expected = record.pii.iter().any(|label| label == name);
            let found = findings.pii.iter().any(|found| found.pii_type == name);
            counts.add(expected, found);
            report.pii_overall.add(expected, found);
            if expected != found {
                let what = if found {
                    "PII false alarm"
                } else {
                    "PII missed"
                };
                report
                    .mistakes
                    .push((record.id.clone(), format!("{what}: {name}")));
            }
        }
        let flagged = findings.is_blocked(threshold);
        let expected = record.injection.is_some();
        report.injection.add(expected, flagged);
        if let Some(family) = &record.injection {
            let entry = report.families.entry(family.clone()).or_default();
            entry.1 += 1;
            entry.0 += u32::from(flagged);
        }
        for (slices, key) in [
            (&mut report.languages, &record.lang),
            (&mut report.channels, &record.channel.as_str().to_owned()),
        ] {
            slices
                .entry(key.clone())
                .or_default()
                .add(expected, flagged);
        }
        if record.hard_negative {
            report.hard_negative_alarms.1 += 1;
            report.hard_negative_alarms.0 += u32::from(flagged);
        }
        if expected != flagged {
            let detail = findings.injection.first().map_or_else(
                || "no signal".to_owned(),
                |found| format!("score {:.2} {:?}", found.score, found.signals),
            );
            let what = if flagged {
                "injection false alarm"
            } else {
                "injection missed"
            };
            report
                .mistakes
                .push((record.id.clone(), format!("{what} ({detail})")));
        }
    }
    report
}
