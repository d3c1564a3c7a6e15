//! Dependencies of the harness's own for a fault scenario that breaks them: a `redis-server`
//! on a free loopback port, and a PostgreSQL cluster in a folder of the run (`initdb`, then
//! `postgres`), so that the machine's shared Redis and PostgreSQL are never touched.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

use super::process::{Launch, Ready, Service, start};

/// A loopback port free now (the kernel's pick, released at once for the process to bind).
fn free_port() -> anyhow::Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").context("finding a free port")?;
    Ok(listener.local_addr()?.port())
}

/// A Redis of its own: nothing saved, bound to loopback. Started now unless `down_at_start`
/// (a fault that starts it later).
pub async fn own_redis(logs_dir: &Path, down_at_start: bool) -> anyhow::Result<Service> {
    let program = which("redis-server").context(
        "a fault scenario that breaks Redis runs a redis-server of its own, and none is on PATH (apt-get install -y redis-server)",
    )?;
    let port = free_port()?;
    let launch = Launch {
        program,
        args: [
            "--port",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ]
        .map(str::to_owned)
        .to_vec(),
        envs: Vec::new(),
        log_path: logs_dir.join("redis.log"),
        cpus: Vec::new(),
        user: None,
        ready: Ready::Accepts(port),
    };
    dependency(
        "redis",
        format!("redis://127.0.0.1:{port}"),
        launch,
        down_at_start,
    )
    .await
}

/// A PostgreSQL cluster of its own in `data_dir` (made by `initdb`), trust authentication on
/// loopback TCP only. Run as the `postgres` user when the harness is root, as PostgreSQL
/// requires.
pub async fn own_postgres(data_dir: &Path, logs_dir: &Path) -> anyhow::Result<Service> {
    let bin = postgres_bin_dir().context(
        "a fault scenario that breaks PostgreSQL runs a cluster of its own, and no initdb was found on PATH or in /usr/lib/postgresql/*/bin (apt-get install -y postgresql)",
    )?;
    let user = run_as_user()?;
    if data_dir.exists() {
        std::fs::remove_dir_all(data_dir)
            .with_context(|| format!("removing the old cluster {}", data_dir.display()))?;
    }
    std::fs::create_dir_all(data_dir)
        .with_context(|| format!("creating {}", data_dir.display()))?;
    if let Some((uid, gid)) = user {
        std::os::unix::fs::chown(data_dir, Some(uid), Some(gid))
            .with_context(|| format!("giving {} to the postgres user", data_dir.display()))?;
    }
    let log_path = logs_dir.join("postgres.log");
    let log = std::fs::File::create(&log_path)
        .with_context(|| format!("creating {}", log_path.display()))?;
    let mut initdb = tokio::process::Command::new(bin.join("initdb"));
    initdb
        .args(["-D"])
        .arg(data_dir)
        .args(["-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"])
        .stdin(std::process::Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log);
    if let Some((uid, gid)) = user {
        initdb.uid(uid).gid(gid);
    }
    let status = initdb.status().await.context("running initdb")?;
    if !status.success() {
        bail!("initdb failed ({status}); see {}", log_path.display());
    }
    let port = free_port()?;
    let launch = Launch {
        program: bin.join("postgres"),
        args: vec![
            "-D".to_owned(),
            data_dir.display().to_string(),
            "-p".to_owned(),
            port.to_string(),
            "-c".to_owned(),
            "listen_addresses=127.0.0.1".to_owned(),
            "-c".to_owned(),
            "unix_socket_directories=".to_owned(),
        ],
        envs: Vec::new(),
        log_path,
        cpus: Vec::new(),
        user,
        ready: Ready::Accepts(port),
    };
    let url = format!("postgres://postgres@127.0.0.1:{port}/postgres");
    let mut service = dependency("postgres", url, launch, true).await?;
    // Appended to initdb's log.
    service.restart().await?;
    Ok(service)
}

async fn dependency(
    name: &'static str,
    url: String,
    launch: Launch,
    down_at_start: bool,
) -> anyhow::Result<Service> {
    let mut service = Service {
        component: name,
        name: name.to_owned(),
        pid: 0,
        base_url: url,
        child: None,
        launch,
    };
    if !down_at_start {
        let (child, _) = start(&service.launch, name, 0, false).await?;
        service.pid = child.id().unwrap_or_default();
        service.child = Some(child);
    }
    Ok(service)
}

/// The user to run PostgreSQL as: `postgres` when the harness is root, else the harness's own.
fn run_as_user() -> anyhow::Result<Option<(u32, u32)>> {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return Ok(None);
    }
    let name = std::ffi::CString::new("postgres").expect("no NUL");
    // SAFETY: getpwnam reads a static record; it is copied out before any other call.
    let entry = unsafe { libc::getpwnam(name.as_ptr()) };
    if entry.is_null() {
        bail!("PostgreSQL will not run as root, and there is no `postgres` user to run it as");
    }
    // SAFETY: checked non-null just above.
    let (uid, gid) = unsafe { ((*entry).pw_uid, (*entry).pw_gid) };
    Ok(Some((uid, gid)))
}

fn which(program: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .map(|dir| dir.join(program))
            .find(|candidate| candidate.is_file())
    })
}

/// The folder of `initdb` and `postgres`: on PATH, or the newest `/usr/lib/postgresql/N/bin`.
fn postgres_bin_dir() -> Option<PathBuf> {
    if let Some(initdb) = which("initdb") {
        return initdb.parent().map(Path::to_path_buf);
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|entry| {
            let entry = entry.ok()?;
            let version = entry.file_name().to_str()?.parse().ok()?;
            let bin = entry.path().join("bin");
            bin.join("initdb").is_file().then_some((version, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin)
}
