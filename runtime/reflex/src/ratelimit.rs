//! A per-user token bucket: `burst` tokens at most, refilled at `per_second`, for at most
//! `max_users` users at once.
//!
//! Bounded in bytes whatever callers send (issue 23): a bucket is keyed by a 64-bit keyed hash
//! of the user's name, never the name itself, so that a long name costs no more than a short
//! one; and each shard holds at most its share of `max_users`. A full shard first drops the
//! buckets that are full again (those users are as if never seen), then, if still full, the
//! least recently used eighth of its buckets: a user forgotten that way starts again with a
//! full bucket, which an attacker with that many names had anyway.

use std::collections::HashMap;
use std::hash::BuildHasher;
use std::sync::Mutex;
use std::time::Instant;

/// Users are spread over shards so concurrent requests of different users rarely contend.
const SHARDS: usize = 16;
/// The default bound on users tracked at once.
pub const DEFAULT_MAX_USERS: usize = 65_536;

pub struct RateLimiter {
    per_second: f64,
    burst: f64,
    per_shard: usize,
    hasher: foldhash::fast::RandomState,
    shards: Vec<Mutex<HashMap<u64, Bucket>>>,
}

struct Bucket {
    tokens: f64,
    updated: Instant,
}

impl RateLimiter {
    pub fn new(per_second: f64, burst: f64) -> RateLimiter {
        RateLimiter::bounded(per_second, burst, DEFAULT_MAX_USERS)
    }

    /// A limiter that tracks at most `max_users` users at once (rounded up to a multiple of
    /// its shards).
    pub fn bounded(per_second: f64, burst: f64, max_users: usize) -> RateLimiter {
        RateLimiter {
            per_second,
            burst: burst.max(1.0),
            per_shard: max_users.div_ceil(SHARDS).max(8),
            hasher: foldhash::fast::RandomState::default(),
            shards: (0..SHARDS).map(|_| Mutex::new(HashMap::new())).collect(),
        }
    }

    /// Takes one token from `user`'s bucket; false when the bucket is empty.
    pub fn allow(&self, user: &str) -> bool {
        self.allow_at(user, Instant::now())
    }

    /// Users tracked now, and the most it tracks.
    pub fn users(&self) -> (usize, usize) {
        let now: usize = self
            .shards
            .iter()
            .map(|shard| shard.lock().expect("rate limiter lock").len())
            .sum();
        (now, self.per_shard * SHARDS)
    }

    /// Bytes a tracked user costs at most: its key, its bucket and the map's own slot.
    pub const BYTES_PER_USER: usize =
        std::mem::size_of::<u64>() + std::mem::size_of::<Bucket>() + 16;

    fn allow_at(&self, user: &str, now: Instant) -> bool {
        let key = self.hasher.hash_one(user);
        let shard_idx = (key >> 60) as usize % SHARDS;
        let mut shard = self.shards[shard_idx].lock().expect("rate limiter lock");
        if shard.len() >= self.per_shard && !shard.contains_key(&key) {
            self.make_room(&mut shard, now);
        }
        let bucket = shard.entry(key).or_insert(Bucket {
            tokens: self.burst,
            updated: now,
        });
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

    /// Frees slots in a full shard: buckets full again first, then the least recently used.
    fn make_room(&self, shard: &mut HashMap<u64, Bucket>, now: Instant) {
        let (per_second, burst) = (self.per_second, self.burst);
        shard.retain(|_, bucket| {
            bucket.tokens + now.saturating_duration_since(bucket.updated).as_secs_f64() * per_second
                < burst
        });
        if shard.len() < self.per_shard {
            return;
        }
        let mut ages: Vec<Instant> = shard.values().map(|bucket| bucket.updated).collect();
        let evict = (self.per_shard / 8).max(1);
        let (_, cutoff, _) = ages.select_nth_unstable(evict - 1);
        let cutoff = *cutoff;
        let mut left = evict;
        shard.retain(|_, bucket| {
            if left > 0 && bucket.updated <= cutoff {
                left -= 1;
                false
            } else {
                true
            }
        });
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

    /// Issue 23: a shard was pruned only of full buckets, so users who each spent a token
    /// grew it without bound, and each kept its whole name (a megabyte a key, from a service
    /// key that names users).
    #[test]
    fn users_who_each_spend_a_token_stay_within_the_bound() {
        let limiter = RateLimiter::bounded(1.0, 10.0, 1024);
        let t0 = Instant::now();
        let long_name = "x".repeat(100_000);
        for idx in 0..20_000 {
            assert!(limiter.allow_at(&format!("{long_name}{idx}"), t0));
        }
        let (now, most) = limiter.users();
        assert!(most <= 1024 + SHARDS * 8, "{most}");
        assert!(now <= most, "{now} users tracked, bound {most}");
        // A user still in its bucket keeps its count.
        assert!(limiter.allow_at("ann", t0));
        for _ in 0..9 {
            assert!(limiter.allow_at("ann", t0));
        }
        assert!(!limiter.allow_at("ann", t0));
    }
}
