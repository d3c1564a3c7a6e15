//! `hot-paths-instructions NAME ITERATIONS`: sets up one hot-path workload and runs it that
//! many times, for callgrind to count (`cargo xtask instructions` runs it twice, with 0 and
//! with N iterations, and divides the difference: the instructions of one iteration).

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(name), Some(iterations)) = (args.first(), args.get(1)) else {
        eprintln!(
            "usage: hot-paths-instructions NAME ITERATIONS\nworkloads: {}",
            octoperf_benches::WORKLOADS.join(", ")
        );
        return ExitCode::from(2);
    };
    let Ok(iterations) = iterations.parse::<u64>() else {
        eprintln!("error: ITERATIONS {iterations:?}: expected a whole number");
        return ExitCode::from(2);
    };
    #[cfg(feature = "test-knobs")]
    if let Some(fraction) = std::env::var(reflex::detect::knobs::SCAN_SLOWDOWN_ENV)
        .ok()
        .and_then(|text| text.parse::<f64>().ok())
    {
        reflex::detect::knobs::set_scan_slowdown(fraction);
    }
    match octoperf_benches::run(name, iterations) {
        Some(()) => ExitCode::SUCCESS,
        None => {
            eprintln!(
                "error: no workload {name:?}; workloads: {}",
                octoperf_benches::WORKLOADS.join(", ")
            );
            ExitCode::from(2)
        }
    }
}
