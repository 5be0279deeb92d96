//! A sandbox whose own setup fails reports that step, even though the supervisor
//! moves it into the job's cgroup at the same time (the init does its setup while
//! the move runs, and waits for the move before it exits).

mod common;

use common::jobs::Square;
use workernator::WaitError;

workernator::init_before_main!();

#[test]
fn a_setup_failure_is_reported_with_its_step_not_as_a_cgroup_failure() {
    if !common::privileged("a_setup_failure_is_reported_with_its_step_not_as_a_cgroup_failure") {
        return;
    }
    let test = common::runner();
    let job = test.runner.start(Square { n: 3 }).unwrap();
    // The supervisor is still starting (its exec alone takes about a millisecond):
    // take the work directory away, so that the sandbox cannot bind it.
    let work = test
        .dir
        .path()
        .join("jobs")
        .join(job.id().as_str())
        .join("work");
    std::fs::remove_dir(&work).unwrap();
    match common::rt().block_on(job.wait()) {
        Err(WaitError::SetupFailed { failure, .. }) => {
            assert_eq!(failure.step, "open_tree", "{failure:?}");
            assert_eq!(failure.errno, Some(libc::ENOENT), "{failure:?}");
            assert!(failure.path.ends_with("/work"), "{failure:?}");
        }
        other => panic!("expected the sandbox's setup failure, got {other:?}"),
    }
    assert!(test.cgroup_left(job.id().as_str()).is_empty());
}
