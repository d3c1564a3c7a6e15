//! `cargo xtask kubernetes`: the manifests of `deploy/kubernetes/` checked where no cluster
//! runs. Each overlay is rendered by `kubectl kustomize` (where kubectl is installed), every
//! container's resource limits are checked against the budget tables (`development` against
//! that column, `production` and `managed` against the production one), and every rendered
//! object is validated offline against the Kubernetes schemas by `kubernetes-validate`
//! (PyPI). The limits check also runs as a unit test on the files themselves (the base and
//! the production patch), so that the manifests and `scenarios/budgets.toml` cannot drift
//! apart even where kubectl is missing.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use anyhow::{Context, bail, ensure};

/// The overlays and what column of the budget tables each must carry.
pub const OVERLAYS: [(&str, &str); 3] = [
    ("overlays/development", "development"),
    ("overlays/production", "production"),
    ("overlays/managed", "production"),
];

/// The Kubernetes version the manifests are validated against.
pub const KUBERNETES_VERSION: &str = "1.31.0";

#[derive(Debug, clap::Args)]
pub struct KubernetesOpts {
    /// Render and check the limits only; do not run kubernetes-validate.
    #[arg(long)]
    pub no_validate: bool,
}

/// A budget's limits for one component: CPU in millicores, memory in bytes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    pub millicores: u64,
    pub bytes: u64,
}

/// Each component's limits from the budget file's `[[resources]]`, in `column`.
pub fn budget_limits(budgets: &str, column: &str) -> anyhow::Result<BTreeMap<String, Limits>> {
    let value: toml::Value = toml::from_str(budgets).context("the budget file")?;
    let mut out = BTreeMap::new();
    for row in value
        .get("resources")
        .and_then(toml::Value::as_array)
        .context("the budget file has no [[resources]]")?
    {
        let component = row
            .get("component")
            .and_then(toml::Value::as_str)
            .context("a [[resources]] row without component")?;
        let number = |field: &str| -> anyhow::Result<f64> {
            let cell = row
                .get(field)
                .and_then(|f| f.get(column))
                .with_context(|| format!("resources {component}: no {field}.{column}"))?;
            cell.as_float()
                .or_else(|| cell.as_integer().map(|i| i as f64))
                .with_context(|| format!("resources {component}: {field}.{column} is no number"))
        };
        out.insert(
            component.to_owned(),
            Limits {
                millicores: (number("cpu_cores")? * 1000.0).round() as u64,
                // The budget's MB are 10^6 bytes, as Kubernetes's `M`.
                bytes: (number("memory_mb")? * 1e6).round() as u64,
            },
        );
    }
    Ok(out)
}

/// A Kubernetes CPU quantity (`500m`, `2`, `"1.5"`) in millicores.
pub fn millicores(quantity: &str) -> anyhow::Result<u64> {
    let text = quantity.trim();
    if let Some(milli) = text.strip_suffix('m') {
        return milli.parse().with_context(|| format!("cpu {quantity:?}"));
    }
    let cores: f64 = text.parse().with_context(|| format!("cpu {quantity:?}"))?;
    Ok((cores * 1000.0).round() as u64)
}

/// A Kubernetes memory quantity (`100M`, `1Gi`, `2000000`) in bytes.
pub fn bytes(quantity: &str) -> anyhow::Result<u64> {
    let text = quantity.trim();
    let units: [(&str, u64); 8] = [
        ("Ki", 1 << 10),
        ("Mi", 1 << 20),
        ("Gi", 1 << 30),
        ("Ti", 1 << 40),
        ("k", 1_000),
        ("M", 1_000_000),
        ("G", 1_000_000_000),
        ("T", 1_000_000_000_000),
    ];
    for (suffix, factor) in units {
        if let Some(number) = text.strip_suffix(suffix) {
            let value: f64 = number
                .parse()
                .with_context(|| format!("memory {quantity:?}"))?;
            return Ok((value * factor as f64).round() as u64);
        }
    }
    text.parse().with_context(|| format!("memory {quantity:?}"))
}

/// The budget component a Deployment's container runs, by the Deployment's name.
fn component_of(deployment: &str) -> Option<&'static str> {
    match deployment {
        "reflex" => Some("reflex"),
        "orchestrator" => Some("orchestrator"),
        name if name.starts_with("arm-") => Some("arm"),
        _ => None,
    }
}

