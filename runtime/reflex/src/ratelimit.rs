//! A per-user token bucket: `burst` tokens at most, refilled at `per_second`.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

/// Users are spread over shards so concurrent requests of different users rarely contend.
const SHARDS: usize = 16;
/// Past this many users in one shard, buckets that are full again are dropped.
const PRUNE_AT: usize = 4096;

pub struct RateLimiter {
    per_second: f64,
    burst: f64,
    shards: Vec<Mutex<HashMap<String, Bucket>>>,
}

struct Bucket {
    tokens: f64,
    updated: Instant,
}

impl RateLimiter {
    pub fn new(per_second: f64, burst: f64) -> RateLimiter {
        RateLimiter {
            per_second,
            burst: burst.max(1.0),
            shards: (0..SHARDS).map(|_| Mutex::new(HashMap::new())).collect(),
        }
    }

    /// Takes one token from `user`'s bucket; false when the bucket is empty.
    pub fn allow(&self, user: &str) -> bool {
        self.allow_at(user, Instant::now())
    }

    fn allow_at(&self, user: &str, now: Instant) -> bool {
        let shard_idx = user
            .bytes()
            .fold(0usize, |acc, b| acc.wrapping_mul(31).wrapping_add(b.into()))
            % SHARDS;
        let mut shard = self.shards[shard_idx].lock().expect("rate limiter lock");
        if shard.len() >= PRUNE_AT && !shard.contains_key(user) {
            let (per_second, burst) = (self.per_second, self.burst);
            shard.retain(|_, bucket| {
                bucket.tokens + now.duration_since(bucket.updated).as_secs_f64() * per_second
                    < burst
            });
        }
        let bucket = match shard.get_mut(user) {
            Some(bucket) => bucket,
            None => shard.entry(user.to_owned()).or_insert(Bucket {
                tokens: self.burst,
                updated: now,
            }),
        };
        let elapsed = now.saturating_duration_since(bucket.updated).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * self.per_second).min(self.burst);
        bucket.updated = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_burst_is_allowed_then_refilled_at_the_rate() {
        let limiter = RateLimiter::new(10.0, 3.0);
        let t0 = Instant::now();
        assert!(limiter.allow_at("ann", t0));
        assert!(limiter.allow_at("ann", t0));
        assert!(limiter.allow_at("ann", t0));
        assert!(!limiter.allow_at("ann", t0));
        // Another user has a bucket of their own.
        assert!(limiter.allow_at("bob", t0));
        // 10 tokens a second: one more after 100 ms.
        assert!(limiter.allow_at("ann", t0 + Duration::from_millis(100)));
        assert!(!limiter.allow_at("ann", t0 + Duration::from_millis(100)));
    }
}
