//! Two-level cache of finished task views: L1 in process (moka), L2 in Redis when configured,
//! shared by every Orchestrator instance. Only terminal views are cached, since they no
//! longer change; a Redis failure is logged and treated as a miss, never as a request error.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;

pub struct TaskCache {
    l1: moka::sync::Cache<String, Arc<str>>,
    l2: Option<redis::aio::ConnectionManager>,
    l2_ttl_seconds: u64,
}

/// Which level answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    L1,
    L2,
}

impl TaskCache {
    pub async fn new(
        redis_url: Option<&str>,
        l1_capacity: u64,
        ttl: Duration,
    ) -> anyhow::Result<TaskCache> {
        let l2 = match redis_url {
            Some(url) => {
                let client = redis::Client::open(url)
                    .with_context(|| format!("parsing the Redis URL {url}"))?;
                let manager = redis::aio::ConnectionManager::new(client)
                    .await
                    .with_context(|| format!("connecting to Redis at {url}"))?;
                Some(manager)
            }
            None => None,
        };
        Ok(TaskCache {
            l1: moka::sync::Cache::builder()
                .max_capacity(l1_capacity)
                .time_to_live(ttl)
                .build(),
            l2,
            l2_ttl_seconds: ttl.as_secs().max(1),
        })
    }

    pub async fn get(&self, task_id: &str) -> Option<(Arc<str>, Level)> {
        if let Some(hit) = self.l1.get(task_id) {
            return Some((hit, Level::L1));
        }
        let mut redis = self.l2.clone()?;
        let value: Option<String> = match redis::cmd("GET")
            .arg(key(task_id))
            .query_async(&mut redis)
            .await
        {
            Ok(value) => value,
            Err(error) => {
                tracing::warn!(%error, task_id, "redis GET failed; treating as a miss");
                None
            }
        };
        let value: Arc<str> = value?.into();
        // Promote to L1 so the next read stays in process.
        self.l1.insert(task_id.to_owned(), value.clone());
        Some((value, Level::L2))
    }

    pub async fn put(&self, task_id: &str, view_json: Arc<str>) {
        self.l1.insert(task_id.to_owned(), view_json.clone());
        if let Some(mut redis) = self.l2.clone() {
            let outcome: redis::RedisResult<()> = redis::cmd("SET")
                .arg(key(task_id))
                .arg(&*view_json)
                .arg("EX")
                .arg(self.l2_ttl_seconds)
                .query_async(&mut redis)
                .await;
            if let Err(error) = outcome {
                tracing::warn!(%error, task_id, "redis SET failed");
            }
        }
    }

    /// PING Redis when configured, for `/ready`.
    pub async fn check(&self) -> Result<(), String> {
        let Some(mut redis) = self.l2.clone() else {
            return Ok(());
        };
        let pong: redis::RedisResult<String> = redis::cmd("PING").query_async(&mut redis).await;
        pong.map(|_| ()).map_err(|error| format!("redis: {error}"))
    }
}

fn key(task_id: &str) -> String {
    format!("octoperf:task:{task_id}")
}