/// Every runtime container's limits in `docs` (Deployments, or patches of them) checked
/// against `budget`; returns how many were checked, or every mismatch.
pub fn check_limits(
    docs: &[serde_norway::Value],
    budget: &BTreeMap<String, Limits>,
) -> anyhow::Result<usize> {
    let mut checked = 0;
    let mut problems = Vec::new();
    for doc in docs {
        if doc.get("kind").and_then(|k| k.as_str()) != Some("Deployment") {
            continue;
        }
        let name = doc["metadata"]["name"].as_str().unwrap_or_default();
        let Some(component) = component_of(name) else {
            continue;
        };
        let want = budget
            .get(component)
            .with_context(|| format!("the budget file has no resources row {component}"))?;
        let containers = doc["spec"]["template"]["spec"]["containers"]
            .as_sequence()
            .with_context(|| format!("Deployment {name}: no containers"))?;
        for container in containers {
            let resources = &container["resources"];
            let text = |section: &str, field: &str| {
                let value = &resources[section][field];
                value
                    .as_str()
                    .map(str::to_owned)
                    .or_else(|| value.as_u64().map(|n| n.to_string()))
                    .or_else(|| value.as_f64().map(|n| n.to_string()))
            };
            let (Some(cpu), Some(memory)) = (text("limits", "cpu"), text("limits", "memory"))
            else {
                problems.push(format!("Deployment {name}: no cpu and memory limits"));
                continue;
            };
            let got = Limits {
                millicores: millicores(&cpu)?,
                bytes: bytes(&memory)?,
            };
            if got != *want {
                problems.push(format!(
                    "Deployment {name}: limits cpu {cpu}, memory {memory}; the budget's {component} row says {} millicores, {} bytes",
                    want.millicores, want.bytes
                ));
            }
            for (field, limit, read) in [
                (
                    "cpu",
                    got.millicores,
                    text("requests", "cpu").map(|q| millicores(&q)),
                ),
                (
                    "memory",
                    got.bytes,
                    text("requests", "memory").map(|q| bytes(&q)),
                ),
            ] {
                match read.transpose()? {
                    Some(request) if request <= limit => {}
                    Some(request) => problems.push(format!(
                        "Deployment {name}: {field} request {request} over its limit {limit}"
                    )),
                    None => problems.push(format!("Deployment {name}: no {field} request")),
                }
            }
            checked += 1;
        }
    }
    if !problems.is_empty() {
        bail!("{}", problems.join("\n"));
    }
    Ok(checked)
}

/// The YAML documents of a multi-document text.
pub fn documents(text: &str) -> anyhow::Result<Vec<serde_norway::Value>> {
    let mut docs = Vec::new();
    for doc in serde_norway::Deserializer::from_str(text) {
        let value = serde::Deserialize::deserialize(doc).context("a YAML document")?;
        if !matches!(value, serde_norway::Value::Null) {
            docs.push(value);
        }
    }
    Ok(docs)
}

