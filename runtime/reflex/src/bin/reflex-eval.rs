//! `reflex-eval`: the detector's precision, recall and F1 per PII type and per injection
//! family, its false alarms on hard negatives, and its recall and false alarms per language
//! and per channel, on the labelled corpus (each text scanned as its channel).
//!
//! `cargo run --release -p reflex --bin reflex-eval -- [--split dev|heldout] [--threshold X]
//! [--template PREFIX] [--mistakes] [--dump-logits PATH]`. `--dump-logits` writes each text's
//! pattern logit, one JSON line per text, for `runtime/reflex/model/train.py`. Exit codes: 0 printed, 2 bad arguments or an unreadable corpus.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use reflex::{Detector, eval, injection};

#[derive(Parser)]
#[command(about = "Scores the Reflex Layer's detection on its labelled corpus")]
struct Opts {
    /// The splits to score (each printed on its own).
    #[arg(long, value_parser = ["dev", "heldout"], default_values = ["dev", "heldout"])]
    split: Vec<String>,
    /// The injection score that counts as a detection.
    #[arg(long, default_value_t = injection::DEFAULT_THRESHOLD)]
    threshold: f32,
    /// The corpus folder [default: the crate's corpus/].
    #[arg(long)]
    corpus: Option<PathBuf>,
    /// Only the texts whose template starts with this (`wild-` is the second batch).
    #[arg(long)]
    template: Option<String>,
    /// Also list every text the detector got wrong.
    #[arg(long)]
    mistakes: bool,
    /// Write `{"id", "split", "template", "lang", "channel", "view", "pattern_logit",
    /// "model_logit", "injection", "family", "hard_negative"}` per text to this file (the
    /// model's training input, and the data to calibrate on); `view` is the folded text the
    /// model reads.
    #[arg(long)]
    dump_logits: Option<PathBuf>,
}

fn main() -> ExitCode {
    let opts = Opts::parse();
    if !(0.0..=1.0).contains(&opts.threshold) {
        eprintln!(
            "reflex-eval: --threshold {} is not within 0 and 1",
            opts.threshold
        );
        return ExitCode::from(2);
    }
    let dir = opts.corpus.unwrap_or_else(eval::corpus_dir);
    let detector = Detector::new();
    let mut dump = String::new();
    for split in &opts.split {
        let mut records = match eval::load(&dir, split) {
            Ok(records) => records,
            Err(error) => {
                eprintln!("reflex-eval: {error:#}");
                return ExitCode::from(2);
            }
        };
        if let Some(prefix) = &opts.template {
            records.retain(|record| record.template.starts_with(prefix.as_str()));
        }
        for record in &records {
            let (pattern_logit, model) = detector.logits(&record.text, record.channel);
            let view = reflex::normalise::fold(&record.text)
                .map_or_else(|| record.text.clone(), |folded| folded.text);
            dump.push_str(
                &serde_json::json!({
                    "id": record.id,
                    "split": split,
                    "template": record.template,
                    "lang": record.lang,
                    "channel": record.channel.as_str(),
                    "view": view,
                    "pattern_logit": pattern_logit,
                    "model_logit": model,
                    "injection": record.injection.is_some(),
                    "family": record.injection,
                    "hard_negative": record.hard_negative,
                })
                .to_string(),
            );
            dump.push('\n');
        }
        let report = eval::evaluate(&detector, &records, opts.threshold);
        print!(
            "{}",
            report.render(&format!(
                "{split}{} (threshold {})",
                opts.template
                    .as_ref()
                    .map(|prefix| format!(", templates {prefix}*"))
                    .unwrap_or_default(),
                opts.threshold
            ))
        );
        if opts.mistakes {
            for (id, what) in &report.mistakes {
                let text = &records.iter().find(|r| &r.id == id).expect("listed").text;
                let short: String = text.chars().take(110).collect();
                println!("  {id}: {what}\n      {short:?}");
            }
        }
        println!();
    }
    if let Some(path) = &opts.dump_logits
        && let Err(error) = std::fs::write(path, dump)
    {
        eprintln!("reflex-eval: writing {}: {error}", path.display());
        return ExitCode::from(2);
    }
    ExitCode::SUCCESS
}
