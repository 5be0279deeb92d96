//! The supervisor is SIGKILLed at each step of its own setup, including before it
//! has written any status (it records its pid only once the job runs): the job is
//! then found lost, its sandbox gone and its cgroup removed, never left starting
//! forever or started twice.

mod common;

use common::app::{AppMode, app_process as app_body, spawn_app};
use common::jobs::Ticker;
use std::os::fd::AsRawFd;
use workernator::{Runner, errors::WaitError, status::JobState};

workernator::init_before_main!();

#[test]
fn app_process() {
    app_body();
}

/// Whether someone holds the job's lock: tried without blocking, and released
/// at once if taken (then nobody did).
fn lock_held(test: &common::TestRunner, id: &str) -> bool {
    let Ok(file) = std::fs::File::open(test.dir.path().join("active").join(id)) else {
        return false;
    };
    // SAFETY: flock(2) on a descriptor this function owns for the whole call.
    let taken = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } == 0;
    !taken
}

fn crash_at(point: &str, mode: AppMode) {
    let test = common::runner();
    let mut app = spawn_app(&test, mode, &[("WORKERNATOR_TEST_CRASH_AT", point)]);
    let ids = app.read_until("ready");
    assert_eq!(ids.len(), 1, "{point}: {ids:?}");
    let id = ids[0].clone();
    common::eventually("the supervisor to crash", || !lock_held(&test, &id));
    app.kill();

    let runner = Runner::open(test.runner.config().clone()).unwrap();
    let job = runner
        .attach::<Ticker>(&id.parse().unwrap())
        .unwrap_or_else(|error| panic!("{point}: {error}"));
    match common::rt().block_on(job.wait()) {
        Err(WaitError::Lost { reason, .. }) => {
            assert!(reason.contains("supervisor"), "{point}: {reason}")
        }
        other => panic!("{point}: expected Lost, got {other:?}"),
    }
    let status = job.status().unwrap();
    assert_eq!(status.state, JobState::Lost, "{point}");
    assert!(
        test.cgroup_left(&id).is_empty(),
        "{point}: the cgroup is removed"
    );
    let active: Vec<_> = std::fs::read_dir(test.dir.path().join("active"))
        .unwrap()
        .collect();
    assert!(active.is_empty(), "{point}: a lost job is finished");
    // (A removed cgroup held no process: the sandbox went with its supervisor.)
    let left = test.work_left(&id);
    assert!(
        left.is_empty(),
        "{point}: the work directory is emptied: {left:?}"
    );
}

#[test]
fn a_crash_at_any_step_of_the_supervisors_setup_leaves_a_lost_job() {
    if !common::privileged("a_crash_at_any_step_of_the_supervisors_setup_leaves_a_lost_job") {
        return;
    }
    for point in [
        "supervisor:forked",
        "supervisor:attached",
        "supervisor:let-go",
    ] {
        crash_at(point, AppMode::Tickers(1));
    }
    // A job with a start time announces its supervisor before it waits.
    crash_at("supervisor:announced", AppMode::Delayed(50));
}
