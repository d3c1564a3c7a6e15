//! Two-level cache of finished task views: L1 in process (moka), L2 in Redis when configured,
//! shared by every Orchestrator instance. Only terminal views are cached, since they no
//! longer change; a Redis failure is logged and treated as a miss, never as a request error.
//! Redis is optional at start too: when it cannot be reached, the service starts with L1
//! alone and connects in the background (the connection manager then reconnects by itself).

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use anyhow::Context;

use crate::store::redact;

pub struct TaskCache {
    l1: moka::sync::Cache<String, Arc<str>>,
    /// Set once connected; `None` when Redis is not configured.
    l2: Option<Arc<OnceLock<redis::aio::ConnectionManager>>>,
    l2_ttl_seconds: u64,
    /// Redis is skipped for a while after it failed or was slow.
    l2_skip: Skip,
}

/// The longest a Redis command may take before it counts as a miss: a cache that stalls is
/// worse than none (a Redis killed mid-run held every task's completion for seconds).
const L2_TIMEOUT: Duration = Duration::from_millis(100);

/// After Redis fails, it is skipped for a pause (250 ms doubling to 5 s) rather than waited
/// on by every request; logged once as it starts failing and once as it answers again.
#[derive(Default)]
struct Skip {
    state: std::sync::Mutex<SkipState>,
}

#[derive(Default)]
struct SkipState {
    until: Option<tokio::time::Instant>,
    pause: Duration,
}

impl Skip {
    fn lock(&self) -> std::sync::MutexGuard<'_, SkipState> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Whether Redis may be tried now.
    fn open(&self) -> bool {
        self.lock()
            .until
            .is_none_or(|until| tokio::time::Instant::now() >= until)
    }

    fn failed(&self, what: &str, error: &str) {
        let mut state = self.lock();
        if state.until.is_none() {
            tracing::warn!(
                error,
                "redis {what} failed: the L2 cache is skipped until it answers (misses meanwhile)"
            );
        }
        state.pause = (state.pause * 2).clamp(Duration::from_millis(250), Duration::from_secs(5));
        state.until = Some(tokio::time::Instant::now() + state.pause);
    }

    fn answered(&self) {
        let mut state = self.lock();
        if state.until.take().is_some() {
            tracing::info!("redis answers again: the L2 cache is on");
        }
        state.pause = Duration::ZERO;
    }
}

/// The first connection to Redis gets this long before the service starts without it.
const FIRST_CONNECT: Duration = Duration::from_secs(2);

/// Which level answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    L1,
    L2,
}

impl TaskCache {
    /// A cache whose L1 holds at most `l1_max_bytes` of views (each weighed by its JSON and
    /// its key, plus moka's own bookkeeping per entry): a count let a view of a 100 KB goal,
    /// which repeats the goal in its steps, weigh 0.7 MB, and ten thousand of them 7 GB.
    pub async fn new(
        redis_url: Option<&str>,
        l1_max_bytes: u64,
        ttl: Duration,
    ) -> anyhow::Result<TaskCache> {
        let l2 = match redis_url {
            Some(url) => {
                // A URL that does not parse is a mistake in the configuration: refuse to start.
                let client = redis::Client::open(url)
                    .with_context(|| format!("parsing the Redis URL {}", redact(url)))?;
                let slot = Arc::new(OnceLock::new());
                let shown = redact(url);
                match tokio::time::timeout(
                    FIRST_CONNECT,
                    redis::aio::ConnectionManager::new(client.clone()),
                )
                .await
                {
                    Ok(Ok(manager)) => {
                        let _ = slot.set(manager);
                    }
                    outcome => {
                        let error = match outcome {
                            Ok(Err(error)) => error.to_string(),
                            _ => format!("no answer in {FIRST_CONNECT:?}"),
                        };
                        tracing::warn!(
                            redis = shown,
                            error,
                            "Redis is unreachable: serving without the L2 cache, connecting in the background"
                        );
                        tokio::spawn(connect_in_background(client, slot.clone(), shown));
                    }
                }
                Some(slot)
            }
            None => None,
        };
        Ok(TaskCache {
            l1: moka::sync::Cache::builder()
                .max_capacity(l1_max_bytes)
                .weigher(|task_id: &String, view: &Arc<str>| {
                    u32::try_from(2 * task_id.len() + view.len() + 128).unwrap_or(u32::MAX)
                })
                .time_to_live(ttl)
                .build(),
            l2,
            l2_ttl_seconds: ttl.as_secs().max(1),
            l2_skip: Skip::default(),
        })
    }

