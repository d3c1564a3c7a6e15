//! What the terminal shows while a run goes: the live progress line of a scenario and the
//! one-line summary after it. Nothing here is part of the report.

use std::sync::Arc;
use std::time::{Duration, Instant};

use reports::ScenarioResult;

use loadgen::{Plan, Progress, Shape};

/// The live progress line's bar, drawn on stderr four times a second at most.
pub(crate) fn progress_bar() -> indicatif::ProgressBar {
    indicatif::ProgressBar::with_draw_target(
        Some(0),
        indicatif::ProgressDrawTarget::stderr_with_hz(4),
    )
}

/// Live progress on the terminal while a scenario runs (indicatif, redrawn twice a second):
/// elapsed and total time, the rate offered now and the rate answered over the last second,
/// the P99 of the last closed second of the measured window, errors and requests in flight.
pub(crate) async fn report_progress(
    name: String,
    progress: Arc<Progress>,
    plan: Plan,
    bar: indicatif::ProgressBar,
) {
    let total = plan.warmup + plan.duration;
    bar.set_length(total.as_secs());
    bar.set_style(
        indicatif::ProgressStyle::with_template("  {prefix} [{bar:24}] {elapsed}/{len}s {msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar.set_prefix(name);
    let mut tick = tokio::time::interval(Duration::from_millis(500));
    let mut last = (Instant::now(), 0u64);
    loop {
        tick.tick().await;
        let now = Instant::now();
        let elapsed = now.saturating_duration_since(plan.start);
        let snapshot = progress.snapshot();
        let answered = snapshot.sent.saturating_sub(snapshot.in_flight);
        let seconds = (now - last.0).as_secs_f64();
        let answered_rate = if seconds > 0.2 {
            let rate = answered.saturating_sub(last.1) as f64 / seconds;
            last = (now, answered);
            Some(rate)
        } else {
            None
        };
        let offered = match &plan.shape {
            Shape::Open(schedule) => format!("{:.0}/s offered, ", schedule.rate_at(elapsed)),
            Shape::Closed { users } => format!("{users} users, "),
        };
        let phase = if elapsed < plan.warmup {
            "warm-up"
        } else {
            "measuring"
        };
        bar.set_position(elapsed.as_secs().min(total.as_secs()));
        bar.set_message(format!(
            "{phase}: {offered}{} answered/s, P99 {}, {} errors, {} in flight",
            answered_rate.map_or_else(|| "–".to_owned(), |rate| format!("{rate:.0}")),
            if snapshot.last_p99_us == 0 {
                "–".to_owned()
            } else {
                format!("{:.2} ms", snapshot.last_p99_us as f64 / 1000.0)
            },
            snapshot.errors,
            snapshot.in_flight,
        ));
    }
}

pub(crate) fn one_line_summary(result: &ScenarioResult) -> String {
    if let Some(error) = &result.error {
        return format!("  {} did not run: {error}", result.name);
    }
    let mut line = format!("  {}:", result.name);
    for request in result.requests.iter().filter(|r| !r.kind.is_breakdown()) {
        line.push_str(&format!(
            " {} {} ok/{} sent, P99 {:.2} ms;",
            request.kind,
            request.ok,
            request.sent,
            request.latency.p99_us as f64 / 1000.0
        ));
    }
    let generator = &result.generator;
    line.push_str(&format!(
        " generator: send lag P99 {:.2} ms, busy {};",
        generator.send_lag_p99_us as f64 / 1000.0,
        generator
            .worker_busy
            .iter()
            .map(|busy| format!("{:.0}%", busy * 100.0))
            .collect::<Vec<_>>()
            .join("/")
    ));
    if !result.valid {
        line.push_str(&format!(" INVALID: {}", result.invalid_reasons.join("; ")));
    }
    if let Some(faults) = &result.faults {
        let broken: Vec<&str> = faults
            .invariants
            .iter()
            .filter(|invariant| !invariant.holds)
            .map(|invariant| invariant.name.as_str())
            .collect();
        line.push_str(&if broken.is_empty() {
            format!(" invariants: all {} hold;", faults.invariants.len())
        } else {
            format!(" invariants BROKEN: {};", broken.join(", "))
        });
    }
    for note in &result.notes {
        line.push_str(&format!(" (note: {note})"));
    }
    line
}
