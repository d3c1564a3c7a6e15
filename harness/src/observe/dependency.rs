//! The stack's dependencies, its PostgreSQL and its Redis, sampled as part of the stack: what
//! serves the system under test is not other load, and a run that called PostgreSQL's CPU
//! "other processes" was judged invalid for the work of its own database (issue 26). On
//! this machine (a loopback URL) a dependency is the process that listens on its port, with
//! its children (PostgreSQL's backends), read from `/proc`; elsewhere, its own account of
//! itself: Redis's `INFO` (`used_cpu_sys` + `used_cpu_user`, `used_memory_rss`) and
//! PostgreSQL's `pg_stat_database` for the URL's database (`active_time`: the time its
//! sessions spent running statements, an upper bound of their CPU; no memory).

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::sampler::Sample;

/// How a dependency is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reading {
    /// A local server: its process and children.
    Tree(u32),
    /// Redis's `INFO` at this address (with its password, if the URL has one).
    RedisInfo {
        addr: String,
        password: Option<String>,
    },
    /// PostgreSQL's `pg_stat_database`, through this URL.
    PgStat(String),
}

impl Reading {
    /// The report's name for the source.
    pub fn source(&self) -> &'static str {
        match self {
            Reading::Tree(_) => "proc (process and children)",
            Reading::RedisInfo { .. } => "redis INFO",
            Reading::PgStat(_) => "pg_stat_database active_time",
        }
    }
}

/// How to read the dependency `kind` (`postgresql` or `redis`) that `url` names; `None` for
/// a URL of another kind (an SQLite file is the Orchestrator's own memory and CPU).
pub fn locate(kind: &str, url: &str) -> Option<Reading> {
    let parsed = reqwest::Url::parse(url).ok()?;
    let default_port = match (kind, parsed.scheme()) {
        ("postgresql", "postgres" | "postgresql") => 5432,
        ("redis", "redis") => 6379,
        _ => return None,
    };
    let port = parsed.port().unwrap_or(default_port);
    let host = parsed.host_str().unwrap_or("localhost");
    let local =
        matches!(host, "localhost" | "127.0.0.1" | "[::1]" | "::1") || host.starts_with("127.");
    if local && let Some(pid) = procstat::listener(port) {
        return Some(Reading::Tree(pid));
    }
    Some(match kind {
        "redis" => Reading::RedisInfo {
            addr: format!("{host}:{port}"),
            password: parsed.password().map(str::to_owned),
        },
        _ => Reading::PgStat(url.to_owned()),
    })
}

/// One reading of the dependency; `None` when it cannot be read now (down for a fault, say).
pub async fn read(reading: &Reading) -> Option<Sample> {
    match reading {
        Reading::Tree(pid) => procstat::tree(*pid).ok(),
        Reading::RedisInfo { addr, password } => tokio::time::timeout(
            Duration::from_secs(2),
            redis_info(addr, password.as_deref()),
        )
        .await
        .ok()?
        .ok(),
        Reading::PgStat(url) => tokio::time::timeout(Duration::from_secs(2), pg_active(url))
            .await
            .ok()?
            .ok(),
    }
}

/// Redis's own CPU and resident memory, from `INFO` over RESP.
async fn redis_info(addr: &str, password: Option<&str>) -> std::io::Result<Sample> {
    let mut stream = tokio::net::TcpStream::connect(addr).await?;
    let mut command = Vec::new();
    if let Some(password) = password {
        command.extend_from_slice(&resp(&["AUTH", password]));
    }
    command.extend_from_slice(&resp(&["INFO"]));
    stream.write_all(&command).await?;
    let mut reply = Vec::new();
    let mut chunk = [0u8; 8192];
    // The INFO reply is one bulk string: `$N\r\n` then N bytes.
    loop {
        let read = stream.read(&mut chunk).await?;
        if read == 0 {
            break;
        }
        reply.extend_from_slice(&chunk[..read]);
        let text = String::from_utf8_lossy(&reply);
        if let Some(sample) = parse_info(&text) {
            return Ok(sample);
        }
        if text.starts_with('-') || text.contains("\r\n-") {
            break;
        }
    }
    Err(std::io::Error::other(format!(
        "no INFO from Redis at {addr}: {}",
        String::from_utf8_lossy(&reply).lines().next().unwrap_or("")
    )))
}

