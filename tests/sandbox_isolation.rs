//! A job runs in its own namespaces: it sees only its own processes, only
//! loopback, a read-only host root, its own hostname, and writable /work and /tmp.

mod common;

use common::jobs::{Probe, SandboxView};

workernator::init_before_main!();

/// Starts a probe in `test`'s runner that stays `linger_ms` after looking.
fn start_probe(test: &common::TestRunner, linger_ms: u64) -> workernator::JobHandle<Probe> {
    test.runner
        .start(Probe {
            host_pid: std::process::id() as i32,
            state_dir: test.dir.path().display().to_string(),
            linger_ms,
        })
        .unwrap()
}

/// Waits for a probe, checks what it saw and what it left, and returns it.
fn wait_isolated(test: &common::TestRunner, job: workernator::JobHandle<Probe>) -> SandboxView {
    let view = common::rt().block_on(job.wait()).unwrap();
    assert_isolated(&view, job.id().as_str());
    assert!(test.cgroup_left(job.id().as_str()).is_empty());
    let left = test.work_left(job.id().as_str());
    assert!(left.is_empty(), "work dir emptied: {left:?}");
    view
}

#[test]
fn the_sandbox_is_isolated() {
    if !common::privileged("the_sandbox_is_isolated") {
        return;
    }
    let test = common::runner();
    wait_isolated(&test, start_probe(&test, 0));
}

/// After its first start, a runner's launcher builds a root template, and
/// later sandboxes copy it instead of building their own root: they must
/// see exactly what a sandbox that built its own sees, and nothing of one
/// another (a /tmp of their own, a /dev no job writes to).
#[test]
fn sandboxes_copied_from_a_root_template_are_isolated_alike() {
    if !common::privileged("sandboxes_copied_from_a_root_template_are_isolated_alike") {
        return;
    }
    let test = common::runner();
    // Built its own root; the launcher builds the template once idle.
    let built = wait_isolated(&test, start_probe(&test, 0));
    std::thread::sleep(std::time::Duration::from_millis(100));
    // Two at once, each alive while the other looks.
    let first = start_probe(&test, 300);
    let second = start_probe(&test, 300);
    let copies = [wait_isolated(&test, first), wait_isolated(&test, second)];
    assert_eq!(
        copies[0].root_device, copies[1].root_device,
        "two live sandboxes share the template's root (two that built their own could not)"
    );
    for copy in &copies {
        assert_eq!(copy.devices, built.devices, "the same /dev");
    }
}

/// What every sandbox must see, whichever way its root was made.
fn assert_isolated(view: &SandboxView, id: &str) {
    assert_eq!(
        view.pid, 2,
        "the job is the first child of the sandbox's PID 1"
    );
    assert_eq!(
        view.visible_pids,
        vec![1, 2],
        "only the sandbox's processes are visible"
    );
    assert_eq!(view.signal_host_pid, "ESRCH: No such process");
    assert_eq!(view.interfaces, vec!["lo".to_owned()], "only loopback");
    assert!(view.loopback_works, "loopback is up");
    assert_eq!(view.write_etc, format!("{:?}", Some(libc::EROFS)));
    assert_eq!(view.write_usr, format!("{:?}", Some(libc::EROFS)));
    assert!(view.write_work && view.write_tmp, "{view:?}");
    assert_eq!(view.cwd, "/work");
    assert_eq!(view.hostname, format!("job-{}", &id[..12]));
    let host_name = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap();
    assert_ne!(view.hostname, host_name.trim());
    assert!(
        !matches!(&view.state_dir_listing, Ok(names) if names.iter().any(|n| n == "jobs")),
        "the state directory is hidden: {:?}",
        view.state_dir_listing
    );
    for device in ["full", "null", "random", "tty", "urandom", "zero"] {
        assert!(
            view.devices.iter().any(|d| d == device),
            "{device} missing: {:?}",
            view.devices
        );
    }
    assert!(
        !view
            .devices
            .iter()
            .any(|d| d == "sda" || d == "vda" || d == "mem"),
        "{:?}",
        view.devices
    );
    assert!(view.tmp_before.is_empty(), "a /tmp of its own: {view:?}");
    assert_ne!(view.write_dev, "written", "/dev is not writable");
}
