//! Tests of `stack`.

use super::*;

/// A stand-in for a service binary: it announces an address and then only waits, the
/// boundary this test is about being the process's life, not what it serves.
fn fake_service(dir: &Path, name: &str) {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join(name);
    std::fs::write(
        &path,
        "#!/bin/sh\necho 'listening on http://127.0.0.1:9'\nexec sleep 60\n",
    )
    .unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

fn alive(pid: u32) -> bool {
    // SAFETY: signal 0 only checks that the process exists.
    unsafe { libc::kill(pid as libc::pid_t, 0) == 0 }
}

#[tokio::test]
async fn a_dropped_stack_ends_every_process_it_started() {
    let dir = tempfile::tempdir().unwrap();
    fake_service(dir.path(), "reflex");
    let scenario = crate::spec::scenario::parse(
        "x.toml",
        "x",
        r#"
description = "x"
measures = ["latency.reflex"]
[stack]
start = ["reflex"]
[load]
model = "open"
rate = "1/s"
warmup = "0s"
duration = "1s"
[[requests]]
kind = "reflex_process"
"#,
    )
    .unwrap();
    let options = StartOptions {
        bin_dir: dir.path().to_path_buf(),
        run_dir: dir.path().join("run"),
        database_url: None,
        redis_url: None,
        targets: BTreeMap::new(),
        service_cpus: Vec::new(),
        profiling: false,
        heap_dir: None,
        keys: Keys::new(None),
    };
    let mut stack = Stack {
        endpoints: Endpoints::default(),
        services: Vec::new(),
        deps: Vec::new(),
        external: Vec::new(),
        dependencies: Vec::new(),
        logs: Vec::new(),
        keys: options.keys.clone(),
        scratch: Vec::new(),
    };
    start_into(&mut stack, &scenario, &options).await.unwrap();
    let pid = stack.services[0].pid;
    assert!(alive(pid));
    // Dropped, as on an error path, without `stop`.
    drop(stack);
    assert!(!alive(pid), "process {pid} outlived its stack");
}