/// A command in RESP: an array of bulk strings.
fn resp(parts: &[&str]) -> Vec<u8> {
    let mut out = format!("*{}\r\n", parts.len()).into_bytes();
    for part in parts {
        out.extend_from_slice(format!("${}\r\n{part}\r\n", part.len()).as_bytes());
    }
    out
}

/// CPU and memory from an INFO reply, once the reply holds both.
fn parse_info(text: &str) -> Option<Sample> {
    let field = |name: &str| {
        text.lines()
            .find_map(|line| line.strip_prefix(name)?.strip_prefix(':'))
            .and_then(|value| value.trim().parse::<f64>().ok())
    };
    Some(Sample {
        cpu_seconds: field("used_cpu_sys")? + field("used_cpu_user")?,
        rss_bytes: field("used_memory_rss")? as u64,
        rss_peak_bytes: None,
    })
}

/// PostgreSQL's time in statements for the URL's database, in seconds (PostgreSQL 14 and
/// later), as the CPU reading; no memory.
async fn pg_active(url: &str) -> Result<Sample, String> {
    let seconds = history::database_active_seconds(url)
        .await
        .map_err(|error| error.to_string())?;
    Ok(Sample {
        cpu_seconds: seconds,
        rss_bytes: 0,
        rss_peak_bytes: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_locate_their_dependency_and_info_is_parsed() {
        assert_eq!(locate("postgresql", "sqlite:///tmp/x.db"), None);
        assert_eq!(locate("redis", "postgres://db.example:5432/test"), None);
        assert_eq!(
            locate("postgresql", "postgres://u:p@db.example:6000/test"),
            Some(Reading::PgStat(
                "postgres://u:p@db.example:6000/test".into()
            ))
        );
        assert_eq!(
            locate("redis", "redis://:secret@cache.example"),
            Some(Reading::RedisInfo {
                addr: "cache.example:6379".into(),
                password: Some("secret".into())
            })
        );
        // A local port nobody listens on: read by its own statistics.
        let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = free.local_addr().unwrap().port();
        drop(free);
        assert!(matches!(
            locate("redis", &format!("redis://127.0.0.1:{port}")),
            Some(Reading::RedisInfo { .. })
        ));
        let info = "$60\r\n# CPU\r\nused_cpu_sys:1.50\r\nused_cpu_user:2.25\r\n# Memory\r\nused_memory_rss:1048576\r\n";
        let sample = parse_info(info).unwrap();
        assert!((sample.cpu_seconds - 3.75).abs() < 1e-9);
        assert_eq!(sample.rss_bytes, 1 << 20);
        assert_eq!(parse_info("$10\r\nused_cpu_sys:1\r\n"), None);
    }

    /// The machine's Redis (`REDIS_URL`), found as a local process and read through INFO: both
    /// readings see the CPU a burst of commands costs it.
    #[tokio::test]
    async fn a_local_redis_is_read_as_a_process_and_through_info() {
        let Ok(url) = std::env::var("REDIS_URL") else {
            assert!(
                std::env::var("CI").is_err(),
                "REDIS_URL is not set, and CI needs this test"
            );
            return;
        };
        let reading = locate("redis", &url).expect("a redis URL");
        let parsed = reqwest::Url::parse(&url).unwrap();
        let info = Reading::RedisInfo {
            addr: format!(
                "{}:{}",
                parsed.host_str().unwrap(),
                parsed.port().unwrap_or(6379)
            ),
            password: parsed.password().map(str::to_owned),
        };
        let before = (read(&reading).await, read(&info).await.expect("INFO read"));
        let mut stream = tokio::net::TcpStream::connect(match &info {
            Reading::RedisInfo { addr, .. } => addr.clone(),
            _ => unreachable!(),
        })
        .await
        .unwrap();
        // 200,000 PINGs in one write, their answers read back.
        let pings = resp(&["PING"]).repeat(200_000);
        stream.write_all(&pings).await.unwrap();
        let mut seen = 0;
        let mut chunk = [0u8; 65536];
        while seen < 200_000 * 7 {
            seen += stream.read(&mut chunk).await.unwrap();
        }
        let after = (read(&reading).await, read(&info).await.expect("INFO read"));
        assert!(
            after.1.cpu_seconds > before.1.cpu_seconds,
            "{before:?} {after:?}"
        );
        assert!(after.1.rss_bytes > 0);
        if let (Reading::Tree(_), Some(start), Some(end)) = (&reading, before.0, after.0) {
            assert!(end.cpu_seconds > start.cpu_seconds, "{start:?} {end:?}");
        }
    }
}
