//! A sandbox whose own setup fails reports that step, even though the supervisor
//! moves it into the job's cgroup at the same time (the init does its setup while
//! the move runs, and waits for the move before it exits).

mod common;

use common::jobs::Square;
use workernator::errors::WaitError;

workernator::init_before_main!();

#[test]
fn a_setup_failure_is_reported_with_its_step_not_as_a_cgroup_failure() {
    if !common::privileged("a_setup_failure_is_reported_with_its_step_not_as_a_cgroup_failure") {
        return;
    }
    let test = common::runner();
    // A custom root that exists when the job is started (start checks it) and is
    // gone by the time the sandbox builds its root from it: the supervisor is
    // still starting (its exec alone takes about a millisecond).
    let root = tempfile::Builder::new()
        .prefix("workernator-test-")
        .tempdir()
        .unwrap();
    let options = workernator::StartOptions::new().root_dir(root.path());
    let job = test.runner.start_with(Square { n: 3 }, options).unwrap();
    let root_path = root.path().to_owned();
    root.close().unwrap();
    match common::rt().block_on(job.wait()) {
        Err(WaitError::SetupFailed { failure, .. }) => {
            assert_eq!(failure.errno, Some(libc::ENOENT), "{failure:?}");
            assert!(
                failure.path.starts_with(&root_path.display().to_string()),
                "the sandbox's own step is reported: {failure:?}"
            );
        }
        other => panic!("expected the sandbox's setup failure, got {other:?}"),
    }
    assert!(test.cgroup_left(job.id().as_str()).is_empty());
}
