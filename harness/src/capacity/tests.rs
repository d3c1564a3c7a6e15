//! Tests of the capacity search's steps.

use super::*;

#[test]
fn the_search_ramps_until_a_break_then_bisects_to_the_precision() {
    let options = SearchOptions::new(1_000.0);
    assert_eq!(next_rate(&options, None, None), Some(1_000.0));
    assert_eq!(next_rate(&options, Some(1_000.0), None), Some(1_500.0));
    assert_eq!(
        next_rate(&options, Some(1_500.0), Some(2_250.0)),
        Some(1_875.0)
    );
    // Within 5% of the rate that held: done.
    assert_eq!(next_rate(&options, Some(2_000.0), Some(2_090.0)), None);
    // The first trial broke: step down.
    let below = next_rate(&options, None, Some(1_000.0)).unwrap();
    assert!((below - 666.67).abs() < 0.01, "{below}");
    assert_eq!(next_rate(&options, None, Some(1.2)), None);
}

#[test]
fn a_simulated_system_is_found_within_the_precision() {
    // A system that holds up to 3,700/s, searched from 1,000/s in at most 8 trials.
    let options = SearchOptions::new(1_000.0);
    let (mut held, mut broke) = (None, None);
    let mut trials = 0;
    while let Some(rate) = next_rate(&options, held, broke) {
        trials += 1;
        if rate <= 3_700.0 {
            held = Some(rate);
        } else {
            broke = Some(rate);
        }
        assert!(trials <= options.max_trials + 2, "the search does not end");
    }
    let held = held.unwrap();
    assert!((3_500.0..=3_700.0).contains(&held), "{held}");
    assert!(broke.unwrap() > 3_700.0);
}