/// Renders, checks and validates every overlay; the rendered files are left in
/// `target/kubernetes/`.
pub fn run(root: &Path, opts: &KubernetesOpts) -> anyhow::Result<u8> {
    let deploy = root.join("deploy/kubernetes");
    let budgets = std::fs::read_to_string(root.join("scenarios/budgets.toml"))
        .context("reading scenarios/budgets.toml")?;
    let out = crate::target_dir(root).join("kubernetes");
    std::fs::create_dir_all(&out).with_context(|| format!("creating {}", out.display()))?;
    let mut rendered = Vec::new();
    for (overlay, column) in OVERLAYS.iter().copied().chain([("load", "")]) {
        let output = Command::new("kubectl")
            .arg("kustomize")
            .arg(deploy.join(overlay))
            .output()
            .context("running kubectl kustomize (is kubectl installed?)")?;
        ensure!(
            output.status.success(),
            "kubectl kustomize {overlay}: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        );
        let text = String::from_utf8(output.stdout).context("kustomize's output")?;
        let docs = documents(&text).with_context(|| format!("{overlay}, rendered"))?;
        if !column.is_empty() {
            let checked =
                check_limits(&docs, &budget_limits(&budgets, column)?).with_context(|| {
                    format!("{overlay}: resource limits against the budget's {column} column")
                })?;
            ensure!(
                checked == 8,
                "{overlay}: {checked} runtime containers, expected 8"
            );
            println!(
                "{overlay}: {} objects; the limits of {checked} runtime containers equal the budget's {column} column",
                docs.len()
            );
        } else {
            println!("{overlay}: {} objects", docs.len());
        }
        let file = out.join(format!("{}.yaml", overlay.replace('/', "-")));
        std::fs::write(&file, &text).with_context(|| format!("writing {}", file.display()))?;
        rendered.push(file);
    }
    if opts.no_validate {
        return Ok(0);
    }
    rendered.push(deploy.join("report-reader.yaml"));
    let status = Command::new("python3")
        .args([
            "-m",
            "kubernetes_validate",
            "--strict",
            "--quiet",
            "--kubernetes-version",
            KUBERNETES_VERSION,
        ])
        .args(&rendered)
        .status()
        .context("running kubernetes-validate (pip install kubernetes-validate)")?;
    ensure!(
        status.success(),
        "kubernetes-validate found objects that do not match the Kubernetes {KUBERNETES_VERSION} schemas"
    );
    println!("every rendered object validates against the Kubernetes {KUBERNETES_VERSION} schemas");
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root() -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
    }

    fn budgets() -> String {
        std::fs::read_to_string(root().join("scenarios/budgets.toml")).unwrap()
    }

    #[test]
    fn quantities_read_as_kubernetes_reads_them() {
        assert_eq!(millicores("500m").unwrap(), 500);
        assert_eq!(millicores("2").unwrap(), 2000);
        assert_eq!(millicores("0.5").unwrap(), 500);
        assert_eq!(bytes("100M").unwrap(), 100_000_000);
        assert_eq!(bytes("1Gi").unwrap(), 1 << 30);
        assert!(bytes("lots").is_err());
    }

    /// The base's limits are the development column, the production patch's the
    /// production column: read from the files, so that this holds without kubectl.
    #[test]
    fn the_manifests_limits_equal_the_budget_tables() {
        let deploy = root().join("deploy/kubernetes");
        let budgets = budgets();
        let mut base = Vec::new();
        for file in ["reflex.yaml", "orchestrator.yaml", "arms.yaml"] {
            let text = std::fs::read_to_string(deploy.join("base").join(file)).unwrap();
            base.extend(documents(&text).unwrap());
        }
        let development = budget_limits(&budgets, "development").unwrap();
        assert_eq!(check_limits(&base, &development).unwrap(), 8);
        let patch =
            std::fs::read_to_string(deploy.join("overlays/production/resources.yaml")).unwrap();
        let production = budget_limits(&budgets, "production").unwrap();
        assert_eq!(
            check_limits(&documents(&patch).unwrap(), &production).unwrap(),
            8
        );
        // The check can fail: the base does not carry the production column.
        let error = check_limits(&base, &production).unwrap_err().to_string();
        assert!(
            error.contains("Deployment reflex: limits cpu 500m"),
            "{error}"
        );
    }

    /// Where kubectl is installed, the overlays as kustomize renders them.
    #[test]
    fn the_rendered_overlays_carry_their_columns() {
        if Command::new("kubectl")
            .arg("version")
            .arg("--client")
            .output()
            .is_err()
        {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "kubectl is missing and CI=true"
            );
            eprintln!("skipped: kubectl is not installed");
            return;
        }
        let budgets = budgets();
        for (overlay, column) in OVERLAYS {
            let output = Command::new("kubectl")
                .arg("kustomize")
                .arg(root().join("deploy/kubernetes").join(overlay))
                .output()
                .unwrap();
            assert!(output.status.success(), "{overlay}: {output:?}");
            let docs = documents(&String::from_utf8(output.stdout).unwrap()).unwrap();
            let checked = check_limits(&docs, &budget_limits(&budgets, column).unwrap())
                .unwrap_or_else(|error| panic!("{overlay}: {error}"));
            assert_eq!(checked, 8, "{overlay}");
            let kinds: Vec<&str> = docs.iter().filter_map(|d| d["kind"].as_str()).collect();
            for kind in [
                "HorizontalPodAutoscaler",
                "PodDisruptionBudget",
                "NetworkPolicy",
            ] {
                assert!(kinds.contains(&kind), "{overlay}: no {kind}");
            }
            let orchestrator = docs
                .iter()
                .find(|d| d["kind"] == "Deployment" && d["metadata"]["name"] == "orchestrator")
                .unwrap();
            assert!(
                orchestrator["spec"]["replicas"].as_u64().unwrap() >= 2,
                "{overlay}"
            );
        }
    }
}
