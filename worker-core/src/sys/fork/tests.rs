use super::*;
use std::os::fd::AsFd;
use worker_isolate::cgroup::{CgroupLimits, CgroupRoot};

/// Root, or skipped with the reason (fatal with WORKERNATOR_REQUIRE_PRIVILEGED=1).
fn privileged(test: &str) -> bool {
    if nix::unistd::geteuid().is_root() {
        return true;
    }
    if std::env::var("WORKERNATOR_REQUIRE_PRIVILEGED").as_deref() == Ok("1") {
        panic!("{test}: WORKERNATOR_REQUIRE_PRIVILEGED=1 but not running as root");
    }
    eprintln!("{test}: skipped: not root");
    false
}

#[test]
fn a_child_is_born_inside_a_v2_cgroup() {
    if !privileged("a_child_is_born_inside_a_v2_cgroup") {
        return;
    }
    let Some(root) = CgroupRoot::unified() else {
        eprintln!("a_child_is_born_inside_a_v2_cgroup: skipped: no cgroup2 hierarchy");
        return;
    };
    let parent = format!("workernator-test-{}-clone3", std::process::id());
    let job = root
        .create(&parent, "job", &CgroupLimits::default())
        .expect("create");
    let directory = job
        .open_for_clone()
        .expect("open_for_clone")
        .expect("v2 offers a directory");
    let (hold_read, hold_write) = nix::unistd::pipe().expect("pipe");
    let born = clone_into_cgroup_single_threaded(0, directory.as_fd()).expect("clone3");
    let child = match born {
        Some(Forked::Child) => {
            // Only async-signal-safe calls here: the test process has threads.
            drop(hold_write);
            let mut byte = [0u8; 1];
            let _ = nix::unistd::read(&hold_read, &mut byte);
            // SAFETY: _exit is async-signal-safe and skips the harness's exit work.
            unsafe { libc::_exit(0) }
        }
        Some(Forked::Parent(pid)) => pid,
        None => {
            eprintln!("a_child_is_born_inside_a_v2_cgroup: skipped: no CLONE_INTO_CGROUP");
            job.remove().expect("remove");
            let _ = std::fs::remove_dir(root.path().join(&parent));
            return;
        }
    };
    drop(hold_read);
    let listed = job.processes();
    drop(hold_write);
    let _ = nix::sys::wait::waitpid(nix::unistd::Pid::from_raw(child), None);
    job.remove().expect("remove");
    std::fs::remove_dir(root.path().join(&parent)).expect("remove the test parent");
    assert_eq!(listed.expect("processes"), vec![child]);
}
