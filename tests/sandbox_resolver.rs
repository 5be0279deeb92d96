//! A job on the host's network resolves names as the host does, also where
//! /etc/resolv.conf links to a file the sandbox does not show (with
//! systemd-resolved, `/run/systemd/resolve/stub-resolv.conf`).
//!
//! The host's /etc/resolv.conf is left alone: the application runs in a
//! mount namespace of its own (`unshare --mount`), where a symbolic link
//! to a file under /var/tmp is mounted over it.

mod common;

use common::looks::{Look, Seen, look};
use std::ffi::CString;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use workernator::{Config, Runner, StartOptions, sandbox::NetworkMode};

workernator::init_before_main!();

const STUB_ENV: &str = "WORKERNATOR_TEST_RESOLVER_STUB";
const STATE_ENV: &str = "WORKERNATOR_TEST_RESOLVER_STATE";
const CGROUP_ENV: &str = "WORKERNATOR_TEST_RESOLVER_CGROUP";
const STUB: &str = "nameserver 192.0.2.53\n";

/// Mounts the symbolic link `link` itself (not what it leads to) over `target`.
fn mount_symlink_over(link: &Path, target: &Path) -> std::io::Result<()> {
    let link = CString::new(link.as_os_str().as_bytes()).unwrap();
    let target = CString::new(target.as_os_str().as_bytes()).unwrap();
    // SAFETY: open_tree(2) reads a NUL-terminated path that outlives the call.
    let tree = unsafe {
        libc::syscall(
            libc::SYS_open_tree,
            libc::AT_FDCWD,
            link.as_ptr(),
            libc::OPEN_TREE_CLONE | libc::OPEN_TREE_CLOEXEC | libc::AT_SYMLINK_NOFOLLOW as u32,
        )
    };
    if tree < 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: move_mount(2) reads two NUL-terminated strings that outlive
    // the call; `tree` is the descriptor open_tree returned.
    let moved = unsafe {
        libc::syscall(
            libc::SYS_move_mount,
            tree as libc::c_int,
            c"".as_ptr(),
            libc::AT_FDCWD,
            target.as_ptr(),
            libc::MOVE_MOUNT_F_EMPTY_PATH,
        )
    };
    let result = match moved {
        0 => Ok(()),
        _ => Err(std::io::Error::last_os_error()),
    };
    // SAFETY: `tree` is ours, closed once.
    unsafe { libc::close(tree as libc::c_int) };
    result
}

/// The application side, in a mount namespace of its own; does nothing
/// unless started by the test below. Prints what a job on the host's
/// network and one on its own read of /etc/resolv.conf.
#[test]
fn resolver_app() {
    let (Ok(stub), Ok(state), Ok(cgroup)) = (
        std::env::var(STUB_ENV),
        std::env::var(STATE_ENV),
        std::env::var(CGROUP_ENV),
    ) else {
        return;
    };
    let stub = Path::new(&stub);
    let link = stub.with_file_name("resolv.conf");
    std::os::unix::fs::symlink(stub, &link).unwrap();
    mount_symlink_over(&link, Path::new("/etc/resolv.conf")).expect("mount the link");
    assert_eq!(std::fs::read_to_string("/etc/resolv.conf").unwrap(), STUB);
    let runner = Runner::open(Config::default().state_dir(state).cgroup_parent(cgroup))
        .expect("open runner");
    for network in [NetworkMode::Host, NetworkMode::None] {
        let seen = look(
            &runner,
            vec![Look::Read("/etc/resolv.conf".into())],
            StartOptions::new().network(network),
        );
        println!("seen {}", serde_json::to_string(&seen[0]).unwrap());
    }
}

#[test]
fn a_host_network_job_reads_a_resolver_config_kept_under_run() {
    if !common::privileged("a_host_network_job_reads_a_resolver_config_kept_under_run") {
        return;
    }
    let hidden = tempfile::Builder::new()
        .prefix("workernator-test-resolver-")
        .tempdir_in("/var/tmp")
        .unwrap();
    std::fs::set_permissions(hidden.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let stub = hidden.path().join("stub-resolv.conf");
    std::fs::write(&stub, STUB).unwrap();
    let test = common::runner();
    let output = std::process::Command::new("unshare")
        .args(["--mount", "--propagation", "private"])
        .arg(std::env::current_exe().unwrap())
        .args([
            "resolver_app",
            "--exact",
            "--nocapture",
            "--test-threads=1",
            "-q",
        ])
        .env(STUB_ENV, &stub)
        .env(STATE_ENV, test.dir.path())
        .env(CGROUP_ENV, &test.cgroup_parent)
        .stderr(std::process::Stdio::inherit())
        .output()
        .expect("run unshare");
    assert!(output.status.success(), "the application failed");
    let seen: Vec<Seen> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| Some(serde_json::from_str(line.strip_prefix("seen ")?).unwrap()))
        .collect();
    assert_eq!(seen.len(), 2, "{}", String::from_utf8_lossy(&output.stdout));
    assert!(
        seen[0].ok && seen[0].detail == STUB,
        "host network: {:?}",
        seen[0]
    );
    // On its own network, no name server is reachable anyway: the link
    // leads to nothing (the mount point's empty file).
    assert!(seen[1].gave_nothing(), "own network: {:?}", seen[1]);
}