    /// Bytes the L1 level holds now, by its weigher.
    pub fn l1_bytes(&self) -> u64 {
        self.l1.run_pending_tasks();
        self.l1.weighted_size()
    }

    pub async fn get(&self, task_id: &str) -> Option<(Arc<str>, Level)> {
        if let Some(hit) = self.l1.get(task_id) {
            return Some((hit, Level::L1));
        }
        let mut redis = self.connected()?;
        let value: Option<String> = self
            .bounded(
                "GET",
                redis::cmd("GET").arg(key(task_id)).query_async(&mut redis),
            )
            .await
            .flatten();
        let value: Arc<str> = value?.into();
        // Promote to L1 so the next read stays in process.
        self.l1.insert(task_id.to_owned(), value.clone());
        Some((value, Level::L2))
    }

    pub async fn put(&self, task_id: &str, view_json: Arc<str>) {
        self.l1.insert(task_id.to_owned(), view_json.clone());
        if let Some(mut redis) = self.connected() {
            let _: Option<()> = self
                .bounded(
                    "SET",
                    redis::cmd("SET")
                        .arg(key(task_id))
                        .arg(&*view_json)
                        .arg("EX")
                        .arg(self.l2_ttl_seconds)
                        .query_async(&mut redis),
                )
                .await;
        }
    }

    /// Runs a Redis command within [`L2_TIMEOUT`]; a failure or timeout is `None` (a miss)
    /// and makes Redis skipped for a while.
    async fn bounded<T>(
        &self,
        what: &str,
        command: impl std::future::Future<Output = redis::RedisResult<T>>,
    ) -> Option<T> {
        match tokio::time::timeout(L2_TIMEOUT, command).await {
            Ok(Ok(value)) => {
                self.l2_skip.answered();
                Some(value)
            }
            Ok(Err(error)) => {
                self.l2_skip.failed(what, &error.to_string());
                None
            }
            Err(_) => {
                self.l2_skip
                    .failed(what, &format!("no answer in {L2_TIMEOUT:?}"));
                None
            }
        }
    }

    /// The Redis connection, when configured, connected, and not skipped after a failure.
    fn connected(&self) -> Option<redis::aio::ConnectionManager> {
        if !self.l2_skip.open() {
            return None;
        }
        self.l2.as_ref()?.get().cloned()
    }

    /// PING Redis when configured, for `/ready`: an error says the L2 cache is unavailable
    /// (the service still works without it).
    pub async fn check(&self) -> Result<(), String> {
        let Some(slot) = &self.l2 else {
            return Ok(());
        };
        let Some(mut redis) = slot.get().cloned() else {
            return Err("redis: not connected yet (retrying in the background)".into());
        };
        let pong = tokio::time::timeout(
            Duration::from_secs(1),
            redis::cmd("PING").query_async::<String>(&mut redis),
        )
        .await;
        match pong {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(error)) => Err(format!("redis: {error}")),
            Err(_) => Err("redis: no answer to PING in 1 s".into()),
        }
    }
}

/// Connects to Redis with backoff (1 s doubling to 30 s) until it answers, then fills `slot`.
async fn connect_in_background(
    client: redis::Client,
    slot: Arc<OnceLock<redis::aio::ConnectionManager>>,
    shown: String,
) {
    let mut delay = Duration::from_secs(1);
    loop {
        tokio::time::sleep(delay).await;
        if let Ok(Ok(manager)) = tokio::time::timeout(
            FIRST_CONNECT,
            redis::aio::ConnectionManager::new(client.clone()),
        )
        .await
        {
            let _ = slot.set(manager);
            tracing::info!(redis = shown, "connected to Redis: the L2 cache is on");
            return;
        }
        delay = (delay * 2).min(Duration::from_secs(30));
    }
}

fn key(task_id: &str) -> String {
    format!("octoperf:task:{task_id}")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 23: the in-process level held 10,000 views whatever their size; a complex view
    /// repeats its goal about seven times, so views of 100 KB goals held 0.7 MB each.
    #[tokio::test]
    async fn the_in_process_level_is_bounded_in_bytes() {
        let cache = TaskCache::new(None, 1 << 20, Duration::from_secs(300))
            .await
            .unwrap();
        let view: Arc<str> = "x".repeat(100_000).into();
        for idx in 0..100 {
            cache.put(&format!("task-{idx}"), view.clone()).await;
        }
        let held = cache.l1_bytes();
        assert!(held > 0 && held <= 1 << 20, "{held} bytes held");
    }
}
