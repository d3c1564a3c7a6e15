//! Dependencies of the harness's own for a fault scenario that breaks them: a `redis-server`
//! on a free loopback port, and a PostgreSQL cluster in a private folder of its own (`initdb`,
//! then `postgres`), so that the machine's shared Redis and PostgreSQL are never touched. Each
//! gets a password made for the run (issue 23: without one, any local user could connect
//! during a run, and PostgreSQL's superuser can run programs), given to the Orchestrator in its
//! environment.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

use super::process::{Launch, Ready, Service, start};

/// A loopback port free now (the kernel's pick, released at once for the process to bind).
fn free_port() -> anyhow::Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").context("finding a free port")?;
    Ok(listener.local_addr()?.port())
}

/// A password made for the run: 32 random bytes in hex.
fn password() -> String {
    let bytes: [u8; 32] = rand::random();
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// Writes `text` to a new file only its owner may read.
fn write_private(path: &Path, text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("creating {}", path.display()))?;
    file.write_all(text.as_bytes())
        .with_context(|| format!("writing {}", path.display()))
}

/// A Redis of its own: nothing saved, bound to loopback, behind a password made for the run
/// (in a configuration file only the harness's user reads, not on the command line). Started
/// now unless `down_at_start` (a fault that starts it later).
pub async fn own_redis(
    scratch: &Path,
    logs_dir: &Path,
    down_at_start: bool,
) -> anyhow::Result<Service> {
    let program = which("redis-server").context(
        "a fault scenario that breaks Redis runs a redis-server of its own, and none is on PATH (apt-get install -y redis-server)",
    )?;
    let port = free_port()?;
    let password = password();
    let config = scratch.join("redis.conf");
    write_private(
        &config,
        &format!("port {port}\nbind 127.0.0.1\nsave \"\"\nappendonly no\nrequirepass {password}\n"),
    )?;
    let launch = Launch {
        program,
        args: vec![config.display().to_string()],
        envs: Vec::new(),
        log_path: logs_dir.join("redis.log"),
        cpus: Vec::new(),
        user: None,
        ready: Ready::Accepts(port),
    };
    dependency(
        "redis",
        format!("redis://:{password}@127.0.0.1:{port}"),
        launch,
        down_at_start,
    )
    .await
}

/// A private folder for a dependency's files, outside the run's output folder: in the
/// system's temporary folder, which every user may enter, so that PostgreSQL, run as the
/// `postgres` user, reaches its data even when the output folder is private (issue 23:
/// `--out` made by `mktemp -d`, mode 700, failed `initdb`). Removed when dropped.
pub fn scratch_dir() -> anyhow::Result<tempfile::TempDir> {
    tempfile::Builder::new()
        .prefix("octoperf-deps-")
        .tempdir()
        .context("creating a private folder for the fault scenario's own Redis and PostgreSQL")
}

