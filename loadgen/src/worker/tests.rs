//! The window grid a windowed worker wakes on.

use std::time::{Duration, Instant};

use super::window_edge;

#[test]
fn a_window_edge_is_the_first_at_or_after_the_time() {
    let origin = Instant::now();
    let window = Duration::from_micros(250);
    let at = |micros: u64| origin + Duration::from_micros(micros);
    assert_eq!(window_edge(origin, window, origin), origin);
    assert_eq!(window_edge(origin, window, at(1)), at(250));
    assert_eq!(window_edge(origin, window, at(250)), at(250));
    assert_eq!(window_edge(origin, window, at(251)), at(500));
    assert_eq!(window_edge(origin, window, at(1_000_001)), at(1_000_250));
    // Before the origin, the first edge is the origin itself.
    assert_eq!(
        window_edge(origin + Duration::from_secs(1), window, origin),
        origin + Duration::from_secs(1)
    );
}
