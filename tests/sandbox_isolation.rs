//! A job runs in its own namespaces: it sees only its own processes, only
//! loopback, a read-only host root, its own hostname, and writable /work and /tmp.

mod common;

use common::jobs::Probe;

workernator::init_before_main!();

#[test]
fn the_sandbox_is_isolated() {
    if !common::privileged("the_sandbox_is_isolated") {
        return;
    }
    let test = common::runner();
    let state_dir = test.dir.path().display().to_string();
    let job = test
        .runner
        .start(Probe {
            host_pid: std::process::id() as i32,
            state_dir,
        })
        .unwrap();
    let view = common::rt().block_on(job.wait()).unwrap();

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
    assert_eq!(view.hostname, format!("job-{}", &job.id().as_str()[..12]));
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
    assert!(test.cgroup_left(job.id().as_str()).is_empty());
    let left = test.work_left(job.id().as_str());
    assert!(left.is_empty(), "work dir emptied: {left:?}");
}