/// A PostgreSQL cluster of its own in `scratch` (made by `initdb`), password authentication
/// (SCRAM, a password made for the run) on loopback TCP only. Run as the `postgres` user
/// when the harness is root, as PostgreSQL requires.
pub async fn own_postgres(scratch: &Path, logs_dir: &Path) -> anyhow::Result<Service> {
    let bin = postgres_bin_dir().context(
        "a fault scenario that breaks PostgreSQL runs a cluster of its own, and no initdb was found on PATH or in /usr/lib/postgresql/*/bin (apt-get install -y postgresql)",
    )?;
    let user = run_as_user()?;
    let data_dir = scratch.join("postgres-data");
    std::fs::create_dir_all(&data_dir)
        .with_context(|| format!("creating {}", data_dir.display()))?;
    let password = password();
    let password_file = scratch.join("postgres-password");
    write_private(&password_file, &format!("{password}\n"))?;
    if let Some((uid, gid)) = user {
        for path in [scratch, data_dir.as_path(), password_file.as_path()] {
            std::os::unix::fs::chown(path, Some(uid), Some(gid))
                .with_context(|| format!("giving {} to the postgres user", path.display()))?;
        }
    }
    let log_path = logs_dir.join("postgres.log");
    let log = std::fs::File::create(&log_path)
        .with_context(|| format!("creating {}", log_path.display()))?;
    let mut initdb = tokio::process::Command::new(bin.join("initdb"));
    initdb
        .args(["-D"])
        .arg(&data_dir)
        .args([
            "-U",
            "postgres",
            "--auth=scram-sha-256",
            "-E",
            "UTF8",
            "--no-sync",
        ])
        .arg(format!("--pwfile={}", password_file.display()))
        .stdin(std::process::Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log);
    if let Some((uid, gid)) = user {
        initdb.uid(uid).gid(gid);
    }
    let status = initdb.status().await.context("running initdb")?;
    // The password is in the cluster now; its file is not needed any longer.
    let _ = std::fs::remove_file(&password_file);
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
    let url = format!("postgres://postgres:{password}@127.0.0.1:{port}/postgres");
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

#[cfg(test)]
mod tests {
    use super::*;

    /// `CI=true` requires the test to run; elsewhere it is skipped when `program` is missing.
    fn have(program: &str) -> bool {
        if which(program).is_some() || (program == "initdb" && postgres_bin_dir().is_some()) {
            return true;
        }
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "{program} is missing, and CI=true requires this test to run"
        );
        eprintln!("skipping: no {program}");
        false
    }

    /// A private output folder, as `mktemp -d` makes it (mode 700).
    fn private_dir() -> tempfile::TempDir {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
        dir
    }

    fn psql(url: &str) -> std::process::Output {
        std::process::Command::new("psql")
            .args(["-w", "-qAtc", "SELECT 1", url])
            .env_remove("PGPASSWORD")
            .output()
            .unwrap()
    }

    /// Issue 23: with `--out` in a private folder, `initdb` (run as the postgres user) could
    /// not enter it, and the cluster it made let anyone on the machine in without a password.
    #[tokio::test]
    async fn a_private_output_folder_starts_the_cluster_which_wants_its_password() {
        if !have("initdb") || !have("psql") {
            return;
        }
        let out = private_dir();
        let scratch = scratch_dir().unwrap();
        let mut postgres = own_postgres(scratch.path(), out.path()).await.unwrap();
        let url = postgres.base_url.clone();
        assert!(
            url.contains(":") && url.split('@').next().unwrap().len() > 30,
            "{url}"
        );
        let with = psql(&url);
        assert!(
            with.status.success(),
            "{}",
            String::from_utf8_lossy(&with.stderr)
        );
        let port = postgres.port();
        let without = psql(&format!("postgres://postgres@127.0.0.1:{port}/postgres"));
        assert!(!without.status.success(), "connected without the password");
        postgres.signal(libc::SIGINT);
        postgres.wait_down(std::time::Duration::from_secs(10)).await;
    }

    #[tokio::test]
    async fn the_own_redis_wants_its_password() {
        if !have("redis-server") || !have("redis-cli") {
            return;
        }
        let out = private_dir();
        let scratch = scratch_dir().unwrap();
        let mut redis = own_redis(scratch.path(), out.path(), false).await.unwrap();
        let port = redis.port().to_string();
        let password = redis.base_url.split(['@', ':']).nth(2).unwrap().to_owned();
        let ping = |password: Option<&str>| {
            let mut command = std::process::Command::new("redis-cli");
            command.args(["-h", "127.0.0.1", "-p", &port, "--no-auth-warning"]);
            if let Some(password) = password {
                command.args(["-a", password]);
            }
            let output = command.arg("ping").output().unwrap();
            String::from_utf8_lossy(&output.stdout).trim().to_owned()
        };
        assert_eq!(ping(Some(&password)), "PONG");
        assert_ne!(ping(None), "PONG");
        let config = std::fs::read_to_string(scratch.path().join("redis.conf")).unwrap();
        assert!(config.contains(&password));
        let cmdline = std::fs::read(format!("/proc/{}/cmdline", redis.pid)).unwrap();
        assert!(!String::from_utf8_lossy(&cmdline).contains(&password));
        redis.signal(libc::SIGTERM);
        redis.wait_down(std::time::Duration::from_secs(5)).await;
    }
}
