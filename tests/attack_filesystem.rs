//! Attacks on files: each must fail inside the sandbox.

mod common;

use common::attacks::{assert_all_refused, attempt};
use common::jobs::Attack;
use std::os::unix::fs::PermissionsExt;
use workernator::{StartOptions, sandbox::BindMount};

workernator::init_before_main!();

/// A 0700 directory with a 0600 secret, in a host directory the sandbox is
/// given read-only (the host's own private places, like /root, are not
/// there at all): the job's user may not read it. /etc/shadow too, where
/// the host has one.
#[test]
fn read_a_file_the_host_keeps_private() {
    if !common::privileged("read_a_file_the_host_keeps_private") {
        return;
    }
    let shared = tempfile::Builder::new()
        .prefix("workernator-test-shared-")
        .tempdir_in("/var/tmp")
        .unwrap();
    std::fs::set_permissions(shared.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let private = shared.path().join("private");
    std::fs::create_dir(&private).unwrap();
    std::fs::set_permissions(&private, std::fs::Permissions::from_mode(0o700)).unwrap();
    let secret = private.join("secret");
    std::fs::write(&secret, "the host's secret").unwrap();
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o600)).unwrap();
    let mut attacks = vec![
        Attack::ReadFile("/data/private/secret".into()),
        Attack::ListDir("/data/private".into()),
        Attack::ReadFile("/root/.bashrc".into()),
        Attack::ReadFile(secret.display().to_string()),
    ];
    if std::path::Path::new("/etc/shadow").exists() {
        attacks.push(Attack::ReadFile("/etc/shadow".into()));
    }
    let test = common::runner();
    let attempts = attempt(
        &test,
        attacks,
        StartOptions::new().bind(BindMount::read_only(shared.path(), "/data")),
    );
    assert_all_refused(&attempts);
    assert!(
        attempts[0].detail.contains("PermissionDenied"),
        "{:?}",
        attempts[0]
    );
}

#[test]
fn write_anywhere_outside_the_work_dir_and_tmp() {
    if !common::privileged("write_anywhere_outside_the_work_dir_and_tmp") {
        return;
    }
    let test = common::runner();
    let outside = [
        "/etc/workernator-attack",
        "/usr/workernator-attack",
        "/workernator-attack",
        "/var/tmp/workernator-attack",
        "/root/workernator-attack",
        "/dev/workernator-attack",
        "/dev/shm/../workernator-attack",
        "/proc/sys/kernel/hostname",
        "/proc/sysrq-trigger",
        "/sys/workernator-attack",
    ];
    let attacks = outside
        .iter()
        .map(|path| Attack::WriteFile((*path).into()))
        .collect();
    assert_all_refused(&attempt(&test, attacks, StartOptions::new()));
    for path in outside {
        assert!(
            !std::path::Path::new(path).exists() || path.starts_with("/proc"),
            "{path} appeared on the host"
        );
    }
    // The control: the job may write where it should.
    let allowed = attempt(
        &test,
        vec![
            Attack::WriteFile("/work/file".into()),
            Attack::WriteFile("/tmp/file".into()),
            Attack::WriteFile("/dev/shm/file".into()),
        ],
        StartOptions::new(),
    );
    assert!(allowed.iter().all(|a| a.allowed), "{allowed:#?}");
}

/// The state directory (here outside /tmp, so that only the hiding keeps it
/// out of sight) is not visible inside, not even the job's own files.
#[test]
fn read_the_state_directory() {
    if !common::privileged("read_the_state_directory") {
        return;
    }
    let state = tempfile::Builder::new()
        .prefix("workernator-test-state-")
        .tempdir_in("/var/tmp")
        .unwrap();
    let state_dir = state.path().display().to_string();
    let test = common::runner_with(|config| config.state_dir(state.path()));
    let attempts = attempt(
        &test,
        vec![
            Attack::ReadOwnSpec(state_dir.clone()),
            Attack::ListDir(format!("{state_dir}/jobs")),
            Attack::WriteFile(format!("{state_dir}/jobs/forged")),
        ],
        StartOptions::new(),
    );
    assert_all_refused(&attempts);
    assert!(
        std::fs::read_dir(state.path().join("jobs"))
            .unwrap()
            .count()
            >= 1
    );
}

/// /tmp is a tmpfs capped at its configured size: filling it stops there
/// with ENOSPC, not at the host's memory.
#[test]
fn exhaust_tmp_beyond_its_cap() {
    if !common::privileged("exhaust_tmp_beyond_its_cap") {
        return;
    }
    let cap: u64 = 8 << 20;
    let test = common::runner_with(|config| config.tmp_size_bytes(cap));
    let attempts = attempt(&test, vec![Attack::FillTmp(cap)], StartOptions::new());
    assert_all_refused(&attempts);
    assert!(
        attempts[0]
            .detail
            .contains(&format!("Some({})", libc::ENOSPC)),
        "{:?}",
        attempts[0]
    );
}
