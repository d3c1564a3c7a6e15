//! Checks of the architecture's invariants that a machine can make: crate boundaries read
//! from `cargo metadata`, and the house style's `//!` opening line in every Rust file.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::Context;

/// Runtime crates: the harness and the reports must never depend on them.
const RUNTIME: [&str; 4] = ["serving", "reflex", "orchestrator", "arms"];

/// Every violation found, one sentence each; empty when the tree is tidy.
pub fn check(root: &Path) -> anyhow::Result<Vec<String>> {
    let mut problems = Vec::new();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let output = Command::new(cargo)
        .current_dir(root)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .output()
        .context("running cargo metadata")?;
    anyhow::ensure!(
        output.status.success(),
        "cargo metadata failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: serde_json::Value =
        serde_json::from_slice(&output.stdout).context("reading cargo metadata")?;
    for package in metadata["packages"].as_array().into_iter().flatten() {
        let name = package["name"].as_str().unwrap_or_default();
        let deps: Vec<&str> = package["dependencies"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|dep| dep["name"].as_str())
            .collect();
        if ["harness", "reports", "loadgen", "history", "analysis"].contains(&name) {
            for runtime in deps.iter().filter(|dep| RUNTIME.contains(dep)) {
                problems.push(format!("{name} depends on the runtime crate {runtime}: it must reach services over HTTP only"));
            }
        }
        if name == "loadgen" && (deps.contains(&"harness") || deps.contains(&"reports")) {
            problems.push(
                "loadgen depends on the harness or the reports: the engine stands alone".to_owned(),
            );
        }
        if name == "reports" && deps.contains(&"harness") {
            problems.push("reports depends on harness: renderers read only RunReport".to_owned());
        }
        if deps.contains(&"sqlx") && name != "orchestrator" && name != "history" {
            problems.push(format!(
                "{name} depends on sqlx: only the orchestrator talks to the system's database, \
                 and only `history` to the harness's own"
            ));
        }
        if name == "analysis" && (deps.contains(&"sqlx") || deps.contains(&"history")) {
            problems.push(
                "analysis depends on a store: it holds pure functions over reports".to_owned(),
            );
        }
        if deps.contains(&"redis") && name != "orchestrator" && name != "reflex" {
            problems.push(format!(
                "{name} depends on redis: only services that cache talk to Redis"
            ));
        }
    }
    problems.extend(check_sources(root)?);
    Ok(problems)
}

/// The source rules: every file's `//!` line, and the module boundaries inside the harness.
pub fn check_sources(root: &Path) -> anyhow::Result<Vec<String>> {
    let mut problems = Vec::new();
    for file in rust_files(root)? {
        let text = std::fs::read_to_string(&file)
            .with_context(|| format!("reading {}", file.display()))?;
        let shown = file.strip_prefix(root).unwrap_or(&file);
        if !text.starts_with("//!") {
            problems.push(format!(
                "{} does not open with a //! line saying what it holds",
                shown.display()
            ));
        }
        let shown = shown.to_string_lossy();
        for (module, forbidden, why) in HARNESS_BOUNDARIES {
            if shown.starts_with(module) && text.contains(forbidden) {
                problems.push(format!("{shown} uses {forbidden}: {why}"));
            }
        }
    }
    Ok(problems)
}

/// Module boundaries inside the harness: (file or folder, what it must not use, why).
const HARNESS_BOUNDARIES: [(&str, &str, &str); 12] = [
    (
        "harness/src/spec/scenario",
        "budget::",
        "scenario files and budget tables are read apart, both over `rows`",
    ),
    (
        "harness/src/spec/budget.rs",
        "scenario::",
        "scenario files and budget tables are read apart, both over `rows`",
    ),
    (
        "harness/src/spec/",
        "crate::judge",
        "`spec` reads what a run is asked; it knows nothing of verdicts",
    ),
    (
        "harness/src/spec/",
        "crate::run",
        "`spec` reads what a run is asked; it knows nothing of how a run goes",
    ),
    (
        "harness/src/spec/",
        "crate::stack",
        "`spec` reads what a run is asked; it starts nothing",
    ),
    (
        "harness/src/spec/",
        "crate::observe",
        "`spec` reads what a run is asked; it observes nothing",
    ),
    (
        "harness/src/workload/kind",
        "crate::spec::scenario",
        "a request kind knows its request and its rows, not the scenario file",
    ),
    (
        "harness/src/workload/kind",
        "crate::spec::budget",
        "a request kind knows its request and its rows, not the budget tables",
    ),
    (
        "harness/src/judge/evaluate",
        "crate::stack",
        "a verdict is a function of the results, not of the processes",
    ),
    (
        "harness/src/observe/",
        "crate::judge",
        "observing is not judging",
    ),
    (
        "harness/src/observe",
        "crate::stack",
        "observers read a process as `observe::UnderTest` and are handed a client; the stack \
         imports `observe` (its heap contract), so `observe` importing `stack` is a circle",
    ),
    (
        "harness/src/report.rs",
        "crate::stack",
        "a report is assembled from results, never from the processes",
    ),
];

fn rust_files(root: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    let mut folders = vec![root.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in
            std::fs::read_dir(&folder).with_context(|| format!("listing {}", folder.display()))?
        {
            let path = entry?.path();
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default();
            if path.is_dir() {
                if name != "target" && !name.starts_with('.') {
                    folders.push(path);
                }
            } else if name.ends_with(".rs") {
                found.push(path);
            }
        }
    }
    found.sort();
    Ok(found)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_tree_keeps_its_invariants() {
        let problems = super::check(&crate::workspace_root().unwrap()).unwrap();
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }

    /// Issue 28: the circle observe → stack → observe, planted in a tree of its own, is
    /// reported; the same file without the import is not.
    #[test]
    fn a_planted_circle_is_reported() {
        let root = std::env::temp_dir().join(format!("octoperf-tidy-{}", std::process::id()));
        let observe = root.join("harness/src/observe");
        std::fs::create_dir_all(&observe).unwrap();
        let file = observe.join("heap.rs");
        std::fs::write(&file, "//! Heap readings.\nuse crate::stack::Keys;\n").unwrap();
        let planted = super::check_sources(&root).unwrap();
        std::fs::write(&file, "//! Heap readings.\nuse super::UnderTest;\n").unwrap();
        let clean = super::check_sources(&root).unwrap();
        std::fs::remove_dir_all(&root).unwrap();
        assert_eq!(planted.len(), 1, "{planted:?}");
        assert!(
            planted[0].starts_with("harness/src/observe/heap.rs uses crate::stack"),
            "{planted:?}"
        );
        assert!(clean.is_empty(), "{clean:?}");
    }
}
