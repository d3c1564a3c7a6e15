//! Past runs, wherever they are: in the history (by run id, `latest` or `latest~N`), in a
//! run's folder or its report.json, or in a folder of trial folders (each with its
//! report.json, as `cargo xtask gate` writes them). Each is read with the interval logs of
//! its request series, so that `compare` can resample them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use analysis::{Run, Side};
use reports::RunReport;

/// Where `run` keeps its history, from `--history`, `--history-url` and `--no-history`.
#[derive(Debug, Clone, PartialEq)]
pub enum Store {
    Off,
    Path(PathBuf),
    Url(String),
}

impl Store {
    pub fn from_flags(path: Option<PathBuf>, url: Option<String>, off: bool) -> Store {
        match (off, url, path) {
            (true, _, _) => Store::Off,
            (false, Some(url), _) => Store::Url(url),
            (false, None, Some(path)) => Store::Path(path),
            (false, None, None) => Store::Path(PathBuf::from(history::DEFAULT_PATH)),
        }
    }

    /// Opens it; `None` when off.
    pub async fn open(&self) -> Result<Option<history::History>, String> {
        match self {
            Store::Off => Ok(None),
            Store::Path(path) => history::open_path(path)
                .await
                .map(Some)
                .map_err(|error| error.to_string()),
            Store::Url(url) => history::open(url)
                .await
                .map(Some)
                .map_err(|error| error.to_string()),
        }
    }
}

/// Reads one side of a comparison from `spec` (a run id, `latest`, `latest~N`, a folder or a
/// report.json).
pub async fn side(spec: &str, store: &Store) -> Result<Side, String> {
    let path = Path::new(spec);
    let runs = if path.exists() {
        from_path(path)?
    } else {
        vec![from_history(spec, store).await?]
    };
    Ok(Side {
        label: spec.to_owned(),
        runs,
    })
}

fn from_path(path: &Path) -> Result<Vec<Run>, String> {
    if path.is_file() {
        return Ok(vec![read_run(path)?]);
    }
    let report = path.join("report.json");
    if report.is_file() {
        return Ok(vec![read_run(&report)?]);
    }
    // A folder of trials: every sub-folder with a report.json, in name order.
    let mut trials: Vec<PathBuf> = std::fs::read_dir(path)
        .map_err(|error| format!("cannot read {}: {error}", path.display()))?
        .filter_map(|entry| entry.ok().map(|e| e.path().join("report.json")))
        .filter(|report| report.is_file())
        .collect();
    trials.sort();
    if trials.is_empty() {
        return Err(format!(
            "{}: no report.json in it or in its sub-folders",
            path.display()
        ));
    }
    trials.iter().map(|report| read_run(report)).collect()
}

/// A report.json and the interval logs beside it.
pub fn read_run(file: &Path) -> Result<Run, String> {
    let text = std::fs::read_to_string(file)
        .map_err(|error| format!("cannot read {}: {error}", file.display()))?;
    let report: RunReport = serde_json::from_str(&text)
        .map_err(|error| format!("{} is not a report: {error}", file.display()))?;
    let dir = file.parent().unwrap_or(Path::new("."));
    let intervals = interval_logs(&report, dir);
    Ok(Run { report, intervals })
}

/// Each request series' interval histograms, keyed `scenario/kind`, from the logs the report
/// names; a log that is missing or does not read is left out (its series then has no
/// interval).
fn interval_logs(
    report: &RunReport,
    dir: &Path,
) -> BTreeMap<String, Vec<hdrhistogram::Histogram<u64>>> {
    let mut out = BTreeMap::new();
    for scenario in &report.scenarios {
        for request in &scenario.requests {
            let name = format!("{}.hlog", request.kind.file_stem());
            let Some(log) = scenario
                .generator
                .interval_logs
                .iter()
                .find(|log| log.ends_with(&format!("/{name}")) || **log == name)
            else {
                continue;
            };
            let Ok(bytes) = std::fs::read(dir.join(log)) else {
                continue;
            };
            if let Ok(intervals) = loadgen::intervals::read_log(&bytes) {
                out.insert(
                    format!("{}/{}", scenario.name, request.kind),
                    intervals.into_iter().map(|i| i.histogram).collect(),
                );
            }
        }
    }
    out
}

async fn from_history(spec: &str, store: &Store) -> Result<Run, String> {
    let history = store
        .open()
        .await?
        .ok_or_else(|| format!("{spec}: no such file or folder, and the history is off"))?;
    let run_id = match spec.strip_prefix("latest") {
        Some(rest) => {
            let back: u32 = match rest.strip_prefix('~') {
                Some(n) => n
                    .parse()
                    .map_err(|_| format!("{spec}: expected latest or latest~N"))?,
                None if rest.is_empty() => 0,
                None => return Err(format!("{spec}: expected latest or latest~N")),
            };
            let runs = history
                .list(&history::Filter {
                    limit: Some(back + 1),
                    ..history::Filter::default()
                })
                .await
                .map_err(|error| error.to_string())?;
            runs.get(back as usize)
                .map(|run| run.run_id.clone())
                .ok_or_else(|| {
                    format!(
                        "{spec}: the history {} holds {} runs",
                        history.url(),
                        runs.len()
                    )
                })?
        }
        None => spec.to_owned(),
    };
    let (report, folder) = history
        .load_with_folder(&run_id)
        .await
        .map_err(|error| error.to_string())?
        .ok_or_else(|| {
            format!(
                "{spec}: no such file or folder, nor a run in the history {}",
                history.url()
            )
        })?;
    // Its interval logs, if its folder is still there.
    let intervals = folder
        .map(PathBuf::from)
        .filter(|dir| dir.is_dir())
        .map(|dir| interval_logs(&report, &dir))
        .unwrap_or_default();
    Ok(Run { report, intervals })
}
