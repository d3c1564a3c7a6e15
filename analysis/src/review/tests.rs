//! The review over a seeded history with a known step.

use rand::{Rng, SeedableRng};
use reports::fixtures::sample;

use super::*;

/// 24 runs, one every 3 days from 2026-09-01, commits `c00`…`c23`; the Reflex P99 row steps
/// up by 40% at commit `c14`, inside ±5% noise; its CPU row stays flat.
fn seeded_history() -> Vec<RunReport> {
    let mut rng = rand::rngs::SmallRng::seed_from_u64(7);
    (0..24)
        .map(|i| {
            let mut report = sample();
            report.run_id = format!("run{i:02}");
            let day = 1 + 3 * i;
            let (month, day) = if day > 30 {
                if day > 61 {
                    (11, day - 61)
                } else {
                    (10, day - 30)
                }
            } else {
                (9, day)
            };
            report.started_at = format!("2026-{month:02}-{day:02}T10:00:00Z");
            report.git_commit = Some(format!("c{i:02}"));
            let noise = 1.0 + 0.05 * (rng.random::<f64>() * 2.0 - 1.0);
            let level = if i >= 14 { 1.4 } else { 1.0 };
            report.rows[0].measured = Some(2.0 * level * noise);
            report.rows[2].measured = Some(12.5 * (1.0 + 0.02 * rng.random::<f64>()));
            report
        })
        .collect()
}

#[test]
fn the_review_names_the_commit_of_a_seeded_step() {
    let runs = seeded_history();
    let review = review(
        &runs,
        "90 days to 2026-11-27",
        &changepoint::Options::default(),
    );
    assert_eq!(review.runs, 24);
    let p99 = review
        .rows
        .iter()
        .find(|t| t.key == "latency.reflex.p99")
        .unwrap();
    assert_eq!(p99.steps.len(), 1, "{:?}", p99.steps);
    assert_eq!(p99.steps[0].commit, "c14");
    assert!((p99.steps[0].step.change - 0.4).abs() < 0.1);
    // Headroom: about 90% of 20 ms left at the start, 86% at the end.
    assert!((p99.headroom_start.unwrap() - 0.90).abs() < 0.01);
    assert!((p99.headroom_end.unwrap() - 0.86).abs() < 0.01);
    // The flat memory row has no step.
    let memory = review
        .rows
        .iter()
        .find(|t| t.key == "resources.reflex.memory")
        .unwrap();
    assert!(memory.steps.is_empty(), "{:?}", memory.steps);

    let markdown = render_markdown(&review);
    assert!(markdown.contains("`c14`"), "{markdown}");
    assert!(markdown.contains("Reflex Layer P99"), "{markdown}");
    let html = render_html(&review);
    assert!(html.contains("<code>c14</code>"));
    assert!(html.matches("<svg").count() >= 3);
    assert!(!html.contains("plot not drawn"), "a trend plot failed");
}

#[test]
fn headroom_is_the_share_of_the_limit_left() {
    assert!((headroom(5.0, 20.0, Direction::Below) - 0.75).abs() < 1e-9);
    assert!((headroom(12_000.0, 10_000.0, Direction::Above) - 0.2).abs() < 1e-9);
    assert!(headroom(30.0, 20.0, Direction::Below) < 0.0);
}
