//! Readiness: every service of a stack, started or given, answers `GET /ready` with a 200
//! before any load is offered.

use std::time::Duration;

use anyhow::bail;

use super::Stack;

const READY_TIMEOUT: Duration = Duration::from_secs(30);

pub(super) async fn wait_all_ready(stack: &Stack) -> anyhow::Result<()> {
    let client = crate::stack::http_client();
    let urls = stack
        .services
        .iter()
        .map(|service| (service.name.clone(), service.base_url.clone()))
        .chain(
            stack
                .external
                .iter()
                .filter_map(|given| Some((given.name.clone(), given.base_url.clone()?))),
        );
    for (name, base) in urls {
        wait_ready(&client, &name, &base).await?;
    }
    Ok(())
}

/// Polls `GET {base}/ready` until it answers 200.
pub async fn wait_ready(client: &reqwest::Client, name: &str, base: &str) -> anyhow::Result<()> {
    let deadline = tokio::time::Instant::now() + READY_TIMEOUT;
    let url = format!("{base}/ready");
    let mut last = String::new();
    while tokio::time::Instant::now() < deadline {
        match client
            .get(&url)
            .timeout(Duration::from_secs(2))
            .send()
            .await
        {
            Ok(response) if response.status().is_success() => return Ok(()),
            Ok(response) => {
                last = format!(
                    "HTTP {}: {}",
                    response.status(),
                    response.text().await.unwrap_or_default()
                )
            }
            Err(error) => last = error.to_string(),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    bail!("{name} at {base} was not ready within {READY_TIMEOUT:?}: {last}")
}
