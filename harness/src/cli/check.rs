//! `octoperf check`: scenario files and the budget file read, and said well formed or not.

use super::args::FilesOpts;
use crate::exit;
use crate::spec::{budget, scenario};

pub(super) fn check(files: &FilesOpts) -> u8 {
    let budgets = budget::load(&files.budgets);
    let scenarios = scenario::load_dir(&files.scenarios_dir);
    match (budgets, scenarios) {
        (Ok(budgets), Ok(scenarios)) => {
            let rows =
                budgets.latency.len() * 3 + budgets.throughput.len() + budgets.resources.len() * 2;
            println!(
                "{} scenarios and {rows} budget rows are well formed.",
                scenarios.len()
            );
            for scenario in &scenarios {
                let rows: Vec<String> = scenario
                    .measures
                    .iter()
                    .map(|row| row.to_string())
                    .collect();
                println!("  {:<24} {}", scenario.name, rows.join(", "));
            }
            exit::PASS
        }
        (budgets, scenarios) => {
            if let Err(error) = budgets {
                eprintln!("error: {error}");
            }
            if let Err(error) = scenarios {
                eprintln!("error: {error}");
            }
            exit::BAD_INPUT
        }
    }
}
